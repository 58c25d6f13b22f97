#!/bin/bash
# fetch.sh — install the host tools the VM harness needs and unpack a Debian
# guest kernel (with its modules) into a cache directory outside git.
#
#   tests/vm/fetch.sh            # idempotent; reuses the cache when present
#
# Env:
#   P9G_VM_CACHE  cache directory (default: tests/vm/cache next to this script)
#   P9G_VM_NO_APT=1  do not run apt-get install (tools already present)
#
# Only Debian's archive is used: apt-get for the host tools, and
# `apt-get download` for the kernel package (never installed on the host: it is
# unpacked with dpkg -x so the host's boot setup is untouched).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${P9G_VM_CACHE:-$here/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

log() { printf 'fetch: %s\n' "$*" >&2; }
die() { printf 'fetch: ERROR: %s\n' "$*" >&2; exit 1; }

# Other engineers/CI jobs may hold the dpkg lock; wait instead of failing.
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)

need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
# busybox-static provides /bin/busybox statically linked; the dynamic `busybox`
# package would not run in our libc-less initramfs.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
    || need_pkgs+=(busybox-static)
command -v socat >/dev/null || need_pkgs+=(socat)
command -v cpio >/dev/null || need_pkgs+=(cpio)
dpkg-query -W -f='${Status}' libc6-dev 2>/dev/null | grep -q 'ok installed' \
    || need_pkgs+=(libc6-dev)
command -v gcc >/dev/null || need_pkgs+=(gcc)
# getfattr: check-host.sh reads the user.virtfs.* xattrs (mapped-xattr).
command -v getfattr >/dev/null || need_pkgs+=(attr)
# depmod indexes the unpacked guest modules (the .deb ships no modules.dep).
command -v depmod >/dev/null || [ -x /usr/sbin/depmod ] || [ -x /sbin/depmod ] \
    || need_pkgs+=(kmod)

if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ "${P9G_VM_NO_APT:-0}" = 1 ] && die "missing packages: ${need_pkgs[*]}"
    [ "$(id -u)" = 0 ] || die "need root to apt-get install ${need_pkgs[*]}"
    log "installing ${need_pkgs[*]}"
    # A fresh container often has empty package lists.
    if ! apt-cache show "${need_pkgs[0]}" >/dev/null 2>&1; then
        apt-get "${apt_opts[@]}" update >&2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" \
        install --no-install-recommends "${need_pkgs[@]}" >&2
fi

# ---- guest kernel -----------------------------------------------------------
# The kernel lives in $cache/kernel/<version>/ with vmlinuz and lib/modules.
# A stamp file marks a complete unpack, so an interrupted run is redone.
if [ -f "$cache/kernel/current" ]; then
    kver=$(cat "$cache/kernel/current")
    if [ -f "$cache/kernel/$kver/.complete" ]; then
        log "kernel $kver already cached in $cache/kernel/$kver"
        exit 0
    fi
fi

# The kernel comes from a private apt state (under $cache/apt) that lists
# bookworm, bookworm-updates and bookworm-security from Debian's archive,
# whatever the machine's own sources say: a fresh debootstrap root lists
# only "bookworm", whose kernel of the last point release may lag the
# security suite's by many updates (6.1.0-50, 6.1.176-1, oopses in the 9p
# client's mkdir under cache=loose with a default ACL; the security suite's
# 6.1.0-57 does not). The host's apt state is not touched.
. "$here/../lib/debian-mirror.sh"
mirror=$(debian_mirror)
secmirror=$(debian_security_mirror)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"
apt_dir=$cache/apt
mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
cat > "$apt_dir/sources.list" <<SRC
deb [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror bookworm-updates main
deb [signed-by=$keyring] $secmirror bookworm-security main
SRC
kapt=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State="$apt_dir/state" -o Dir::Cache="$apt_dir/cache"
      -o Dir::State::status=/var/lib/dpkg/status -o APT::Architecture=amd64)
log "reading bookworm, bookworm-updates, bookworm-security from $mirror and $secmirror"
apt-get -q "${kapt[@]}" update >&2 || die "apt-get update of the private kernel sources failed"
# apt-get update exits 0 when a source could not be read; say which.
for suite in bookworm bookworm-updates bookworm-security; do
    ls "$apt_dir/state/lists/"*"_dists_${suite}_main_binary-amd64_Packages"* >/dev/null 2>&1 ||
        log "WARNING: no package list for $suite (see apt-get's warnings above); the kernel may be an old one"
done

# Resolve the real image package from the metapackage's dependency, e.g.
# linux-image-amd64 -> linux-image-6.1.0-57-amd64 (candidate version).
kpkg=$(apt-cache "${kapt[@]}" depends linux-image-amd64 2>/dev/null \
       | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || die "cannot resolve the kernel package behind linux-image-amd64"
kver=${kpkg#linux-image-}
log "guest kernel package: $kpkg ($(apt-cache "${kapt[@]}" policy "$kpkg" | sed -n 's/^ *Candidate: //p'))"

dl=$cache/debs
mkdir -p "$dl"
# apt-get download writes into the cwd; run it in a subshell. If the _apt
# sandbox user cannot write there apt falls back to root with a warning, fine.
if ! ls "$dl/${kpkg}"_*.deb >/dev/null 2>&1; then
    (cd "$dl" && apt-get -q "${kapt[@]}" download "$kpkg" >&2) || die "apt-get download $kpkg failed"
fi
debs=("$dl/${kpkg}"_*.deb)
deb=${debs[${#debs[@]}-1]}

dest=$cache/kernel/$kver
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
dpkg -x "$deb" "$dest.tmp"
[ -f "$dest.tmp/boot/vmlinuz-$kver" ] || die "no /boot/vmlinuz-$kver in $deb"
[ -d "$dest.tmp/lib/modules/$kver" ] || die "no /lib/modules/$kver in $deb"
# The package ships no modules.dep (depmod runs at install time); make one.
PATH=$PATH:/usr/sbin:/sbin depmod -b "$dest.tmp" "$kver" \
    || die "depmod failed on the guest modules"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
touch "$dest/.complete"
printf '%s\n' "$kver" > "$cache/kernel/current"
log "kernel $kver unpacked in $dest"
