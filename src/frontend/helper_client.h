/*
 * helper_client.h - the frontend's side of the helper protocol.
 *
 * Any thread may call helper_call_*(): each encodes one request, sends it on
 * the SOCK_SEQPACKET socketpair (a send is atomic, so no lock is held while
 * sending), and waits for the reply with the same request id, receiving it
 * itself or from another waiting caller (see helper_client.c).  Each returns 0 (results filled in) or a
 * negative errno: the helper's answer, or -EIO when the helper is gone.
 * The helper-side handler of helper_call_X is helper_do_X.
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

int helper_call_hello(struct helper *h, uint32_t *version, uint32_t *max_msg);
int helper_call_attach(struct helper *h, uint32_t uid, struct p9_str aname, uint32_t *handle,
		       struct p9_qid *qid);
/*
 * Calls that take `const struct helper_async *async` may not wait: with
 * async NULL they wait and fill their results; otherwise they return 0
 * once the request is sent (their result pointers unused), and then
 * async->fn(async->arg, rc, rep, fd) runs exactly once, in whichever thread
 * receives the reply (rc < 0: the helper's error, or -EIO if it died; rep
 * is NULL then).  fd is the descriptor an OPEN or LCREATE reply brought,
 * fn's to keep or close (-1 for every other call, and when rc < 0; a
 * LCREATE handle without its descriptor is released before fn runs).
 * fn must not wait for another helper reply.  -errno when the request was
 * not sent: fn never runs.
 */
typedef void (*helper_async_fn)(void *arg, int rc, const struct hp_rep *rep, int fd);
struct helper_async {
	helper_async_fn fn;
	void *arg;
};

/*
 * The helper's answer in *rep: rep->nwqid < nwname is a partial walk (a
 * handle it made anyway is the caller's to release); otherwise rep->attr
 * holds the walked object's attributes as the helper saw them.
 */
int helper_call_walk(struct helper *h, uint32_t uid, uint32_t handle, uint16_t nwname,
		     const struct p9_str *wname, struct hp_r_walk *rep,
		     const struct helper_async *async);
/*
 * Let one more fid use `handle` (a Twalk with no names shares its fid's
 * handle instead of asking the helper for a copy of it): the helper hears
 * of the release only when the last user releases it.  0 or -ENOMEM.
 */
int helper_handle_dup(struct helper *h, uint32_t handle);
/* No reply; fire and forget.  Ignores HP_NOHANDLE. */
void helper_call_release(struct helper *h, uint32_t handle);
int helper_call_getattr(struct helper *h, uint32_t uid, uint32_t handle, struct hp_attr *attr);
int helper_call_setattr(struct helper *h, uint32_t uid, const struct hp_setattr *sa);
/* *fd receives the opened descriptor (the caller owns it). */
int helper_call_open(struct helper *h, uint32_t uid, uint32_t handle, uint32_t flags,
		     struct p9_qid *qid, int *fd, const struct helper_async *async);
int helper_call_lcreate(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
			struct p9_str name, uint32_t flags, uint32_t mode, uint32_t *handle,
			struct p9_qid *qid, int *fd, const struct helper_async *async);
int helper_call_mkdir(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
		      struct p9_str name, uint32_t mode, struct p9_qid *qid,
		      const struct helper_async *async);
int helper_call_symlink(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
			struct p9_str name, struct p9_str target, struct p9_qid *qid);
int helper_call_mknod(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
		      struct p9_str name, uint32_t mode, uint32_t major, uint32_t minor,
		      struct p9_qid *qid);
int helper_call_link(struct helper *h, uint32_t uid, uint32_t dhandle, uint32_t handle,
		     struct p9_str name);
int helper_call_renameat(struct helper *h, uint32_t uid, uint32_t olddhandle, struct p9_str oldname,
			 uint32_t newdhandle, struct p9_str newname);
int helper_call_rename(struct helper *h, uint32_t uid, uint32_t handle, uint32_t newdhandle,
		       struct p9_str newname);
int helper_call_unlinkat(struct helper *h, uint32_t uid, uint32_t dhandle, struct p9_str name,
			 uint32_t flags, const struct helper_async *async);
int helper_call_remove(struct helper *h, uint32_t uid, uint32_t handle,
		       const struct helper_async *async);
/* Copies the target into buf (bufsz >= HP_MAX_SYMTGT + 1), NUL-terminated. */
int helper_call_readlink(struct helper *h, uint32_t uid, uint32_t handle, char *buf, size_t bufsz);
int helper_call_statfs(struct helper *h, uint32_t uid, uint32_t handle, struct p9_rstatfs *st);
/* size 0: only *len is reported; otherwise up to size bytes copied to buf. */
int helper_call_xattrget(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name,
			 void *buf, uint32_t size, uint32_t *len);
int helper_call_xattrlist(struct helper *h, uint32_t uid, uint32_t handle, void *buf, uint32_t size,
			  uint32_t *len);
int helper_call_xattrset(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name,
			 uint32_t flags, const void *value, uint32_t len);
int helper_call_xattrremove(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name);
int helper_call_session_start(struct helper *h, uint32_t session, const char *peer);
int helper_call_session_end(struct helper *h, uint32_t session);
/*
 * Report a truncate run here on an open fid's descriptor (p9_attr.c), with
 * its result (0 or a positive errno), for the audit trail; waits for the
 * helper's empty reply, so the record is written before the client's.
 */
int helper_call_ftruncated(struct helper *h, uint32_t uid, uint32_t handle, uint64_t size,
			   int err);
/*
 * Report a request refused for its name (p9_names.c) for the audit trail:
 * err is the positive errno the client is answered with; the name's first
 * HP_MAX_REFUSED_NAME bytes travel.  Waits for the helper's empty reply, so
 * the record is written before the client hears of the refusal.
 */
int helper_call_refused(struct helper *h, uint32_t session, uint32_t uid, uint32_t handle,
			uint8_t p9type, int err, struct p9_str name);

#endif
