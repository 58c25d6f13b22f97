#!/bin/bash
# run.sh — real-client test: the Debian guest kernel's 9p client, in QEMU
# running as a non-root user, against a 9P2000.L server on a unix socket.
#
#   tests/vm/run.sh diod       # reference server (Debian package diod)
#   tests/vm/run.sh p9guard    # the project's server (needs a build)
#   tests/vm/run.sh SERVER TEST   # just one root-phase test (debugging)
#
# Steps: fetch.sh (tools + guest kernel, cached) -> start SERVER on a fresh
# export -> run-guest.sh (boot, mount, suite as root and two other uids) ->
# check-host.sh (the host sees exactly the guest's owners/modes) -> summary.
# The server is always stopped (trap); nothing is left running.
#
# Final line: "N passed, N failed". Exit 0 only when nothing failed, 77
# (skip) when not run as root, 1 otherwise.
# Tests listed in tests/vm/xfail-SERVER.txt (with the reason) are expected
# failures of that server: reported as XFAIL, not counted as failed, unless
# P9G_VM_STRICT=1. An expected failure that passes is reported as XPASS.
#
# Env:
#   P9G_VM_WORKDIR  scratch dir (default: mktemp under /tmp); kept on failure
#   P9G_VM_KEEP=1   keep the scratch dir also on success
#   P9G_VM_MOUNT_EXTRA  extra guest mount options (comma-separated)
#   P9G_VM_MSIZE    msize (default 262144)
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

"$here/fetch.sh"

if ! id -u "$quser" >/dev/null 2>&1; then
    log "creating system user $quser"
    useradd --system --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --user-group "$quser"
fi

work=${P9G_VM_WORKDIR:-$(mktemp -d /tmp/p9g-vm.XXXXXX)}
mkdir -p "$work"
chmod 0711 "$work"          # QEMU traverses it to reach the socket
export_dir=$work/export
sock=$work/9p.sock
server_log=$work/server.log
rm -rf "$export_dir" "$sock"
mkdir -m 0755 "$export_dir"

server_pid=
ok_to_clean=
cleanup() {
    local rc=$?
    # The server runs in its own process group (setsid, see below), so a
    # helper it forked (p9guard-helper) is stopped with it. We only ever
    # signal that group, which we created.
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
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$ok_to_clean" ] && [ "${P9G_VM_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    else
        log "logs and export kept in $work"
    fi
    exit "$rc"
}
trap cleanup EXIT
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

# The test identities of the guest suite (guest/fstest.h). diod resolves
# every attaching uid in the host's user database (and, for the mount-time
# attach, the uname "nobody"): give it matching accounts, including the
# supplementary group 4720 of uid 4711. Only diod needs these.
ensure_test_accounts() {
    getent group 4720 >/dev/null || groupadd -g 4720 p9g-gs
    local u
    for u in 4711 4712 4713; do
        if ! getent passwd "$u" >/dev/null; then
            getent group "$u" >/dev/null || groupadd -g "$u" "p9g-u$u"
            useradd -M -d /nonexistent -s /usr/sbin/nologin -u "$u" -g "$u" "p9g-u$u"
        fi
    done
    local a
    a=$(getent passwd 4711 | cut -d: -f1)
    id -G "$a" | tr ' ' '\n' | grep -qx 4720 || usermod -a -G 4720 "$a"
}

start_server_diod() {
    command -v diod >/dev/null || die "diod not installed (apt-get install diod)"
    ensure_test_accounts
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
# p9guard — the server under test. UNTESTED until p9guard serves; option
# names as agreed with the p9guard engineers (src/frontend/options.c).
# Binary: $P9GUARD, else $BUILDDIR/p9guard, else <top>/build/p9guard;
# helper: $P9GUARD_HELPER, else next to the binary.
# ======================================================================
start_server_p9guard() {
    local builddir=${BUILDDIR:-$top/build}
    local bin=${P9GUARD:-$builddir/p9guard}
    local helper=${P9GUARD_HELPER:-$(dirname "$bin")/p9guard-helper}
    [ -x "$bin" ] || die "no p9guard binary at $bin (set P9GUARD or BUILDDIR)"
    [ -x "$helper" ] || die "no p9guard-helper at $helper (set P9GUARD_HELPER)"
    # --allow-devices: the suite makes char/block nodes as guest root.
    # shellcheck disable=SC2086  # P9GUARD_ARGS is a word list on purpose
    setsid "$bin" --foreground \
        --export "$export_dir" \
        --listen "unix:$sock" \
        --socket-owner "$quser" \
        --user nobody \
        --helper "$helper" \
        --allow-devices \
        ${P9GUARD_ARGS:-} > "$server_log" 2>&1 &
    server_pid=$!
    wait_for_socket
    server_mount_opts=""
}

case $server in
diod|p9guard) ;;
*) die "unknown server '$server' (diod or p9guard)" ;;
esac
server_mount_opts=
log "starting $server on $sock, export $export_dir"
"start_server_$server"

