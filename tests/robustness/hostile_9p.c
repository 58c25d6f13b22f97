/*
 * hostile_9p.c - malformed and hostile 9P2000.L streams against a running
 * p9guard.
 *
 *	hostile_9p SOCK EXPORT SENTINEL PID
 *
 * SOCK is the daemon's unix socket, EXPORT its export (as the host sees it),
 * SENTINEL a directory next to the export that nothing may touch, PID the
 * frontend's pid.  Every case talks raw bytes on its own connection and
 * expects, for what it sends, an Rlerror or that connection closed (cases
 * that expect something else say so).  After EVERY case:
 *   - the frontend and the helper are still alive,
 *   - a second, well-behaved client connects, attaches, walks, getattrs,
 *   - the sentinel directory (and the export's parent) are unchanged,
 *   - the frontend's VmRSS is below P9G_RSS_LIMIT_MB (default 200).
 * Prints "PASS: name" / "FAIL: name: why" per case, notes ("NOTE: ...") on
 * limits it measured, and "N passed, N failed"; exits 1 on any failure.
 * Run by tests/robustness/run.sh as root.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hp_codec.h"
#include "p9client/p9_client.h"

#define RECV_MS 5000 /* waiting for one reply */
#define MSIZE 65536u /* what the raw connections negotiate */
#define ROOT_FID 1u
#define FILE_NAME "file" /* created in the export by run.sh */

static const char *sock_path, *export_path, *sentinel_path;
static pid_t fe_pid;
static unsigned long rss_limit_kb = 200ul * 1024ul;
static unsigned long rss_max_kb;
static int npass, nfail;

/* ---- per-case result ---- */

