#!/bin/bash
# mkinitramfs.sh — build the test guest's initramfs (cpio newc, gzip).
#
#   tests/vm/mkinitramfs.sh OUT.cpio.gz
#
# Contents: static busybox, the guest kernel's modules needed for virtio-net
# and 9p over TCP (with their dependencies resolved from modules.dep, in load
# order), /init (guest/init.sh), and our static test programs (runas,
# fstest) compiled here with gcc -static.
#
# Env: P9G_VM_CACHE (see fetch.sh), CC (default gcc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${P9G_VM_CACHE:-$here/cache}
out=${1:?usage: mkinitramfs.sh OUT.cpio.gz}
cc=${CC:-gcc}

die() { printf 'mkinitramfs: ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$cache/kernel/current" ] || die "no cached kernel; run tests/vm/fetch.sh"
kver=$(cat "$cache/kernel/current")
kroot=$cache/kernel/$kver
moddir=$kroot/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep; rerun fetch.sh"
busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox (apt-get install busybox-static)"
# The dynamic busybox would need a libc in the initramfs.
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,etc,proc,sys,mnt,tmp,lib/modules}
cp "$busybox" "$root/bin/busybox"

# ---- our static programs -----------------------------------------------
cflags=(-static -O2 -Wall -Wextra -Werror)
"$cc" "${cflags[@]}" -o "$root/bin/runas" "$here/guest/runas.c"
"$cc" "${cflags[@]}" -o "$root/bin/fstest" \
    "$here/guest/fstest.c" "$here/guest/tests.c"
cp "$here/guest/init.sh" "$root/init"
# The README demo's guest side (run when the kernel has p9g.demo=1).
cp "$here/guest/demo.sh" "$root/bin/demo.sh"
# The QEMU mapped-xattr interop test's guest side (p9g.interop=MODE).
cp "$here/guest/interop.sh" "$root/bin/interop.sh"
# The reboot/QEMU restart test's guest side (p9g.lifecycle=PHASE).
cp "$here/guest/lifecycle.sh" "$root/bin/lifecycle.sh"
chmod 0755 "$root/init"
# P9G_INITRD_EXTRA: a directory copied over the root last (bench/guest/run.sh
# brings its own /init, program and tarball that way).
if [ -n "${P9G_INITRD_EXTRA:-}" ]; then
    cp -a "$P9G_INITRD_EXTRA/." "$root/"
fi

# ---- kernel modules ------------------------------------------------------
# What we need, by name. Anything built into this kernel (=y) is simply not
# found in modules.dep and skipped; anything missing from both is an error.
# 9pnet_virtio: the QEMU -virtfs share of the mapped-xattr interop test.
wanted=(virtio_pci virtio_net 9pnet_fd 9pnet_virtio 9p)
builtin=$moddir/modules.builtin

declare -A seen=()
order=()
# Depth-first over modules.dep so each module comes after its dependencies.
add_mod() { # relative path as in modules.dep
    local rel=$1 dep
    [ -n "${seen[$rel]:-}" ] && return 0
    seen[$rel]=1
    local deps=()
    read -r -a deps < <(awk -v m="$rel:" '$1 == m { $1 = ""; print }' \
                        "$moddir/modules.dep") || true
    for dep in "${deps[@]}"; do
        add_mod "$dep"
    done
    order+=("$rel")
}
for m in "${wanted[@]}"; do
    # modules.dep names files; module names may use - or _ interchangeably.
    rel=$(awk -F: -v a="$m" -v b="${m//_/-}" '{
            n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
            if (n == a || n == b) { print $1; exit } }' "$moddir/modules.dep")
    if [ -z "$rel" ]; then
        if grep -Eq "/(${m}|${m//_/-})\.ko\$" "$builtin"; then
            continue    # built in
        fi
        die "module $m neither in modules.dep nor built in ($kver)"
    fi
    add_mod "$rel"
done

: > "$root/etc/modules.load"
for rel in "${order[@]}"; do
    name=$(basename "$rel")
    case $name in   # busybox insmod wants plain .ko
    *.ko.xz)  xz -dc "$moddir/$rel" > "$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -qdc "$moddir/$rel" > "$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
    *.ko.gz)  gzip -dc "$moddir/$rel" > "$root/lib/modules/${name%.gz}"; name=${name%.gz} ;;
    *)        cp "$moddir/$rel" "$root/lib/modules/$name" ;;
    esac
    echo "$name" >> "$root/etc/modules.load"
done

# Numeric ids are all the suite needs; names just make ls -l readable.
cat > "$root/etc/passwd" <<'PW'
root:x:0:0:root:/:/bin/sh
p9ga:x:4711:4711::/:/bin/sh
p9gb:x:4712:4712::/:/bin/sh
p9gc:x:4713:4713::/:/bin/sh
PW
cat > "$root/etc/group" <<'GR'
root:x:0:
p9ga:x:4711:
p9gb:x:4712:
p9gc:x:4713:
p9gshared:x:4720:p9ga
GR

(cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null -o -H newc --quiet --owner=0:0) | gzip -6 > "$out.tmp"
mv "$out.tmp" "$out"
printf 'mkinitramfs: %s (%s, modules: %s)\n' "$out" "$(du -h "$out" | cut -f1)" \
    "$(tr '\n' ' ' < "$root/etc/modules.load")" >&2
