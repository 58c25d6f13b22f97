/*
 * vu_queue.c - a virtio-9p device's requests through its virtqueue: each
 * available chain becomes a request of the request layer (conn.c), its
 * reply goes into the chain's writable buffers, Rread's and big Twrite's
 * data move between guest memory and the file with no copy.  The control
 * side (vu_dev.c) sets the queue up and stops it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/vu_dev_int.h"
#include "frontend/vu_ring.h"

void vu_dev_break(struct conn *c, const char *why)
{
	struct vu_dev *d = dev_of(c);

	if (!d->broken)
		log_warn("session %u: the guest's virtqueue is malformed (%s); the device "
			 "stops until the guest resets it",
			 c->session, why);
	d->broken = true;
}

/* Copy the readable part of chain ch (len bytes of it) into buf. */
static void chain_copy_in(const struct vu_chain *ch, uint8_t *buf, size_t len)
{
	size_t off = 0;

	for (unsigned int i = 0; i < ch->nread && off < len; i++) {
		size_t n = ch->seg[i].len < len - off ? ch->seg[i].len : len - off;

		memcpy(buf + off, ch->seg[i].p, n);
		off += n;
	}
}

/*
 * iov[] for `len` bytes of a chain's readable (write false) or writable
 * buffers, after their first `skip` bytes; the number of entries.
 */
static int chain_iov(const struct vu_chain *ch, bool write, size_t skip, size_t len,
		     struct iovec *iov, size_t *got)
{
	unsigned int first = write ? ch->nread : 0, end = first + (write ? ch->nwrite : ch->nread);
	int n = 0;

	*got = 0;
	for (unsigned int i = first; i < end && *got < len; i++) {
		size_t seg = ch->seg[i].len, take;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		take = seg - skip < len - *got ? seg - skip : len - *got;
		iov[n++] = (struct iovec){.iov_base = ch->seg[i].p + skip, .iov_len = take};
		*got += take;
		skip = 0;
	}
	return n;
}

/*
 * A big Twrite's data stays in guest memory: the request layer gets its
 * 23-byte header (size and count fields saying "no data") and the count
 * in req->kept_len, and writes the data with pwritev() from the chain
 * (vu_queue_write_kept()): no copy.
 */
static bool dev_keep_twrite(const struct vu_chain *ch, struct p9_req *req, uint32_t size)
{
	uint8_t *h = req->frame_inline;
	uint32_t count;

	if (size < VU_KEEP_MIN)
		return false;
	chain_copy_in(ch, h, P9_TWRITE_HDR_SIZE);
	if (h[4] != P9_TWRITE)
		return false;
	count = (uint32_t)h[19] | (uint32_t)h[20] << 8 | (uint32_t)h[21] << 16 | (uint32_t)h[22] << 24;
	if (count != size - P9_TWRITE_HDR_SIZE)
		return false; /* the decoder will say what is wrong with it */
	memset(h, 0, 4);
	h[0] = P9_TWRITE_HDR_SIZE;
	memset(h + 19, 0, 4);
	req->data_kept = true;
	req->kept_len = count;
	return true;
}

/* Take one chain as a request.  1 taken, 0 nothing to take, -1 stop. */
static int dev_take_one(struct conn *c, struct vu_chain *ch)
{
	struct vu_dev *d = dev_of(c);
	const char *why = NULL;
	struct p9_req *req;
	uint8_t hdr[4], *frame;
	uint32_t size;
	int rc = vu_ring_pop(&d->q, &d->mem, ch, &why);

	if (rc <= 0) {
		if (rc < 0)
			vu_dev_break(c, why);
		return rc;
	}
	if (ch->read_len < sizeof(hdr) || ch->read_len > c->msize) {
		vu_dev_break(c, "a request whose size is not a 9P message's");
		return -1;
	}
	chain_copy_in(ch, hdr, sizeof(hdr));
	if (p9_frame_size(hdr, sizeof(hdr), c->msize, &size) != P9_OK || size > ch->read_len) {
		vu_dev_break(c, "a 9P size field that does not match its buffers");
		return -1;
	}
	req = conn_req_get(c);
	if (!req) {
		log_err("session %u: out of memory", c->session);
		return -1;
	}
	req->xport_id = ch->head;
	if (dev_keep_twrite(ch, req, size)) {
		if (conn_take_frame(c, req, req->frame_inline, P9_TWRITE_HDR_SIZE) < 0) {
			vu_dev_break(c, "a malformed 9P message");
			return -1;
		}
		return 1;
	}
	frame = size <= P9_REQ_INLINE ? req->frame_inline : malloc(size);
	if (!frame) {
		log_err("session %u: out of memory", c->session);
		conn_req_discard(req);
		return -1;
	}
	chain_copy_in(ch, frame, size);
	if (conn_take_frame(c, req, frame, size) < 0) {
		vu_dev_break(c, "a malformed 9P message");
		return -1;
	}
	return 1;
}

