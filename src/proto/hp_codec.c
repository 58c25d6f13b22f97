/*
 * hp_codec.c - encoder and decoder of the helper protocol (see hp_codec.h).
 *
 * Each message body is visited by ONE function made from its fields in
 * hp_ops.def, on a cursor that either encodes or decodes.  Encoding and
 * decoding therefore cannot drift apart, and the encoder applies the same
 * limits as the decoder (a frontend cannot build a request the helper
 * would refuse as malformed, and round trips are exact).  The wire layout
 * of every message is its fields in hp_ops.def, in order.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "hp_codec.h"
#include "p9_wire.h"
#include <sys/stat.h>

static const struct {
	const char *name;
	unsigned int flags;
} hp_ops[HP_OP_MAX] = {
#define HP_OP(OP, number, name, req, rep, flags, ...) [HP_##OP] = { #name, flags },
#include "hp_ops.def"
};

const char *hp_op_name(uint16_t op)
{
	return op < HP_OP_MAX ? hp_ops[op].name : NULL;
}

unsigned int hp_op_flags(uint16_t op)
{
	return op < HP_OP_MAX ? hp_ops[op].flags : 0;
}

const char *hp_strerror(int err)
{
	switch (err) {
	case HP_OK:
		return "success";
	case HP_E_SHORT:
		return "message or field cut off";
	case HP_E_TRAILING:
		return "bytes left after the last field";
	case HP_E_OP:
		return "unknown opcode";
	case HP_E_STRLEN:
		return "string longer than what remains or than its limit";
	case HP_E_STRNUL:
		return "NUL inside a string";
	case HP_E_NAME:
		return "empty name or '/' inside a name";
	case HP_E_COUNT:
		return "count field out of range";
	case HP_E_NOSPACE:
		return "message would not fit";
	}
	return "unknown helper-protocol error";
}

/* ---- the two-way cursor ---- */

struct hp_cur {
	bool enc;		/* true: write fields from the struct; false: read into it */
	struct wire_rd rd;
	struct wire_wr wr;
	int err;		/* first HP_E_* seen; later visits do nothing */
};

/* What a string is, which decides how it is checked. */
enum str_kind {
	STR_TEXT,	/* no NUL */
	STR_NAME,	/* a directory entry: no NUL, non-empty, no '/' */
	STR_XNAME,	/* an xattr name: no NUL, non-empty ('/' is legal there) */
};

