/*
 * p9_codec.c - 9P2000.L encoder and decoder (see p9_codec.h).
 *
 * Every message is described once, in p9_msgdefs[]: its name and the list of
 * its body fields in wire order, each naming the struct p9_msg member it maps
 * to.  The same description drives both the encoder and the decoder, so the
 * two directions cannot drift apart.  Field descriptors check the member's C
 * type at compile time (_Generic), so a U32 descriptor on a uint64_t member
 * does not build.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "p9_codec.h"
#include "p9_wire.h"

/* clang-format off */
enum p9_fkind {
	F_END = 0,
	F_U8,
	F_U16,
	F_U32,
	F_U64,
	F_STR,		/* len[2] bytes[len] <-> struct p9_str */
	F_QID,		/* type[1] version[4] path[8] <-> struct p9_qid */
	F_DATA,		/* count[4] bytes[count] <-> uint32_t at off, const void * at off2 */
	F_WNAMES,	/* n[2] n*str <-> uint16_t at off, struct p9_str[16] at off2 */
	F_WQIDS,	/* n[2] n*qid <-> uint16_t at off, struct p9_qid[16] at off2 */
};

struct p9_field {
	uint8_t kind;
	uint16_t off;
	uint16_t off2;
};

struct p9_msgdef {
	const char *name;
	const struct p9_field *fields;	/* terminated by F_END */
};

/* Offset of member `m` of the union, accepted only if its type is `t`. */
#define MOFF(m, t) _Generic(((struct p9_msg *)0)->u.m, t: offsetof(struct p9_msg, u.m))
#define AOFF(m, t) _Generic(&((struct p9_msg *)0)->u.m[0], t *: offsetof(struct p9_msg, u.m))

#define U8(m)	{ F_U8, MOFF(m, uint8_t), 0 }
#define U16(m)	{ F_U16, MOFF(m, uint16_t), 0 }
#define U32(m)	{ F_U32, MOFF(m, uint32_t), 0 }
#define U64(m)	{ F_U64, MOFF(m, uint64_t), 0 }
#define STR(m)	{ F_STR, MOFF(m, struct p9_str), 0 }
#define QID(m)	{ F_QID, MOFF(m, struct p9_qid), 0 }
#define DATA(c, d) { F_DATA, MOFF(c, uint32_t), MOFF(d, const void *) }
#define WNAMES(n, a) { F_WNAMES, MOFF(n, uint16_t), AOFF(a, struct p9_str) }
#define WQIDS(n, a) { F_WQIDS, MOFF(n, uint16_t), AOFF(a, struct p9_qid) }

#define FIELDS(...) ((const struct p9_field[]){ __VA_ARGS__, { F_END, 0, 0 } })
#define MSG(type, nm, flds) [type] = { .name = nm, .fields = flds }

static const struct p9_field p9_nofields[] = { { F_END, 0, 0 } };

