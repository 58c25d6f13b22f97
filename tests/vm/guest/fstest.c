/* fstest — functional suite for a 9P2000.L mount, run INSIDE the test guest.
 *
 *   cd /mnt && fstest root  p9g-test     # as root: setup + root suite
 *   cd /mnt && runas 4711 4711 4711,4720 -- /bin/fstest user p9g-test
 *   cd /mnt && fstest verify p9g-test    # re-check every manifest entry
 *
 * The working directory must be the mount point: manifest paths are relative
 * to it, i.e. relative to the export root on the host.
 *
 * Output, one line each, on stdout (the serial console):
 *   P9G-RESULT: ok|FAIL|skip PHASE/TEST (SECONDS)[: reason]
 *   P9G-PHASE-DONE: PHASE N passed, N failed, N skipped
 * The host script counts the RESULT lines and insists on every PHASE-DONE.
 *
 * The suite also runs on a local filesystem (e.g. ext4, as root, with the
 * same runas calls): that is how its own expectations are checked.
 */
#include "fstest.h"
#include "tests.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared *sh;
static char who[32];	/* "[uid N] " inside as_user children */

/* ---- reporting ---------------------------------------------------------- */

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write per line, so that kernel messages on the same console can
	 * not split a result line. */
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		_exit(3);
}

const char *ename(int e)
{
	const char *s;

	if (e == 0)
		return "0";
	s = strerrorname_np(e);
	return s ? s : "E?";
}

static void vrecord(const char *prefix, const char *fmt, va_list ap)
{
	size_t n;

	if (sh->msg[0])
		return;	/* keep the first, it is the cause */
	snprintf(sh->msg, sizeof(sh->msg), "%s%s", who, prefix);
	n = strlen(sh->msg);
	vsnprintf(sh->msg + n, sizeof(sh->msg) - n, fmt, ap);
	/* Keep result lines single-line. */
	for (char *p = sh->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int fail(int line, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "line %d: ", line);
	va_start(ap, fmt);
	vrecord(prefix, fmt, ap);
	va_end(ap);
	return -1;
}

int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord("", fmt, ap);
	va_end(ap);
	return SKIP;
}

int note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord("", fmt, ap);
	va_end(ap);
	return 0;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *P(const char *dir, const char *name)
{
	/* Never freed: every test is a short-lived forked process, and this
	 * way a path stays valid however many others are built after it. */
	char *b;

	if (asprintf(&b, "%s/%s", dir, name) < 0) {
		out("P9G-RESULT: FAIL out of memory");
		_exit(3);
	}
	return b;
}
/* ---- credentials -------------------------------------------------------- */

int as_user(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
	    int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return fail(__LINE__, "fork: %s", ename(errno));
	if (pid == 0) {
		if (setgroups((size_t)ngroups, groups) != 0 ||
		    setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0) {
			fail(__LINE__, "cannot become uid %u: %s", uid,
			     ename(errno));
			_exit(1);
		}
		snprintf(who, sizeof(who), "[uid %u] ", uid);
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return fail(__LINE__, "waitpid: %s", ename(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return fail(__LINE__, "uid %u child killed by signal %d",
			    uid, WTERMSIG(status));
	return fail(__LINE__, "uid %u child failed", uid);
}

int as_A(int (*fn)(void *), void *arg)
{
	static const gid_t g[] = { GA, GS };

	return as_user(UA, GA, g, 2, fn, arg);
}

int as_B(int (*fn)(void *), void *arg)
{
	static const gid_t g[] = { GB };

	return as_user(UB, GB, g, 1, fn, arg);
}

int as_C(int (*fn)(void *), void *arg)
{
	static const gid_t g[] = { GC };

	return as_user(UC, GC, g, 1, fn, arg);
}

/* ---- manifest ----------------------------------------------------------- */

static char type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	}
	return '?';
}

/* The extra column: size for files, major:minor for devices, the hex of
 * the target for symlinks (targets may hold spaces), "-" otherwise. */
static int node_extra(const char *path, const struct stat *st, char *buf,
		      size_t len)
{
	switch (type_of(st->st_mode)) {
	case 'f':
		snprintf(buf, len, "%lld", (long long)st->st_size);
		return 0;
	case 'c':
	case 'b':
		snprintf(buf, len, "%u:%u", major(st->st_rdev),
			 minor(st->st_rdev));
		return 0;
	case 'l': {
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof(t));

		if (n < 0 || (size_t)n * 2 + 1 > len)
			return -1;
		for (ssize_t i = 0; i < n; i++)
			snprintf(buf + 2 * i, 3, "%02x", (unsigned char)t[i]);
		buf[2 * n] = 0;
		return 0;
	}
	}
	snprintf(buf, len, "-");
	return 0;
}

