#!/bin/sh
# apparmor-guest.sh - inside a guest booted with AppArmor (Debian kernel,
# "apparmor=1 security=apparmor"), load the p9guard profiles and show they
# are enforced: the helper may write in the export and nowhere else, has
# no inet socket and executes nothing; the frontend execs the helper into
# its profile.  POSIX sh: runs under busybox.
#
#   apparmor-guest.sh [DIR]
#
# DIR (default: this script's directory) is what
# tests/policy/apparmor-guest-prep.sh wrote on the host: aa-probe,
# p9guard-helper.bin, p9guard.bin (and profiles/ for a guest with
# apparmor_parser).  The profiles attach to /usr/sbin/p9guard and
# /usr/libexec/p9guard-helper, so the probe is copied to those paths; the
# export is /srv/p9guard/ unless prep was given another.
# Must run as root.  Prints one line per test and "N passed, N failed";
# exits 0 if all passed, 1 if any failed, 77 if AppArmor is not available.
set -u

dir=${1:-$(dirname "$0")}
sec=/sys/kernel/security
npass=0
nfail=0

pass() { npass=$((npass + 1)); echo "PASS: $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $1"; }
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
mkdir -p /usr/sbin /usr/libexec /srv/p9guard /srv/p9guardx /etc
cp "$dir/aa-probe" /usr/libexec/p9guard-helper
cp "$dir/aa-probe" /usr/sbin/p9guard
chmod 0755 /usr/libexec/p9guard-helper /usr/sbin/p9guard
echo "secret" >/etc/p9guard-secret
chmod 0600 /etc/p9guard-secret
helper=/usr/libexec/p9guard-helper
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

echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
