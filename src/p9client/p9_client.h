/*
 * p9_client.h - a 9P2000.L client on one connection, built on p9_codec.
 *
 * Used by p9guard-client, the integration tests, the benchmark and the
 * fuzz harnesses, so it stays small and exposes the protocol rather than
 * hiding it: callers choose fids, flags and modes themselves.
 *
 * Model.  One connection (struct p9_client) owns a stream socket and a
 * reader thread.  Every request takes a tag from the connection's table and
 * is registered before it is sent; the reader thread decodes each reply and
 * hands it to the request with that tag, in whatever order replies come.
 * Any number of threads may call on one connection at once (except
 * p9c_version and p9c_close).
 *
 * Two layers:
 *   - asynchronous: p9c_start() sends any T-message and returns a request
 *     handle at once; p9c_wait() waits for its reply; p9c_result() gives the
 *     decoded reply; p9c_release() returns the handle and its tag.  This is
 *     how a test keeps 1000 requests in flight or flushes one (p9c_start_flush).
 *   - synchronous: one function per message (p9c_walk, p9c_lopen, ...), plus
 *     chunked read/write, a readdir iterator and xattr get/set/list/remove.
 *
 * Errors.  Every function returns 0 (or a count, where documented) on
 * success and a negative errno on failure:
 *   -ecode      the server answered Rlerror (its Linux errno);
 *   -EINTR      the request was flushed (Rflush came before any reply);
 *   -EIO        the connection is gone (EOF, read or write error);
 *   -EPROTO     the server broke the protocol (malformed frame, wrong reply
 *               type, a reply for a tag that is not in flight, ...);
 *   -EMSGSIZE   the request does not fit in msize;
 *   -EAGAIN     all 65535 tags are in use;
 *   -ETIMEDOUT  a synchronous call outlived p9c_set_timeout() (the request
 *               stays in flight; its reply will be dropped);
 *   -ENOMEM, -EINVAL as usual.
 * A reply that decodes badly or has the wrong type fails only its request
 * (-EPROTO).  A broken stream (EOF, I/O error, a frame size outside
 * 7..msize, a reply for a tag not in flight, Rread data larger than asked)
 * kills the connection: every pending and later request fails with -EIO or
 * -EPROTO, and p9c_dead_reason() says why.
 *
 * Buffers.  Decoded replies point into a per-request buffer that is reused,
 * so steady-state traffic does no allocation.  Rread and Rreaddir data can be
 * received straight into a caller's buffer (the `sink` of p9c_start()).
 */
#ifndef P9_CLIENT_H
#define P9_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "p9_codec.h"

struct p9_client;
struct p9c_req;

/* msize requested by p9c_connect_*() when the caller passes 0. */
#define P9C_DEFAULT_MSIZE (512u * 1024u)

/* ---- connections ---- */

/*
 * Connect and negotiate: p9c_connect_unix() takes a socket path,
 * p9c_connect_tcp() "HOST:PORT" ("[v6addr]:PORT" for IPv6).  Both send
 * Tversion "9P2000.L" with `msize` (0 = P9C_DEFAULT_MSIZE).  On success
 * *out is the connection.  Connection failures return the socket errno
 * (-EHOSTUNREACH for a host name that does not resolve, -EINVAL for a
 * malformed HOST:PORT); a server that does not speak 9P2000.L gives
 * -EPROTONOSUPPORT.
 */
int p9c_connect_unix(const char *path, uint32_t msize, struct p9_client **out);
int p9c_connect_tcp(const char *hostport, uint32_t msize, struct p9_client **out);

/*
 * Wrap an already-connected stream socket (the connection takes ownership
 * of fd and closes it).  Nothing is sent: call p9c_version() next.  Until
 * then replies of up to P9_MAX_MSIZE bytes are accepted.
 */
int p9c_open_fd(int fd, struct p9_client **out);

/*
 * Tversion "9P2000.L" with msize (P9_MIN_MSIZE..P9_MAX_MSIZE).  On success
 * the connection's msize is the smaller of the two sides'.  No other request
 * may be in flight.
 */
int p9c_version(struct p9_client *c, uint32_t msize);

/*
 * Bound every wait of the synchronous calls (p9c_call and all below it) to
 * timeout_ms; < 0, the default, waits for ever.  Tests use it to never hang.
 */
void p9c_set_timeout(struct p9_client *c, int timeout_ms);

/* Shut the connection down, fail what is in flight, free everything.  No
 * other thread may still be using c. */
void p9c_close(struct p9_client *c);

uint32_t p9c_msize(const struct p9_client *c);
/* Largest count for one Tread/Twrite: msize minus P9_IOUNIT_OVERHEAD, as the
 * Linux client computes it when the server's iounit is 0. */
