/*
 * interop_diod.c - drive a real 9P2000.L server (diod) with the p9_client
 * library and check every effect from the host side too.
 *
 * Usage: interop_diod SOCKET ANAME [HOSTDIR]
 *   SOCKET   the server's unix socket
 *   ANAME    the tree to attach (diod: the exported path)
 *   HOSTDIR  the same tree as the host sees it (default: ANAME)
 *
 * Prints one TAP line per check, then "N passed, N failed"; exits 1 when a
 * check failed, 2 on bad usage.  Run as root (it attaches as uid 0 and 65534).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "p9client/p9_client.h"

#define NOBODY		65534u
#define BIG_SIZE	300000u		/* several Twrites at the msize we ask for */
#define MSIZE		65536u
#define NFILES		50
#define NASYNC		1000
#define NTHREADS	8
#define PER_THREAD	200

static struct p9_client *c;
static const char *hostdir;
static int npass, nfail, ncheck;
static uint32_t root;

static void __attribute__((format(printf, 2, 3))) check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++ncheck);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		npass++;
	else
		nfail++;
}

/* A check on a call's result: ok when rc == want. */
static int check_rc(int rc, int want, const char *what)
{
	if (rc == want)
		check(1, "%s", what);
	else if (rc < 0)
		check(0, "%s: %s", what, strerror(-rc));
	else
		check(0, "%s: returned %d, expected %d", what, rc, want);
	return rc == want;
}

static const char *hpath(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", hostdir, rel);
	return buf;
}

static uint32_t walk_new(uint32_t from, const char *path)
{
	uint32_t fid = p9c_fid_get(c);

	if (p9c_walk_path(c, from, fid, path, NULL)) {
		p9c_fid_put(c, fid);
		return P9_NOFID;
	}
	return fid;
}

static void release_fid(uint32_t fid)
{
	p9c_clunk(c, fid);
	p9c_fid_put(c, fid);
}

static void test_attach(uint32_t *nobody_root, const char *aname)
{
	struct p9_qid qid;
	int rc;

	root = p9c_fid_get(c);
	rc = p9c_attach(c, root, P9_NOFID, "", aname, 0, &qid);
	if (check_rc(rc, 0, "Tattach with n_uname 0 (root)"))
		check(qid.type & P9_QTDIR, "attach qid is a directory (type 0x%02x)", qid.type);
	*nobody_root = p9c_fid_get(c);
	rc = p9c_attach(c, *nobody_root, P9_NOFID, "", aname, NOBODY, NULL);
	check_rc(rc, 0, "Tattach with n_uname 65534 (nobody)");
}

static void test_walk(void)
{
	const char *names[2] = { "no-such-entry", "x" };
	struct p9_qid qids[2];
	uint32_t fid = p9c_fid_get(c);
	int rc;

	rc = p9c_walk(c, root, fid, 0, NULL, NULL);
	check_rc(rc, 0, "Twalk with no names clones the root");
	release_fid(fid);
	fid = p9c_fid_get(c);
	rc = p9c_walk(c, root, fid, 2, names, qids);
	check_rc(rc, -ENOENT, "Twalk whose first name is missing gives Rlerror ENOENT");
	p9c_fid_put(c, fid);
}

static void fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
}