static const char *cur_case;
static char cur_fail[512];

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	if (cur_fail[0])
		return; /* the first reason is the one reported */
	va_start(ap, fmt);
	vsnprintf(cur_fail, sizeof(cur_fail), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	printf("NOTE: %s: ", cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- raw connections ---- */

struct raw {
	int fd;
	uint32_t msize;
	uint8_t *buf; /* last frame received */
	size_t len;
	struct p9_msg m; /* decoded, when it decodes */
	int dec;	 /* p9_decode() result for buf */
};

static struct raw *raw_open(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct raw *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->msize = P9_MAX_MSIZE;
	r->buf = malloc(P9_MAX_MSIZE);
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (!r->buf || r->fd < 0 || connect(r->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fail("connect %s: %s", sock_path, strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		free(r->buf);
		free(r);
		return NULL;
	}
	return r;
}

static void raw_close(struct raw *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->buf);
	free(r);
}

static int raw_send(struct raw *r, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = send(r->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Encode and send; the tag is taken from *m. */
static int raw_send_msg(struct raw *r, const struct p9_msg *m)
{
	static uint8_t buf[P9_MAX_MSIZE];
	size_t len;
	int rc = p9_encode(buf, sizeof(buf), m, &len);

	if (rc != P9_OK) {
		fail("test bug: cannot encode type %u: %s", m->type, p9_strerror(rc));
		return -EINVAL;
	}
	return raw_send(r, buf, len);
}

static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int rc;

	do
		rc = poll(&pfd, 1, ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static int read_full_ms(int fd, uint8_t *p, size_t n, int ms)
{
	ssize_t got;

	while (n) {
		if (wait_readable(fd, ms) <= 0)
			return -ETIMEDOUT;
		got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == ECONNRESET ? 0 : -errno;
		if (got == 0)
			return 0;
		p += got;
		n -= (size_t)got;
	}
	return 1;
}

/*
 * Receive one frame: 1 (r->buf, r->len, r->m decoded if r->dec == P9_OK),
 * 0 when the server closed the connection, -ETIMEDOUT, or -EPROTO for a
 * frame outside 7..msize (which the checks report).
 */
static int raw_recv(struct raw *r, int ms)
{
	uint32_t size;
	int rc;

	rc = read_full_ms(r->fd, r->buf, 4, ms);
	if (rc <= 0)
		return rc;
	size = (uint32_t)r->buf[0] | (uint32_t)r->buf[1] << 8 | (uint32_t)r->buf[2] << 16 |
	       (uint32_t)r->buf[3] << 24;
	if (size < P9_HDR_SIZE || size > r->msize) {
		fail("server sent a %u-byte frame (msize %u)", size, r->msize);
		return -EPROTO;
	}
	rc = read_full_ms(r->fd, r->buf + 4, size - 4, ms);
	if (rc <= 0) {
		fail("server sent a cut frame");
		return -EPROTO;
	}
	r->len = size;
	r->dec = p9_decode(r->buf, size, r->msize, &r->m);
	if (r->dec != P9_OK) {
		fail("server sent a malformed frame (type %u): %s", r->buf[4], p9_strerror(r->dec));
		return -EPROTO;
	}
	return 1;
}

static const char *tname(uint8_t type)
{
	const char *n = p9_type_name(type);

	return n ? n : "unknown";
}

/*
 * The answer to a hostile request: Rlerror with `tag` or the connection
 * closed.  Returns 1 for Rlerror (its errno in *ecode), 0 for closed, -1
 * (after fail()) for anything else.
 */
static int expect_err_or_close(struct raw *r, uint16_t tag, const char *what, uint32_t *ecode)
{
	int rc = raw_recv(r, RECV_MS);

	if (rc == 0)
		return 0;
	if (rc == -ETIMEDOUT) {
		fail("%s: no answer and the connection stays open after %d ms", what, RECV_MS);
		return -1;
	}
	if (rc < 0)
		return -1;
	if (r->m.type != P9_RLERROR) {
		fail("%s: answered %s instead of Rlerror", what, tname(r->m.type));
		return -1;
	}
	if (r->m.tag != tag) {
		fail("%s: Rlerror for tag %u, expected %u", what, r->m.tag, tag);
		return -1;
	}
	if (r->m.u.rlerror.ecode < 1 || r->m.u.rlerror.ecode > 4095 ||
	    r->m.u.rlerror.ecode == 524) {
		fail("%s: Rlerror with errno %u", what, r->m.u.rlerror.ecode);
		return -1;
	}
	if (ecode)
		*ecode = r->m.u.rlerror.ecode;
	return 1;
}

/* Only the connection closed is right (malformed framing). */
static void expect_close(struct raw *r, const char *what)
{
	int rc = raw_recv(r, RECV_MS);

	if (rc == 1)
		fail("%s: answered %s; a malformed frame must close the connection", what,
		     tname(r->m.type));
	else if (rc == -ETIMEDOUT)
		fail("%s: connection still open after %d ms", what, RECV_MS);
}

/* Send m and wait for its reply, which must be `want` (0: any).  1 on success. */
static int raw_call(struct raw *r, struct p9_msg *m, uint8_t want, const char *what)
{
	uint16_t tag = m->tag;
	int rc;

	if (raw_send_msg(r, m) < 0) {
		fail("%s: send failed", what);
		return 0;
	}
	rc = raw_recv(r, RECV_MS);
	if (rc == 0) {
		fail("%s: connection closed", what);
		return 0;
	}
	if (rc < 0) {
		fail("%s: %s", what, rc == -ETIMEDOUT ? "no reply" : "bad reply");
		return 0;
	}
	if (r->m.tag != tag) {
		fail("%s: reply for tag %u, expected %u", what, r->m.tag, tag);
		return 0;
	}
	if (want && r->m.type != want) {
		if (r->m.type == P9_RLERROR)
			fail("%s: Rlerror %u (%s)", what, r->m.u.rlerror.ecode,
			     strerror((int)r->m.u.rlerror.ecode));
		else
			fail("%s: %s, expected %s", what, tname(r->m.type), tname(want));
		return 0;
	}
	return 1;
}

static int raw_version(struct raw *r, uint32_t msize)
{
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG};

	m.u.tversion.msize = msize;
	m.u.tversion.version = p9_str_c(P9_VERSION_L);
	if (!raw_call(r, &m, P9_RVERSION, "Tversion"))
		return 0;
	r->msize = r->m.u.rversion.msize;
	if (!p9_str_eq(r->m.u.rversion.version, P9_VERSION_L) || r->msize > msize) {
		fail("Rversion msize %u version %.*s", r->msize, r->m.u.rversion.version.len,
		     r->m.u.rversion.version.s);
		return 0;
	}
	return 1;
}

static int raw_attach(struct raw *r, uint32_t fid, uint32_t uid)
{
	struct p9_msg m = {.type = P9_TATTACH, .tag = 1};

	m.u.tattach = (struct p9_tattach){fid, P9_NOFID, p9_str_c(""), p9_str_c(""), uid};
	return raw_call(r, &m, P9_RATTACH, "Tattach");
}

/* A fresh connection, versioned and attached as root at ROOT_FID. */
static struct raw *raw_session(void)
{
	struct raw *r = raw_open();

	if (!r)
		return NULL;
	if (!raw_version(r, MSIZE) || !raw_attach(r, ROOT_FID, 0)) {
		raw_close(r);
		return NULL;
	}
	return r;
}

static int raw_walk(struct raw *r, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_msg m = {.type = P9_TWALK, .tag = 2};

	m.u.twalk.fid = fid;
	m.u.twalk.newfid = newfid;
	m.u.twalk.nwname = name ? 1 : 0;
	if (name)
		m.u.twalk.wname[0] = p9_str_c(name);
	return raw_call(r, &m, P9_RWALK, "Twalk") && r->m.u.rwalk.nwqid == m.u.twalk.nwname;
}

static int raw_lopen(struct raw *r, uint32_t fid, uint32_t flags)
{
	struct p9_msg m = {.type = P9_TLOPEN, .tag = 3};

	m.u.tlopen = (struct p9_tlopen){fid, flags};
	return raw_call(r, &m, P9_RLOPEN, "Tlopen");
}

/* A frame built by hand: size[4] type[1] tag[2] then body bytes. */
struct frame {
	uint8_t b[4096];
	size_t len;
};

static void fr_init(struct frame *f, uint8_t type, uint16_t tag)
{
	f->len = 4;
	f->b[f->len++] = type;
	f->b[f->len++] = (uint8_t)tag;
	f->b[f->len++] = (uint8_t)(tag >> 8);
}

static void fr_u8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static void fr_u16(struct frame *f, uint16_t v)
{
	fr_u8(f, (uint8_t)v);
	fr_u8(f, (uint8_t)(v >> 8));
}

static void fr_u32(struct frame *f, uint32_t v)
{
	fr_u16(f, (uint16_t)v);
	fr_u16(f, (uint16_t)(v >> 16));
}

static void fr_u64(struct frame *f, uint64_t v)
{
	fr_u32(f, (uint32_t)v);
	fr_u32(f, (uint32_t)(v >> 32));
}

static void fr_strn(struct frame *f, const char *s, size_t n)
{
	fr_u16(f, (uint16_t)n);
	memcpy(f->b + f->len, s, n);
	f->len += n;
}

static void fr_str(struct frame *f, const char *s)
{
	fr_strn(f, s, strlen(s));
}

/* Set the size field to v. */
static void fr_size(struct frame *f, uint32_t v)
{
	f->b[0] = (uint8_t)v;
	f->b[1] = (uint8_t)(v >> 8);
	f->b[2] = (uint8_t)(v >> 16);
	f->b[3] = (uint8_t)(v >> 24);
}

/* Set the size field to the frame's real length. */
static void fr_end(struct frame *f)
{
	fr_size(f, (uint32_t)f->len);
}

static int fr_send(struct raw *r, struct frame *f)
{
	return raw_send(r, f->b, f->len);
}

/* ---- the checks after every case ---- */

static unsigned long rss_kb(pid_t pid)
{
	char path[64], line[256];
	unsigned long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The helper is the frontend's child. */
static pid_t helper_pid(void)
{
	char path[64];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)fe_pid, (int)fe_pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

static pid_t helper_at_start;

/* FNV-1a step of the digests below. */
static void mix(uint64_t *h, uint64_t v)
{
	*h ^= v;
	*h *= 1099511628211ULL;
}

/*
 * A digest of a directory's entries: names, types, sizes, modes, owners,
 * times.  The entry named `skip` counts by name only (the export itself,
 * whose times change with every create in it).
 */
static uint64_t dir_digest(const char *path, const char *skip)
{
	uint64_t h = 1469598103934665603ULL;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return 0;
	mix(&h, st.st_mode);
	mix(&h, st.st_mtim.tv_sec);
	mix(&h, st.st_mtim.tv_nsec);
	mix(&h, st.st_ctim.tv_nsec);
	mix(&h, st.st_nlink);
	d = opendir(path);
	if (!d)
		return h;
	while ((de = readdir(d))) {
		for (const char *p = de->d_name; *p; p++)
			mix(&h, (unsigned char)*p);
		if (skip && strcmp(de->d_name, skip) == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			mix(&h, st.st_mode);
			mix(&h, st.st_size);
			mix(&h, st.st_uid);
			mix(&h, st.st_gid);
			mix(&h, st.st_mtim.tv_nsec);
			mix(&h, st.st_ctim.tv_nsec);
		}
	}
	closedir(d);
	return h;
}

static uint64_t sentinel_at_start, parent_at_start;
static char parent_path[4096];
static const char *export_base;

/* A well-behaved client: connect, attach, walk, getattr, clunk. */
static void good_client(void)
{
	const char *names[1] = {FILE_NAME};
	struct p9_client *c = NULL;
	struct p9_rgetattr ga;
	struct p9_qid qid;
	int rc;

	rc = p9c_connect_unix(sock_path, 65536, &c);
	if (rc) {
		fail("well-behaved client: connect: %s", strerror(-rc));
		return;
	}
	p9c_set_timeout(c, RECV_MS);
	rc = p9c_attach(c, 0, P9_NOFID, "", "", 0, &qid);
	if (rc == 0)
		rc = p9c_walk(c, 0, 1, 1, names, &qid) == 1 ? 0 : -ENOENT;
	if (rc == 0)
		rc = p9c_getattr(c, 1, P9_GETATTR_BASIC, &ga);
	if (rc == 0 && ga.size != 3)
		rc = -EIO;
	if (rc == 0)
		rc = p9c_clunk(c, 1);
	if (rc)
		fail("well-behaved client: attach/walk/getattr: %s", strerror(-rc));
	p9c_close(c);
}

static void after_case(void)
{
	unsigned long kb;

	if (kill(fe_pid, 0) < 0) {
		fail("the frontend (pid %d) is gone", (int)fe_pid);
		return;
	}
	if (helper_at_start && kill(helper_at_start, 0) < 0)
		fail("the helper (pid %d) is gone", (int)helper_at_start);
	good_client();
	if (dir_digest(sentinel_path, NULL) != sentinel_at_start)
		fail("the sentinel directory %s changed", sentinel_path);
	if (dir_digest(parent_path, export_base) != parent_at_start)
		fail("the export's parent directory %s changed", parent_path);
	kb = rss_kb(fe_pid);
	if (kb > rss_max_kb)
		rss_max_kb = kb;
	if (kb > rss_limit_kb)
		fail("frontend VmRSS %lu kB > %lu kB", kb, rss_limit_kb);
}

static void run_case(const char *name, void (*fn)(void))
{
	cur_case = name;
	cur_fail[0] = '\0';
	fn();
	after_case();
	if (cur_fail[0]) {
		printf("FAIL: %s: %s\n", name, cur_fail);
		nfail++;
	} else {
		printf("PASS: %s\n", name);
		npass++;
	}
	fflush(stdout);
}

/* ---- cases ---- */

/* A frame cut off: the daemon waits for the rest, the client hangs up. */
static void case_truncated(void)
{
	struct frame f;
	struct raw *r = raw_open();

	if (!r)
		return;
	fr_init(&f, P9_TVERSION, P9_NOTAG);
	fr_u32(&f, MSIZE);
	fr_str(&f, P9_VERSION_L);
	fr_end(&f);
	raw_send(r, f.b, f.len - 5);
	shutdown(r->fd, SHUT_WR);
	expect_close(r, "Tversion cut 5 bytes short, then EOF");
	raw_close(r);

	/* A whole frame whose string runs past its end. */
	r = raw_session();
	if (!r)
		return;
	fr_init(&f, P9_TWALK, 7);
	fr_u32(&f, ROOT_FID);
	fr_u32(&f, 2);
	fr_u16(&f, 1);
	fr_u16(&f, 200); /* name length 200, 3 bytes follow */
	fr_u8(&f, 'a');
	fr_u8(&f, 'b');
	fr_u8(&f, 'c');
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 7, "Twalk with a name longer than the frame", NULL);
	raw_close(r);

	/* Trailing bytes after the last field. */
	r = raw_session();
	if (!r)
		return;
	fr_init(&f, P9_TCLUNK, 8);
	fr_u32(&f, ROOT_FID);
	fr_u32(&f, 0xdeadbeef);
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 8, "Tclunk with 4 trailing bytes", NULL);
	raw_close(r);
}

static void lying_size(uint32_t size, bool versioned)
{
	char what[64];
	struct frame f;
	struct raw *r = versioned ? raw_session() : raw_open();

	if (!r)
		return;
	fr_init(&f, P9_TGETATTR, 9);
	fr_u32(&f, ROOT_FID);
	fr_u64(&f, P9_GETATTR_BASIC);
	fr_size(&f, size);
	fr_send(r, &f);
	snprintf(what, sizeof(what), "size field %u%s", size, versioned ? " after Tversion" : "");
	if (size > f.len) {
		/* Claims more than sent: the rest never comes; hang up. */
		shutdown(r->fd, SHUT_WR);
	}
	expect_close(r, what);
	raw_close(r);
}

static void case_lying_sizes(void)
{
	lying_size(0, false);
	lying_size(6, false);
	lying_size(UINT32_MAX, false);
	lying_size(0, true);
	lying_size(6, true);
	lying_size(UINT32_MAX, true);
	lying_size(MSIZE + 1, true); /* larger than the negotiated msize */
}

static void case_unknown_types(void)
{
	static const uint8_t types[] = {0, 1, 5, 6, 10, 28, 99, 106, 112, 200, 255};
	struct frame f;
	struct raw *r = raw_session();
	char what[64];
	uint32_t e;

	if (!r)
		return;
	for (size_t i = 0; i < sizeof(types); i++) {
		fr_init(&f, types[i], (uint16_t)(100 + i));
		fr_u32(&f, ROOT_FID);
		fr_end(&f);
		fr_send(r, &f);
		snprintf(what, sizeof(what), "message type %u", types[i]);
		if (expect_err_or_close(r, (uint16_t)(100 + i), what, &e) <= 0) {
			raw_close(r);
			return;
		}
	}
	/* The connection is still usable afterwards. */
	if (!raw_walk(r, ROOT_FID, 2, FILE_NAME))
		fail("Twalk after the unknown messages failed");
	raw_close(r);
}

static void case_r_as_t(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;
	char what[64];

	if (!r)
		return;
	for (unsigned int t = 1; t < 256; t += 2) {
		uint8_t body[128] = {0};
		struct frame f;

		if (!p9_type_name((uint8_t)t))
			continue;
		/* A plausible body: zeros of a size most R-messages accept. */
		memset(&m, 0, sizeof(m));
		m.type = (uint8_t)t;
		m.tag = (uint16_t)t;
		if (t == P9_RVERSION) {
			m.u.rversion.msize = MSIZE;
			m.u.rversion.version = p9_str_c(P9_VERSION_L);
		}
		if (t == P9_RREAD || t == P9_RREADDIR) {
			m.u.rread.count = sizeof(body);
			m.u.rread.data = body;
		}
		if (p9_encode(f.b, sizeof(f.b), &m, &f.len) != P9_OK) {
			fail("test bug: encode %s", tname((uint8_t)t));
			break;
		}
		fr_send(r, &f);
		snprintf(what, sizeof(what), "%s sent as a request", tname((uint8_t)t));
		if (expect_err_or_close(r, (uint16_t)t, what, NULL) <= 0)
			break;
	}
	raw_close(r);
}

static void case_before_version(void)
{
	static const uint8_t types[] = {P9_TATTACH, P9_TWALK,	 P9_TGETATTR, P9_TREAD,
					P9_TCLUNK,  P9_TLCREATE, P9_TMKDIR,   P9_TAUTH};
	struct raw *r = raw_open();
	struct p9_msg m;
	char what[64];

	if (!r)
		return;
	for (size_t i = 0; i < sizeof(types); i++) {
		memset(&m, 0, sizeof(m));
		m.type = types[i];
		m.tag = (uint16_t)i;
		switch (types[i]) {
		case P9_TATTACH:
			m.u.tattach =
			    (struct p9_tattach){ROOT_FID, P9_NOFID, p9_str_c(""), p9_str_c(""), 0};
			break;
		case P9_TAUTH:
			m.u.tauth = (struct p9_tauth){5, p9_str_c(""), p9_str_c(""), 0};
			break;
		case P9_TLCREATE:
			m.u.tlcreate = (struct p9_tlcreate){ROOT_FID, p9_str_c("pre"), 0, 0644, 0};
			break;
		case P9_TMKDIR:
			m.u.tmkdir = (struct p9_tmkdir){ROOT_FID, p9_str_c("pre"), 0755, 0};
			break;
		default:
			m.u.tfid.fid = ROOT_FID;
			break;
		}
		raw_send_msg(r, &m);
		snprintf(what, sizeof(what), "%s before Tversion", tname(types[i]));
		if (expect_err_or_close(r, (uint16_t)i, what, NULL) <= 0)
			break;
	}
	raw_close(r);
	if (access(export_path, F_OK) == 0) {
		char p[4096];

		snprintf(p, sizeof(p), "%s/pre", export_path);
		if (access(p, F_OK) == 0)
			fail("a create before Tversion made %s", p);
	}
}

static void case_version_again(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;
	uint32_t e;

	if (!r)
		return;
	if (!raw_walk(r, ROOT_FID, 2, FILE_NAME))
		goto out;
	/* Tversion mid-session: Rversion, and every fid is gone. */
	if (!raw_version(r, MSIZE))
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = P9_TGETATTR;
	m.tag = 4;
	m.u.tgetattr = (struct p9_tgetattr){2, P9_GETATTR_BASIC};
	raw_send_msg(r, &m);
	if (expect_err_or_close(r, 4, "Tgetattr of a fid from before the second Tversion", &e) ==
		1 &&
	    e != EBADF && e != ENOENT)
		note("old fid after Tversion: errno %u", e);
	/* Odd versions and sizes: "unknown", or a sane msize. */
	raw_close(r);
	r = raw_open();
	if (!r)
		return;
	{
		static const uint32_t sizes[] = {0, 7, 100, 4095, UINT32_MAX};

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			m = (struct p9_msg){.type = P9_TVERSION, .tag = P9_NOTAG};
			m.u.tversion.msize = sizes[i];
			m.u.tversion.version = p9_str_c(P9_VERSION_L);
			raw_send_msg(r, &m);
			if (raw_recv(r, RECV_MS) != 1)
				break;
			if (r->m.type == P9_RVERSION &&
			    p9_str_eq(r->m.u.rversion.version, P9_VERSION_L) &&
			    (r->m.u.rversion.msize > sizes[i] ||
			     r->m.u.rversion.msize < P9_MIN_MSIZE))
				fail("Tversion msize %u answered with msize %u", sizes[i],
				     r->m.u.rversion.msize);
			else if (r->m.type != P9_RVERSION && r->m.type != P9_RLERROR)
				fail("Tversion msize %u answered with %s", sizes[i],
				     tname(r->m.type));
		}
		m = (struct p9_msg){.type = P9_TVERSION, .tag = P9_NOTAG};
		m.u.tversion.msize = MSIZE;
		m.u.tversion.version = p9_str_c("9P2000.u");
		raw_send_msg(r, &m);
		if (raw_recv(r, RECV_MS) == 1 && r->m.type == P9_RVERSION &&
		    !p9_str_eq(r->m.u.rversion.version, "unknown"))
			fail("Tversion 9P2000.u answered with version %.*s",
			     r->m.u.rversion.version.len, r->m.u.rversion.version.s);
		/* Not versioned now: attach must be refused. */
		m = (struct p9_msg){.type = P9_TATTACH, .tag = 9};
		m.u.tattach =
		    (struct p9_tattach){ROOT_FID, P9_NOFID, p9_str_c(""), p9_str_c(""), 0};
		raw_send_msg(r, &m);
		expect_err_or_close(r, 9, "Tattach after a refused Tversion", NULL);
	}
out:
	raw_close(r);
}

static void case_tag_reuse(void)
{
	struct raw *r = raw_session();
	struct frame f;
	uint8_t burst[64 * 40];
	size_t n = 0;
	int got = 0, rc;

	if (!r)
		return;
	/* 64 Tgetattr with the same tag in one write: at most a few can
	 * be answered normally; the rest are refused or the connection ends. */
	for (int i = 0; i < 64; i++) {
		fr_init(&f, P9_TGETATTR, 77);
		fr_u32(&f, ROOT_FID);
		fr_u64(&f, P9_GETATTR_ALL);
		fr_end(&f);
		memcpy(burst + n, f.b, f.len);
		n += f.len;
	}
	raw_send(r, burst, n);
	while ((rc = raw_recv(r, RECV_MS)) == 1) {
		got++;
		if (r->m.tag != 77) {
			fail("reply for tag %u", r->m.tag);
			break;
		}
	}
	if (rc == -ETIMEDOUT && got < 64)
		fail("only %d replies to 64 requests and the connection stays open", got);
	note("64 requests with one tag: %d replies, then %s", got,
	     rc == 0 ? "connection closed" : "still open");
	raw_close(r);
}

static void case_fid_reuse(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;

	if (!r)
		return;
	/* Attach to the fid already in use. */
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 10};
	m.u.tattach = (struct p9_tattach){ROOT_FID, P9_NOFID, p9_str_c(""), p9_str_c(""), 1000};
	raw_send_msg(r, &m);
	if (expect_err_or_close(r, 10, "Tattach to a fid in use", NULL) <= 0)
		goto out;
	/* Walk to a newfid in use (not the same as fid). */
	if (!raw_walk(r, ROOT_FID, 2, FILE_NAME))
		goto out;
	m = (struct p9_msg){.type = P9_TWALK, .tag = 11};
	m.u.twalk.fid = ROOT_FID;
	m.u.twalk.newfid = 2;
	raw_send_msg(r, &m);
	if (expect_err_or_close(r, 11, "Twalk to a newfid in use", NULL) <= 0)
		goto out;
	/* Txattrwalk and Tlcreate into fids in use. */
	m = (struct p9_msg){.type = P9_TXATTRWALK, .tag = 12};
	m.u.txattrwalk = (struct p9_txattrwalk){ROOT_FID, 2, p9_str_c("")};
	raw_send_msg(r, &m);
	if (expect_err_or_close(r, 12, "Txattrwalk to a newfid in use", NULL) <= 0)
		goto out;
	/* The root fid still works and still is the root. */
	if (!raw_walk(r, ROOT_FID, 3, FILE_NAME))
		fail("the root fid broke after the refused attach");
out:
	raw_close(r);
}

static void case_unknown_fids(void)
{
	static const uint32_t fids[] = {0, 2, 12345, P9_NOFID, 0x7fffffff};
	struct raw *r = raw_session();
	struct p9_msg m;
	char what[64];

	if (!r)
		return;
	for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
		static const uint8_t types[] = {P9_TCLUNK, P9_TREMOVE,	P9_TGETATTR, P9_TREAD,
						P9_TLOPEN, P9_TREADDIR, P9_TSTATFS};

		for (size_t j = 0; j < sizeof(types); j++) {
			memset(&m, 0, sizeof(m));
			m.type = types[j];
			m.tag = (uint16_t)(i * 16 + j);
			m.u.tfid.fid = fids[i];
			if (types[j] == P9_TREAD || types[j] == P9_TREADDIR)
				m.u.tread.count = 100;
			raw_send_msg(r, &m);
			snprintf(what, sizeof(what), "%s of unknown fid %u", tname(types[j]),
				 fids[i]);
			if (expect_err_or_close(r, m.tag, what, NULL) <= 0)
				goto out;
		}
	}
out:
	raw_close(r);
}

static void case_walk17(void)
{
	struct raw *r = raw_session();
	struct frame f;

	if (!r)
		return;
	fr_init(&f, P9_TWALK, 13);
	fr_u32(&f, ROOT_FID);
	fr_u32(&f, 2);
	fr_u16(&f, 17);
	for (int i = 0; i < 17; i++)
		fr_str(&f, "..");
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 13, "Twalk of 17 names", NULL);
	raw_close(r);

	/* nwname 65535 with nothing after it. */
	r = raw_session();
	if (!r)
		return;
	fr_init(&f, P9_TWALK, 14);
	fr_u32(&f, ROOT_FID);
	fr_u32(&f, 2);
	fr_u16(&f, 65535);
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 14, "Twalk of 65535 names", NULL);
	raw_close(r);
}

