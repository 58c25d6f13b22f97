#!/bin/bash
# apparmor-guest-prep.sh - host side of tests/policy/apparmor-guest.sh.
#
#   tests/policy/apparmor-guest-prep.sh OUTDIR [EXPORTS [BUILDDIR]]
#
# Writes into OUTDIR what the guest needs to enforce the p9guard profiles
# without any AppArmor userspace in the initramfs:
#   OUTDIR/aa-probe                 static probe (tests/policy/aa-probe.c)
#   OUTDIR/p9guard-helper.bin       compiled profiles (apparmor_parser -S,
#   OUTDIR/p9guard.bin              ABI 3.0), loaded by writing them to
#                                   /sys/kernel/security/apparmor/.replace
#   OUTDIR/profiles/                the text profiles, tunable and abstraction,
#                                   for a guest that does ship apparmor_parser
#   OUTDIR/apparmor-guest.sh        the guest script
#   OUTDIR/daemons/p9guard          the real binaries from BUILDDIR, if given
#   OUTDIR/daemons/p9guard-helper
#   OUTDIR/sysroot/                 the shared libraries they load (ldd),
#                                   at the host's paths, for the guest's /;
#                                   newuidmap, newgidmap (mode 4755) and
#                                   setpriv, for the rootless pair
# Profiles are generated for sbindir=/usr/sbin, helper in /usr/libexec/p9guard/;
# EXPORTS (default "/srv/p9guard/") sets @{P9GUARD_EXPORTS}.
# Needs: gcc (static glibc: libc6-dev), apparmor (apparmor_parser).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
out=${1:?usage: apparmor-guest-prep.sh OUTDIR [EXPORTS [BUILDDIR]]}
exports=${2:-/srv/p9guard/}
builddir=${3:-}
abi=/etc/apparmor.d/abi/3.0

command -v apparmor_parser >/dev/null || { echo "apparmor_parser missing (apt-get install apparmor)" >&2; exit 1; }
[ -r "$abi" ] || { echo "$abi missing (apt-get install apparmor)" >&2; exit 1; }

mkdir -p "$out/profiles/tunables" "$out/profiles/abstractions"
sh "$srcdir/apparmor/gen-profiles.sh" "$srcdir/apparmor" "$out/profiles" /usr/sbin /usr/libexec/p9guard /etc
cp "$srcdir/apparmor/abstractions/p9guard-base" "$out/profiles/abstractions/"
sed "s|^@{P9GUARD_EXPORTS}=.*|@{P9GUARD_EXPORTS}=$exports|" "$srcdir/apparmor/tunables/p9guard" \
	>"$out/profiles/tunables/p9guard"
for p in p9guard-helper p9guard; do
	apparmor_parser -Q -K -T -S -M "$abi" -I "$out/profiles" "$out/profiles/$p" >"$out/$p.bin" \
		2> >(grep -v 'Cache read/write disabled' >&2)
	[ -s "$out/$p.bin" ] || { echo "apparmor_parser produced no $p.bin" >&2; exit 1; }
done
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$out/aa-probe" "$here/aa-probe.c"
cp "$here/apparmor-guest.sh" "$out/apparmor-guest.sh"
chmod 0755 "$out/apparmor-guest.sh"

# The real daemons and every shared object ldd names for them (libc,
# libseccomp, libcap-ng and the loader), copied to the same absolute
# paths below sysroot/: the profiles' library rules match those paths.
if [ -n "$builddir" ]; then
	mkdir -p "$out/daemons" "$out/sysroot"
	# hostile_vhost_user: a vhost-user front-end of the tests', for a
	# real virtio session under the profiles.
	for b in p9guard p9guard-helper tests/robustness/hostile_vhost_user; do
		[ -x "$builddir/$b" ] || { echo "no $builddir/$b (build p9guard first)" >&2; exit 1; }
		cp "$builddir/$b" "$out/daemons/${b##*/}"
		ldd "$builddir/$b" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'
	done | sort -u | while read -r lib; do
		mkdir -p "$out/sysroot$(dirname "$lib")"
		cp -L "$lib" "$out/sysroot$lib"
	done
	[ -n "$(find "$out/sysroot" -name 'libc.so*')" ] || { echo "ldd named no libc" >&2; exit 1; }
fi
# newuidmap and newgidmap (Debian package uidmap, set-user-ID root, kept so)
# and util-linux's setpriv, for the rootless pair started by an ordinary
# user in the guest; with their libraries.
if [ -n "$builddir" ] && command -v newuidmap >/dev/null && command -v newgidmap >/dev/null; then
	mkdir -p "$out/sysroot/usr/bin"
	install -m 4755 "$(command -v newuidmap)" "$(command -v newgidmap)" "$out/sysroot/usr/bin/"
	install -m 0755 "$(command -v setpriv)" "$out/sysroot/usr/bin/setpriv"
	for b in newuidmap newgidmap setpriv; do
		ldd "$(command -v $b)" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'
	done | sort -u | while read -r lib; do
		[ -e "$out/sysroot$lib" ] && continue
		mkdir -p "$out/sysroot$(dirname "$lib")"
		cp -L "$lib" "$out/sysroot$lib"
	done
fi
# aa-exec (Debian package apparmor; libapparmor is linked in), for the
# guest's "aa-exec -p p9guard-helper -- cat /etc/shadow".
aaexec=$(command -v aa-exec || true)
if [ -n "$aaexec" ] && [ -n "$builddir" ]; then
	mkdir -p "$out/sysroot/usr/bin"
	cp "$aaexec" "$out/sysroot/usr/bin/aa-exec"
	ldd "$aaexec" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
		while read -r lib; do
			[ -e "$out/sysroot$lib" ] && continue
			mkdir -p "$out/sysroot$(dirname "$lib")"
			cp -L "$lib" "$out/sysroot$lib"
		done
fi
echo "apparmor-guest-prep: $out ready (exports: $exports${builddir:+, daemons from $builddir})"
