#!/bin/bash
# run.sh BUILDDIR - robustness tests (root): hostile 9P streams against the
# running daemon pair, a hostile frontend against the helper, and the client
# library's late-reply regression.
#
# Starts p9guard (frontend as nobody) on a temporary export with a sentinel
# directory beside it, runs tests/robustness/hostile_9p against it, checks
# the daemon survived with bounded memory and the sentinel is unchanged,
# then runs hostile_frontend and client_late_reply.  Prints PASS/FAIL lines
# and "N passed, N failed"; exits non-zero on any failure.
# Environment: P9G_RSS_LIMIT_MB (default 200), HOSTILE_ONLY (case filter).
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILDDIR" >&2
	exit 2
fi
B=$(cd "$1" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: must run as root (the daemon pair drops to nobody)" >&2
	exit 77
fi
for p in p9guard p9guard-helper tests/robustness/hostile_9p tests/robustness/hostile_frontend \
	tests/robustness/hostile_vhost_user tests/robustness/client_late_reply; do
	if [ ! -x "$B/$p" ]; then
		echo "run.sh: $B/$p missing (make -C $B $p)" >&2
		exit 2
	fi
done

work=$(mktemp -d /tmp/p9g-robust.XXXXXX)
chmod 0755 "$work"
pid=
mounted=
cleanup() {
	[ -z "$mounted" ] || umount "$mounted" || umount -l "$mounted" || true
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	if [ -z "${P9G_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "kept $work"
	fi
}
trap cleanup EXIT

passed=0
failed=0
result() {	# result OK|FAIL name [why]
	if [ "$1" = OK ]; then
		echo "PASS: $2"
		passed=$((passed + 1))
	else
		echo "FAIL: $2${3:+: $3}"
		failed=$((failed + 1))
	fi
}
# Count the PASS/FAIL lines of a test program's output.
tally() {
	local out=$1
	passed=$((passed + $(grep -c '^PASS:' "$out" || true)))
	failed=$((failed + $(grep -c '^FAIL:' "$out" || true)))
}

# run_program NAME SECONDS ARGS...: run tests/robustness/NAME with ARGS under
# a time limit, show and count its PASS/FAIL lines; an exit without a
# FAIL line (a timeout or a crash) is a failure of its own.
run_program() {
	local name=$1 secs=$2 out=$work/$1.out rc=0
	shift 2
	timeout "$secs" "$B/tests/robustness/$name" "$@" >"$out" 2>&1 || rc=$?
	grep -E '^(PASS|FAIL|NOTE):' "$out" || true
	tally "$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL:' "$out"; then
		result FAIL "$name" "exit $rc (timeout or crash)"
		tail -n 5 "$out" | sed 's/^/    /'
	fi
}

# ---- 1. client library regression (no daemon) ----
run_program client_late_reply 60

# ---- 2. hostile 9P streams against the daemon pair ----
# export and sentinel in a directory of their own, which nothing else writes
mkdir -m 0755 "$work/tree"
export_dir=$work/tree/export
sentinel=$work/tree/sentinel
mkdir -p "$export_dir" "$sentinel/inside"
chmod 0755 "$export_dir"
printf 'abc' >"$export_dir/file"
printf 'secret' >"$sentinel/secret"
ln -s ../sentinel "$export_dir/esc-rel"
ln -s "$sentinel" "$export_dir/esc-abs"
snap() { (cd "$1" && find . -printf '%p %y %m %s %U %G %T@ %C@\n' | sort); }
snap "$sentinel" >"$work/sentinel.before"

# Short limits, so the cases can see them act (defaults: 64 and 30 s).
# --permissions host: the cases check that the host refuses what a uid's
# host account may not do (a raw 9P client runs no permission checks).
export P9G_MAX_CONNS=64 P9G_FRAME_TIMEOUT=3
# The same daemon also serves virtio devices to vhost-user front-ends.
P9GUARD_HELPER=$B/p9guard-helper "$B/p9guard" --export "$export_dir" \
	--listen "unix:$work/sock" --listen "vhost-user:$work/vu.sock" --tag hostile-tag \
	--user nobody --socket-mode 0666 --permissions host \
	--max-connections "$P9G_MAX_CONNS" --frame-timeout "$P9G_FRAME_TIMEOUT" \
	--pidfile "$work/pid" --log-level warning >"$work/daemon.log" 2>&1 &
launcher=$!
for _ in $(seq 1 100); do
	[ -S "$work/sock" ] && [ -s "$work/pid" ] && break
	sleep 0.1
done
if [ ! -S "$work/sock" ] || [ ! -s "$work/pid" ]; then
	result FAIL daemon-start "no socket after 10 s"
	sed 's/^/    /' "$work/daemon.log"
	echo "$passed passed, $failed failed"
	exit 1
fi
pid=$(cat "$work/pid")
[ "$pid" = "$launcher" ] || echo "NOTE: pidfile names $pid, launched $launcher"

run_program hostile_9p 600 "$work/sock" "$export_dir" "$sentinel" "$pid"

# Hostile vhost-user front-ends and guests, against the same daemon.
run_program hostile_vhost_user 300 "$work/vu.sock" "$pid" hostile-tag

if kill -0 "$pid" 2>/dev/null; then
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	limit=$((${P9G_RSS_LIMIT_MB:-200} * 1024))
	if [ "$rss" -le "$limit" ]; then
		result OK "daemon alive at the end, frontend VmRSS ${rss} kB"
	else
		result FAIL "daemon-memory" "frontend VmRSS ${rss} kB > ${limit} kB"
	fi
else
	result FAIL daemon-alive "the frontend (pid $pid) died"
	tail -n 20 "$work/daemon.log" | sed 's/^/    /'
fi
if grep -qiE 'sanitizer|segfault|assert|bad system call' "$work/daemon.log"; then
	result FAIL daemon-log "$(grep -iE 'sanitizer|segfault|assert|bad system call' \
		"$work/daemon.log" | head -n 1)"
fi
snap "$sentinel" >"$work/sentinel.after"
if cmp -s "$work/sentinel.before" "$work/sentinel.after"; then
	result OK "sentinel directory beside the export unchanged"
else
	result FAIL sentinel "changed: $(diff "$work/sentinel.before" "$work/sentinel.after" |
		head -n 3 | tr '\n' ' ')"
fi
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	result FAIL daemon-stop "still running 10 s after SIGTERM"
else
	pid=
fi

# ---- 3. --idle-timeout: a versioned client that goes quiet is closed ----
rm -f "$work/sock"
P9GUARD_HELPER=$B/p9guard-helper "$B/p9guard" --export "$export_dir" \
	--listen "unix:$work/sock" --user nobody --socket-mode 0666 --idle-timeout 1 \
	--pidfile "$work/pid" --log-level info >"$work/idle.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	[ -S "$work/sock" ] && break
	sleep 0.1
done
idle=$(timeout 20 python3 - "$work/sock" <<'PYEOF' || true
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
v = b"9P2000.L"
body = struct.pack("<BHIH", 100, 0xFFFF, 8192, len(v)) + v
s.sendall(struct.pack("<I", 4 + len(body)) + body)
s.recv(8192)                      # Rversion
t0 = time.monotonic()
s.settimeout(10)
try:
    eof = s.recv(1) == b""
except OSError:
    eof = True
print("closed after %.1f s" % (time.monotonic() - t0) if eof else "data")
PYEOF
)
case $idle in
"closed after "[1-3].*) result OK "idle-timeout: a quiet versioned client is $idle (--idle-timeout 1)" ;;
*) result FAIL idle-timeout "a quiet client with --idle-timeout 1: '${idle:-no answer}'" ;;
esac
if grep -q "idle for 1 s; closing" "$work/idle.log"; then
	result OK "idle-timeout: the close is logged"
