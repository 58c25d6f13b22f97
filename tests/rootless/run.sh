#!/usr/bin/env bash
# run.sh - the rootless pair (p9guard --rootless), run by an ordinary host
# user that the test makes, with subordinate id ranges of its own.
#
# Usage: tests/rootless/run.sh BUILDDIR
#
# As root: makes the user p9g-rootless (uid 4350) with the ranges
# 300000:65536 in /etc/subuid and /etc/subgid, a second user p9g-rootless2
# (uid 4351) for the refusals, a third, p9g-rootless3 (uid 4352), in a host
# group the namespace does not map (70001), copies p9guard and
# p9guard-helper where the user can run them, and starts the pair as
# p9g-rootless (setpriv, no --rootless: a non-root start under passthrough
# chooses it).  Then checks: no process of the pair has host uid 0 (the
# helper is the user, the frontend the range's nobody, without groups); the
# frontend holds no capability in any set; each process is in a user
# namespace of its own (siblings with the same maps: the user and its
# range); through 9P (p9guard-client) files made by guest uids land on the
# subordinate ids (guest 1000 -> 300999) and read back as the guest's (also
# for the uid of p9g-rootless3: the helper reads no host user database
# there), guest root's files belong to the user, ids outside the range act
# as the unmapped id inside it, set-user-ID files never belong to host
# root, device nodes get EPERM with a log line, FIFOs work, trusted.* is
# refused, nothing outside the export is reached.  Then each refusal with
# its one-line error: --user, --allow-devices, --trusted-xattrs, an export
# of someone else, no subordinate range, a range too small, no newuidmap,
# user namespaces disabled, --rootless as root.  /etc/subuid, /etc/subgid
# and user.max_user_namespaces are put back as they were, also on failure.
# Prints "ok - ..." / "not ok - ..." / "skip - ..." and ends with
# "N passed, N failed, N skipped"; exits 1 when a check failed.
set -euo pipefail

BUILDDIR=$(cd "${1:-.}" && pwd)
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
CLIENT=$BUILDDIR/p9guard-client
USER1=p9g-rootless UID1=4350
USER2=p9g-rootless2 UID2=4351
# A host user whose number a guest uses too, in a host group the
# namespace does not map (70001 > 65536).
USER3=p9g-rootless3 UID3=4352 FARGID=70001
SUB_START=300000 SUB_COUNT=65536

pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }
check() {	# DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (to make the test's user and its subordinate ranges)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
# A chroot (fresh-debian-run's fresh root) refuses user namespaces even to
# root: unshare(2) says EPERM for a process whose root is not its mount
# namespace's.  Nothing rootless can run there; say so.
if ! unshare --user true 2>/dev/null; then
	echo "SKIP: user namespaces cannot be made here, not even by root (a chroot refuses them:" \
		"unshare(2) EPERM); tests/policy/apparmor-guest.sh runs a rootless pair in a guest"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
for tool in newuidmap newgidmap setpriv; do
	if ! command -v $tool >/dev/null; then
		echo "not ok - $tool is missing (Debian's uidmap and util-linux packages)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# shellcheck source=../lib/accounts.sh
. "$SRCDIR/tests/lib/accounts.sh"
# shellcheck source=../lib/subids.sh
. "$SRCDIR/tests/lib/subids.sh"
WORK=$(mktemp -d /tmp/p9g-rootless.XXXXXX)
chmod 0755 "$WORK"
subids_save "$WORK/subids"
maxns_saved=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo)
maxns_changed=0
PAIR_PID=

cleanup() {
	set +e
	[ -n "$PAIR_PID" ] && kill "$PAIR_PID" 2>/dev/null && wait "$PAIR_PID" 2>/dev/null
	pkill -u "$UID1" -x p9guard 2>/dev/null
	pkill -u "$((SUB_START + 65533))" -x p9guard 2>/dev/null
	pkill -u "$UID2" -x p9guard 2>/dev/null
	[ $maxns_changed = 1 ] && echo "$maxns_saved" >/proc/sys/user/max_user_namespaces
	acct_cleanup
	# userdel removed the users' lines; put the files back byte for byte
	subids_restore "$WORK/subids"
	rm -rf "$WORK"
}
trap cleanup EXIT

