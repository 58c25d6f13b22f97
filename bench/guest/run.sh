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
#                      [--workloads W,W...] [--shares S,S...]
#                      [--p9guard-args "ARGS"] [--trace]
#                      [--b-build BUILDDIR] [--b-args "ARGS"]
#
# --workloads picks some of write read create stat walk untar (default all;
# read needs write's file and walk stat's tree, so those run along);
# --shares some of vu tcp local (default all three; a ratio needs vu and
# the peer); --p9guard-args adds options to p9guard's command line (e.g.
# "--busy-poll 0" for an A/B run). --trace also prints, per share and 9P
# request type, the count and the guest's mean and total time from request
# to response (the kernel's 9p trace events, during the timed parts only;
# the tracing slows the guest, so its seconds are not comparable).
# --b-build/--b-args: an A/B run in the same boot: a second p9guard daemon
# (that build, those options; default the first's) serves the share "vub",
# a second vhost-user device, interleaved with the others; the table gains
# vub's seconds and the ratio vu/vub (above 1: A, the first, is faster).
# Prints per workload the median seconds of each share and the speed
# ratios vu/local and vu/tcp (above 1: p9guard over vhost-user is faster),
# with bench/plot-results (which also draws them from the --raw file).
# Defaults: 3 rounds, 256 MiB, 2000 creates, 10000 stats, msize 512000 (the
# most Linux's virtio transport takes).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build rounds=3 bytes=268435456 ncreate=2000 nstat=10000 msize=512000 raw=
workloads=all shares=vu,tcp,local guard_args= trace=0 b_build= b_args= b_set=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--bytes) bytes=$2; shift 2 ;;
	--create) ncreate=$2; shift 2 ;;
	--stat) nstat=$2; shift 2 ;;
	--msize) msize=$2; shift 2 ;;
	--raw) raw=$2; shift 2 ;;
	--workloads) workloads=$2; shift 2 ;;
	--shares) shares=$2; shift 2 ;;
	--p9guard-args) guard_args=$2; shift 2 ;;
	--trace) trace=1; shift ;;
	--b-build) b_build=$(cd "$2" && pwd); b_set=1; shift 2 ;;
	--b-args) b_args=$2; b_set=1; shift 2 ;;
	-h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
	*) echo "bench/guest/run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
die() { echo "bench/guest/run.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (QEMU's -virtfs passthrough peer needs it)"
[ -x "$build/p9guard" ] || die "no p9guard in $build (--build BUILDDIR)"
for w in ${workloads//,/ }; do
	case $w in all|write|read|create|stat|walk|untar) ;; *) die "unknown workload $w" ;; esac
done
for s in ${shares//,/ }; do
	case $s in vu|tcp|local) ;; *) die "unknown share $s (vu, tcp, local)" ;; esac
done
if [ -n "$b_set" ]; then
	shares=$shares,vub
	b_build=${b_build:-$build}
	[ -x "$b_build/p9guard" ] || die "no p9guard in $b_build (--b-build BUILDDIR)"
fi
has_share() { case ",$shares," in *",$1,"*) return 0 ;; esac; return 1; }

"$top/tests/vm/fetch.sh" >/dev/null
"$top/tests/vm/fetch-qemu.sh"
cache=${P9G_VM_CACHE:-$top/tests/vm/cache}
kver=$(cat "$cache/kernel/current")

