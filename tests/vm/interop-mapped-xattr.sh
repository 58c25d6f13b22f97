#!/bin/bash
# interop-mapped-xattr.sh - p9guard's --security-model mapped-xattr against
# QEMU's own "-virtfs local,security_model=mapped-xattr", both directions.
#
#   tests/vm/interop-mapped-xattr.sh BUILDDIR
#
# A: the Debian guest kernel writes through QEMU's mapped-xattr share (QEMU
#    running as the unprivileged P9G_QEMU_USER, so owners, modes, a symlink
#    and device nodes exist only as QEMU's user.virtfs.* xattrs); p9guard
#    then serves the same directory (--helper-user that same user) and
#    p9guard-client must see exactly what the guest made.
# B: p9guard-client makes a directory, a file and a symlink as uid 4711 gid
#    4712 through p9guard; the guest then mounts the directory through QEMU
#    and must see the same owners, modes, types, target and content.
# Prints "ok - ..." / "not ok - ..." and ends with "N passed, N failed";
# exits 1 when a check failed, 0 with a SKIP line when not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=$(cd "${1:?usage: interop-mapped-xattr.sh BUILDDIR}" && pwd)
quser=${P9G_QEMU_USER:-p9g-qemu}
tmo=${P9G_VM_TIMEOUT:-300}
cache=${P9G_VM_CACHE:-$here/cache}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: must run as root (QEMU runs as $quser, p9guard starts as root)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
for f in p9guard p9guard-helper p9guard-client; do
	[ -x "$BUILDDIR/$f" ] || { echo "error: $BUILDDIR/$f not built" >&2; exit 2; }
done
"$here/fetch.sh" >&2
# shellcheck source=../lib/accounts.sh
. "$here/../lib/accounts.sh"
trap acct_cleanup EXIT
acct_system_user "$quser" || { echo "error: cannot create the user $quser" >&2; exit 2; }
quid=$(id -u "$quser")
qgid=$(id -g "$quser")

