#!/bin/sh
# apparmor-guest.sh - inside a guest booted with AppArmor (Debian kernel,
# "apparmor=1 security=apparmor"), load the p9guard profiles and show they
# are enforced.  POSIX sh: runs under busybox.
#
#   apparmor-guest.sh [DIR]
#
# Part 1, a stand-in probe under each profile: the helper may write in the
# export and nowhere else, has no inet socket and executes nothing; the
# frontend execs the helper into its profile.
# Part 2, the real daemon pair: p9guard and p9guard-helper run under their
# profiles on a guest-local export, the guest's own v9fs client mounts it
# (trans=unix) and a workload (create, write, read, chown, xattr, rename,
# unlink) passes with no AppArmor denial; a directory the tunable does not
# list cannot be served.
# Part 2b, the rootless pair (p9guard started by the ordinary user 4350 with
# ranges 300000:65536): both confined, newuidmap/newgidmap in their child
# profile, owners through the guest's mount (guest root -> 4350, 1000 ->
# 300999, 70000 -> 365533 inside the range, set-user-ID never root), device
# mknod EPERM and logged, FIFO made, trusted.* refused, each process in a
# namespace of its own (frontend no capability, helper exactly its set), no
# denial; kernel.unprivileged_userns_clone=0 and user.max_user_namespaces=0
# each give an error naming the setting.  This part runs in a chroot too
# (fresh-debian-run), where the host-side rootless tests cannot.
# Part 3: a process in the helper's (and the frontend's) profile cannot
# read /etc/shadow (aa-probe in PROFILE, and aa-exec -p p9guard-helper --
# cat when prep copied aa-exec), and the kernel's DENIED line is checked.
#
# DIR (default: this script's directory) is what
# tests/policy/apparmor-guest-prep.sh wrote on the host: aa-probe,
# p9guard-helper.bin, p9guard.bin (and profiles/ for a guest with
# apparmor_parser), daemons/ (the real binaries; their shared libraries are
# already in the guest's /lib) and modules/ with modules.load (9p, 9pnet_fd
# and their dependencies, written by apparmor-vm.sh).  The profiles attach
# to /usr/sbin/p9guard and /usr/libexec/p9guard/p9guard-helper; the probe and then
# the daemons are copied to those paths.  The export is /srv/p9guard/.
# Must run as root.  Prints one line per test and "N passed, N failed";
# exits 0 if all passed, 1 if any failed, 77 if AppArmor is not available.
set -u

dir=${1:-$(dirname "$0")}
sec=/sys/kernel/security
npass=0
nfail=0

pass() { npass=$((npass + 1)); echo "PASS: $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $1"; [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/    /'; }
skip() { echo "SKIP: $1 ($2)"; }
skip_all() { echo "SKIP: apparmor-guest: $1"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }

# expect DESCRIPTION WANTED COMMAND...: WANTED is a pattern for the probe's line.
expect() {
	desc=$1 want=$2
	shift 2
	got=$("$@" 2>&1 | head -n 1)
	# shellcheck disable=SC2254 # WANTED is a glob on purpose
	case $got in
	$want) pass "$desc ($got)" ;;
	*) fail "$desc: got '$got', want '$want'" ;;
	esac
}

