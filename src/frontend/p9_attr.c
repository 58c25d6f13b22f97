/* p9_attr.c - Tgetattr, Tsetattr, Tstatfs, Treadlink. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/options.h"
#include "frontend/p9_ops.h"
#include "common/idmap.h"
#include "common/sandbox.h"

static void attr_from_hp(struct p9_rgetattr *a, const struct hp_attr *h)
{
	a->qid = h->qid;
	a->mode = h->mode;
	a->uid = h->uid;
	a->gid = h->gid;
	a->nlink = h->nlink;
	a->rdev = h->rdev;
	a->size = h->size;
	a->blksize = h->blksize;
	a->blocks = h->blocks;
	a->atime_sec = h->atime_sec;
	a->atime_nsec = h->atime_nsec;
	a->mtime_sec = h->mtime_sec;
	a->mtime_nsec = h->mtime_nsec;
	a->ctime_sec = h->ctime_sec;
	a->ctime_nsec = h->ctime_nsec;
}

/*
 * The attributes the walk that made f saw, once, if no change began or
 * ended since before that walk: then they are what the helper would find
 * now, and its round trip is saved (a client's Twalk is usually followed
 * by a Tgetattr of the new fid).  Called with f->lock held.
 */
static bool take_walk_attr(struct fid *f, struct hp_attr *ha)
{
	if (!f->wattr_valid)
		return false;
	f->wattr_valid = false;
	if (f->wattr_changes != p9_change_count())
		return false;
	*ha = f->wattr;
	return true;
}

/* Quick when served from an open descriptor or from the walk (no helper). */
bool p9_getattr_is_quick(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct fid *f = fid_get(fids, req->in.u.tgetattr.fid);
	bool quick = true;

	if (f) {
		pthread_mutex_lock(&f->lock);
		quick = f->kind != FID_FILE ||
			(f->fd >= 0 && !options_mapped_xattr(req->conn->host->opt)) ||
			(f->wattr_valid && f->wattr_changes == p9_change_count());
		pthread_mutex_unlock(&f->lock);
	}
	fid_put(fids, f);
	return quick;
}

void p9_getattr(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RGETATTR};
	struct p9_rgetattr *a = &r.u.rgetattr;
	struct fid *f = fid_get(fids, req->in.u.tgetattr.fid);
	enum fid_kind kind = FID_XATTR_READ;
	struct hp_attr ha;
	bool walked = false;
	int rc = 0, fd = -1;

	if (f) {
		pthread_mutex_lock(&f->lock);
		kind = f->kind;
		fd = f->fd;
		a->qid = f->qid;
		walked = fd < 0 && take_walk_attr(f, &ha);
		pthread_mutex_unlock(&f->lock);
	}
	if (kind != FID_FILE) {
		rc = -EBADF;
	} else if (fd >= 0 && !options_mapped_xattr(req->conn->host->opt)) {
		/* Open fid: served from the descriptor, so open-then-unlink works.
		 * (mapped-xattr: the helper reads the metadata, by handle.) */
		const struct fe_options *opt = req->conn->host->opt;
		struct stat st;

		if (sandbox_fstat(fd, &st) < 0) {
			rc = -errno;
		} else {
			hp_attr_from_stat(&ha, &st);
			ha.qid = a->qid;
			attr_from_hp(a, &ha);
			/* The content may have changed since the walk or open. */
			a->qid.version = p9_qid_version(st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
							st.st_size);
			/* Host owner -> guest owner, as the helper does by handle. */
			a->uid = idmap_to_guest(&opt->uid_map, a->uid);
			a->gid = idmap_to_guest(&opt->gid_map, a->gid);
		}
	} else if (walked) {
		attr_from_hp(a, &ha);
	} else {
		struct hp_r_attr ra;

		rc = helper_call_getattr(req_helper(req), f->uid, HP_GID_DEFAULT,
					 &(struct hp_h){f->handle}, &ra, NULL, NULL);
		if (rc == 0)
			attr_from_hp(a, &ra.attr);
	}
	a->valid = P9_GETATTR_BASIC;
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