/* A reply to Tread/Treaddir must fit msize and the count asked. */
static void check_io_reply(struct raw *r, uint16_t tag, uint32_t asked, const char *what)
{
	int rc = raw_recv(r, RECV_MS);

	if (rc == 0)
		return; /* closed: allowed */
	if (rc < 0) {
		fail("%s: %s", what, rc == -ETIMEDOUT ? "no reply" : "bad reply");
		return;
	}
	if (r->m.tag != tag) {
		fail("%s: reply for tag %u", what, r->m.tag);
		return;
	}
	if (r->m.type == P9_RLERROR)
		return;
	if (r->m.type != P9_RREAD && r->m.type != P9_RREADDIR && r->m.type != P9_RWRITE) {
		fail("%s: answered %s", what, tname(r->m.type));
		return;
	}
	if (r->len > r->msize || r->m.u.rread.count > asked)
		fail("%s: %u bytes in a %zu-byte frame (asked %u, msize %u)", what,
		     r->m.u.rread.count, r->len, asked, r->msize);
}

static void case_big_counts(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;
	struct frame f;

	if (!r)
		return;
	if (!raw_walk(r, ROOT_FID, 2, FILE_NAME) || !raw_lopen(r, 2, P9_DOTL_RDWR) ||
	    !raw_walk(r, ROOT_FID, 3, NULL) || !raw_lopen(r, 3, P9_DOTL_RDONLY))
		goto out;
	static const uint32_t counts[] = {MSIZE, MSIZE + 1, UINT32_MAX, UINT32_MAX - 10};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		m = (struct p9_msg){.type = P9_TREAD, .tag = 20};
		m.u.tread = (struct p9_tread){2, 0, counts[i]};
		raw_send_msg(r, &m);
		check_io_reply(r, 20, counts[i], "Tread count > msize");
		m = (struct p9_msg){.type = P9_TREADDIR, .tag = 21};
		m.u.treaddir = (struct p9_treaddir){3, 0, counts[i]};
		raw_send_msg(r, &m);
		check_io_reply(r, 21, counts[i], "Treaddir count > msize");
	}
	/* Twrite whose count claims more than the frame holds. */
	fr_init(&f, P9_TWRITE, 22);
	fr_u32(&f, 2);
	fr_u64(&f, 0);
	fr_u32(&f, UINT32_MAX);
	fr_str(&f, "xyz");
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 22, "Twrite count 2^32-1 in a small frame", NULL);
out:
	raw_close(r);
}

