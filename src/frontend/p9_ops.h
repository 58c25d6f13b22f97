/*
 * p9_ops.h - the 9P2000.L request table and one handler per message.
 *
 * Each handler takes the request, checks first, changes state only on
 * success, and answers exactly once through p9_respond*() (conn.h).
 */
#ifndef P9G_FE_P9_OPS_H
#define P9G_FE_P9_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/p9_changes.h"

struct p9_req;

enum {
	P9_OP_INLINE = 1,    /* run on the connection's reader thread, not a worker */
	P9_OP_DRAIN = 2,     /* wait until no other request is unanswered */
	P9_OP_NOSESSION = 4, /* allowed before Tversion */
	P9_OP_NOCHANGE = 8,  /* changes nothing a Tgetattr reports */
	P9_OP_ASYNC = 16,    /* may be answered by the helper reply's receiver */
};

struct p9_op {
	const char *name;
	void (*fn)(struct p9_req *req);
	unsigned int flags;
	/*
	 * Optional: true when this request will not wait for the helper (or
	 * anything slow), so the reader runs it itself and saves the hand-off
	 * to a worker.  A guess: if it turns out wrong, the request still
	 * runs correctly, only on the reader thread.
	 */
	bool (*quick)(struct p9_req *req);
};

/* The row for a T-message type, or NULL (answered EOPNOTSUPP). */
const struct p9_op *p9_op_lookup(uint8_t type);
/* Run a request's handler (worker or reader thread). */
void p9_dispatch(struct p9_req *req);

/* p9_session.c */
void p9_version(struct p9_req *req);
void p9_auth(struct p9_req *req);
void p9_attach(struct p9_req *req);
void p9_flush(struct p9_req *req);
void p9_clunk(struct p9_req *req);
bool p9_clunk_is_quick(struct p9_req *req);
void p9_remove(struct p9_req *req);
/* p9_walk.c */
void p9_walk(struct p9_req *req);
/* p9_file.c */
void p9_lopen(struct p9_req *req);
void p9_lcreate(struct p9_req *req);
void p9_read(struct p9_req *req);
void p9_write(struct p9_req *req);
void p9_fsync(struct p9_req *req);
/* p9_readdir.c */
void p9_readdir(struct p9_req *req);
/* p9_attr.c */
void p9_getattr(struct p9_req *req);
bool p9_getattr_is_quick(struct p9_req *req);
void p9_setattr(struct p9_req *req);
void p9_statfs(struct p9_req *req);
void p9_readlink(struct p9_req *req);
/* p9_dir.c */
void p9_mkdir(struct p9_req *req);
void p9_symlink(struct p9_req *req);
void p9_mknod(struct p9_req *req);
void p9_link(struct p9_req *req);
void p9_rename(struct p9_req *req);
void p9_renameat(struct p9_req *req);
void p9_unlinkat(struct p9_req *req);
/* p9_lock.c */
void p9_lock(struct p9_req *req);
void p9_getlock(struct p9_req *req);
/* p9_xattr.c */
void p9_xattrwalk(struct p9_req *req);
void p9_xattrcreate(struct p9_req *req);
/* Tclunk of a FID_XATTR_WRITE fid: commit; returns 0 or -errno. */
struct fid;
int p9_xattr_commit(struct p9_req *req, struct fid *f);

/*
 * p9_async.c: for a request that may be deferred (req->may_defer), what
 * makes its helper call answer it when the reply comes (req->async; struct
 * p9_async in conn.h): finish runs then, puts fid and answers req.
 * Returns NULL to mean: wait for the reply (req->may_defer unset).  When
 * the call was then not sent (it returned an error), answer as usual.
 */
const struct helper_async *p9_async_begin(struct p9_req *req, struct fid *fid,
					  p9_async_finish finish);

#endif