uint32_t p9c_iosize(const struct p9_client *c);
int p9c_fd(const struct p9_client *c);
/* NULL while the connection is alive, else why it died. */
const char *p9c_dead_reason(struct p9_client *c);

/* ---- fids ---- */

/* A fid not in use by this allocator (lowest free first), or P9_NOFID when
 * out of memory.  The library never frees fids by itself: clunk (or
 * remove) on the wire and p9c_fid_put() are separate steps. */
uint32_t p9c_fid_get(struct p9_client *c);
void p9c_fid_put(struct p9_client *c, uint32_t fid);

/* ---- asynchronous requests ---- */

/*
 * Send T-message *t (its tag is ignored: one is allocated, or P9_NOTAG for
 * Tversion).  `sink`, if not NULL, receives the data of an Rread or
 * Rreaddir directly (at most sinkcap bytes; a bigger one kills the
 * connection);
 * the reply's data pointer then points at sink.  Twrite data is sent from
 * t->u.twrite.data without copying.  A Tflush naming a request in flight
 * settles it as p9c_start_flush() does.  Returns 0 and *out, or a negative
 * errno (nothing in flight then).
 */
int p9c_start(struct p9_client *c, const struct p9_msg *t, void *sink, uint32_t sinkcap,
	      struct p9c_req **out);

/*
 * Send a raw frame (fuzzing, malformed-input tests) as it is, without
 * checking it or its length against msize, except that its tag field
 * (bytes 5..6) is replaced with the allocated tag; len must be at least 7.
 * The reply is decoded like any other; its type is not checked.
 */
int p9c_start_raw(struct p9_client *c, const void *frame, size_t len, struct p9c_req **out);

/*
 * Send Tflush for the in-flight request `old`.  When the Rflush arrives,
 * `old` completes with -EINTR unless its own reply came first.  Do not
 * release `old` before the flush has completed.
 */
int p9c_start_flush(struct p9_client *c, struct p9c_req *old, struct p9c_req **out);

/* The wire tag of a request (e.g. to log or to flush by hand). */
uint16_t p9c_req_tag(const struct p9c_req *r);

/* Wait until r has completed: 0, or -ETIMEDOUT after timeout_ms (< 0 waits
 * for ever).  A timed-out request is still in flight. */
int p9c_wait(struct p9c_req *r, int timeout_ms);

/* p9c_wait() with the connection's p9c_set_timeout() value. */
int p9c_wait_sync(struct p9c_req *r);

/*
 * The outcome of a completed request: 0 with *reply set to the decoded
 * R-message (valid until p9c_release), or a negative errno as described at
 * the top (Rlerror gives -ecode and *reply is the Rlerror).  reply may be
 * NULL.  -EBUSY if r has not completed.
 */
int p9c_result(struct p9c_req *r, const struct p9_msg **reply);

/* Give back a request handle (completed or not; an uncompleted one keeps
 * its tag reserved until its reply or the connection's end, and its sink is
 * never written after this returns: a late Rread/Rreaddir is dropped, and
 * one being received at that very moment ends the connection). */
void p9c_release(struct p9c_req *r);

/* start + wait + result; on success the caller reads *reply and then calls
 * p9c_release(*rp).  On failure *rp is already released. */
int p9c_call(struct p9_client *c, const struct p9_msg *t, void *sink, uint32_t sinkcap,
	     struct p9c_req **rp, const struct p9_msg **reply);

/* ---- synchronous calls, one per message ---- */

int p9c_attach(struct p9_client *c, uint32_t fid, uint32_t afid, const char *uname,
	       const char *aname, uint32_t n_uname, struct p9_qid *qid);

/*
 * Twalk fid -> newfid through nwname (0..16) names.  Returns the number of
 * qids in the Rwalk (newfid exists only when that equals nwname; 0 names
 * clones fid) or a negative errno.  qids may be NULL.
 */
int p9c_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
	     const char *const *wnames, struct p9_qid *qids);

/*
 * Walk a '/'-separated path (empty components ignored, so "" and "/" clone
 * fid), 16 names per Twalk; newfid must differ from fid.  Returns 0 when
 * newfid names the whole path, -ENOENT when the server stopped early (as
 * the Linux client does), or
 * another negative errno; newfid is not left behind on failure.  *qid (may
 * be NULL) gets the last qid walked; it is left alone for an empty path.
 */
int p9c_walk_path(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *path,
		  struct p9_qid *qid);

/* Open fid (flags are P9_DOTL_*).  qid and iounit may be NULL. */
int p9c_lopen(struct p9_client *c, uint32_t fid, uint32_t flags, struct p9_qid *qid,
	      uint32_t *iounit);
/* Create and open `name` in directory fid; fid then refers to the new file. */
int p9c_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t flags,
		uint32_t mode, uint32_t gid, struct p9_qid *qid, uint32_t *iounit);