static void case_big_offsets(void)
{
	static const uint64_t offs[] = {UINT64_MAX, UINT64_MAX - 5, 1ULL << 63, (1ULL << 63) - 1,
					(1ULL << 62)};
	struct raw *r = raw_session();
	struct p9_msg m;
	struct stat st;
	char path[4096];
	off_t size0;

	if (!r)
		return;
	snprintf(path, sizeof(path), "%s/%s", export_path, FILE_NAME);
	if (stat(path, &st) < 0) {
		fail("stat %s: %s", path, strerror(errno));
		goto out;
	}
	size0 = st.st_size;
	if (!raw_walk(r, ROOT_FID, 2, FILE_NAME) || !raw_lopen(r, 2, P9_DOTL_RDWR) ||
	    !raw_walk(r, ROOT_FID, 3, NULL) || !raw_lopen(r, 3, P9_DOTL_RDONLY))
		goto out;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		m = (struct p9_msg){.type = P9_TREAD, .tag = 30};
		m.u.tread = (struct p9_tread){2, offs[i], 100};
		raw_send_msg(r, &m);
		check_io_reply(r, 30, 100, "Tread at offset near 2^64");
		if (r->m.type == P9_RREAD && r->m.u.rread.count)
			fail("Tread at offset %llu returned %u bytes", (unsigned long long)offs[i],
			     r->m.u.rread.count);
		m = (struct p9_msg){.type = P9_TREADDIR, .tag = 31};
		m.u.treaddir = (struct p9_treaddir){3, offs[i], 1000};
		raw_send_msg(r, &m);
		check_io_reply(r, 31, 1000, "Treaddir at offset near 2^64");
		if (offs[i] >= (1ULL << 62)) /* only wraps and the far end; ext4 allows less */
		{
			m = (struct p9_msg){.type = P9_TWRITE, .tag = 32};
			m.u.twrite = (struct p9_twrite){2, offs[i], 10, "0123456789"};
			raw_send_msg(r, &m);
			check_io_reply(r, 32, 10, "Twrite at offset near 2^64");
		}
	}
	/* Truncate far away, and a lock range that wraps. */
	m = (struct p9_msg){.type = P9_TSETATTR, .tag = 33};
	m.u.tsetattr.fid = 2;
	m.u.tsetattr.valid = P9_SETATTR_SIZE;
	m.u.tsetattr.size = UINT64_MAX;
	raw_send_msg(r, &m);
	expect_err_or_close(r, 33, "Tsetattr size 2^64-1", NULL);
	m = (struct p9_msg){.type = P9_TLOCK, .tag = 34};
	m.u.tlock =
	    (struct p9_tlock){2, P9_LOCK_TYPE_WRLCK, 0, UINT64_MAX - 1, 10, 1, p9_str_c("h")};
	raw_send_msg(r, &m);
	if (raw_recv(r, RECV_MS) == -ETIMEDOUT)
		fail("Tlock with a wrapping range: no answer");
	m = (struct p9_msg){.type = P9_TGETLOCK, .tag = 35};
	m.u.getlock =
	    (struct p9_getlock){2, P9_LOCK_TYPE_WRLCK, UINT64_MAX, UINT64_MAX, 1, p9_str_c("h")};
	raw_send_msg(r, &m);
	if (raw_recv(r, RECV_MS) == -ETIMEDOUT)
		fail("Tgetlock with a wrapping range: no answer");
	if (stat(path, &st) == 0 && st.st_size != size0 && st.st_size > (off_t)(1ULL << 40))
		note("file grew to %lld bytes (sparse) through a far write", (long long)st.st_size);
