/*
 * pair_test_conn.c - the connection level: Tflush, 1000 requests in flight,
 * a client sending garbage next to a well-behaved one, clients that vanish
 * with requests in flight; and the privilege of the server's processes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pair_test.h"

#define NFLUSH		150	/* flush rounds */
#define BURST		8	/* requests per round, the last one flushed */
#define NINFLIGHT	1000
#define NDISC		20	/* disconnect rounds */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The server still answers on the main connection (and is alive). */
static bool server_ok(char *why, size_t sz)
{
	struct p9_rgetattr a;
	const char *dead = p9c_dead_reason(pt_c);
	int rc;

	if (dead) {
		snprintf(why, sz, "main connection died: %s", dead);
		return false;
	}
	if (pt.pid && kill(pt.pid, 0) < 0) {
		snprintf(why, sz, "p9guard (pid %d) is gone", (int)pt.pid);
		return false;
	}
	if (pt_helper_pid && kill(pt_helper_pid, 0) < 0) {
		snprintf(why, sz, "p9guard-helper (pid %d) is gone", (int)pt_helper_pid);
		return false;
	}
	rc = p9c_getattr(pt_c, pt_root0, P9_GETATTR_BASIC, &a);
	snprintf(why, sz, "Tgetattr on the main connection: %s", rcs(rc));
	return rc == 0;
}

/* ---- Tflush ---- */

static void fill_req(struct p9_msg *t, int k, uint32_t dirfid, uint32_t filefid)
{
	memset(t, 0, sizeof(*t));
	switch (k % 3) {
	case 0:
		t->type = P9_TGETATTR;
		t->u.tgetattr.fid = pt_root0;
		t->u.tgetattr.request_mask = P9_GETATTR_ALL;
		break;
	case 1:
		t->type = P9_TREADDIR;
		t->u.treaddir.fid = dirfid;
		t->u.treaddir.count = 16384;
		break;
	default:
		t->type = P9_TREAD;
		t->u.tread.fid = filefid;
		t->u.tread.count = 4096;
		break;
	}
}

void test_flush(void)
{
	struct p9c_req **held = calloc(NFLUSH, sizeof(*held));
	struct p9c_req *r[BURST], *fl;
	int i, k, rc, orc, answered = 0, dropped = 0, bad = 0, flush_bad = 0, other_bad = 0;
	uint32_t dirfid, filefid;
	struct p9_msg t;
	char why[256];

	dirfid = walk_new(pt_c, pt_root0, "n/big", &rc);
	filefid = walk_new(pt_c, pt_root0, "n/big/f0096", &rc);
	if (!held || dirfid == P9_NOFID || filefid == P9_NOFID ||
	    p9c_lopen(pt_c, dirfid, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL) ||
	    p9c_lopen(pt_c, filefid, P9_DOTL_RDONLY, NULL, NULL)) {
		check(false, "flush: open n/big and n/big/f0096: %s", rcs(rc));
		goto out;
	}
	for (i = 0; i < NFLUSH; i++) {
		for (k = 0; k < BURST; k++) {
			fill_req(&t, i + k, dirfid, filefid);
			if (p9c_start(pt_c, &t, NULL, 0, &r[k])) {
				check(false, "flush: start a request: %s",
				      p9c_dead_reason(pt_c) ?: "?");
				goto out;
			}
		}
		/* Flush the last one right after sending it. */
		rc = p9c_start_flush(pt_c, r[BURST - 1], &fl);
		if (!rc) {
			rc = p9c_wait(fl, PT_TIMEOUT_MS);
			rc = rc ? rc : p9c_result(fl, NULL);
			p9c_release(fl);
		}
		if (rc)
			flush_bad++;
		for (k = 0; k < BURST; k++) {
			orc = p9c_wait(r[k], PT_TIMEOUT_MS);
			orc = orc ? orc : p9c_result(r[k], NULL);
			if (k < BURST - 1) {
				other_bad += orc != 0;
				p9c_release(r[k]);
			} else if (orc == 0) {
				answered++;
				p9c_release(r[k]);
			} else if (orc == -EINTR) {
				/* Keep its tag unused: a late reply for it would
				 * kill the connection (the library checks). */
				held[dropped++] = r[k];
			} else {
				bad++;
				p9c_release(r[k]);
			}
		}
	}
	sleep_ms(300);	/* time for any reply that should never come */
	check(flush_bad == 0 && bad == 0 && other_bad == 0 && server_ok(why, sizeof(why)),
	      "Tflush of a just-sent request, %d rounds: every Rflush came (%d missing), the "
	      "flushed request was answered first %d times and dropped (EINTR) %d times (%d other "
	      "outcomes); %d unflushed requests failed; no reply after Rflush: %s",
	      NFLUSH, flush_bad, answered, dropped, bad, other_bad, why);
	if (dropped == 0)
		note("no flush overtook its request (the server answered all %d first)", NFLUSH);

	/* A tag that is not in flight: Rflush at once. */
	t = (struct p9_msg){ .type = P9_TFLUSH };
	t.u.tflush.oldtag = 60000;
	rc = p9c_start(pt_c, &t, NULL, 0, &fl);
	if (!rc) {
		rc = p9c_wait(fl, PT_TIMEOUT_MS);
		rc = rc ? rc : p9c_result(fl, NULL);
		p9c_release(fl);
	}
	check(rc == 0, "Tflush of a tag not in flight gives Rflush: %s", rcs(rc));
out:
	for (i = 0; held && i < dropped; i++)
		p9c_release(held[i]);
	free(held);
	release_fid(pt_c, dirfid);
	release_fid(pt_c, filefid);
}

