#!/bin/bash
# run.sh BUILDDIR - injected faults against the daemon pair (root; issue 8).
#
#  1. helper-kill: SIGKILL to p9guard-helper while 4 connections create,
#     write and fsync files: every client gets EIO (or its connection
#     closes) and never hangs, the frontend exits non-zero with a log line
#     that says why, and what Rfsync acknowledged is on disk, byte for byte.
#  2. inflight: a client hangs up with ~130 requests in flight (Treads,
#     16-name Twalks, Twrites and Tfsyncs), 5 times: the frontend's and the
#     helper's descriptors (/proc/PID/fd) and threads (/proc/PID/task)
#     return to their baseline each time.
#  2b. walksdie: 64 deep Twalks in flight on one connection (queued for the
#     workers, whose helper calls do not wait), then the helper killed:
#     every Twalk is answered or the connection closes, none hangs, and
#     the frontend exits non-zero.
#  3. enospc: a 1 MiB tmpfs export with 48 inodes: writes and creates get
#     ENOSPC, other clients are served, space freed is usable again.
#  4. nofile: RLIMIT_NOFILE 64 for the pair: walks and opens get EMFILE
#     (ENFILE), a create refused so leaves no file behind, both processes
#     log a line naming the limit (rate-limited), a new client is
#     turned away rather than left hanging (and the frontend does not spin
#     on accept), and everything works again once the fids are clunked.
#  5. maxfids: --max-fids 16: the 17th fid of a connection is refused with
#     EMFILE, repeatedly, with one rate-limited warning naming --max-fids;
#     a clunk makes room again.
#  6. hoard: --max-connections 256: one connection walks until the helper
#     refuses it past its share (2^20 / 256 = 4096 handles) with ENFILE,
#     while a second connection keeps working.
#  7. membound: --max-memory below what the limits allow is refused at
#     start with a line naming the options to lower, before any socket
#     exists; with room, the bound is logged, and a connection filling
#     --max-fids 4096 grows the frontend (peak RSS over its start) by less
#     than the logged per-connection bound.
# Prints PASS/FAIL (and SKIP) lines and "N passed, N failed"; exits non-zero
# on any failure.  P9G_KEEP=1 keeps the work directory.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILDDIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: must run as root (the daemon pair drops to nobody; tmpfs mount)" >&2
	exit 77
fi
for p in p9guard p9guard-helper tests/faults/fault_client; do
	if [ ! -x "$B/$p" ]; then
		echo "run.sh: $B/$p missing (make -C $B $p)" >&2
		exit 2
	fi
done
FC=$B/tests/faults/fault_client

work=$(mktemp -d /tmp/p9g-faults.XXXXXX)
chmod 0755 "$work"
pid=
mounted=
cleanup() {
	stop_daemon
	[ -n "$mounted" ] && umount "$mounted" 2>/dev/null
	if [ -z "${P9G_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "kept $work"
	fi
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
result() {	# result OK|FAIL|SKIP name [why]
	case $1 in
	OK) echo "PASS: $2"; passed=$((passed + 1)) ;;
	SKIP) echo "SKIP: $2${3:+: $3}"; skipped=$((skipped + 1)) ;;
	*) echo "FAIL: $2${3:+: $3}"; failed=$((failed + 1)) ;;
	esac
}
# Run fault_client with a time limit; echo and count its PASS/FAIL lines.
client() {	# client SECONDS OUTFILE ARGS...
	local secs=$1 out=$2 rc=0
	shift 2
	timeout "$secs" "$FC" "$@" >"$out" 2>&1 || rc=$?
	grep -E '^(PASS|FAIL|NOTE):' "$out"
	passed=$((passed + $(grep -c '^PASS:' "$out")))
	failed=$((failed + $(grep -c '^FAIL:' "$out")))
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL:' "$out"; then
		result FAIL "fault_client $1" "exit $rc$([ $rc = 124 ] && echo ": timed out after $secs s")"
		tail -n 5 "$out" | sed 's/^/    /'
	fi
}

# The pid of the p9guard-helper child of $1 (no procps needed).
helper_of() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = p9guard-helper ] || continue
		[ "$(awk '{ print $4 }' "$d/stat" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}" && return
	done
}

