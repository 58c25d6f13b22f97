/*
 * pair_test_names.c - renames and links, an open file that is unlinked,
 * readdir of a large directory with resume cookies, and path safety
 * (.. at the root, host symlinks, names with '/', "." and "..", fids that
 * name a symlink to outside or a directory swapped for one).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pair_test.h"

#define NBIG		3000	/* entries of the large directory */
#define BIG_STOP	1200	/* the first listing stops after this many */
#define BIG_RESUME	700	/* ... and a second one resumes after this one */

void test_rename_link(void)
{
	struct stat st, st2, dst_old;
	char buf[64];
	uint32_t a, b, fid;
	const char *how;
	int rc, dstfd;

	if (mkdir(hpath("n"), 0755) < 0 || mkdir(hpath("n/a"), 0755) < 0 ||
	    mkdir(hpath("n/b"), 0755) < 0 ||
	    host_write_file(hpath("n/a/src"), "SRC-CONTENT", 0644, 0, 0) < 0 ||
	    host_write_file(hpath("n/b/dst"), "DST-CONTENT", 0644, 0, 0) < 0 ||
	    host_write_file(hpath("n/a/x"), "X", 0644, 0, 0) < 0) {
		check(false, "host: prepare n/a and n/b: %s", strerror(errno));
		return;
	}
	a = walk_new(pt_c, pt_root0, "n/a", &rc);
	b = walk_new(pt_c, pt_root0, "n/b", &rc);
	if (a == P9_NOFID || b == P9_NOFID) {
		check(false, "walk to n/a, n/b: %s", rcs(rc));
		goto out;
	}

	/* Over an existing entry, across directories. */
	lstat(hpath("n/a/src"), &st);
	dstfd = open(hpath("n/b/dst"), O_RDONLY | O_CLOEXEC);
	fstat(dstfd, &dst_old);
	rc = pt_renameat(pt_c, a, "src", b, "dst", &how);
	memset(&st2, 0, sizeof(st2));
	lstat(hpath("n/b/dst"), &st2);
	check(rc == 0 && st2.st_ino == st.st_ino && lstat(hpath("n/a/src"), &st) < 0 &&
		      !strcmp(host_read_file(hpath("n/b/dst"), buf, sizeof(buf)), "SRC-CONTENT"),
	      "rename n/a/src over n/b/dst (%s): %s; host: dst is the moved file with its "
	      "content (\"%s\"), src gone",
	      how, rcs(rc), buf);
	if (dstfd >= 0) {
		fstat(dstfd, &st);
		check(st.st_nlink == 0, "host: the replaced n/b/dst has no link left (nlink %lu)",
		      (unsigned long)st.st_nlink);
		close(dstfd);
	}

	rc = pt_renameat(pt_c, a, "x", b, "y", &how);
	check(rc == 0 && lstat(hpath("n/a/x"), &st) < 0 && lstat(hpath("n/b/y"), &st) == 0,
	      "rename n/a/x to a new name n/b/y (%s): %s", how, rcs(rc));

	/* Trename: the fid follows the file. */
	fid = walk_new(pt_c, b, "y", &rc);
	rc = p9c_rename(pt_c, fid, a, "z");
	check(rc == 0 && lstat(hpath("n/b/y"), &st) < 0 &&
		      !strcmp(host_read_file(hpath("n/a/z"), buf, sizeof(buf)), "X"),
	      "Trename n/b/y to n/a/z: %s; host: n/a/z holds \"%s\"", rcs(rc), buf);

	/* Tlink through the renamed fid. */
	rc = p9c_link(pt_c, b, fid, "hard");
	memset(&st, 0, sizeof(st));
	memset(&st2, 0, sizeof(st2));
	lstat(hpath("n/a/z"), &st);
	lstat(hpath("n/b/hard"), &st2);
	check(rc == 0 && st.st_nlink == 2 && st2.st_ino == st.st_ino,
	      "Tlink n/b/hard to n/a/z: %s; host link count %lu, same inode %s", rcs(rc),
	      (unsigned long)st.st_nlink, st2.st_ino == st.st_ino ? "yes" : "no");
	release_fid(pt_c, fid);
	rc = p9c_link(pt_c, b, a, "dirlink");
	check(rc == -EPERM, "Tlink of a directory gives EPERM: %s", rcs(rc));
out:
	release_fid(pt_c, a);
	release_fid(pt_c, b);
}

