/*
 * hostile_frontend.c - a compromised frontend against p9guard-helper.
 *
 *	hostile_frontend HELPER TOPDIR
 *
 * Runs as root.  Makes TOPDIR/export (the export) and TOPDIR/outside (which
 * nothing may touch), starts the helper exactly as the launcher does (exec
 * with --sock-fd/--root-fd/--export on a SOCK_SEQPACKET socketpair, stderr
 * to a log file) and sends it malicious requests.  Every request must be
 * refused with an errno, or, for a protocol violation, the helper must exit
 * with status 2 and "protocol violation" in its log.  After every case the
 * directory outside the export (and the files in it) must be unchanged.
 *
 * This extends tests/integration/helper_driver.c (which covers: '/' or NUL
 * in a walk name, truncated/trailing/oversized packets, unknown opcode,
 * attach before hello, a second hello, one descriptor with GETATTR,
 * random mutations, and the basic symlink escapes) with forged and stale
 * handle ids, every create-type op with '/' names, ".." chains, oversized
 * counts of every kind, descriptors with other messages, symlink and
 * moved-directory tricks, uid ~0, REFUSED reports (any name bytes, forged
 * handles, fields out of bounds), handle-table exhaustion and a reply flood.
 *
 * Prints "PASS: name" / "FAIL: name: why" and "N passed, N failed".
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "hp_codec.h"
#include "hostile_frontend.h"

#define REPLY_MS 5000
#define EXIT_VIOLATION 2

const char *helper_path, *top;
char export_dir[512], outside_dir[512];
const char *drv_extra_args[DRV_MAX_EXTRA + 1];
static char secret[600], outside_link_target[600];
static int npass, nfail, nlog;
static const char *cur_case;
static char cur_fail[512];

void fail(const char *fmt, ...)
{
	va_list ap;

	if (cur_fail[0])
		return;
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

/* ---- the helper ---- */

void drv_start(struct drv *d)
{
	char a_sock[32], a_root[32], a_export[600];
	int sv[2], rootfd, logfd;

	memset(d, 0, sizeof(*d));
	d->sock = -1;
	snprintf(d->log, sizeof(d->log), "%s/helper-%d.log", top, ++nlog);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(2);
	}
	rootfd = open(export_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	logfd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rootfd < 0 || logfd < 0) {
		perror(export_dir);
		exit(2);
	}
	d->pid = fork();
	if (d->pid < 0) {
		perror("fork");
		exit(2);
	}
	if (d->pid == 0) {
		fcntl(sv[1], F_SETFD, 0);
		fcntl(rootfd, F_SETFD, 0);
		dup2(logfd, 2);
		snprintf(a_sock, sizeof(a_sock), "--sock-fd=%d", sv[1]);
		snprintf(a_root, sizeof(a_root), "--root-fd=%d", rootfd);
		snprintf(a_export, sizeof(a_export), "--export=%s", export_dir);
		const char *argv[8 + DRV_MAX_EXTRA] = { helper_path, a_sock, a_root, a_export,
							"--threads=4", "--log-level=info",
							"--seccomp-action=kill" };

		for (int i = 0, n = 7; i < DRV_MAX_EXTRA && drv_extra_args[i]; i++)
			argv[n++] = drv_extra_args[i];
		execv(helper_path, (char *const *)argv);
		perror(helper_path);
		_exit(127);
	}
	close(sv[1]);
	close(rootfd);
	close(logfd);
	d->sock = sv[0];
	d->reqid = 1;
}