/* Create file1, write BIG_SIZE bytes, read them back on both sides. */
static void test_create_write_read(void)
{
	uint8_t *data = malloc(BIG_SIZE), *back = malloc(BIG_SIZE);
	struct p9_rgetattr a;
	struct p9_qid qid;
	struct stat st;
	uint32_t fid, iounit;
	ssize_t n;
	int rc, fd;

	fill(data, BIG_SIZE);
	fid = walk_new(root, "");
	rc = p9c_lcreate(c, fid, "file1", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0640, 0,
			 &qid, &iounit);
	check_rc(rc, 0, "Tlcreate file1 mode 0640");
	check(stat(hpath("file1"), &st) == 0 && S_ISREG(st.st_mode) &&
		      (st.st_mode & 07777) == 0640 && st.st_uid == 0,
	      "host: file1 is a regular file, mode 0640, uid 0");
	check(qid.type == P9_QTFILE && qid.path == st.st_ino,
	      "Rlcreate qid is a file whose path is the host inode (0x%llx)",
	      (unsigned long long)qid.path);

	n = p9c_write(c, fid, 0, data, BIG_SIZE);
	check(n == BIG_SIZE, "Twrite %u bytes in %u-byte chunks: %zd", BIG_SIZE, p9c_iosize(c), n);
	memset(back, 0, BIG_SIZE);
	n = p9c_read(c, fid, 0, back, BIG_SIZE);
	check(n == BIG_SIZE && !memcmp(data, back, BIG_SIZE), "Tread gives the same bytes back");
	n = p9c_read(c, fid, BIG_SIZE, back, 100);
	check(n == 0, "Tread at end of file gives 0 bytes (%zd)", n);
	rc = p9c_fsync(c, fid, 0);
	check_rc(rc, 0, "Tfsync");

	memset(back, 0, BIG_SIZE);
	fd = open(hpath("file1"), O_RDONLY);
	n = fd >= 0 ? read(fd, back, BIG_SIZE) : -1;
	if (fd >= 0)
		close(fd);
	check(n == BIG_SIZE && !memcmp(data, back, BIG_SIZE), "host: file1 holds the data written");

	rc = p9c_getattr(c, fid, P9_GETATTR_BASIC, &a);
	if (check_rc(rc, 0, "Tgetattr file1"))
		check(a.size == BIG_SIZE && a.mode == (S_IFREG | 0640) && a.uid == 0 &&
			      a.nlink == 1 && a.qid.path == qid.path,
		      "Rgetattr: size %llu mode 0%o uid %u nlink %llu", (unsigned long long)a.size,
		      a.mode, a.uid, (unsigned long long)a.nlink);
	release_fid(fid);
	free(data);
	free(back);
}

