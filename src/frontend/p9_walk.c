/*
 * p9_walk.c - Twalk: names are resolved by the helper, one at a time.
 *
 * When the request may be deferred (a worker runs it, or the reader while
 * more of the connection's requests are under way) the helper call is
 * asynchronous: the thread sends it and takes the next request, and
 * walk_done() finishes the Twalk in whichever thread receives the reply
 * (helper_client.h, p9_async.c).  Under load this spares a sleep and a
 * wake-up per Twalk.  The reader running the connection's only request
 * waits for the reply.
 */
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

/*
 * Make the new fid from the helper's answer (rc < 0: its error) and
 * answer the Twalk; drops the reference to f.
 */
static void walk_finish(struct p9_req *req, struct fid *f, uint64_t changes, int rc,
			const struct hp_r_walk *w)
{
	const struct p9_twalk *t = &req->in.u.twalk;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RWALK};
	uint16_t nwqid;
	struct fid *nf;

	if (rc < 0)
		goto out_put;
	nwqid = w->nwqid < t->nwname ? w->nwqid : t->nwname;
	for (uint16_t i = 0; i < nwqid; i++)
		r.u.rwalk.wqid[i] = w->wqid[i];
	if (nwqid < t->nwname && w->handle != HP_NOHANDLE) {
		/* A partial walk creates nothing; do not leak what the helper made. */
		helper_release(req_helper(req), w->handle);
	}
	if (nwqid == 0) {
		rc = -ENOENT; /* the first name failed: an error, not an empty Rwalk */
		goto out_put;
	}
	if (nwqid == t->nwname) {
		if (w->handle == HP_NOHANDLE) {
			rc = -EIO;
			goto out_put;
		}
		nf = fid_alloc(t->newfid, f->uid);
		if (!nf) {
			helper_release(req_helper(req), w->handle);
			rc = -ENOMEM;
			goto out_put;
		}
		nf->handle = w->handle;
		nf->qid = r.u.rwalk.wqid[nwqid - 1];
		nf->wattr = w->attr;
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

/* walk_finish() for an asynchronous walk (p9_async.c; rep NULL when rc < 0). */
static void walk_done(struct p9_req *req, struct fid *f, int rc, const struct hp_rep *rep, int fd)
{
	(void)fd; /* a walk passes none */
	walk_finish(req, f, req->async.changes, rc, rc < 0 ? NULL : &rep->u.walk);
}

/* The helper's walk of t's names from f (helper_call_walk with a, if any). */
static int call_walk(struct helper *h, const struct fid *f, const struct p9_twalk *t,
		     struct hp_r_walk *w, const struct helper_async *a)
{
	struct hp_walk args = {.handle = f->handle, .nwname = t->nwname};

	if (t->nwname > P9_MAXWELEM)
		return -EINVAL;
	for (uint16_t i = 0; i < t->nwname; i++)
		args.wname[i] = t->wname[i];
	return helper_call_walk(h, f->uid, HP_GID_DEFAULT, &args, w, NULL, a);
}

void p9_walk(struct p9_req *req)
{
	const struct p9_twalk *t = &req->in.u.twalk;
	struct fid_table *fids = req_fids(req);
	struct helper *h = req_helper(req);
	const struct helper_async *a;
	struct hp_r_walk w;
	struct fid *f;
	uint64_t changes = p9_change_count(); /* before the helper looks */
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
	a = p9_async_begin(req, f, walk_done);
	if (a)
		req->async.changes = changes;
	rc = call_walk(h, f, t, &w, a);
	if (a && rc == 0)
		return; /* walk_done() answers, and puts f */
	walk_finish(req, f, changes, rc, &w);
	return;

out_put:
	fid_put(fids, f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &(struct p9_msg){.type = P9_RWALK});
}
