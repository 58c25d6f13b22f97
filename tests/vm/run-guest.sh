#!/bin/bash
# run-guest.sh — boot the test guest under QEMU as an UNPRIVILEGED user,
# let it mount the 9P server behind SOCK and run the functional suite.
#
#   tests/vm/run-guest.sh SOCK RUNDIR MOUNT_OPTS [ONLY_TEST]
#
# SOCK        unix socket of the 9P server; must be connectable by the QEMU
#             user (see run.sh, which sets owner/mode).
# RUNDIR      scratch directory (kernel, initramfs, console.log, results.txt)
# MOUNT_OPTS  the guest's `mount -t 9p -o` string (no spaces)
# ONLY_TEST   run just this root-phase test (debugging)
#
# Network: QEMU user-mode networking with restrict=on (the guest reaches
# nothing but the forward) and
#     guestfwd=tcp:10.0.2.100:564-unix:SOCK
# QEMU 7.2 accepts a chardev spec after the dash, so `unix:PATH` works with
# no helper. Caveat: a chardev guestfwd connects ONCE, when QEMU starts (the
# server must already listen) and carries one guest connection; the guest
# therefore mounts exactly once. P9G_VM_FWD=socat switches to
# `cmd:socat - UNIX-CONNECT:SOCK` (one socat per guest connection, also
# works on QEMU versions without the chardev form).
#
# Output: the P9G-RESULT lines (also written to RUNDIR/results.txt).
# Exit 0 if the guest ran every phase to the end (test failures are counted
# by the caller), 1 if the guest did not come up, the mount failed, QEMU hit
# the timeout, or a phase did not report — always with the console tail.
#
# Env: P9G_VM_CACHE, P9G_QEMU_USER (default p9g-qemu), P9G_VM_TIMEOUT
# (seconds, default 600), P9G_VM_MEM (MiB, default 512), P9G_VM_FWD,
# P9G_VM_BIGDIR (entries in bigdir_10000, default 10000; for quick runs),
# P9G_VM_MODEL (the server's security model, passed to the guest suite),
# P9G_VM_INITRD (an initramfs made by mkinitramfs.sh, instead of making one),
# P9G_VM_REPEAT (with ONLY_TEST: run it that many times),
# P9G_VM_STALL_GRACE (seconds of console silence after a test timed out
# before QEMU is stopped, default 120),
# P9G_VM_TRANSPORT=virtio: SOCK is a vhost-user socket (p9guard --listen
# vhost-user:SOCK); the guest mounts the device's tag P9G_VM_TAG (default
# "export") with trans=virtio (MOUNT_OPTS must say so), no network. QEMU is
# then the one fetch-qemu.sh cached (11.1: vhost-user-test-device-pci), run
# by qemu-trixie.sh from P9G_QEMU_ROOT, with the guest's RAM in a shared
# memfd (the back-end maps it).
# P9G_VM_LIFECYCLE=PHASE: a phase of the reboot/QEMU restart test
# (lifecycle.sh, guest/lifecycle.sh) instead of the suite; "reboot" lets the
# guest reboot (no -no-reboot), "restart" expects QEMU to be killed by the
# caller (SIGKILL) while the guest writes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${P9G_VM_CACHE:-$here/cache}
sock=${1:?usage: run-guest.sh SOCK RUNDIR MOUNT_OPTS [ONLY_TEST]}
rundir=${2:?usage}
mopts=${3:?usage}
only=${4:-}
quser=${P9G_QEMU_USER:-p9g-qemu}
tmo=${P9G_VM_TIMEOUT:-600}

log() { printf 'run-guest: %s\n' "$*" >&2; }
die() { printf 'run-guest: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (QEMU itself is started as $quser)"
case $mopts in *[[:space:]]*) die "mount options must not contain spaces" ;; esac
[ -S "$sock" ] || die "no server socket at $sock"
transport=${P9G_VM_TRANSPORT:-tcp}
case $transport in
tcp) command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64; run fetch.sh" ;;
virtio) "$here/qemu-trixie.sh" --version >/dev/null || die "no QEMU for vhost-user; run fetch-qemu.sh" ;;
*) die "P9G_VM_TRANSPORT must be tcp or virtio" ;;
esac