static void test_setattr(void)
{
	struct p9_tsetattr sa = { .valid = P9_SETATTR_MODE | P9_SETATTR_SIZE,
				  .mode = 0600, .size = 1000 };
	uint32_t fid = walk_new(root, "file1");
	struct stat st;
	int rc;

	rc = p9c_setattr(c, fid, &sa);
	check_rc(rc, 0, "Tsetattr mode 0600 size 1000");
	check(stat(hpath("file1"), &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 1000,
	      "host: file1 now has mode 0600 and size 1000");
	release_fid(fid);
}

/* Make NFILES files, list them through a small buffer, resume mid-way. */
static void test_readdir(void)
{
	char name[32], seen[NFILES] = { 0 }, buf[300];
	uint64_t cookies[NFILES + 8];
	char names[NFILES + 8][32];
	struct p9_dirent de;
	struct p9c_dir d;
	uint32_t fid, dfid;
	int i, rc, n = 0, ok = 1, dots = 0, file1 = 0;

	dfid = walk_new(root, "");
	p9c_mkdir(c, dfid, "many", 0755, 0, NULL);
	release_fid(dfid);
	dfid = walk_new(root, "many");
	for (i = 0; i < NFILES && ok; i++) {
		snprintf(name, sizeof(name), "entry-%02d", i);
		fid = walk_new(dfid, "");
		ok = p9c_lcreate(c, fid, name, P9_DOTL_WRONLY | P9_DOTL_CREATE, 0644, 0, NULL,
				 NULL) == 0;
		release_fid(fid);
	}
	check(ok, "Tlcreate %d files in many/", NFILES);

	fid = walk_new(dfid, "");
	rc = p9c_lopen(c, fid, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL);
	check_rc(rc, 0, "Tlopen a directory");
	/* 300 bytes hold about 8 entries, so this takes many Treaddirs. */
	p9c_dir_init(&d, c, fid, buf, sizeof(buf), 0);
	while ((rc = p9c_dir_next(&d, &de)) > 0 && n < NFILES + 8) {
		p9_str_copy(names[n], sizeof(names[n]), de.name);
		cookies[n++] = de.offset;
		if (!strcmp(names[n - 1], ".") || !strcmp(names[n - 1], "..")) {
			dots++;
		} else if (sscanf(names[n - 1], "entry-%d", &i) == 1 && i >= 0 && i < NFILES) {
			seen[i]++;
		} else {
			ok = 0;
		}
	}
	for (i = 0; i < NFILES; i++)
		if (seen[i] != 1)
			ok = 0;
	check(rc == 0 && ok && n == NFILES + dots,
	      "Treaddir through a 300-byte buffer lists each of %d entries once (%d read)", NFILES,
	      n);
	/* Resume from the cookie of the 10th entry: the 11th comes next. */
	if (n > 11) {
		p9c_dir_init(&d, c, fid, buf, sizeof(buf), cookies[9]);
		rc = p9c_dir_next(&d, &de);
		check(rc == 1 && p9_str_eq(de.name, names[10]),
		      "Treaddir resumed at an entry's offset continues with the next (%s)",
		      names[10]);
	}
	release_fid(fid);

	/* The root listing shows file1 too. */
	fid = walk_new(root, "");
	p9c_lopen(c, fid, P9_DOTL_RDONLY, NULL, NULL);
	p9c_dir_init(&d, c, fid, buf, sizeof(buf), 0);
	while (p9c_dir_next(&d, &de) > 0)
		if (p9_str_eq(de.name, "file1"))
			file1 = de.type == DT_REG;
	check(file1, "Treaddir of the root shows file1 as a regular file");
	release_fid(fid);
	release_fid(dfid);
}

/*
 * diod 1.0.24 answers Trenameat and Tunlinkat with EOPNOTSUPP; the Linux
 * client then falls back to Trename and Tremove, and so do these two.
 * *how says which message did the work.
 */
static int renameat_or_rename(uint32_t odfid, const char *oname, uint32_t ndfid,
			      const char *nname, const char **how)
{
	uint32_t fid;
	int rc;

	*how = "Trenameat";
	rc = p9c_renameat(c, odfid, oname, ndfid, nname);
	if (rc != -EOPNOTSUPP)
		return rc;
	*how = "Trename after Trenameat gave EOPNOTSUPP";
	fid = walk_new(odfid, oname);
	if (fid == P9_NOFID)
		return -ENOENT;
	rc = p9c_rename(c, fid, ndfid, nname);
	release_fid(fid);
	return rc;
}

static int unlinkat_or_remove(uint32_t dfid, const char *name, uint32_t flags, const char **how)
{
	uint32_t fid;
	int rc;

	*how = "Tunlinkat";
	rc = p9c_unlinkat(c, dfid, name, flags);
	if (rc != -EOPNOTSUPP)
		return rc;
	*how = "Tremove after Tunlinkat gave EOPNOTSUPP";
	fid = p9c_fid_get(c);
	rc = p9c_walk(c, dfid, fid, 1, &name, NULL);
	if (rc == 1)
		rc = p9c_remove(c, fid);	/* the fid is gone even on error */
	else if (rc == 0)
		rc = -ENOENT;
	p9c_fid_put(c, fid);
	return rc;
}

static void test_mkdir_rename_unlink(void)
{
	struct stat st, st2;
	struct p9_qid qid;
	uint32_t dfid, sub;
	const char *how;
	ino_t ino = 0;
	int rc;

	dfid = walk_new(root, "");
	rc = p9c_mkdir(c, dfid, "dir1", 0750, 0, &qid);
	check_rc(rc, 0, "Tmkdir dir1 mode 0750");
	check(stat(hpath("dir1"), &st) == 0 && S_ISDIR(st.st_mode) &&
		      (st.st_mode & 07777) == 0750 && qid.type & P9_QTDIR,
	      "host: dir1 is a directory with mode 0750");
	rc = p9c_mkdir(c, dfid, "dir1", 0750, 0, NULL);
	check_rc(rc, -EEXIST, "Tmkdir of an existing name gives EEXIST");

	if (stat(hpath("file1"), &st) == 0)
		ino = st.st_ino;
	sub = walk_new(root, "dir1");
	rc = renameat_or_rename(dfid, "file1", sub, "file2", &how);
	check(rc == 0, "rename file1 -> dir1/file2 (%s): %s", how, rc ? strerror(-rc) : "ok");
	check(stat(hpath("file1"), &st) < 0 && errno == ENOENT &&
		      stat(hpath("dir1/file2"), &st2) == 0 && st2.st_ino == ino,
	      "host: file1 is gone, dir1/file2 is the same inode");

	rc = unlinkat_or_remove(dfid, "dir1", P9_AT_REMOVEDIR, &how);
	check(rc == -ENOTEMPTY, "removing a non-empty directory (%s) gives ENOTEMPTY: %s", how,
	      rc ? strerror(-rc) : "ok");
	rc = unlinkat_or_remove(sub, "file2", 0, &how);
	check(rc == 0, "unlink dir1/file2 (%s): %s", how, rc ? strerror(-rc) : "ok");
	check(stat(hpath("dir1/file2"), &st) < 0 && errno == ENOENT, "host: dir1/file2 is gone");
	rc = unlinkat_or_remove(sub, "file2", 0, &how);
	check(rc == -ENOENT, "unlink of a missing name (%s) gives ENOENT: %s", how,
	      rc ? strerror(-rc) : "ok");
	release_fid(sub);
	rc = unlinkat_or_remove(dfid, "dir1", P9_AT_REMOVEDIR, &how);
	check(rc == 0, "rmdir dir1 (%s): %s", how, rc ? strerror(-rc) : "ok");
	check(stat(hpath("dir1"), &st) < 0 && errno == ENOENT, "host: dir1 is gone");
	release_fid(dfid);
}

static void test_links(void)
{
	char target[256];
	struct stat st;
	uint32_t dfid, fid;
	ssize_t n;
	int rc;

	dfid = walk_new(root, "");
	fid = walk_new(dfid, "");
	p9c_lcreate(c, fid, "orig", P9_DOTL_WRONLY | P9_DOTL_CREATE, 0644, 0, NULL, NULL);
	release_fid(fid);

	rc = p9c_symlink(c, dfid, "sym", "orig", 0, NULL);
	check_rc(rc, 0, "Tsymlink sym -> orig");
	n = readlink(hpath("sym"), target, sizeof(target) - 1);
	check(n == 4 && !memcmp(target, "orig", 4), "host: sym is a symlink to orig");
	fid = walk_new(dfid, "sym");
	rc = p9c_readlink(c, fid, target, sizeof(target));
	check(rc == 4 && !strcmp(target, "orig"), "Treadlink gives orig");
	release_fid(fid);

	fid = walk_new(dfid, "orig");
	rc = p9c_link(c, dfid, fid, "hard");
	check_rc(rc, 0, "Tlink hard -> orig");
	check(stat(hpath("hard"), &st) == 0 && st.st_nlink == 2, "host: orig has 2 links");
	release_fid(fid);

	rc = p9c_mknod(c, dfid, "fifo", S_IFIFO | 0600, 0, 0, 0, NULL);
	check_rc(rc, 0, "Tmknod fifo");
	check(lstat(hpath("fifo"), &st) == 0 && S_ISFIFO(st.st_mode), "host: fifo is a FIFO");
	release_fid(dfid);
}

static void test_xattr(void)
{
	static const char val[] = "value-123";
	char buf[256];
	ssize_t n;
	uint32_t fid;
	int rc;

	fid = walk_new(root, "orig");
	rc = p9c_xattr_set(c, fid, "user.p9test", val, sizeof(val) - 1, 0);
	check_rc(rc, 0, "xattr set user.p9test (Txattrcreate + Twrite + Tclunk)");
	n = getxattr(hpath("orig"), "user.p9test", buf, sizeof(buf));
	check(n == sizeof(val) - 1 && !memcmp(buf, val, (size_t)n),
	      "host: user.p9test holds the value");
	n = p9c_xattr_get(c, fid, "user.p9test", buf, sizeof(buf));
	check(n == sizeof(val) - 1 && !memcmp(buf, val, (size_t)n),
	      "xattr get user.p9test (Txattrwalk + Tread)");
	n = p9c_xattr_get(c, fid, "user.p9test", NULL, 0);
	check(n == sizeof(val) - 1, "xattr size query gives %zd", n);
	n = p9c_xattr_list(c, fid, buf, sizeof(buf));
	check(n > 0 && memmem(buf, (size_t)n, "user.p9test", 12),
	      "xattr list includes user.p9test");
	n = p9c_xattr_get(c, fid, "user.missing", buf, sizeof(buf));
	check(n == -ENODATA, "xattr get of a missing name gives ENODATA (%zd)", n);
	rc = p9c_xattr_remove(c, fid, "user.p9test");
	check_rc(rc, 0, "xattr remove (Txattrcreate size 0)");
	check(getxattr(hpath("orig"), "user.p9test", buf, sizeof(buf)) < 0 && errno == ENODATA,
	      "host: user.p9test is gone");
	release_fid(fid);
}

/* Files made through the nobody attach belong to nobody on the host. */
static void test_ownership(uint32_t nobody_root)
{
	struct stat st;
	uint32_t dfid, fid;
	int rc;

	dfid = walk_new(root, "");
	p9c_mkdir(c, dfid, "pub", 0777, 0, NULL);
	release_fid(dfid);
	chmod(hpath("pub"), 0777);
	fid = walk_new(nobody_root, "pub");
	rc = fid == P9_NOFID ? -ENOENT
			     : p9c_lcreate(c, fid, "mine", P9_DOTL_WRONLY | P9_DOTL_CREATE, 0600,
					   NOBODY, NULL, NULL);
	check_rc(rc, 0, "Tlcreate as uid 65534");
	check(stat(hpath("pub/mine"), &st) == 0 && st.st_uid == NOBODY && st.st_gid == NOBODY,
	      "host: pub/mine is owned by 65534:65534");
	if (fid != P9_NOFID)
		release_fid(fid);
	fid = walk_new(nobody_root, "pub");
	rc = p9c_mkdir(c, fid, "nobodys", 0755, NOBODY, NULL);
	check_rc(rc, 0, "Tmkdir as uid 65534");
	check(stat(hpath("pub/nobodys"), &st) == 0 && st.st_uid == NOBODY,
	      "host: pub/nobodys is owned by 65534");
	release_fid(fid);

	/* Not a check: diod keeps DAC override while acting for a user. */
	fid = walk_new(nobody_root, "");
	rc = p9c_mkdir(c, fid, "denied", 0755, NOBODY, NULL);
	printf("# note: Tmkdir as uid 65534 in the root-owned 0755 export root: %s\n",
	       rc ? strerror(-rc) : "allowed");
	release_fid(fid);
}

static void test_statfs_lock(void)
{
	struct p9_tlock lk = { .type = P9_LOCK_TYPE_WRLCK, .length = 0, .proc_id = 1,
			       .client_id = { "interop", 7 } };
	struct p9_getlock gl = { .type = P9_LOCK_TYPE_WRLCK, .proc_id = 2,
				 .client_id = { "interop", 7 } }, out;
	struct p9_rstatfs s;
	uint8_t status = 0xff;
	char cid[64];
	uint32_t fid;
	int rc;

	fid = walk_new(root, "");
	rc = p9c_statfs(c, fid, &s);
	if (check_rc(rc, 0, "Tstatfs"))
		check(s.bsize > 0 && s.blocks > 0 && s.namelen > 0,
		      "Rstatfs: bsize %u blocks %llu namelen %u", s.bsize,
		      (unsigned long long)s.blocks, s.namelen);
	release_fid(fid);

	fid = walk_new(root, "orig");
	p9c_lopen(c, fid, P9_DOTL_RDWR, NULL, NULL);
	lk.fid = fid;
	rc = p9c_lock(c, &lk, &status);
	check(rc == 0 && status == P9_LOCK_SUCCESS, "Tlock F_WRLCK: %s, status %u",
	      rc ? strerror(-rc) : "ok", status);
	gl.fid = fid;
	rc = p9c_getlock(c, &gl, &out, cid, sizeof(cid));
	check(rc == 0, "Tgetlock: %s, type %u", rc ? strerror(-rc) : "ok", out.type);
	lk.type = P9_LOCK_TYPE_UNLCK;
	rc = p9c_lock(c, &lk, &status);
	check(rc == 0 && status == P9_LOCK_SUCCESS, "Tlock F_UNLCK");
	release_fid(fid);
}

/* NASYNC Tgetattr in flight at once on one connection. */
static void test_async(void)
{
	struct p9c_req **reqs = calloc(NASYNC, sizeof(*reqs));
	struct p9_msg t = { .type = P9_TGETATTR };
	const struct p9_msg *m;
	uint8_t tags[65536 / 8] = { 0 };
	int i, started = 0, good = 0, distinct = 1;
	uint16_t tag;

	t.u.tgetattr.fid = root;
	t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	for (i = 0; i < NASYNC; i++) {
		if (p9c_start(c, &t, NULL, 0, &reqs[i]))
			break;
		tag = p9c_req_tag(reqs[i]);
		if (tags[tag / 8] & (1u << (tag % 8)))
			distinct = 0;
		tags[tag / 8] |= (uint8_t)(1u << (tag % 8));
		started++;
	}
	for (i = 0; i < started; i++) {
		if (p9c_wait(reqs[i], 10000) == 0 && p9c_result(reqs[i], &m) == 0 &&
		    m->type == P9_RGETATTR && (m->u.rgetattr.mode & S_IFMT) == S_IFDIR)
			good++;
		p9c_release(reqs[i]);
	}
	check(started == NASYNC && distinct, "%d requests sent before any reply is awaited, "
	      "with distinct tags", started);
	check(good == NASYNC, "all %d replies routed to their requests (%d good)", NASYNC, good);
	free(reqs);
}

static void *worker(void *arg)
{
	int *bad = arg, i;
	struct p9_rgetattr a;
	uint32_t fid;

	for (i = 0; i < PER_THREAD; i++) {
		fid = walk_new(root, "many/entry-07");
		if (fid == P9_NOFID || p9c_getattr(c, fid, P9_GETATTR_BASIC, &a) ||
		    !S_ISREG(a.mode))
			(*bad)++;
		if (fid != P9_NOFID)
			release_fid(fid);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[NTHREADS];
	int bad[NTHREADS] = { 0 }, i, total = 0;

	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, &bad[i]);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		total += bad[i];
	}
	check(total == 0, "%d threads x %d walk+getattr+clunk on one connection (%d failed)",
	      NTHREADS, PER_THREAD, total);
}

