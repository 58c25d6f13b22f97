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
#include <getopt.h>
#include <limits.h>
#include <linux/magic.h>
#include <malloc.h>
#include <signal.h>
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
#include "common/sandbox.h"
#include "helper/helper.h"

struct helper_opts {
	int sock_fd, root_fd;
	const char *export_path;
	unsigned int threads;
	bool allow_devices;
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
	unsigned long max_sessions;
	struct audit_config audit;
};

static const char helper_usage[] =
	"Usage: p9guard-helper --sock-fd=N --root-fd=N --export=PATH [OPTION]...\n"
	"Privileged helper of p9guard; started by p9guard, not by hand.\n"
	"\n"
	"  --sock-fd=N        the helper's end of the SOCK_SEQPACKET socketpair\n"
	"  --root-fd=N        a directory descriptor of the export root\n"
	"  --export=PATH      the export's path, used in log messages only\n"
	"  --threads=N        worker threads (1-64, default 4)\n"
	"  --max-sessions=N   connections sharing the handle table (1-4096, default\n"
	"                     1); each is guaranteed its 1/N of it\n"
	"  --allow-devices    let clients create block and character device nodes\n"
	"  --readonly         refuse every change with EROFS; fewer capabilities,\n"
	"                     Landlock grants the export reading only\n"
	"  --uid-map=G:H:N    guest uids G..G+N-1 are host uids H..H+N-1 (repeatable)\n"
	"  --gid-map=G:H:N    the same for gids\n"
	"  --unmapped-uid=ID  host uid of guest uids outside the map (default 65534)\n"
	"  --unmapped-gid=ID  host gid of guest gids outside the map (default 65534)\n"
	"  --security-model=M passthrough (default), none (alias squash): requests\n"
	"                     run as the helper's own ids, chown failures ignored;\n"
	"                     or mapped-xattr (alias mapped): QEMU's user.virtfs.*\n"
	"  --permissions=WHO  host (default): the host kernel checks every request's\n"
	"                     permissions; guest: the client has checked them and\n"
	"                     host DAC never refuses (p9guard passes guest unless\n"
	"                     told otherwise)\n"
	"  --fmode=OCTAL      mapped-xattr: host mode of files (default 0600)\n"
	"  --dmode=OCTAL      mapped-xattr: host mode of directories (default 0700)\n"
	"  --multidevs=M      other file systems below the export: remap (default,\n"
	"                     unique qids), forbid (ENODEV) or warn (no remap)\n"
	"  --log-level=LEVEL  error, warning, info (default) or debug\n"
	"  --syslog           log to syslog as well as to standard error\n"
	"  --seccomp-action=A what a forbidden syscall gets: kill (default), trap or log\n"
	"  --allow-no-landlock  run even where the kernel lacks Landlock ABI 2 (REFER)\n"
	"  --trusted-xattrs   keep CAP_SYS_ADMIN so clients may use trusted.* xattrs\n"
	"  --audit-fd=N       audit records to this file, opened for appending\n"
	"  --audit-dir-fd=N   O_PATH descriptor of its directory (reopen on SIGHUP)\n"
	"  --audit-name=NAME  the audit file's name in that directory\n"
	"  --audit-syslog     audit records to syslog (authpriv.notice)\n"
	"  --audit-stderr     audit records to standard error\n"
	"  --audit-level=L    all (default) or changes\n"
	"  --help             show this help and exit\n"
	"  --version          show the version and exit\n";

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static void parse_options(int argc, char **argv, struct helper_opts *o)
{
	enum { O_SOCK = 256, O_ROOT, O_EXPORT, O_THREADS, O_DEVICES, O_LEVEL, O_SYSLOG,
	       O_SECCOMP, O_NOLANDLOCK, O_TRUSTED, O_AUDIT_FD, O_AUDIT_DIR, O_AUDIT_NAME,
	       O_AUDIT_SYSLOG, O_AUDIT_STDERR, O_AUDIT_LEVEL, O_READONLY, O_UID_MAP, O_GID_MAP,
	       O_UNMAPPED_UID, O_UNMAPPED_GID, O_MODEL, O_FMODE, O_DMODE, O_MULTIDEVS, O_HELP,
	       O_VERSION, O_PERMISSIONS, O_MAX_SESSIONS };
	static const struct option longopts[] = {
		{ "sock-fd", required_argument, NULL, O_SOCK },
		{ "root-fd", required_argument, NULL, O_ROOT },
		{ "export", required_argument, NULL, O_EXPORT },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "allow-devices", no_argument, NULL, O_DEVICES },
		{ "readonly", no_argument, NULL, O_READONLY },
		{ "uid-map", required_argument, NULL, O_UID_MAP },
		{ "gid-map", required_argument, NULL, O_GID_MAP },
		{ "unmapped-uid", required_argument, NULL, O_UNMAPPED_UID },
		{ "unmapped-gid", required_argument, NULL, O_UNMAPPED_GID },
		{ "security-model", required_argument, NULL, O_MODEL },
		{ "permissions", required_argument, NULL, O_PERMISSIONS },
		{ "max-sessions", required_argument, NULL, O_MAX_SESSIONS },
		{ "fmode", required_argument, NULL, O_FMODE },
		{ "dmode", required_argument, NULL, O_DMODE },
		{ "multidevs", required_argument, NULL, O_MULTIDEVS },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "syslog", no_argument, NULL, O_SYSLOG },
		{ "seccomp-action", required_argument, NULL, O_SECCOMP },
		{ "allow-no-landlock", no_argument, NULL, O_NOLANDLOCK },
		{ "trusted-xattrs", no_argument, NULL, O_TRUSTED },
		{ "audit-fd", required_argument, NULL, O_AUDIT_FD },
		{ "audit-dir-fd", required_argument, NULL, O_AUDIT_DIR },
		{ "audit-name", required_argument, NULL, O_AUDIT_NAME },
		{ "audit-syslog", no_argument, NULL, O_AUDIT_SYSLOG },
		{ "audit-stderr", no_argument, NULL, O_AUDIT_STDERR },
		{ "audit-level", required_argument, NULL, O_AUDIT_LEVEL },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char err[256];
	int c;

	*o = (struct helper_opts){ .sock_fd = -1, .root_fd = -1,
				   .threads = HELPER_DEFAULT_THREADS, .log_level = LOG_LVL_INFO,
				   .audit = { .level = AUDIT_ALL, .file_fd = -1, .dir_fd = -1 } };
	idmap_init(&o->uid_map);
	idmap_init(&o->gid_map);
	o->fmode = 0600;	/* QEMU's defaults */
	o->dmode = 0700;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_SOCK:
		case O_ROOT:
			if (parse_uint(optarg, INT_MAX, &v))
				die("--%s: not a descriptor number: %s",
				    c == O_SOCK ? "sock-fd" : "root-fd", optarg);
			*(c == O_SOCK ? &o->sock_fd : &o->root_fd) = (int)v;
			break;
		case O_EXPORT:
			o->export_path = optarg;
			break;
		case O_THREADS:
			if (parse_uint(optarg, HELPER_MAX_THREADS, &v) || v == 0)
				die("--threads: expected 1 to %d, got %s", HELPER_MAX_THREADS,
				    optarg);
			o->threads = (unsigned int)v;
			break;
		case O_DEVICES:
			o->allow_devices = true;
			break;
		case O_READONLY:
			o->readonly = true;
			break;
		case O_UID_MAP:
		case O_GID_MAP:
			if (idmap_add_spec(c == O_UID_MAP ? &o->uid_map : &o->gid_map, optarg, err,
					   sizeof(err)) < 0)
				die("--%s %s", c == O_UID_MAP ? "uid-map" : "gid-map", err);
			break;
		case O_MAX_SESSIONS:
			if (parse_uint(optarg, 4096, &o->max_sessions) < 0 || o->max_sessions == 0)
				die("--max-sessions: expected 1 to 4096, got %s", optarg);
			break;
		case O_PERMISSIONS:
			if (strcmp(optarg, "guest") && strcmp(optarg, "host"))
				die("--permissions: expected guest or host, got %s", optarg);
			o->guest_permissions = strcmp(optarg, "guest") == 0;
			break;
		case O_MODEL:
			if (model_parse(optarg, &o->model) < 0)
				die("--security-model: expected passthrough, none, squash or "
				    "mapped-xattr, got %s",
				    optarg);
			break;
		case O_MULTIDEVS:
			if (qid_multidevs_parse(optarg, &o->multidevs) < 0)
				die("--multidevs: expected remap, forbid or warn, got %s", optarg);
			break;
		case O_FMODE:
		case O_DMODE: {
			char *end;

			errno = 0;
			v = strtoul(optarg, &end, 8);
			if (errno || *end || !*optarg || v > 0777)
				die("--%s: expected an octal mode up to 0777, got %s",
				    c == O_FMODE ? "fmode" : "dmode", optarg);
			*(c == O_FMODE ? &o->fmode : &o->dmode) = v;
			break;
		}
		case O_UNMAPPED_UID:
		case O_UNMAPPED_GID:
			if (idmap_set_squash(c == O_UNMAPPED_UID ? &o->uid_map : &o->gid_map,
					     optarg, err, sizeof(err)) < 0)
				die("--%s %s",
				    c == O_UNMAPPED_UID ? "unmapped-uid" : "unmapped-gid", err);
			break;
		case O_LEVEL:
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0)
				die("--log-level: expected error, warning, info or debug, got %s",
				    optarg);
			break;
		case O_SYSLOG:
			o->syslog = true;
			break;
		case O_SECCOMP:
			if (sandbox_seccomp_action_parse(optarg, &o->seccomp_action) < 0)
				die("--seccomp-action: expected kill, trap or log, got %s", optarg);
			break;
		case O_NOLANDLOCK:
			o->allow_no_landlock = true;
			break;
		case O_TRUSTED:
			o->trusted_xattrs = true;
			break;
		case O_AUDIT_FD:
		case O_AUDIT_DIR:
			if (parse_uint(optarg, INT_MAX, &v) || v < 3)
				die("--%s: not a descriptor number: %s",
				    c == O_AUDIT_FD ? "audit-fd" : "audit-dir-fd", optarg);
			*(c == O_AUDIT_FD ? &o->audit.file_fd : &o->audit.dir_fd) = (int)v;
			break;
		case O_AUDIT_NAME:
			if (!*optarg || strchr(optarg, '/') || strcmp(optarg, ".") == 0 ||
			    strcmp(optarg, "..") == 0 || strlen(optarg) > NAME_MAX)
				die("--audit-name: not a file name: %s", optarg);
			o->audit.file_name = optarg;
			break;
		case O_AUDIT_SYSLOG:
			o->audit.to_syslog = true;
			break;
		case O_AUDIT_STDERR:
			o->audit.to_stderr = true;
			break;
		case O_AUDIT_LEVEL:
			if (strcmp(optarg, "all") == 0)
				o->audit.level = AUDIT_ALL;
			else if (strcmp(optarg, "changes") == 0)
				o->audit.level = AUDIT_CHANGES;
			else
				die("--audit-level: expected all or changes, got %s", optarg);
			break;
		case O_HELP:
			fputs(helper_usage, stdout);
			exit(EXIT_SUCCESS);
		case O_VERSION:
			printf("p9guard-helper (%s) %s, helper protocol version %d\n",
			       PACKAGE_NAME, PACKAGE_VERSION, HP_VERSION);
			exit(EXIT_SUCCESS);
		default:
			die("unknown or malformed option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die("unexpected argument %s (see --help)", argv[optind]);
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

/* Nothing inherited stays open except stdio and the descriptors we were
 * given (socket, root, audit file and directory; -1 = not given). */
static void close_inherited(const int *keep_in, int n)
{
	int keep[4];
	unsigned int from = 3;
	int nk = 0;

	for (int i = 0; i < n && nk < 4; i++)
		if (keep_in[i] >= 3)
			keep[nk++] = keep_in[i];
	for (int i = 1; i < nk; i++)	/* insertion sort, n <= 4 */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i < nk; i++) {
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* Two descriptors per live handle at most; take what we may. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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
	{
		int keep[4] = { o.sock_fd, o.root_fd, o.audit.file_fd, o.audit.dir_fd };

		close_inherited(keep, 4);
	}
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
	raise_nofile();
	fdlimit_init();	/* for the EMFILE warnings, while getrlimit is allowed */

	env.sock = o.sock_fd;
	env.procfd = open_procfd();
	env.export_path = o.export_path;
	env.allow_devices = o.allow_devices;
	env.readonly = o.readonly;
	env.trusted_xattrs = o.trusted_xattrs;
	env.model = o.model;
	env.own_uid = (uint32_t)geteuid();
	env.own_gid = (uint32_t)getegid();
	atomic_init(&env.hello_done, false);
	qid_init(root->dev);
	qid_set_multidevs(o.multidevs);
	handles_init((unsigned int)o.max_sessions);
	log_info("handle table: %u handles, %u for each of %lu connections", HELPER_MAX_HANDLES,
		 HELPER_MAX_HANDLES / (unsigned int)(o.max_sessions ? o.max_sessions : 1),
		 o.max_sessions ? o.max_sessions : 1);
	err = hnode_new(root, NULL, NULL, &env.root);
	if (err)
		die("export root: %s", strerror(err));
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
