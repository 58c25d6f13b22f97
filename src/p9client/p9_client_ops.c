/*
 * p9_client_ops.c - synchronous 9P2000.L calls on a p9_client: one per
 * message, plus chunked read/write, a readdir iterator and xattrs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "p9client/p9_client.h"

/* Chunks of one p9c_read/p9c_write kept in flight at once. */
#define IO_WINDOW 8

/* A call whose reply carries nothing the caller needs. */
static int call0(struct p9_client *c, const struct p9_msg *t)
{
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	rc = p9c_call(c, t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	p9c_release(r);
	return 0;
}

/* A call answered by a qid (Rattach, Rsymlink, Rmknod, Rmkdir). */
static int call_qid(struct p9_client *c, const struct p9_msg *t, struct p9_qid *qid)
{
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	rc = p9c_call(c, t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	if (qid)
		*qid = m->type == P9_RATTACH ? m->u.rattach.qid : m->u.rqid.qid;
	p9c_release(r);
	return 0;
}

/* A call answered by Rlopen or Rlcreate. */
static int call_open(struct p9_client *c, const struct p9_msg *t, struct p9_qid *qid,
		     uint32_t *iounit)
{
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	rc = p9c_call(c, t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	if (qid)
		*qid = m->u.rlopen.qid;
	if (iounit)
		*iounit = m->u.rlopen.iounit;
	p9c_release(r);
	return 0;
}

int p9c_attach(struct p9_client *c, uint32_t fid, uint32_t afid, const char *uname,
	       const char *aname, uint32_t n_uname, struct p9_qid *qid)
{
	struct p9_msg t = { .type = P9_TATTACH };

	t.u.tattach.fid = fid;
	t.u.tattach.afid = afid;
	t.u.tattach.uname = p9_str_c(uname ? uname : "");
	t.u.tattach.aname = p9_str_c(aname ? aname : "");
	t.u.tattach.n_uname = n_uname;
	return call_qid(c, &t, qid);
}

int p9c_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
	     const char *const *wnames, struct p9_qid *qids)
{
	struct p9_msg t = { .type = P9_TWALK };
	const struct p9_msg *m;
	struct p9c_req *r;
	uint16_t i, n;
	int rc;

	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	t.u.twalk.fid = fid;
	t.u.twalk.newfid = newfid;
	t.u.twalk.nwname = nwname;
	for (i = 0; i < nwname; i++)
		t.u.twalk.wname[i] = p9_str_c(wnames[i]);
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	n = m->u.rwalk.nwqid;
	if (n > nwname) {
		rc = -EPROTO;
	} else {
		if (qids)
			memcpy(qids, m->u.rwalk.wqid, n * sizeof(*qids));
		rc = n;
	}
	p9c_release(r);
	return rc;
}

int p9c_walk_path(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *path,
		  struct p9_qid *qid)
{
	const char *names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	char *copy, *save = NULL, *tok;
	uint32_t from = fid;
	int n = 0, rc = 0, walked = 0, more;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, "/", &save);
	do {
		if (tok)
			names[n++] = tok;
		tok = tok ? strtok_r(NULL, "/", &save) : NULL;
		more = tok != NULL;
		if (n < P9_MAXWELEM && more)
			continue;
		/* Walk what we have: a full batch, the last names, or a clone. */
		if (n == 0 && walked)
			break;
		rc = p9c_walk(c, from, newfid, (uint16_t)n, names, qids);
		if (rc >= 0 && rc < n)
			rc = -ENOENT;	/* newfid was not moved */
		if (rc < 0) {
			if (walked)
				p9c_clunk(c, newfid);
			break;
		}
		if (qid && n)
			*qid = qids[n - 1];
		rc = 0;
		walked = 1;
		from = newfid;
		n = 0;
	} while (more);
	free(copy);
	return rc;
}

int p9c_lopen(struct p9_client *c, uint32_t fid, uint32_t flags, struct p9_qid *qid,
	      uint32_t *iounit)
{
	struct p9_msg t = { .type = P9_TLOPEN };

	t.u.tlopen.fid = fid;
	t.u.tlopen.flags = flags;
	return call_open(c, &t, qid, iounit);
}

int p9c_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t flags,
		uint32_t mode, uint32_t gid, struct p9_qid *qid, uint32_t *iounit)
{
	struct p9_msg t = { .type = P9_TLCREATE };

	t.u.tlcreate.fid = fid;
	t.u.tlcreate.name = p9_str_c(name);
	t.u.tlcreate.flags = flags;
	t.u.tlcreate.mode = mode;
	t.u.tlcreate.gid = gid;
	return call_open(c, &t, qid, iounit);
}

