/*
 * hostile_frontend_review.c - a compromised frontend against what the
 * independent review of the helper found (issue 22), one case per finding.
 * Uses the driver of hostile_frontend.c (hostile_frontend.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hostile_frontend.h"

#define CAP_SYS_ADMIN_BIT (1ULL << 21)

static struct drv *drv_new(void)
{
	struct drv *d = malloc(sizeof(*d));

	if (!d)
		abort();
	return d;
}

static void set_extra(const char *a, const char *b, const char *c)
{
	memset(drv_extra_args, 0, sizeof(drv_extra_args));
	drv_extra_args[0] = a;
	drv_extra_args[1] = b;
	drv_extra_args[2] = c;
}

/* Finding 1: a helper given one id map alone refuses to start. */
void case_idmap_one_sided(void)
{
	static const struct {
		const char *arg, *says;
	} one[] = {
	    {"--uid-map=0:100000:65536", "--uid-map needs --gid-map too"},
	    {"--gid-map=0:100000:65536", "--gid-map needs --uid-map too"},
	};
	struct drv *d = drv_new();

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		int rc;

		set_extra(one[i].arg, NULL, NULL);
		drv_start(d);
		rc = drv_stop(d);
		if (rc == 0)
			fail("the helper started with %s alone (exit 0)", one[i].arg);
		else if (!log_has(d, one[i].says))
			fail("%s alone: exit %d, but no \"%s\" in %s", one[i].arg, rc, one[i].says,
			     d->log);
	}
	set_extra(NULL, NULL, NULL);
	free(d);
}

static int lcreate_as(struct drv *d, uint32_t dh, const char *name, uint32_t uid, uint32_t gid,
		      uint32_t mode)
{
	struct hp_req q = mkreq(HP_LCREATE, uid);
	struct hp_rep p;
	int fd = -1, e;

	q.gid = gid;
	q.u.lcreate = (struct hp_lcreate){dh, S(name), P9_DOTL_CREATE | P9_DOTL_RDWR, mode};
	e = call(d, &q, &p, &fd);
	if (fd >= 0)
		close(fd);
	return e;
}

/*
 * Finding 1: with both maps, a create request naming gid 0 runs as the
 * mapped gid: it gains no group access to a root:root 0771 directory and
 * a file it makes elsewhere belongs to the mapped gid, never to host 0.
 */
void case_idmap_create_gid(void)
{
	struct drv *d = drv_new();
	char closed[700], open_dir[700], path[800];
	struct stat st;
	uint32_t hc, ho;
	int e;

	snprintf(closed, sizeof(closed), "%s/gid0-closed", export_dir);
	snprintf(open_dir, sizeof(open_dir), "%s/gid0-open", export_dir);
	if ((mkdir(closed, 0771) < 0 && errno != EEXIST) || chmod(closed, 0771) < 0 ||
	    (mkdir(open_dir, 0777) < 0 && errno != EEXIST) || chmod(open_dir, 0777) < 0) {
		fail("test setup: %s", strerror(errno));
		free(d);
		return;
	}
	set_extra("--uid-map=0:100000:65536", "--gid-map=0:200000:65536", NULL);
	if (!drv_session(d)) {
		fail("session setup failed (see %s)", d->log);
		goto out;
	}
	if (walk1(d, d->root, "gid0-closed", &hc) || walk1(d, d->root, "gid0-open", &ho)) {
		fail("walk to the test directories failed");
		goto out;
	}
	e = lcreate_as(d, hc, "g0", 0, 0, 02755);
	snprintf(path, sizeof(path), "%s/g0", closed);
	if (e == 0 || lstat(path, &st) == 0)
		fail("guest root with gid 0 created %s in a root:root 0771 directory (owner "
		     "%d:%d)",
		     path, e == 0 ? (int)st.st_uid : -1, e == 0 ? (int)st.st_gid : -1);
	else if (e != EACCES)
		fail("create in the 0771 directory: errno %d, expected EACCES", e);
	e = lcreate_as(d, ho, "g0", 0, 0, 02755);
	snprintf(path, sizeof(path), "%s/g0", open_dir);
	if (e != 0 || lstat(path, &st) != 0)
		fail("create as guest 0:0 in a 0777 directory: errno %d", e);
	else if (st.st_uid != 100000 || st.st_gid != 200000)
		fail("guest 0:0 made a file owned %u:%u on the host, expected 100000:200000",
		     (unsigned)st.st_uid, (unsigned)st.st_gid);
	unlink(path);
out:
	drv_stop(d);
	set_extra(NULL, NULL, NULL);
	rmdir(closed);
	rmdir(open_dir);
	free(d);
}

static int xset_as(struct drv *d, uint32_t h, uint32_t uid, const char *name)
{
	struct hp_req q = mkreq(HP_XATTRSET, uid);

	q.u.xattrset = (struct hp_xattrset){h, S(name), 0, 1, "x"};
	return call(d, &q, NULL, NULL);
}

