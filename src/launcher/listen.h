/*
 * listen.h - create or adopt the sockets clients connect to (start-up only,
 * as root; failures are fatal and name the --listen value).
 */
#ifndef P9G_LAUNCHER_LISTEN_H
#define P9G_LAUNCHER_LISTEN_H

#include <sys/types.h>

#include "frontend/options.h"

struct listen_set {
	int fds[LISTEN_MAX_FDS]; /* listening sockets, non-blocking, close-on-exec */
	bool vhost_user[LISTEN_MAX_FDS]; /* fds[i] takes vhost-user front-ends */
	unsigned int n;
	int connected_fd; /* connected-fd:N, or -1 */
};

/* Socket file ownership and mode for unix:PATH listeners. */
struct listen_perm {
	uid_t uid; /* (uid_t)-1: leave */
	gid_t gid; /* (gid_t)-1: leave */
	unsigned int mode;
};

/* Open every --listen address of o into *ls; dies on failure. */
void listen_open_all(const struct fe_options *o, const struct listen_perm *perm,
		     struct listen_set *ls);

#endif
