/*
 * pair_test_models.c - export modes beyond passthrough: --readonly.
 *
 * The tree is made on the host (the test runs as root), then every
 * operation that would change it is tried through 9P as uid 0 and as an
 * ordinary uid: each must fail with EROFS, and the host must show nothing
 * changed.  Reads, lookups, getattr, readdir, readlink, statfs and xattr
 * reads must keep working.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "pair_test.h"

#define RO_DIR "ro"
#define RO_TEXT "read me, do not change me"

/* The names in a host directory, sorted and joined by spaces, into out. */
static const char *host_listing(const char *dir, char *out, size_t len)
{
	struct dirent **ents;
	size_t off = 0;
	int n = scandir(dir, &ents, NULL, alphasort);

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (off < len)
			off += (size_t)snprintf(out + off, len - off, "%s ", ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return out;
}

/* One refused change: rc must be -EROFS. */
/*
 * Walk two new fids from the attach root to `dir` (the directory, and one
 * to create in).  false, after a failed check under `who`, if either walk
 * failed (then neither fid is kept).
 */
static bool walk_two(const char *who, const char *dir, uint32_t *d, uint32_t *f)
{
	int rc;

	*d = walk_new(pt_c, pt_root1, dir, &rc);
	*f = walk_new(pt_c, pt_root1, dir, &rc);
	if (*d != P9_NOFID && *f != P9_NOFID)
		return true;
	check(false, "%s: walk to %s: %s", who, dir, rcs(rc));
	release_fid(pt_c, *d);
	release_fid(pt_c, *f);
	return false;
}

static void expect_erofs(int rc, const char *who, const char *what)
{
	check(rc == -EROFS, "readonly: %s as %s: %s (want EROFS)", what, who, rcs(rc));
}

/* Every modifying operation from `root` (attached as `who`). */
static void try_changes(uint32_t root, const char *who)
{
	static const uint32_t opens[] = {P9_DOTL_WRONLY, P9_DOTL_RDWR,
					 P9_DOTL_RDONLY | P9_DOTL_TRUNC};
	static const char *const open_names[] = {"open O_WRONLY", "open O_RDWR",
						 "open O_RDONLY|O_TRUNC"};
	struct p9_tsetattr sa;
	uint32_t dir, file, f;
	char buf[64];
	ssize_t n;
	int rc;

	dir = walk_new(pt_c, root, RO_DIR, &rc);
	file = walk_new(pt_c, root, RO_DIR "/file", &rc);
	if (dir == P9_NOFID || file == P9_NOFID) {
		check(false, "readonly: walk to " RO_DIR "/file as %s: %s", who, rcs(rc));
		release_fid(pt_c, dir);
		release_fid(pt_c, file);
		return;
	}
	/* What still works. */
	f = walk_new(pt_c, file, "", &rc);
	rc = f == P9_NOFID ? rc : p9c_lopen(pt_c, f, P9_DOTL_RDONLY, NULL, NULL);
	n = rc ? rc : p9c_read(pt_c, f, 0, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	check(n == (ssize_t)strlen(RO_TEXT) && strcmp(buf, RO_TEXT) == 0,
	      "readonly: open O_RDONLY and read as %s: %zd bytes \"%s\"", who, n, buf);
	release_fid(pt_c, f);
	n = p9c_xattr_get(pt_c, file, "user.keep", buf, sizeof(buf) - 1);
	check(n == 4 && memcmp(buf, "kept", 4) == 0, "readonly: xattr get as %s: %s", who,
	      rcs(n < 0 ? n : 0));

	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		f = walk_new(pt_c, file, "", &rc);
		if (f != P9_NOFID)
			rc = p9c_lopen(pt_c, f, opens[i], NULL, NULL);
		expect_erofs(rc, who, open_names[i]);
		release_fid(pt_c, f);
	}
	f = walk_new(pt_c, dir, "", &rc);
	if (f != P9_NOFID)
		rc =
		    p9c_lcreate(pt_c, f, "new", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0, NULL, NULL);
	expect_erofs(rc, who, "lcreate");
	release_fid(pt_c, f);
	expect_erofs(p9c_mkdir(pt_c, dir, "newdir", 0755, 0, NULL), who, "mkdir");
	expect_erofs(p9c_symlink(pt_c, dir, "newlink", "file", 0, NULL), who, "symlink");
	expect_erofs(p9c_mknod(pt_c, dir, "fifo", S_IFIFO | 0644, 0, 0, 0, NULL), who,
		     "mknod of a FIFO");
	expect_erofs(p9c_link(pt_c, dir, file, "hardlink"), who, "link");
	expect_erofs(p9c_renameat(pt_c, dir, "file", dir, "moved"), who, "renameat");
	expect_erofs(p9c_rename(pt_c, file, dir, "moved"), who, "rename");
	expect_erofs(p9c_unlinkat(pt_c, dir, "file", 0), who, "unlinkat");
	expect_erofs(p9c_unlinkat(pt_c, dir, "sub", P9_AT_REMOVEDIR), who, "unlinkat a directory");

	memset(&sa, 0, sizeof(sa));
	sa.valid = P9_SETATTR_MODE;
	sa.mode = 0600;
	expect_erofs(p9c_setattr(pt_c, file, &sa), who, "chmod");
	sa.valid = P9_SETATTR_UID | P9_SETATTR_GID;
	sa.uid = PT_UID_USER;
	sa.gid = PT_GID_USER;
	expect_erofs(p9c_setattr(pt_c, file, &sa), who, "chown");
	sa.valid = P9_SETATTR_SIZE;
	sa.size = 0;
	expect_erofs(p9c_setattr(pt_c, file, &sa), who, "truncate");
	sa.valid = P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	sa.mtime_sec = 12345;
	expect_erofs(p9c_setattr(pt_c, file, &sa), who, "utimes");
	expect_erofs(p9c_xattr_set(pt_c, file, "user.new", "v", 1, 0), who, "xattr set");
	expect_erofs(p9c_xattr_remove(pt_c, file, "user.keep"), who, "xattr remove");

	f = walk_new(pt_c, dir, "file", &rc);
	if (f != P9_NOFID) {
		rc = p9c_remove(pt_c, f); /* the fid is gone either way */
		p9c_fid_put(pt_c, f);
	}
	expect_erofs(rc, who, "remove");
	release_fid(pt_c, file);
	release_fid(pt_c, dir);
}

void test_readonly(void)
{
	char before[512], after[512], text[64], target[64];
	struct p9_rstatfs sf;
	struct stat st0, st1;
	uint32_t f;
	int rc;

	if (!pt.readonly) {
		skip(
		    "readonly: the server was not started with --readonly (run.sh's third run is)");
		return;
	}
	if (mkdir(hpath(RO_DIR), 0755) < 0 || mkdir(hpath(RO_DIR "/sub"), 0755) < 0 ||
	    host_write_file(hpath(RO_DIR "/file"), RO_TEXT, 0666, PT_UID_USER, PT_GID_USER) < 0 ||
	    symlink("file", hpath(RO_DIR "/link")) < 0 ||
	    lsetxattr(hpath(RO_DIR "/file"), "user.keep", "kept", 4, 0) < 0) {
		check(false, "readonly: cannot make the tree on the host: %s", strerror(errno));
		return;
	}
	host_listing(hpath(RO_DIR), before, sizeof(before));
	lstat(hpath(RO_DIR "/file"), &st0);

	try_changes(pt_root0, "uid 0");
	try_changes(pt_root1, "uid 1000");

	f = walk_new(pt_c, pt_root1, RO_DIR "/link", &rc);
	rc = f == P9_NOFID ? rc : p9c_readlink(pt_c, f, target, sizeof(target));
	check(rc == 4 && strcmp(target, "file") == 0, "readonly: readlink: %s",
	      rcs(rc < 0 ? rc : 0));
	rc = f == P9_NOFID ? rc : p9c_statfs(pt_c, f, &sf);
	check(rc == 0, "readonly: statfs: %s", rcs(rc));
	release_fid(pt_c, f);

	/* The host saw nothing change. */
	host_listing(hpath(RO_DIR), after, sizeof(after));
	check(strcmp(before, after) == 0, "readonly: host directory unchanged: [%s] -> [%s]",
	      before, after);
	lstat(hpath(RO_DIR "/file"), &st1);
	host_read_file(hpath(RO_DIR "/file"), text, sizeof(text));
	check(st1.st_mode == st0.st_mode && st1.st_uid == st0.st_uid && st1.st_gid == st0.st_gid &&
		  st1.st_size == st0.st_size && st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
		  st1.st_ctim.tv_sec == st0.st_ctim.tv_sec &&
		  st1.st_ctim.tv_nsec == st0.st_ctim.tv_nsec && strcmp(text, RO_TEXT) == 0,
	      "readonly: host file unchanged: mode %o->%o owner %u:%u->%u:%u size %lld->%lld, "
	      "ctime kept, content \"%s\"",
	      st0.st_mode, st1.st_mode, st0.st_uid, st0.st_gid, st1.st_uid, st1.st_gid,
	      (long long)st0.st_size, (long long)st1.st_size, text);
	check(lgetxattr(hpath(RO_DIR "/file"), "user.keep", text, sizeof(text)) == 4 &&
		  lgetxattr(hpath(RO_DIR "/file"), "user.new", text, sizeof(text)) < 0,
	      "readonly: host xattrs unchanged (user.keep kept, no user.new)");
}

/* ---- --uid-map / --gid-map ---- */

#define IM_DIR "idmap"
#define IM_UNMAPPED 3000u /* a guest uid and gid outside both maps */

/*
 * The two maps run.sh starts p9guard with (pt.idmap):
 *   1 "shifted": --uid-map 0:100000:2000 --gid-map 0:200000:5000
 *      guest root is host uid 100000, with no privilege at all;
 *   2 "rootkept": --uid-map 0:0:1 --uid-map 1:100001:1999
 *      --gid-map 0:0:1 --gid-map 1:200001:4999
 *      --unmapped-uid 65533 --unmapped-gid 65533
 *      guest root stays host root, so it can chown (to mapped ids).
 */
static uint32_t im_uid(uint32_t guest)
{
	if (guest >= 2000)
		return pt.idmap == 1 ? 65534 : 65533;
	return pt.idmap == 2 && guest == 0 ? 0 : 100000 + guest;
}

static uint32_t im_gid(uint32_t guest)
{
	if (guest >= 5000)
		return pt.idmap == 1 ? 65534 : 65533;
	return pt.idmap == 2 && guest == 0 ? 0 : 200000 + guest;
}

/* Tgetattr of a fid; uid/gid into *u, *g. */
static int im_getattr(uint32_t fid, uint32_t *u, uint32_t *g)
{
	struct p9_rgetattr a;
	int rc = p9c_getattr(pt_c, fid, P9_GETATTR_BASIC, &a);

	*u = rc ? 0xdead : a.uid;
	*g = rc ? 0xdead : a.gid;
	return rc;
}

/* Create `name` in IM_DIR as `root`'s uid with gid, and check both sides. */
static void im_create(uint32_t root, uint32_t guid, uint32_t ggid, const char *name)
{
	uint32_t f, u, g;
	struct stat st;
	int rc;

	f = walk_new(pt_c, root, IM_DIR "/pub", &rc);
	if (f == P9_NOFID) {
		check(false, "idmap: walk to " IM_DIR "/pub as guest %u: %s", guid, rcs(rc));
		return;
	}
	rc = p9c_lcreate(pt_c, f, name, P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0644, ggid,
			 NULL, NULL);
	if (rc) {
		check(false, "idmap: lcreate %s as guest %u:%u: %s", name, guid, ggid, rcs(rc));
		release_fid(pt_c, f);
		return;
	}
	rc = lstat(hpath(IM_DIR "/pub/%s", name), &st);
	check(rc == 0 && st.st_uid == im_uid(guid) && st.st_gid == im_gid(ggid),
	      "idmap: file created by guest %u:%u is host %u:%u (want %u:%u)", guid, ggid,
	      rc ? 0 : st.st_uid, rc ? 0 : st.st_gid, im_uid(guid), im_gid(ggid));
	/* The open fid: served by the frontend's fstat, mapped there. */
	rc = im_getattr(f, &u, &g);
	check(rc == 0 && u == (guid < 2000 ? guid : 65534) && g == (ggid < 5000 ? ggid : 65534),
	      "idmap: getattr of the open fid of %s shows %u:%u (%s)", name, u, g, rcs(rc));
	release_fid(pt_c, f);
}

/* getattr by handle (the helper's path) of a host file owned by hu:hg. */
static void im_shows(const char *rel, uint32_t hu, uint32_t hg, uint32_t wu, uint32_t wg)
{
	char path[128];
	uint32_t f, u = 0xdead, g = 0xdead;
	int rc;

	snprintf(path, sizeof(path), IM_DIR "/%s", rel);
	if (host_write_file(hpath("%s", path), "x", 0644, hu, hg) < 0) {
		check(false, "idmap: cannot make %s on the host", path);
		return;
	}
	f = walk_new(pt_c, pt_root1, path, &rc);
	if (f != P9_NOFID)
		rc = im_getattr(f, &u, &g);
	check(rc == 0 && u == wu && g == wg,
	      "idmap: host owner %u:%u shows as guest %u:%u (%s; want %u:%u)", hu, hg, u, g,
	      rcs(rc), wu, wg);
	release_fid(pt_c, f);
}

/* A POSIX ACL xattr value: owner rw, `user` r, group r, mask r, other r. */
static size_t im_acl(uint8_t *b, uint32_t user)
{
	static const uint16_t tags[] = {0x01, 0x02, 0x04, 0x10, 0x20};
	static const uint16_t perms[] = {6, 4, 4, 4, 4};
	size_t off = 4;

	memset(b, 0, 4);
	b[0] = 2; /* version */
	for (size_t i = 0; i < 5; i++, off += 8) {
		uint32_t id = tags[i] == 0x02 ? user : 0xffffffffu;

		b[off] = (uint8_t)tags[i];
		b[off + 1] = 0;
		b[off + 2] = (uint8_t)perms[i];
		b[off + 3] = 0;
		for (int k = 0; k < 4; k++)
			b[off + 4 + k] = (uint8_t)(id >> (8 * k));
	}
	return off;
}

static uint32_t acl_user_of(const uint8_t *b, size_t len)
{
	for (size_t off = 4; off + 8 <= len; off += 8)
		if (b[off] == 0x02)
			return (uint32_t)b[off + 4] | (uint32_t)b[off + 5] << 8 |
			       (uint32_t)b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;
	return 0xdead;
}

/* Guest root keeps host root (map "rootkept"): chown and ACLs translate. */
static void im_rootkept(void)
{
	struct p9_tsetattr sa = {0};
	uint8_t acl[64], got[64];
	uint32_t f, u, g;
	struct stat st;
	ssize_t n;
	size_t len;
	int rc;

	f = walk_new(pt_c, pt_root0, IM_DIR "/pub/by-user", &rc);
	if (f == P9_NOFID) {
		check(false, "idmap: walk to by-user: %s", rcs(rc));
		return;
	}
	sa.valid = P9_SETATTR_UID | P9_SETATTR_GID;
	sa.uid = 1005;
	sa.gid = 1006;
	rc = p9c_setattr(pt_c, f, &sa);
	lstat(hpath(IM_DIR "/pub/by-user"), &st);
	im_getattr(f, &u, &g);
	check(rc == 0 && st.st_uid == im_uid(1005) && st.st_gid == im_gid(1006) && u == 1005 &&
		  g == 1006,
	      "idmap: guest root chowns to guest 1005:1006: %s, host %u:%u (want %u:%u), "
	      "getattr %u:%u",
	      rcs(rc), st.st_uid, st.st_gid, im_uid(1005), im_gid(1006), u, g);
	sa.uid = IM_UNMAPPED;
	sa.gid = 6000;
	rc = p9c_setattr(pt_c, f, &sa);
	lstat(hpath(IM_DIR "/pub/by-user"), &st);
	check(rc == 0 && st.st_uid == 65533 && st.st_gid == 65533,
	      "idmap: chown to unmapped guest %u:6000 gives the --unmapped ids: %s, host %u:%u",
	      IM_UNMAPPED, rcs(rc), st.st_uid, st.st_gid);

	len = im_acl(acl, 1000);
	rc = p9c_xattr_set(pt_c, f, "system.posix_acl_access", acl, len, 0);
	n = lgetxattr(hpath(IM_DIR "/pub/by-user"), "system.posix_acl_access", got, sizeof(got));
	check(rc == 0 && n > 0 && acl_user_of(got, (size_t)n) == im_uid(1000),
	      "idmap: an ACL naming guest user 1000 names host uid %u on the host: %s, host %u",
	      im_uid(1000), rcs(rc), n > 0 ? acl_user_of(got, (size_t)n) : 0);
	n = p9c_xattr_get(pt_c, f, "system.posix_acl_access", got, sizeof(got));
	check(n > 0 && acl_user_of(got, (size_t)n) == 1000,
	      "idmap: reading the ACL back names guest user 1000: %u (%s)",
	      n > 0 ? acl_user_of(got, (size_t)n) : 0, rcs(n < 0 ? n : 0));
	len = im_acl(acl, IM_UNMAPPED);
	rc = p9c_xattr_set(pt_c, f, "system.posix_acl_access", acl, len, 0);
	check(rc == -EINVAL, "idmap: an ACL naming unmapped guest user %u: %s (want EINVAL)",
	      IM_UNMAPPED, rcs(rc));
	release_fid(pt_c, f);
}

/* Guest root is an unprivileged host uid (map "shifted"). */
static void im_shifted(void)
{
	struct p9_tsetattr sa = {0};
	struct stat st0, st1;
	uint32_t f;
	int rc;

	lstat(hpath(IM_DIR "/pub/by-user"), &st0);
	f = walk_new(pt_c, pt_root0, IM_DIR "/pub/by-user", &rc);
	sa.valid = P9_SETATTR_UID;
	sa.uid = 0;
	if (f != P9_NOFID)
		rc = p9c_setattr(pt_c, f, &sa);
	release_fid(pt_c, f);
	lstat(hpath(IM_DIR "/pub/by-user"), &st1);
	check(rc == -EPERM && st1.st_uid == st0.st_uid,
	      "idmap: guest root (host %u) cannot chown another's file: %s, host owner %u",
	      im_uid(0), rcs(rc), st1.st_uid);
	f = walk_new(pt_c, pt_root0, IM_DIR "/real1000", &rc);
	if (f != P9_NOFID)
		rc = p9c_lopen(pt_c, f, P9_DOTL_RDONLY, NULL, NULL);
	check(rc == -EACCES, "idmap: guest root cannot read a host file of mode 0600: %s", rcs(rc));
	release_fid(pt_c, f);
}

void test_idmap(void)
{
	uint32_t un;
	int rc;

	if (!pt.idmap) {
		skip("idmap: the server was not started with id maps (run.sh's id-map runs are)");
		return;
	}
	if (mkdir(hpath(IM_DIR), 0755) < 0 || mkdir(hpath(IM_DIR "/pub"), 0777) < 0 ||
	    chmod(hpath(IM_DIR "/pub"), 0777) < 0 ||
	    host_write_file(hpath(IM_DIR "/real1000"), "secret", 0600, 1000, 1000) < 0) {
		check(false, "idmap: cannot make the tree on the host: %s", strerror(errno));
		return;
	}
	im_create(pt_root0, 0, PT_GID_ROOT_REQ, "by-root");
	im_create(pt_root1, PT_UID_USER, PT_GID_USER, "by-user");
	un = pt_attach(pt_c, IM_UNMAPPED, NULL, &rc);
	check(rc == 0, "idmap: attach as unmapped guest uid %u: %s", IM_UNMAPPED, rcs(rc));
	if (un != P9_NOFID)
		im_create(un, IM_UNMAPPED, 6000, "by-unmapped");
	release_fid(pt_c, un);

	im_shows("host-mapped", im_uid(1005), im_gid(1005), 1005, 1005);
	im_shows("host-outside", 5555, 5555, 65534, 65534);
	im_shows("host-root", 0, 0, pt.idmap == 2 ? 0 : 65534, pt.idmap == 2 ? 0 : 65534);
	{
		uint32_t f = walk_new(pt_c, pt_root1, IM_DIR "/real1000", &rc);

		if (f != P9_NOFID)
			rc = p9c_lopen(pt_c, f, P9_DOTL_RDONLY, NULL, NULL);
		check(rc == -EACCES,
		      "idmap: guest 1000 (host %u) cannot read host uid 1000's mode 0600 file: %s",
		      im_uid(1000), rcs(rc));
		release_fid(pt_c, f);
	}
	if (pt.idmap == 1)
		im_shifted();
	else
		im_rootkept();
}

/* ---- --security-model none (alias squash) ---- */

#define NM_DIR "none"

/* Host owner of export/rel as "u:g", or the errno. */
static bool nm_owner(const char *rel, uid_t u, gid_t g, struct stat *st)
{
	return lstat(hpath(NM_DIR "/%s", rel), st) == 0 && st->st_uid == u && st->st_gid == g;
}

void test_model_none(void)
{
	const uid_t hu = pt.model == 2 ? PT_HELPER_USER : 0; /* the helper's own uid */
	struct p9_tsetattr sa = {0};
	struct stat st = {0};
	uint32_t d, f;
	bool good;
	int rc;

	if (!pt.model) {
		skip("model: the server was not started with --security-model none "
		     "(run.sh's model runs are)");
		return;
	}
	/* The tree belongs to the helper's user (as a share of QEMU's user
	 * would); one file is root's only. */
	if (mkdir(hpath(NM_DIR), 0755) < 0 || chown(hpath(NM_DIR), hu, hu) < 0 ||
	    host_write_file(hpath(NM_DIR "/private"), "secret", 0600, 0, 0) < 0) {
		check(false, "model: cannot make the tree on the host: %s", strerror(errno));
		return;
	}
	/* Create as guest 1000 with gid 1000: made by the helper, then the
	 * chown to 1000:1000 is tried (works for a root helper only). */
	if (!walk_two("model", NM_DIR, &d, &f))
		return;
	rc = p9c_lcreate(pt_c, f, "file", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0644,
			 PT_GID_USER, NULL, NULL);
	check(rc == 0, "model: lcreate as guest 1000: %s", rcs(rc));
	release_fid(pt_c, f);
	good = nm_owner("file", pt.model == 1 ? PT_UID_USER : hu, pt.model == 1 ? PT_GID_USER : hu,
			&st);
	check(good, "model: the new file is host %u:%u (%s)", st.st_uid, st.st_gid,
	      pt.model == 1 ? "created, then given to the client" : "the helper's; chown ignored");
	rc = p9c_mkdir(pt_c, d, "dir", 0750, PT_GID_USER, NULL);
	good = nm_owner("dir", pt.model == 1 ? PT_UID_USER : hu, pt.model == 1 ? PT_GID_USER : hu,
			&st);
	check(rc == 0 && good, "model: mkdir as guest 1000: %s, host %u:%u", rcs(rc), st.st_uid,
	      st.st_gid);
	rc = p9c_symlink(pt_c, d, "link", "file", PT_GID_USER, NULL);
	good = nm_owner("link", pt.model == 1 ? PT_UID_USER : hu, pt.model == 1 ? PT_GID_USER : hu,
			&st);
	check(rc == 0 && good, "model: symlink as guest 1000: %s, host %u:%u", rcs(rc), st.st_uid,
	      st.st_gid);

	/* A chown by guest root: done by a root helper, ignored by another. */
	f = walk_new(pt_c, pt_root0, NM_DIR "/file", &rc);
	sa.valid = P9_SETATTR_UID | P9_SETATTR_GID;
	sa.uid = 4711;
	sa.gid = 4712;
	rc = f == P9_NOFID ? rc : p9c_setattr(pt_c, f, &sa);
	good = nm_owner("file", pt.model == 1 ? 4711 : hu, pt.model == 1 ? 4712 : hu, &st);
	check(rc == 0 && good, "model: chown to 4711:4712 answers ok: %s; host %u:%u", rcs(rc),
	      st.st_uid, st.st_gid);
	sa.valid = P9_SETATTR_MODE;
	sa.mode = 0604;
	rc = f == P9_NOFID ? rc : p9c_setattr(pt_c, f, &sa);
	lstat(hpath(NM_DIR "/file"), &st);
	check(rc == 0 && (st.st_mode & 07777) == 0604, "model: chmod 0604: %s, host mode %o",
	      rcs(rc), st.st_mode & 07777);
	release_fid(pt_c, f);

	/* The host checks the helper's own user, not the client's. */
	f = walk_new(pt_c, pt_root1, NM_DIR "/private", &rc);
	rc = f == P9_NOFID ? rc : p9c_lopen(pt_c, f, P9_DOTL_RDONLY, NULL, NULL);
	if (pt.model == 1)
		check(rc == 0,
		      "model: guest 1000 opens root's mode 0600 file (a root helper "
		      "checks nothing; the guest's own checks are what protects it): %s",
		      rcs(rc));
	else
		check(rc == -EACCES,
		      "model: even guest root cannot open root's mode 0600 file (the helper is uid "
		      "%u): %s",
		      hu, rcs(rc));
	release_fid(pt_c, f);
	if (pt.model == 2) {
		f = walk_new(pt_c, pt_root0, "", &rc);
		rc = f == P9_NOFID ? rc : p9c_mkdir(pt_c, f, "nm-in-root", 0755, 0, NULL);
		check(rc == -EACCES,
		      "model: guest root cannot create in the root-owned export root: %s", rcs(rc));
		release_fid(pt_c, f);
	}
	release_fid(pt_c, d);
}

/* ---- --security-model mapped-xattr (QEMU's on-disk format) ---- */

#define MX_DIR "mx"

/* The raw bytes of a host xattr; its length or -1. */
static ssize_t mx_raw(const char *rel, const char *name, uint8_t *b, size_t n)
{
	return lgetxattr(hpath(MX_DIR "/%s", rel), name, b, n);
}

/* The xattr holds exactly these little-endian bytes of v (n = 4 or 8). */
static bool mx_is(const char *rel, const char *name, uint64_t v, size_t n)
{
	uint8_t b[16], want[8];

	for (size_t i = 0; i < n; i++)
		want[i] = (uint8_t)(v >> (8 * i));
	return mx_raw(rel, name, b, sizeof(b)) == (ssize_t)n && memcmp(b, want, n) == 0;
}

static int mx_host_set(const char *rel, const char *name, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return lsetxattr(hpath(MX_DIR "/%s", rel), name, b, n, 0);
}

/* Tgetattr of MX_DIR/rel walked from the root of uid 1000. */
static int mx_getattr(const char *rel, struct p9_rgetattr *a, struct p9_qid *q)
{
	char path[128];
	uint32_t f;
	int rc;

	snprintf(path, sizeof(path), MX_DIR "/%s", rel);
	f = p9c_fid_get(pt_c);
	rc = p9c_walk_path(pt_c, pt_root1, f, path, q);
	if (rc) {
		p9c_fid_put(pt_c, f);
		return rc;
	}
	rc = p9c_getattr(pt_c, f, P9_GETATTR_BASIC, a);
	release_fid(pt_c, f);
	return rc;
}

/* Files made through p9guard: the host side, byte by byte. */
static void mx_writes(void)
{
	struct p9_rgetattr a;
	struct p9_qid q;
	struct stat st;
	uint32_t d, f;
	char buf[64];
	int rc;

	if (!walk_two("mapped", MX_DIR, &d, &f))
		return;
	rc = p9c_lcreate(pt_c, f, "file", P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL, 0640,
			 PT_GID_USER, NULL, NULL);
	lstat(hpath(MX_DIR "/file"), &st);
	check(rc == 0 && st.st_mode == (S_IFREG | 0600) && st.st_uid == 0 && st.st_gid == 0,
	      "mapped: lcreate as 1000:1000 mode 0640: %s; host file mode %o owner %u:%u "
	      "(want 100600, the helper's 0:0)",
	      rcs(rc), st.st_mode, st.st_uid, st.st_gid);
	check(mx_is("file", "user.virtfs.uid", 1000, 4) &&
		  mx_is("file", "user.virtfs.gid", 1000, 4) &&
		  mx_is("file", "user.virtfs.mode", S_IFREG | 0640, 4) &&
		  mx_raw("file", "user.virtfs.rdev", (uint8_t *)buf, sizeof(buf)) < 0,
	      "mapped: user.virtfs.uid/gid = e8 03 00 00, mode = LE32 0100640, no rdev");
	rc = p9c_getattr(pt_c, f, P9_GETATTR_BASIC, &a); /* the open fid */
	check(rc == 0 && a.uid == 1000 && a.gid == 1000 && a.mode == (S_IFREG | 0640),
	      "mapped: getattr of the open fid: %s, %u:%u mode %o", rcs(rc), a.uid, a.gid, a.mode);
	release_fid(pt_c, f);

	rc = p9c_mkdir(pt_c, d, "dir", 0751, PT_GID_USER, NULL);
	lstat(hpath(MX_DIR "/dir"), &st);
	check(rc == 0 && st.st_mode == (S_IFDIR | 0700) &&
		  mx_is("dir", "user.virtfs.mode", S_IFDIR | 0751, 4),
	      "mapped: mkdir 0751: %s; host mode %o (--dmode 0700), stored mode 040751", rcs(rc),
	      st.st_mode);

	rc = p9c_symlink(pt_c, d, "link", "some/target", PT_GID_USER, &q);
	lstat(hpath(MX_DIR "/link"), &st);
	host_read_file(hpath(MX_DIR "/link"), buf, sizeof(buf));
	check(rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 &&
		  strcmp(buf, "some/target") == 0 &&
		  mx_is("link", "user.virtfs.mode", S_IFLNK | 0777, 4) && q.type == P9_QTSYMLINK,
	      "mapped: symlink: %s; host: a regular file %o holding \"%s\", stored mode "
	      "0120777, qid type %#x",
	      rcs(rc), st.st_mode, buf, q.type);
	f = walk_new(pt_c, d, "link", &rc);
	rc = f == P9_NOFID ? rc : p9c_readlink(pt_c, f, buf, sizeof(buf));
	check(rc > 0 && strcmp(buf, "some/target") == 0, "mapped: readlink: %s \"%s\"",
	      rcs(rc < 0 ? rc : 0), rc > 0 ? buf : "");
	release_fid(pt_c, f);

	rc = p9c_mknod(pt_c, d, "cdev", S_IFCHR | 0620, 4, 64, PT_GID_USER, NULL);
	lstat(hpath(MX_DIR "/cdev"), &st);
	check(rc == 0 && st.st_mode == (S_IFREG | 0600) && st.st_size == 0 &&
		  mx_is("cdev", "user.virtfs.mode", S_IFCHR | 0620, 4) &&
		  mx_is("cdev", "user.virtfs.rdev", makedev(4, 64), 8),
	      "mapped: mknod char 4:64 (no --allow-devices): %s; host: empty regular file %o, "
	      "stored mode 020620 and rdev LE64",
	      rcs(rc), st.st_mode);
	rc = mx_getattr("cdev", &a, NULL);
	check(rc == 0 && a.mode == (S_IFCHR | 0620) && a.rdev == makedev(4, 64),
	      "mapped: getattr of the node: %s, mode %o rdev %#llx", rcs(rc), a.mode,
	      (unsigned long long)a.rdev);
	rc = p9c_mknod(pt_c, d, "fifo", S_IFIFO | 0644, 0, 0, PT_GID_USER, NULL);
	lstat(hpath(MX_DIR "/fifo"), &st);
	check(rc == 0 && S_ISREG(st.st_mode) &&
		  mx_is("fifo", "user.virtfs.mode", S_IFIFO | 0644, 4),
	      "mapped: mknod FIFO: %s; host regular, stored 010644", rcs(rc));

	/* chown and chmod change metadata only. */
	f = walk_new(pt_c, d, "file", &rc);
	if (f != P9_NOFID) {
		struct p9_tsetattr sa = {0};

		sa.valid = P9_SETATTR_UID | P9_SETATTR_GID;
		sa.uid = 2000;
		sa.gid = 3000;
		rc = p9c_setattr(pt_c, f, &sa);
		sa.valid = P9_SETATTR_MODE;
		sa.mode = 04705; /* no type bits: the stored type stays */
		rc = rc ? rc : p9c_setattr(pt_c, f, &sa);
	}
	lstat(hpath(MX_DIR "/file"), &st);
	check(rc == 0 && st.st_uid == 0 && st.st_mode == (S_IFREG | 0600) &&
		  mx_is("file", "user.virtfs.uid", 2000, 4) &&
		  mx_is("file", "user.virtfs.gid", 3000, 4) &&
		  mx_is("file", "user.virtfs.mode", S_IFREG | 04705, 4),
	      "mapped: chown 2000:3000 and chmod 04705: %s; only the xattrs changed (host "
	      "%u, %o)",
	      rcs(rc), st.st_uid, st.st_mode);

	/* user.virtfs.* is not the guest's. */
	if (f != P9_NOFID) {
		char list[1024];
		ssize_t n = p9c_xattr_get(pt_c, f, "user.virtfs.uid", buf, sizeof(buf));
		bool leaked = false;

		check(n == -ENODATA, "mapped: reading user.virtfs.uid: %s (want ENODATA)",
		      rcs(n < 0 ? n : 0));
		rc = p9c_xattr_set(pt_c, f, "user.virtfs.uid", "\0\0\0\0", 4, 0);
		check(rc == -EACCES && mx_is("file", "user.virtfs.uid", 2000, 4),
		      "mapped: writing user.virtfs.uid: %s (want EACCES), unchanged", rcs(rc));
		rc = p9c_xattr_remove(pt_c, f, "user.virtfs.mode");
		check(rc == -EACCES && mx_is("file", "user.virtfs.mode", S_IFREG | 04705, 4),
		      "mapped: removing user.virtfs.mode: %s (want EACCES), kept", rcs(rc));
		rc = p9c_xattr_set(pt_c, f, "user.mine", "v", 1, 0);
		n = p9c_xattr_list(pt_c, f, list, sizeof(list));
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
			leaked |= strncmp(list + i, "user.virtfs.", 12) == 0;
		check(rc == 0 && n > 0 && !leaked && memmem(list, (size_t)n, "user.mine", 10),
		      "mapped: the list shows user.mine and no user.virtfs.* (%s)", rcs(rc));
		{
			uint8_t acl[44] = {2,	 0,    0,    0,	   0x01, 0,    6,    0,	   0xff,
					   0xff, 0xff, 0xff, 0x02, 0,	 4,    0,    0xe8, 0x03,
					   0,	 0,    0x04, 0,	   4,	 0,    0xff, 0xff, 0xff,
					   0xff, 0x10, 0,    4,	   0,	 0xff, 0xff, 0xff, 0xff,
					   0x20, 0,    4,    0,	   0xff, 0xff, 0xff, 0xff};
			uint8_t got[64];

			rc = p9c_xattr_set(pt_c, f, "system.posix_acl_access", acl, sizeof(acl), 0);
			n = p9c_xattr_get(pt_c, f, "system.posix_acl_access", got, sizeof(got));
			check(rc == 0 && n == (ssize_t)sizeof(acl) &&
				  mx_raw("file", "user.virtfs.system.posix_acl_access", got,
					 sizeof(got)) == (ssize_t)sizeof(acl) &&
				  mx_raw("file", "system.posix_acl_access", got, sizeof(got)) < 0,
			      "mapped: an ACL is kept in user.virtfs.system.posix_acl_access (as "
			      "QEMU), not on the host file: %s",
			      rcs(rc));
			n = p9c_xattr_list(pt_c, f, list, sizeof(list));
			check(n > 0 && memmem(list, (size_t)n, "system.posix_acl_access", 24),
			      "mapped: the list names it system.posix_acl_access");
		}
	}
	release_fid(pt_c, f);
	release_fid(pt_c, d);
}

/* Readdir types: a host regular file may be a stored symlink or node, so
 * it is DT_UNKNOWN; a directory stays DT_DIR. */
static void mx_readdir(void)
{
	static char buf[8192];
	struct p9_dirent de;
	struct p9c_dir dir;
	int rc, n = 0, unknown = 0, dirs = 0, other = 0;
	uint32_t d = walk_new(pt_c, pt_root1, MX_DIR, &rc);

	rc = d == P9_NOFID ? rc : p9c_lopen(pt_c, d, P9_DOTL_RDONLY, NULL, NULL);
	if (rc) {
		check(false, "mapped: readdir: open " MX_DIR ": %s", rcs(rc));
		release_fid(pt_c, d);
		return;
	}
	p9c_dir_init(&dir, pt_c, d, buf, sizeof(buf), 0);
	while ((rc = p9c_dir_next(&dir, &de)) > 0) {
		char name[64];

		if (p9_str_copy(name, sizeof(name), de.name) || !strcmp(name, ".") ||
		    !strcmp(name, ".."))
			continue;
		n++;
		if (!strcmp(name, "dir"))
			dirs += de.type == DT_DIR;
		else if (de.type == DT_UNKNOWN)
			unknown++;
		else
			other++;
	}
	check(rc == 0 && n == 5 && dirs == 1 && unknown == 4 && other == 0,
	      "mapped: readdir: %d entries, the directory DT_DIR (%d), %d DT_UNKNOWN, %d other",
	      n, dirs, unknown, other);
	release_fid(pt_c, d);
}

/* A share as QEMU's mapped-xattr wrote it (the bytes made here by hand). */
static void mx_reads_qemu(void)
{
	struct p9_rgetattr a;
	struct p9_qid q;
	char buf[64];
	uint32_t f;
	int rc, bad = 0;

	bad |= host_write_file(hpath(MX_DIR "/q-file"), "data", 0600, 0, 0);
	bad |= mx_host_set("q-file", "user.virtfs.uid", 1234, 4);
	bad |= mx_host_set("q-file", "user.virtfs.gid", 5678, 4);
	bad |= mx_host_set("q-file", "user.virtfs.mode", S_IFREG | 0751, 4);
	bad |= host_write_file(hpath(MX_DIR "/q-link"), "../dest", 0600, 0, 0);
	bad |= mx_host_set("q-link", "user.virtfs.mode", S_IFLNK | 0777, 4);
	bad |= host_write_file(hpath(MX_DIR "/q-blk"), "", 0600, 0, 0);
	bad |= mx_host_set("q-blk", "user.virtfs.mode", S_IFBLK | 0660, 4);
	bad |= mx_host_set("q-blk", "user.virtfs.rdev", makedev(8, 1), 8);
	bad |= host_write_file(hpath(MX_DIR "/q-plain"), "", 0644, 42, 43);
	bad |= host_write_file(hpath(MX_DIR "/q-short"), "", 0644, 0, 0);
	bad |= lsetxattr(hpath(MX_DIR "/q-short"), "user.virtfs.uid", "\x07\x00", 2, 0);
	if (bad) {
		check(false, "mapped: cannot make the QEMU-style files: %s", strerror(errno));
		return;
	}
	rc = mx_getattr("q-file", &a, NULL);
	check(rc == 0 && a.uid == 1234 && a.gid == 5678 && a.mode == (S_IFREG | 0751),
	      "mapped: a QEMU-written file reads as 1234:5678 mode 0100751: %s, %u:%u %o", rcs(rc),
	      a.uid, a.gid, a.mode);
	rc = mx_getattr("q-link", &a, &q);
	f = walk_new(pt_c, pt_root1, MX_DIR "/q-link", &rc);
	rc = f == P9_NOFID ? rc : p9c_readlink(pt_c, f, buf, sizeof(buf));
	release_fid(pt_c, f);
	check(rc > 0 && strcmp(buf, "../dest") == 0 && S_ISLNK(a.mode) && q.type == P9_QTSYMLINK,
	      "mapped: a QEMU-written symlink: mode %o, qid type %#x, target \"%s\"", a.mode,
	      q.type, rc > 0 ? buf : rcs(rc));
	rc = mx_getattr("q-blk", &a, NULL);
	check(rc == 0 && a.mode == (S_IFBLK | 0660) && a.rdev == makedev(8, 1),
	      "mapped: a QEMU-written block node: %s, mode %o rdev %#llx", rcs(rc), a.mode,
	      (unsigned long long)a.rdev);
	rc = mx_getattr("q-plain", &a, NULL);
	check(rc == 0 && a.uid == 42 && a.gid == 43 && a.mode == (S_IFREG | 0644),
	      "mapped: a file without metadata shows the host's 42:43 0644: %s", rcs(rc));
	rc = mx_getattr("q-short", &a, NULL);
	check(rc == 0 && a.uid == 0, "mapped: a 2-byte user.virtfs.uid is ignored: uid %u (%s)",
	      a.uid, rcs(rc));
}

/* A QEMU mapped-file share, imported by p9guard-import-mapped-file. */
static void mx_import(void)
{
	static const struct {
		const char *name, *meta;
	} metas[] = {
	    {"f", "virtfs.uid=1111\nvirtfs.gid=2222\nvirtfs.mode=33261\n"}, /* 0100755 */
	    {"l", "virtfs.uid=1111\nvirtfs.gid=2222\nvirtfs.mode=41471\n"}, /* 0120777 */
	    {"c", "virtfs.uid=0\nvirtfs.gid=5\nvirtfs.mode=8612\nvirtfs.rdev=1025\n"},
	    {"d", "virtfs.uid=3333\nvirtfs.gid=3334\nvirtfs.mode=16877\n"}, /* 040755 */
	    {"evil", "virtfs.uid=0\nvirtfs.mode=33261\n"},		    /* a host symlink */
	    {"gone", "virtfs.uid=7\n"},					    /* no such entry */
	};
	char cmd[1024], out[256], buf[64];
	struct p9_rgetattr a;
	struct stat st;
	FILE *p;
	int rc, bad = 0;

	if (!pt.import_tool) {
		skip("mapped: import: run.sh gave no --import-tool");
		return;
	}
	bad |= mkdir(hpath(MX_DIR "/imp"), 0700) < 0;
	bad |= mkdir(hpath(MX_DIR "/imp/.virtfs_metadata"), 0700) < 0;
	bad |= mkdir(hpath(MX_DIR "/imp/d"), 0700) < 0;
	bad |= host_write_file(hpath(MX_DIR "/imp/f"), "data", 0600, 0, 0) < 0;
	bad |= host_write_file(hpath(MX_DIR "/imp/l"), "target/x", 0600, 0, 0) < 0;
	bad |= host_write_file(hpath(MX_DIR "/imp/c"), "", 0600, 0, 0) < 0;
	bad |= host_write_file(hpath(MX_DIR "/imp-target"), "t", 0600, 0, 0) < 0;
	bad |= symlink("../imp-target", hpath(MX_DIR "/imp/evil")) < 0;
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++)
		bad |= host_write_file(hpath(MX_DIR "/imp/.virtfs_metadata/%s", metas[i].name),
				       metas[i].meta, 0600, 0, 0) < 0;
	if (bad) {
		check(false, "mapped: import: cannot make the mapped-file tree: %s",
		      strerror(errno));
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' --remove-metadata '%s' 2>/dev/null", pt.import_tool,
		 hpath(MX_DIR "/imp"));
	p = popen(cmd, "r");
	out[0] = '\0';
	if (p) {
		if (!fgets(out, sizeof(out), p))
			out[0] = '\0';
		rc = pclose(p);
	} else {
		rc = -1;
	}
	out[strcspn(out, "\n")] = '\0';
	check(rc == 0 && strcmp(out, "4 imported, 2 skipped, 0 failed") == 0,
	      "mapped: import: the tool says \"%s\" (status %d; want 4 imported, 2 skipped)", out,
	      rc);
	rc = mx_getattr("imp/f", &a, NULL);
	check(rc == 0 && a.uid == 1111 && a.gid == 2222 && a.mode == (S_IFREG | 0755),
	      "mapped: import: f reads as 1111:2222 0100755: %s, %u:%u %o", rcs(rc), a.uid, a.gid,
	      a.mode);
	rc = mx_getattr("imp/l", &a, NULL);
	{
		uint32_t f = walk_new(pt_c, pt_root1, MX_DIR "/imp/l", &rc);

		rc = f == P9_NOFID ? rc : p9c_readlink(pt_c, f, buf, sizeof(buf));
		release_fid(pt_c, f);
	}
	check(rc > 0 && S_ISLNK(a.mode) && strcmp(buf, "target/x") == 0,
	      "mapped: import: l is a symlink to \"%s\" (mode %o)", rc > 0 ? buf : rcs(rc), a.mode);
	rc = mx_getattr("imp/c", &a, NULL);
	check(rc == 0 && a.mode == (S_IFCHR | 0644) && a.rdev == makedev(4, 1) && a.gid == 5,
	      "mapped: import: c is char 4:1 mode 020644: %s, mode %o rdev %#llx", rcs(rc), a.mode,
	      (unsigned long long)a.rdev);
	rc = mx_getattr("imp/d", &a, NULL);
	check(rc == 0 && a.mode == (S_IFDIR | 0755) && a.uid == 3333,
	      "mapped: import: d is a directory 040755 of 3333: %s, mode %o uid %u", rcs(rc),
	      a.mode, a.uid);
	check(lgetxattr(hpath(MX_DIR "/imp-target"), "user.virtfs.uid", buf, sizeof(buf)) < 0 &&
		  lstat(hpath(MX_DIR "/imp/.virtfs_metadata"), &st) < 0 && errno == ENOENT,
	      "mapped: import: the symlink's target was not touched; .virtfs_metadata removed");
}

void test_model_mapped(void)
{
	if (pt.model != 3) {
		skip("mapped: the server was not started with --security-model mapped-xattr "
		     "(run.sh's mapped run is)");
		return;
	}
	if (mkdir(hpath(MX_DIR), 0755) < 0) {
		check(false, "mapped: cannot make " MX_DIR ": %s", strerror(errno));
		return;
	}
	mx_writes();
	mx_readdir();
	mx_reads_qemu();
	mx_import();
}
