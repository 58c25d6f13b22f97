#!/usr/bin/env bash
# run.sh - the Debian package: build it, lint it, install it in a fresh root
# and serve a directory from the installed files.
#
# Usage: tests/package/run.sh SRCDIR        (as root)
#
#   1. copies the source tree (the files git knows, or the whole tree when
#      it is not a git checkout; never build outputs) and runs
#      dpkg-buildpackage -us -uc -b there (DEB_BUILD_OPTIONS=nocheck: the
#      unit tests ran in their own stages);
#   2. checks what the .deb holds: the helper in /usr/libexec/p9guard/, the
#      binaries, man pages, the systemd unit, the example configuration, the
#      AppArmor profiles loaded by the dh_apparmor snippet, the SELinux
#      module and the maintainer scripts that load and unload it;
#   3. runs lintian: no error, and every warning it gives is explained in
#      debian/README.source;
#   4. makes a Debian 12 root with debootstrap (minbase; cached as a tarball
#      in tests/vm/cache/, where the guest kernel is cached), installs the
#      .deb there with apt-get, starts the installed /usr/sbin/p9guard with
#      its default helper path, and from the installed p9guard-client
#      attaches as uid 1234 (no account anywhere) and creates a file and a
#      directory: on the host they belong to 1234:1234; the helper process
#      runs /usr/libexec/p9guard/p9guard-helper; with --permissions host the
#      same uid is refused;
#   5. purges the package there: nothing of it is left.
# The root, its mounts and every process started are removed on exit, also
# on failure.  Prints "ok - ..."/"not ok - ..." per check and "N passed,
# N failed"; exits 1 if a check failed.
set -uo pipefail

srcdir=$(cd "${1:?usage: run.sh SRCDIR}" && pwd)
cache=$srcdir/tests/vm/cache
base=$cache/bookworm-minbase.tar

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (debootstrap, chroot)" >&2; exit 2; }
for t in dpkg-buildpackage dh dh_apparmor lintian debootstrap; do
	command -v "$t" >/dev/null || {
		notok "$t is missing (apt-get install dpkg-dev debhelper dh-apparmor lintian debootstrap)"
		finish
	}
done

work=$(mktemp -d /var/tmp/p9guard-package.XXXXXX)
root=$work/root
mounts=()
cleanup() {
	local i p
	if [ -d "$root/proc" ]; then
		# Every process whose root is the fresh root (p9guard, its helper).
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
		done
	fi
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
chroot_mount() { mount "$@" && mounts+=("${!#}"); }

# ---- 1. build ----
version=$(sed -n '1s/^p9guard (\([^)]*\)).*/\1/p' "$srcdir/debian/changelog")
src=$work/src/p9guard-$version
mkdir -p "$src"
if git -C "$srcdir" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$srcdir" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src")
else
	tar -C "$srcdir" --exclude='./build*' --exclude=./tests/vm/cache -cf - . | tar -C "$src" -xf -
fi
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b \
	>"$work/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b builds p9guard_${version}"
else
	notok "dpkg-buildpackage -us -uc -b"
	tail -30 "$work/build.log"
	finish
fi
deb=$(ls "$work/src/p9guard_${version}_"*.deb)
changes=$(ls "$work/src/p9guard_${version}_"*.changes)

# ---- 2. contents ----
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/files"
missing=""
for f in /usr/sbin/p9guard /usr/libexec/p9guard/p9guard-helper /usr/bin/p9guard-client \
	/usr/bin/p9guard-audit /usr/sbin/p9guard-import-mapped-file \
	/usr/share/man/man8/p9guard.8.gz /usr/share/man/man8/p9guard-helper.8.gz \
	/usr/share/man/man1/p9guard-client.1.gz /usr/share/man/man1/p9guard-audit.1.gz \
	/usr/share/man/man7/p9guard-policy.7.gz /usr/share/man/man8/p9guard-import-mapped-file.8.gz \
	/lib/systemd/system/p9guard@.service /usr/share/doc/p9guard/examples/vm1.conf \
	/etc/apparmor.d/p9guard /etc/apparmor.d/p9guard-helper /etc/apparmor.d/tunables/p9guard \
	/etc/apparmor.d/abstractions/p9guard-base /usr/share/selinux/packages/p9guard.pp; do
	grep -qx "$f" "$work/files" || missing="$missing $f"
done
check "the .deb holds the binaries, the helper in /usr/libexec/p9guard/, man pages, unit, \
example, AppArmor profiles, SELinux module${missing:+ (missing:$missing)}" test -z "$missing"
dpkg-deb -x "$deb" "$work/x"
dpkg-deb -e "$deb" "$work/ctl"
check "the installed profiles name /usr/libexec/p9guard/p9guard-helper (Px from p9guard)" \
	grep -qE '^ */usr/libexec/p9guard/p9guard-helper +Px -> p9guard-helper,' "$work/x/etc/apparmor.d/p9guard"
check "the SELinux module package starts with its magic (0xf97cff8f)" \
	test "$(od -An -tx4 -N4 "$work/x/usr/share/selinux/packages/p9guard.pp" | tr -d ' ')" = f97cff8f
check "postinst loads both AppArmor profiles (dh_apparmor)" \
	bash -c "grep -qx ' *APP_PROFILE=\"/etc/apparmor.d/p9guard-helper\"' '$work/ctl/postinst' &&
		grep -qx ' *APP_PROFILE=\"/etc/apparmor.d/p9guard\"' '$work/ctl/postinst'"
