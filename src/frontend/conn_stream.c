/*
 * conn_stream.c - the stream transport: 9P frames read from a socket (unix
 * or TCP) or any other byte stream, replies written back to it.  It feeds
 * the request layer (conn.c) one frame at a time; see conn.h for the seam.
 *
 * One recv() takes whatever has arrived into a per-connection buffer, which
 * may hold several small frames; a big frame is read into its own buffer,
 * which grows as its bytes arrive, so that a size field alone allocates
 * nothing big, and it must complete within --frame-timeout once its first
 * byte came.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/busypoll.h"
#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/options.h"

/* A frame's buffer starts this big and doubles as its bytes arrive. */
#define STREAM_FRAME_CHUNK (64u * 1024u)
_Static_assert(CONN_INBUF_SIZE <= STREAM_FRAME_CHUNK, "a frame's first chunk holds the input buffer");

/* stream_recv() results besides a byte count */
#define RECV_ERROR (-1)
#define RECV_TIMEOUT (-2)

struct stream {
	bool is_socket;	    /* recv(MSG_DONTWAIT) works; else poll() + read() */
	struct busypoll bp; /* the reader's, waiting for requests */
	/* the input buffer: bytes [in_off, in_end) not yet framed */
	uint8_t *inbuf;
	size_t in_off, in_end;
};

static struct stream *stream_of(const struct conn *c)
{
	return c->xport_data;
}

/* Milliseconds on the monotonic clock. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Poll the socket for up to the connection's busy-poll window (see
 * common/busypoll.h).  The count, 0 at EOF, RECV_ERROR, or RECV_TIMEOUT
 * when nothing came within the window.
 */
static ssize_t stream_recv_polling(struct conn *c, void *buf, size_t n, int64_t start)
{
	struct stream *s = stream_of(c);
	int64_t end = busypoll_deadline(&s->bp, start);
	ssize_t r;

	do {
		r = recv(c->fd, buf, n, MSG_DONTWAIT);
		if (r >= 0)
			return r;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return errno == ENOTSOCK ? RECV_TIMEOUT : RECV_ERROR;
	} while (busypoll_now() < end);
	return RECV_TIMEOUT;
}

/*
 * Read what has arrived, up to n bytes, waiting for at least one until
 * `deadline` (now_ms() time; -1 = no limit).  Returns the count (> 0), 0 at
 * EOF, RECV_ERROR or RECV_TIMEOUT.  The socket stays blocking for the
 * sender: sockets are first polled for a short while when the client has
 * been quick (busy polling), then read by blocking in recv() (no deadline)
 * or with MSG_DONTWAIT after poll(); anything else after poll().
 * (Waiting in poll(POLLIN) would spare the wake-up a thread asleep in
 * recv() on a unix stream socket gets each time the client reads one of
 * our replies, but measured slower with 1 and 4 connections, and no
 * faster with 16.)
 */
static ssize_t stream_recv(struct conn *c, void *buf, size_t n, int64_t deadline)
{
	struct stream *s = stream_of(c);
	int64_t start = s->bp.max_ns && s->is_socket ? busypoll_now() : 0;
	ssize_t r = RECV_TIMEOUT;

	if (start && s->bp.ns && busypoll_begin(0)) {
		r = stream_recv_polling(c, buf, n, start);
		busypoll_end();
	}
	for (; r == RECV_TIMEOUT;) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int timeout = -1, prc;

		if (s->is_socket) {
			r = recv(c->fd, buf, n, deadline < 0 ? 0 : MSG_DONTWAIT);
			if (r >= 0)
				break;
			r = RECV_TIMEOUT;
			if (errno == ENOTSOCK) {
				s->is_socket = false;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return RECV_ERROR;
		}
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return RECV_TIMEOUT;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		prc = poll(&pfd, 1, timeout);
		if (prc < 0 && errno != EINTR)
			return RECV_ERROR;
		if (prc == 0)
			return RECV_TIMEOUT;
		if (prc > 0 && !s->is_socket) {
			r = read(c->fd, buf, n);
			if (r >= 0)
				return r;
			if (errno != EINTR && errno != EAGAIN)
				return RECV_ERROR;
			r = RECV_TIMEOUT;
		}
	}
	if (start)
		busypoll_adapt(&s->bp, start);
	return r;
}

static int stream_send(struct conn *c, struct p9_req *req, bool may_block)
{
	bool is_socket = stream_of(c)->is_socket;

	while (req->rsent < req->rlen) {
		const uint8_t *p = req->rbuf + req->rsent;
		size_t n = req->rlen - req->rsent;
		ssize_t w;

		if (is_socket)
			w = send(c->fd, p, n, MSG_NOSIGNAL | (may_block ? 0 : MSG_DONTWAIT));
		else
			w = write(c->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !may_block)
			return 1;
		if (w <= 0)
			return -1;
		req->rsent += (size_t)w;
	}
	return 0;
}

/* A pipe or tty cannot be written without blocking: that is the writer's job. */
static bool stream_sends_at_once(const struct conn *c)
{
	return stream_of(c)->is_socket;
}

/* A frame was cut short after `got` bytes: say why; -1 closes the connection. */
static int stream_frame_cut(struct conn *c, ssize_t r, size_t got)
{
	if (r == RECV_TIMEOUT)
		log_info("session %u: a message stayed incomplete for %u s (%zu bytes came); "
			 "closing the connection",
			 c->session, c->host->opt->frame_timeout, got);
	else
		log_debug("session %u: connection ended inside a message (%zu bytes came)",
			  c->session, got);
	return -1;
}