static int add_line(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int add_line(int line, const char *fmt, ...)
{
	size_t room = sizeof(sh->manifest) - sh->mlen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sh->manifest + sh->mlen, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return fail(line, "manifest full");
	sh->mlen += (size_t)n;
	return 0;
}

static int check_node(int line, const char *path, char type, mode_t perm,
		      uid_t uid, gid_t gid, struct stat *st)
{
	if (lstat(path, st) != 0)
		return fail(line, "lstat %s: %s", path, ename(errno));
	if (type_of(st->st_mode) != type || (st->st_mode & 07777) != perm ||
	    st->st_uid != uid || st->st_gid != gid)
		return fail(line, "%s: want %c %04o %u:%u, got %c %04o %u:%u",
			    path, type, (unsigned)perm, uid, gid,
			    type_of(st->st_mode),
			    (unsigned)(st->st_mode & 07777),
			    st->st_uid, st->st_gid);
	return 0;
}

int node_is(int line, const char *path, char type, mode_t perm, uid_t uid,
	    gid_t gid)
{
	struct stat st;

	return check_node(line, path, type, perm, uid, gid, &st);
}

int expect_node(int line, const char *path, char type, mode_t perm,
		uid_t uid, gid_t gid)
{
	char extra[2 * PATH_MAX + 1];
	struct stat st;

	TR(check_node(line, path, type, perm, uid, gid, &st));
	if (node_extra(path, &st, extra, sizeof(extra)) != 0)
		return fail(line, "%s: readlink: %s", path, ename(errno));
	return add_line(line, "%c %04o %u %u %s %s\n", type, (unsigned)perm,
			uid, gid, extra, path);
}

int expect_mtime(int line, const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return fail(line, "lstat %s: %s", path, ename(errno));
	if (st.st_mtim.tv_sec < 0)
		return fail(line, "%s: negative mtime not supported here",
			    path);
	return add_line(line, "T 0000 0 0 %lld.%09ld %s\n",
			(long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, path);
}

static int write_manifest(const char *dir)
{
	const char *p = P(dir, "MANIFEST");
	size_t off = 0;
	int fd;

	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return -1;
	while (off < sh->mlen) {
		ssize_t n = write(fd, sh->manifest + off, sh->mlen - off);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

/* ---- small file helpers ------------------------------------------------- */

int put_file(const char *path, mode_t mode, const char *content)
{
	size_t len = strlen(content);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	if (fd < 0)
		return -1;
	if (write(fd, content, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		errno = e ? e : EIO;
		return -1;
	}
	return close(fd);
}

int file_is(int line, const char *path, const char *content)
{
	char buf[4096];
	size_t len = strlen(content);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail(line, "open %s: %s", path, ename(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return fail(line, "read %s: %s", path, ename(errno));
	if ((size_t)n != len || memcmp(buf, content, len) != 0)
		return fail(line, "%s: content '%.*s', want '%s'", path,
			    (int)(n > 64 ? 64 : n), buf, content);
	return 0;
}

/* ---- runner ------------------------------------------------------------- */

struct counts {
	int pass, fail, skip;
	bool stuck;	/* a test never ended: the phase stops there */
};

/*
 * A test ran out of time: show where the guest is stuck before anything
 * else runs.  The kernel's blocked tasks (sysrq w: their stacks say
 * whether they wait for a 9P reply or for the transport) and the 9P TCP
 * connection's queues (a tx_queue that stays full: the server or QEMU
 * does not read; an rx_queue: the client does not).
 */
static void print_lines(const char *text, size_t n, size_t keep)
{
	size_t lines = 0, i = n;

	/* From where the last `keep` lines begin. */
	while (i > 0 && lines <= keep)
		if (text[--i] == '\n')
			lines++;
	if (lines > keep)
		i++;
	while (i < n) {
		size_t e = i;

		while (e < n && text[e] != '\n')
			e++;
		if (e > i)
			out("P9G-STALL: %.*s", (int)(e - i), text + i);
		i = e + 1;
	}
}

/* No shell and no relative path here: a shell stats its working
 * directory, the mount, and would wait behind the stuck request too. */
static void dump_stall(void)
{
	static char buf[1 << 18];
	int fd, n;

	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "w", 1) != 1)
			out("P9G-STALL: sysrq w: %s", ename(errno));
		close(fd);
	}
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, (int)sizeof(buf));
	if (n > 0)
		print_lines(buf, (size_t)n, 200);
	fd = open("/proc/net/tcp", O_RDONLY);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r > 0)
			print_lines(buf, (size_t)r, 20);
		close(fd);
	}
}

/* Seconds the runner waits for a test after the test's own timeout. */
#define STUCK_GRACE 15
/* fstest's exit status when a phase stopped at a stuck test (init.sh). */
#define STUCK_EXIT 3

static volatile sig_atomic_t runner_alarm;

static void on_runner_alarm(int sig)
{
	(void)sig;
	runner_alarm = 1;
}

/*
 * waitpid() for at most `secs` seconds: 0 with *status, 1 when the time
 * ran out first (the child still runs), -1 on an error (*status = -1).
 */
static int wait_bounded(pid_t pid, int *status, int secs)
{
	struct sigaction sa = { .sa_handler = on_runner_alarm }, old;
	pid_t r;

	runner_alarm = 0;
	sigaction(SIGALRM, &sa, &old);	/* no SA_RESTART: waitpid gets EINTR */
	alarm((unsigned int)secs);
	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR && !runner_alarm);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (r == pid)
		return 0;
	if (runner_alarm)
		return 1;
	*status = -1;
	return -1;
}

