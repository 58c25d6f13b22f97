/* vu_dev.c - a virtio-9p device's vhost-user back-end (see vu_dev.h). */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/options.h"
#include "frontend/server.h"
#include "frontend/vu_dev.h"
#include "frontend/vu_mem.h"
#include "frontend/vu_ring.h"
#include "frontend/vu_wire.h"

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

static struct vu_dev *dev_of(const struct conn *c)
{
	return c->xport_data;
}

static bool has_protocol(const struct vu_dev *d, unsigned int bit)
{
	return d->protocol_features & (1ull << bit);
}

/* The queue may be served: mapped, given a kick, enabled, not broken. */
static bool dev_running(const struct vu_dev *d)
{
	return d->started && d->enabled && !d->broken && d->q.desc;
}

static void dev_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void dev_break(struct conn *c, const char *why)
{
	struct vu_dev *d = dev_of(c);

	if (!d->broken)
		log_warn("session %u: the guest's virtqueue is malformed (%s); the device "
			 "stops until the guest resets it",
			 c->session, why);
	d->broken = true;
}

/* ---- the data path ---- */

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
 * (dev_write_kept()): no copy.
 */
static bool dev_keep_twrite(struct conn *c, const struct vu_chain *ch, struct p9_req *req,
			    uint32_t size)
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
	(void)c;
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
			dev_break(c, why);
		return rc;
	}
	if (ch->read_len < sizeof(hdr) || ch->read_len > c->msize) {
		dev_break(c, "a request whose size is not a 9P message's");
		return -1;
	}
	chain_copy_in(ch, hdr, sizeof(hdr));
	if (p9_frame_size(hdr, sizeof(hdr), c->msize, &size) != P9_OK || size > ch->read_len) {
		dev_break(c, "a 9P size field that does not match its buffers");
		return -1;
	}
	req = conn_req_get(c);
	if (!req) {
		log_err("session %u: out of memory", c->session);
		return -1;
	}
	req->xport_id = ch->head;
	if (dev_keep_twrite(c, ch, req, size)) {
		if (conn_take_frame(c, req, req->frame_inline, P9_TWRITE_HDR_SIZE) < 0) {
			dev_break(c, "a malformed 9P message");
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
		dev_break(c, "a malformed 9P message");
		return -1;
	}
	return 1;
}

/* A kick: take every available chain, then ask for the next kick. */
static void dev_drain(struct conn *c)
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

/* Scatter the reply into the chain's writable buffers and give it back. */
static int dev_send(struct conn *c, struct p9_req *req, bool may_block)
{
	struct vu_dev *d = dev_of(c);
	struct vu_chain *ch;
	const char *why = NULL;
	size_t off = 0, len = req->rlen;

	(void)may_block; /* guest memory never blocks */
	/* A stopped queue takes no replies; the guest resets it (dev_break()). */
	if (d->broken || !d->q.used)
		return 0;
	ch = malloc(sizeof(*ch));
	if (!ch)
		return -1;
	if (vu_ring_chain(&d->q, &d->mem, (uint16_t)req->xport_id, ch, &why) < 0) {
		free(ch);
		dev_break(c, why);
		return 0;
	}
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
	/* Rread's data is in place already, after the header (dev_read_into_reply()). */
	if (len)
		len += req->rplaced;
	vu_ring_push(&d->q, (uint16_t)req->xport_id, (uint32_t)len);
	if (vu_ring_need_notify(&d->q))
		dev_notify(d);
	return 0;
}

/* The chain of req, walked again; NULL (after dev_break()) when it is bad. */
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
		dev_break(c, why);
		return NULL;
	}
	return ch;
}

