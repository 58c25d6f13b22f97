/*
 * conn.h - one client connection: its request layer (the tag table with
 * Tflush, limits, the single respond path, the send queue and its writer
 * thread) and the seam to the transport that brings its frames.
 *
 * The seam, in DESIGN's terms: a transport is where the guest's 9P frames
 * come from and where their replies go (struct conn_transport).  It is
 * untrusted input all the same, and knows nothing of 9P beyond a frame's
 * size field.  Two exist: a byte stream (conn_stream.c: unix or TCP
 * sockets, an inherited descriptor) and a virtqueue shared with a
 * vhost-user front-end (vu_dev.c).  Both hand each request frame to
 * conn_take_frame() on the connection's thread, and send replies in
 * the order the request layer queues them (send()).  Everything else,
 * from decoding to the helper call, is the same whatever the transport.
 *
 * The connection's thread hands each request to the worker pool, or runs
 * it itself when a hand-off would only add a wake-up: Tversion and Tflush,
 * Tclunk and Tgetattr when they need no helper call, and any request that
 * is the connection's only one in flight with nothing more pending in the
 * transport.
 * Nobody waits for the helper's reply to a Twalk, Tlopen, Tlcreate,
 * Tmkdir, Tunlinkat or Tremove (P9_OP_ASYNC) that a worker runs, or that
 * the connection's thread runs because more of the connection's requests are under
 * way: the request is finished by the thread that receives the reply
 * (req->async; p9_async.c, helper_client.h), and the connection's thread
 * runs these itself rather than waking a worker only to send one helper
 * request.
 * Every request is answered exactly once through p9_respond*(), which
 * queues the reply; replies go out in queue order, so an Rflush always
 * follows the reply of the request it flushed.
 *
 * Sending: whoever queues a reply while nobody is sending takes the send
 * token and writes the queue itself, without waiting (MSG_DONTWAIT), so a
 * reply normally leaves from the thread that made it, with no hand-off.
 * When the transport would block (a full socket), the token passes to the
 * connection's writer thread, which waits for room; a worker never blocks
 * on a slow client.
 *
 * Limits (options.h), so that a client that stops reading, or sends and
 * never finishes, holds a bounded amount of memory and no slot forever:
 *  - requests stay counted until their reply is written; at most
 *    --max-requests per connection;
 *  - their bytes stay charged until then too: the request frame until it is
 *    answered, the reply's upper bound (Rread/Rreaddir: 11 + count) while it
 *    is being made, then its real size until written.  While a connection's
 *    charge is at --max-buffered the reader stops reading requests
 *    (backpressure: nothing is dropped), so one connection holds at most
 *    --max-buffered plus one request's frame and reply (2 x msize);
 *  - a stream's frame is read into a buffer that grows as its bytes
 *    arrive, and must complete within --frame-timeout seconds once its
 *    first byte came (conn_stream.c);
 *  - besides, each thread that has run a Tread or Treaddir keeps one reply
 *    buffer of up to msize (p9_reply_buffer()): the workers, and the
 *    connection's thread, which runs a request itself when it is the connection's only
 *    one in flight (and Tclunk, Tgetattr when they need no helper call);
 *  - a connection keeps up to CONN_SPARE_MAX (32) written requests for
 *    reuse, each with room for a frame and a reply of P9_REQ_INLINE bytes
 *    (under 1 KiB a request), so that small requests allocate nothing;
 *  - with --idle-timeout, a connection that sent nothing for that long while
 *    nothing of its was in flight is closed.
 * When a connection ends, malloc_trim() gives the heap back.
 */
#ifndef P9G_FE_CONN_H
#define P9G_FE_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/workq.h"
#include "p9_codec.h"

#define CONN_PEER_MAX 128
/* The connection's thread's and the writer's stacks. */
#define CONN_THREAD_STACK (256u * 1024u)
/* A stream connection's input buffer (conn_stream.c). */
#define CONN_INBUF_SIZE (16u * 1024u)
/* Written requests a connection keeps for reuse (conn->spare). */
#define CONN_SPARE_MAX 32
/* Frames and replies up to this size live in the request itself. */
#define P9_REQ_INLINE 256

struct p9_req;
struct p9_op;
struct conn;
struct fe_options;

/*
 * What a connection needs of the server that runs it: filled by server.c
 * before the first connection, read-only afterwards.  The request layer
 * reaches the server, the helper and the request table only through it.
 */
