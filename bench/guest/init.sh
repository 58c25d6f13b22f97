#!/bin/busybox sh
# shellcheck shell=dash
# /init of the benchmark guest (bench/guest/run.sh): mounts the three 9p
# shares the host offers and runs gbench on them, then powers off.
#   vu     p9guard over vhost-user (trans=virtio, tag vu)
#   tcp    p9guard over QEMU's guestfwd (trans=tcp, 10.0.2.100:564)
#   local  QEMU's own -virtfs local, passthrough (trans=virtio, tag local)
# Kernel command line: p9g.gbench=ROUNDS,BYTES,NCREATE,NSTAT p9g.msize=N
# p9g.workloads=W:W... (default all) p9g.shares=S:S... (default vu:tcp:local)
# p9g.trace=1: the guest's own latency of each 9P request, summed per mount
# and message type from the kernel's 9p trace events (P9G-TRACE: lines)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fatal() { echo "P9G-BENCH-ERROR: $*"; poweroff -f; sleep 10; }
args=1,268435456,2000,10000
msize=512000
workloads=all
shares=vu:tcp:local
trace=
read -r cmdline < /proc/cmdline
for w in $cmdline; do
	case $w in
	p9g.gbench=*) args=${w#p9g.gbench=} ;;
	p9g.msize=*) msize=${w#p9g.msize=} ;;
	p9g.workloads=*) workloads=${w#p9g.workloads=} ;;
	p9g.shares=*) shares=${w#p9g.shares=} ;;
	p9g.trace=1) trace=1 ;;
	esac
done
while read -r m; do
	insmod "/lib/modules/$m" || fatal "insmod $m"
done < /etc/modules.load
o=version=9p2000.L,access=client,cache=none,msize=$msize
mounts=
for sh in $(echo "$shares" | tr : ' '); do
	mkdir -p "/mnt/$sh"
	case $sh in
	vu|vub|local) mount -t 9p -o "trans=virtio,$o" "$sh" "/mnt/$sh" || fatal "mount $sh" ;;
	tcp)
		ip link set lo up
		ip link set eth0 up || fatal "no eth0"
		ip addr add 10.0.2.15/24 dev eth0
		ip route add default via 10.0.2.2
		mount -t 9p -o "trans=tcp,port=564,$o" 10.0.2.100 /mnt/tcp || fatal "mount tcp" ;;
	*) fatal "unknown share $sh" ;;
	esac
	mounts="$mounts /mnt/$sh"
done
grep ' 9p ' /proc/mounts | sed 's/^/P9G-BENCH-MOUNT: /'
t=/sys/kernel/tracing
if [ -n "$trace" ]; then
	mount -t tracefs nodev $t || fatal "no tracefs"
	echo 0 > $t/tracing_on
	echo 131072 > $t/buffer_size_kb
	echo 1 > $t/events/9p/9p_client_req/enable
	echo 1 > $t/events/9p/9p_client_res/enable
	export P9G_TRACE=1
fi
dmesg -n 1
# shellcheck disable=SC2086  # the commas and spaces become gbench's arguments
/bin/gbench $(echo "$args" | tr , ' ') "$(echo "$workloads" | tr : ,)" /bench.tar $mounts
if [ -n "$trace" ]; then
	# Per mount (the marker gbench writes before each workload) and request
	# type: count, mean and total of the time from request to response.
	awk '
	/P9G-MOUNT/ { for (i = 1; i <= NF; i++) if ($i == "P9G-MOUNT") mnt = $(i + 1); next }
	{
		for (i = 1; i <= NF; i++) if ($i == "9p_client_req:" || $i == "9p_client_res:") break
		if (i > NF) next
		ts = $(i - 1); sub(":", "", ts); k = $(i + 2) " " $(i + 6)
		if ($i == "9p_client_req:") { t0[k] = ts; ty[k] = $(i + 4); mn[k] = mnt; next }
		if (!(k in t0)) next
		x = mn[k] " " ty[k]; n[x]++; sum[x] += ts - t0[k]; delete t0[k]
	}
	END {
		for (x in n) {
			split(x, p, " ")
			printf "P9G-TRACE: %s %s %d %.1f %.1f\n", p[1], p[2], n[x], sum[x] / n[x] * 1e6, sum[x] * 1e3
		}
	}' $t/trace
fi
poweroff -f
sleep 10
