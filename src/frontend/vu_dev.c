/* vu_dev.c - a virtio-9p device's vhost-user back-end: the vhost-user
 * messages, the device's life, its transport (see vu_dev.h; the queue's
 * side is vu_queue.c). */
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
#include "frontend/vu_dev.h"
#include "frontend/vu_dev_int.h"
#include "frontend/vu_mem.h"
#include "frontend/vu_ring.h"
#include "frontend/vu_wire.h"

static bool has_protocol(const struct vu_dev *d, unsigned int bit)
{
	return d->protocol_features & (1ull << bit);
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
	const char *tag = c->host->opt->tag;
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

	/*
	 * No polling for the helper's replies unless --busy-poll says so:
	 * the guest's vCPU and QEMU's threads want the host's CPUs while a
	 * request is under way, and a spinning frontend takes one (measured
	 * in the guest, bench/RESULTS.md: stat and untar 8-12 % faster
	 * without it, 10-15 % slower with 200 us, against the 32 us default).
	 */
	helper_thread_busy_poll(c->host->opt->busy_poll_set ? c->host->opt->busy_poll : 0);
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
			vu_queue_drain(c);
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
	.send = vu_queue_send,
	.sends_at_once = vu_queue_sends_at_once,
	.more_pending = vu_queue_more_pending,
	.close = dev_free,
	.read_into_reply = vu_queue_read_into_reply,
	.write_kept = vu_queue_write_kept,
	.copy_kept = vu_queue_copy_kept,
};