check "postinst loads the SELinux module where SELinux is enabled; postrm removes it" \
	bash -c "grep -q 'selinuxenabled' '$work/ctl/postinst' && grep -q 'semodule -i' '$work/ctl/postinst' && grep -q 'semodule -r p9guard' '$work/ctl/postrm'"
helper_size=$(stat -c %s "$work/x/usr/libexec/p9guard/p9guard-helper")
check "the helper binary is small (${helper_size} bytes < 2 MB)" test "$helper_size" -lt 2000000

# ---- 3. lintian ----
lintian --allow-root --fail-on error --tag-display-limit 0 "$changes" >"$work/lintian.out" 2>&1
lrc=$?
errors=$(grep '^E: ' "$work/lintian.out" | head -3 | tr '\n' ';')
check "lintian: no error (exit $lrc)${errors:+: $errors}" test "$lrc" = 0 -a -z "$errors"
unexplained=""
for tag in $(sed -n 's/^W: [^:]*: \([^ ]*\).*/\1/p' "$work/lintian.out" | sort -u); do
	grep -qw -- "$tag" "$srcdir/debian/README.source" || unexplained="$unexplained $tag"
done
check "lintian: every warning is explained in debian/README.source${unexplained:+ (not:$unexplained)}" \
	test -z "$unexplained"

# ---- 4. a fresh root, the package installed, a directory served ----
. "$srcdir/tests/lib/debian-mirror.sh"
mirror=$(debian_mirror)
mkdir -p "$root"
if [ -s "$base" ]; then
	tar -C "$root" -xf "$base"
elif debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	mkdir -p "$cache" && tar -C "$root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
else
	notok "debootstrap --variant=minbase bookworm from $mirror"
	tail -20 "$work/debootstrap.log"
	finish
fi
chmod 0755 "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot_mount --bind /dev "$root/dev"
chroot_mount -t proc proc "$root/proc"
chroot_mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
chroot_mount -t tmpfs -o mode=0755 tmpfs "$root/run"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

cp "$deb" "$root/tmp/"
if in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/${deb##*/}" \
	>"$work/install.log" 2>&1; then
	ok "apt-get install of the .deb in a fresh Debian 12 root (minbase)"
else
	notok "apt-get install of the .deb in a fresh root"
	tail -20 "$work/install.log"
	finish
fi
check "dpkg says p9guard $version is installed" \
	test "$(in_root dpkg-query -W -f '${Status} ${Version}' p9guard)" = "install ok installed $version"

# serve PERMISSIONS: start the installed p9guard on /srv/pkg (default --helper).
serve() {
	rm -f "$root/run/pkg.sock"
	in_root /usr/sbin/p9guard --export /srv/pkg --listen unix:/run/pkg.sock --user nobody \
		--permissions "$1" >>"$work/p9guard.log" 2>&1 &
	server=$!
	for _ in $(seq 100); do
		[ -S "$root/run/pkg.sock" ] && return 0
		sleep 0.1
	done
	return 1
}
stop() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
client() { in_root /usr/bin/p9guard-client --unix /run/pkg.sock --uid 1234 --gid 1234 "$@"; }

mkdir -m 0755 "$root/srv/pkg"
if serve guest; then
	ok "the installed p9guard serves /srv/pkg (its default helper path)"
	hpid=
	for p in $(pgrep -x p9guard-helper); do
		[ "$(readlink "/proc/$p/root")" = "$root" ] && hpid=$p
	done
	check "the helper process runs /usr/libexec/p9guard/p9guard-helper" \
		test "$(readlink "/proc/${hpid:-0}/exe")" = "$root/usr/libexec/p9guard/p9guard-helper"
	echo hello | client put - /made-by-1234 >>"$work/client.log" 2>&1
	client mkdir /dir-of-1234 >>"$work/client.log" 2>&1
	check "a file created by uid 1234 through the installed pair is 1234:1234 on the host" \
		test "$(stat -c '%u:%g %s' "$root/srv/pkg/made-by-1234" 2>&1)" = "1234:1234 6"
	check "a directory created by uid 1234 is 1234:1234 on the host" \
		test "$(stat -c '%u:%g %F' "$root/srv/pkg/dir-of-1234" 2>&1)" = "1234:1234 directory"
	check "p9guard-client reads the file back" test "$(client cat /made-by-1234 2>&1)" = hello
	stop
else
	notok "the installed p9guard serves /srv/pkg"
	tail -20 "$work/p9guard.log"
fi
if serve host; then
	if client mkdir /refused >>"$work/client.log" 2>&1; then r=created; else r=refused; fi
	check "--permissions host: uid 1234 (no host account) cannot create in a root 0755 directory" \
		test "$r" = refused -a ! -e "$root/srv/pkg/refused"
	stop
else
	notok "the installed p9guard serves /srv/pkg with --permissions host"
fi

# ---- 5. purge ----
in_root dpkg --purge p9guard >"$work/purge.log" 2>&1
left=""
while read -r f; do
	case $f in */) continue ;; esac
	[ -e "$root$f" ] && [ ! -d "$root$f" ] && left="$left $f"
done <"$work/files"
check "dpkg --purge p9guard leaves none of its files${left:+ (left:$left)}" test -z "$left"
# postinst made /etc/apparmor.d/local/p9guard*; the purge removes them too.
check "nothing is left under /etc/apparmor.d (the local/ files postinst made)" \
	test ! -e "$root/etc/apparmor.d"

finish