out:
	raw_close(r);
	/* Keep the file the good client reads at its size. */
	if (truncate(path, 3) < 0)
		fail("truncate %s: %s", path, strerror(errno));
}

static void case_bad_names(void)
{
	static const char *const names[] = {"a/b", "/",	   "..",
					    ".",   "../x", "x/..",
					    "",	   "/etc", "../../../../../../../tmp/p9g-escape"};
	struct raw *r = raw_session();
	struct p9_msg m;
	struct frame f;
	char what[128];
	uint16_t tag = 40;

	if (!r)
		return;
	if (!raw_walk(r, ROOT_FID, 2, NULL))
		goto out;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct p9_str n = p9_str_c(names[i]);

		for (int k = 0; k < 7; k++) {
			memset(&m, 0, sizeof(m));
			m.tag = ++tag;
			switch (k) {
			case 0:
				m.type = P9_TLCREATE;
				m.u.tlcreate = (struct p9_tlcreate){2, n, P9_DOTL_CREATE, 0644, 0};
				break;
			case 1:
				m.type = P9_TMKDIR;
				m.u.tmkdir = (struct p9_tmkdir){ROOT_FID, n, 0755, 0};
				break;
			case 2:
				m.type = P9_TSYMLINK;
				m.u.tsymlink = (struct p9_tsymlink){ROOT_FID, n, p9_str_c("t"), 0};
				break;
			case 3:
				m.type = P9_TMKNOD;
				m.u.tmknod = (struct p9_tmknod){ROOT_FID, n, 010644, 0, 0, 0};
				break;
			case 4:
				m.type = P9_TRENAMEAT;
				m.u.trenameat = (struct p9_trenameat){ROOT_FID, p9_str_c(FILE_NAME),
								      ROOT_FID, n};
				break;
			case 5:
				m.type = P9_TUNLINKAT;
				m.u.tunlinkat = (struct p9_tunlinkat){ROOT_FID, n, 0};
				break;
			case 6:
				m.type = P9_TLINK;
				m.u.tlink = (struct p9_tlink){ROOT_FID, ROOT_FID, n};
				break;
			}
			raw_send_msg(r, &m);
			snprintf(what, sizeof(what), "%s name \"%s\"", tname(m.type), names[i]);
			if (expect_err_or_close(r, m.tag, what, NULL) <= 0)
				goto out;
		}
		/* Walk: '/' or an empty name is refused; ".." stays inside. */
		if (strchr(names[i], '/') || !names[i][0]) {
			memset(&m, 0, sizeof(m));
			m.type = P9_TWALK;
			m.tag = ++tag;
			m.u.twalk = (struct p9_twalk){.fid = ROOT_FID, .newfid = 9, .nwname = 1};
			m.u.twalk.wname[0] = n;
			raw_send_msg(r, &m);
			snprintf(what, sizeof(what), "Twalk name \"%s\"", names[i]);
			if (expect_err_or_close(r, m.tag, what, NULL) <= 0)
				goto out;
		}
	}
	/* A name with a NUL inside: malformed. */
	fr_init(&f, P9_TLCREATE, 60);
	fr_u32(&f, 2);
	fr_strn(&f, "ok\0../evil", 10);
	fr_u32(&f, P9_DOTL_CREATE);
	fr_u32(&f, 0644);
	fr_u32(&f, 0);
	fr_end(&f);
	fr_send(r, &f);
	expect_err_or_close(r, 60, "Tlcreate name with a NUL", NULL);
out:
	raw_close(r);
}

/* Walk 16 ".." from the root, then ".." and the sentinel's name: still inside. */
static void case_dotdot(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;
	struct p9_qid rootq;
	const char *sent = strrchr(sentinel_path, '/');

	if (!r)
		return;
	sent = sent ? sent + 1 : sentinel_path;
	m = (struct p9_msg){.type = P9_TWALK, .tag = 70};
	m.u.twalk.fid = ROOT_FID;
	m.u.twalk.newfid = 2;
	if (!raw_call(r, &m, P9_RWALK, "Twalk clone"))
		goto out;
	m = (struct p9_msg){.type = P9_TGETATTR, .tag = 71};
	m.u.tgetattr = (struct p9_tgetattr){ROOT_FID, P9_GETATTR_BASIC};
	if (!raw_call(r, &m, P9_RGETATTR, "Tgetattr root"))
		goto out;
	rootq = r->m.u.rgetattr.qid;
	m = (struct p9_msg){.type = P9_TWALK, .tag = 72};
	m.u.twalk.fid = ROOT_FID;
	m.u.twalk.newfid = 3;
	m.u.twalk.nwname = 16;
	for (int i = 0; i < 16; i++)
		m.u.twalk.wname[i] = p9_str_c("..");
	if (!raw_call(r, &m, P9_RWALK, "Twalk 16 x .."))
		goto out;
	if (r->m.u.rwalk.nwqid != 16 || r->m.u.rwalk.wqid[15].path != rootq.path)
		fail("16 x .. from the root left the root (qid %llx, root %llx)",
		     (unsigned long long)r->m.u.rwalk.wqid[15].path,
		     (unsigned long long)rootq.path);
	m = (struct p9_msg){.type = P9_TWALK, .tag = 73};
	m.u.twalk.fid = 3;
	m.u.twalk.newfid = 4;
	m.u.twalk.nwname = 2;
	m.u.twalk.wname[0] = p9_str_c("..");
	m.u.twalk.wname[1] = p9_str_c(sent);
	raw_send_msg(r, &m);
	/* Rlerror, a partial Rwalk, or closed: all fine; 2 qids are an escape. */
	if (raw_recv(r, RECV_MS) == 1 && r->m.type == P9_RWALK && r->m.u.rwalk.nwqid == 2)
		fail("walked from the export into the sentinel %s", sentinel_path);
out:
	raw_close(r);
}

