/*
 * helper_main.c - p9guard-helper: options, start-up checks, set-up.
 *
 * Exec'ed by the p9guard launcher (as root) with
 *   --sock-fd=N --root-fd=N --export=PATH [--threads=N] [--allow-devices]
 *   [--readonly] [--uid-map=G:H:N]... [--gid-map=G:H:N]... [--unmapped-uid=ID]
 *   [--unmapped-gid=ID] [--security-model=MODEL] [--fmode=M --dmode=M]
 *   [--multidevs=remap|forbid|warn]
 *   [--log-level=LEVEL] [--syslog] [--audit-fd=N --audit-dir-fd=N
 *   --audit-name=NAME] [--audit-syslog] [--audit-stderr] [--audit-level=L]
 * It trusts neither descriptor to be what the command line says: the socket
 * must be an AF_UNIX SOCK_SEQPACKET socket, the root a directory.  All the
 * opening happens here, before the sandbox call site; after it the helper
 * only works relative to descriptors it holds.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <syslog.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "common/opttab.h"
#include "common/sandbox.h"
#include "helper/helper.h"

struct helper_opts {
	int sock_fd, root_fd;
	const char *export_path;
	unsigned int threads;
	bool allow_devices;
	bool userns;
	bool readonly;
	struct idmap uid_map, gid_map;
	enum helper_model model;
	unsigned long fmode, dmode;
	enum qid_multidevs multidevs;
	int log_level;
	bool syslog;
	enum sandbox_seccomp_action seccomp_action;
	bool allow_no_landlock;
	bool trusted_xattrs;
	bool guest_permissions;
	unsigned int max_sessions;
	struct audit_config audit;
};

/* ---- options: one row each (common/opttab.h); p9guard-helper(8) ---- */

static int p_idmap(void *f, const char *arg, char *err, size_t errsz)
{
	return idmap_add_spec(f, arg, err, errsz);
}

static int p_squash(void *f, const char *arg, char *err, size_t errsz)
{
	return idmap_set_squash(f, arg, err, errsz);
}

static int p_model(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	return model_parse(arg, f);
}

static int p_multidevs(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	return qid_multidevs_parse(arg, f);
}

static int p_log_level(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	*(int *)f = log_level_parse(arg);
	return *(int *)f < 0 ? -1 : 0;
}

static int p_seccomp(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	return sandbox_seccomp_action_parse(arg, f);
}

static int p_permissions(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	*(bool *)f = strcmp(arg, "guest") == 0;
	return *(bool *)f || strcmp(arg, "host") == 0 ? 0 : -1;
}

static int p_audit_level(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	if (strcmp(arg, "all") && strcmp(arg, "changes"))
		return -1;
	*(enum audit_level *)f = strcmp(arg, "all") == 0 ? AUDIT_ALL : AUDIT_CHANGES;
	return 0;
}

/* A name in the audit directory: one path component. */
static int p_file_name(void *f, const char *arg, char *err, size_t errsz)
{
	(void)f, (void)err, (void)errsz;
	return !*arg || strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, "..") ||
			       strlen(arg) > NAME_MAX
		       ? -1
		       : 0;
}

