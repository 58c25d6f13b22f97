#!/bin/bash
# fetch-qemu.sh — a QEMU that can hand a virtio-9p device to a vhost-user
# back-end, cached under tests/vm/cache/qemu-trixie.
#
# Debian 12's QEMU (7.2) has no user-creatable vhost-user-test-device-pci;
# Debian 13's trixie-backports ships QEMU 11.1, which has. It is installed
# into a minimal trixie root made with debootstrap from this machine's
# Debian mirror (about 500 MB, a minute) and run from there by
# tests/vm/qemu-trixie.sh, with the root's own loader and libraries, as an
# unprivileged user: no chroot, nothing of the host's system touched.
#
# Prints nothing on success but the log lines; exit 0 when the cached QEMU
# runs. Env: P9G_VM_CACHE.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${P9G_VM_CACHE:-$here/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
root=$cache/qemu-trixie

log() { printf 'fetch-qemu: %s\n' "$*" >&2; }
die() { printf 'fetch-qemu: ERROR: %s\n' "$*" >&2; exit 1; }

if [ -f "$root/.complete" ] && "$here/qemu-trixie.sh" --version >/dev/null 2>&1; then
    log "QEMU already cached: $("$here/qemu-trixie.sh" --version | head -n1)"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to debootstrap the trixie root"
if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 \
        install --no-install-recommends debootstrap >&2 \
        || die "apt-get install debootstrap failed"
fi

. "$here/../lib/debian-mirror.sh"
mirror=$(debian_mirror)
tmp=$root.tmp
cleanup() {
    mountpoint -q "$tmp/proc" 2>/dev/null && umount "$tmp/proc"
    rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
log "debootstrap --variant=minbase trixie from $mirror"
debootstrap --variant=minbase trixie "$tmp" "$mirror" > "$cache/qemu-trixie.debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/qemu-trixie.debootstrap.log" >&2; die "debootstrap of trixie failed"; }
echo "deb $mirror trixie-backports main" > "$tmp/etc/apt/sources.list.d/backports.list"
mount -t proc proc "$tmp/proc"
log "installing qemu-system-x86 from trixie-backports"
chroot "$tmp" sh -c 'apt-get -q update >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends \
        -t trixie-backports install qemu-system-x86' > "$cache/qemu-trixie.apt.log" 2>&1 \
    || { tail -n 20 "$cache/qemu-trixie.apt.log" >&2; die "installing QEMU in the trixie root failed"; }
umount "$tmp/proc"
rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/lib/apt/lists/"*_Packages
rm -rf "$root"
mv "$tmp" "$root"
touch "$root/.complete"
"$here/qemu-trixie.sh" -device vhost-user-test-device-pci,help >/dev/null 2>&1 \
    || die "the cached QEMU has no vhost-user-test-device-pci"
log "cached $("$here/qemu-trixie.sh" --version | head -n1) in $root"
