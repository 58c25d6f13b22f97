/* rootless.c - the helper as root of its own user namespace (see rootless.h). */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "launcher/rootless.h"

/*
 * The first "NAME:START:COUNT" (or "UID:START:COUNT") line of FILE for the
 * user, as newuidmap reads it.  0 found, -1 none (or no such file).
 */
static int subid_find(const char *file, const char *name, unsigned long id, uint32_t *start,
		      uint32_t *count)
{
	char line[512], idtext[24];
	FILE *f = fopen(file, "re");
	int found = -1;

	if (!f) {
		if (errno != ENOENT)
			die_errno("--rootless: cannot read %s", file);
		return -1;
	}
	snprintf(idtext, sizeof(idtext), "%lu", id);
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *who = strtok(line, ":\n"), *s = strtok(NULL, ":\n"), *c = strtok(NULL, ":\n");
		char *end1, *end2;
		unsigned long long vs, vc;

		if (!who || !s || !c || (strcmp(who, name) != 0 && strcmp(who, idtext) != 0))
			continue;
		errno = 0;
		vs = strtoull(s, &end1, 10);
		vc = strtoull(c, &end2, 10);
		if (errno || *end1 || *end2 || vc == 0 || vs + vc > UINT32_MAX)
			continue;	/* newuidmap ignores such lines too */
		*start = (uint32_t)vs;
		*count = (uint32_t)vc;
		found = 0;
	}
	fclose(f);
	return found;
}

/* TOOL in $PATH (or the Debian default), as an absolute path in out. */
static void find_tool(const char *tool, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL;

	if (!copy)
		die("out of memory");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;	/* a relative PATH entry would run what cwd holds */
		snprintf(out, cap, "%s/%s", dir, tool);
		if (access(out, X_OK) == 0) {
			free(copy);
			return;
		}
	}
	free(copy);
	die("--rootless: %s not found in PATH: install Debian's uidmap package "
	    "(apt-get install uidmap)", tool);
}

/*
 * The namespace has ids 0..count (0 the user, 1..count the range).  Give
 * the guest the identity over them unless maps were given; check that
 * whatever maps there are land inside.
 */
static void fit_map(struct idmap *m, const char *kind, bool squash_set, uint32_t count,
		    const struct rootless *r)
{
	char spec[48], why[200];

	if (!idmap_active(m)) {
		snprintf(spec, sizeof(spec), "0:0:%" PRIu32, count + 1);
		if (idmap_add_spec(m, spec, why, sizeof(why)) < 0)
			die("--rootless: the %s map %s: %s", kind, spec, why);
		if (!squash_set && IDMAP_DEFAULT_SQUASH > count)
			die("--rootless: the subordinate %s range of %s has %" PRIu32 " ids, too few "
			    "for the unmapped %s %u: give --unmapped-%s at most %" PRIu32 ", or a "
			    "range of 65535 ids or more (usermod --add-sub%ss)",
			    kind, r->user, count, kind, IDMAP_DEFAULT_SQUASH, kind, count, kind);
	}
	for (unsigned int i = 0; i < m->n; i++)
		if ((uint64_t)m->r[i].host + m->r[i].count - 1 > count) {
			idmap_range_text(m, i, spec, sizeof(spec));
			die("--rootless: --%s-map %s reaches past the user namespace's ids 0..%" PRIu32
			    " (%s and the %" PRIu32 " subordinate %ss of %s): the range is too small "
			    "for this map; map less or give the user a larger range",
			    kind, spec, count, r->user, count, kind, r->user);
		}
	if (m->squash > count)
		die("--rootless: --unmapped-%s %" PRIu32 " is outside the user namespace's ids 0..%"
		    PRIu32 ": give an id inside it",
		    kind, m->squash, count);
}

