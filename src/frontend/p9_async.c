/*
 * p9_async.c - requests answered when the helper's reply comes, in
 * whichever thread receives it (helper_client.h).  Under load a worker so
 * takes its next request instead of sleeping until the helper answers.
 * The default completion serves the replies that are empty or a qid and
 * need only a fid put afterwards (Tmkdir, Tunlinkat, Tremove); Tlopen and
 * Tlcreate bring their own (p9_file.c), Twalk has its own record
 * (p9_walk.c).  Only a worker starts one: a connection's reader runs a
 * request itself only when nothing else is to do, and then waits (and may
 * busy-poll).
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
	p9_async_finish finish;
};

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
	struct p9_async pa = *(struct p9_async *)arg;

	free(arg);
	pa.finish(pa.req, pa.fid, rc, rep, fd);
}

const struct helper_async *p9_async_begin(struct p9_req *req, struct fid *fid,
					  p9_async_finish finish)
{
	struct p9_async *pa;

	if (!req->on_worker || !(pa = malloc(sizeof(*pa))))
		return NULL; /* wait for the reply */
	*pa = (struct p9_async){.a = {.fn = p9_async_done, .arg = pa},
				.req = req,
				.fid = fid,
				.finish = finish ? finish : finish_empty_or_qid};
	return &pa->a;
}

void p9_async_cancel(const struct helper_async *a)
{
	if (a)
		free(a->arg);
}
