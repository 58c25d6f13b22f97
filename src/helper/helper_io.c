/*
 * helper_io.c - the worker threads.
 *
 * Every worker does recvmsg() on the SOCK_SEQPACKET socket itself (one
 * packet = one request), dispatches, and sendmsg()s the reply, with the
 * descriptor for OPEN/LCREATE as SCM_RIGHTS.  Replies go out in whatever
 * order requests finish; the frontend matches them by reqid.
 *
 * The handshake is served by the main thread before the workers start, so
 * no request can overtake it.  End of file on the socket (the frontend went
 * away) ends the worker; when all have ended the helper exits 0.  Anything
 * malformed - a packet too long, a descriptor from the frontend, a message
 * that does not decode - is a protocol violation and the helper exits.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

struct worker {
	pthread_t tid;
	struct helper_env *env;
	uint8_t *in, *out;
	char *scratch;
};

/* Close every descriptor the frontend tried to pass: we never accept one. */
static bool drop_passed_fds(struct msghdr *mh)
{
	bool any = false;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < n; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
		}
		any = true;
	}
	return any;
}

/* One packet; its length, 0 at end of file. */
static size_t recv_packet(struct worker *w)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { .iov_base = w->in, .iov_len = HP_MAX_MSG };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(w->env->sock, &mh, MSG_CMSG_CLOEXEC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return 0;
		log_err("recvmsg from the frontend: %s", strerror(errno));
		_exit(EXIT_FAILURE);
	}
	if (drop_passed_fds(&mh))
		helper_violation("the frontend sent control data (descriptors)");
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		helper_violation("a packet longer than %u bytes", HP_MAX_MSG);
	return (size_t)n;
}

/* Send one reply, with fd attached when fd >= 0.  false: the peer is gone. */
static bool send_reply(struct worker *w, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = w->out, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do {
		n = sendmsg(w->env->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EPIPE || errno == ECONNRESET)
			return false;
		log_err("sendmsg to the frontend: %s", strerror(errno));
		_exit(EXIT_FAILURE);
	}
	return true;
}

/* Receive, run and answer one request; false at end of file. */
static bool serve_one(struct worker *w)
{
	struct hp_req req;
	struct hp_rep rep;
	struct helper_ctx c = {
		.env = w->env,
		.req = &req,
		.rep = &rep,
		.out_fd = -1,
		.scratch = w->scratch,
		.scratch_size = HP_MAX_XATTR_VALUE + 1,
	};
	size_t len, outlen;
	bool alive;
	int err;

	len = recv_packet(w);
	if (len == 0)
		return false;
	err = hp_decode_req(w->in, len, &req);
	if (err)
		helper_violation("malformed request (%zu bytes): %s", len, hp_strerror(err));
	memset(&rep, 0, sizeof(rep));
	if (!helper_dispatch(&c))
		return true;
	err = hp_encode_rep(w->out, HP_MAX_MSG, &rep, &outlen);
	if (err) {
		/* Our own reply does not encode: a helper bug, answer EIO. */
		log_err("cannot encode the %s reply: %s", hp_op_name(req.op), hp_strerror(err));
		if (c.out_fd >= 0)
			close(c.out_fd);
		c.out_fd = -1;
		memset(&rep.u, 0, sizeof(rep.u));
		rep.error = EIO;
		if (hp_encode_rep(w->out, HP_MAX_MSG, &rep, &outlen))
			_exit(EXIT_FAILURE);
	}
	alive = send_reply(w, outlen, c.out_fd);
	if (c.out_fd >= 0)
		close(c.out_fd);	/* the frontend has its own copy now */
	if (req.op == HP_HELLO && rep.error) {
		log_err("handshake refused; exiting");
		exit(EXIT_FAILURE);
	}
	return alive;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (serve_one(w))
		;
	return NULL;
}

static int worker_alloc(struct worker *w, struct helper_env *env)
{
	w->env = env;
	w->in = malloc(HP_MAX_MSG);
	w->out = malloc(HP_MAX_MSG);
	w->scratch = malloc(HP_MAX_XATTR_VALUE + 1);
	return w->in && w->out && w->scratch ? 0 : ENOMEM;
}

static void worker_free(struct worker *w)
{
	free(w->in);
	free(w->out);
	free(w->scratch);
}

int helper_serve(struct helper_env *env, unsigned int nthreads)
{
	struct worker *w;
	unsigned int started = 0;
	int rc = EXIT_SUCCESS;

	w = calloc(nthreads, sizeof(*w));
	if (!w)
		die("out of memory for %u workers", nthreads);
	for (unsigned int i = 0; i < nthreads; i++)
		if (worker_alloc(&w[i], env))
			die("out of memory for %u workers", nthreads);

	/* The handshake first, alone (the dispatcher insists it comes first). */
	if (!serve_one(&w[0])) {
		log_info("the frontend went away before the handshake");
		goto free_workers;
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		int err = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);

		if (err) {
			log_err("cannot start worker %u: %s", i, strerror(err));
			if (started == 0)
				rc = EXIT_FAILURE;
			break;
		}
		started++;
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	if (started)
		log_info("the frontend closed the connection; exiting");
free_workers:
	/* Freed even on the way out, so that a leak check at exit sees only
	 * real leaks. */
	for (unsigned int i = 0; i < nthreads; i++)
		worker_free(&w[i]);
	free(w);
	return rc;
}
