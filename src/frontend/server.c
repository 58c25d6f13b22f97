/* server.c - the frontend's main loop (see server.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "frontend/conn.h"
#include "frontend/helper_client.h"
#include "frontend/options.h"
#include "frontend/p9_ops.h"
#include "frontend/server.h"
#include "frontend/vu_dev.h"
#include "frontend/workq.h"

#define SERVER_DRAIN_SECONDS 5
/* Out of descriptors and no spare one: stop accepting this long. */
#define SERVER_ACCEPT_PAUSE_MS 100

/* "unix:uid=1000,gid=1000,pid=42" or "tcp:10.0.2.2:5555": reported, not verified. */
static void peer_describe(int fd, char *buf, size_t sz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, sz, "unknown");
		return;
	}
	if (ss.ss_family == AF_UNIX) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
			snprintf(buf, sz, "unix:uid=%u,gid=%u,pid=%ld", (unsigned int)cred.uid,
				 (unsigned int)cred.gid, (long)cred.pid);
		else
			snprintf(buf, sz, "unix:unknown");
		return;
	}
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, sz, "unknown");
		return;
	}
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, sz, "tcp:%s:%u", addr, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, sz, "tcp:[%s]:%u", addr, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, sz, "family-%d", ss.ss_family);
	}
}

static void server_add_conn(struct server *s, int fd, bool exit_on_close, bool vhost_user)
{
	char peer[CONN_PEER_MAX], who[CONN_PEER_MAX - 16];
	int rc;

	peer_describe(fd, who, sizeof(who));
	snprintf(peer, sizeof(peer), "%s%s", vhost_user ? "vhost-user " : "", who);
	pthread_mutex_lock(&s->lock);
	rc = s->nconns >= s->opt->max_conns;
	pthread_mutex_unlock(&s->lock);
	if (rc) {
		log_warn("%s: too many connections (%u, --max-connections); refused", peer,
			 s->opt->max_conns);
		close(fd);
		return;
	}
	rc = conn_start(&s->host, fd, peer, exit_on_close,
			vhost_user ? &vu_dev_transport : &conn_stream_transport);
	if (rc < 0)
		log_err("%s: cannot start the session: %s", peer, strerror(-rc));
}

/* conn_host.joined: a new connection, in the list, with its session number. */
static uint32_t server_conn_joined(struct conn_host *h, struct conn *c)
{
	struct server *s = (struct server *)h;
	uint32_t session;

	pthread_mutex_lock(&s->lock);
	session = ++s->next_session;
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	pthread_mutex_unlock(&s->lock);
	return session;
}

/* conn_host.gone: a connection has finished tearing down: unlink it and
 * close its socket. */
