/*
 * helper_dispatch.c - the operation table and the dispatcher.
 *
 * The table is made from src/proto/hp_ops.def, one row per operation: its
 * handler helper_do_<name>, flags, the request fields that hold handles
 * (resolved here, before the handler runs: an id this helper did not issue
 * is EBADF).  (The rows' capabilities make the helper's capability set
 * in src/common/sandbox_caps.c.)  Rows flagged HP_F_MODIFIES
 * answer EROFS on a read-only export.  helper_dispatch() is the only code
 * that looks rows up.  An opcode without a row, or the handshake out of
 * place, is a protocol violation: logged, and the helper exits.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "helper/helper.h"

/* Each request shape's handle fields, in order (at most two: a third
 * would overwrite the first, and helper_ops_selfcheck() refuses it). */
#define F_HANDLE(f) out[n++ & 1] = a->f;
#define HP_REQ_SHAPE(shape, fields)                                                                \
	static unsigned int shape_handles_##shape(const struct hp_##shape *a, uint32_t out[2])     \
	{                                                                                          \
		unsigned int n = 0;                                                                \
		(void)a;                                                                           \
		(void)out;                                                                         \
		fields return n;                                                                   \
	}
#include "hp_ops.def"

#define HP_OP(OP, number, name, req, ...)                                                          \
	static unsigned int op_handles_##name(const struct hp_req *r, uint32_t out[2])             \
	{                                                                                          \
		return shape_handles_##req(&r->u.req, out);                                        \
	}
#include "hp_ops.def"

struct helper_op {
	const char *name;
	int (*fn)(struct helper_ctx *c);
	unsigned int flags; /* HP_F_* */
	unsigned int (*handles)(const struct hp_req *r, uint32_t out[2]);
};

static const struct helper_op helper_ops[HP_OP_MAX] = {
#define HP_OP(OP, number, name, req, rep, flags, ...)                                              \
	[HP_##OP] = {#name, helper_do_##name, flags, op_handles_##name},
#include "hp_ops.def"
};

void helper_ops_selfcheck(void)
{
	/* Every opcode the codec knows has its row, under the codec's name. */
	for (uint16_t op = 1; op < HP_OP_MAX; op++) {
		const struct helper_op *row = &helper_ops[op];
		struct hp_req r = {.op = op};
		uint32_t ids[2];

		if (!row->fn || strcmp(row->name, hp_op_name(op)) != 0 || row->handles(&r, ids) > 2)
			die("operation table: no row, or a wrong one, for opcode %u", op);
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

static const struct helper_op *op_row(uint16_t op)
{
	const struct helper_op *row;

	if (op >= HP_OP_MAX)
		return NULL;
	row = &helper_ops[op];
	return row->fn ? row : NULL;
}

/* Map what the kernel said to what the protocol may carry. */
static uint32_t wire_errno(int err)
{
	if (err == 524) /* the kernel-internal ENOTSUPP */
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
	uint32_t ids[2];
	unsigned int nh;
	bool hello = false;
	int err = 0;

	if (!row)
		helper_violation("unknown opcode %u", req->op);
	if (row->flags & HP_F_HELLO) {
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
	nh = row->handles(req, ids);
	for (unsigned int i = 0; i < nh; i++) {
		if (ids[i] == HP_NOHANDLE && (row->flags & HP_F_NOHANDLE_OK))
			continue;
		c->h[i] = handles_get(ids[i]);
		if (!c->h[i])
			err = EBADF;
	}
	/* Paths for the audit record, while the objects are where they were. */
	helper_audit_begin(c, row->flags, &pre);
	if (err)
		goto done;
	/* A read-only export refuses every change before anything runs
	 * (Landlock and the missing capabilities would refuse it too). */
	if (c->env->readonly && (row->flags & HP_F_MODIFIES)) {
		err = EROFS;
		goto done;
	}
	/* --security-model none: every request runs as the helper itself. */
	if (!(row->flags & HP_F_NOCREDS) && model_switches_creds(c->env)) {
		err = creds_switch(req->uid, req->gid, row->flags & HP_F_CREATE);
		if (err)
			goto done;
		c->creds_switched = true;
	}
	err = row->fn(c);
	if (!err && (row->flags & HP_F_CREATE))
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
	return !(row->flags & HP_F_NOREPLY);
}
