/* p9_session.c - Tversion, Tauth, Tattach, Tflush, Tclunk, Tremove. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

/* Uid used when an attach names neither a numeric uid nor an n_uname. */
#define P9_ANON_UID 65534u

void p9_version(struct p9_req *req)
{
	const struct p9_tversion *t = &req->in.u.tversion;
	struct p9_msg r = {.type = P9_RVERSION};
	uint32_t msize = t->msize < req_max_msize(req) ? t->msize : req_max_msize(req);
	bool ok = p9_str_eq(t->version, P9_VERSION_L) ||
		  (t->version.len > 8 && memcmp(t->version.s, P9_VERSION_L ".", 9) == 0);

	/* Whatever the answer, the previous session ends: every fid goes (the
	 * reader drained all requests before calling us). */
	if (msize < P9_MIN_MSIZE)
		ok = false;
	conn_reset_session(req->conn, ok ? msize : 0);
	r.u.rversion.msize = msize;
	r.u.rversion.version = p9_str_c(ok ? P9_VERSION_L : "unknown");
	p9_respond(req, &r);
}

void p9_auth(struct p9_req *req)
{
	/* No authentication: the Linux client only sends Tauth when asked to
	 * and treats an error as "no auth needed". */
	p9_respond_error(req, EOPNOTSUPP);
}

/*
 * The uid a Tattach acts as: n_uname when given (per-user attaches of the
 * Linux client), else a numeric uname ("1000"), else nobody (65534).  The
 * frontend cannot consult the passwd database once it is sandboxed.
 */
static uint32_t attach_uid(const struct p9_tattach *t)
{
	uint64_t v = 0;

	if (t->n_uname != P9_NONUNAME)
		return t->n_uname;
	if (t->uname.len == 0 || t->uname.len > 10)
		return P9_ANON_UID;
	for (uint16_t i = 0; i < t->uname.len; i++) {
		if (t->uname.s[i] < '0' || t->uname.s[i] > '9')
			return P9_ANON_UID;
		v = v * 10 + (uint64_t)(t->uname.s[i] - '0');
	}
	return v < P9_NONUNAME ? (uint32_t)v : P9_ANON_UID;
}

void p9_attach(struct p9_req *req)
{
	const struct p9_tattach *t = &req->in.u.tattach;
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RATTACH};
	struct hp_r_attach ra;
	struct fid *f;
	int rc;

	if (t->afid != P9_NOFID) {
		p9_respond_error(req, EBADF); /* no auth fid can exist */
		return;
	}
	if (fid_exists(fids, t->fid)) {
		p9_respond_error(req, EBADF);
		return;
	}
	f = fid_alloc(t->fid, attach_uid(t));
	if (!f) {
		p9_respond_error(req, ENOMEM);
		return;
	}
	rc = helper_call_attach(req_helper(req), f->uid, HP_GID_DEFAULT,
				&(struct hp_attach){t->aname}, &ra, NULL, NULL);
	if (rc == 0) {
		f->handle = ra.handle;
		f->qid = ra.qid;
		rc = fid_insert(fids, f, false);
	}
	if (rc < 0) {
		fid_put(fids, f); /* releases the handle if we got one */
		p9_respond_error(req, rc);
		return;
	}
	r.u.rattach.qid = f->qid;
	p9_respond(req, &r);
}

void p9_flush(struct p9_req *req)
{
	conn_flush(req, req->in.u.tflush.oldtag);
}

/* Quick unless it commits an xattr (a helper call). */
bool p9_clunk_is_quick(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct fid *f = fid_get(fids, req->in.u.tfid.fid);
	bool quick = true;

	if (f) {
		pthread_mutex_lock(&f->lock);
		quick = f->kind != FID_XATTR_WRITE;
		pthread_mutex_unlock(&f->lock);
	}
	fid_put(fids, f);
	return quick;
}

void p9_clunk(struct p9_req *req)
{
	struct fid_table *fids = req_fids(req);
	struct p9_msg r = {.type = P9_RCLUNK};
	struct fid *f = fid_remove(fids, req->in.u.tfid.fid);
	struct helper *h = req_helper(req);
	uint32_t handle;
	int rc = 0;

	if (!f) {
		p9_respond_error(req, EBADF);
		return;
	}
	/* The fid is gone whatever happens; an xattr commit error is the
	 * clunk's error (the client's setxattr result). */
	if (f->kind == FID_XATTR_WRITE) {
		rc = p9_xattr_commit(req, f);
		fid_put(fids, f);
		if (rc < 0)
			p9_respond_error(req, rc);
		else
			p9_respond(req, &r);
		return;
	}
	/*
	 * Any other fid: its descriptor is closed before the answer (a lock
	 * on it must be gone when the client hears the fid is), the handle
	 * released to the helper after it: the client need not wait for that
	 * message (a clunk follows nearly every walk).
	 */
	handle = fid_put_keep_handle(fids, f);
	p9_respond(req, &r);
	helper_release(h, handle);
}

/* Answer a Tremove; the fid dies even when the remove failed. */
static void remove_done(struct p9_req *req, struct fid *f, int rc, const struct hp_rep *rep,
			int fd)
{
	(void)rep; /* empty */
	(void)fd;  /* none */
	fid_put(req_fids(req), f);
	if (rc < 0)
		p9_respond_error(req, rc);
	else
		p9_respond(req, &(struct p9_msg){.type = P9_RREMOVE});
}

void p9_remove(struct p9_req *req)
{
	struct fid *f = fid_remove(req_fids(req), req->in.u.tfid.fid);
	int rc;

	if (!f) {
		p9_respond_error(req, EBADF);
		return;
	}
	if (f->kind != FID_FILE) {
		rc = -EBADF;
	} else {
		const struct helper_async *a = p9_async_begin(req, f, remove_done);

		rc = helper_call_remove(req_helper(req), f->uid, HP_GID_DEFAULT,
					&(struct hp_h){f->handle}, NULL, NULL, a);
		if (a && rc == 0)
			return; /* remove_done() answers when the reply comes */
	}
	remove_done(req, f, rc, NULL, -1);
}
