#!/bin/busybox sh
# shellcheck shell=dash
# interop.sh MODE - guest side of tests/vm/interop-mapped-xattr.sh, run by
# /init (p9g.interop=MODE) on a QEMU "-virtfs local,security_model=
# mapped-xattr" share mounted at /mnt.  Every line goes to the console
# prefixed P9G-IX: by /init.
#   write  make a file, a directory, a symlink, a char node and a FIFO with
#          owners and modes that only the xattrs can hold (QEMU runs as an
#          unprivileged user); the host then reads them through p9guard
#   read   print owner, group, mode and type of what p9guard wrote
set -u
cd /mnt || exit 1
case $1 in
write)
	echo data > f && chown 4711:4712 f && chmod 0751 f && echo "made f"
	mkdir d && chown 4711:4712 d && chmod 0750 d && echo "made d"
	ln -s some/target l && chown -h 4711:4712 l && echo "made l"
	mknod c c 4 64 && chown 4713:4712 c && chmod 0620 c && echo "made c"
	mknod p p && chmod 0604 p && echo "made p"
	sync
	;;
read)
	for n in d d/f d/l; do
		# name uid gid octal-mode type
		echo "stat $(stat -c '%n %u %g %a %F' "$n")"
	done
	echo "link $(readlink d/l)"
	echo "data $(cat d/f)"
	;;
esac
echo "end"