/* Why diod fails on an unlinked open file. */
#define UNLINKED_DIOD "diod 1.0.24 serves Tgetattr and Tsetattr by path, not from the open file"

void test_unlinked_open(void)
{
	struct p9_tsetattr sa = { .valid = P9_SETATTR_SIZE, .size = 5 };
	struct p9_rgetattr ga = { 0 };
	uint32_t dfid, fid;
	const char *how;
	struct stat st;
	char buf[64];
	ssize_t n;
	int rc;

	dfid = walk_new(pt_c, pt_root0, "n", &rc);
	fid = walk_new(pt_c, pt_root0, "n", &rc);
	rc = p9c_lcreate(pt_c, fid, "open", P9_DOTL_RDWR | P9_DOTL_CREATE, 0600, 0, NULL, NULL);
	n = rc ? rc : p9c_write(pt_c, fid, 0, "hello world", 11);
	if (n != 11) {
		check(false, "Tlcreate and write n/open: %s", rcs(n));
		goto out;
	}
	rc = pt_unlinkat(pt_c, dfid, "open", 0, &how);
	check(rc == 0 && lstat(hpath("n/open"), &st) < 0,
	      "unlink n/open while open (%s): %s; host: gone", how, rcs(rc));

	memset(buf, 0, sizeof(buf));
	n = p9c_read(pt_c, fid, 0, buf, sizeof(buf) - 1);
	check(n == 11 && !strcmp(buf, "hello world"),
	      "unlinked open fid: Tread gives the content: %s \"%s\"", rcs(n), buf);
	n = p9c_write(pt_c, fid, 11, "!!!", 3);
	check(n == 3, "unlinked open fid: Twrite: %s", rcs(n));
	rc = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &ga);
	check_or_diod(rc == 0 && ga.size == 14 && ga.nlink == 0 && ga.mode == (S_IFREG | 0600),
	      UNLINKED_DIOD,
	      "unlinked open fid: Tgetattr: %s; size %llu nlink %llu mode 0%o", rcs(rc),
	      (unsigned long long)ga.size, (unsigned long long)ga.nlink, ga.mode);
	rc = p9c_setattr(pt_c, fid, &sa);
	check_or_diod(rc == 0, UNLINKED_DIOD,
	      "unlinked open fid: Tsetattr size 5 (truncate): %s", rcs(rc));
	rc = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &ga);
	memset(buf, 0, sizeof(buf));
	n = p9c_read(pt_c, fid, 0, buf, sizeof(buf) - 1);
	check_or_diod(rc == 0 && ga.size == 5 && n == 5 && !strcmp(buf, "hello"),
	      UNLINKED_DIOD,
	      "unlinked open fid: now 5 bytes: Tgetattr %s size %llu, Tread %s \"%s\"", rcs(rc),
	      (unsigned long long)ga.size, rcs(n), buf);
	sa.valid = P9_SETATTR_MODE;
	sa.mode = 0640;
	rc = p9c_setattr(pt_c, fid, &sa);
	rc = rc ? rc : p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &ga);
	check_or_diod(rc == 0 && ga.mode == (S_IFREG | 0640),
	      UNLINKED_DIOD,
	      "unlinked open fid: Tsetattr mode 0640: %s; mode now 0%o", rcs(rc), ga.mode);
	rc = p9c_fsync(pt_c, fid, 0);
	check(rc == 0, "unlinked open fid: Tfsync: %s", rcs(rc));
	rc = p9c_fsync(pt_c, fid, 1);
	check(rc == 0, "unlinked open fid: Tfsync datasync: %s", rcs(rc));
