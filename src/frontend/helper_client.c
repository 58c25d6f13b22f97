/* helper_client.c - requests to p9guard-helper and the reply demultiplexer. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "frontend/helper_client.h"
#include "p9_wire.h"

#define HELPER_EXIT_SECONDS 5

/* One caller sleeping until its reply arrives. */
struct hp_waiter {
	uint32_t reqid;
	bool done;
	int err;      /* -EIO when the helper died */
	uint8_t *buf; /* the reply packet (malloc'ed), owned by the caller */
	size_t len;
	int fd; /* a descriptor that came with the reply, or -1 */
	bool fd_lost; /* the reply carried one we had no room for (MSG_CTRUNC) */
	pthread_cond_t cond;
	struct hp_waiter *next;
};

struct helper {
	int sock;
	int death_efd;
	pthread_t demux;
	pthread_mutex_t lock;
	uint32_t next_reqid;
	bool dead;
	pthread_cond_t dead_cond;  /* dead became true */
	struct hp_waiter *waiters; /* requests sent and not yet answered */
};

/* One request/reply exchange; rep's strings point into buf until hp_call_done(). */
struct hp_call {
	struct hp_req req;
	struct hp_rep rep;
	uint8_t *buf;
	int fd;
	bool fd_lost; /* see hp_waiter */
};

static void hp_call_done(struct hp_call *c)
{
	free(c->buf);
	c->buf = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void helper_mark_dead(struct helper *h)
{
	uint64_t one = 1;

	pthread_mutex_lock(&h->lock);
	if (!h->dead) {
		h->dead = true;
		for (struct hp_waiter *w = h->waiters; w; w = w->next) {
			w->done = true;
			w->err = -EIO;
			pthread_cond_signal(&w->cond);
		}
		h->waiters = NULL;
		pthread_cond_broadcast(&h->dead_cond);
		if (write(h->death_efd, &one, sizeof(one)) < 0)
			log_err("cannot signal the helper's death: %s", strerror(errno));
	}
	pthread_mutex_unlock(&h->lock);
}

/* Keep the first descriptor of a reply, close every other one. */
static int take_fds(struct msghdr *mh)
{
	int keep = -1;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, &fds[i], sizeof(fd));
			if (keep < 0)
				keep = fd;
			else
				close(fd);
		}
	}
	return keep;
}

static void *helper_demux(void *arg)
{
	struct helper *h = arg;
	uint8_t *pkt = malloc(HP_MAX_MSG);
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;

	if (!pkt) {
		log_err("helper demultiplexer: out of memory");
		helper_mark_dead(h);
		return NULL;
	}
	for (;;) {
		struct iovec iov = {.iov_base = pkt, .iov_len = HP_MAX_MSG};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		struct hp_waiter *w, **pp;
		ssize_t n = recvmsg(h->sock, &mh, MSG_CMSG_CLOEXEC);
		uint32_t reqid;
		int fd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				log_err("helper socket: %s", strerror(errno));
			else
				log_debug("helper socket closed");
			break;
		}
		fd = take_fds(&mh);
		if ((size_t)n < HP_REP_HDR_SIZE || (mh.msg_flags & MSG_TRUNC)) {
			log_err("helper sent a malformed reply (%zd bytes)", n);
			goto drop;
		}
		reqid = wire_load32(pkt + 2);
		pthread_mutex_lock(&h->lock);
		for (pp = &h->waiters; (w = *pp) != NULL; pp = &w->next)
			if (w->reqid == reqid)
				break;
		if (w) {
			*pp = w->next;
			w->buf = malloc((size_t)n);
			if (w->buf) {
				memcpy(w->buf, pkt, (size_t)n);
				w->len = (size_t)n;
				w->fd = fd;
				/* The kernel drops a passed descriptor that would
				 * exceed our RLIMIT_NOFILE and sets MSG_CTRUNC; the
				 * helper sends at most one, so that is the cause. */
				w->fd_lost = (mh.msg_flags & MSG_CTRUNC) != 0;
				fd = -1;
			} else {
				w->err = -ENOMEM;
			}
			w->done = true;
			pthread_cond_signal(&w->cond);
		}
		pthread_mutex_unlock(&h->lock);
		if (!w)
			log_err("helper replied to unknown request %u", reqid);
	drop:
		if (fd >= 0)
			close(fd);
	}
	free(pkt);
	helper_mark_dead(h);
	return NULL;
}

