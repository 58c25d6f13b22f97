/* launcher.c - privileged start-up of p9guard (see launcher.h). */
#include "config.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "launcher/launcher.h"

/* Is fd one the options tell us to keep (fd:N, connected-fd:N, systemd)? */
static bool fd_is_wanted(const struct fe_options *o, int fd)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");

	for (unsigned int i = 0; i < o->nlisten; i++) {
		const struct listen_addr *a = &o->listen[i];

		if ((a->kind == LISTEN_FD || a->kind == LISTEN_CONNECTED_FD ||
		     a->kind == LISTEN_VHOST_USER_FD) &&
		    a->fd == fd)
			return true;
		/* Checked properly by listen_open_all(); here only the range. */
		if (a->kind == LISTEN_SYSTEMD && pid_s && fds_s && atol(pid_s) == (long)getpid() &&
		    fd >= 3 && fd < 3 + atoi(fds_s))
			return true;
	}
	return false;
}

void launcher_close_inherited_fds(const struct fe_options *o)
{
	int keep[LISTEN_MAX_FDS + OPT_MAX_LISTEN];
	size_t n = 0;

	/* Whatever else our parent left open must reach neither the helper
	 * nor the unprivileged frontend. */
	for (int fd = 3; fd < 3 + 1024 && n < sizeof(keep) / sizeof(keep[0]); fd++)
		if (fd_is_wanted(o, fd))
			keep[n++] = fd;
	fdlimit_close_except(keep, n);
}

/*
 * The helper's Landlock rule lets it write and create regular files
 * anywhere beneath the audit file's directory (to reopen the file after
 * log rotation), so that directory must be the audit trail's own: root's,
 * writable by no one else (nobody can plant a link there later), and
 * holding only regular files with one link each - no directory (another
 * export, a tree the rule would reach), no hard link to a file elsewhere.
 * Dies naming the first entry that breaks the rule.
 */
static void audit_dir_check(int dirfd, const char *shown, const char *audit_file)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	if (fstat(dirfd, &st) < 0)
		die_errno("--audit file:%s: its directory", audit_file);
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022))
		die("--audit file:%s: its directory %s must belong to root (or p9guard's user) and be writable by "
		    "no one else (owner %u, mode %04o): the helper may create files there",
		    audit_file, shown, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		die_errno("--audit file:%s: cannot list its directory %s", audit_file, shown);
	while ((de = readdir(d))) {
		const char *why = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* gone meanwhile */
		if (S_ISDIR(st.st_mode))
			why = "a directory";
		else if (!S_ISREG(st.st_mode))
			why = "an entry that is not a regular file";
		else if (st.st_nlink != 1)
			why = "a file with more than one link";
		if (why)
			die("--audit file:%s: its directory %s must hold audit files only, and it "
			    "holds %s, '%s': the helper may write and create files anywhere "
			    "beneath that directory; give the audit trail a directory of its own "
			    "(e.g. /var/log/p9guard)",
			    audit_file, shown, why, de->d_name);
	}
	closedir(d);
}

/*
 * --audit file:PATH: opened here, as root, for appending (created with
 * --audit-file-mode if missing, never through a symlink), with an O_PATH
 * descriptor of its directory so that the helper can reopen it by name
 * after log rotation.  Both go to the helper; the frontend keeps neither.
 */
