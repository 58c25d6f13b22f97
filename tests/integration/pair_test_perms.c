/*
 * pair_test_perms.c - area "permissions": who decides permissions
 * (--permissions guest|host, p9guard only).
 *
 * On the host: perm/ (root 0755) holding secret (root 0600), grp/file
 * (group PT_GID_GUEST_ONLY, 0640: a group the host has no member for, as a
 * group that exists only in the guest), grpw/ (that group's, 0770) and mine
 * (uid PT_UID_USER's).  Uid PT_UID_USER, who is in no such group on the host,
 * reads, creates and chgrps.  Under guest (the default) the client's kernel
 * has checked already, so everything succeeds and new files still belong
 * to the request's uid and gid (through the id maps when given); under host
 * the host kernel refuses (EACCES, EPERM for the chgrp).  Under both: a
 * device node only for uid 0, --readonly still EROFS.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pair_test.h"

#define PT_GID_GUEST_ONLY 4730u	/* a group no host account is in */

/* The host id a guest id lands on (pair_test_models.c's "shifted" maps). */
static uint32_t host_uid(uint32_t u)
{
	return pt.idmap == 1 ? 100000 + u : u;
}

static uint32_t host_gid(uint32_t g)
{
	return pt.idmap == 1 ? 200000 + g : g;
}

