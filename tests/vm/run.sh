#!/bin/bash
# run.sh — real-client test: the Debian guest kernel's 9p client, in QEMU
# running as a non-root user, against a 9P2000.L server on a unix socket.
#
#   tests/vm/run.sh diod       # reference server (Debian package diod)
#   tests/vm/run.sh p9guard    # the project's server (needs a build)
#   tests/vm/run.sh SERVER TEST   # just one root-phase test (debugging)
#
# Steps, once per configuration: start SERVER on a fresh export ->
# run-guest.sh (boot, mount, suite as root and two other uids) ->
# check-host.sh (the host sees exactly the guest's owners/modes) -> stop the
# server -> a "config ...: N passed, N failed" line. fetch.sh runs first
# (tools + guest kernel, cached). The server is always stopped (trap);
# nothing is left running.
#
# Configurations (P9G_VM_CONFIGS, space-separated; each a comma list of
# msize=BYTES, cache=none|loose|mmap|..., bigdir=ENTRIES and optionally
# model=passthrough|mapped-xattr, p9guard's --security-model, default
# passthrough). The default is the CI matrix: both msizes the issue names
# (8192, 1 MiB) with both cache modes (none, loose), and for p9guard
# mapped-xattr once, five boots (six with perms=host), and each of them over
# virtio (transport=virtio: vhost-user, trans=virtio) too, and then the
# configuration "lifecycle" (lifecycle.sh: one vhost-user device through a
# guest reboot, a QEMU restart and a QEMU killed mid-write; four boots). The 10 000-entry directory test is most
# of a run's time, so it runs full size once, with cache=none (~60-150 s),
# and with 1000 entries in the others (still many Treaddir rounds with
# 256-byte buffers and resumes from cookies):
#     msize=1048576,cache=none,bigdir=10000  msize=8192,cache=none,bigdir=1000
#     msize=1048576,cache=loose,bigdir=1000  msize=8192,cache=loose,bigdir=1000
#     msize=1048576,cache=none,bigdir=1000,model=mapped-xattr
# mapped-xattr: p9guard gets --security-model mapped-xattr --fmode 0640
# --dmode 0750 (not the defaults, so that the host check sees them
# applied), the guest suite p9g.model=mapped-xattr (it then expects the
# model's documented behaviour, man 8 p9guard), and check-host.sh
# --mapped-xattr compares the guest's view with the user.virtfs.* xattrs
# and the host files with the helper's owner and those modes.
# perms=guest|host: p9guard's --permissions (default: p9guard's default,
# guest); the matrix runs host once, small (msize=262144,cache=none,
# bigdir=100,perms=host), with host accounts matching the guest's made for
# it; the guest suite (P9G_PERMISSIONS) expects the guest-only group GQ to
# be refused there (root/guest_only_group).
# Not in the matrix, by cost: cache=loose with 10 000 entries (the client
# holds ~20 000 fids; it passes, but its creates alone took 250 s of TCG on
# a loaded 2-core host). Run it with
#     P9G_VM_CONFIGS=msize=8192,cache=loose,bigdir=10000
# With a TEST argument only the first configuration runs.
#
# Final line: "N passed, N failed" over all configurations. Exit 0 only when
# nothing failed, 77 (skip) when not run as root, 1 otherwise.
# Tests listed in tests/vm/xfail-SERVER.txt (with the reason) are expected
# failures of that server: reported as XFAIL, not counted as failed, unless
# P9G_VM_STRICT=1. An expected failure that passes is reported as XPASS.
#
# Env:
#   P9G_VM_CONFIGS  configurations (see above)
#   P9G_VM_BUDGET   seconds all configurations may take together (default
#                   840: the CI stage must stay under 15 minutes). Each
#                   boot's timeout is cut to what is left; a configuration
#                   with under 60 s left is not started and counts as failed.
#   P9G_VM_WORKDIR  scratch dir (default: mktemp under /tmp); kept on failure
#   P9G_VM_KEEP=1   keep the scratch dir also on success
#   P9G_VM_MOUNT_EXTRA  extra guest mount options for every configuration
#   P9G_VM_BIGDIR   entries of the big-directory test in every configuration
#                   (development loops; overrides bigdir=)
#   BUILDDIR / P9GUARD / P9GUARD_HELPER / P9GUARD_ARGS  (p9guard server)
#   P9G_DIOD_ARGS   extra diod options (e.g. "-d 1" to log the 9P traffic)
#   plus those of fetch.sh and run-guest.sh.
# shellcheck disable=SC2317  # cleanup and start_server_* are called indirectly
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
server=${1:?usage: run.sh diod|p9guard [TEST]}
only=${2:-}
quser=${P9G_QEMU_USER:-p9g-qemu}
export P9G_QEMU_USER=$quser

