/*
 * pair_test_proto.c - protocol facts a client relies on (DESIGN.md section
 * 9): qid.version follows the content, the iounit of Rlopen/Rlcreate is
 * msize-24 and a transfer of that size works, Tlock answers BLOCKED for a
 * conflict held through another connection and Tgetlock describes the
 * holder's lock, Tstatfs reports statfs(2) of the export, and walks from an
 * open fid (a clone and a walk with names) work.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "pair_test.h"

/* The known differences of diod, the reference these checks were tried on. */
#define DIOD_QIDV "diod 1.0.24 sends qid.version 0 (caching off)"
#define DIOD_IOUNIT "diod 1.0.24 sends iounit 0 (the client then uses msize-24)"
#define DIOD_LOCKS "diod 1.0.24 locks whole files and echoes the asked range in Rgetlock"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* qid.version of fid by Tgetattr, or 0 with *rcp set on failure. */
static uint32_t version_of(uint32_t fid, int *rcp)
{
	struct p9_rgetattr ga;

	*rcp = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &ga);
	return *rcp ? 0 : ga.qid.version;
}

static int host_append(const char *path, const char *data)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		rc = -errno;
	close(fd);
	return rc;
}

/* Same-size overwrite at offset 0 (only mtime can tell it apart). */
static int host_overwrite(const char *path, const char *data)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, data, strlen(data), 0) != (ssize_t)strlen(data))
		rc = -errno;
	close(fd);
	return rc;
}

static void qid_version(void)
{
	uint32_t wfid, pfid, v0, v1, v2, v3, v4, vw;
	struct p9_qid q;
	int rc;

	if (host_write_file(hpath("pv/file"), "first", 0644, 0, 0) < 0) {
		check(false, "host: prepare pv/file: %s", strerror(errno));
		return;
	}
	pfid = walk_new(pt_c, pt_root0, "pv/file", &rc);
	wfid = walk_new(pt_c, pt_root0, "pv/file", &rc);
	if (pfid == P9_NOFID || wfid == P9_NOFID) {
		check(false, "walk to pv/file: %s", rcs(rc));
		goto out;
	}
	v0 = version_of(pfid, &rc);
	v1 = version_of(pfid, &rc);
	check(rc == 0 && v0 == v1, "qid.version: unchanged while the file is unchanged (%u, %u)",
	      v0, v1);

	/* A write through 9P (the content grows). */
	rc = p9c_lopen(pt_c, wfid, P9_DOTL_RDWR, NULL, NULL);
	check(rc == 0 && p9c_write(pt_c, wfid, 5, " and second", 11) == 11,
	      "qid.version: open and Twrite 11 bytes: %s", rcs(rc));
	v2 = version_of(pfid, &rc);
	check_or_diod(rc == 0 && v2 != v1, DIOD_QIDV,
		      "qid.version: changes after a Twrite (%u -> %u)", v1, v2);
	vw = version_of(wfid, &rc);
	check(rc == 0 && vw == v2,
	      "qid.version: Tgetattr of the open fid agrees with the path's (%u, %u): %s", vw, v2,
	      rcs(rc));

	/* A write by the host, behind the server's back. */
	rc = host_append(hpath("pv/file"), " and third");
	if (rc == 0)
		v3 = version_of(pfid, &rc);
	else
		v3 = v2;
	check_or_diod(rc == 0 && v3 != v2, DIOD_QIDV,
		      "qid.version: changes after a host-side append (%u -> %u)", v2, v3);

	/* Same size, new bytes: only the mtime moves (wait out a timestamp tick). */
	sleep_ms(30);
	rc = host_overwrite(hpath("pv/file"), "FIRST");
	if (rc == 0)
		v4 = version_of(pfid, &rc);
	else
		v4 = v3;
	check_or_diod(
	    rc == 0 && v4 != v3, DIOD_QIDV,
	    "qid.version: changes after a same-size host overwrite 30 ms later (%u -> %u)", v3, v4);

	/* A fresh walk sees the same version as Tgetattr. */
	{
		const char *names[] = {"pv", "file"};
		struct p9_qid qs[2];
		uint32_t nf = p9c_fid_get(pt_c);

		rc = p9c_walk(pt_c, pt_root0, nf, 2, names, qs);
		q = qs[1];
		check(rc == 2 && q.version == v4, "qid.version: Rwalk's qid has it too (%u, %u)",
		      rc == 2 ? q.version : 0, v4);
		if (rc == 2)
			release_fid(pt_c, nf);
		else
			p9c_fid_put(pt_c, nf);
	}
out:
	release_fid(pt_c, wfid);
	release_fid(pt_c, pfid);
}