static const struct p9_msgdef p9_msgdefs[256] = {
	MSG(P9_RLERROR, "Rlerror", FIELDS(U32(rlerror.ecode))),
	MSG(P9_TSTATFS, "Tstatfs", FIELDS(U32(tfid.fid))),
	MSG(P9_RSTATFS, "Rstatfs",
	    FIELDS(U32(rstatfs.type), U32(rstatfs.bsize), U64(rstatfs.blocks), U64(rstatfs.bfree),
		   U64(rstatfs.bavail), U64(rstatfs.files), U64(rstatfs.ffree), U64(rstatfs.fsid),
		   U32(rstatfs.namelen))),
	MSG(P9_TLOPEN, "Tlopen", FIELDS(U32(tlopen.fid), U32(tlopen.flags))),
	MSG(P9_RLOPEN, "Rlopen", FIELDS(QID(rlopen.qid), U32(rlopen.iounit))),
	MSG(P9_TLCREATE, "Tlcreate",
	    FIELDS(U32(tlcreate.fid), STR(tlcreate.name), U32(tlcreate.flags), U32(tlcreate.mode),
		   U32(tlcreate.gid))),
	MSG(P9_RLCREATE, "Rlcreate", FIELDS(QID(rlopen.qid), U32(rlopen.iounit))),
	MSG(P9_TSYMLINK, "Tsymlink",
	    FIELDS(U32(tsymlink.fid), STR(tsymlink.name), STR(tsymlink.symtgt), U32(tsymlink.gid))),
	MSG(P9_RSYMLINK, "Rsymlink", FIELDS(QID(rqid.qid))),
	MSG(P9_TMKNOD, "Tmknod",
	    FIELDS(U32(tmknod.dfid), STR(tmknod.name), U32(tmknod.mode), U32(tmknod.major),
		   U32(tmknod.minor), U32(tmknod.gid))),
	MSG(P9_RMKNOD, "Rmknod", FIELDS(QID(rqid.qid))),
	MSG(P9_TRENAME, "Trename", FIELDS(U32(trename.fid), U32(trename.dfid), STR(trename.name))),
	MSG(P9_RRENAME, "Rrename", p9_nofields),
	MSG(P9_TREADLINK, "Treadlink", FIELDS(U32(tfid.fid))),
	MSG(P9_RREADLINK, "Rreadlink", FIELDS(STR(rreadlink.target))),
	MSG(P9_TGETATTR, "Tgetattr", FIELDS(U32(tgetattr.fid), U64(tgetattr.request_mask))),
	MSG(P9_RGETATTR, "Rgetattr",
	    FIELDS(U64(rgetattr.valid), QID(rgetattr.qid), U32(rgetattr.mode), U32(rgetattr.uid),
		   U32(rgetattr.gid), U64(rgetattr.nlink), U64(rgetattr.rdev), U64(rgetattr.size),
		   U64(rgetattr.blksize), U64(rgetattr.blocks), U64(rgetattr.atime_sec),
		   U64(rgetattr.atime_nsec), U64(rgetattr.mtime_sec), U64(rgetattr.mtime_nsec),
		   U64(rgetattr.ctime_sec), U64(rgetattr.ctime_nsec), U64(rgetattr.btime_sec),
		   U64(rgetattr.btime_nsec), U64(rgetattr.gen), U64(rgetattr.data_version))),
	MSG(P9_TSETATTR, "Tsetattr",
	    FIELDS(U32(tsetattr.fid), U32(tsetattr.valid), U32(tsetattr.mode), U32(tsetattr.uid),
		   U32(tsetattr.gid), U64(tsetattr.size), U64(tsetattr.atime_sec),
		   U64(tsetattr.atime_nsec), U64(tsetattr.mtime_sec), U64(tsetattr.mtime_nsec))),
	MSG(P9_RSETATTR, "Rsetattr", p9_nofields),
	MSG(P9_TXATTRWALK, "Txattrwalk",
	    FIELDS(U32(txattrwalk.fid), U32(txattrwalk.newfid), STR(txattrwalk.name))),
	MSG(P9_RXATTRWALK, "Rxattrwalk", FIELDS(U64(rxattrwalk.size))),
	MSG(P9_TXATTRCREATE, "Txattrcreate",
	    FIELDS(U32(txattrcreate.fid), STR(txattrcreate.name), U64(txattrcreate.attr_size),
		   U32(txattrcreate.flags))),
	MSG(P9_RXATTRCREATE, "Rxattrcreate", p9_nofields),
	MSG(P9_TREADDIR, "Treaddir",
	    FIELDS(U32(treaddir.fid), U64(treaddir.offset), U32(treaddir.count))),
	MSG(P9_RREADDIR, "Rreaddir", FIELDS(DATA(rreaddir.count, rreaddir.data))),
	MSG(P9_TFSYNC, "Tfsync", FIELDS(U32(tfsync.fid), U32(tfsync.datasync))),
	MSG(P9_RFSYNC, "Rfsync", p9_nofields),
	MSG(P9_TLOCK, "Tlock",
	    FIELDS(U32(tlock.fid), U8(tlock.type), U32(tlock.flags), U64(tlock.start),
		   U64(tlock.length), U32(tlock.proc_id), STR(tlock.client_id))),
	MSG(P9_RLOCK, "Rlock", FIELDS(U8(rlock.status))),
	MSG(P9_TGETLOCK, "Tgetlock",
	    FIELDS(U32(getlock.fid), U8(getlock.type), U64(getlock.start), U64(getlock.length),
		   U32(getlock.proc_id), STR(getlock.client_id))),
	/* Same struct as Tgetlock, but the reply carries no fid. */
	MSG(P9_RGETLOCK, "Rgetlock",
	    FIELDS(U8(getlock.type), U64(getlock.start), U64(getlock.length),
		   U32(getlock.proc_id), STR(getlock.client_id))),
	MSG(P9_TLINK, "Tlink", FIELDS(U32(tlink.dfid), U32(tlink.fid), STR(tlink.name))),
	MSG(P9_RLINK, "Rlink", p9_nofields),
	MSG(P9_TMKDIR, "Tmkdir",
	    FIELDS(U32(tmkdir.dfid), STR(tmkdir.name), U32(tmkdir.mode), U32(tmkdir.gid))),
	MSG(P9_RMKDIR, "Rmkdir", FIELDS(QID(rqid.qid))),
	MSG(P9_TRENAMEAT, "Trenameat",
	    FIELDS(U32(trenameat.olddirfid), STR(trenameat.oldname), U32(trenameat.newdirfid),
		   STR(trenameat.newname))),
	MSG(P9_RRENAMEAT, "Rrenameat", p9_nofields),
	MSG(P9_TUNLINKAT, "Tunlinkat",
	    FIELDS(U32(tunlinkat.dirfid), STR(tunlinkat.name), U32(tunlinkat.flags))),
	MSG(P9_RUNLINKAT, "Runlinkat", p9_nofields),
	MSG(P9_TVERSION, "Tversion", FIELDS(U32(tversion.msize), STR(tversion.version))),
	MSG(P9_RVERSION, "Rversion", FIELDS(U32(rversion.msize), STR(rversion.version))),
	MSG(P9_TAUTH, "Tauth",
	    FIELDS(U32(tauth.afid), STR(tauth.uname), STR(tauth.aname), U32(tauth.n_uname))),
	MSG(P9_RAUTH, "Rauth", FIELDS(QID(rauth.aqid))),
	MSG(P9_TATTACH, "Tattach",
	    FIELDS(U32(tattach.fid), U32(tattach.afid), STR(tattach.uname), STR(tattach.aname),
		   U32(tattach.n_uname))),
	MSG(P9_RATTACH, "Rattach", FIELDS(QID(rattach.qid))),
	MSG(P9_TFLUSH, "Tflush", FIELDS(U16(tflush.oldtag))),
	MSG(P9_RFLUSH, "Rflush", p9_nofields),
	MSG(P9_TWALK, "Twalk",
	    FIELDS(U32(twalk.fid), U32(twalk.newfid), WNAMES(twalk.nwname, twalk.wname))),
	MSG(P9_RWALK, "Rwalk", FIELDS(WQIDS(rwalk.nwqid, rwalk.wqid))),
	MSG(P9_TREAD, "Tread", FIELDS(U32(tread.fid), U64(tread.offset), U32(tread.count))),
	MSG(P9_RREAD, "Rread", FIELDS(DATA(rread.count, rread.data))),
	MSG(P9_TWRITE, "Twrite",
	    FIELDS(U32(twrite.fid), U64(twrite.offset), DATA(twrite.count, twrite.data))),
	MSG(P9_RWRITE, "Rwrite", FIELDS(U32(rwrite.count))),
	MSG(P9_TCLUNK, "Tclunk", FIELDS(U32(tfid.fid))),
	MSG(P9_RCLUNK, "Rclunk", p9_nofields),
	MSG(P9_TREMOVE, "Tremove", FIELDS(U32(tfid.fid))),
	MSG(P9_RREMOVE, "Rremove", p9_nofields),
};

