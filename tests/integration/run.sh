#!/usr/bin/env bash
# run.sh - host integration tests of the p9guard daemon pair.
#
# Usage: tests/integration/run.sh BUILDDIR
#   P9G_SERVER=p9guard (default) or diod: which server to test.  diod (the
#   Debian package) validates the checks themselves; p9guard-only checks are
#   skipped there with the reason, and known differences of diod are shown
#   as skips with the reason.
#   P9G_PAIR_TMPDIR (default /tmp): where the temporary export is made.
#   P9G_PAIR_TIMEOUT (default 300): seconds pair_test may take.
#   P9G_PAIR_ARGS: more p9guard options (e.g. "--seccomp-action trap" to
#   find a refused syscall), split on blanks.
#
# A sanitizer build (configure --enable-sanitizers: P9G_SANITIZERS in
# BUILDDIR/config.h) runs under its production seccomp action (kill), with
# the few sanitizer-only allowances of src/common/sandbox_int.h.  Both
# daemons check for leaks when they exit (LSan) and report to stderr, which
# is the server log; pair_test's own reports land in its output.  Any
# report there, in either run, is a failed check.  A third, short start
# with ASAN_OPTIONS verbosity=2 checks that LSan's tracer did attach to
# each daemon at its exit (the leak check really ran under the sandbox).
#
# As root: makes a temporary export under /tmp (mode 0755 so that uid 1000
# can work below it), starts the server on a unix socket (p9guard as root,
# its frontend dropping to the user nobody), waits for the socket, runs
# tests/integration/pair_test against it, then stops the server with
# SIGTERM and checks that it exits 0.  p9guard is then started a second
# time without --allow-devices and --trusted-xattrs for the device-node,
# privileged-xattr and capability checks, a third time with --readonly
# for the read-only refusals and its smaller capability set, then with
# each export model (id maps, none/squash, mapped-xattr, multidevs).
# Then (p9guard only)
# tests/integration/helper_driver drives p9guard-helper alone through the
# helper protocol, and the transports are checked one by one on their own
# exports: tcp:127.0.0.1:PORT, fd:N and systemd socket activation (both
# through tests/integration/transport_launch.py, which also checks a wrong
# LISTEN_PID is refused), connected-fd:N (9P spoken by transport_launch.py;
# p9guard must exit 0 when it closes), and the owner and mode of the unix
# socket (--socket-owner nobody:nogroup --socket-mode 0640, and the
# defaults), with who can connect (setpriv).
# Everything is bounded in time and cleaned up by a trap.  Prints one line
# per check ("ok - ...", "not ok - ...", "skip - ...") and ends with
# "N passed, N failed, N skipped"; exits 1 when a check failed.  Without
# root it says SKIP and exits 0.
set -euo pipefail

BUILDDIR=$(cd "${1:-.}" && pwd)
SERVER=${P9G_SERVER:-p9guard}
PROG=$BUILDDIR/tests/integration/pair_test
FRONTEND=$BUILDDIR/p9guard
HELPER=$BUILDDIR/p9guard-helper
DIOD=${DIOD:-$(command -v diod || echo /usr/sbin/diod)}
PROG_TIMEOUT=${P9G_PAIR_TIMEOUT:-300}
# Where the temporary export goes: its filesystem must support user.*,
# trusted.* and security.* xattrs and POSIX ACLs (ext4 does).
TMPBASE=${P9G_PAIR_TMPDIR:-/tmp}

pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
# known_diod CHECK REASON: a check diod is known to fail, shown as a skip.
known_diod() {
	local what=$1
	shift
	skipped=$((skipped + 1))
	echo "skip - $what [known diod difference: $*]"
}
summary() { echo "$pass passed, $fail failed, $skipped skipped"; }
skip_all() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "must run as root (it starts the server and checks the host side)"
[ -x "$PROG" ] || { echo "error: $PROG not built (make tests/integration/pair_test)" >&2; exit 2; }
case $SERVER in
p9guard)
	for f in "$FRONTEND" "$HELPER"; do
		[ -x "$f" ] || { echo "error: $f not built" >&2; exit 2; }
	done
	;;
diod)
	[ -x "$DIOD" ] || skip_all "diod not found (apt-get install diod)"
	;;
*)
	echo "error: P9G_SERVER must be p9guard or diod, not '$SERVER'" >&2
	exit 2
	;;
esac