#define O(field) offsetof(struct helper_opts, field)
static const struct opt_def helper_options[] = {
	{ "sock-fd", OPT_FD, O(sock_fd), 0, INT_MAX, NULL, "a descriptor number",
	  "=N        the helper's end of the SOCK_SEQPACKET socketpair" },
	{ "root-fd", OPT_FD, O(root_fd), 0, INT_MAX, NULL, "a descriptor number",
	  "=N        a directory descriptor of the export root" },
	{ "export", OPT_STR, O(export_path), 0, 0, NULL, NULL,
	  "=PATH      the export's path, used in log messages only" },
	{ "threads", OPT_UINT, O(threads), 1, HELPER_MAX_THREADS, NULL, "1 to 64",
	  "=N        worker threads (default 4)" },
	{ "max-sessions", OPT_UINT, O(max_sessions), 1, 4096, NULL, "1 to 4096",
	  "=N   connections sharing the handle table (default 1)" },
	{ "allow-devices", OPT_FLAG, O(allow_devices), 0, 0, NULL, NULL,
	  "    let clients create block and character device nodes" },
	{ "userns", OPT_FLAG, O(userns), 0, 0, NULL, NULL,
	  "           root of a user namespace (p9guard --rootless): no device nodes" },
	{ "readonly", OPT_FLAG, O(readonly), 0, 0, NULL, NULL,
	  "         refuse every change with EROFS" },
	{ "uid-map", OPT_FN, O(uid_map), 0, 0, p_idmap, NULL,
	  "=G:H:N    guest uids G.. are host uids H.. (repeatable)" },
	{ "gid-map", OPT_FN, O(gid_map), 0, 0, p_idmap, NULL, "=G:H:N    the same for gids" },
	{ "unmapped-uid", OPT_FN, O(uid_map), 0, 0, p_squash, NULL,
	  "=ID  host uid of guest uids outside the map (default 65534)" },
	{ "unmapped-gid", OPT_FN, O(gid_map), 0, 0, p_squash, NULL,
	  "=ID  host gid of guest gids outside the map (default 65534)" },
	{ "security-model", OPT_FN, O(model), 0, 0, p_model,
	  "passthrough, none, squash or mapped-xattr", "=M passthrough (default), none, mapped-xattr" },
	{ "permissions", OPT_FN, O(guest_permissions), 0, 0, p_permissions, "guest or host",
	  "=WHO  host (default) or guest: who checks permissions" },
	{ "fmode", OPT_OCTAL, O(fmode), 0, 0777, NULL, "an octal mode up to 0777",
	  "=OCTAL      mapped-xattr: host mode of files (default 0600)" },
	{ "dmode", OPT_OCTAL, O(dmode), 0, 0777, NULL, "an octal mode up to 0777",
	  "=OCTAL      mapped-xattr: host mode of directories (default 0700)" },
	{ "multidevs", OPT_FN, O(multidevs), 0, 0, p_multidevs, "remap, forbid or warn",
	  "=M      other file systems below the export: remap (default), forbid, warn" },
	{ "log-level", OPT_FN, O(log_level), 0, 0, p_log_level, "error, warning, info or debug",
	  "=LEVEL  error, warning, info (default) or debug" },
	{ "syslog", OPT_FLAG, O(syslog), 0, 0, NULL, NULL,
	  "           log to syslog as well as to standard error" },
	{ "seccomp-action", OPT_FN, O(seccomp_action), 0, 0, p_seccomp, "kill, trap or log",
	  "=A what a forbidden syscall gets: kill (default), trap or log" },
	{ "allow-no-landlock", OPT_FLAG, O(allow_no_landlock), 0, 0, NULL, NULL,
	  "  run where the kernel lacks Landlock ABI 2" },
	{ "trusted-xattrs", OPT_FLAG, O(trusted_xattrs), 0, 0, NULL, NULL,
	  "   keep CAP_SYS_ADMIN (permitted) for trusted.* xattrs" },
	{ "audit-fd", OPT_FD, O(audit.file_fd), 3, INT_MAX, NULL, "a descriptor number",
	  "=N       audit records to this file, opened for appending" },
	{ "audit-dir-fd", OPT_FD, O(audit.dir_fd), 3, INT_MAX, NULL, "a descriptor number",
	  "=N   O_PATH descriptor of its directory (reopen on SIGHUP)" },
	{ "audit-name", OPT_STR, O(audit.file_name), 0, 0, p_file_name, "a file name",
	  "=NAME  the audit file's name in that directory" },
	{ "audit-syslog", OPT_FLAG, O(audit.to_syslog), 0, 0, NULL, NULL,
	  "     audit records to syslog (authpriv.notice)" },
	{ "audit-stderr", OPT_FLAG, O(audit.to_stderr), 0, 0, NULL, NULL,
	  "     audit records to standard error" },
	{ "audit-level", OPT_FN, O(audit.level), 0, 0, p_audit_level, "all or changes",
	  "=L    all (default) or changes" },
	{ "help", OPT_HELP, 0, 0, 0, NULL, NULL, "             show this help and exit" },
	{ "version", OPT_VERSION, 0, 0, 0, NULL, NULL, "          show the version and exit" },
};
#undef O

