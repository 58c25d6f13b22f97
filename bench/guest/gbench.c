/*
 * gbench.c - the guest side of bench/guest/run.sh: the same workloads on
 * several 9p mounts of one guest, in interleaved rounds.
 *
 *   gbench ROUNDS BYTES NCREATE NSTAT WORKLOADS TARBALL MOUNT...
 *
 * WORKLOADS is a comma-separated list of the workloads below, or "all".
 * Each round runs those workloads on every mount, the mounts' order rotating
 * from round to round, and prints one line per measurement:
 *   P9G-BENCH: MOUNT WORKLOAD SECONDS
 * Workloads: write (BYTES sequentially in 512 KiB blocks, then fsync),
 * read (the same file back, after dropping the guest's caches), create
 * (NCREATE times open+write 4 KiB+close+unlink), stat (stat of NSTAT files
 * made beforehand, caches dropped), walk (readdir and lstat of every entry
 * of that tree, as ls -lR does), untar (busybox tar -x of TARBALL).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (512u * 1024u)
#define TREE_DIRS 100

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	printf("P9G-BENCH-ERROR: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3", 1) != 1)
			die("drop_caches");
		close(fd);
	}
}

/*
 * With P9G_TRACE set (bench/guest/run.sh --trace), the kernel's 9p
 * request/response events are recorded during the timed part of each
 * workload only, after a marker naming the mount (init.sh sums them up).
 */
static void trace_write(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(file);
	close(fd);
}

static void trace(const char *mnt, int on)
{
	char line[1100];

	if (!getenv("P9G_TRACE"))
		return;
	trace_write("/sys/kernel/tracing/tracing_on", on ? "1" : "0");
	if (on) { /* a marker needs the buffer on */
		snprintf(line, sizeof(line), "P9G-MOUNT %s\n", mnt);
		trace_write("/sys/kernel/tracing/trace_marker", line);
	}
}

static void report(const char *mnt, const char *what, double t)
{
	printf("P9G-BENCH: %s %s %.4f\n", mnt, what, t);
	fflush(stdout);
}

static double w_write(const char *dir, size_t bytes, char *buf)
{
	char path[4096];
	double t0 = now();
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	for (size_t done = 0; done < bytes; done += BLOCK)
		if (write(fd, buf, BLOCK) != (ssize_t)BLOCK)
			die("write");
	if (fsync(fd) < 0)
		die("fsync");
	close(fd);
	return now() - t0;
}

static double w_read(const char *dir, size_t bytes, char *buf)
{
	char path[4096];
	double t0;
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	drop_caches();
	t0 = now();
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	while ((n = read(fd, buf, BLOCK)) > 0)
		got += (size_t)n;
	if (n < 0 || got != bytes)
		die("read");
	close(fd);
	t0 = now() - t0;
	unlink(path);
	return t0;
}

static double w_create(const char *dir, unsigned int n, char *buf)
{
	char path[4096];
	double t0 = now();

	for (unsigned int i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/c%u", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, buf, 4096) != 4096)
			die(path);
		close(fd);
		if (unlink(path) < 0)
			die(path);
	}
	return now() - t0;
}

static void tree_path(char *p, size_t sz, const char *dir, unsigned int i)
{
	snprintf(p, sz, "%s/tree/d%u/f%u", dir, i % TREE_DIRS, i);
}

static void make_tree(const char *dir, unsigned int n)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tree", dir);
	if (mkdir(path, 0755) < 0)
		die(path);
	for (unsigned int d = 0; d < TREE_DIRS; d++) {
		snprintf(path, sizeof(path), "%s/tree/d%u", dir, d);
		if (mkdir(path, 0755) < 0)
			die(path);
	}
	for (unsigned int i = 0; i < n; i++) {
		int fd;

		tree_path(path, sizeof(path), dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			die(path);
		close(fd);
	}
}

static double w_stat(const char *dir, unsigned int n)
{
	char path[4096];
	struct stat st;
	double t0;

	drop_caches();
	t0 = now();
	for (unsigned int i = 0; i < n; i++) {
		tree_path(path, sizeof(path), dir, i);
		if (stat(path, &st) < 0)
			die(path);
	}
	return now() - t0;
}

