/*
 * fuzz_p9_client.c - libFuzzer target for the client library's reply
 * handling (reader thread, tag matching, sinks, the synchronous calls).
 *
 * A p9_client is opened on one end of a socketpair.  A script thread runs
 * a fixed sequence of calls (version, attach, walks, open, a multi-chunk
 * read, a directory listing, readlink, getlock, xattr get, a flush, a raw
 * frame, ...), carrying on whatever each returns.  The fuzzer plays the
 * server on the other end: the input is a list of chunks
 *
 *	len[2] flags[1] bytes[len]
 *
 * each written as the "reply" to the oldest request not yet answered.
 * Unless flags bit 0 is set, bytes 5..6 of the chunk are replaced by that
 * request's tag, so the fuzzer reaches the reply bodies; with bit 1 the
 * chunk is sent without waiting for a request.  When the input is used up
 * the server side shuts down, so every call ends: a run is bounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9client/p9_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCRIPT_TIMEOUT_MS 3000
#define WAIT_REQ_MS 10
#define MAX_PENDING 64

struct server {
	int fd;
	uint16_t tags[MAX_PENDING]; /* requests read, not yet answered (FIFO) */
	unsigned int head, n;
	uint8_t *rbuf;
};

static int trace = -1;

/* FUZZ_CLIENT_TRACE=1 in the environment shows each step's result. */
static void step(const char *what, long rc)
{
	if (trace < 0)
		trace = getenv("FUZZ_CLIENT_TRACE") != NULL;
	if (trace)
		fprintf(stderr, "fuzz_p9_client: %-12s %ld\n", what, rc);
}