static int xremove_as(struct drv *d, uint32_t h, uint32_t uid, const char *name)
{
	struct hp_req q = mkreq(HP_XATTRREMOVE, uid);

	q.u.xattrremove = (struct hp_xattrremove){h, S(name)};
	return call(d, &q, NULL, NULL);
}

/* A thread of the helper with CAP_SYS_ADMIN effective, or 0 for none. */
static long admin_thread(pid_t pid)
{
	char path[128], line[256];
	struct dirent *de;
	long found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	while (dir && (de = readdir(dir)) && !found) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", (int)pid, de->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			uint64_t eff;

			if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1 &&
			    (eff & CAP_SYS_ADMIN_BIT))
				found = atol(de->d_name);
		}
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return found;
}

/*
 * Finding 2: with --trusted-xattrs, trusted.* and security.* are for host
 * uid 0 only; CAP_SYS_ADMIN is raised for that one call and is never left
 * effective on the (single) worker thread for the next request.
 */
void case_trusted_xattrs_root_only(void)
{
	static const char *const names[] = {"trusted.hf-review", "security.hf-review"};
	struct drv *d = drv_new();
	char path[700], buf[16];
	uint32_t h;
	long t;

	snprintf(path, sizeof(path), "%s/file", export_dir);
	set_extra("--trusted-xattrs", "--threads=1", NULL);
	if (!drv_session(d) || walk1(d, d->root, "file", &h)) {
		fail("session setup failed (see %s)", d->log);
		goto out;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int e;

		e = xset_as(d, h, 1000, names[i]);
		if (e != EPERM || getxattr(path, names[i], buf, sizeof(buf)) >= 0)
			fail("uid 1000: set %s: errno %d, expected EPERM and nothing set", names[i],
			     e);
		e = xset_as(d, h, 0, names[i]);
		if (e != 0 || getxattr(path, names[i], buf, sizeof(buf)) != 1)
			fail("uid 0: set %s: errno %d, expected it set", names[i], e);
		if ((t = admin_thread(d->pid)))
			fail("after a uid 0 %s, helper thread %ld keeps CAP_SYS_ADMIN effective",
			     names[i], t);
		/* The same thread, next request: not root, so no capability. */
		e = xset_as(d, h, 1000, names[i]);
		if (e != EPERM)
			fail("uid 1000 right after uid 0: set %s: errno %d, expected EPERM",
			     names[i], e);
		e = xremove_as(d, h, 1000, names[i]);
		if (e != EPERM || getxattr(path, names[i], buf, sizeof(buf)) != 1)
			fail("uid 1000: remove %s: errno %d, expected EPERM and the value kept",
			     names[i], e);
		e = xremove_as(d, h, 0, names[i]);
		if (e != 0)
			fail("uid 0: remove %s: errno %d", names[i], e);
	}
	if ((t = admin_thread(d->pid)))
		fail("helper thread %ld has CAP_SYS_ADMIN effective at rest", t);
out:
	drv_stop(d);
	set_extra(NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		removexattr(path, names[i]);
	free(d);
}

/* A clone walk of the root as `session`: the errno, the handle in *h. */
static int clone_as(struct drv *d, uint32_t session, uint32_t *h)
{
	struct hp_req q = mkreq(HP_WALK, 0);
	struct hp_rep p;
	int e;

	q.session = session;
	q.u.walk.handle = d->root;
	e = call(d, &q, &p, NULL);
	if (e == 0)
		*h = p.u.walk.handle;
	return e;
}

/*
 * Finding 4: one connection cannot take what the others are owed.  With
 * --max-sessions=1024 each session may hold 1/1024 of the table; session 5
 * hoards until ENFILE, and session 6 still gets handles of its own.
 */
void case_handle_share_per_session(void)
{
	const uint32_t share = (1u << 20) / 1024;
	struct drv *d = drv_new();
	uint32_t *ids = calloc(share + 8, sizeof(*ids)), h;
	uint32_t got = 0;
	int e = 0;

	if (!ids)
		abort();
	set_extra("--max-sessions=1024", NULL, NULL);
	if (!drv_session(d)) {
		fail("session setup failed (see %s)", d->log);
		goto out;
	}
	while (got < share + 8 && (e = clone_as(d, 5, &ids[got])) == 0)
		got++;
	/* The attach of drv_session() counts against session 0, not 5. */
	if (e != ENFILE || got != share)
		fail("session 5 got %u handles then errno %d; expected %u, then ENFILE", got, e,
		     share);
	for (int i = 0; i < 16; i++) {
		e = clone_as(d, 6, &h);
		if (e != 0) {
			fail("session 6, walk %d, while session 5 hoards: errno %d", i, e);
			break;
		}
	}
out:
	drv_stop(d);
	set_extra(NULL, NULL, NULL);
	free(ids);
	free(d);
}
