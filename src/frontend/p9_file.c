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

void p9_lopen(struct p9_req *req)
{
	const struct p9_tlopen *t = &req->in.u.tlopen;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RLOPEN};
	struct fid *f = fid_get(fids, t->fid);
	struct p9_qid qid;
	int fd = -1, rc;

	if (!f || f->kind != FID_FILE || fid_fd(f) >= 0) {
		rc = -EBADF;
		goto out_put;
	}
	rc = helper_call_open(req_helper(req), f->uid, f->handle, t->flags, &qid, &fd);
	if (rc < 0)
		goto out_put;
	pthread_mutex_lock(&f->lock);
	if (f->fd >= 0 || f->kind != FID_FILE) {
		rc = -EBADF; /* opened twice at once */
	} else {
		f->fd = fd;
		f->open_flags = t->flags;
		f->qid = qid;
		fd = -1;
	}
	pthread_mutex_unlock(&f->lock);
	if (fd >= 0)
		close(fd);
	r.u.rlopen.qid = qid;
	r.u.rlopen.iounit = req_iounit(req);

out_put:
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

/*
 * Is there room for one more descriptor here?  0 or -EMFILE/-ENFILE.
 * Asked before the helper creates a file, as open(2) reserves the
 * descriptor first: a create refused for want of one leaves no file
 * behind (unless another thread takes the slot in between; then the file
 * exists and the client still gets EMFILE, see take_reply_fd()).
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
	struct fid_table *fids = req_fids(req);
	struct helper *h = req_helper(req);
	struct p9_msg r = {.type = P9_RLCREATE};
	struct fid *f = fid_get(fids, t->fid);
	uint32_t handle = HP_NOHANDLE;
	struct p9_qid qid;
	int fd = -1, rc;

	if (!f || f->kind != FID_FILE || fid_fd(f) >= 0) {
		rc = -EBADF;
		goto out_put;
	}
	rc = fd_room();
	if (rc < 0)
		goto out_put;
	rc = helper_call_lcreate(h, f->uid, t->gid, f->handle, t->name, t->flags, t->mode, &handle,
				 &qid, &fd);
	if (rc < 0)
		goto out_put;
	/* The fid stops naming the directory and becomes the new open file. */
	pthread_mutex_lock(&f->lock);
	if (f->fd >= 0 || f->kind != FID_FILE) {
		rc = -EBADF;
	} else {
		uint32_t dir = f->handle;

		f->handle = handle;
		f->fd = fd;
		f->open_flags = t->flags;
		f->qid = qid;
		handle = dir;
		fd = -1;
	}
	pthread_mutex_unlock(&f->lock);
	helper_call_release(h, handle); /* the directory's, or the unused new one */
	if (fd >= 0)
		close(fd);
	r.u.rlopen.qid = qid;
	r.u.rlopen.iounit = req_iounit(req);

out_put:
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
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
	if (count > req->msize - P9_IOHDR_SIZE)
		count = req->msize - P9_IOHDR_SIZE;
	buf = p9_reply_buffer(P9_IOHDR_SIZE + (size_t)count);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	pthread_mutex_lock(&f->lock);
	kind = f->kind;
	fd = f->fd;
	pthread_mutex_unlock(&f->lock);
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
static int xattr_write(struct fid *f, uint64_t offset, const void *src, uint32_t count)
{
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	if (offset > f->xsize || count > f->xsize - offset) {
		rc = -ENOSPC; /* beyond the size announced in Txattrcreate */
	} else {
		memcpy(f->xbuf + offset, src, count);
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
		rc = xattr_write(f, t->offset, t->data, t->count);
		n = t->count;
	} else if (kind == FID_FILE && fd >= 0) {
		do
			n = pwrite(fd, t->data, t->count, (off_t)t->offset);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			rc = -errno;
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
