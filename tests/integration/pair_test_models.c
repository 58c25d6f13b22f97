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
static void expect_erofs(int rc, const char *who, const char *what)
{
	check(rc == -EROFS, "readonly: %s as %s: %s (want EROFS)", what, who, rcs(rc));
}

/* Every modifying operation from `root` (attached as `who`). */
static void try_changes(uint32_t root, const char *who)
{
	static const uint32_t opens[] = { P9_DOTL_WRONLY, P9_DOTL_RDWR,
					  P9_DOTL_RDONLY | P9_DOTL_TRUNC };
	static const char *const open_names[] = { "open O_WRONLY", "open O_RDWR",
						  "open O_RDONLY|O_TRUNC" };
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
		rc = p9c_lcreate(pt_c, f, "new", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0, NULL, NULL);
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
		rc = p9c_remove(pt_c, f);	/* the fid is gone either way */
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
		skip("readonly: the server was not started with --readonly (run.sh's third run is)");
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