/* readdir + lstat of everything below path; the count of entries. */
static unsigned long walk(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned long n = 0;

	if (!d)
		die(path);
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (lstat(sub, &st) < 0)
			die(sub);
		n++;
		if (S_ISDIR(st.st_mode))
			n += walk(sub);
	}
	closedir(d);
	return n;
}

static double w_walk(const char *dir, unsigned int n)
{
	char path[4096];
	double t0;

	snprintf(path, sizeof(path), "%s/tree", dir);
	drop_caches();
	t0 = now();
	if (walk(path) != n + TREE_DIRS) {
		errno = EIO;
		die("walk: wrong entry count");
	}
	return now() - t0;
}

/* Is `name` in the comma-separated list (or the list "all")? */
static int wanted(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (strcmp(list, "all") == 0)
		return 1;
	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return 1;
	return 0;
}

static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ? -1
										: WEXITSTATUS(status);
}

static double w_untar(const char *dir, const char *tarball)
{
	char path[4096];
	double t0;

	snprintf(path, sizeof(path), "%s/untar", dir);
	if (mkdir(path, 0755) < 0)
		die(path);
	t0 = now();
	if (run((char *const[]){"/bin/busybox", "tar", "-x", "-f", (char *)tarball, "-C", path,
				NULL}) != 0) {
		errno = EIO;
		die("tar -x");
	}
	sync();
	return now() - t0;
}

static void cleanup(const char *dir)
{
	run((char *const[]){"/bin/busybox", "rm", "-rf", (char *)dir, NULL});
}

/* One workload, traced (if asked) and reported. */
#define MEASURE(mnt, what, call)                                                                   \
	do {                                                                                       \
		double t_;                                                                         \
		trace(mnt, 1);                                                                     \
		t_ = (call);                                                                       \
		trace(mnt, 0);                                                                     \
		report(mnt, what, t_);                                                             \
	} while (0)

int main(int argc, char **argv)
{
	unsigned int rounds, ncreate, nstat, nmounts;
	size_t bytes;
	const char *tarball, *wl;
	char *buf;

	if (argc < 8) {
		fprintf(stderr, "usage: gbench ROUNDS BYTES NCREATE NSTAT WORKLOADS TARBALL MOUNT...\n");
		return 2;
	}
	rounds = (unsigned int)atoi(argv[1]);
	bytes = (size_t)strtoull(argv[2], NULL, 10) / BLOCK * BLOCK;
	ncreate = (unsigned int)atoi(argv[3]);
	nstat = (unsigned int)atoi(argv[4]);
	wl = argv[5];
	tarball = argv[6];
	nmounts = (unsigned int)(argc - 7);
	buf = malloc(BLOCK);
	if (!buf)
		die("malloc");
	memset(buf, 'x', BLOCK);
	for (unsigned int r = 0; r < rounds; r++) {
		for (unsigned int k = 0; k < nmounts; k++) {
			const char *mnt = argv[7 + (r + k) % nmounts];
			char dir[1024];

			snprintf(dir, sizeof(dir), "%s/gbench", mnt);
			cleanup(dir);
			if (mkdir(dir, 0755) < 0)
				die(dir);
			/* read reads back what write wrote; walk walks stat's tree. */
			if (wanted(wl, "write") || wanted(wl, "read"))
				MEASURE(mnt, "write", w_write(dir, bytes, buf));
			if (wanted(wl, "read"))
				MEASURE(mnt, "read", w_read(dir, bytes, buf));
			if (wanted(wl, "create"))
				MEASURE(mnt, "create", w_create(dir, ncreate, buf));
			if (wanted(wl, "stat") || wanted(wl, "walk")) {
				make_tree(dir, nstat);
				MEASURE(mnt, "stat", w_stat(dir, nstat));
			}
			if (wanted(wl, "walk"))
				MEASURE(mnt, "walk", w_walk(dir, nstat));
			if (wanted(wl, "untar"))
				MEASURE(mnt, "untar", w_untar(dir, tarball));
			cleanup(dir);
		}
	}
	printf("P9G-BENCH-DONE\n");
	return 0;
}
