/*
 * p9_dir.c - directory changes, all performed by the helper: Tmkdir,
 * Tsymlink, Tmknod, Tlink, Trename, Trenameat, Tunlinkat.  They act with
 * the uid of the directory fid's Tattach and the gid the client decided.
 */
#include "config.h"

#include <errno.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

/* Look up a fid that names a file (not an xattr fid); NULL if none. */
static struct fid *get_file_fid(struct fid_table *fids, uint32_t num)
{
	struct fid *f = fid_get(fids, num);

	if (f && f->kind != FID_FILE) {
		fid_put(fids, f);
		f = NULL;
	}
	return f;
}

static void respond_qid(struct p9_req *req, uint8_t type, int rc, const struct p9_qid *qid)
{
	struct p9_msg r = {.type = type};

	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	r.u.rqid.qid = *qid;
	p9_respond(req, &r);
}

static void respond_empty(struct p9_req *req, uint8_t type, int rc)
{
	struct p9_msg r = {.type = type};

	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &r);
}

/* Tmkdir's and Tunlinkat's answers when their reply comes (p9_async.c). */
static void mkdir_done(struct p9_req *req, struct fid *d, int rc, const struct hp_rep *rep,
		       int fd)
{
	(void)fd; /* none */
	fid_put(req_fids(req), d);
	respond_qid(req, P9_RMKDIR, rc, rc < 0 ? NULL : &rep->u.qid.qid);
}

static void unlinkat_done(struct p9_req *req, struct fid *d, int rc, const struct hp_rep *rep,
			  int fd)
{
	(void)rep; /* empty */
	(void)fd;  /* none */
	fid_put(req_fids(req), d);
	respond_empty(req, P9_RUNLINKAT, rc);
}

void p9_mkdir(struct p9_req *req)
{
	const struct p9_tmkdir *t = &req->in.u.tmkdir;
	struct fid_table *fids = req_fids(req);
	struct fid *d = get_file_fid(fids, t->dfid);
	struct hp_r_qid rq;
	int rc = -EBADF;

	if (d) {
		const struct helper_async *a = p9_async_begin(req, d, mkdir_done);

		rc = helper_call_mkdir(req_helper(req), d->uid, t->gid,
				       &(struct hp_mkdir){d->handle, t->name, t->mode}, &rq, NULL, a);
		if (a && rc == 0)
			return; /* mkdir_done() answers when the reply comes */
	}
	fid_put(fids, d);
	respond_qid(req, P9_RMKDIR, rc, &rq.qid);
}

void p9_symlink(struct p9_req *req)
{
	const struct p9_tsymlink *t = &req->in.u.tsymlink;
	struct fid_table *fids = req_fids(req);
	struct fid *d = get_file_fid(fids, t->fid);
	struct hp_r_qid rq;
	int rc = -EBADF;

	if (d)
		rc = helper_call_symlink(req_helper(req), d->uid, t->gid,
					 &(struct hp_symlink){d->handle, t->name, t->symtgt}, &rq, NULL,
					 NULL);
	fid_put(fids, d);
	respond_qid(req, P9_RSYMLINK, rc, &rq.qid);
}

void p9_mknod(struct p9_req *req)
{
	const struct p9_tmknod *t = &req->in.u.tmknod;
	struct fid_table *fids = req_fids(req);
	struct fid *d = get_file_fid(fids, t->dfid);
	struct hp_r_qid rq;
	int rc = -EBADF;

	if (d)
		rc = helper_call_mknod(
		    req_helper(req), d->uid, t->gid,
		    &(struct hp_mknod){d->handle, t->name, t->mode, t->major, t->minor}, &rq, NULL,
		    NULL);
	fid_put(fids, d);
	respond_qid(req, P9_RMKNOD, rc, &rq.qid);
}

void p9_link(struct p9_req *req)
{
	const struct p9_tlink *t = &req->in.u.tlink;
	struct fid_table *fids = req_fids(req);
	struct fid *d = get_file_fid(fids, t->dfid);
	struct fid *f = get_file_fid(fids, t->fid);
	int rc = -EBADF;

	if (d && f)
		rc = helper_call_link(req_helper(req), d->uid, HP_GID_DEFAULT,
				      &(struct hp_link){d->handle, f->handle, t->name}, NULL, NULL,
				      NULL);
	fid_put(fids, f);
	fid_put(fids, d);
	respond_empty(req, P9_RLINK, rc);
}

void p9_rename(struct p9_req *req)
{
	const struct p9_trename *t = &req->in.u.trename;
	struct fid_table *fids = req_fids(req);
	struct fid *f = get_file_fid(fids, t->fid);
	struct fid *d = get_file_fid(fids, t->dfid);
	int rc = -EBADF;

	if (d && f)
		rc = helper_call_rename(req_helper(req), f->uid, HP_GID_DEFAULT,
					&(struct hp_rename){f->handle, d->handle, t->name}, NULL, NULL,
					NULL);
	fid_put(fids, d);
	fid_put(fids, f);
	respond_empty(req, P9_RRENAME, rc);
}

void p9_renameat(struct p9_req *req)
{
	const struct p9_trenameat *t = &req->in.u.trenameat;
	struct fid_table *fids = req_fids(req);
	struct fid *od = get_file_fid(fids, t->olddirfid);
	struct fid *nd = get_file_fid(fids, t->newdirfid);
	int rc = -EBADF;

	if (od && nd)
		rc = helper_call_renameat(
		    req_helper(req), od->uid, HP_GID_DEFAULT,
		    &(struct hp_renameat){od->handle, t->oldname, nd->handle, t->newname}, NULL,
		    NULL, NULL);
	fid_put(fids, nd);
	fid_put(fids, od);
	respond_empty(req, P9_RRENAMEAT, rc);
}

void p9_unlinkat(struct p9_req *req)
{
	const struct p9_tunlinkat *t = &req->in.u.tunlinkat;
	struct fid_table *fids = req_fids(req);
	struct fid *d = get_file_fid(fids, t->dirfid);
	int rc = -EBADF;

	if (d) {
		const struct helper_async *a = p9_async_begin(req, d, unlinkat_done);

		rc = helper_call_unlinkat(req_helper(req), d->uid, HP_GID_DEFAULT,
					  &(struct hp_unlinkat){d->handle, t->name, t->flags}, NULL,
					  NULL, a);
		if (a && rc == 0)
			return; /* unlinkat_done() answers when the reply comes */
	}
	fid_put(fids, d);
	respond_empty(req, P9_RUNLINKAT, rc);
}