SANITIZED=0
if grep -q '^#define P9G_SANITIZERS 1' "$BUILDDIR/config.h" 2>/dev/null; then
	SANITIZED=1
	# LSan is on by default with ASan on x86_64; say so anyway.  Reports
	# go to stderr (captured); halt on the first UBSan error.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	echo "# sanitizer build: ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
fi
SAN_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:'

PT_OTHER_UID=1000	# an ordinary uid for the socket permission check
TMP=$(mktemp -d "$TMPBASE/p9pair.XXXXXX")
chmod 0755 "$TMP"
SERVER_PID=
HELPER_PID=

# children_of PID: the pids of PID's child processes, one per line.
children_of() {
	local st
	for st in /proc/[0-9]*/status; do
		awk -v p="$1" '$1 == "PPid:" && $2 == p { found = 1 } END { exit !found }' \
			"$st" 2>/dev/null && { st=${st#/proc/}; echo "${st%/status}"; }
	done
	return 0
}

# wait_gone PID TENTHS: wait until PID no longer exists; 0 if it went.
wait_gone() {
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

cleanup() {
	local rc=$?
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		wait_gone "$SERVER_PID" 30 || kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	if [ -n "$HELPER_PID" ] && kill -0 "$HELPER_PID" 2>/dev/null; then
		kill -KILL "$HELPER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

HELP=
[ "$SERVER" = p9guard ] && HELP=$("$FRONTEND" --help 2>&1 || true)
has_option() { grep -q -- "$1" <<<"$HELP"; }

# start_server NAME DEVICES(0|1) TRUSTED(0|1): serve $TMP/NAME on
# $TMP/NAME.sock, p9guard with --allow-devices and --trusted-xattrs as asked
# (when it has them); sets EXPORT, SOCK, LOG, SERVER_PID, HELPER_PID and
# test_args.  Returns 1 (after a failed check) when the socket does not
# appear within 10 s.
start_server() {
	local name=$1 devices=$2 trusted=$3 args i
	EXPORT=$TMP/$name
	SOCK=$TMP/$name.sock
	LOG=$TMP/$name.log
	HELPER_PID=
	mkdir -m 0755 "$EXPORT"
	test_args=(--socket "$SOCK" --export "$EXPORT" --server "$SERVER")
	case $SERVER in
	p9guard)
		args=(--export "$EXPORT" --listen "unix:$SOCK" --user nobody)
		# shellcheck disable=SC2206 # split on purpose: extra options
		[ -n "${P9G_PAIR_ARGS:-}" ] && args+=($P9G_PAIR_ARGS)
		has_option --socket-mode && args+=(--socket-mode 0666)
		if [ "$devices" = 1 ] && has_option --allow-devices; then
			args+=(--allow-devices)
			test_args+=(--devices)
		fi
		# trusted.* and security.* writes need CAP_SYS_ADMIN in the
		# helper, which it only keeps on request (if p9guard offers it).
		if [ "$trusted" = 1 ] && has_option --trusted-xattrs; then
			args+=(--trusted-xattrs)
			test_args+=(--trusted)
		fi
		# A model run's own options (e.g. --readonly), and what pair_test
		# must know about them.
		args+=("${MODEL_ARGS[@]}")
		test_args+=("${MODEL_TEST_ARGS[@]}")
		# The checks assert host DAC (a uid 1000 refused what its host
		# account may not do): every run is --permissions host unless it
		# says otherwise (runs 15-19 are about that option).
		if [[ " ${MODEL_ARGS[*]} " != *" --permissions "* ]] &&
			[[ " ${MODEL_ARGS[*]} " != *" --security-model "* ]] &&
			has_option --permissions; then
			args+=(--permissions host)
		fi
		echo "# p9guard ${args[*]} ($(stat -f -c %T "$EXPORT"))"
		P9GUARD_HELPER=$HELPER "$FRONTEND" "${args[@]}" >"$LOG" 2>&1 &
		SERVER_PID=$!
		;;
	diod)
		echo "# diod $(dpkg-query -W -f '${Version}' diod 2>/dev/null || true) on $SOCK" \
			"exporting $EXPORT ($(stat -f -c %T "$EXPORT"))"
		# -n: no authentication; -c /dev/null: ignore /etc/diod.conf.
		"$DIOD" -f -n -c /dev/null -l "$SOCK" -e "$EXPORT" -L "$LOG" &
		SERVER_PID=$!
		test_args+=(--devices)	# diod runs as root with every capability
		;;
	esac

	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 100 ] && kill -0 "$SERVER_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -S "$SOCK" ]; then
		notok "$SERVER creates $SOCK within 10 s (log follows)"
		sed 's/^/# log: /' "$LOG" 2>/dev/null || true
		return 1
	fi
	ok "$SERVER started and listens on $SOCK"
	if [ "$SERVER" = p9guard ]; then
		test_args+=(--pid "$SERVER_PID")
		# The helper, for the shutdown check (pair_test checks its privileges).
		for i in $(seq 50); do
			HELPER_PID=$(children_of "$SERVER_PID" | head -n 1)
			[ -n "$HELPER_PID" ] && break
			sleep 0.1
		done
	fi
	return 0
}

# run_prog EXTRA-ARGS...: run pair_test against the server; count its lines.
run_prog() {
	local out=$TMP/pair_test.out prog_rc=0 n
	timeout -k 5 "$PROG_TIMEOUT" "$PROG" "${test_args[@]}" "$@" >"$out" 2>&1 || prog_rc=$?
	cat "$out"
	n=$(grep -c '^ok - ' "$out" || true)
	pass=$((pass + n))
	n=$(grep -c '^not ok - ' "$out" || true)
	fail=$((fail + n))
	n=$(grep -c '^skip - ' "$out" || true)
	skipped=$((skipped + n))
	if grep -q -E "$SAN_RE" "$out"; then
		notok "no sanitizer report from pair_test:" \
			"$(grep -m 3 -E 'Sanitizer|runtime error:' "$out" | tr '\n' ' ')"
	fi
	if [ $prog_rc = 124 ] || [ $prog_rc = 137 ]; then
		notok "pair_test finished within $PROG_TIMEOUT s (killed by timeout)"
	elif [ $prog_rc != 0 ] && ! grep -q '^not ok - ' "$out"; then
		notok "pair_test exited with status $prog_rc without a failed check"
	fi
	rm -f "$out"
}

# stop_server: the server must still run, and exit 0 soon after SIGTERM,
# the helper with it.
stop_server() {
	local rc=0
	if ! kill -0 "$SERVER_PID" 2>/dev/null; then
		wait "$SERVER_PID" || rc=$?
		SERVER_PID=
		if [ "$SERVER" = diod ] && [ $rc = 141 ]; then
			known_diod "$SERVER still running after the tests: died of SIGPIPE" \
				"diod 1.0.24 dies of SIGPIPE when a client goes away" \
				"before its replies"
		else
			notok "$SERVER still running after the tests (it exited with status $rc)"
		fi
		return 0
	fi
	ok "$SERVER still running after the tests"
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	if wait_gone "$SERVER_PID" 100; then
		wait "$SERVER_PID" || rc=$?
		SERVER_PID=
		if [ $rc = 0 ]; then
			ok "$SERVER exits 0 on SIGTERM"
		elif [ "$SERVER" = diod ]; then
			known_diod "$SERVER exits 0 on SIGTERM: status $rc" "diod's own exit status"
		else
			notok "$SERVER exits 0 on SIGTERM: status $rc"
		fi
	else
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		notok "$SERVER exits within 10 s of SIGTERM (killed with SIGKILL)"
		# LSan's exit-time tracer dies silently when seccomp kills it
		# and its parent then waits for ever.
		[ $SANITIZED = 0 ] || echo "# hint: a syscall of LSan's tracer refused?" \
			"The kernel log has it: dmesg | grep 'type=1326'"
	fi
	if [ -n "$HELPER_PID" ]; then
		if wait_gone "$HELPER_PID" 50; then
			ok "the helper (pid $HELPER_PID) is gone with the frontend"
		else
			notok "the helper (pid $HELPER_PID) is gone within 5 s of the frontend"
		fi
	fi
	HELPER_PID=
	# A sanitizer build reports memory errors and leaks in the log.
	if grep -q -E "$SAN_RE" "$LOG"; then
		notok "no sanitizer report in the $SERVER log:" \
			"$(grep -m 3 -E 'Sanitizer|runtime error:' "$LOG" | tr '\n' ' ')"
		# The whole report, for the stage log (frames: addr2line -e).
		grep -A 40 -E '^=+$|runtime error:' "$LOG" | sed 's/^/# san: /' | head -120
	elif [ $SANITIZED = 1 ]; then
		ok "no sanitizer report (ASan, UBSan, LSan at exit) in the $SERVER log"
	fi
}

show_log_if_failed() {
	[ $fail = 0 ] && return 0
	echo "# --- last lines of the $SERVER log ($1) ---"
	tail -n 30 "$LOG" 2>/dev/null | sed 's/^/# log: /' || true
}

MODEL_ARGS=()
MODEL_TEST_ARGS=()

# ---- 1: every check, with device nodes and trusted.* allowed ----
if start_server export 1 1; then
	run_prog
	stop_server
fi
show_log_if_failed "all checks"

# ---- 2: p9guard with neither: no CAP_MKNOD nor CAP_SYS_ADMIN; mknod of a
# device, trusted.* and security.* writes refused ----
if [ "$SERVER" = p9guard ]; then
	failed_before=$fail
	echo "# p9guard again, without --allow-devices and --trusted-xattrs"
	if start_server export-nodev 0 0; then
		run_prog --only caps,create,xattr
		stop_server
	fi
	[ $fail = "$failed_before" ] || show_log_if_failed "second run"
fi

# ---- 3 (sanitizer build): LSan's exit-time check really runs in both
# daemons under their sandboxes.  With verbosity=2 its tracer says
# "Attached to thread TID" for each thread it stops; without that line a
# leak would go unseen, whatever the runs above printed. ----
if [ "$SERVER" = p9guard ] && [ $SANITIZED = 1 ]; then
	saved_asan=$ASAN_OPTIONS
	export ASAN_OPTIONS="$ASAN_OPTIONS:verbosity=2"
	echo "# p9guard again, ASAN_OPTIONS=$ASAN_OPTIONS: LSan runs at exit"
	if start_server export-lsan 0 0; then
		ASAN_OPTIONS=$saved_asan
		fe_pid=$SERVER_PID
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		if wait_gone "$SERVER_PID" 100; then
			wait "$SERVER_PID" 2>/dev/null || true
		else
			kill -KILL "$SERVER_PID" 2>/dev/null || true
			notok "p9guard exits within 10 s of SIGTERM with verbosity=2"
		fi
		SERVER_PID=
		if [ -n "$HELPER_PID" ]; then
			wait_gone "$HELPER_PID" 50 || true
		fi
		for who in "frontend:$fe_pid" "helper:$HELPER_PID"; do
			if [ -n "${who#*:}" ] && grep -q "Attached to thread ${who#*:}\.$" "$LOG"; then
				ok "LSan's leak check ran at the ${who%%:*}'s exit (attached to ${who#*:})"
			else
				notok "LSan's leak check ran at the ${who%%:*}'s exit (pid ${who#*:}):" \
					"no 'Attached to thread' line in the log"
			fi
		done
		if grep -q -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|Sanitizer: CHECK failed|LeakSanitizer has encountered' "$LOG"; then
			notok "no sanitizer report in the verbose run's log"
			grep -A 20 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|CHECK failed' "$LOG" |
				sed 's/^/# san: /' | head -60
		fi
		HELPER_PID=
	fi
	export ASAN_OPTIONS=$saved_asan
fi

# ---- 4: the helper alone, driven through the helper protocol ----
# helper_driver (its own temporary export) prints "ok   - "/"FAIL - " lines
# and "N passed, N failed"; they are turned into this script's lines so that
# each check counts once.
if [ "$SERVER" = p9guard ]; then
	HDRIVER=$BUILDDIR/tests/integration/helper_driver
	if [ -x "$HDRIVER" ]; then
		echo "# helper_driver $HELPER"
		hd_rc=0
		# Its standard error holds the helpers' logs (thousands of
		# violations on purpose): shown only when something failed.
		# 600 of its 3000 mutated requests: each violation restarts the
		# helper, and tests/robustness/hostile_frontend covers the rest.
		HD_HOSTILE_ROUNDS=${HD_HOSTILE_ROUNDS:-600} timeout -k 5 "$PROG_TIMEOUT" "$HDRIVER" "$HELPER" >"$TMP/hd.out" 2>"$TMP/hd.err" ||
			hd_rc=$?
		while IFS= read -r line; do
			case $line in
			"ok   - "*) ok "helper_driver: ${line#ok   - }" ;;
			"FAIL - "*) notok "helper_driver: ${line#FAIL - }" ;;
			*) echo "# $line" ;;
			esac
		done <"$TMP/hd.out"
		[ $hd_rc = 0 ] || tail -n 30 "$TMP/hd.err" | sed 's/^/# helper_driver stderr: /'
		rm -f "$TMP/hd.out" "$TMP/hd.err"
		if [ $hd_rc = 124 ] || [ $hd_rc = 137 ]; then
			notok "helper_driver finished within $PROG_TIMEOUT s (killed by timeout)"
		elif [ $hd_rc != 0 ]; then
			notok "helper_driver exited with status $hd_rc"
		fi
	else
		notok "helper_driver is built ($HDRIVER missing)"
	fi