/* Close our end, reap the helper: its exit status, -1 if killed by a signal. */
int drv_stop(struct drv *d)
{
	int st;

	if (d->sock >= 0)
		close(d->sock);
	d->sock = -1;
	if (d->pid <= 0)
		return -3;
	for (int i = 0; i < 500; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
		usleep(10000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = 0;
	return -2;
}

bool log_has(const struct drv *d, const char *text)
{
	char buf[65536];
	ssize_t n;
	int fd = open(d->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void send_pkt(struct drv *d, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 253)];
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(d->sock, &mh, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		fail("sendmsg: %s", strerror(errno));
}

/*
 * One reply: 1 (decoded into *rep, *fd set or -1), 0 when the helper hung
 * up, -ETIMEDOUT.
 */
static int recv_rep(struct drv *d, struct hp_rep *rep, int *fd, int ms)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = {.iov_base = d->rbuf, .iov_len = sizeof(d->rbuf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct pollfd pfd = {.fd = d->sock, .events = POLLIN};
	ssize_t n;
	int err;

	if (fd)
		*fd = -1;
	if (poll(&pfd, 1, ms) <= 0)
		return -ETIMEDOUT;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	n = recvmsg(d->sock, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int got;

			memcpy(&got, CMSG_DATA(cm), sizeof(got));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	}
	err = hp_decode_rep(d->rbuf, (size_t)n, rep);
	if (err) {
		fail("the helper sent a reply that does not decode: %s", hp_strerror(err));
		return -EPROTO;
	}
	return 1;
}

/*
 * Send a request, return the reply's errno (0 = success, reply in *rep);
 * -1 (after fail()) when the helper hung up or did not answer.
 */
int call(struct drv *d, struct hp_req *q, struct hp_rep *rep, int *fd)
{
	static uint8_t out[HP_MAX_MSG];
	struct hp_rep tmp;
	size_t len;
	int rc;

	if (!rep)
		rep = &tmp;
	q->reqid = d->reqid++;
	rc = hp_encode_req(out, sizeof(out), q, &len);
	if (rc) {
		fail("test bug: encode %s: %s", hp_op_name(q->op), hp_strerror(rc));
		return -1;
	}
	send_pkt(d, out, len, NULL, 0);
	if (q->op == HP_RELEASE)
		return 0;
	rc = recv_rep(d, rep, fd, REPLY_MS);
	if (rc != 1) {
		fail("%s: %s", hp_op_name(q->op),
		     rc == 0 ? "the helper hung up" : "no reply from the helper");
		return -1;
	}
	if (rep->reqid != q->reqid || rep->op != q->op) {
		fail("%s: reply for op %u reqid %u", hp_op_name(q->op), rep->op, rep->reqid);
		return -1;
	}
	return (int)rep->error;
}

struct hp_req mkreq(uint16_t op, uint32_t uid)
{
	struct hp_req q;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.uid = uid;
	q.gid = HP_GID_DEFAULT;
	return q;
}

struct p9_str S(const char *s)
{
	return (struct p9_str){.s = s, .len = (uint16_t)strlen(s)};
}

/* Start, hello, attach as root. */
bool drv_session(struct drv *d)
{
	struct hp_req q = mkreq(HP_HELLO, 0);
	struct hp_rep p;

	drv_start(d);
	q.u.hello.version = HP_VERSION;
	if (call(d, &q, &p, NULL) != 0)
		return false;
	q = mkreq(HP_ATTACH, 0);
	q.u.attach.aname = S("");
	if (call(d, &q, &p, NULL) != 0)
		return false;
	d->root = p.u.attach.handle;
	d->rootq = p.u.attach.qid;
	return true;
}

static int walk(struct drv *d, uint32_t from, int n, const char *const *names, uint32_t *h,
		uint16_t *nq, struct p9_qid *last)
{
	struct hp_req q = mkreq(HP_WALK, 0);
	struct hp_rep p;
	int e;

	q.u.walk.handle = from;
	q.u.walk.nwname = (uint16_t)n;
	for (int i = 0; i < n; i++)
		q.u.walk.wname[i] = S(names[i]);
	e = call(d, &q, &p, NULL);
	if (e == 0) {
		if (h)
			*h = p.u.walk.handle;
		if (nq)
			*nq = p.u.walk.nwqid;
		if (last && p.u.walk.nwqid)
			*last = p.u.walk.wqid[p.u.walk.nwqid - 1];
	}
	return e;
}

int walk1(struct drv *d, uint32_t from, const char *name, uint32_t *h)
{
	uint16_t n = 0;
	int e = walk(d, from, 1, &name, h, &n, NULL);

	return e == 0 && n != 1 ? ENOENT : e;
}

/* ---- what must never change ---- */

/* FNV-1a step of the digests below. */
static void mix(uint64_t *h, uint64_t v)
{
	*h ^= v;
	*h *= 1099511628211ULL;
}

static uint64_t tree_digest(const char *path, int depth)
{
	uint64_t h = 1469598103934665603ULL;
	struct dirent *de;
	struct stat st;
	char sub[1024];
	DIR *dir;

	if (lstat(path, &st) < 0)
		return 0;
	mix(&h, st.st_mode);
	mix(&h, st.st_uid);
	mix(&h, st.st_gid);
	mix(&h, st.st_size);
	mix(&h, st.st_mtim.tv_sec);
	mix(&h, st.st_mtim.tv_nsec);
	mix(&h, st.st_ctim.tv_nsec);
	mix(&h, st.st_nlink);
	mix(&h, listxattr(path, NULL, 0));
	if (!S_ISDIR(st.st_mode) || depth > 3)
		return h;
	dir = opendir(path);
	if (!dir)
		return h;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (const char *p = de->d_name; *p; p++)
			mix(&h, (unsigned char)*p);
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		mix(&h, tree_digest(sub, depth + 1));
	}
	closedir(dir);
	return h;
}

static uint64_t outside_at_start;

static void run_case(const char *name, void (*fn)(void))
{
	cur_case = name;
	cur_fail[0] = '\0';
	fn();
	if (tree_digest(outside_dir, 0) != outside_at_start)
		fail("the directory outside the export (%s) changed", outside_dir);
	if (cur_fail[0]) {
		printf("FAIL: %s: %s\n", name, cur_fail);
		nfail++;
	} else {
		printf("PASS: %s\n", name);
		npass++;
	}
	fflush(stdout);
}

/*
 * After a violation the helper must be gone: exit 2 and the log line, which
 * must also name `why` (the codec's reason) when it is not NULL.
 */
static void expect_violation_exit(struct drv *d, const char *what, const char *why)
{
	struct hp_rep p;
	int rc, st = 0;

	rc = recv_rep(d, &p, NULL, REPLY_MS);
	if (rc == 1) {
		fail("%s: answered (errno %u) instead of a protocol violation", what, p.error);
		drv_stop(d);
		return;
	}
	/* Do not close first: the helper must go on its own. */
	for (int i = 0; i < 500; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			break;
		}
		usleep(10000);
	}
	if (d->pid) {
		fail("%s: the helper is still running", what);
		drv_stop(d);
		return;
	}
	close(d->sock);
	d->sock = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != EXIT_VIOLATION)
		fail("%s: helper ended with %s %d, expected exit %d", what,
		     WIFEXITED(st) ? "exit" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), EXIT_VIOLATION);
	else if (!log_has(d, "protocol violation"))
		fail("%s: no \"protocol violation\" in %s", what, d->log);
	else if (why && !log_has(d, why))
		fail("%s: the helper exited, but not because of \"%s\" (see %s)", what, why,
		     d->log);
}

/* A fresh session, then `len` raw bytes: the helper must exit (violation). */
static void violation(const char *what, const char *why, const void *pkt, size_t len,
		      const int *fds, int nfds)
{
	struct drv *d = malloc(sizeof(*d));

	if (!d)
		abort();
	if (!drv_session(d)) {
		fail("%s: session setup failed", what);
		drv_stop(d);
		free(d);
		return;
	}
	send_pkt(d, pkt, len, fds, nfds);
	expect_violation_exit(d, what, why);
	free(d);
}

/* Encode a request by hand: header, then body bytes. */
struct pkt {
	uint8_t b[HP_MAX_MSG + 64];
	size_t len;
};

static void pk_u8(struct pkt *p, uint8_t v)
{
	p->b[p->len++] = v;
}

static void pk_u16(struct pkt *p, uint16_t v)
{
	pk_u8(p, (uint8_t)v);
	pk_u8(p, (uint8_t)(v >> 8));
}

static void pk_u32(struct pkt *p, uint32_t v)
{
	pk_u16(p, (uint16_t)v);
	pk_u16(p, (uint16_t)(v >> 16));
}

static void pk_strn(struct pkt *p, const char *s, size_t n)
{
	pk_u16(p, (uint16_t)n);
	memcpy(p->b + p->len, s, n);
	p->len += n;
}

static void pk_str(struct pkt *p, const char *s)
{
	pk_strn(p, s, strlen(s));
}

