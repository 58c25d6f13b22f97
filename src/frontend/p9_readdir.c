/*
 * p9_readdir.c - Treaddir on the directory descriptor the helper passed.
 *
 * Offsets are the d_off cookies getdents64 reports: each request seeks to
 * the cookie the client sent (0 = start), so the client may resume from any
 * earlier entry.  Only whole entries are sent, never more than `count`.
 * An entry's qid is a hint (the Linux client does not keep it): type follows
 * d_type, version 0, and path is the inode number mixed the way the helper
 * mixes it for the directory's own filesystem (helper_qid.c: inode XOR a
 * per-device value), which is the directory's qid.path XOR its inode.  So
 * entries match the helper's qid.path, except mount points, whose d_ino is
 * the covered directory's.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/options.h"
#include "frontend/p9_ops.h"
#include "common/sandbox.h"

#define DENTS_BUF_MIN 4096u
#define DENTS_BUF_MAX (64u * 1024u)

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static uint8_t dtype_to_qtype(unsigned char dt)
{
	switch (dt) {
	case DT_DIR:
		return P9_QTDIR;
	case DT_LNK:
		return P9_QTSYMLINK;
	default:
		return P9_QTFILE;
	}
}

/*
 * Append the entries from the cookie `offset` on to out (capacity cap,
 * filled from *pos).  Called with the fid locked: seek and read are one step.
 */
static int readdir_fill(int fd, uint64_t offset, uint64_t qid_mix, uint8_t *out, size_t cap,
			size_t *pos, size_t dbufsz, bool reg_unknown)
{
	uint8_t *dbuf = malloc(dbufsz);
	size_t start = *pos;
	int rc = 0;

	if (!dbuf)
		return -ENOMEM;
	if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		rc = -errno;
		goto out_free;
	}
	for (;;) {
		ssize_t n = getdents64(fd, dbuf, dbufsz);

		if (n < 0) {
			/* Entries already placed are still good; report the rest next time. */
			rc = *pos > start ? 0 : -errno;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(dbuf + i);
			/* mapped-xattr: a host regular file may be a stored
			 * symlink, node or FIFO; only a getattr can tell. */
			uint8_t type = reg_unknown && d->d_type == DT_REG ? DT_UNKNOWN : d->d_type;
			struct p9_dirent e = {
			    .qid = {.type = dtype_to_qtype(type), .path = d->d_ino ^ qid_mix},
			    .offset = (uint64_t)d->d_off,
			    .type = type,
			    .name = p9_str_c(d->d_name),
			};

			if (p9_dirent_put(out, cap, pos, &e) < 0) {
				/* Full.  Not even one entry fits: count is too small. */
				rc = *pos > start ? 0 : -EINVAL;
				goto out_free;
			}
			i += d->d_reclen;
		}
	}

out_free:
	free(dbuf);
	return rc;
}

void p9_readdir(struct p9_req *req)
{
	const struct p9_treaddir *t = &req->in.u.treaddir;
	struct fid_table *fids = req_fids(req);
	struct fid *f = fid_get(fids, t->fid);
	uint32_t count = t->count;
	size_t pos = P9_IOHDR_SIZE, dbufsz;
	uint8_t *buf = NULL;
	struct stat st;
	int rc;

	if (!f || f->kind != FID_FILE) {
		rc = -EBADF;
		goto out_put;
	}
	if (!(f->qid.type & P9_QTDIR)) {
		rc = -ENOTDIR;
		goto out_put;
	}
	if (t->offset > INT64_MAX) {
		rc = -EINVAL;
		goto out_put;
	}
	count = req_io_count(req, count);
	buf = p9_reply_buffer(P9_IOHDR_SIZE + (size_t)count);
	if (!buf) {
		rc = -ENOMEM;
		goto out_put;
	}
	dbufsz = count < DENTS_BUF_MIN	 ? DENTS_BUF_MIN
		 : count > DENTS_BUF_MAX ? DENTS_BUF_MAX
					 : count;
	pthread_mutex_lock(&f->lock);
	if (f->fd < 0 || f->kind != FID_FILE)
		rc = -EBADF;
	else if (count == 0)
		rc = 0;
	else if (sandbox_fstat(f->fd, &st) < 0)
		rc = -errno;
	else
		rc = readdir_fill(f->fd, t->offset, f->qid.path ^ (uint64_t)st.st_ino, buf,
				  P9_IOHDR_SIZE + (size_t)count, &pos, dbufsz,
				  options_mapped_xattr(req->conn->host->opt));
	pthread_mutex_unlock(&f->lock);

out_put:
	fid_put(fids, f);
	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	p9_put_iohdr(buf, P9_RREADDIR, req->tag, (uint32_t)(pos - P9_IOHDR_SIZE));
	p9_respond_borrowed(req, buf, pos);
}
