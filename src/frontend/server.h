/*
 * server.h - the frontend's main loop: listeners, connections, signals,
 * the worker pool and the helper connection.  Runs after the privilege drop.
 */
#ifndef P9G_FE_SERVER_H
#define P9G_FE_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "frontend/conn.h"

struct fe_options;

struct server {
	struct conn_host host; /* first: what the connections see of us */
	const struct fe_options *opt;
	struct helper *helper;
	struct workq *wq;
	int wake_efd; /* eventfd: a connected-fd session ended */
	int spare_fd; /* kept free to turn a client away when out of descriptors */
	int64_t accept_paused_until; /* CLOCK_MONOTONIC ms; 0 = accepting */
	const bool *listen_vhost_user; /* per listening socket: vhost-user front-ends */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* nconns went down */
	struct conn *conns;
	unsigned int nconns;
	uint32_t next_session;
};

/*
 * Serve until SIGTERM/SIGINT (exit code 0), the end of a connected-fd
 * session (0), or the helper's death (1).  listen_fds are listening sockets
 * (listen_vhost_user[i]: of vhost-user front-ends, else of 9P byte streams);
 * connected_fd (-1 if none) is one already-connected client.  The helper
 * socket is taken over.  Returns the process exit code.
 */
int server_run(const struct fe_options *o, const int *listen_fds, const bool *listen_vhost_user,
	       unsigned int nlisten, int connected_fd, int helper_sock);


#endif
