/*
 * p9_xattr.c - Txattrwalk (fetch a value or the name list into a buffer
 * held by the new fid; Tread reads it) and Txattrcreate (buffer what Twrite
 * sends; Tclunk commits it with HP_XATTRSET, or removes for size 0).
 *
 * The buffers live as long as their fids, so each is charged to the
 * connection's xattr budget (FID_XATTR_BUDGET, fid.h) and given back when
 * the fid goes: a client holding thousands of unclunked xattr fids gets
 * ENOMEM, not a gigabyte of our memory.  Names are checked before the
 * handlers run (p9_names.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

void p9_xattrwalk(struct p9_req *req)
{
	const struct p9_txattrwalk *t = &req->in.u.txattrwalk;
	struct fid_table *fids = req_fids(req);
	struct helper *h = req_helper(req);
	struct p9_msg r = {.type = P9_RXATTRWALK};
	struct fid *f = fid_get(fids, t->fid), *nf = NULL;
	struct hp_r_data d;
	uint32_t len = 0;
	int rc;

	if (!f || f->kind != FID_FILE) {
		rc = -EBADF;
		goto out_put;
	}
	if (t->newfid != t->fid && fid_exists(fids, t->newfid)) {
		rc = -EBADF;
		goto out_put;
	}
	nf = fid_alloc(t->newfid, f->uid);
	if (!nf) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (t->name.len == 0)
		rc = helper_call_xattrlist(h, f->uid, HP_GID_DEFAULT,
					   &(struct hp_xattrlist){f->handle, HP_MAX_XATTR_VALUE}, &d,
					   NULL, NULL);
	else
		rc = helper_call_xattrget(h, f->uid, HP_GID_DEFAULT,
					  &(struct hp_xattrget){f->handle, t->name, HP_MAX_XATTR_VALUE},
					  &d, NULL, NULL);
	/* The data is in this thread's message buffer until its next call. */
	if (rc == 0 && (d.len > HP_MAX_XATTR_VALUE || !d.data))
		rc = -EIO;
	if (rc < 0)
		goto out_put;
	len = d.len;
	nf->kind = FID_XATTR_READ;
	nf->qid = f->qid;
	rc = fid_xattr_charge(fids, nf, len);
	if (rc < 0)
		goto out_put;
	/* Straight from the reply (no helper call since): what the value needs. */
	nf->xbuf = malloc(len ? len : 1);
	if (!nf->xbuf) {
		rc = -ENOMEM;
		goto out_put;
	}
	memcpy(nf->xbuf, d.data, len);
	nf->xsize = len;
	rc = fid_insert(fids, nf, t->newfid == t->fid);
	if (rc == 0)
		nf = NULL;
	r.u.rxattrwalk.size = len;

out_put:
	fid_put(fids, nf);
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

void p9_xattrcreate(struct p9_req *req)
{
	const struct p9_txattrcreate *t = &req->in.u.txattrcreate;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RXATTRCREATE};
	struct fid *f = fid_get(fids, t->fid);
	uint64_t charged = 0;
	uint8_t *buf = NULL;
	char *name = NULL;
	int rc = 0;

	if (!f) {
		rc = -EBADF;
		goto out_put;
	}
	if (t->attr_size > HP_MAX_XATTR_VALUE) {
		rc = -E2BIG;
		goto out_put;
	}
	/* Charged before the fid changes: on ENOMEM it stays what it was. */
	rc = fid_xattr_charge(fids, f, t->attr_size + t->name.len);
	if (rc < 0)
		goto out_put;
	charged = t->attr_size + t->name.len;
	buf = calloc(1, t->attr_size ? t->attr_size : 1);
	name = p9_str_dup(t->name);
	if (!buf || !name) {
		rc = -ENOMEM;
		goto out_put;
	}
	/* The fid now names the attribute to be set; it keeps its handle. */
	pthread_mutex_lock(&f->lock);
	if (f->kind != FID_FILE) {
		rc = -EBADF;
	} else {
		f->kind = FID_XATTR_WRITE;
		f->xbuf = buf;
		f->xsize = t->attr_size;
		f->xfilled = 0;
		f->xname = name;
		f->xflags = t->flags;
		buf = NULL;
		name = NULL;
	}
	pthread_mutex_unlock(&f->lock);

out_put:
	if (rc < 0 && charged)
		fid_xattr_uncharge(fids, f, charged);
	fid_put(fids, f);
	free(buf);
	free(name);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

int p9_xattr_commit(struct p9_req *req, struct fid *f)
{
	struct helper *h = req_helper(req);
	int rc;

	/* The fid is out of the table; only this request uses it now. */
	p9_change_note(); /* Tclunk is no change otherwise (p9_dispatch.c) */
	pthread_mutex_lock(&f->lock);
	if (f->xsize == 0)
		rc = helper_call_xattrremove(h, f->uid, HP_GID_DEFAULT,
					     &(struct hp_xattrremove){f->handle, p9_str_c(f->xname)},
					     NULL, NULL, NULL);
	else if (f->xfilled != f->xsize)
		rc = -EINVAL; /* fewer bytes written than Txattrcreate announced */
	else
		rc = helper_call_xattrset(h, f->uid, HP_GID_DEFAULT,
					  &(struct hp_xattrset){f->handle, p9_str_c(f->xname), f->xflags,
								(uint32_t)f->xsize, f->xbuf},
					  NULL, NULL, NULL);
	pthread_mutex_unlock(&f->lock);
	p9_change_note();
	return rc;
}
