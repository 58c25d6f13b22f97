/*
 * membound.c - what the frontend's limits let it hold (see membound.h).
 *
 * The sum of what each limit bounds, with malloc's per-block overhead and
 * thread stacks counted whole (address space reserved; a stack's untouched
 * pages cost no RAM, so the figure is an upper bound, not a forecast):
 *
 *  per connection
 *   fids         --max-fids x (struct fid, its xattr-write name of up to
 *                255 bytes, a shared-handle record) + the fid hash's buckets
 *   xattr values FID_XATTR_BUDGET
 *   requests     --max-requests x struct p9_req + the spare requests kept
 *                for reuse + --max-buffered + one more frame and reply
 *                (2 x msize, conn.h)
 *   connection   struct conn, its input buffer, the reader's and the
 *                writer's stacks, the reader's reply buffer (msize)
 *  shared
 *   workers      --threads x (stack, reply buffer of msize, helper message
 *                buffer), the helper client's receiving buffer
 */
#include "config.h"

#include <linux/limits.h>
#include <stdio.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/membound.h"
#include "frontend/workq.h"
#include "hp_codec.h"

/* What malloc adds to each block (its header, rounded up). */
#define MALLOC_OVERHEAD 16u
/* helper_client.c's record of a handle several fids share. */
#define DUP_RECORD (16u + MALLOC_OVERHEAD)

static uint64_t blk(uint64_t n)
{
	return n + MALLOC_OVERHEAD;
}

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = FID_BUCKETS_MIN;

	while (p < n && p < FID_BUCKETS_MAX)
		p *= 2;
	return p;
}

void mem_bound_compute(const struct fe_options *o, struct mem_bound *b)
{
	uint64_t fids, reqs, conn, msize = o->msize;

	fids = (uint64_t)o->max_fids *
		       (blk(sizeof(struct fid)) + blk(XATTR_NAME_MAX + 1) + DUP_RECORD) +
	       blk(pow2_at_least(o->max_fids) * sizeof(struct fid *)) + FID_XATTR_BUDGET;
	reqs = (uint64_t)(o->max_requests + CONN_SPARE_MAX) * blk(sizeof(struct p9_req)) +
	       o->max_buffered + 2 * blk(msize);
	conn = blk(sizeof(struct conn)) + blk(CONN_INBUF_SIZE) + 2 * CONN_THREAD_STACK + blk(msize);
	b->per_conn = fids + reqs + conn;
	b->shared = (uint64_t)o->threads * (WORKQ_STACK_SIZE + blk(msize) + blk(HP_MAX_MSG)) +
		    blk(HP_MAX_MSG);
	b->total = b->shared + (uint64_t)o->max_conns * b->per_conn;
}

void mem_bound_fmt(uint64_t bytes, char *buf, size_t cap)
{
	static const char units[] = "KMGT";
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, cap, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, cap, "%.1f%c", v, units[u]);
}

int mem_bound_check(const struct fe_options *o, const struct mem_bound *b, char *err,
		    size_t errsz)
{
	char total[32], per[32], max[32];

	if (!o->max_memory || b->total <= o->max_memory)
		return 0;
	mem_bound_fmt(b->total, total, sizeof(total));
	mem_bound_fmt(b->per_conn, per, sizeof(per));
	mem_bound_fmt(o->max_memory, max, sizeof(max));
	snprintf(err, errsz,
		 "--max-memory %s: these limits let the frontend hold up to %s (%u connections "
		 "x %s each, plus the workers); lower --max-connections, --max-fids, "
		 "--max-buffered, --max-requests or --msize, or raise --max-memory",
		 max, total, o->max_conns, per);
	return -1;
}
