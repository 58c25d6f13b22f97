/* tests.c — the functional tests run in the guest on the 9p mount.
 *
 * Each test gets a fresh directory `d` (created by the runner, 0755, owned
 * by the phase's uid) and returns 0 (pass), SKIP, or -1 via the T* macros.
 * Nodes that stay behind are recorded with EXPECT() so the host can check
 * that its own view (owner, group, mode, size, rdev, link text) is exactly
 * the guest's.
 *
 * Expected values are POSIX/Linux local-filesystem semantics (what ext4
 * does for the same calls), not what any particular server happens to do.
 */
#include "fstest.h"
#include "tests.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* The server's security model, from the kernel command line p9g.model=
 * (init.sh exports it as P9G_MODEL; run.sh sets it from the configuration):
 * "passthrough" when not given. Where a model legitimately differs from
 * local-filesystem semantics, the test asserts the model's documented
 * behaviour (man/p9guard.8, SECURITY MODELS) instead. */
static int mapped_xattr(void)
{
	const char *m = getenv("P9G_MODEL");

	return m && strcmp(m, "mapped-xattr") == 0;
}

/* p9guard --rootless (p9g.rootless=1, exported as P9G_ROOTLESS): its
 * helper is root of a user namespace, which cannot create device nodes
 * (man/p9guard.8, ROOTLESS): mknod of one gets EPERM. */
static int rootless(void)
{
	const char *r = getenv("P9G_ROOTLESS");

	return r && strcmp(r, "1") == 0;
}

/* The client's cache= mode (init.sh exports it as P9G_CACHE), "none" when
 * not given. With loose and fscache the client writes through its page
 * cache and removes set-user-ID itself (file_remove_privs() ->
 * Tsetattr(mode) from the writer), whatever the server does. */
static int client_removes_privs(void)
{
	const char *c = getenv("P9G_CACHE");

	return c && (strcmp(c, "loose") == 0 || strcmp(c, "fscache") == 0);
}

/* Explicitly set times. The 6.1 v9fs client never sets s_time_gran, so it
 * keeps alloc_super()'s 1 s default and notify_change() truncates the
 * times in the GUEST before Tsetattr is sent: a server cannot receive the
 * nanoseconds. Accept exactly the value, or the value truncated to the
 * second (a newer client); anything else (rounding, microseconds, wrong
 * seconds) is a server bug. Server-made times (UTIME_NOW, writes) do carry
 * nanoseconds: TNS_PRESENT and the host-side 'T' manifest check those. */
static int ts_is(const struct timespec *a, time_t sec, long nsec)
{
	return a->tv_sec == sec && (a->tv_nsec == nsec || a->tv_nsec == 0);
}

#define TTIME(tsp, sec, nsec) do { \
	if (!ts_is(tsp, sec, nsec)) \
		return fail(__LINE__, "%s: %lld.%09ld, want %lld.%09ld", \
			    #tsp, (long long)(tsp)->tv_sec, \
			    (long)(tsp)->tv_nsec, (long long)(sec), \
			    (long)(nsec)); \
} while (0)

/* A time the server's clock made keeps its nanoseconds through Rgetattr
 * (both atime and mtime exactly on a second: about 1e-18). */
#define TNS_PRESENT(st) do { \
	if ((st)->st_atim.tv_nsec == 0 && (st)->st_mtim.tv_nsec == 0) \
		return fail(__LINE__, "server-made atime/mtime have no " \
			    "nanoseconds (%lld.0, %lld.0)", \
			    (long long)(st)->st_atim.tv_sec, \
			    (long long)(st)->st_mtim.tv_sec); \
} while (0)

/* Is the 9p mount we run on using a client cache? From /proc/mounts;
 * 6.1 shows the mode as a bare token (",loose", ",mmap", ",fscache"),
 * later kernels as "cache=...". */
static int client_caches(void)
{
	char dev[256], dir[256], type[32], opts[1024];
	int cached = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (!f)
		return 0;
	while (fscanf(f, "%255s %255s %31s %1023s %*d %*d", dev, dir, type,
		      opts) == 4) {
		char *save = NULL;

		if (strcmp(type, "9p") != 0)
			continue;
		cached = 0;
		for (char *t = strtok_r(opts, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (!strncmp(t, "cache=", 6))
				t += 6;
			if (!strcmp(t, "loose") || !strcmp(t, "mmap") ||
			    !strcmp(t, "fscache") || !strcmp(t, "readahead"))
				cached = 1;
		}
	}
	fclose(f);
	return cached;
}

/* ======================================================================
 * create / open / read / write
 * ====================================================================== */

static int t_create_rw(const char *d)
{
	const char *f = P(d, "f");
	char buf[64];
	struct stat st;
	int fd;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0640));
	TEQ(write(fd, "hello world\n", 12), 12);
	TEQ(pread(fd, buf, sizeof(buf), 0), 12);
	T(memcmp(buf, "hello world\n", 12) == 0);
	TEQ(pread(fd, buf, sizeof(buf), 12), 0);	/* EOF */
	TS(fstat(fd, &st));
	TEQ(st.st_size, 12);
	TEQ(st.st_mode, S_IFREG | 0640);
	TEQ(st.st_uid, 0);
	TEQ(st.st_gid, 0);
	TS(fsync(fd));
	TS(fdatasync(fd));
	TS(close(fd));
	TE(open(f, O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
	TE(open(P(d, "missing"), O_RDONLY), ENOENT);
	TE(open(P(d, "f/x"), O_RDONLY), ENOTDIR);
	TE(open(f, O_RDONLY | O_DIRECTORY), ENOTDIR);
	TE(open(d, O_WRONLY), EISDIR);
	/* O_CREAT without O_EXCL opens the existing file, content kept. */
	TS(fd = open(f, O_CREAT | O_RDWR, 0600));
	TS(close(fd));
	FILE_IS(f, "hello world\n");
	EXPECT(f, 'f', 0640, 0, 0);
	/* The client applies the umask; the server must not add its own. */
	umask(027);
	TS(fd = open(P(d, "masked"), O_CREAT | O_EXCL | O_WRONLY, 0666));
	umask(0);
	TS(close(fd));
	EXPECT(P(d, "masked"), 'f', 0640, 0, 0);
	TS(fd = open(P(d, "open"), O_CREAT | O_EXCL | O_WRONLY, 0777));
	TS(close(fd));
	EXPECT(P(d, "open"), 'f', 0777, 0, 0);
	TS(mkdir(P(d, "opendir"), 0777));
	EXPECT(P(d, "opendir"), 'd', 0777, 0, 0);
	return 0;
}

static int t_append(const char *d)
{
	const char *f = P(d, "f");
	int fd, fd2;

	TS(put_file(f, 0644, "abc"));
	TS(fd = open(f, O_WRONLY | O_APPEND));
	TS(lseek(fd, 0, SEEK_SET));
	TEQ(write(fd, "def", 3), 3);	/* goes to the end anyway */
	TS(fd2 = open(f, O_WRONLY | O_APPEND));
	TEQ(write(fd2, "1", 1), 1);
	TEQ(write(fd, "2", 1), 1);
	TEQ(write(fd2, "3", 1), 1);
	TEQ(pwrite(fd, "X", 1, 0), 1);	/* Linux: O_APPEND wins over pos */
	TS(close(fd));
	TS(close(fd2));
	FILE_IS(f, "abcdef123X");
	EXPECT(f, 'f', 0644, 0, 0);
	return 0;
}

static int t_truncate(const char *d)
{
	const char *f = P(d, "f");
	char buf[256], zero[256] = { 0 };
	struct stat st;
	int fd;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0644));
	memset(buf, 'a', 100);
	TEQ(write(fd, buf, 100), 100);
	TS(ftruncate(fd, 50));
	TS(fstat(fd, &st));
	TEQ(st.st_size, 50);
	TS(ftruncate(fd, 200));
	TS(fstat(fd, &st));
	TEQ(st.st_size, 200);
	TEQ(pread(fd, buf, sizeof(buf), 0), 200);
	for (int i = 0; i < 50; i++)
		T(buf[i] == 'a');
	T(memcmp(buf + 50, zero, 150) == 0);	/* grown part reads zeros */
	TS(close(fd));
	TS(truncate(f, 10));
	TS(stat(f, &st));
	TEQ(st.st_size, 10);
	TS(fd = open(f, O_WRONLY | O_TRUNC));
	TS(close(fd));
	TS(stat(f, &st));
	TEQ(st.st_size, 0);
	TE(truncate(d, 0), EISDIR);
	TE(truncate(P(d, "nope"), 0), ENOENT);
	TS(truncate(f, 12345));
	EXPECT(f, 'f', 0644, 0, 0);
	return 0;
}

static int t_bigio(const char *d)
{
	const size_t n = (3u << 20) + 123;	/* several msize-d messages */
	const char *f = P(d, "f");
	char *a = malloc(n), *b = malloc(n);
	struct stat st;
	void *m;
	int fd;

	T(a && b);
	for (size_t i = 0; i < n; i++)
		a[i] = (char)(i * 7 + (i >> 12));
	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0644));
	TEQ(write(fd, a, n), n);
	TEQ(pread(fd, b, n, 0), n);
	T(memcmp(a, b, n) == 0);
	/* Overwrite an unaligned middle range. */
	for (size_t i = 0; i < 70000; i++)
		a[1000001 + i] = (char)~a[1000001 + i];
	TEQ(pwrite(fd, a + 1000001, 70000, 1000001), 70000);
	memset(b, 0, n);
	TEQ(pread(fd, b, n, 0), n);
	T(memcmp(a, b, n) == 0);
	TS(fstat(fd, &st));
	TEQ(st.st_size, n);
	/* Read-only mappings work in every cache mode. */
	m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	T(m != MAP_FAILED);
	T(memcmp(a, m, n) == 0);
	TS(munmap(m, n));
	TS(close(fd));
	free(a);
	free(b);
	EXPECT(f, 'f', 0644, 0, 0);
	return 0;
}

/* ======================================================================
 * directories, rename, link, symlink
 * ====================================================================== */