# ---- the unprivileged QEMU user ------------------------------------------
if ! id -u "$quser" >/dev/null 2>&1; then
    log "creating system user $quser"
    useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group "$quser"
fi
quid=$(id -u "$quser")
qgid=$(id -g "$quser")
[ "$quid" != 0 ] || die "$quser must not be uid 0"

# ---- kernel and initramfs, readable by that user -------------------------
[ -f "$cache/kernel/current" ] || die "no cached kernel; run tests/vm/fetch.sh"
kver=$(cat "$cache/kernel/current")
mkdir -p "$rundir"
# QEMU must traverse RUNDIR and read the two boot files; nothing else.
chmod 0711 "$rundir"
install -m 0644 "$cache/kernel/$kver/boot/vmlinuz-$kver" "$rundir/vmlinuz"
if [ -n "${P9G_VM_INITRD:-}" ]; then   # built once by run.sh for several boots
    install -m 0644 "$P9G_VM_INITRD" "$rundir/initrd.cpio.gz"
else
    "$here/mkinitramfs.sh" "$rundir/initrd.cpio.gz"
fi
chmod 0644 "$rundir/initrd.cpio.gz"
# The socket's own directory must be searchable by QEMU too.
setpriv --reuid="$quid" --regid="$qgid" --clear-groups -- test -w "$sock" \
    || die "$quser cannot connect to $sock (socket owner/mode or a parent directory)"

[ "$transport" = virtio ] || case ${P9G_VM_FWD:-unix} in
unix)  fwd="unix:$sock" ;;
socat) command -v socat >/dev/null || die "P9G_VM_FWD=socat needs socat"
       fwd="cmd:socat - UNIX-CONNECT:$sock" ;;
*)     die "P9G_VM_FWD must be unix or socat" ;;
esac

cmdline="console=ttyS0 panic=-1 loglevel=4 edd=off p9g.opts=$mopts"
[ -n "$only" ] && cmdline="$cmdline p9g.only=$only"
[ -n "$only" ] && [ -n "${P9G_VM_REPEAT:-}" ] && cmdline="$cmdline p9g.repeat=$P9G_VM_REPEAT"
[ -n "${P9G_VM_BIGDIR:-}" ] && cmdline="$cmdline p9g.bigdir=$P9G_VM_BIGDIR"
# P9G_VM_MODEL: the server's security model; the suite expects its
# documented behaviour where it differs from passthrough.
[ -n "${P9G_VM_MODEL:-}" ] && cmdline="$cmdline p9g.model=$P9G_VM_MODEL"
# P9G_VM_ROOTLESS=1: p9guard --rootless (device nodes get EPERM)
[ -n "${P9G_VM_ROOTLESS:-}" ] && cmdline="$cmdline p9g.rootless=1"
# P9G_VM_PERMS: p9guard's --permissions (guest or host)
[ -n "${P9G_VM_PERMS:-}" ] && cmdline="$cmdline p9g.perms=$P9G_VM_PERMS"
# P9G_VM_DEMO=1: the README demo (guest/demo.sh) instead of the suite.
[ -n "${P9G_VM_DEMO:-}" ] && cmdline="$cmdline p9g.demo=1"
[ "$transport" = virtio ] && cmdline="$cmdline p9g.tag=${P9G_VM_TAG:-export}"
lifecycle=${P9G_VM_LIFECYCLE:-}
[ -n "$lifecycle" ] && cmdline="$cmdline p9g.lifecycle=$lifecycle"

console=$rundir/console.log
results=$rundir/results.txt
: > "$results"
mem=${P9G_VM_MEM:-512}
# shellcheck disable=SC2054  # the commas are QEMU's, not array separators
qemu=(qemu-system-x86_64
    -accel tcg -m "$mem" -smp 1
    -nographic -nodefaults -no-user-config
    -serial stdio -monitor none
    -kernel "$rundir/vmlinuz" -initrd "$rundir/initrd.cpio.gz"
    -append "$cmdline")
