/*
 * fid.h - a connection's fid table.
 *
 * A fid names a helper handle (the file), the uid of its Tattach, and once
 * opened the descriptor the helper passed.  Xattr fids (Txattrwalk's newfid,
 * a fid after Txattrcreate) hold a value buffer instead.  Fids are reference
 * counted: the table holds one reference, each request using the fid one
 * more; the last put closes the descriptor and releases the handle.
 */
#ifndef P9G_FE_FID_H
#define P9G_FE_FID_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/keyhash.h"
#include "hp_codec.h"
#include "p9_codec.h"

/*
 * The table is a hash of fid numbers, which the client picks: the hash is
 * keyed with a secret per table (common/keyhash.h), so a client cannot put
 * its fids in one bucket, and the buckets double as the table fills (at
 * most one fid per bucket on average), so an honest client holding many
 * fids (the Linux client with cache=loose keeps one per dentry) does not
 * scan long chains either.
 */
#define FID_BUCKETS_MIN 64u
#define FID_BUCKETS_MAX (1u << 20)
/*
 * Bytes of xattr values one connection may hold in fids at once (values
 * being written after Txattrcreate, values and name lists fetched by
 * Txattrwalk).  64 setxattr calls of the largest value at once; beyond it
 * Txattrcreate and Txattrwalk answer ENOMEM until fids are clunked.
 */
#define FID_XATTR_BUDGET (4u * 1024u * 1024u)

struct helper;

enum fid_kind {
	FID_FILE,	 /* walked/attached; open when fd >= 0 */
	FID_XATTR_READ,	 /* Txattrwalk result: reads come from xbuf */
	FID_XATTR_WRITE, /* after Txattrcreate: writes fill xbuf until Tclunk */
};

struct fid {
	uint32_t num;
	unsigned int refs; /* under the table lock */
	uint32_t handle;   /* helper handle, or HP_NOHANDLE */
	uint32_t uid;	   /* from Tattach */
	struct p9_qid qid;
	pthread_mutex_t lock; /* the fields below */
	enum fid_kind kind;
	int fd;		     /* open descriptor, or -1 */
	uint32_t open_flags; /* P9_DOTL_* of the open */
	uint8_t *xbuf;	     /* xattr value or name list */
	uint64_t xsize;	     /* its size */
	uint64_t xfilled;    /* FID_XATTR_WRITE: bytes written so far */
	char *xname;	     /* FID_XATTR_WRITE: attribute name */
	uint32_t xflags;     /* FID_XATTR_WRITE: XATTR_CREATE/REPLACE */
	uint64_t xcharged;   /* bytes charged to the table's xattr budget */
	/* the attributes the walk that made this fid saw, for one Tgetattr
	 * while nothing has changed since (p9_getattr()) */
	bool wattr_valid;
	uint64_t wattr_changes; /* p9_change_count() before that walk */
	struct hp_attr wattr;
	struct fid *hnext;
};

struct fid_table {
	pthread_mutex_t lock;
	struct helper *helper;
	unsigned int count;
	unsigned int max;    /* fids allowed (--max-fids) */
	uint64_t xattr_used; /* xattr buffer bytes charged, at most FID_XATTR_BUDGET */
	struct keyhash_key key;
	unsigned int nbuckets; /* a power of two */
	struct fid **bucket;   /* bucket_min until the table grows */
	struct fid *bucket_min[FID_BUCKETS_MIN];
};

/* `max` fids at most (fid_insert answers -EMFILE beyond). */
void fid_table_init(struct fid_table *t, struct helper *h, unsigned int max);
/* Drop every fid (as if each were clunked) and free the table's state. */
void fid_table_destroy(struct fid_table *t);
/* Forget every fid; the table stays usable (a second Tversion). */
void fid_table_clear(struct fid_table *t);

/* A new, unlinked fid holding one reference, or NULL. */
struct fid *fid_alloc(uint32_t num, uint32_t uid);
/* Look up and take a reference; NULL if absent. */
struct fid *fid_get(struct fid_table *t, uint32_t num);
bool fid_exists(struct fid_table *t, uint32_t num);
void fid_put(struct fid_table *t, struct fid *f);
/*
 * fid_put() that leaves the helper handle's release to the caller: the
 * handle when this was the last reference (f is freed, its descriptor
 * closed), else HP_NOHANDLE (the last fid_put() releases it).
 */
uint32_t fid_put_keep_handle(struct fid_table *t, struct fid *f);
/*
 * Link f (the table takes over the caller's reference).  With `replace`, a
 * fid of the same number is dropped; otherwise that is -EBADF.  -EMFILE when
 * the table is full.  On error the caller still owns f.
 */
int fid_insert(struct fid_table *t, struct fid *f, bool replace);
/* Unlink; returns the fid with the table's reference (caller puts), or NULL. */
struct fid *fid_remove(struct fid_table *t, uint32_t num);

/*
 * Charge `bytes` of xattr buffer to the table's budget, on behalf of f
 * (f->xcharged grows; given back when f is freed).  0, or -ENOMEM when the
 * connection already holds FID_XATTR_BUDGET bytes of xattr buffers.
 */
int fid_xattr_charge(struct fid_table *t, struct fid *f, uint64_t bytes);
/* Give back what a failed request charged (bytes <= f->xcharged). */
void fid_xattr_uncharge(struct fid_table *t, struct fid *f, uint64_t bytes);

#endif