/*
 * Read up to count bytes at offset into buf.  Large reads are split into
 * Treads of p9c_iosize() bytes, several in flight at once, received without
 * copying.  Stops at the first short Rread (end of file).  Returns the bytes
 * read (the total before the first failed chunk) or a negative errno when
 * nothing could be read.
 */
ssize_t p9c_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, size_t count);
/* The same for writing; stops at the first short Rwrite (chunks already in
 * flight after it may still have been written). */
ssize_t p9c_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
		  size_t count);

/* One Treaddir: up to count bytes of whole entries into buf.  Returns the
 * byte count (0 = end of directory) or a negative errno.  Walk the entries
 * with p9_dirent_next() from p9_codec.h. */
ssize_t p9c_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf,
		    uint32_t count);

/*
 * Directory iterator over an opened directory fid, refilling buf by
 * Treaddir as needed.  The entry's name points into buf and is valid until
 * the next call.  `offset` is the resume cookie: after p9c_dir_next()
 * returned an entry it is that entry's offset, so a new iterator started
 * there continues with the following entry.
 */
struct p9c_dir {
	struct p9_client *c;
	uint32_t fid;
	uint64_t offset;	/* resume cookie */
	uint8_t *buf;
	uint32_t cap;
	size_t len, pos;
	int eof;
};
void p9c_dir_init(struct p9c_dir *d, struct p9_client *c, uint32_t fid, void *buf,
		  uint32_t cap, uint64_t offset);
/* 1 and *ent, 0 at the end, or a negative errno (-EPROTO: bad entry). */
int p9c_dir_next(struct p9c_dir *d, struct p9_dirent *ent);

int p9c_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_rgetattr *out);
/* Tsetattr with the fields of *sa; sa->fid is replaced by fid. */
int p9c_setattr(struct p9_client *c, uint32_t fid, const struct p9_tsetattr *sa);
int p9c_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
	      struct p9_qid *qid);
int p9c_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
		uint32_t gid, struct p9_qid *qid);
int p9c_mknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	      uint32_t major, uint32_t minor, uint32_t gid, struct p9_qid *qid);
int p9c_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name);
int p9c_rename(struct p9_client *c, uint32_t fid, uint32_t dfid, const char *name);
int p9c_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, uint32_t newdfid,
		 const char *newname);
/* flags: 0 or P9_AT_REMOVEDIR. */
int p9c_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags);
/* Copies the target NUL-terminated into buf; returns its length, or
 * -ENAMETOOLONG when buf is too small. */
int p9c_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t bufsz);
int p9c_statfs(struct p9_client *c, uint32_t fid, struct p9_rstatfs *out);
int p9c_fsync(struct p9_client *c, uint32_t fid, uint32_t datasync);
/* Tlock; *status (may be NULL) gets P9_LOCK_SUCCESS/BLOCKED/ERROR/GRACE. */
int p9c_lock(struct p9_client *c, const struct p9_tlock *lk, uint8_t *status);
/*
 * Tgetlock; the reply goes to *out, its client_id copied NUL-terminated
 * into cid (cidsz bytes, truncated) and out->client_id pointing there.
 */
int p9c_getlock(struct p9_client *c, const struct p9_getlock *lk, struct p9_getlock *out,
		char *cid, size_t cidsz);
/* Tflush for `old` and wait for the Rflush (see p9c_start_flush). */
int p9c_flush(struct p9_client *c, struct p9c_req *old);
int p9c_clunk(struct p9_client *c, uint32_t fid);
int p9c_remove(struct p9_client *c, uint32_t fid);

/* ---- extended attributes (use a temporary fid from p9c_fid_get) ---- */

/*
 * Value of xattr `name` of fid into buf: Txattrwalk + Treads + Tclunk.
 * size 0 returns the value's length only; a value longer than size is
 * -ERANGE.  Returns the length or a negative errno (-ENODATA: no such
 * attribute).
 */
ssize_t p9c_xattr_get(struct p9_client *c, uint32_t fid, const char *name, void *buf,
		      size_t size);
/* The NUL-separated list of names (as listxattr(2)); same conventions. */
ssize_t p9c_xattr_list(struct p9_client *c, uint32_t fid, void *buf, size_t size);
/*
 * Set: clone fid, Txattrcreate (flags: 0, XATTR_CREATE or XATTR_REPLACE),
 * Twrite the value, Tclunk.  The server commits at the clunk, so its error
 * there is the result.
 */
int p9c_xattr_set(struct p9_client *c, uint32_t fid, const char *name, const void *value,
		  size_t size, uint32_t flags);
/* Remove: Txattrcreate with size 0 (and XATTR_REPLACE, as Linux sends). */
int p9c_xattr_remove(struct p9_client *c, uint32_t fid, const char *name);

#endif