out:
	release_fid(pt_c, fid);
	release_fid(pt_c, dfid);
}

/* ---- a large directory ---- */

struct listing {
	int n;
	char (*name)[16];
	uint64_t *cookie;
};

/* Read entries from `offset` into l (appending) until `stop` entries or the end. */
static int list_from(uint32_t fid, uint64_t offset, struct listing *l, int stop)
{
	static uint8_t buf[8192];
	struct p9_dirent de;
	struct p9c_dir d;
	int rc = 0;

	p9c_dir_init(&d, pt_c, fid, buf, sizeof(buf), offset);
	while (l->n < stop && (rc = p9c_dir_next(&d, &de)) > 0) {
		if (l->n >= NBIG + 2 || p9_str_copy(l->name[l->n], sizeof(l->name[0]), de.name))
			return -E2BIG;
		l->cookie[l->n++] = de.offset;
	}
	return l->n < stop ? rc : 0;
}

/* Each f%04d exactly once (and . and .. at most once); *why says what is wrong. */
static bool complete(const struct listing *l, int from, int to, char *why, size_t sz)
{
	static unsigned char seen[NBIG];
	int i, k, dots = 0, extra = 0;
	char c;

	memset(seen, 0, sizeof(seen));
	for (i = from; i < to; i++) {
		if (!strcmp(l->name[i], ".") || !strcmp(l->name[i], ".."))
			dots++;
		else if (sscanf(l->name[i], "f%4d%c", &k, &c) == 1 && k >= 0 && k < NBIG)
			seen[k]++;
		else
			extra++;
	}
	for (k = 0; k < NBIG; k++)
		if (seen[k] != 1) {
			snprintf(why, sz, "f%04d seen %d times", k, seen[k]);
			return false;
		}
	snprintf(why, sz, "%d entries, %d of them . and .., %d unexpected", to - from, dots,
		 extra);
	return dots <= 2 && extra == 0;
}

static bool alloc_listing(struct listing *l)
{
	l->n = 0;
	l->name = calloc(NBIG + 2, sizeof(*l->name));
	l->cookie = calloc(NBIG + 2, sizeof(*l->cookie));
	return l->name && l->cookie;
}

