/*
 * fuzz_vu_ring.c - libFuzzer target for the split virtqueue walker
 * (src/frontend/vu_ring.c): a hostile guest writes the descriptor table,
 * the avail ring and the indirect tables.
 *
 * The input's first 4 bytes choose the queue size (2..256), the negotiated
 * features and the index to start from; the rest is guest memory (64 KiB,
 * zero-padded) holding the table at 0, the avail ring at 0x1000 and the
 * used ring at 0x2000.  Every chain vu_ring_pop() returns must consist of
 * pieces inside guest memory, with lengths that add up to what it reports;
 * at most `num` chains are taken per avail index, and nothing crashes
 * (ASan/UBSan).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/sandbox.h"
#include "frontend/vu_ring.h"

#define MEM (64u * 1024u)
#define GPA 0x100000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vu_mem.c's region checks are not exercised here (no file is mapped). */
int sandbox_fstat(int fd, struct stat *st)
{
	(void)fd;
	(void)st;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vu_chain ch;
	struct vu_mem m = {.n = 1};
	struct vu_ring q = {0};
	uint8_t *mem;
	const char *why;

	if (size < 4)
		return 0;
	mem = calloc(1, MEM);
	if (!mem)
		return 0;
	memcpy(mem, data + 4, size - 4 < MEM ? size - 4 : MEM);
	m.r[0] = (struct vu_region){.gpa = GPA, .size = MEM, .uva = 0x7000000000ull, .host = mem};
	q.num = 2u << (data[0] % 8);
	q.indirect = data[1] & 1;
	q.event_idx = data[1] & 2;
	q.desc_uva = 0x7000000000ull;
	q.avail_uva = 0x7000000000ull + 0x1000;
	q.used_uva = 0x7000000000ull + 0x2000;
	if (vu_ring_map(&q, &m) != 0)
		abort();
	q.last_avail = (uint16_t)(data[2] | data[3] << 8);
	for (unsigned int n = 0; n <= q.num; n++) {
		uint64_t rl = 0, wl = 0;
		int rc = vu_ring_pop(&q, &m, &ch, &why);

		if (rc <= 0)
			break;
		if (n == q.num)
			abort(); /* more chains than the queue holds */
		if (ch.nread + ch.nwrite > VU_SEG_MAX || ch.head >= q.num)
			abort();
		for (unsigned int i = 0; i < ch.nread + ch.nwrite; i++) {
			const struct vu_seg *s = &ch.seg[i];

			if (s->p < mem || s->p + s->len > mem + MEM)
				abort();
			memset(s->p, 0, 0); /* ASan: the range is ours */
			*(i < ch.nread ? &rl : &wl) += s->len;
		}
		if (rl != ch.read_len || wl != ch.write_len)
			abort();
		vu_ring_push(&q, ch.head, (uint32_t)(wl > 11 ? 11 : wl));
		vu_ring_need_notify(&q);
	}
	vu_ring_arm_kick(&q);
	free(mem);
	return 0;
}
