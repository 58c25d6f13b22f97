#!/bin/bash
# apparmor-guest-prep.sh - host side of tests/policy/apparmor-guest.sh.
#
#   tests/policy/apparmor-guest-prep.sh OUTDIR [EXPORTS]
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
# Profiles are generated for sbindir=/usr/sbin, libexecdir=/usr/libexec;
# EXPORTS (default "/srv/p9guard/") sets @{P9GUARD_EXPORTS}.
# Needs: gcc (static glibc: libc6-dev), apparmor (apparmor_parser).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
out=${1:?usage: apparmor-guest-prep.sh OUTDIR [EXPORTS]}
exports=${2:-/srv/p9guard/}
abi=/etc/apparmor.d/abi/3.0

command -v apparmor_parser >/dev/null || { echo "apparmor_parser missing (apt-get install apparmor)" >&2; exit 1; }
[ -r "$abi" ] || { echo "$abi missing (apt-get install apparmor)" >&2; exit 1; }

mkdir -p "$out/profiles/tunables" "$out/profiles/abstractions"
sh "$srcdir/apparmor/gen-profiles.sh" "$srcdir/apparmor" "$out/profiles" /usr/sbin /usr/libexec /etc
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
echo "apparmor-guest-prep: $out ready (exports: $exports)"