/* ---- many requests in flight ---- */

static int wait_all(struct p9c_req **r, int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		if (r[i] && p9c_wait(r[i], PT_TIMEOUT_MS))
			bad++;
	return bad;
}

void test_many_inflight(void)
{
	struct p9c_req **r = calloc(NINFLIGHT, sizeof(*r));
	uint32_t *fids = calloc(NINFLIGHT, sizeof(*fids));
	uint64_t *paths = calloc(NINFLIGHT, sizeof(*paths));
	char (*names)[8] = calloc(NINFLIGHT, sizeof(*names));
	const struct p9_msg *m;
	int i, started, good, timeouts;
	struct p9_msg t;
	struct stat st;

	if (!r || !fids || !paths || !names)
		goto out;

	/* 1000 Twalk n/big/fNNNN to new fids. */
	for (started = 0; started < NINFLIGHT; started++) {
		i = started;
		snprintf(names[i], sizeof(names[i]), "f%04d", i);
		memset(&t, 0, sizeof(t));
		t.type = P9_TWALK;
		t.u.twalk.fid = pt_root0;
		t.u.twalk.newfid = fids[i] = p9c_fid_get(pt_c);
		t.u.twalk.nwname = 3;
		t.u.twalk.wname[0] = p9_str_c("n");
		t.u.twalk.wname[1] = p9_str_c("big");
		t.u.twalk.wname[2] = p9_str_c(names[i]);
		if (p9c_start(pt_c, &t, NULL, 0, &r[i]))
			break;
	}
	timeouts = wait_all(r, started);
	for (good = 0, i = 0; i < started; i++) {
		if (p9c_result(r[i], &m) == 0 && m->type == P9_RWALK && m->u.rwalk.nwqid == 3 &&
		    m->u.rwalk.wqid[2].type == P9_QTFILE &&
		    stat(hpath("n/big/%s", names[i]), &st) == 0) {
			paths[i] = m->u.rwalk.wqid[2].path;
			good++;
		} else {
			paths[i] = 0;
		}
		p9c_release(r[i]);
		r[i] = NULL;
	}
	check(started == NINFLIGHT && good == NINFLIGHT && timeouts == 0,
	      "%d Twalk in flight at once on one connection: %d started, %d good Rwalk, %d "
	      "timed out",
	      NINFLIGHT, started, good, timeouts);

	/* 1000 Tgetattr on them: each answer must be for its own file. */
	for (started = 0; started < NINFLIGHT && paths[started]; started++) {
		memset(&t, 0, sizeof(t));
		t.type = P9_TGETATTR;
		t.u.tgetattr.fid = fids[started];
		t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
		if (p9c_start(pt_c, &t, NULL, 0, &r[started]))
			break;
	}
	timeouts = wait_all(r, started);
	for (good = 0, i = 0; i < started; i++) {
		if (p9c_result(r[i], &m) == 0 && m->type == P9_RGETATTR &&
		    m->u.rgetattr.size == (uint64_t)(i % 97) &&
		    m->u.rgetattr.qid.path == paths[i])
			good++;
		p9c_release(r[i]);
		r[i] = NULL;
	}
	check(started == NINFLIGHT && good == NINFLIGHT && timeouts == 0,
	      "%d Tgetattr in flight at once: %d answers with the right file's size and qid, %d "
	      "timed out",
	      NINFLIGHT, good, timeouts);

	/* 1000 Tclunk. */
	for (started = 0; started < NINFLIGHT && paths[started]; started++) {
		memset(&t, 0, sizeof(t));
		t.type = P9_TCLUNK;
		t.u.tfid.fid = fids[started];
		if (p9c_start(pt_c, &t, NULL, 0, &r[started]))
			break;
	}
	timeouts = wait_all(r, started);
	for (good = 0, i = 0; i < started; i++) {
		good += p9c_result(r[i], &m) == 0 && m->type == P9_RCLUNK;
		p9c_release(r[i]);
		r[i] = NULL;
	}
	check(good == NINFLIGHT, "%d Tclunk in flight at once: %d Rclunk", NINFLIGHT, good);
out:
	for (i = 0; fids && i < NINFLIGHT; i++)
		if (fids[i])
			p9c_fid_put(pt_c, fids[i]);
	free(r);
	free(fids);
	free(paths);
	free(names);
}

