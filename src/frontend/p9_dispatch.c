/* p9_dispatch.c - the table of 9P2000.L requests the frontend serves. */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

/*
 * One row per T-message.  Absent rows (Tauth aside, the legacy 9P2000 and
 * 9P2000.u messages, R-messages) are answered EOPNOTSUPP by the reader.
 */
static const struct p9_op p9_op_table[256] = {
    [P9_TVERSION] = {"version", p9_version,
		     P9_OP_INLINE | P9_OP_DRAIN | P9_OP_NOSESSION | P9_OP_NOCHANGE},
    [P9_TAUTH] = {"auth", p9_auth, P9_OP_NOCHANGE},
    [P9_TATTACH] = {"attach", p9_attach, P9_OP_NOCHANGE},
    [P9_TFLUSH] = {"flush", p9_flush, P9_OP_INLINE | P9_OP_NOSESSION | P9_OP_NOCHANGE},
    [P9_TWALK] = {"walk", p9_walk, P9_OP_NOCHANGE | P9_OP_ASYNC},
    [P9_TLOPEN] = {"lopen", p9_lopen, P9_OP_ASYNC},
    [P9_TLCREATE] = {"lcreate", p9_lcreate, P9_OP_ASYNC},
    [P9_TREAD] = {"read", p9_read, 0},
    [P9_TWRITE] = {"write", p9_write, 0},
    [P9_TCLUNK] = {"clunk", p9_clunk, P9_OP_NOCHANGE, p9_clunk_is_quick},
    [P9_TREMOVE] = {"remove", p9_remove, P9_OP_ASYNC},
    [P9_TSTATFS] = {"statfs", p9_statfs, P9_OP_NOCHANGE},
    [P9_TSYMLINK] = {"symlink", p9_symlink, 0},
    [P9_TMKNOD] = {"mknod", p9_mknod, 0},
    [P9_TRENAME] = {"rename", p9_rename, 0},
    [P9_TREADLINK] = {"readlink", p9_readlink, P9_OP_NOCHANGE},
    [P9_TGETATTR] = {"getattr", p9_getattr, P9_OP_NOCHANGE, p9_getattr_is_quick},
    [P9_TSETATTR] = {"setattr", p9_setattr, 0},
    [P9_TXATTRWALK] = {"xattrwalk", p9_xattrwalk, P9_OP_NOCHANGE},
    [P9_TXATTRCREATE] = {"xattrcreate", p9_xattrcreate, 0},
    [P9_TREADDIR] = {"readdir", p9_readdir, 0},
    [P9_TFSYNC] = {"fsync", p9_fsync, P9_OP_NOCHANGE},
    [P9_TLOCK] = {"lock", p9_lock, P9_OP_NOCHANGE},
    [P9_TGETLOCK] = {"getlock", p9_getlock, P9_OP_NOCHANGE},
    [P9_TLINK] = {"link", p9_link, 0},
    [P9_TMKDIR] = {"mkdir", p9_mkdir, P9_OP_ASYNC},
    [P9_TRENAMEAT] = {"renameat", p9_renameat, 0},
    [P9_TUNLINKAT] = {"unlinkat", p9_unlinkat, P9_OP_ASYNC},
};

const struct p9_op *p9_op_lookup(uint8_t type)
{
	const struct p9_op *op = &p9_op_table[type];

	return op->fn ? op : NULL;
}

void p9_dispatch(struct p9_req *req)
{
	const struct p9_op *op = p9_op_lookup(req->in.type);

	if (!op) { /* the reader only queues known types */
		p9_respond_error(req, EOPNOTSUPP);
		return;
	}
	log_debug("session %u tag %u: T%s", req->conn->session, req->tag, op->name);
	helper_set_session(req->conn->session);	/* for the helper's audit trail */
	/* Tclunk's xattr commit notes its change itself (p9_xattr_commit()). */
	if (!(op->flags & P9_OP_NOCHANGE)) {
		req->changes = true;
		p9_change_note();
	}
	op->fn(req);
}
