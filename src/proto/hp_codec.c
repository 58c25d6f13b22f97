/*
 * hp_codec.c - encoder and decoder of the helper protocol (see hp_codec.h).
 *
 * Each message layout is written down ONCE, in req_body() and rep_body(),
 * as a sequence of field visits on a cursor that either encodes or decodes.
 * Encoding and decoding therefore cannot drift apart, and the encoder applies
 * the same limits as the decoder (a frontend cannot build a request the helper
 * would refuse as malformed, and round trips are exact).
 *
 * Wire layouts (after the header; s = len[2] + bytes, qid = type[1]
 * version[4] path[8]):
 *
 *   request                       reply (only when errno == 0)
 *   HELLO     version[4]          version[4] max_msg[4]
 *   ATTACH    aname[s]            handle[4] qid
 *   WALK      handle[4] nwname[2] nwname*name[s]
 *                                 nwqid[2] nwqid*qid handle[4]
 *                                 [attr, as GETATTR's reply, when
 *                                 handle != HP_NOHANDLE: the walked object]
 *   RELEASE   handle[4]           (no reply is ever sent)
 *   GETATTR   handle[4]           qid mode[4] uid[4] gid[4] nlink[8] rdev[8]
 *                                 size[8] blksize[8] blocks[8] atime[8+8]
 *                                 mtime[8+8] ctime[8+8]
 *   SETATTR   handle[4] valid[4] mode[4] uid[4] gid[4] size[8]
 *             atime_sec[8] atime_nsec[8] mtime_sec[8] mtime_nsec[8]
 *                                 (empty)
 *   OPEN      handle[4] flags[4]  qid iounit[4]            + fd
 *   LCREATE   dhandle[4] name[s] flags[4] mode[4]
 *                                 handle[4] qid iounit[4]  + fd
 *   MKDIR     dhandle[4] name[s] mode[4]                 qid
 *   SYMLINK   dhandle[4] name[s] target[s]               qid
 *   MKNOD     dhandle[4] name[s] mode[4] major[4] minor[4]  qid
 *   LINK      dhandle[4] handle[4] name[s]               (empty)
 *   RENAMEAT  olddhandle[4] oldname[s] newdhandle[4] newname[s]  (empty)
 *   RENAME    handle[4] newdhandle[4] newname[s]         (empty)
 *   UNLINKAT  dhandle[4] name[s] flags[4]                (empty)
 *   REMOVE    handle[4]                                  (empty)
 *   READLINK  handle[4]                                  target[s]
 *   STATFS    handle[4]           type[4] bsize[4] blocks[8] bfree[8]
 *                                 bavail[8] files[8] ffree[8] fsid[8]
 *                                 namelen[4]
 *   XATTRGET  handle[4] name[s] size[4]      len[4] has[1] data[len if has]
 *   XATTRLIST handle[4] size[4]              len[4] has[1] data[len if has]
 *   XATTRSET  handle[4] name[s] flags[4] len[4] value[len]     (empty)
 *   XATTRREMOVE handle[4] name[s]                           (empty)
 *   SESSION_START session[4] peer[s]                        (empty)
 *   SESSION_END   session[4]                                (empty)
 *   REFUSED   handle[4] p9type[1] errno[4] namelen[4] len[2] name[len]
 *                                                          (empty)
 *             (name: raw bytes, any value; len == min(namelen, 255);
 *             p9type one of the name-carrying T-messages; errno 1..4095)
 *   FTRUNCATED handle[4] size[8] errno[4]                  (empty)
 *             (size <= INT64_MAX; errno 0..4095, 0 for success)
 *
 * `has` is 0 when the request asked only for the length (size 0), 1 when the
 * data follows; any other value is malformed.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "hp_codec.h"
#include "p9_wire.h"
#include <sys/stat.h>

static const char *const hp_op_names[HP_OP_MAX] = {
	[HP_HELLO] = "hello",
	[HP_ATTACH] = "attach",
	[HP_WALK] = "walk",
	[HP_RELEASE] = "release",
	[HP_GETATTR] = "getattr",
	[HP_SETATTR] = "setattr",
	[HP_OPEN] = "open",
	[HP_LCREATE] = "lcreate",
	[HP_MKDIR] = "mkdir",
	[HP_SYMLINK] = "symlink",
	[HP_MKNOD] = "mknod",
	[HP_LINK] = "link",
	[HP_RENAMEAT] = "renameat",
	[HP_RENAME] = "rename",
	[HP_UNLINKAT] = "unlinkat",
	[HP_REMOVE] = "remove",
	[HP_READLINK] = "readlink",
	[HP_STATFS] = "statfs",
	[HP_XATTRGET] = "xattrget",
	[HP_XATTRLIST] = "xattrlist",
	[HP_XATTRSET] = "xattrset",
	[HP_XATTRREMOVE] = "xattrremove",
	[HP_SESSION_START] = "session_start",
	[HP_SESSION_END] = "session_end",
	[HP_REFUSED] = "refused",
	[HP_FTRUNCATED] = "ftruncated",
};

const char *hp_op_name(uint16_t op)
{
	return op < HP_OP_MAX ? hp_op_names[op] : NULL;
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

/* The 9P requests that carry a name the frontend may refuse (p9_names.c). */
static bool refusable_p9type(uint8_t t)
{
	switch (t) {
	case P9_TATTACH:
	case P9_TWALK:
	case P9_TLCREATE:
	case P9_TMKDIR:
	case P9_TSYMLINK:
	case P9_TMKNOD:
	case P9_TLINK:
	case P9_TRENAME:
	case P9_TRENAMEAT:
	case P9_TUNLINKAT:
	case P9_TXATTRWALK:
	case P9_TXATTRCREATE:
		return true;
	default:
		return false;
	}
}

