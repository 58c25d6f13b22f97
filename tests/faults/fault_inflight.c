/*
 * fault_inflight.c - a client that vanishes with many requests in flight.
 *
 * inflight SOCK ROUND: a raw socket (the client library would read every
 * reply; this client stops reading, as a crashed guest does) negotiates,
 * attaches, opens EXPORT/big for reading and EXPORT/dirty for writing,
 * then sends without waiting: 64 Treads of 64 KiB (4 MiB of replies, more
 * than the socket holds, so the frontend's writer blocks), 64 Twalks of 16
 * names (EXPORT/d/d/.../d) each to a new fid, and Twrites with Tfsyncs (the
 * slow ones).  The frontend stops reading at --max-requests (64), so
 * requests sit in its queues, in the helper and in the socket.  Then the client closes: right away (ROUND % 3 == 0), after
 * 50 ms (1), or after reading a few replies (2).  run.sh counts the
 * daemons' descriptors and threads afterwards.  With the frontend's and the
 * helper's pids, it notes their descriptor counts at the moment it hangs up
 * (evidence that the requests were in flight then).
 *
 * walksdie SOCK HELPER-PID: the same setup, then 64 Twalks of 16 names
 * sent without waiting (so they queue for the frontend's workers, whose
 * helper calls are asynchronous), then SIGKILL to the helper.  Every
 * Twalk must still be answered (Rwalk or Rlerror), or the connection
 * closed, within FT_CALL_TIMEOUT_MS: none may be left hanging.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "p9_wire.h"

#define IF_MSIZE (1024u * 1024u)
#define IF_BURST 64
#define IF_DEPTH 16
#define IF_READ (64u * 1024u)
#define IF_WRITE (16u * 1024u)

struct raw {
	int fd;
	uint16_t next_tag;
	uint8_t *buf; /* IF_MSIZE bytes, for encoding and receiving */
};

/* Send one message; with `nowait`, give up after 200 ms of a full socket.
 * 0, or -1 with errno. */
static int raw_send(struct raw *r, struct p9_msg *m, bool nowait)
{
	size_t len, done = 0;

	m->tag = m->type == P9_TVERSION ? P9_NOTAG : r->next_tag++;
	if (p9_encode(r->buf, IF_MSIZE, m, &len) != P9_OK) {
		errno = EMSGSIZE;
		return -1;
	}
	while (done < len) {
		ssize_t n = send(r->fd, r->buf + done, len - done,
				 MSG_NOSIGNAL | (nowait ? MSG_DONTWAIT : 0));

		if (n > 0) {
			done += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = r->fd, .events = POLLOUT};

			if (poll(&p, 1, 200) <= 0) {
				errno = EAGAIN;
				return done ? 0 : -1; /* a partial frame is left: fine, we hang up */
			}
		} else if (n < 0 && errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/* 0; RAW_EOF when the frontend closed the connection; -1 (time out, error). */
#define RAW_EOF (-2)
static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, FT_CALL_TIMEOUT_MS) <= 0)
			return -1;
		r = read(fd, p, n);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return RAW_EOF;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one reply; its type, RAW_EOF, or -1. */
static int raw_recv(struct raw *r, struct p9_msg *m)
{
	uint32_t size;
	int rc = read_full(r->fd, r->buf, 4);

	if (rc < 0)
		return rc;
	size = wire_load32(r->buf);
	if (size < P9_HDR_SIZE || size > IF_MSIZE)
		return -1;
	rc = read_full(r->fd, r->buf + 4, size - 4);
	if (rc < 0)
		return rc;
	if (p9_decode(r->buf, size, IF_MSIZE, m) != P9_OK)
		return -1;
	return m->type;
}

/* Send, wait for the reply, and insist it has type `want`. */
static bool raw_call(struct raw *r, struct p9_msg *t, uint8_t want, const char *what)
{
	struct p9_msg m;
	int type;

	if (raw_send(r, t, false) < 0) {
		check(false, "inflight: send %s: %s", what, strerror(errno));
		return false;
	}
	type = raw_recv(r, &m);
	if (type != want) {
		check(false, "inflight: %s: reply type %d%s", what, type,
		      type == P9_RLERROR ? rcs(-(long)m.u.rlerror.ecode) : "");
		return false;
	}
	return true;
}

static bool raw_setup(struct raw *r, const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct p9_msg t;
	const char *big = "big", *dirty = "dirty";

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		check(false, "inflight: connect %s: %s", sock, strerror(errno));
		return false;
	}
	t = (struct p9_msg){.type = P9_TVERSION};
	t.u.tversion.msize = IF_MSIZE;
	t.u.tversion.version = p9_str_c("9P2000.L");
	if (!raw_call(r, &t, P9_RVERSION, "Tversion"))
		return false;
	t = (struct p9_msg){.type = P9_TATTACH};
	t.u.tattach = (struct p9_tattach){.fid = 0, .afid = P9_NOFID, .n_uname = 0};
	t.u.tattach.uname = p9_str_c("root");
	t.u.tattach.aname = p9_str_c("");
	if (!raw_call(r, &t, P9_RATTACH, "Tattach"))
		return false;
	for (uint32_t fid = 1; fid <= 2; fid++) {
		t = (struct p9_msg){.type = P9_TWALK};
		t.u.twalk = (struct p9_twalk){.fid = 0, .newfid = fid, .nwname = 1};
		t.u.twalk.wname[0] = p9_str_c(fid == 1 ? big : dirty);
		if (!raw_call(r, &t, P9_RWALK, "Twalk"))
			return false;
		t = (struct p9_msg){.type = P9_TLOPEN};
		t.u.tlopen = (struct p9_tlopen){.fid = fid,
						.flags = fid == 1 ? P9_DOTL_RDONLY : P9_DOTL_RDWR};
		if (!raw_call(r, &t, P9_RLOPEN, "Tlopen"))
			return false;
	}
	return true;
}

