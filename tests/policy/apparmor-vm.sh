#!/bin/bash
# apparmor-vm.sh - boot the cached Debian guest kernel with AppArmor on a
# tiny initramfs (static busybox + apparmor-guest-prep.sh output) and run
# tests/policy/apparmor-guest.sh in it: the profiles enforced by a real
# kernel.  No network, no 9P server: the guest only loads the profiles and
# runs the probe.  Called by tests/policy/run.sh when the kernel is cached.
#
#   tests/policy/apparmor-vm.sh
#
# Needs: a kernel fetched by tests/vm/fetch.sh (P9G_VM_CACHE, default
# tests/vm/cache), qemu-system-x86_64 (qemu-system-x86), a static
# /bin/busybox (busybox-static), cpio, gcc, apparmor.  Prints the guest's
# PASS/FAIL lines and its "N passed, N failed" line; exit 0 all passed,
# 1 failed or the guest did not report, 77 a prerequisite is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
cache=${P9G_VM_CACHE:-$srcdir/tests/vm/cache}
tmo=${P9G_AA_VM_TIMEOUT:-180}

missing() { echo "SKIP: apparmor-vm: $*"; exit 77; }
[ -f "$cache/kernel/current" ] || missing "no cached guest kernel (tests/vm/fetch.sh)"
kver=$(cat "$cache/kernel/current")
kernel=$cache/kernel/$kver/boot/vmlinuz-$kver
[ -f "$kernel" ] || missing "no $kernel"
command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 missing (qemu-system-x86)"
command -v cpio >/dev/null || missing "cpio missing (cpio)"
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing "no static /bin/busybox (busybox-static)"

work=$(mktemp -d /tmp/p9guard-aavm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,run}
cp /bin/busybox "$root/bin/busybox"
bash "$here/apparmor-guest-prep.sh" "$root/aa" >/dev/null
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
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

# TCG on purpose (like tests/vm): about 10 s, and no dependence on /dev/kvm.
timeout "$tmo" qemu-system-x86_64 -accel tcg -kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 apparmor=1 security=apparmor panic=-1 quiet" \
	-nographic -nic none -m 512 -smp 1 -no-reboot >"$work/console.log" 2>&1 || true

sed -n 's/^.*AAVM: //p' "$work/console.log" | tr -d '\r'
if ! grep -q 'AAVM-END' "$work/console.log"; then
	echo "FAIL: apparmor-vm: the guest did not finish; console tail:"
	tail -n 30 "$work/console.log" | sed 's/^/    /'
	exit 1
fi
tr -d '\r' <"$work/console.log" | grep -q 'AAVM: [0-9]* passed, 0 failed$'