static int t_mkdir_rmdir(const char *d)
{
	const char *a = P(d, "a");
	struct stat st;
	int fd;

	TS(mkdir(a, 0750));
	NODE_IS(a, 'd', 0750, 0, 0);
	TE(mkdir(a, 0700), EEXIST);
	TS(mkdir(P(a, "b"), 0700));
	TE2(rmdir(a), ENOTEMPTY, EEXIST);
	TS(rmdir(P(a, "b")));
	TS(put_file(P(a, "f"), 0644, "x"));
	TE(rmdir(P(a, "f")), ENOTDIR);
	TE(unlink(a), EISDIR);
	TS(unlink(P(a, "f")));
	TS(rmdir(a));
	TE(lstat(a, &st), ENOENT);
	TE(mkdir(P(d, "x/y"), 0755), ENOENT);
	TE(rmdir(P(d, "nope")), ENOENT);
	TS(mkdir(P(d, "keep"), 0751));
	TS(fd = open(P(d, "keep"), O_RDONLY | O_DIRECTORY));
	TS(fsync(fd));			/* directories can be synced too */
	TS(close(fd));
	EXPECT(P(d, "keep"), 'd', 0751, 0, 0);
	TS(mkdir(P(d, "sticky"), 01777));
	EXPECT(P(d, "sticky"), 'd', 01777, 0, 0);
	umask(022);
	TS(mkdir(P(d, "masked"), 0777));
	umask(0);
	EXPECT(P(d, "masked"), 'd', 0755, 0, 0);
	return 0;
}

static int t_readdir_types(const char *d)
{
	static const struct { const char *name; unsigned char type; } want[] = {
		{ ".", DT_DIR }, { "..", DT_DIR }, { "file", DT_REG },
		{ "dir", DT_DIR }, { "link", DT_LNK }, { "fifo", DT_FIFO },
	};
	int seen[6] = { 0 };
	int mapped = mapped_xattr();
	struct dirent *e;
	DIR *dir;

	TS(put_file(P(d, "file"), 0644, ""));
	TS(mkdir(P(d, "dir"), 0755));
	TS(symlink("file", P(d, "link")));
	TS(mkfifo(P(d, "fifo"), 0644));
	T(dir = opendir(d));
	while ((errno = 0, e = readdir(dir))) {
		size_t i;

		for (i = 0; i < 6; i++)
			if (strcmp(e->d_name, want[i].name) == 0)
				break;
		if (i == 6) {
			closedir(dir);
			return fail(__LINE__, "unexpected entry '%s'",
				    e->d_name);
		}
		/* mapped-xattr stores symlinks and nodes as host regular
		 * files, so a host regular file is listed as DT_UNKNOWN
		 * (the client then stats it; QEMU lists every entry so);
		 * directories stay DT_DIR. Otherwise the server may not
		 * know the type (DT_UNKNOWN), but must not name a wrong one. */
		unsigned char want_t = want[i].type;

		if (mapped && want_t != DT_DIR)
			want_t = DT_UNKNOWN;
		if (e->d_type != want_t &&
		    (mapped || e->d_type != DT_UNKNOWN)) {
			closedir(dir);
			return fail(__LINE__, "%s: d_type %d, want %d",
				    e->d_name, e->d_type, want_t);
		}
		seen[i]++;
	}
	T(errno == 0);
	closedir(dir);
	for (int i = 0; i < 6; i++)
		if (seen[i] != 1)
			return fail(__LINE__, "'%s' seen %d times",
				    want[i].name, seen[i]);
	/* What a listing leaves unknown, a stat tells. */
	for (int i = 2; i < 6; i++) {
		struct stat st;

		TS(lstat(P(d, want[i].name), &st));
		if (IFTODT(st.st_mode) != want[i].type)
			return fail(__LINE__, "%s: lstat type %o, want d_type %d",
				    want[i].name, st.st_mode & S_IFMT,
				    want[i].type);
	}
	return 0;
}

/* Unusual but valid names must work verbatim; only '/' and NUL are
 * impossible, and "." / ".." are the directory's own. */
static int t_names(const char *d)
{
	static const char *const names[] = {
		"with space", "new\nline", "tab\there",
		"\xc3\xbc" "n" "\xc3\xaf" "c" "\xc3\xb6" "d" "\xc3\xa9",
		"-dash", "...", ".hidden", "..dots", "back\\slash", "%s%n",
		"\x01" "ctl", "trailing.", "a:b*c?d\"e<f>g|h",
	};
	const size_t nn = sizeof(names) / sizeof(names[0]);
	char longn[256], toolong[257], buf[16];
	int seen[16] = { 0 }, seen_long = 0;
	struct dirent *e;
	DIR *dir;

	memset(longn, 'n', 255);
	longn[255] = 0;
	memset(toolong, 'n', 256);
	toolong[256] = 0;
	for (size_t i = 0; i < nn; i++) {
		snprintf(buf, sizeof(buf), "%zu", i);
		TS(put_file(P(d, names[i]), 0644, buf));
	}
	TS(put_file(P(d, longn), 0644, "long"));
	TE(put_file(P(d, toolong), 0644, "x"), ENAMETOOLONG);
	for (size_t i = 0; i < nn; i++) {
		snprintf(buf, sizeof(buf), "%zu", i);
		FILE_IS(P(d, names[i]), buf);
	}
	FILE_IS(P(d, longn), "long");
	T(dir = opendir(d));
	while ((errno = 0, e = readdir(dir))) {
		size_t i;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, longn)) {
			seen_long++;
			continue;
		}
		for (i = 0; i < nn; i++)
			if (strcmp(e->d_name, names[i]) == 0)
				break;
		if (i == nn) {
			closedir(dir);
			return fail(__LINE__, "unexpected entry '%s'",
				    e->d_name);
		}
		seen[i]++;
	}
	T(errno == 0);
	closedir(dir);
	T(seen_long == 1);
	for (size_t i = 0; i < nn; i++)
		if (seen[i] != 1)
			return fail(__LINE__, "name #%zu seen %d times", i,
				    seen[i]);
	/* Renames between odd names, and away again. */
	TS(rename(P(d, names[0]), P(d, names[1])));
	FILE_IS(P(d, names[1]), "0");
	TS(rename(P(d, names[1]), P(d, "plain")));
	FILE_IS(P(d, "plain"), "0");
	return 0;
}

static int t_rename_files(const char *d)
{
	const char *a = P(d, "a"), *b = P(d, "b"), *c = P(d, "c");
	const char *d1 = P(d, "d1"), *d2 = P(d, "d2");
	struct stat st;
	ino_t ino;
	int fd;

	TS(put_file(a, 0644, "A"));
	TS(put_file(b, 0644, "B"));
	TS(lstat(a, &st));
	ino = st.st_ino;
	TS(rename(a, c));
	TE(lstat(a, &st), ENOENT);
	FILE_IS(c, "A");
	TS(lstat(c, &st));
	TEQ(st.st_ino, ino);
	TS(rename(c, b));	/* over an existing file */
	FILE_IS(b, "A");
	TE(lstat(c, &st), ENOENT);
	TS(lstat(b, &st));
	TEQ(st.st_ino, ino);
	TS(rename(b, b));	/* same name: no-op */
	FILE_IS(b, "A");
	TS(mkdir(d1, 0755));
	TS(mkdir(d2, 0755));
	TS(rename(b, P(d1, "x")));	/* across directories */
	TS(rename(P(d1, "x"), P(d2, "y")));
	FILE_IS(P(d2, "y"), "A");
	TS(put_file(P(d1, "z"), 0600, "Z"));
	TS(rename(P(d1, "z"), P(d2, "y")));	/* across, over existing */
	FILE_IS(P(d2, "y"), "Z");
	TE(lstat(P(d1, "z"), &st), ENOENT);
	TS(mkdir(P(d, "dd"), 0755));
	TE(rename(P(d2, "y"), P(d, "dd")), EISDIR);
	TE(rename(P(d, "dd"), P(d2, "y")), ENOTDIR);
	/* An open file follows its rename. */
	TS(fd = open(P(d2, "y"), O_RDWR));
	TS(rename(P(d2, "y"), P(d1, "moved")));
	TEQ(pwrite(fd, "W", 1, 1), 1);
	TS(fstat(fd, &st));
	TEQ(st.st_size, 2);
	TS(close(fd));
	FILE_IS(P(d1, "moved"), "ZW");
	TE(rename(P(d, "nope"), P(d, "n2")), ENOENT);
	EXPECT(P(d1, "moved"), 'f', 0600, 0, 0);
	return 0;
}

static int t_rename_dirs(const char *d)
{
	struct stat st;
	char buf[8];
	int fd, dfd;

	TS(mkdir(P(d, "p"), 0755));
	TS(mkdir(P(d, "p/q"), 0700));
	TS(put_file(P(d, "p/q/f"), 0644, "Q"));
	TS(rename(P(d, "p/q"), P(d, "r")));	/* dir across dirs */
	FILE_IS(P(d, "r/f"), "Q");
	TE(lstat(P(d, "p/q"), &st), ENOENT);
	TS(mkdir(P(d, "e"), 0755));
	TS(rename(P(d, "r"), P(d, "e")));	/* over an empty dir */
	FILE_IS(P(d, "e/f"), "Q");
	TE(lstat(P(d, "r"), &st), ENOENT);
	NODE_IS(P(d, "e"), 'd', 0700, 0, 0);
	TS(mkdir(P(d, "n"), 0755));
	TS(put_file(P(d, "n/g"), 0644, "G"));
	TE2(rename(P(d, "e"), P(d, "n")), ENOTEMPTY, EEXIST);
	TE(rename(P(d, "e"), P(d, "e/sub")), EINVAL);
	/* Descriptors and lookups below a renamed ancestor keep working and
	 * see the new location (path-caching servers get this wrong). */
	TS(mkdir(P(d, "t"), 0755));
	TS(mkdir(P(d, "t/a"), 0755));
	TS(mkdir(P(d, "t/a/b"), 0755));
	TS(put_file(P(d, "t/a/b/file"), 0644, "1"));
	TS(fd = open(P(d, "t/a/b/file"), O_RDWR));
	TS(dfd = open(P(d, "t/a"), O_RDONLY | O_DIRECTORY));
	TS(rename(P(d, "t"), P(d, "t2")));
	TE(lstat(P(d, "t/a"), &st), ENOENT);
	TEQ(pwrite(fd, "2", 1, 1), 1);
	TS(close(fd));
	FILE_IS(P(d, "t2/a/b/file"), "12");
	TS(fd = openat(dfd, "b/file", O_RDONLY));
	TEQ(read(fd, buf, sizeof(buf)), 2);
	T(memcmp(buf, "12", 2) == 0);
	TS(close(fd));
	TS(mkdirat(dfd, "new", 0700));
	TS(close(dfd));
	EXPECT(P(d, "t2/a/new"), 'd', 0700, 0, 0);
	EXPECT(P(d, "t2/a/b/file"), 'f', 0644, 0, 0);
	EXPECT(P(d, "e/f"), 'f', 0644, 0, 0);
	return 0;
}