work=$(mktemp -d /tmp/p9g-ix.XXXXXX)
chmod 0711 "$work"
SERVER_PID=
cleanup() {
	local rc=$?
	[ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" || true
	acct_cleanup	# after the server: its helper runs as $quser
	if [ "$fail" = 0 ] && [ -z "${P9G_VM_KEEP:-}" ]; then rm -rf "$work"; else echo "# kept $work"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

kver=$(cat "$cache/kernel/current")
install -m 0644 "$cache/kernel/$kver/boot/vmlinuz-$kver" "$work/vmlinuz"
"$here/mkinitramfs.sh" "$work/initrd.cpio.gz" 2>/dev/null
chmod 0644 "$work/initrd.cpio.gz"

# boot MODE SHARE: the guest runs interop.sh MODE on QEMU's mapped-xattr
# share of SHARE; its P9G-IX: lines go to $work/MODE.ix.
boot() {
	local mode=$1 share=$2 console=$work/$1.console rc=0
	# shellcheck disable=SC2054  # QEMU's commas
	timeout --kill-after=10 "$tmo" env -i PATH=/usr/bin:/bin HOME=/nonexistent \
		setpriv --reuid="$quid" --regid="$qgid" --clear-groups --no-new-privs -- \
		qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic -nodefaults \
		-no-user-config -no-reboot -serial stdio -monitor none \
		-kernel "$work/vmlinuz" -initrd "$work/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 loglevel=4 edd=off p9g.interop=$mode" \
		-fsdev "local,id=ix,path=$share,security_model=mapped-xattr" \
		-device virtio-9p-pci,fsdev=ix,mount_tag=ix \
		</dev/null >"$console" 2>&1 || rc=$?
	tr -d '\r' <"$console" | grep -ao 'P9G-IX: .*' | sed 's/^P9G-IX: //' >"$work/$mode.ix" || true
	if [ $rc != 0 ] || ! grep -qx end "$work/$mode.ix"; then
		echo "# QEMU status $rc; console tail:"
		tr -d '\r' <"$console" | tail -n 25 | sed 's/^/# /'
		return 1
	fi
}

# serve SHARE: p9guard --security-model mapped-xattr as QEMU's user.
serve() {
	local i=0
	P9GUARD_HELPER=$BUILDDIR/p9guard-helper "$BUILDDIR/p9guard" --export "$1" \
		--listen "unix:$work/p9.sock" --user nobody --socket-mode 0600 \
		--security-model mapped-xattr --helper-user "$quser" >"$work/p9guard.log" 2>&1 &
	SERVER_PID=$!
	while [ ! -S "$work/p9.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$work/p9.sock" ]
}
unserve() {
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
	rm -f "$work/p9.sock"
}
client() { "$BUILDDIR/p9guard-client" --unix "$work/p9.sock" "$@"; }

# field STATOUTPUT NAME: the value of "NAME: value" in p9guard-client stat.
field() { sed -n "s/^$2: //p" <<<"$1" | head -n 1; }

# ---- A: QEMU writes, p9guard reads ----
mkdir -m 0700 "$work/a"
chown "$quid:$qgid" "$work/a"
if boot write "$work/a"; then
	ok "A: the guest wrote through QEMU's mapped-xattr share: $(grep -c '^made' "$work/write.ix") entries"
	check "A: on the host the file is QEMU's user's, mode 0600, the guest's owner only in user.virtfs.uid" \
		python3 -c '
import os, struct, sys
p = sys.argv[1] + "/f"
st = os.lstat(p)
ok = st.st_uid == int(sys.argv[2]) and (st.st_mode & 0o7777) == 0o600 and \
     struct.unpack("<I", os.getxattr(p, "user.virtfs.uid"))[0] == 4711
sys.exit(0 if ok else 1)' "$work/a" "$quid"
	if serve "$work/a"; then
		s=$(client stat f d l c p 2>&1 || true)
		f=$(awk '/^File: f$/,/^$/' <<<"$s")
		d=$(awk '/^File: d$/,/^$/' <<<"$s")
		l=$(awk '/^File: l /,/^$/' <<<"$s")
		c=$(awk '/^File: c$/,/^$/' <<<"$s")
		p=$(awk '/^File: p$/,/^$/' <<<"$s")
		check "A: p9guard shows f as a regular file 0751 of 4711:4712" \
			test "$(field "$f" Type)|$(field "$f" Mode)|$(field "$f" Uid)|$(field "$f" Gid)" = \
			"regular file|0751 (-rwxr-x--x)|4711|4712"
		check "A: p9guard shows d as a directory 0750 of 4711:4712" \
			test "$(field "$d" Type)|$(field "$d" Mode)|$(field "$d" Uid)|$(field "$d" Gid)" = \
			"directory|0750 (drwxr-x---)|4711|4712"
		check "A: p9guard shows l as a symlink to some/target of 4711:4712" \
			test "$(sed -n 's/^File: //p' <<<"$l")|$(field "$l" Type)|$(field "$l" Uid)" = \
			"l -> some/target|symbolic link|4711"
		check "A: p9guard shows c as char device 4,64 mode 0620 of 4713:4712" \
			test "$(field "$c" Type)|$(field "$c" Device)|$(field "$c" Mode)|$(field "$c" Uid)|$(field "$c" Gid)" = \
			"character special file|4,64|0620 (crw--w----)|4713|4712"
		check "A: p9guard shows p as a FIFO 0604 of root" \
			test "$(field "$p" Type)|$(field "$p" Mode)|$(field "$p" Uid)" = "fifo|0604 (prw----r--)|0"
		check "A: p9guard reads f's content" test "$(client cat f 2>&1)" = data
		unserve
		[ $fail = 0 ] || sed 's/^/# stat: /' <<<"$s"
	else
		notok "A: p9guard serves QEMU's share (log follows)"
		sed 's/^/# /' "$work/p9guard.log"
	fi
else
	notok "A: the guest wrote through QEMU's mapped-xattr share"
fi

# ---- B: p9guard writes, QEMU reads ----
mkdir -m 0700 "$work/b"
chown "$quid:$qgid" "$work/b"
if serve "$work/b"; then
	made=0
	client --uid 4711 --gid 4712 mkdir -m 0750 d && made=$((made + 1))
	echo "from p9guard" | client --uid 4711 --gid 4712 put -m 0640 - d/f && made=$((made + 1))
	client --uid 4711 --gid 4712 ln -s ../x d/l && made=$((made + 1))
	unserve
	check "B: p9guard made d, d/f and d/l as 4711:4712" test $made = 3
	if boot read "$work/b"; then
		check "B: the guest sees d as a directory 0750 of 4711:4712" \
			grep -qx 'stat d 4711 4712 750 directory' "$work/read.ix"
		check "B: the guest sees d/f as a regular file 0640 of 4711:4712" \
			grep -qx 'stat d/f 4711 4712 640 regular file' "$work/read.ix"
		check "B: the guest sees d/l as a symlink of 4711:4712" \
			grep -qx 'stat d/l 4711 4712 777 symbolic link' "$work/read.ix"
		check "B: the guest reads the link's target ../x" grep -qx 'link ../x' "$work/read.ix"
		check "B: the guest reads d/f's content" grep -qx 'data from p9guard' "$work/read.ix"
		[ $fail = 0 ] || sed 's/^/# guest: /' "$work/read.ix"
	else
		notok "B: the guest read through QEMU's mapped-xattr share"
	fi
else
	notok "B: p9guard serves the new share (log follows)"
	sed 's/^/# /' "$work/p9guard.log"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