int helper_start(struct helper **out, int sock, int death_efd)
{
	struct helper *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->sock = sock;
	h->death_efd = death_efd;
	h->next_reqid = 1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->dead_cond, NULL);
	err = pthread_create(&h->demux, NULL, helper_demux, h);
	if (err) {
		pthread_cond_destroy(&h->dead_cond);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -err;
	}
	*out = h;
	return 0;
}

void helper_stop(struct helper *h)
{
	struct timespec deadline;

	/* The helper sees EOF and exits; its end closing tells us it did.
	 * (A sandboxed frontend cannot waitpid() for it.) */
	shutdown(h->sock, SHUT_WR);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HELPER_EXIT_SECONDS;
	pthread_mutex_lock(&h->lock);
	while (!h->dead)
		if (pthread_cond_timedwait(&h->dead_cond, &h->lock, &deadline) == ETIMEDOUT) {
			log_warn("the helper did not exit within %d seconds", HELPER_EXIT_SECONDS);
			break;
		}
	pthread_mutex_unlock(&h->lock);
	shutdown(h->sock, SHUT_RDWR);
	pthread_join(h->demux, NULL);
	pthread_cond_destroy(&h->dead_cond);
	close(h->sock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

bool helper_is_dead(struct helper *h)
{
	bool dead;

	pthread_mutex_lock(&h->lock);
	dead = h->dead;
	pthread_mutex_unlock(&h->lock);
	return dead;
}

static int helper_send(struct helper *h, const struct hp_req *req)
{
	uint8_t *buf = malloc(HP_MAX_MSG);
	size_t len;
	ssize_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = hp_encode_req(buf, HP_MAX_MSG, req, &len);
	if (rc != HP_OK) {
		log_err("cannot encode helper request %s: %s", hp_op_name(req->op),
			hp_strerror(rc));
		free(buf);
		return -EINVAL;
	}
	do
		n = send(h->sock, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(buf);
	if (n != (ssize_t)len) {
		log_err("cannot send to the helper: %s", n < 0 ? strerror(errno) : "short send");
		return -EIO;
	}
	return 0;
}

static uint32_t helper_new_reqid(struct helper *h)
{
	uint32_t id = h->next_reqid++;

	if (h->next_reqid == 0)
		h->next_reqid = 1;
	return id;
}

/*
 * Send c->req and wait for its reply into c->rep.  Returns 0, the helper's
 * error as -errno, or -EIO.  On 0 the caller must hp_call_done(c).
 */
static int helper_call(struct helper *h, struct hp_call *c)
{
	struct hp_waiter w = {.fd = -1};
	int rc;

	c->buf = NULL;
	c->fd = -1;
	c->fd_lost = false;
	pthread_cond_init(&w.cond, NULL);
	pthread_mutex_lock(&h->lock);
	if (h->dead) {
		pthread_mutex_unlock(&h->lock);
		rc = -EIO;
		goto out_cond;
	}
	w.reqid = c->req.reqid = helper_new_reqid(h);
	w.next = h->waiters;
	h->waiters = &w;
	pthread_mutex_unlock(&h->lock);

	rc = helper_send(h, &c->req);
	pthread_mutex_lock(&h->lock);
	if (rc < 0 && !w.done) {
		/* Never sent: take the waiter back out of the list. */
		for (struct hp_waiter **pp = &h->waiters; *pp; pp = &(*pp)->next)
			if (*pp == &w) {
				*pp = w.next;
				break;
			}
		w.done = true;
		w.err = rc;
	}
	while (!w.done)
		pthread_cond_wait(&w.cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
	c->buf = w.buf;
	c->fd = w.fd;
	c->fd_lost = w.fd_lost;
	if (w.err) {
		rc = w.err;
		goto out_release;
	}
	rc = hp_decode_rep(c->buf, w.len, &c->rep);
	if (rc != HP_OK || c->rep.op != c->req.op || c->rep.reqid != c->req.reqid) {
		log_err("helper sent a bad reply to %s: %s", hp_op_name(c->req.op),
			rc != HP_OK ? hp_strerror(rc) : "wrong operation or id");
		rc = -EIO;
		goto out_release;
	}
	if (c->rep.error) {
		rc = c->rep.error <= 4095 ? -(int)c->rep.error : -EIO;
		goto out_release;
	}
	goto out_cond;

out_release:
	hp_call_done(c);
out_cond:
	pthread_cond_destroy(&w.cond);
	return rc;
}

static _Thread_local uint32_t helper_cur_session;

void helper_set_session(uint32_t session)
{
	helper_cur_session = session;
}

static void call_init(struct hp_call *c, uint16_t op, uint32_t uid, uint32_t gid)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->req.op = op;
	c->req.session = helper_cur_session;
	c->req.uid = uid;
	c->req.gid = gid;
}

int helper_call_hello(struct helper *h, uint32_t *version, uint32_t *max_msg)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_HELLO, 0, HP_GID_DEFAULT);
	c.req.u.hello.version = HP_VERSION;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	*version = c.rep.u.hello.version;
	*max_msg = c.rep.u.hello.max_msg;
	hp_call_done(&c);
	return 0;
}

int helper_call_attach(struct helper *h, uint32_t uid, struct p9_str aname, uint32_t *handle,
		       struct p9_qid *qid)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_ATTACH, uid, HP_GID_DEFAULT);
	c.req.u.attach.aname = aname;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	*handle = c.rep.u.attach.handle;
	*qid = c.rep.u.attach.qid;
	hp_call_done(&c);
	return 0;
}