static ssize_t dev_read_into_reply(struct conn *c, struct p9_req *req, int fd, off_t off,
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

static ssize_t dev_write_kept(struct conn *c, struct p9_req *req, int fd, off_t off)
{
	struct vu_chain *ch = dev_req_chain(c, req);
	struct iovec iov[VU_SEG_MAX];
	size_t got;
	ssize_t n;
	int niov;

	if (!ch)
		return -EIO;
	niov = chain_iov(ch, false, P9_TWRITE_HDR_SIZE, req->kept_len, iov, &got);
	free(ch);
	if (got != req->kept_len)
		return -EIO; /* the guest changed the chain since it was taken */
	do
		n = pwritev(fd, iov, niov, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int dev_copy_kept(struct conn *c, struct p9_req *req, void *dst)
{
	struct vu_chain *ch = dev_req_chain(c, req);
	struct iovec iov[VU_SEG_MAX];
	size_t got, off = 0;
	int niov;

	if (!ch)
		return -EIO;
	niov = chain_iov(ch, false, P9_TWRITE_HDR_SIZE, req->kept_len, iov, &got);
	free(ch);
	if (got != req->kept_len)
		return -EIO;
	for (int i = 0; i < niov; i++) {
		memcpy((uint8_t *)dst + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static bool dev_sends_at_once(const struct conn *c)
{
	(void)c;
	return true;
}

static bool dev_more_pending(const struct conn *c)
{
	const struct vu_dev *d = dev_of(c);

	return dev_running(d) && vu_ring_pending(&d->q);
}

/* ---- the control path: vhost-user messages ---- */

/*
 * Stop the queue and forget the guest's 9P session: every request taken
 * is answered first (their replies still go into the ring), then the fids
 * are released, as when a stream connection ends.
 */
static void dev_stop(struct conn *c)
{
	struct vu_dev *d = dev_of(c);

	d->started = false;
	conn_wait_sent(c);
	dev_close_fd(&d->kick_fd);
	conn_reset_session(c, 0);
	d->broken = false; /* the ring is the front-end's to set up anew */
}

/* RESET_OWNER, RESET_DEVICE: as new. */
static void dev_reset(struct conn *c)
{
	struct vu_dev *d = dev_of(c);

	dev_stop(c);
	pthread_mutex_lock(&d->call_lock);
	dev_close_fd(&d->call_fd);
	pthread_mutex_unlock(&d->call_lock);
	vu_mem_clear(&d->mem);
	d->q = (struct vu_ring){0};
	d->features = 0;
	d->enabled = false;
	d->warned_small = false;
}

static uint64_t dev_offered_features(void)
{
	return (1ull << VIRTIO_9P_MOUNT_TAG) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
	       (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_F_VERSION_1) |
	       (1ull << VHOST_USER_F_PROTOCOL_FEATURES);
}

static uint64_t dev_offered_protocol(void)
{
	return (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | (1ull << VHOST_USER_PROTOCOL_F_CONFIG) |
	       (1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE);
}

/*
 * Before the queue's size, place, start index, features or memory change:
 * every request taken is answered first, so that no other thread walks a
 * chain or writes the used ring meanwhile (they read all of these).  QEMU
 * sends these with the queue stopped anyway; a front-end that does not
 * waits for its own requests.
 */
static void dev_quiesce(struct conn *c)
{
	conn_wait_sent(c);
}

/* Map the queue once it has its size, addresses and the memory table. */
static void dev_map_ring(struct conn *c)
{
	struct vu_dev *d = dev_of(c);

	if (!d->q.have_addr || !d->q.num || !d->mem.n)
		return;
	/* Left unmapped, the queue does not run until a ring that fits comes. */
	if (vu_ring_map(&d->q, &d->mem) < 0)
		log_warn("session %u: the virtqueue of %u entries does not lie in guest memory; "
			 "it does not run",
			 c->session, d->q.num);
}

/* Send m (host-endian header, payload as it is to go out). */
static int vu_send_msg(int fd, struct vu_msg *m)
{
	struct iovec iov[2] = {{.iov_base = m, .iov_len = VU_HDR_SIZE},
			       {.iov_base = &m->payload, .iov_len = m->size}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	size_t len = VU_HDR_SIZE + m->size;
	ssize_t w;

	m->request = htole32(m->request);
	m->flags = htole32(m->flags);
	m->size = htole32(m->size);
	do
		w = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	/* A blocking unix socket sends all of a message this small, or fails. */
	return w == (ssize_t)len ? 0 : -1;
}

static int vu_reply(int fd, struct vu_msg *m, uint32_t size)
{
	m->flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	m->size = size;
	return vu_send_msg(fd, m);
}

static int vu_reply_u64(int fd, struct vu_msg *m, uint64_t v)
{
	m->payload.u64 = htole64(v);
	return vu_reply(fd, m, sizeof(uint64_t));
}

/* The ring index a vring message names: ours is 0; -1 otherwise. */
static int dev_check_index(struct conn *c, const struct vu_msg *m, uint32_t index)
{
	if ((index & VHOST_USER_VRING_IDX_MASK) == 0)
		return 0;
	log_warn("session %u: vhost-user %s for queue %u; a 9P device has one queue", c->session,
		 vu_request_name(m->request), index & VHOST_USER_VRING_IDX_MASK);
	return -1;
}

/*
 * An eventfd of the front-end's, made non-blocking: a reply never waits
 * for a full call "eventfd" (it might be a pipe), nor a kick for one
 * another reader drained.  QEMU's own are non-blocking already.
 */
static int dev_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* SET_VRING_KICK/CALL/ERR: the fd that came with it, or -1 (then 0x100 set). */
static int dev_take_ring_fd(struct conn *c, const struct vu_msg *m, int *fds, unsigned int nfds,
			    int *fd)
{
	uint64_t v = le64toh(m->payload.u64);

	*fd = -1;
	if (dev_check_index(c, m, (uint32_t)(v & VHOST_USER_VRING_IDX_MASK)) < 0)
		return -1;
	if (v & VHOST_USER_VRING_NOFD_MASK)
		return 0;
	if (nfds != 1) {
		log_warn("session %u: vhost-user %s without its file descriptor", c->session,
			 vu_request_name(m->request));
		return -1;
	}
	if (dev_nonblock(fds[0]) < 0) {
		log_warn("session %u: vhost-user %s: the descriptor cannot be made non-blocking: "
			 "%s",
			 c->session, vu_request_name(m->request), strerror(errno));
		return -1;
	}
	*fd = fds[0];
	fds[0] = -1;
	return 0;
}

static int dev_get_config(struct conn *c, struct vu_msg *m)
{
	const char *tag = c->srv->opt->tag;
	uint8_t cfg[VU_CONFIG_MAX] = {0};
	uint32_t off = le32toh(m->payload.config.offset), size = le32toh(m->payload.config.size);
	uint16_t tag_len = (uint16_t)strlen(tag);

	if (m->size < VU_CONFIG_HDR_SIZE || size > VU_CONFIG_MAX || off > VU_CONFIG_MAX - size ||
	    m->size < VU_CONFIG_HDR_SIZE + size) {
		log_warn("session %u: vhost-user GET_CONFIG of %u bytes at %u refused", c->session,
			 size, off);
		return -1;
	}
	/* struct virtio_9p_config: le16 tag_len, then the tag, not NUL-terminated. */
	cfg[0] = (uint8_t)(tag_len & 0xff);
	cfg[1] = (uint8_t)(tag_len >> 8);
	memcpy(cfg + 2, tag, tag_len);
	memcpy(m->payload.config.region, cfg + off, size);
	return vu_reply(c->fd, m, VU_CONFIG_HDR_SIZE + size);
}

/*
 * One message (its fds in fds[0..nfds), which it takes or leaves at -1).
 * Returns 1 when it sent its own reply, 0 when done (an ack may follow),
 * -1 to end the connection.
 */
static int dev_handle(struct conn *c, struct vu_msg *m, int *fds, unsigned int nfds)
{
	struct vu_dev *d = dev_of(c);
	int fd;

	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		return vu_reply_u64(c->fd, m, dev_offered_features()) < 0 ? -1 : 1;
	case VHOST_USER_SET_FEATURES: {
		uint64_t f = le64toh(m->payload.u64);

		dev_quiesce(c);
		if (f & ~dev_offered_features()) {
			log_warn("session %u: vhost-user front-end set features %#llx we never "
				 "offered",
				 c->session, (unsigned long long)(f & ~dev_offered_features()));
			return -1;
		}
		d->features = f;
		d->q.event_idx = f & (1ull << VIRTIO_RING_F_EVENT_IDX);
		d->q.indirect = f & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
		/* Without protocol features a ring runs as soon as it is kicked. */
		if (!(f & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
			d->enabled = true;
		return 0;
	}
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return vu_reply_u64(c->fd, m, dev_offered_protocol()) < 0 ? -1 : 1;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		d->protocol_features = le64toh(m->payload.u64) & dev_offered_protocol();
		return 0;
	case VHOST_USER_GET_QUEUE_NUM:
		return vu_reply_u64(c->fd, m, 1) < 0 ? -1 : 1;
	case VHOST_USER_SET_OWNER:
		return 0;
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
		dev_reset(c);
		return 0;
	case VHOST_USER_SET_MEM_TABLE: {
		uint32_t n = le32toh(m->payload.mem.nregions);
		int rc;

		if (n == 0 || n > VU_MEM_MAX_REGIONS || n != nfds ||
		    m->size < VU_MEM_HDR_SIZE + n * sizeof(struct vu_mem_region_wire)) {
			log_warn("session %u: vhost-user SET_MEM_TABLE with %u regions and %u "
				 "descriptors refused",
				 c->session, n, nfds);
			return -1;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct vu_mem_region_wire *w = &m->payload.mem.regions[i];

			w->guest_phys_addr = le64toh(w->guest_phys_addr);
			w->memory_size = le64toh(w->memory_size);
			w->userspace_addr = le64toh(w->userspace_addr);
			w->mmap_offset = le64toh(w->mmap_offset);
		}
		/* Replies in flight write into the old mapping: let them finish. */
		dev_quiesce(c);
		rc = vu_mem_set(&d->mem, m->payload.mem.regions, fds, n);
		for (uint32_t i = 0; i < n; i++)
			fds[i] = -1;
		if (rc < 0)
			return -1;
		d->q.desc = NULL;
		d->q.avail = NULL;
		d->q.used = NULL;
		dev_map_ring(c);
		return 0;
	}
	case VHOST_USER_SET_VRING_NUM: {
		uint32_t num = le32toh(m->payload.state.num);

		if (dev_check_index(c, m, le32toh(m->payload.state.index)) < 0)
			return -1;
		if (num == 0 || num > VU_RING_MAX || (num & (num - 1))) {
			log_warn("session %u: vhost-user queue size %u refused (a power of 2 up "
				 "to %u)",
				 c->session, num, VU_RING_MAX);
			return -1;
		}
		dev_quiesce(c);
		d->q.num = num;
		/* The mapping was checked for the old size: the next SET_VRING_ADDR
		 * maps it again (QEMU always sends one after the size). */
		d->q.desc = NULL;
		d->q.avail = NULL;
		d->q.used = NULL;
		return 0;
	}
	case VHOST_USER_SET_VRING_ADDR:
		if (dev_check_index(c, m, le32toh(m->payload.addr.index)) < 0)
			return -1;
		dev_quiesce(c);
		d->q.desc_uva = le64toh(m->payload.addr.desc_user_addr);
		d->q.used_uva = le64toh(m->payload.addr.used_user_addr);
		d->q.avail_uva = le64toh(m->payload.addr.avail_user_addr);
		d->q.have_addr = true;
		dev_map_ring(c);
		return 0;
	case VHOST_USER_SET_VRING_BASE:
		if (dev_check_index(c, m, le32toh(m->payload.state.index)) < 0)
			return -1;
		dev_quiesce(c);
		d->q.last_avail = (uint16_t)le32toh(m->payload.state.num);
		return 0;
	case VHOST_USER_GET_VRING_BASE:
		if (dev_check_index(c, m, le32toh(m->payload.state.index)) < 0)
			return -1;
		dev_stop(c);
		m->payload.state.num = htole32(d->q.last_avail);
		return vu_reply(c->fd, m, sizeof(m->payload.state)) < 0 ? -1 : 1;
	case VHOST_USER_SET_VRING_KICK:
		if (dev_take_ring_fd(c, m, fds, nfds, &fd) < 0)
			return -1;
		if (fd < 0) {
			log_warn("session %u: vhost-user queue without a kick descriptor "
				 "(polling) is not supported",
				 c->session);
			return -1;
		}
		dev_close_fd(&d->kick_fd);
		d->kick_fd = fd;
		d->started = true;
		return 0;
	case VHOST_USER_SET_VRING_CALL:
		if (dev_take_ring_fd(c, m, fds, nfds, &fd) < 0)
			return -1;
		pthread_mutex_lock(&d->call_lock);
		dev_close_fd(&d->call_fd);
		d->call_fd = fd;
		pthread_mutex_unlock(&d->call_lock);
		return 0;
	case VHOST_USER_SET_VRING_ERR:
		if (dev_take_ring_fd(c, m, fds, nfds, &fd) < 0)
			return -1;
		if (fd >= 0)
			close(fd); /* we report errors in our log, not to the front-end */
		return 0;
	case VHOST_USER_SET_VRING_ENABLE:
		if (dev_check_index(c, m, le32toh(m->payload.state.index)) < 0)
			return -1;
		d->enabled = le32toh(m->payload.state.num) != 0;
		return 0;
	case VHOST_USER_GET_CONFIG:
		return dev_get_config(c, m) < 0 ? -1 : 1;
	default:
		log_warn("session %u: vhost-user request %s (%u) is not supported; closing the "
			 "connection",
			 c->session, vu_request_name(m->request), m->request);
		return -1;
	}
}

/* Read one message and its fds.  1, 0 at EOF, -1 on an error. */
static int dev_recv_msg(struct conn *c, struct vu_msg *m, int *fds, unsigned int *nfds)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = m, .iov_len = VU_HDR_SIZE};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t r;

	*nfds = 0;
	do
		r = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*nfds < VU_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if (r == 0)
		return 0;
	if (r != (ssize_t)VU_HDR_SIZE || (mh.msg_flags & MSG_CTRUNC)) {
		log_warn("session %u: vhost-user: %s", c->session,
			 r < 0 ? strerror(errno) : "a truncated message");
		return -1;
	}
	m->request = le32toh(m->request);
	m->flags = le32toh(m->flags);
	m->size = le32toh(m->size);
	if ((m->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    m->size > sizeof(m->payload)) {
		log_warn("session %u: vhost-user %s (%u) with header version %u and %u payload "
			 "bytes (at most %zu) refused",
			 c->session, vu_request_name(m->request), m->request,
			 m->flags & VHOST_USER_VERSION_MASK, m->size, sizeof(m->payload));
		return -1;
	}
	if (m->size == 0)
		return 1;
	do
		r = recv(c->fd, &m->payload, m->size, MSG_WAITALL);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)m->size) {
		log_warn("session %u: vhost-user: a message cut short", c->session);
		return -1;
	}
	return 1;
}

/* One message from the socket: handled, and acknowledged when asked. */
static int dev_control(struct conn *c)
{
	struct vu_dev *d = dev_of(c);
	struct vu_msg *m = malloc(sizeof(*m));
	int fds[VU_MAX_FDS], rc;
	unsigned int nfds = 0;

	if (!m)
		return -1;
	rc = dev_recv_msg(c, m, fds, &nfds);
	if (rc > 0) {
		bool ack = (m->flags & VHOST_USER_NEED_REPLY_MASK) &&
			   has_protocol(d, VHOST_USER_PROTOCOL_F_REPLY_ACK);

		log_debug("session %u: vhost-user %s", c->session, vu_request_name(m->request));
		rc = dev_handle(c, m, fds, nfds);
		/* REPLY_ACK: 0 for success; a failure ends the connection anyway. */
		if (rc == 0 && ack && vu_reply_u64(c->fd, m, 0) < 0)
			rc = -1;
		else if (rc < 0 && ack)
			vu_reply_u64(c->fd, m, 1);
		rc = rc < 0 ? -1 : 1;
	}
	for (unsigned int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(m);
	return rc;
}

/* The connection's thread: the socket's messages and the queue's kicks. */
static void dev_serve(struct conn *c)
{
	struct vu_dev *d = dev_of(c);

	for (;;) {
		struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN},
					{.fd = dev_running(d) ? d->kick_fd : -1, .events = POLLIN}};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("session %u: poll: %s", c->session, strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			uint64_t n;
			ssize_t r = read(d->kick_fd, &n, sizeof(n));

			/* Not an eventfd after all (its end, or an error): no kicks
			 * will come, and polling it again would spin. */
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				log_warn("session %u: the queue's kick descriptor %s; the device "
					 "stops until the guest resets it",
					 c->session, r == 0 ? "reached its end" : strerror(errno));
				d->broken = true;
			}
			dev_drain(c);
		}
		if (pfd[0].revents && dev_control(c) <= 0)
			break;
	}
	/* The front-end is gone: answer what was taken before the memory goes. */
	dev_stop(c);
}

static int dev_open(struct conn *c)
{
	struct vu_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->kick_fd = d->call_fd = -1;
	pthread_mutex_init(&d->call_lock, NULL);
	c->xport_data = d;
	return 0;
}

static void dev_free(struct conn *c)
{
	struct vu_dev *d = dev_of(c);

	if (!d)
		return;
	dev_close_fd(&d->kick_fd);
	dev_close_fd(&d->call_fd);
	vu_mem_clear(&d->mem);
	pthread_mutex_destroy(&d->call_lock);
	free(d);
	c->xport_data = NULL;
}

const struct conn_transport vu_dev_transport = {
	.name = "vhost-user",
	.open = dev_open,
	.serve = dev_serve,
	.send = dev_send,
	.sends_at_once = dev_sends_at_once,
	.more_pending = dev_more_pending,
	.close = dev_free,
	.read_into_reply = dev_read_into_reply,
	.write_kept = dev_write_kept,
	.copy_kept = dev_copy_kept,
};
