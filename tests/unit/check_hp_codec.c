/*
 * check_hp_codec.c - unit tests of the helper-protocol codec.
 *
 * Round trips of every request and reply, hand-written byte vectors, every
 * truncation of every sample, trailing bytes, and the name/count rules.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hp_codec.h"

static uint8_t buf[HP_MAX_MSG + 64];
static uint8_t buf2[HP_MAX_MSG + 64];

static struct p9_str S(const char *s)
{
	return (struct p9_str){ .s = s, .len = (uint16_t)strlen(s) };
}

static const uint8_t xvalue[] = { 0, 1, 2, 0xff, 'x' };

/* A filled-in request of each opcode (distinct, non-zero values). */
static struct hp_req sample_req(uint16_t op)
{
	struct hp_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.reqid = 0x01020304u + op;
	r.session = 0x0a0b0c00u + op;
	r.uid = 1000;
	r.gid = op % 2 ? HP_GID_DEFAULT : 100;
	switch (op) {
	case HP_HELLO:
		r.u.hello.version = HP_VERSION;
		break;
	case HP_ATTACH:
		r.u.attach.aname = S("/srv/export");
		break;
	case HP_WALK:
		r.u.walk.handle = 7;
		r.u.walk.nwname = 3;
		r.u.walk.wname[0] = S("..");
		r.u.walk.wname[1] = S("a b");
		r.u.walk.wname[2] = S(".");
		break;
	case HP_RELEASE:
	case HP_GETATTR:
	case HP_READLINK:
	case HP_STATFS:
	case HP_REMOVE:
		r.u.h.handle = 0x10001u;
		break;
	case HP_SETATTR:
		r.u.setattr = (struct hp_setattr){ 1, 0x1ff, 0755, 2, 3, 4, 5, 6, 7, 8 };
		break;
	case HP_OPEN:
		r.u.open.handle = 9;
		r.u.open.flags = P9_DOTL_RDWR | P9_DOTL_TRUNC;
		break;
	case HP_LCREATE:
		r.u.lcreate.dhandle = 1;
		r.u.lcreate.name = S("new");
		r.u.lcreate.flags = P9_DOTL_WRONLY;
		r.u.lcreate.mode = 0644;
		break;
	case HP_MKDIR:
		r.u.mkdir.dhandle = 1;
		r.u.mkdir.name = S("dir");
		r.u.mkdir.mode = 0755;
		break;
	case HP_SYMLINK:
		r.u.symlink.dhandle = 1;
		r.u.symlink.name = S("link");
		r.u.symlink.target = S("../a/b");
		break;
	case HP_MKNOD:
		r.u.mknod.dhandle = 1;
		r.u.mknod.name = S("dev");
		r.u.mknod.mode = 020644;
		r.u.mknod.major = 1;
		r.u.mknod.minor = 3;
		break;
	case HP_LINK:
		r.u.link.dhandle = 1;
		r.u.link.handle = 2;
		r.u.link.name = S("hard");
		break;
	case HP_RENAMEAT:
		r.u.renameat.olddhandle = 1;
		r.u.renameat.oldname = S("old");
		r.u.renameat.newdhandle = 2;
		r.u.renameat.newname = S("new");
		break;
	case HP_RENAME:
		r.u.rename.handle = 1;
		r.u.rename.newdhandle = 2;
		r.u.rename.newname = S("moved");
		break;
	case HP_UNLINKAT:
		r.u.unlinkat.dhandle = 1;
		r.u.unlinkat.name = S("gone");
		r.u.unlinkat.flags = P9_AT_REMOVEDIR;
		break;
	case HP_XATTRGET:
		r.u.xattrget.handle = 1;
		r.u.xattrget.name = S("user.x/y");
		r.u.xattrget.size = 100;
		break;
	case HP_XATTRLIST:
		r.u.xattrlist.handle = 1;
		r.u.xattrlist.size = 0;
		break;
	case HP_XATTRSET:
		r.u.xattrset.handle = 1;
		r.u.xattrset.name = S("user.x");
		r.u.xattrset.flags = 1;
		r.u.xattrset.len = sizeof(xvalue);
		r.u.xattrset.value = xvalue;
		break;
	case HP_XATTRREMOVE:
		r.u.xattrremove.handle = 1;
		r.u.xattrremove.name = S("security.selinux");
		break;
	case HP_SESSION_START:
		r.u.session_start.session = 42;
		r.u.session_start.peer = S("unix:uid=1000,pid=42");
		break;
	case HP_SESSION_END:
		r.u.session_end.session = 42;
		break;
	case HP_REFUSED:	/* any byte may travel, '/' and NUL included */
		r.u.refused.handle = 3;
		r.u.refused.p9type = P9_TMKDIR;
		r.u.refused.error = 22;
		r.u.refused.namelen = 4;
		r.u.refused.len = 4;
		r.u.refused.name = "a/\0b";
		break;
	case HP_FTRUNCATED:	/* a truncate the frontend reports */
		r.u.ftruncated.handle = 3;
		r.u.ftruncated.size = 1ULL << 40;
		r.u.ftruncated.error = 28;
		break;
	}
	return r;
}