static void launcher_open_audit(const struct fe_options *o, struct launch *l)
{
	char *copy, *slash;
	struct stat st;

	l->audit_fd = l->audit_dir_fd = -1;
	l->audit_name = NULL;
	if (!o->audit_file)
		return;
	copy = strdup(o->audit_file);
	if (!copy)
		die("out of memory");
	slash = strrchr(copy, '/');
	if (!slash || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		die("--audit file:%s: not a file name", o->audit_file);
	*slash = '\0';
	l->audit_dir_fd = open(copy[0] ? copy : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->audit_dir_fd < 0)
		die_errno("--audit file:%s: its directory", o->audit_file);
	{
		/* Clients must not be able to read or rewrite the trail. */
		char *dir = realpath(copy[0] ? copy : "/", NULL);
		size_t n = strlen(l->export_real);

		if (!dir)
			die_errno("--audit file:%s: its directory", o->audit_file);
		if (strncmp(dir, l->export_real, n) == 0 &&
		    (dir[n] == '\0' || dir[n] == '/' || n == 1))
			die("--audit file:%s: inside the export %s", o->audit_file,
			    l->export_real);
		audit_dir_check(l->audit_dir_fd, dir, o->audit_file);
		free(dir);
	}
	l->audit_name = strdup(slash + 1);
	free(copy);
	if (!l->audit_name)
		die("out of memory");
	l->audit_fd = openat(l->audit_dir_fd, l->audit_name,
			     O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
			     (mode_t)o->audit_file_mode);
	if (l->audit_fd < 0)
		die_errno("--audit file:%s", o->audit_file);
	if (fstat(l->audit_fd, &st) < 0 || !S_ISREG(st.st_mode))
		die("--audit file:%s: not a regular file", o->audit_file);
}

/*
 * In passthrough without id maps a client attaching as uid 0 acts as host
 * root inside the export: it can make set-user-ID-root files (and, with
 * --allow-devices, device nodes) that mean root's power on the host to
 * whoever runs or opens them there.  Say so when the export's file system
 * is not mounted nosuid (nodev).  SECURITY.md.
 */
static void warn_mount_flags(const struct fe_options *o, const struct launch *l)
{
	struct statvfs sv;

	if (strcmp(o->security_model, "passthrough") != 0 || o->readonly || o->rootless ||
	    idmap_active(&o->uid_map) || fstatvfs(l->root_fd, &sv) < 0)
		return;
	if (!(sv.f_flag & ST_NOSUID))
		log_warn("the export %s is on a file system mounted without nosuid: a guest "
			 "attaching as uid 0 can make set-user-ID-root files there that run as "
			 "root on the host; mount it nosuid (see SECURITY.md), or use --uid-map",
			 l->export_real);
	if (o->allow_devices && !(sv.f_flag & ST_NODEV))
		log_warn("the export %s is on a file system mounted without nodev, and "
			 "--allow-devices lets guest root make device nodes there that open "
			 "host devices; mount it nodev (see SECURITY.md)",
			 l->export_real);
}

/* --rootless asked for, or chosen: an ordinary user's passthrough pair. */
static void rootless_decide(struct fe_options *o)
{
	char err[256];

	if (o->rootless && geteuid() == 0)
		die("--rootless is for an ordinary user: started as root, p9guard runs the "
		    "frontend as --user and the helper as root");
	if (o->rootless || geteuid() == 0 || strcmp(o->security_model, "passthrough") != 0 ||
	    o->helper_user)
		return;
	if (options_check_rootless(o, err, sizeof(err)) < 0)
		die("started by uid %u, not root, so rootless: %s", (unsigned)getuid(), err);
	o->rootless = true;
	log_info("started by uid %u, not root: rootless, as with --rootless", (unsigned)getuid());
}

void launcher_prepare(struct fe_options *o, struct launch *l)
{
	char err[256];
	struct stat st;

	rootless_decide(o);

	if (options_resolve_user("--user", o->user, &l->uid, &l->gid, err, sizeof(err)) < 0)
		die("%s", err);
	if (l->uid == 0 && !o->allow_root_frontend)
		die("--user %s: refusing to run the frontend as root "
		    "(--allow-root-frontend is for debugging only)",
		    o->user);
	if (geteuid() != 0 && o->user_set && l->uid != getuid())
		die("--user %s: p9guard must be started as root to switch users", o->user);
	l->helper_uid = 0;
	l->helper_gid = 0;
	if (o->helper_user) {
		if (options_resolve_user("--helper-user", o->helper_user, &l->helper_uid,
					 &l->helper_gid, err, sizeof(err)) < 0)
			die("%s", err);
		/* The frontend must not be able to signal or trace its helper. */
		if (l->helper_uid == l->uid)
			die("--helper-user %s is the frontend's --user: give the helper its own "
			    "user",
			    o->helper_user);
	}
	if (stat(o->export_path, &st) < 0)
		die_errno("--export %s", o->export_path);
	if (!S_ISDIR(st.st_mode))
		die("--export %s: not a directory", o->export_path);
	l->root_fd = open(o->export_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l->root_fd < 0)
		die_errno("--export %s", o->export_path);
	l->export_real = realpath(o->export_path, NULL);
	if (!l->export_real)
		die_errno("--export %s", o->export_path);
	/*
	 * Opened here, as root, and executed from this descriptor: the helper
	 * user (--helper-user) need not reach the build or install path
	 * (a clone under /root, mode 0700, say), and the file executed is
	 * the one checked, whatever happens to the path meanwhile.
	 */
	l->helper_fd = open(o->helper, O_PATH | O_CLOEXEC);
	if (l->helper_fd < 0)
		die_errno("cannot open the helper %s (set --helper or P9GUARD_HELPER)", o->helper);
	if (fstat(l->helper_fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		die("cannot execute the helper %s: not an executable file (set --helper or "
		    "P9GUARD_HELPER)",
		    o->helper);
	l->helper_sock = -1;
	l->helper_pid = -1;
	if (o->rootless)
		rootless_prepare(o, l->root_fd, &l->rootless);
	launcher_open_audit(o, l);
	warn_mount_flags(o, l);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

/*
 * In the helper's child, before exec (--helper-user, --security-model
 * none): empty the bounding set while CAP_SETPCAP is still held, drop the
 * groups, then the gid and uid.  The exec'ed helper holds no capability and
 * verifies it (sandbox_caps.c).  -1 with errno on failure.
 */
static int helper_become_user(const struct launch *l)
{
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (setgroups(0, NULL) < 0 || setresgid(l->helper_gid, l->helper_gid, l->helper_gid) < 0 ||
	    setresuid(l->helper_uid, l->helper_uid, l->helper_uid) < 0)
		return -1;
	return 0;
}

void launcher_spawn_helper(const struct fe_options *o, struct launch *l)
{
	/* 28 fixed slots, and each map range and unmapped id passed on */
	char *argv[32 + 2 * IDMAP_MAX_RANGES + 2], *owned[20 + 2 * IDMAP_MAX_RANGES + 2];
	int nowned = 0;
	int sv[2], errpipe[2], ready[2] = { -1, -1 }, go[2] = { -1, -1 };
	int child_errno = 0, argc = 0;
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_errno("socketpair");
	if (pipe2(errpipe, O_CLOEXEC) < 0 ||
	    (o->rootless && (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)))
		die_errno("pipe");
	owned[nowned++] = xasprintf("--sock-fd=%d", sv[1]);
	owned[nowned++] = xasprintf("--root-fd=%d", l->root_fd);
	owned[nowned++] = xasprintf("--export=%s", l->export_real);
	owned[nowned++] = xasprintf("--threads=%u", o->threads);
	owned[nowned++] = xasprintf("--log-level=%s", o->log_level_name);
	owned[nowned++] = xasprintf("--seccomp-action=%s", o->seccomp_action);
	owned[nowned++] = xasprintf("--audit-level=%s", o->audit_level);
	owned[nowned++] = xasprintf("--security-model=%s", o->security_model);
	owned[nowned++] = xasprintf("--permissions=%s", o->permissions);
	/* Each connection's guaranteed share of the helper's handles. */
	owned[nowned++] = xasprintf("--max-sessions=%u", o->max_conns);
	owned[nowned++] = xasprintf("--multidevs=%s", o->multidevs);
	if (options_mapped_xattr(o)) {
		owned[nowned++] = xasprintf("--fmode=%o", o->fmode);
		owned[nowned++] = xasprintf("--dmode=%o", o->dmode);
	}
	if (l->audit_fd >= 0) {
		owned[nowned++] = xasprintf("--audit-fd=%d", l->audit_fd);
		owned[nowned++] = xasprintf("--audit-dir-fd=%d", l->audit_dir_fd);
		owned[nowned++] = xasprintf("--audit-name=%s", l->audit_name);
	}
	for (int m = 0; m < 2; m++) {
		const struct idmap *map = m == 0 ? &o->uid_map : &o->gid_map;
		char range[40];

		for (unsigned int i = 0; i < map->n; i++) {
			idmap_range_text(map, i, range, sizeof(range));
			owned[nowned++] = xasprintf("--%s-map=%s", m == 0 ? "uid" : "gid", range);
		}
		if (map->n)
			owned[nowned++] =
			    xasprintf("--unmapped-%s=%u", m == 0 ? "uid" : "gid", map->squash);
	}
	argv[argc++] = (char *)o->helper;
	for (int i = 0; i < nowned; i++)
		argv[argc++] = owned[i];
	if (o->allow_devices)
		argv[argc++] = (char *)"--allow-devices";
	if (o->readonly)
		argv[argc++] = (char *)"--readonly";
	if (o->syslog)
		argv[argc++] = (char *)"--syslog";
	if (o->trusted_xattrs)
		argv[argc++] = (char *)"--trusted-xattrs";
	if (o->allow_no_landlock)
		argv[argc++] = (char *)"--allow-no-landlock";
	if (o->audit_syslog)
		argv[argc++] = (char *)"--audit-syslog";
	if (o->audit_stderr)
		argv[argc++] = (char *)"--audit-stderr";
	if (o->rootless)
		argv[argc++] = (char *)"--userns";
	argv[argc] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0) {
		/* Child (single-threaded parent, so any call is safe here).
		 * Exactly these descriptors cross the exec: the socket, the
		 * export root and, with --audit file:, the audit file and its
		 * directory; everything else is close-on-exec. */
		int e;

		close(errpipe[0]);
		if (o->rootless && rootless_child_enter(ready[1], go[0]) < 0) {
			e = -errno;	/* < 0: entering the namespace failed */
		} else if (l->helper_uid != 0 && helper_become_user(l) < 0) {
			e = errno;
		} else if (fcntl(sv[1], F_SETFD, 0) < 0 || fcntl(l->root_fd, F_SETFD, 0) < 0 ||
		    (l->audit_fd >= 0 && (fcntl(l->audit_fd, F_SETFD, 0) < 0 ||
					  fcntl(l->audit_dir_fd, F_SETFD, 0) < 0))) {
			e = errno;
		} else {
			execveat(l->helper_fd, "", argv, environ, AT_EMPTY_PATH);
			e = errno;
		}
		if (write(errpipe[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(errpipe[1]);
	if (o->rootless) {
		close(ready[1]);
		close(go[0]);
		rootless_map_child(&l->rootless, pid, ready[0], go[1], errpipe[0]);
		close(ready[0]);
		close(go[1]);
	}
	close(sv[1]);
	/* The frontend must not keep the export: only the helper holds it. */
	close(l->root_fd);
	l->root_fd = -1;
	close(l->helper_fd);
	l->helper_fd = -1;
	if (l->audit_fd >= 0) {
		close(l->audit_fd);
		close(l->audit_dir_fd);
		l->audit_fd = l->audit_dir_fd = -1;
	}
	free(l->audit_name);
	l->audit_name = NULL;
	do
		n = read(errpipe[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n == sizeof(child_errno) && child_errno < 0) {
		waitpid(pid, NULL, 0);
		errno = -child_errno;
		die_errno("--rootless: cannot become root of the helper's user namespace");
	}
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		errno = child_errno;
		die_errno("cannot execute the helper %s (set --helper or P9GUARD_HELPER)",
			  o->helper);
	}
	for (int i = 0; i < nowned; i++)
		free(owned[i]);
	l->helper_sock = sv[0];
	l->helper_pid = pid;
	log_debug("helper %s started as pid %ld", o->helper, (long)pid);
}

void launcher_write_pidfile(const struct fe_options *o)
{
	char buf[32];
	int fd, len;

	if (!o->pidfile)
		return;
	fd = open(o->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		die_errno("--pidfile %s", o->pidfile);
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len || close(fd) < 0)
		die_errno("--pidfile %s", o->pidfile);
}

/* Every capability set empty: effective, permitted, inheritable, bounding, ambient. */
static void verify_no_caps(bool check_bounding)
{
	capng_clear(CAPNG_SELECT_ALL);
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		die("capabilities remain after the privilege drop");
	for (int cap = 0; cap <= 63; cap++) {
		int in_bound = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in_bound < 0)
			break; /* past the kernel's last capability */
		if (check_bounding && in_bound == 1)
			die("capability %d remains in the bounding set", cap);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			die("capability %d remains in the ambient set", cap);
	}
}

static void verify_ids(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		die_errno("getresuid");
	if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid)
		die("the user/group change did not take");
	if (getgroups(0, NULL) != 0)
		die("supplementary groups remain after the privilege drop");
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		die("could regain root after the privilege drop");
}

void launcher_drop_privileges(const struct fe_options *o, const struct launch *l)
{
	/* As the host sees them (a namespace of our own shows the overflow id). */
	unsigned int host_uid = (unsigned int)getuid(), host_gid = (unsigned int)getgid();
	bool was_root = geteuid() == 0;

	if (was_root) {
		/* setgroups(0) + setresgid + setresuid, with every capability set
		 * (bounding and ambient included) cleared on the way. */
		capng_clear(CAPNG_SELECT_ALL);
		if (capng_change_id((int)l->uid, (int)l->gid,
				    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING |
					CAPNG_CLEAR_AMBIENT) != 0)
			die("cannot change to user %s (uid %u gid %u)", o->user,
			    (unsigned int)l->uid, (unsigned int)l->gid);
		verify_ids(l->uid, l->gid);
		verify_no_caps(true);
	} else {
		/*
		 * Started unprivileged: there is nothing to switch to
		 * (launcher_prepare() refused a --user we cannot become).
		 * Rootless, the frontend leaves for a user namespace of its
		 * own, as its nobody (rootless.h).
		 */
		if (o->rootless)
			rootless_frontend_enter(&l->rootless);
		capng_clear(CAPNG_SELECT_CAPS);
		if (capng_apply(CAPNG_SELECT_CAPS) != 0)
			die("cannot clear capabilities");
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
			die_errno("cannot clear the ambient capabilities");
		verify_no_caps(o->rootless);
		if (!o->rootless)
			log_info("not started as root: running as uid %u without switching user",
				 host_uid);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_errno("PR_SET_NO_NEW_PRIVS");
	log_debug("privileges dropped: uid %u gid %u, no capabilities, no_new_privs%s",
		  was_root ? (unsigned int)l->uid : host_uid, was_root ? (unsigned int)l->gid : host_gid,
		  o->rootless ? ", in a user namespace of its own" : "");
}
