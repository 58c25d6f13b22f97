#!/bin/sh
# tests/confinement/run.sh BUILDDIR [-v]
#
# Runs every confinement test program (as root): each case forks a child
# that applies the real sandbox_frontend()/sandbox_helper() and tries one
# allowed or forbidden thing.  Prints one line per case and a final
# "N passed, N failed" (", N skipped" when some were skipped, with why).
set -u

builddir=${1:-}
verbose=${2:-}
if [ -z "$builddir" ] || [ ! -d "$builddir" ]; then
	echo "usage: $0 BUILDDIR [-v]" >&2
	exit 2
fi

progs="cf_frontend cf_helper"
pass=0
fail=0
skip=0
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: confinement - needs root (the frontend drops to uid 65534, the helper keeps capabilities)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -r /proc/self/status ]; then
	echo "SKIP: confinement - /proc is not mounted"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! grep -q '^Seccomp:' /proc/self/status; then
	echo "note: this kernel shows no seccomp support; the seccomp cases will fail"
fi
if ! getent passwd 65534 >/dev/null 2>&1; then
	echo "note: uid 65534 has no passwd entry (not needed: ids are numeric)"
fi

for p in $progs; do
	exe="$builddir/tests/confinement/$p"
	if [ ! -x "$exe" ]; then
		echo "FAIL: $p - not built (make $p in $builddir: tests/confinement/$p)"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2086
	"$exe" --run $verbose >"$tmp" 2>&1
	rc=$?
	cat "$tmp" | grep -v ' passed, [0-9]* failed'
	p_=$(grep -c '^PASS:' "$tmp")
	f_=$(grep -c '^FAIL:' "$tmp")
	s_=$(grep -c '^SKIP:' "$tmp")
	pass=$((pass + p_))
	fail=$((fail + f_))
	skip=$((skip + s_))
	if [ "$rc" != 0 ] && [ "$f_" = 0 ]; then
		echo "FAIL: $p - exited $rc without a failing case (crashed?)"
		fail=$((fail + 1))
	fi
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
