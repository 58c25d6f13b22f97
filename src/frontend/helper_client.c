/*
 * helper_client.c - the transport to p9guard-helper: sending requests and
 * receiving replies (the calls themselves, one per operation, are made
 * from hp_ops.def in helper_calls.c on helper_exchange()).
 *
 * No thread of its own carries replies: callers take turns receiving
 * (leader/follower).  A caller whose reply has not come, while nobody is
 * receiving, becomes the receiver; each packet it gets is its own reply
 * (it returns without any hand-off, the common case with one request in
 * flight) or another caller's, copied into that caller's buffer before it
 * is woken.  Leaving, the receiver wakes a waiting caller to take over.
 *
 * An asynchronous call (struct helper_async) does not wait: its
 * completion runs in whichever thread receives the reply.  While such
 * calls are unanswered and no caller is receiving, the pump thread
 * receives; so a busy worker never sleeps on a helper reply.
 * A watcher thread only poll()s for the helper's death, so that it is
 * noticed when no call is running.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/busypoll.h"
#include "common/fdlimit.h"
#include "common/log.h"
#include "frontend/helper_client.h"
#include "p9_wire.h"

#define HELPER_EXIT_SECONDS 5
/* Enough for a RELEASE request, encoded on the stack. */
#define HP_SMALL_REQ 64
#define HP_DUP_BUCKETS 64

/* A handle several fids share (helper_handle_dup()): its extra references. */
struct hp_dup {
	uint32_t handle;
	uint32_t extra;
	struct hp_dup *next;
};

/* One caller waiting for its reply. */
struct hp_waiter {
	uint32_t reqid;
	bool done;
	int err;      /* -EIO when the helper died */
	uint8_t *buf; /* the caller's thread buffer: the reply lands here */
	size_t len;
	int fd; /* a descriptor that came with the reply, or -1 */
	bool fd_lost; /* the reply carried one we had no room for (MSG_CTRUNC) */
	pthread_cond_t cond;
	struct hp_waiter *next;
	/* An asynchronous call: from h->spare; its completion, run by whoever
	 * receives the reply (or by the pump when the helper died), which
	 * then gives the waiter back to h->spare. */
	helper_async_fn fn;
	void *arg;
	uint16_t op;
};

struct helper {
	int sock;
	unsigned int busy_poll_us; /* --busy-poll */
	int death_efd;
	pthread_t watcher;
	pthread_mutex_t lock;
	atomic_uint next_reqid;
	atomic_uint calls; /* helper_call()s under way */
	bool dead;
	bool receiving;		   /* a caller is in recvmsg() for everyone */
	pthread_cond_t dead_cond;  /* dead became true */
	struct hp_waiter *waiters; /* requests sent and not yet answered */
	unsigned int async_waiting; /* asynchronous calls in waiters */
	struct hp_waiter *orphans;  /* asynchronous calls the helper's death ended */
	struct hp_waiter *spare;    /* waiters of finished asynchronous calls, for reuse */
	pthread_cond_t pump_cond;   /* the pump may have something to do */
	pthread_t pump;
	uint8_t *pump_buf; /* HP_MAX_MSG: the pump receives into it */
	pthread_mutex_t dup_lock;
	struct hp_dup *dups[HP_DUP_BUCKETS];
};

/* One request/reply exchange; rep's strings point into buf until the
 * calling thread's next call. */
struct hp_call {
	struct hp_req req;
	struct hp_rep rep;
	uint8_t *buf;
	int fd;
	bool fd_lost; /* see hp_waiter */
};