acct_user "$UID1" "$USER1"
acct_user "$UID2" "$USER2"
acct_group "$FARGID" p9g-rootless-far
acct_user "$UID3" "$USER3" "$FARGID"
# Exactly the ranges the test counts on (useradd may have added others).
subids_set "$USER1" "$SUB_START" "$SUB_COUNT"
subids_set "$USER2" "" ""

install -m 0755 "$BUILDDIR/p9guard" "$BUILDDIR/p9guard-helper" "$WORK/"
mkdir -m 0755 "$WORK/export" "$WORK/run" "$WORK/outside"
chown "$USER1:" "$WORK/export" "$WORK/run"
echo secret >"$WORK/outside/secret"
SOCK=$WORK/run/9p.sock
as_user() {	# USER COMMAND...
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups "$@"
}
cl() {	# GUEST-UID COMMAND...: p9guard-client as that guest uid
	local g=$1
	shift
	"$CLIENT" --unix "$SOCK" --uid "$g" --gid "$g" "$@"
}
owner() { stat -c %u:%g "$1"; }

# ---- the pair as an ordinary user ----
# (exec: $! is p9guard itself, which SIGTERM must stop with status 0)
(exec setpriv --reuid="$USER1" --regid="$USER1" --init-groups "$WORK/p9guard" \
	--export "$WORK/export" --listen "unix:$SOCK" --helper "$WORK/p9guard-helper" \
	--log-level debug >"$WORK/pair.log" 2>&1) &
PAIR_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && grep -q 'ready' "$WORK/pair.log" && break; sleep 0.1; done
if ! grep -q 'ready' "$WORK/pair.log"; then
	notok "the rootless pair starts"
	sed 's/^/# /' "$WORK/pair.log"
	echo "$pass passed, $fail failed, $skipped skipped"
	exit 1
fi
ok "the pair starts as $USER1 (uid $UID1) without root"
check "a non-root start under passthrough chooses rootless and says so" \
	grep -q "started by uid $UID1, not root: rootless" "$WORK/pair.log"

FE_UID=$((SUB_START + 65533))	# namespace id 65534 of the frontend's own namespace
FE=$(pgrep -u "$FE_UID" -x p9guard)
HE=$(pgrep -u "$UID1" -x p9guard-helper)
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
ids1="$UID1 $UID1 $UID1 $UID1" idsfe="$FE_UID $FE_UID $FE_UID $FE_UID"
check "no process of the pair has host uid 0: the helper is $USER1 ($(status_field "$HE" Uid))" \
	test "$(status_field "$HE" Uid)" = "$ids1"
check "the frontend is the range's nobody, host uid $FE_UID ($(status_field "$FE" Uid)): it cannot signal or trace the helper" \
	test "$(status_field "$FE" Uid)" = "$idsfe" -a "$(status_field "$FE" Groups)" = ""
no_caps=1
for k in CapInh CapPrm CapEff CapBnd CapAmb; do
	[ "$(status_field "$FE" $k)" = 0000000000000000 ] || no_caps=0
done
check "the frontend holds no capability in any set (bounding and ambient included)" test $no_caps = 1
init_ns=$(readlink /proc/$$/ns/user) fe_ns=$(readlink "/proc/$FE/ns/user") he_ns=$(readlink "/proc/$HE/ns/user")
check "the helper is in a user namespace of its own ($he_ns, not the host's $init_ns)" \
	test "$he_ns" != "$init_ns" -a "$he_ns" != "$fe_ns"
check "the frontend is in another one ($fe_ns), a sibling: no capability over the helper's" \
	test "$fe_ns" != "$init_ns"
check "with the same maps, so that its fstat() of passed descriptors shows the helper's ids" \
	test "$(awk '{ print $1, $2, $3 }' "/proc/$FE/uid_map" | tr '\n' ' ')" = \
	"0 $UID1 1 1 $SUB_START $SUB_COUNT "