[ "$(id -u)" = 0 ] || skip_all "must run as root"
[ -d "$sec/apparmor" ] || mount -t securityfs securityfs "$sec" 2>/dev/null
[ -d "$sec/apparmor" ] || skip_all "no $sec/apparmor (boot with apparmor=1 security=apparmor)"
[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
	skip_all "AppArmor is not enabled in this kernel"
[ -x "$dir/aa-probe" ] || skip_all "$dir/aa-probe missing (run apparmor-guest-prep.sh on the host)"
# Every denial must reach the kernel log: the audit records of a guest
# without auditd are printk_ratelimit()ed (10 per 5 s) unless this is 0.
echo 0 >/proc/sys/kernel/printk_ratelimit

# ---- load ------------------------------------------------------------------
loaded=1
if command -v apparmor_parser >/dev/null 2>&1 && [ -d "$dir/profiles" ]; then
	apparmor_parser -r -I "$dir/profiles" "$dir/profiles/p9guard-helper" "$dir/profiles/p9guard" ||
		loaded=0
else
	for p in p9guard-helper p9guard; do
		cat "$dir/$p.bin" >"$sec/apparmor/.replace" || loaded=0
	done
fi
if [ $loaded = 1 ] && grep -q '^p9guard-helper (enforce)' "$sec/apparmor/profiles" &&
	grep -q '^p9guard (enforce)' "$sec/apparmor/profiles"; then
	pass "profiles p9guard and p9guard-helper loaded in enforce mode"
else
	fail "profiles loaded in enforce mode"
	echo "$npass passed, $nfail failed"
	exit 1
fi

# ---- the confined stand-ins ---------------------------------------------------
mkdir -p /usr/sbin /usr/libexec/p9guard /srv/p9guard /srv/p9guardx /etc
cp "$dir/aa-probe" /usr/libexec/p9guard/p9guard-helper
cp "$dir/aa-probe" /usr/sbin/p9guard
chmod 0755 /usr/libexec/p9guard/p9guard-helper /usr/sbin/p9guard
echo "secret" >/etc/p9guard-secret
chmod 0600 /etc/p9guard-secret
helper=/usr/libexec/p9guard/p9guard-helper
frontend=/usr/sbin/p9guard
denied='EACCES'

# label_of COMMAND...: the AppArmor label COMMAND runs under, read from
# outside (the profiles do not let the probe read its own attr files).
label_of() {
	"$@" hold &
	lpid=$!
	sleep 1
	cat "/proc/$lpid/attr/apparmor/current" 2>/dev/null || cat "/proc/$lpid/attr/current"
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
}

# ---- helper ---------------------------------------------------------------------
expect "helper runs confined" 'p9guard-helper*enforce*' label_of $helper
expect "helper writes inside the export" ok $helper write /srv/p9guard/inside
expect "helper makes a directory inside the export" ok $helper mkdir /srv/p9guard/sub
expect "helper writes deeper inside the export" ok $helper write /srv/p9guard/sub/file
expect "helper write outside the export (/tmp) is denied" "$denied" $helper write /tmp/p9guard-outside
expect "helper write outside the export (/etc) is denied" "$denied" $helper write /etc/p9guard-outside
expect "helper write in a sibling /srv/p9guardx is denied" "$denied" $helper write /srv/p9guardx/f
expect "helper mkdir outside the export is denied" "$denied" $helper mkdir /tmp/p9guard-dir
expect "helper reads /etc/passwd" ok $helper read /etc/passwd
expect "helper read of another /etc file is denied" "$denied" $helper read /etc/p9guard-secret
expect "helper inet socket is denied" "$denied" $helper socket inet
expect "helper exec is denied" "$denied" $helper exec /bin/busybox true
for f in /tmp/p9guard-outside /etc/p9guard-outside /srv/p9guardx/f; do
	if [ -e "$f" ]; then fail "nothing was created at $f"; else pass "nothing was created at $f"; fi
done

# ---- frontend -------------------------------------------------------------------
expect "frontend runs confined" 'p9guard (enforce)*' label_of $frontend
expect "frontend write outside its runtime dir is denied" "$denied" $frontend write /tmp/p9guard-fe
expect "frontend read of /etc/p9guard-secret is denied" "$denied" $frontend read /etc/p9guard-secret
expect "frontend exec of anything but the helper is denied" "$denied" $frontend exec /bin/busybox true
expect "frontend execs the helper into p9guard-helper" 'p9guard-helper*enforce*' \
	label_of $frontend exec $helper
mkdir -p /run/p9guard
expect "frontend writes in /run/p9guard" ok $frontend write /run/p9guard/p9guard.pid

# ---- the real daemon pair ----------------------------------------------------
# denials_since N: the AppArmor DENIED lines the kernel logged after its
# first N log lines.
denials_since() { dmesg | tail -n +"$(($1 + 1))" | grep 'apparmor="DENIED"' || true; }
# label_pid PID: the AppArmor label of PID, read from outside.
label_pid() { cat "/proc/$1/attr/apparmor/current" 2>/dev/null || cat "/proc/$1/attr/current" 2>/dev/null; }
# status_field PID FIELD: a field of /proc/PID/status (first number).
status_field() { sed -n "s/^$2:[[:space:]]*\\([0-9]*\\).*/\\1/p" "/proc/$1/status" 2>/dev/null; }
# helper_pids: pids whose command is the installed helper.
helper_pids() {
	for c in /proc/[0-9]*/cmdline; do
		[ "$(tr '\0' '\n' 2>/dev/null <"$c" | head -n 1)" = "$helper" ] || continue
		p=${c#/proc/}
		echo "${p%/cmdline}"
	done
}
# start_pair EXPORT LOG: the real frontend in the background (it execs the
# helper).  Its standard error is a pipe: a file inherited from this shell
# would be revalidated against the profile at exec (and denied).
start_pair() {
	rm -f /run/p9guard/vm.sock /run/p9guard/p9guard.pid
	rm -f /run/p9guard/vu.sock
	/usr/sbin/p9guard --export "$1" --listen unix:/run/p9guard/vm.sock --user nobody \
		--listen vhost-user:/run/p9guard/vu.sock --tag aa \
		--helper "$helper" --pidfile /run/p9guard/p9guard.pid \
		--audit file:/var/log/p9guard/audit.jsonl --log-level info </dev/null 2>&1 |
		cat >"$2" &
}
# stop_pair: TERM the frontend; the helper exits when its socket closes.
stop_pair() {
	fpid=$(cat /run/p9guard/p9guard.pid 2>/dev/null)
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && { [ -n "$fpid" ] && [ -d "/proc/$fpid" ] || [ -n "$(helper_pids)" ]; }; do
		sleep 0.2
		i=$((i + 1))
	done
	[ -z "$(helper_pids)" ] && { [ -z "$fpid" ] || [ ! -d "/proc/$fpid" ]; }
}

if [ ! -x "$dir/daemons/p9guard" ] || [ ! -x "$dir/daemons/p9guard-helper" ]; then
	skip "real daemon pair under the profiles" "no p9guard build was given to apparmor-guest-prep.sh"
elif [ ! -s "$dir/modules.load" ]; then
	skip "real daemon pair under the profiles" "no 9p modules in $dir/modules (apparmor-vm.sh puts them there)"
else
	# Any module already loaded (or built in) is fine: insmod then says EEXIST.
	while read -r m; do
		insmod "$dir/modules/$m" 2>/dev/null || grep -q "^${m%.ko} " /proc/modules ||
			fail "insmod $m"
	done <"$dir/modules.load"
	cp "$dir/daemons/p9guard" "$frontend"
	cp "$dir/daemons/p9guard-helper" "$helper"
	chmod 0755 "$frontend" "$helper"
	mkdir -p /run/p9guard /var/log/p9guard /mnt
	rm -f /var/log/p9guard/audit.jsonl
	# The export: a guest-local ext2 (loop) file system, because the
	# initramfs's tmpfs has no user.* xattrs on this kernel.
	if dd if=/dev/zero of=/tmp/export.img bs=1M count=16 2>/dev/null &&
		mke2fs -F -I 256 /tmp/export.img >/dev/null 2>&1 &&
		mount -o loop /tmp/export.img /srv/p9guard; then
		pass "export /srv/p9guard: a loop-mounted ext2 (user xattrs)"
	else
		fail "export /srv/p9guard: a loop-mounted ext2" "$(dmesg | tail -n 5)"
	fi
	base=$(dmesg | wc -l)

	start_pair /srv/p9guard /tmp/p9guard.log
	i=0
	while [ $i -lt 150 ] && [ ! -S /run/p9guard/vm.sock ]; do sleep 0.2; i=$((i + 1)); done
	sleep 0.5
	fpid=$(cat /run/p9guard/p9guard.pid 2>/dev/null)
	hpid=$(helper_pids | head -n 1)
	if [ -S /run/p9guard/vm.sock ] && [ -n "$fpid" ] && [ -n "$hpid" ]; then
		pass "the real p9guard starts under its profile and listens on /run/p9guard/vm.sock (frontend $fpid, helper $hpid)"
	else
		fail "the real p9guard starts under its profile" "$(cat /tmp/p9guard.log; denials_since "$base")"
	fi
	got=$(label_pid "$fpid")
	case $got in
	'p9guard (enforce)') pass "frontend process $fpid runs as 'p9guard (enforce)' (/proc/PID/attr/current)" ;;
	*) fail "frontend process runs as 'p9guard (enforce)': got '$got'" ;;
	esac
	got=$(label_pid "$hpid")
	case $got in
	'p9guard-helper (enforce)') pass "helper process $hpid runs as 'p9guard-helper (enforce)' (/proc/PID/attr/current)" ;;
	*) fail "helper process runs as 'p9guard-helper (enforce)': got '$got'" ;;
	esac
	if [ -n "$hpid" ] && [ "$(status_field "$hpid" PPid)" = "$fpid" ] &&
		[ "$(status_field "$fpid" Uid)" = 65534 ] && [ "$(status_field "$hpid" Uid)" = 0 ]; then
		pass "the helper is the frontend's child (exec'd through the Px rule); frontend uid 65534, helper uid 0"
	else
		fail "helper is the frontend's child; frontend nobody, helper root" \
			"helper PPid $(status_field "$hpid" PPid) frontend $fpid; uids $(status_field "$fpid" Uid) $(status_field "$hpid" Uid)"
	fi

	# The guest's own v9fs client, over the unix socket.
	if mount -t 9p -o trans=unix,version=9p2000.L,access=client,msize=262144 \
		/run/p9guard/vm.sock /mnt 2>/tmp/mount.err; then
		pass "mount -t 9p -o trans=unix /run/p9guard/vm.sock /mnt"
		ex=/srv/p9guard/wl
		if mkdir /mnt/wl && [ -d $ex ]; then pass "workload: mkdir (on the export: $ex)"; else fail "workload: mkdir"; fi
		printf 'p9guard under apparmor\n' >/mnt/wl/f
		if [ "$(cat /mnt/wl/f)" = 'p9guard under apparmor' ] &&
			[ "$(cat $ex/f)" = 'p9guard under apparmor' ]; then
			pass "workload: create, write, read back (same bytes in the export)"
		else
			fail "workload: create, write, read back" "mount: '$(cat /mnt/wl/f 2>&1)' export: '$(cat $ex/f 2>&1)'"
		fi
		chown 4711:4712 /mnt/wl/f
		got=$(stat -c %u:%g $ex/f)
		if [ "$got" = 4711:4712 ] && [ "$(stat -c %u:%g /mnt/wl/f)" = 4711:4712 ]; then
			pass "workload: chown 4711:4712 (owner in the export: $got)"
		else
			fail "workload: chown 4711:4712" "export: $got"
		fi
		"$dir/aa-probe" setxattr /mnt/wl/f user.p9guard confined >/dev/null
		got=$("$dir/aa-probe" getxattr $ex/f user.p9guard)
		if [ "$got" = confined ] && [ "$("$dir/aa-probe" getxattr /mnt/wl/f user.p9guard)" = confined ]; then
			pass "workload: setxattr/getxattr user.p9guard (in the export: $got)"
		else
			fail "workload: setxattr/getxattr user.p9guard" "export: $got"
		fi
		mv /mnt/wl/f /mnt/wl/g
		if [ ! -e $ex/f ] && [ "$(cat $ex/g 2>&1)" = 'p9guard under apparmor' ]; then
			pass "workload: rename f -> g"
		else
			fail "workload: rename f -> g" "$(ls -la $ex)"
		fi
		rm /mnt/wl/g && rmdir /mnt/wl
		if [ ! -e $ex ]; then pass "workload: unlink, rmdir"; else fail "workload: unlink, rmdir" "$(ls -la $ex)"; fi
		umount /mnt || fail "umount /mnt"
	else
		fail "mount -t 9p -o trans=unix /run/p9guard/vm.sock /mnt" "$(cat /tmp/mount.err /tmp/p9guard.log)"
	fi
	# A virtio-9p device: a vhost-user front-end (the tests' own, with
	# a sealed memfd for guest memory and eventfds, as QEMU has) hands them
	# to the confined frontend, which maps the memory and serves 9P in it.
	if [ -x "$dir/daemons/hostile_vhost_user" ]; then
		printf abc >/srv/p9guard/file
		out=$(HOSTILE_ONLY='[session]' "$dir/daemons/hostile_vhost_user" /run/p9guard/vu.sock \
			"$fpid" aa 2>&1)
		if printf '%s\n' "$out" | grep -q '^3 passed, 0 failed'; then
			pass "vhost-user: a virtio-9p session under the profile (guest memory mapped, Tread/Twrite in it)"
		else
			fail "vhost-user: a virtio-9p session under the profile" "$out"
		fi
		rm -f /srv/p9guard/file /srv/p9guard/vu-scattered
	else
		skip "vhost-user session under the profile" "no hostile_vhost_user in the build"
	fi
	log=/var/log/p9guard/audit.jsonl
	out=""
	for op in mkdir lcreate chown xattrset renameat unlinkat; do
		grep "\"op\":\"$op\"" $log 2>/dev/null | grep -q '"path":"/wl' || out="$out $op"
	done
	if [ -z "$out" ]; then
		pass "the helper appended its audit trail to $log ($(wc -l <$log) records: mkdir, lcreate, chown, xattrset, renameat, unlinkat on /wl...)"
	else
		fail "the helper appended its audit trail to $log: no record of$out" \
			"$(grep -o '"op":"[a-z_]*"' $log 2>&1 | sort | uniq -c)"
	fi
	if stop_pair; then pass "both daemons exit on SIGTERM to the frontend"; else fail "both daemons exit on SIGTERM"; fi
	out=$(denials_since "$base")
	if [ -z "$out" ]; then
		pass "no AppArmor denial while the confined pair served the workload"
	else
		fail "no AppArmor denial while the confined pair served the workload" "$out"
	fi

	# A directory the tunable does not list: the pair starts (opening a
	# directory O_PATH is not mediated), but the helper's profile refuses
	# every file operation in it, and the kernel logs each refusal.
	mkdir -p /srv/p9guardx
	base=$(dmesg | wc -l)
	start_pair /srv/p9guardx /tmp/p9guardx.log
	i=0
	while [ $i -lt 150 ] && [ ! -S /run/p9guard/vm.sock ]; do sleep 0.2; i=$((i + 1)); done
	if mount -t 9p -o trans=unix,version=9p2000.L,access=client /run/p9guard/vm.sock /mnt 2>/dev/null; then
		echo x 2>/dev/null >/mnt/f
		mkdir /mnt/d 2>/dev/null
		umount /mnt
	fi
	stop_pair >/dev/null
	out=$(denials_since "$base" | grep 'profile="p9guard-helper" name="/srv/p9guardx/')
	if [ -z "$(ls -A /srv/p9guardx)" ] && [ -n "$out" ]; then
		pass "serving /srv/p9guardx (not in @{P9GUARD_EXPORTS}): nothing created, denial logged: $(printf '%s\n' "$out" | head -n 1 | sed 's/.*apparmor=/apparmor=/')"
	else
		fail "serving /srv/p9guardx (not in @{P9GUARD_EXPORTS}): nothing created, denials logged" \
			"$(ls -la /srv/p9guardx; cat /tmp/p9guardx.log; denials_since "$base")"
	fi
