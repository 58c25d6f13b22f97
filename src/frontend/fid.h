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

#include "p9_codec.h"

#define FID_MAX_PER_CONN 16384
#define FID_BUCKETS 256

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
	struct fid *hnext;
};

struct fid_table {
	pthread_mutex_t lock;
	struct helper *helper;
	unsigned int count;
	struct fid *bucket[FID_BUCKETS];
};

void fid_table_init(struct fid_table *t, struct helper *h);
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
 * Link f (the table takes over the caller's reference).  With `replace`, a
 * fid of the same number is dropped; otherwise that is -EBADF.  -EMFILE when
 * the table is full.  On error the caller still owns f.
 */
int fid_insert(struct fid_table *t, struct fid *f, bool replace);
/* Unlink; returns the fid with the table's reference (caller puts), or NULL. */
struct fid *fid_remove(struct fid_table *t, uint32_t num);

#endif
