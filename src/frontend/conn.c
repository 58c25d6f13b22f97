/* conn.c - one client connection's request layer (see conn.h). */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/busypoll.h"
#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/helper_client.h"
#include "frontend/options.h"
#include "frontend/p9_names.h"
#include "frontend/p9_ops.h"
#include "p9_wire.h"

/*
 * Replies other than Rread/Rreaddir are small: Rreadlink is the largest,
 * except Rgetlock, which echoes the request's client_id (and is shorter
 * than its Tgetlock).
 */
#define P9_SMALL_REPLY_MAX 8192
/* A short Rread/Rreaddir this much below its bound is shrunk to its size. */
#define REPLY_SHRINK_SLACK (64u * 1024u)
/* Let go of req's frame: freed unless it lives in req. */
static void req_drop_frame(struct p9_req *req)
{
	if (req->frame != req->frame_inline)
		free(req->frame);
	req->frame = NULL;
}

/* Free req's frame and reply unless they live in req or are borrowed. */
static void req_free_bufs(struct p9_req *req)
{
	req_drop_frame(req);
	if (!req->rborrowed && req->rbuf != req->reply_inline)
		free(req->rbuf);
}

void conn_req_discard(struct p9_req *req)
{
	req_free_bufs(req);
	free(req);
}

/* A cleared request: a spare one of the connection's, or a new one. */
struct p9_req *conn_req_get(struct conn *c)
{
	struct p9_req *req;

	pthread_mutex_lock(&c->lock);
	req = c->spare;
	if (req) {
		c->spare = req->next_reply;
		c->nspare--;
	}
	pthread_mutex_unlock(&c->lock);
	if (!req)
		return calloc(1, sizeof(*req));
	memset(req, 0, offsetof(struct p9_req, frame_inline));
	return req;
}

/*
 * A borrowed reply that must wait: copy what is left of it, so that the
 * thread that lent the buffer may reuse it.  false when out of memory.
 */
static bool req_own_reply(struct p9_req *req)
{
	size_t left = req->rlen - req->rsent;
	uint8_t *copy;

	if (!req->rborrowed)
		return true;
	copy = malloc(left ? left : 1);
	if (!copy)
		return false;
	memcpy(copy, req->rbuf + req->rsent, left);
	req->rbuf = copy;
	req->rlen = left;
	req->rsent = 0;
	req->rborrowed = false;
	return true;
}

/*
 * Send the reply queue while holding the send token (c->sending), with
 * c->lock held (dropped around each write).  A worker or the reader
 * (may_block false) stops where the socket is full and passes the token to
 * the writer thread; the writer (may_block true) waits for room.  The
 * token is given back when the queue is empty.
 */
static void conn_send_queue_locked(struct conn *c, bool may_block)
{
	struct p9_req *req;

	while ((req = c->rq_head) != NULL) {
		bool broken = c->broken, keep;
		int rc = 0;

		pthread_mutex_unlock(&c->lock);
		if (!broken && req->rbuf)
			rc = c->xport->send(c, req, may_block);
		if (rc > 0 && !req_own_reply(req))
			rc = -1;
		pthread_mutex_lock(&c->lock);
		if (rc > 0) {
			c->writer_turn = true;
			pthread_cond_signal(&c->wcond);
			return;
		}
		if (rc < 0 && !c->broken) {
			log_debug("session %u: write: %s", c->session, strerror(errno));
			c->broken = true;
			shutdown(c->fd, SHUT_RDWR);
		}
		c->rq_head = req->next_reply;
		if (!c->rq_head)
			c->rq_tail = NULL;
		c->buffered -= req->frame_len + req->reply_charge;
		c->nreqs--;
		busypoll_work(-1);
		pthread_cond_broadcast(&c->cond);
		keep = c->nspare < CONN_SPARE_MAX;
		if (keep)
			c->nspare++; /* its place, taken now */
		pthread_mutex_unlock(&c->lock);
		req_free_bufs(req);
		if (!keep)
			free(req);
		pthread_mutex_lock(&c->lock);
		if (keep) {
			req->next_reply = c->spare;
			c->spare = req;
		}
	}
	c->sending = false;
	c->writer_turn = false;
	pthread_cond_broadcast(&c->cond);
}