static int t_link_unlink(const char *d)
{
	const char *f = P(d, "f"), *g = P(d, "g");
	struct stat st, st2;
	int fd;

	TS(put_file(f, 0644, "L"));
	TS(link(f, g));
	TS(lstat(f, &st));
	TEQ(st.st_nlink, 2);
	TS(lstat(g, &st2));
	TEQ(st2.st_ino, st.st_ino);
	TS(fd = open(g, O_WRONLY | O_APPEND));
	TEQ(write(fd, "M", 1), 1);
	TS(close(fd));
	FILE_IS(f, "LM");
	TS(unlink(f));
	TE(lstat(f, &st), ENOENT);
	TS(lstat(g, &st));
	TEQ(st.st_nlink, 1);
	FILE_IS(g, "LM");
	TS(mkdir(P(d, "sub"), 0755));
	TS(link(g, P(d, "sub/h")));	/* across directories */
	TS(lstat(g, &st));
	TEQ(st.st_nlink, 2);
	TE(link(P(d, "sub"), P(d, "dirlink")), EPERM);
	TE(link(P(d, "nope"), P(d, "x")), ENOENT);
	TE(link(g, P(d, "sub/h")), EEXIST);
	TE(unlink(P(d, "nope")), ENOENT);
	EXPECT(g, 'f', 0644, 0, 0);
	EXPECT(P(d, "sub/h"), 'f', 0644, 0, 0);
	return 0;
}

static int readlink_is(int line, const char *path, const char *want)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf));

	if (n < 0)
		return fail(line, "readlink %s: %s", path, ename(errno));
	if ((size_t)n != strlen(want) || memcmp(buf, want, (size_t)n) != 0)
		return fail(line, "readlink %s: '%.*s', want '%s'", path,
			    (int)n, buf, want);
	return 0;
}
#define READLINK_IS(p, w) TR(readlink_is(__LINE__, p, w))

static int t_symlink(const char *d)
{
	const char *l1 = P(d, "l1"), *tf = P(d, "target-file");
	char longt[400];
	struct stat st;

	TS(symlink("target-file", l1));
	READLINK_IS(l1, "target-file");
	TS(lstat(l1, &st));
	T(S_ISLNK(st.st_mode));
	TEQ(st.st_size, 11);
	TS(put_file(tf, 0644, "T"));
	FILE_IS(l1, "T");		/* followed, inside the guest */
	TE(open(l1, O_RDONLY | O_NOFOLLOW), ELOOP);
	/* The text is stored verbatim, never interpreted by the server. */
	TS(symlink("../../../../../../../../etc/passwd", P(d, "l2")));
	READLINK_IS(P(d, "l2"), "../../../../../../../../etc/passwd");
	snprintf(longt, sizeof(longt), "/abs/with space/\xc3\xbcnicode/%0300d",
		 7);
	TS(symlink(longt, P(d, "l3")));
	READLINK_IS(P(d, "l3"), longt);
	TS(symlink("dangling-nowhere", P(d, "l4")));
	TE(open(P(d, "l4"), O_RDONLY), ENOENT);
	TE(stat(P(d, "l4"), &st), ENOENT);
	TS(lstat(P(d, "l4"), &st));
	TE(symlink("x", l1), EEXIST);
	/* lchown changes the link itself; chmod/chown follow it. */
	TS(lchown(l1, UA, GS));
	NODE_IS(l1, 'l', 0777, UA, GS);
	NODE_IS(tf, 'f', 0644, 0, 0);
	TS(chmod(l1, 0600));
	TS(chown(l1, UB, GB));
	NODE_IS(l1, 'l', 0777, UA, GS);
	/* A symlink to a directory used as a path component. */
	TS(mkdir(P(d, "real"), 0755));
	TS(symlink("real", P(d, "dl")));
	TS(put_file(P(d, "dl/inside"), 0644, "I"));
	FILE_IS(P(d, "real/inside"), "I");
	EXPECT(l1, 'l', 0777, UA, GS);
	EXPECT(tf, 'f', 0600, UB, GB);
	EXPECT(P(d, "l2"), 'l', 0777, 0, 0);
	EXPECT(P(d, "l3"), 'l', 0777, 0, 0);
	EXPECT(P(d, "l4"), 'l', 0777, 0, 0);
	EXPECT(P(d, "real/inside"), 'f', 0644, 0, 0);
	return 0;
}

/* ======================================================================
 * special files
 * ====================================================================== */

static int mknod_as_user(void *arg)
{
	const char *d = arg;

	TE(mknod(P(d, "ud/c"), S_IFCHR | 0600, makedev(1, 3)), EPERM);
	TE(mknod(P(d, "ud/b"), S_IFBLK | 0600, makedev(7, 0)), EPERM);
	TS(mkfifo(P(d, "ud/p"), 0640));
	EXPECT(P(d, "ud/p"), 'p', 0640, UA, GA);
	return 0;
}

static int t_mknod(const char *d)
{
	struct stat st;
	char buf[16];
	pid_t pid;
	int fd, status;

	TS(mkfifo(P(d, "p"), 0620));
	EXPECT(P(d, "p"), 'p', 0620, 0, 0);
	if (rootless()) {
		TE(mknod(P(d, "c"), S_IFCHR | 0600, makedev(1, 3)), EPERM);
		TE(mknod(P(d, "b"), S_IFBLK | 0640, makedev(7, 0)), EPERM);
		TE(lstat(P(d, "c"), &st), ENOENT);
	} else {
		TS(mknod(P(d, "c"), S_IFCHR | 0600, makedev(1, 3)));
		TS(lstat(P(d, "c"), &st));
		TEQ(major(st.st_rdev), 1);
		TEQ(minor(st.st_rdev), 3);
		EXPECT(P(d, "c"), 'c', 0600, 0, 0);
		TS(mknod(P(d, "b"), S_IFBLK | 0640, makedev(7, 0)));
		EXPECT(P(d, "b"), 'b', 0640, 0, 0);
		/* Large numbers need the full 32-bit major/minor of Tmknod. */
		TS(mknod(P(d, "cbig"), S_IFCHR | 0600, makedev(259, 300000)));
		TS(lstat(P(d, "cbig"), &st));
		TEQ(major(st.st_rdev), 259);
		TEQ(minor(st.st_rdev), 300000);
		EXPECT(P(d, "cbig"), 'c', 0600, 0, 0);
	}
	TS(mknod(P(d, "s"), S_IFSOCK | 0644, 0));
	EXPECT(P(d, "s"), 's', 0644, 0, 0);
	TS(mknod(P(d, "r"), S_IFREG | 0604, 0));
	EXPECT(P(d, "r"), 'f', 0604, 0, 0);
	/* A FIFO in the export works between two guest processes. */
	pid = fork();
	if (pid == 0) {
		int w = open(P(d, "p"), O_WRONLY);

		_exit(w >= 0 && write(w, "fifo!", 5) == 5 ? 0 : 1);
	}
	TS(pid);
	TS(fd = open(P(d, "p"), O_RDONLY));
	TEQ(read(fd, buf, sizeof(buf)), 5);
	T(memcmp(buf, "fifo!", 5) == 0);
	TS(close(fd));
	TEQ(waitpid(pid, &status, 0), pid);
	TEQ(status, 0);
	/* Only root makes device nodes; anyone makes FIFOs. */
	TS(mkdir(P(d, "ud"), 0755));
	TS(chown(P(d, "ud"), UA, GA));
	TR(as_A(mknod_as_user, (void *)d));
	return 0;
}

/* ======================================================================
 * ownership and permissions
 * ====================================================================== */

static int chown_as_owner(void *arg)
{
	const char *f = P(arg, "f");
	int fd;

	TS(chmod(f, 0640));
	TS(chown(f, UA, GA));		/* own primary group */
	NODE_IS(f, 'f', 0640, UA, GA);
	TS(chown(f, (uid_t)-1, GS));	/* supplementary group */
	NODE_IS(f, 'f', 0640, UA, GS);
	TE(chown(f, (uid_t)-1, GX), EPERM);	/* not a member */
	TE(chown(f, UB, (gid_t)-1), EPERM);	/* give away */
	TS(fd = open(f, O_RDONLY));
	TS(fchmod(fd, 0644));
	TS(fchmod(fd, 0640));
	TS(close(fd));
	return 0;
}

static int chown_as_other(void *arg)
{
	const char *f = P(arg, "f");

	TE(chmod(f, 0777), EPERM);
	TE(chown(f, UB, GB), EPERM);
	TE(chown(f, (uid_t)-1, GB), EPERM);
	return 0;
}

static int sgid_as_nonmember(void *arg)
{
	/* Owner sets S_ISGID on a file of a group it is not in: dropped. */
	TS(chmod(P(arg, "y"), 02755));
	return 0;
}

static int write_as_other(void *arg)
{
	int fd;

	TS(fd = open(P(arg, "z"), O_WRONLY));
	TEQ(write(fd, "w", 1), 1);
	TS(close(fd));
	return 0;
}

