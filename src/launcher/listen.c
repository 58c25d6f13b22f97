/* listen.c - listening sockets for p9guard (see listen.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "launcher/listen.h"

#define LISTEN_BACKLOG 64
#define SD_LISTEN_FDS_START 3

static void listen_add(struct listen_set *ls, int fd, const char *spec)
{
	if (ls->n == LISTEN_MAX_FDS)
		die("--listen %s: more than %d listening sockets", spec, LISTEN_MAX_FDS);
	ls->fds[ls->n++] = fd;
}

static void open_unix(const struct listen_addr *a, const struct listen_perm *perm,
		      struct listen_set *ls)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old_umask;
	int fd, rc;

	/* A stale socket from an earlier run is replaced; anything else is not ours. */
	if (lstat(a->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("--listen %s: %s exists and is not a socket; refusing to replace it",
			    a->spec, a->path);
		if (unlink(a->path) < 0)
			die_errno("--listen %s: cannot remove the stale socket", a->spec);
	} else if (errno != ENOENT) {
		die_errno("--listen %s", a->spec);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die_errno("--listen %s: socket", a->spec);
	memcpy(sun.sun_path, a->path, strlen(a->path) + 1);
	/* Created owner-only, then opened up as asked: no window with a wider mode. */
	old_umask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (rc < 0)
		die_errno("--listen %s: bind", a->spec);
	if ((perm->uid != (uid_t)-1 || perm->gid != (gid_t)-1) &&
	    lchown(a->path, perm->uid, perm->gid) < 0)
		die_errno("--socket-owner: cannot change the owner of %s", a->path);
	if (lstat(a->path, &st) < 0 || !S_ISSOCK(st.st_mode))
		die("--listen %s: the socket disappeared after bind", a->spec);
	if (chmod(a->path, perm->mode) < 0)
		die_errno("--socket-mode: cannot change the mode of %s", a->path);
	if (listen(fd, LISTEN_BACKLOG) < 0)
		die_errno("--listen %s: listen", a->spec);
	listen_add(ls, fd, a->spec);
	log_info("listening on %s (mode %04o)", a->spec, perm->mode);
}

static void open_tcp(const struct listen_addr *a, struct listen_set *ls)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	unsigned int bound = 0;
	int rc, saved = 0;

	rc = getaddrinfo(a->host, a->port, &hints, &res);
	if (rc != 0)
		die("--listen %s: cannot resolve %s: %s", a->spec, a->host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1;
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				ai->ai_protocol);

		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* Accepted sockets inherit it: no setsockopt once sandboxed. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
			saved = errno;
			close(fd);
			continue;
		}
		listen_add(ls, fd, a->spec);
		bound++;
	}
	freeaddrinfo(res);
	if (bound == 0) {
		errno = saved;
		die_errno("--listen %s: cannot listen", a->spec);
	}
	log_info("listening on %s", a->spec);
}

/* Adopt an inherited socket: it must be one, listening or connected as said. */
static void adopt_fd(const char *spec, int fd, int want_listening)
{
	int listening = 0;
	socklen_t len = sizeof(listening);
	struct stat st;

	if (fstat(fd, &st) < 0)
		die_errno("--listen %s: file descriptor %d", spec, fd);
	if (!S_ISSOCK(st.st_mode))
		die("--listen %s: file descriptor %d is not a socket", spec, fd);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		die_errno("--listen %s: file descriptor %d", spec, fd);
	if (!!listening != want_listening)
		die("--listen %s: file descriptor %d is %s", spec, fd,
		    listening ? "a listening socket, not a connected one"
			      : "not a listening socket");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--listen %s: file descriptor %d", spec, fd);
	if (want_listening) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die_errno("--listen %s: file descriptor %d", spec, fd);
	}
}

/* sd_listen_fds(3) semantics, without libsystemd. */
static void open_systemd(const struct listen_addr *a, struct listen_set *ls)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	char *end;
	long pid, n;

	if (!pid_s || !fds_s)
		die("--listen systemd: LISTEN_PID/LISTEN_FDS are not set (not socket-activated)");
	pid = strtol(pid_s, &end, 10);
	if (*end || pid != (long)getpid())
		die("--listen systemd: LISTEN_PID=%s is not this process", pid_s);
	n = strtol(fds_s, &end, 10);
	if (*end || n <= 0 || n > LISTEN_MAX_FDS)
		die("--listen systemd: LISTEN_FDS=%s is not a usable count", fds_s);
	for (long i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + (int)i;

		adopt_fd(a->spec, fd, 1);
		listen_add(ls, fd, a->spec);
	}
	/* Not for the helper's eyes. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	log_info("listening on %ld socket-activated socket(s)", n);
}

void listen_open_all(const struct fe_options *o, const struct listen_perm *perm,
		     struct listen_set *ls)
{
	unsigned int marked = 0, nvhost = 0;

	ls->n = 0;
	ls->connected_fd = -1;
	for (unsigned int i = 0; i < o->nlisten; i++)
		nvhost += listen_kind_vhost_user(o->listen[i].kind);
	for (unsigned int i = 0; i < o->nlisten; i++) {
		const struct listen_addr *a = &o->listen[i];

		switch (a->kind) {
		case LISTEN_UNIX:
			open_unix(a, perm, ls);
			break;
		case LISTEN_TCP:
			open_tcp(a, ls);
			break;
		case LISTEN_FD:
			adopt_fd(a->spec, a->fd, 1);
			listen_add(ls, a->fd, a->spec);
			break;
		case LISTEN_SYSTEMD:
			open_systemd(a, ls);
			break;
		case LISTEN_CONNECTED_FD:
			adopt_fd(a->spec, a->fd, 0);
			ls->connected_fd = a->fd;
			break;
		case LISTEN_VHOST_USER:
			open_unix(a, perm, ls);
			break;
		case LISTEN_VHOST_USER_FD:
			adopt_fd(a->spec, a->fd, 1);
			listen_add(ls, a->fd, a->spec);
			break;
		}
		/* What each socket's connections are: 9P byte streams or virtio devices. */
		while (marked < ls->n)
			ls->vhost_user[marked++] = listen_kind_vhost_user(a->kind);
	}
	if (nvhost)
		log_info("virtio mount tag: %s", o->tag);
}