static bool has_reply(uint16_t op)
{
	return op != HP_RELEASE;
}

static struct hp_rep sample_rep(uint16_t op)
{
	static const struct p9_qid q = { P9_QTDIR, 0x11223344u, 0x0102030405060708ull };
	struct hp_rep r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.reqid = 77 + op;
	switch (op) {
	case HP_HELLO:
		r.u.hello.version = HP_VERSION;
		r.u.hello.max_msg = HP_MAX_MSG;
		break;
	case HP_ATTACH:
		r.u.attach.handle = 0x10000u;
		r.u.attach.qid = q;
		break;
	case HP_WALK:
		r.u.walk.nwqid = 2;
		r.u.walk.wqid[0] = q;
		r.u.walk.wqid[1] = q;
		r.u.walk.wqid[1].type = P9_QTSYMLINK;
		r.u.walk.handle = HP_NOHANDLE;
		break;
	case HP_GETATTR:
		r.u.attr.attr = (struct hp_attr){ q, 0100644, 1, 2, 3, 4, 5, 6, 7, 8, 9,
						  10, 11, 12, 13 };
		break;
	case HP_OPEN:
		r.u.open.qid = q;
		r.u.open.iounit = 8192;
		break;
	case HP_LCREATE:
		r.u.lcreate.handle = 5;
		r.u.lcreate.qid = q;
		break;
	case HP_MKDIR:
	case HP_SYMLINK:
	case HP_MKNOD:
		r.u.qid.qid = q;
		break;
	case HP_READLINK:
		r.u.readlink.target = S("/some/where");
		break;
	case HP_STATFS:
		r.u.statfs.st = (struct p9_rstatfs){ 0xef53, 4096, 1, 2, 3, 4, 5, 6, 255 };
		break;
	case HP_XATTRGET:
		r.u.data.len = sizeof(xvalue);
		r.u.data.data = xvalue;
		break;
	case HP_XATTRLIST:
		r.u.data.len = 1234;	/* a size-only answer */
		break;
	}
	return r;
}

/* ---- round trips ---- */

START_TEST(t_req_roundtrip)
{
	uint16_t op = (uint16_t)_i;
	struct hp_req a = sample_req(op), b;
	size_t len, len2;

	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_uint_ge(len, HP_REQ_HDR_SIZE);
	ck_assert_int_eq(hp_decode_req(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.op, a.op);
	ck_assert_uint_eq(b.reqid, a.reqid);
	ck_assert_uint_eq(b.session, a.session);
	ck_assert_uint_eq(b.uid, a.uid);
	ck_assert_uint_eq(b.gid, a.gid);
	/* Same bytes again: every field came back. */
	ck_assert_int_eq(hp_encode_req(buf2, sizeof(buf2), &b, &len2), HP_OK);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(buf, buf2, len);
}
END_TEST

START_TEST(t_rep_roundtrip)
{
	uint16_t op = (uint16_t)_i;
	struct hp_rep a = sample_rep(op), b;
	size_t len, len2;

	if (!has_reply(op)) {
		ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_E_OP);
		return;
	}
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.op, op);
	ck_assert_uint_eq(b.reqid, a.reqid);
	ck_assert_uint_eq(b.error, 0);
	ck_assert_int_eq(hp_encode_rep(buf2, sizeof(buf2), &b, &len2), HP_OK);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(buf, buf2, len);

	/* The error form of the same reply: header only. */
	a.error = 13;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_uint_eq(len, HP_REP_HDR_SIZE);
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.error, 13);
}
END_TEST