# access=client: per-uid attaches, permission checks by the guest (needed
# for posixacl). locktimeout=1: the client re-sends a BLOCKED Tlock after
# 1s instead of 30s (servers must not block in Tlock).
mopts="trans=tcp,port=564,version=9p2000.L,access=client,posixacl"
mopts="$mopts,msize=${P9G_VM_MSIZE:-262144},locktimeout=1"
[ -n "$server_mount_opts" ] && mopts="$mopts,$server_mount_opts"
[ -n "${P9G_VM_MOUNT_EXTRA:-}" ] && mopts="$mopts,$P9G_VM_MOUNT_EXTRA"

guest_ok=1
"$here/run-guest.sh" "$sock" "$work" "$mopts" "$only" || guest_ok=

results=$work/results.txt
if [ -z "$only" ] && [ -n "$guest_ok" ]; then
    "$here/check-host.sh" "$export_dir" | tee -a "$results" \
        | grep -v '^P9G-RESULT:' >&2 || true
    grep '^P9G-RESULT: [a-zA-Z]* host/' "$results" || true
fi

if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
    log "FAILED: $server died during the run"
    tail -n 20 "$server_log" >&2 || true
    guest_ok=
fi

# ---- summary ---------------------------------------------------------------
xfail_file=$here/xfail-$server.txt
declare -A xfail=()
if [ -f "$xfail_file" ] && [ "${P9G_VM_STRICT:-0}" != 1 ]; then
    while read -r name _; do
        case $name in ''|'#'*) continue ;; esac
        xfail[$name]=1
    done < "$xfail_file"
fi
pass=0 failn=0 skipn=0 xf=0
xpass=()
while read -r _ verdict name _; do
    case $verdict in
    ok)   pass=$((pass + 1))
          [ -n "${xfail[$name]:-}" ] && xpass+=("$name") ;;
    skip) skipn=$((skipn + 1)) ;;
    *)    if [ -n "${xfail[$name]:-}" ]; then xf=$((xf + 1)); else failn=$((failn + 1)); fi ;;
    esac
done < <(grep '^P9G-RESULT: ' "$results" || true)

echo "---- $server: $((pass + failn + skipn + xf)) results in $work" >&2
while read -r _ _ name rest; do
    if [ -n "${xfail[$name]:-}" ]; then
        echo "XFAIL $name $rest"
    else
        echo "FAIL  $name $rest"
    fi
done < <(grep '^P9G-RESULT: FAIL' "$results" || true)
[ "${#xpass[@]}" -gt 0 ] && echo "XPASS (listed in $(basename "$xfail_file") but passed): ${xpass[*]}"
[ "$skipn" -gt 0 ] && echo "$skipn skipped"
[ "$xf" -gt 0 ] && echo "$xf expected failures of $server (see $(basename "$xfail_file"))"
[ -n "$guest_ok" ] || { echo "the guest run was incomplete (see above)"; failn=$((failn + 1)); }
echo "$pass passed, $failn failed"
if [ "$failn" = 0 ]; then
    ok_to_clean=1
    exit 0
fi
exit 1