/* Symlinks in the export that point outside it (made by run.sh). */
static void case_symlinks(void)
{
	static const char *const links[] = {"esc-rel", "esc-abs"};
	struct raw *r = raw_session();
	struct p9_msg m;
	char what[128];
	uint16_t tag = 80;

	if (!r)
		return;
	for (size_t i = 0; i < 2; i++) {
		/* Walk through the link: must not reach the sentinel's entries. */
		m = (struct p9_msg){.type = P9_TWALK, .tag = ++tag};
		m.u.twalk.fid = ROOT_FID;
		m.u.twalk.newfid = 10;
		m.u.twalk.nwname = 2;
		m.u.twalk.wname[0] = p9_str_c(links[i]);
		m.u.twalk.wname[1] = p9_str_c("inside");
		if (!raw_call(r, &m, 0, "Twalk through a symlink"))
			goto out;
		if (r->m.type == P9_RWALK && r->m.u.rwalk.nwqid == 2) {
			fail("walked through symlink %s out of the export", links[i]);
			goto out;
		}
		/* The link itself: open, create through it, read its text. */
		if (!raw_walk(r, ROOT_FID, 11, links[i]))
			goto out;
		m = (struct p9_msg){.type = P9_TLOPEN, .tag = ++tag};
		m.u.tlopen = (struct p9_tlopen){11, P9_DOTL_RDWR};
		raw_send_msg(r, &m);
		snprintf(what, sizeof(what), "Tlopen of symlink %s", links[i]);
		if (expect_err_or_close(r, tag, what, NULL) <= 0)
			goto out;
		m = (struct p9_msg){.type = P9_TLCREATE, .tag = ++tag};
		m.u.tlcreate =
		    (struct p9_tlcreate){11, p9_str_c("planted"), P9_DOTL_CREATE, 0644, 0};
		raw_send_msg(r, &m);
		snprintf(what, sizeof(what), "Tlcreate in symlink %s", links[i]);
		if (expect_err_or_close(r, tag, what, NULL) <= 0)
			goto out;
		m = (struct p9_msg){.type = P9_TMKDIR, .tag = ++tag};
		m.u.tmkdir = (struct p9_tmkdir){11, p9_str_c("planted"), 0755, 0};
		raw_send_msg(r, &m);
		snprintf(what, sizeof(what), "Tmkdir in symlink %s", links[i]);
		if (expect_err_or_close(r, tag, what, NULL) <= 0)
			goto out;
		m = (struct p9_msg){.type = P9_TSETATTR, .tag = ++tag};
		m.u.tsetattr.fid = 11;
		m.u.tsetattr.valid = P9_SETATTR_MODE;
		m.u.tsetattr.mode = 0777;
		raw_send_msg(r, &m);
		if (raw_recv(r, RECV_MS) == -ETIMEDOUT)
			fail("Tsetattr mode of a symlink: no answer");
		m = (struct p9_msg){.type = P9_TREADLINK, .tag = ++tag};
		m.u.tfid.fid = 11;
		if (!raw_call(r, &m, P9_RREADLINK, "Treadlink"))
			goto out;
		m = (struct p9_msg){.type = P9_TCLUNK, .tag = ++tag};
		m.u.tfid.fid = 11;
		raw_call(r, &m, P9_RCLUNK, "Tclunk");
	}
out:
	raw_close(r);
}

/* Seconds the daemon under test gives a started frame (run.sh: --frame-timeout). */
static int frame_timeout_s(void)
{
	const char *v = getenv("P9G_FRAME_TIMEOUT");

	return v ? atoi(v) : 0;
}