# start_daemon NAME EXPORT [PREFIX...]: p9guard on $work/NAME.sock, log in
# $work/NAME.log; sets pid (the frontend) and helper.  PREFIX (e.g. prlimit
# ...) runs it; it must exec p9guard in the same process.  More p9guard
# options: the array daemon_args.
daemon_args=()
start_daemon() {
	local name=$1 export_dir=$2
	shift 2
	sock=$work/$name.sock log=$work/$name.log
	P9GUARD_HELPER=$B/p9guard-helper "$@" "$B/p9guard" --export "$export_dir" \
		--listen "unix:$sock" --user nobody --socket-mode 0666 \
		--pidfile "$work/$name.pid" --log-level info ${daemon_args[@]+"${daemon_args[@]}"} \
		>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[ -S "$sock" ] && [ -s "$work/$name.pid" ] && break
		sleep 0.1
	done
	helper=$(helper_of "$pid")
	if [ ! -S "$sock" ] || [ -z "$helper" ]; then
		result FAIL "$name: daemon start" "no socket or no helper after 10 s"
		sed 's/^/    /' "$log"
		return 1
	fi
	return 0
}

# expect_helper_death_exit NAME KILLED_AT: the helper was killed at
# KILLED_AT (date +%s%N); the frontend must exit, non-zero, within 10 s.
expect_helper_death_exit() {
	local name=$1 killed_at=$2 rc=0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		result FAIL "$name: frontend exit" "still running 10 s after the helper died"
		stop_daemon
		return
	fi
	wait "$pid" || rc=$?
	pid=
	if [ "$rc" -ne 0 ]; then
		result OK "$name: the frontend exited with status $rc (within $((($(date +%s%N) - killed_at) / 1000000)) ms of the kill)"
	else
		result FAIL "$name: frontend exit status" "0 after the helper was killed"
	fi
}

# clean_log NAME [MORE]: no sanitizer report, crash or seccomp kill (nor
# MORE, an extended regexp) in $log.
clean_log() {
	local bad="sanitizer|segfault|assert|bad system call${2:+|$2}"
	if grep -qiE "$bad" "$log"; then
		result FAIL "$1: daemon log" "$(grep -iE "$bad" "$log" | head -n 1)"
	fi
}

# stop_daemon: SIGTERM, wait up to 10 s; the exit status in stop_rc.
stop_daemon() {
	local rc=0
	stop_rc=
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || rc=$?
	pid=
	stop_rc=$rc
}

alive() {	# alive NAME: the frontend and the helper are still running
	if kill -0 "$pid" 2>/dev/null && kill -0 "$helper" 2>/dev/null; then
		result OK "$1: the frontend and the helper are still running"
	else
		result FAIL "$1: daemon died" "$(tail -n 3 "$log" | tr '\n' ' ')"
	fi
	clean_log "$1" 'protocol violation'
}

# ---- 1. kill -9 of the helper in the middle of a workload ----
mkdir -m 0755 -p "$work/kill"
if start_daemon kill "$work/kill"; then
	manifest=$work/kill.manifest
	timeout 60 "$FC" workload "$sock" 4 "$manifest" 20 >"$work/workload.out" 2>&1 &
	wl=$!
	for _ in $(seq 1 200); do
		[ -f "$manifest" ] && [ "$(wc -l <"$manifest")" -ge 8 ] && break
		sleep 0.05
	done
	kill -KILL "$helper"
	killed_at=$(date +%s%N)
	echo "NOTE: helper (pid $helper) killed after $(wc -l <"$manifest") fsynced files"
	rc=0
	wait "$wl" || rc=$?
	grep -E '^(PASS|FAIL|NOTE):' "$work/workload.out"
	passed=$((passed + $(grep -c '^PASS:' "$work/workload.out")))
	failed=$((failed + $(grep -c '^FAIL:' "$work/workload.out")))
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL:' "$work/workload.out"; then
		result FAIL "helper-kill: workload" "exit $rc"
	fi
	expect_helper_death_exit helper-kill "$killed_at"
	why=$(grep -E 'p9guard\[[0-9]+\]: error: the helper is gone' "$log" | head -n 1)
	if [ -n "$why" ]; then
		result OK "helper-kill: the log says why: ${why#*error: }"
	else
		result FAIL "helper-kill: log" "no 'the helper is gone' line: $(tail -n 2 "$log" | tr '\n' ' ')"
	fi
	clean_log helper-kill
	client 30 "$work/verify.out" verify "$work/kill" "$manifest"
