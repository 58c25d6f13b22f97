/*
 * helper_dispatch.c - the operation table and the dispatcher.
 *
 * Every request the helper accepts has exactly one row here: its opcode,
 * name, handler, flags, the request fields that hold handles (resolved here,
 * before the handler runs: an id this helper did not issue is EBADF), and
 * the capabilities the handler may use (input for the sandbox's capability
 * set; see helper_ops_caps()).  Rows flagged HOP_MODIFIES answer EROFS on
 * a read-only export.  helper_dispatch() is the only code that
 * looks rows up.  An opcode without a row, or the handshake out of place, is
 * a protocol violation: logged, and the helper exits.
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "helper/helper.h"

#define CAP(x) (1ull << (x))
/* Kernel-enforced file access done on behalf of a uid 0 request. */
#define CAPS_FS (CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER))
/* Needed to take on the request's credentials at all. */
#define CAPS_CREDS (CAP(CAP_SETUID) | CAP(CAP_SETGID))
#define H(field) offsetof(struct hp_req, u.field)

struct helper_op {
	uint16_t op;
	const char *name;
	int (*fn)(struct helper_ctx *c);
	unsigned int flags;		/* enum helper_op_flags */
	size_t handle_off[2];		/* handle fields to resolve; 0 = none */
	uint64_t caps;			/* capabilities the handler may use */
};

/* A row; the handler is helper_do_<name>, paired with the frontend's
 * helper_call_<name> (STYLE 3), and <name> is also hp_op_name(opcode). */