/* ---- garbage from one client, another keeps working ---- */

struct worker {
	struct p9_client *c;
	uint32_t fid;		/* an open file of 96 bytes */
	int stop;		/* set by the main thread (atomic access) */
	int rounds, bad;
	char why[128];
};

static void *good_client(void *arg)
{
	struct worker *w = arg;
	struct p9_rgetattr a;
	char buf[128];
	ssize_t n;
	int rc;

	/* At least 20 rounds; a few failures are enough to tell (and a hung
	 * server costs a timeout per call). */
	while ((!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) || w->rounds < 20) && w->bad < 3) {
		rc = p9c_getattr(w->c, w->fid, P9_GETATTR_BASIC, &a);
		n = p9c_read(w->c, w->fid, 0, buf, sizeof(buf));
		if (rc || a.size != 96 || n != 96) {
			if (!w->bad++)
				snprintf(w->why, sizeof(w->why), "Tgetattr %s size %llu, Tread %s",
					 rcs(rc), (unsigned long long)a.size, rcs(n));
		}
		w->rounds++;
	}
	return NULL;
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { 5, 0 };

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", pt.sock);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send a raw frame on a negotiated connection; the outcome, for the log. */
static const char *raw_frame(struct p9_client *c, const uint8_t *f, size_t len)
{
	static char buf[160];
	const struct p9_msg *m;
	struct p9c_req *r;
	int rc;

	rc = p9c_start_raw(c, f, len, &r);
	if (rc)
		return rcs(rc);
	rc = p9c_wait(r, 3000);
	if (rc == -ETIMEDOUT) {
		p9c_release(r);
		return "no answer within 3 s";
	}
	rc = p9c_result(r, &m);
	snprintf(buf, sizeof(buf), "%s%s%s", rc == 0 ? "answered " : "",
		 rc == 0 ? (p9_type_name(m->type) ?: "?") : rcs(rc),
		 p9c_dead_reason(c) ? " (connection closed)" : "");
	p9c_release(r);
	return buf;
}

/* One malformed frame on a fresh connection: what became of it, for the log. */
static void garbage_frame(int k, const char *what, const uint8_t *f, size_t len)
{
	struct p9_client *g = NULL;
	int rc;

	rc = p9c_connect_unix(pt.sock, 0, &g);
	if (rc) {
		note("garbage %d: %s: connect: %s", k, what, rcs(rc));
		return;
	}
	p9c_set_timeout(g, 3000);
	note("garbage %d: %s: %s", k, what, raw_frame(g, f, len));
	p9c_close(g);
}