void rootless_prepare(struct fe_options *o, int export_fd, struct rootless *r)
{
	struct passwd *pw = getpwuid(getuid());
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (!pw)
		die("--rootless: uid %u has no entry in the user database, so it has no "
		    "subordinate ids",
		    (unsigned)getuid());
	snprintf(r->user, sizeof(r->user), "%s", pw->pw_name);
	r->host_uid = getuid();
	r->host_gid = getgid();
	if (subid_find("/etc/subuid", r->user, r->host_uid, &r->uid_start, &r->uid_count) < 0)
		die("--rootless: %s has no subordinate uid range in /etc/subuid: add one as root "
		    "(usermod --add-subuids 100000-165535 %s)",
		    r->user, r->user);
	if (subid_find("/etc/subgid", r->user, r->host_uid, &r->gid_start, &r->gid_count) < 0)
		die("--rootless: %s has no subordinate gid range in /etc/subgid: add one as root "
		    "(usermod --add-subgids 100000-165535 %s)",
		    r->user, r->user);
	find_tool("newuidmap", r->newuidmap, sizeof(r->newuidmap));
	find_tool("newgidmap", r->newgidmap, sizeof(r->newgidmap));
	if (!options_mapped_xattr(o)) {	/* mapped-xattr keeps the guest's ids as data */
		fit_map(&o->uid_map, "uid", o->unmapped_uid_set, r->uid_count, r);
		fit_map(&o->gid_map, "gid", o->unmapped_gid_set, r->gid_count, r);
	}
	if (fstat(export_fd, &st) < 0)
		die_errno("--export %s", o->export_path);
	if (st.st_uid != r->host_uid)
		die("--rootless: the export %s belongs to uid %u, not to %s (uid %u): a rootless "
		    "helper has power only over your own files; export a directory you own",
		    o->export_path, (unsigned)st.st_uid, r->user, (unsigned)r->host_uid);
	log_info("rootless: the helper is root of its own user namespace: uid 0 is %s (%u), "
		 "uids 1..%" PRIu32 " are %" PRIu32 "..%" PRIu32 "; gids 1..%" PRIu32 " are %" PRIu32
		 "..%" PRIu32 " (/etc/subuid, /etc/subgid)",
		 r->user, (unsigned)r->host_uid, r->uid_count, r->uid_start,
		 r->uid_start + r->uid_count - 1, r->gid_count, r->gid_start,
		 r->gid_start + r->gid_count - 1);
}

int rootless_child_enter(int ready_fd, int go_fd)
{
	char c = 1;

	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1) {
		errno = EPIPE;
		return -1;
	}
	/* Our own uid and gid are the namespace's 0 now; leave the host's
	 * supplementary groups, which the namespace cannot name. */
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	return 0;
}