static int t_chmod_chown(const char *d)
{
	const char *f = P(d, "f");
	struct stat st;
	int fd;

	TS(put_file(f, 0644, "x"));
	TS(chown(f, UA, GS));
	NODE_IS(f, 'f', 0644, UA, GS);
	TS(chmod(f, 0600));
	TR(as_A(chown_as_owner, (void *)d));
	NODE_IS(f, 'f', 0640, UA, GS);
	TR(as_B(chown_as_other, (void *)d));
	TS(fd = open(f, O_RDONLY));
	TS(fchown(fd, UB, GB));
	TS(fchmod(fd, 0604));
	TS(fstat(fd, &st));
	TEQ(st.st_uid, UB);
	TEQ(st.st_gid, GB);
	TS(close(fd));
	EXPECT(f, 'f', 0604, UB, GB);
	/* chown clears set-user-ID and (group-exec) set-group-ID, for root
	 * too (Linux since 2.2.13). */
	TS(put_file(P(d, "x"), 0755, "#!/bin/sh\n"));
	TS(chmod(P(d, "x"), 06755));
	NODE_IS(P(d, "x"), 'f', 06755, 0, 0);
	TS(chown(P(d, "x"), UA, GS));
	EXPECT(P(d, "x"), 'f', 0755, UA, GS);
	/* A directory keeps its set-group-ID bit on chown. */
	TS(mkdir(P(d, "sd"), 0755));
	TS(chmod(P(d, "sd"), 02755));
	TS(chown(P(d, "sd"), UA, GS));
	EXPECT(P(d, "sd"), 'd', 02755, UA, GS);
	TS(put_file(P(d, "y"), 0644, ""));
	TS(chown(P(d, "y"), UA, GX));
	TR(as_A(sgid_as_nonmember, (void *)d));
	EXPECT(P(d, "y"), 'f', 0755, UA, GX);
	/* A write by an unprivileged process clears set-user-ID. Under
	 * mapped-xattr the bit is only stored metadata (the host file has
	 * none for the host kernel to clear), so a write the server does
	 * keeps it, as with QEMU's mapped-xattr; with loose or fscache
	 * the client clears it itself (client_removes_privs()). */
	TS(put_file(P(d, "z"), 0644, ""));
	TS(chown(P(d, "z"), UA, GA));
	TS(chmod(P(d, "z"), 04777));
	TR(as_B(write_as_other, (void *)d));
	if (mapped_xattr() && !client_removes_privs())
		EXPECT(P(d, "z"), 'f', 04777, UA, GA);
	else
		EXPECT(P(d, "z"), 'f', 0777, UA, GA);
	return 0;
}

static int sg_as_A(void *arg)
{
	const char *sg = P(arg, "sg");
	int fd;

	TS(put_file(P(sg, "fa"), 0644, "a"));
	EXPECT(P(sg, "fa"), 'f', 0644, UA, GS);
	TS(mkdir(P(sg, "da"), 0755));
	EXPECT(P(sg, "da"), 'd', 02755, UA, GS);	/* inherits S_ISGID */
	TS(fd = open(P(sg, "da/ff"), O_CREAT | O_EXCL | O_WRONLY, 0640));
	TS(close(fd));
	EXPECT(P(sg, "da/ff"), 'f', 0640, UA, GS);
	TS(mkfifo(P(sg, "pa"), 0600));
	EXPECT(P(sg, "pa"), 'p', 0600, UA, GS);
	TS(symlink("fa", P(sg, "la")));
	EXPECT(P(sg, "la"), 'l', 0777, UA, GS);
	return 0;
}

static int sg_as_B(void *arg)
{
	TE(put_file(P(arg, "sg/fb"), 0644, "b"), EACCES);
	return 0;
}

static int t_setgid_dir(const char *d)
{
	const char *sg = P(d, "sg");

	TS(mkdir(sg, 0775));
	TS(chown(sg, UA, GS));
	TS(chmod(sg, 02775));
	TR(as_A(sg_as_A, (void *)d));
	TR(as_B(sg_as_B, (void *)d));
	TS(put_file(P(sg, "fr"), 0600, "r"));
	EXPECT(P(sg, "fr"), 'f', 0600, 0, GS);
	TS(mkdir(P(sg, "dr"), 0700));
	EXPECT(P(sg, "dr"), 'd', 02700, 0, GS);
	EXPECT(sg, 'd', 02775, UA, GS);
	return 0;
}

static int st_A1(void *arg)
{
	const char *st = P(arg, "st");

	TS(put_file(P(st, "fa"), 0644, "a"));
	TS(mkdir(P(st, "da"), 0755));
	return 0;
}

static int st_B(void *arg)
{
	const char *st = P(arg, "st");

	TS(put_file(P(st, "fb"), 0644, "b"));
	TE(unlink(P(st, "fa")), EPERM);
	TE(rename(P(st, "fa"), P(st, "x")), EPERM);
	TE(rename(P(st, "fb"), P(st, "fa")), EPERM);	/* replace A's */
	TE(rmdir(P(st, "da")), EPERM);
	TE(open(P(st, "fa"), O_WRONLY), EACCES);
	TS(rename(P(st, "fb"), P(st, "fb2")));		/* own file: fine */
	FILE_IS(P(st, "fa"), "a");
	return 0;
}

static int st_A2(void *arg)
{
	const char *st = P(arg, "st");

	TS(rename(P(st, "fa"), P(st, "fa2")));
	TS(unlink(P(st, "fa2")));
	TS(put_file(P(st, "fa"), 0640, "A"));
	return 0;
}

/* --permissions host (kernel command line p9g.perms=host, exported by
 * init.sh as P9G_PERMISSIONS): the host kernel checks accesses too, with
 * the host's groups.  The default, guest, leaves them to this kernel. */
static int host_perms(void)
{
	const char *p = getenv("P9G_PERMISSIONS");

	return p && strcmp(p, "host") == 0;
}

/* B with the guest-only group GQ (no host account is in it). */
static int gq_as_B(int (*fn)(void *), void *arg)
{
	static const gid_t g[] = { GB, GQ };

	return as_user(UB, GB, g, 2, fn, arg);
}

static int gq_read_write(void *arg)
{
	const char *d = arg, *f = P(d, "gq/f"), *mine = P(d, "open/mine");
	char buf[8];
	int fd;

	if (host_perms()) {
		/* The host's database does not put B in GQ: refused.  ENOENT
		 * when the client walked through gq/ in one Twalk (cache=loose
		 * does): the host refused the lookup inside, and a partial
		 * walk is ENOENT to the Linux client. */
		TE2(open(f, O_RDONLY), EACCES, ENOENT);
		TE2(open(P(d, "gq/new"), O_CREAT | O_EXCL | O_WRONLY, 0640), EACCES, ENOENT);
		TS(put_file(mine, 0644, "m"));
		TE(chown(mine, (uid_t)-1, GQ), EPERM);
		EXPECT(mine, 'f', 0644, UB, GB);
		return 0;
	}
	TS(fd = open(f, O_RDONLY));
	TEQ(read(fd, buf, sizeof(buf)), 3);
	TS(close(fd));
	TS(put_file(P(d, "gq/new"), 0640, "n"));
	EXPECT(P(d, "gq/new"), 'f', 0640, UB, GB);
	TS(put_file(mine, 0644, "m"));
	TS(chown(mine, (uid_t)-1, GQ));
	EXPECT(mine, 'f', 0644, UB, GQ);
	return 0;
}

/*
 * A group that exists only in the guest grants access, as on a local disk:
 * GQ's 0770 directory and 0640 file let B (a member here, unknown to the
 * host) read, create and chgrp.  Under --permissions host the host's
 * database decides and refuses (the difference the option makes).
 */
static int t_guest_only_group(const char *d)
{
	TS(mkdir(P(d, "gq"), 0770));
	TS(chown(P(d, "gq"), 0, GQ));
	TS(chmod(P(d, "gq"), 0770));
	TS(put_file(P(d, "gq/f"), 0640, "gq\n"));
	TS(chown(P(d, "gq/f"), 0, GQ));
	TS(mkdir(P(d, "open"), 0777));
	TS(chmod(P(d, "open"), 0777));
	TR(gq_as_B(gq_read_write, (void *)d));
	EXPECT(P(d, "gq"), 'd', 0770, 0, GQ);
	EXPECT(P(d, "gq/f"), 'f', 0640, 0, GQ);
	return 0;
}

static int t_sticky_dir(const char *d)
{
	const char *st = P(d, "st");

	TS(mkdir(st, 01777));
	TR(as_A(st_A1, (void *)d));
	TR(as_B(st_B, (void *)d));
	TR(as_A(st_A2, (void *)d));
	TS(unlink(P(st, "fb2")));	/* root may */
	EXPECT(st, 'd', 01777, 0, 0);
	EXPECT(P(st, "fa"), 'f', 0640, UA, GA);
	EXPECT(P(st, "da"), 'd', 0755, UA, GA);
	return 0;
}

/* ======================================================================
 * timestamps
 * ====================================================================== */

static int ut_writer(void *arg)
{
	const struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };

	TS(utimensat(AT_FDCWD, P(arg, "w"), NULL, 0));	/* write access ok */
	TE(utimensat(AT_FDCWD, P(arg, "w"), ts, 0), EPERM);
	TE(utimensat(AT_FDCWD, P(arg, "ro"), NULL, 0), EACCES);
	return 0;
}

