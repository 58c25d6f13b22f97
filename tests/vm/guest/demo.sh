#!/bin/busybox sh
# shellcheck shell=dash
# demo.sh - the guest side of the README demo (contrib/demo.sh).
# Runs in the guest as root with the host directory mounted on /mnt; every
# line it prints reaches the host.  Creates p9guard-demo.txt (contrib/demo.sh
# checked that the name is free), gives it to 1234:1234 and lists the
# directory; the host then lists the same directory.
set -u
f=p9guard-demo.txt
cd /mnt || exit 1
echo "guest\$ uname -r; grep /mnt /proc/mounts"
uname -r
grep ' /mnt ' /proc/mounts
echo "guest\$ id"
id
echo "guest\$ echo 'made in the guest' > /mnt/$f"
echo 'made in the guest' > "$f" || echo "FAILED to create $f"
echo "guest\$ chown 1234:1234 /mnt/$f"
chown 1234:1234 "$f" || echo "FAILED: chown 1234:1234 $f"
echo "guest\$ ls -ln /mnt"
ls -ln /mnt