/* Replies were queued: send them now unless someone else is (c->lock held). */
static void conn_kick_locked(struct conn *c)
{
	if (c->sending || !c->rq_head)
		return;
	c->sending = true;
	if (c->xport->sends_at_once(c)) {
		conn_send_queue_locked(c, false);
	} else {
		c->writer_turn = true;
		pthread_cond_signal(&c->wcond);
	}
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
		if (buf != req->reply_inline)
			free(buf);
		return;
	}
	req->responded = true;
	if (req->changes)
		p9_change_note(); /* before the client can see the reply */
	for (pp = &c->inflight; *pp; pp = &(*pp)->next_inflight)
		if (*pp == req) {
			*pp = req->next_inflight;
			break;
		}
	/* The request is done with its frame; the reply is charged at its size. */
	c->buffered -= req->frame_len + req->reply_charge;
	req_drop_frame(req);
	req->frame_len = 0;
	req->rbuf = buf;
	req->rlen = buf ? len : 0;
	req->rsent = 0;
	req->reply_charge = req->rlen;
	c->buffered += req->reply_charge;
	if (!buf)
		conn_break_locked(c);
	req->next_reply = NULL;
	if (c->rq_tail)
		c->rq_tail->next_reply = req;
	else
		c->rq_head = req;
	c->rq_tail = req;

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
	conn_kick_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* conn_complete() of a small reply, copied into the request itself. */