fi

# model_run EXPORT AREAS LABEL: p9guard again on its own EXPORT with
# MODEL_ARGS, pair_test --only AREAS with MODEL_TEST_ARGS (both cleared
# afterwards), the log shown when a check failed.  0 when the server started
# (its log stays in $LOG), 1 when it did not.
model_run() {
	local export=$1 areas=$2 label=$3 failed_before=$fail started=1
	echo "# p9guard again, $label"
	if start_server "$export" 0 0; then
		run_prog --only "$areas"
		stop_server
	else
		started=0
	fi
	MODEL_ARGS=()
	MODEL_TEST_ARGS=()
	[ "$fail" = "$failed_before" ] || show_log_if_failed "$label"
	[ $started = 1 ]
}

# ---- 6: p9guard --readonly: every change EROFS, fewer capabilities ----
if [ "$SERVER" = p9guard ]; then
	MODEL_ARGS=(--readonly)
	MODEL_TEST_ARGS=(--readonly)
	model_run export-ro caps,readonly "with --readonly" || true
fi

# ---- 7, 8: p9guard with uid/gid maps: guest root unprivileged on the host
# ("shifted"), then guest root kept as host root ("rootkept") for chown and
# ACL translation (pair_test_models.c) ----
if [ "$SERVER" = p9guard ]; then
	for mode in shifted rootkept; do
		if [ $mode = shifted ]; then
			MODEL_ARGS=(--uid-map 0:100000:2000 --gid-map 0:200000:5000)
		else
			MODEL_ARGS=(--uid-map 0:0:1 --uid-map 1:100001:1999 --gid-map 0:0:1
				--gid-map 1:200001:4999 --unmapped-uid 65533 --unmapped-gid 65533)
		fi
		MODEL_TEST_ARGS=(--idmap $mode)
		model_run export-idmap-$mode idmap "with id maps ($mode)" || true
	done