#define OP(opc, name, fl, h1, h2, cap) \
	[opc] = { opc, #name, helper_do_##name, fl, { h1, h2 }, cap }

static const struct helper_op helper_ops[HP_OP_MAX] = {
	OP(HP_HELLO, hello, HOP_HELLO | HOP_NOCREDS, 0, 0, 0),
	OP(HP_ATTACH, attach, 0, 0, 0, CAPS_CREDS),
	OP(HP_WALK, walk, 0, H(walk.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_RELEASE, release, HOP_NOREPLY | HOP_NOCREDS, 0, 0, 0),
	OP(HP_GETATTR, getattr, 0, H(h.handle), 0, CAPS_CREDS),
	OP(HP_SETATTR, setattr, HOP_MODIFIES, H(setattr.handle), 0,
	   CAPS_CREDS | CAPS_FS | CAP(CAP_CHOWN) | CAP(CAP_FSETID)),
	OP(HP_OPEN, open, 0, H(open.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_LCREATE, lcreate, HOP_CREATE | HOP_MODIFIES, H(lcreate.dhandle), 0,
	   CAPS_CREDS | CAPS_FS | CAP(CAP_FSETID)),
	OP(HP_MKDIR, mkdir, HOP_CREATE | HOP_MODIFIES, H(mkdir.dhandle), 0,
	   CAPS_CREDS | CAPS_FS | CAP(CAP_FSETID)),
	OP(HP_SYMLINK, symlink, HOP_CREATE | HOP_MODIFIES, H(symlink.dhandle), 0,
	   CAPS_CREDS | CAPS_FS),
	OP(HP_MKNOD, mknod, HOP_CREATE | HOP_MODIFIES, H(mknod.dhandle), 0,
	   CAPS_CREDS | CAPS_FS | CAP(CAP_MKNOD)),
	OP(HP_LINK, link, HOP_CREATE | HOP_MODIFIES, H(link.dhandle), H(link.handle),
	   CAPS_CREDS | CAPS_FS),
	OP(HP_RENAMEAT, renameat, HOP_MODIFIES, H(renameat.olddhandle), H(renameat.newdhandle),
	   CAPS_CREDS | CAPS_FS),
	OP(HP_RENAME, rename, HOP_MODIFIES, H(rename.handle), H(rename.newdhandle),
	   CAPS_CREDS | CAPS_FS),
	OP(HP_UNLINKAT, unlinkat, HOP_MODIFIES, H(unlinkat.dhandle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_REMOVE, remove, HOP_MODIFIES, H(h.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_READLINK, readlink, 0, H(h.handle), 0, CAPS_CREDS),
	OP(HP_STATFS, statfs, 0, H(h.handle), 0, CAPS_CREDS),
	OP(HP_XATTRGET, xattrget, 0, H(xattrget.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_XATTRLIST, xattrlist, 0, H(xattrlist.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_XATTRSET, xattrset, HOP_MODIFIES, H(xattrset.handle), 0, CAPS_CREDS | CAPS_FS),
	OP(HP_XATTRREMOVE, xattrremove, HOP_MODIFIES, H(xattrremove.handle), 0,
	   CAPS_CREDS | CAPS_FS),
	OP(HP_SESSION_START, session_start, HOP_NOCREDS, 0, 0, 0),
	OP(HP_SESSION_END, session_end, HOP_NOCREDS, 0, 0, 0),
	/* A refusal the frontend reports: nothing runs, the record is the point. */
	OP(HP_REFUSED, refused, HOP_NOCREDS | HOP_NOHANDLE_OK, H(refused.handle), 0, 0),
	/* A truncate the frontend ran on an open fid: recorded as a change. */
	OP(HP_FTRUNCATED, ftruncated, HOP_NOCREDS | HOP_MODIFIES, H(ftruncated.handle), 0, 0),
};

void helper_ops_selfcheck(void)
{
	/* Every opcode the codec knows has its row, under the codec's name. */
	for (uint16_t op = 1; op < HP_OP_MAX; op++) {
		const struct helper_op *row = &helper_ops[op];

		if (!row->fn || row->op != op || strcmp(row->name, hp_op_name(op)) != 0)
			die("operation table: no row, or a misnamed one, for opcode %u", op);
	}
}

void helper_violation(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("protocol violation: %s; exiting", msg);
	helper_audit_violation(msg);
	/* _exit: other workers must not go on serving a corrupt frontend. */
	_exit(HELPER_EXIT_VIOLATION);
}

uint64_t helper_ops_caps(bool allow_devices, bool readonly)
{
	uint64_t caps = 0;

	for (unsigned int i = 0; i < HP_OP_MAX; i++)
		if (!readonly || !(helper_ops[i].flags & HOP_MODIFIES))
			caps |= helper_ops[i].caps;
	if (!allow_devices)
		caps &= ~CAP(CAP_MKNOD);
	return caps;
}

static const struct helper_op *op_row(uint16_t op)
{
	const struct helper_op *row;

	if (op >= HP_OP_MAX)
		return NULL;
	row = &helper_ops[op];
	return row->fn && row->op == op ? row : NULL;
}

/* Map what the kernel said to what the protocol may carry. */
static uint32_t wire_errno(int err)
{
	if (err == 524)		/* the kernel-internal ENOTSUPP */
		return EOPNOTSUPP;
	if (err < 0 || err > 4095)
		return EIO;
	return (uint32_t)err;
}

bool helper_dispatch(struct helper_ctx *c)
{
	const struct hp_req *req = c->req;
	const struct helper_op *row = op_row(req->op);
	struct audit_pre pre;
	bool hello = false;
	int err = 0;

	if (!row)
		helper_violation("unknown opcode %u", req->op);
	if (row->flags & HOP_HELLO) {
		if (!atomic_compare_exchange_strong(&c->env->hello_done, &hello, true))
			helper_violation("a second hello");
	} else if (!atomic_load(&c->env->hello_done)) {
		helper_violation("%s before hello", row->name);
	}

	c->rep->op = req->op;
	c->rep->reqid = req->reqid;
	c->out_fd = -1;
	c->h[0] = c->h[1] = NULL;
	c->audit_note = NULL;
	c->creds_switched = false;
	c->created = false;
	for (unsigned int i = 0; i < 2 && row->handle_off[i]; i++) {
		uint32_t id;

		memcpy(&id, (const char *)req + row->handle_off[i], sizeof(id));
		if (id == HP_NOHANDLE && (row->flags & HOP_NOHANDLE_OK))
			continue;
		c->h[i] = handles_get(id);
		if (!c->h[i])
			err = EBADF;
	}
	/* Paths for the audit record, while the objects are where they were. */
	helper_audit_begin(c, &pre);
	if (err)
		goto done;
	/* A read-only export refuses every change before anything runs
	 * (Landlock and the missing capabilities would refuse it too). */
	if (c->env->readonly && (row->flags & HOP_MODIFIES)) {
		err = EROFS;
		goto done;
	}
	/* --security-model none: every request runs as the helper itself. */
	if (!(row->flags & HOP_NOCREDS) && model_switches_creds(c->env)) {
		err = creds_switch(req->uid, req->gid, row->flags & HOP_CREATE);
		if (err)
			goto done;
		c->creds_switched = true;
	}
	err = row->fn(c);
	if (!err && (row->flags & HOP_CREATE))
		model_own_new(c);
	if (fdlimit_errno(err)) {
		/* The frontend gets the errno; the operator, the limit to raise. */
		static struct fdlimit_ratelimit rl = FDLIMIT_RATELIMIT_INIT;
		char what[64];

		snprintf(what, sizeof(what), "%s refused", row->name);
		fdlimit_warn(&rl, what, err);
	}
done:
	c->rep->error = wire_errno(err);
	if (c->rep->error && c->out_fd >= 0) {
		close(c->out_fd);
		c->out_fd = -1;
	}
	helper_audit_op(c, row->name, row->flags, &pre);
	hnode_put(c->h[0]);
	hnode_put(c->h[1]);
	c->h[0] = c->h[1] = NULL;
	return !(row->flags & HOP_NOREPLY);
}