static void garbage_round(int k)
{
	/* Frames with a valid header and a bad body, then impossible sizes. */
	static const uint8_t unknown_type[] = { 7, 0, 0, 0, 250, 0, 0 };
	static const uint8_t short_getattr[] = { 11, 0, 0, 0, P9_TGETATTR, 0, 0, 1, 0, 0, 0 };
	static const uint8_t bad_string[] = { 17, 0, 0, 0, P9_TWALK, 0, 0, 0, 0, 0, 0,
					      1, 0, 0, 0, 1, 0 };
	static const uint8_t trailing[] = { 16, 0, 0, 0, P9_TCLUNK, 0, 0, 1, 0, 0, 0,
					    'x', 'y', 'z', 'z', 'y' };
	static const uint8_t tiny[] = { 3, 0, 0, 0, P9_TCLUNK, 0, 0 };
	static const uint8_t huge[] = { 0xf0, 0xff, 0xff, 0xff, P9_TREAD, 0, 0 };
	uint8_t junk[65536];
	unsigned int seed = 12345u + (unsigned int)k;
	size_t i;
	int fd;

	garbage_frame(k, "unknown type 250", unknown_type, sizeof(unknown_type));
	garbage_frame(k, "Tgetattr cut short", short_getattr, sizeof(short_getattr));
	garbage_frame(k, "Twalk with a string longer than the frame", bad_string,
		      sizeof(bad_string));
	garbage_frame(k, "Tclunk with trailing bytes", trailing, sizeof(trailing));
	garbage_frame(k, "size field 3", tiny, sizeof(tiny));
	garbage_frame(k, "size field 0xfffffff0", huge, sizeof(huge));
	/* Random bytes with no Tversion, on a raw socket. */
	fd = raw_connect();
	if (fd >= 0) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rand_r(&seed);
		if (k % 2 == 0)
			junk[0] = junk[1] = junk[2] = junk[3] = 0x41;	/* a plausible size */
		if (send(fd, junk, sizeof(junk), MSG_NOSIGNAL) < 0)
			note("garbage %d: raw junk: send: %s", k, strerror(errno));
		close(fd);
	}
}

void test_garbage(void)
{
	struct worker w = { 0 };
	struct p9_client *g;
	pthread_t th;
	uint32_t root;
	char why[256];
	int rc, k;

	w.c = pt_connect("second connection");
	if (!w.c)
		return;
	root = pt_attach(w.c, 0, NULL, &rc);
	w.fid = root == P9_NOFID ? P9_NOFID : walk_new(w.c, root, "n/big/f0096", &rc);
	if (w.fid == P9_NOFID || (rc = p9c_lopen(w.c, w.fid, P9_DOTL_RDONLY, NULL, NULL))) {
		check(false, "second connection: attach and open n/big/f0096: %s", rcs(rc));
		p9c_close(w.c);
		return;
	}
	if (pthread_create(&th, NULL, good_client, &w)) {
		check(false, "pthread_create");
		p9c_close(w.c);
		return;
	}
	for (k = 0; k < 3; k++)
		garbage_round(k);
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	check(w.bad == 0 && !p9c_dead_reason(w.c),
	      "a second connection keeps working (%d rounds of Tgetattr+Tread, %d bad%s%s) while "
	      "other clients send malformed frames and junk",
	      w.rounds, w.bad, w.bad ? ": " : "", w.why);
	p9c_close(w.c);
	g = pt_connect("new connection after the garbage");
	if (g) {
		root = pt_attach(g, 0, NULL, &rc);
		check(rc == 0 && server_ok(why, sizeof(why)),
		      "after the garbage a new connection attaches (%s) and the server answers "
		      "(%s)",
		      rcs(rc), why);
		p9c_close(g);
	}
}

/* ---- clients vanishing with requests in flight ---- */

/* Why diod fails here. */
#define DIOD_SIGPIPE "diod 1.0.24 dies of SIGPIPE when a client goes away before its " \
	"replies are written"