/* Has the daemon closed r (EOF or reset pending)? */
static bool raw_closed_by_peer(struct raw *r)
{
	char c;

	return wait_readable(r->fd, 0) > 0 && recv(r->fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/*
 * A client that sends half a frame and goes silent must not block others,
 * and is closed once --frame-timeout has passed.
 */
static void case_half_frame(void)
{
	struct raw *silent[8];
	struct frame f;
	int n = 0, closed = 0, ft = frame_timeout_s();

	for (int i = 0; i < 8; i++) {
		silent[i] = raw_open();
		if (!silent[i])
			break;
		n++;
		if (i % 2) {
			/* Versioned, then half of a Twalk header. */
			if (!raw_version(silent[i], MSIZE))
				continue;
			fr_init(&f, P9_TWALK, 1);
			raw_send(silent[i], f.b, 5);
		} else {
			/* A size promising a whole 4096-byte frame, then 11 bytes. */
			fr_init(&f, P9_TVERSION, P9_NOTAG);
			fr_u32(&f, MSIZE);
			fr_size(&f, P9_MIN_MSIZE);
			raw_send(silent[i], f.b, f.len);
		}
	}
	/* Others are served meanwhile (after_case checks this too). */
	good_client();
	if (ft <= 0) {
		note("P9G_FRAME_TIMEOUT not set: the partial-frame timeout is not checked");
		ft = 1;
	}
	sleep((unsigned int)ft + 2);
	for (int i = 0; i < n; i++)
		if (raw_closed_by_peer(silent[i]))
			closed++;
	note("%d silent half-frame clients: %d closed within --frame-timeout %d s + 2 s", n,
	     closed, ft);
	if (getenv("P9G_FRAME_TIMEOUT") && closed != n)
		fail("%d of %d half-frame clients still open %d s after --frame-timeout %d s",
		     n - closed, n, 2, ft);
	for (int i = 0; i < n; i++)
		raw_close(silent[i]);
}

/*
 * More silent clients than --max-connections (run.sh: P9G_MAX_CONNS): a
 * client beyond the limit is refused at once (closed, not left hanging),
 * and once the silent ones are dropped by the partial-frame timeout the
 * daemon serves again.
 */
static void case_conn_limit(void)
{
	const char *mc = getenv("P9G_MAX_CONNS");
	int max = mc ? atoi(mc) : 0, ft = frame_timeout_s();
	struct raw *silent[100];
	struct p9_client *c = NULL;
	int n = 0, refused = 0, rc;

	for (int i = 0; i < 100; i++) {
		silent[i] = raw_open();
		if (!silent[i])
			break;
		n++;
		raw_send(silent[i], "\x20\x00", 2);
	}
	usleep(500000);
	/* The refused ones are closed at once; a connection of the previous
	 * case may still have been hanging up, so count what was accepted. */
	for (int i = 0; i < n; i++)
		if (raw_closed_by_peer(silent[i]))
			refused++;
	note("%d silent connections: %d accepted, %d refused (--max-connections %d)", n,
	     n - refused, refused, max);
	if (max > 0 && n - refused > max)
		fail("%d connections accepted with --max-connections %d", n - refused, max);
	rc = p9c_connect_unix(sock_path, 65536, &c);
	if (rc == 0) {
		p9c_close(c);
		if (max > 0 && n - refused >= max)
			fail("with %d silent connections open and --max-connections %d a new client "
			     "was still served",
			     n - refused, max);
		else
			note("with %d silent connections open a new client is still served",
			     n - refused);
	} else {
		note("a new client beyond the limit is refused: %s", strerror(-rc));
	}
	if (ft > 0) {
		/* The silent ones each hold 2 bytes of a frame: dropped after ft s. */
		sleep((unsigned int)ft + 2);
		rc = p9c_connect_unix(sock_path, 65536, &c);
		if (rc == 0)
			p9c_close(c);
		else
			fail("%d s after the silent connections' frames timed out a new client "
			     "still gets %s",
			     ft + 2, strerror(-rc));
	}
	for (int i = 0; i < n; i++)
		raw_close(silent[i]);
	sleep(1); /* the daemon notices the hang-ups */
}

struct reader_arg {
	struct raw *r;
	unsigned int want, got, bad;
	uint8_t *seen;
};

static void *tag_reader(void *arg)
{
	struct reader_arg *a = arg;

	while (a->got < a->want) {
		if (raw_recv(a->r, 20000) != 1)
			break;
		if (a->r->m.type != P9_RGETATTR || a->seen[a->r->m.tag])
			a->bad++;
		a->seen[a->r->m.tag] = 1;
		a->got++;
	}
	return NULL;
}

static void many_tags(unsigned int ntags)
{
	struct raw *r = raw_session();
	struct reader_arg a = {.want = ntags};
	pthread_t th;
	uint8_t *burst;
	size_t n = 0;
	struct frame f;
	unsigned long kb0, kb1 = 0;

	if (!r)
		return;
	a.r = r;
	a.seen = calloc(65536, 1);
	burst = malloc((size_t)ntags * 19);
	if (!a.seen || !burst)
		goto out;
	for (unsigned int t = 0; t < ntags; t++) {
		fr_init(&f, P9_TGETATTR, (uint16_t)t);
		fr_u32(&f, ROOT_FID);
		fr_u64(&f, P9_GETATTR_BASIC);
		fr_end(&f);
		memcpy(burst + n, f.b, f.len);
		n += f.len;
	}
	kb0 = rss_kb(fe_pid);
	if (pthread_create(&th, NULL, tag_reader, &a) != 0)
		goto out;
	raw_send(r, burst, n);
	kb1 = rss_kb(fe_pid);
	pthread_join(th, NULL);
	if (a.got != ntags || a.bad)
		fail("%u requests with distinct tags: %u replies, %u wrong or duplicate", ntags,
		     a.got, a.bad);
	else
		note("%u requests with distinct tags in one burst: all answered "
		     "(frontend RSS %lu -> %lu kB)",
		     ntags, kb0, kb1);
out:
	free(burst);
	free(a.seen);
	raw_close(r);
}

static void case_tags_5000(void)
{
	many_tags(5000);
}

static void case_tags_65535(void)
{
	many_tags(65535);
}

/* Send what the socket takes within ms; returns the bytes sent. */
static size_t send_some(int fd, const uint8_t *p, size_t n, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	size_t off = 0;
	ssize_t k;

	while (off < n) {
		k = send(fd, p + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EINTR) && poll(&pfd, 1, ms) > 0)
			continue;
		break;
	}
	return off;
}

/* 5000 requests and then never read a reply: memory stays bounded. */
static void case_unread_replies(void)
{
	struct raw *r = raw_session();
	struct frame f;
	uint8_t *burst;
	size_t n = 0;
	int one = 1;

	if (!r)
		return;
	/* A tiny receive buffer so that replies back up quickly. */
	setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	burst = malloc(5000 * 19);
	if (!burst)
		goto out;
	for (unsigned int t = 0; t < 5000; t++) {
		fr_init(&f, P9_TGETATTR, (uint16_t)t);
		fr_u32(&f, ROOT_FID);
		fr_u64(&f, P9_GETATTR_ALL);
		fr_end(&f);
		memcpy(burst + n, f.b, f.len);
		n += f.len;
	}
	note("client never reads: the daemon took %zu of %zu request bytes before pushing back",
	     send_some(r->fd, burst, n, 1000), n);
	free(burst);
	sleep(1);
	/* after_case: others are served, RSS bounded, while this one hangs. */
	good_client();
out:
	raw_close(r);
}

/*
 * Big replies never read: the first Rread fills the socket, the rest wait
 * in the writer's queue, each holding a reply buffer of up to msize.  Four
 * such connections at once; the frontend's memory must stay bounded.
 */
static void case_big_replies_unread(void)
{
	static uint8_t data[P9_MAX_MSIZE];
	struct raw *r[4] = {NULL};
	struct p9_msg m;
	uint32_t count;
	unsigned long kb0, kb1;
	int one = 1, sent = 0;

	kb0 = rss_kb(fe_pid);
	r[0] = raw_open();
	if (!r[0] || !raw_version(r[0], P9_MAX_MSIZE) || !raw_attach(r[0], ROOT_FID, 0) ||
	    !raw_walk(r[0], ROOT_FID, 2, NULL))
		goto out;
	/* A 1 MiB file to read. */
	count = r[0]->msize - P9_IOUNIT_OVERHEAD;
	m = (struct p9_msg){.type = P9_TLCREATE, .tag = 5};
	m.u.tlcreate =
	    (struct p9_tlcreate){2, p9_str_c("big"), P9_DOTL_CREATE | P9_DOTL_RDWR, 0644, 0};
	if (!raw_call(r[0], &m, P9_RLCREATE, "Tlcreate big"))
		goto out;
	memset(data, 'b', sizeof(data));
	m = (struct p9_msg){.type = P9_TWRITE, .tag = 6};
	m.u.twrite = (struct p9_twrite){2, 0, count, data};
	if (!raw_call(r[0], &m, P9_RWRITE, "Twrite 1 MiB"))
		goto out;
	for (int k = 0; k < 4; k++) {
		if (k && (!(r[k] = raw_open()) || !raw_version(r[k], P9_MAX_MSIZE) ||
			  !raw_attach(r[k], ROOT_FID, 0)))
			goto out;
		if (k &&
		    (!raw_walk(r[k], ROOT_FID, 2, "big") || !raw_lopen(r[k], 2, P9_DOTL_RDONLY)))
			goto out;
		setsockopt(r[k]->fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
		for (int i = 0; i < 200; i++) {
			uint8_t f[P9_HDR_SIZE + 16];
			size_t len;

			m = (struct p9_msg){.type = P9_TREAD, .tag = (uint16_t)(100 + i)};
			m.u.tread = (struct p9_tread){2, 0, count};
			if (p9_encode(f, sizeof(f), &m, &len) != P9_OK ||
			    send_some(r[k]->fd, f, len, 500) != len)
				break;
			sent++;
		}
	}
	sleep(2);
	kb1 = rss_kb(fe_pid);
	note("4 connections x %d-byte Treads, replies never read (%d requests taken): "
	     "frontend RSS %lu -> %lu kB",
	     (int)count, sent, kb0, kb1);
	if (kb1 > rss_limit_kb)
		fail("frontend VmRSS %lu kB > %lu kB with 4 connections not reading big replies "
		     "(each pins up to CONN_MAX_REQS x msize = 64 MiB; no global bound)",
		     kb1, rss_limit_kb);
out:
	for (int k = 0; k < 4; k++)
		raw_close(r[k]);
	sleep(1);
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/big", export_path);
		unlink(p);
	}
}

/*
 * xattr values being written are held by the frontend until the clunk
 * (at most 64 KiB each), one per fid: thousands of fids, each with a
 * Txattrcreate of 64 KiB and the value written, never clunked.
 */
static void case_xattr_buffers_pinned(void)
{
	static uint8_t val[HP_MAX_XATTR_VALUE];
	struct raw *r = raw_open();
	struct p9_msg m;
	unsigned long kb0, kb1;
	int made = 0, n = 4000;

	if (!r || !raw_version(r, P9_MAX_MSIZE) || !raw_attach(r, ROOT_FID, 0))
		goto out;
	kb0 = rss_kb(fe_pid);
	memset(val, 'v', sizeof(val));
	for (int i = 0; i < n; i++) {
		uint32_t fid = 1000 + (uint32_t)i;

		if (!raw_walk(r, ROOT_FID, fid, FILE_NAME))
			break;
		m = (struct p9_msg){.type = P9_TXATTRCREATE, .tag = 7};
		m.u.txattrcreate =
		    (struct p9_txattrcreate){fid, p9_str_c("user.pin"), sizeof(val), 0};
		if (raw_send_msg(r, &m) < 0 || raw_recv(r, RECV_MS) != 1)
			break;
		if (r->m.type != P9_RXATTRCREATE) {
			note("Txattrcreate number %d refused: errno %u", i + 1,
			     r->m.type == P9_RLERROR ? r->m.u.rlerror.ecode : 0);
			break;
		}
		m = (struct p9_msg){.type = P9_TWRITE, .tag = 8};
		m.u.twrite = (struct p9_twrite){fid, 0, sizeof(val), val};
		if (raw_send_msg(r, &m) < 0 || raw_recv(r, RECV_MS) != 1 || r->m.type != P9_RWRITE)
			break;
		made++;
		if (made % 500 == 0 && rss_kb(fe_pid) > rss_limit_kb)
			break;
	}
	kb1 = rss_kb(fe_pid);
	note("%d fids each holding a 64 KiB xattr value being written: frontend RSS "
	     "%lu -> %lu kB",
	     made, kb0, kb1);
	if (kb1 > rss_limit_kb)
		fail("frontend VmRSS %lu kB > %lu kB with %d pending xattr values on ONE "
		     "connection (FID_MAX_PER_CONN x 64 KiB = 1 GiB per connection)",
		     kb1, rss_limit_kb, made);
out:
	raw_close(r);
	sleep(1);
}

static void case_flush_storm(void)
{
	struct raw *r = raw_session();
	struct p9_msg m;
	int rc, got = 0;

	if (!r)
		return;
	/* Flush of itself, of unknown tags, of NOTAG, and a chain. */
	for (int i = 0; i < 50; i++) {
		m = (struct p9_msg){.type = P9_TFLUSH, .tag = (uint16_t)(200 + i)};
		m.u.tflush.oldtag = (uint16_t)(i % 3 == 0   ? 200 + i
					       : i % 3 == 1 ? P9_NOTAG
							    : 199 + i);
		raw_send_msg(r, &m);
	}
	while (got < 50 && (rc = raw_recv(r, RECV_MS)) == 1) {
		if (r->m.type != P9_RFLUSH) {
			fail("Tflush answered with %s", tname(r->m.type));
			break;
		}
		got++;
	}
	if (got < 50 && !cur_fail[0])
		note("50 odd Tflush: %d Rflush, then the connection closed", got);
	raw_close(r);
}

static void case_xattr_sizes(void)
{
	static const uint64_t sizes[] = {UINT64_MAX, 1ULL << 32, 64ULL << 20, 65537};
	struct raw *r = raw_session();
	struct p9_msg m;
	char what[64];

	if (!r)
		return;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (!raw_walk(r, ROOT_FID, 2, FILE_NAME))
			break;
		m = (struct p9_msg){.type = P9_TXATTRCREATE, .tag = (uint16_t)(90 + i)};
		m.u.txattrcreate = (struct p9_txattrcreate){2, p9_str_c("user.big"), sizes[i], 0};
		raw_send_msg(r, &m);
		snprintf(what, sizeof(what), "Txattrcreate size %llu",
			 (unsigned long long)sizes[i]);
		if (expect_err_or_close(r, m.tag, what, NULL) <= 0)
			break;
		m = (struct p9_msg){.type = P9_TCLUNK, .tag = 99};
		m.u.tfid.fid = 2;
		raw_send_msg(r, &m);
		raw_recv(r, RECV_MS);
	}
	raw_close(r);
}