void test_readdir_big(void)
{
	struct listing l1 = { 0 }, l2 = { 0 }, l3 = { 0 };
	char why[128] = "";
	uint32_t fid = P9_NOFID, fid2 = P9_NOFID;
	int i, rc, resumed, same;

	if (!alloc_listing(&l1) || !alloc_listing(&l2) || !alloc_listing(&l3))
		goto out;
	if (mkdir(hpath("n/big"), 0755) < 0) {
		check(false, "host: mkdir n/big: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < NBIG; i++) {
		/* Sizes differ so that test_many_inflight can tell files apart. */
		char data[128];

		snprintf(data, sizeof(data), "%.*s", i % 97, "0123456789012345678901234567890123"
			 "456789012345678901234567890123456789012345678901234567890123456789");
		if (host_write_file(hpath("n/big/f%04d", i), data, 0644, 0, 0) < 0) {
			check(false, "host: create n/big/f%04d: %s", i, strerror(errno));
			goto out;
		}
	}

	fid = walk_new(pt_c, pt_root0, "n/big", &rc);
	rc = fid == P9_NOFID ? rc : p9c_lopen(pt_c, fid, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY,
					      NULL, NULL);
	if (rc) {
		check(false, "walk and Tlopen n/big: %s", rcs(rc));
		goto out;
	}
	/* First pass: stop after BIG_STOP entries. */
	rc = list_from(fid, 0, &l1, BIG_STOP);
	check(rc == 0 && l1.n == BIG_STOP, "readdir n/big: first %d entries: %s (%d read)",
	      BIG_STOP, rcs(rc), l1.n);
	if (l1.n < BIG_STOP)
		goto out;

	/* A new iterator on the same fid resumes at an earlier cookie. */
	memcpy(l2.name, l1.name, sizeof(l1.name[0]) * BIG_RESUME);
	memcpy(l2.cookie, l1.cookie, sizeof(l1.cookie[0]) * BIG_RESUME);
	l2.n = BIG_RESUME;
	rc = list_from(fid, l1.cookie[BIG_RESUME - 1], &l2, NBIG + 2);
	resumed = l2.n - BIG_RESUME;
	for (same = 0, i = BIG_RESUME; i < BIG_STOP && i < l2.n; i++)
		same += !strcmp(l1.name[i], l2.name[i]) && l1.cookie[i] == l2.cookie[i];
	check(rc == 0 && same == BIG_STOP - BIG_RESUME,
	      "readdir resumed at the cookie of entry %d repeats entries %d..%d of the first "
	      "pass, names and cookies in order: %s, %d of %d equal",
	      BIG_RESUME, BIG_RESUME + 1, BIG_STOP, rcs(rc), same, BIG_STOP - BIG_RESUME);
	check(rc == 0 && complete(&l2, 0, l2.n, why, sizeof(why)),
	      "first %d entries + the resumed listing (%d) give every entry exactly once: %s",
	      BIG_RESUME, resumed, why);

	/* Offset 0 again: the full listing. */
	rc = list_from(fid, 0, &l3, NBIG + 2);
	check(rc == 0 && complete(&l3, 0, l3.n, why, sizeof(why)),
	      "readdir from offset 0 again gives the full listing: %s, %s", rcs(rc), why);

	/* Another open of the directory accepts the cookie too (ext4's are
	 * positions in its hash order, valid on any open descriptor). */
	fid2 = walk_new(pt_c, pt_root0, "n/big", &rc);
	rc = fid2 == P9_NOFID ? rc : p9c_lopen(pt_c, fid2, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY,
					       NULL, NULL);
	l2.n = BIG_RESUME;
	rc = rc ? rc : list_from(fid2, l1.cookie[BIG_RESUME - 1], &l2, NBIG + 2);
	for (same = 0, i = BIG_RESUME; i < BIG_STOP && i < l2.n; i++)
		same += !strcmp(l1.name[i], l2.name[i]);
	check(rc == 0 && same == BIG_STOP - BIG_RESUME &&
		      complete(&l2, 0, l2.n, why, sizeof(why)),
	      "readdir on a second fid resumed at the same cookie continues alike: %s, %d of %d "
	      "equal, %s",
	      rcs(rc), same, BIG_STOP - BIG_RESUME, why);
out:
	release_fid(pt_c, fid);
	release_fid(pt_c, fid2);
	free(l1.name);
	free(l1.cookie);
	free(l2.name);
	free(l2.cookie);
	free(l3.name);
	free(l3.cookie);
}

/* ---- path safety ---- */

static void walk_dotdot(void)
{
	const char *up[3] = { "..", "..", ".." };
	const char *dn_up[2] = { "n", ".." };
	struct p9_qid q[3];
	uint32_t fid = p9c_fid_get(pt_c);
	int rc;

	rc = p9c_walk(pt_c, pt_root0, fid, 3, up, q);
	check_or_diod(rc == 3 && q[2].path == pt_rootqid.path && q[2].type == pt_rootqid.type &&
		      q[0].path == pt_rootqid.path,
	      DIOD_PATHS,
	      "Twalk .. .. .. from the root stays at the root: %s, qid path 0x%llx (root 0x%llx)",
	      rcs(rc), (unsigned long long)q[2].path, (unsigned long long)pt_rootqid.path);
	if (rc == 3) {
		struct p9_qid q2;
		uint32_t f2 = p9c_fid_get(pt_c);

		/* ... and the fid it made is the root: n is below it. */
		rc = p9c_walk_path(pt_c, fid, f2, "n/a", &q2);
		check_or_diod(rc == 0, DIOD_PATHS,
	      "from the root's .., n/a is found: %s", rcs(rc));
		if (rc == 0)
			p9c_clunk(pt_c, f2);
		p9c_fid_put(pt_c, f2);
		p9c_clunk(pt_c, fid);
	}
	rc = p9c_walk(pt_c, pt_root1, fid, 2, dn_up, q);
	check(rc == 2 && q[1].path == pt_rootqid.path,
	      "Twalk n .. comes back to the root: %s", rcs(rc));
	if (rc == 2)
		p9c_clunk(pt_c, fid);
	p9c_fid_put(pt_c, fid);
}

/* A relative link from export/n that leads to "/": "../" once per level. */
static void up_to_root(char *buf, size_t sz)
{
	const char *p;
	size_t n = 0;

	buf[0] = '\0';
	for (p = pt.export; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/' && n + 4 < sz) {
			memcpy(buf + n, "../", 4);
			n += 3;
		}
	if (n + 4 < sz)
		memcpy(buf + n, "../", 4);	/* one more for n itself */
}

static void walk_symlink_out(void)
{
	const char *names[2] = { "etc", "passwd" };
	const char *rel[3] = { "up", "etc", "passwd" };
	struct p9_rgetattr ga;
	struct p9_qid q[3];
	char target[64], up[1024];
	uint32_t dfid, fid;
	struct stat st;
	int rc;

	up_to_root(up, sizeof(up));
	if (symlink("/etc", hpath("n/etc")) < 0 || symlink(up, hpath("n/up")) < 0 ||
	    stat(hpath("n/up/etc/passwd"), &st) < 0) {
		check(false, "host: make symlinks n/etc -> /etc, n/up -> %s (to /): %s", up,
		      strerror(errno));
		return;
	}
	dfid = walk_new(pt_c, pt_root0, "n", &rc);
	fid = p9c_fid_get(pt_c);
	rc = p9c_walk(pt_c, dfid, fid, 2, names, q);
	check(rc < 2, "Twalk n/etc/passwd (n/etc -> /etc on the host) is not followed: %s%s",
	      rc >= 0 ? "Rwalk with qids: " : "", rcs(rc));
	if (rc == 2)
		p9c_clunk(pt_c, fid);
	rc = p9c_walk(pt_c, dfid, fid, 1, names, q);
	if (rc == 1) {
		check(q[0].type & P9_QTSYMLINK, "Twalk to n/etc gives a symlink qid (type 0x%02x)",
		      q[0].type);
		rc = p9c_readlink(pt_c, fid, target, sizeof(target));
		check(rc == 4 && !strcmp(target, "/etc"),
		      "Treadlink n/etc gives its text: %s \"%s\"", rcs(rc), rc > 0 ? target : "");
		rc = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &ga);
		check(rc == 0 && S_ISLNK(ga.mode),
		      "Tgetattr of n/etc describes the link itself: %s, mode 0%o", rcs(rc),
		      ga.mode);
		rc = p9c_lopen(pt_c, fid, P9_DOTL_RDONLY, NULL, NULL);
		check_or_diod(rc < 0, "diod 1.0.24 opens by path and follows the link",
	      "Tlopen of the symlink n/etc is refused: %s", rcs(rc));
		p9c_clunk(pt_c, fid);
	} else {
		check(false, "Twalk to the symlink n/etc: %s", rcs(rc));
	}
	rc = p9c_walk(pt_c, dfid, fid, 3, rel, q);
	check(rc < 2, "Twalk n/up/etc/passwd (n/up -> %s, i.e. /) is not followed: %s%s", up,
	      rc >= 0 ? "Rwalk with qids: " : "", rcs(rc));
	if (rc == 3)
		p9c_clunk(pt_c, fid);
	p9c_fid_put(pt_c, fid);
	release_fid(pt_c, dfid);
}