/* clang-format on */

static const struct p9_msgdef *p9_msgdef(uint8_t type)
{
	const struct p9_msgdef *def = &p9_msgdefs[type];

	return def->fields ? def : NULL;
}

const char *p9_type_name(uint8_t type)
{
	const struct p9_msgdef *def = p9_msgdef(type);

	return def ? def->name : NULL;
}

const char *p9_strerror(int err)
{
	static const char *const msgs[] = {
		[P9_OK] = "success",
		[P9_E_SHORT] = "frame or field cut short",
		[P9_E_SIZE] = "size field disagrees with frame length",
		[P9_E_MSIZE] = "frame larger than msize",
		[P9_E_STRLEN] = "string longer than the frame",
		[P9_E_STRNUL] = "string contains a NUL byte",
		[P9_E_NWNAME] = "more than 16 walk elements",
		[P9_E_COUNT] = "data count larger than the frame",
		[P9_E_TYPE] = "unknown message type",
		[P9_E_TRAILING] = "trailing bytes after the message",
		[P9_E_NOSPACE] = "output buffer too small",
		[P9_E_INVAL] = "invalid message",
	};

	if (err < 0 || (size_t)err >= sizeof(msgs) / sizeof(msgs[0]) || !msgs[err])
		return "unknown error";
	return msgs[err];
}