START_TEST(t_walk_fields)
{
	struct hp_req a = sample_req(HP_WALK), b;
	size_t len;

	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_int_eq(hp_decode_req(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.u.walk.nwname, 3);
	ck_assert_uint_eq(b.u.walk.wname[0].len, 2);
	ck_assert_mem_eq(b.u.walk.wname[0].s, "..", 2);
	ck_assert_mem_eq(b.u.walk.wname[1].s, "a b", 3);
	/* Strings point into the buffer (zero copy). */
	ck_assert(b.u.walk.wname[1].s >= (const char *)buf);
	ck_assert(b.u.walk.wname[1].s < (const char *)buf + len);
}
END_TEST

START_TEST(t_xattr_data_forms)
{
	struct hp_rep a = sample_rep(HP_XATTRGET), b;
	size_t len;

	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.u.data.len, sizeof(xvalue));
	ck_assert_ptr_nonnull(b.u.data.data);
	ck_assert_mem_eq(b.u.data.data, xvalue, sizeof(xvalue));

	a = sample_rep(HP_XATTRLIST);	/* length only */
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_uint_eq(len, HP_REP_HDR_SIZE + 5);
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.u.data.len, 1234);
	ck_assert_ptr_null(b.u.data.data);

	a.u.data.len = 0;	/* an empty value, with data */
	a.u.data.data = "";
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_OK);
	ck_assert_uint_eq(b.u.data.len, 0);
	ck_assert_ptr_nonnull(b.u.data.data);

	buf[HP_REP_HDR_SIZE + 4] = 2;	/* `has` must be 0 or 1 */
	ck_assert_int_eq(hp_decode_rep(buf, len, &b), HP_E_COUNT);

	a.u.data.len = HP_MAX_XATTR_VALUE + 1;
	a.u.data.data = NULL;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_E_COUNT);
}
END_TEST

/* ---- hand-written byte vectors ---- */

START_TEST(t_vector_hello)
{
	static const uint8_t v[] = {
		0x01, 0x00,			/* op HELLO */
		0x2a, 0x00, 0x00, 0x00,		/* reqid 42 */
		0x00, 0x00, 0x00, 0x00,		/* session 0 */
		0x00, 0x00, 0x00, 0x00,		/* uid 0 */
		0xff, 0xff, 0xff, 0xff,		/* gid default */
		0x01, 0x00, 0x00, 0x00,		/* version 1 */
	};
	struct hp_req r = { .op = HP_HELLO, .reqid = 42, .uid = 0, .gid = HP_GID_DEFAULT };
	struct hp_req d;
	size_t len;

	r.u.hello.version = 1;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_uint_eq(len, sizeof(v));
	ck_assert_mem_eq(buf, v, sizeof(v));
	ck_assert_int_eq(hp_decode_req(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.u.hello.version, 1);
	ck_assert_uint_eq(d.gid, HP_GID_DEFAULT);
}
END_TEST

START_TEST(t_vector_walk)
{
	static const uint8_t v[] = {
		0x03, 0x00, 0x07, 0x00, 0x00, 0x00,	/* WALK, reqid 7 */
		0x05, 0x01, 0x00, 0x00,			/* session 261 */
		0xe8, 0x03, 0x00, 0x00,			/* uid 1000 */
		0xe8, 0x03, 0x00, 0x00,			/* gid 1000 */
		0x05, 0x00, 0x01, 0x00,			/* handle 0x10005 */
		0x02, 0x00,				/* nwname 2 */
		0x02, 0x00, '.', '.',			/* ".." */
		0x03, 0x00, 'u', 's', 'r',		/* "usr" */
	};
	struct hp_req d;
	size_t len;

	ck_assert_int_eq(hp_decode_req(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.op, HP_WALK);
	ck_assert_uint_eq(d.reqid, 7);
	ck_assert_uint_eq(d.session, 261);
	ck_assert_uint_eq(d.uid, 1000);
	ck_assert_uint_eq(d.u.walk.handle, 0x10005);
	ck_assert_uint_eq(d.u.walk.nwname, 2);
	ck_assert_mem_eq(d.u.walk.wname[1].s, "usr", 3);
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &d, &len), HP_OK);
	ck_assert_uint_eq(len, sizeof(v));
	ck_assert_mem_eq(buf, v, sizeof(v));
}
END_TEST

