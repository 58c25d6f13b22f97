/*
 * busypoll.h - adaptive busy polling before a blocking wait.
 *
 * A thread that blocks lets its CPU go idle, and on a virtual machine an
 * idle CPU halts: waking it again costs more than serving a small 9P
 * request (13-19 us per round trip between two processes on the 2-CPU
 * KVM guests we measure on, 5 us when both sides poll).  A waiter that
 * expects its event soon therefore first tries the non-blocking form of
 * its call in a loop, for a short window, and only then blocks.
 *
 * The window adapts per waiter, as QEMU's event loop does for its own
 * polling: it grows (4 us, doubling up to the maximum) while events come
 * after the window but within the maximum, stays while they come inside
 * it, and halves toward 0 when waits are longer than the maximum - an idle
 * server, or one so loaded that its waits are long, does not spin; nor
 * does a thread while others have work (busypoll_begin()).
 */
#ifndef P9G_BUSYPOLL_H
#define P9G_BUSYPOLL_H

#include <stdbool.h>
#include <stdint.h>

#define BUSYPOLL_DEFAULT_US 32
#define BUSYPOLL_MAX_US 1000

struct busypoll {
	uint32_t ns;	 /* current window; 0 = block at once */
	uint32_t max_ns; /* 0 = never poll */
};

void busypoll_init(struct busypoll *bp, uint32_t max_us);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t busypoll_now(void);

/* End of the polling phase of a wait that starts at `start`. */
static inline int64_t busypoll_deadline(const struct busypoll *bp, int64_t start)
{
	return start + bp->ns;
}

/*
 * Polling pays only while the waiter is all the process has to do: with
 * other requests under way, the CPU it would spin on is better left to the
 * threads serving them (and to the client).  The frontend counts the 9P
 * requests it holds with busypoll_work(+1/-1); busypoll_begin(own) says
 * whether to poll now: no more requests under way than `own` (the
 * caller's), and no other thread polling.  busypoll_end() after polling.
 */
void busypoll_work(int delta);
bool busypoll_begin(int own);
void busypoll_end(void);

/* A wait that began at `start` saw its event now: adapt the window. */
void busypoll_adapt(struct busypoll *bp, int64_t start);
/* The same, given how long the wait took (ns). */
void busypoll_adapt_waited(struct busypoll *bp, int64_t waited);

#endif
