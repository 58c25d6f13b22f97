/*
 * pair_test_meta.c - Tsetattr (chmod, chown, utimes with nanoseconds and
 * UTIME_NOW/OMIT, truncate) with its EPERM/EACCES cases, setgid
 * directories, and extended attributes in every namespace a client uses.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pair_test.h"

static bool host_stat(const char *rel, struct stat *st)
{
	if (lstat(hpath("%s", rel), st) == 0)
		return true;
	memset(st, 0, sizeof(*st));
	return false;
}

static int setattr(uint32_t fid, uint32_t valid, const struct p9_tsetattr *in)
{
	struct p9_tsetattr sa = *in;

	sa.valid = valid;
	return p9c_setattr(pt_c, fid, &sa);
}

static bool ts_is(struct timespec t, uint64_t sec, uint64_t nsec)
{
	return (uint64_t)t.tv_sec == sec && (uint64_t)t.tv_nsec == nsec;
}

void test_setattr(void)
{
	struct p9_tsetattr sa = { 0 };
	struct timespec t0, t1;
	uint32_t ufid, rfid, u0fid;
	struct stat st;
	int rc;

	if (mkdir(hpath("m"), 0755) < 0 ||
	    host_write_file(hpath("m/user"), "0123456789abcdef", 0644, PT_UID_USER,
			    PT_GID_USER) < 0 ||
	    host_write_file(hpath("m/rootfile"), "root", 0644, 0, 0) < 0) {
		check(false, "host: prepare m/user and m/rootfile: %s", strerror(errno));
		return;
	}
	ufid = walk_new(pt_c, pt_root1, "m/user", &rc);
	rfid = walk_new(pt_c, pt_root1, "m/rootfile", &rc);
	u0fid = walk_new(pt_c, pt_root0, "m/user", &rc);
	if (ufid == P9_NOFID || rfid == P9_NOFID || u0fid == P9_NOFID) {
		check(false, "walk to m/user and m/rootfile: %s", rcs(rc));
		goto out;
	}

	/* ---- uid 1000 on its own file ---- */
	sa.mode = 0604;
	rc = setattr(ufid, P9_SETATTR_MODE, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && st.st_mode == (S_IFREG | 0604),
	      "uid 1000: chmod 0604 of its own file: %s; host mode 0%o", rcs(rc), st.st_mode);

	sa.atime_sec = 1000000000;
	sa.atime_nsec = 123456789;
	sa.mtime_sec = 1200000000;
	sa.mtime_nsec = 987654321;
	rc = setattr(ufid, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME |
			   P9_SETATTR_MTIME_SET, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && ts_is(st.st_atim, 1000000000, 123456789) &&
		      ts_is(st.st_mtim, 1200000000, 987654321),
	      "uid 1000: utimes with nanoseconds: %s; host atime %lld.%09ld mtime %lld.%09ld",
	      rcs(rc), (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	      (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);

	/* MTIME without MTIME_SET is UTIME_NOW; no ATIME bit is UTIME_OMIT. */
	clock_gettime(CLOCK_REALTIME, &t0);
	rc = setattr(ufid, P9_SETATTR_MTIME, &sa);
	clock_gettime(CLOCK_REALTIME, &t1);
	host_stat("m/user", &st);
	check(rc == 0 && st.st_mtim.tv_sec >= t0.tv_sec - 1 && st.st_mtim.tv_sec <= t1.tv_sec &&
		      ts_is(st.st_atim, 1000000000, 123456789),
	      "uid 1000: MTIME without MTIME_SET sets now, atime omitted: %s; host mtime %lld "
	      "(now %lld), atime %lld.%09ld",
	      rcs(rc), (long long)st.st_mtim.tv_sec, (long long)t1.tv_sec,
	      (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
	t0 = st.st_mtim;

	sa.atime_sec = 1100000000;
	sa.atime_nsec = 5;
	rc = setattr(ufid, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && ts_is(st.st_atim, 1100000000, 5) &&
		      ts_is(st.st_mtim, (uint64_t)t0.tv_sec, (uint64_t)t0.tv_nsec),
	      "uid 1000: ATIME|ATIME_SET alone sets atime, mtime omitted: %s; host atime "
	      "%lld.%09ld",
	      rcs(rc), (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);

	sa.size = 4;
	rc = setattr(ufid, P9_SETATTR_SIZE, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && st.st_size == 4, "uid 1000: truncate to 4 bytes: %s; host size %lld",
	      rcs(rc), (long long)st.st_size);

	sa.uid = 0;
	rc = setattr(ufid, P9_SETATTR_UID, &sa);
	host_stat("m/user", &st);
	check_or_diod(rc == -EPERM && st.st_uid == PT_UID_USER,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: chown of its own file to uid 0 gives EPERM: %s; host uid %u", rcs(rc),
	      st.st_uid);
	sa.gid = 0;
	rc = setattr(ufid, P9_SETATTR_GID, &sa);
	host_stat("m/user", &st);
	check_or_diod(rc == -EPERM && st.st_gid == PT_GID_USER,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: chgrp to a group it is not in (0) gives EPERM: %s; host gid %u", rcs(rc),
	      st.st_gid);
	sa.gid = PT_GID_USER;
	rc = setattr(ufid, P9_SETATTR_GID, &sa);
	check(rc == 0, "uid 1000: chgrp to its own group is allowed: %s", rcs(rc));

	/* ---- uid 1000 on a root-owned 0644 file ---- */
	sa.mode = 0666;
	rc = setattr(rfid, P9_SETATTR_MODE, &sa);
	host_stat("m/rootfile", &st);
	check_or_diod(rc == -EPERM && st.st_mode == (S_IFREG | 0644),
	      DIOD_KEEPS_CAPS,
	      "uid 1000: chmod of a root-owned file gives EPERM: %s; host mode 0%o", rcs(rc),
	      st.st_mode);
	sa.uid = PT_UID_USER;
	rc = setattr(rfid, P9_SETATTR_UID, &sa);
	host_stat("m/rootfile", &st);
	check_or_diod(rc == -EPERM && st.st_uid == 0,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: chown of a root-owned file to itself gives EPERM: %s; host uid %u",
	      rcs(rc), st.st_uid);
	sa.atime_sec = sa.mtime_sec = 1;
	rc = setattr(rfid, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME |
			   P9_SETATTR_MTIME_SET, &sa);
	host_stat("m/rootfile", &st);
	check_or_diod(rc == -EPERM && st.st_mtim.tv_sec != 1,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: explicit utimes on a root-owned file gives EPERM: %s", rcs(rc));
	rc = setattr(rfid, P9_SETATTR_ATIME | P9_SETATTR_MTIME, &sa);
	check_or_diod(rc == -EACCES,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: utimes to now on a root-owned 0644 file gives EACCES (no write "
	      "access): %s",
	      rcs(rc));
	sa.size = 0;
	rc = setattr(rfid, P9_SETATTR_SIZE, &sa);
	host_stat("m/rootfile", &st);
	check_or_diod(rc == -EACCES && st.st_size == 4,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: truncate of a root-owned 0644 file gives EACCES: %s; host size %lld",
	      rcs(rc), (long long)st.st_size);

	/* ---- root may ---- */
	sa.uid = 2000;
	sa.gid = 3000;
	rc = setattr(u0fid, P9_SETATTR_UID | P9_SETATTR_GID, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && st.st_uid == 2000 && st.st_gid == 3000,
	      "uid 0: chown to 2000:3000: %s; host %u:%u", rcs(rc), st.st_uid, st.st_gid);
	sa.mode = 04711;
	rc = setattr(u0fid, P9_SETATTR_MODE, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && st.st_mode == (S_IFREG | 04711),
	      "uid 0: chmod 04711 of another user's file: %s; host mode 0%o", rcs(rc),
	      st.st_mode);
	sa.atime_sec = 2000000000;
	sa.atime_nsec = 999999999;
	sa.mtime_sec = 1;
	sa.mtime_nsec = 1;
	rc = setattr(u0fid, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME |
			    P9_SETATTR_MTIME_SET, &sa);
	host_stat("m/user", &st);
	check(rc == 0 && ts_is(st.st_atim, 2000000000, 999999999) && ts_is(st.st_mtim, 1, 1),
	      "uid 0: utimes of another user's file: %s", rcs(rc));
out:
	release_fid(pt_c, ufid);
	release_fid(pt_c, rfid);
	release_fid(pt_c, u0fid);
}

/*
 * The frontend answers the Tgetattr that follows a Twalk with the
 * attributes the walk saw, unless something changed meanwhile: a change
 * through another fid between the two must show.
 */
void test_getattr_after_change(void)
{
	struct p9_tsetattr sa = { 0 };
	struct p9_rgetattr a;
	uint32_t wfid, cfid;
	int rc;

	if (host_write_file(hpath("m/fresh"), "abc", 0644, PT_UID_USER, PT_GID_USER) < 0) {
		check(false, "host: prepare m/fresh: %s", strerror(errno));
		return;
	}
	cfid = walk_new(pt_c, pt_root1, "m/fresh", &rc);
	wfid = walk_new(pt_c, pt_root1, "m/fresh", &rc);
	if (cfid == P9_NOFID || wfid == P9_NOFID) {
		check(false, "walk to m/fresh: %s", rcs(rc));
		goto out;
	}
	sa.mode = 0600;
	sa.size = 1;
	rc = setattr(cfid, P9_SETATTR_MODE | P9_SETATTR_SIZE, &sa);
	check(rc == 0, "chmod 0600 + truncate to 1 byte through another fid: %s", rcs(rc));
	rc = p9c_getattr(pt_c, wfid, P9_GETATTR_BASIC, &a);
	check(rc == 0 && a.mode == (S_IFREG | 0600) && a.size == 1,
	      "Tgetattr of a fid walked before the change sees it: %s; mode 0%o size %llu",
	      rcs(rc), a.mode, (unsigned long long)a.size);
	release_fid(pt_c, wfid);
	wfid = walk_new(pt_c, pt_root1, "m/fresh", &rc);
	rc = p9c_getattr(pt_c, wfid, P9_GETATTR_BASIC, &a);
	check(rc == 0 && a.mode == (S_IFREG | 0600) && a.size == 1,
	      "Tgetattr right after a new walk: %s; mode 0%o size %llu", rcs(rc), a.mode,
	      (unsigned long long)a.size);
out:
	release_fid(pt_c, wfid);
	release_fid(pt_c, cfid);
}

/*
 * A Twalk with no names shares the helper handle of its fid: each clone
 * must still behave as a fid of its own (one becomes a created file, the
 * others keep naming the directory, clunks in any order).
 */
void test_clone_walk(void)
{
	uint32_t dfid, c1, c2, ffid;
	struct p9_qid q;
	int rc;

	if (mkdir(hpath("m/cl"), 0777) < 0 || chmod(hpath("m/cl"), 0777) < 0) {
		check(false, "host: mkdir m/cl: %s", strerror(errno));
		return;
	}
	dfid = walk_new(pt_c, pt_root1, "m/cl", &rc);
	c1 = walk_new(pt_c, dfid, "", &rc);
	c2 = walk_new(pt_c, c1, "", &rc);
	check(dfid != P9_NOFID && c1 != P9_NOFID && c2 != P9_NOFID, "clone a fid twice: %s",
	      rcs(rc));
	if (dfid == P9_NOFID || c1 == P9_NOFID || c2 == P9_NOFID)
		goto out;
	rc = p9c_lcreate(pt_c, c1, "f", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0644,
			 PT_GID_USER, &q, NULL);
	check(rc == 0 && q.type == P9_QTFILE, "Tlcreate through the first clone: %s", rcs(rc));
	release_fid(pt_c, dfid);
	dfid = P9_NOFID;
	ffid = walk_new(pt_c, c2, "f", &rc);
	check(ffid != P9_NOFID,
	      "the second clone still names the directory after the first became a file and the "
	      "original was clunked: walk to f: %s",
	      rcs(rc));
	release_fid(pt_c, ffid);
out:
	release_fid(pt_c, c2);
	release_fid(pt_c, c1);
	release_fid(pt_c, dfid);
}

void test_setgid_dir(void)
{
	struct stat st;
	uint32_t dfid, fid;
	int rc;

	/* Owned by uid 1000 (so it may write) but group PT_GID_SETGID, which
	 * uid 1000 is not in: only the setgid bit gives a new entry that gid. */
	if (mkdir(hpath("m/sg"), 0755) < 0 ||
	    chown(hpath("m/sg"), PT_UID_USER, PT_GID_SETGID) < 0 ||
	    chmod(hpath("m/sg"), 02775) < 0) {
		check(false, "host: make m/sg 02775 %u:%u: %s", PT_UID_USER, PT_GID_SETGID,
		      strerror(errno));
		return;
	}
	dfid = walk_new(pt_c, pt_root1, "m/sg", &rc);
	fid = walk_new(pt_c, pt_root1, "m/sg", &rc);
	/* The Linux client sends the directory's gid for a setgid directory. */
	rc = p9c_lcreate(pt_c, fid, "f", P9_DOTL_WRONLY | P9_DOTL_CREATE, 0644, PT_GID_SETGID,
			 NULL, NULL);
	host_stat("m/sg/f", &st);
	check(rc == 0 && st.st_uid == PT_UID_USER && st.st_gid == PT_GID_SETGID &&
		      st.st_mode == (S_IFREG | 0644),
	      "setgid dir: uid 1000 creates a file with gid %u: %s; host %u:%u mode 0%o",
	      PT_GID_SETGID, rcs(rc), st.st_uid, st.st_gid, st.st_mode);
	release_fid(pt_c, fid);
	rc = p9c_mkdir(pt_c, dfid, "d", 0755, PT_GID_SETGID, NULL);
	host_stat("m/sg/d", &st);
	check(rc == 0 && st.st_uid == PT_UID_USER && st.st_gid == PT_GID_SETGID &&
		      st.st_mode == (S_IFDIR | 02755),
	      "setgid dir: a subdirectory (mode 0755 asked) inherits the setgid bit and gid: "
	      "%s; host %u:%u mode 0%o",
	      rcs(rc), st.st_uid, st.st_gid, st.st_mode);
	release_fid(pt_c, dfid);
}

/* ---- xattrs ---- */

static void xattr_user(void)
{
	char buf[256];
	uint32_t fid, rfid;
	ssize_t n;
	int rc;

	fid = walk_new(pt_c, pt_root1, "m/xu", &rc);
	rc = p9c_xattr_set(pt_c, fid, "user.p9test", "value-1", 7, 0);
	n = getxattr(hpath("m/xu"), "user.p9test", buf, sizeof(buf));
	check(rc == 0 && n == 7 && !memcmp(buf, "value-1", 7),
	      "uid 1000: set user.p9test on its own file: %s; host getxattr %zd bytes", rcs(rc),
	      n);
	n = p9c_xattr_get(pt_c, fid, "user.p9test", buf, sizeof(buf));
	check(n == 7 && !memcmp(buf, "value-1", 7), "uid 1000: get user.p9test: %s", rcs(n));
	n = p9c_xattr_get(pt_c, fid, "user.p9test", NULL, 0);
	check(n == 7, "uid 1000: size query of user.p9test: %s", rcs(n));
	n = p9c_xattr_list(pt_c, fid, buf, sizeof(buf));
	check(n > 0 && memmem(buf, (size_t)n, "user.p9test", 12),
	      "uid 1000: list includes user.p9test: %s", rcs(n));
	rc = p9c_xattr_set(pt_c, fid, "user.p9test", "x", 1, XATTR_CREATE);
	check(rc == -EEXIST, "uid 1000: XATTR_CREATE of an existing name gives EEXIST: %s",
	      rcs(rc));
	rc = p9c_xattr_set(pt_c, fid, "user.p9test", "value-two", 9, XATTR_REPLACE);
	n = getxattr(hpath("m/xu"), "user.p9test", buf, sizeof(buf));
	check(rc == 0 && n == 9 && !memcmp(buf, "value-two", 9),
	      "uid 1000: XATTR_REPLACE: %s; host has the new value", rcs(rc));
	rc = p9c_xattr_set(pt_c, fid, "user.absent", "x", 1, XATTR_REPLACE);
	check(rc == -ENODATA, "uid 1000: XATTR_REPLACE of a missing name gives ENODATA: %s",
	      rcs(rc));
	rc = p9c_xattr_remove(pt_c, fid, "user.p9test");
	n = getxattr(hpath("m/xu"), "user.p9test", buf, sizeof(buf));
	check(rc == 0 && n < 0 && errno == ENODATA,
	      "uid 1000: remove user.p9test: %s; host getxattr gives ENODATA", rcs(rc));
	n = p9c_xattr_get(pt_c, fid, "user.p9test", buf, sizeof(buf));
	check(n == -ENODATA, "get of a missing xattr gives ENODATA: %s", rcs(n));
	rc = p9c_xattr_remove(pt_c, fid, "user.p9test");
	check(rc == -ENODATA, "remove of a missing xattr gives ENODATA: %s", rcs(rc));
	release_fid(pt_c, fid);

	rfid = walk_new(pt_c, pt_root1, "m/rootfile", &rc);
	rc = p9c_xattr_set(pt_c, rfid, "user.p9test", "x", 1, 0);
	n = getxattr(hpath("m/rootfile"), "user.p9test", buf, sizeof(buf));
	check_or_diod(rc == -EACCES && n < 0,
		      DIOD_KEEPS_CAPS,
		      "uid 1000: set user.* on a root-owned 0644 file gives EACCES: %s", rcs(rc));
	release_fid(pt_c, rfid);
}

/*
 * trusted.* and security.* (other than what an LSM handles) need
 * CAP_SYS_ADMIN to write, and trusted.* also to read; p9guard's helper
 * only keeps it when asked (--trusted).
 */
static void xattr_privileged(const char *name, bool readable_without_cap)
{
	bool can_write = !pt.p9guard || pt.trusted;
	char buf[256], host_name[64];
	uint32_t fid;
	ssize_t n;
	int rc;

	fid = walk_new(pt_c, pt_root0, "m/tr", &rc);
	rc = p9c_xattr_set(pt_c, fid, name, "t-value", 7, 0);
	n = getxattr(hpath("m/tr"), name, buf, sizeof(buf));
	if (can_write) {
		check(rc == 0 && n == 7 && !memcmp(buf, "t-value", 7),
		      "uid 0: set %s: %s; host getxattr %s", name, rcs(rc), rcs(n));
		n = p9c_xattr_get(pt_c, fid, name, buf, sizeof(buf));
		check(n == 7 && !memcmp(buf, "t-value", 7), "uid 0: get %s: %s", name, rcs(n));
		n = p9c_xattr_list(pt_c, fid, buf, sizeof(buf));
		check(n > 0 && memmem(buf, (size_t)n, name, strlen(name) + 1),
		      "uid 0: list includes %s: %s", name, rcs(n));
		rc = p9c_xattr_remove(pt_c, fid, name);
		n = getxattr(hpath("m/tr"), name, buf, sizeof(buf));
		check(rc == 0 && n < 0 && errno == ENODATA, "uid 0: remove %s: %s", name, rcs(rc));
	} else {
		check((rc == -EPERM || rc == -EOPNOTSUPP) && n < 0,
		      "uid 0: set %s refused (EPERM or EOPNOTSUPP), as designed: the helper "
		      "keeps no CAP_SYS_ADMIN unless started with --trusted-xattrs: %s",
		      name, rcs(rc));
	}

	/* A value put there on the host. */
	snprintf(host_name, sizeof(host_name), "%s-host", name);
	if (setxattr(hpath("m/tr"), host_name, "from-host", 9, 0) < 0) {
		check(false, "host: setxattr %s: %s", host_name, strerror(errno));
	} else if (can_write || readable_without_cap) {
		n = p9c_xattr_get(pt_c, fid, host_name, buf, sizeof(buf));
		check(n == 9 && !memcmp(buf, "from-host", 9), "uid 0: get host-set %s: %s",
		      host_name, rcs(n));
		n = p9c_xattr_list(pt_c, fid, buf, sizeof(buf));
		check(n > 0 && memmem(buf, (size_t)n, host_name, strlen(host_name) + 1),
		      "uid 0: list includes host-set %s: %s", host_name, rcs(n));
	} else {
		n = p9c_xattr_get(pt_c, fid, host_name, buf, sizeof(buf));
		check(n == -ENODATA,
		      "uid 0: host-set %s is hidden (ENODATA) without CAP_SYS_ADMIN, as the "
		      "kernel does for trusted.*: %s",
		      host_name, rcs(n));
	}
	release_fid(pt_c, fid);

	/* Never for a guest uid other than 0, even on its own file, and
	 * whether or not the helper holds CAP_SYS_ADMIN. */
	fid = walk_new(pt_c, pt_root1, "m/xu", &rc);
	rc = p9c_xattr_set(pt_c, fid, name, "u-value", 7, 0);
	n = getxattr(hpath("m/xu"), name, buf, sizeof(buf));
	check_or_diod((rc == -EPERM || rc == -EOPNOTSUPP) && n < 0, DIOD_KEEPS_CAPS,
		      "uid 1000: set %s on its own file refused (EPERM): %s", name, rcs(rc));
	release_fid(pt_c, fid);
	if (!readable_without_cap) {
		fid = walk_new(pt_c, pt_root1, "m/tr", &rc);
		n = p9c_xattr_get(pt_c, fid, host_name, buf, sizeof(buf));
		check_or_diod(n == -ENODATA, DIOD_KEEPS_CAPS,
			      "uid 1000: host-set %s is hidden (ENODATA): %s", host_name, rcs(n));
		rc = p9c_xattr_remove(pt_c, fid, host_name);
		check_or_diod(rc == -EPERM || rc == -EOPNOTSUPP, DIOD_KEEPS_CAPS,
			      "uid 1000: remove %s refused (EPERM): %s", host_name, rcs(rc));
		release_fid(pt_c, fid);
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* POSIX ACL xattr: le32 version 2, then entries tag[2] perm[2] id[4]. */
static size_t build_acl(uint8_t *b)
{
	static const struct { uint16_t tag, perm; uint32_t id; } e[] = {
		{ 0x01, 6, ~0u },	/* ACL_USER_OBJ rw- */
		{ 0x02, 4, 2000 },	/* ACL_USER 2000 r-- */
		{ 0x04, 4, ~0u },	/* ACL_GROUP_OBJ r-- */
		{ 0x10, 4, ~0u },	/* ACL_MASK r-- */
		{ 0x20, 0, ~0u },	/* ACL_OTHER --- */
	};
	size_t i, n = 4;

	put32(b, 2);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++, n += 8) {
		put16(b + n, e[i].tag);
		put16(b + n + 2, e[i].perm);
		put32(b + n + 4, e[i].id);
	}
	return n;
}

static void xattr_acl(void)
{
	uint8_t acl[64], buf[256];
	size_t len = build_acl(acl);
	struct stat st;
	uint32_t fid;
	ssize_t n;
	int rc;

	fid = walk_new(pt_c, pt_root1, "m/acl", &rc);
	rc = p9c_xattr_set(pt_c, fid, "system.posix_acl_access", acl, len, 0);
	n = getxattr(hpath("m/acl"), "system.posix_acl_access", buf, sizeof(buf));
	host_stat("m/acl", &st);
	check(rc == 0 && n == (ssize_t)len && !memcmp(buf, acl, len) &&
		      st.st_mode == (S_IFREG | 0640),
	      "uid 1000: set system.posix_acl_access (user 2000 r--, mask r--): %s; host "
	      "getxattr %s, same bytes %s, mode 0%o (want 0100640)",
	      rcs(rc), rcs(n), n == (ssize_t)len && !memcmp(buf, acl, len) ? "yes" : "no",
	      st.st_mode);
	n = p9c_xattr_get(pt_c, fid, "system.posix_acl_access", buf, sizeof(buf));
	check(n == (ssize_t)len && !memcmp(buf, acl, len),
	      "uid 1000: get system.posix_acl_access gives the same ACL: %s", rcs(n));
	n = p9c_xattr_list(pt_c, fid, buf, sizeof(buf));
	check(n > 0 && memmem(buf, (size_t)n, "system.posix_acl_access", 24),
	      "uid 1000: list includes system.posix_acl_access: %s", rcs(n));
	rc = p9c_xattr_remove(pt_c, fid, "system.posix_acl_access");
	n = getxattr(hpath("m/acl"), "system.posix_acl_access", buf, sizeof(buf));
	check(rc == 0 && n < 0 && errno == ENODATA,
	      "uid 1000: remove system.posix_acl_access: %s; host %s", rcs(rc),
	      n < 0 ? strerrorname_np(errno) : "still has it");
	release_fid(pt_c, fid);

	fid = walk_new(pt_c, pt_root1, "m/rootfile", &rc);
	rc = p9c_xattr_set(pt_c, fid, "system.posix_acl_access", acl, len, 0);
	n = getxattr(hpath("m/rootfile"), "system.posix_acl_access", buf, sizeof(buf));
	check_or_diod(rc == -EPERM && n < 0,
	      DIOD_KEEPS_CAPS,
	      "uid 1000: set an ACL on a root-owned file gives EPERM: %s", rcs(rc));
	release_fid(pt_c, fid);
}

void test_xattr(void)
{
	if ((mkdir(hpath("m"), 0755) < 0 && errno != EEXIST) ||
	    host_write_file(hpath("m/xu"), "x", 0644, PT_UID_USER, PT_GID_USER) < 0 ||
	    host_write_file(hpath("m/acl"), "x", 0644, PT_UID_USER, PT_GID_USER) < 0 ||
	    host_write_file(hpath("m/tr"), "x", 0644, 0, 0) < 0 ||
	    host_write_file(hpath("m/rootfile"), "root", 0644, 0, 0) < 0) {
		check(false, "host: prepare m/xu, m/acl, m/tr, m/rootfile: %s", strerror(errno));
		return;
	}
	xattr_user();
	xattr_privileged("trusted.p9test", false);
	/* No LSM claims security.p9test: the capability rules apply (the
	 * kernel lets anyone read security.*). */
	xattr_privileged("security.p9test", true);
	xattr_acl();
}