static void script_io(struct p9_client *c)
{
	const char *names[3] = {"a", "b", "c"};
	struct p9_qid qids[P9_MAXWELEM], qid;
	struct p9_rgetattr ga;
	struct p9_rstatfs sf;
	struct p9_getlock gl = {.fid = 1, .type = P9_LOCK_TYPE_WRLCK}, glout;
	struct p9_tlock lk = {.fid = 1, .type = P9_LOCK_TYPE_RDLCK};
	struct p9_tsetattr sa = {.valid = P9_SETATTR_MODE, .mode = 0644};
	struct p9_msg t = {.type = P9_TGETATTR};
	struct p9c_req *r, *fr;
	struct p9c_dir dir;
	struct p9_dirent ent;
	char cid[16], link[64];
	uint8_t *big, dbuf[256], xbuf[64];
	uint32_t iounit;
	uint8_t status;
	const struct p9_msg *m;
	static const uint8_t raw[] = {11, 0, 0, 0, P9_TCLUNK, 0, 0, 1, 0, 0, 0};
	int i, rc = 0;

	step("attach", p9c_attach(c, 0, P9_NOFID, "fuzz", "", P9_NONUNAME, &qid));
	step("walk", p9c_walk(c, 0, 1, 3, names, qids));
	step("walk_path", p9c_walk_path(c, 0, 2, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", &qid));
	step("lopen", p9c_lopen(c, 1, P9_DOTL_RDWR, &qid, &iounit));
	big = malloc(3 * (size_t)p9c_iosize(c));
	if (big) {
		step("read", p9c_read(c, 1, 0, big, 3 * (size_t)p9c_iosize(c)));
		memset(big, 'w', 2 * (size_t)p9c_iosize(c));
		step("write", p9c_write(c, 1, 0, big, 2 * (size_t)p9c_iosize(c)));
		free(big);
	}
	p9c_dir_init(&dir, c, 1, dbuf, sizeof(dbuf), 0);
	for (i = 0; i < 64 && (rc = p9c_dir_next(&dir, &ent)) > 0; i++)
		;
	step("dir_next", rc);
	step("readlink", p9c_readlink(c, 1, link, sizeof(link)));
	step("getlock", p9c_getlock(c, &gl, &glout, cid, sizeof(cid)));
	step("lock", p9c_lock(c, &lk, &status));
	step("getattr", p9c_getattr(c, 1, P9_GETATTR_ALL, &ga));
	step("setattr", p9c_setattr(c, 1, &sa));
	step("statfs", p9c_statfs(c, 1, &sf));
	step("xattr_get", p9c_xattr_get(c, 1, "user.x", xbuf, sizeof(xbuf)));
	step("xattr_set", p9c_xattr_set(c, 1, "user.y", "v", 1, 0));
	step("mkdir", p9c_mkdir(c, 0, "d", 0755, 0, &qid));
	step("lcreate", p9c_lcreate(c, 0, "f", P9_DOTL_CREATE, 0644, 0, &qid, &iounit));
	step("unlinkat", p9c_unlinkat(c, 0, "f", 0));

	/* An asynchronous request flushed while in flight. */
	t.u.tgetattr.fid = 1;
	t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	if (p9c_start(c, &t, NULL, 0, &r) == 0) {
		step("flush", p9c_flush(c, r));
		if (p9c_wait_sync(r) == 0)
			step("flushed", p9c_result(r, &m));
		p9c_release(r);
	}
	/* A raw frame whose reply type is not checked. */
	if (p9c_start_raw(c, raw, sizeof(raw), &fr) == 0) {
		if (p9c_wait_sync(fr) == 0)
			step("raw", p9c_result(fr, &m));
		p9c_release(fr);
	}
	step("clunk", p9c_clunk(c, 1));
	(void)p9c_dead_reason(c);
}

static void *script_main(void *arg)
{
	struct p9_client *c = arg;

	if (p9c_version(c, 8192) == 0)
		script_io(c);
	else
		p9c_attach(c, 0, P9_NOFID, "", "", 0, NULL);
	return NULL;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	ssize_t got;

	while (n) {
		got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

/* Read one request if one comes within ms; record its tag.  -1 on EOF. */
static int server_take(struct server *s, int ms)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
	uint32_t sz;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (read_full(s->fd, s->rbuf, 4))
		return -1;
	sz = (uint32_t)s->rbuf[0] | (uint32_t)s->rbuf[1] << 8 | (uint32_t)s->rbuf[2] << 16 |
	     (uint32_t)s->rbuf[3] << 24;
	if (sz < P9_HDR_SIZE || sz > P9_MAX_MSIZE)
		return -1;
	if (read_full(s->fd, s->rbuf + 4, sz - 4))
		return -1;
	if (s->n < MAX_PENDING) {
		s->tags[(s->head + s->n) % MAX_PENDING] = (uint16_t)(s->rbuf[5] | s->rbuf[6] << 8);
		s->n++;
	}
	return 1;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	ssize_t put;

	while (n) {
		put = send(fd, p, n, MSG_NOSIGNAL);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		p += put;
		n -= (size_t)put;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server s = {.fd = -1};
	struct p9_client *c = NULL;
	pthread_t th;
	uint8_t chunk[65536 + 8];
	size_t pos = 0, len;
	uint8_t flags;
	int sv[2], eof = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	s.fd = sv[1];
	s.rbuf = malloc(P9_MAX_MSIZE);
	if (!s.rbuf || p9c_open_fd(sv[0], &c) != 0) {
		close(sv[0]);
		goto out;
	}
	p9c_set_timeout(c, SCRIPT_TIMEOUT_MS);
	if (pthread_create(&th, NULL, script_main, c) != 0) {
		p9c_close(c);
		goto out;
	}

	while (pos + 3 <= size && !eof) {
		len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		flags = data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		memcpy(chunk, data + pos, len);
		pos += len;
		if (!(flags & 2) && s.n == 0 && server_take(&s, WAIT_REQ_MS) < 0)
			eof = 1;
		if (len >= P9_HDR_SIZE && !(flags & 1) && s.n) {
			uint16_t tag = s.tags[s.head];

			chunk[5] = (uint8_t)tag;
			chunk[6] = (uint8_t)(tag >> 8);
		}
		if (s.n && !(flags & 2)) {
			s.head = (s.head + 1) % MAX_PENDING;
			s.n--;
		}
		if (len && write_full(s.fd, chunk, len))
			eof = 1;
	}
	/* Input used up: the "server" hangs up; every call in flight ends. */
	shutdown(s.fd, SHUT_WR);
	fcntl(s.fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		/* Drain what the client still sends until the script is done. */
		if (pthread_tryjoin_np(th, NULL) == 0)
			break;
		if (server_take(&s, 5) < 0) {
			pthread_join(th, NULL);
			break;
		}
		s.n = 0;
	}
	p9c_close(c);
out:
	free(s.rbuf);
	close(sv[1]);
	return 0;
}
