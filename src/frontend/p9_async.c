/*
 * p9_async.c - requests answered when the helper's reply comes, in
 * whichever thread receives it (helper_client.h), for the replies that
 * are empty or a qid and need only a fid put afterwards: Tmkdir, Tunlinkat
 * and Tremove (Twalk has its own, in p9_walk.c).  Under load a worker so
 * takes its next request instead of sleeping until the helper answers.
 * Only a worker starts one: a connection's reader runs a request itself
 * only when nothing else is to do, and then waits (and may busy-poll).
 */
#include "config.h"

#include <stdlib.h>

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

struct p9_async {
	struct helper_async a; /* what p9_async_begin() returns */
	struct p9_req *req;
	struct fid *fid; /* referenced; put when the reply comes */
};

static void p9_async_done(void *arg, int rc, const struct hp_rep *rep)
{
	struct p9_async *pa = arg;
	struct p9_req *req = pa->req;
	struct p9_msg r = {.type = (uint8_t)(req->in.type + 1)}; /* Rxxx = Txxx + 1 */

	fid_put(req_fids(req), pa->fid);
	free(pa);
	if (rc < 0) {
		p9_respond_error(req, rc);
		return;
	}
	if (r.type == P9_RMKDIR)
		r.u.rqid.qid = rep->u.qid.qid;
	p9_respond(req, &r);
}

const struct helper_async *p9_async_begin(struct p9_req *req, struct fid *fid)
{
	struct p9_async *pa;

	if (!req->on_worker || !(pa = malloc(sizeof(*pa))))
		return NULL; /* wait for the reply */
	*pa = (struct p9_async){.a = {.fn = p9_async_done, .arg = pa}, .req = req, .fid = fid};
	return &pa->a;
}

void p9_async_cancel(const struct helper_async *a)
{
	if (a)
		free(a->arg);
}