log() { printf 'run: %s\n' "$*" >&2; }
die() { printf 'run: ERROR: %s\n' "$*" >&2; exit 1; }

# 77 = "skipped" for automake's test driver: without root there is no
# ownership to test and no user to run QEMU as.
if [ "$(id -u)" != 0 ]; then
    log "SKIP: must run as root (the suite tests ownership; QEMU runs as $quser)"
    exit 77
fi

# ---- configurations ----------------------------------------------------------
default_configs="msize=1048576,cache=none,bigdir=10000 msize=8192,cache=none,bigdir=1000"
default_configs="$default_configs msize=1048576,cache=loose,bigdir=1000"
default_configs="$default_configs msize=8192,cache=loose,bigdir=1000"
# diod has no mapped-xattr model: its default matrix is the first four.
[ "$server" = p9guard ] \
    && default_configs="$default_configs msize=1048576,cache=none,bigdir=1000,model=mapped-xattr" \
    && default_configs="$default_configs msize=262144,cache=none,bigdir=100,perms=host" \
    && default_configs="$default_configs msize=262144,cache=none,bigdir=100,rootless=1"
# p9guard: every configuration also over virtio (vhost-user, trans=virtio),
# and the device's life across a reboot, a QEMU restart and a QEMU killed
# (lifecycle.sh).
if [ "$server" = p9guard ]; then
    for c in $default_configs; do
        default_configs="$default_configs $c,transport=virtio"
    done
    default_configs="$default_configs lifecycle"
fi
read -r -a configs <<< "${P9G_VM_CONFIGS:-$default_configs}"
[ "${#configs[@]}" -gt 0 ] || die "P9G_VM_CONFIGS is empty"
[ -n "$only" ] && configs=("${configs[0]}")
for c in "${configs[@]}"; do    # check them all before the first boot
    if [ "$c" = lifecycle ]; then
        [ "$server" = p9guard ] || die "configuration 'lifecycle': $server has no vhost-user"
        continue
    fi
    for kv in ${c//,/ }; do
        case $kv in
        msize=[0-9]*|bigdir=[0-9]*) ;;
        cache=[a-z]*) ;;
        model=passthrough) ;;
        perms=guest|perms=host)
            [ "$server" = p9guard ] || die "configuration '$c': $server has no --permissions" ;;
        model=mapped-xattr|transport=virtio|rootless=1)
            [ "$server" = p9guard ] || die "configuration '$c': $server has no $kv" ;;
        transport=tcp) ;;
        *) die "configuration '$c': '$kv' is not msize=N, cache=MODE, bigdir=N, model=passthrough|mapped-xattr, perms=guest|host, rootless=1 or transport=tcp|virtio" ;;
        esac
    done
done

"$here/fetch.sh"
case " ${configs[*]} " in
*transport=virtio*|*" lifecycle "*) "$here/fetch-qemu.sh" ;;
esac

# Host accounts this stage makes (and removes): the QEMU user for the whole
# stage, and for a configuration that needs them the test identities of the
# guest suite (guest/fstest.h), uids 4711-4713 with their own groups and the
# supplementary group 4720 of uid 4711, removed after it.  diod resolves
# every attaching uid in the host's user database, and p9guard's helper
# under --permissions host takes a uid's groups from it ("exports shared
# with host users whose accounts match the guest's"); p9guard's default,
# --permissions guest, runs on a host that knows none of them.  Group 4731
# (GQ) never gets a host account: it is the guest-only group.
# shellcheck source=../lib/accounts.sh
. "$here/../lib/accounts.sh"
# shellcheck source=lifecycle.sh
. "$here/lifecycle.sh"
ensure_test_accounts() {
    acct_group 4720 p9g-gs &&
        acct_user 4711 p9g-u4711 4720 &&
        acct_user 4712 p9g-u4712 &&
        acct_user 4713 p9g-u4713
}

