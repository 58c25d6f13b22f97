#!/usr/bin/env bash
# run-suite.sh - the whole p9guard test suite, as CI and the README run it.
#
# Builds the tree twice out of tree (plain with -Werror, and with ASan/UBSan),
# then runs every layer of tests (DESIGN.md section 10).  Each stage's log is
# kept under $P9G_SUITE_LOGS; a failing stage prints its tail.  The counts of
# every stage (Check's "Checks: N, Failures: F, Errors: E" lines or a stage's
# own "N passed, N failed" line) are added up into the final line, which CI
# reads:  N passed, N failed[, N skipped]
#
# Usage: tests/run-suite.sh [--quick]  (--quick skips the fuzzers, the VM and distcheck)
set -uo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
logs=${P9G_SUITE_LOGS:-$srcdir/build-logs}
jobs=${P9G_JOBS:-$(nproc)}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

mkdir -p "$logs"
passed=0 failed=0 skipped=0
failed_stages=()

say() { printf '%s\n' "$*"; }

# count_results LOG: add the counts found in LOG to the totals and print
# them; sets stage_found (1 if LOG held any count) and stage_failed.
count_results() {
	local log=$1 p=0 f=0 s=0 line n e
	stage_found=0
	while IFS= read -r line; do
		if [[ $line =~ Checks:\ ([0-9]+),\ Failures:\ ([0-9]+),\ Errors:\ ([0-9]+) ]]; then
			n=${BASH_REMATCH[1]} e=$((BASH_REMATCH[2] + BASH_REMATCH[3]))
			p=$((p + n - e)) f=$((f + e)) stage_found=1
		elif [[ $line =~ ^([A-Za-z-]+:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
			p=$((p + BASH_REMATCH[2])) f=$((f + BASH_REMATCH[3]))
			s=$((s + ${BASH_REMATCH[5]:-0})) stage_found=1
		fi
	done <"$log"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	stage_failed=$f
	[ $stage_found = 1 ] && say "    $p passed, $f failed, $s skipped"
}

# stage NAME COMMAND...: run a stage with its output in $logs/NAME.log.
# A stage that prints no counts counts as one test.  A stage that exits
# non-zero without counting a failure (a crash, a build error) counts one.
stage() {
	local name=$1 log="$logs/$1.log" rc start
	shift
	say "== $name"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	say "    exit $rc after $(($(date +%s) - start)) s, log: $log"
	grep -E '^(SKIP|skip)[: ]' "$log" | sed 's/^/    /' | head -20
	count_results "$log"
	if [ $stage_found = 0 ] && [ $rc = 0 ]; then
		passed=$((passed + 1))
	elif [ $rc != 0 ] && [ "$stage_failed" = 0 ]; then
		failed=$((failed + 1))
	fi
	if [ $rc != 0 ]; then
		failed_stages+=("$name")
		say "    --- last lines of $log ---"
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
	return 0
}

# skip NAME REASON: a stage that cannot run here, said out loud.
skip() {
	say "== $1"
	say "    SKIP: $2"
	skipped=$((skipped + 1))
}

configure_build() {	# DIR CONFIGURE-ARGS...
	local dir=$1
	shift
	mkdir -p "$dir" && cd "$dir" &&
		"$srcdir/configure" --enable-werror "$@" &&
		make -j"$jobs"
}

unit_tests() {	# DIR
	cd "$1" && make -j"$jobs" check
	local rc=$?
	# Check prints its summary into each test's log; show them for counting.
	cat tests/unit/*.log 2>/dev/null | grep -E 'Checks:'
	return $rc
}

# What the stages may touch on the host (accounts, policy modules, AppArmor
# profiles, mounts), recorded now and compared by the last stage: every
# test removes what it made, also when it fails.
# shellcheck source=lib/hoststate.sh
. "$srcdir/tests/lib/hoststate.sh"
hoststate_snapshot "$logs/host-before"

cd "$srcdir" || exit 1
stage autoreconf autoreconf -fi
stage build configure_build "$srcdir/build-ci"
stage unit-tests unit_tests "$srcdir/build-ci"
stage build-sanitized configure_build "$srcdir/build-asan" --enable-sanitizers
stage unit-tests-sanitized unit_tests "$srcdir/build-asan"
stage readme-ci-command "$srcdir/tests/check-readme-command.sh"

stage interop-diod "$srcdir/tests/integration/interop_diod.sh" "$srcdir/build-ci"
stage integration "$srcdir/tests/integration/run.sh" "$srcdir/build-ci"
# The same checks against the ASan/UBSan daemons and pair_test: any report,
# or a leak at either daemon's exit, fails it (src/common/sandbox_int.h).
stage integration-sanitized "$srcdir/tests/integration/run.sh" "$srcdir/build-asan"
stage confinement "$srcdir/tests/confinement/run.sh" "$srcdir/build-ci"
# The pair started by an ordinary user (--rootless): the helper root only
# in its own user namespace over the user's subordinate ids.
stage rootless "$srcdir/tests/rootless/run.sh" "$srcdir/build-ci"
stage robustness "$srcdir/tests/robustness/run.sh" "$srcdir/build-ci"
stage faults "$srcdir/tests/faults/run.sh" "$srcdir/build-ci"
stage audit "$srcdir/tests/audit/run.sh" "$srcdir/build-ci"
# The guest kernel (Debian's linux-image-amd64) for the VM and AppArmor tests.
stage vm-fetch "$srcdir/tests/vm/fetch.sh"
stage policy "$srcdir/tests/policy/run.sh" "$srcdir"
stage bench-smoke "$srcdir/bench/compare" --smoke --build "$srcdir/build-ci"
# The same with several requests in flight per connection on each server.
stage bench-smoke-inflight "$srcdir/bench/compare" --smoke --inflight 4 --build "$srcdir/build-ci"
# 8 mixed clients for 60 s (after a 10 s warm-up); the daemons' descriptors,
# threads and memory must come back to their baseline (bench/soak).
stage soak "$srcdir/bench/soak" --build "$srcdir/build-ci" --seconds 60
if [ $quick = 1 ]; then
	skip fuzz "--quick given"
	skip vm "--quick given"
	skip distcheck "--quick given"
	skip package "--quick given"
else
	stage fuzz "$srcdir/tests/fuzz/run.sh" "$srcdir"
	stage vm env BUILDDIR="$srcdir/build-ci" "$srcdir/tests/vm/run.sh" p9guard
	stage vm-interop-mapped-xattr "$srcdir/tests/vm/interop-mapped-xattr.sh" "$srcdir/build-ci"
	stage distcheck make -C "$srcdir/build-ci" -j"$jobs" distcheck
	# The Debian package: built, linted, installed in a fresh root, serving.
	stage package "$srcdir/tests/package/run.sh" "$srcdir"
fi

host_state_unchanged() {
	hoststate_snapshot "$logs/host-after"
	if hoststate_compare "$logs/host-before" "$logs/host-after"; then
		echo "the host's accounts, SELinux modules, AppArmor profiles and mounts are as" \
			"before the suite"
		return 0
	fi
	echo "some stage left the above behind (before: $logs/host-before," \
		"after: $logs/host-after)"
	return 1
}
stage host-state host_state_unchanged

say ""
if [ ${#failed_stages[@]} -gt 0 ]; then
	say "failed stages: ${failed_stages[*]}"
fi
if [ $skipped -gt 0 ]; then
	say "$passed passed, $failed failed, $skipped skipped"
else
	say "$passed passed, $failed failed"
fi
[ $failed = 0 ]