static void test_flush(void)
{
	struct p9_msg t = { .type = P9_TGETATTR };
	struct p9c_req *reqs[100], *fl;
	int i, rc, orc, ok = 1;

	/* Flush the last of 100 requests: either its reply or the flush wins. */
	t.u.tgetattr.fid = root;
	t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	for (i = 0; i < 100; i++)
		if (p9c_start(c, &t, NULL, 0, &reqs[i]))
			ok = 0;
	if (!ok) {
		check(0, "start 100 requests for the flush test");
		return;
	}
	rc = p9c_start_flush(c, reqs[99], &fl);
	if (!rc) {
		p9c_wait(fl, 10000);
		rc = p9c_result(fl, NULL);
		p9c_release(fl);
	}
	p9c_wait(reqs[99], 10000);
	orc = p9c_result(reqs[99], NULL);
	check(rc == 0 && (orc == 0 || orc == -EINTR),
	      "Tflush of an in-flight tag: Rflush %s; flushed request %s", rc ? strerror(-rc) : "ok",
	      orc == 0 ? "answered first" : orc == -EINTR ? "dropped" : strerror(-orc));
	for (i = 0; i < 100; i++) {
		p9c_wait(reqs[i], 10000);
		p9c_release(reqs[i]);
	}

	/* A tag that is not in flight: Rflush at once. */
	t = (struct p9_msg){ .type = P9_TFLUSH };
	t.u.tflush.oldtag = 4242;
	rc = p9c_start(c, &t, NULL, 0, &fl);
	if (!rc) {
		rc = p9c_wait(fl, 10000);
		if (!rc)
			rc = p9c_result(fl, NULL);
		p9c_release(fl);
	}
	check_rc(rc, 0, "Tflush of an unknown tag gives Rflush");
}