/* Names a client must not be able to use to make entries (in the export
 * root, so that "../x" would be outside the export). */
static void bad_names(void)
{
	static const char *const names[] = { "a/b", "../outside", ".", "..", "" };
	const char *how, *n1 = "a/b";
	char outside[4096];
	struct stat st;
	uint32_t dfid, fid;
	size_t i;
	int rc;

	/* The export's parent is the run's private temporary directory. */
	snprintf(outside, sizeof(outside), "%s/../outside", pt.export);
	if (mkdir(hpath("a"), 0755) < 0 || host_write_file(hpath("a/b"), "B", 0644, 0, 0) < 0) {
		check(false, "host: create a/b: %s", strerror(errno));
		return;
	}
	dfid = walk_new(pt_c, pt_root0, "", &rc);
	fid = p9c_fid_get(pt_c);
	rc = p9c_walk(pt_c, dfid, fid, 1, &n1, NULL);
	check_or_diod(rc < 0, DIOD_PATHS,
	      "Twalk with the name \"a/b\" is refused (a/b exists): %s",
	      rc >= 0 ? "Rwalk" : rcs(rc));
	if (rc == 1)
		p9c_clunk(pt_c, fid);
	p9c_fid_put(pt_c, fid);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *nm = names[i];

		fid = walk_new(pt_c, dfid, "", &rc);
		rc = p9c_lcreate(pt_c, fid, nm, P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0, NULL, NULL);
		check_or_diod(rc < 0, DIOD_PATHS, "Tlcreate \"%s\" is refused: %s", nm,
			      rc ? rcs(rc) : "created");
		release_fid(pt_c, fid);
		rc = p9c_mkdir(pt_c, dfid, nm, 0755, 0, NULL);
		check(rc < 0, "Tmkdir \"%s\" is refused: %s", nm, rc ? rcs(rc) : "created");
		rc = p9c_symlink(pt_c, dfid, nm, "target", 0, NULL);
		check(rc < 0, "Tsymlink \"%s\" is refused: %s", nm, rc ? rcs(rc) : "created");
		rc = p9c_mknod(pt_c, dfid, nm, S_IFIFO | 0644, 0, 0, 0, NULL);
		check(rc < 0, "Tmknod \"%s\" is refused: %s", nm, rc ? rcs(rc) : "created");
	}
	rc = pt_renameat(pt_c, dfid, "a", dfid, "../outside", &how);
	check(rc < 0 && lstat(hpath("a"), &st) == 0,
	      "rename a to \"../outside\" (%s) is refused: %s", how, rc ? rcs(rc) : "renamed");
	fid = walk_new(pt_c, dfid, "a/b", &rc);
	rc = fid == P9_NOFID ? rc : p9c_link(pt_c, dfid, fid, "../outside");
	check(rc < 0, "Tlink to \"../outside\" is refused: %s", rc ? rcs(rc) : "linked");
	rc = fid == P9_NOFID ? rc : p9c_rename(pt_c, fid, dfid, "x/y");
	check(rc < 0 && lstat(hpath("a/b"), &st) == 0, "Trename to \"x/y\" is refused: %s",
	      rc ? rcs(rc) : "renamed");
	rc = fid == P9_NOFID ? rc : p9c_rename(pt_c, fid, dfid, "../outside");
	check_or_diod(rc < 0 && lstat(hpath("a/b"), &st) == 0,
	      DIOD_PATHS,
	      "Trename to \"../outside\" is refused: %s", rc ? rcs(rc) : "renamed");
	release_fid(pt_c, fid);

	check_or_diod(lstat(outside, &st) < 0 && errno == ENOENT,
	      DIOD_PATHS,
	      "host: nothing was made outside the export (%s)", outside);
	check_or_diod(lstat(hpath("a/b"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1,
	      DIOD_PATHS,
	      "host: a/b is untouched");
	release_fid(pt_c, dfid);
}

/* ---- a symlink or a swapped directory must not lead outside ---- */

/* Why diod fails these. */
#define DIOD_FOLLOWS "diod 1.0.24 works on path strings, so it follows a symlink that " \
	"replaced a directory or that a fid names"

/* What is in dir (names, space-separated, at most sz bytes); "" if empty. */
static const char *dir_names(const char *dir, char *buf, size_t sz)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	buf[0] = '\0';
	d = opendir(dir);
	if (!d)
		return strerror(errno);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n + 1 < sz)
			n += (size_t)snprintf(buf + n, sz - n, "%s ", de->d_name);
	closedir(d);
	return buf;
}