static void cur_fail(struct hp_cur *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* After a write or read, turn the wire cursor's sticky flag into our code. */
static void cur_sync(struct hp_cur *c)
{
	if (c->enc ? c->wr.err : c->rd.err)
		cur_fail(c, c->enc ? HP_E_NOSPACE : HP_E_SHORT);
}

static void c_u8(struct hp_cur *c, uint8_t *v)
{
	if (c->err)
		return;
	if (c->enc)
		wire_put8(&c->wr, *v);
	else
		*v = wire_get8(&c->rd);
	cur_sync(c);
}

static void c_u16(struct hp_cur *c, uint16_t *v)
{
	if (c->err)
		return;
	if (c->enc)
		wire_put16(&c->wr, *v);
	else
		*v = wire_get16(&c->rd);
	cur_sync(c);
}

static void c_u32(struct hp_cur *c, uint32_t *v)
{
	if (c->err)
		return;
	if (c->enc)
		wire_put32(&c->wr, *v);
	else
		*v = wire_get32(&c->rd);
	cur_sync(c);
}

static void c_u64(struct hp_cur *c, uint64_t *v)
{
	if (c->err)
		return;
	if (c->enc)
		wire_put64(&c->wr, *v);
	else
		*v = wire_get64(&c->rd);
	cur_sync(c);
}

static int str_check(struct p9_str s, size_t max, enum str_kind kind)
{
	if (s.len > max)
		return HP_E_STRLEN;
	if (s.len && memchr(s.s, '\0', s.len))
		return HP_E_STRNUL;
	if (kind != STR_TEXT && s.len == 0)
		return HP_E_NAME;
	if (kind == STR_NAME && memchr(s.s, '/', s.len))
		return HP_E_NAME;
	return HP_OK;
}

static void c_str(struct hp_cur *c, struct p9_str *s, size_t max, enum str_kind kind)
{
	int err;

	if (c->err)
		return;
	if (c->enc) {
		if (s->len && !s->s) {
			cur_fail(c, HP_E_STRLEN);
			return;
		}
		err = str_check(*s, max, kind);
		if (err) {
			cur_fail(c, err);
			return;
		}
		wire_put16(&c->wr, s->len);
		wire_putn(&c->wr, s->s, s->len);
		cur_sync(c);
		return;
	}
	s->len = wire_get16(&c->rd);
	cur_sync(c);
	if (c->err)
		return;
	if (s->len > wire_rd_left(&c->rd)) {
		cur_fail(c, HP_E_STRLEN);
		return;
	}
	s->s = wire_getn(&c->rd, s->len);
	err = str_check(*s, max, kind);
	if (err)
		cur_fail(c, err);
}

/* `len` bytes at *data; len must not exceed max. */
static void c_bytes(struct hp_cur *c, const void **data, uint32_t len, uint32_t max)
{
	if (c->err)
		return;
	if (len > max) {
		cur_fail(c, HP_E_COUNT);
		return;
	}
	if (c->enc) {
		if (len && !*data) {
			cur_fail(c, HP_E_COUNT);
			return;
		}
		wire_putn(&c->wr, *data, len);
	} else {
		*data = wire_getn(&c->rd, len);
	}
	cur_sync(c);
}

/* A count that must not exceed max (checked on both sides). */
static void c_u32_max(struct hp_cur *c, uint32_t *v, uint32_t max)
{
	c_u32(c, v);
	if (!c->err && *v > max)
		cur_fail(c, HP_E_COUNT);
}

static void c_qid(struct hp_cur *c, struct p9_qid *q)
{
	c_u8(c, &q->type);
	c_u32(c, &q->version);
	c_u64(c, &q->path);
}

static void c_name(struct hp_cur *c, struct p9_str *s)
{
	c_str(c, s, HP_MAX_NAME, STR_NAME);
}

static void c_xname(struct hp_cur *c, struct p9_str *s)
{
	c_str(c, s, HP_MAX_XATTR_NAME, STR_XNAME);
}

/* The 9P requests that carry a name the frontend may refuse (p9_names.c),
 * by the name of their operation; the helper needs no 9P codec for it. */
const char *hp_refused_op_name(uint8_t p9type)
{
	static const char *const names[256] = {
		[P9_TATTACH] = "attach",     [P9_TWALK] = "walk",
		[P9_TLCREATE] = "lcreate",   [P9_TMKDIR] = "mkdir",
		[P9_TSYMLINK] = "symlink",   [P9_TMKNOD] = "mknod",
		[P9_TLINK] = "link",	     [P9_TRENAME] = "rename",
		[P9_TRENAMEAT] = "renameat", [P9_TUNLINKAT] = "unlinkat",
		[P9_TXATTRWALK] = "xattrwalk", [P9_TXATTRCREATE] = "xattrcreate",
	};

	return names[p9type];
}

static void c_p9type(struct hp_cur *c, uint8_t *t)
{
	c_u8(c, t);
	if (!c->err && !hp_refused_op_name(*t))
		cur_fail(c, HP_E_COUNT);
}

static void c_errno_nz(struct hp_cur *c, uint32_t *e)
{
	c_u32_max(c, e, 4095);
	if (!c->err && *e == 0)
		cur_fail(c, HP_E_COUNT);
}

static void c_u64_max(struct hp_cur *c, uint64_t *v, uint64_t max)
{
	c_u64(c, v);
	if (!c->err && *v > max)
		cur_fail(c, HP_E_COUNT);
}

/* REFUSED's name: exactly the prefix the frontend must send, no more, no less. */
static void c_refused_name(struct hp_cur *c, uint32_t *namelen, uint16_t *len, const void **name)
{
	c_u32_max(c, namelen, 65535);
	c_u16(c, len);
	if (!c->err && *len != (*namelen < HP_MAX_REFUSED_NAME ? *namelen : HP_MAX_REFUSED_NAME))
		cur_fail(c, HP_E_COUNT);
	c_bytes(c, name, *len, HP_MAX_REFUSED_NAME);
}

/* A count (<= P9_MAXWELEM), then that many walk names. */
static void c_names(struct hp_cur *c, uint16_t *n, struct p9_str *names)
{
	c_u16(c, n);
	if (!c->err && *n > P9_MAXWELEM)
		cur_fail(c, HP_E_COUNT);
	for (unsigned int i = 0; i < *n && !c->err; i++)
		c_name(c, &names[i]);
}

static void c_qids(struct hp_cur *c, uint16_t *n, struct p9_qid *qids)
{
	c_u16(c, n);
	if (!c->err && *n > P9_MAXWELEM)
		cur_fail(c, HP_E_COUNT);
	for (unsigned int i = 0; i < *n && !c->err; i++)
		c_qid(c, &qids[i]);
}

static void c_attr(struct hp_cur *c, struct hp_attr *a)
{
	c_qid(c, &a->qid);
	c_u32(c, &a->mode);
	c_u32(c, &a->uid);
	c_u32(c, &a->gid);
	c_u64(c, &a->nlink);
	c_u64(c, &a->rdev);
	c_u64(c, &a->size);
	c_u64(c, &a->blksize);
	c_u64(c, &a->blocks);
	c_u64(c, &a->atime_sec);
	c_u64(c, &a->atime_nsec);
	c_u64(c, &a->mtime_sec);
	c_u64(c, &a->mtime_nsec);
	c_u64(c, &a->ctime_sec);
	c_u64(c, &a->ctime_nsec);
}

static void c_statfs(struct hp_cur *c, struct p9_rstatfs *st)
{
	c_u32(c, &st->type);
	c_u32(c, &st->bsize);
	c_u64(c, &st->blocks);
	c_u64(c, &st->bfree);
	c_u64(c, &st->bavail);
	c_u64(c, &st->files);
	c_u64(c, &st->ffree);
	c_u64(c, &st->fsid);
	c_u32(c, &st->namelen);
}

/* len[4] has[1] data[len if has]: has is 0 when only the length was asked. */
static void c_data(struct hp_cur *c, uint32_t *len, const void **data)
{
	uint8_t has = *data != NULL;

	c_u32_max(c, len, HP_MAX_XATTR_VALUE);
	c_u8(c, &has);
	if (c->err)
		return;
	if (has > 1) {
		cur_fail(c, HP_E_COUNT);
		return;
	}
	if (has)
		c_bytes(c, data, *len, HP_MAX_XATTR_VALUE);
	else
		*data = NULL;
}

/* ---- one visitor per message shape, made from hp_ops.def ---- */

#define F_U8(f) c_u8(c, &a->f);
#define F_U32(f) c_u32(c, &a->f);
#define F_U64(f) c_u64(c, &a->f);
#define F_MAX32(f, max) c_u32_max(c, &a->f, max);
#define F_MAX64(f, max) c_u64_max(c, &a->f, max);
#define F_ERRNO(f) c_u32_max(c, &a->f, 4095);
#define F_ERRNO_NZ(f) c_errno_nz(c, &a->f);
#define F_HANDLE(f) c_u32(c, &a->f);
#define F_NAME(f) c_name(c, &a->f);
#define F_XNAME(f) c_xname(c, &a->f);
#define F_TEXT(f, max) c_str(c, &a->f, max, STR_TEXT);
#define F_NAMES(n, arr) c_names(c, &a->n, a->arr);
#define F_BYTES(len, p, max) c_u32_max(c, &a->len, max); c_bytes(c, &a->p, a->len, max);
#define F_QID(f) c_qid(c, &a->f);
#define F_QIDS(n, arr) c_qids(c, &a->n, a->arr);
#define F_ATTR(f) c_attr(c, &a->f);
#define F_WALK_ATTR(f) if (!c->err && a->handle != HP_NOHANDLE) c_attr(c, &a->f);
#define F_STATFS(f) c_statfs(c, &a->f);
#define F_DATA(len, p) c_data(c, &a->len, &a->p);
#define F_P9TYPE(f) c_p9type(c, &a->f);
#define F_REFUSED_NAME(namelen, len, p) c_refused_name(c, &a->namelen, &a->len, &a->p);
#define HP_REQ_SHAPE(shape, fields) \
	static void req_##shape(struct hp_cur *c, struct hp_##shape *a) { (void)a; fields }
#define HP_REP_SHAPE(shape, fields) \
	static void rep_##shape(struct hp_cur *c, struct hp_r_##shape *a) { (void)c; (void)a; fields }
#include "hp_ops.def"

/* ---- requests ---- */

static void req_body(struct hp_cur *c, struct hp_req *r)
{
	switch (r->op) {
#define HP_OP(OP, number, name, req, ...) \
	case HP_##OP: \
		req_##req(c, &r->u.req); \
		break;
#include "hp_ops.def"
	default:
		cur_fail(c, HP_E_OP);
		break;
	}
}

static void req_msg(struct hp_cur *c, struct hp_req *r)
{
	c_u16(c, &r->op);
	c_u32(c, &r->reqid);
	c_u32(c, &r->session);
	c_u32(c, &r->uid);
	c_u32(c, &r->gid);
	if (!c->err)
		req_body(c, r);
}

/* ---- replies ---- */

static void rep_body(struct hp_cur *c, struct hp_rep *r)
{
	switch (r->op) {
#define HP_OP(OP, number, name, req, rep, ...) \
	case HP_##OP: \
		rep_##rep(c, &r->u.rep); \
		break;
#include "hp_ops.def"
	default:
		cur_fail(c, HP_E_OP);
		break;
	}
	/* RELEASE is never answered */
	if (hp_op_flags(r->op) & HP_F_NOREPLY)
		cur_fail(c, HP_E_OP);
}

static void rep_msg(struct hp_cur *c, struct hp_rep *r)
{
	c_u16(c, &r->op);
	c_u32(c, &r->reqid);
	c_u32_max(c, &r->error, 4095);
	if (c->err)
		return;
	if (r->error == 0) {
		rep_body(c, r);
		return;
	}
	/* An error reply has no results, but its opcode must still be valid. */
	if ((hp_op_flags(r->op) & HP_F_NOREPLY) || !hp_op_name(r->op))
		cur_fail(c, HP_E_OP);
}

/* ---- entry points ---- */

static int cur_finish_dec(struct hp_cur *c)
{
	if (!c->err && wire_rd_left(&c->rd))
		c->err = HP_E_TRAILING;
	return c->err;
}

static void cur_init_enc(struct hp_cur *c, void *buf, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->enc = true;
	wire_wr_init(&c->wr, buf, cap < HP_MAX_MSG ? cap : HP_MAX_MSG);
}

static void cur_init_dec(struct hp_cur *c, const void *buf, size_t len)
{
	memset(c, 0, sizeof(*c));
	wire_rd_init(&c->rd, buf, len);
}

int hp_encode_req(void *buf, size_t cap, const struct hp_req *r, size_t *outlen)
{
	struct hp_req copy = *r;	/* the visitor takes non-const pointers */
	struct hp_cur c;

	cur_init_enc(&c, buf, cap);
	req_msg(&c, &copy);
	if (c.err)
		return c.err;
	*outlen = c.wr.len;
	return HP_OK;
}

int hp_encode_rep(void *buf, size_t cap, const struct hp_rep *r, size_t *outlen)
{
	struct hp_rep copy = *r;
	struct hp_cur c;

	cur_init_enc(&c, buf, cap);
	rep_msg(&c, &copy);
	if (c.err)
		return c.err;
	*outlen = c.wr.len;
	return HP_OK;
}

int hp_decode_req(const void *buf, size_t len, struct hp_req *r)
{
	struct hp_cur c;

	if (len > HP_MAX_MSG)
		return HP_E_COUNT;
	memset(r, 0, sizeof(*r));
	cur_init_dec(&c, buf, len);
	req_msg(&c, r);
	return cur_finish_dec(&c);
}

int hp_decode_rep(const void *buf, size_t len, struct hp_rep *r)
{
	struct hp_cur c;

	if (len > HP_MAX_MSG)
		return HP_E_COUNT;
	memset(r, 0, sizeof(*r));
	cur_init_dec(&c, buf, len);
	rep_msg(&c, r);
	return cur_finish_dec(&c);
}

void hp_attr_from_stat(struct hp_attr *a, const struct stat *st)
{
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->nlink = st->st_nlink;
	a->rdev = st->st_rdev;
	a->size = (uint64_t)st->st_size;
	a->blksize = (uint64_t)st->st_blksize;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime_sec = (uint64_t)st->st_atim.tv_sec;
	a->atime_nsec = (uint64_t)st->st_atim.tv_nsec;
	a->mtime_sec = (uint64_t)st->st_mtim.tv_sec;
	a->mtime_nsec = (uint64_t)st->st_mtim.tv_nsec;
	a->ctime_sec = (uint64_t)st->st_ctim.tv_sec;
	a->ctime_nsec = (uint64_t)st->st_ctim.tv_nsec;
}
