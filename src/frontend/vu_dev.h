/*
 * vu_dev.h - the vhost-user back-end of a virtio-9p device (virtio device
 * id 9): one accepted vhost-user connection is one device, and one 9P
 * connection (struct conn) whose frames come from its virtqueue.
 *
 * The front-end (QEMU, unprivileged; `-device vhost-user-test-device-pci,
 * chardev=C,virtio-id=9,num_vqs=1,config_size=33`) tells us over the socket
 * where the guest's memory and the queue are; the guest's descriptor chains
 * then carry one 9P request each, the chain's writable part receiving its
 * reply.  What we read from guest memory or from the socket is untrusted
 * like any 9P client's bytes (vu_mem.h, vu_ring.h).  A queue found
 * malformed stops until the device is reset; the process serves on.
 * When the guest resets the device (a reboot: GET_VRING_BASE) or the
 * front-end goes away, every fid of the device is released in the helper.
 */
#ifndef P9G_FE_VU_DEV_H
#define P9G_FE_VU_DEV_H

#include "frontend/conn.h"

extern const struct conn_transport vu_dev_transport;

#endif
