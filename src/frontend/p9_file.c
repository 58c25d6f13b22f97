/*
 * p9_file.c - Tlopen, Tlcreate (the helper opens and passes the descriptor)
 * and the data path the frontend serves itself: Tread, Twrite, Tfsync.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

static uint32_t req_iounit(const struct p9_req *req)
{
	return req->msize - P9_IOUNIT_OVERHEAD;
}

/* The fid's open descriptor, or -1.  The fid's reference keeps it open. */
static int fid_fd(struct fid *f)
{
	int fd;

	pthread_mutex_lock(&f->lock);
	fd = f->kind == FID_FILE ? f->fd : -1;
	pthread_mutex_unlock(&f->lock);
	return fd;
}

/*
 * The fid becomes the open file fd (Tlopen), or stops naming its directory
 * and becomes the new file `handle` (Tlcreate; handle != HP_NOHANDLE).
 * Whatever is not kept - fd, the directory's handle or the unused new one
 * - is closed or released.  0, or -EBADF when the fid was opened meanwhile.
 */
static int fid_become_open(struct p9_req *req, struct fid *f, uint32_t handle, int fd,
			   uint32_t flags, struct p9_qid qid)
{
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	if (f->fd >= 0 || f->kind != FID_FILE) {
		rc = -EBADF; /* opened twice at once */
	} else {
		if (handle != HP_NOHANDLE) {
			uint32_t dir = f->handle;

			f->handle = handle;
			handle = dir;
		}
		f->fd = fd;
		f->open_flags = flags;
		f->qid = qid;
		fd = -1;
	}
	pthread_mutex_unlock(&f->lock);
	helper_release(req_helper(req), handle);
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Answer a Tlopen or Tlcreate (req) once the helper has opened the file:
 * rc < 0 its error; otherwise fd, qid and, for Tlcreate, the new file's
 * handle.  Puts f.
 */
static void open_finish(struct p9_req *req, struct fid *f, int rc, uint32_t handle, int fd,
			struct p9_qid qid)
{
	uint32_t flags =
	    req->in.type == P9_TLCREATE ? req->in.u.tlcreate.flags : req->in.u.tlopen.flags;
	struct p9_msg r = {.type = (uint8_t)(req->in.type + 1)}; /* Rlopen, Rlcreate */

	if (rc == 0)
		rc = fid_become_open(req, f, handle, fd, flags, qid);
	fid_put(req_fids(req), f);
	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	r.u.rlopen.qid = qid; /* Rlcreate has Rlopen's layout */
	r.u.rlopen.iounit = req_iounit(req);
	p9_respond(req, &r);
}

/* open_finish() for an asynchronous call (p9_async.c). */
static void open_done(struct p9_req *req, struct fid *f, int rc, const struct hp_rep *rep, int fd)
{
	struct p9_qid qid = {0};
	uint32_t handle = HP_NOHANDLE;

	if (rc == 0 && req->in.type == P9_TLCREATE) {
		handle = rep->u.lcreate.handle;
		qid = rep->u.lcreate.qid;
	} else if (rc == 0) {
		qid = rep->u.open.qid;
	}
	open_finish(req, f, rc, handle, fd, qid);
}

/*
 * The fid a Tlopen or Tlcreate opens, referenced: one that names a file
 * and is not open yet.  Otherwise req is answered EBADF and NULL returned.
 */
static struct fid *fid_to_open(struct p9_req *req, uint32_t fid)
{
	struct fid *f = fid_get(req_fids(req), fid);

	if (f && f->kind == FID_FILE && fid_fd(f) < 0)
		return f;
	fid_put(req_fids(req), f);
	p9_respond_error(req, EBADF);
	return NULL;
}

void p9_lopen(struct p9_req *req)
{
	const struct p9_tlopen *t = &req->in.u.tlopen;
	struct fid *f = fid_to_open(req, t->fid);
	const struct helper_async *a;
	struct hp_r_open ro = {0};
	int fd = -1, rc;

	if (!f)
		return;
	a = p9_async_begin(req, f, open_done);
	rc = helper_call_open(req_helper(req), f->uid, HP_GID_DEFAULT,
			      &(struct hp_open){f->handle, t->flags}, &ro, &fd, a);
	if (a && rc == 0)
		return; /* open_done() answers */
	open_finish(req, f, rc, HP_NOHANDLE, fd, ro.qid);
}

/*
 * Is there room for one more descriptor here?  0 or -EMFILE/-ENFILE.
 * Asked before the helper creates a file, as open(2) reserves the
 * descriptor first: a create refused for want of one leaves no file
 * behind (unless another thread takes the slot in between; then the file
 * exists and the client still gets EMFILE: reply_fd_missing() in
 * helper_client.c).
 */
static int fd_room(void)
{
	int probe = eventfd(0, EFD_CLOEXEC);

	if (probe < 0)
		return -errno;
	close(probe);
	return 0;
}

void p9_lcreate(struct p9_req *req)
{
	const struct p9_tlcreate *t = &req->in.u.tlcreate;
	struct fid *f = fid_to_open(req, t->fid);
	struct hp_r_lcreate rl = {.handle = HP_NOHANDLE};
	const struct helper_async *a;
	int fd = -1, rc;

	if (!f)
		return;
	rc = fd_room();
	if (rc < 0) {
		open_finish(req, f, rc, rl.handle, fd, rl.qid);
		return;
	}
	a = p9_async_begin(req, f, open_done);
	rc = helper_call_lcreate(req_helper(req), f->uid, t->gid,
				 &(struct hp_lcreate){f->handle, t->name, t->flags, t->mode}, &rl, &fd,
				 a);
	if (a && rc == 0)
		return; /* open_done() answers */
	open_finish(req, f, rc, rl.handle, fd, rl.qid);
}

/* Tread of an xattr fid: from the buffer Txattrwalk filled. */
static uint32_t xattr_read(struct fid *f, uint64_t offset, void *dst, uint32_t count)
{
	uint32_t n = 0;

	pthread_mutex_lock(&f->lock);
	if (offset < f->xsize) {
		uint64_t left = f->xsize - offset;

		n = left < count ? (uint32_t)left : count;
		memcpy(dst, f->xbuf + offset, n);
	}
	pthread_mutex_unlock(&f->lock);
	return n;
}

void p9_read(struct p9_req *req)
{
	const struct p9_tread *t = &req->in.u.tread;
	struct fid_table *fids = req_fids(req);
	struct fid *f = fid_get(fids, t->fid);
	uint32_t count = t->count;
	uint8_t *buf = NULL;
	enum fid_kind kind;
	ssize_t n = 0;
	int rc = 0, fd;

	if (!f) {
		rc = -EBADF;
		goto out_put;
	}
	if (t->offset > INT64_MAX) {
		rc = -EINVAL;
		goto out_put;
	}
	/* Rread must fit both msize and what the client sized for it. */
	count = req_io_count(req, count);
	pthread_mutex_lock(&f->lock);
	kind = f->kind;
	fd = f->fd;
	pthread_mutex_unlock(&f->lock);
	/* Straight into the client's buffers where the transport has them. */
	if (kind == FID_FILE && fd >= 0 &&
	    (n = p9_read_placed(req, fd, (off_t)t->offset, count)) != -ENOSYS) {
		uint8_t hdr[P9_IOHDR_SIZE];

		fid_put(fids, f);
		if (n < 0) {
			p9_respond_error(req, (int)n);
			return;
		}
		p9_put_iohdr(hdr, P9_RREAD, req->tag, (uint32_t)n);
		p9_respond_placed(req, hdr, sizeof(hdr), (size_t)n);
		return;
	}
	n = 0;
	buf = p9_reply_buffer(P9_IOHDR_SIZE + (size_t)count);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (kind == FID_XATTR_READ) {
		n = xattr_read(f, t->offset, buf + P9_IOHDR_SIZE, count);
	} else if (kind == FID_FILE && fd >= 0) {
		do
			n = pread(fd, buf + P9_IOHDR_SIZE, count, (off_t)t->offset);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			rc = -errno;
	} else {
		rc = -EBADF;
	}

out_put:
	fid_put(fids, f);
	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	p9_put_iohdr(buf, P9_RREAD, req->tag, (uint32_t)n);
	p9_respond_borrowed(req, buf, P9_IOHDR_SIZE + (size_t)n);
}

/* Twrite of a fid after Txattrcreate: fill the value committed at Tclunk. */
static int xattr_write(struct p9_req *req, struct fid *f, uint64_t offset, uint32_t count)
{
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	if (offset > f->xsize || count > f->xsize - offset) {
		rc = -ENOSPC; /* beyond the size announced in Txattrcreate */
	} else if ((rc = p9_twrite_data(req, f->xbuf + offset)) == 0) {
		if (offset + count > f->xfilled)
			f->xfilled = offset + count;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void p9_write(struct p9_req *req)
{
	const struct p9_twrite *t = &req->in.u.twrite;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RWRITE};
	struct fid *f = fid_get(fids, t->fid);
	enum fid_kind kind;
	ssize_t n = 0;
	int rc = 0, fd;

	if (!f) {
		rc = -EBADF;
		goto out_put;
	}
	if (t->offset > INT64_MAX) {
		rc = -EINVAL;
		goto out_put;
	}
	pthread_mutex_lock(&f->lock);
	kind = f->kind;
	fd = f->fd;
	pthread_mutex_unlock(&f->lock);
	if (kind == FID_XATTR_WRITE) {
		rc = xattr_write(req, f, t->offset, t->count);
		n = t->count;
	} else if (kind == FID_FILE && fd >= 0) {
		n = p9_write_data(req, fd, (off_t)t->offset);
		if (n < 0)
			rc = (int)n;
	} else {
		rc = -EBADF;
	}
	r.u.rwrite.count = (uint32_t)n;

out_put:
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

void p9_fsync(struct p9_req *req)
{
	const struct p9_tfsync *t = &req->in.u.tfsync;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RFSYNC};
	struct fid *f = fid_get(fids, t->fid);
	int fd = f ? fid_fd(f) : -1;
	int rc = 0;

	if (fd < 0)
		rc = -EBADF;
	else if ((t->datasync ? fdatasync(fd) : fsync(fd)) < 0)
		rc = -errno;
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}
