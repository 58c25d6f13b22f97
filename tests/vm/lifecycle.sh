# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # run.sh's globals, both ways
# lifecycle.sh - sourced by run.sh: the life of one vhost-user device
# across what happens to real VMs, against ONE p9guard daemon, with the real
# guest kernel and QEMU 11.1 run as the unprivileged QEMU user:
#   1. a guest that reboots (reboot -f) with 64 files open and its working
#      directory on the share: QEMU resets the device (GET_VRING_BASE,
#      RESET_DEVICE); the second boot mounts again and finds the data;
#      while it runs, the helper holds none of the first boot's handles
#   2. QEMU exits and a new QEMU connects to the same socket (a restart)
#   3. that QEMU is killed (SIGKILL) while the guest writes and reads
#   4. the next QEMU finds the share working
# After each QEMU ends, the frontend and the helper hold exactly the file
# descriptors they held before the first one connected (no handle, memory
# region, kick or call descriptor left over) and the frontend maps no guest
# memory; p9guard stays up throughout. Guest side: guest/lifecycle.sh.
#
# run_lifecycle N adds to run.sh's totals and summary as run_config does.
# Uses run.sh's work, quser, start_server_p9guard, stop_server,
# qemu_root_ready, budget and start_all.

# The descriptors a process holds, and its mappings of guest memory.
lc_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
lc_guest_maps() { grep -c 'memfd:' "/proc/$1/maps" 2>/dev/null || true; }

# lc_report ok|FAIL NAME [DETAIL]: one result line in the run's results.
lc_report() { echo "P9G-RESULT: $1 lifecycle/$2${3:+ ${*:3}}" >> "$lc_results"; }

# Up to 10 s for both processes to be back at the counts before the first
# QEMU; then one result NAME either way.
lc_check_settled() {
    local name=$1 fe he maps
    for _ in $(seq 50); do
        fe=$(lc_fds "$server_pid") he=$(lc_fds "$lc_helper") maps=$(lc_guest_maps "$server_pid")
        [ "$fe" = "$lc_fe0" ] && [ "$he" = "$lc_he0" ] && [ "$maps" = 0 ] && break
        sleep 0.2
    done
    if ! kill -0 "$server_pid" 2>/dev/null; then
        lc_report FAIL "$name" "p9guard is not running any more"
    elif [ "$fe" = "$lc_fe0" ] && [ "$he" = "$lc_he0" ] && [ "$maps" = 0 ]; then
        lc_report ok "$name"
    else
        lc_report FAIL "$name" "frontend holds $fe descriptors (before: $lc_fe0) and maps" \
            "$maps guest memory regions, helper $he (before: $lc_he0)"
    fi
}

# lc_guest PHASE: one QEMU run of that phase (run-guest.sh), its P9G-RESULT
# lines added to the results; 0 when run-guest.sh saw the phase through.
lc_guest() {
    local phase=$1 rc=0
    P9G_VM_TIMEOUT=240 P9G_VM_TRANSPORT=virtio P9G_VM_LIFECYCLE=$phase \
        P9G_QEMU_ROOT=$work/qemu-trixie P9G_VM_TAG=export \
        "$here/run-guest.sh" "$sock" "$lc_dir/$phase" "$lc_mopts" > "$lc_dir/$phase.out" 2>&1 || rc=$?
    cat "$lc_dir/$phase/results.txt" >> "$lc_results" 2>/dev/null || true
    [ "$rc" = 0 ] || { sed 's/^/run: lifecycle: /' "$lc_dir/$phase.out" | tail -n 30 >&2; }
    return "$rc"
}

# lc_wait_console PHASE TEXT [N]: until the phase's console shows TEXT (the
# guest's P9G-LIFECYCLE: lines) N times (default 1) or its QEMU is gone; 0
# if it did.
lc_wait_console() {
    local console=$lc_dir/$1/console.log want=${3:-1}
    lc_seen() {
        [ "$({ tr -d '\r' < "$console"; } 2>/dev/null | grep -ac "P9G-LIFECYCLE: $2")" -ge "$want" ]
    }
    while kill -0 "$lc_qemu_job" 2>/dev/null; do
        lc_seen "$@" && return 0
        sleep 0.5
    done
    lc_seen "$@"
}