static void test_clunk(void)
{
	uint32_t fid = walk_new(root, "orig");
	struct p9_rgetattr a;
	int rc;

	rc = p9c_clunk(c, fid);
	check_rc(rc, 0, "Tclunk");
	rc = p9c_getattr(c, fid, P9_GETATTR_BASIC, &a);
	check(rc < 0, "a clunked fid is gone (Tgetattr: %s)", rc ? strerror(-rc) : "ok");
	p9c_fid_put(c, fid);
}

int main(int argc, char **argv)
{
	uint32_t nobody_root = P9_NOFID;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s SOCKET ANAME [HOSTDIR]\n", argv[0]);
		return 2;
	}
	hostdir = argc == 4 ? argv[3] : argv[2];

	rc = p9c_connect_unix(argv[1], MSIZE, &c);
	check_rc(rc, 0, "connect and Tversion 9P2000.L");
	if (rc) {
		printf("1..%d\n%d passed, %d failed\n", ncheck, npass, nfail);
		return 1;
	}
	p9c_set_timeout(c, 30000);	/* a stuck server fails checks, never hangs */
	check(p9c_msize(c) >= P9_MIN_MSIZE && p9c_msize(c) <= MSIZE,
	      "negotiated msize %u (asked %u)", p9c_msize(c), MSIZE);

	test_attach(&nobody_root, argv[2]);
	test_walk();
	test_create_write_read();
	test_setattr();
	test_readdir();
	test_mkdir_rename_unlink();
	test_links();
	test_xattr();
	test_ownership(nobody_root);
	test_statfs_lock();
	test_async();
	test_threads();
	test_flush();
	test_clunk();

	p9c_clunk(c, nobody_root);
	p9c_clunk(c, root);
	check(p9c_dead_reason(c) == NULL, "connection still healthy%s%s",
	      p9c_dead_reason(c) ? ": " : "", p9c_dead_reason(c) ? p9c_dead_reason(c) : "");
	p9c_close(c);
	printf("1..%d\n%d passed, %d failed\n", ncheck, npass, nfail);
	return nfail ? 1 : 0;
}