else
	result FAIL idle-timeout-log "no 'idle for 1 s' line in the log"
fi
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=

# ---- 4. hostile frontend against the helper ----
mkdir -p "$work/hf"
run_program hostile_frontend 300 "$B/p9guard-helper" "$work/hf"

# ---- 5. the frontend refuses one id map alone (a guest's gid would reach
# the host unmapped: issue 22, finding 1) ----
for one in --uid-map --gid-map; do
	rc=0
	P9GUARD_HELPER=$B/p9guard-helper timeout 20 "$B/p9guard" --export "$export_dir" \
		--listen "unix:$work/one-map.sock" --user nobody "$one" 0:100000:65536 \
		>"$work/one-map.log" 2>&1 || rc=$?
	other=--gid-map
	[ "$one" = --gid-map ] && other=--uid-map
	if [ "$rc" -ne 0 ] && [ ! -e "$work/one-map.sock" ] &&
		grep -q -- "$one needs $other too" "$work/one-map.log"; then
		result OK "p9guard refuses $one without $other (exit $rc)"
	else
		result FAIL "one-id-map-$one" "exit $rc: $(head -c 300 "$work/one-map.log")"
	fi
done

# ---- 6. a helper the --helper-user cannot reach by path: the launcher
# opens it as root and executes it from that descriptor ----
mkdir -m 0700 "$work/private"
cp "$B/p9guard-helper" "$work/private/p9guard-helper"
mkdir -m 0755 "$work/hu-export"
P9GUARD_HELPER=$work/private/p9guard-helper "$B/p9guard" --export "$work/hu-export" \
	--listen "unix:$work/hu.sock" --user nobody --security-model none \
	--helper-user daemon --log-level info >"$work/hu.log" 2>&1 &
