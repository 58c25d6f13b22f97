/*
 * p9_client.c - 9P2000.L client connection: tags, sending, the reader
 * thread and the asynchronous request API (see p9_client.h).
 *
 * Ownership rule that keeps this simple: only the reader thread completes
 * requests.  Senders register a request (state INFLIGHT) and write its
 * frame; on a write failure they mark the connection dead and shut the
 * socket down, and the reader, woken by the shutdown, fails every request
 * still in flight.  A request handle released before its reply is freed by
 * the reader when it completes.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "p9client/p9_client.h"
#include "p9_wire.h"

#define MAX_TAGS	65535u		/* tags 0..65534; 65535 is P9_NOTAG */
#define RX_CAP		(64u * 1024u)	/* reader's buffer for small frames */
#define SBUF_MIN	8192u		/* send buffer before Tversion */
#define RBUF_MIN	256u
#define RBUF_KEEP	(64u * 1024u)	/* larger reply buffers are freed on release */

enum req_state { REQ_FREE, REQ_RESERVED, REQ_INFLIGHT, REQ_DONE };

struct p9c_req {
	struct p9_client *c;
	uint16_t idx;		/* slot in c->tab; the wire tag except for Tversion */
	uint16_t wtag;		/* tag on the wire */
	uint8_t ttype;		/* T-message type, 0 for a raw frame */
	enum req_state state;
	int released;		/* handle given back while in flight */
	int result;
	uint64_t seq;		/* bumped on every reuse, to match flushes */
	struct p9c_req *flush_of;	/* Tflush: the request it flushes */
	uint64_t flush_seq;
	void *sink;
	uint32_t sinkcap;
	uint8_t *rbuf;		/* the reply frame; reply points into it */
	size_t rcap;
	struct p9_msg reply;
	pthread_cond_t done;
	struct p9c_req *next_free;
};

struct p9_client {
	int fd;
	pthread_t reader;
	int reader_running;
	_Atomic uint32_t msize;

	pthread_mutex_t send_lock;	/* one frame at a time; guards sbuf */
	uint8_t *sbuf;
	size_t scap;

	pthread_mutex_t lock;		/* everything below */
	struct p9c_req **tab;
	uint32_t ntab, tabcap;
	struct p9c_req *free;
	struct p9c_req *notag;		/* the Tversion in flight, if any */
	int dead;			/* 0, or the errno every request gets */
	char why[160];
	int timeout_ms;			/* for synchronous calls; < 0: none */

	uint8_t *rx;			/* reader thread only */
	size_t rx_len, rx_pos;
	/* The request whose reply the reader is receiving into its sink (the
	 * caller's buffer) right now.  p9c_release() of it ends the connection
	 * and waits for the reader to let go; later replies to a released
	 * request are never written to its sink. */
	struct p9c_req *rx_sink;
	pthread_cond_t rx_idle;

	pthread_mutex_t fid_lock;
	uint64_t *fidmap;
	uint32_t fidwords, fidhint;
};

/* ---- connection death ---- */

/* Record why the connection died (first reason wins).  Caller holds lock. */
static void set_dead_locked(struct p9_client *c, int err, const char *fmt, va_list ap)
{
	if (c->dead)
		return;
	c->dead = err;
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
}

static void __attribute__((format(printf, 3, 4)))
kill_conn(struct p9_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->lock);
	va_start(ap, fmt);
	set_dead_locked(c, err, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&c->lock);
	/* Wakes the reader (EOF) and any sender blocked in a write. */
	shutdown(c->fd, SHUT_RDWR);
}

/* ---- request slots ---- */

static void req_put_locked(struct p9_client *c, struct p9c_req *r)
{
	r->state = REQ_FREE;
	r->released = 0;
	r->seq++;
	r->flush_of = NULL;
	r->sink = NULL;
	if (r->rcap > RBUF_KEEP) {
		free(r->rbuf);
		r->rbuf = NULL;
		r->rcap = 0;
	}
	r->next_free = c->free;
	c->free = r;
}