/* One Tread of count bytes at offset 0: the count the server returned. */
static long read_once(struct p9_client *c, uint32_t fid, uint32_t count, void *buf)
{
	struct p9_msg t = {.type = P9_TREAD};
	const struct p9_msg *r;
	struct p9c_req *req;
	long n;
	int rc;

	t.u.tread.fid = fid;
	t.u.tread.offset = 0;
	t.u.tread.count = count;
	rc = p9c_call(c, &t, buf, count, &req, &r);
	if (rc)
		return rc;
	n = r->u.rread.count;
	p9c_release(req);
	return n;
}

static void iounit(void)
{
	uint32_t msize = p9c_msize(pt_c), want = msize - P9_IOUNIT_OVERHEAD, io = 0;
	uint32_t dfid, ffid;
	size_t big = (size_t)want + 4096;
	char *buf = malloc(big), *back = malloc(big);
	struct stat st;
	long n;
	int rc;

	if (!buf || !back) {
		check(false, "iounit: out of memory");
		goto free;
	}
	for (size_t i = 0; i < big; i++)
		buf[i] = (char)('a' + i % 23);

	/* Rlcreate */
	dfid = walk_new(pt_c, pt_root0, "pv", &rc);
	if (dfid == P9_NOFID) {
		check(false, "iounit: walk to pv: %s", rcs(rc));
		goto free;
	}
	rc = p9c_lcreate(pt_c, dfid, "io", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0, NULL, &io);
	check_or_diod(rc == 0 && io == want, DIOD_IOUNIT,
		      "iounit: Rlcreate says %u, msize %u - 24 = %u: %s", io, msize, want, rcs(rc));
	if (rc == 0) {
		/* One Twrite of exactly iounit bytes is taken whole. */
		n = p9c_write(pt_c, dfid, 0, buf, io ? io : want);
		stat(hpath("pv/io"), &st);
		check(n == (long)want && st.st_size == (off_t)want,
		      "iounit: one Twrite of %u bytes writes %ld (host size %lld)", want, n,
		      (long long)st.st_size);
		n = p9c_write(pt_c, dfid, want, buf + want, big - want);
		check(n == (long)(big - want), "iounit: the rest written: %ld", n);
	}
	release_fid(pt_c, dfid);

	/* Rlopen */
	ffid = walk_new(pt_c, pt_root0, "pv/io", &rc);
	io = 0;
	if (ffid != P9_NOFID)
		rc = p9c_lopen(pt_c, ffid, P9_DOTL_RDONLY, NULL, &io);
	check_or_diod(ffid != P9_NOFID && rc == 0 && io == want, DIOD_IOUNIT,
		      "iounit: Rlopen says %u, msize %u - 24 = %u: %s", io, msize, want, rcs(rc));
	if (ffid != P9_NOFID && rc == 0) {
		/* One Tread of iounit bytes of a longer file is answered whole. */
		memset(back, 0, big);
		n = read_once(pt_c, ffid, want, back);
		check(
		    n == (long)want && memcmp(back, buf, want) == 0,
		    "iounit: one Tread of %u bytes of a %zu-byte file returns %ld, the right bytes",
		    want, big, n);
	}
	release_fid(pt_c, ffid);
free:
	free(buf);
	free(back);
}

/* Open pv/lk on a connection as uid 0: the fid, or P9_NOFID. */
static uint32_t open_lockfile(struct p9_client *c, uint32_t root)
{
	uint32_t fid = walk_new(c, root, "pv/lk", NULL);

	if (fid != P9_NOFID && p9c_lopen(c, fid, P9_DOTL_RDWR, NULL, NULL) != 0) {
		release_fid(c, fid);
		fid = P9_NOFID;
	}
	return fid;
}

