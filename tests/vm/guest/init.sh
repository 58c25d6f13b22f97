#!/bin/busybox sh
# shellcheck shell=dash
# /init of the p9guard test guest (busybox sh, PID 1).
# Brings up eth0 on QEMU's user-mode network, mounts the 9P server that the
# host forwards to 10.0.2.100:564, runs the functional suite as root and as
# two other uids, and powers off. Every line the host looks for starts with
# P9G-; the host fails loudly when the expected ones are missing.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "P9G-INIT: $* (uptime $(cut -d' ' -f1 /proc/uptime)s)"; }
fatal() {
	echo "P9G-FATAL: $*"
	dmesg | tail -n 40 | sed 's/^/P9G-DMESG: /'
	poweroff -f
	sleep 10
}

# Options come from the kernel command line (no spaces in them):
#   p9g.opts=<mount -o string>   p9g.only=<root test name>
#   p9g.repeat=<N>  with p9g.only: run that test N times (rare failures)
#   p9g.bigdir=<entries in the big-directory test>
#   p9g.model=<the server's security model> (exported as P9G_MODEL: the
#                suite expects the model's documented behaviour)
#   p9g.perms=guest|host  p9guard's --permissions (exported as
#                P9G_PERMISSIONS; host: the host's groups decide too)
#   p9g.rootless=1  p9guard --rootless (exported as P9G_ROOTLESS: device
#                nodes get EPERM)
#   p9g.demo=1  run the README demo (contrib/demo.sh) instead of the suite
#   p9g.interop=write|read  QEMU mapped-xattr interop (interop.sh) on the
#                virtio 9p share tagged "ix", no network
#   p9g.tag=<tag>  mount the virtio 9p device with this tag (p9guard over
#                vhost-user; p9g.opts says trans=virtio), no network
#   p9g.lifecycle=PHASE  a phase of the reboot/restart test (lifecycle.sh)
#                instead of the suite
opts=trans=tcp,port=564,version=9p2000.L
only=
demo=
interop=
tag=
lifecycle=
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	p9g.opts=*) opts=${w#p9g.opts=} ;;
	p9g.only=*) only=${w#p9g.only=} ;;
	p9g.repeat=*) export P9G_REPEAT="${w#p9g.repeat=}" ;;
	p9g.bigdir=*) export P9G_BIGDIR="${w#p9g.bigdir=}" ;;
	p9g.model=*) export P9G_MODEL="${w#p9g.model=}" ;;
	p9g.perms=*) export P9G_PERMISSIONS="${w#p9g.perms=}" ;;
	p9g.rootless=1) export P9G_ROOTLESS=1 ;;
	p9g.demo=1) demo=1 ;;
	p9g.interop=*) interop=${w#p9g.interop=} ;;
	p9g.tag=*) tag=${w#p9g.tag=} ;;
	p9g.lifecycle=*) lifecycle=${w#p9g.lifecycle=} ;;
	esac
done

# The client's cache mode (some expectations depend on it; see tests.c).
P9G_CACHE=none
case ,$opts, in
*,cache=*) P9G_CACHE=${opts#*cache=}; P9G_CACHE=${P9G_CACHE%%,*} ;;
esac
export P9G_CACHE

while read -r m; do
	insmod "/lib/modules/$m" || fatal "insmod $m failed"
done < /etc/modules.load

if [ -n "$interop" ]; then
	mkdir -p /mnt
	mount -t 9p -o trans=virtio,version=9p2000.L,access=client ix /mnt ||
		fatal "mount of the virtio 9p share ix failed"
	say "mounted ix"
	dmesg -n 1
	/bin/sh /bin/interop.sh "$interop" 2>&1 | sed 's/^/P9G-IX: /'
	umount /mnt || echo "P9G-WARN: umount /mnt failed"
	echo "P9G-GUEST-DONE: interop $interop"
	poweroff -f
	sleep 10
fi

ip link set lo up
mkdir -p /mnt
if [ "$lifecycle" = reboot ]; then
	# Nothing mounted yet: after the reboot, the host checks here that the
	# device's reset released every fid of the first boot (a mount's
	# Tversion would release them too).
	echo "P9G-LIFECYCLE: unmounted"
	sleep 5
fi
if [ -n "$tag" ]; then
	mount -t 9p -o "$opts" "$tag" /mnt || fatal "mount -t 9p -o $opts $tag failed"
else
	ip link set eth0 up || fatal "no eth0 (virtio-net driver not bound?)"
	ip addr add 10.0.2.15/24 dev eth0
	ip route add default via 10.0.2.2
	say "network up"
	mount -t 9p -o "$opts" 10.0.2.100 /mnt || fatal "mount -t 9p -o $opts failed"
fi
say "mounted 9p with $opts"
# From here on, kernel messages would only garble the result lines; they are
# dumped at the end instead.
dmesg -n 1

if [ -n "$demo" ]; then
	# The demo's output is every line prefixed P9G-DEMO: (contrib/demo.sh).
	/bin/sh /bin/demo.sh 2>&1 | sed 's/^/P9G-DEMO: /'
	umount /mnt || echo "P9G-WARN: umount /mnt failed"
	echo "P9G-GUEST-DONE: demo ran"
	poweroff -f
	sleep 10
fi

if [ -n "$lifecycle" ]; then
	/bin/sh /bin/lifecycle.sh "$lifecycle" 2>&1
	umount /mnt || echo "P9G-WARN: umount /mnt failed"
	echo "P9G-GUEST-DONE: lifecycle $lifecycle"
	poweroff -f
	sleep 10
fi

cd /mnt || fatal "cd /mnt"
rc=0
/bin/fstest root p9g-test ${only:+"$only"} || rc=$?
if [ "$rc" = 3 ]; then
	# A test is stuck in the kernel (fstest printed what it saw): the
	# other phases and the umount would only wait behind it.  The pause
	# lets run-guest.sh record the host's side while it is still stuck.
	sleep 10
	poweroff -f
	sleep 10
fi
if [ -z "$only" ]; then
	/bin/runas 4711 4711 4711,4720 -- /bin/fstest user p9g-test
	/bin/runas 4712 4712 4712 -- /bin/fstest user p9g-test
	sync
	echo 3 > /proc/sys/vm/drop_caches
	/bin/fstest verify p9g-test
fi
cd /
say "suite finished"
umount /mnt || echo "P9G-WARN: umount /mnt failed"
dmesg | tail -n 40 | sed 's/^/P9G-DMESG: /'
echo "P9G-GUEST-DONE: all phases ran"
poweroff -f
sleep 10