START_TEST(t_vector_attach_reply)
{
	static const uint8_t v[] = {
		0x02, 0x00, 0x09, 0x00, 0x00, 0x00,	/* ATTACH, reqid 9 */
		0x00, 0x00, 0x00, 0x00,			/* errno 0 */
		0x01, 0x00, 0x01, 0x00,			/* handle 0x10001 */
		0x80,					/* qid.type dir */
		0x44, 0x33, 0x22, 0x11,			/* qid.version */
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,	/* qid.path */
	};
	struct hp_rep d;
	size_t len;

	ck_assert_int_eq(hp_decode_rep(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.u.attach.handle, 0x10001);
	ck_assert_uint_eq(d.u.attach.qid.type, P9_QTDIR);
	ck_assert_uint_eq(d.u.attach.qid.version, 0x11223344u);
	ck_assert_uint_eq(d.u.attach.qid.path, 0x0102030405060708ull);
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &d, &len), HP_OK);
	ck_assert_mem_eq(buf, v, sizeof(v));
}
END_TEST

START_TEST(t_vector_error_reply)
{
	static const uint8_t v[] = {
		0x03, 0x00, 0x01, 0x00, 0x00, 0x00,	/* WALK, reqid 1 */
		0x02, 0x00, 0x00, 0x00,			/* ENOENT */
	};
	static const uint8_t big[] = {
		0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x10, 0x00, 0x00,			/* 4096: not an errno */
	};
	struct hp_rep d;

	ck_assert_int_eq(hp_decode_rep(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.error, 2);
	ck_assert_int_eq(hp_decode_rep(big, sizeof(big), &d), HP_E_COUNT);
}
END_TEST

START_TEST(t_vector_xattrset)
{
	static const uint8_t v[] = {
		0x15, 0x00, 0x01, 0x00, 0x00, 0x00,	/* XATTRSET, reqid 1 */
		0x07, 0x00, 0x00, 0x00,			/* session 7 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* uid 0 gid 0 */
		0x03, 0x00, 0x00, 0x00,			/* handle 3 */
		0x06, 0x00, 'u', 's', 'e', 'r', '.', 'a',	/* "user.a" */
		0x02, 0x00, 0x00, 0x00,			/* XATTR_REPLACE */
		0x02, 0x00, 0x00, 0x00,			/* len 2 */
		0x00, 0xff,				/* value (binary) */
	};
	struct hp_req d;

	ck_assert_int_eq(hp_decode_req(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.op, HP_XATTRSET);
	ck_assert_uint_eq(d.session, 7);
	ck_assert_uint_eq(d.u.xattrset.flags, 2);
	ck_assert_uint_eq(d.u.xattrset.len, 2);
	ck_assert_mem_eq(d.u.xattrset.value, "\x00\xff", 2);
}
END_TEST

/* ---- truncation and trailing bytes, for every sample ---- */

START_TEST(t_req_truncated)
{
	struct hp_req a = sample_req((uint16_t)_i), d;
	size_t len;

	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &a, &len), HP_OK);
	for (size_t k = 0; k < len; k++) {
		int err = hp_decode_req(buf, k, &d);

		ck_assert_msg(err == HP_E_SHORT || err == HP_E_STRLEN,
			      "%s cut to %zu of %zu bytes: %d", hp_op_name(a.op), k, len, err);
	}
	buf[len] = 0;
	ck_assert_int_eq(hp_decode_req(buf, len + 1, &d), HP_E_TRAILING);
}
END_TEST

START_TEST(t_rep_truncated)
{
	struct hp_rep a = sample_rep((uint16_t)_i), d;
	size_t len;

	if (!has_reply(a.op))
		return;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	for (size_t k = 0; k < len; k++) {
		int err = hp_decode_rep(buf, k, &d);

		ck_assert_msg(err == HP_E_SHORT || err == HP_E_STRLEN,
			      "%s reply cut to %zu of %zu bytes: %d", hp_op_name(a.op), k, len, err);
	}
	buf[len] = 0;
	ck_assert_int_eq(hp_decode_rep(buf, len + 1, &d), HP_E_TRAILING);
	/* An error reply carries nothing after the header. */
	a.error = 5;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &a, &len), HP_OK);
	buf[len] = 0;
	ck_assert_int_eq(hp_decode_rep(buf, len + 1, &d), HP_E_TRAILING);
}
END_TEST