# A guest reboot is a QEMU exit, except in the reboot test.
[ "$lifecycle" = reboot ] || qemu+=(-no-reboot)
if [ "$transport" = virtio ]; then
    # config_size=33: the 9P config space, a 2-byte length and a tag of up
    # to 31 bytes. The RAM is a memfd shared with the back-end.
    # The wrapper too is copied where the QEMU user can read it (the
    # project may sit under /root, which that user cannot enter).
    install -m 0755 "$here/qemu-trixie.sh" "$rundir/qemu-trixie.sh"
    export P9G_QEMU_ROOT=${P9G_QEMU_ROOT:-$cache/qemu-trixie}
    qemu[0]=$rundir/qemu-trixie.sh
    qemu+=(-object "memory-backend-memfd,id=mem,size=${mem}M,share=on"
        -machine "memory-backend=mem"
        -chardev "socket,id=vu,path=$sock"
        -device "vhost-user-test-device-pci,chardev=vu,virtio-id=9,num_vqs=1,config_size=33")
else
    qemu+=(-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:564-$fwd"
        # romfile= : no iPXE option ROM, we boot a kernel directly.
        -device virtio-net-pci,netdev=n0,romfile=)
fi

# ---- a test that times out -----------------------------------------------
# The guest then prints its blocked tasks and TCP queues (P9G-STALL lines,
# fstest.c); here, while it is still stuck, the host's side is recorded in
# RUNDIR/stall.txt: the unix socket's queues and the stacks of every
# thread of the processes on it (server, helper, QEMU). A guest whose
# console then stays silent for $stall_grace s is not waited for until the
# timeout: it is stopped (the budget is better spent on the next boot).
stall=$rundir/stall.txt
stall_grace=${P9G_VM_STALL_GRACE:-120}
# The unix sockets of SOCK's connections, both ends (the server's end
# names SOCK; the client's, QEMU's, is found by its inode).
sock_lines() {
    ss -xpnm 2>/dev/null | awk -v path="$sock" '
        { line[NR] = $0; ino[NR] = $6 }
        $5 == path { want[$8] = 1; mine[NR] = 1 }
        END { for (i = 1; i <= NR; i++) if (mine[i] || want[ino[i]]) print line[i] }'
}
# The processes on those sockets and their children, one pid per line.
sock_pids() {
    local p
    command -v ss >/dev/null || return 0
    for p in $(sock_lines | grep -o 'pid=[0-9]*' | sort -u); do
        p=${p#pid=}
        echo "$p"
        cat /proc/"$p"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . || true
    done | sort -un
}
record_stall() {
    local p t
    echo "== $(date -u +%T) a guest test timed out; the connections of $sock"
    echo "   (Recv-Q: bytes that end has not read; Send-Q: not yet taken by the peer):"
    if command -v ss >/dev/null; then
        sock_lines
    else
        echo "(no ss: install iproute2 to see the socket queues)"
    fi
    for p in $(sock_pids); do
        for t in /proc/"$p"/task/*; do
            echo "== pid $p thread ${t##*/} $(cat "$t"/comm 2>/dev/null) wchan=$(cat "$t"/wchan 2>/dev/null)"
            cat "$t"/stack 2>/dev/null || true
        done
    done
}
stall_watch() {
    local qpid=$1 size last
    until grep -aq 'P9G-RESULT: FAIL.*timeout' "$console" 2>/dev/null; do
        sleep 2
    done
    record_stall > "$stall" 2>&1
    size=$(stat -c %s "$console"); last=$(date +%s)
    while sleep 5; do
        if [ "$(stat -c %s "$console")" != "$size" ]; then
            size=$(stat -c %s "$console"); last=$(date +%s)
        elif [ $(( $(date +%s) - last )) -ge "$stall_grace" ]; then
            echo "== $(date -u +%T) no console output for ${stall_grace}s: stopping QEMU" >> "$stall"
            kill -TERM "$qpid" 2>/dev/null || true
            return 0
        fi
    done
}

log "booting $kver as $quser (TCG, timeout ${tmo}s), console: $console"
t0=$(date +%s)
rc=0
# setpriv execs QEMU directly (no intermediate process), so `timeout`
# signals QEMU itself; the environment is reset so nothing of root's leaks.
# The console log is opened here, as root, and handed over as stdout.
timeout --kill-after=10 "$tmo" \
    env -i PATH=/usr/bin:/bin HOME=/nonexistent P9G_QEMU_ROOT="${P9G_QEMU_ROOT:-}" \
    setpriv --reuid="$quid" --regid="$qgid" --clear-groups --no-new-privs -- \
    "${qemu[@]}" < /dev/null > "$console" 2>&1 &
