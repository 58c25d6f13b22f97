/*
 * bench_run.c - what p9bench's workers share (bench_run.h): the workloads'
 * names, the clock, the random numbers, latency samples, the start gate
 * and each worker's share of the run.  Used by p9bench.c and by every
 * backend (bench_9p.c, bench_direct.c, bench_hostile.c); calls none of them.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_run.h"

const char *const workload_names[WL_COUNT] = {
	[WL_WALK_GETATTR] = "walk-getattr",
	[WL_CREATE] = "create",
	[WL_MKDIR_RMDIR] = "mkdir-rmdir",
	[WL_READDIR] = "readdir",
	[WL_SEQWRITE] = "seqwrite",
	[WL_SEQREAD] = "seqread",
	[WL_RANDREAD] = "randread",
	[WL_FID_FLOOD] = "fid-flood",
	[WL_RENAME_HELD] = "rename-held",
	[WL_DOTDOT_DEEP] = "dotdot-deep",
};

static int is_seq(enum workload wl)
{
	return wl == WL_SEQREAD || wl == WL_SEQWRITE;
}

/* Per-worker targets: a count, a deadline, or (sequential) a byte slice. */
static void plan_worker(struct run *run, struct worker *w, uint64_t t0)
{
	const struct bench_opts *o = run->o;

	w->t_start = t0;

	if (is_seq(o->wl)) {
		uint64_t per = o->size / o->conns;

		per -= per % RAND_BLOCK;
		if (!per)
			per = RAND_BLOCK;
		w->slice_off = o->wl == WL_SEQREAD ? per * w->id : 0;
		w->slice_len = per;
	}
	w->target = 0;
	w->deadline = 0;
	if (o->ops)
		w->target = o->ops;
	else if (o->seconds || !is_seq(o->wl))
		w->deadline = t0 + (uint64_t)((o->seconds ? o->seconds : 5.0) * 1e9);
	else
		w->target = (w->slice_len + run->chunk - 1) / run->chunk;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64* */
uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 65536;
		uint64_t *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = ns;
	return 0;
}

void worker_fail(struct worker *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	w->err = err < 0 ? err : -EIO;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	atomic_store(&w->run->stop, 1);
}

void worker_start(struct worker *w)
{
	struct run *run = w->run;

	pthread_mutex_lock(&run->gate_lock);
	run->ready++;
	pthread_cond_broadcast(&run->gate_cond);
	while (!run->go)
		pthread_cond_wait(&run->gate_cond, &run->gate_lock);
	pthread_mutex_unlock(&run->gate_lock);
	plan_worker(run, w, now_ns());
}

int worker_more(struct worker *w, uint64_t begun)
{
	if (atomic_load_explicit(&w->run->stop, memory_order_relaxed))
		return 0;
	if (w->target)
		return begun < w->target;
	return now_ns() < w->deadline;
}
