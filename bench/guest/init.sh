#!/bin/busybox sh
# shellcheck shell=dash
# /init of the benchmark guest (bench/guest/run.sh): mounts the three 9p
# shares the host offers and runs gbench on them, then powers off.
#   vu     p9guard over vhost-user (trans=virtio, tag vu)
#   tcp    p9guard over QEMU's guestfwd (trans=tcp, 10.0.2.100:564)
#   local  QEMU's own -virtfs local, passthrough (trans=virtio, tag local)
# Kernel command line: p9g.gbench=ROUNDS,BYTES,NCREATE,NSTAT p9g.msize=N
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fatal() { echo "P9G-BENCH-ERROR: $*"; poweroff -f; sleep 10; }
args=1,268435456,2000,10000
msize=512000
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	p9g.gbench=*) args=${w#p9g.gbench=} ;;
	p9g.msize=*) msize=${w#p9g.msize=} ;;
	esac
done
while read -r m; do
	insmod "/lib/modules/$m" || fatal "insmod $m"
done < /etc/modules.load
ip link set lo up
ip link set eth0 up || fatal "no eth0"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
o=version=9p2000.L,access=client,cache=none,msize=$msize
mkdir -p /mnt/vu /mnt/tcp /mnt/local
mount -t 9p -o "trans=virtio,$o" vu /mnt/vu || fatal "mount vu"
mount -t 9p -o "trans=tcp,port=564,$o" 10.0.2.100 /mnt/tcp || fatal "mount tcp"
mount -t 9p -o "trans=virtio,$o" local /mnt/local || fatal "mount local"
grep ' 9p ' /proc/mounts | sed 's/^/P9G-BENCH-MOUNT: /'
dmesg -n 1
# shellcheck disable=SC2086  # the commas become gbench's arguments
/bin/gbench $(echo "$args" | tr , ' ') /bench.tar /mnt/vu /mnt/tcp /mnt/local
poweroff -f
sleep 10