static int req_get_locked(struct p9_client *c, struct p9c_req **out)
{
	struct p9c_req *r;
	pthread_condattr_t ca;

	if (c->dead)
		return c->dead;
	r = c->free;
	if (r) {
		c->free = r->next_free;
	} else {
		if (c->ntab == MAX_TAGS)
			return -EAGAIN;
		if (c->ntab == c->tabcap) {
			uint32_t ncap = c->tabcap ? c->tabcap * 2 : 64;
			struct p9c_req **nt;

			if (ncap > MAX_TAGS)
				ncap = MAX_TAGS;
			nt = realloc(c->tab, ncap * sizeof(*nt));
			if (!nt)
				return -ENOMEM;
			c->tab = nt;
			c->tabcap = ncap;
		}
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->done, &ca);
		pthread_condattr_destroy(&ca);
		r->c = c;
		r->idx = (uint16_t)c->ntab;
		c->tab[c->ntab++] = r;
	}
	r->state = REQ_RESERVED;
	r->next_free = NULL;
	*out = r;
	return 0;
}

/* The request a reply with this tag answers, or NULL.  Caller holds lock. */
static struct p9c_req *req_lookup_locked(struct p9_client *c, uint16_t tag)
{
	struct p9c_req *r;

	if (tag == P9_NOTAG)
		r = c->notag;
	else
		r = tag < c->ntab ? c->tab[tag] : NULL;
	return r && r->state == REQ_INFLIGHT ? r : NULL;
}

/* Reader thread only. */
static void req_complete_locked(struct p9_client *c, struct p9c_req *r, int result)
{
	r->result = result;
	r->state = REQ_DONE;
	if (c->notag == r)
		c->notag = NULL;
	if (r->released)
		req_put_locked(c, r);
	else
		pthread_cond_broadcast(&r->done);
}

/* ---- sending ---- */