static int t_utimensat(const char *d)
{
	const char *f = P(d, "f");
	struct timespec ts[2] = { { 1234567890, 123456789 },
				  { 1500000000, 987654321 } };
	struct stat st;
	time_t now;
	int fd;

	TS(put_file(f, 0644, "t"));
	TS(utimensat(AT_FDCWD, f, ts, 0));
	TS(stat(f, &st));
	TTIME(&st.st_atim, 1234567890, 123456789);
	TTIME(&st.st_mtim, 1500000000, 987654321);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1600000000;
	ts[1].tv_nsec = 1;
	TS(utimensat(AT_FDCWD, f, ts, 0));
	TS(stat(f, &st));
	TTIME(&st.st_atim, 1234567890, 123456789);
	TTIME(&st.st_mtim, 1600000000, 1);
	TS(fd = open(f, O_RDONLY));
	ts[0].tv_sec = 1000000000;
	ts[0].tv_nsec = 999999999;
	ts[1].tv_nsec = UTIME_OMIT;
	TS(futimens(fd, ts));
	TS(fstat(fd, &st));
	TTIME(&st.st_atim, 1000000000, 999999999);
	TTIME(&st.st_mtim, 1600000000, 1);
	TS(close(fd));
	/* After 2038: 64-bit seconds end to end. (Not before 1970: v9fs sets
	 * s_time_min = 0, so the client clamps negative times itself.) */
	ts[0].tv_sec = 4102444800LL;	/* 2100-01-01 */
	ts[0].tv_nsec = 0;
	ts[1] = ts[0];
	TS(put_file(P(d, "y2100"), 0644, ""));
	TS(utimensat(AT_FDCWD, P(d, "y2100"), ts, 0));
	TS(stat(P(d, "y2100"), &st));
	TTIME(&st.st_mtim, 4102444800LL, 0);
	EXPECT_MTIME(P(d, "y2100"));
	/* UTIME_NOW uses the server's clock; allow for guest/host skew. */
	now = time(NULL);
	TS(utimensat(AT_FDCWD, f, NULL, 0));
	TS(stat(f, &st));
	if (st.st_mtim.tv_sec < now - 300 || st.st_mtim.tv_sec > now + 300)
		return fail(__LINE__, "UTIME_NOW gave %lld, guest time %lld",
			    (long long)st.st_mtim.tv_sec, (long long)now);
	TNS_PRESENT(&st);
	TS(put_file(P(d, "now"), 0644, ""));
	TS(utimensat(AT_FDCWD, P(d, "now"), NULL, 0));
	EXPECT_MTIME(P(d, "now"));
	/* Directories. */
	ts[0].tv_sec = 1111111111;
	ts[0].tv_nsec = 111111111;
	ts[1].tv_sec = 1222222222;
	ts[1].tv_nsec = 222222222;
	TS(utimensat(AT_FDCWD, d, ts, 0));
	TS(stat(d, &st));
	TTIME(&st.st_mtim, 1222222222, 222222222);
	/* A symlink's own times, target untouched. */
	ts[0].tv_sec = ts[1].tv_sec = 1400000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	TS(utimensat(AT_FDCWD, f, ts, 0));
	TS(symlink("f", P(d, "l")));
	ts[0].tv_sec = 1300000000;
	ts[0].tv_nsec = 5;
	ts[1].tv_sec = 1300000001;
	ts[1].tv_nsec = 6;
	TS(utimensat(AT_FDCWD, P(d, "l"), ts, AT_SYMLINK_NOFOLLOW));
	TS(lstat(P(d, "l"), &st));
	TTIME(&st.st_mtim, 1300000001, 6);
	TS(stat(f, &st));
	TTIME(&st.st_mtim, 1400000000, 0);
	/* Permission rules: any writer may set "now", only the owner (or
	 * root) explicit times. */
	TS(put_file(P(d, "w"), 0666, ""));
	TS(put_file(P(d, "ro"), 0644, ""));
	TR(as_A(ut_writer, (void *)d));
	return 0;
}

/* ======================================================================
 * extended attributes
 * ====================================================================== */

static int has_name(const char *list, ssize_t len, const char *name)
{
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1)
		if (strcmp(list + i, name) == 0)
			return 1;
	return 0;
}

static int xattr_other(void *arg)
{
	const char *f = P(arg, "f");
	char buf[16];

	TEQ(getxattr(f, "user.p9g.a", buf, sizeof(buf)), 1);	/* may read */
	T(buf[0] == 's');
	TE2(setxattr(f, "user.p9g.byb", "b", 1, 0), EACCES, EPERM);
	TE2(removexattr(f, "user.p9g.a"), EACCES, EPERM);
	return 0;
}

static int t_xattr_user(const char *d)
{
	static const char v1[7] = { 'v', 'a', 'l', 0, 'u', 'e', (char)0xff };
	const char *f = P(d, "f"), *a = "user.p9g.a", *b = "user.p9g.b";
	char buf[4096], big[2000], list[4096];
	ssize_t n;
	int fd;

	TS(put_file(f, 0644, "x"));
	TS(setxattr(f, a, v1, sizeof(v1), 0));
	TEQ(getxattr(f, a, NULL, 0), 7);
	TEQ(getxattr(f, a, buf, sizeof(buf)), 7);
	T(memcmp(buf, v1, 7) == 0);
	TE(setxattr(f, a, "x", 1, XATTR_CREATE), EEXIST);
	TE(setxattr(f, "user.p9g.none", "x", 1, XATTR_REPLACE), ENODATA);
	TS(setxattr(f, a, "longer value here", 17, XATTR_REPLACE));
	TEQ(getxattr(f, a, buf, sizeof(buf)), 17);
	T(memcmp(buf, "longer value here", 17) == 0);
	TE(getxattr(f, a, buf, 3), ERANGE);
	TS(setxattr(f, a, "s", 1, 0));	/* shrink: no stale tail */
	TEQ(getxattr(f, a, buf, sizeof(buf)), 1);
	T(buf[0] == 's');
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13);
	TS(setxattr(f, b, big, sizeof(big), XATTR_CREATE));
	TEQ(getxattr(f, b, buf, sizeof(buf)), sizeof(big));
	T(memcmp(buf, big, sizeof(big)) == 0);
	TS(n = listxattr(f, NULL, 0));
	T(n > 0 && (size_t)n <= sizeof(list));
	TEQ(listxattr(f, list, sizeof(list)), n);
	T(has_name(list, n, a) && has_name(list, n, b));
	TS(removexattr(f, b));
	TE(getxattr(f, b, buf, sizeof(buf)), ENODATA);
	TE(removexattr(f, b), ENODATA);
	TE(getxattr(f, "user.p9g.missing", buf, sizeof(buf)), ENODATA);
	TS(n = listxattr(f, list, sizeof(list)));
	T(has_name(list, n, a) && !has_name(list, n, b));
	/* On a directory and through a descriptor. */
	TS(mkdir(P(d, "xd"), 0755));
	TS(setxattr(P(d, "xd"), "user.p9g.dir", "D", 1, 0));
	TEQ(getxattr(P(d, "xd"), "user.p9g.dir", buf, sizeof(buf)), 1);
	TS(fd = open(f, O_RDONLY));
	TS(fsetxattr(fd, "user.p9g.fd", "F", 1, 0));
	TEQ(fgetxattr(fd, "user.p9g.fd", buf, sizeof(buf)), 1);
	TS(close(fd));
	TEQ(getxattr(f, "user.p9g.fd", buf, sizeof(buf)), 1);
	T(buf[0] == 'F');
	/* Not on symlinks, and never through them to the target. */
	TS(symlink("f", P(d, "l")));
	TE(lsetxattr(P(d, "l"), "user.p9g.l", "L", 1, 0), EPERM);
	TE(getxattr(f, "user.p9g.l", buf, sizeof(buf)), ENODATA);
	/* Others may read but not write. */
	TR(as_B(xattr_other, (void *)d));
	return 0;
}

/* ======================================================================
 * POSIX ACLs (mount option posixacl), set via raw xattr blobs
 * ====================================================================== */

#define ACL_USER_OBJ 0x01
#define ACL_USER 0x02
#define ACL_GROUP_OBJ 0x04
#define ACL_GROUP 0x08
#define ACL_MASK 0x10
#define ACL_OTHER 0x20
#define ACL_UNDEF 0xffffffffu

struct acl_ent {
	uint16_t tag, perm;
	uint32_t id;
};

/* Linux posix_acl_xattr format: le32 version (2), then le16 tag, le16 perm,
 * le32 id per entry (the guest is little-endian, like the format). */
static size_t acl_blob(char *buf, const struct acl_ent *e, size_t n)
{
	uint32_t v = 2;

	memcpy(buf, &v, 4);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + 4 + 8 * i, &e[i].tag, 2);
		memcpy(buf + 4 + 8 * i + 2, &e[i].perm, 2);
		memcpy(buf + 4 + 8 * i + 4, &e[i].id, 4);
	}
	return 4 + 8 * n;
}

static int xattr_is(int line, const char *path, const char *name,
		    const char *want, size_t len)
{
	char buf[512];
	ssize_t n = getxattr(path, name, buf, sizeof(buf));

	if (n < 0)
		return fail(line, "getxattr %s %s: %s", path, name,
			    ename(errno));
	if ((size_t)n != len || memcmp(buf, want, len) != 0)
		return fail(line, "%s %s: %zd-byte value differs from the "
			    "expected %zu bytes", path, name, n, len);
	return 0;
}
#define XATTR_IS(p, nm, w, l) TR(xattr_is(__LINE__, p, nm, w, l))

static int acl_B_reads(void *arg)
{
	FILE_IS(P(arg, "f"), "acl");
	TE(open(P(arg, "f"), O_WRONLY), EACCES);
	return 0;
}

static int acl_C_denied(void *arg)
{
	TE(open(P(arg, "f"), O_RDONLY), EACCES);
	return 0;
}

static int acl_B_masked(void *arg)
{
	TE(open(P(arg, "f"), O_RDONLY), EACCES);
	return 0;
}

static int acl_B_writes_inherited(void *arg)
{
	int fd;

	TS(fd = open(P(arg, "dd/g"), O_WRONLY));
	TEQ(write(fd, "B", 1), 1);
	TS(close(fd));
	return 0;
}

static int t_posix_acl(const char *d)
{
	const char *f = P(d, "f"), *dd = P(d, "dd");
	const char *acc = "system.posix_acl_access";
	const char *dfl = "system.posix_acl_default";
	struct acl_ent e[] = {
		{ ACL_USER_OBJ, 6, ACL_UNDEF }, { ACL_USER, 4, UB },
		{ ACL_GROUP_OBJ, 0, ACL_UNDEF }, { ACL_MASK, 4, ACL_UNDEF },
		{ ACL_OTHER, 0, ACL_UNDEF },
	};
	const struct acl_ent de[] = {
		{ ACL_USER_OBJ, 7, ACL_UNDEF }, { ACL_USER, 7, UB },
		{ ACL_GROUP_OBJ, 5, ACL_UNDEF }, { ACL_MASK, 7, ACL_UNDEF },
		{ ACL_OTHER, 5, ACL_UNDEF },
	};
	/* What a 0666 create under that default ACL must get: the owner,
	 * mask (group class) and other entries are ANDed with the mode,
	 * named entries and the owning group keep theirs (the mask limits
	 * them) — posix_acl_create(). */
	const struct acl_ent ge[] = {
		{ ACL_USER_OBJ, 6, ACL_UNDEF }, { ACL_USER, 7, UB },
		{ ACL_GROUP_OBJ, 5, ACL_UNDEF }, { ACL_MASK, 6, ACL_UNDEF },
		{ ACL_OTHER, 4, ACL_UNDEF },
	};
	char blob[128], dblob[128], gblob[128], bad[128];
	size_t len, dlen, glen;
	int fd;

	TS(put_file(f, 0600, "acl"));
	TS(chown(f, UA, GA));
	len = acl_blob(blob, e, 5);
	if (setxattr(f, acc, blob, len, 0) != 0)
		return fail(__LINE__, "setxattr %s: %s (is the mount "
			    "posixacl, does the server store system.* "
			    "xattrs?)", acc, ename(errno));
	NODE_IS(f, 'f', 0640, UA, GA);	/* group bits show the mask */
	XATTR_IS(f, acc, blob, len);
	TR(as_B(acl_B_reads, (void *)d));
	TR(as_C(acl_C_denied, (void *)d));
	/* chmod rewrites the mask entry. */
	TS(chmod(f, 0600));
	e[3].perm = 0;
	len = acl_blob(blob, e, 5);
	XATTR_IS(f, acc, blob, len);
	TR(as_B(acl_B_masked, (void *)d));
	EXPECT(f, 'f', 0600, UA, GA);
	/* Default ACLs are inherited and override the umask. */
	TS(mkdir(dd, 0755));
	dlen = acl_blob(dblob, de, 5);
	TS(setxattr(dd, dfl, dblob, dlen, 0));
	XATTR_IS(dd, dfl, dblob, dlen);
	umask(077);
	fd = open(P(dd, "g"), O_CREAT | O_EXCL | O_WRONLY, 0666);
	umask(0);
	TS(fd);
	TS(close(fd));
	NODE_IS(P(dd, "g"), 'f', 0664, 0, 0);
	glen = acl_blob(gblob, ge, 5);
	XATTR_IS(P(dd, "g"), acc, gblob, glen);
	TR(as_B(acl_B_writes_inherited, (void *)d));
	EXPECT(P(dd, "g"), 'f', 0664, 0, 0);
	TS(mkdir(P(dd, "sub"), 0777));
	EXPECT(P(dd, "sub"), 'd', 0775, 0, 0);
	XATTR_IS(P(dd, "sub"), dfl, dblob, dlen);
	EXPECT(dd, 'd', 0755, 0, 0);
	/* An invalid ACL (no ACL_OTHER entry) is refused. */
	memcpy(bad, blob, len);
	TE(setxattr(f, acc, bad, len - 8, 0), EINVAL);
	return 0;
}