int helper_call_walk(struct helper *h, uint32_t uid, uint32_t handle, uint16_t nwname,
		     const struct p9_str *wname, uint16_t *nwqid, struct p9_qid *wqid,
		     uint32_t *newhandle)
{
	struct hp_call c;
	int rc;

	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	call_init(&c, HP_WALK, uid, HP_GID_DEFAULT);
	c.req.u.walk.handle = handle;
	c.req.u.walk.nwname = nwname;
	for (uint16_t i = 0; i < nwname; i++)
		c.req.u.walk.wname[i] = wname[i];
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	*nwqid = c.rep.u.walk.nwqid;
	if (*nwqid > nwname)
		*nwqid = nwname;
	memcpy(wqid, c.rep.u.walk.wqid, *nwqid * sizeof(*wqid));
	*newhandle = c.rep.u.walk.handle;
	hp_call_done(&c);
	if (*nwqid < nwname && *newhandle != HP_NOHANDLE) {
		/* A partial walk creates nothing; do not leak what the helper made. */
		helper_call_release(h, *newhandle);
		*newhandle = HP_NOHANDLE;
	}
	return 0;
}

void helper_call_release(struct helper *h, uint32_t handle)
{
	struct hp_req req = {.op = HP_RELEASE, .gid = HP_GID_DEFAULT};

	if (handle == HP_NOHANDLE)
		return;
	req.u.h.handle = handle;
	pthread_mutex_lock(&h->lock);
	if (h->dead) {
		pthread_mutex_unlock(&h->lock);
		return;
	}
	req.reqid = helper_new_reqid(h);
	pthread_mutex_unlock(&h->lock);
	helper_send(h, &req);
}

int helper_call_getattr(struct helper *h, uint32_t uid, uint32_t handle, struct hp_attr *attr)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_GETATTR, uid, HP_GID_DEFAULT);
	c.req.u.h.handle = handle;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	*attr = c.rep.u.attr.attr;
	hp_call_done(&c);
	return 0;
}

int helper_call_setattr(struct helper *h, uint32_t uid, const struct hp_setattr *sa)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_SETATTR, uid, HP_GID_DEFAULT);
	c.req.u.setattr = *sa;
	rc = helper_call(h, &c);
	if (rc == 0)
		hp_call_done(&c);
	return rc;
}

/* Take the descriptor of an OPEN/LCREATE reply; -EMFILE if we had no room
 * for it, -EIO if none came. */
static int take_reply_fd(struct hp_call *c, int *fd)
{
	if (c->fd < 0 && c->fd_lost) {
		static struct fdlimit_ratelimit rl = FDLIMIT_RATELIMIT_INIT;
		char what[64];

		snprintf(what, sizeof(what), "%s refused", hp_op_name(c->req.op));
		fdlimit_warn(&rl, what, EMFILE);
		return -EMFILE;
	}
	if (c->fd < 0) {
		log_err("helper answered %s without a descriptor", hp_op_name(c->req.op));
		return -EIO;
	}
	*fd = c->fd;
	c->fd = -1;
	return 0;
}

