/* vu_ring.c - a split virtqueue in guest memory (see vu_ring.h). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "frontend/vu_ring.h"

/* virtio 1.x, 2.7.5-2.7.8: little-endian whatever the host. */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* num entries, then used_event */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* num entries, then avail_event */
};

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

int vu_ring_map(struct vu_ring *q, const struct vu_mem *m)
{
	q->desc = vu_uva(m, q->desc_uva, (uint64_t)q->num * sizeof(struct vring_desc));
	q->avail = vu_uva(m, q->avail_uva, sizeof(struct vring_avail) + 2 * (uint64_t)q->num + 2);
	q->used = vu_uva(m, q->used_uva,
			 sizeof(struct vring_used) + (uint64_t)q->num * sizeof(struct vring_used_elem) + 2);
	if (!q->desc || !q->avail || !q->used) {
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return -EFAULT;
	}
	q->used_idx = load16(&q->used->idx);
	q->signalled = q->used_idx;
	return 0;
}

bool vu_ring_pending(const struct vu_ring *q)
{
	return q->avail && load16(&q->avail->idx) != q->last_avail;
}

/* Add guest buffer [gpa, gpa+len) to ch as pieces; false when it is not
 * all guest memory or there are too many pieces. */
static bool chain_add(const struct vu_mem *m, struct vu_chain *ch, uint64_t gpa, uint32_t len,
		      bool write, const char **why)
{
	uint64_t left = len;

	if (write)
		ch->write_len += len;
	else
		ch->read_len += len;
	while (left > 0) {
		uint64_t n;
		uint8_t *p = vu_gpa(m, gpa, left, &n);
		unsigned int i = ch->nread + ch->nwrite;

		if (!p) {
			*why = "a buffer outside guest memory";
			return false;
		}
		if (i == VU_SEG_MAX) {
			*why = "too many buffers in one chain";
			return false;
		}
		ch->seg[i] = (struct vu_seg){.p = p, .len = (uint32_t)n};
		if (write)
			ch->nwrite++;
		else
			ch->nread++;
		gpa += n;
		left -= n;
	}
	return true;
}

/*
 * Follow the descriptors of table[0..n) from index i, adding their buffers.
 * *steps counts every descriptor visited across direct and indirect tables.
 */
static int chain_walk(const struct vu_ring *q, const struct vu_mem *m,
		      const struct vring_desc *table, unsigned int n, unsigned int i,
		      bool top, struct vu_chain *ch, unsigned int *steps, const char **why)
{
	for (;;) {
		struct vring_desc d;

		if (i >= n) {
			*why = "a descriptor index past the table";
			return -1;
		}
		if (++*steps > VU_CHAIN_MAX) {
			*why = "a descriptor chain too long or looping";
			return -1;
		}
		memcpy(&d, &table[i], sizeof(d)); /* one read of guest memory */
		d.addr = le64toh(d.addr);
		d.len = le32toh(d.len);
		d.flags = le16toh(d.flags);
		d.next = le16toh(d.next);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			const struct vring_desc *it;

			if (!top || !q->indirect || (d.flags & VRING_DESC_F_NEXT) || d.len == 0 ||
			    d.len % sizeof(struct vring_desc)) {
				*why = "a misplaced or malformed indirect descriptor";
				return -1;
			}
			{
				uint64_t avail;

				it = (const struct vring_desc *)vu_gpa(m, d.addr, d.len, &avail);
				if (!it || avail < d.len) {
					*why = "an indirect table outside guest memory";
					return -1;
				}
			}
			return chain_walk(q, m, it, d.len / sizeof(struct vring_desc), 0, false, ch,
					  steps, why);
		}
		if (!(d.flags & VRING_DESC_F_WRITE) && ch->nwrite > 0) {
			*why = "a readable buffer after a writable one";
			return -1;
		}
		if (d.len && !chain_add(m, ch, d.addr, d.len, d.flags & VRING_DESC_F_WRITE, why))
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int vu_ring_chain(const struct vu_ring *q, const struct vu_mem *m, uint16_t head,
		  struct vu_chain *ch, const char **why)
{
	unsigned int steps = 0;

	ch->head = head;
	ch->nread = ch->nwrite = 0;
	ch->read_len = ch->write_len = 0;
	if (!q->desc) {
		*why = "the ring is not mapped";
		return -1;
	}
	return chain_walk(q, m, q->desc, q->num, head, true, ch, &steps, why);
}

int vu_ring_pop(struct vu_ring *q, const struct vu_mem *m, struct vu_chain *ch, const char **why)
{
	uint16_t avail_idx, head;

	if (!q->avail)
		return 0;
	avail_idx = load16(&q->avail->idx);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num) {
		*why = "more chains made available than the queue holds";
		return -1;
	}
	/* The ring entry and the chain are read after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(&q->avail->ring[q->last_avail % q->num]);
	q->last_avail++;
	if (vu_ring_chain(q, m, head, ch, why) < 0)
		return -1;
	return 1;
}

void vu_ring_push(struct vu_ring *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = htole32(head);
	e->len = htole32(len);
	q->used_idx++;
	/* The element is visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16(&q->used->idx, q->used_idx);
}

bool vu_ring_need_notify(struct vu_ring *q)
{
	uint16_t old = q->signalled, now = q->used_idx, event;

	/* The guest's flags or used_event are read after our used->idx store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(&q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	event = load16(&q->avail->ring[q->num]); /* used_event */
	q->signalled = now;
	/* virtio's vring_need_event(): did we pass used_event with this batch? */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool vu_ring_arm_kick(struct vu_ring *q)
{
	if (!q->avail)
		return false;
	if (q->event_idx)
		store16((uint16_t *)&q->used->ring[q->num], q->last_avail); /* avail_event */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vu_ring_pending(q);
}
