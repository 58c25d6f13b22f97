/* p9_walk.c - Twalk: names are resolved by the helper, one at a time. */
#include "config.h"

#include <errno.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

/*
 * A Twalk with no names to another fid: the new fid shares the old one's
 * helper handle (the same object, as the helper would give it), with no
 * helper round trip.  Clients clone a fid before most opens and creates.
 */
static int walk_clone(struct p9_req *req, struct fid *f)
{
	const struct p9_twalk *t = &req->in.u.twalk;
	struct fid *nf = fid_alloc(t->newfid, f->uid);
	int rc;

	if (!nf)
		return -ENOMEM;
	/* Under f's lock: Tlcreate swaps f's handle (and releases the old
	 * one) under it too, so the handle shared is one f still holds. */
	pthread_mutex_lock(&f->lock);
	rc = helper_handle_dup(req_helper(req), f->handle);
	if (rc == 0) {
		nf->handle = f->handle;
		nf->qid = f->qid;
		nf->wattr = f->wattr;
		nf->wattr_changes = f->wattr_changes;
		nf->wattr_valid = f->wattr_valid;
	}
	pthread_mutex_unlock(&f->lock);
	if (rc == 0)
		rc = fid_insert(req_fids(req), nf, false);
	if (rc < 0)
		fid_put(req_fids(req), nf); /* releases the shared reference, if taken */
	return rc;
}

void p9_walk(struct p9_req *req)
{
	const struct p9_twalk *t = &req->in.u.twalk;
	struct fid_table *fids = req_fids(req);
	struct helper *h = req_helper(req);
	struct p9_msg r = {.type = P9_RWALK};
	struct fid *f, *nf;
	uint32_t newhandle = HP_NOHANDLE;
	uint64_t changes = p9_change_count(); /* before the helper looks */
	struct hp_attr attr;
	uint16_t nwqid = 0;
	int rc;

	f = fid_get(fids, t->fid);
	if (!f || f->kind != FID_FILE) {
		rc = -EBADF; /* walking from an open fid is fine, from an xattr fid not */
		goto out_put;
	}
	if (t->newfid != t->fid && fid_exists(fids, t->newfid)) {
		rc = -EBADF;
		goto out_put;
	}
	if (t->nwname == 0) {
		/* To itself: nothing to do; to another fid: a shared handle. */
		rc = t->newfid == t->fid ? 0 : walk_clone(req, f);
		goto out_put;
	}
	rc = helper_call_walk(h, f->uid, f->handle, t->nwname, t->wname, &nwqid, r.u.rwalk.wqid,
			      &newhandle, &attr);
	if (rc < 0)
		goto out_put;
	if (t->nwname > 0 && nwqid == 0) {
		rc = -ENOENT; /* the first name failed: an error, not an empty Rwalk */
		goto out_put;
	}
	if (nwqid == t->nwname) {
		if (newhandle == HP_NOHANDLE) {
			rc = -EIO;
			goto out_put;
		}
		nf = fid_alloc(t->newfid, f->uid);
		if (!nf) {
			helper_call_release(h, newhandle);
			rc = -ENOMEM;
			goto out_put;
		}
		nf->handle = newhandle;
		nf->qid = nwqid ? r.u.rwalk.wqid[nwqid - 1] : f->qid;
		nf->wattr = attr;
		nf->wattr_changes = changes;
		nf->wattr_valid = true;
		/* newfid == fid: the walked fid replaces the old one. */
		rc = fid_insert(fids, nf, t->newfid == t->fid);
		if (rc < 0) {
			fid_put(fids, nf);
			goto out_put;
		}
	}
	/* A partial walk answers the qids it got and creates no fid. */
	r.u.rwalk.nwqid = nwqid;

out_put:
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}
