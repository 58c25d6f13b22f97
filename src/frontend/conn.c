/* conn.c - one client connection (see conn.h). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/helper_client.h"
#include "frontend/options.h"
#include "frontend/p9_ops.h"
#include "frontend/server.h"
#include "p9_wire.h"

#define CONN_THREAD_STACK (256u * 1024u)
/* Replies other than Rread/Rreaddir are small: Rreadlink is the largest. */
#define P9_SMALL_REPLY_MAX 8192

/* Read exactly n bytes: 1, 0 at EOF before the first byte, -1 on error/EOF inside. */
static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (r == 0 && got == 0) ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void req_free(struct p9_req *req)
{
	free(req->frame);
	free(req->rbuf);
	free(req);
}

/* A reply could not be built: this connection cannot keep its promises. */
static void conn_break_locked(struct conn *c)
{
	if (!c->broken)
		log_err("session %u: out of memory; closing the connection", c->session);
	c->broken = true;
	shutdown(c->fd, SHUT_RDWR);
}

static uint8_t *encode_rflush(uint16_t tag, size_t *len)
{
	struct p9_msg m = {.type = P9_RFLUSH, .tag = tag};
	uint8_t *buf = malloc(P9_HDR_SIZE);

	if (buf && p9_encode(buf, P9_HDR_SIZE, &m, len) != P9_OK) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/*
 * The one place a request gets its answer: queue the reply for the writer,
 * forget the tag, then answer every Tflush that waited for this request
 * (their Rflush goes out after this reply).  Called with c->lock held.
 */
static void conn_complete_locked(struct p9_req *req, uint8_t *buf, size_t len)
{
	struct conn *c = req->conn;
	struct p9_req **pp, *fl;

	if (req->responded) {
		log_err("bug: second reply to tag %u ignored", req->tag);
		free(buf);
		return;
	}
	req->responded = true;
	for (pp = &c->inflight; *pp; pp = &(*pp)->next_inflight)
		if (*pp == req) {
			*pp = req->next_inflight;
			break;
		}
	req->rbuf = buf;
	req->rlen = buf ? len : 0;
	if (!buf)
		conn_break_locked(c);
	req->next_reply = NULL;
	if (c->rq_tail)
		c->rq_tail->next_reply = req;
	else
		c->rq_head = req;
	c->rq_tail = req;
	pthread_cond_signal(&c->wcond);

	while ((fl = req->flushers) != NULL) {
		size_t flen = 0;
		uint8_t *fbuf;

		req->flushers = fl->next_flusher;
		fbuf = encode_rflush(fl->tag, &flen);
		conn_complete_locked(fl, fbuf, flen);
	}
	pthread_cond_broadcast(&c->cond);
}

static void conn_complete(struct p9_req *req, uint8_t *buf, size_t len)
{
	struct conn *c = req->conn;

	pthread_mutex_lock(&c->lock);
	conn_complete_locked(req, buf, len);
	pthread_mutex_unlock(&c->lock);
}

void p9_respond_frame(struct p9_req *req, uint8_t *buf, size_t len)
{
	conn_complete(req, buf, len);
}

void p9_respond(struct p9_req *req, struct p9_msg *r)
{
	size_t cap = req->msize < P9_SMALL_REPLY_MAX ? req->msize : P9_SMALL_REPLY_MAX;
	uint8_t *buf = malloc(cap);
	size_t len = 0;
	int rc;

	r->tag = req->tag;
	if (!buf) {
		conn_complete(req, NULL, 0);
		return;
	}
	rc = p9_encode(buf, cap, r, &len);
	if (rc != P9_OK) {
		log_err("cannot encode %s: %s", p9_type_name(r->type), p9_strerror(rc));
		free(buf);
		p9_respond_error(req, rc == P9_E_NOSPACE ? ERANGE : EIO);
		return;
	}
	conn_complete(req, buf, len);
}

void p9_respond_error(struct p9_req *req, int err)
{
	struct p9_msg r = {.type = P9_RLERROR};

	if (err < 0)
		err = -err;
	if (err == 0 || err > 4095)
		err = EIO;
	if (err == 524) /* the kernel-internal ENOTSUPP must never reach a client */
		err = EOPNOTSUPP;
	r.u.rlerror.ecode = (uint32_t)err;
	p9_respond(req, &r);
}

struct helper *req_helper(const struct p9_req *req)
{
	return req->conn->srv->helper;
}

struct fid_table *req_fids(const struct p9_req *req)
{
	return &req->conn->fids;
}

uint32_t req_max_msize(const struct p9_req *req)
{
	return req->conn->srv->opt->msize;
}

void conn_reset_session(struct conn *c, uint32_t msize)
{
	/* Called on the reader thread after the drain: nothing else runs. */
	fid_table_clear(&c->fids);
	c->msize = msize;
	c->versioned = msize != 0;
	if (!c->versioned)
		c->msize = c->srv->opt->msize;
}

void conn_flush(struct p9_req *req, uint16_t oldtag)
{
	struct conn *c = req->conn;
	struct p9_req *old;
	size_t len = 0;

	pthread_mutex_lock(&c->lock);
	for (old = c->inflight; old; old = old->next_inflight)
		if (old->tag == oldtag && old != req)
			break;
	if (old) {
		/* Answered right after old's reply, in the order the flushes
		 * came; old is never cancelled half-way, so the client sees
		 * its result (fids it made, ...). */
		struct p9_req **pp = &old->flushers;

		while (*pp)
			pp = &(*pp)->next_flusher;
		req->next_flusher = NULL;
		*pp = req;
	} else {
		uint8_t *buf = encode_rflush(req->tag, &len);

		conn_complete_locked(req, buf, len);
	}
	pthread_mutex_unlock(&c->lock);
}

static void *conn_writer(void *arg)
{
	struct conn *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct p9_req *req;
		bool broken;

		while (!c->rq_head && !c->writer_quit)
			pthread_cond_wait(&c->wcond, &c->lock);
		req = c->rq_head;
		if (!req)
			break;
		c->rq_head = req->next_reply;
		if (!c->rq_head)
			c->rq_tail = NULL;
		broken = c->broken;
		pthread_mutex_unlock(&c->lock);

		if (!broken && req->rbuf && write_full(c->fd, req->rbuf, req->rlen) < 0) {
			log_debug("session %u: write: %s", c->session, strerror(errno));
			pthread_mutex_lock(&c->lock);
			c->broken = true;
			pthread_mutex_unlock(&c->lock);
			shutdown(c->fd, SHUT_RDWR);
		}
		req_free(req);
		pthread_mutex_lock(&c->lock);
		c->nreqs--;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Register req's tag.  -1 if the tag is already in use (protocol violation). */
static int conn_register(struct conn *c, struct p9_req *req)
{
	pthread_mutex_lock(&c->lock);
	for (struct p9_req *r = c->inflight; r; r = r->next_inflight)
		if (r->tag == req->tag) {
			pthread_mutex_unlock(&c->lock);
			return -1;
		}
	req->next_inflight = c->inflight;
	c->inflight = req;
	c->nreqs++;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static void conn_work(struct work_item *it)
{
	p9_dispatch((struct p9_req *)((char *)it - offsetof(struct p9_req, work)));
}

/* Read one frame.  1 with the frame and its length, 0 at EOF, -1 on a framing error. */
static int conn_read_frame(struct conn *c, uint8_t **frame, uint32_t *len)
{
	uint8_t hdr[4];
	uint32_t size;
	uint8_t *buf;
	int rc;

	rc = read_full(c->fd, hdr, sizeof(hdr));
	if (rc <= 0)
		return rc;
	rc = p9_frame_size(hdr, sizeof(hdr), c->msize, &size);
	if (rc != P9_OK) {
		log_warn("session %u: bad frame: %s", c->session, p9_strerror(rc));
		return -1;
	}
	buf = malloc(size);
	if (!buf) {
		log_err("session %u: out of memory", c->session);
		return -1;
	}
	memcpy(buf, hdr, sizeof(hdr));
	if (read_full(c->fd, buf + sizeof(hdr), size - sizeof(hdr)) <= 0) {
		free(buf);
		return -1;
	}
	*frame = buf;
	*len = size;
	return 1;
}

/* Wait until the connection may hold one more request. */
static void conn_wait_room(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->nreqs >= CONN_MAX_REQS)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

static void conn_wait_idle(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->inflight)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

/* Handle one frame.  -1 closes the connection (malformed input). */
static int conn_handle_frame(struct conn *c, uint8_t *frame, uint32_t len)
{
	const struct p9_op *op;
	struct p9_req *req;
	int rc;

	req = calloc(1, sizeof(*req));
	if (!req) {
		free(frame);
		return -1;
	}
	req->conn = c;
	req->frame = frame;
	req->msize = c->msize;
	req->work.fn = conn_work;
	rc = p9_decode(frame, len, c->msize, &req->in);
	if (rc == P9_E_TYPE && len >= P9_HDR_SIZE) {
		/* Well framed but unknown: answer it, keep the connection. */
		req->in.type = frame[4];
		req->in.tag = wire_load16(frame + 5);
		rc = P9_OK;
	}
	if (rc != P9_OK) {
		log_warn("session %u: malformed %s: %s", c->session,
			 len > 4 && p9_type_name(frame[4]) ? p9_type_name(frame[4]) : "message",
			 p9_strerror(rc));
		req_free(req);
		return -1;
	}
	req->tag = req->in.tag;
	op = p9_op_lookup(req->in.type);
	if (op && (op->flags & P9_OP_DRAIN))
		conn_wait_idle(c);
	if (conn_register(c, req) < 0) {
		log_warn("session %u: tag %u reused while in flight", c->session, req->tag);
		req_free(req);
		return -1;
	}
	if (!op) {
		log_debug("session %u: unsupported message type %u", c->session, req->in.type);
		p9_respond_error(req, EOPNOTSUPP);
	} else if (!c->versioned && !(op->flags & P9_OP_NOSESSION)) {
		p9_respond_error(req, EPROTO);
	} else if (op->flags & P9_OP_INLINE) {
		p9_dispatch(req);
	} else {
		workq_push(c->srv->wq, &req->work);
	}
	return 0;
}

static void *conn_reader(void *arg)
{
	struct conn *c = arg;
	struct helper *h = c->srv->helper;
	bool session_started = false, writer_started = false;
	pthread_attr_t attr;

	if (helper_call_session_start(h, c->session, c->peer) < 0) {
		log_err("session %u (%s): the helper refused the session", c->session, c->peer);
		goto out_close;
	}
	session_started = true;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_THREAD_STACK);
	writer_started = pthread_create(&c->writer, &attr, conn_writer, c) == 0;
	pthread_attr_destroy(&attr);
	if (!writer_started) {
		log_err("session %u: cannot start the writer thread", c->session);
		goto out_close;
	}
	log_info("session %u: %s connected", c->session, c->peer);
	for (;;) {
		uint8_t *frame;
		uint32_t len;
		int rc;

		conn_wait_room(c);
		rc = conn_read_frame(c, &frame, &len);
		if (rc <= 0)
			break;
		if (conn_handle_frame(c, frame, len) < 0)
			break;
	}
	log_info("session %u: %s disconnected", c->session, c->peer);

out_close:
	/* Unanswered requests finish first; their replies may still go out. */
	conn_wait_idle(c);
	if (writer_started) {
		pthread_mutex_lock(&c->lock);
		c->writer_quit = true;
		pthread_cond_signal(&c->wcond);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->writer, NULL);
	}
	fid_table_destroy(&c->fids);
	if (session_started)
		helper_call_session_end(h, c->session);
	server_conn_gone(c->srv, c); /* closes c->fd */
	pthread_cond_destroy(&c->cond);
	pthread_cond_destroy(&c->wcond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

int conn_start(struct server *srv, int fd, const char *peer, bool exit_on_close)
{
	struct conn *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->srv = srv;
	c->fd = fd;
	c->exit_on_close = exit_on_close;
	c->msize = srv->opt->msize;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	fid_table_init(&c->fids, srv->helper);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	pthread_cond_init(&c->wcond, NULL);

	pthread_mutex_lock(&srv->lock);
	c->session = ++srv->next_session;
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
	pthread_mutex_unlock(&srv->lock);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_THREAD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, conn_reader, c);
	pthread_attr_destroy(&attr);
	if (err) {
		server_conn_gone(srv, c); /* closes fd */
		fid_table_destroy(&c->fids);
		pthread_cond_destroy(&c->cond);
		pthread_cond_destroy(&c->wcond);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -err;
	}
	return 0;
}
