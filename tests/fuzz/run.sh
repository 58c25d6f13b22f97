#!/bin/bash
# run.sh SRCDIR - build the fuzz targets, replay the regression inputs and
# run each target for a bounded time on a copy of its seed corpus.
#
# Fails on any crash, leak, timeout or sanitizer report.  Environment:
#   P9G_FUZZ_SECONDS  seconds per target (default 50; 5 targets <= 5 min)
#   P9G_FUZZ_OUT      build/work directory (default: a temporary one)
#   P9G_FUZZ_KEEP     if set, keep the work directory
# New crashers are copied to tests/fuzz/regress/<target>/ for review.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 SRCDIR" >&2
	exit 2
fi
src=$(cd "$1" && pwd)
here=$src/tests/fuzz
secs=${P9G_FUZZ_SECONDS:-50}
targets=(fuzz_p9_decode fuzz_hp_decode fuzz_p9_dirent fuzz_p9_client fuzz_vu_ring)

if [ -n "${P9G_FUZZ_OUT:-}" ]; then
	work=$P9G_FUZZ_OUT
	mkdir -p "$work"
else
	work=$(mktemp -d /tmp/p9g-fuzz.XXXXXX)
fi
cleanup() {
	if [ -z "${P9G_FUZZ_KEEP:-}" ] && [ -z "${P9G_FUZZ_OUT:-}" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT

"$here/build.sh" "$src" "$work/bin"

passed=0
failed=0
opts=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)

for t in "${targets[@]}"; do
	log=$work/$t.log
	ok=1
	# 1. Regression inputs (crashers found earlier) must all pass.
	reg=$here/regress/$t
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
		if ! "$work/bin/$t" "${opts[@]}" "$reg"/* >"$work/$t.regress.log" 2>&1; then
			echo "FAIL: $t: a regression input fails (see $work/$t.regress.log)"
			tail -n 20 "$work/$t.regress.log" | sed 's/^/    /'
			ok=0
		fi
	fi
	# 2. A bounded fuzzing run on a scratch copy of the seed corpus.
	mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
	cp -a "$here/corpus/$t/." "$work/corpus/$t/"
	rc=0
	"$work/bin/$t" "${opts[@]}" -max_total_time="$secs" \
		-artifact_prefix="$work/artifacts/$t/" "$work/corpus/$t" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY:' "$log"; then
		echo "FAIL: $t: exit $rc after ${execs:-?} runs (log $log)"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/    /'
		for a in "$work/artifacts/$t"/*; do
			[ -f "$a" ] || continue
			mkdir -p "$reg"
			cp "$a" "$reg/"
			echo "    crasher saved as $reg/$(basename "$a")"
		done
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "PASS: $t: ${execs:-?} runs in ${secs}s, no sanitizer report"
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
