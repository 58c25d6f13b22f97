/*
 * vu_ring.h - one split virtqueue in guest memory (virtio 1.x, 2.7): take
 * the descriptor chains the guest makes available, give them back as used,
 * and the notifications both ways (with VIRTIO_RING_F_EVENT_IDX if
 * negotiated).  Packed rings are not offered.
 *
 * Everything in the ring is guest-written and re-checked at each use: a
 * chain's descriptors are followed at most VU_CHAIN_MAX steps (a loop ends
 * there), an indirect table must be one whole table in guest memory, and
 * every buffer is translated through vu_mem with its bounds.
 */
#ifndef P9G_FE_VU_RING_H
#define P9G_FE_VU_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/vu_mem.h"

/* The largest queue size we accept (virtio's maximum). */
#define VU_RING_MAX 32768
/* Descriptors followed in one chain, indirect ones included. */
#define VU_CHAIN_MAX 1024
/* Pieces of one chain's buffers (a buffer split by a region boundary
 * counts twice); Linux's 9p client uses at most 128 + 2 per request. */
#define VU_SEG_MAX 512

struct vring_desc;
struct vring_avail;
struct vring_used;

struct vu_ring {
	unsigned int num; /* queue size, a power of 2 */
	uint64_t desc_uva, avail_uva, used_uva; /* SET_VRING_ADDR, front-end addresses */
	bool have_addr;
	struct vring_desc *desc; /* mapped by vu_ring_map() */
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail; /* the next chain to take */
	uint16_t used_idx;   /* our copy of used->idx */
	uint16_t signalled;  /* used_idx when the guest was last notified */
	bool event_idx;	     /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;	     /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
};

/* One piece of a chain's buffers, in our address space. */
struct vu_seg {
	uint8_t *p;
	uint32_t len;
};

/* A chain's buffers: the device-readable ones first, then the writable. */
struct vu_chain {
	uint16_t head;
	unsigned int nread, nwrite; /* seg[0..nread) readable, then nwrite writable */
	uint64_t read_len, write_len;
	struct vu_seg seg[VU_SEG_MAX];
};

/* Map the ring's three parts (after SET_VRING_NUM, _ADDR and the memory
 * table).  0 or -EFAULT when a part is not wholly in guest memory. */
int vu_ring_map(struct vu_ring *q, const struct vu_mem *m);
/* A chain is available (the guest's avail->idx moved past ours). */
bool vu_ring_pending(const struct vu_ring *q);
/*
 * Take the next available chain into *ch.  1 when one was taken, 0 when
 * none is available, -1 when it is malformed (then *why says how; the
 * queue cannot be trusted until reset).
 */
int vu_ring_pop(struct vu_ring *q, const struct vu_mem *m, struct vu_chain *ch, const char **why);
/*
 * Walk chain `head` again for its buffers (at reply time: the guest owns
 * nothing of it meanwhile, and what it changed is checked again).  0 or -1
 * with *why.
 */
int vu_ring_chain(const struct vu_ring *q, const struct vu_mem *m, uint16_t head,
		  struct vu_chain *ch, const char **why);
/* Give chain `head` back with `len` bytes written into it. */
void vu_ring_push(struct vu_ring *q, uint16_t head, uint32_t len);
/* After vu_ring_push()es: whether the guest wants an interrupt now. */
bool vu_ring_need_notify(struct vu_ring *q);
/* Before waiting for a kick with EVENT_IDX: say up to where we have read,
 * then true if more came meanwhile (take it before sleeping). */
bool vu_ring_arm_kick(struct vu_ring *q);

#endif
