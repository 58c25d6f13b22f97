#!/bin/bash
# bench/guest/run.sh - the guest-side benchmark: in ONE guest boot, the
# same workloads (gbench.c) against three 9p shares of the same host file
# system, in interleaved rounds:
#   vu     p9guard over vhost-user, trans=virtio (the transport of issue 19)
#   tcp    p9guard over QEMU user networking (guestfwd), trans=tcp
#   local  QEMU's own -virtfs local,security_model=passthrough (QEMU as
#          root: the in-process server users compare with)
# Same QEMU binary for all three (the 11.1 of tests/vm/fetch-qemu.sh, run
# as root here because -virtfs passthrough needs it; p9guard's frontend is
# unprivileged as always), TCG, Debian 12's guest kernel.
#
#   bench/guest/run.sh [--build BUILDDIR] [--rounds N] [--bytes N]
#                      [--create N] [--stat N] [--msize N] [--raw FILE]
#
# Prints per workload the median seconds of each share and the speed
# ratios vu/local and vu/tcp (above 1: p9guard over vhost-user is faster).
# Defaults: 3 rounds, 256 MiB, 2000 creates, 10000 stats, msize 512000 (the
# most Linux's virtio transport takes).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build rounds=3 bytes=268435456 ncreate=2000 nstat=10000 msize=512000 raw=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--create) ncreate=$2; shift 2 ;;
	--stat) nstat=$2; shift 2 ;;
	--msize) msize=$2; shift 2 ;;
	--raw) raw=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
	*) echo "bench/guest/run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
die() { echo "bench/guest/run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (QEMU's -virtfs passthrough peer needs it)"
[ -x "$build/p9guard" ] || die "no p9guard in $build (--build BUILDDIR)"

"$top/tests/vm/fetch.sh" >/dev/null
"$top/tests/vm/fetch-qemu.sh"
cache=${P9G_VM_CACHE:-$top/tests/vm/cache}
kver=$(cat "$cache/kernel/current")

work=$(mktemp -d /tmp/p9g-gbench.XXXXXX)
server=
cleanup() {
	[ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The guest's root: gbench, its /init, and a source tree to untar.
extra=$work/extra
mkdir -p "$extra/bin"
gcc -static -O2 -Wall -Wextra -Werror -o "$extra/bin/gbench" "$top/bench/guest/gbench.c"
cp "$top/bench/guest/init.sh" "$extra/init"
chmod 0755 "$extra/init"
(cd "$top" && git ls-files -z src tests/unit | xargs -0 tar -cf "$extra/bench.tar")
P9G_INITRD_EXTRA=$extra "$top/tests/vm/mkinitramfs.sh" "$work/initrd.cpio.gz"

mkdir -m 0755 "$work/e-p9guard" "$work/e-local"
P9GUARD_HELPER=$build/p9guard-helper "$build/p9guard" --export "$work/e-p9guard" \
	--listen "vhost-user:$work/vu.sock" --listen "unix:$work/tcp.sock" --tag vu \
	--user nobody --socket-mode 0600 --log-level warning > "$work/p9guard.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	[ -S "$work/vu.sock" ] && [ -S "$work/tcp.sock" ] && break
	sleep 0.1
done
[ -S "$work/vu.sock" ] || die "p9guard did not start: $(cat "$work/p9guard.log")"

mem=1536
echo "bench/guest: $rounds rounds, $bytes bytes, $ncreate creates, $nstat stats, msize $msize;" \
	"kernel $kver, $("$top/tests/vm/qemu-trixie.sh" --version | head -n1)" >&2
timeout 3600 "$top/tests/vm/qemu-trixie.sh" -accel tcg -m "$mem" -smp 1 \
	-nographic -nodefaults -no-user-config -no-reboot -serial stdio -monitor none \
	-kernel "$cache/kernel/$kver/boot/vmlinuz-$kver" -initrd "$work/initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 p9g.gbench=$rounds,$bytes,$ncreate,$nstat p9g.msize=$msize" \
	-object "memory-backend-memfd,id=mem,size=${mem}M,share=on" -machine memory-backend=mem \
	-chardev "socket,id=vu,path=$work/vu.sock" \
	-device vhost-user-test-device-pci,chardev=vu,virtio-id=9,num_vqs=1,config_size=33 \
	-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:564-unix:$work/tcp.sock" \
	-device virtio-net-pci,netdev=n0,romfile= \
	-fsdev "local,id=fs0,path=$work/e-local,security_model=passthrough" \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=local < /dev/null > "$work/console.log" 2>&1 || true

grep -a '^P9G-BENCH' "$work/console.log" | tr -d '\r' > "$work/results.txt" || true
[ -n "$raw" ] && cp "$work/results.txt" "$raw"
if ! grep -q '^P9G-BENCH-DONE' "$work/results.txt"; then
	tail -n 30 "$work/console.log" >&2
	die "the guest did not finish (console above)"
fi
awk '
$1 == "P9G-BENCH:" { split($2, p, "/"); t[p[3] " " $3] = t[p[3] " " $3] " " $4; w[$3] = 1 }
function median(s,   a, n, i, j, x) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	print "| workload | vu s | tcp s | local s | vu/local | vu/tcp |"
	print "|---|---|---|---|---|---|"
	split("write read create stat walk untar", order, " ")
	for (k = 1; k <= 6; k++) {
		x = order[k]; if (!(x in w)) continue
		v = median(t["vu " x]); c = median(t["tcp " x]); l = median(t["local " x])
		printf "| %s | %.3f | %.3f | %.3f | %.2f | %.2f |\n", x, v, c, l, l / v, c / v
	}
}' "$work/results.txt"
grep -E 'warn|error' "$work/p9guard.log" | grep -v 'mounted without' | head -n 5 >&2 || true