/* ---- decoding ---- */

/* A reader plus the first specific failure; plain cut-offs are P9_E_SHORT. */
struct p9_dec {
	struct wire_rd r;
	int code;
};

static void dec_fail(struct p9_dec *d, int code)
{
	if (!d->code)
		d->code = code;
	d->r.err = 1;	/* stop reading: later gets return zero */
}

static int dec_result(const struct p9_dec *d)
{
	if (d->code)
		return d->code;
	if (d->r.err)
		return P9_E_SHORT;
	if (wire_rd_left(&d->r))
		return P9_E_TRAILING;
	return P9_OK;
}

static void dec_str(struct p9_dec *d, struct p9_str *s)
{
	uint16_t len = wire_get16(&d->r);
	const char *p;

	if (d->r.err)
		return;
	if (len > wire_rd_left(&d->r)) {
		dec_fail(d, P9_E_STRLEN);
		return;
	}
	p = wire_getn(&d->r, len);
	/* Set even when refused: the caller may report the refused name. */
	s->s = p;
	s->len = len;
	if (memchr(p, '\0', len))
		dec_fail(d, P9_E_STRNUL);
}

static void dec_qid(struct p9_dec *d, struct p9_qid *q)
{
	q->type = wire_get8(&d->r);
	q->version = wire_get32(&d->r);
	q->path = wire_get64(&d->r);
}

static uint16_t dec_nwelem(struct p9_dec *d)
{
	uint16_t n = wire_get16(&d->r);

	if (n > P9_MAXWELEM) {
		dec_fail(d, P9_E_NWNAME);
		return 0;
	}
	return n;
}

static void dec_fields(struct p9_dec *d, const struct p9_field *f, struct p9_msg *m)
{
	uint8_t *base = (uint8_t *)m;

	for (; f->kind != F_END && !d->r.err; f++) {
		void *p = base + f->off;
		void *p2 = base + f->off2;

		switch (f->kind) {
		case F_U8:
			*(uint8_t *)p = wire_get8(&d->r);
			break;
		case F_U16:
			*(uint16_t *)p = wire_get16(&d->r);
			break;
		case F_U32:
			*(uint32_t *)p = wire_get32(&d->r);
			break;
		case F_U64:
			*(uint64_t *)p = wire_get64(&d->r);
			break;
		case F_STR:
			dec_str(d, p);
			break;
		case F_QID:
			dec_qid(d, p);
			break;
		case F_DATA: {
			uint32_t count = wire_get32(&d->r);

			if (!d->r.err && count > wire_rd_left(&d->r)) {
				dec_fail(d, P9_E_COUNT);
				break;
			}
			*(uint32_t *)p = count;
			*(const void **)p2 = wire_getn(&d->r, count);
			break;
		}
		case F_WNAMES: {
			uint16_t n = dec_nwelem(d);

			*(uint16_t *)p = n;
			for (uint16_t i = 0; i < n; i++)
				dec_str(d, (struct p9_str *)p2 + i);
			break;
		}
		case F_WQIDS: {
			uint16_t n = dec_nwelem(d);

			*(uint16_t *)p = n;
			for (uint16_t i = 0; i < n; i++)
				dec_qid(d, (struct p9_qid *)p2 + i);
			break;
		}
		}
	}
}

