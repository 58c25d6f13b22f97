# hoststate.sh - what the test suite may touch on the host, recorded so that
# tests/run-suite.sh can show that the suite left the machine as it found it.
#
#   hoststate_snapshot DIR     record the state into DIR (one file per kind)
#   hoststate_compare OLD NEW  print what differs, by kind; 1 if anything does
#
# Kinds: the account databases (/etc/passwd, group, shadow, gshadow, and the
# subordinate id ranges /etc/subuid, subgid), the
# installed SELinux modules (semodule -l, where the policy store exists),
# the loaded AppArmor profiles, and the mount table (mount point, type and
# source; not options, which the kernel may reword).

hoststate_snapshot() {
	local dir=$1 f
	mkdir -p "$dir"
	for f in passwd group shadow gshadow subuid subgid; do
		if [ -r "/etc/$f" ]; then sort "/etc/$f"; fi >"$dir/$f"
	done
	if command -v semodule >/dev/null 2>&1 && [ -d /var/lib/selinux ]; then
		semodule -l 2>/dev/null | sort
	fi >"$dir/selinux-modules"
	if [ -r /sys/kernel/security/apparmor/profiles ]; then
		sort /sys/kernel/security/apparmor/profiles
	fi >"$dir/apparmor-profiles"
	awk '{ print $2, $3, $1 }' /proc/self/mounts | sort >"$dir/mounts"
}

hoststate_compare() {
	local old=$1 new=$2 f changed=0 d
	for f in passwd group shadow gshadow subuid subgid selinux-modules apparmor-profiles mounts; do
		# shadow lines of an account: only the name (the rest is secret)
		if d=$(diff "$old/$f" "$new/$f"); then
			continue
		fi
		changed=1
		echo "host state changed: $f"
		case $f in
		shadow | gshadow) grep '^[<>]' <<<"$d" | cut -d: -f1 | sed 's/^/    /' ;;
		*) grep '^[<>]' <<<"$d" | sed 's/^/    /' ;;
		esac
	done
	return $changed
}