static void server_conn_gone(struct conn_host *h, struct conn *c)
{
	struct server *s = (struct server *)h;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	for (struct conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	/* Closed under the lock: server_close_all() never sees a stale number. */
	close(c->fd);
	c->fd = -1;
	s->nconns--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (c->exit_on_close && write(s->wake_efd, &one, sizeof(one)) < 0)
		log_err("cannot wake the main loop: %s", strerror(errno));
}

/* Stop every session: stop reading, let in-flight requests answer, then cut. */
static void server_close_all(struct server *s)
{
	struct timespec deadline;
	int how = SHUT_RD;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += SERVER_DRAIN_SECONDS;
	pthread_mutex_lock(&s->lock);
	while (s->nconns > 0) {
		for (struct conn *c = s->conns; c; c = c->next)
			shutdown(c->fd, how);
		if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT &&
		    how == SHUT_RD) {
			/* A client that does not read its replies: cut it off. */
			log_warn("%u session(s) still draining; closing them", s->nconns);
			how = SHUT_RDWR;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * accept() failed with EMFILE/ENFILE.  The client stays queued, so poll()
 * would report the listening socket again at once, for ever.  Free the
 * spare descriptor, accept the client and close it (it sees its connection
 * end instead of waiting for nothing), then take the spare back.  When
 * even that fails, stop accepting for a moment instead of spinning.
 */
static void server_refuse_one(struct server *s, int lfd, int err)
{
	static struct fdlimit_ratelimit rl = FDLIMIT_RATELIMIT_INIT;
	int fd = -1;

	fdlimit_warn(&rl, "a new connection closed unserved", err);
	if (s->spare_fd >= 0) {
		close(s->spare_fd);
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		s->spare_fd = eventfd(0, EFD_CLOEXEC);
	}
	if (fd < 0)
		s->accept_paused_until = monotonic_ms() + SERVER_ACCEPT_PAUSE_MS;
}

static int block_signals(int *sfd)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Before any thread exists, so that every thread inherits the mask. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return *sfd < 0 ? -1 : 0;
}

static int server_hello(struct server *s)
{
	struct hp_r_hello r = {0};
	int rc = helper_call_hello(s->helper, 0, HP_GID_DEFAULT, &(struct hp_hello){HP_VERSION}, &r,
				   NULL, NULL);
	uint32_t version = r.version, max_msg = r.max_msg;

	if (rc < 0) {
		log_err("the helper did not answer HELLO: %s", strerror(-rc));
		return -1;
	}
	if (version != HP_VERSION) {
		log_err("helper protocol version %u, expected %u: mismatched installation", version,
			HP_VERSION);
		return -1;
	}
	log_debug("helper speaks protocol version %u (max message %u)", version, max_msg);
	return 0;
}

/* One turn of the loop.  Returns -1 to stop. */
static int server_poll_once(struct server *s, struct pollfd *pfd, unsigned int npfd, int *exit_code)
{
	int timeout = -1;

	if (s->accept_paused_until) {
		int64_t left = s->accept_paused_until - monotonic_ms();

		if (left > 0) {
			npfd = 3; /* signals, the helper's death and the wake-up only */
			timeout = (int)left;
		} else {
			s->accept_paused_until = 0;
		}
	}
	if (poll(pfd, npfd, timeout) < 0)
		return errno == EINTR ? 0 : -1;
	if (pfd[0].revents) {
		struct signalfd_siginfo si;

		while (read(pfd[0].fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				/* The frontend cannot signal the helper (Landlock
				 * signal scope); the operator does, see p9guard(8). */
				log_info("SIGHUP ignored (to reopen the audit file, send it to "
					 "p9guard-helper)");
				continue;
			}
			log_info("signal %u: shutting down", si.ssi_signo);
			*exit_code = 0;
			return -1;
		}
	}
	if (pfd[1].revents) {
		/* A sandboxed frontend cannot waitpid() for the status; say what it knows. */
		log_err("the helper is gone (its socket closed: it exited or was killed); its "
			"pending and later requests fail with EIO; stopping with status 1");
		*exit_code = 1;
		return -1;
	}
	if (pfd[2].revents) {
		log_info("the connection ended: exiting");
		*exit_code = helper_is_dead(s->helper) ? 1 : 0;
		return -1;
	}
	for (unsigned int i = 3; i < npfd; i++) {
		int fd;

		if (!pfd[i].revents)
			continue;
		fd = accept4(pfd[i].fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (fdlimit_errno(errno))
				server_refuse_one(s, pfd[i].fd, errno);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("accept: %s", strerror(errno));
			continue;
		}
		server_add_conn(s, fd, false, s->listen_vhost_user[i - 3]);
	}
	return 0;
}

int server_run(const struct fe_options *o, const int *listen_fds, const bool *listen_vhost_user,
	       unsigned int nlisten, int connected_fd, int helper_sock)
{
	struct server s = {
	    .opt = o, .wake_efd = -1, .spare_fd = -1, .listen_vhost_user = listen_vhost_user};
	struct pollfd pfd[3 + LISTEN_MAX_FDS];
	int sfd = -1, death_efd = -1, exit_code = 1, rc;

	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	if (block_signals(&sfd) < 0) {
		log_err("cannot set up signal handling: %s", strerror(errno));
		goto out_sock;
	}
	death_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s.wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s.spare_fd = eventfd(0, EFD_CLOEXEC);
	if (death_efd < 0 || s.wake_efd < 0 || s.spare_fd < 0) {
		log_err("eventfd: %s", strerror(errno));
		goto out_sock;
	}
	rc = helper_start(&s.helper, helper_sock, death_efd, o->busy_poll);
	if (rc < 0) {
		log_err("cannot start the helper client: %s", strerror(-rc));
		goto out_sock;
	}
	helper_sock = -1;
	if (server_hello(&s) < 0)
		goto out_helper;
	rc = workq_create(&s.wq, o->threads);
	if (rc < 0) {
		log_err("cannot start %u worker threads: %s", o->threads, strerror(-rc));
		goto out_helper;
	}
	s.host = (struct conn_host){.opt = o,
				    .helper = s.helper,
				    .wq = s.wq,
				    .op_lookup = p9_op_lookup,
				    .dispatch = p9_dispatch,
				    .joined = server_conn_joined,
				    .gone = server_conn_gone};

	pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = death_efd, .events = POLLIN};
	pfd[2] = (struct pollfd){.fd = s.wake_efd, .events = POLLIN};
	for (unsigned int i = 0; i < nlisten; i++)
		pfd[3 + i] = (struct pollfd){.fd = listen_fds[i], .events = POLLIN};
	if (connected_fd >= 0)
		server_add_conn(&s, connected_fd, true, false);
	log_info("ready");
	while (server_poll_once(&s, pfd, 3 + nlisten, &exit_code) == 0)
		;
	/* Stop accepting first, then wind the sessions down. */
	for (unsigned int i = 0; i < nlisten; i++)
		close(listen_fds[i]);
	server_close_all(&s);
	workq_destroy(s.wq);
	if (helper_is_dead(s.helper))
		exit_code = 1;

out_helper:
	helper_stop(s.helper);
out_sock:
	if (helper_sock >= 0)
		close(helper_sock);
	if (death_efd >= 0)
		close(death_efd);
	if (s.wake_efd >= 0)
		close(s.wake_efd);
	if (s.spare_fd >= 0)
		close(s.spare_fd);
	if (sfd >= 0)
		close(sfd);
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	return exit_code;
}
