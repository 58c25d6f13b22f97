/*
 * fuzz_p9_decode.c - libFuzzer target for p9_decode() with a differential
 * round trip.
 *
 * Input: one control byte, then the frame.  Control bits 0..2 choose the
 * msize the frame is decoded against; bit 3 patches the frame's size field
 * to its real length (so the fuzzer reaches the bodies instead of stopping
 * at P9_E_SIZE).  A frame that decodes must re-encode to exactly the same
 * bytes, must not fit one byte less, and must decode again to the same
 * message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p9_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t msizes[8] = {
    P9_MAX_MSIZE, P9_MIN_MSIZE, 8192, 65536, 512000, P9_HDR_SIZE, 64, UINT32_MAX,
};

static void check_str(struct p9_str s, const uint8_t *frame, size_t len)
{
	const uint8_t *p = (const uint8_t *)s.s;

	if (s.len == 0)
		return;
	/* Zero-copy: a string must point inside its frame. */
	if (!p || p < frame || p + s.len > frame + len)
		abort();
	if (memchr(p, '\0', s.len))
		abort();
}

/* Strings and data of a decoded message must lie inside the frame. */
static void check_bounds(const struct p9_msg *m, const uint8_t *frame, size_t len)
{
	const uint8_t *d = NULL;
	uint32_t count = 0;

	switch (m->type) {
	case P9_TWALK:
		if (m->u.twalk.nwname > P9_MAXWELEM)
			abort();
		for (uint16_t i = 0; i < m->u.twalk.nwname; i++)
			check_str(m->u.twalk.wname[i], frame, len);
		break;
	case P9_RWALK:
		if (m->u.rwalk.nwqid > P9_MAXWELEM)
			abort();
		break;
	case P9_TATTACH:
		check_str(m->u.tattach.uname, frame, len);
		check_str(m->u.tattach.aname, frame, len);
		break;
	case P9_TVERSION:
		check_str(m->u.tversion.version, frame, len);
		break;
	case P9_TRENAMEAT:
		check_str(m->u.trenameat.oldname, frame, len);
		check_str(m->u.trenameat.newname, frame, len);
		break;
	case P9_RREAD:
		d = m->u.rread.data;
		count = m->u.rread.count;
		break;
	case P9_RREADDIR:
		d = m->u.rreaddir.data;
		count = m->u.rreaddir.count;
		break;
	case P9_TWRITE:
		d = m->u.twrite.data;
		count = m->u.twrite.count;
		break;
	}
	if (count && (!d || d < frame || d + count > frame + len))
		abort();
	if (m->type == P9_RREADDIR) {
		struct p9_dirent ent;
		size_t pos = 0;
		int rc;

		/* Entries are walked as the client does; every step advances. */
		while ((rc = p9_dirent_next(d, count, &pos, &ent)) > 0)
			check_str(ent.name, frame, len);
		if (pos > count)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p9_msg m, m2;
	uint8_t *frame, *out;
	uint32_t msize, fsz;
	size_t len, outlen = 0, outlen2 = 0;
	int rc;

	if (size < 1)
		return 0;
	msize = msizes[data[0] & 7];
	len = size - 1;
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, len);
	if ((data[0] & 8) && len >= 4) {
		frame[0] = (uint8_t)len;
		frame[1] = (uint8_t)(len >> 8);
		frame[2] = (uint8_t)(len >> 16);
		frame[3] = (uint8_t)(len >> 24);
	}

	rc = p9_frame_size(frame, len, msize, &fsz);
	if (rc != P9_OK && rc != P9_E_SHORT && rc != P9_E_SIZE && rc != P9_E_MSIZE)
		abort();
	(void)p9_strerror(rc);

	rc = p9_decode(frame, len, msize, &m);
	(void)p9_strerror(rc);
	if (len >= 1)
		(void)p9_type_name(frame[len > 4 ? 4 : 0]);
	if (rc != P9_OK)
		goto out;
	if (len > msize || len < P9_HDR_SIZE || !p9_type_name(m.type))
		abort();
	check_bounds(&m, frame, len);

	/* Re-encode into exactly the frame's size: same bytes. */
	out = malloc(len);
	if (!out)
		goto out;
	rc = p9_encode(out, len, &m, &outlen);
	if (rc != P9_OK || outlen != len || memcmp(out, frame, len) != 0)
		abort();
	/* One byte less does not fit, and the encoder says so. */
	if (p9_encode(out, len - 1, &m, &outlen2) != P9_E_NOSPACE)
		abort();
	/* ... and what was encoded decodes again to the same message. */
	rc = p9_encode(out, len, &m, &outlen);
	if (rc != P9_OK || p9_decode(out, outlen, msize, &m2) != P9_OK)
		abort();
	if (m2.type != m.type || m2.tag != m.tag)
		abort();
	rc = p9_encode(frame, len, &m2, &outlen2);
	if (rc != P9_OK || outlen2 != outlen || memcmp(out, frame, len) != 0)
		abort();
	free(out);
out:
	free(frame);
	return 0;
}