static void pk_hdr(struct pkt *p, uint16_t op)
{
	struct hp_req q = mkreq(HP_GETATTR, 0);
	size_t len = 0;

	/* The header as the codec writes it (op first), whatever its layout. */
	q.reqid = 99;
	if (hp_encode_req(p->b, sizeof(p->b), &q, &len) != HP_OK || len < HP_REQ_HDR_SIZE)
		abort();
	p->len = HP_REQ_HDR_SIZE;
	p->b[0] = (uint8_t)op;
	p->b[1] = (uint8_t)(op >> 8);
}

/* ---- cases ---- */

/* Every create-type operation with a name holding '/': a violation. */
static void case_slash_names(void)
{
	static const char *const bad[] = {"a/b", "../../outside/x", "/"};
	static struct pkt p;
	char what[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (uint16_t op = HP_LCREATE; op <= HP_UNLINKAT; op++) {
			/* root handle of a fresh helper: slot 0, generation 1 */
			uint32_t root = 1u << 16;

			pk_hdr(&p, op);
			switch (op) {
			case HP_LCREATE:
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				pk_u32(&p, P9_DOTL_CREATE);
				pk_u32(&p, 0644);
				break;
			case HP_MKDIR:
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				pk_u32(&p, 0755);
				break;
			case HP_SYMLINK:
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				pk_str(&p, "t");
				break;
			case HP_MKNOD:
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				pk_u32(&p, 010644);
				pk_u32(&p, 0);
				pk_u32(&p, 0);
				break;
			case HP_LINK:
				pk_u32(&p, root);
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				break;
			case HP_RENAMEAT:
				pk_u32(&p, root);
				pk_str(&p, "f");
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				break;
			case HP_RENAME:
				pk_u32(&p, root);
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				break;
			case HP_UNLINKAT:
				pk_u32(&p, root);
				pk_str(&p, bad[i]);
				pk_u32(&p, 0);
				break;
			}
			snprintf(what, sizeof(what), "%s with name \"%s\"", hp_op_name(op), bad[i]);
			violation(what, "'/' inside a name", p.b, p.len, NULL, 0);
			if (cur_fail[0])
				return;
		}
	}
	/* An empty name and an old name with '/' in renameat. */
	pk_hdr(&p, HP_MKDIR);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "");
	pk_u32(&p, 0755);
	violation("mkdir with an empty name", "empty name", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_RENAMEAT);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "../outside");
	pk_u32(&p, 1u << 16);
	pk_str(&p, "x");
	violation("renameat with old name \"../outside\"", "'/' inside a name", p.b, p.len, NULL,
		  0);
}

/* Counts beyond every limit: a violation each. */
static void case_huge_counts(void)
{
	static struct pkt p;
	static char big[HP_MAX_MSG];

	memset(big, 'a', sizeof(big));
	pk_hdr(&p, HP_XATTRGET);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "user.x");
	pk_u32(&p, UINT32_MAX);
	violation("xattrget size 2^32-1", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_XATTRGET);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "user.x");
	pk_u32(&p, HP_MAX_XATTR_VALUE + 1);
	violation("xattrget size 64 KiB + 1", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_XATTRLIST);
	pk_u32(&p, 1u << 16);
	pk_u32(&p, 0x80000000u);
	violation("xattrlist size 2^31", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_XATTRSET);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "user.x");
	pk_u32(&p, 0);
	pk_u32(&p, UINT32_MAX); /* len, with 3 bytes following */
	pk_strn(&p, "abc", 1);
	violation("xattrset len 2^32-1", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_XATTRSET);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "user.x");
	pk_u32(&p, 0);
	pk_u32(&p, 1000); /* claims 1000, 10 follow */
	memcpy(p.b + p.len, "0123456789", 10);
	p.len += 10;
	violation("xattrset len larger than the packet", "cut off", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_WALK);
	pk_u32(&p, 1u << 16);
	pk_u16(&p, 17);
	for (int i = 0; i < 17; i++)
		pk_str(&p, "..");
	violation("walk of 17 names", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_WALK);
	pk_u32(&p, 1u << 16);
	pk_u16(&p, 65535);
	violation("walk nwname 65535", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_SYMLINK);
	pk_u32(&p, 1u << 16);
	pk_str(&p, "l");
	pk_strn(&p, big, HP_MAX_SYMTGT + 1);
	violation("symlink target of 4096 bytes", "string longer than", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_MKDIR);
	pk_u32(&p, 1u << 16);
	pk_strn(&p, big, HP_MAX_NAME + 1);
	pk_u32(&p, 0755);
	violation("mkdir name of 256 bytes", "string longer than", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_ATTACH);
	pk_strn(&p, big, HP_MAX_ANAME + 1);
	violation("attach aname of 4096 bytes", "string longer than", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_SESSION_START);
	pk_u32(&p, 1);
	pk_strn(&p, big, 65535); /* a string that says 65535 and has them */
	violation("session_start peer of 65535 bytes", "string longer than", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_MKDIR);
	pk_u32(&p, 1u << 16);
	pk_u16(&p, 65535); /* string length beyond the packet */
	pk_u32(&p, 0755);
	violation("mkdir name length 65535 in a short packet", "string longer than", p.b, p.len,
		  NULL, 0);
}

/* Descriptors attached to other messages, and many of them. */
static void case_passed_fds(void)
{
	static struct pkt p;
	int fds[250], rootfd, n = 0;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 250; i++)
		fds[i] = rootfd;
	/* A walk whose "handle" is the real root, with the real root's fd. */
	pk_hdr(&p, HP_WALK);
	pk_u32(&p, (uint32_t)rootfd);
	pk_u16(&p, 1);
	pk_str(&p, "etc");
	violation("walk with the host's / passed as a descriptor", "control data", p.b, p.len,
		  &rootfd, 1);
	pk_hdr(&p, HP_RELEASE);
	pk_u32(&p, 12345);
	violation("release (no reply) with a descriptor", "control data", p.b, p.len, &rootfd, 1);
	pk_hdr(&p, HP_GETATTR);
	pk_u32(&p, 1u << 16);
	violation("getattr with 250 descriptors", "control data", p.b, p.len, fds, 250);
	/* Before hello. */
	{
		struct drv *d = malloc(sizeof(*d));
		struct hp_req q = mkreq(HP_HELLO, 0);
		size_t len;

		if (!d)
			abort();
		drv_start(d);
		q.u.hello.version = HP_VERSION;
		hp_encode_req(p.b, sizeof(p.b), &q, &len);
		send_pkt(d, p.b, len, &rootfd, 1);
		expect_violation_exit(d, "hello with a descriptor", "control data");
		free(d);
	}
	close(rootfd);
	/* None of our 250 copies may still be open in a helper: all exited. */
	(void)n;
}