fi

# ---- 9, 10: --security-model none: with a root helper (no SETUID/SETGID,
# create-then-chown), then squash (its alias) with the helper as the user
# daemon (no capability at all; chown failures ignored) ----
if [ "$SERVER" = p9guard ]; then
	for mode in none none-user; do
		if [ $mode = none ]; then
			MODEL_ARGS=(--security-model none)
		else
			MODEL_ARGS=(--security-model squash --helper-user daemon)
		fi
		MODEL_TEST_ARGS=(--model $mode)
		model_run export-model-$mode caps,model "with ${MODEL_ARGS[*]}" || true
	done
fi

# ---- 11: --security-model mapped-xattr: QEMU's user.virtfs.* bytes, both
# ways (pair_test_models.c) ----
if [ "$SERVER" = p9guard ]; then
	MODEL_ARGS=(--security-model mapped-xattr)
	MODEL_TEST_ARGS=(--model mapped-xattr --import-tool "$BUILDDIR/p9guard-import-mapped-file")
	model_run export-mapped caps,mapped "with ${MODEL_ARGS[*]}" || true
fi

# ---- 12, 13: --multidevs forbid and warn (pair_test_multidev.c) ----
if [ "$SERVER" = p9guard ]; then
	for mode in forbid warn; do
		MODEL_ARGS=(--multidevs $mode)
		MODEL_TEST_ARGS=(--multidevs $mode)
		model_run export-multidevs-$mode multidev "with ${MODEL_ARGS[*]}" || continue
		[ $mode = warn ] || continue
		if grep -q 'not remapped (--multidevs warn) and may collide' "$LOG"; then
			ok "--multidevs warn: the helper warned about the second file system"
		else
			notok "--multidevs warn: the helper warned about the second file system"
			show_log_if_failed "with --multidevs warn"
		fi
	done
