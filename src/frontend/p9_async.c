/*
 * p9_async.c - requests answered when the helper's reply comes, in
 * whichever thread receives it (helper_client.h).  Under load a worker or
 * a connection's reader so takes its next request instead of sleeping
 * until the helper answers.
 * The record lives in the request itself (req->async, conn.h): no
 * allocation.  Each request brings the function that answers it: Twalk
 * (p9_walk.c), Tlopen and Tlcreate (p9_file.c), Tmkdir and Tunlinkat
 * (p9_dir.c), Tremove (p9_session.c).
 * Not when the request is the connection's only one under way and the
 * reader runs it (req->may_defer unset): then the reader waits for the
 * reply itself (and may busy-poll), which answers sooner than a hand-off.
 */
#include "config.h"

#include "frontend/conn.h"
#include "frontend/fid.h"
#include "frontend/helper_client.h"
#include "frontend/p9_ops.h"

static void p9_async_done(void *arg, int rc, const struct hp_rep *rep, int fd)
{
	struct p9_req *req = arg;

	req->async.finish(req, req->async.fid, rc, rep, fd);
}

const struct helper_async *p9_async_begin(struct p9_req *req, struct fid *fid,
					  p9_async_finish finish)
{
	if (!req->may_defer)
		return NULL; /* wait for the reply */
	req->async = (struct p9_async){.a = {.fn = p9_async_done, .arg = req},
				       .fid = fid,
				       .finish = finish};
	return &req->async.a;
}
