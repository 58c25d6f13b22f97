/* workq.c - worker pool (see workq.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "frontend/workq.h"

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct work_item *head, *tail;
	unsigned int idle;    /* workers in pthread_cond_wait() */
	unsigned int waking;  /* signals sent that no worker has taken yet */
	bool stopping;
	unsigned int nthreads;
	pthread_t *threads;
};

static void *workq_thread(void *arg)
{
	struct workq *q = arg;

	for (;;) {
		struct work_item *it;

		pthread_mutex_lock(&q->lock);
		while (!q->head && !q->stopping) {
			q->idle++;
			pthread_cond_wait(&q->cond, &q->lock);
			q->idle--;
			if (q->waking)
				q->waking--;
		}
		it = q->head;
		if (!it) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);
		it->next = NULL;
		it->fn(it);
	}
}

int workq_create(struct workq **out, unsigned int nthreads)
{
	struct workq *q = calloc(1, sizeof(*q));
	pthread_attr_t attr;
	int err = 0;

	if (!q)
		return -ENOMEM;
	q->threads = calloc(nthreads, sizeof(*q->threads));
	if (!q->threads) {
		free(q);
		return -ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKQ_STACK_SIZE);
	for (; q->nthreads < nthreads; q->nthreads++) {
		err = pthread_create(&q->threads[q->nthreads], &attr, workq_thread, q);
		if (err)
			break;
	}
	pthread_attr_destroy(&attr);
	if (err) {
		workq_destroy(q);
		return -err;
	}
	*out = q;
	return 0;
}

/*
 * A worker is woken only when an idle one exists that no earlier push has
 * woken already (a busy worker takes the item when it comes back), and
 * after the lock is dropped, so that it does not wake only to wait for the
 * lock.  Under load most pushes so make no system call at all.
 */
void workq_push(struct workq *q, struct work_item *it)
{
	bool wake;

	it->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	wake = q->idle > q->waking;
	if (wake)
		q->waking++;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->cond);
}

void workq_destroy(struct workq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (unsigned int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->threads);
	free(q);
}