check "the helper's uid map is $USER1 as 0 and its range as 1..$SUB_COUNT" \
	test "$(awk '{ print $1, $2, $3 }' "/proc/$HE/uid_map" | tr '\n' ' ')" = \
	"0 $UID1 1 1 $SUB_START $SUB_COUNT "
check "its gid map likewise" \
	test "$(awk '{ print $1, $2, $3 }' "/proc/$HE/gid_map" | tr '\n' ' ')" = \
	"0 $UID1 1 1 $SUB_START $SUB_COUNT "
check "both run with seccomp filters (Seccomp: 2) and no_new_privs" \
	test "$(status_field "$FE" Seccomp) $(status_field "$FE" NoNewPrivs) $(status_field "$HE" Seccomp) $(status_field "$HE" NoNewPrivs)" = "2 1 2 1"
# chown dac_override dac_read_search fowner fsetid setgid setuid = bits 0-4, 6, 7
check "the helper's effective, permitted and bounding sets are exactly its usual set (0xdf), no ambient" \
	test "$(status_field "$HE" CapEff) $(status_field "$HE" CapPrm) $(status_field "$HE" CapBnd) $(status_field "$HE" CapAmb)" = \
	"00000000000000df 00000000000000df 00000000000000df 0000000000000000"
check "the helper keeps only its capabilities, over its namespace's ids" \
	grep -q 'p9guard-helper.*confinement: uid=0 gid=0 groups=none caps=chown,dac_override,dac_read_search,fowner,fsetid,setgid,setuid ' \
	"$WORK/pair.log"

# ---- ownership through 9P ----
g1000=$((SUB_START + 999)) nobody=$((SUB_START + 65533))
echo data | cl 1000 put - f1000 >/dev/null
check "a file made by guest uid 1000 belongs to host $g1000:$g1000 (the 1000th id of the range)" \
	test "$(owner "$WORK/export/f1000")" = "$g1000:$g1000"
check "and reads back as 1000:1000 in the guest" \
	bash -c "'$CLIENT' --unix '$SOCK' --uid 1000 stat f1000 | grep -q 'Uid: *1000' && '$CLIENT' --unix '$SOCK' --uid 1000 stat f1000 | grep -q 'Gid: *1000'"
g3=$((SUB_START + UID3 - 1))
echo data | cl "$UID3" put - f3 >/dev/null || true
check "guest uid $UID3 creates as $g3 though host user $USER3 has that number and a group (host $FARGID) the namespace does not map: the helper does not take namespace ids' groups from the host's user database" \
	test "$(owner "$WORK/export/f3" 2>/dev/null)" = "$g3:$g3"
cl 0 mkdir d0 >/dev/null
check "a directory made by guest root belongs to $USER1 ($UID1:$UID1), not to host root" \
	test "$(owner "$WORK/export/d0")" = "$UID1:$UID1"
cl 0 chown 70000:70000 f1000 >/dev/null
check "chown to an id outside the range (70000) gives the unmapped id inside it ($nobody)" \
	test "$(owner "$WORK/export/f1000")" = "$nobody:$nobody"
echo x | cl 0 put - suid >/dev/null
cl 0 chmod 4755 suid >/dev/null
check "a set-user-ID file made by guest root belongs to $UID1 on the host, never to host root" \
	test "$(stat -c %u:%a "$WORK/export/suid")" = "$UID1:4755"
if cl 0 mknod null c 1 3 2>"$WORK/mknod.err"; then
	notok "mknod of a character device is refused"
else
	check "mknod of a character device: EPERM" grep -q 'Operation not permitted' "$WORK/mknod.err"
fi
check "... with one log line saying why" \
	grep -q 'mknod of a block or character device: EPERM, a user namespace' "$WORK/pair.log"
cl 0 mknod fifo p >/dev/null
check "a FIFO can be made (owned by $UID1)" test -p "$WORK/export/fifo" -a "$(owner "$WORK/export/fifo")" = "$UID1:$UID1"
if cl 0 setfattr -n trusted.p9g -v 1 d0 2>/dev/null; then
	notok "trusted.* xattrs are refused"
else
	ok "trusted.* xattrs are refused"