fi

# ---- the rootless pair under the profiles -------------------------------------
# p9guard started by the ordinary user p9g-rl (uid 4350, ranges 300000:65536
# in the guest's /etc/subuid and /etc/subgid): newuidmap/newgidmap run in
# the child profile p9guard//newidmap, the helper is root of its own user
# namespace in p9guard-helper, and a create and a chown through the guest's
# own mount land on the user and its range, with no denial.
if [ -x "$dir/daemons/p9guard" ] && [ -s "$dir/modules.load" ] && [ -u /usr/bin/newuidmap ] &&
	[ -x /usr/bin/setpriv ]; then
	base=$(dmesg | wc -l)
	mkdir -p /srv/p9guard/rl
	chown 4350:4350 /srv/p9guard/rl /run/p9guard
	rm -f /run/p9guard/rl.sock /run/p9guard/rl.pid
	# (PATH: p9guard finds newuidmap there, as for any user)
	PATH=/usr/bin:/bin /usr/bin/setpriv --reuid=4350 --regid=4350 --clear-groups /usr/sbin/p9guard \
		--export /srv/p9guard/rl --listen unix:/run/p9guard/rl.sock --helper "$helper" \
		--pidfile /run/p9guard/rl.pid </dev/null 2>&1 | cat >/tmp/p9guard-rl.log &
	# "ready": the helper answered (the socket exists before the helper starts).
	i=0
	while [ $i -lt 150 ] && ! grep -q ': ready' /tmp/p9guard-rl.log; do sleep 0.2; i=$((i + 1)); done
	fpid=$(cat /run/p9guard/rl.pid 2>/dev/null)
	hpid=$(helper_pids | head -n 1)
	if [ -n "$hpid" ] && [ "$(label_pid "$fpid")" = 'p9guard (enforce)' ] &&
		[ "$(label_pid "$hpid")" = 'p9guard-helper (enforce)' ] &&
		[ "$(status_field "$hpid" Uid)" = 4350 ] && [ "$(status_field "$fpid" Uid)" = 365533 ]; then
		pass "rootless: p9g-rl's pair runs confined: frontend $fpid (uid 365533) in p9guard, helper $hpid (uid 4350, root of its namespace) in p9guard-helper"
	else
		fail "rootless: the pair of an ordinary user runs confined" \
			"frontend $fpid '$(label_pid "$fpid")' uid $(status_field "$fpid" Uid); helper $hpid '$(label_pid "$hpid")' uid $(status_field "$hpid" Uid); $(cat /tmp/p9guard-rl.log)"
	fi
	if ! grep -q ': ready' /tmp/p9guard-rl.log; then
		fail "rootless: the pair becomes ready" "$(cat /tmp/p9guard-rl.log; denials_since "$base")"
	elif mount -t 9p -o trans=unix,version=9p2000.L,access=client /run/p9guard/rl.sock /mnt 2>/tmp/mount.err; then
		echo rootless >/mnt/f
		chown 1000:1000 /mnt/f
		mkdir /mnt/d
		got="$(stat -c %u:%g /srv/p9guard/rl/f) $(stat -c %u:%g /srv/p9guard/rl/d) $(stat -c %u:%g /mnt/f)"
		if [ "$got" = "300999:300999 4350:4350 1000:1000" ]; then
			pass "rootless: guest root's directory belongs to 4350, chown 1000 gives host 300999 (the guest sees 1000)"
		else
			fail "rootless: owners through the rootless pair" "host f, host d, guest f: $got"
		fi
		# What a guest cannot get through the rootless helper.
		echo x >/mnt/big && chown 70000:70000 /mnt/big
		echo x >/mnt/suid && chmod 4755 /mnt/suid
		got="$(stat -c %u:%g /srv/p9guard/rl/big) $(stat -c %u:%a /srv/p9guard/rl/suid)"
		if [ "$got" = "365533:365533 4350:4755" ]; then
			pass "rootless: chown to 70000 (outside the range) gives host 365533, inside it; a set-user-ID file of guest root belongs to 4350"
		else
			fail "rootless: ids outside the range and set-user-ID files" "host big, host suid: $got"
		fi
		mknod /mnt/c c 1 3 2>/tmp/mknod.err && fail "rootless: device mknod refused" "it was made"
		if [ ! -e /srv/p9guard/rl/c ] && grep -qi 'not permitted' /tmp/mknod.err &&
			grep -q 'mknod of a block or character device: EPERM, a user namespace' /tmp/p9guard-rl.log &&
			mkfifo /mnt/p && [ -p /srv/p9guard/rl/p ] && [ "$(stat -c %u /srv/p9guard/rl/p)" = 4350 ]; then
			pass "rootless: device mknod EPERM with the helper's log line; a FIFO is made (owner 4350)"
		else
			fail "rootless: device mknod EPERM, FIFO made" "$(cat /tmp/mknod.err; ls -ln /srv/p9guard/rl)"
		fi
		if "$dir/aa-probe" setxattr /mnt/f trusted.p9g x >/dev/null 2>&1; then
			fail "rootless: trusted.* xattrs refused" "setxattr trusted.p9g worked"
		else
			pass "rootless: trusted.* xattrs refused"
		fi
		fns=$(readlink "/proc/$fpid/ns/user") hns=$(readlink "/proc/$hpid/ns/user") ons=$(readlink /proc/self/ns/user)
		if [ "$fns" != "$ons" ] && [ "$hns" != "$ons" ] && [ "$fns" != "$hns" ] &&
			[ "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$fpid/status")" = 0000000000000000 ] &&
			[ "$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$fpid/status")" = 0000000000000000 ] &&
			[ "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$hpid/status")" = 00000000000000df ]; then
			pass "rootless: frontend and helper each in a user namespace of its own ($fns, $hns); frontend no capability, helper exactly 0xdf there"
		else
			fail "rootless: namespaces and capabilities" "ns $fns $hns (ours $ons); $(grep Cap /proc/$fpid/status /proc/$hpid/status)"
		fi
		umount /mnt
	else
		fail "rootless: mount the rootless pair's socket" "$(cat /tmp/mount.err /tmp/p9guard-rl.log)"
	fi
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null
	i=0
	while [ $i -lt 50 ] && [ -n "$(helper_pids)" ]; do sleep 0.2; i=$((i + 1)); done
	out=$(denials_since "$base")
	if [ -z "$out" ]; then
		pass "rootless: no AppArmor denial (newuidmap/newgidmap in p9guard//newidmap)"
	else
		fail "rootless: no AppArmor denial" "$out"
	fi
	# Debian's kernel: each way user namespaces can be switched off gets
	# a one-line error naming the setting (tests/rootless cannot write
	# /proc/sys in a container).
	for knob in kernel/unprivileged_userns_clone:kernel.unprivileged_userns_clone \
		user/max_user_namespaces:user.max_user_namespaces; do
		f=/proc/sys/${knob%%:*} name=${knob#*:}
		if ! old=$(cat "$f" 2>/dev/null); then
			skip "rootless: $name = 0 refused" "this kernel has no $f"
			continue
		fi
		echo 0 >"$f"
		out=$(PATH=/usr/bin:/bin /usr/bin/setpriv --reuid=4350 --regid=4350 --clear-groups \
			/usr/sbin/p9guard --export /srv/p9guard/rl --listen unix:/run/p9guard/rl2.sock \
			--helper "$helper" </dev/null 2>&1)
		echo "$old" >"$f"
		case $out in
		*"$name = 0"*) pass "rootless: with $name = 0 the error names it: $(printf '%s\n' "$out" | grep -m1 "$name")" ;;
		*) fail "rootless: $name = 0 gives an error naming it" "$out" ;;
		esac
	done
	rm -rf /srv/p9guard/rl