qpid=$!
stall_watch "$qpid" &
wpid=$!
wait "$qpid" || rc=$?
kill "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
t1=$(date +%s)

# The serial console has CRs and, before the kernel starts, BIOS escape
# sequences on the same "line" as our first message: match anywhere.
p9g_lines() { tr -d '\r' < "$console" | grep -ao 'P9G-[A-Z-]*:.*' || true; }
p9g_lines | grep '^P9G-RESULT: ' > "$results" || true
cat "$results"
if [ -n "${P9G_VM_DEMO:-}" ]; then
    p9g_lines | sed -n 's/^P9G-DEMO: //p'
fi

bad=
tail_console() {
    printf -- '----- last 40 lines of %s -----\n' "$console" >&2
    tr -d '\r' < "$console" | tail -n 40 >&2
    printf -- '----- end of console -----\n' >&2
}
if [ -s "$stall" ]; then
    log "a test timed out; what the guest and the host showed then:"
    p9g_lines | grep '^P9G-STALL:' | grep -vE '^P9G-STALL: *$' >&2 || true
    cat "$stall" >&2
fi
if grep -q 'stopping QEMU' "$stall" 2>/dev/null; then
    log "FAILED: the guest stalled after a test timed out (stopped after ${stall_grace}s of silence)"
    bad=1
elif [ "$lifecycle" = restart ]; then
    # Killed by the caller mid-write: that is the test (it checks the rest).
    if [ "$rc" != 137 ]; then
        log "FAILED: QEMU was to be killed (SIGKILL) by the caller; it exited with status $rc"
        bad=1
    fi
elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    log "FAILED: QEMU did not finish within ${tmo}s"
    bad=1
elif [ "$rc" != 0 ]; then
    log "FAILED: QEMU exited with status $rc"
    bad=1
fi
if [ "$transport" = tcp ] && ! p9g_lines | grep -q '^P9G-INIT: network up'; then
    log "FAILED: the guest did not come up (no network-up line)"
    bad=1
elif ! p9g_lines | grep -q '^P9G-INIT: mounted'; then
    log "FAILED: the 9p mount failed"
    bad=1
fi
if p9g_lines | grep -q '^P9G-FATAL:'; then
    p9g_lines | grep -E '^P9G-(FATAL|DMESG):' >&2
    bad=1
fi
phases=(root)
[ -z "$only" ] && phases+=(u4711 u4712 verify)
[ -n "${P9G_VM_DEMO:-}" ] && phases=()
[ -n "$lifecycle" ] && phases=()
for ph in ${phases[@]+"${phases[@]}"}; do
    if ! p9g_lines | grep -q "^P9G-PHASE-DONE: $ph "; then
        log "FAILED: phase $ph did not report"
        bad=1
    fi
done
if [ "$lifecycle" != restart ] && ! p9g_lines | grep -q '^P9G-GUEST-DONE'; then
    log "FAILED: the guest did not finish the suite"
    bad=1
fi

mounted_at=$(p9g_lines | sed -n 's/^P9G-INIT: mounted.*(uptime \([0-9.]*\)s)$/\1/p')
done_at=$(p9g_lines | sed -n 's/^P9G-INIT: suite finished (uptime \([0-9.]*\)s)$/\1/p')
log "wall $((t1 - t0))s; guest uptime at mount ${mounted_at:-?}s, suite done ${done_at:-?}s"
p9g_lines | grep '^P9G-PHASE-DONE:' | sed 's/^/run-guest: /' >&2 || true
# Kernel messages from the 9p client are worth seeing when something failed.
if [ -n "$bad" ] || grep -q '^P9G-RESULT: FAIL' "$results"; then
    p9g_lines | grep '^P9G-DMESG:' | grep -iE '9p|v9fs|netfs|fscache|bug|warn' \
        | tail -n 20 >&2 || true
fi
if [ -n "$bad" ]; then
    tail_console
    exit 1
fi
exit 0