static void locks(void)
{
	struct p9_client *c2 = NULL;
	uint32_t root2 = P9_NOFID, f1 = P9_NOFID, f2 = P9_NOFID;
	struct p9_tlock lk = {0};
	struct p9_getlock gl = {0}, out;
	char cid[64];
	uint8_t st1 = 0xff, st2 = 0xff;
	int rc;

	if (host_write_file(hpath("pv/lk"), "lock me", 0666, 0, 0) < 0) {
		check(false, "host: prepare pv/lk: %s", strerror(errno));
		return;
	}
	c2 = pt_connect("second connection for locks");
	if (!c2)
		return;
	root2 = pt_attach(c2, 0, NULL, &rc);
	f1 = open_lockfile(pt_c, pt_root0);
	if (root2 != P9_NOFID)
		f2 = open_lockfile(c2, root2);
	if (f1 == P9_NOFID || f2 == P9_NOFID) {
		check(false, "locks: open pv/lk on two connections");
		goto out;
	}

	/* Connection 1 holds a write lock on bytes 10..29. */
	lk.fid = f1;
	lk.type = P9_LOCK_TYPE_WRLCK;
	lk.start = 10;
	lk.length = 20;
	lk.proc_id = 111;
	lk.client_id = (struct p9_str){"holder", 6};
	rc = p9c_lock(pt_c, &lk, &st1);
	check(rc == 0 && st1 == P9_LOCK_SUCCESS, "Tlock: write lock on 10..29: %s, status %u",
	      rcs(rc), st1);

	/* Connection 2 asks for a conflicting one, even with the block flag. */
	lk.fid = f2;
	lk.start = 0;
	lk.length = 0;
	lk.proc_id = 222;
	lk.flags = P9_LOCK_FLAGS_BLOCK;
	lk.client_id = (struct p9_str){"waiter", 6};
	rc = p9c_lock(c2, &lk, &st2);
	check(rc == 0 && st2 == P9_LOCK_BLOCKED,
	      "Tlock: a conflicting write lock from another connection is BLOCKED, at once: %s,"
	      " status %u",
	      rcs(rc), st2);
	lk.type = P9_LOCK_TYPE_RDLCK;
	lk.start = 25;
	lk.length = 1;
	rc = p9c_lock(c2, &lk, &st2);
	check(rc == 0 && st2 == P9_LOCK_BLOCKED,
	      "Tlock: a read lock inside the held range is BLOCKED: %s, status %u", rcs(rc), st2);
	lk.start = 30;
	lk.length = 5;
	rc = p9c_lock(c2, &lk, &st2);
	check_or_diod(
	    rc == 0 && st2 == P9_LOCK_SUCCESS, DIOD_LOCKS,
	    "Tlock: a read lock just past the held range (30..34) succeeds: %s, status %u", rcs(rc),
	    st2);

	/* Tgetlock from connection 2 describes connection 1's lock. */
	gl.fid = f2;
	gl.type = P9_LOCK_TYPE_WRLCK;
	gl.start = 0;
	gl.length = 0;
	gl.proc_id = 222;
	gl.client_id = (struct p9_str){"waiter", 6};
	memset(&out, 0, sizeof(out));
	rc = p9c_getlock(c2, &gl, &out, cid, sizeof(cid));
	check_or_diod(
	    rc == 0 && out.type == P9_LOCK_TYPE_WRLCK && out.start == 10 && out.length == 20,
	    DIOD_LOCKS,
	    "Tgetlock: reports the holder's write lock on 10..29: %s, type %u start %llu"
	    " length %llu",
	    rcs(rc), out.type, (unsigned long long)out.start, (unsigned long long)out.length);
	note("Rgetlock proc_id %u client_id \"%s\" (open-file-description locks have no"
	     " owner pid)",
	     out.proc_id, cid);
	gl.start = 40;
	gl.length = 10;
	rc = p9c_getlock(c2, &gl, &out, cid, sizeof(cid));
	check_or_diod(rc == 0 && out.type == P9_LOCK_TYPE_UNLCK, DIOD_LOCKS,
		      "Tgetlock: a range nobody else holds (40..49) answers UNLCK: %s, type %u",
		      rcs(rc), out.type);

	/* Released by connection 1: connection 2 gets it. */
	lk.fid = f1;
	lk.type = P9_LOCK_TYPE_UNLCK;
	lk.start = 0;
	lk.length = 0;
	lk.flags = 0;
	rc = p9c_lock(pt_c, &lk, &st1);
	lk.fid = f2;
	lk.type = P9_LOCK_TYPE_WRLCK;
	if (rc == 0)
		rc = p9c_lock(c2, &lk, &st2);
	check(rc == 0 && st1 == P9_LOCK_SUCCESS && st2 == P9_LOCK_SUCCESS,
	      "Tlock: after the holder unlocks, the other connection's write lock succeeds: %s,"
	      " status %u",
	      rcs(rc), st2);
	/* ... and now connection 1 is the one refused. */
	lk.fid = f1;
	rc = p9c_lock(pt_c, &lk, &st1);
	check(rc == 0 && st1 == P9_LOCK_BLOCKED,
	      "Tlock: and the first connection is now BLOCKED: %s, status %u", rcs(rc), st1);
out:
	release_fid(pt_c, f1);
	if (c2) {
		release_fid(c2, f2);
		release_fid(c2, root2);
		p9c_close(c2);
	}
}