/*
 * Shared by read and write: split [buf, buf+count) into chunks, keep up to
 * IO_WINDOW in flight, and add up the counts in order until the first short
 * or failed chunk.
 */
static ssize_t do_io(struct p9_client *c, uint8_t type, uint32_t fid, uint64_t offset,
		     uint8_t *buf, size_t count)
{
	struct p9c_req *win[IO_WINDOW];
	uint32_t asked[IO_WINDOW];
	uint32_t chunk = p9c_iosize(c), len, got;
	const struct p9_msg *m;
	struct p9_msg t = { .type = type };
	size_t sent = 0, done = 0;
	int head = 0, n = 0, stop = 0, err = 0, slot, rc;

	while ((sent < count && !stop) || n) {
		if (sent < count && !stop && n < IO_WINDOW) {
			len = count - sent < chunk ? (uint32_t)(count - sent) : chunk;
			slot = (head + n) % IO_WINDOW;
			if (type == P9_TREAD) {
				t.u.tread = (struct p9_tread){ fid, offset + sent, len };
				rc = p9c_start(c, &t, buf + sent, len, &win[slot]);
			} else {
				t.u.twrite = (struct p9_twrite){ fid, offset + sent, len, buf + sent };
				rc = p9c_start(c, &t, NULL, 0, &win[slot]);
			}
			if (rc) {
				err = rc;
				stop = 1;
				continue;
			}
			asked[slot] = len;
			sent += len;
			n++;
			continue;
		}
		slot = head;
		head = (head + 1) % IO_WINDOW;
		n--;
		rc = p9c_wait_sync(win[slot]);
		if (!rc)
			rc = p9c_result(win[slot], &m);
		if (!stop && rc) {
			err = rc;
			stop = 1;
		} else if (!stop) {
			got = type == P9_TREAD ? m->u.rread.count : m->u.rwrite.count;
			if (got > asked[slot])
				err = -EPROTO;
			else
				done += got;
			stop = got != asked[slot];
		}
		p9c_release(win[slot]);
	}
	return done || !err ? (ssize_t)done : err;
}

ssize_t p9c_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, size_t count)
{
	return do_io(c, P9_TREAD, fid, offset, buf, count);
}

ssize_t p9c_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
		  size_t count)
{
	/* do_io only reads from buf for Twrite. */
	return do_io(c, P9_TWRITE, fid, offset, (uint8_t *)buf, count);
}

ssize_t p9c_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf,
		    uint32_t count)
{
	struct p9_msg t = { .type = P9_TREADDIR };
	const struct p9_msg *m;
	struct p9c_req *r;
	uint32_t n;
	int rc;

	if (count > p9c_iosize(c))
		count = p9c_iosize(c);
	t.u.treaddir = (struct p9_treaddir){ fid, offset, count };
	rc = p9c_call(c, &t, buf, count, &r, &m);
	if (rc)
		return rc;
	n = m->u.rreaddir.count;
	p9c_release(r);
	return n;
}

void p9c_dir_init(struct p9c_dir *d, struct p9_client *c, uint32_t fid, void *buf,
		  uint32_t cap, uint64_t offset)
{
	*d = (struct p9c_dir){ .c = c, .fid = fid, .offset = offset, .buf = buf, .cap = cap };
}

int p9c_dir_next(struct p9c_dir *d, struct p9_dirent *ent)
{
	ssize_t n;
	int rc;

	for (;;) {
		if (d->pos < d->len) {
			rc = p9_dirent_next(d->buf, d->len, &d->pos, ent);
			if (rc < 0)
				return -EPROTO;
			if (rc > 0) {
				d->offset = ent->offset;
				return 1;
			}
		}
		if (d->eof)
			return 0;
		n = p9c_readdir(d->c, d->fid, d->offset, d->buf, d->cap);
		if (n < 0)
			return (int)n;
		d->len = (size_t)n;
		d->pos = 0;
		d->eof = n == 0;
	}
}