/* Handle ids the helper never issued, stale ones and other generations. */
static void case_forged_handles(void)
{
	static const char *const name[] = {"dir"};
	struct drv *d = malloc(sizeof(*d));
	struct hp_req q;
	struct hp_rep p;
	uint32_t h = 0, forged[12];
	int e, n = 0;

	if (!d)
		abort();
	if (!drv_session(d)) {
		fail("session setup failed");
		goto out;
	}
	if (walk1(d, d->root, name[0], &h) != 0) {
		fail("walk dir");
		goto out;
	}
	forged[n++] = 0;
	forged[n++] = HP_NOHANDLE;
	forged[n++] = h + 1;			   /* next slot, never issued */
	forged[n++] = h ^ (1u << 16);		   /* same slot, other generation */
	forged[n++] = (h & 0xffffu) | 0x80000000u; /* generation beyond GEN_MAX */
	forged[n++] = (d->root & 0xffffu) | (0x7fffu << 16);
	forged[n++] = 0xffffu; /* slot 65535, generation 0 */
	forged[n++] = 0x0001ffffu;
	forged[n++] = 12345678;
	forged[n++] = (uint32_t)d->sock; /* a descriptor number */
	/* A released handle (stale), and the root after its release. */
	q = mkreq(HP_WALK, 0);
	q.u.walk.handle = d->root;
	if (call(d, &q, &p, NULL) != 0)
		goto out;
	forged[n] = p.u.walk.handle;
	q = mkreq(HP_RELEASE, 0);
	q.u.release.handle = forged[n++];
	call(d, &q, NULL, NULL);
	q = mkreq(HP_RELEASE, 0); /* twice */
	q.u.release.handle = forged[n - 1];
	call(d, &q, NULL, NULL);

	for (int i = 0; i < n && !cur_fail[0]; i++) {
		static const uint16_t ops[] = {HP_GETATTR,   HP_READLINK, HP_STATFS, HP_REMOVE,
					       HP_WALK,	     HP_OPEN,	  HP_MKDIR,  HP_SETATTR,
					       HP_XATTRLIST, HP_LINK};

		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			q = mkreq(ops[k], 0);
			switch (ops[k]) {
			case HP_WALK:
				q.u.walk.handle = forged[i];
				q.u.walk.nwname = 1;
				q.u.walk.wname[0] = S("..");
				break;
			case HP_OPEN:
				q.u.open = (struct hp_open){forged[i], P9_DOTL_RDONLY};
				break;
			case HP_MKDIR:
				q.u.mkdir = (struct hp_mkdir){forged[i], S("forged"), 0777};
				break;
			case HP_SETATTR:
				q.u.setattr.handle = forged[i];
				q.u.setattr.valid = P9_SETATTR_MODE;
				q.u.setattr.mode = 0777;
				break;
			case HP_XATTRLIST:
				q.u.xattrlist = (struct hp_xattrlist){forged[i], 100};
				break;
			case HP_LINK:
				q.u.link = (struct hp_link){d->root, forged[i], S("forged-link")};
				break;
			default:
				q.u.h.handle = forged[i];
				break;
			}
			e = call(d, &q, &p, NULL);
			if (e != EBADF) {
				fail("%s on forged handle %#x: %s", hp_op_name(ops[k]), forged[i],
				     e < 0 ? "no answer"
				     : e   ? strerror(e)
					   : "succeeded");
				break;
			}
		}
	}
	/* Release of unknown handles: no reply, no harm; the helper still works. */
	for (int i = 0; i < n; i++) {
		q = mkreq(HP_RELEASE, 0);
		q.u.release.handle = forged[i];
		call(d, &q, NULL, NULL);
	}
	q = mkreq(HP_GETATTR, 0);
	q.u.h.handle = h;
	if (call(d, &q, &p, NULL) != 0)
		fail("the real handle stopped working after the forged releases");
	{
		char p2[700];

		snprintf(p2, sizeof(p2), "%s/forged", export_dir);
		if (access(p2, F_OK) == 0)
			fail("mkdir through a forged handle created %s", p2);
	}
out:
	if (drv_stop(d) != 0 && !cur_fail[0])
		fail("the helper did not exit 0 at EOF");
	free(d);
}

/* ".." chains, "." and mixes from several depths stay inside. */
static void case_dotdot_chains(void)
{
	struct drv *d = malloc(sizeof(*d));
	const char *names[16];
	struct p9_qid last = {0};
	uint32_t h, hd;
	uint16_t nq = 0;
	int e;

	if (!d)
		abort();
	if (!drv_session(d) || walk1(d, d->root, "dir", &hd) != 0) {
		fail("session setup failed");
		goto out;
	}
	for (int i = 0; i < 16; i++)
		names[i] = "..";
	e = walk(d, hd, 16, names, &h, &nq, &last);
	if (e != 0 || nq != 16 || last.path != d->rootq.path)
		fail("16 x .. from export/dir: errno %d, %u qids, ended at %#llx (root %#llx)", e,
		     nq, (unsigned long long)last.path, (unsigned long long)d->rootq.path);
	names[15] = "outside"; /* 15 x .. then the outside dir's name */
	e = walk(d, hd, 16, names, &h, &nq, &last);
	if (e == 0 && nq == 16)
		fail("15 x .. then \"outside\" reached a directory named outside");
	for (int i = 0; i < 16; i++)
		names[i] = i % 2 ? ".." : ".";
	e = walk(d, hd, 16, names, &h, &nq, &last);
	if (e == 0 && nq == 16 && last.path != d->rootq.path)
		fail(". .. . .. from export/dir did not end at the root");
	/* ".." from a file and from a symlink handle. */
	if (walk1(d, d->root, "file", &h) == 0) {
		e = walk1(d, h, "..", NULL);
		if (e != ENOTDIR && e != ENOENT)
			fail("walk .. from a file: %s", e ? strerror(e) : "succeeded");
	}
	if (walk1(d, d->root, "esc", &h) == 0) {
		e = walk1(d, h, "..", NULL);
		if (e == 0)
			fail("walk .. from a symlink handle succeeded");
	}
out:
	drv_stop(d);
	free(d);
}

