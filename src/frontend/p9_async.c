/*
 * p9_async.c - requests answered when the helper's reply comes, in
 * whichever thread receives it (helper_client.h).  Under load a worker so
 * takes its next request instead of sleeping until the helper answers.
 * The record lives in the request itself (req->async, conn.h): no
 * allocation.  The default finish serves the replies that are empty or a
 * qid and need only a fid put afterwards (Tmkdir, Tunlinkat, Tremove);
 * Twalk (p9_walk.c), Tlopen and Tlcreate (p9_file.c) bring their own.
 * Only a worker starts one: a connection's reader runs a request itself
 * only when nothing else is to do, and then waits (and may busy-poll).
 */
#include "config.h"

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

/* The default finish: put the fid, answer empty or with the qid. */
static void finish_empty_or_qid(struct p9_req *req, struct fid *fid, int rc,
				const struct hp_rep *rep, int fd)
{
	struct p9_msg r = {.type = (uint8_t)(req->in.type + 1)}; /* Rxxx = Txxx + 1 */

	(void)fd; /* none of these calls passes one */
	fid_put(req_fids(req), fid);
	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	if (r.type == P9_RMKDIR)
		r.u.rqid.qid = rep->u.qid.qid;
	p9_respond(req, &r);
}

static void p9_async_done(void *arg, int rc, const struct hp_rep *rep, int fd)
{
	struct p9_req *req = arg;

	req->async.finish(req, req->async.fid, rc, rep, fd);
}

const struct helper_async *p9_async_begin(struct p9_req *req, struct fid *fid,
					  p9_async_finish finish)
{
	if (!req->on_worker)
		return NULL; /* wait for the reply */
	req->async = (struct p9_async){.a = {.fn = p9_async_done, .arg = req},
				       .fid = fid,
				       .finish = finish ? finish : finish_empty_or_qid};
	return &req->async.a;
}
