/*
 * vu_dev_int.h - what the two halves of the vhost-user device share: its
 * state, and the queue's side of it (vu_queue.c) that the control side
 * (vu_dev.c) drives.  Private to those two files.
 */
#ifndef P9G_FE_VU_DEV_INT_H
#define P9G_FE_VU_DEV_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "frontend/conn.h"
#include "frontend/vu_mem.h"
#include "frontend/vu_ring.h"

/* A Twrite at least this big keeps its data in guest memory (dev_keep_twrite()). */
#define VU_KEEP_MIN 4096u

struct vu_dev {
	struct vu_mem mem;
	struct vu_ring q; /* virtio-9p has one queue */
	uint64_t features;	    /* acknowledged by SET_FEATURES */
	uint64_t protocol_features; /* acknowledged by SET_PROTOCOL_FEATURES */
	int kick_fd, call_fd;	    /* -1 until given */
	pthread_mutex_t call_lock;  /* call_fd: senders use it while it may change */
	bool started;		    /* a kick fd came, no GET_VRING_BASE since */
	bool enabled;		    /* SET_VRING_ENABLE 1, or no protocol features */
	bool broken;		    /* the queue was malformed: stopped until reset */
	bool warned_small;	    /* said once that a reply did not fit its chain */
};

static inline struct vu_dev *dev_of(const struct conn *c)
{
	return c->xport_data;
}

/* The queue may be served: mapped, given a kick, enabled, not broken. */
static inline bool dev_running(const struct vu_dev *d)
{
	return d->started && d->enabled && !d->broken && d->q.desc;
}

static inline void dev_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* vu_queue.c: the requests' way through the queue */

/* The queue is malformed (why): it stops until the guest resets the device. */
void vu_dev_break(struct conn *c, const char *why);
/* A kick: take every available chain as a request, then ask for the next kick. */
void vu_queue_drain(struct conn *c);
/* struct conn_transport's send, read_into_reply, write_kept, copy_kept,
 * sends_at_once and more_pending for a device (conn.h). */
int vu_queue_send(struct conn *c, struct p9_req *req, bool may_block);
ssize_t vu_queue_read_into_reply(struct conn *c, struct p9_req *req, int fd, off_t off,
				 size_t count, size_t skip);
ssize_t vu_queue_write_kept(struct conn *c, struct p9_req *req, int fd, off_t off);
int vu_queue_copy_kept(struct conn *c, struct p9_req *req, void *dst);
bool vu_queue_sends_at_once(const struct conn *c);
bool vu_queue_more_pending(const struct conn *c);

#endif