static void case_odd_attach(void)
{
	static const char *const anames[] = {"..", "../..", "/etc", "/", "x/../../.."};
	struct raw *r = raw_open();
	struct p9_msg m;
	uint32_t fid = 20;

	if (!r || !raw_version(r, MSIZE))
		goto out;
	for (size_t i = 0; i < sizeof(anames) / sizeof(anames[0]); i++) {
		m = (struct p9_msg){.type = P9_TATTACH, .tag = (uint16_t)i};
		m.u.tattach = (struct p9_tattach){fid, P9_NOFID, p9_str_c("root"),
						  p9_str_c(anames[i]), P9_NONUNAME};
		if (raw_send_msg(r, &m) < 0 || raw_recv(r, RECV_MS) != 1) {
			fail("Tattach aname %s: no answer", anames[i]);
			goto out;
		}
		if (r->m.type == P9_RATTACH) {
			/* It must be the export: our file is there. */
			if (!raw_walk(r, fid, fid + 100, FILE_NAME))
				fail("Tattach aname \"%s\" attached something else", anames[i]);
			fid++;
		}
	}
	/* uids that are no one: ~0 - 1, and 65534 with uname "root". */
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 30};
	m.u.tattach = (struct p9_tattach){50, P9_NOFID, p9_str_c(""), p9_str_c(""), 0xfffffffe};
	raw_send_msg(r, &m);
	if (raw_recv(r, RECV_MS) == 1 && r->m.type == P9_RATTACH) {
		m = (struct p9_msg){.type = P9_TLCREATE, .tag = 31};
		m.u.tlcreate =
		    (struct p9_tlcreate){50, p9_str_c("by-nobody"), P9_DOTL_CREATE, 0644, 0};
		raw_send_msg(r, &m);
		if (raw_recv(r, RECV_MS) == 1 && r->m.type == P9_RLCREATE)
			fail("uid 0xfffffffe created a file in a root-owned 0755 export");
	}
out:
	raw_close(r);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
    {"truncated-frames", case_truncated},
    {"lying-size-fields", case_lying_sizes},
    {"unknown-types", case_unknown_types},
    {"r-messages-as-requests", case_r_as_t},
    {"before-tversion", case_before_version},
    {"second-tversion", case_version_again},
    {"tag-reuse-in-flight", case_tag_reuse},
    {"fid-reuse", case_fid_reuse},
    {"unknown-fids", case_unknown_fids},
    {"walk-17-names", case_walk17},
    {"counts-above-msize", case_big_counts},
    {"offsets-near-2^64", case_big_offsets},
    {"names-with-slash-nul-dots", case_bad_names},
    {"dotdot-at-root", case_dotdot},
    {"symlinks-out-of-export", case_symlinks},
    {"odd-attach", case_odd_attach},
    {"xattr-sizes", case_xattr_sizes},
    {"flush-storm", case_flush_storm},
    {"half-frame-silent-clients", case_half_frame},
    {"5000-outstanding-tags", case_tags_5000},
    {"65535-outstanding-tags", case_tags_65535},
    {"replies-never-read", case_unread_replies},
    {"connection-limit", case_conn_limit},
    /* Last: memory the frontend keeps after these is not always returned. */
    {"big-replies-never-read-4-conns", case_big_replies_unread},
    {"xattr-values-pinned", case_xattr_buffers_pinned},
};

int main(int argc, char **argv)
{
	const char *only = getenv("HOSTILE_ONLY");
	char *slash;

	if (argc != 5) {
		fprintf(stderr, "usage: hostile_9p SOCK EXPORT SENTINEL PID\n");
		return 2;
	}
	sock_path = argv[1];
	export_path = argv[2];
	sentinel_path = argv[3];
	fe_pid = (pid_t)atoi(argv[4]);
	if (getenv("P9G_RSS_LIMIT_MB"))
		rss_limit_kb = strtoul(getenv("P9G_RSS_LIMIT_MB"), NULL, 10) * 1024ul;
	signal(SIGPIPE, SIG_IGN);
	snprintf(parent_path, sizeof(parent_path), "%s", export_path);
	slash = strrchr(parent_path, '/');
	if (slash && slash != parent_path)
		*slash = '\0';
	export_base = strrchr(export_path, '/') ? strrchr(export_path, '/') + 1 : export_path;
	sentinel_at_start = dir_digest(sentinel_path, NULL);
	parent_at_start = dir_digest(parent_path, export_base);
	helper_at_start = helper_pid();
	if (!helper_at_start)
		printf("NOTE: helper pid not found under frontend %d\n", (int)fe_pid);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!only || strstr(cases[i].name, only))
			run_case(cases[i].name, cases[i].fn);

	printf("NOTE: largest frontend VmRSS seen after a case: %lu kB\n", rss_max_kb);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