struct conn_host {
	const struct fe_options *opt;
	struct helper *helper;
	struct workq *wq;
	/* the request table (p9_dispatch.c): a type's row or NULL; run req */
	const struct p9_op *(*op_lookup)(uint8_t type);
	void (*dispatch)(struct p9_req *req);
	/* c starts: count it in and give its session number (> 0) */
	uint32_t (*joined)(struct conn_host *h, struct conn *c);
	/* c has finished tearing down: count it out and close c->fd */
	void (*gone)(struct conn_host *h, struct conn *c);
};

/* Where a connection's frames come from and its replies go (see above). */
struct conn_transport {
	const char *name;
	/* Set up c->xport_data; 0 or -errno. */
	int (*open)(struct conn *c);
	/* The connection's thread, once its session is started: take requests
	 * (conn_wait_room(), conn_req_get(), conn_take_frame()) until the
	 * connection ends.  shutdown() of c->fd must make it return. */
	void (*serve)(struct conn *c);
	/* Write what is left of req's reply (rbuf, rlen, rsent): 0 when all of
	 * it is out, 1 when it would block and !may_block, -1 on an error.
	 * Called by the holder of the send token only, in queue order. */
	int (*send)(struct conn *c, struct p9_req *req, bool may_block);
	/* send() may be tried by whoever queues a reply (else the writer's job). */
	bool (*sends_at_once)(const struct conn *c);
	/* More requests have arrived and wait to be taken. */
	bool (*more_pending)(const struct conn *c);
	/* Free c->xport_data (c->fd is closed by the server). */
	void (*close)(struct conn *c);
	/*
	 * Optional, for a transport whose replies land in the client's own
	 * buffers (a virtqueue's chains): Rread's data by preadv() straight
	 * into req's reply room, after its first `skip` bytes; the count or
	 * -errno.  The reply's header follows with p9_respond_placed().
	 */
	ssize_t (*read_into_reply)(struct conn *c, struct p9_req *req, int fd, off_t off,
				   size_t count, size_t skip);
	/* Optional: a Twrite whose data the transport kept (req->data_kept):
	 * pwritev() it to fd at off (the count or -errno), or copy it to dst. */
	ssize_t (*write_kept)(struct conn *c, struct p9_req *req, int fd, off_t off);
	int (*copy_kept)(struct conn *c, struct p9_req *req, void *dst);
};

extern const struct conn_transport conn_stream_transport; /* conn_stream.c */

/*
 * A request that its helper reply answers, in whichever thread receives
 * it (p9_async.c): finish(req, fid, rc, rep, fd) then, as
 * helper_client.h gives rc, rep and fd; it puts fid and answers req.
 */
typedef void (*p9_async_finish)(struct p9_req *req, struct fid *fid, int rc,
				const struct hp_rep *rep, int fd);
struct p9_async {
	struct helper_async a; /* what p9_async_begin() returns */
	struct fid *fid;       /* referenced; put by finish */
	p9_async_finish finish;
	uint64_t changes; /* Twalk: p9_change_count() before the helper looked */
};

struct p9_req {
	struct work_item work; /* queued on the worker pool */
	struct conn *conn;
	uint16_t tag;
	uint32_t msize; /* negotiated msize when the request arrived */
	uint8_t *frame; /* the request frame; `in` points into it */
	size_t frame_len;    /* charged to conn->buffered while frame is held */
	size_t reply_charge; /* the reply's bound, then its size, charged likewise */
	struct p9_msg in;
	bool responded;
	bool may_defer; /* its helper reply's receiver may answer it (p9_async.c) */
	bool changes; /* may change the export: p9_change_note() at both ends */
	struct p9_req *next_inflight; /* conn's list of unanswered requests */
	struct p9_req *flushers;      /* Tflush requests waiting for this one */
	struct p9_req *next_flusher;
	struct p9_async async; /* at most one helper call answers a request */
	uint8_t *rbuf; /* the encoded reply */
	size_t rlen;
	size_t rsent;  /* bytes of it already written */
	bool rborrowed; /* rbuf is the sender's p9_reply_buffer(), not ours */
	struct p9_req *next_reply; /* writer queue, then conn's spare list */
	uint32_t xport_id; /* the transport's name for where the reply goes: a chain's head */
	uint32_t rplaced;  /* reply bytes the transport already put after rbuf's */
	bool data_kept;	   /* Twrite: its data stayed in the transport (write_kept()) */
	uint32_t kept_len; /* ... this many bytes */
	/* Last, so that a spare request is reset by clearing what is above:
	 * most frames and replies fit here, and need no allocation. */
	uint8_t frame_inline[P9_REQ_INLINE];
	uint8_t reply_inline[P9_REQ_INLINE];
};