/* a and b within slack of each other. */
static bool near(uint64_t a, uint64_t b, uint64_t slack)
{
	return a > b ? a - b <= slack : b - a <= slack;
}

static void statfs_values(void)
{
	struct p9_rstatfs r = {0};
	struct statfs sf;
	uint64_t fsid, slack;
	int rc, hrc;

	rc = p9c_statfs(pt_c, pt_root0, &r);
	hrc = statfs(pt.export, &sf);
	if (rc || hrc) {
		check(false, "Tstatfs: %s; statfs(2) of the export: %s", rcs(rc),
		      hrc ? strerror(errno) : "ok");
		return;
	}
	fsid = (uint64_t)(uint32_t)sf.f_fsid.__val[0] | (uint64_t)(uint32_t)sf.f_fsid.__val[1]
							    << 32;
	check_or_diod(r.type == (uint32_t)sf.f_type && r.bsize == (uint32_t)sf.f_bsize &&
			  r.blocks == sf.f_blocks && r.files == sf.f_files &&
			  r.namelen == (uint32_t)sf.f_namelen,
		      "diod 1.0.24 reports V9FS_MAGIC as the type",
		      "Tstatfs: type 0x%x bsize %u blocks %llu files %llu namelen %u = statfs(2)'s"
		      " 0x%lx %ld %llu %llu %ld",
		      r.type, r.bsize, (unsigned long long)r.blocks, (unsigned long long)r.files,
		      r.namelen, (unsigned long)sf.f_type, (long)sf.f_bsize,
		      (unsigned long long)sf.f_blocks, (unsigned long long)sf.f_files,
		      (long)sf.f_namelen);
	check_or_diod(r.fsid == fsid, "diod 1.0.24 reports its own fsid",
		      "Tstatfs: fsid 0x%llx = statfs(2)'s 0x%llx", (unsigned long long)r.fsid,
		      (unsigned long long)fsid);
	/* Free counts move with whatever else uses the file system: 1% slack. */
	slack = sf.f_blocks / 100 + 16;
	check(near(r.bfree, sf.f_bfree, slack) && near(r.bavail, sf.f_bavail, slack) &&
		  near(r.ffree, sf.f_ffree, sf.f_files / 100 + 16) && r.bavail <= r.bfree,
	      "Tstatfs: bfree %llu bavail %llu ffree %llu near statfs(2)'s %llu %llu %llu",
	      (unsigned long long)r.bfree, (unsigned long long)r.bavail,
	      (unsigned long long)r.ffree, (unsigned long long)sf.f_bfree,
	      (unsigned long long)sf.f_bavail, (unsigned long long)sf.f_ffree);
}

/* Does fid (an opened directory) list `name`? */
static bool lists(uint32_t fid, const char *name)
{
	static uint8_t buf[8192];
	struct p9c_dir d;
	struct p9_dirent e;

	p9c_dir_init(&d, pt_c, fid, buf, sizeof(buf), 0);
	while (p9c_dir_next(&d, &e) == 1)
		if (e.name.len == strlen(name) && !memcmp(e.name.s, name, e.name.len))
			return true;
	return false;
}