fi

# ---- 15-19: --permissions (pair_test_perms.c): guest (the default) and
# host; guest with --readonly, with --allow-devices and with id maps ----
if [ "$SERVER" = p9guard ]; then
	MODEL_ARGS=(--permissions guest)
	MODEL_TEST_ARGS=(--permissions guest)
	model_run export-perm-guest caps,permissions "with --permissions guest" || true
	MODEL_ARGS=(--permissions host)
	MODEL_TEST_ARGS=(--permissions host)
	model_run export-perm-host permissions "with --permissions host" || true
	MODEL_ARGS=(--permissions guest --readonly)
	MODEL_TEST_ARGS=(--permissions guest --readonly)
	model_run export-perm-ro readonly,permissions "with --permissions guest --readonly" || true
	MODEL_ARGS=(--permissions guest --allow-devices)
	MODEL_TEST_ARGS=(--permissions guest --devices)
	model_run export-perm-dev permissions "with --permissions guest --allow-devices" || true
	MODEL_ARGS=(--permissions guest --uid-map 0:100000:2000 --gid-map 0:200000:5000)
	MODEL_TEST_ARGS=(--permissions guest --idmap shifted)
	model_run export-perm-idmap permissions "with --permissions guest and id maps" || true
fi

# Nothing was made beside the exports.
extra=
for f in "$TMP"/* "$TMP"/.[!.]*; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	[[ ${f##*/} =~ ^export(-nodev|-lsan|-ro|-idmap-shifted|-idmap-rootkept|-model-none|-model-none-user|-mapped|-multidevs-forbid|-multidevs-warn|-perm-guest|-perm-host|-perm-ro|-perm-dev|-perm-idmap)?(\.sock|\.log)?$ ]] || extra+="${f##*/} "
done
if [ -z "$extra" ]; then
	ok "nothing appeared beside the exports in $TMP"