static int send_all(struct p9_client *c, struct iovec *iov, int iovcnt)
{
	struct msghdr mh = { 0 };
	ssize_t n;

	while (iovcnt > 0) {
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)iovcnt;
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/*
 * Put the frame for t (or the raw frame) into iov[]: Twrite and raw frames
 * go out without copying their payload, everything else is encoded into
 * sbuf.  Caller holds send_lock.  Returns the iov count or -errno.
 */
static int frame_for(struct p9_client *c, const struct p9_msg *t, const void *raw, size_t rawlen,
		     uint16_t wtag, uint8_t *hdr, struct iovec *iov)
{
	uint32_t msize = atomic_load(&c->msize);
	struct p9_msg m;
	struct wire_wr w;
	size_t len;

	if (raw) {
		memcpy(hdr, raw, P9_HDR_SIZE);
		hdr[5] = (uint8_t)wtag;
		hdr[6] = (uint8_t)(wtag >> 8);
		iov[0] = (struct iovec){ hdr, P9_HDR_SIZE };
		iov[1] = (struct iovec){ (void *)((const uint8_t *)raw + P9_HDR_SIZE),
					 rawlen - P9_HDR_SIZE };
		return 2;
	}
	if (t->type == P9_TWRITE) {
		const struct p9_twrite *tw = &t->u.twrite;

		if ((uint64_t)P9_TWRITE_HDR_SIZE + tw->count > msize)
			return -EMSGSIZE;
		wire_wr_init(&w, hdr, P9_TWRITE_HDR_SIZE);
		wire_put32(&w, P9_TWRITE_HDR_SIZE + tw->count);
		wire_put8(&w, P9_TWRITE);
		wire_put16(&w, wtag);
		wire_put32(&w, tw->fid);
		wire_put64(&w, tw->offset);
		wire_put32(&w, tw->count);
		iov[0] = (struct iovec){ hdr, P9_TWRITE_HDR_SIZE };
		iov[1] = (struct iovec){ (void *)tw->data, tw->count };
		return 2;
	}
	m = *t;
	m.tag = wtag;
	switch (p9_encode(c->sbuf, c->scap < msize ? c->scap : msize, &m, &len)) {
	case P9_OK:
		break;
	case P9_E_NOSPACE:
		return -EMSGSIZE;
	default:
		return -EINVAL;
	}
	iov[0] = (struct iovec){ c->sbuf, len };
	return 1;
}

static int start_common(struct p9_client *c, const struct p9_msg *t, const void *raw,
			size_t rawlen, void *sink, uint32_t sinkcap, struct p9c_req *flush_of,
			struct p9c_req **out)
{
	uint8_t hdr[P9_TWRITE_HDR_SIZE];
	struct iovec iov[2];
	int is_version = t && t->type == P9_TVERSION;
	struct p9c_req *r = NULL;
	int n, rc;

	pthread_mutex_lock(&c->send_lock);
	pthread_mutex_lock(&c->lock);
	rc = req_get_locked(c, &r);
	if (!rc && is_version) {
		if (c->notag) {
			req_put_locked(c, r);
			rc = -EBUSY;
		} else {
			c->notag = r;
		}
	}
	/* A Tflush sent through p9c_start still settles the request it names. */
	if (!rc && t && t->type == P9_TFLUSH && !flush_of)
		flush_of = req_lookup_locked(c, t->u.tflush.oldtag);
	if (!rc && flush_of) {
		r->flush_of = flush_of;
		r->flush_seq = flush_of->seq;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc)
		goto out_unlock;

	r->ttype = t ? t->type : 0;
	r->wtag = is_version ? P9_NOTAG : r->idx;
	r->sink = sink;
	r->sinkcap = sinkcap;
	n = frame_for(c, t, raw, rawlen, r->wtag, hdr, iov);

	pthread_mutex_lock(&c->lock);
	if (n < 0 || c->dead) {
		rc = n < 0 ? n : c->dead;
		if (is_version)
			c->notag = NULL;
		req_put_locked(c, r);
		pthread_mutex_unlock(&c->lock);
		goto out_unlock;
	}
	r->state = REQ_INFLIGHT;
	pthread_mutex_unlock(&c->lock);

	rc = send_all(c, iov, n);
	if (rc) {
		/* The reader fails r along with everything else in flight. */
		pthread_mutex_lock(&c->lock);
		r->released = 1;
		pthread_mutex_unlock(&c->lock);
		kill_conn(c, -EIO, "write: %s", strerror(-rc));
		rc = -EIO;
		goto out_unlock;
	}
	*out = r;
out_unlock:
	pthread_mutex_unlock(&c->send_lock);
	return rc;
}

int p9c_start(struct p9_client *c, const struct p9_msg *t, void *sink, uint32_t sinkcap,
	      struct p9c_req **out)
{
	return start_common(c, t, NULL, 0, sink, sinkcap, NULL, out);
}

int p9c_start_raw(struct p9_client *c, const void *frame, size_t len, struct p9c_req **out)
{
	if (len < P9_HDR_SIZE)
		return -EINVAL;
	return start_common(c, NULL, frame, len, NULL, 0, NULL, out);
}

int p9c_start_flush(struct p9_client *c, struct p9c_req *old, struct p9c_req **out)
{
	struct p9_msg t = { .type = P9_TFLUSH };

	t.u.tflush.oldtag = old->wtag;
	return start_common(c, &t, NULL, 0, NULL, 0, old, out);
}

uint16_t p9c_req_tag(const struct p9c_req *r)
{
	return r->wtag;
}

int p9c_wait(struct p9c_req *r, int timeout_ms)
{
	struct p9_client *c = r->c;
	struct timespec ts;
	int rc = 0;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&c->lock);
	while (r->state == REQ_INFLIGHT && !rc) {
		if (timeout_ms < 0)
			pthread_cond_wait(&r->done, &c->lock);
		else if (pthread_cond_timedwait(&r->done, &c->lock, &ts) == ETIMEDOUT)
			rc = -ETIMEDOUT;
	}
	if (r->state != REQ_INFLIGHT)
		rc = 0;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void p9c_set_timeout(struct p9_client *c, int timeout_ms)
{
	pthread_mutex_lock(&c->lock);
	c->timeout_ms = timeout_ms;
	pthread_mutex_unlock(&c->lock);
}

int p9c_wait_sync(struct p9c_req *r)
{
	int ms;

	pthread_mutex_lock(&r->c->lock);
	ms = r->c->timeout_ms;
	pthread_mutex_unlock(&r->c->lock);
	return p9c_wait(r, ms);
}

int p9c_result(struct p9c_req *r, const struct p9_msg **reply)
{
	struct p9_client *c = r->c;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = r->state == REQ_DONE ? r->result : -EBUSY;
	pthread_mutex_unlock(&c->lock);
	if (reply)
		*reply = &r->reply;
	return rc;
}

void p9c_release(struct p9c_req *r)
{
	struct p9_client *c = r->c;

	pthread_mutex_lock(&c->lock);
	if (r->state == REQ_INFLIGHT) {
		/* The reply, if it comes, must no longer land in the caller's sink. */
		r->released = 1;
		r->sink = NULL;
		if (c->rx_sink == r) {
			/* It is landing right now: end the connection so the reader
			 * stops at once instead of waiting on a slow server. */
			if (!c->dead) {
				c->dead = -EIO;
				snprintf(c->why, sizeof(c->why),
					 "request released while its reply was being received");
			}
			shutdown(c->fd, SHUT_RDWR);
			while (c->rx_sink == r)
				pthread_cond_wait(&c->rx_idle, &c->lock);
		}
	} else {
		req_put_locked(c, r);
	}
	pthread_mutex_unlock(&c->lock);
}

int p9c_call(struct p9_client *c, const struct p9_msg *t, void *sink, uint32_t sinkcap,
	     struct p9c_req **rp, const struct p9_msg **reply)
{
	struct p9c_req *r;
	int rc;

	rc = p9c_start(c, t, sink, sinkcap, &r);
	if (rc)
		return rc;
	rc = p9c_wait_sync(r);
	if (!rc)
		rc = p9c_result(r, reply);
	if (rc) {
		p9c_release(r);
		return rc;
	}
	*rp = r;
	return 0;
}

/* ---- the reader thread ---- */

/* Read exactly n bytes, through the rx buffer for small pieces. */
static int rx_read(struct p9_client *c, void *dst, size_t n)
{
	uint8_t *d = dst;
	ssize_t got;
	size_t k;

	while (n) {
		if (c->rx_pos < c->rx_len) {
			k = c->rx_len - c->rx_pos;
			if (k > n)
				k = n;
			memcpy(d, c->rx + c->rx_pos, k);
			c->rx_pos += k;
			d += k;
			n -= k;
			continue;
		}
		/* Big payloads (Rread data) go straight to their destination. */
		if (n >= RX_CAP / 2)
			got = read(c->fd, d, n);
		else
			got = read(c->fd, c->rx, RX_CAP);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EPIPE;
		if (n >= RX_CAP / 2) {
			d += got;
			n -= (size_t)got;
		} else {
			c->rx_len = (size_t)got;
			c->rx_pos = 0;
		}
	}
	return 0;
}

static int rbuf_reserve(struct p9c_req *r, size_t size)
{
	size_t ncap;
	uint8_t *nb;

	if (size <= r->rcap)
		return 0;
	ncap = size < RBUF_MIN ? RBUF_MIN : size;
	nb = realloc(r->rbuf, ncap);
	if (!nb)
		return -ENOMEM;
	r->rbuf = nb;
	r->rcap = ncap;
	return 0;
}

/* The result for a decoded reply: its type must answer the request. */
static int reply_result(const struct p9c_req *r)
{
	const struct p9_msg *m = &r->reply;

	if (m->type == P9_RLERROR) {
		uint32_t e = m->u.rlerror.ecode;

		return e >= 1 && e <= 4095 ? -(int)e : -EPROTO;
	}
	if (r->ttype && m->type != r->ttype + 1)
		return -EPROTO;
	return 0;
}

/*
 * Receive the rest of a frame whose header is in hdr.  Returns the result
 * for r (0, -ecode, -EPROTO for a bad body), or sets *fatal when the stream
 * can no longer be trusted.
 */
static int rx_frame(struct p9_client *c, struct p9c_req *r, uint8_t *hdr, uint32_t size,
		    void *sink, int *fatal)
{
	uint8_t type = hdr[4];
	uint32_t count;
	int rc;

	if (sink && (type == P9_RREAD || type == P9_RREADDIR) && size >= P9_IOHDR_SIZE) {
		rc = rx_read(c, hdr + P9_HDR_SIZE, 4);
		if (rc)
			goto io_error;
		count = wire_load32(hdr + P9_HDR_SIZE);
		if ((uint64_t)count + P9_IOHDR_SIZE != size || count > r->sinkcap) {
			kill_conn(c, -EPROTO, "%s for tag %u: count %u in a %u-byte frame (asked %u)",
				  p9_type_name(type), r->wtag, count, size, r->sinkcap);
			*fatal = 1;
			return -EPROTO;
		}
		rc = rx_read(c, sink, count);
		if (rc)
			goto io_error;
		memset(&r->reply, 0, sizeof(r->reply));
		r->reply.type = type;
		r->reply.tag = r->wtag;
		if (type == P9_RREAD)
			r->reply.u.rread = (struct p9_rread){ count, sink };
		else
			r->reply.u.rreaddir = (struct p9_rreaddir){ count, sink };
		return reply_result(r);
	}
	if (rbuf_reserve(r, size)) {
		kill_conn(c, -EIO, "out of memory for a %u-byte reply", size);
		*fatal = 1;
		return -EIO;
	}
	memcpy(r->rbuf, hdr, P9_HDR_SIZE);
	rc = rx_read(c, r->rbuf + P9_HDR_SIZE, size - P9_HDR_SIZE);
	if (rc)
		goto io_error;
	if (p9_decode(r->rbuf, size, atomic_load(&c->msize), &r->reply) != P9_OK)
		return -EPROTO;
	return reply_result(r);

io_error:
	kill_conn(c, -EIO, "read: %s", rc == -EPIPE ? "connection closed" : strerror(-rc));
	*fatal = 1;
	return -EIO;
}

static void *reader_main(void *arg)
{
	struct p9_client *c = arg;
	uint8_t hdr[P9_IOHDR_SIZE];
	struct p9c_req *r, *old;
	void *sink;
	uint32_t size, msize;
	uint16_t tag;
	int rc, fatal = 0;
	uint32_t i;

	while (!fatal) {
		rc = rx_read(c, hdr, P9_HDR_SIZE);
		if (rc) {
			kill_conn(c, -EIO, "read: %s",
				  rc == -EPIPE ? "connection closed" : strerror(-rc));
			break;
		}
		size = wire_load32(hdr);
		tag = wire_load16(hdr + 5);
		msize = atomic_load(&c->msize);
		if (size < P9_HDR_SIZE || size > msize) {
			kill_conn(c, -EPROTO, "frame of %u bytes (msize %u)", size, msize);
			break;
		}
		pthread_mutex_lock(&c->lock);
		r = req_lookup_locked(c, tag);
		/* A released request's sink may be gone: its reply is dropped. */
		sink = r && !r->released ? r->sink : NULL;
		c->rx_sink = sink ? r : NULL;
		pthread_mutex_unlock(&c->lock);
		if (!r) {
			const char *tn = p9_type_name(hdr[4]);

			kill_conn(c, -EPROTO, "%s for tag %u, which is not in flight",
				  tn ? tn : "unknown message", tag);
			break;
		}
		/* r stays ours: only this thread completes requests. */
		rc = rx_frame(c, r, hdr, size, sink, &fatal);
		pthread_mutex_lock(&c->lock);
		if (c->rx_sink) {
			c->rx_sink = NULL;
			pthread_cond_broadcast(&c->rx_idle);
		}
		old = r->flush_of;
		if (!rc && r->reply.type == P9_RFLUSH && old && old->seq == r->flush_seq &&
		    old->state == REQ_INFLIGHT)
			req_complete_locked(c, old, -EINTR);
		req_complete_locked(c, r, rc);
		pthread_mutex_unlock(&c->lock);
	}

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->ntab; i++)
		if (c->tab[i]->state == REQ_INFLIGHT)
			req_complete_locked(c, c->tab[i], c->dead);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* ---- connections ---- */

int p9c_open_fd(int fd, struct p9_client **out)
{
	struct p9_client *c;
	int type, rc;
	socklen_t tl = sizeof(type);

	/* shutdown() is how the reader is woken, so this must be a socket. */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return -errno;
	if (type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->timeout_ms = -1;
	atomic_init(&c->msize, P9_MAX_MSIZE);
	c->scap = SBUF_MIN;
	c->sbuf = malloc(c->scap);
	c->rx = malloc(RX_CAP);
	if (!c->sbuf || !c->rx) {
		rc = -ENOMEM;
		goto out_free;
	}
	pthread_mutex_init(&c->send_lock, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->fid_lock, NULL);
	pthread_cond_init(&c->rx_idle, NULL);
	rc = -pthread_create(&c->reader, NULL, reader_main, c);
	if (rc)
		goto out_mutex;
	c->reader_running = 1;
	*out = c;
	return 0;

out_mutex:
	pthread_cond_destroy(&c->rx_idle);
	pthread_mutex_destroy(&c->fid_lock);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
out_free:
	free(c->rx);
	free(c->sbuf);
	free(c);
	return rc;
}

int p9c_version(struct p9_client *c, uint32_t msize)
{
	struct p9_msg t = { .type = P9_TVERSION };
	const struct p9_msg *m;
	struct p9c_req *r;
	uint32_t got;
	uint8_t *nb;
	int rc;

	if (msize < P9_MIN_MSIZE || msize > P9_MAX_MSIZE)
		return -EINVAL;
	t.u.tversion.msize = msize;
	t.u.tversion.version = p9_str_c(P9_VERSION_L);
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	got = m->u.rversion.msize;
	if (!p9_str_eq(m->u.rversion.version, P9_VERSION_L))
		rc = -EPROTONOSUPPORT;
	else if (got < P9_MIN_MSIZE || got > msize)
		rc = -EPROTO;
	p9c_release(r);
	if (rc)
		return rc;

	pthread_mutex_lock(&c->send_lock);
	if (c->scap < got) {
		nb = realloc(c->sbuf, got);
		if (nb) {
			c->sbuf = nb;
			c->scap = got;
		}
	}
	atomic_store(&c->msize, got);
	pthread_mutex_unlock(&c->send_lock);
	return 0;
}

static int connect_and_version(int fd, const struct sockaddr *sa, socklen_t salen,
			       uint32_t msize, struct p9_client **out)
{
	struct p9_client *c;
	int rc;

	while (connect(fd, sa, salen) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	rc = p9c_open_fd(fd, &c);
	if (rc) {
		close(fd);
		return rc;
	}
	rc = p9c_version(c, msize ? msize : P9C_DEFAULT_MSIZE);
	if (rc) {
		p9c_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int p9c_connect_unix(const char *path, uint32_t msize, struct p9_client **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	return connect_and_version(fd, (struct sockaddr *)&sun, sizeof(sun), msize, out);
}

int p9c_connect_tcp(const char *hostport, uint32_t msize, struct p9_client **out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256];
	const char *colon, *h = hostport;
	size_t hl;
	int fd, one = 1, rc;

	colon = strrchr(hostport, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	hl = (size_t)(colon - hostport);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc)
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		/* Small requests must not wait for Nagle. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		rc = connect_and_version(fd, ai->ai_addr, ai->ai_addrlen, msize, out);
		if (rc == 0 || rc == -EPROTONOSUPPORT || rc == -EPROTO)
			break;
	}
	freeaddrinfo(res);
	return rc;
}

void p9c_close(struct p9_client *c)
{
	uint32_t i;

	if (!c)
		return;
	shutdown(c->fd, SHUT_RDWR);
	if (c->reader_running)
		pthread_join(c->reader, NULL);
	close(c->fd);
	for (i = 0; i < c->ntab; i++) {
		pthread_cond_destroy(&c->tab[i]->done);
		free(c->tab[i]->rbuf);
		free(c->tab[i]);
	}
	free(c->tab);
	free(c->fidmap);
	free(c->rx);
	free(c->sbuf);
	pthread_cond_destroy(&c->rx_idle);
	pthread_mutex_destroy(&c->fid_lock);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->send_lock);
	free(c);
}

uint32_t p9c_msize(const struct p9_client *c)
{
	return atomic_load(&((struct p9_client *)c)->msize);
}

uint32_t p9c_iosize(const struct p9_client *c)
{
	return p9c_msize(c) - P9_IOUNIT_OVERHEAD;
}

int p9c_fd(const struct p9_client *c)
{
	return c->fd;
}

const char *p9c_dead_reason(struct p9_client *c)
{
	const char *why;

	pthread_mutex_lock(&c->lock);
	why = c->dead ? c->why : NULL;
	pthread_mutex_unlock(&c->lock);
	return why;
}

/* ---- fids: a bitmap, lowest free first ---- */

uint32_t p9c_fid_get(struct p9_client *c)
{
	uint32_t w, fid = P9_NOFID;
	uint64_t *nm;

	pthread_mutex_lock(&c->fid_lock);
	for (;;) {
		for (w = c->fidhint; w < c->fidwords; w++) {
			if (~c->fidmap[w]) {
				int bit = __builtin_ctzll(~c->fidmap[w]);

				c->fidmap[w] |= 1ULL << bit;
				c->fidhint = w;
				fid = w * 64 + (uint32_t)bit;
				goto out;
			}
		}
		nm = realloc(c->fidmap, (c->fidwords ? c->fidwords * 2 : 4) * sizeof(*nm));
		if (!nm)
			goto out;
		memset(nm + c->fidwords, 0, (c->fidwords ? c->fidwords : 4) * sizeof(*nm));
		c->fidmap = nm;
		c->fidwords = c->fidwords ? c->fidwords * 2 : 4;
	}
out:
	pthread_mutex_unlock(&c->fid_lock);
	return fid;
}

void p9c_fid_put(struct p9_client *c, uint32_t fid)
{
	uint32_t w = fid / 64;

	pthread_mutex_lock(&c->fid_lock);
	if (w < c->fidwords) {
		c->fidmap[w] &= ~(1ULL << (fid % 64));
		if (w < c->fidhint)
			c->fidhint = w;
	}
	pthread_mutex_unlock(&c->fid_lock);
}