fi

# ---- 2. a client hanging up with requests in flight ----
exp=$work/inflight
mkdir -m 0755 -p "$exp/$(printf 'd/%.0s' $(seq 1 16))"
truncate -s 8M "$exp/big"
: >"$exp/dirty"
counts() {	# "frontend fds/threads helper fds/threads"
	echo "$(ls "/proc/$pid/fd" | wc -l)/$(ls "/proc/$pid/task" | wc -l)" \
		"$(ls "/proc/$helper/fd" | wc -l)/$(ls "/proc/$helper/task" | wc -l)"
}
if start_daemon inflight "$exp"; then
	sleep 0.3
	base=$(counts)
	echo "NOTE: baseline descriptors/threads: frontend ${base% *}, helper ${base#* }"
	for round in 1 2 3 4 5; do
		client 30 "$work/inflight.out" inflight "$sock" "$round" "$pid" "$helper"
		peak=$(counts)
		now=$peak
		for i in $(seq 1 100); do
			now=$(counts 2>/dev/null)
			[ "$now" = "$base" ] && break
			sleep 0.1
		done
		if [ "$now" = "$base" ]; then
			result OK "inflight round $round: back to frontend ${now% *}, helper ${now#* } (fds/threads) within $(((i - 1) * 100)) ms (just after: ${peak% *}, ${peak#* })"
		else
			result FAIL "inflight round $round: leak" "frontend/helper fds/threads $now after 10 s, baseline $base"
		fi
	done
	alive inflight
	stop_daemon
	[ "$stop_rc" = 0 ] || result FAIL "inflight: frontend exit" "status $stop_rc after SIGTERM"
fi

# ---- 2b. Twalks in flight when the helper dies ----
if start_daemon walksdie "$exp"; then
	sleep 0.3
	killed_at=$(date +%s%N)
	client 30 "$work/walksdie.out" walksdie "$sock" "$helper"
	expect_helper_death_exit walksdie "$killed_at"
	clean_log walksdie
fi

# ---- 3. ENOSPC on a small tmpfs export ----
mkdir -m 0755 -p "$work/tmpfs"
if mount -t tmpfs -o size=1m,nr_inodes=48,mode=0755 p9g-faults "$work/tmpfs" 2>"$work/mount.err"; then
	mounted=$work/tmpfs
	if start_daemon enospc "$work/tmpfs"; then
		client 30 "$work/enospc.out" enospc "$sock"
		alive enospc
		stop_daemon
		[ "$stop_rc" = 0 ] || result FAIL "enospc: frontend exit" "status $stop_rc after SIGTERM"
	fi
	umount "$work/tmpfs" && mounted=
else
	result SKIP "enospc" "cannot mount a tmpfs here: $(head -n 1 "$work/mount.err")"
fi

# ---- 4. a low RLIMIT_NOFILE ----
nofile=64
exp=$work/nofile
mkdir -m 0755 -p "$exp"
for i in $(seq 0 199); do : >"$exp/f$i"; done
if start_daemon nofile "$exp" prlimit --nofile=$nofile:$nofile; then
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	client 60 "$work/nofile.out" nofile "$sock" 200
	ticks=$(($(awk '{ print $14 + $15 }' "/proc/$pid/stat") - cpu0))
	hz=$(getconf CLK_TCK)
	if [ "$ticks" -lt $((2 * hz)) ]; then
		result OK "nofile: the frontend used $ticks CPU ticks meanwhile (no busy loop on accept)"
	else
		result FAIL "nofile: frontend CPU" "$ticks ticks (${hz}/s): spinning on EMFILE?"
	fi
	for who in p9guard-helper p9guard; do
		line=$(grep -E "^$who\[[0-9]+\]: warning: .*RLIMIT_NOFILE is $nofile" "$log" | head -n 1)
		if [ -n "$line" ]; then
			result OK "nofile: $who logs the limit: ${line#*warning: }"
		else
			result FAIL "nofile: $who log" "no warning naming RLIMIT_NOFILE $nofile"
		fi
	done
	line=$(grep -E '^p9guard\[[0-9]+\]: warning: a new connection closed unserved: EMFILE' "$log" | head -n 1)
	if [ -n "$line" ]; then
		result OK "nofile: the turned-away client is logged: ${line#*warning: }"
	else
		result FAIL "nofile: log" "no warning about the new connection closed unserved"
	fi
	n=$(grep -c 'RLIMIT_NOFILE' "$log")
	if [ "$n" -le 4 ]; then
		result OK "nofile: $n limit warnings in the log (rate-limited)"
	else
		result FAIL "nofile: log flood" "$n lines naming RLIMIT_NOFILE"
	fi
	alive nofile
	stop_daemon
	[ "$stop_rc" = 0 ] || result FAIL "nofile: frontend exit" "status $stop_rc after SIGTERM"