elif [ "$SERVER" = diod ]; then
	known_diod "nothing appeared beside the exports in $TMP: $extra" \
		"diod 1.0.24 builds path strings and accepts names such as ../outside"
else
	notok "nothing appeared beside the exports in $TMP: $extra"
fi

# ---- 14: the other transports, and the unix socket's owner and mode ----
# Each p9guard here serves its own export $TMP/t-NAME; a client makes a
# directory through it and the host sees it, owned by root.
TLAUNCH=$(cd "$(dirname "$0")" && pwd)/transport_launch.py
CLIENT=$BUILDDIR/p9guard-client

# t_wait_ready: wait (10 s) for "ready" in $LOG while $SERVER_PID lives, then
# find the helper; 1 (after a failed check) when it does not come.
t_wait_ready() {
	local what=$1 i=0
	while ! grep -q ' ready' "$LOG" 2>/dev/null && [ $i -lt 100 ] &&
		kill -0 "$SERVER_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q ' ready' "$LOG" 2>/dev/null; then
		notok "p9guard $what is ready within 10 s (log follows)"
		sed 's/^/# log: /' "$LOG" 2>/dev/null || true
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		return 1
	fi
	HELPER_PID=$(children_of "$SERVER_PID" | head -n 1)
	ok "p9guard $what started"
}

# t_mkdir_via WHAT DIRNAME CLIENT-CONNECT-ARGS...: make /DIRNAME through the
# server as uid 0; the host must see a root-owned directory.
t_mkdir_via() {
	local what=$1 dir=$2 out
	shift 2
	if out=$(timeout 20 "$CLIENT" "$@" --uid 0 --gid 0 mkdir -m 0750 "/$dir" 2>&1) &&
		[ "$(stat -c '%F %u %a' "$EXPORT/$dir" 2>/dev/null)" = "directory 0 750" ]; then
		ok "$what: a client's mkdir reaches the export (root-owned, mode 0750)"
	else
		notok "$what: a client's mkdir reaches the export: ${out:-no such directory}"
	fi
}

# t_setup NAME: a fresh export $TMP/t-NAME and log $TMP/t-NAME.log.
t_setup() {
	EXPORT=$TMP/t-$1
	LOG=$TMP/t-$1.log
	mkdir -m 0755 "$EXPORT"
}