static void parse_options(int argc, char **argv, struct helper_opts *o)
{
	char err[512];
	int rc;

	*o = (struct helper_opts){ .sock_fd = -1, .root_fd = -1,
				   .threads = HELPER_DEFAULT_THREADS, .log_level = LOG_LVL_INFO,
				   .audit = { .level = AUDIT_ALL, .file_fd = -1, .dir_fd = -1 } };
	idmap_init(&o->uid_map);
	idmap_init(&o->gid_map);
	o->fmode = 0600;	/* QEMU's defaults */
	o->dmode = 0700;
	rc = opt_parse(helper_options, sizeof(helper_options) / sizeof(helper_options[0]), argc,
		       argv, o, err, sizeof(err));
	if (rc == OPT_RESULT_HELP) {
		fputs("Usage: p9guard-helper --sock-fd=N --root-fd=N --export=PATH [OPTION]...\n"
		      "Privileged helper of p9guard; started by p9guard, not by hand\n"
		      "(p9guard-helper(8)).\n\n",
		      stdout);
		opt_help(stdout, helper_options, sizeof(helper_options) / sizeof(helper_options[0]));
		exit(EXIT_SUCCESS);
	}
	if (rc == OPT_RESULT_VERSION) {
		printf("p9guard-helper (%s) %s, helper protocol version %d\n", PACKAGE_NAME,
		       PACKAGE_VERSION, HP_VERSION);
		exit(EXIT_SUCCESS);
	}
	if (rc < 0)
		die("%s", err);
	if (o->sock_fd < 0 || o->root_fd < 0 || !o->export_path)
		die("--sock-fd, --root-fd and --export are required (see --help)");
	if (o->readonly && o->allow_devices)
		die("--allow-devices and --readonly contradict each other");
	if (o->sock_fd == o->root_fd)
		die("--sock-fd and --root-fd name the same descriptor %d", o->sock_fd);
	if ((o->audit.dir_fd >= 0 || o->audit.file_name) && o->audit.file_fd < 0)
		die("--audit-dir-fd and --audit-name go with --audit-fd");
	if ((o->audit.dir_fd >= 0) != (o->audit.file_name != NULL))
		die("--audit-dir-fd and --audit-name go together");
	{
		int fds[4] = { o->sock_fd, o->root_fd, o->audit.file_fd, o->audit.dir_fd };

		for (int i = 0; i < 4; i++)
			for (int j = 0; j < i; j++)
				if (fds[i] >= 0 && fds[i] == fds[j])
					die("two descriptor options name descriptor %d", fds[i]);
	}
	if (o->audit.file_fd < 0 && !o->audit.to_syslog && !o->audit.to_stderr)
		o->audit.level = AUDIT_OFF;	/* no destination: no audit trail */
}