/* ======================================================================
 * open-unlink, sparse files
 * ====================================================================== */

static int t_open_unlink(const char *d)
{
	const char *f = P(d, "f");
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[16];
	struct stat st;
	int fd, fd2;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0600));
	TEQ(write(fd, "abc", 3), 3);
	TS(fd2 = open(f, O_RDONLY));
	TS(unlink(f));
	TE(lstat(f, &st), ENOENT);
	TS(fstat(fd, &st));
	TEQ(st.st_nlink, 0);
	TEQ(st.st_size, 3);
	TEQ(write(fd, "def", 3), 3);
	TEQ(pread(fd2, buf, sizeof(buf), 0), 6);
	T(memcmp(buf, "abcdef", 6) == 0);
	TS(ftruncate(fd, 2));
	TS(fstat(fd2, &st));
	TEQ(st.st_size, 2);
	TS(fsync(fd));
	TS(fcntl(fd, F_SETLK, &lk));
	lk.l_type = F_UNLCK;
	TS(fcntl(fd, F_SETLK, &lk));
	TS(close(fd));
	TEQ(pread(fd2, buf, sizeof(buf), 0), 2);	/* still there */
	TS(close(fd2));
	/* Renaming over an open file unlinks the old one the same way. */
	TS(put_file(P(d, "old"), 0644, "old"));
	TS(put_file(P(d, "new"), 0644, "new"));
	TS(fd = open(P(d, "old"), O_RDONLY));
	TS(rename(P(d, "new"), P(d, "old")));
	TEQ(pread(fd, buf, sizeof(buf), 0), 3);
	T(memcmp(buf, "old", 3) == 0);
	TS(fstat(fd, &st));
	TEQ(st.st_nlink, 0);
	TS(close(fd));
	FILE_IS(P(d, "old"), "new");
	/* An open directory that is removed. */
	TS(mkdir(P(d, "dir"), 0755));
	TS(fd = open(P(d, "dir"), O_RDONLY | O_DIRECTORY));
	TS(rmdir(P(d, "dir")));
	TS(fstat(fd, &st));
	T(S_ISDIR(st.st_mode));
	TE(openat(fd, "x", O_CREAT | O_WRONLY, 0644), ENOENT);
	TS(close(fd));
	return 0;
}

static int t_open_unlink_setattr(const char *d)
{
	const struct timespec ts[2] = { { 1234567890, 1 }, { 1234567891, 2 } };
	const char *f = P(d, "f");
	struct stat st;
	int fd;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0600));
	TS(unlink(f));
	TS(fchmod(fd, 0640));
	TS(fchown(fd, UA, GA));
	TS(futimens(fd, ts));
	TS(fstat(fd, &st));
	TEQ(st.st_mode, S_IFREG | 0640);
	TEQ(st.st_uid, UA);
	TEQ(st.st_gid, GA);
	TTIME(&st.st_mtim, 1234567891, 2);
	TS(close(fd));
	return 0;
}

static int t_open_unlink_xattr(const char *d)
{
	const char *f = P(d, "f");
	char buf[8];
	int fd;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0600));
	TS(fsetxattr(fd, "user.p9g.before", "1", 1, 0));
	TS(unlink(f));
	TEQ(fgetxattr(fd, "user.p9g.before", buf, sizeof(buf)), 1);
	TS(fsetxattr(fd, "user.p9g.after", "2", 1, 0));
	TEQ(fgetxattr(fd, "user.p9g.after", buf, sizeof(buf)), 1);
	T(buf[0] == '2');
	TS(close(fd));
	return 0;
}

static int t_sparse_4g(const char *d)
{
	const off_t G = 1LL << 30;
	const char *f = P(d, "f");
	char buf[4096], zero[4096] = { 0 };
	struct stat st;
	int fd;

	TS(fd = open(f, O_CREAT | O_EXCL | O_RDWR, 0644));
	TEQ(pwrite(fd, "XYZ", 3, 5 * G + 7), 3);
	TS(fstat(fd, &st));
	TEQ(st.st_size, 5 * G + 10);
	TEQ(lseek(fd, 0, SEEK_END), 5 * G + 10);
	TEQ(pread(fd, buf, 3, 5 * G + 7), 3);
	T(memcmp(buf, "XYZ", 3) == 0);
	TEQ(pread(fd, buf, sizeof(buf), 4 * G), sizeof(buf));
	T(memcmp(buf, zero, sizeof(buf)) == 0);
	/* Straddle the 4 GiB boundary: catches 32-bit offset truncation. */
	TEQ(pwrite(fd, "ab", 2, 4 * G - 1), 2);
	TEQ(pread(fd, buf, 4, 4 * G - 2), 4);
	T(memcmp(buf, "\0ab\0", 4) == 0);
	TEQ(pread(fd, buf, 16, 0), 16);
	T(memcmp(buf, zero, 16) == 0);
	TEQ(pread(fd, buf, 16, 7), 16);
	T(memcmp(buf, zero, 16) == 0);
	TS(fstat(fd, &st));
	/* With a client cache (cache=loose etc.) st_blocks is the client's
	 * estimate, so the allocation is only the server's with cache=none. */
	if (!client_caches() && (long long)st.st_blocks * 512 > 64LL << 20)
		return fail(__LINE__, "not sparse: %lld blocks",
			    (long long)st.st_blocks);
	TS(ftruncate(fd, 4 * G + 1));
	TS(fstat(fd, &st));
	TEQ(st.st_size, 4 * G + 1);
	TEQ(pread(fd, buf, 10, 4 * G + 1), 0);
	TEQ(pread(fd, buf, 10, 4 * G - 1), 2);
	TS(close(fd));
	EXPECT(f, 'f', 0644, 0, 0);
	return 0;
}

/* ======================================================================
 * concurrency: many requests in flight, and requests cut short
 * ====================================================================== */

#define NPAR 6
#define PARSZ (512 * 1024)

static unsigned char pat(size_t i, int k)
{
	return (unsigned char)(i * 31 + (size_t)k * 7 + (i >> 9));
}

/* One of NPAR processes: write its own file in 64 KiB chunks, last chunk
 * first, then read it back; meanwhile read the shared file. */
static int par_child(const char *d, int k)
{
	size_t n = PARSZ + (size_t)k * 1000, chunk = 65536;
	unsigned char *a = malloc(n), *b = malloc(2 * PARSZ);
	char name[16];
	int fd, sfd;

	T(a && b);
	for (size_t i = 0; i < n; i++)
		a[i] = pat(i, k);
	snprintf(name, sizeof(name), "p%d", k);
	TS(fd = open(P(d, name), O_CREAT | O_EXCL | O_RDWR, 0644));
	for (size_t off = (n - 1) / chunk * chunk;; off -= chunk) {
		size_t len = n - off < chunk ? n - off : chunk;

		TEQ(pwrite(fd, a + off, len, (off_t)off), len);
		if (off == 0)
			break;
	}
	TS(fsync(fd));
	TEQ(pread(fd, b, n, 0), n);
	T(memcmp(a, b, n) == 0);
	TS(close(fd));
	TS(sfd = open(P(d, "shared"), O_RDONLY));
	TEQ(pread(sfd, b, 2 * PARSZ, 0), 2 * PARSZ);
	for (size_t i = 0; i < 2 * PARSZ; i++)
		if (b[i] != pat(i, 99))
			return fail(__LINE__, "shared byte %zu differs", i);
	TS(close(sfd));
	return 0;
}

static int t_parallel_io(const char *d)
{
	unsigned char *s = malloc(2 * PARSZ);
	pid_t pids[NPAR];
	int fd, status, bad = -1;

	T(s);
	for (size_t i = 0; i < 2 * PARSZ; i++)
		s[i] = pat(i, 99);
	TS(fd = open(P(d, "shared"), O_CREAT | O_EXCL | O_WRONLY, 0644));
	TEQ(write(fd, s, 2 * PARSZ), 2 * PARSZ);
	TS(close(fd));
	for (int k = 0; k < NPAR; k++) {
		TS(pids[k] = fork());
		if (pids[k] == 0)
			_exit(par_child(d, k) == 0 ? 0 : 1);
	}
	for (int k = 0; k < NPAR; k++) {
		TEQ(waitpid(pids[k], &status, 0), pids[k]);
		if (status != 0 && bad < 0)
			bad = k;
	}
	if (bad >= 0)
		return fail(__LINE__, "process %d of %d failed", bad, NPAR);
	return 0;
}