else
	skip "rootless pair under the profiles" "no build, 9p modules, newuidmap (uidmap) or setpriv given to the guest"
fi

# ---- /etc/shadow, what aa-exec -p would show ----------------------------------
# aa-probe "in PROFILE" changes into the profile (the kernel's changeprofile,
# as aa-exec -p does before its exec) and then opens the file itself.
printf 'root:*:19000:0:99999:7:::\n' >/etc/shadow
chmod 0640 /etc/shadow
expect "an unconfined process reads /etc/shadow (DAC allows it)" ok "$dir/aa-probe" read /etc/shadow
for p in p9guard-helper p9guard; do
	base=$(dmesg | wc -l)
	expect "in profile $p: open /etc/shadow is denied" "$denied" "$dir/aa-probe" in "$p" read /etc/shadow
	out=$(denials_since "$base" | grep "operation=\"open\" profile=\"$p\" name=\"/etc/shadow\"" | head -n 1)
	if [ -n "$out" ]; then
		pass "kernel logged the denial: ${out#*audit: }"
	else
		fail "kernel logged an AppArmor DENIED line for $p reading /etc/shadow" "$(denials_since "$base")"
	fi
done
# The same with AppArmor's own aa-exec and cat, when prep copied aa-exec.
if [ -x /usr/bin/aa-exec ]; then
	base=$(dmesg | wc -l)
	if out=$(/usr/bin/aa-exec -p p9guard-helper -- cat /etc/shadow 2>&1); then
		fail "aa-exec -p p9guard-helper -- cat /etc/shadow fails" "it printed: $out"
	else
		pass "aa-exec -p p9guard-helper -- cat /etc/shadow fails ($out)"
	fi
	out=$(denials_since "$base" | grep 'operation="open" profile="p9guard-helper" name="/etc/shadow"' | head -n 1)
	if [ -n "$out" ]; then
		pass "kernel logged the denial: ${out#*audit: }"
	else
		fail "kernel logged an AppArmor DENIED line for aa-exec -p p9guard-helper cat /etc/shadow" "$(denials_since "$base")"
	fi
else
	skip "aa-exec -p p9guard-helper -- cat /etc/shadow" "no aa-exec in the guest (host package apparmor, and a BUILDDIR)"
fi

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