static void run_one(const char *phase, const char *base,
		    const struct test *t, struct counts *c)
{
	const char *dir = P(base, t->name);
	const int limit = t->timeout ? t->timeout : 60;
	const char *verdict;
	double t0;
	int status;
	pid_t pid;

	sh->msg[0] = 0;
	t0 = now_s();
	pid = fork();
	if (pid == 0) {
		int r, pin;

		/* Everything that touches the mount runs here, under the
		 * alarm: the runner itself never waits for the server. */
		alarm((unsigned int)limit);
		if (mkdir(dir, 0755) != 0) {
			snprintf(sh->msg, sizeof(sh->msg), "mkdir %s: %s", dir,
				 ename(errno));
			_exit(1);
		}
		/* Keep the test directory open: with cache=none v9fs drops
		 * unused dentries, and every path operation would walk all
		 * components from the mount root again. A held dentry pins
		 * its ancestors, so lookups start from the cache. */
		pin = open(dir, O_RDONLY | O_DIRECTORY);
		r = t->fn(dir);
		if (pin >= 0)
			close(pin);
		_exit(r == 0 ? 0 : r == SKIP ? SKIP : 1);
	}
	if (pid > 0 && wait_bounded(pid, &status, limit + STUCK_GRACE) == 1) {
		/* Its SIGALRM did not end it: it sleeps in the kernel for
		 * good (a 9P request that is never answered).  Whatever runs
		 * next would wait behind it: report, and end the phase. */
		dump_stall();
		out("P9G-RESULT: FAIL %s/%s (%.2fs): still running %d s "
		    "after its %d s timeout (stuck in the kernel; see the "
		    "P9G-STALL lines)", phase, t->name, now_s() - t0,
		    STUCK_GRACE, limit);
		c->fail++;
		c->stuck = true;
		return;
	}
	if (pid < 0 || status == -1) {
		status = -1;
		snprintf(sh->msg, sizeof(sh->msg), "fork/wait: %s",
			 ename(errno));
	}
	if (status == 0) {
		verdict = "ok";
		c->pass++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP) {
		verdict = "skip";
		c->skip++;
	} else {
		verdict = "FAIL";
		c->fail++;
		if (!sh->msg[0] && WIFSIGNALED(status))
			snprintf(sh->msg, sizeof(sh->msg),
				 "killed by signal %d%s", WTERMSIG(status),
				 WTERMSIG(status) == SIGALRM ? " (timeout)" :
				 "");
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			dump_stall();
	}
	out("P9G-RESULT: %s %s/%s (%.2fs)%s%s", verdict, phase, t->name,
	    now_s() - t0, sh->msg[0] ? ": " : "", sh->msg);
}