fi
check "user.* xattrs work" cl 0 setfattr -n user.p9g -v 1 d0
ln -s "$WORK/outside/secret" "$WORK/export/escape"
check "nothing outside the export is reached (a host symlink to it is not followed)" \
	bash -c "! '$CLIENT' --unix '$SOCK' --uid 0 cat escape 2>/dev/null | grep -q secret"
check "... nor is .. above the root" \
	bash -c "! '$CLIENT' --unix '$SOCK' --uid 0 cat ../outside/secret 2>/dev/null | grep -q secret"
kill -TERM "$PAIR_PID"
rc=0
wait "$PAIR_PID" || rc=$?
PAIR_PID=
check "the pair stops on SIGTERM with status 0 (got $rc)" test $rc = 0

# ---- refusals, each a one-line error naming the cause ----
refused() {	# DESCRIPTION PATTERN USER [ENV...] -- P9GUARD-ARGS...
	local what=$1 pattern=$2 u=$3 envs=() out rc=0
	shift 3
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	out=$(as_user "$u" env "${envs[@]}" "$WORK/p9guard" --export "$WORK/export" \
		--listen "unix:$WORK/run/refused.sock" --helper "$WORK/p9guard-helper" "$@" 2>&1) || rc=$?
	if [ $rc != 0 ] && grep -q -- "$pattern" <<<"$out"; then
		ok "$what"
	else
		notok "$what (exit $rc): $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	fi
}
refused "--user with --rootless is refused" "--user nobody with --rootless" "$USER1" -- \
	--rootless --user nobody
refused "--allow-devices with rootless is refused, naming mapped-xattr" \
	"--allow-devices with --rootless: a user namespace cannot create device nodes" "$USER1" -- \
	--allow-devices
refused "--trusted-xattrs with rootless is refused" "--trusted-xattrs with --rootless" "$USER1" -- \
	--trusted-xattrs
chown root: "$WORK/export"
refused "an export the user does not own is refused" "the export .* belongs to uid 0, not to $USER1" \
	"$USER1" -- --rootless
chown "$USER1:" "$WORK/export"
refused "no subordinate range: the error names usermod --add-subuids" \
	"$USER2 has no subordinate uid range in /etc/subuid: add one as root (usermod --add-subuids" \
	"$USER2" --
subids_set "$USER1" "$SUB_START" 100
refused "a range too small for the unmapped id 65534 is refused" \
	"the subordinate uid range of $USER1 has 100 ids, too few" "$USER1" -- --rootless
refused "a --uid-map past the range is refused" "--uid-map 0:0:200 reaches past" "$USER1" -- \
	--uid-map 0:0:200 --gid-map 0:0:50 --unmapped-uid 7 --unmapped-gid 7
subids_set "$USER1" "$SUB_START" "$SUB_COUNT"
refused "no newuidmap in PATH: the error names the uidmap package" \
	"newuidmap not found in PATH: install Debian's uidmap package" "$USER1" PATH=/nonexistent -- \
	--rootless
if [ -n "$maxns_saved" ] && (echo 0 >/proc/sys/user/max_user_namespaces) 2>/dev/null; then
	maxns_changed=1
	refused "user namespaces disabled: the error names the sysctl" \
		"user.max_user_namespaces = 0" "$USER1" -- --rootless
	echo "$maxns_saved" >/proc/sys/user/max_user_namespaces
	maxns_changed=0
else
	skip "user namespaces disabled: /proc/sys/user/max_user_namespaces cannot be written here (a container's /proc/sys is read-only; tests/policy/apparmor-guest.sh checks both settings on Debian's kernel)"
fi
out=$("$WORK/p9guard" --rootless --export "$WORK/export" --listen "unix:$WORK/run/r.sock" \
	--helper "$WORK/p9guard-helper" 2>&1) && rc=0 || rc=$?
check "--rootless as root is refused" \
	test $rc != 0 -a -n "$(grep -- '--rootless is for an ordinary user' <<<"$out")"

echo "$pass passed, $fail failed, $skipped skipped"
[ $fail = 0 ]