static bool prepare(void)
{
	if ((mkdir(hpath("perm"), 0755) < 0 && errno != EEXIST) ||
	    host_write_file(hpath("perm/secret"), "secret", 0600, 0, 0) < 0 ||
	    (mkdir(hpath("perm/grp"), 0755) < 0 && errno != EEXIST) ||
	    (mkdir(hpath("perm/grpw"), 0770) < 0 && errno != EEXIST) ||
	    chown(hpath("perm/grpw"), 0, host_gid(PT_GID_GUEST_ONLY)) < 0 ||
	    chmod(hpath("perm/grpw"), 0770) < 0 ||
	    host_write_file(hpath("perm/grp/file"), "group", 0640, 0,
			    host_gid(PT_GID_GUEST_ONLY)) < 0 ||
	    host_write_file(hpath("perm/mine"), "mine", 0644, host_uid(PT_UID_USER),
			    host_gid(PT_GID_USER)) < 0) {
		check(false, "host: prepare perm/: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Open path read-only as uid PT_UID_USER and read it: 0 or -errno. */
static int read_as_user(const char *path, char *buf, size_t size)
{
	uint32_t fid;
	ssize_t n;
	int rc;

	fid = walk_new(pt_c, pt_root1, path, &rc);
	if (fid == P9_NOFID)
		return rc;
	rc = p9c_lopen(pt_c, fid, 0 /* O_RDONLY */, NULL, NULL);
	if (rc == 0) {
		n = p9c_read(pt_c, fid, 0, buf, size - 1);
		rc = n < 0 ? (int)n : 0;
		buf[n > 0 ? n : 0] = '\0';
	}
	release_fid(pt_c, fid);
	return rc;
}

/* Create dir/name as uid PT_UID_USER with gid: 0 or -errno. */
static int create_as_user(const char *dir, const char *name, uint32_t gid)
{
	uint32_t fid;
	int rc;

	fid = walk_new(pt_c, pt_root1, dir, &rc);
	if (fid == P9_NOFID)
		return rc;
	rc = p9c_lcreate(pt_c, fid, name, 0101 /* O_WRONLY|O_EXCL */, 0640, gid, NULL, NULL);
	release_fid(pt_c, fid);
	return rc;
}

static const char *who(void)
{
	return pt.guest_perms ? "--permissions guest" : "--permissions host";
}

void test_permissions(void)
{
	char buf[64];
	struct stat st;
	uint32_t fid;
	int rc, expect;

	if (!pt.p9guard) {
		skip("permissions: p9guard's --permissions only");
		return;
	}
	if (!prepare())
		return;
	expect = pt.guest_perms ? 0 : -EACCES;

	rc = read_as_user("perm/secret", buf, sizeof(buf));
	check(rc == expect && (rc || !strcmp(buf, "secret")),
	      "%s: uid %u reads a root 0600 file: %s (want %s)", who(), PT_UID_USER, rcs(rc),
	      rcs(expect));
	rc = read_as_user("perm/grp/file", buf, sizeof(buf));
	check(rc == expect && (rc || !strcmp(buf, "group")),
	      "%s: uid %u reads a file of a guest-only group (0640): %s (want %s)", who(),
	      PT_UID_USER, rcs(rc), rcs(expect));

	/* Creates: EROFS first on a read-only export, whoever decides. */
	expect = pt.readonly ? -EROFS : pt.guest_perms ? 0 : -EACCES;
	rc = create_as_user("perm", "new", PT_GID_USER);
	check(rc == expect, "%s: uid %u creates in a root 0755 directory: %s (want %s)", who(),
	      PT_UID_USER, rcs(rc), rcs(expect));
	if (rc == 0) {
		memset(&st, 0, sizeof(st));
		lstat(hpath("perm/new"), &st);
		check(st.st_uid == host_uid(PT_UID_USER) && st.st_gid == host_gid(PT_GID_USER),
		      "%s: the new file belongs to %u:%u on the host (the request's ids%s): "
		      "%u:%u",
		      who(), host_uid(PT_UID_USER), host_gid(PT_GID_USER),
		      pt.idmap ? ", mapped" : "", (unsigned)st.st_uid, (unsigned)st.st_gid);
		unlink(hpath("perm/new"));
	}
	/* (A create names its own gid, which is the fsgid under either
	 * setting, as under QEMU's passthrough: ask for the user's own.) */
	rc = create_as_user("perm/grpw", "new", PT_GID_USER);
	check(rc == expect,
	      "%s: uid %u creates in a 0770 directory of a guest-only group: %s (want %s)", who(),
	      PT_UID_USER, rcs(rc), rcs(expect));
	unlink(hpath("perm/grpw/new"));

	/* chgrp of one's own file to a group the host does not know one in. */
	expect = pt.readonly ? -EROFS : pt.guest_perms ? 0 : -EPERM;
	fid = walk_new(pt_c, pt_root1, "perm/mine", &rc);
	if (fid != P9_NOFID) {
		struct p9_tsetattr sa = { .valid = P9_SETATTR_GID, .gid = PT_GID_GUEST_ONLY };

		rc = p9c_setattr(pt_c, fid, &sa);
		memset(&st, 0, sizeof(st));
		lstat(hpath("perm/mine"), &st);
		check(rc == expect &&
			      st.st_gid == (rc ? host_gid(PT_GID_USER) : host_gid(PT_GID_GUEST_ONLY)),
		      "%s: uid %u chgrps its file to a guest-only group: %s (want %s), host gid "
		      "%u",
		      who(), PT_UID_USER, rcs(rc), rcs(expect), (unsigned)st.st_gid);
		release_fid(pt_c, fid);
	} else {
		check(false, "walk perm/mine as uid %u: %s", PT_UID_USER, rcs(rc));
	}

	/* A device node: only for uid 0, whoever decides the rest. */
	if (pt.devices && !pt.readonly) {
		fid = walk_new(pt_c, pt_root1, "perm/grpw", &rc);
		rc = p9c_mknod(pt_c, fid, "dev", S_IFCHR | 0666, 1, 3, PT_GID_USER, NULL);
		check(rc == -EPERM && lstat(hpath("perm/grpw/dev"), &st) < 0,
		      "%s: uid %u may not make a device node (--allow-devices is for uid 0): %s",
		      who(), PT_UID_USER, rcs(rc));
		release_fid(pt_c, fid);
		unlink(hpath("perm/grpw/dev"));
	}
}