work=${P9G_VM_WORKDIR:-$(mktemp -d /tmp/p9g-vm.XXXXXX)}
mkdir -p "$work"
chmod 0711 "$work"          # QEMU traverses it to reach the socket
# The vhost-user QEMU (fetch-qemu.sh), hard-linked where its user can reach
# it (the cache may be under /root); a copy when links cannot cross file
# systems (a tmpfs /tmp).  Built under a temporary name: a link attempt
# that failed half-way leaves nothing behind to copy into.
qemu_root_ready() {
    [ -x "$work/qemu-trixie/usr/bin/qemu-system-x86_64" ] && return 0
    local from=${P9G_VM_CACHE:-$here/cache}/qemu-trixie to=$work/qemu-trixie
    rm -rf "$to" "$to.tmp"
    if ! cp -al "$from" "$to.tmp" 2>/dev/null; then
        rm -rf "$to.tmp"
        cp -a "$from" "$to.tmp" || return 1
    fi
    mv "$to.tmp" "$to"
}
# Per configuration (set_config_dirs): $work/cN/{export,9p.sock,server.log}
export_dir="" sock="" server_log=""
server_model_args=()         # --security-model etc. of the configuration
server_listen=unix           # the --listen kind: unix, or vhost-user (virtio)

server_pid=
ok_to_clean=
# The server runs in its own process group (setsid, see below), so a
# helper it forked (p9guard-helper) is stopped with it. We only ever
# signal that group, which we created.
stop_server() {
    if [ -n "$server_pid" ] && kill -0 -- "-$server_pid" 2>/dev/null; then
        kill -TERM -- "-$server_pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 -- "-$server_pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 -- "-$server_pid" 2>/dev/null; then
            log "server group $server_pid ignored SIGTERM; killing it"
            kill -KILL -- "-$server_pid" 2>/dev/null || true
        fi
    fi
    [ -n "$server_pid" ] && { wait "$server_pid" 2>/dev/null || true; }
    server_pid=
}
cleanup() {
    local rc=$?
    stop_server
    subuid_restore
    acct_cleanup
    if [ -n "$ok_to_clean" ] && [ "${P9G_VM_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    else
        log "logs and export kept in $work"
    fi
    exit "$rc"
}
trap cleanup EXIT
acct_system_user "$quser" || die "cannot create the user $quser"
trap 'exit 130' INT TERM

wait_for_socket() {
    for _ in $(seq 1 100); do
        [ -S "$sock" ] && return 0
        if ! kill -0 "$server_pid" 2>/dev/null; then
            tail -n 20 "$server_log" >&2 || true
            die "$server exited before listening (log: $server_log)"
        fi
        sleep 0.1
    done
    tail -n 20 "$server_log" >&2 || true
    die "$server did not create $sock within 10s"
}

# ---- servers -------------------------------------------------------------
# Each start_server_X starts the server in the background on $sock serving
# $export_dir, sets server_pid, and sets server_mount_opts (what the guest
# must add to its mount options for this server). Servers run in the
# foreground under `setsid`: their own session and process group (pgid =
# server_pid; this script has no job control, so setsid does not fork),
# which cleanup() stops as a whole.

start_server_diod() {
    command -v diod >/dev/null || die "diod not installed (apt-get install diod)"
    # -f foreground, -n no auth (the socket is the access control), -c
    # /dev/null: no host diod.conf can change the result; the
    # userdb is ON (see above); one export; log to a file.
    # shellcheck disable=SC2086  # P9G_DIOD_ARGS is a word list on purpose
    setsid diod -f -n -c /dev/null -l "$sock" -e "$export_dir" -L "$server_log" ${P9G_DIOD_ARGS:-} &
    server_pid=$!
    wait_for_socket
    # diod has no socket owner option: hand the socket to the QEMU user.
    chown "$quser" "$sock"
    chmod 0600 "$sock"
    # diod checks the attach name against its exports.
    server_mount_opts="aname=$export_dir"
}

# ======================================================================
# p9guard — the server under test (options: man 8 p9guard).
# Binary: $P9GUARD, else $BUILDDIR/p9guard, else <top>/build/p9guard;
# helper: $P9GUARD_HELPER, else next to the binary. Its log is checked for
# warnings after each configuration (a limit reached shows up there).
# ======================================================================
start_server_p9guard() {
    local builddir=${BUILDDIR:-$top/build}
    local bin=${P9GUARD:-$builddir/p9guard}
    local helper=${P9GUARD_HELPER:-$(dirname "$bin")/p9guard-helper}
    [ -x "$bin" ] || die "no p9guard binary at $bin (set P9GUARD or BUILDDIR)"
    [ -x "$helper" ] || die "no p9guard-helper at $helper (set P9GUARD_HELPER)"
    # Rootless exactly while the QEMU user holds the ranges (subuid_give).
    if [ -n "$subuid_saved" ]; then
        start_server_p9guard_rootless "$bin" "$helper"
        return
    fi
    # --allow-devices: the suite makes char/block nodes as guest root.
    # shellcheck disable=SC2086  # P9GUARD_ARGS is a word list on purpose
    setsid "$bin" --foreground \
        --export "$export_dir" \
        --listen "$server_listen:$sock" \
        --socket-owner "$quser" \
        --user nobody \
        --helper "$helper" \
        --allow-devices \
        ${server_model_args[@]+"${server_model_args[@]}"} \
        ${P9GUARD_ARGS:-} > "$server_log" 2>&1 &
    server_pid=$!
    wait_for_socket
    server_mount_opts=""
}

# rootless=1: p9guard started by the QEMU user itself (no root anywhere;
# p9guard chooses --rootless), from copies it may run, on a directory of
# its own, with the subordinate ranges $rl_start:65536 that this stage
# gives it (and takes back: subuid_restore; $subuid_saved is set in
# between, and start_server_p9guard starts the rootless pair then only).
# No --allow-devices: the guest suite expects EPERM for device nodes
# (p9g.rootless=1).
rl_start=400000
subuid_saved=
# shellcheck source=../lib/subids.sh
. "$top/tests/lib/subids.sh"
subuid_give() {
    subuid_saved=$work/subid-saved
    subids_save "$subuid_saved"
    subids_set "$quser" "$rl_start" 65536
}
subuid_restore() {
    [ -n "$subuid_saved" ] || return 0
    subids_restore "$subuid_saved"
    rm -rf "$subuid_saved"
    subuid_saved=
}
start_server_p9guard_rootless() {
    local bin=$1 helper=$2 rbin=$work/rootless-bin
    mkdir -p "$rbin"
    chmod 0755 "$rbin"
    install -m 0755 "$bin" "$helper" "$rbin/"
    chown "$quser" "$export_dir" "$(dirname "$sock")"
    # shellcheck disable=SC2086  # P9GUARD_ARGS is a word list on purpose
    setsid setpriv --reuid="$quser" --regid="$quser" --init-groups "$rbin/p9guard" \
        --export "$export_dir" \
        --listen "$server_listen:$sock" \
        --helper "$rbin/p9guard-helper" \
        ${server_model_args[@]+"${server_model_args[@]}"} \
        ${P9GUARD_ARGS:-} > "$server_log" 2>&1 &
    server_pid=$!
    wait_for_socket
    server_mount_opts=""
}

case $server in
diod|p9guard) ;;
*) die "unknown server '$server' (diod or p9guard)" ;;
esac