START_TEST(t_encode_nospace)
{
	struct hp_req a = sample_req((uint16_t)_i);
	size_t len, k;

	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &a, &len), HP_OK);
	for (k = 0; k < len; k++)
		ck_assert_int_eq(hp_encode_req(buf, k, &a, &len), HP_E_NOSPACE);
}
END_TEST

/* ---- names, strings and counts ---- */

static int decode_mkdir_named(const char *name, size_t namelen)
{
	struct hp_req r = sample_req(HP_MKDIR), d;
	size_t len;
	size_t off = HP_REQ_HDR_SIZE + 4;

	/* Encode with a valid placeholder of the same length, then patch. */
	char tmp[300];

	memset(tmp, 'x', namelen);
	r.u.mkdir.name.s = tmp;
	r.u.mkdir.name.len = (uint16_t)namelen;
	if (hp_encode_req(buf, sizeof(buf), &r, &len) != HP_OK) {
		/* too long for the encoder: build it by hand */
		len = 0;
		memset(buf, 0, HP_REQ_HDR_SIZE);
		buf[0] = HP_MKDIR;
		len = HP_REQ_HDR_SIZE;
		buf[len++] = 1;
		buf[len++] = 0;
		buf[len++] = 0;
		buf[len++] = 0;
		buf[len++] = (uint8_t)namelen;
		buf[len++] = (uint8_t)(namelen >> 8);
		len += namelen;
		buf[len++] = 0xed;
		buf[len++] = 0x01;
		buf[len++] = 0;
		buf[len++] = 0;
	}
	memcpy(buf + off + 2, name, namelen);
	return hp_decode_req(buf, len, &d);
}

START_TEST(t_bad_names)
{
	char longname[HP_MAX_NAME + 2];

	ck_assert_int_eq(decode_mkdir_named("ok", 2), HP_OK);
	ck_assert_int_eq(decode_mkdir_named("", 0), HP_E_NAME);
	ck_assert_int_eq(decode_mkdir_named("a/b", 3), HP_E_NAME);
	ck_assert_int_eq(decode_mkdir_named("/", 1), HP_E_NAME);
	ck_assert_int_eq(decode_mkdir_named("a\0b", 3), HP_E_STRNUL);
	memset(longname, 'n', sizeof(longname));
	ck_assert_int_eq(decode_mkdir_named(longname, HP_MAX_NAME), HP_OK);
	ck_assert_int_eq(decode_mkdir_named(longname, HP_MAX_NAME + 1), HP_E_STRLEN);
	/* "." and ".." pass the codec; the helper refuses them for creates. */
	ck_assert_int_eq(decode_mkdir_named("..", 2), HP_OK);
}
END_TEST

START_TEST(t_encoder_checks_names)
{
	struct hp_req r = sample_req(HP_RENAMEAT);
	char longname[HP_MAX_NAME + 1];
	size_t len;

	r.u.renameat.newname = S("x/y");
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_NAME);
	r.u.renameat.newname = S("");
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_NAME);
	r.u.renameat.newname = (struct p9_str){ "a\0b", 3 };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_STRNUL);
	memset(longname, 'n', sizeof(longname));
	r.u.renameat.newname = (struct p9_str){ longname, sizeof(longname) };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_STRLEN);

	r = sample_req(HP_XATTRGET);	/* xattr names may hold '/', not be empty */
	r.u.xattrget.name = S("");
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_NAME);
	r = sample_req(HP_ATTACH);	/* aname: text, may be empty */
	r.u.attach.aname = S("");
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	r = sample_req(HP_SYMLINK);	/* targets may hold '/' but not NUL */
	r.u.symlink.target = (struct p9_str){ "a\0", 2 };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_STRNUL);
}
END_TEST