/* A sysctl's integer value, or -1 when it is not there. */
static long sysctl_value(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* unshare(CLONE_NEWUSER) failed with err: say which setting refuses it. */
static void die_no_userns(int err)
{
	if (sysctl_value("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		die("--rootless: this kernel does not let ordinary users make user namespaces "
		    "(kernel.unprivileged_userns_clone = 0): as root, sysctl -w "
		    "kernel.unprivileged_userns_clone=1");
	if (sysctl_value("/proc/sys/user/max_user_namespaces") == 0)
		die("--rootless: user namespaces are disabled (user.max_user_namespaces = 0): as "
		    "root, sysctl -w user.max_user_namespaces=15000");
	if (sysctl_value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		die("--rootless: AppArmor restricts unprivileged user namespaces "
		    "(kernel.apparmor_restrict_unprivileged_userns = 1): as root, sysctl -w "
		    "kernel.apparmor_restrict_unprivileged_userns=0, or give p9guard a local "
		    "AppArmor 4 rule \"userns,\" (its shipped profiles are ABI 3.0)");
	if (err == ENOSPC)
		die("--rootless: no user namespace left for %u (user.max_user_namespaces or the "
		    "nesting limit reached)",
		    (unsigned)getuid());
	errno = err;
	die_errno("--rootless: cannot make a user namespace for the helper");
}

/* newuidmap PID 0 ID 1 1 START COUNT (or newgidmap); dies when it fails. */
static void run_map_tool(const char *tool, pid_t child, unsigned long own, uint32_t start,
			 uint32_t count, const char *file, const char *user)
{
	char pid_s[24], own_s[24], start_s[24], count_s[24];
	const char *base = strrchr(tool, '/') + 1;
	int status;
	pid_t pid;

	snprintf(pid_s, sizeof(pid_s), "%ld", (long)child);
	snprintf(own_s, sizeof(own_s), "%lu", own);
	snprintf(start_s, sizeof(start_s), "%" PRIu32, start);
	snprintf(count_s, sizeof(count_s), "%" PRIu32, count);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		execl(tool, base, pid_s, "0", own_s, "1", "1", start_s, count_s, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid %s", tool);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("--rootless: %s %s 0 %s 1 1 %s %s failed (%s %d; its message is above): "
		    "it must be set-user-ID root (Debian's uidmap package) and %s must give %s "
		    "that range",
		    tool, pid_s, own_s, start_s, count_s,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), file, user);
}

/* Both maps of process pid: the user as 0, the ranges as 1..N. */
static void map_ids(const struct rootless *r, pid_t pid)
{
	run_map_tool(r->newuidmap, pid, r->host_uid, r->uid_start, r->uid_count, "/etc/subuid",
		     r->user);
	run_map_tool(r->newgidmap, pid, r->host_gid, r->gid_start, r->gid_count, "/etc/subgid",
		     r->user);
}

void rootless_map_child(const struct rootless *r, pid_t child, int ready_fd, int go_fd,
			int child_err_fd)
{
	char c;
	int err = 0;
	ssize_t n;

	do
		n = read(ready_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		if (read(child_err_fd, &err, sizeof(err)) != sizeof(err))
			err = EIO;
		err = err < 0 ? -err : err;	/* the child's "namespace" errors */
		waitpid(child, NULL, 0);
		die_no_userns(err);
	}
	map_ids(r, child);
	if (write(go_fd, &c, 1) != 1)
		die_errno("--rootless: the helper's child went away");
}

void rootless_frontend_enter(const struct rootless *r)
{
	uid_t uid = r->uid_count < IDMAP_DEFAULT_SQUASH ? r->uid_count : IDMAP_DEFAULT_SQUASH;
	gid_t gid = r->gid_count < IDMAP_DEFAULT_SQUASH ? r->gid_count : IDMAP_DEFAULT_SQUASH;

	pid_t self = getpid(), mapper;
	int go[2], status;
	char c = 1;

	/* newuidmap must run from outside the namespace (it judges the map
	 * by its caller's ids): a child waits until we are in it. */
	if (pipe2(go, O_CLOEXEC) < 0)
		die_errno("pipe");
	mapper = fork();
	if (mapper < 0)
		die_errno("fork");
	if (mapper == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		map_ids(r, self);
		_exit(0);
	}
	close(go[0]);
	if (unshare(CLONE_NEWUSER) < 0)
		die_errno("--rootless: cannot give the frontend a user namespace of its own");
	if (write(go[1], &c, 1) != 1)
		die_errno("--rootless: the frontend's map writer went away");
	close(go[1]);
	while (waitpid(mapper, &status, 0) < 0)
		if (errno != EINTR)
			die_errno("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("--rootless: the frontend's user namespace could not be mapped (see above)");
	/* Root of that namespace now: CAP_SETPCAP there empties the bounding
	 * set; the uid change then clears every other set. */
	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
		die("--rootless: cannot empty the frontend's bounding set");
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		die_errno("--rootless: cannot make the frontend uid %u of its namespace", (unsigned)uid);
	log_info("rootless: the frontend is uid %u gid %u of a user namespace of its own (host "
		 "%" PRIu32 ":%" PRIu32 ")",
		 (unsigned)uid, (unsigned)gid, r->uid_start + (uint32_t)uid - 1,
		 r->gid_start + (uint32_t)gid - 1);
}