fi

# ---- 5. a connection at --max-fids ----
maxfids=16
exp=$work/maxfids
mkdir -m 0755 -p "$exp"
daemon_args=(--max-fids "$maxfids")
if start_daemon maxfids "$exp"; then
	client 60 "$work/maxfids.out" maxfids "$sock" "$maxfids"
	n=$(grep -c "warning: a connection reached --max-fids $maxfids" "$log")
	if [ "$n" = 1 ]; then
		result OK "maxfids: one warning naming --max-fids $maxfids for $((1 + 50)) refusals"
	else
		result FAIL "maxfids: log" "$n warnings naming --max-fids $maxfids (want 1)"
	fi
	alive maxfids
	stop_daemon
	[ "$stop_rc" = 0 ] || result FAIL "maxfids: frontend exit" "status $stop_rc after SIGTERM"
fi
daemon_args=()

# ---- 6. one connection at its share of the helper's handles ----
exp=$work/hoard
mkdir -m 0755 -p "$exp" "$exp/sub"
daemon_args=(--max-connections 256)
if start_daemon hoard "$exp"; then
	client 120 "$work/hoard.out" hoard "$sock" $(((1 << 20) / 256))
	alive hoard
	stop_daemon
	[ "$stop_rc" = 0 ] || result FAIL "hoard: frontend exit" "status $stop_rc after SIGTERM"
fi
daemon_args=()

# ---- 7. --max-memory and the logged bound ----
exp=$work/membound
mkdir -m 0755 -p "$exp"
rc=0
P9GUARD_HELPER=$B/p9guard-helper timeout 20 "$B/p9guard" --export "$exp" \
	--listen "unix:$work/membound-refused.sock" --user nobody --max-memory 16M \
	>"$work/membound-refused.log" 2>&1 || rc=$?
if [ "$rc" != 0 ] && [ ! -e "$work/membound-refused.sock" ] &&
	grep -q -- "--max-memory 16.0M: these limits let the frontend hold up to .*lower --max-connections, --max-fids" \
		"$work/membound-refused.log"; then
	result OK "membound: --max-memory 16M refused at start (status $rc), naming the limits"
else
	result FAIL "membound: refusal" "status $rc: $(tr '\n' ' ' <"$work/membound-refused.log")"
fi
daemon_args=(--max-connections 4 --max-fids 4096 --max-memory 256M)
if start_daemon membound "$exp"; then
	line=$(grep -o 'memory bound: .*' "$log" || true)
	per=$(sed -n 's/^memory bound: \([0-9.]*\)M per connection.*/\1/p' <<<"$line")
	if [ -n "$per" ]; then
		result OK "membound: logged ($line)"
	else
		result FAIL "membound: log" "no 'memory bound: ...M per connection' line"
	fi
	rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	client 60 "$work/membound.out" maxfids "$sock" 4096
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	if [ -n "$per" ] && [ -n "$rss0" ] && [ -n "$hwm" ] &&
		awk -v g=$((hwm - rss0)) -v p="$per" 'BEGIN { exit !(g < p * 1024) }'; then
		result OK "membound: 4096 fids grew the frontend by $((hwm - rss0)) KiB, under the bound of ${per}M"
	else
		result FAIL "membound: growth" "start ${rss0:-?} KiB, peak ${hwm:-?} KiB, bound ${per:-?}M"
	fi
	alive membound
	stop_daemon
	[ "$stop_rc" = 0 ] || result FAIL "membound: frontend exit" "status $stop_rc after SIGTERM"
fi
daemon_args=()

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
