/*
 * vu_wire.h - the vhost-user protocol's messages as they are on the socket
 * (QEMU's docs/interop/vhost-user.rst), and the virtio feature bits a
 * virtio-9p back-end speaks.  Little-endian fields; vu_dev.c converts.
 */
#ifndef P9G_FE_VU_WIRE_H
#define P9G_FE_VU_WIRE_H

#include <stdint.h>

#include "frontend/vu_mem.h"

/* virtio feature bits (virtio 1.x, 6; 5.3.2 for the 9P device) */
#define VIRTIO_9P_MOUNT_TAG 0
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1 32

/* vhost-user protocol feature bits */
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_CONFIG 9
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE 13

/* header flags */
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_NEED_REPLY_MASK (1u << 3)

/* the u64 of SET_VRING_KICK/CALL/ERR */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1u << 8)

enum vu_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_RESET_DEVICE = 34,
};

#define VU_HDR_SIZE 12u
#define VU_MAX_FDS 8
#define VU_MEM_HDR_SIZE 8u
#define VU_CONFIG_HDR_SIZE 12u
#define VU_CONFIG_MAX 256u
#define VU_PAYLOAD_MAX 4096u

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region_wire regions[VU_MEM_MAX_REGIONS];
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VU_CONFIG_MAX];
};

/* A message: the 12-byte header is sent and received apart from the payload
 * (struct-aligned here, packed on the wire). */
struct vu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size; /* of the payload */
	uint32_t unused_;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_memory mem;
		struct vu_config config;
		uint8_t raw[VU_PAYLOAD_MAX];
	} payload;
};

/* "GET_FEATURES", ... or "unknown". */
const char *vu_request_name(uint32_t request);

#endif