/* A kick: take every available chain, then ask for the next kick. */
void vu_queue_drain(struct conn *c)
{
	struct vu_dev *d = dev_of(c);
	struct vu_chain *ch = malloc(sizeof(*ch));

	if (!ch) {
		log_err("session %u: out of memory", c->session);
		return;
	}
	while (dev_running(d)) {
		int rc;

		conn_wait_room(c);
		rc = dev_take_one(c, ch);
		if (rc < 0)
			break;
		if (rc == 0 && !vu_ring_arm_kick(&d->q))
			break;
	}
	free(ch);
}

static void dev_notify(struct vu_dev *d)
{
	uint64_t one = 1;

	pthread_mutex_lock(&d->call_lock);
	if (d->call_fd >= 0 && write(d->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_debug("vhost-user: call eventfd: %s", strerror(errno));
	pthread_mutex_unlock(&d->call_lock);
}

/* The chain of req, walked again; NULL (after vu_dev_break()) when it is bad. */
static struct vu_chain *dev_req_chain(struct conn *c, const struct p9_req *req)
{
	struct vu_dev *d = dev_of(c);
	struct vu_chain *ch;
	const char *why = NULL;

	if (d->broken || !d->q.desc)
		return NULL;
	ch = malloc(sizeof(*ch));
	if (ch && vu_ring_chain(&d->q, &d->mem, (uint16_t)req->xport_id, ch, &why) < 0) {
		free(ch);
		vu_dev_break(c, why);
		return NULL;
	}
	return ch;
}

/* Scatter the reply into the chain's writable buffers and give it back. */
int vu_queue_send(struct conn *c, struct p9_req *req, bool may_block)
{
	struct vu_dev *d = dev_of(c);
	struct vu_chain *ch;
	size_t off = 0, len = req->rlen;

	(void)may_block; /* guest memory never blocks */
	/* A stopped queue takes no replies; the guest resets it (vu_dev_break()). */
	if (d->broken || !d->q.used)
		return 0;
	ch = dev_req_chain(c, req);
	if (!ch)
		return d->broken ? 0 : -1; /* a bad chain, or out of memory */
	if (len + req->rplaced > ch->write_len) {
		if (!d->warned_small)
			log_warn("session %u: a %zu-byte reply does not fit the guest's %llu bytes; "
				 "answered empty",
				 c->session, len + req->rplaced, (unsigned long long)ch->write_len);
		d->warned_small = true;
		len = 0;
	}
	for (unsigned int i = ch->nread; i < ch->nread + ch->nwrite && off < len; i++) {
		size_t n = ch->seg[i].len < len - off ? ch->seg[i].len : len - off;

		memcpy(ch->seg[i].p, req->rbuf + off, n);
		off += n;
	}
	free(ch);
	req->rsent = req->rlen;
	/* Rread's data is in place already, after the header (vu_queue_read_into_reply()). */
	if (len)
		len += req->rplaced;
	vu_ring_push(&d->q, (uint16_t)req->xport_id, (uint32_t)len);
	if (vu_ring_need_notify(&d->q))
		dev_notify(d);
	return 0;
}

ssize_t vu_queue_read_into_reply(struct conn *c, struct p9_req *req, int fd, off_t off,
				   size_t count, size_t skip)
{
	struct vu_chain *ch = dev_req_chain(c, req);
	struct iovec iov[VU_SEG_MAX];
	size_t room;
	ssize_t n;
	int niov;

	if (!ch)
		return -EIO;
	niov = chain_iov(ch, true, skip, count, iov, &room);
	free(ch);
	do
		n = preadv(fd, iov, niov, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/*
 * iov[] of a kept Twrite's data (dev_keep_twrite()): the chain walked again,
 * after the header.  The number of entries, or -EIO when the chain is bad
 * or no longer holds the data (the guest changed it since it was taken).
 */
static int kept_iov(struct conn *c, struct p9_req *req, struct iovec *iov)
{
	struct vu_chain *ch = dev_req_chain(c, req);
	size_t got;
	int niov;

	if (!ch)
		return -EIO;
	niov = chain_iov(ch, false, P9_TWRITE_HDR_SIZE, req->kept_len, iov, &got);
	free(ch);
	return got == req->kept_len ? niov : -EIO;
}

ssize_t vu_queue_write_kept(struct conn *c, struct p9_req *req, int fd, off_t off)
{
	struct iovec iov[VU_SEG_MAX];
	int niov = kept_iov(c, req, iov);
	ssize_t n;

	if (niov < 0)
		return niov;
	do
		n = pwritev(fd, iov, niov, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int vu_queue_copy_kept(struct conn *c, struct p9_req *req, void *dst)
{
	struct iovec iov[VU_SEG_MAX];
	int niov = kept_iov(c, req, iov);
	size_t off = 0;

	if (niov < 0)
		return niov;
	for (int i = 0; i < niov; i++) {
		memcpy((uint8_t *)dst + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

bool vu_queue_sends_at_once(const struct conn *c)
{
	(void)c;
	return true;
}

bool vu_queue_more_pending(const struct conn *c)
{
	const struct vu_dev *d = dev_of(c);

	return dev_running(d) && vu_ring_pending(&d->q);
}