void test_disconnect(void)
{
	struct p9c_req *r;
	struct p9_client *d;
	uint32_t root, dir;
	struct p9_msg t;
	int i, k, rc = 0, started = 0, rounds = 0;
	char why[256] = "";

	for (k = 0; k < NDISC; k++) {
		rc = p9c_connect_unix(pt.sock, 0, &d);
		if (rc) {
			snprintf(why, sizeof(why), "connect #%d: %s", k + 1, rcs(rc));
			break;
		}
		p9c_set_timeout(d, PT_TIMEOUT_MS);
		root = pt_attach(d, 0, NULL, &rc);
		dir = root == P9_NOFID ? P9_NOFID : walk_new(d, root, "n/big", &rc);
		if (dir == P9_NOFID ||
		    (rc = p9c_lopen(d, dir, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL))) {
			p9c_close(d);
			snprintf(why, sizeof(why), "connection #%d: attach and open n/big: %s",
				 k + 1, rcs(rc));
			break;
		}
		for (i = 0; i < 300; i++) {
			memset(&t, 0, sizeof(t));
			if (i % 3 == 0) {
				t.type = P9_TREADDIR;
				t.u.treaddir.fid = dir;
				t.u.treaddir.count = 32768;
			} else if (i % 3 == 1) {
				t.type = P9_TWALK;
				t.u.twalk.fid = root;
				t.u.twalk.newfid = 1000 + (uint32_t)i;
				t.u.twalk.nwname = 2;
				t.u.twalk.wname[0] = p9_str_c("n");
				t.u.twalk.wname[1] = p9_str_c("big");
			} else {
				t.type = P9_TGETATTR;
				t.u.tgetattr.fid = dir;
				t.u.tgetattr.request_mask = P9_GETATTR_ALL;
			}
			if (p9c_start(d, &t, NULL, 0, &r))
				break;
			p9c_release(r);	/* freed with the connection */
			started++;
		}
		p9c_close(d);	/* without reading the replies */
		rounds++;
	}
	sleep_ms(300);
	check_or_diod(rounds == NDISC && server_ok(why, sizeof(why)), DIOD_SIGPIPE,
		      "%d clients vanished with %d requests in flight between them; the server "
		      "still answers: %s",
		      rounds, started, why);
	rc = p9c_connect_unix(pt.sock, 0, &d);
	if (rc == 0) {
		p9c_set_timeout(d, PT_TIMEOUT_MS);
		pt_attach(d, PT_UID_USER, NULL, &rc);
		p9c_close(d);
	}
	check_or_diod(rc == 0, DIOD_SIGPIPE,
		      "a new connection attaches after the disconnects: %s", rcs(rc));
}

/* ---- privileges of the server's processes ---- */

#define CAP_BIT(n) (1ULL << (n))
/* DESIGN §5: CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID SETGID SETUID. */
#define HELPER_CAPS (CAP_BIT(0) | CAP_BIT(1) | CAP_BIT(2) | CAP_BIT(3) | CAP_BIT(4) | \
		     CAP_BIT(6) | CAP_BIT(7))
#define CAP_MKNOD_BIT CAP_BIT(27)
#define CAP_SYS_ADMIN_BIT CAP_BIT(21)
/* --readonly: DAC_OVERRIDE DAC_READ_SEARCH SETGID SETUID, nothing that changes an inode. */
#define HELPER_CAPS_RO (CAP_BIT(1) | CAP_BIT(2) | CAP_BIT(6) | CAP_BIT(7))

struct pstatus {
	bool ok;
	char name[64];
	pid_t ppid;
	unsigned long uid[4], gid[4];
	uint64_t inh, prm, eff, bnd, amb;
	int nnp, seccomp;
};