run_lifecycle() {
    local n=$1 t0 name=lifecycle,transport=virtio pass=0 failn=0 he got verdict tname rest
    t0=$(date +%s)
    lc_dir=$work/c$n
    lc_results=$lc_dir/results.txt
    export_dir=$lc_dir/export sock=$lc_dir/9p.sock server_log=$lc_dir/server.log
    rm -rf "$lc_dir"
    mkdir -p "$lc_dir"
    chmod 0711 "$lc_dir"
    mkdir -m 0755 "$export_dir"
    : > "$lc_results"
    echo "==== config $n: $name ($lc_dir)" >&2
    qemu_root_ready || die "cannot link the vhost-user QEMU into $work"
    server_listen=vhost-user server_model_args=()
    start_server_p9guard
    lc_mopts=trans=virtio,version=9p2000.L,access=client,msize=262144,cache=none
    lc_helper=$(pgrep -P "$server_pid" | head -n 1)
    if [ -z "$lc_helper" ]; then
        lc_report FAIL start "no helper process under p9guard ($server_pid)"
    else
        lc_fe0=$(lc_fds "$server_pid") lc_he0=$(lc_fds "$lc_helper")

        # 1. The reboot. While the first boot holds its files open, the
        # helper holds a handle for each; after the reset, before the
        # second boot mounts, none.
        lc_guest reboot & lc_qemu_job=$!
        if lc_wait_console reboot "held 64"; then
            he=$(lc_fds "$lc_helper")
            log "lifecycle: the helper holds $he descriptors with 64 files open ($lc_he0 before)"
            if [ "$he" -ge $((lc_he0 + 64)) ]; then
                lc_report ok boot_held
            else
                lc_report FAIL boot_held "the helper holds $he descriptors with 64 files" \
                    "open in the guest ($lc_he0 before): this test cannot see handles"
            fi
        else
            lc_report FAIL boot_held "the first boot never opened its files"
        fi
        if lc_wait_console reboot unmounted 2; then
            sleep 1
            he=$(lc_fds "$lc_helper")
            log "lifecycle: the helper holds $he descriptors after the reset ($lc_he0 before)"
            if [ "$he" = "$lc_he0" ]; then
                lc_report ok reboot_released
            else
                lc_report FAIL reboot_released "the helper holds $he descriptors after the" \
                    "device's reset, $lc_he0 before the first boot (which held 64 files open)"
            fi
        else
            lc_report FAIL reboot_released "the guest did not come back from its reboot"
        fi
        wait "$lc_qemu_job" || lc_report FAIL reboot_guest "run-guest.sh failed (above)"
        lc_check_settled reboot_settled

        # 2 and 3. A new QEMU on the same socket, killed while it writes.
        lc_guest restart & lc_qemu_job=$!
        if lc_wait_console restart busy; then
            sleep 3    # well into the writes
            pkill -KILL -u "$quser" || true
        else
            lc_report FAIL restart_busy "the guest never started writing"
        fi
        wait "$lc_qemu_job" || lc_report FAIL restart_guest "run-guest.sh failed (above)"
        lc_check_settled kill_settled

        # 4. The next QEMU.
        lc_guest after || lc_report FAIL after_guest "run-guest.sh failed (above)"
        lc_check_settled after_settled
        got=$(grep -c 'lifecycle/' "$lc_results" || true)
        [ "$got" -ge 12 ] || lc_report FAIL count "only $got results of 12 came"
    fi
    stop_server
    grep -iE 'warn|error' "$server_log" | head -n 5 | sed "s/^/run: p9guard: /" >&2 || true

    while read -r _ verdict tname rest; do
        case $verdict in
        ok) pass=$((pass + 1)) ;;
        *) failn=$((failn + 1)); echo "FAIL  [$name] $tname $rest" ;;
        esac
    done < <(grep '^P9G-RESULT: ' "$lc_results" || true)
    local line="config $name: $pass passed, $failn failed ($(($(date +%s) - t0)) s)"
    echo "$line"
    summary+=("$line")
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + failn))
}