int p9_frame_size(const void *buf, size_t len, uint32_t msize, uint32_t *size)
{
	uint32_t sz;

	if (len < 4)
		return P9_E_SHORT;
	sz = wire_load32(buf);
	*size = sz;
	if (sz < P9_HDR_SIZE)
		return P9_E_SIZE;
	if (sz > msize)
		return P9_E_MSIZE;
	return P9_OK;
}

int p9_decode(const void *buf, size_t len, uint32_t msize, struct p9_msg *m)
{
	const struct p9_msgdef *def;
	struct p9_dec d = { .code = 0 };

	if (len < P9_HDR_SIZE)
		return P9_E_SHORT;
	if (wire_load32(buf) != len)
		return P9_E_SIZE;
	if (len > msize)
		return P9_E_MSIZE;

	memset(m, 0, sizeof(*m));
	wire_rd_init(&d.r, buf, len);
	(void)wire_get32(&d.r);
	m->type = wire_get8(&d.r);
	m->tag = wire_get16(&d.r);
	def = p9_msgdef(m->type);
	if (!def)
		return P9_E_TYPE;
	dec_fields(&d, def->fields, m);
	return dec_result(&d);
}

/* ---- encoding ---- */

struct p9_enc {
	struct wire_wr w;
	int code;	/* P9_E_INVAL once an argument is refused */
};

static bool str_valid(struct p9_str s)
{
	if (!s.s)
		return s.len == 0;	/* p9_str_c() marks over-long strings this way */
	return !memchr(s.s, '\0', s.len);
}

static void enc_str(struct p9_enc *e, struct p9_str s)
{
	if (!str_valid(s)) {
		e->code = P9_E_INVAL;
		return;
	}
	wire_put16(&e->w, s.len);
	wire_putn(&e->w, s.s, s.len);
}

static void enc_qid(struct p9_enc *e, const struct p9_qid *q)
{
	wire_put8(&e->w, q->type);
	wire_put32(&e->w, q->version);
	wire_put64(&e->w, q->path);
}

static void enc_fields(struct p9_enc *e, const struct p9_field *f, const struct p9_msg *m)
{
	const uint8_t *base = (const uint8_t *)m;

	for (; f->kind != F_END && !e->code; f++) {
		const void *p = base + f->off;
		const void *p2 = base + f->off2;

		switch (f->kind) {
		case F_U8:
			wire_put8(&e->w, *(const uint8_t *)p);
			break;
		case F_U16:
			wire_put16(&e->w, *(const uint16_t *)p);
			break;
		case F_U32:
			wire_put32(&e->w, *(const uint32_t *)p);
			break;
		case F_U64:
			wire_put64(&e->w, *(const uint64_t *)p);
			break;
		case F_STR:
			enc_str(e, *(const struct p9_str *)p);
			break;
		case F_QID:
			enc_qid(e, p);
			break;
		case F_DATA: {
			uint32_t count = *(const uint32_t *)p;
			const void *data = *(const void *const *)p2;

			if (count && !data) {
				e->code = P9_E_INVAL;
				break;
			}
			wire_put32(&e->w, count);
			wire_putn(&e->w, data, count);
			break;
		}
		case F_WNAMES:
		case F_WQIDS: {
			uint16_t n = *(const uint16_t *)p;

			if (n > P9_MAXWELEM) {
				e->code = P9_E_INVAL;
				break;
			}
			wire_put16(&e->w, n);
			for (uint16_t i = 0; i < n; i++) {
				if (f->kind == F_WNAMES)
					enc_str(e, ((const struct p9_str *)p2)[i]);
				else
					enc_qid(e, (const struct p9_qid *)p2 + i);
			}
			break;
		}
		}
	}
}

