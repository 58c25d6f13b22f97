#!/bin/sh
# Example: a guest under a NON-ROOT QEMU using a p9guard export.
# p9guard (as root):
#   p9guard --export /srv/vm1 --listen unix:/run/p9guard/vm1.sock \
#           --socket-owner "$QEMU_USER" --socket-mode 0600 --user nobody
# QEMU (as $QEMU_USER, any version with user networking):
exec qemu-system-x86_64 -m 1024 -nographic \
	-kernel "${KERNEL:?}" -initrd "${INITRD:?}" -append "console=ttyS0" \
	-netdev user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:564-unix:/run/p9guard/vm1.sock \
	-device virtio-net-pci,netdev=n0
# In the guest:
#   mount -t 9p -o trans=tcp,port=564,version=9p2000.L,access=client,posixacl 10.0.2.100 /mnt
# guestfwd with a unix: target connects once, when QEMU starts: start
# p9guard first; the guest mounts once (one 9P connection).