/* Input bytes buffered and not yet taken by a frame. */
static size_t stream_inbuf_avail(const struct stream *s)
{
	return s->in_end - s->in_off;
}

static bool stream_more_pending(const struct conn *c)
{
	return stream_inbuf_avail(stream_of(c)) > 0;
}

/* recv() what has arrived into the input buffer, after what it holds. */
static ssize_t stream_fill(struct conn *c, int64_t deadline)
{
	struct stream *s = stream_of(c);
	ssize_t r;

	if (s->in_off > 0) {
		memmove(s->inbuf, s->inbuf + s->in_off, stream_inbuf_avail(s));
		s->in_end -= s->in_off;
		s->in_off = 0;
	}
	r = stream_recv(c, s->inbuf + s->in_end, CONN_INBUF_SIZE - s->in_end, deadline);
	if (r > 0)
		s->in_end += (size_t)r;
	return r;
}

/*
 * Read one frame.  1 with the frame and its length, 0 at EOF, -1 on a
 * framing error, a timeout or a connection error.  Small frames come out of
 * the input buffer (one recv() may bring several); the rest of a big one is
 * read into its own buffer, which grows as the bytes arrive.  A frame of up
 * to P9_REQ_INLINE bytes goes to `small` instead (the request's own
 * frame_inline).
 */
static int stream_read_frame(struct conn *c, uint8_t *small, uint8_t **frame, uint32_t *len)
{
	const struct fe_options *o = c->host->opt;
	struct stream *s = stream_of(c);
	int64_t deadline = -1;
	uint8_t *buf;
	size_t got, cap;
	uint32_t size;
	ssize_t r;
	int rc;

	/* The first byte: whenever the client likes, unless --idle-timeout. */
	while (stream_inbuf_avail(s) == 0) {
		int64_t idle = o->idle_timeout ? now_ms() + 1000 * (int64_t)o->idle_timeout : -1;

		r = stream_fill(c, idle);
		if (r == RECV_TIMEOUT) {
			if (conn_is_idle(c)) {
				log_info("session %u: idle for %u s; closing the connection",
					 c->session, o->idle_timeout);
				return -1;
			}
			continue;
		}
		if (r <= 0)
			return r == 0 ? 0 : -1;
	}
	/* Once a message has begun, all of it must come within --frame-timeout. */
	if (o->frame_timeout)
		deadline = now_ms() + 1000 * (int64_t)o->frame_timeout;
	while (stream_inbuf_avail(s) < 4) {
		r = stream_fill(c, deadline);
		if (r <= 0)
			return stream_frame_cut(c, r, stream_inbuf_avail(s));
	}
	rc = p9_frame_size(s->inbuf + s->in_off, 4, c->msize, &size);
	if (rc != P9_OK) {
		log_warn("session %u: bad frame: %s", c->session, p9_strerror(rc));
		return -1;
	}
	cap = size < STREAM_FRAME_CHUNK ? size : STREAM_FRAME_CHUNK;
	buf = size <= P9_REQ_INLINE ? small : malloc(cap);
	if (!buf) {
		log_err("session %u: out of memory", c->session);
		return -1;
	}
	/* cap >= what the input buffer can hold of this frame: see CONN_INBUF_SIZE */
	got = stream_inbuf_avail(s) < size ? stream_inbuf_avail(s) : size;
	memcpy(buf, s->inbuf + s->in_off, got);
	s->in_off += got;
	if (s->in_off == s->in_end)
		s->in_off = s->in_end = 0;
	while (got < size) {
		if (got == cap) {
			size_t ncap = cap * 2 < size ? cap * 2 : size;
			uint8_t *nbuf = realloc(buf, ncap);

			if (!nbuf) { /* cap < size: buf is not small */
				log_err("session %u: out of memory", c->session);
				free(buf);
				return -1;
			}
			buf = nbuf;
			cap = ncap;
		}
		r = stream_recv(c, buf + got, cap - got, deadline);
		if (r <= 0) {
			if (buf != small)
				free(buf);
			return stream_frame_cut(c, r, got);
		}
		got += (size_t)r;
	}
	*frame = buf;
	*len = size;
	return 1;
}

/* The connection's thread: frames until EOF, an error or malformed input. */
static void stream_serve(struct conn *c)
{
	for (;;) {
		struct p9_req *req;
		uint8_t *frame;
		uint32_t len;

		conn_wait_room(c);
		req = conn_req_get(c);
		if (!req) {
			log_err("session %u: out of memory", c->session);
			return;
		}
		if (stream_read_frame(c, req->frame_inline, &frame, &len) <= 0) {
			conn_req_discard(req);
			return;
		}
		if (conn_take_frame(c, req, frame, len) < 0)
			return;
	}
}

static int stream_open(struct conn *c)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->inbuf = malloc(CONN_INBUF_SIZE);
	if (!s->inbuf) {
		free(s);
		return -ENOMEM;
	}
	s->is_socket = true; /* until recv() says ENOTSOCK */
	busypoll_init(&s->bp, c->host->opt->busy_poll);
	c->xport_data = s;
	return 0;
}

static void stream_close(struct conn *c)
{
	struct stream *s = stream_of(c);

	if (s)
		free(s->inbuf);
	free(s);
	c->xport_data = NULL;
}

const struct conn_transport conn_stream_transport = {
	.name = "stream",
	.open = stream_open,
	.serve = stream_serve,
	.send = stream_send,
	.sends_at_once = stream_sends_at_once,
	.more_pending = stream_more_pending,
	.close = stream_close,
};