# ---- xfail list (one per server) ---------------------------------------------
xfail_file=$here/xfail-$server.txt
declare -A xfail=()
if [ -f "$xfail_file" ] && [ "${P9G_VM_STRICT:-0}" != 1 ]; then
    while read -r name _; do
        case $name in ''|'#'*) continue ;; esac
        xfail[$name]=1
    done < "$xfail_file"
fi

# run_config N CONFIG: one boot of the suite; adds to the totals below and
# prints "config CONFIG: N passed, N failed (S s)" (not in the form
# tests/run-suite.sh counts: only the final line is counted).
total_pass=0 total_fail=0 total_skip=0 total_xf=0
summary=()
run_config() {
    local n=$1 cfg=$2 msize=262144 cache=none bigdir=10000 model=passthrough perms= kv t0 guest_ok=1
    local transport=tcp rootless=
    for kv in ${cfg//,/ }; do
        case $kv in
        msize=*)  msize=${kv#msize=} ;;
        cache=*)  cache=${kv#cache=} ;;
        bigdir=*) bigdir=${kv#bigdir=} ;;
        model=*)  model=${kv#model=} ;;
        perms=*)  perms=${kv#perms=} ;;
        transport=*) transport=${kv#transport=} ;;
        rootless=1) rootless=1 ;;
        esac
    done
    bigdir=${P9G_VM_BIGDIR:-$bigdir}
    local name="msize=$msize,cache=$cache,bigdir=$bigdir"
    # The model's server options and host check (see the header).
    local check_args=()
    server_model_args=()
    if [ "$model" = mapped-xattr ]; then
        name="$name,model=$model"
        server_model_args=(--security-model mapped-xattr --fmode 0640 --dmode 0750)
        # The helper runs as root (this script's ids): host files are its.
        check_args=(--mapped-xattr 0640 0750 "$(id -u):$(id -g)")
    fi
    if [ -n "$perms" ]; then
        name="$name,perms=$perms"
        server_model_args+=(--permissions "$perms")
    fi
    if [ -n "$rootless" ]; then
        name="$name,rootless=1"
        subuid_give
        check_args=(--rootless "$(id -u "$quser")" "$(id -g "$quser")" "$rl_start" 65536)
    fi
    # transport=virtio: vhost-user, trans=virtio, the mount tag being the
    # export's base name (p9guard's default --tag).
    server_listen=unix
    local trans_opts="trans=tcp,port=564"
    if [ "$transport" = virtio ]; then
        name="$name,transport=virtio"
        server_listen=vhost-user trans_opts=trans=virtio
        qemu_root_ready || die "cannot link the vhost-user QEMU into $work"
    fi
    local accounts_before
    accounts_before=$(acct_count)
    if [ "$server" = diod ] || [ "$perms" = host ]; then
        ensure_test_accounts || die "cannot create the host test accounts"
    fi
    local dir=$work/c$n
    export_dir=$dir/export sock=$dir/9p.sock server_log=$dir/server.log
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 0711 "$dir"
    mkdir -m 0755 "$export_dir"
    t0=$(date +%s)
    echo "==== config $n: $name ($dir)" >&2

    server_mount_opts=
    log "starting $server on $sock, export $export_dir"
    "start_server_$server"

    # access=client: per-uid attaches, permission checks by the guest (needed
    # for posixacl). locktimeout=1: the client re-sends a BLOCKED Tlock after
    # 1s instead of 30s (servers must not block in Tlock).
    local mopts="$trans_opts,version=9p2000.L,access=client,posixacl"
    mopts="$mopts,msize=$msize,cache=$cache,locktimeout=1"
    [ -n "$server_mount_opts" ] && mopts="$mopts,$server_mount_opts"
    [ -n "${P9G_VM_MOUNT_EXTRA:-}" ] && mopts="$mopts,$P9G_VM_MOUNT_EXTRA"

    local left=$((budget - ($(date +%s) - start_all)))
    local tmo=${P9G_VM_TIMEOUT:-600}
    [ "$left" -lt "$tmo" ] && tmo=$left
    P9G_VM_TIMEOUT=$tmo P9G_VM_BIGDIR=$bigdir P9G_VM_MODEL=$model P9G_VM_PERMS=$perms \
        P9G_VM_TRANSPORT=$transport P9G_QEMU_ROOT=$work/qemu-trixie P9G_VM_ROOTLESS=$rootless \
        "$here/run-guest.sh" "$sock" "$dir" "$mopts" "$only" || guest_ok=

    local results=$dir/results.txt
    if [ -z "$only" ] && [ -n "$guest_ok" ]; then
        "$here/check-host.sh" ${check_args[@]+"${check_args[@]}"} "$export_dir" | tee -a "$results" \
            | grep -v '^P9G-RESULT:' >&2 || true
        grep '^P9G-RESULT: [a-zA-Z]* host/' "$results" || true
    fi
    if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
        log "FAILED: $server died during the run"
        tail -n 20 "$server_log" >&2 || true
        guest_ok=
    fi
    stop_server
    subuid_restore
    acct_cleanup "$accounts_before"
    # What the server warned about (a limit reached, a descriptor shortage).
    grep -iE 'warn' "$server_log" | head -n 5 | sed "s/^/run: $server: /" >&2 || true

    local pass=0 failn=0 skipn=0 xf=0 verdict tname rest
    local xpass=()
    while read -r _ verdict tname _; do
        case $verdict in
        ok)   pass=$((pass + 1))
              [ -n "${xfail[$tname]:-}" ] && xpass+=("$tname") ;;
        skip) skipn=$((skipn + 1)) ;;
        *)    if [ -n "${xfail[$tname]:-}" ]; then xf=$((xf + 1)); else failn=$((failn + 1)); fi ;;
        esac
    done < <(grep '^P9G-RESULT: ' "$results" || true)
    while read -r _ _ tname rest; do
        if [ -n "${xfail[$tname]:-}" ]; then
            echo "XFAIL [$name] $tname $rest"
        else
            echo "FAIL  [$name] $tname $rest"
        fi
    done < <(grep '^P9G-RESULT: FAIL' "$results" || true)
    [ "${#xpass[@]}" -gt 0 ] && echo "XPASS [$name] (listed in $(basename "$xfail_file") but passed): ${xpass[*]}"
    [ -n "$guest_ok" ] || { echo "[$name] the guest run was incomplete (see above)"; failn=$((failn + 1)); }
    # An oops in the guest kills the test that hit it (SIGKILL) and can
    # leave the mount hung: name it, so that it is not taken for a server
    # bug (with Debian's 6.1.0-50 kernel, v9fs mkdir under cache=loose with
    # a default ACL oopses against any server; tests/vm/fetch.sh).
    if grep -qE 'BUG: |Oops: ' "$dir/console.log" 2>/dev/null; then
        echo "FAIL  [$name] guest kernel $(cat "${P9G_VM_CACHE:-$here/cache}/kernel/current" 2>/dev/null) oopsed:" \
            "$(grep -m1 -E 'BUG: |Oops: ' "$dir/console.log" | sed 's/^\[[ 0-9.]*\] //');" \
            "$(grep -m1 'RIP: 0010:' "$dir/console.log" | sed 's/^\[[ 0-9.]*\] //')" \
            "(console: $dir/console.log)"
        failn=$((failn + 1))
    fi
    local line="config $name: $pass passed, $failn failed"
    [ "$skipn" -gt 0 ] && line="$line, $skipn skipped"
    [ "$xf" -gt 0 ] && line="$line, $xf expected failures"
    line="$line ($(($(date +%s) - t0)) s)"
    echo "$line"
    summary+=("$line")
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + failn))
    total_skip=$((total_skip + skipn)) total_xf=$((total_xf + xf))
}