int helper_call_open(struct helper *h, uint32_t uid, uint32_t handle, uint32_t flags,
		     struct p9_qid *qid, int *fd)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_OPEN, uid, HP_GID_DEFAULT);
	c.req.u.open.handle = handle;
	c.req.u.open.flags = flags;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	rc = take_reply_fd(&c, fd);
	*qid = c.rep.u.open.qid;
	hp_call_done(&c);
	return rc;
}

int helper_call_lcreate(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
			struct p9_str name, uint32_t flags, uint32_t mode, uint32_t *handle,
			struct p9_qid *qid, int *fd)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_LCREATE, uid, gid);
	c.req.u.lcreate.dhandle = dhandle;
	c.req.u.lcreate.name = name;
	c.req.u.lcreate.flags = flags;
	c.req.u.lcreate.mode = mode;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	rc = take_reply_fd(&c, fd);
	if (rc < 0)
		helper_call_release(h, c.rep.u.lcreate.handle);
	*handle = c.rep.u.lcreate.handle;
	*qid = c.rep.u.lcreate.qid;
	hp_call_done(&c);
	return rc;
}

/* The common tail of calls whose reply carries one qid. */
static int call_qid(struct helper *h, struct hp_call *c, struct p9_qid *qid)
{
	int rc = helper_call(h, c);

	if (rc < 0)
		return rc;
	*qid = c->rep.u.qid.qid;
	hp_call_done(c);
	return 0;
}

/* The common tail of calls whose reply carries nothing. */
static int call_noresult(struct helper *h, struct hp_call *c)
{
	int rc = helper_call(h, c);

	if (rc == 0)
		hp_call_done(c);
	return rc;
}

int helper_call_mkdir(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
		      struct p9_str name, uint32_t mode, struct p9_qid *qid)
{
	struct hp_call c;

	call_init(&c, HP_MKDIR, uid, gid);
	c.req.u.mkdir.dhandle = dhandle;
	c.req.u.mkdir.name = name;
	c.req.u.mkdir.mode = mode;
	return call_qid(h, &c, qid);
}

int helper_call_symlink(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
			struct p9_str name, struct p9_str target, struct p9_qid *qid)
{
	struct hp_call c;

	call_init(&c, HP_SYMLINK, uid, gid);
	c.req.u.symlink.dhandle = dhandle;
	c.req.u.symlink.name = name;
	c.req.u.symlink.target = target;
	return call_qid(h, &c, qid);
}

int helper_call_mknod(struct helper *h, uint32_t uid, uint32_t gid, uint32_t dhandle,
		      struct p9_str name, uint32_t mode, uint32_t major, uint32_t minor,
		      struct p9_qid *qid)
{
	struct hp_call c;

	call_init(&c, HP_MKNOD, uid, gid);
	c.req.u.mknod.dhandle = dhandle;
	c.req.u.mknod.name = name;
	c.req.u.mknod.mode = mode;
	c.req.u.mknod.major = major;
	c.req.u.mknod.minor = minor;
	return call_qid(h, &c, qid);
}

int helper_call_link(struct helper *h, uint32_t uid, uint32_t dhandle, uint32_t handle,
		     struct p9_str name)
{
	struct hp_call c;

	call_init(&c, HP_LINK, uid, HP_GID_DEFAULT);
	c.req.u.link.dhandle = dhandle;
	c.req.u.link.handle = handle;
	c.req.u.link.name = name;
	return call_noresult(h, &c);
}

int helper_call_renameat(struct helper *h, uint32_t uid, uint32_t olddhandle, struct p9_str oldname,
			 uint32_t newdhandle, struct p9_str newname)
{
	struct hp_call c;

	call_init(&c, HP_RENAMEAT, uid, HP_GID_DEFAULT);
	c.req.u.renameat.olddhandle = olddhandle;
	c.req.u.renameat.oldname = oldname;
	c.req.u.renameat.newdhandle = newdhandle;
	c.req.u.renameat.newname = newname;
	return call_noresult(h, &c);
}

int helper_call_rename(struct helper *h, uint32_t uid, uint32_t handle, uint32_t newdhandle,
		       struct p9_str newname)
{
	struct hp_call c;

	call_init(&c, HP_RENAME, uid, HP_GID_DEFAULT);
	c.req.u.rename.handle = handle;
	c.req.u.rename.newdhandle = newdhandle;
	c.req.u.rename.newname = newname;
	return call_noresult(h, &c);
}

