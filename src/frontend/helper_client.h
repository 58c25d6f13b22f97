/*
 * helper_client.h - the frontend's side of the helper protocol.
 *
 * Any thread may call helper_call_*(): each encodes one request, sends it on
 * the SOCK_SEQPACKET socketpair (a send is atomic, so no lock is held while
 * sending), and waits for the reply with the same request id, receiving it
 * itself or from another waiting caller (see helper_client.c).  Each
 * returns 0 (results filled in) or a negative errno: the helper's answer,
 * or -EIO when the helper is gone.  The helper-side handler of
 * helper_call_X is helper_do_X.
 */
#ifndef P9G_FE_HELPER_CLIENT_H
#define P9G_FE_HELPER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "hp_codec.h"

struct helper;

/*
 * Take over `sock` and start the thread that watches for the helper's end.  When the helper goes away
 * (EOF or error on the socket) every waiting and later call fails with -EIO
 * and `death_efd` (an eventfd) is signalled.  Returns 0 or -errno.
 */
int helper_start(struct helper **out, int sock, int death_efd, unsigned int busy_poll_us);
/* The calling thread polls up to `us` for its replies, not busy_poll_us. */
void helper_thread_busy_poll(unsigned int us);
/* Shut the socket, join the watcher, free.  No call may be running. */
void helper_stop(struct helper *h);
bool helper_is_dead(struct helper *h);
/* How many helper_call_*() are waiting for a reply right now (a hint). */
unsigned int helper_calls_under_way(struct helper *h);

/*
 * The session (connection number) the calling thread works for: every
 * request this thread sends carries it in its header, for the helper's
 * audit trail.  p9_dispatch() sets it before each 9P handler runs; it is
 * per thread so that no helper_call_* needs one more parameter.
 */
void helper_set_session(uint32_t session);

/*
 * helper_call_NAME(h, uid, gid, args, rep, fd, async): one per operation
 * of hp_ops.def (helper_calls.c).  Sends the request whose fields are
 * *args, to be done as uid (a Tattach's uid) and gid (a create's gid, or
 * HP_GID_DEFAULT: the uid's primary group).  Without async it waits and
 * returns 0 with the reply's fields in *rep (NULL: not wanted; strings
 * and data in it point into the calling thread's message buffer until
 * its next call), or a negative errno.  For the operations whose reply
 * carries a descriptor (OPEN, LCREATE) *fd receives it, the caller's to
 * close; a LCREATE handle that came without one is released.  RELEASE
 * is never answered: it returns once sent (use helper_release()).
 *
 * With async it returns 0 once the request is sent (rep and fd unused),
 * and then async->fn(async->arg, rc, rep, fd) runs exactly once, in
 * whichever thread receives the reply (rc < 0: the helper's error, or
 * -EIO if it died; rep is NULL then).  fd is the descriptor an OPEN or
 * LCREATE reply brought, fn's to keep or close (-1 for every other call,
 * and when rc < 0; a LCREATE handle without its descriptor is released
 * before fn runs).  fn must not wait for another helper reply.  -errno
 * when the request was not sent: fn never runs.
 */
typedef void (*helper_async_fn)(void *arg, int rc, const struct hp_rep *rep, int fd);
struct helper_async {
	helper_async_fn fn;
	void *arg;
};

#define HP_OP(OP, number, name, shape, rshape, ...)                                           \
	int helper_call_##name(struct helper *h, uint32_t uid, uint32_t gid,                   \
			       const struct hp_##shape *args, struct hp_r_##rshape *rep, int *fd, \
			       const struct helper_async *async);
#include "hp_ops.def"

/*
 * Let one more fid use `handle` (a Twalk with no names shares its fid's
 * handle instead of asking the helper for a copy of it): the helper hears
 * of the release only when the last user releases it.  0 or -ENOMEM.
 */
int helper_handle_dup(struct helper *h, uint32_t handle);
/* Drop one extra reference of a shared handle; false if it had none. */
bool helper_handle_undup(struct helper *h, uint32_t handle);
/* The fid's end: RELEASE once no other fid shares the handle.  Ignores
 * HP_NOHANDLE; no reply, fire and forget. */
void helper_release(struct helper *h, uint32_t handle);

/* For helper_calls.c: send *req (op, uid, gid and body set; reqid and
 * session are set here) as helper_call_NAME() describes; *rep gets the
 * whole reply. */
int helper_exchange(struct helper *h, struct hp_req *req, struct hp_rep *rep, int *fd,
		    const struct helper_async *async);

#endif
