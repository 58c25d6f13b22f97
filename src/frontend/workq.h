/*
 * workq.h - a fixed pool of worker threads taking items from one FIFO.
 * Items are embedded in the caller's objects: queueing never allocates.
 */
#ifndef P9G_FE_WORKQ_H
#define P9G_FE_WORKQ_H

/* Each worker thread's stack. */
#define WORKQ_STACK_SIZE (256u * 1024u)

struct work_item {
	void (*fn)(struct work_item *it);
	struct work_item *next;
};

struct workq;

/* Start `nthreads` workers.  0 or -errno. */
int workq_create(struct workq **out, unsigned int nthreads);
void workq_push(struct workq *q, struct work_item *it);
/* Run what is queued, then stop and join the workers, and free. */
void workq_destroy(struct workq *q);

#endif