static void c_refused(struct hp_cur *c, struct hp_refused *a)
{
	c_u32(c, &a->handle);
	c_u8(c, &a->p9type);
	if (!c->err && !refusable_p9type(a->p9type))
		cur_fail(c, HP_E_COUNT);
	c_u32_max(c, &a->error, 4095);
	if (!c->err && a->error == 0)
		cur_fail(c, HP_E_COUNT);
	c_u32_max(c, &a->namelen, 65535);
	c_u16(c, &a->len);
	/* Exactly the prefix the frontend must send: no more, no less. */
	if (!c->err && a->len != (a->namelen < HP_MAX_REFUSED_NAME ? a->namelen
								    : HP_MAX_REFUSED_NAME))
		cur_fail(c, HP_E_COUNT);
	c_bytes(c, &a->name, a->len, HP_MAX_REFUSED_NAME);
}

/* ---- requests ---- */

static void req_body(struct hp_cur *c, struct hp_req *r)
{
	switch (r->op) {
	case HP_HELLO:
		c_u32(c, &r->u.hello.version);
		break;
	case HP_ATTACH:
		c_str(c, &r->u.attach.aname, HP_MAX_ANAME, STR_TEXT);
		break;
	case HP_WALK:
		c_u32(c, &r->u.walk.handle);
		c_u16(c, &r->u.walk.nwname);
		if (!c->err && r->u.walk.nwname > P9_MAXWELEM) {
			cur_fail(c, HP_E_COUNT);
			break;
		}
		for (unsigned int i = 0; i < r->u.walk.nwname && !c->err; i++)
			c_name(c, &r->u.walk.wname[i]);
		break;
	case HP_RELEASE:
	case HP_GETATTR:
	case HP_READLINK:
	case HP_STATFS:
	case HP_REMOVE:
		c_u32(c, &r->u.h.handle);
		break;
	case HP_SETATTR:
		c_u32(c, &r->u.setattr.handle);
		c_u32(c, &r->u.setattr.valid);
		c_u32(c, &r->u.setattr.mode);
		c_u32(c, &r->u.setattr.uid);
		c_u32(c, &r->u.setattr.gid);
		c_u64(c, &r->u.setattr.size);
		c_u64(c, &r->u.setattr.atime_sec);
		c_u64(c, &r->u.setattr.atime_nsec);
		c_u64(c, &r->u.setattr.mtime_sec);
		c_u64(c, &r->u.setattr.mtime_nsec);
		break;
	case HP_OPEN:
		c_u32(c, &r->u.open.handle);
		c_u32(c, &r->u.open.flags);
		break;
	case HP_LCREATE:
		c_u32(c, &r->u.lcreate.dhandle);
		c_name(c, &r->u.lcreate.name);
		c_u32(c, &r->u.lcreate.flags);
		c_u32(c, &r->u.lcreate.mode);
		break;
	case HP_MKDIR:
		c_u32(c, &r->u.mkdir.dhandle);
		c_name(c, &r->u.mkdir.name);
		c_u32(c, &r->u.mkdir.mode);
		break;
	case HP_SYMLINK:
		c_u32(c, &r->u.symlink.dhandle);
		c_name(c, &r->u.symlink.name);
		c_str(c, &r->u.symlink.target, HP_MAX_SYMTGT, STR_TEXT);
		break;
	case HP_MKNOD:
		c_u32(c, &r->u.mknod.dhandle);
		c_name(c, &r->u.mknod.name);
		c_u32(c, &r->u.mknod.mode);
		c_u32(c, &r->u.mknod.major);
		c_u32(c, &r->u.mknod.minor);
		break;
	case HP_LINK:
		c_u32(c, &r->u.link.dhandle);
		c_u32(c, &r->u.link.handle);
		c_name(c, &r->u.link.name);
		break;
	case HP_RENAMEAT:
		c_u32(c, &r->u.renameat.olddhandle);
		c_name(c, &r->u.renameat.oldname);
		c_u32(c, &r->u.renameat.newdhandle);
		c_name(c, &r->u.renameat.newname);
		break;
	case HP_RENAME:
		c_u32(c, &r->u.rename.handle);
		c_u32(c, &r->u.rename.newdhandle);
		c_name(c, &r->u.rename.newname);
		break;
	case HP_UNLINKAT:
		c_u32(c, &r->u.unlinkat.dhandle);
		c_name(c, &r->u.unlinkat.name);
		c_u32(c, &r->u.unlinkat.flags);
		break;
	case HP_XATTRGET:
		c_u32(c, &r->u.xattrget.handle);
		c_xname(c, &r->u.xattrget.name);
		c_u32_max(c, &r->u.xattrget.size, HP_MAX_XATTR_VALUE);
		break;
	case HP_XATTRLIST:
		c_u32(c, &r->u.xattrlist.handle);
		c_u32_max(c, &r->u.xattrlist.size, HP_MAX_XATTR_VALUE);
		break;
	case HP_XATTRSET:
		c_u32(c, &r->u.xattrset.handle);
		c_xname(c, &r->u.xattrset.name);
		c_u32(c, &r->u.xattrset.flags);
		c_u32_max(c, &r->u.xattrset.len, HP_MAX_XATTR_VALUE);
		c_bytes(c, &r->u.xattrset.value, r->u.xattrset.len, HP_MAX_XATTR_VALUE);
		break;
	case HP_XATTRREMOVE:
		c_u32(c, &r->u.xattrremove.handle);
		c_xname(c, &r->u.xattrremove.name);
		break;
	case HP_SESSION_START:
		c_u32(c, &r->u.session_start.session);
		c_str(c, &r->u.session_start.peer, HP_MAX_PEER, STR_TEXT);
		break;
	case HP_SESSION_END:
		c_u32(c, &r->u.session_end.session);
		break;
	case HP_REFUSED:
		c_refused(c, &r->u.refused);
		break;
	case HP_FTRUNCATED:
		c_u32(c, &r->u.ftruncated.handle);
		c_u64(c, &r->u.ftruncated.size);
		if (!c->err && r->u.ftruncated.size > INT64_MAX)
			cur_fail(c, HP_E_COUNT);
		c_u32_max(c, &r->u.ftruncated.error, 4095);
		break;
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

static void c_data(struct hp_cur *c, struct hp_r_data *d)
{
	uint8_t has = d->data != NULL;

	c_u32_max(c, &d->len, HP_MAX_XATTR_VALUE);
	c_u8(c, &has);
	if (c->err)
		return;
	if (has > 1) {
		cur_fail(c, HP_E_COUNT);
		return;
	}
	if (has)
		c_bytes(c, &d->data, d->len, HP_MAX_XATTR_VALUE);
	else
		d->data = NULL;
}

static void rep_body(struct hp_cur *c, struct hp_rep *r)
{
	switch (r->op) {
	case HP_HELLO:
		c_u32(c, &r->u.hello.version);
		c_u32(c, &r->u.hello.max_msg);
		break;
	case HP_ATTACH:
		c_u32(c, &r->u.attach.handle);
		c_qid(c, &r->u.attach.qid);
		break;
	case HP_WALK:
		c_u16(c, &r->u.walk.nwqid);
		if (!c->err && r->u.walk.nwqid > P9_MAXWELEM) {
			cur_fail(c, HP_E_COUNT);
			break;
		}
		for (unsigned int i = 0; i < r->u.walk.nwqid && !c->err; i++)
			c_qid(c, &r->u.walk.wqid[i]);
		c_u32(c, &r->u.walk.handle);
		if (!c->err && r->u.walk.handle != HP_NOHANDLE)
			c_attr(c, &r->u.walk.attr);
		break;
	case HP_GETATTR:
		c_attr(c, &r->u.attr.attr);
		break;
	case HP_OPEN:
		c_qid(c, &r->u.open.qid);
		c_u32(c, &r->u.open.iounit);
		break;
	case HP_LCREATE:
		c_u32(c, &r->u.lcreate.handle);
		c_qid(c, &r->u.lcreate.qid);
		c_u32(c, &r->u.lcreate.iounit);
		break;
	case HP_MKDIR:
	case HP_SYMLINK:
	case HP_MKNOD:
		c_qid(c, &r->u.qid.qid);
		break;
	case HP_READLINK:
		c_str(c, &r->u.readlink.target, HP_MAX_SYMTGT, STR_TEXT);
		break;
	case HP_STATFS:
		c_u32(c, &r->u.statfs.st.type);
		c_u32(c, &r->u.statfs.st.bsize);
		c_u64(c, &r->u.statfs.st.blocks);
		c_u64(c, &r->u.statfs.st.bfree);
		c_u64(c, &r->u.statfs.st.bavail);
		c_u64(c, &r->u.statfs.st.files);
		c_u64(c, &r->u.statfs.st.ffree);
		c_u64(c, &r->u.statfs.st.fsid);
		c_u32(c, &r->u.statfs.st.namelen);
		break;
	case HP_XATTRGET:
	case HP_XATTRLIST:
		c_data(c, &r->u.data);
		break;
	case HP_SETATTR:
	case HP_LINK:
	case HP_RENAMEAT:
	case HP_RENAME:
	case HP_UNLINKAT:
	case HP_REMOVE:
	case HP_XATTRSET:
	case HP_XATTRREMOVE:
	case HP_SESSION_START:
	case HP_SESSION_END:
	case HP_REFUSED:
	case HP_FTRUNCATED:
		break;
	default:	/* includes HP_RELEASE, which is never answered */
		cur_fail(c, HP_E_OP);
		break;
	}
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
	if (r->op == HP_RELEASE || !hp_op_name(r->op))
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