/* Processes killed while their requests are in flight make the client
 * send Tflush; afterwards the mount must still work and nothing may be
 * corrupted (reads never change the file). */
static int t_flush_on_kill(const char *d)
{
	static const int delays_ms[] = { 5, 40, 150 };
	const size_t n = 2u << 20;
	unsigned char *a = malloc(n), *b = malloc(n);
	int fd, status;

	T(a && b);
	for (size_t i = 0; i < n; i++)
		a[i] = pat(i, 5);
	TS(fd = open(P(d, "f"), O_CREAT | O_EXCL | O_RDWR, 0644));
	TEQ(write(fd, a, n), n);
	TS(close(fd));
	for (size_t r = 0; r < sizeof(delays_ms) / sizeof(delays_ms[0]); r++) {
		pid_t pids[4];

		for (int k = 0; k < 4; k++) {
			TS(pids[k] = fork());
			if (pids[k] == 0) {
				char name[16];
				int rfd = open(P(d, "f"), O_RDONLY);
				int wfd;

				snprintf(name, sizeof(name), "w%d", k);
				wfd = open(P(d, name), O_CREAT | O_WRONLY, 0644);
				if (rfd < 0 || wfd < 0)
					_exit(1);
				for (;;) {
					if (pread(rfd, b, n, 0) < 0 ||
					    pwrite(wfd, a, n / 2, 0) < 0)
						_exit(1);
				}
			}
		}
		usleep((useconds_t)delays_ms[r] * 1000);
		for (int k = 0; k < 4; k++)
			kill(pids[k], SIGKILL);
		for (int k = 0; k < 4; k++) {
			TEQ(waitpid(pids[k], &status, 0), pids[k]);
			if (!WIFSIGNALED(status))
				return fail(__LINE__, "worker %d exited "
					    "(status %#x) before the kill", k,
					    status);
		}
	}
	/* The session survived: fresh operations work, data intact. */
	TS(fd = open(P(d, "f"), O_RDONLY));
	TEQ(pread(fd, b, n, 0), n);
	T(memcmp(a, b, n) == 0);
	TS(close(fd));
	TS(put_file(P(d, "after"), 0644, "alive"));
	FILE_IS(P(d, "after"), "alive");
	EXPECT(P(d, "f"), 'f', 0644, 0, 0);
	return 0;
}

/* ======================================================================
 * 10 000-entry directory
 * ====================================================================== */

/* 10 000 by default; P9G_BIGDIR in the environment (set by init from the
 * kernel command line p9g.bigdir=N) shortens it for development runs. */
static int nbig = 10000;	/* names have 5 digits: at most 99999 */

static const char *big_name(int i)
{
	static char b[64];

	snprintf(b, sizeof(b), "entry-%05d-abcdefghijklmnopqrstuvwxyz", i);
	return b;
}

static int big_index(const char *name)
{
	int i;

	if (strncmp(name, "entry-", 6) != 0 || strlen(name) != 38)
		return -1;
	i = atoi(name + 6);
	return i >= 0 && i < nbig && strcmp(big_name(i), name) == 0 ? i : -1;
}

/* Read the whole directory with getdents64 and a buffer of bufsz bytes,
 * starting at cookie `start`. Fills order[] (indexes in the order returned)
 * and offs[] (the cookie after each), counts in *n. */
static int big_list(int line, int dfd, size_t bufsz, off_t start,
		    int *order, off_t *offs, int *n)
{
	char *buf = malloc(bufsz);
	unsigned char *seen = calloc(nbig, 1);
	int fd, dots = 0;

	*n = 0;
	if (!buf || !seen)
		return fail(line, "out of memory");
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail(line, "open big dir: %s", ename(errno));
	if (start && lseek(fd, start, SEEK_SET) != start)
		return fail(line, "lseek dir to %lld: %s", (long long)start,
			    ename(errno));
	for (;;) {
		ssize_t got = getdents64(fd, buf, bufsz);

		if (got < 0)
			return fail(line, "getdents64(%zu) after %d: %s",
				    bufsz, *n, ename(errno));
		if (got == 0)
			break;
		for (ssize_t pos = 0; pos < got;) {
			struct dirent64 *e = (struct dirent64 *)(buf + pos);
			int i;

			pos += e->d_reclen;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
				dots++;
				continue;
			}
			i = big_index(e->d_name);
			if (i < 0)
				return fail(line, "bad entry '%s'", e->d_name);
			if (seen[i]++)
				return fail(line, "'%s' listed twice",
					    e->d_name);
			if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
				return fail(line, "%s: d_type %d", e->d_name,
					    e->d_type);
			if (*n >= nbig)
				return fail(line, "too many entries");
			order[*n] = i;
			offs[*n] = e->d_off;
			(*n)++;
		}
	}
	close(fd);
	free(buf);
	free(seen);
	if (!start && dots != 2)
		return fail(line, "'.'/'..' seen %d times", dots);
	return 0;
}

static int t_bigdir(const char *d)
{
	const char *bd = P(d, "big");
	const char *env = getenv("P9G_BIGDIR");
	int *order, *order2;
	off_t *offs, *offs2;
	double t0 = now_s(), t1, t2;
	int fd, dfd, n, n2, k, step;

	if (env && atoi(env) >= 10 && atoi(env) <= 99999)
		nbig = atoi(env);
	order = calloc((size_t)nbig, sizeof(*order));
	order2 = calloc((size_t)nbig, sizeof(*order2));
	offs = calloc((size_t)nbig, sizeof(*offs));
	offs2 = calloc((size_t)nbig, sizeof(*offs2));
	T(order && order2 && offs && offs2);
	step = nbig / 4 - 1;
	TS(mkdir(bd, 0755));
	/* Everything relative to a held descriptor: one lookup per entry,
	 * not a walk from the mount root (see the runner). */
	TS(dfd = open(bd, O_RDONLY | O_DIRECTORY));
	for (int i = 0; i < nbig; i++) {
		fd = openat(dfd, big_name(i), O_CREAT | O_EXCL | O_WRONLY,
			    0644);
		if (fd < 0)
			return fail(__LINE__, "create #%d: %s", i,
				    ename(errno));
		close(fd);
	}
	t1 = now_s();
	TR(big_list(__LINE__, dfd, 65536, 0, order, offs, &n));
	TEQ(n, nbig);
	TR(big_list(__LINE__, dfd, 256, 0, order2, offs2, &n2));
	TEQ(n2, nbig);
	/* The same directory listed twice gives the same order and cookies;
	 * resuming from any cookie (fresh open + lseek) continues exactly. */
	T(memcmp(order, order2, sizeof(*order) * (size_t)nbig) == 0);
	T(memcmp(offs, offs2, sizeof(*offs) * (size_t)nbig) == 0);
	for (k = 0; k < nbig - 1; k += step) {
		TR(big_list(__LINE__, dfd, 4096, offs[k], order2, offs2, &n2));
		TEQ(n2, nbig - 1 - k);
		T(memcmp(order2, order + k + 1, sizeof(int) * (size_t)n2) == 0);
	}
	t2 = now_s();
	for (int i = 0; i < nbig; i++)
		if (unlinkat(dfd, big_name(i), 0) != 0)
			return fail(__LINE__, "unlink #%d: %s", i,
				    ename(errno));
	TS(close(dfd));
	TS(rmdir(bd));
	return note("%d entries: create %.1fs, listings %.1fs, unlink %.1fs",
		    nbig, t1 - t0, t2 - t1, now_s() - t2);
}

/* ======================================================================
 * locks between two guest processes
 * ====================================================================== */

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock l = { .l_type = type, .l_whence = SEEK_SET,
			   .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &l);
}

static int get_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static void put_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(1);
}

static int fcntl_child(const char *f, int rd, int wr)
{
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			   .l_start = 50, .l_len = 10 };
	int fd;

	TS(fd = open(f, O_RDWR));
	TE2(lk(fd, F_SETLK, F_WRLCK, 50, 10), EAGAIN, EACCES);
	TE2(lk(fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN, EACCES);
	TS(fcntl(fd, F_GETLK, &q));
	TEQ(q.l_type, F_WRLCK);
	TEQ(q.l_pid, getppid());
	TEQ(q.l_start, 0);
	TEQ(q.l_len, 100);
	TS(lk(fd, F_SETLK, F_WRLCK, 100, 10));	/* adjacent: free */
	put_byte(wr);
	TS(get_byte(rd));			/* parent unlocked */
	TS(lk(fd, F_SETLK, F_WRLCK, 50, 10));
	put_byte(wr);
	TS(get_byte(rd));			/* parent about to block */
	usleep(300000);
	TS(lk(fd, F_SETLK, F_UNLCK, 0, 0));
	TS(close(fd));
	return 0;
}

static int t_fcntl_locks(const char *d)
{
	const char *f = P(d, "f");
	int p2c[2], c2p[2], fd, status;
	double t0;
	pid_t pid;

	TS(put_file(f, 0644, "locks"));
	TS(fd = open(f, O_RDWR));
	TS(lk(fd, F_SETLK, F_WRLCK, 0, 100));
	TS(pipe(p2c));
	TS(pipe(c2p));
	TS(pid = fork());
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(fcntl_child(f, p2c[0], c2p[1]) == 0 ? 0 : 1);
	}
	close(p2c[0]);
	close(c2p[1]);
	TS(get_byte(c2p[0]));
	TS(lk(fd, F_SETLK, F_UNLCK, 0, 0));
	put_byte(p2c[1]);
	TS(get_byte(c2p[0]));
	TE2(lk(fd, F_SETLK, F_WRLCK, 55, 1), EAGAIN, EACCES);
	put_byte(p2c[1]);
	t0 = now_s();
	TS(lk(fd, F_SETLKW, F_WRLCK, 55, 1));	/* waits for the child */
	if (now_s() - t0 < 0.2)
		return fail(__LINE__, "F_SETLKW did not wait (%.3fs)",
			    now_s() - t0);
	TEQ(waitpid(pid, &status, 0), pid);
	TEQ(status, 0);
	TS(close(fd));
	return 0;
}