static void walk_from_open(void)
{
	uint32_t dfid, cfid = P9_NOFID, nfid = P9_NOFID, bad;
	struct p9_qid dq, cq = {0}, qs[2];
	struct p9_rgetattr ga;
	struct stat st;
	const char *names[] = {"sub", "leaf"};
	const char *missing[] = {"nothere"};
	int rc;

	if (mkdir(hpath("pv/od"), 0755) < 0 || mkdir(hpath("pv/od/sub"), 0755) < 0 ||
	    host_write_file(hpath("pv/od/sub/leaf"), "leaf", 0644, 0, 0) < 0) {
		check(false, "host: prepare pv/od/sub/leaf: %s", strerror(errno));
		return;
	}
	dfid = walk_new(pt_c, pt_root0, "pv/od", &rc);
	if (dfid == P9_NOFID || (rc = p9c_lopen(pt_c, dfid, P9_DOTL_RDONLY, &dq, NULL))) {
		check(false, "open pv/od: %s", rcs(rc));
		release_fid(pt_c, dfid);
		return;
	}

	/* Clone walk (no names) of the open directory fid. */
	cfid = p9c_fid_get(pt_c);
	rc = p9c_walk(pt_c, dfid, cfid, 0, NULL, NULL);
	if (rc == 0)
		rc = p9c_getattr(pt_c, cfid, P9_GETATTR_BASIC, &ga);
	if (rc == 0)
		cq = ga.qid;
	check(rc == 0 && cq.path == dq.path && (cq.type & P9_QTDIR),
	      "walk from an open fid: a clone of the open directory has its qid: %s", rcs(rc));
	if (rc == 0) {
		/* The clone is a fid of its own: it can be opened and read. */
		rc = p9c_lopen(pt_c, cfid, P9_DOTL_RDONLY, NULL, NULL);
		check(rc == 0 && lists(cfid, "sub"),
		      "walk from an open fid: the clone opens and lists the directory: %s",
		      rcs(rc));
		release_fid(pt_c, cfid);
	} else {
		p9c_fid_put(pt_c, cfid);
	}

	/* A walk with names from the open directory fid. */
	nfid = p9c_fid_get(pt_c);
	rc = p9c_walk(pt_c, dfid, nfid, 2, names, qs);
	lstat(hpath("pv/od/sub/leaf"), &st);
	check(rc == 2 && qs[1].path == (uint64_t)st.st_ino && qs[1].type == P9_QTFILE,
	      "walk from an open fid: sub/leaf gives 2 qids, the last the host inode %llu (%s)",
	      (unsigned long long)st.st_ino, rc < 0 ? rcs(rc) : "");
	if (rc == 2) {
		char data[8] = {0};
		long n;

		rc = p9c_lopen(pt_c, nfid, P9_DOTL_RDONLY, NULL, NULL);
		n = rc ? rc : p9c_read(pt_c, nfid, 0, data, sizeof(data) - 1);
		check(n == 4 && !strcmp(data, "leaf"),
		      "walk from an open fid: the walked file opens and reads \"%s\"", data);
		release_fid(pt_c, nfid);
	} else {
		p9c_fid_put(pt_c, nfid);
	}

	/* A failing first name: Rlerror, no new fid. */
	bad = p9c_fid_get(pt_c);
	rc = p9c_walk(pt_c, dfid, bad, 1, missing, NULL);
	check(rc == -ENOENT, "walk from an open fid: a missing name is ENOENT: %s", rcs(rc));
	if (rc >= 1)
		release_fid(pt_c, bad);
	else
		p9c_fid_put(pt_c, bad);

	/* The open fid itself still reads its directory. */
	check(lists(dfid, "sub"), "walk from an open fid: the open fid still lists its directory");
	release_fid(pt_c, dfid);
}

void test_proto(void)
{
	if (mkdir(hpath("pv"), 0755) < 0) {
		check(false, "host: mkdir pv: %s", strerror(errno));
		return;
	}
	qid_version();
	iounit();
	locks();
	statfs_values();
	walk_from_open();
}