int p9c_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_rgetattr *out)
{
	struct p9_msg t = { .type = P9_TGETATTR };
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	t.u.tgetattr.fid = fid;
	t.u.tgetattr.request_mask = mask;
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	*out = m->u.rgetattr;
	p9c_release(r);
	return 0;
}

int p9c_setattr(struct p9_client *c, uint32_t fid, const struct p9_tsetattr *sa)
{
	struct p9_msg t = { .type = P9_TSETATTR };

	t.u.tsetattr = *sa;
	t.u.tsetattr.fid = fid;
	return call0(c, &t);
}

int p9c_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
	      struct p9_qid *qid)
{
	struct p9_msg t = { .type = P9_TMKDIR };

	t.u.tmkdir = (struct p9_tmkdir){ dfid, p9_str_c(name), mode, gid };
	return call_qid(c, &t, qid);
}

int p9c_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
		uint32_t gid, struct p9_qid *qid)
{
	struct p9_msg t = { .type = P9_TSYMLINK };

	t.u.tsymlink = (struct p9_tsymlink){ dfid, p9_str_c(name), p9_str_c(target), gid };
	return call_qid(c, &t, qid);
}

int p9c_mknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	      uint32_t major, uint32_t minor, uint32_t gid, struct p9_qid *qid)
{
	struct p9_msg t = { .type = P9_TMKNOD };

	t.u.tmknod = (struct p9_tmknod){ dfid, p9_str_c(name), mode, major, minor, gid };
	return call_qid(c, &t, qid);
}

int p9c_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	struct p9_msg t = { .type = P9_TLINK };

	t.u.tlink = (struct p9_tlink){ dfid, fid, p9_str_c(name) };
	return call0(c, &t);
}

int p9c_rename(struct p9_client *c, uint32_t fid, uint32_t dfid, const char *name)
{
	struct p9_msg t = { .type = P9_TRENAME };

	t.u.trename = (struct p9_trename){ fid, dfid, p9_str_c(name) };
	return call0(c, &t);
}

int p9c_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, uint32_t newdfid,
		 const char *newname)
{
	struct p9_msg t = { .type = P9_TRENAMEAT };

	t.u.trenameat = (struct p9_trenameat){ olddfid, p9_str_c(oldname), newdfid,
					       p9_str_c(newname) };
	return call0(c, &t);
}

int p9c_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags)
{
	struct p9_msg t = { .type = P9_TUNLINKAT };

	t.u.tunlinkat = (struct p9_tunlinkat){ dfid, p9_str_c(name), flags };
	return call0(c, &t);
}

int p9c_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t bufsz)
{
	struct p9_msg t = { .type = P9_TREADLINK };
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	t.u.tfid.fid = fid;
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	rc = p9_str_copy(buf, bufsz, m->u.rreadlink.target) ? -ENAMETOOLONG
							     : m->u.rreadlink.target.len;
	p9c_release(r);
	return rc;
}

int p9c_statfs(struct p9_client *c, uint32_t fid, struct p9_rstatfs *out)
{
	struct p9_msg t = { .type = P9_TSTATFS };
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	t.u.tfid.fid = fid;
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	*out = m->u.rstatfs;
	p9c_release(r);
	return 0;
}

int p9c_fsync(struct p9_client *c, uint32_t fid, uint32_t datasync)
{
	struct p9_msg t = { .type = P9_TFSYNC };

	t.u.tfsync = (struct p9_tfsync){ fid, datasync };
	return call0(c, &t);
}

int p9c_lock(struct p9_client *c, const struct p9_tlock *lk, uint8_t *status)
{
	struct p9_msg t = { .type = P9_TLOCK };
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	t.u.tlock = *lk;
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	if (status)
		*status = m->u.rlock.status;
	p9c_release(r);
	return 0;
}