static void read_status(const char *path, struct pstatus *s)
{
	char line[512];
	FILE *f = fopen(path, "re");

	memset(s, 0, sizeof(*s));
	s->nnp = s->seccomp = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int ppid;

		if (sscanf(line, "Name:\t%63s", s->name) == 1)
			continue;
		if (sscanf(line, "PPid:\t%d", &ppid) == 1)
			s->ppid = ppid;
		sscanf(line, "Uid:\t%lu\t%lu\t%lu\t%lu", &s->uid[0], &s->uid[1], &s->uid[2],
		       &s->uid[3]);
		sscanf(line, "Gid:\t%lu\t%lu\t%lu\t%lu", &s->gid[0], &s->gid[1], &s->gid[2],
		       &s->gid[3]);
		sscanf(line, "CapInh:\t%" SCNx64, &s->inh);
		sscanf(line, "CapPrm:\t%" SCNx64, &s->prm);
		sscanf(line, "CapEff:\t%" SCNx64, &s->eff);
		sscanf(line, "CapBnd:\t%" SCNx64, &s->bnd);
		sscanf(line, "CapAmb:\t%" SCNx64, &s->amb);
		sscanf(line, "NoNewPrivs:\t%d", &s->nnp);
		sscanf(line, "Seccomp:\t%d", &s->seccomp);
	}
	fclose(f);
	s->ok = true;
}

/*
 * Every thread of pid: uid never 0 and no capability at all (frontend), or
 * capabilities within `allowed` (helper).  Returns the number of threads
 * that break the rule (*why names the last), or -1; *nthreads the number
 * looked at.
 */
static int threads_bad(pid_t pid, bool frontend, uint64_t allowed, int *nthreads, char *why,
		       size_t sz)
{
	char path[128];
	struct dirent *de;
	struct pstatus s;
	int bad = 0;
	DIR *d;

	*nthreads = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d) {
		snprintf(why, sz, "%s: %s", path, strerror(errno));
		return -1;
	}
	why[0] = '\0';
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", (int)pid, de->d_name);
		read_status(path, &s);
		if (!s.ok)
			continue;	/* the thread ended */
		++*nthreads;
		if (frontend && (s.uid[0] == 0 || s.uid[1] == 0 || s.uid[2] == 0 || s.uid[3] == 0 ||
				 s.prm || s.eff || s.inh || s.amb || s.bnd) && ++bad)
			snprintf(why, sz, "thread %.16s: uid %lu/%lu/%lu/%lu CapPrm %" PRIx64
				 " CapEff %" PRIx64 " CapBnd %" PRIx64, de->d_name, s.uid[0],
				 s.uid[1], s.uid[2], s.uid[3], s.prm, s.eff, s.bnd);
		/* SYS_ADMIN is only ever raised around one xattr call. */
		if (!frontend && (((s.prm | s.eff | s.bnd | s.inh | s.amb) & ~allowed) ||
				  (s.eff & CAP_SYS_ADMIN_BIT)) && ++bad)
			snprintf(why, sz, "thread %.16s: CapPrm %" PRIx64 " CapEff %" PRIx64
				 " CapBnd %" PRIx64 " beyond %" PRIx64, de->d_name, s.prm, s.eff,
				 s.bnd, allowed);
	}
	closedir(d);
	return bad;
}