if [ "$SERVER" = p9guard ] && [ -x "$CLIENT" ]; then
	# tcp:127.0.0.1:PORT on a port that was free a moment ago.
	t_setup tcp
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	P9GUARD_HELPER=$HELPER "$FRONTEND" --export "$EXPORT" --listen "tcp:127.0.0.1:$PORT" \
		--user nobody >"$LOG" 2>&1 &
	SERVER_PID=$!
	if t_wait_ready "--listen tcp:127.0.0.1:$PORT"; then
		# /proc/net/tcp: local address 0100007F:PORT in state 0A (LISTEN).
		hexport=$(printf '%04X' "$PORT")
		if awk -v a="0100007F:$hexport" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' \
			/proc/net/tcp; then
			ok "tcp: p9guard listens on 127.0.0.1:$PORT (/proc/net/tcp)"
		else
			notok "tcp: p9guard listens on 127.0.0.1:$PORT (/proc/net/tcp)"
		fi
		t_mkdir_via "tcp:127.0.0.1:$PORT" viatcp --tcp "127.0.0.1:$PORT"
		stop_server
	fi

	# fd:N: a listening unix socket inherited as descriptor N, and beside
	# it a descriptor nobody asked to keep (9, a file): the socket must
	# stay open, the stray one reach neither the frontend nor the helper.
	t_setup fd
	: >"$TMP/stray-descriptor"
	(
		exec 9<"$TMP/stray-descriptor"
		P9GUARD_FRONTEND=$FRONTEND P9GUARD_HELPER=$HELPER exec python3 "$TLAUNCH" fd \
			"$TMP/t-fd.sock" -- --export "$EXPORT" --user nobody
	) >"$LOG" 2>&1 &
	SERVER_PID=$!
	if t_wait_ready "--listen fd:N (an inherited listening socket)"; then
		t_mkdir_via "fd:N" viafd --unix "$TMP/t-fd.sock"
		stray=""
		for pid in "$SERVER_PID" $(pgrep -P "$SERVER_PID"); do
			for l in /proc/"$pid"/fd/*; do
				[ "$(readlink "$l")" = "$TMP/stray-descriptor" ] && stray="$stray $pid:${l##*/}"
			done
		done
		if [ -z "$stray" ] && [ -n "$(pgrep -P "$SERVER_PID")" ]; then
			ok "an inherited descriptor no --listen names is closed in the frontend and the helper"
		else
			notok "an inherited descriptor no --listen names is still open:${stray:- (no helper found)}"
		fi
		stop_server
	fi

	# vhost-user-fd:N: an inherited listening socket for vhost-user
	# front-ends; the tests' own front-end (hostile_vhost_user) brings up a
	# virtio-9p device on it and reads a file through the virtqueue.
	VU_FE=$BUILDDIR/tests/robustness/hostile_vhost_user
	if [ -x "$VU_FE" ]; then
		t_setup vufd
		printf abc >"$EXPORT/file"
		P9GUARD_FRONTEND=$FRONTEND P9GUARD_HELPER=$HELPER python3 "$TLAUNCH" vhost-user-fd \
			"$TMP/t-vufd.sock" -- --export "$EXPORT" --user nobody --tag vufd >"$LOG" 2>&1 &
		SERVER_PID=$!
		if t_wait_ready "--listen vhost-user-fd:N (an inherited vhost-user socket)"; then
			if out=$(HOSTILE_ONLY=basic timeout 60 "$VU_FE" "$TMP/t-vufd.sock" "$SERVER_PID" vufd 2>&1) &&
				grep -q '^1 passed, 0 failed' <<<"$out"; then
				ok "vhost-user-fd:N: a virtio-9p device set up, tag 'vufd' read from its config, a file read through the virtqueue"
			else
				notok "vhost-user-fd:N: a virtio-9p session: $(tr '\n' ' ' <<<"$out")"
			fi
			stop_server
		fi
	else
		notok "vhost-user-fd:N: $VU_FE is not built"
	fi

	# systemd: descriptor 3 with LISTEN_FDS=1 and LISTEN_PID = p9guard's pid.
	t_setup sd
	P9GUARD_FRONTEND=$FRONTEND P9GUARD_HELPER=$HELPER python3 "$TLAUNCH" systemd \
		"$TMP/t-sd.sock" self -- --export "$EXPORT" --user nobody >"$LOG" 2>&1 &
	SERVER_PID=$!
	if t_wait_ready "--listen systemd (LISTEN_FDS=1, LISTEN_PID its own)"; then
		t_mkdir_via "systemd" viasd --unix "$TMP/t-sd.sock"
		if [ -n "$HELPER_PID" ] && [ -r "/proc/$HELPER_PID/environ" ] &&
			! tr '\0' '\n' <"/proc/$HELPER_PID/environ" | grep -q '^LISTEN_'; then
			ok "systemd: the helper's environment holds no LISTEN_* variable"
		else
			notok "systemd: the helper's environment holds no LISTEN_* variable" \
				"(helper pid ${HELPER_PID:-unknown})"
		fi
		stop_server
	fi
	# LISTEN_PID naming another process: the sockets are not for p9guard.
	t_setup sd-other
	rc=0
	P9GUARD_FRONTEND=$FRONTEND P9GUARD_HELPER=$HELPER timeout 20 python3 "$TLAUNCH" systemd \
		"$TMP/t-sd-other.sock" other -- --export "$EXPORT" --user nobody >"$LOG" 2>&1 || rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -q 'LISTEN_PID=.* is not this process' "$LOG"; then
		ok "systemd: LISTEN_PID of another process is refused (exit $rc)"
	else
		notok "systemd: LISTEN_PID of another process is refused (exit $rc):" \
			"$(tail -n 2 "$LOG" | tr '\n' ' ')"
	fi

	# connected-fd:N: 9P on one end of a socketpair; p9guard exits 0 at its end.
	t_setup cfd
	rc=0
	P9GUARD_FRONTEND=$FRONTEND P9GUARD_HELPER=$HELPER timeout 60 python3 "$TLAUNCH" connected \
		"$EXPORT" -- --export "$EXPORT" --user nobody >"$LOG" 2>&1 || rc=$?
	grep '^# ' "$LOG" || true
	if [ $rc = 0 ]; then
		ok "connected-fd:N: Tversion, Tattach, Tmkdir served (host sees viafd 0750)," \
			"and p9guard exits 0 when the connection closes"
	else
		notok "connected-fd:N: served and exits 0 at the end (status $rc; log follows)"
		sed 's/^/# log: /' "$LOG"
	fi

	# unix:PATH with --socket-owner USER:GROUP and --socket-mode.
	t_setup perm
	P9GUARD_HELPER=$HELPER "$FRONTEND" --export "$EXPORT" --listen "unix:$TMP/t-perm.sock" \
		--socket-owner nobody:nogroup --socket-mode 0640 --user nobody >"$LOG" 2>&1 &
	SERVER_PID=$!
	if t_wait_ready "--socket-owner nobody:nogroup --socket-mode 0640"; then
		got=$(stat -c '%F %U:%G %a' "$TMP/t-perm.sock")
		if [ "$got" = "socket nobody:nogroup 640" ]; then
			ok "unix: --socket-owner/--socket-mode give the socket nobody:nogroup 0640"
		else
			notok "unix: --socket-owner/--socket-mode give the socket nobody:nogroup 0640: $got"
		fi
		# The owner may connect; another uid (no write permission) may not.
		if timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$CLIENT" --unix "$TMP/t-perm.sock" --uid 65534 df >/dev/null 2>&1; then
			ok "unix: the socket's owner (nobody) connects"
		else
			notok "unix: the socket's owner (nobody) connects"
		fi
		rc=0
		timeout 20 setpriv --reuid=$PT_OTHER_UID --regid=$PT_OTHER_UID --clear-groups \
			"$CLIENT" --unix "$TMP/t-perm.sock" --uid "$PT_OTHER_UID" df >/dev/null 2>&1 || rc=$?
		if [ $rc = 3 ]; then
			ok "unix: uid $PT_OTHER_UID (not owner, not group) cannot connect (exit 3)"
		else
			notok "unix: uid $PT_OTHER_UID (not owner, not group) cannot connect (exit $rc, not 3)"
		fi
		stop_server
	fi
	# Without the options: root's, mode 0660.
	t_setup defperm
	P9GUARD_HELPER=$HELPER "$FRONTEND" --export "$EXPORT" --listen "unix:$TMP/t-defperm.sock" \
		--user nobody >"$LOG" 2>&1 &
	SERVER_PID=$!
	if t_wait_ready "without --socket-owner and --socket-mode"; then
		got=$(stat -c '%F %u:%g %a' "$TMP/t-defperm.sock")
		if [ "$got" = "socket 0:0 660" ]; then
			ok "unix: by default the socket is root's, mode 0660"
		else
			notok "unix: by default the socket is root's, mode 0660: $got"
		fi
		stop_server
	fi
elif [ "$SERVER" = p9guard ]; then
	notok "p9guard-client is built for the transport checks ($CLIENT missing)"
fi

summary
[ $fail = 0 ]