/* The audit file: a regular file open for appending; its directory. */
static void check_audit_fds(const struct audit_config *a)
{
	struct stat st;
	int fl;

	if (a->file_fd < 0)
		return;
	if (fstat(a->file_fd, &st) < 0)
		die_errno("--audit-fd=%d", a->file_fd);
	fl = fcntl(a->file_fd, F_GETFL);
	if (!S_ISREG(st.st_mode) || fl < 0 || !(fl & O_APPEND) || (fl & O_ACCMODE) == O_RDONLY)
		die("--audit-fd=%d is not a regular file open for appending", a->file_fd);
	if (fcntl(a->file_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--audit-fd=%d", a->file_fd);
	if (a->dir_fd < 0)
		return;
	if (fstat(a->dir_fd, &st) < 0)
		die_errno("--audit-dir-fd=%d", a->dir_fd);
	if (!S_ISDIR(st.st_mode))
		die("--audit-dir-fd=%d is not a directory", a->dir_fd);
	if (fcntl(a->dir_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--audit-dir-fd=%d", a->dir_fd);
}

/* The socket must be what the launcher promised: AF_UNIX SOCK_SEQPACKET. */
static void check_sock(int fd)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fstat(fd, &st) < 0)
		die_errno("--sock-fd=%d", fd);
	if (!S_ISSOCK(st.st_mode))
		die("--sock-fd=%d is not a socket", fd);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		die_errno("--sock-fd=%d: SO_TYPE", fd);
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		die_errno("--sock-fd=%d: SO_DOMAIN", fd);
	if (type != SOCK_SEQPACKET || domain != AF_UNIX)
		die("--sock-fd=%d is not an AF_UNIX SOCK_SEQPACKET socket", fd);
}

/* Our own O_PATH descriptor of the export root; the inherited one is closed. */
static struct helper_obj *open_root(int fd)
{
	struct helper_obj *root;
	struct stat st;
	int pfd, err;

	if (fstat(fd, &st) < 0)
		die_errno("--root-fd=%d", fd);
	if (!S_ISDIR(st.st_mode))
		die("--root-fd=%d is not a directory", fd);
	pfd = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		die_errno("--root-fd=%d: reopen", fd);
	close(fd);
	err = hobj_new(pfd, &root);
	if (err)
		die("export root: %s", strerror(err));
	return root;
}

/* /proc/self/fd, through which handles are reopened; must really be procfs. */
static int open_procfd(void)
{
	struct statfs sf;
	int fd;

	fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_errno("/proc/self/fd (is /proc mounted?)");
	if (fstatfs(fd, &sf) < 0)
		die_errno("/proc/self/fd");
	if (sf.f_type != PROC_SUPER_MAGIC)
		die("/proc/self/fd is not on procfs");
	return fd;
}

int main(int argc, char **argv)
{
	struct helper_env env = { .sock = -1, .procfd = -1 };
	struct helper_opts o;
	struct helper_obj *root;
	int err;

	log_init("p9guard-helper", LOG_TO_STDERR, LOG_LVL_INFO);
	parse_options(argc, argv, &o);
	helper_ops_selfcheck();
	/* Nothing inherited stays open but stdio and what we were given. */
	fdlimit_close_except((int[]){ o.sock_fd, o.root_fd, o.audit.file_fd, o.audit.dir_fd }, 4);
	log_init("p9guard-helper", LOG_TO_STDERR | (o.syslog ? LOG_TO_SYSLOG : 0),
		 (enum log_level)o.log_level);
	/* The audit records' syslog connection, opened before the sandbox. */
	if (o.audit.to_syslog && !o.syslog)
		openlog("p9guard-helper", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	check_audit_fds(&o.audit);

	check_sock(o.sock_fd);
	if (fcntl(o.sock_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_errno("--sock-fd=%d", o.sock_fd);
	root = open_root(o.root_fd);
	if (geteuid() != 0 && o.model == MODEL_PASSTHROUGH)
		die("not running as root (uid %u): only --security-model none or mapped-xattr "
		    "works without root",
		    geteuid());

	umask(0);	/* the client decides every mode; see p9guard-helper(8) */
	signal(SIGPIPE, SIG_IGN);
	fdlimit_raise(); /* two descriptors per live handle at most */
	fdlimit_init();	/* for the EMFILE warnings, while getrlimit is allowed */

	env.sock = o.sock_fd;
	env.procfd = open_procfd();
	env.export_path = o.export_path;
	env.allow_devices = o.allow_devices;
	env.userns = o.userns;
	env.readonly = o.readonly;
	env.trusted_xattrs = o.trusted_xattrs;
	env.model = o.model;
	env.own_uid = (uint32_t)geteuid();
	env.own_gid = (uint32_t)getegid();
	atomic_init(&env.hello_done, false);
	qid_init(root->dev);
	qid_set_multidevs(o.multidevs);
	handles_init(o.max_sessions);
	log_info("handle table: %u handles, %u for each of %u connections", HELPER_MAX_HANDLES,
		 HELPER_MAX_HANDLES / (o.max_sessions ? o.max_sessions : 1),
		 o.max_sessions ? o.max_sessions : 1);
	err = hnode_new(root, NULL, NULL, &env.root);
	if (err)
		die("export root: %s", strerror(err));
	/* The host's user database names host ids; in a user namespace the
	 * same numbers are other ids (p9guard --rootless), whose groups it
	 * does not know: no supplementary groups there. */
	if (!o.userns)
		creds_load_userdb();
	if (idmap_pair_problem(&o.uid_map, &o.gid_map))
		die("%s", idmap_pair_problem(&o.uid_map, &o.gid_map));
	hidmap_init(&o.uid_map, &o.gid_map);
	mx_init(o.model == MODEL_MAPPED_XATTR, (mode_t)o.fmode, (mode_t)o.dmode);
	helper_audit_init(&o.audit, env.procfd, root->fd);

	/* Every start-up open (socket, export root, /proc/self/fd, user
	 * database) is done above; from here on only descriptors we hold. */
	struct sandbox_opts so;

	/* One malloc arena: glibc opens /proc and /sys files by path to size
	 * and trim extra arenas, which the seccomp filter refuses. */
	mallopt(M_ARENA_MAX, 1);
	sandbox_opts_init(&so);
	so.export_fd = root->fd;
	so.devices = env.allow_devices;
	so.readonly = env.readonly;
	so.no_creds_switch = !model_switches_creds(&env);
	so.mapped_metadata = env.model == MODEL_MAPPED_XATTR;
	so.trusted_xattrs = o.trusted_xattrs;
	/* --permissions guest: the guest's kernel has checked; the filesystem
	 * capabilities stay effective whatever a thread's fsuid, so host DAC
	 * and the host's groups never refuse what the guest allowed, while
	 * new files are still born with the request's fsuid/fsgid. */
	so.fsuid_keeps_caps = o.guest_permissions && model_switches_creds(&env);
	so.syslog = o.syslog || o.audit.to_syslog;
	/* Landlock: the audit directory (reopen/create after rotation), or
	 * just the file when there is no directory to reopen it in. */
	so.audit_fd = o.audit.dir_fd >= 0 ? o.audit.dir_fd : o.audit.file_fd;
	so.seccomp_action = o.seccomp_action;
	so.allow_no_landlock = o.allow_no_landlock;
	if (sandbox_helper(&so) < 0)
		die("cannot confine the helper");

	log_info("serving %s with %u threads, security model %s%s%s%s", env.export_path,
		 o.threads, model_name(env.model),
		 !model_switches_creds(&env) ? ""
		 : o.guest_permissions	     ? ", permissions checked by the guest"
					     : ", permissions checked by the host",
		 env.allow_devices ? ", device nodes allowed" : "", env.readonly ? ", read-only" : "");
	err = helper_serve(&env, o.threads);
	hnode_put(env.root);	/* and the root object with it */
	return err;
}