static void hp_call_done(struct hp_call *c)
{
	c->buf = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * The calling thread's message buffer (HP_MAX_MSG): a request is encoded
 * in it, and its reply received into it.  Freed when the thread ends.
 */
static pthread_key_t msgbuf_key;
static pthread_once_t msgbuf_once = PTHREAD_ONCE_INIT;
static bool msgbuf_key_ok;

static void msgbuf_key_init(void)
{
	msgbuf_key_ok = pthread_key_create(&msgbuf_key, free) == 0;
}

static uint8_t *thread_msgbuf(void)
{
	uint8_t *buf;

	pthread_once(&msgbuf_once, msgbuf_key_init);
	if (!msgbuf_key_ok)
		return NULL;
	buf = pthread_getspecific(msgbuf_key);
	if (buf)
		return buf;
	buf = malloc(HP_MAX_MSG);
	if (buf && pthread_setspecific(msgbuf_key, buf) != 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

static void helper_mark_dead_locked(struct helper *h)
{
	uint64_t one = 1;

	if (h->dead)
		return;
	h->dead = true;
	while (h->waiters) {
		struct hp_waiter *w = h->waiters;

		h->waiters = w->next;
		if (w->fn) {
			w->next = h->orphans; /* the pump completes them */
			h->orphans = w;
			continue;
		}
		w->done = true;
		w->err = -EIO;
		pthread_cond_signal(&w->cond);
	}
	h->async_waiting = 0;
	pthread_cond_broadcast(&h->dead_cond);
	pthread_cond_broadcast(&h->pump_cond);
	if (write(h->death_efd, &one, sizeof(one)) < 0)
		log_err("cannot signal the helper's death: %s", strerror(errno));
}

static void helper_mark_dead(struct helper *h)
{
	pthread_mutex_lock(&h->lock);
	helper_mark_dead_locked(h);
	pthread_mutex_unlock(&h->lock);
}

/* Keep the first descriptor of a reply, close every other one. */
static int take_fds(struct msghdr *mh)
{
	int keep = -1;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &fds[i], sizeof(fd));
			if (keep < 0)
				keep = fd;
			else
				close(fd);
		}
	}
	return keep;
}

/*
 * Receive one packet into buf (HP_MAX_MSG).  Its length (> 0), 0 when the
 * helper is gone, -1 for a malformed packet (dropped).  *fd: a descriptor
 * that came with it, or -1.
 */
/* Each calling thread adapts its own window (common/busypoll.h). */
static __thread struct busypoll bp;
static __thread bool bp_set;

void helper_thread_busy_poll(unsigned int us)
{
	busypoll_init(&bp, us);
	bp_set = true;
}

