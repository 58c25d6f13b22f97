#!/bin/bash
# apparmor-vm.sh - boot the cached Debian guest kernel with AppArmor on a
# tiny initramfs (static busybox, apparmor-guest-prep.sh output, the real
# p9guard binaries with the shared libraries they load, and the 9p client
# modules) and run tests/policy/apparmor-guest.sh in it: the profiles
# enforced by a real kernel on a stand-in probe and on the real daemon
# pair serving a guest-local export to the guest's own v9fs (trans=unix).
# No network.  Called by tests/policy/run.sh when the kernel is cached.
#
#   tests/policy/apparmor-vm.sh [BUILDDIR]
#
# BUILDDIR holds the built p9guard and p9guard-helper; without it the
# guest runs the probe part only and reports the daemon part as skipped.
# Needs: a kernel fetched by tests/vm/fetch.sh (P9G_VM_CACHE, default
# tests/vm/cache), qemu-system-x86_64 (qemu-system-x86), a static
# /bin/busybox (busybox-static), cpio, gcc, apparmor.  Prints the guest's
# PASS/FAIL/SKIP lines and its "N passed, N failed" line; exit 0 all passed,
# 1 failed or the guest did not report, 77 a prerequisite is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
cache=${P9G_VM_CACHE:-$srcdir/tests/vm/cache}
tmo=${P9G_AA_VM_TIMEOUT:-420}
builddir=${1:-}

missing() { echo "SKIP: apparmor-vm: $*"; exit 77; }
[ -f "$cache/kernel/current" ] || missing "no cached guest kernel (tests/vm/fetch.sh)"
kver=$(cat "$cache/kernel/current")
kernel=$cache/kernel/$kver/boot/vmlinuz-$kver
moddir=$cache/kernel/$kver/lib/modules/$kver
[ -f "$kernel" ] || missing "no $kernel"
command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 missing (qemu-system-x86)"
command -v cpio >/dev/null || missing "cpio missing (cpio)"
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing "no static /bin/busybox (busybox-static)"

work=$(mktemp -d /tmp/p9guard-aavm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,run}
cp /bin/busybox "$root/bin/busybox"
bash "$here/apparmor-guest-prep.sh" "$root/aa" /srv/p9guard/ "$builddir" >/dev/null
if [ -d "$root/aa/sysroot" ]; then
	cp -a "$root/aa/sysroot/." "$root/"
	rm -rf "$root/aa/sysroot"
fi
# The frontend drops to --user nobody.
# p9g-rl: the ordinary user of the guest's rootless pair, with its ranges.
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
	'p9g-rl:x:4350:4350::/nonexistent:/bin/false' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'p9g-rl:x:4350:' >"$root/etc/group"
echo 'p9g-rl:300000:65536' >"$root/etc/subuid"
echo 'p9g-rl:300000:65536' >"$root/etc/subgid"

# The 9p client over a unix socket (9p, 9pnet_fd) and a loop-mounted ext2
# for the export (loop, ext4, crc32c_generic), with what they depend on
# (modules.dep), in load order, as tests/vm/mkinitramfs.sh does it.
mkdir -p "$root/aa/modules"
: >"$root/aa/modules.load"
declare -A seen=()
add_mod() {	# path relative to $moddir, as modules.dep names it
	local rel=$1 dep name
	local -a deps=()
	[ -z "${seen[$rel]:-}" ] || return 0
	seen[$rel]=1
	read -r -a deps < <(awk -v m="$rel:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep") || true
	for dep in "${deps[@]}"; do add_mod "$dep"; done
	name=$(basename "$rel")
	case $name in	# busybox insmod wants plain .ko
	*.ko.xz) xz -dc "$moddir/$rel" >"$root/aa/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$root/aa/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$moddir/$rel" >"$root/aa/modules/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$moddir/$rel" "$root/aa/modules/$name" ;;
	esac
	echo "$name" >>"$root/aa/modules.load"
}
if [ -n "$builddir" ] && [ -f "$moddir/modules.dep" ]; then
	for m in 9pnet_fd 9p loop ext4 crc32c_generic; do
		rel=$(awk -F: -v m="$m" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
			if (n == m) { print $1; exit } }' "$moddir/modules.dep")
		[ -n "$rel" ] && add_mod "$rel"
	done
fi
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo
sh /aa/apparmor-guest.sh /aa 2>&1 | sed 's/^/AAVM: /'
dmesg | grep 'apparmor="DENIED"' | sed 's/^/AAVM-DENIED: /'
echo "AAVM-END"
poweroff -f
EOF
chmod 0755 "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

# TCG on purpose (like tests/vm): no dependence on /dev/kvm.  About 70 s
# on an idle host, 160 s on one loaded with other guests (hence the timeout).
timeout "$tmo" qemu-system-x86_64 -accel tcg -kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 apparmor=1 security=apparmor panic=-1 quiet" \
	-nographic -nic none -m 512 -smp 1 -no-reboot >"$work/console.log" 2>&1 || true

sed -n 's/^.*AAVM: //p' "$work/console.log" | tr -d '\r'
echo "    (guest run: $SECONDS s on the host, initramfs $(du -k "$work/initrd.gz" | cut -f1) KiB)"
if ! grep -q 'AAVM-END' "$work/console.log"; then
	echo "FAIL: apparmor-vm: the guest did not finish; console tail:"
	tail -n 30 "$work/console.log" | sed 's/^/    /'
	exit 1
fi
tr -d '\r' <"$work/console.log" | grep -q 'AAVM: [0-9]* passed, 0 failed$'