hu_pid=$!
for _ in $(seq 1 50); do
	[ -S "$work/hu.sock" ] && grep -q "serving" "$work/hu.log" && break
	sleep 0.1
done
if grep -q "p9guard-helper.*serving $work/hu-export" "$work/hu.log" &&
	grep -q "p9guard-helper.*confinement: uid=1 " "$work/hu.log"; then
	result OK "--helper-user daemon runs a helper in a 0700 directory of root's"
else
	result FAIL "helper-fexec" "$(tail -c 400 "$work/hu.log")"
fi
kill -TERM "$hu_pid" 2>/dev/null || true
wait "$hu_pid" 2>/dev/null || true

# ---- 7. the start-up warning about an export mounted without nosuid/nodev
# (passthrough without id maps: guest root acts as host root inside it) ----
mnt_warns() {	# mnt_warns MOUNT-OPTIONS P9GUARD-OPTIONS...: the log of a short run
	local opts=$1
	shift
	mkdir -p "$work/mnt"
	mount -t tmpfs -o "size=1m,$opts" p9g-robust "$work/mnt" || return 1
	mounted=$work/mnt
	P9GUARD_HELPER=$B/p9guard-helper timeout -s TERM 2 "$B/p9guard" --export "$work/mnt" \
		--listen "unix:$work/mnt.sock" --user nobody "$@" >"$work/mnt.log" 2>&1 || true
	umount "$work/mnt" && mounted=
	rm -f "$work/mnt.sock"
}
check_warn() {	# check_warn WHAT WANT(yes|no) PATTERN
	if grep -q -- "$3" "$work/mnt.log"; then got=yes; else got=no; fi
	if [ "$got" = "$2" ]; then
		result OK "$1"
	else
		result FAIL "mount-warning" "$1: $(head -c 300 "$work/mnt.log")"
	fi
}
mnt_warns rw --allow-devices
check_warn "an export without nosuid is warned about" yes "mounted without nosuid"
check_warn "an export without nodev is warned about with --allow-devices" yes "mounted without nodev"
mnt_warns nosuid,nodev --allow-devices
check_warn "no warning for an export mounted nosuid,nodev" no "mounted without"
mnt_warns rw --uid-map 0:100000:65536 --gid-map 0:100000:65536
check_warn "no nosuid warning with id maps (guest root is not host root)" no "mounted without"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