int p9c_getlock(struct p9_client *c, const struct p9_getlock *lk, struct p9_getlock *out,
		char *cid, size_t cidsz)
{
	struct p9_msg t = { .type = P9_TGETLOCK };
	const struct p9_msg *m;
	struct p9c_req *r;
	size_t n;
	int rc;

	t.u.getlock = *lk;
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc)
		return rc;
	*out = m->u.getlock;
	out->fid = lk->fid;
	n = m->u.getlock.client_id.len;
	if (cidsz) {
		if (n >= cidsz)
			n = cidsz - 1;
		memcpy(cid, m->u.getlock.client_id.s, n);
		cid[n] = '\0';
	}
	out->client_id = (struct p9_str){ cidsz ? cid : NULL, (uint16_t)(cidsz ? n : 0) };
	p9c_release(r);
	return 0;
}

int p9c_flush(struct p9_client *c, struct p9c_req *old)
{
	struct p9c_req *r;
	int rc;

	rc = p9c_start_flush(c, old, &r);
	if (rc)
		return rc;
	rc = p9c_wait_sync(r);
	if (!rc)
		rc = p9c_result(r, NULL);
	p9c_release(r);
	return rc;
}

static int call_fid(struct p9_client *c, uint8_t type, uint32_t fid)
{
	struct p9_msg t = { .type = type };

	t.u.tfid.fid = fid;
	return call0(c, &t);
}

int p9c_clunk(struct p9_client *c, uint32_t fid)
{
	return call_fid(c, P9_TCLUNK, fid);
}

int p9c_remove(struct p9_client *c, uint32_t fid)
{
	return call_fid(c, P9_TREMOVE, fid);
}

/* ---- extended attributes ---- */

ssize_t p9c_xattr_get(struct p9_client *c, uint32_t fid, const char *name, void *buf,
		      size_t size)
{
	struct p9_msg t = { .type = P9_TXATTRWALK };
	const struct p9_msg *m;
	struct p9c_req *r;
	uint32_t xfid;
	uint64_t asz;
	ssize_t n;
	int rc;

	xfid = p9c_fid_get(c);
	if (xfid == P9_NOFID)
		return -ENOMEM;
	t.u.txattrwalk = (struct p9_txattrwalk){ fid, xfid, p9_str_c(name) };
	rc = p9c_call(c, &t, NULL, 0, &r, &m);
	if (rc) {
		p9c_fid_put(c, xfid);
		return rc;
	}
	asz = m->u.rxattrwalk.size;
	p9c_release(r);

	if (size == 0)
		n = asz > SSIZE_MAX ? -E2BIG : (ssize_t)asz;
	else if (asz > size)
		n = -ERANGE;
	else if (asz == 0)
		n = 0;
	else if ((n = p9c_read(c, xfid, 0, buf, asz)) >= 0 && (uint64_t)n != asz)
		n = -EPROTO;	/* the server announced more than it gave */
	p9c_clunk(c, xfid);
	p9c_fid_put(c, xfid);
	return n;
}

ssize_t p9c_xattr_list(struct p9_client *c, uint32_t fid, void *buf, size_t size)
{
	return p9c_xattr_get(c, fid, "", buf, size);
}

int p9c_xattr_set(struct p9_client *c, uint32_t fid, const char *name, const void *value,
		  size_t size, uint32_t flags)
{
	struct p9_msg t = { .type = P9_TXATTRCREATE };
	uint32_t xfid;
	ssize_t n;
	int rc, crc;

	xfid = p9c_fid_get(c);
	if (xfid == P9_NOFID)
		return -ENOMEM;
	/* Txattrcreate turns its fid into the xattr's, so work on a clone. */
	rc = p9c_walk(c, fid, xfid, 0, NULL, NULL);
	if (rc < 0)
		goto out_put;
	t.u.txattrcreate = (struct p9_txattrcreate){ xfid, p9_str_c(name), size, flags };
	rc = call0(c, &t);
	if (!rc && size) {
		n = p9c_write(c, xfid, 0, value, size);
		if (n < 0)
			rc = (int)n;
		else if ((size_t)n != size)
			rc = -EIO;
	}
	/* The value is committed here; this is the setxattr result. */
	crc = p9c_clunk(c, xfid);
	if (!rc)
		rc = crc;
out_put:
	p9c_fid_put(c, xfid);
	return rc;
}

int p9c_xattr_remove(struct p9_client *c, uint32_t fid, const char *name)
{
	return p9c_xattr_set(c, fid, name, NULL, 0, XATTR_REPLACE);
}