static void conn_complete_inline(struct p9_req *req, const uint8_t *buf, size_t len)
{
	struct conn *c = req->conn;

	pthread_mutex_lock(&c->lock);
	if (!req->responded) /* a second reply must not overwrite the first */
		memcpy(req->reply_inline, buf, len);
	conn_complete_locked(req, req->reply_inline, len);
	conn_kick_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void p9_respond_frame(struct p9_req *req, uint8_t *buf, size_t len)
{
	/* A short Rread/Rreaddir keeps only what it holds while it waits for
	 * the writer, not the count it was sized for. */
	if (len + REPLY_SHRINK_SLACK <= req->reply_charge) {
		uint8_t *small = realloc(buf, len);

		if (small)
			buf = small;
	}
	conn_complete(req, buf, len);
}

/* The thread's reply buffer (p9_reply_buffer()), freed when the thread ends. */
struct reply_buffer {
	size_t cap;
	uint8_t data[];
};

static pthread_key_t reply_buffer_key;
static pthread_once_t reply_buffer_once = PTHREAD_ONCE_INIT;

static void reply_buffer_key_init(void)
{
	if (pthread_key_create(&reply_buffer_key, free) != 0)
		log_err("no thread-specific key for reply buffers; Rread allocates");
}

uint8_t *p9_reply_buffer(size_t size)
{
	struct reply_buffer *rb;

	pthread_once(&reply_buffer_once, reply_buffer_key_init);
	rb = pthread_getspecific(reply_buffer_key);
	if (rb && rb->cap >= size)
		return rb->data;
	free(rb);
	pthread_setspecific(reply_buffer_key, NULL);
	rb = malloc(sizeof(*rb) + size);
	if (!rb)
		return NULL;
	rb->cap = size;
	if (pthread_setspecific(reply_buffer_key, rb) != 0) {
		free(rb);
		return NULL;
	}
	return rb->data;
}

void p9_respond_borrowed(struct p9_req *req, uint8_t *buf, size_t len)
{
	struct conn *c = req->conn;
	uint8_t *copy;

	pthread_mutex_lock(&c->lock);
	/* Straight from the lender's buffer when this reply goes out first and
	 * now; conn_send_queue_locked() copies what the socket does not take. */
	if (!c->sending && !c->rq_head && c->xport->sends_at_once(c) && !req->responded) {
		req->rborrowed = true;
		conn_complete_locked(req, buf, len);
		conn_kick_locked(c);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	pthread_mutex_unlock(&c->lock);
	copy = malloc(len);
	if (copy)
		memcpy(copy, buf, len);
	conn_complete(req, copy, copy ? len : 0);
}

ssize_t p9_read_placed(struct p9_req *req, int fd, off_t off, size_t count)
{
	struct conn *c = req->conn;

	if (!c->xport->read_into_reply)
		return -ENOSYS;
	return c->xport->read_into_reply(c, req, fd, off, count, P9_IOHDR_SIZE);
}

void p9_respond_placed(struct p9_req *req, const uint8_t *hdr, size_t hlen, size_t placed)
{
	req->rplaced = (uint32_t)placed;
	conn_complete_inline(req, hdr, hlen);
}

ssize_t p9_write_data(struct p9_req *req, int fd, off_t off)
{
	const struct p9_twrite *t = &req->in.u.twrite;
	ssize_t n;

	if (req->data_kept)
		return req->conn->xport->write_kept(req->conn, req, fd, off);
	do
		n = pwrite(fd, t->data, t->count, off);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int p9_twrite_data(struct p9_req *req, void *dst)
{
	if (req->data_kept)
		return req->conn->xport->copy_kept(req->conn, req, dst);
	memcpy(dst, req->in.u.twrite.data, req->in.u.twrite.count);
	return 0;
}

/* The most a reply other than Rread/Rreaddir may take (see P9_SMALL_REPLY_MAX). */
static size_t small_reply_max(const struct p9_req *req)
{
	size_t cap = P9_SMALL_REPLY_MAX;

	if (req->in.type == P9_TGETLOCK && req->frame_len > cap)
		cap = req->frame_len;
	return cap < req->msize ? cap : req->msize;
}

/* The bound of req's reply, charged until the reply is made. */
static size_t reply_bound(const struct p9_req *req)
{
	uint32_t count;

	switch (req->in.type) {
	case P9_TREAD:
		count = req->in.u.tread.count;
		break;
	case P9_TREADDIR:
		count = req->in.u.treaddir.count;
		break;
	default:
		return small_reply_max(req);
	}
	return P9_IOHDR_SIZE + (size_t)req_io_count(req, count);
}

void p9_respond(struct p9_req *req, struct p9_msg *r)
{
	uint8_t stackbuf[P9_SMALL_REPLY_MAX];
	size_t cap = small_reply_max(req);
	uint8_t *tmp = cap <= sizeof(stackbuf) ? stackbuf : malloc(cap);
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	r->tag = req->tag;
	if (!tmp) {
		conn_complete(req, NULL, 0);
		return;
	}
	rc = p9_encode(tmp, cap, r, &len);
	if (rc != P9_OK) {
		/* Our reply, not the client's input: a bug worth an error. */
		log_err("cannot encode %s: %s", p9_type_name(r->type), p9_strerror(rc));
		if (tmp != stackbuf)
			free(tmp);
		p9_respond_error(req, rc == P9_E_NOSPACE ? ERANGE : EIO);
		return;
	}
	/* Queued at its own size: replies waiting for a slow reader stay small. */
	if (tmp == stackbuf && len <= sizeof(req->reply_inline)) {
		conn_complete_inline(req, tmp, len);
		return;
	}
	if (tmp == stackbuf) {
		buf = malloc(len);
		if (buf)
			memcpy(buf, tmp, len);
	} else {
		buf = realloc(tmp, len);
		if (!buf)
			buf = tmp;
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
	return req->conn->host->helper;
}

struct fid_table *req_fids(const struct p9_req *req)
{
	return &req->conn->fids;
}

uint32_t req_max_msize(const struct p9_req *req)
{
	return req->conn->host->opt->msize;
}

uint32_t req_io_count(const struct p9_req *req, uint32_t count)
{
	return count > req->msize - P9_IOHDR_SIZE ? req->msize - P9_IOHDR_SIZE : count;
}

void conn_reset_session(struct conn *c, uint32_t msize)
{
	/* Called on the reader thread after the drain: nothing else runs. */
	fid_table_clear(&c->fids);
	c->msize = msize;
	c->versioned = msize != 0;
	if (!c->versioned)
		c->msize = c->host->opt->msize;
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
		conn_kick_locked(c);
	}
	pthread_mutex_unlock(&c->lock);
}

/* The writer: sends when handed the token because the socket was full. */
static void *conn_writer(void *arg)
{
	struct conn *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->writer_turn && !c->writer_quit)
			pthread_cond_wait(&c->wcond, &c->lock);
		if (!c->writer_turn)
			break;
		conn_send_queue_locked(c, true);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/*
 * Register req's tag.  -1 if the tag is already in use (protocol
 * violation); otherwise the number of the connection's requests not yet
 * written, this one included.
 */
static int conn_register(struct conn *c, struct p9_req *req)
{
	int n;

	pthread_mutex_lock(&c->lock);
	for (struct p9_req *r = c->inflight; r; r = r->next_inflight)
		if (r->tag == req->tag) {
			pthread_mutex_unlock(&c->lock);
			return -1;
		}
	req->next_inflight = c->inflight;
	c->inflight = req;
	c->nreqs++;
	busypoll_work(1);
	c->buffered += req->frame_len + req->reply_charge;
	n = (int)c->nreqs;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void conn_work(struct work_item *it)
{
	struct p9_req *req = (struct p9_req *)((char *)it - offsetof(struct p9_req, work));

	req->may_defer = true;
	req->conn->host->dispatch(req);
}

/* Nothing of the connection's is in flight or waiting to be written. */
bool conn_is_idle(struct conn *c)
{
	bool idle;

	pthread_mutex_lock(&c->lock);
	idle = c->nreqs == 0;
	pthread_mutex_unlock(&c->lock);
	return idle;
}

/* Wait until the connection may hold one more request (backpressure). */
void conn_wait_room(struct conn *c)
{
	const struct fe_options *o = c->host->opt;

	pthread_mutex_lock(&c->lock);
	while (c->nreqs >= o->max_requests || c->buffered >= o->max_buffered)
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

/* Wait until every reply is written (or dropped) and nobody is sending. */
void conn_wait_sent(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->inflight || c->nreqs > 0 || c->sending)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

/*
 * The names check of a request: 0 or the -errno to answer.  A string with
 * a NUL (name_err) that is not one of the checked names (Tattach's or
 * Tauth's uname) is refused too, with no name to report (why->found false).
 */
static int names_refusal(const struct p9_req *req, int name_err, struct p9_name_refusal *why)
{
	int rc;

	*why = (struct p9_name_refusal){ .fid = P9_NOFID };
	rc = p9_msg_names_refusal(&req->in, why);
	return rc < 0 ? rc : name_err;
}

/*
 * Tell the helper, for its audit trail, that a request was refused for a
 * name: the names never reach the helper protocol (p9_names.h), so this is
 * the only record of the attempt.  Synchronous, so the record is written
 * before the client gets its Rlerror (as for every other operation).
 */
static void conn_report_refusal(struct conn *c, const struct p9_msg *m, int err,
				const struct p9_name_refusal *why)
{
	struct fid *f;
	uint32_t handle = HP_NOHANDLE, uid = (uint32_t)-1;

	/* A NUL in a string that names nothing (a uname): nothing to report. */
	if (!why->found)
		return;
	/* Tattach's fid is the one it would make: no handle yet. */
	f = m->type != P9_TATTACH ? fid_get(&c->fids, why->fid) : NULL;
	if (f) {
		handle = f->handle;
		uid = f->uid;
	} else if (m->type == P9_TATTACH) {
		uid = m->u.tattach.n_uname;	/* the fid is the one being made */
	}
	helper_set_session(c->session);
	if (helper_call_refused(c->host->helper, uid, HP_GID_DEFAULT,
				&(struct hp_refused){.handle = handle,
						     .p9type = m->type,
						     .error = (uint32_t)err,
						     .namelen = why->name.len,
						     .len = why->name.len < HP_MAX_REFUSED_NAME
								    ? why->name.len
								    : HP_MAX_REFUSED_NAME,
						     .name = why->name.s},
				NULL, NULL, NULL) < 0)
		log_warn("session %u: the helper did not take the refusal of a T%s", c->session,
			 p9_type_name(m->type) ? p9_type_name(m->type) + 1 : "?");
	if (f)
		fid_put(&c->fids, f);
}

/*
 * Handle one frame, in req (from conn_req_get()), which it takes.  -1
 * closes the connection (malformed input).
 */
int conn_take_frame(struct conn *c, struct p9_req *req, uint8_t *frame, uint32_t len)
{
	const struct p9_op *op;
	struct p9_name_refusal why;
	int rc, name_err = 0, nreqs;

	req->conn = c;
	req->frame = frame;
	req->frame_len = len;
	req->msize = c->msize;
	req->work.fn = conn_work;
	rc = p9_decode(frame, len, c->msize, &req->in);
	if ((rc == P9_E_TYPE || rc == P9_E_STRNUL) && len >= P9_HDR_SIZE) {
		/* Well framed but unknown, or a string with a NUL (a name no
		 * file can have): answer it, keep the connection.  After a NUL
		 * the fields up to that string are kept, to report the name. */
		if (rc == P9_E_STRNUL)
			name_err = -EINVAL;
		else
			memset(&req->in, 0, sizeof(req->in));
		req->in.type = frame[4];
		req->in.tag = wire_load16(frame + 5);
		rc = P9_OK;
	}
	if (rc != P9_OK) {
		log_warn("session %u: malformed %s: %s", c->session,
			 len > 4 && p9_type_name(frame[4]) ? p9_type_name(frame[4]) : "message",
			 p9_strerror(rc));
		conn_req_discard(req);
		return -1;
	}
	/* A Twrite whose data the transport kept came as its header alone. */
	if (req->data_kept) {
		if (req->in.type != P9_TWRITE) {
			log_warn("session %u: a kept payload on a %s", c->session,
				 p9_type_name(req->in.type));
			conn_req_discard(req);
			return -1;
		}
		req->in.u.twrite.count = req->kept_len;
		req->in.u.twrite.data = NULL;
	}
	req->tag = req->in.tag;
	req->reply_charge = reply_bound(req);
	op = c->host->op_lookup(req->in.type);
	if (op && (op->flags & P9_OP_DRAIN))
		conn_wait_idle(c);
	nreqs = conn_register(c, req);
	if (nreqs < 0) {
		log_warn("session %u: tag %u reused while in flight", c->session, req->tag);
		conn_req_discard(req);
		return -1;
	}
	if (!op) {
		log_debug("session %u: unsupported message type %u", c->session, req->in.type);
		p9_respond_error(req, EOPNOTSUPP);
	} else if (!c->versioned && !(op->flags & P9_OP_NOSESSION)) {
		p9_respond_error(req, EPROTO);
	} else if ((rc = names_refusal(req, name_err, &why)) < 0) {
		/* The client's mistake: an answer, no louder than debug; and a
		 * record in the audit trail, written before the answer. */
		log_debug("session %u tag %u: T%s with a bad name: %s", c->session, req->tag,
			  op->name, strerror(-rc));
		conn_report_refusal(c, &req->in, -rc, &why);
		p9_respond_error(req, rc);
	} else if ((op->flags & P9_OP_INLINE) || (op->quick && op->quick(req))) {
		c->host->dispatch(req);
	} else if (nreqs == 1 && !c->xport->more_pending(c) &&
		   helper_calls_under_way(c->host->helper) < c->host->opt->threads) {
		/* Nothing else of this connection is in flight or waiting to
		 * be read: the hand-off to a worker would only add a wake-up.
		 * (A request that comes meanwhile waits for this one.)  Not
		 * when the helper is busy already: then the worker pool keeps
		 * the number of helper calls at what its workers can serve. */
		c->host->dispatch(req);
	} else if (op->flags & P9_OP_ASYNC) {
		/* It only sends a helper request; whoever receives the reply
		 * answers it.  A worker would add a wake-up and nothing else. */
		req->may_defer = true;
		c->host->dispatch(req);
	} else {
		workq_push(c->host->wq, &req->work);
	}
	return 0;
}

/*
 * The connection's thread: start the session in the helper and the writer,
 * let the transport serve, then tear down once every reply is out.
 */
static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct helper *h = c->host->helper;
	bool session_started = false, writer_started = false;
	pthread_attr_t attr;

	helper_set_session(c->session);
	if (helper_call_session_start(h, 0, HP_GID_DEFAULT,
				      &(struct hp_session_start){c->session, p9_str_c(c->peer)}, NULL,
				      NULL, NULL) < 0) {
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
	c->xport->serve(c);
	log_info("session %u: %s disconnected", c->session, c->peer);

out_close:
	/* Unanswered requests finish first; their replies may still go out. */
	if (writer_started)
		conn_wait_sent(c);
	else
		conn_wait_idle(c);
	if (writer_started) {
		pthread_mutex_lock(&c->lock);
		c->writer_quit = true;
		pthread_cond_signal(&c->wcond);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->writer, NULL);
	}
	while (c->spare) {
		struct p9_req *req = c->spare;

		c->spare = req->next_reply;
		free(req);
	}
	fid_table_destroy(&c->fids);
	if (session_started) {
		helper_set_session(c->session);
		helper_call_session_end(h, 0, HP_GID_DEFAULT, &(struct hp_session_end){c->session},
					NULL, NULL, NULL);
	}
	c->xport->close(c);
	c->host->gone(c->host, c); /* closes c->fd */
	pthread_cond_destroy(&c->cond);
	pthread_cond_destroy(&c->wcond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	/* Give what the connection's buffers took back to the system. */
	malloc_trim(0);
	return NULL;
}

int conn_start(struct conn_host *host, int fd, const char *peer, bool exit_on_close,
	       const struct conn_transport *xport)
{
	struct conn *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t tid;
	int err;

	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->host = host;
	c->fd = fd;
	c->exit_on_close = exit_on_close;
	c->msize = host->opt->msize;
	c->xport = xport;
	err = xport->open(c);
	if (err < 0) {
		close(fd);
		free(c);
		return err;
	}
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	fid_table_init(&c->fids, host->helper, host->opt->max_fids);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	pthread_cond_init(&c->wcond, NULL);

	c->session = host->joined(host, c);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CONN_THREAD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&tid, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (err) {
		xport->close(c);
		host->gone(host, c); /* closes fd */
		fid_table_destroy(&c->fids);
		pthread_cond_destroy(&c->cond);
		pthread_cond_destroy(&c->wcond);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return -err;
	}
	return 0;
}
