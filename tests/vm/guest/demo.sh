#!/bin/busybox sh
# shellcheck shell=dash
# demo.sh - the guest side of the README demo (contrib/demo.sh).
# Runs in the guest with the export mounted on /mnt; every line it prints
# reaches the host.  Shows that owners are the host's real ones and that
# what the guest creates lands on the host with the guest's uid, gid and
# mode, atomically, through an unprivileged frontend.
set -u
cd /mnt || exit 1
echo "== guest: uname -r: $(uname -r); mount: $(grep ' /mnt ' /proc/mounts)"
echo "== guest: the host's files, with their real owners (ls -ln /mnt)"
ls -ln /mnt
echo "== guest: root creates a file, a device node and a fifo, and gives a file away"
echo "made by guest root" > root-file
mknod null-copy c 1 3
mkfifo a-fifo
echo "for uid 1000" > given-away && chown 1000:1000 given-away
echo "== guest: uid 1000 (gid 1000) creates inside its home, with mode 0640 and a setgid dir"
/bin/runas 1000 1000 - -- /bin/sh -c '
	cd /mnt/home1000 &&
	echo "made by guest uid 1000" > note.txt && chmod 0640 note.txt &&
	mkdir -m 2750 project && ln -s note.txt link-to-note &&
	echo "   uid 1000 writes into /mnt (root-owned 0755):" &&
	{ touch /mnt/not-allowed 2>&1 || true; } &&
	echo "   uid 1000 chowns its file to root:" &&
	{ chown 0 note.txt 2>&1 || true; }'
echo "== guest: ls -ln /mnt /mnt/home1000 after the changes"
ls -ln /mnt /mnt/home1000