work=$(mktemp -d /tmp/p9g-gbench.XXXXXX)
server= server_b=
cleanup() {
	[ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
	[ -n "$server_b" ] && kill -TERM "$server_b" 2>/dev/null && wait "$server_b" 2>/dev/null
	[ -n "${P9G_GBENCH_KEEP:-}" ] && cp "$work/p9guard.log" "$P9G_GBENCH_KEEP"
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
# shellcheck disable=SC2086  # --p9guard-args is a word list
P9GUARD_HELPER=$build/p9guard-helper "$build/p9guard" --export "$work/e-p9guard" \
	--listen "vhost-user:$work/vu.sock" --listen "unix:$work/tcp.sock" --tag vu \
	--user nobody --socket-mode 0600 --log-level warning $guard_args > "$work/p9guard.log" 2>&1 &
server=$!
for _ in $(seq 100); do
	[ -S "$work/vu.sock" ] && [ -S "$work/tcp.sock" ] && break
	sleep 0.1
done
[ -S "$work/vu.sock" ] || die "p9guard did not start: $(cat "$work/p9guard.log")"
if has_share vub; then
	mkdir -m 0755 "$work/e-b"
	# shellcheck disable=SC2086  # --b-args is a word list
	P9GUARD_HELPER=$b_build/p9guard-helper "$b_build/p9guard" --export "$work/e-b" \
		--listen "vhost-user:$work/vub.sock" --tag vub --user nobody --socket-mode 0600 \
		--log-level warning ${b_args:-$guard_args} > "$work/p9guard-b.log" 2>&1 &
	server_b=$!
	for _ in $(seq 100); do
		[ -S "$work/vub.sock" ] && break
		sleep 0.1
	done
	[ -S "$work/vub.sock" ] || die "p9guard B did not start: $(cat "$work/p9guard-b.log")"
fi

mem=1536
# Only the devices of the shares asked for (the vu device's memory backend
# is always there: it is the guest's RAM).
devices=()
# shellcheck disable=SC2054  # the commas are QEMU's
has_share vu && devices+=(-chardev "socket,id=vu,path=$work/vu.sock"
	-device vhost-user-test-device-pci,chardev=vu,virtio-id=9,num_vqs=1,config_size=33)
# shellcheck disable=SC2054
has_share vub && devices+=(-chardev "socket,id=vub,path=$work/vub.sock"
	-device vhost-user-test-device-pci,chardev=vub,virtio-id=9,num_vqs=1,config_size=33)
# shellcheck disable=SC2054
has_share tcp && devices+=(-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:564-unix:$work/tcp.sock"
	-device virtio-net-pci,netdev=n0,romfile=)
# shellcheck disable=SC2054
has_share local && devices+=(-fsdev "local,id=fs0,path=$work/e-local,security_model=passthrough"
	-device virtio-9p-pci,fsdev=fs0,mount_tag=local)
echo "bench/guest: $rounds rounds, $bytes bytes, $ncreate creates, $nstat stats, msize $msize;" \
	"kernel $kver, $("$top/tests/vm/qemu-trixie.sh" --version | head -n1)" >&2
timeout 3600 "$top/tests/vm/qemu-trixie.sh" -accel tcg -m "$mem" -smp 1 \
	-nographic -nodefaults -no-user-config -no-reboot -serial stdio -monitor none \
	-kernel "$cache/kernel/$kver/boot/vmlinuz-$kver" -initrd "$work/initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 p9g.gbench=$rounds,$bytes,$ncreate,$nstat p9g.msize=$msize p9g.workloads=${workloads//,/:} p9g.shares=${shares//,/:} p9g.trace=$trace" \
	-object "memory-backend-memfd,id=mem,size=${mem}M,share=on" -machine memory-backend=mem \
	"${devices[@]}" < /dev/null > "$work/console.log" 2>&1 || true

grep -a '^P9G-BENCH' "$work/console.log" | tr -d '\r' > "$work/results.txt" || true
[ -n "$raw" ] && cp "$work/results.txt" "$raw"
if ! grep -q '^P9G-BENCH-DONE' "$work/results.txt"; then
	tail -n 30 "$work/console.log" >&2
	die "the guest did not finish (console above)"
fi
"$top/bench/plot-results" "$work/results.txt"
if [ "$trace" = 1 ]; then
	echo
	echo "| share | request | count | mean us | total ms |"
	echo "|---|---|---|---|---|"
	grep -a '^P9G-TRACE:' "$work/console.log" | tr -d '\r' | sort -k2,2 -k6,6nr |
		awk '{ split($2, p, "/"); printf "| %s | %s | %s | %s | %s |\n", p[3], $3, $4, $5, $6 }'
fi
grep -E 'warn|error' "$work/p9guard.log" | grep -v 'mounted without' | head -n 5 >&2 || true