START_TEST(t_counts)
{
	struct hp_req r = sample_req(HP_WALK), d;
	struct hp_rep p = sample_rep(HP_WALK), e;
	size_t len;

	r.u.walk.nwname = P9_MAXWELEM + 1;
	for (int i = 0; i < P9_MAXWELEM; i++)
		r.u.walk.wname[i] = S("n");
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_COUNT);
	r.u.walk.nwname = P9_MAXWELEM;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	buf[HP_REQ_HDR_SIZE + 4] = P9_MAXWELEM + 1;	/* patch nwname */
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_E_COUNT);

	p.u.walk.nwqid = P9_MAXWELEM + 1;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &p, &len), HP_E_COUNT);

	r = sample_req(HP_XATTRGET);
	r.u.xattrget.size = HP_MAX_XATTR_VALUE + 1;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_COUNT);
	r = sample_req(HP_XATTRSET);
	r.u.xattrset.len = HP_MAX_XATTR_VALUE + 1;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_COUNT);

	/* A value claiming more bytes than the packet has. */
	r = sample_req(HP_XATTRSET);
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_int_eq(hp_decode_req(buf, len - 1, &d), HP_E_SHORT);

	/* The largest xattr value fits a message. */
	{
		static uint8_t big[HP_MAX_XATTR_VALUE];

		r.u.xattrset.len = HP_MAX_XATTR_VALUE;
		r.u.xattrset.value = big;
		ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
		ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_OK);
		ck_assert_uint_eq(d.u.xattrset.len, HP_MAX_XATTR_VALUE);
	}
	ck_assert_int_eq(hp_decode_req(buf, HP_MAX_MSG + 1, &d), HP_E_COUNT);

	p = sample_rep(HP_OPEN);
	p.error = 4096;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &p, &len), HP_E_COUNT);
	(void)e;
}
END_TEST

START_TEST(t_bad_ops)
{
	struct hp_req r = sample_req(HP_HELLO), d;
	struct hp_rep p = sample_rep(HP_HELLO), e;
	size_t len;

	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	buf[0] = 0;
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_E_OP);
	buf[0] = HP_OP_MAX;
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_E_OP);
	buf[0] = 0xff;
	buf[1] = 0xff;
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_E_OP);
	r.op = HP_OP_MAX;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_OP);

	/* RELEASE is never answered, not even with an error. */
	p.op = HP_RELEASE;
	p.error = 9;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &p, &len), HP_E_OP);
	p.op = HP_HELLO;
	ck_assert_int_eq(hp_encode_rep(buf, sizeof(buf), &p, &len), HP_OK);
	buf[0] = HP_RELEASE;
	ck_assert_int_eq(hp_decode_rep(buf, len, &e), HP_E_OP);
}
END_TEST

START_TEST(t_vector_refused)
{
	static const uint8_t v[] = {
		0x19, 0x00,			/* op REFUSED */
		0x05, 0x00, 0x00, 0x00,		/* reqid 5 */
		0x03, 0x00, 0x00, 0x00,		/* session 3 */
		0xe8, 0x03, 0x00, 0x00,		/* uid 1000 */
		0xff, 0xff, 0xff, 0xff,		/* gid default */
		0xff, 0xff, 0xff, 0xff,		/* no handle */
		0x6e,				/* Twalk (110) */
		0x16, 0x00, 0x00, 0x00,		/* EINVAL */
		0x03, 0x00, 0x00, 0x00,		/* namelen 3 */
		0x03, 0x00, 'a', 0x00, '/',	/* the name's bytes */
	};
	struct hp_req r = { .op = HP_REFUSED, .reqid = 5, .session = 3, .uid = 1000,
			    .gid = HP_GID_DEFAULT };
	struct hp_req d;
	uint8_t m[sizeof(v)];
	size_t len;

	r.u.refused = (struct hp_refused){ HP_NOHANDLE, P9_TWALK, 22, 3, 3, "a\0/" };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_uint_eq(len, sizeof(v));
	ck_assert_mem_eq(buf, v, sizeof(v));
	ck_assert_int_eq(hp_decode_req(v, sizeof(v), &d), HP_OK);
	ck_assert_uint_eq(d.u.refused.handle, HP_NOHANDLE);
	ck_assert_uint_eq(d.u.refused.p9type, P9_TWALK);
	ck_assert_uint_eq(d.u.refused.error, 22);
	ck_assert_mem_eq(d.u.refused.name, "a\0/", 3);

	/* A 9P type that carries no name, a zero or too big errno, a name
	 * longer than its stated length or than the bound, a prefix that is
	 * not exactly min(namelen, 255): all malformed. */
	memcpy(m, v, sizeof(v));
	m[22] = P9_TREAD;
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);
	memcpy(m, v, sizeof(v));
	m[23] = 0;
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);
	memcpy(m, v, sizeof(v));
	m[24] = 0x10;	/* errno 4118 */
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);
	memcpy(m, v, sizeof(v));
	m[27] = 4;	/* namelen 4, 3 bytes carried */
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);
	memcpy(m, v, sizeof(v));
	m[29] = 0x01;	/* namelen 65539 */
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);
	memcpy(m, v, sizeof(v));
	m[31] = 2;	/* 2 bytes carried, 1 left over */
	ck_assert_int_eq(hp_decode_req(m, sizeof(m), &d), HP_E_COUNT);

	/* A long name: only its first HP_MAX_REFUSED_NAME bytes travel. */
	static char longname[300];
	memset(longname, 'x', sizeof(longname));
	r.u.refused = (struct hp_refused){ 1, P9_TLCREATE, 36, 300, HP_MAX_REFUSED_NAME,
					   longname };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_OK);
	ck_assert_uint_eq(d.u.refused.namelen, 300);
	ck_assert_uint_eq(d.u.refused.len, HP_MAX_REFUSED_NAME);
	r.u.refused.len = 300;
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_E_COUNT);
}
END_TEST