/* A size change on a writable open fid: ftruncate here (works after unlink). */
static bool setattr_is_ftruncate(const struct p9_tsetattr *t, int fd, uint32_t open_flags)
{
	const uint32_t implied = P9_SETATTR_SIZE | P9_SETATTR_MTIME | P9_SETATTR_CTIME;

	return fd >= 0 && (t->valid & P9_SETATTR_SIZE) && !(t->valid & ~implied) &&
	       (open_flags & 3) != P9_DOTL_RDONLY && t->size <= INT64_MAX;
}

void p9_setattr(struct p9_req *req)
{
	const struct p9_tsetattr *t = &req->in.u.tsetattr;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RSETATTR};
	struct fid *f = fid_get(fids, t->fid);
	enum fid_kind kind = FID_XATTR_READ;
	uint32_t open_flags = 0;
	int rc = 0, fd = -1;

	if (f) {
		pthread_mutex_lock(&f->lock);
		kind = f->kind;
		fd = f->fd;
		open_flags = f->open_flags;
		pthread_mutex_unlock(&f->lock);
	}
	if (kind != FID_FILE) {
		rc = -EBADF;
	} else if (setattr_is_ftruncate(t, fd, open_flags)) {
		int err = ftruncate(fd, (off_t)t->size) < 0 ? errno : 0;

		/* Done here, on the fid's descriptor; the helper records it
		 * like any other truncate (issue 22: it was missing). */
		rc = helper_call_ftruncated(req_helper(req), f->uid, HP_GID_DEFAULT,
					    &(struct hp_ftruncated){f->handle, t->size, (uint32_t)err},
					    NULL, NULL, NULL);
		if (err)
			rc = -err;
	} else {
		struct hp_setattr sa = {
		    .handle = f->handle,
		    .valid = t->valid,
		    .mode = t->mode,
		    .uid = t->uid,
		    .gid = t->gid,
		    .size = t->size,
		    .atime_sec = t->atime_sec,
		    .atime_nsec = t->atime_nsec,
		    .mtime_sec = t->mtime_sec,
		    .mtime_nsec = t->mtime_nsec,
		};

		rc = helper_call_setattr(req_helper(req), f->uid, HP_GID_DEFAULT, &sa, NULL, NULL,
					 NULL);
	}
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

void p9_statfs(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RSTATFS};
	struct fid *f = fid_get(fids, req->in.u.tfid.fid);
	struct hp_r_statfs rs;
	int rc;

	if (!f || f->kind != FID_FILE)
		rc = -EBADF;
	else
		rc = helper_call_statfs(req_helper(req), f->uid, HP_GID_DEFAULT,
					&(struct hp_h){f->handle}, &rs, NULL, NULL);
	if (rc == 0)
		r.u.rstatfs = rs.st;
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

void p9_readlink(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RREADLINK};
	struct fid *f = fid_get(fids, req->in.u.tfid.fid);
	char *target = malloc(HP_MAX_SYMTGT + 1);
	struct hp_r_readlink rl;
	int rc;

	if (!target)
		rc = -ENOMEM;
	else if (!f || f->kind != FID_FILE)
		rc = -EBADF;
	else
		rc = helper_call_readlink(req_helper(req), f->uid, HP_GID_DEFAULT,
					  &(struct hp_h){f->handle}, &rl, NULL, NULL);
	/* The target is in this thread's message buffer until its next call. */
	if (rc == 0 && p9_str_copy(target, HP_MAX_SYMTGT + 1, rl.target) < 0)
		rc = -ENAMETOOLONG;
	fid_put(fids, f);
	if (rc < 0) {
		p9_respond_error(req, rc);
	} else {
		r.u.rreadlink.target = p9_str_c(target);
		p9_respond(req, &r);
	}
	free(target);
}