budget=${P9G_VM_BUDGET:-840}
start_all=$(date +%s)
# One initramfs for every boot (run-guest.sh copies it).
"$here/mkinitramfs.sh" "$work/initrd.cpio.gz"
export P9G_VM_INITRD=$work/initrd.cpio.gz
i=0
for c in "${configs[@]}"; do
    i=$((i + 1))
    if [ $((budget - ($(date +%s) - start_all))) -lt 60 ]; then
        line="config $c: not run, the ${budget} s budget (P9G_VM_BUDGET) is spent"
        echo "$line"
        summary+=("$line")
        total_fail=$((total_fail + 1))
        continue
    fi
    if [ "$c" = lifecycle ]; then
        run_lifecycle "$i"
    elif [[ ,$c, == *,rootless=1,* ]] && ! unshare --user true 2>/dev/null; then
        # A chroot (fresh-debian-run) refuses user namespaces even to root.
        line="SKIP: config $c: user namespaces cannot be made here (a chroot refuses them: unshare(2) EPERM); tests/policy/apparmor-guest.sh runs a rootless pair in a guest"
        echo "$line"
        summary+=("$line")
        total_skip=$((total_skip + 1))
    else
        run_config "$i" "$c"
    fi
done

# ---- summary ---------------------------------------------------------------
echo "---- $server: ${#configs[@]} configuration(s), $(($(date +%s) - start_all)) s, in $work"
printf '%s\n' "${summary[@]}"

[ "$total_xf" -gt 0 ] && echo "$total_xf expected failures of $server (see $(basename "$xfail_file"))"
if [ "$total_skip" -gt 0 ]; then
    echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "$total_pass passed, $total_fail failed"
fi
if [ "$total_fail" = 0 ]; then
    ok_to_clean=1
    exit 0
fi
exit 1