int p9_encode(void *buf, size_t cap, const struct p9_msg *m, size_t *outlen)
{
	const struct p9_msgdef *def = p9_msgdef(m->type);
	struct p9_enc e = { .code = 0 };
	uint8_t *hdr;

	if (!def)
		return P9_E_TYPE;
	wire_wr_init(&e.w, buf, cap);
	hdr = wire_reserve(&e.w, 4);	/* size, patched below */
	wire_put8(&e.w, m->type);
	wire_put16(&e.w, m->tag);
	enc_fields(&e, def->fields, m);
	if (e.code)
		return e.code;
	if (e.w.err)
		return P9_E_NOSPACE;
	if (e.w.len > UINT32_MAX)
		return P9_E_INVAL;
	wire_store32(hdr, (uint32_t)e.w.len);
	*outlen = e.w.len;
	return P9_OK;
}

void p9_put_iohdr(void *buf, uint8_t type, uint16_t tag, uint32_t count)
{
	uint8_t *p = buf;

	wire_store32(p, P9_IOHDR_SIZE + count);
	p[4] = type;
	p[5] = (uint8_t)tag;
	p[6] = (uint8_t)(tag >> 8);
	wire_store32(p + 7, count);
}

/* ---- strings ---- */

struct p9_str p9_str_c(const char *s)
{
	struct p9_str r = { .s = s, .len = 0 };
	size_t len = s ? strlen(s) : 0;

	if (len > UINT16_MAX) {
		/* Not representable: NULL with a length makes the encoder refuse it. */
		r.s = NULL;
		r.len = UINT16_MAX;
		return r;
	}
	r.len = (uint16_t)len;
	return r;
}

int p9_str_copy(char *dst, size_t dstsz, struct p9_str s)
{
	if (!dst || (size_t)s.len >= dstsz || (!s.s && s.len))
		return -1;
	if (s.len)
		memcpy(dst, s.s, s.len);
	dst[s.len] = '\0';
	return 0;
}

char *p9_str_dup(struct p9_str s)
{
	char *d;

	if (!s.s && s.len)
		return NULL;
	d = malloc((size_t)s.len + 1);
	if (!d)
		return NULL;
	if (s.len)
		memcpy(d, s.s, s.len);
	d[s.len] = '\0';
	return d;
}

int p9_str_eq(struct p9_str a, const char *b)
{
	if (!b || (!a.s && a.len))
		return 0;
	return strlen(b) == a.len && (a.len == 0 || memcmp(a.s, b, a.len) == 0);
}

/* ---- readdir entries ---- */

size_t p9_dirent_size(size_t namelen)
{
	return P9_QID_SIZE + 8 + 1 + 2 + namelen;
}

int p9_dirent_put(void *buf, size_t cap, size_t *pos, const struct p9_dirent *d)
{
	struct p9_enc e = { .code = 0 };

	if (!str_valid(d->name) || *pos > cap || p9_dirent_size(d->name.len) > cap - *pos)
		return -1;
	wire_wr_init(&e.w, (uint8_t *)buf + *pos, cap - *pos);
	enc_qid(&e, &d->qid);
	wire_put64(&e.w, d->offset);
	wire_put8(&e.w, d->type);
	enc_str(&e, d->name);
	if (e.code || e.w.err)
		return -1;
	*pos += e.w.len;
	return 0;
}

int p9_dirent_next(const void *buf, size_t len, size_t *pos, struct p9_dirent *d)
{
	struct p9_dec dc = { .code = 0 };

	if (*pos == len)
		return 0;
	if (*pos > len)
		return -P9_E_SHORT;
	wire_rd_init(&dc.r, (const uint8_t *)buf + *pos, len - *pos);
	memset(d, 0, sizeof(*d));
	dec_qid(&dc, &d->qid);
	d->offset = wire_get64(&dc.r);
	d->type = wire_get8(&dc.r);
	dec_str(&dc, &d->name);
	if (dc.code)
		return -dc.code;
	if (dc.r.err)
		return -P9_E_SHORT;
	*pos = len - wire_rd_left(&dc.r);
	return 1;
}