/* One Twalk of IF_DEPTH names (EXPORT/d/d/...) from the root to newfid. */
static int raw_send_deep_walk(struct raw *r, uint32_t newfid)
{
	struct p9_msg t = {.type = P9_TWALK};

	t.u.twalk = (struct p9_twalk){.fid = 0, .newfid = newfid, .nwname = IF_DEPTH};
	for (unsigned int i = 0; i < IF_DEPTH; i++)
		t.u.twalk.wname[i] = p9_str_c("d");
	return raw_send(r, &t, true);
}

/* The burst; the number of requests that went out whole. */
static unsigned int raw_burst(struct raw *r, const uint8_t *wdata)
{
	unsigned int sent = 0;

	for (unsigned int k = 0; k < IF_BURST; k++) {
		struct p9_msg t = {.type = P9_TREAD};

		t.u.tread = (struct p9_tread){
			.fid = 1, .offset = (uint64_t)k * IF_READ, .count = IF_READ};
		if (raw_send(r, &t, true) < 0)
			break;
		sent++;
		if (raw_send_deep_walk(r, 100 + k) < 0)
			break;
		sent++;
		if (k % 8 != 0)
			continue;
		t = (struct p9_msg){.type = P9_TWRITE};
		t.u.twrite = (struct p9_twrite){
			.fid = 2, .offset = (uint64_t)k * IF_WRITE, .count = IF_WRITE, .data = wdata};
		if (raw_send(r, &t, true) < 0)
			break;
		sent++;
		t = (struct p9_msg){.type = P9_TFSYNC};
		t.u.tfsync = (struct p9_tfsync){.fid = 2};
		if (raw_send(r, &t, true) < 0)
			break;
		sent++;
	}
	return sent;
}

/* Entries of /proc/PID/fd, or -1. */
static int fd_count(const char *pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int ft_inflight(int argc, char **argv)
{
	struct raw r = {.fd = -1, .next_tag = 1};
	uint8_t *wdata;
	unsigned int round, sent, got = 0;

	if (argc != 2 && argc != 4)
		return 2;
	round = (unsigned int)atoi(argv[1]);
	r.buf = malloc(IF_MSIZE);
	wdata = calloc(1, IF_WRITE);
	if (!r.buf || !wdata)
		return 2;
	memset(wdata, 'x', IF_WRITE);
	if (raw_setup(&r, argv[0])) {
		sent = raw_burst(&r, wdata);
		if (round % 3 == 1) {
			nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
		} else if (round % 3 == 2) {
			struct p9_msg m;

			while (got < 4 && raw_recv(&r, &m) >= 0)
				got++;
		}
		if (argc == 4)
			note("inflight round %u: at hang-up the frontend holds %d descriptors, the "
			     "helper %d",
			     round, fd_count(argv[2]), fd_count(argv[3]));
		check(sent >= 2 * IF_BURST,
		      "inflight round %u: %u requests sent without waiting (%u replies read), then "
		      "the client hung up",
		      round, sent, got);
	}
	if (r.fd >= 0)
		close(r.fd);
	free(wdata);
	free(r.buf);
	return 0;
}

int ft_walks_die(int argc, char **argv)
{
	struct raw r = {.fd = -1, .next_tag = 1};
	unsigned int sent = 0, answered = 0, errors = 0;
	int type = 0;

	if (argc != 2)
		return 2;
	r.buf = malloc(IF_MSIZE);
	if (!r.buf)
		return 2;
	if (raw_setup(&r, argv[0])) {
		struct p9_msg m;

		while (sent < IF_BURST && raw_send_deep_walk(&r, 100 + sent) == 0)
			sent++;
		if (kill((pid_t)atoi(argv[1]), SIGKILL) < 0)
			check(false, "walksdie: kill the helper (pid %s): %s", argv[1],
			      strerror(errno));
		while (answered < sent && (type = raw_recv(&r, &m)) >= 0) {
			answered++;
			errors += type == P9_RLERROR;
		}
		check(sent == IF_BURST && (answered == sent || type == RAW_EOF),
		      "walksdie: %u of %u deep Twalks sent, helper killed: %u answered (%u with "
		      "Rlerror)%s",
		      sent, IF_BURST, answered, errors,
		      answered == sent ? ""
		      : type == RAW_EOF ? ", then the connection closed"
					: ", then nothing more within the time limit");
	}
	if (r.fd >= 0)
		close(r.fd);
	free(r.buf);
	return 0;
}