#define MANIFEST_TIMEOUT 180

/*
 * write_manifest() in a child, as the tests run (the runner never waits
 * for the server): 0 written, 1 still running after MANIFEST_TIMEOUT s,
 * -1 failed (the reason in sh->msg).
 */
static int manifest_bounded(const char *base)
{
	int status;
	pid_t pid = fork();

	sh->msg[0] = 0;
	if (pid == 0) {
		if (write_manifest(base) != 0) {
			snprintf(sh->msg, sizeof(sh->msg), "%s", ename(errno));
			_exit(1);
		}
		_exit(0);
	}
	if (pid < 0) {
		snprintf(sh->msg, sizeof(sh->msg), "fork: %s", ename(errno));
		return -1;
	}
	switch (wait_bounded(pid, &status, MANIFEST_TIMEOUT)) {
	case 1:
		return 1;
	case 0:
		if (status == 0)
			return 0;
		if (!sh->msg[0])
			snprintf(sh->msg, sizeof(sh->msg), "status %#x", status);
		return -1;
	default:
		snprintf(sh->msg, sizeof(sh->msg), "wait: %s", ename(errno));
		return -1;
	}
}

static int run_list(const char *phase, const char *base,
		    const struct test *list, const char *only)
{
	struct counts c = { 0 };
	double t0 = now_s();
	const char *rep = getenv("P9G_REPEAT");
	int repeat = rep ? atoi(rep) : 1;

	for (const struct test *t = list; t->name && !c.stuck; t++) {
		if (only && strcmp(only, t->name) != 0)
			continue;
		if (!only || repeat <= 1) {
			run_one(phase, base, t, &c);
			continue;
		}
		/* p9g.repeat: the one test again and again, each round in a
		 * directory of its own (to catch what happens rarely). */
		for (int i = 1; i <= repeat && !c.stuck; i++) {
			char name[64];
			struct test r = *t;

			snprintf(name, sizeof(name), "%s.%d", t->name, i);
			r.name = name;
			run_one(phase, base, &r, &c);
		}
	}
	sh->msg[0] = 0;
	if (c.stuck) {
		/* The manifest would walk the mount and wait behind it. */
		out("P9G-FATAL: phase %s stopped after %d passed, %d failed: "
		    "a test is stuck in the kernel", phase, c.pass, c.fail);
		return STUCK_EXIT;
	}
	switch (manifest_bounded(base)) {
	case 0:
		break;
	case 1:
		dump_stall();
		out("P9G-RESULT: FAIL %s/manifest: still running after its "
		    "%d s timeout (stuck in the kernel; see the P9G-STALL "
		    "lines)", phase, MANIFEST_TIMEOUT);
		out("P9G-FATAL: phase %s stopped at its manifest", phase);
		return STUCK_EXIT;
	default:
		c.fail++;
		out("P9G-RESULT: FAIL %s/manifest (0.00s): cannot write "
		    "%s/MANIFEST: %s", phase, base, sh->msg);
	}
	out("P9G-PHASE-DONE: %s %d passed, %d failed, %d skipped (%.1fs)",
	    phase, c.pass, c.fail, c.skip, now_s() - t0);
	return c.fail ? 1 : 0;
}