/* Every way of making or changing something through fid `sym`, a symlink
 * to a directory outside the export (test_escape checks that directory). */
static void through_symlink_fid(uint32_t edir, uint32_t sym)
{
	struct p9_tsetattr sa = { .mode = 0700, .uid = 4321 };
	uint32_t fid, file;
	struct stat st;
	int rc;

	rc = p9c_mkdir(pt_c, sym, "m1", 0755, 0, NULL);
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Tmkdir in a symlink fid (e/out -> outside): %s",
		      rc ? rcs(rc) : "created");
	fid = walk_new(pt_c, sym, "", &rc);
	rc = fid == P9_NOFID ? rc : p9c_lcreate(pt_c, fid, "c1", P9_DOTL_RDWR | P9_DOTL_CREATE,
						 0644, 0, NULL, NULL);
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Tlcreate in a symlink fid: %s",
		      rc ? rcs(rc) : "created");
	release_fid(pt_c, fid);
	rc = p9c_symlink(pt_c, sym, "s1", "x", 0, NULL);
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Tsymlink in a symlink fid: %s",
		      rc ? rcs(rc) : "created");
	rc = p9c_mknod(pt_c, sym, "f1", S_IFIFO | 0644, 0, 0, 0, NULL);
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Tmknod in a symlink fid: %s",
		      rc ? rcs(rc) : "created");
	rc = p9c_renameat(pt_c, edir, "x", sym, "r1");
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Trenameat into a symlink fid: %s",
		      rc ? rcs(rc) : "renamed");
	file = walk_new(pt_c, edir, "x", &rc);
	rc = file == P9_NOFID ? rc : p9c_link(pt_c, sym, file, "l1");
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Tlink into a symlink fid: %s",
		      rc ? rcs(rc) : "linked");
	rc = file == P9_NOFID ? rc : p9c_rename(pt_c, file, sym, "r2");
	check_or_diod(rc < 0, DIOD_FOLLOWS, "Trename into a symlink fid: %s",
		      rc ? rcs(rc) : "renamed");
	release_fid(pt_c, file);

	/* Metadata changes through the symlink fid must not reach the target
	 * (the link itself may change, or the request fail). */
	sa.valid = P9_SETATTR_MODE;
	rc = p9c_setattr(pt_c, sym, &sa);
	note("chmod 0700 through the symlink fid: %s", rcs(rc));
	sa.valid = P9_SETATTR_UID;
	rc = p9c_setattr(pt_c, sym, &sa);
	memset(&st, 0, sizeof(st));
	lstat(hpath("e/out"), &st);
	check_or_diod(rc < 0 || st.st_uid == 4321, DIOD_FOLLOWS,
		      "chown 4321 through the symlink fid changes the link itself or fails: %s; "
		      "link owner %u",
		      rcs(rc), st.st_uid);
	rc = p9c_xattr_set(pt_c, sym, "user.p9esc", "x", 1, 0);
	note("set user.p9esc through the symlink fid: %s", rcs(rc));
	rc = p9c_xattr_set(pt_c, sym, "trusted.p9esc", "x", 1, 0);
	note("set trusted.p9esc through the symlink fid: %s", rcs(rc));
}