static int flock_child(const char *f, int rd, int wr)
{
	int fd;

	TS(fd = open(f, O_RDWR));
	TE(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	TE(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	put_byte(wr);
	TS(get_byte(rd));			/* parent unlocked */
	TS(flock(fd, LOCK_SH | LOCK_NB));
	put_byte(wr);
	TS(get_byte(rd));			/* parent has SH too */
	usleep(300000);
	TS(flock(fd, LOCK_UN));
	TS(close(fd));
	return 0;
}

static int t_flock(const char *d)
{
	const char *f = P(d, "f");
	int p2c[2], c2p[2], fd, status;
	double t0;
	pid_t pid;

	TS(put_file(f, 0644, "flock"));
	TS(fd = open(f, O_RDWR));
	TS(flock(fd, LOCK_EX));
	TS(pipe(p2c));
	TS(pipe(c2p));
	TS(pid = fork());
	if (pid == 0) {
		close(p2c[1]);
		close(c2p[0]);
		_exit(flock_child(f, p2c[0], c2p[1]) == 0 ? 0 : 1);
	}
	close(p2c[0]);
	close(c2p[1]);
	TS(get_byte(c2p[0]));
	TS(flock(fd, LOCK_UN));
	put_byte(p2c[1]);
	TS(get_byte(c2p[0]));
	TS(flock(fd, LOCK_SH | LOCK_NB));	/* shared with the child */
	put_byte(p2c[1]);
	t0 = now_s();
	TS(flock(fd, LOCK_EX));			/* waits for the child */
	if (now_s() - t0 < 0.2)
		return fail(__LINE__, "LOCK_EX did not wait (%.3fs)",
			    now_s() - t0);
	TEQ(waitpid(pid, &status, 0), pid);
	TEQ(status, 0);
	TS(close(fd));
	return 0;
}

static int t_statfs(const char *d)
{
	struct statfs s;

	/* f_type is whatever the server reports in Rstatfs (diod: V9FS_MAGIC,
	 * QEMU and others: the host filesystem's), so only sanity here. */
	TS(statfs(d, &s));
	T(s.f_type != 0);
	T(s.f_bsize > 0);
	T(s.f_blocks > 0);
	T(s.f_bfree <= s.f_blocks);
	return 0;
}

/* ======================================================================
 * user phase: run as an arbitrary uid in its own directory
 * ====================================================================== */

static int u_basic(const char *d)
{
	uid_t u = getuid();
	gid_t g = getgid();
	char buf[8];

	TS(put_file(P(d, "f"), 0640, "u"));
	NODE_IS(P(d, "f"), 'f', 0640, u, g);
	FILE_IS(P(d, "f"), "u");
	TS(mkdir(P(d, "sd"), 0750));
	TS(rename(P(d, "f"), P(d, "sd/g")));
	FILE_IS(P(d, "sd/g"), "u");
	TS(link(P(d, "sd/g"), P(d, "h")));
	TS(symlink("sd/g", P(d, "l")));
	FILE_IS(P(d, "l"), "u");
	TS(mkfifo(P(d, "p"), 0600));
	TS(chmod(P(d, "h"), 0604));
	TS(setxattr(P(d, "h"), "user.p9g.u", "U", 1, 0));
	TEQ(getxattr(P(d, "h"), "user.p9g.u", buf, sizeof(buf)), 1);
	TS(mkdir(P(d, "tmp"), 0700));
	TS(put_file(P(d, "tmp/x"), 0600, "x"));
	TS(truncate(P(d, "tmp/x"), 0));
	TS(unlink(P(d, "tmp/x")));
	TS(rmdir(P(d, "tmp")));
	EXPECT(P(d, "sd"), 'd', 0750, u, g);
	EXPECT(P(d, "sd/g"), 'f', 0604, u, g);
	EXPECT(P(d, "h"), 'f', 0604, u, g);
	EXPECT(P(d, "l"), 'l', 0777, u, g);
	EXPECT(P(d, "p"), 'p', 0600, u, g);
	return 0;
}

static int u_utimes(const char *d)
{
	const struct timespec ts[2] = { { 1234567890, 987654321 },
					{ 1234567891, 123456789 } };
	struct stat st;

	TS(put_file(P(d, "f"), 0644, ""));
	TS(utimensat(AT_FDCWD, P(d, "f"), ts, 0));
	TS(stat(P(d, "f"), &st));
	TTIME(&st.st_atim, 1234567890, 987654321);
	TTIME(&st.st_mtim, 1234567891, 123456789);
	EXPECT_MTIME(P(d, "f"));
	TS(put_file(P(d, "g"), 0644, ""));
	TS(utimensat(AT_FDCWD, P(d, "g"), NULL, 0));
	TS(stat(P(d, "g"), &st));
	TNS_PRESENT(&st);
	EXPECT_MTIME(P(d, "g"));
	return 0;
}

/* An open descriptor keeps the access it was opened with: the server
 * must not re-check permissions by name on read/write/truncate. */
static int u_open_then_chmod(const char *d)
{
	char buf[16];
	struct stat st;
	int fd, wfd;

	if (getuid() == 0)
		return skip("runs as a non-root uid only");
	TS(put_file(P(d, "f"), 0600, "abc"));
	TS(fd = open(P(d, "f"), O_RDWR));
	TS(chmod(P(d, "f"), 0));
	TE(open(P(d, "f"), O_RDONLY), EACCES);
	TEQ(pwrite(fd, "XY", 2, 3), 2);
	TEQ(pread(fd, buf, sizeof(buf), 0), 5);
	T(memcmp(buf, "abcXY", 5) == 0);
	TS(ftruncate(fd, 4));
	TS(fstat(fd, &st));
	TEQ(st.st_size, 4);
	TEQ(st.st_mode, S_IFREG | 0);
	TS(fsync(fd));
	TS(close(fd));
	/* Also when the directory becomes inaccessible. */
	TS(mkdir(P(d, "sub"), 0700));
	TS(put_file(P(d, "sub/g"), 0600, ""));
	TS(wfd = open(P(d, "sub/g"), O_WRONLY));
	TS(chmod(P(d, "sub"), 0));
	TE(open(P(d, "sub/g"), O_RDONLY), EACCES);
	TEQ(write(wfd, "w", 1), 1);
	TS(fstat(wfd, &st));
	TEQ(st.st_size, 1);
	TS(close(wfd));
	TS(chmod(P(d, "sub"), 0700));
	FILE_IS(P(d, "sub/g"), "w");
	TS(chmod(P(d, "f"), 0600));
	FILE_IS(P(d, "f"), "abcX");
	EXPECT(P(d, "f"), 'f', 0600, getuid(), getgid());
	return 0;
}

static int u_denied(const char *d)
{
	const struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	const char *sec = P(d, "../../shared/secret");
	const char *pub = P(d, "../../shared/public");

	if (getuid() == 0)
		return skip("runs as a non-root uid only");
	TE(open(sec, O_RDONLY), EACCES);
	FILE_IS(pub, "public\n");
	TE(open(pub, O_WRONLY), EACCES);
	TE(truncate(pub, 0), EACCES);
	TE(put_file(P(d, "../../shared/new"), 0644, "x"), EACCES);
	TE(unlink(pub), EACCES);
	TE(rename(pub, P(d, "stolen")), EACCES);
	TE(chmod(pub, 0666), EPERM);
	TE(chown(pub, getuid(), (gid_t)-1), EPERM);
	TE(utimensat(AT_FDCWD, pub, ts, 0), EPERM);
	TE(utimensat(AT_FDCWD, pub, NULL, 0), EACCES);
	TE2(setxattr(pub, "user.p9g.x", "x", 1, 0), EACCES, EPERM);
	TE(mknod(P(d, "c"), S_IFCHR | 0600, makedev(1, 3)), EPERM);
	TS(put_file(P(d, "own"), 0644, "o"));
	TE(chown(P(d, "own"), 0, (gid_t)-1), EPERM);
	FILE_IS(pub, "public\n");
	return 0;
}

static int u_groups(const char *d)
{
	const char *f = P(d, "f");
	gid_t groups[64];
	int n, member = 0;

	TS(n = getgroups(64, groups));
	for (int i = 0; i < n; i++)
		member |= groups[i] == GS;
	TS(put_file(f, 0644, "g"));
	if (member) {
		TS(chown(f, (uid_t)-1, GS));
		EXPECT(f, 'f', 0644, getuid(), GS);
	} else {
		TE(chown(f, (uid_t)-1, GS), EPERM);
		EXPECT(f, 'f', 0644, getuid(), getgid());
	}
	TE(chown(f, (uid_t)-1, GX), EPERM);
	return 0;
}

const struct test root_tests[] = {
	{ "statfs", t_statfs, 0 },
	{ "create_rw", t_create_rw, 0 },
	{ "append", t_append, 0 },
	{ "truncate", t_truncate, 0 },
	{ "bigio", t_bigio, 0 },
	{ "mkdir_rmdir", t_mkdir_rmdir, 0 },
	{ "readdir_types", t_readdir_types, 0 },
	{ "names", t_names, 0 },
	{ "rename_files", t_rename_files, 0 },
	{ "rename_dirs", t_rename_dirs, 0 },
	{ "link_unlink", t_link_unlink, 0 },
	{ "symlink", t_symlink, 0 },
	{ "mknod", t_mknod, 0 },
	{ "chmod_chown", t_chmod_chown, 0 },
	{ "setgid_dir", t_setgid_dir, 0 },
	{ "sticky_dir", t_sticky_dir, 0 },
	{ "guest_only_group", t_guest_only_group, 0 },
	{ "utimensat", t_utimensat, 0 },
	{ "xattr_user", t_xattr_user, 0 },
	{ "posix_acl", t_posix_acl, 0 },
	{ "open_unlink", t_open_unlink, 0 },
	{ "open_unlink_setattr", t_open_unlink_setattr, 0 },
	{ "open_unlink_xattr", t_open_unlink_xattr, 0 },
	{ "sparse_4g", t_sparse_4g, 0 },
	{ "fcntl_locks", t_fcntl_locks, 0 },
	{ "flock", t_flock, 0 },
	{ "parallel_io", t_parallel_io, 0 },
	{ "flush_on_kill", t_flush_on_kill, 0 },
	{ "bigdir_10000", t_bigdir, 420 },
	{ NULL, NULL, 0 },
};

const struct test user_tests[] = {
	{ "basic", u_basic, 0 },
	{ "utimes", u_utimes, 0 },
	{ "open_then_chmod", u_open_then_chmod, 0 },
	{ "denied", u_denied, 0 },
	{ "groups", u_groups, 0 },
	{ NULL, NULL, 0 },
};