int helper_call_unlinkat(struct helper *h, uint32_t uid, uint32_t dhandle, struct p9_str name,
			 uint32_t flags)
{
	struct hp_call c;

	call_init(&c, HP_UNLINKAT, uid, HP_GID_DEFAULT);
	c.req.u.unlinkat.dhandle = dhandle;
	c.req.u.unlinkat.name = name;
	c.req.u.unlinkat.flags = flags;
	return call_noresult(h, &c);
}

int helper_call_remove(struct helper *h, uint32_t uid, uint32_t handle)
{
	struct hp_call c;

	call_init(&c, HP_REMOVE, uid, HP_GID_DEFAULT);
	c.req.u.h.handle = handle;
	return call_noresult(h, &c);
}

int helper_call_readlink(struct helper *h, uint32_t uid, uint32_t handle, char *buf, size_t bufsz)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_READLINK, uid, HP_GID_DEFAULT);
	c.req.u.h.handle = handle;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	if (p9_str_copy(buf, bufsz, c.rep.u.readlink.target) < 0)
		rc = -ENAMETOOLONG;
	hp_call_done(&c);
	return rc;
}

int helper_call_statfs(struct helper *h, uint32_t uid, uint32_t handle, struct p9_rstatfs *st)
{
	struct hp_call c;
	int rc;

	call_init(&c, HP_STATFS, uid, HP_GID_DEFAULT);
	c.req.u.h.handle = handle;
	rc = helper_call(h, &c);
	if (rc < 0)
		return rc;
	*st = c.rep.u.statfs.st;
	hp_call_done(&c);
	return 0;
}

/* The common tail of XATTRGET/XATTRLIST. */
static int call_data(struct helper *h, struct hp_call *c, void *buf, uint32_t size, uint32_t *len)
{
	int rc = helper_call(h, c);

	if (rc < 0)
		return rc;
	*len = c->rep.u.data.len;
	if (size != 0) {
		if (*len > size || !c->rep.u.data.data)
			rc = -EIO;
		else
			memcpy(buf, c->rep.u.data.data, *len);
	}
	hp_call_done(c);
	return rc;
}

int helper_call_xattrget(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name,
			 void *buf, uint32_t size, uint32_t *len)
{
	struct hp_call c;

	call_init(&c, HP_XATTRGET, uid, HP_GID_DEFAULT);
	c.req.u.xattrget.handle = handle;
	c.req.u.xattrget.name = name;
	c.req.u.xattrget.size = size;
	return call_data(h, &c, buf, size, len);
}

int helper_call_xattrlist(struct helper *h, uint32_t uid, uint32_t handle, void *buf, uint32_t size,
			  uint32_t *len)
{
	struct hp_call c;

	call_init(&c, HP_XATTRLIST, uid, HP_GID_DEFAULT);
	c.req.u.xattrlist.handle = handle;
	c.req.u.xattrlist.size = size;
	return call_data(h, &c, buf, size, len);
}

int helper_call_xattrset(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name,
			 uint32_t flags, const void *value, uint32_t len)
{
	struct hp_call c;

	call_init(&c, HP_XATTRSET, uid, HP_GID_DEFAULT);
	c.req.u.xattrset.handle = handle;
	c.req.u.xattrset.name = name;
	c.req.u.xattrset.flags = flags;
	c.req.u.xattrset.len = len;
	c.req.u.xattrset.value = value;
	return call_noresult(h, &c);
}

int helper_call_xattrremove(struct helper *h, uint32_t uid, uint32_t handle, struct p9_str name)
{
	struct hp_call c;

	call_init(&c, HP_XATTRREMOVE, uid, HP_GID_DEFAULT);
	c.req.u.xattrremove.handle = handle;
	c.req.u.xattrremove.name = name;
	return call_noresult(h, &c);
}

int helper_call_session_start(struct helper *h, uint32_t session, const char *peer)
{
	struct hp_call c;

	call_init(&c, HP_SESSION_START, 0, HP_GID_DEFAULT);
	c.req.session = session;
	c.req.u.session_start.session = session;
	c.req.u.session_start.peer = p9_str_c(peer);
	return call_noresult(h, &c);
}

int helper_call_session_end(struct helper *h, uint32_t session)
{
	struct hp_call c;

	call_init(&c, HP_SESSION_END, 0, HP_GID_DEFAULT);
	c.req.session = session;
	c.req.u.session_end.session = session;
	return call_noresult(h, &c);
}
