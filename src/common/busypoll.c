/*
 * busypoll.c - the adaptive polling window (see busypoll.h).
 */
#include "config.h"

#include <stdatomic.h>
#include <time.h>

#include "common/busypoll.h"

#define BUSYPOLL_START_NS 4000u

static atomic_int work;	     /* busypoll_work() */
static atomic_int spinners;  /* threads polling now: 0 or 1 */

void busypoll_work(int delta)
{
	atomic_fetch_add_explicit(&work, delta, memory_order_relaxed);
}

bool busypoll_begin(int own)
{
	if (atomic_load_explicit(&work, memory_order_relaxed) > own)
		return false;
	if (atomic_fetch_add_explicit(&spinners, 1, memory_order_relaxed) == 0)
		return true;
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
	return false;
}

void busypoll_end(void)
{
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
}

void busypoll_init(struct busypoll *bp, uint32_t max_us)
{
	if (max_us > BUSYPOLL_MAX_US)
		max_us = BUSYPOLL_MAX_US;
	bp->max_ns = max_us * 1000u;
	bp->ns = 0;
}

int64_t busypoll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void busypoll_adapt(struct busypoll *bp, int64_t start)
{
	busypoll_adapt_waited(bp, busypoll_now() - start);
}

void busypoll_adapt_waited(struct busypoll *bp, int64_t waited)
{
	if (waited <= (int64_t)bp->ns)
		return; /* came while polling: the window is right */
	if (waited > (int64_t)bp->max_ns) {
		/* Longer than we would ever poll: poll less, soon not at all. */
		bp->ns = bp->ns / 2 < BUSYPOLL_START_NS ? 0 : bp->ns / 2;
		return;
	}
	/* Came soon after the window: a longer one would have caught it. */
	bp->ns = bp->ns ? bp->ns * 2 : BUSYPOLL_START_NS;
	if (bp->ns > bp->max_ns)
		bp->ns = bp->max_ns;
}