/* Root phase setup: the tree every phase relies on. */
static int setup(const char *base)
{
	const char *steps = "mkdir";

	if (mkdir(base, 0755) != 0)
		goto bad;
	if (mkdir(P(base, "root"), 0755) != 0)
		goto bad;
	steps = "user dirs";
	if (mkdir(P(base, "u4711"), 0755) != 0 ||
	    chown(P(base, "u4711"), UA, GA) != 0 ||
	    mkdir(P(base, "u4712"), 0755) != 0 ||
	    chown(P(base, "u4712"), UB, GB) != 0)
		goto bad;
	/* Files the user phases must NOT be able to touch. */
	steps = "shared";
	if (mkdir(P(base, "shared"), 0755) != 0 ||
	    put_file(P(base, "shared/secret"), 0600, "secret\n") != 0 ||
	    put_file(P(base, "shared/public"), 0644, "public\n") != 0)
		goto bad;
	return 0;
bad:
	out("P9G-RESULT: FAIL setup (0.00s): %s in %s: %s", steps, base,
	    ename(errno));
	return -1;
}

/* Verify phase: every manifest line must still hold (after the host-side
 * caches of the guest were dropped by the caller). */
static int verify_file(const char *mpath, int *n)
{
	char line[3 * PATH_MAX];
	FILE *f = fopen(mpath, "r");

	if (!f)
		return fail(__LINE__, "open %s: %s", mpath, ename(errno));
	while (fgets(line, sizeof(line), f)) {
		char type, extra[8193], got[8193], path[4096];
		unsigned perm, uid, gid;
		struct stat st;

		if (sscanf(line, "%c %o %u %u %8192s %4095s", &type, &perm,
			   &uid, &gid, extra, path) != 6) {
			fclose(f);
			return fail(__LINE__, "bad manifest line '%s'", line);
		}
		if (type == 'T') {	/* mtime, see expect_mtime() */
			if (lstat(path, &st) != 0) {
				fclose(f);
				return fail(__LINE__, "lstat %s: %s", path,
					    ename(errno));
			}
			snprintf(got, sizeof(got), "%lld.%09ld",
				 (long long)st.st_mtim.tv_sec,
				 st.st_mtim.tv_nsec);
		} else if (check_node(__LINE__, path, type, perm, uid, gid,
				      &st) ||
		    node_extra(path, &st, got, sizeof(got))) {
			fclose(f);
			return fail(__LINE__, "%s: recheck failed", path);
		}
		if (strcmp(got, extra) != 0) {
			fclose(f);
			return fail(__LINE__, "%s: extra '%s' now '%s'", path,
				    extra, got);
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}

static int verify(const char *base)
{
	static const char *const sub[] = { "root", "u4711", "u4712" };
	struct counts c = { 0 };
	double t0 = now_s();
	int n = 0;

	sh->msg[0] = 0;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (verify_file(P(P(base, sub[i]), "MANIFEST"), &n) != 0)
			break;
	if (sh->msg[0]) {
		c.fail++;
		out("P9G-RESULT: FAIL verify/manifest (%.2fs): %s",
		    now_s() - t0, sh->msg);
	} else {
		c.pass++;
		out("P9G-RESULT: ok verify/manifest (%.2fs): %d entries",
		    now_s() - t0, n);
	}
	out("P9G-PHASE-DONE: verify %d passed, %d failed, %d skipped (%.1fs)",
	    c.pass, c.fail, c.skip, now_s() - t0);
	return c.fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode, *base, *only;
	char phase[32], dir[PATH_MAX];

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fstest root|user|verify BASEDIR "
			"[TEST]\n");
		return 2;
	}
	mode = argv[1];
	base = argv[2];
	only = argc == 4 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IONBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	/* Modes asked for are the modes expected, unless a test sets umask. */
	umask(0);
	if (strcmp(mode, "root") == 0) {
		if (getuid() != 0) {
			fprintf(stderr, "fstest root: must run as root\n");
			return 2;
		}
		if (setup(base) != 0) {
			out("P9G-PHASE-DONE: root 0 passed, 1 failed, "
			    "0 skipped (0.0s)");
			return 1;
		}
		return run_list("root", P(base, "root"), root_tests, only);
	}
	if (strcmp(mode, "user") == 0) {
		snprintf(phase, sizeof(phase), "u%u", (unsigned)getuid());
		snprintf(dir, sizeof(dir), "%s/%s", base, phase);
		return run_list(phase, dir, user_tests, only);
	}
	if (strcmp(mode, "verify") == 0)
		return verify(base);
	fprintf(stderr, "fstest: unknown mode %s\n", mode);
	return 2;
}
