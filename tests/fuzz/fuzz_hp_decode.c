/*
 * fuzz_hp_decode.c - libFuzzer target for the helper-protocol decoders
 * hp_decode_req() and hp_decode_rep() with a differential round trip.
 *
 * The whole input is one packet; both decoders see it.  A packet that
 * decodes must re-encode to exactly the same bytes, must not fit one byte
 * less, must decode again, and the names it carries must obey the rules the
 * helper relies on (no NUL, no '/' in entry names, length limits).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(struct p9_str s, size_t max, const uint8_t *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)s.s;

	if (s.len > max)
		abort();
	if (s.len == 0)
		return;
	if (!p || p < buf || p + s.len > buf + len || memchr(p, '\0', s.len))
		abort();
}

static void check_name(struct p9_str s, const uint8_t *buf, size_t len)
{
	check_text(s, HP_MAX_NAME, buf, len);
	if (s.len == 0 || memchr(s.s, '/', s.len))
		abort();
}

static void check_req(const struct hp_req *r, const uint8_t *buf, size_t len)
{
	if (!hp_op_name(r->op))
		abort();
	switch (r->op) {
	case HP_WALK:
		if (r->u.walk.nwname > P9_MAXWELEM)
			abort();
		for (unsigned int i = 0; i < r->u.walk.nwname; i++)
			check_name(r->u.walk.wname[i], buf, len);
		break;
	case HP_LCREATE:
		check_name(r->u.lcreate.name, buf, len);
		break;
	case HP_MKDIR:
		check_name(r->u.mkdir.name, buf, len);
		break;
	case HP_SYMLINK:
		check_name(r->u.symlink.name, buf, len);
		check_text(r->u.symlink.target, HP_MAX_SYMTGT, buf, len);
		break;
	case HP_MKNOD:
		check_name(r->u.mknod.name, buf, len);
		break;
	case HP_LINK:
		check_name(r->u.link.name, buf, len);
		break;
	case HP_RENAMEAT:
		check_name(r->u.renameat.oldname, buf, len);
		check_name(r->u.renameat.newname, buf, len);
		break;
	case HP_RENAME:
		check_name(r->u.rename.newname, buf, len);
		break;
	case HP_UNLINKAT:
		check_name(r->u.unlinkat.name, buf, len);
		break;
	case HP_ATTACH:
		check_text(r->u.attach.aname, HP_MAX_ANAME, buf, len);
		break;
	case HP_XATTRSET:
		check_text(r->u.xattrset.name, HP_MAX_XATTR_NAME, buf, len);
		if (r->u.xattrset.len > HP_MAX_XATTR_VALUE)
			abort();
		if (r->u.xattrset.len) {
			const uint8_t *v = r->u.xattrset.value;

			if (!v || v < buf || v + r->u.xattrset.len > buf + len)
				abort();
		}
		break;
	case HP_XATTRGET:
		check_text(r->u.xattrget.name, HP_MAX_XATTR_NAME, buf, len);
		if (r->u.xattrget.name.len == 0 || r->u.xattrget.size > HP_MAX_XATTR_VALUE)
			abort();
		break;
	case HP_SESSION_START:
		check_text(r->u.session_start.peer, HP_MAX_PEER, buf, len);
		break;
	case HP_REFUSED: {
		/* Raw bytes (NUL and '/' allowed), but bounded and in the packet:
		 * exactly min(namelen, HP_MAX_REFUSED_NAME) of them. */
		const struct hp_refused *a = &r->u.refused;
		const uint8_t *n = a->name;

		if (a->error == 0 || a->error > 4095 || a->namelen > 65535 ||
		    a->len > HP_MAX_REFUSED_NAME ||
		    a->len != (a->namelen < HP_MAX_REFUSED_NAME ? a->namelen : HP_MAX_REFUSED_NAME))
			abort();
		if (a->len && (!n || n < buf || n + a->len > buf + len))
			abort();
		break;
	}
	case HP_FTRUNCATED:
		if (r->u.ftruncated.size > INT64_MAX || r->u.ftruncated.error > 4095)
			abort();
		break;
	}
}

static void check_rep(const struct hp_rep *r, const uint8_t *buf, size_t len)
{
	if (!hp_op_name(r->op) || r->op == HP_RELEASE || r->error > 4095)
		abort();
	if (r->error)
		return;
	switch (r->op) {
	case HP_WALK:
		if (r->u.walk.nwqid > P9_MAXWELEM)
			abort();
		break;
	case HP_READLINK:
		check_text(r->u.readlink.target, HP_MAX_SYMTGT, buf, len);
		break;
	case HP_XATTRGET:
	case HP_XATTRLIST:
		if (r->u.data.len > HP_MAX_XATTR_VALUE)
			abort();
		if (r->u.data.data && r->u.data.len) {
			const uint8_t *v = r->u.data.data;

			if (v < buf || v + r->u.data.len > buf + len)
				abort();
		}
		break;
	}
}

static void round_trip_req(const uint8_t *buf, size_t len)
{
	struct hp_req r, r2;
	uint8_t *out;
	size_t outlen = 0, outlen2 = 0;

	if (hp_decode_req(buf, len, &r) != HP_OK)
		return;
	check_req(&r, buf, len);
	out = malloc(len);
	if (!out)
		return;
	if (hp_encode_req(out, len, &r, &outlen) != HP_OK || outlen != len ||
	    memcmp(out, buf, len) != 0)
		abort();
	if (hp_encode_req(out, len - 1, &r, &outlen2) != HP_E_NOSPACE)
		abort();
	if (hp_encode_req(out, len, &r, &outlen) != HP_OK)
		abort();
	if (hp_decode_req(out, outlen, &r2) != HP_OK || r2.op != r.op || r2.reqid != r.reqid ||
	    r2.uid != r.uid || r2.gid != r.gid)
		abort();
	free(out);
}

static void round_trip_rep(const uint8_t *buf, size_t len)
{
	struct hp_rep r, r2;
	uint8_t *out;
	size_t outlen = 0, outlen2 = 0;

	if (hp_decode_rep(buf, len, &r) != HP_OK)
		return;
	check_rep(&r, buf, len);
	out = malloc(len);
	if (!out)
		return;
	if (hp_encode_rep(out, len, &r, &outlen) != HP_OK || outlen != len ||
	    memcmp(out, buf, len) != 0)
		abort();
	if (hp_encode_rep(out, len - 1, &r, &outlen2) != HP_E_NOSPACE)
		abort();
	if (hp_encode_rep(out, len, &r, &outlen) != HP_OK)
		abort();
	if (hp_decode_rep(out, outlen, &r2) != HP_OK || r2.op != r.op || r2.reqid != r.reqid ||
	    r2.error != r.error)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	/* A private copy, so reads past the end are caught exactly. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	round_trip_req(buf, size);
	round_trip_rep(buf, size);
	if (size >= 2)
		(void)hp_op_name((uint16_t)(buf[0] | buf[1] << 8));
	(void)hp_strerror(size ? buf[0] % 12 : 0);
	free(buf);
	return 0;
}