/* The children of pid (up to max). */
static int children(pid_t pid, pid_t *out, int max)
{
	char path[128];
	struct dirent *de;
	struct pstatus s;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/status", de->d_name);
		read_status(path, &s);
		if (s.ok && s.ppid == pid && n < max)
			out[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return n;
}

void test_process_caps(void)
{
	uint64_t allowed = (pt.readonly ? HELPER_CAPS_RO : HELPER_CAPS) |
			   (pt.devices ? CAP_MKNOD_BIT : 0) | (pt.trusted ? CAP_SYS_ADMIN_BIT : 0);
	/* --security-model none: no SETUID/SETGID; as --helper-user, nothing. */
	bool exact = pt.readonly || pt.model;

	if (pt.model == 1)
		allowed &= ~(CAP_BIT(6) | CAP_BIT(7));
	else if (pt.model == 2)
		allowed = 0;
	else if (pt.model == 3)	/* mapped-xattr: DAC_OVERRIDE DAC_READ_SEARCH FOWNER */
		allowed = (pt.readonly ? 0 : CAP_BIT(3)) | CAP_BIT(1) | CAP_BIT(2) |
			  (pt.trusted ? CAP_SYS_ADMIN_BIT : 0);
	struct pstatus fe, he;
	char path[128], exe[256], why[256];
	pid_t kids[8], grandkids[8];
	ssize_t n;
	int nk, nt, nbad;

	if (!pt.p9guard) {
		skip("process privileges: p9guard only (diod is one process running as root)");
		return;
	}
	if (!pt.pid) {
		check(false, "process privileges: run.sh gave no --pid");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pt.pid);
	read_status(path, &fe);
	check(fe.ok && fe.uid[0] && fe.uid[1] && fe.uid[2] && fe.uid[3] && fe.gid[0] && fe.gid[1] &&
		      fe.gid[2] && fe.gid[3],
	      "frontend (pid %d, %s): uid %lu/%lu/%lu/%lu gid %lu/%lu/%lu/%lu, none 0",
	      (int)pt.pid, fe.name, fe.uid[0], fe.uid[1], fe.uid[2], fe.uid[3], fe.gid[0],
	      fe.gid[1], fe.gid[2], fe.gid[3]);
	check(fe.ok && !fe.inh && !fe.prm && !fe.eff && !fe.bnd && !fe.amb,
	      "frontend: CapInh %" PRIx64 " CapPrm %" PRIx64 " CapEff %" PRIx64 " CapBnd %" PRIx64
	      " CapAmb %" PRIx64 ", all 0",
	      fe.inh, fe.prm, fe.eff, fe.bnd, fe.amb);
	check(fe.nnp == 1 && fe.seccomp == 2, "frontend: NoNewPrivs %d, Seccomp %d (want 1, 2)",
	      fe.nnp, fe.seccomp);
	nbad = threads_bad(pt.pid, true, 0, &nt, why, sizeof(why));
	check(nbad == 0 && nt > 0, "frontend: all %d threads unprivileged (%d not)%s%s", nt, nbad,
	      why[0] ? ": " : "", why);

	nk = children(pt.pid, kids, 8);
	if (nk != 1) {
		check(false, "the frontend has exactly one child, the helper: it has %d", nk);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)kids[0]);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", (int)kids[0]);
	read_status(path, &he);
	if (he.ok && strstr(exe, "p9guard-helper"))
		pt_helper_pid = kids[0];
	check(he.ok && strstr(exe, "p9guard-helper") != NULL,
	      "the frontend's only child is the helper (pid %d, %s)", (int)kids[0], exe);
	check(he.ok && (he.prm || pt.model == 2) && (he.prm & ~allowed) == 0 &&
		      (he.eff & ~allowed) == 0 && (he.bnd & ~allowed) == 0 && !he.amb && !he.inh &&
		      ((he.prm & CAP_MKNOD_BIT) != 0) == (pt.devices && pt.model < 2) &&
		      ((he.prm & CAP_SYS_ADMIN_BIT) != 0) == (pt.trusted && pt.model != 2) &&
		      !(he.eff & CAP_SYS_ADMIN_BIT) &&
		      (!exact || (he.prm == allowed && he.eff == (allowed & ~CAP_SYS_ADMIN_BIT) &&
				  he.bnd == allowed)),
	      "helper holds capabilities, only those of DESIGN §5%s%s%s%s: CapPrm %" PRIx64
	      " CapEff %" PRIx64 " CapBnd %" PRIx64 " CapInh %" PRIx64 " CapAmb %" PRIx64
	      " (allowed %" PRIx64 ")",
	      pt.readonly ? " for a read-only export" : "",
	      pt.model == 1 ? " minus SETUID/SETGID (model none)"
	      : pt.model == 2 ? ", none at all (model none, --helper-user)"
	      : pt.model == 3 ? ", only DAC and FOWNER (mapped-xattr)" : "",
	      pt.devices ? " + MKNOD" : "",
	      pt.trusted ? " + SYS_ADMIN (permitted, not effective)" : "", he.prm, he.eff,
	      he.bnd, he.inh, he.amb, allowed);
	check(he.nnp == 1 && he.seccomp == 2, "helper: NoNewPrivs %d, Seccomp %d (want 1, 2)",
	      he.nnp, he.seccomp);
	nbad = threads_bad(kids[0], false, allowed, &nt, why, sizeof(why));
	check(nbad == 0 && nt > 0, "helper: all %d threads within the allowed set (%d not)%s%s", nt,
	      nbad, why[0] ? ": " : "", why);
	nk = children(kids[0], grandkids, 8);
	check(nk == 0, "the helper has no child processes (%d)", nk);
}
