/*
 * p9_lock.c - Tlock and Tgetlock as open-file-description locks on the
 * fid's descriptor.  Never blocks: a conflict answers BLOCKED and the
 * Linux client retries (or reports EAGAIN for a non-blocking request).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/p9_ops.h"

static int lock_fd(struct fid_table *fids, uint32_t num, struct fid **out)
{
	struct fid *f = fid_get(fids, num);
	int fd = -1;

	if (f) {
		pthread_mutex_lock(&f->lock);
		fd = f->kind == FID_FILE ? f->fd : -1;
		pthread_mutex_unlock(&f->lock);
	}
	*out = f;
	return fd;
}

/* P9_LOCK_TYPE_* and a range to a struct flock; -EINVAL if out of range. */
static int to_flock(struct flock *fl, uint8_t type, uint64_t start, uint64_t length)
{
	static const short types[] = {
	    [P9_LOCK_TYPE_RDLCK] = F_RDLCK,
	    [P9_LOCK_TYPE_WRLCK] = F_WRLCK,
	    [P9_LOCK_TYPE_UNLCK] = F_UNLCK,
	};

	if (type > P9_LOCK_TYPE_UNLCK || start > INT64_MAX || length > INT64_MAX)
		return -EINVAL;
	memset(fl, 0, sizeof(*fl));
	fl->l_type = types[type];
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)start;
	fl->l_len = (off_t)length; /* 0: to the end of the file, as in 9P */
	fl->l_pid = 0;		   /* required for OFD locks */
	return 0;
}

void p9_lock(struct p9_req *req)
{
	const struct p9_tlock *t = &req->in.u.tlock;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RLOCK};
	struct flock fl;
	struct fid *f;
	int fd = lock_fd(fids, t->fid, &f);
	int rc = 0;

	if (fd < 0)
		rc = -EBADF;
	else
		rc = to_flock(&fl, t->type, t->start, t->length);
	if (rc == 0) {
		r.u.rlock.status = P9_LOCK_SUCCESS;
		if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
			if (errno == EAGAIN || errno == EACCES)
				r.u.rlock.status = P9_LOCK_BLOCKED;
			else
				rc = -errno;
		}
	}
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

void p9_getlock(struct p9_req *req)
{
	const struct p9_getlock *t = &req->in.u.getlock;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RGETLOCK};
	struct flock fl;
	struct fid *f;
	int fd = lock_fd(fids, t->fid, &f);
	int rc = 0;

	if (fd < 0)
		rc = -EBADF;
	else if (t->type == P9_LOCK_TYPE_UNLCK)
		rc = -EINVAL;
	else
		rc = to_flock(&fl, t->type, t->start, t->length);
	if (rc == 0 && fcntl(fd, F_OFD_GETLK, &fl) < 0)
		rc = -errno;
	if (rc == 0) {
		/* No conflict: UNLCK with the request's range echoed. */
		r.u.getlock = *t;
		if (fl.l_type != F_UNLCK) {
			r.u.getlock.type =
			    fl.l_type == F_RDLCK ? P9_LOCK_TYPE_RDLCK : P9_LOCK_TYPE_WRLCK;
			r.u.getlock.start = (uint64_t)fl.l_start;
			r.u.getlock.length = (uint64_t)fl.l_len;
			/* OFD locks have no owning pid (l_pid is -1). */
			r.u.getlock.proc_id = fl.l_pid > 0 ? (uint32_t)fl.l_pid : 0;
		} else {
			r.u.getlock.type = P9_LOCK_TYPE_UNLCK;
		}
	}
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}
