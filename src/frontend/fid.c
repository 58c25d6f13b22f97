/* fid.c - per-connection fid table (see fid.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"

static unsigned int fid_hash(const struct fid_table *t, uint32_t num)
{
	return (unsigned int)keyhash_u32(&t->key, num) & (t->nbuckets - 1);
}

void fid_table_init(struct fid_table *t, struct helper *h, unsigned int max)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->helper = h;
	t->max = max;
	keyhash_key_init(&t->key);
	t->nbuckets = FID_BUCKETS_MIN;
	t->bucket = t->bucket_min;
}

/*
 * Double the buckets once there are more fids than buckets (lock held).
 * Out of memory the table keeps its size: longer chains, still correct.
 */
static void fid_table_grow(struct fid_table *t)
{
	unsigned int n = t->nbuckets * 2, old_n = t->nbuckets;
	struct fid **nb, **ob = t->bucket;

	if (t->count <= t->nbuckets || t->nbuckets >= FID_BUCKETS_MAX)
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	t->nbuckets = n;
	t->bucket = nb;
	for (unsigned int i = 0; i < old_n; i++)
		while (ob[i]) {
			struct fid *f = ob[i];
			unsigned int b = fid_hash(t, f->num);

			ob[i] = f->hnext;
			f->hnext = nb[b];
			nb[b] = f;
		}
	if (ob != t->bucket_min)
		free(ob);
}

struct fid *fid_alloc(uint32_t num, uint32_t uid)
{
	struct fid *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->num = num;
	f->refs = 1;
	f->uid = uid;
	f->handle = HP_NOHANDLE;
	f->fd = -1;
	f->kind = FID_FILE;
	pthread_mutex_init(&f->lock, NULL);
	return f;
}

/* Frees f; its helper handle is the caller's to release (or drop). */
static uint32_t fid_free_keep_handle(struct fid_table *t, struct fid *f)
{
	uint32_t handle = f->handle;

	if (f->xcharged) {
		pthread_mutex_lock(&t->lock);
		t->xattr_used -= f->xcharged;
		pthread_mutex_unlock(&t->lock);
	}
	if (f->fd >= 0)
		close(f->fd);
	free(f->xbuf);
	free(f->xname);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return handle;
}

static void fid_free(struct fid_table *t, struct fid *f)
{
	helper_release(t->helper, fid_free_keep_handle(t, f));
}

/* A client at --max-fids gets EMFILE; the operator gets a line saying why. */
static void fid_warn_limit(unsigned int max)
{
	static struct fdlimit_ratelimit rl = FDLIMIT_RATELIMIT_INIT;
	unsigned long more;

	if (!fdlimit_ratelimit_pass(&rl, &more))
		return;
	if (more)
		log_warn("a connection reached --max-fids %u: new fids get EMFILE until it "
			 "clunks some (%lu more refused since the last warning)", max, more);
	else
		log_warn("a connection reached --max-fids %u: new fids get EMFILE until it "
			 "clunks some", max);
}

static struct fid **fid_slot(struct fid_table *t, uint32_t num)
{
	struct fid **pp = &t->bucket[fid_hash(t, num)];

	while (*pp && (*pp)->num != num)
		pp = &(*pp)->hnext;
	return pp;
}

struct fid *fid_get(struct fid_table *t, uint32_t num)
{
	struct fid *f;

	pthread_mutex_lock(&t->lock);
	f = *fid_slot(t, num);
	if (f)
		f->refs++;
	pthread_mutex_unlock(&t->lock);
	return f;
}

bool fid_exists(struct fid_table *t, uint32_t num)
{
	bool found;

	pthread_mutex_lock(&t->lock);
	found = *fid_slot(t, num) != NULL;
	pthread_mutex_unlock(&t->lock);
	return found;
}

/* Drop a reference; true when it was the last (f is then the caller's to free). */
static bool fid_unref(struct fid_table *t, struct fid *f)
{
	bool last;

	pthread_mutex_lock(&t->lock);
	last = --f->refs == 0;
	pthread_mutex_unlock(&t->lock);
	return last;
}

void fid_put(struct fid_table *t, struct fid *f)
{
	if (f && fid_unref(t, f))
		fid_free(t, f);
}

uint32_t fid_put_keep_handle(struct fid_table *t, struct fid *f)
{
	return f && fid_unref(t, f) ? fid_free_keep_handle(t, f) : HP_NOHANDLE;
}

int fid_insert(struct fid_table *t, struct fid *f, bool replace)
{
	struct fid **pp, *old = NULL;

	pthread_mutex_lock(&t->lock);
	pp = fid_slot(t, f->num);
	if (*pp) {
		if (!replace) {
			pthread_mutex_unlock(&t->lock);
			return -EBADF;
		}
		old = *pp;
		*pp = old->hnext;
		t->count--;
	}
	if (t->count >= t->max) {
		pthread_mutex_unlock(&t->lock);
		fid_put(t, old);
		fid_warn_limit(t->max);
		return -EMFILE;
	}
	pp = &t->bucket[fid_hash(t, f->num)];
	f->hnext = *pp;
	*pp = f;
	t->count++;
	fid_table_grow(t);
	pthread_mutex_unlock(&t->lock);
	fid_put(t, old);
	return 0;
}

struct fid *fid_remove(struct fid_table *t, uint32_t num)
{
	struct fid **pp, *f;

	pthread_mutex_lock(&t->lock);
	pp = fid_slot(t, num);
	f = *pp;
	if (f) {
		*pp = f->hnext;
		f->hnext = NULL;
		t->count--;
	}
	pthread_mutex_unlock(&t->lock);
	return f;
}

int fid_xattr_charge(struct fid_table *t, struct fid *f, uint64_t bytes)
{
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	if (bytes > FID_XATTR_BUDGET - t->xattr_used) {
		rc = -ENOMEM;
	} else {
		t->xattr_used += bytes;
		f->xcharged += bytes;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void fid_xattr_uncharge(struct fid_table *t, struct fid *f, uint64_t bytes)
{
	pthread_mutex_lock(&t->lock);
	t->xattr_used -= bytes;
	f->xcharged -= bytes;
	pthread_mutex_unlock(&t->lock);
}

void fid_table_clear(struct fid_table *t)
{
	for (unsigned int i = 0; i < t->nbuckets; i++) {
		struct fid *f;

		pthread_mutex_lock(&t->lock);
		f = t->bucket[i];
		t->bucket[i] = NULL;
		while (f) {
			struct fid *next = f->hnext;

			t->count--;
			f->hnext = NULL;
			pthread_mutex_unlock(&t->lock);
			fid_put(t, f);
			pthread_mutex_lock(&t->lock);
			f = next;
		}
		pthread_mutex_unlock(&t->lock);
	}
}

void fid_table_destroy(struct fid_table *t)
{
	fid_table_clear(t);
	if (t->bucket != t->bucket_min)
		free(t->bucket);
	t->bucket = t->bucket_min;
	t->nbuckets = FID_BUCKETS_MIN;
	pthread_mutex_destroy(&t->lock);
}