static ssize_t helper_recv(struct helper *h, uint8_t *buf, int *fd, bool *fd_lost)
{
	int64_t start = 0;
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = HP_MAX_MSG};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t n;

	*fd = -1;
	if (!bp_set) {
		busypoll_init(&bp, h->busy_poll_us);
		bp_set = true;
	}
	n = -1;
	errno = EAGAIN;
	if (bp.max_ns) {
		start = busypoll_now();
		if (bp.ns && busypoll_begin(1)) {
			int64_t end = busypoll_deadline(&bp, start);

			do
				n = recvmsg(h->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
			while (n < 0 && (errno == EAGAIN || errno == EINTR) && busypoll_now() < end);
			busypoll_end();
		}
	}
	if (n < 0 && (!start || errno == EAGAIN || errno == EINTR))
		do
			n = recvmsg(h->sock, &mh, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
	if (start && n > 0)
		busypoll_adapt(&bp, start);
	if (n <= 0) {
		if (n < 0)
			log_err("helper socket: %s", strerror(errno));
		else
			log_debug("helper socket closed");
		return 0;
	}
	*fd = take_fds(&mh);
	/* The kernel drops a passed descriptor that would exceed our
	 * RLIMIT_NOFILE and sets MSG_CTRUNC; the helper sends at most one, so
	 * that is the cause. */
	*fd_lost = *fd < 0 && (mh.msg_flags & MSG_CTRUNC) != 0;
	if ((size_t)n < HP_REP_HDR_SIZE || (mh.msg_flags & MSG_TRUNC)) {
		log_err("helper sent a malformed reply (%zd bytes)", n);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -1;
	}
	return n;
}

/*
 * Give the packet in buf to the caller waiting for it (h->lock held).  An
 * asynchronous call's waiter is returned instead, for the receiver to
 * complete once it has dropped the lock (helper_complete_async()).
 */
static struct hp_waiter *helper_deliver_locked(struct helper *h, const uint8_t *buf, size_t n,
					       int fd, bool fd_lost)
{
	uint32_t reqid = wire_load32(buf + 2);
	struct hp_waiter *w, **pp;

	for (pp = &h->waiters; (w = *pp) != NULL; pp = &w->next)
		if (w->reqid == reqid)
			break;
	if (!w) {
		log_err("helper replied to unknown request %u", reqid);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*pp = w->next;
	w->len = n;
	w->fd = fd;
	w->fd_lost = fd_lost;
	if (w->fn) {
		h->async_waiting--;
		return w;
	}
	if (w->buf != buf)
		memcpy(w->buf, buf, n);
	w->done = true;
	pthread_cond_signal(&w->cond);
	return NULL;
}

static bool op_passes_fd(uint16_t op)
{
	return hp_op_flags(op) & HP_F_FD;
}

/*
 * Why an OPEN/LCREATE reply came without its descriptor: -EMFILE if we
 * had no room for it (MSG_CTRUNC), else -EIO (the helper sent none).
 */
static int reply_fd_missing(uint16_t op, bool fd_lost)
{
	if (fd_lost) {
		static struct fdlimit_ratelimit rl = FDLIMIT_RATELIMIT_INIT;
		char what[64];

		snprintf(what, sizeof(what), "%s refused", hp_op_name(op));
		fdlimit_warn(&rl, what, EMFILE);
		return -EMFILE;
	}
	log_err("helper answered %s without a descriptor", hp_op_name(op));
	return -EIO;
}

/* An asynchronous call's waiter (h->lock held): a spare one, or new. */
static struct hp_waiter *waiter_get_locked(struct helper *h)
{
	struct hp_waiter *w = h->spare;

	if (!w)
		return calloc(1, sizeof(*w));
	h->spare = w->next;
	memset(w, 0, sizeof(*w));
	return w;
}

static void waiter_put_locked(struct helper *h, struct hp_waiter *w)
{
	w->next = h->spare;
	h->spare = w;
}

/*
 * Run an asynchronous call's completion with its reply in buf (NULL: the
 * helper died).  h->lock not held; the caller gives w back to h->spare
 * (waiter_put_locked()) once it holds it again.
 */
static void drop_new_handle(struct helper *h, const struct hp_rep *rep);

static void helper_complete_async(struct helper *h, struct hp_waiter *w, const uint8_t *buf)
{
	struct hp_rep rep;
	int fd = w->fd;
	int rc = -EIO;

	if (buf) {
		rc = hp_decode_rep(buf, w->len, &rep);
		if (rc != HP_OK || rep.op != w->op || rep.reqid != w->reqid) {
			log_err("helper sent a bad reply to %s: %s", hp_op_name(w->op),
				rc != HP_OK ? hp_strerror(rc) : "wrong operation or id");
			rc = -EIO;
		} else if (rep.error) {
			rc = rep.error <= 4095 ? -(int)rep.error : -EIO;
		}
	}
	if (rc == 0 && op_passes_fd(w->op) && fd < 0) {
		rc = reply_fd_missing(w->op, w->fd_lost);
		drop_new_handle(h, &rep);
	}
	if (fd >= 0 && (rc < 0 || !op_passes_fd(w->op))) {
		close(fd);
		fd = -1;
	}
	w->fn(w->arg, rc, rc < 0 ? NULL : &rep, fd);
	atomic_fetch_sub_explicit(&h->calls, 1, memory_order_relaxed);
}

/*
 * As the receiver (h->lock held; dropped while in recvmsg()), receive one
 * packet into buf and deliver it.  An asynchronous call's waiter is
 * returned, for the caller to complete with the packet still in buf.
 */
static struct hp_waiter *helper_receive_locked(struct helper *h, uint8_t *buf)
{
	bool fd_lost = false;
	ssize_t n;
	int fd;

	h->receiving = true;
	pthread_mutex_unlock(&h->lock);
	n = helper_recv(h, buf, &fd, &fd_lost);
	pthread_mutex_lock(&h->lock);
	h->receiving = false;
	if (n == 0)
		helper_mark_dead_locked(h);
	return n > 0 ? helper_deliver_locked(h, buf, (size_t)n, fd, fd_lost) : NULL;
}

/* Take w out of the waiters if it is still there; whether it was. */
static bool helper_unlist_locked(struct helper *h, struct hp_waiter *w)
{
	for (struct hp_waiter **pp = &h->waiters; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return true;
		}
	return false;
}

/* Nobody receives: wake a synchronous caller to, else the pump if needed. */
static void helper_handover_locked(struct helper *h)
{
	if (h->receiving)
		return;
	for (struct hp_waiter *w = h->waiters; w; w = w->next)
		if (!w->fn) {
			pthread_cond_signal(&w->cond);
			return;
		}
	if (h->async_waiting)
		pthread_cond_signal(&h->pump_cond);
}

/*
 * Wait for w's reply, receiving for everyone while nobody else does
 * (h->lock held; dropped around recvmsg()).
 */
static void helper_wait_locked(struct helper *h, struct hp_waiter *w)
{
	while (!w->done) {
		struct hp_waiter *aw;

		if (h->receiving) {
			pthread_cond_wait(&w->cond, &h->lock);
			continue;
		}
		aw = helper_receive_locked(h, w->buf);
		if (aw) {
			/* Still the receiver: nobody may deliver into w->buf
			 * while the completion reads it. */
			h->receiving = true;
			pthread_mutex_unlock(&h->lock);
			helper_complete_async(h, aw, w->buf);
			pthread_mutex_lock(&h->lock);
			waiter_put_locked(h, aw);
			h->receiving = false;
		}
	}
	/* Whoever still waits needs a receiver. */
	helper_handover_locked(h);
}

/*
 * The pump: receives while asynchronous calls wait and no caller receives,
 * and completes those the helper's death ended.
 */
static void *helper_pump(void *arg)
{
	struct helper *h = arg;
	uint8_t *buf = h->pump_buf;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		struct hp_waiter *w;

		if (h->orphans) {
			w = h->orphans;
			h->orphans = w->next;
			pthread_mutex_unlock(&h->lock);
			helper_complete_async(h, w, NULL);
			pthread_mutex_lock(&h->lock);
			waiter_put_locked(h, w);
			continue;
		}
		if (h->dead)
			break;
		if (h->receiving || !h->async_waiting) {
			pthread_cond_wait(&h->pump_cond, &h->lock);
			continue;
		}
		w = helper_receive_locked(h, buf);
		/* The packet is in our own buffer: others may receive now. */
		if (!h->async_waiting)
			helper_handover_locked(h);
		if (w) {
			pthread_mutex_unlock(&h->lock);
			helper_complete_async(h, w, buf);
			pthread_mutex_lock(&h->lock);
			waiter_put_locked(h, w);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Only notices the helper's end (POLLHUP) when no call is receiving. */
static void *helper_watch(void *arg)
{
	struct helper *h = arg;

	for (;;) {
		struct pollfd pfd = {.fd = h->sock, .events = 0};
		int rc = poll(&pfd, 1, -1);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			log_err("helper socket: poll: %s", strerror(errno));
		else
			log_debug("helper socket hung up");
		break;
	}
	helper_mark_dead(h);
	return NULL;
}

int helper_start(struct helper **out, int sock, int death_efd, unsigned int busy_poll_us)
{
	struct helper *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->sock = sock;
	h->death_efd = death_efd;
	h->busy_poll_us = busy_poll_us;
	atomic_init(&h->next_reqid, 1);
	atomic_init(&h->calls, 0);
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->dup_lock, NULL);
	pthread_cond_init(&h->dead_cond, NULL);
	pthread_cond_init(&h->pump_cond, NULL);
	h->pump_buf = malloc(HP_MAX_MSG);
	err = h->pump_buf ? pthread_create(&h->pump, NULL, helper_pump, h) : ENOMEM;
	if (err == 0) {
		err = pthread_create(&h->watcher, NULL, helper_watch, h);
		if (err) {
			pthread_mutex_lock(&h->lock);
			h->dead = true; /* ends the pump */
			pthread_cond_broadcast(&h->pump_cond);
			pthread_mutex_unlock(&h->lock);
			pthread_join(h->pump, NULL);
		}
	}
	if (err) {
		free(h->pump_buf);
		pthread_cond_destroy(&h->pump_cond);
		pthread_cond_destroy(&h->dead_cond);
		pthread_mutex_destroy(&h->dup_lock);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -err;
	}
	*out = h;
	return 0;
}

void helper_stop(struct helper *h)
{
	struct timespec deadline;

	/* The helper sees EOF and exits; its end closing tells us it did.
	 * (A sandboxed frontend cannot waitpid() for it.) */
	shutdown(h->sock, SHUT_WR);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HELPER_EXIT_SECONDS;
	pthread_mutex_lock(&h->lock);
	while (!h->dead)
		if (pthread_cond_timedwait(&h->dead_cond, &h->lock, &deadline) == ETIMEDOUT) {
			log_warn("the helper did not exit within %d seconds", HELPER_EXIT_SECONDS);
			break;
		}
	pthread_mutex_unlock(&h->lock);
	shutdown(h->sock, SHUT_RDWR);
	pthread_join(h->watcher, NULL);
	pthread_join(h->pump, NULL);
	free(h->pump_buf);
	pthread_cond_destroy(&h->pump_cond);
	pthread_cond_destroy(&h->dead_cond);
	close(h->sock);
	while (h->spare) {
		struct hp_waiter *w = h->spare;

		h->spare = w->next;
		free(w);
	}
	for (unsigned int i = 0; i < HP_DUP_BUCKETS; i++)
		while (h->dups[i]) {
			struct hp_dup *d = h->dups[i];

			h->dups[i] = d->next;
			free(d);
		}
	pthread_mutex_destroy(&h->dup_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

bool helper_is_dead(struct helper *h)
{
	bool dead;

	pthread_mutex_lock(&h->lock);
	dead = h->dead;
	pthread_mutex_unlock(&h->lock);
	return dead;
}

/* A request id, never 0. */
static uint32_t helper_new_reqid(struct helper *h)
{
	uint32_t id;

	do
		id = atomic_fetch_add_explicit(&h->next_reqid, 1, memory_order_relaxed);
	while (id == 0);
	return id;
}

/* Encode req into buf (cap bytes) and send it.  0 or -errno. */
static int helper_send(struct helper *h, const struct hp_req *req, uint8_t *buf, size_t cap)
{
	size_t len;
	ssize_t n;
	int rc;

	rc = hp_encode_req(buf, cap, req, &len);
	if (rc != HP_OK) {
		log_err("cannot encode helper request %s: %s", hp_op_name(req->op),
			hp_strerror(rc));
		return -EINVAL;
	}
	do
		n = send(h->sock, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		log_err("cannot send to the helper: %s", n < 0 ? strerror(errno) : "short send");
		return -EIO;
	}
	return 0;
}

/*
 * Send c->req and wait for its reply into c->rep.  Returns 0, the helper's
 * error as -errno, or -EIO.  On 0 the caller must hp_call_done(c).
 */
static int helper_call(struct helper *h, struct hp_call *c)
{
	struct hp_waiter w = {.fd = -1};
	int rc;

	c->buf = NULL;
	c->fd = -1;
	c->fd_lost = false;
	w.buf = thread_msgbuf();
	if (!w.buf)
		return -ENOMEM;
	pthread_cond_init(&w.cond, NULL);
	atomic_fetch_add_explicit(&h->calls, 1, memory_order_relaxed);
	w.reqid = c->req.reqid = helper_new_reqid(h);
	pthread_mutex_lock(&h->lock);
	if (h->dead) {
		pthread_mutex_unlock(&h->lock);
		rc = -EIO;
		goto out_cond;
	}
	w.next = h->waiters;
	h->waiters = &w;
	pthread_mutex_unlock(&h->lock);

	/* The reply cannot land in w.buf before the request has left it. */
	rc = helper_send(h, &c->req, w.buf, HP_MAX_MSG);
	pthread_mutex_lock(&h->lock);
	if (rc < 0 && !w.done) {
		/* Never sent: take the waiter back out of the list. */
		helper_unlist_locked(h, &w);
		w.done = true;
		w.err = rc;
	}
	helper_wait_locked(h, &w);
	pthread_mutex_unlock(&h->lock);
	c->buf = w.buf;
	c->fd = w.fd;
	c->fd_lost = w.fd_lost;
	if (w.err) {
		rc = w.err;
		goto out_release;
	}
	rc = hp_decode_rep(c->buf, w.len, &c->rep);
	if (rc != HP_OK || c->rep.op != c->req.op || c->rep.reqid != c->req.reqid) {
		log_err("helper sent a bad reply to %s: %s", hp_op_name(c->req.op),
			rc != HP_OK ? hp_strerror(rc) : "wrong operation or id");
		rc = -EIO;
		goto out_release;
	}
	if (c->rep.error) {
		rc = c->rep.error <= 4095 ? -(int)c->rep.error : -EIO;
		goto out_release;
	}
	goto out_cond;

out_release:
	hp_call_done(c);
out_cond:
	atomic_fetch_sub_explicit(&h->calls, 1, memory_order_relaxed);
	pthread_cond_destroy(&w.cond);
	return rc;
}

/*
 * Send req without waiting; async->fn runs once its reply is in
 * (helper_client.h).  0, or -errno when it was not sent (fn never runs).
 */
static int helper_call_async(struct helper *h, struct hp_req *req, const struct helper_async *async)
{
	uint8_t *buf = thread_msgbuf();
	struct hp_waiter *w;
	int rc;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&h->lock);
	w = waiter_get_locked(h);
	if (!w) {
		pthread_mutex_unlock(&h->lock);
		return -ENOMEM;
	}
	w->fd = -1;
	w->fn = async->fn;
	w->arg = async->arg;
	w->op = req->op;
	w->reqid = req->reqid = helper_new_reqid(h);
	atomic_fetch_add_explicit(&h->calls, 1, memory_order_relaxed);
	if (h->dead) {
		rc = -EIO;
		goto out_free;
	}
	w->next = h->waiters;
	h->waiters = w;
	h->async_waiting++;
	helper_handover_locked(h);
	pthread_mutex_unlock(&h->lock);

	rc = helper_send(h, req, buf, HP_MAX_MSG);
	if (rc == 0)
		return 0;
	pthread_mutex_lock(&h->lock);
	if (helper_unlist_locked(h, w)) {
		h->async_waiting--;
		goto out_free;
	}
	/* The helper died meanwhile: the pump completes it with -EIO. */
	pthread_mutex_unlock(&h->lock);
	return 0;

out_free:
	waiter_put_locked(h, w);
	pthread_mutex_unlock(&h->lock);
	atomic_fetch_sub_explicit(&h->calls, 1, memory_order_relaxed);
	return rc;
}

unsigned int helper_calls_under_way(struct helper *h)
{
	return atomic_load_explicit(&h->calls, memory_order_relaxed);
}

static _Thread_local uint32_t helper_cur_session;

void helper_set_session(uint32_t session)
{
	helper_cur_session = session;
}

int helper_handle_dup(struct helper *h, uint32_t handle)
{
	struct hp_dup **pp = &h->dups[handle % HP_DUP_BUCKETS], *d;

	pthread_mutex_lock(&h->dup_lock);
	for (d = *pp; d && d->handle != handle; d = d->next)
		;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			pthread_mutex_unlock(&h->dup_lock);
			return -ENOMEM;
		}
		d->handle = handle;
		d->next = *pp;
		*pp = d;
	}
	d->extra++;
	pthread_mutex_unlock(&h->dup_lock);
	return 0;
}

bool helper_handle_undup(struct helper *h, uint32_t handle)
{
	struct hp_dup **pp = &h->dups[handle % HP_DUP_BUCKETS], *d;

	pthread_mutex_lock(&h->dup_lock);
	while ((d = *pp) != NULL && d->handle != handle)
		pp = &d->next;
	if (d && --d->extra == 0) {
		*pp = d->next;
		free(d);
	}
	pthread_mutex_unlock(&h->dup_lock);
	return d != NULL;
}

/* A request that is never answered (RELEASE): sent from the stack, since
 * the caller may still hold a reply in its thread buffer. */
static int helper_send_noreply(struct helper *h, struct hp_req *req)
{
	uint8_t buf[HP_SMALL_REQ];

	if (helper_is_dead(h))
		return -EIO;
	req->reqid = helper_new_reqid(h);
	return helper_send(h, req, buf, sizeof(buf));
}

/* An LCREATE reply without its descriptor: the new handle is of no use. */
static void drop_new_handle(struct helper *h, const struct hp_rep *rep)
{
	struct hp_req req = {.op = HP_RELEASE, .gid = HP_GID_DEFAULT};

	if (rep->op != HP_LCREATE)
		return;
	req.u.release.handle = rep->u.lcreate.handle;
	helper_send_noreply(h, &req);
}

/* Take the descriptor of an OPEN/LCREATE reply (see reply_fd_missing()). */
static int take_reply_fd(struct hp_call *c, int *fd)
{
	if (c->fd < 0)
		return reply_fd_missing(c->req.op, c->fd_lost);
	*fd = c->fd;
	c->fd = -1;
	return 0;
}


int helper_exchange(struct helper *h, struct hp_req *req, struct hp_rep *rep, int *fd,
		    const struct helper_async *async)
{
	unsigned int flags = hp_op_flags(req->op);
	struct hp_call c = {.req = *req, .fd = -1};
	int rc;

	c.req.session = helper_cur_session;
	if (flags & HP_F_NOREPLY)
		return helper_send_noreply(h, &c.req);
	if (async)
		return helper_call_async(h, &c.req, async);
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	if (flags & HP_F_FD) {
		rc = take_reply_fd(&c, fd);
		if (rc < 0)
			drop_new_handle(h, &c.rep);
	}
	*rep = c.rep;
	hp_call_done(&c);
	return rc;
}