/* FTRUNCATED: a size past INT64_MAX, or an errno past 4095, is malformed. */
START_TEST(t_ftruncated_bounds)
{
	struct hp_req r = { .op = HP_FTRUNCATED, .reqid = 9, .uid = 1000, .gid = HP_GID_DEFAULT };
	struct hp_req d;
	size_t len;

	r.u.ftruncated = (struct hp_ftruncated){ 7, (uint64_t)INT64_MAX, 0 };
	ck_assert_int_eq(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_int_eq(hp_decode_req(buf, len, &d), HP_OK);
	ck_assert_uint_eq(d.u.ftruncated.handle, 7);
	ck_assert(d.u.ftruncated.size == (uint64_t)INT64_MAX);
	r.u.ftruncated.size = (uint64_t)INT64_MAX + 1;
	ck_assert_int_ne(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	r.u.ftruncated.size = 0;
	r.u.ftruncated.error = 4096;
	ck_assert_int_ne(hp_encode_req(buf, sizeof(buf), &r, &len), HP_OK);
	ck_assert_str_eq(hp_op_name(HP_FTRUNCATED), "ftruncated");
}
END_TEST

START_TEST(t_names_and_errors)
{
	ck_assert_str_eq(hp_op_name(HP_WALK), "walk");
	ck_assert_str_eq(hp_op_name(HP_MKDIR), "mkdir");
	ck_assert_str_eq(hp_op_name(HP_SESSION_END), "session_end");
	ck_assert_str_eq(hp_op_name(HP_REFUSED), "refused");
	ck_assert_ptr_null(hp_op_name(0));
	ck_assert_ptr_null(hp_op_name(HP_OP_MAX));
	for (uint16_t op = 1; op < HP_OP_MAX; op++)
		ck_assert_ptr_nonnull(hp_op_name(op));
	for (int e = HP_OK; e <= HP_E_NOSPACE; e++)
		ck_assert_ptr_nonnull(hp_strerror(e));
	ck_assert_str_eq(hp_strerror(HP_E_TRAILING), "bytes left after the last field");
	ck_assert_ptr_nonnull(hp_strerror(1000));
}
END_TEST

static Suite *hp_codec_suite(void)
{
	Suite *s = suite_create("hp_codec");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, t_req_roundtrip, 1, HP_OP_MAX);
	tcase_add_loop_test(tc, t_rep_roundtrip, 1, HP_OP_MAX);
	tcase_add_test(tc, t_walk_fields);
	tcase_add_test(tc, t_xattr_data_forms);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_test(tc, t_vector_hello);
	tcase_add_test(tc, t_vector_walk);
	tcase_add_test(tc, t_vector_attach_reply);
	tcase_add_test(tc, t_vector_error_reply);
	tcase_add_test(tc, t_vector_xattrset);
	tcase_add_test(tc, t_vector_refused);
	tcase_add_test(tc, t_ftruncated_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, t_req_truncated, 1, HP_OP_MAX);
	tcase_add_loop_test(tc, t_rep_truncated, 1, HP_OP_MAX);
	tcase_add_loop_test(tc, t_encode_nospace, 1, HP_OP_MAX);
	tcase_add_test(tc, t_bad_names);
	tcase_add_test(tc, t_encoder_checks_names);
	tcase_add_test(tc, t_counts);
	tcase_add_test(tc, t_bad_ops);
	tcase_add_test(tc, t_names_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hp_codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