void test_escape(void)
{
	char outside[4096], up[4096], names[512], xl[256];
	uint32_t edir = P9_NOFID, sym = P9_NOFID, race = P9_NOFID, fid;
	struct stat st;
	ssize_t nx;
	int rc;

	/* The run's private directory, beside the export; removed at the end. */
	snprintf(outside, sizeof(outside), "%s/../escape-target", pt.export);
	if (mkdir(outside, 0755) < 0 || chmod(outside, 0755) < 0 || mkdir(hpath("e"), 0755) < 0 ||
	    symlink(outside, hpath("e/out")) < 0 || mkdir(hpath("e/race"), 0755) < 0 ||
	    host_write_file(hpath("e/x"), "X", 0644, 0, 0) < 0) {
		check(false, "host: prepare e/ and %s: %s", outside, strerror(errno));
		return;
	}
	edir = walk_new(pt_c, pt_root0, "e", &rc);
	sym = walk_new(pt_c, pt_root0, "e/out", &rc);
	race = walk_new(pt_c, pt_root0, "e/race", &rc);
	if (edir == P9_NOFID || sym == P9_NOFID || race == P9_NOFID) {
		check(false, "walk to e, e/out, e/race: %s", rcs(rc));
		goto out;
	}
	through_symlink_fid(edir, sym);

	/* The directory a fid names is swapped for a symlink to outside. */
	snprintf(up, sizeof(up), "%s", hpath("e/race-old"));
	if (rename(hpath("e/race"), up) < 0 || symlink(outside, hpath("e/race")) < 0) {
		check(false, "host: swap e/race for a symlink: %s", strerror(errno));
		goto out;
	}
	fid = walk_new(pt_c, race, "", &rc);
	rc = fid == P9_NOFID ? rc : p9c_lcreate(pt_c, fid, "t1", P9_DOTL_RDWR | P9_DOTL_CREATE,
						 0644, 0, NULL, NULL);
	release_fid(pt_c, fid);
	check_or_diod(lstat(hpath("e/race-old/t1"), &st) == 0 || rc < 0, DIOD_FOLLOWS,
		      "Tlcreate in a directory fid whose directory was swapped for a symlink to "
		      "outside: %s; lands in the original directory: %s",
		      rcs(rc), lstat(hpath("e/race-old/t1"), &st) == 0 ? "yes" : "no");
	rc = p9c_mkdir(pt_c, race, "t2", 0755, 0, NULL);
	check_or_diod(lstat(hpath("e/race-old/t2"), &st) == 0 || rc < 0, DIOD_FOLLOWS,
		      "Tmkdir in the swapped directory fid: %s; lands in the original: %s",
		      rcs(rc), lstat(hpath("e/race-old/t2"), &st) == 0 ? "yes" : "no");
	rc = p9c_renameat(pt_c, edir, "x", race, "t3");
	check_or_diod(lstat(hpath("e/race-old/t3"), &st) == 0 || rc < 0, DIOD_FOLLOWS,
		      "Trenameat into the swapped directory fid: %s; lands in the original: %s",
		      rcs(rc), lstat(hpath("e/race-old/t3"), &st) == 0 ? "yes" : "no");

out:
	/* Whatever was tried, the outside directory is as it was. */
	memset(&st, 0, sizeof(st));
	lstat(outside, &st);
	dir_names(outside, names, sizeof(names));
	nx = listxattr(outside, xl, sizeof(xl));
	check_or_diod(st.st_mode == (S_IFDIR | 0755) && st.st_uid == 0 && !names[0] && nx == 0,
		      DIOD_FOLLOWS,
		      "host: %s untouched: mode 0%o uid %u, entries \"%s\", %zd bytes of xattr "
		      "names",
		      outside, st.st_mode, st.st_uid, names, nx);
	if (rmdir(outside) < 0)
		note("%s left behind: %s", outside, strerror(errno));
	release_fid(pt_c, edir);
	release_fid(pt_c, sym);
	release_fid(pt_c, race);
}

void test_path_safety(void)
{
	walk_dotdot();
	walk_symlink_out();
	bad_names();
}
