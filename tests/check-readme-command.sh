#!/usr/bin/env bash
# check-readme-command.sh - .ci/run must run exactly the README's test command.
# The README marks the command with the line <!-- test-command --> followed
# by a fenced block holding it on one line.
set -euo pipefail
srcdir=$(cd "$(dirname "$0")/.." && pwd)
cmd=$(awk '/<!-- test-command -->/ { want = 1; next }
	want && /^```/ { if (inblock) exit; inblock = 1; next }
	want && inblock { print }' "$srcdir/README.md")
if [ -z "$cmd" ]; then
	echo "README.md has no test command after <!-- test-command -->"
	echo "0 passed, 1 failed"
	exit 1
fi
if grep -qxF -- "$cmd" "$srcdir/.ci/run"; then
	echo "ok: .ci/run runs the README test command"
	echo "1 passed, 0 failed"
else
	echo "mismatch: .ci/run does not contain the README test command:"
	echo "  $cmd"
	echo "0 passed, 1 failed"
	exit 1
fi
