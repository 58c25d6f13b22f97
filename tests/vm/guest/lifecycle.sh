#!/bin/busybox sh
# shellcheck shell=dash
# lifecycle.sh PHASE - guest side of tests/vm/lifecycle.sh, run by /init
# (p9g.lifecycle=PHASE) on p9guard's vhost-user share at /mnt. The state
# that must survive a reboot, a QEMU restart and a QEMU killed mid-write
# lives on the share itself (/mnt/lc/state). Prints P9G-RESULT lines and,
# where the host must act, P9G-LIFECYCLE: lines it waits for.
#   reboot   first boot: opens files it never closes, then reboot -f (QEMU
#            resets the device); second boot (state 1): the data is there,
#            the host counts the helper's descriptors, then poweroff
#   restart  a new QEMU (state 2): the data is there; then writes until the
#            host kills QEMU
#   after    the next QEMU (state 3): the share still works; cleans up
set -u
HELD=64
ok() { echo "P9G-RESULT: ok lifecycle/$1"; }
bad() { echo "P9G-RESULT: FAIL lifecycle/$1 $2"; }
check() { # NAME DETAIL COMMAND...: ok or FAIL as the command ends
	name=$1 detail=$2
	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$detail"; fi
}
state=$(cat /mnt/lc/state 2>/dev/null || echo 0)

case $1:$state in
reboot:0)
	mkdir /mnt/lc || { bad boot "mkdir /mnt/lc failed"; exit 1; }
	echo "written before the reboot" > /mnt/lc/data
	# Fids the client never clunks: $HELD open files, kept open by
	# sleepers, and a working directory inside the share.
	i=0
	while [ "$i" -lt "$HELD" ]; do
		: > "/mnt/lc/held$i"
		# shellcheck disable=SC2217  # the open stdin is the point
		sleep 100000 < "/mnt/lc/held$i" &
		i=$((i + 1))
	done
	cd /mnt/lc || exit 1
	echo 1 > /mnt/lc/state
	open=0
	for l in /proc/[0-9]*/fd/*; do
		case $(readlink "$l" 2>/dev/null) in /mnt/lc/held*) open=$((open + 1)) ;; esac
	done
	check boot "only $open of $HELD files open" [ "$open" -ge "$HELD" ]
	echo "P9G-LIFECYCLE: held $HELD"
	sleep 5	# the host counts the helper's descriptors meanwhile
	# With everything open: no clunk, no unmount.
	reboot -f
	sleep 30
	;;
reboot:1)
	check reboot_data "the file written before the reboot is not as written" \
		[ "$(cat /mnt/lc/data)" = "written before the reboot" ]
	check reboot_write "cannot write after the reboot" sh -c 'echo "after the reboot" > /mnt/lc/data2'
	echo 2 > /mnt/lc/state
	# The host now counts the helper's descriptors (the first boot's fids
	# must be gone); it needs a moment, and the share stays mounted.
	echo "P9G-LIFECYCLE: rebooted"
	sleep 8
	;;
restart:2)
	check restart_data "what the previous QEMU wrote is not there" \
		[ "$(cat /mnt/lc/data2)" = "after the reboot" ]
	echo 3 > /mnt/lc/state
	echo "P9G-LIFECYCLE: busy"
	# Requests in flight when QEMU dies: writes and reads of 64 KiB.
	while :; do
		dd if=/dev/zero of=/mnt/lc/big bs=65536 count=32 2>/dev/null
		cat /mnt/lc/big > /dev/null
	done
	;;
after:3)
	check after_kill_read "the share does not read after QEMU was killed" \
		[ "$(cat /mnt/lc/data2)" = "after the reboot" ]
	# shellcheck disable=SC2016  # the inner shell expands it
	check after_kill_write "the share does not write after QEMU was killed" \
		sh -c 'echo x > /mnt/lc/x && [ "$(cat /mnt/lc/x)" = x ]'
	check after_kill_cleanup "rm -rf of the test's files failed" rm -rf /mnt/lc
	;;
*)
	bad "$1" "phase $1 found state $state (an earlier phase did not finish)"
	;;
esac
