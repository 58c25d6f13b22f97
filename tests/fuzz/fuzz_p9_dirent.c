/*
 * fuzz_p9_dirent.c - libFuzzer target for readdir entry iteration
 * (p9_dirent_next) with a differential re-encoding (p9_dirent_put).
 *
 * The input is the data of an Rreaddir.  Every entry the iterator returns
 * must lie inside the buffer, advance the position by exactly its encoded
 * size, and re-encode with p9_dirent_put() to the very bytes it came from;
 * the iteration ends (0 or an error) within len/24 + 1 steps.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p9_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p9_dirent ent;
	uint8_t *buf, *out;
	size_t pos = 0, prev, opos, steps = 0;
	int rc;

	buf = malloc(size ? size : 1);
	out = malloc(size ? size : 1);
	if (!buf || !out)
		goto out;
	memcpy(buf, data, size);
	for (;;) {
		prev = pos;
		rc = p9_dirent_next(buf, size, &pos, &ent);
		if (rc <= 0) {
			/* Failure leaves the position alone. */
			if (pos != prev)
				abort();
			if (rc == 0 && pos != size)
				abort();
			break;
		}
		if (++steps > size / p9_dirent_size(0) + 1)
			abort();
		if (pos <= prev || pos > size || pos - prev != p9_dirent_size(ent.name.len))
			abort();
		if (ent.name.len && ((const uint8_t *)ent.name.s < buf + prev ||
				     (const uint8_t *)ent.name.s + ent.name.len > buf + pos ||
				     memchr(ent.name.s, '\0', ent.name.len)))
			abort();
		opos = 0;
		if (p9_dirent_put(out, pos - prev, &opos, &ent) != 0 || opos != pos - prev ||
		    memcmp(out, buf + prev, opos) != 0)
			abort();
		/* One byte less never fits a whole entry. */
		opos = 0;
		if (p9_dirent_put(out, pos - prev - 1, &opos, &ent) != -1 || opos != 0)
			abort();
	}
	/* A position past the end is refused, never read from. */
	pos = size + 1;
	if (p9_dirent_next(buf, size, &pos, &ent) >= 0)
		abort();
out:
	free(buf);
	free(out);
	return 0;
}
