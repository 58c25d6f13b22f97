/*
 * pair_test_create.c - create-type operations as uid 0 and as an ordinary
 * uid: the host sees exactly the attaching uid, the gid sent in the
 * request and the requested mode (no umask of the server's own).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pair_test.h"

struct who {
	const char *name;	/* for the messages */
	uint32_t uid, gid;	/* attach uid, gid sent with each create */
	uint32_t rootfid;	/* its attach */
	const char *dir;	/* its directory in the export */
};

/* lstat dir/name and compare type+mode, uid and gid; describes what it saw. */
static bool host_is(const struct who *w, const char *name, mode_t mode, char *what, size_t sz)
{
	const char *p = hpath("%s/%s", w->dir, name);
	struct stat st;

	if (lstat(p, &st) < 0) {
		snprintf(what, sz, "host lstat %s: %s", p, strerror(errno));
		return false;
	}
	snprintf(what, sz, "host: mode 0%o uid %u gid %u (want 0%o %u %u)", st.st_mode,
		 st.st_uid, st.st_gid, mode, w->uid, w->gid);
	return st.st_mode == mode && st.st_uid == w->uid && st.st_gid == w->gid;
}

static void create_as(const struct who *w)
{
	struct p9_rgetattr a;
	struct p9_qid qid = { 0 };
	char what[256], target[64];
	uint32_t dfid, fid;
	struct stat st;
	uint32_t mode;
	bool ok;
	int rc;

	dfid = walk_new(pt_c, w->rootfid, w->dir, &rc);
	if (dfid == P9_NOFID) {
		check(false, "%s: walk to %s: %s", w->name, w->dir, rcs(rc));
		return;
	}

	/* Tlcreate mode 0666: no umask may turn it into 0644. */
	fid = walk_new(pt_c, dfid, "", &rc);
	rc = p9c_lcreate(pt_c, fid, "file", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0666,
			 w->gid, &qid, NULL);
	ok = host_is(w, "file", S_IFREG | 0666, what, sizeof(what));
	check(rc == 0 && ok && qid.type == P9_QTFILE,
	      "%s: Tlcreate file mode 0666 gid %u: %s; %s", w->name, w->gid, rcs(rc), what);
	rc = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &a);
	check(rc == 0 && a.mode == (S_IFREG | 0666) && a.uid == w->uid && a.gid == w->gid,
	      "%s: Tgetattr of the new file: %s, mode 0%o uid %u gid %u", w->name, rcs(rc),
	      a.mode, a.uid, a.gid);
	release_fid(pt_c, fid);

	fid = walk_new(pt_c, dfid, "", &rc);
	rc = p9c_lcreate(pt_c, fid, "file", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0666,
			 w->gid, NULL, NULL);
	check(rc == -EEXIST, "%s: Tlcreate O_EXCL of an existing name gives EEXIST: %s", w->name,
	      rcs(rc));
	release_fid(pt_c, fid);

	/* The gid is the client's choice, even one the host does not list for
	 * this uid (the guest's own groups): 4244 for both. */
	fid = walk_new(pt_c, dfid, "", &rc);
	rc = p9c_lcreate(pt_c, fid, "gid4244", P9_DOTL_WRONLY | P9_DOTL_CREATE, 0640, 4244, NULL,
			 NULL);
	memset(&st, 0, sizeof(st));
	lstat(hpath("%s/gid4244", w->dir), &st);
	check(rc == 0 && st.st_uid == w->uid && st.st_gid == 4244,
	      "%s: Tlcreate with gid 4244 gives exactly that gid: %s; host %u:%u", w->name, rcs(rc),
	      st.st_uid, st.st_gid);
	release_fid(pt_c, fid);

	/* Special bits are kept too: 04755 (02755 for the user, in its own group). */
	fid = walk_new(pt_c, dfid, "", &rc);
	mode = w->uid ? 02750 : 04755;
	rc = p9c_lcreate(pt_c, fid, "special", P9_DOTL_WRONLY | P9_DOTL_CREATE, mode, w->gid, NULL,
			 NULL);
	ok = host_is(w, "special", S_IFREG | mode, what, sizeof(what));
	check(rc == 0 && ok, "%s: Tlcreate mode 0%o: %s; %s", w->name, mode, rcs(rc), what);
	release_fid(pt_c, fid);

	rc = p9c_mkdir(pt_c, dfid, "dir", 0777, w->gid, &qid);
	ok = host_is(w, "dir", S_IFDIR | 0777, what, sizeof(what));
	check(rc == 0 && ok && (qid.type & P9_QTDIR), "%s: Tmkdir dir mode 0777: %s; %s", w->name,
	      rcs(rc), what);

	rc = p9c_symlink(pt_c, dfid, "sym", "file", w->gid, &qid);
	ok = host_is(w, "sym", S_IFLNK | 0777, what, sizeof(what));
	memset(target, 0, sizeof(target));
	if (readlink(hpath("%s/sym", w->dir), target, sizeof(target) - 1) < 0)
		target[0] = '\0';
	check(rc == 0 && ok && !strcmp(target, "file") && (qid.type & P9_QTSYMLINK),
	      "%s: Tsymlink sym -> file: %s; %s, target \"%s\"", w->name, rcs(rc), what, target);

	rc = p9c_mknod(pt_c, dfid, "fifo", S_IFIFO | 0666, 0, 0, w->gid, NULL);
	ok = host_is(w, "fifo", S_IFIFO | 0666, what, sizeof(what));
	check(rc == 0 && ok, "%s: Tmknod fifo mode 0666: %s; %s", w->name, rcs(rc), what);

	/* A character device: only uid 0, and only when the server allows it. */
	rc = p9c_mknod(pt_c, dfid, "null", S_IFCHR | 0620, 1, 3, w->gid, NULL);
	if (w->uid == 0 && pt.devices) {
		ok = host_is(w, "null", S_IFCHR | 0620, what, sizeof(what));
		ok = ok && lstat(hpath("%s/null", w->dir), &st) == 0 &&
		     st.st_rdev == makedev(1, 3);
		check(rc == 0 && ok, "%s: Tmknod char device 1,3 mode 0620: %s; %s, rdev %u,%u",
		      w->name, rcs(rc), what, major(st.st_rdev), minor(st.st_rdev));
	} else {
		ok = lstat(hpath("%s/null", w->dir), &st) < 0 && errno == ENOENT;
		check(rc == -EPERM && ok,
		      "%s: Tmknod char device refused with EPERM (%s): %s; host: %s", w->name,
		      w->uid ? "no CAP_MKNOD for an ordinary uid"
			     : "server started without devices",
		      rcs(rc), ok ? "nothing created" : "an entry exists");
	}
	release_fid(pt_c, dfid);
}

void test_create(void)
{
	const struct who as_root = { "uid 0", 0, PT_GID_ROOT_REQ, pt_root0, "c0" };
	const struct who as_user = { "uid 1000", PT_UID_USER, PT_GID_USER, pt_root1, "c1" };
	struct stat st;
	int rc;

	if (mkdir(hpath("c0"), 0755) < 0 || mkdir(hpath("c1"), 0755) < 0 ||
	    chown(hpath("c1"), PT_UID_USER, PT_GID_USER) < 0) {
		check(false, "host: make c0 and c1 (owned by %u): %s", PT_UID_USER,
		      strerror(errno));
		return;
	}
	create_as(&as_root);
	create_as(&as_user);

	/* An ordinary uid in a root-owned 0755 directory: the kernel says no. */
	rc = p9c_mkdir(pt_c, pt_root1, "denied", 0755, PT_GID_USER, NULL);
	check_or_diod(rc == -EACCES && lstat(hpath("denied"), &st) < 0,
		      DIOD_KEEPS_CAPS,
		      "uid 1000: Tmkdir in the root-owned 0755 export root gives EACCES: %s",
		      rcs(rc));
}
