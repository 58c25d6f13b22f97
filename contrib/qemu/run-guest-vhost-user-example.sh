#!/bin/sh
# Example: a guest under a NON-ROOT QEMU mounting a p9guard export over
# virtio (trans=virtio), p9guard being the device's vhost-user back-end.
# p9guard (as root), before QEMU starts:
#   p9guard --export /srv/vm1 --listen vhost-user:/run/p9guard/vm1-vu.sock \
#           --socket-owner "$QEMU_USER" --socket-mode 0600 --user nobody --tag vm1
# QEMU (as $QEMU_USER, 11.1 or later: vhost-user-test-device-pci). The
# guest's RAM is a shared memfd, sealed (QEMU's default), which p9guard maps;
# config_size=33 is the 9P config space (a length and a tag of up to 31 bytes).
exec qemu-system-x86_64 -m 1024 -nographic \
	-kernel "${KERNEL:?}" -initrd "${INITRD:?}" -append "console=ttyS0" \
	-object memory-backend-memfd,id=mem,size=1024M,share=on \
	-machine memory-backend=mem \
	-chardev socket,id=vu9p,path=/run/p9guard/vm1-vu.sock \
	-device vhost-user-test-device-pci,chardev=vu9p,virtio-id=9,num_vqs=1,config_size=33
# In the guest:
#   mount -t 9p -o trans=virtio,version=9p2000.L,access=client,posixacl,msize=512000 vm1 /mnt
# The guest may unmount and mount again, and reboot: each reset of the
# device releases its fids in p9guard. A QEMU that exits closes the device;
# p9guard waits for the next one on the same socket.