struct conn {
	struct conn_host *host;
	int fd;
	uint32_t session;
	char peer[CONN_PEER_MAX];
	bool exit_on_close; /* connected-fd: the server ends with this connection */
	uint32_t msize;	    /* negotiated; our maximum before Tversion */
	bool versioned;
	const struct conn_transport *xport;
	void *xport_data;
	struct fid_table fids;

	pthread_mutex_t lock;	 /* everything below */
	pthread_cond_t cond;	 /* nreqs/inflight went down */
	pthread_cond_t wcond;	 /* writer: queue not empty or quit */
	struct p9_req *inflight; /* unanswered requests, by tag */
	unsigned int nreqs;	 /* read and not yet written */
	size_t buffered;	 /* bytes charged by those requests */
	struct p9_req *rq_head, *rq_tail;
	bool sending;	   /* a thread holds the send token (see above) */
	bool writer_turn;  /* ... and it is the writer thread's: the socket was full */
	bool writer_quit;
	bool broken; /* a write failed: discard replies */
	struct p9_req *spare; /* written requests, for the transport to reuse */
	unsigned int nspare;
	pthread_t writer;
	struct conn *next; /* the server's list (server.c) */
};

/*
 * Start serving `fd` (the connection takes it over) through `xport`:
 * spawns the connection's thread, which spawns the writer.  0 or -errno
 * (then fd is closed).
 */
int conn_start(struct conn_host *host, int fd, const char *peer, bool exit_on_close,
	       const struct conn_transport *xport);

/* ---- for the transports ---- */

/* Wait until the connection may hold one more request (backpressure). */
void conn_wait_room(struct conn *c);
/* A cleared request to read a frame into (its frame_inline holds up to
 * P9_REQ_INLINE bytes); NULL when out of memory. */
struct p9_req *conn_req_get(struct conn *c);
/* Free a request that conn_take_frame() never took. */
void conn_req_discard(struct p9_req *req);
/*
 * Decode and start one request frame, in req, which it takes with the
 * frame (req->frame_inline or malloc'ed).  -1: malformed input, close the
 * connection.
 */
int conn_take_frame(struct conn *c, struct p9_req *req, uint8_t *frame, uint32_t len);
/* Nothing of the connection's is in flight or waiting to be written. */
bool conn_is_idle(struct conn *c);
/* Wait until every request taken so far has been answered and written. */
void conn_wait_sent(struct conn *c);

/* ---- for the request handlers ---- */

/* Encode and send *r (its tag is set here). */
void p9_respond(struct p9_req *req, struct p9_msg *r);
/* Rlerror; err is an errno, either sign; mapped into 1..4095, never 524. */
void p9_respond_error(struct p9_req *req, int err);
/* Send a frame the handler built (Rread/Rreaddir); takes the malloc'ed buf. */
void p9_respond_frame(struct p9_req *req, uint8_t *buf, size_t len);
/*
 * The calling thread's reply buffer, at least `size` bytes, for building an
 * Rread/Rreaddir without a per-request allocation; NULL when out of memory.
 * Valid until the thread's next call.  Answer with p9_respond_borrowed(),
 * which sends from it at once when it can and copies it otherwise.
 */
uint8_t *p9_reply_buffer(size_t size);
void p9_respond_borrowed(struct p9_req *req, uint8_t *buf, size_t len);
/*
 * Rread's data straight into the client's reply buffers when the transport
 * can (read_into_reply above): the count or -errno; -ENOSYS when it cannot,
 * then read into p9_reply_buffer() as usual.  After a count, answer with
 * p9_respond_placed(req, header, P9_IOHDR_SIZE, count).
 */
ssize_t p9_read_placed(struct p9_req *req, int fd, off_t off, size_t count);
void p9_respond_placed(struct p9_req *req, const uint8_t *hdr, size_t hlen, size_t placed);
/* Twrite's data to fd at off, wherever it is (the frame, or kept by the
 * transport); the count or -errno.  p9_twrite_data() copies it to dst. */
ssize_t p9_write_data(struct p9_req *req, int fd, off_t off);
int p9_twrite_data(struct p9_req *req, void *dst);

/* Tversion: wait is done by the reader; forget all fids, set msize. */
void conn_reset_session(struct conn *c, uint32_t msize);
/* Tflush: answered now if oldtag is idle, else right after oldtag's reply. */
void conn_flush(struct p9_req *req, uint16_t oldtag);

struct helper *req_helper(const struct p9_req *req);
struct fid_table *req_fids(const struct p9_req *req);
/* Our configured maximum msize. */
uint32_t req_max_msize(const struct p9_req *req);
/* The most data an Rread or Rreaddir may carry: count, cut to the msize. */
uint32_t req_io_count(const struct p9_req *req, uint32_t count);

#endif