/* Symlinks and a directory moved out of the export behind the helper's back. */
static void case_symlink_tricks(void)
{
	struct drv *d = malloc(sizeof(*d));
	struct hp_req q;
	struct hp_rep p;
	uint32_t hs, hsub, hl;
	char path[700], moved[700];
	int e;

	if (!d)
		abort();
	if (!drv_session(d) || walk1(d, d->root, "escf", &hs) != 0) {
		fail("session setup failed");
		goto out;
	}
	/* setattr on a symlink to a file outside: the target must not change. */
	q = mkreq(HP_SETATTR, 0);
	q.u.setattr.handle = hs;
	q.u.setattr.valid = P9_SETATTR_SIZE;
	q.u.setattr.size = 0;
	e = call(d, &q, &p, NULL);
	q.u.setattr.valid = P9_SETATTR_MODE;
	q.u.setattr.mode = 06777;
	e = call(d, &q, &p, NULL);
	q.u.setattr.valid =
	    P9_SETATTR_ATIME | P9_SETATTR_MTIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME_SET;
	q.u.setattr.atime_sec = 1;
	q.u.setattr.mtime_sec = 1;
	e = call(d, &q, &p, NULL);
	(void)e;
	/* Creating at a symlink's name must not go through it. */
	q = mkreq(HP_MKNOD, 0);
	q.u.mknod = (struct hp_mknod){d->root, S("escf"), 010644, 0, 0};
	call(d, &q, &p, NULL);
	q = mkreq(HP_MKDIR, 0);
	q.u.mkdir = (struct hp_mkdir){d->root, S("esc"), 0755};
	call(d, &q, &p, NULL);
	q = mkreq(HP_LCREATE, 0);
	q.u.lcreate = (struct hp_lcreate){d->root, S("esc"), P9_DOTL_CREATE | P9_DOTL_RDWR, 0644};
	call(d, &q, &p, NULL);
	if (p.error == 0) {
		/* It opened something: it must be in the export, not outside. */
		fail("lcreate at the name of a symlink to a directory succeeded");
	}
	/* Rename the symlink's target name over the outside?  Names cannot. */
	q = mkreq(HP_RENAMEAT, 0);
	q.u.renameat = (struct hp_renameat){d->root, S("file"), hs, S("x")};
	e = call(d, &q, &p, NULL);
	if (e == 0)
		fail("renameat into a symlink handle as directory succeeded");
	/* xattrs through a symlink handle. */
	q = mkreq(HP_XATTRSET, 0);
	q.u.xattrset = (struct hp_xattrset){hs, S("user.evil"), 0, 1, "x"};
	call(d, &q, &p, NULL);
	q = mkreq(HP_XATTRSET, 0);
	q.u.xattrset = (struct hp_xattrset){hs, S("trusted.evil"), 0, 1, "x"};
	call(d, &q, &p, NULL);

	/*
	 * A directory handle whose directory the host then moves out of the
	 * export: the handle is an O_PATH descriptor and still works, so the
	 * helper's second wall (Landlock: the export tree only) must refuse.
	 */
	if (walk1(d, d->root, "movable", &hsub) != 0) {
		fail("walk movable");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/movable", export_dir);
	snprintf(moved, sizeof(moved), "%s/movable", outside_dir);
	if (rename(path, moved) < 0) {
		fail("(setup) rename %s: %s", path, strerror(errno));
		goto out;
	}
	outside_at_start = tree_digest(outside_dir, 0); /* the move itself is ours */
	q = mkreq(HP_MKDIR, 0);
	q.u.mkdir = (struct hp_mkdir){hsub, S("planted"), 0755};
	e = call(d, &q, &p, NULL);
	if (e == 0)
		fail("mkdir in a directory moved out of the export succeeded "
		     "(Landlock did not stop it)");
	q = mkreq(HP_LCREATE, 0);
	q.u.lcreate = (struct hp_lcreate){hsub, S("planted"), P9_DOTL_CREATE | P9_DOTL_RDWR, 0644};
	e = call(d, &q, &p, NULL);
	if (e == 0)
		fail("lcreate in a directory moved out of the export succeeded");
	if (walk1(d, hsub, "inner", &hl) == 0) {
		q = mkreq(HP_OPEN, 0);
		q.u.open = (struct hp_open){hl, P9_DOTL_RDWR | P9_DOTL_TRUNC};
		e = call(d, &q, &p, NULL);
		if (e == 0)
			fail("open O_TRUNC of a file moved out of the export succeeded");
		/*
		 * Metadata through the stale handle: Landlock has no right for
		 * chmod/chown/utimes/xattrs, so only the helper itself could
		 * refuse.  A known limitation (the host moved the file out while
		 * a guest held it), reported, not failed.
		 */
		q = mkreq(HP_SETATTR, 0);
		q.u.setattr.handle = hl;
		q.u.setattr.valid = P9_SETATTR_MODE;
		q.u.setattr.mode = 0777;
		e = call(d, &q, &p, NULL);
		if (e == 0)
			note("LIMITATION: chmod through a handle to a file the host moved out "
			     "of the export succeeded (Landlock does not cover metadata)");
		q.u.setattr.valid = P9_SETATTR_UID;
		q.u.setattr.uid = 1000;
		e = call(d, &q, &p, NULL);
		if (e == 0)
			note("LIMITATION: chown through such a handle succeeded too");
		q = mkreq(HP_XATTRSET, 0);
		q.u.xattrset = (struct hp_xattrset){hl, S("user.moved"), 0, 1, "x"};
		e = call(d, &q, &p, NULL);
		if (e == 0)
			note("LIMITATION: setxattr through such a handle succeeded too");
	}
	/* ".." from the moved directory: must not be the outside dir. */
	{
		struct p9_qid last;
		uint16_t nq = 0;
		const char *up[2] = {"..", "secret"};

		e = walk(d, hsub, 2, up, NULL, &nq, &last);
		if (e == 0 && nq == 2)
			fail("walk .. from a moved directory reached %s", secret);
	}
	if (rename(moved, path) < 0)
		fail("(cleanup) rename back: %s", strerror(errno));
	outside_at_start = tree_digest(outside_dir, 0);
out:
	drv_stop(d);
	free(d);
}

/* uid ~0 (setfsuid(-1) is a no-op that would leave the thread root). */
static void case_uid_minus1(void)
{
	struct drv *d = malloc(sizeof(*d));
	struct hp_req q;
	struct hp_rep p;
	struct stat st;
	char path[700];
	int e, fd;

	if (!d)
		abort();
	if (!drv_session(d)) {
		fail("session setup failed");
		goto out;
	}
	q = mkreq(HP_MKDIR, (uint32_t)-1);
	q.u.mkdir = (struct hp_mkdir){d->root, S("by-uid-minus1"), 0755};
	e = call(d, &q, &p, NULL);
	snprintf(path, sizeof(path), "%s/by-uid-minus1", export_dir);
	if (e == 0 || lstat(path, &st) == 0)
		fail("mkdir as uid ~0 succeeded (owner %d)", e == 0 ? (int)st.st_uid : -1);
	q = mkreq(HP_LCREATE, (uint32_t)-1);
	q.gid = 0;
	q.u.lcreate =
	    (struct hp_lcreate){d->root, S("by-uid-minus1"), P9_DOTL_CREATE | P9_DOTL_RDWR, 04755};
	e = call(d, &q, &p, &fd);
	if (fd >= 0)
		close(fd);
	if (e == 0)
		fail("lcreate as uid ~0 succeeded");
	/* An ordinary user with gid ~0 - 1 and a mode with every bit. */
	q = mkreq(HP_LCREATE, 1000);
	q.gid = (uint32_t)-2;
	q.u.lcreate =
	    (struct hp_lcreate){d->root, S("by-1000"), P9_DOTL_CREATE | P9_DOTL_RDWR, 0xffffffffu};
	e = call(d, &q, &p, &fd);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/by-1000", export_dir);
	if (e == 0 && lstat(path, &st) == 0 && (st.st_uid != 1000 || !S_ISREG(st.st_mode)))
		fail("lcreate as uid 1000: owner %d, mode %o", (int)st.st_uid, st.st_mode);
	else if (e == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0)
		fail("a setuid-root file was made by uid 1000");
	/* Every request kind as uid ~0 is refused, none answered wrongly. */
	for (uint16_t op = HP_GETATTR; op <= HP_STATFS; op++) {
		if (op == HP_RELEASE || op == HP_OPEN || op == HP_LCREATE || op == HP_MKDIR ||
		    op == HP_SYMLINK || op == HP_MKNOD || op == HP_LINK || op == HP_RENAMEAT ||
		    op == HP_RENAME || op == HP_UNLINKAT || op == HP_REMOVE || op == HP_SETATTR)
			continue;
		q = mkreq(op, (uint32_t)-1);
		q.u.h.handle = d->root;
		e = call(d, &q, &p, NULL);
		if (e < 0)
			break;
	}
	q = mkreq(HP_SETATTR, (uint32_t)-1);
	q.u.setattr.handle = d->root;
	q.u.setattr.valid = P9_SETATTR_MODE | P9_SETATTR_UID;
	q.u.setattr.mode = 0777;
	q.u.setattr.uid = 1000;
	e = call(d, &q, &p, NULL);
	if (e == 0)
		fail("setattr (chmod/chown of the export root) as uid ~0 succeeded");
out:
	drv_stop(d);
	free(d);
}

/*
 * REFUSED: a report the helper only records.  Any byte may be in the name,
 * a forged handle is EBADF, and every field out of its bounds is a
 * violation; nothing reaches the export.
 */
static void case_refused_reports(void)
{
	static struct pkt p;
	static char big[HP_MAX_REFUSED_NAME + 1];
	struct drv *d = malloc(sizeof(*d));
	struct hp_req q;
	struct hp_rep r;
	char path[700];
	int e;

	if (!d)
		abort();
	if (!drv_session(d)) {
		fail("session setup failed");
		goto out;
	}
	q = mkreq(HP_REFUSED, 1000);
	q.u.refused = (struct hp_refused){d->root, P9_TMKDIR, EINVAL, 9, 9, "../\0/etc"};
	if ((e = call(d, &q, &r, NULL)) != 0)
		fail("refused with NUL and '/' in the name: %s", e < 0 ? "no answer" : strerror(e));
	q.u.refused.handle = HP_NOHANDLE;
	if ((e = call(d, &q, &r, NULL)) != 0)
		fail("refused without a handle: %s", e < 0 ? "no answer" : strerror(e));
	q.u.refused.handle = d->root ^ 0x8000u;
	if ((e = call(d, &q, &r, NULL)) != EBADF)
		fail("refused with a forged handle: %s", e < 0 ? "no answer" : e ? strerror(e) : "ok");
	q = mkreq(HP_GETATTR, 0);
	q.u.h.handle = d->root;
	if (call(d, &q, &r, NULL) != 0)
		fail("getattr after the refusal reports");
	snprintf(path, sizeof(path), "%s/etc", export_dir);
	if (access(path, F_OK) == 0)
		fail("a refusal report made %s", path);
out:
	drv_stop(d);
	free(d);

	memset(big, 'a', sizeof(big));
	pk_hdr(&p, HP_REFUSED);	/* a 9P message that carries no name */
	pk_u32(&p, 1u << 16);
	pk_u8(&p, P9_TREAD);
	pk_u32(&p, EINVAL);
	pk_u32(&p, 1);
	pk_strn(&p, "a", 1);
	violation("refused of a Tread", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_REFUSED);	/* errno 0 */
	pk_u32(&p, 1u << 16);
	pk_u8(&p, P9_TMKDIR);
	pk_u32(&p, 0);
	pk_u32(&p, 1);
	pk_strn(&p, "a", 1);
	violation("refused with errno 0", "count field out of range", p.b, p.len, NULL, 0);
	pk_hdr(&p, HP_REFUSED);	/* 256 bytes of a 256-byte name: over the bound */
	pk_u32(&p, 1u << 16);
	pk_u8(&p, P9_TMKDIR);
	pk_u32(&p, ENAMETOOLONG);
	pk_u32(&p, sizeof(big));
	pk_strn(&p, big, sizeof(big));
	violation("refused carrying 256 name bytes", "count field out of range", p.b, p.len, NULL,
		  0);
	pk_hdr(&p, HP_REFUSED);	/* says 65535 bytes, carries 1 */
	pk_u32(&p, 1u << 16);
	pk_u8(&p, P9_TMKDIR);
	pk_u32(&p, EINVAL);
	pk_u32(&p, 1);
	pk_u16(&p, 65535);
	pk_u8(&p, 'a');
	violation("refused name length beyond the packet", "count field out of range", p.b, p.len,
		  NULL, 0);
}

/* Names "." and ".." where entries are made, renamed or removed. */
static void case_dot_names(void)
{
	static const char *const dots[] = {".", ".."};
	struct drv *d = malloc(sizeof(*d));
	struct hp_req q;
	struct hp_rep p;
	uint32_t hd, hf;
	int e, fd;

	if (!d)
		abort();
	if (!drv_session(d) || walk1(d, d->root, "dir", &hd) != 0 ||
	    walk1(d, d->root, "file", &hf) != 0) {
		fail("session setup failed");
		goto out;
	}
	for (int i = 0; i < 2 && !cur_fail[0]; i++) {
		struct p9_str n = S(dots[i]);

		q = mkreq(HP_RENAMEAT, 0);
		q.u.renameat = (struct hp_renameat){hd, n, d->root, S("stolen")};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("renameat old name \"%s\" succeeded", dots[i]);
		q.u.renameat = (struct hp_renameat){d->root, S("file"), hd, n};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("renameat new name \"%s\" succeeded", dots[i]);
		q = mkreq(HP_RENAME, 0);
		q.u.rename = (struct hp_rename){hf, hd, n};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("rename to \"%s\" succeeded", dots[i]);
		q = mkreq(HP_LINK, 0);
		q.u.link = (struct hp_link){hd, hf, n};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("link as \"%s\" succeeded", dots[i]);
		q = mkreq(HP_SYMLINK, 0);
		q.u.symlink = (struct hp_symlink){hd, n, S("/")};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("symlink as \"%s\" succeeded", dots[i]);
		q = mkreq(HP_LCREATE, 0);
		q.u.lcreate = (struct hp_lcreate){hd, n, P9_DOTL_CREATE | P9_DOTL_RDWR, 0644};
		e = call(d, &q, &p, &fd);
		if (fd >= 0)
			close(fd);
		if (e == 0)
			fail("lcreate \"%s\" succeeded", dots[i]);
		q = mkreq(HP_UNLINKAT, 0);
		q.u.unlinkat = (struct hp_unlinkat){hd, n, P9_AT_REMOVEDIR};
		if ((e = call(d, &q, &p, NULL)) == 0)
			fail("unlinkat \"%s\" succeeded", dots[i]);
	}
	/* Renaming the root, or a directory into itself. */
	q = mkreq(HP_RENAME, 0);
	q.u.rename = (struct hp_rename){d->root, hd, S("root-moved")};
	if ((e = call(d, &q, &p, NULL)) == 0)
		fail("rename of the export root succeeded");
	q = mkreq(HP_RENAME, 0);
	q.u.rename = (struct hp_rename){hd, hd, S("self")};
	if ((e = call(d, &q, &p, NULL)) == 0)
		fail("rename of a directory into itself succeeded");
	q = mkreq(HP_LINK, 0);
	q.u.link = (struct hp_link){hd, d->root, S("rootlink")};
	if ((e = call(d, &q, &p, NULL)) == 0)
		fail("link of the export root succeeded");
out:
	drv_stop(d);
	free(d);
}

/* Odd flags and modes: no crash, no privilege. */
static void case_odd_flags(void)
{
	struct drv *d = malloc(sizeof(*d));
	static const uint32_t flags[] = {0xffffffffu, 020200000u /* O_TMPFILE */, 010000000u,
					 P9_DOTL_DIRECTORY | P9_DOTL_CREATE, 03u};
	struct hp_req q;
	struct hp_rep p;
	uint32_t hf;
	int e, fd;

	if (!d)
		abort();
	if (!drv_session(d) || walk1(d, d->root, "file", &hf) != 0) {
		fail("session setup failed");
		goto out;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		q = mkreq(HP_OPEN, 1000);
		q.u.open = (struct hp_open){d->root, flags[i]};
		e = call(d, &q, &p, &fd);
		if (fd >= 0)
			close(fd);
		if (e < 0)
			goto out;
		q = mkreq(HP_OPEN, 1000);
		q.u.open = (struct hp_open){hf, flags[i]};
		e = call(d, &q, &p, &fd);
		if (e == 0 && fd >= 0 && (flags[i] & 3) && write(fd, "x", 1) == 1)
			fail("uid 1000 opened root's 0644 file for writing (flags %#x)", flags[i]);
		if (fd >= 0)
			close(fd);
		if (e < 0)
			goto out;
	}
	/* mknod of devices and odd types as root without --allow-devices. */
	{
		static const uint32_t modes[] = {020666, 060666, 0140666, 0170666, 040755};

		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			char name[32], path[700];
			struct stat st;

			snprintf(name, sizeof(name), "node%zu", i);
			q = mkreq(HP_MKNOD, 0);
			q.u.mknod = (struct hp_mknod){d->root, S(name), modes[i], 1, 3};
			e = call(d, &q, &p, NULL);
			snprintf(path, sizeof(path), "%s/%s", export_dir, name);
			if (e == 0 && lstat(path, &st) == 0 &&
			    (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				fail("mknod %o made a device node without --allow-devices",
				     modes[i]);
			if (e < 0)
				goto out;
		}
	}
	/* security.capability as an ordinary user: a file capability is privilege. */
	q = mkreq(HP_XATTRSET, 1000);
	q.u.xattrset = (struct hp_xattrset){hf, S("security.capability"), 0, 20,
					    "\x01\x00\x00\x02\xff\xff\xff\xff\x00\x00\x00\x00"
					    "\x00\x00\x00\x00\x00\x00\x00"};
	e = call(d, &q, &p, NULL);
	if (e == 0)
		fail("uid 1000 set security.capability on root's file");
out:
	drv_stop(d);
	free(d);
}

/* 65536+ handles: ENFILE, then everything still works once released. */
static void case_handle_exhaustion(void)
{
	struct drv *d = malloc(sizeof(*d));
	static uint8_t out[65536 * 32];
	struct hp_req q;
	struct hp_rep p;
	uint32_t *ids;
	int got = 0, enfile = 0, other = 0, rc;
	size_t len;

	ids = calloc(70000, sizeof(*ids));
	if (!d || !ids)
		abort();
	/* 16 sessions: this one's share is 1/16 of the table, 65536. */
	drv_extra_args[0] = "--max-sessions=16";
	if (!drv_session(d)) {
		fail("session setup failed");
		goto out;
	}
	/* Pipelined: 70000 clones of the root, reading replies as they come. */
	for (int i = 0, answered = 0; answered < 70000;) {
		if (i < 70000 && i - answered < 256) {
			q = mkreq(HP_WALK, 0);
			q.reqid = (uint32_t)i + 1000;
			q.u.walk.handle = d->root;
			hp_encode_req(out, sizeof(out), &q, &len);
			send_pkt(d, out, len, NULL, 0);
			i++;
			continue;
		}
		rc = recv_rep(d, &p, NULL, REPLY_MS);
		if (rc != 1) {
			fail("no reply after %d walks", answered);
			goto out;
		}
		answered++;
		if (p.error == 0 && p.u.walk.handle != HP_NOHANDLE)
			ids[got++] = p.u.walk.handle;
		else if (p.error == ENFILE)
			enfile++;
		else
			other++;
	}
	note("70000 clone walks: %d handles issued, %d ENFILE, %d other errors", got, enfile,
	     other);
	if (enfile == 0 || other)
		fail("expected ENFILE past the handle limit (got %d handles, %d ENFILE, %d other)",
		     got, enfile, other);
	for (int i = 0; i < got; i++) {
		q = mkreq(HP_RELEASE, 0);
		q.reqid = 1;
		q.u.release.handle = ids[i];
		hp_encode_req(out, sizeof(out), &q, &len);
		send_pkt(d, out, len, NULL, 0);
	}
	if (walk1(d, d->root, "dir", NULL) != 0)
		fail("walk after releasing every handle failed");
out:
	drv_extra_args[0] = NULL;
	if (drv_stop(d) != 0 && !cur_fail[0])
		fail("the helper did not exit 0");
	free(ids);
	free(d);
}

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

/* 20000 requests and no reply read: the helper blocks, does not balloon. */
static void case_reply_flood(void)
{
	struct drv *d = malloc(sizeof(*d));
	static uint8_t out[HP_MAX_MSG];
	struct hp_req q;
	struct hp_rep p;
	unsigned long kb0, kb1;
	size_t len;
	int sent = 0, drained = 0;

	if (!d)
		abort();
	if (!drv_session(d)) {
		fail("session setup failed");
		goto out;
	}
	kb0 = rss_kb(d->pid);
	for (int i = 0; i < 20000; i++) {
		q = mkreq(HP_XATTRLIST, 0);
		q.reqid = (uint32_t)i;
		q.u.xattrlist = (struct hp_xattrlist){d->root, HP_MAX_XATTR_VALUE};
		hp_encode_req(out, sizeof(out), &q, &len);
		if (send(d->sock, out, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
		sent++;
	}
	usleep(500 * 1000);
	kb1 = rss_kb(d->pid);
	note("%d requests queued without reading replies: helper RSS %lu -> %lu kB", sent, kb0,
	     kb1);
	if (kb1 > 200ul * 1024ul)
		fail("helper RSS %lu kB", kb1);
	while (drained < sent && recv_rep(d, &p, NULL, REPLY_MS) == 1)
		drained++;
	if (drained != sent)
		fail("%d of %d replies came", drained, sent);
out:
	if (drv_stop(d) != 0 && !cur_fail[0])
		fail("the helper did not exit 0");
	free(d);
}

/* ---- setup ---- */

static void setup(void)
{
	char path[700];
	int fd;

	snprintf(export_dir, sizeof(export_dir), "%s/export", top);
	snprintf(outside_dir, sizeof(outside_dir), "%s/outside", top);
	snprintf(secret, sizeof(secret), "%s/secret", outside_dir);
	snprintf(outside_link_target, sizeof(outside_link_target), "%s/secret", outside_dir);
	if (mkdir(export_dir, 0755) < 0 || mkdir(outside_dir, 0755) < 0) {
		perror("mkdir");
		exit(2);
	}
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "secret", 6) != 6 || close(fd) < 0) {
		perror(secret);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/inside", outside_dir);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/dir", export_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/movable", export_dir);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/movable/inner", export_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/file", export_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "abc", 3) != 3 || close(fd) < 0) {
		perror(path);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/esc", export_dir);
	if (symlink(outside_dir, path) < 0)
		perror(path);
	snprintf(path, sizeof(path), "%s/escf", export_dir);
	if (symlink(outside_link_target, path) < 0)
		perror(path);
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
    {"names-with-slash-every-op", case_slash_names},
    {"counts-beyond-limits", case_huge_counts},
    {"descriptors-sent-to-helper", case_passed_fds},
    {"forged-and-stale-handles", case_forged_handles},
    {"dotdot-chains", case_dotdot_chains},
    {"dot-names-and-self-renames", case_dot_names},
    {"refused-reports", case_refused_reports},
    {"symlink-and-moved-dir-tricks", case_symlink_tricks},
    {"uid-minus-1", case_uid_minus1},
    {"odd-flags-modes-xattrs", case_odd_flags},
    {"handle-table-exhaustion", case_handle_exhaustion},
    {"reply-flood-unread", case_reply_flood},
    {"review-idmap-one-sided", case_idmap_one_sided},
    {"review-idmap-create-gid", case_idmap_create_gid},
    {"review-trusted-xattrs-root-only", case_trusted_xattrs_root_only},
    {"review-handle-share-per-session", case_handle_share_per_session},
};

int main(int argc, char **argv)
{
	const char *only = getenv("HOSTILE_ONLY");

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_frontend HELPER TOPDIR\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "hostile_frontend: must run as root\n");
		return 77;
	}
	helper_path = argv[1];
	top = argv[2];
	signal(SIGPIPE, SIG_IGN);
	setup();
	outside_at_start = tree_digest(outside_dir, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!only || strstr(cases[i].name, only))
			run_case(cases[i].name, cases[i].fn);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
