/*
 * cf_helper.c - prove each confinement layer of the helper role
 * (sandbox_helper(): uid 0 with exactly the needed capabilities,
 * no_new_privs, Landlock limited to the export tree (+ audit file),
 * seccomp allowlist with argument filters).
 *
 * Layout made by main() under /tmp/p9guard-cf-he.XXXXXX:
 *	export/            the export root (sub1/, sub2/ inside)
 *	outside.txt        root 0600, outside the export
 *	audit.log          the audit file
 *
 * Run as root through tests/confinement/run.sh.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "cf_harness.h"

#define LANDLOCK_ABI_VERSION_FLAG 1U
/* CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID SETGID SETUID */
#define HELPER_CAPS 0x00000000000000dfULL
#define CAP_BIT_MKNOD (1ULL << 27)
/* --readonly: dac_override, dac_read_search, setgid, setuid */
#define HELPER_CAPS_RO 0x00000000000000c6ULL
#define CAP_BIT_SYS_ADMIN (1ULL << 21)

static char base[64], exportdir[96], outside[96], auditpath[96];

/* Set by a case before he_apply*(). */
static unsigned int he_test_flags;
static bool he_allow_no_landlock;
static bool he_readonly;
static bool he_no_creds_switch;
static bool he_mapped;

/* What the real helper holds before sandboxing. */
static int exp_fd = -1, proc_fd = -1, audit_fd = -1;
static bool fds_given;	/* he_in_userns() opened them */

static int he_open_fds(void)
{
	if (fds_given)
		return 0;	/* opened by he_in_userns(), outside the namespace */
	exp_fd = open(exportdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	audit_fd = open(auditpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (exp_fd < 0 || proc_fd < 0 || audit_fd < 0) {
		cf_say("set-up: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int he_apply_opts(enum sandbox_seccomp_action action, bool devices, bool trusted)
{
	struct sandbox_opts o;

	log_init("cf_helper", LOG_TO_STDERR, LOG_LVL_INFO);
	if (he_open_fds() < 0)
		return -1;
	sandbox_opts_init(&o);
	o.seccomp_action = action;
	o.export_fd = exp_fd;
	o.audit_fd = audit_fd;
	o.devices = devices;
	o.trusted_xattrs = trusted;
	o.readonly = he_readonly;
	o.no_creds_switch = he_no_creds_switch;
	o.mapped_metadata = he_mapped;
	o.test_flags = he_test_flags;
	o.allow_no_landlock = he_allow_no_landlock;
	if (sandbox_helper(&o) != 0) {
		cf_say("sandbox_helper failed");
		return -1;
	}
	return 0;
}

static int he_apply(enum sandbox_seccomp_action action)
{
	return he_apply_opts(action, false, false);
}

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_ABI_VERSION_FLAG);

	return abi < 0 ? 0 : (int)abi;
}

/* "N" for openat(proc_fd, "N", ...) */
static const char *fdname(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "%d", fd);
	return buf;
}

static void *he_thread(void *arg)
{
	return arg;
}

/* ---- inside the export everything the operations need works ---- */

static int he_export_ops(void)
{
	int bad = 0, fd, s1, s2;
	char buf[64];
	struct stat st;

	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	fd = openat(exp_fd, "f1", O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0644);
	bad |= cf_check(fd >= 0, "create f1: %s", strerror(errno));
	bad |= cf_check(write(fd, "hello", 5) == 5, "write f1");
	close(fd);
	fd = openat(exp_fd, "f1", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bad |= cf_check(fd >= 0 && read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0,
			"read back f1: %s", strerror(errno));
	close(fd);
	{
		struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
						  RESOLVE_NO_MAGICLINKS};

		s1 = (int)syscall(SYS_openat2, exp_fd, "sub1", &how, sizeof(how));
		s2 = (int)syscall(SYS_openat2, exp_fd, "sub2", &how, sizeof(how));
		bad |= cf_check(s1 >= 0 && s2 >= 0, "openat2 beneath: %s", strerror(errno));
	}
	fd = openat(s1, "a", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	bad |= cf_check(fd >= 0, "create sub1/a: %s", strerror(errno));
	close(fd);
	/* cross-directory rename and link need Landlock REFER */
	bad |= cf_check(renameat(s1, "a", s2, "b") == 0, "rename sub1/a -> sub2/b: %s",
			strerror(errno));
	bad |= cf_check(renameat(s2, "b", s1, "c") == 0, "rename sub2/b -> sub1/c: %s",
			strerror(errno));
	bad |= cf_check(linkat(s1, "c", exp_fd, "c-link", 0) == 0, "link: %s", strerror(errno));
	bad |= cf_check(mkdirat(exp_fd, "d1", 0755) == 0, "mkdirat: %s", strerror(errno));
	bad |= cf_check(symlinkat("target", exp_fd, "sl") == 0, "symlinkat: %s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	bad |=
	    cf_check(readlinkat(exp_fd, "sl", buf, sizeof(buf)) == 6 && strcmp(buf, "target") == 0,
		     "readlinkat: %s", strerror(errno));
	bad |= cf_check(mknodat(exp_fd, "fifo", S_IFIFO | 0600, 0) == 0, "mknod fifo: %s",
			strerror(errno));
	bad |= cf_check(mknodat(exp_fd, "plain", S_IFREG | 0600, 0) == 0, "mknod reg: %s",
			strerror(errno));
	bad |= cf_check(fchownat(exp_fd, "f1", 1000, 1000, AT_SYMLINK_NOFOLLOW) == 0,
			"fchownat: %s", strerror(errno));
	bad |= cf_check(fstatat(exp_fd, "f1", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 1000,
			"fstatat/owner: %s", strerror(errno));
	bad |= cf_check(fchmodat(exp_fd, "f1", 0640, 0) == 0, "fchmodat: %s", strerror(errno));
	bad |= cf_check(utimensat(exp_fd, "f1", NULL, AT_SYMLINK_NOFOLLOW) == 0, "utimensat: %s",
			strerror(errno));
	{
		struct statfs sf;

		bad |= cf_check(fstatfs(exp_fd, &sf) == 0, "fstatfs: %s", strerror(errno));
	}
	/* xattrs, as the helper makes them: the path calls on its own
	 * /proc/self/fd/N (not every /tmp supports user.*; seccomp must not
	 * kill) */
	fd = openat(exp_fd, "f1", O_RDWR | O_CLOEXEC);
	{
		char self[40];

		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (setxattr(self, "user.p9guard", "v", 1, 0) == 0)
			bad |= cf_check(getxattr(self, "user.p9guard", buf, sizeof(buf)) == 1,
					"getxattr");
		else
			bad |= cf_check(errno == EOPNOTSUPP, "setxattr: %s", strerror(errno));
	}
	bad |= cf_check(ftruncate(fd, 1) == 0, "ftruncate: %s", strerror(errno));
	close(fd);
	/* per-thread credentials: create owned by the guest uid atomically */
	setfsgid(1000);
	setfsuid(1000);
	bad |= cf_check(syscall(SYS_setgroups, 0, NULL) == 0, "setgroups: %s", strerror(errno));
	bad |=
	    cf_check(mkdirat(s1, "owned", 0755) == 0, "mkdir as fsuid 1000: %s", strerror(errno));
	setfsuid(0);
	setfsgid(0);
	bad |= cf_check(fstatat(s1, "owned", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == 1000 &&
			    st.st_gid == 1000,
			"owner of dir made as fsuid 1000");
	bad |= cf_check(unlinkat(exp_fd, "c-link", 0) == 0, "unlinkat: %s", strerror(errno));
	bad |= cf_check(unlinkat(exp_fd, "d1", AT_REMOVEDIR) == 0, "rmdir: %s", strerror(errno));
	{
		pthread_t t;
		void *r = NULL;

		bad |= cf_check(pthread_create(&t, NULL, he_thread, &bad) == 0 &&
				    pthread_join(t, &r) == 0 && r == &bad,
				"pthread_create/join");
	}
	log_info("logging still works");
	return bad;
}

/* ---- outside the export: Landlock alone (seccomp off) ---- */

static int he_outside_landlock(void)
{
	int bad = 0, bfd;
	char path[160];

	if (landlock_abi() < 1) {
		cf_say("the kernel has no Landlock");
		return CF_SKIP;
	}
	bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0 || he_apply(SANDBOX_SECCOMP_NONE) < 0)
		return 1;
	errno = 0;
	bad |= cf_check(open(outside, O_RDONLY) == -1 && errno == EACCES,
			"read outside (root, DAC_OVERRIDE): want EACCES, got %s", strerror(errno));
	bad |= cf_check(openat(exp_fd, "../outside.txt", O_RDONLY) == -1 && errno == EACCES,
			"export/../outside.txt: want EACCES, got %s", strerror(errno));
	bad |= cf_check(open("/etc/shadow", O_RDONLY) == -1 && errno == EACCES,
			"/etc/shadow: want EACCES, got %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/new", base);
	bad |= cf_check(open(path, O_WRONLY | O_CREAT | O_EXCL, 0600) == -1 && errno == EACCES,
			"create outside: want EACCES, got %s", strerror(errno));
	bad |= cf_check(unlink(outside) == -1 && errno == EACCES,
			"unlink outside: want EACCES, got %s", strerror(errno));
	{
		int fd = openat(exp_fd, "moveme", O_CREAT | O_EXCL | O_WRONLY, 0600);

		close(fd);
		bad |= cf_check(fd >= 0, "create inside: %s", strerror(errno));
		bad |= cf_check(renameat(exp_fd, "moveme", bfd, "moved") == -1 &&
				    (errno == EACCES || errno == EXDEV),
				"rename out of the export: want EACCES/EXDEV, got %s",
				strerror(errno));
		bad |= cf_check(linkat(bfd, "outside.txt", exp_fd, "pulled", 0) == -1 &&
				    (errno == EACCES || errno == EXDEV),
				"link into the export: want EACCES/EXDEV, got %s", strerror(errno));
	}
	return bad;
}

/* ---- seccomp: forbidden syscalls kill ---- */

static int he_fdcwd_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
	return 1;
}

static int he_create_nonexcl_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	openat(exp_fd, "x", O_CREAT | O_WRONLY, 0600);
	return 1;
}

static int he_socket_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	socket(AF_UNIX, SOCK_STREAM, 0);
	return 1;
}

static int he_execve_killed(void)
{
	char *argv[] = {"true", NULL}, *envp[] = {NULL};

	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	execve("/bin/true", argv, envp);
	return 1;
}

static int he_mount_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	mount("none", exportdir, "tmpfs", 0, NULL);
	return 1;
}

static int he_open_by_handle_killed(void)
{
	char h[sizeof(struct file_handle) + 128];

	memset(h, 0, sizeof(h));
	((struct file_handle *)h)->handle_bytes = 128;
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	open_by_handle_at(exp_fd, (struct file_handle *)h, O_RDONLY);
	return 1;
}

static int he_ptrace_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	ptrace(PTRACE_ATTACH, 1, NULL, NULL);
	return 1;
}

static int he_setresuid_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	syscall(SYS_setresuid, 1000, 1000, 1000);
	return 1;
}

static int he_mknod_dev_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	mknodat(exp_fd, "null", S_IFCHR | 0600, makedev(1, 3));
	return 1;
}

static int he_mknod_dev_enabled(void)
{
	if (he_apply_opts(SANDBOX_SECCOMP_KILL, true, false) < 0)
		return 1;
	if (mknodat(exp_fd, "null", S_IFCHR | 0600, makedev(1, 3)) == 0)
		return 0;
	if (errno == EPERM) {
		/* e.g. a container's device cgroup; seccomp let it through */
		cf_say("mknod of a char device refused by the host (EPERM), not by the sandbox");
		return CF_SKIP;
	}
	cf_say("mknod char device: %s", strerror(errno));
	return 1;
}

/* ---- the rootless helper: root of a user namespace (p9guard --rootless) ---- */

/* The maps p9guard --rootless writes for a user 4350 with the ranges
 * 300000:65536 (tests/rootless/run.sh has the same). */
#define NS_USER 4350
#define NS_MAP "0 4350 1\n1 300000 65536\n"
/* export/, the export's parent, opened outside: inside, the path through
 * the root-owned 0700 scratch directory is closed to the namespace. */
static int ns_top_fd = -1;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return rc;
}

/*
 * Run fn as the rootless helper runs: in a child that unshares a user
 * namespace, whose maps this process (host root, as newuidmap is) writes,
 * and that becomes its uid 0.  The export is export/ns, owned by the user
 * (ns id 0), and the descriptors are opened here, outside, as the launcher
 * opens them.  A SIGSYS death of the child is passed on as our own.
 */
static int he_in_userns(int (*fn)(void))
{
	int ready[2], go[2], status;
	char c = 1, path[160];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/ns", exportdir);
	exp_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ns_top_fd = open(exportdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	audit_fd = open(auditpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (exp_fd < 0 || proc_fd < 0 || audit_fd < 0 || pipe(ready) < 0 || pipe(go) < 0)
		return 1;
	fds_given = true;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(CF_SKIP);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(1);
		_exit(fn() ? 1 : 0);
	}
	/* Ours closed, so that a child that could not unshare reads as EOF. */
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1) {
		waitpid(pid, &status, 0);
		cf_say("user namespaces cannot be made here, not even by root (a chroot refuses "
		       "them: unshare(2) EPERM)");
		return CF_SKIP;
	}
	snprintf(path, sizeof(path), "/proc/%ld/uid_map", (long)pid);
	if (write_file(path, NS_MAP) < 0)
		return cf_say("writing %s: %s", path, strerror(errno)), 1;
	snprintf(path, sizeof(path), "/proc/%ld/gid_map", (long)pid);
	if (write_file(path, NS_MAP) < 0)
		return cf_say("writing %s: %s", path, strerror(errno)), 1;
	if (write(go[1], &c, 1) != 1 || waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int he_caps_check(uint64_t want, bool devices, bool trusted);

/* Exactly the usual set, as uid 0 of a namespace that maps 0 to the user. */
static int ns_caps(void)
{
	char map[256];
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC), bad;

	bad = he_caps_check(HELPER_CAPS, false, false);
	cf_read_fd(fd, map, sizeof(map));
	bad |= cf_check(strstr(map, "4350") != NULL, "uid_map: %s", map);
	return bad;
}

static int ns_landlock(void)
{
	int bad = 0, dfd = ns_top_fd, fd;

	if (landlock_abi() < 1)
		return cf_say("the kernel has no Landlock"), CF_SKIP;
	if (dfd < 0 || he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	/* The user's own file beside the export: DAC lets its owner (ns root)
	 * in, Landlock does not. */
	errno = 0;
	bad |= cf_check(openat(dfd, "user-outside.txt", O_RDONLY) == -1 && errno == EACCES,
			"the user's file outside the export: want EACCES, got %s", strerror(errno));
	fd = openat(exp_fd, "mine", O_CREAT | O_EXCL | O_WRONLY, 0600);
	bad |= cf_check(fd >= 0, "create in the export: %s", strerror(errno));
	close(fd);
	return bad;
}

static int ns_kernel_refusals(void)
{
	int bad = 0, fd;

	if (he_apply_opts(SANDBOX_SECCOMP_KILL, true, false) < 0)
		return 1;
	errno = 0;
	bad |= cf_check(mknodat(exp_fd, "null", S_IFCHR | 0600, makedev(1, 3)) == -1 &&
			    errno == EPERM,
			"mknod of a char device (seccomp and CAP_MKNOD allow it): want EPERM, got %s",
			strerror(errno));
	bad |= cf_check(mknodat(exp_fd, "fifo", S_IFIFO | 0600, 0) == 0, "mkfifo: %s",
			strerror(errno));
	fd = openat(exp_fd, "f", O_CREAT | O_EXCL | O_WRONLY, 0600);
	bad |= cf_check(fd >= 0, "create: %s", strerror(errno));
	errno = 0;
	/* as the helper chowns: fchownat(handle, "", AT_EMPTY_PATH) */
	bad |= cf_check(fchownat(fd, "", 70000, 70000, AT_EMPTY_PATH) == -1 && errno == EINVAL,
			"chown to 70000, outside the namespace's ids: want EINVAL, got %s",
			strerror(errno));
	bad |= cf_check(fchownat(fd, "", 1000, 1000, AT_EMPTY_PATH) == 0,
			"chown to 1000 (host 300999): %s", strerror(errno));
	close(fd);
	return bad;
}

static int ns_unshare_killed(void)
{
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	cf_armed();
	unshare(CLONE_NEWUSER);
	return 1;
}

static int he_userns_caps(void) { return he_in_userns(ns_caps); }
static int he_userns_landlock(void) { return he_in_userns(ns_landlock); }
static int he_userns_kernel(void) { return he_in_userns(ns_kernel_refusals); }
static int he_userns_unshare(void) { return he_in_userns(ns_unshare_killed); }

/* ---- capabilities exactly as wanted ---- */

static int he_caps_check(uint64_t want, bool devices, bool trusted)
{
	char st[8192], v[128], w[32];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC), bad = 0;
	static const char *const exact[] = {"CapPrm", "CapEff", "CapBnd"};

	if (fd < 0 || he_apply_opts(SANDBOX_SECCOMP_KILL, devices, trusted) < 0)
		return 1;
	cf_read_fd(fd, st, sizeof(st));
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		/* SYS_ADMIN is permitted, never effective: the helper raises
		 * it around one xattr call (src/helper/helper_caps.c). */
		if (strcmp(exact[i], "CapEff") == 0)
			snprintf(w, sizeof(w), "%016llx",
				 (unsigned long long)(want & ~(uint64_t)CAP_BIT_SYS_ADMIN));
		else
			snprintf(w, sizeof(w), "%016llx", (unsigned long long)want);
		bad |= cf_check(cf_status_field(st, exact[i], v, sizeof(v)) && strcmp(v, w) == 0,
				"%s is %s, want %s", exact[i], v, w);
	}
	bad |= cf_check(cf_status_field(st, "CapInh", v, sizeof(v)) &&
			    strcmp(v, "0000000000000000") == 0,
			"CapInh %s", v);
	bad |= cf_check(cf_status_field(st, "CapAmb", v, sizeof(v)) &&
			    strcmp(v, "0000000000000000") == 0,
			"CapAmb %s", v);
	bad |= cf_check(cf_status_field(st, "NoNewPrivs", v, sizeof(v)) && strcmp(v, "1") == 0,
			"NoNewPrivs");
	bad |= cf_check(cf_status_field(st, "Seccomp", v, sizeof(v)) && strcmp(v, "2") == 0,
			"Seccomp");
	bad |= cf_check(cf_status_field(st, "Uid", v, sizeof(v)) && strcmp(v, "0\t0\t0\t0") == 0,
			"Uid %s", v);
	return bad;
}

static int he_caps(void)
{
	return he_caps_check(HELPER_CAPS, false, false);
}

static int he_caps_options(void)
{
	return he_caps_check(HELPER_CAPS | CAP_BIT_MKNOD | CAP_BIT_SYS_ADMIN, true, true);
}

static int he_caps_readonly(void)
{
	he_readonly = true;
	return he_caps_check(HELPER_CAPS_RO, false, false);
}

/* --security-model none: a root helper without SETUID/SETGID */
static int he_caps_model_none(void)
{
	he_no_creds_switch = true;
	return he_caps_check(HELPER_CAPS & ~(1ULL << 6 | 1ULL << 7), false, false);
}

/* --security-model mapped-xattr: DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER */
static int he_caps_mapped(void)
{
	he_mapped = true;
	return he_caps_check(0xeULL, false, false);
}

/* mapped-xattr: Landlock lets only regular files and directories be made. */
static int he_mapped_landlock(void)
{
	int bad = 0, fd;

	if (landlock_abi() < 1) {
		cf_say("the kernel has no Landlock");
		return CF_SKIP;
	}
	he_mapped = true;
	if (he_apply(SANDBOX_SECCOMP_NONE) < 0)
		return 1;
	fd = openat(exp_fd, "mx-file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bad |= cf_check(fd >= 0, "create a file: %s", strerror(errno));
	close(fd);
	bad |= cf_check(mkdirat(exp_fd, "mx-dir", 0700) == 0, "mkdir: %s", strerror(errno));
	errno = 0;
	bad |= cf_check(symlinkat("x", exp_fd, "mx-link") == -1 && errno == EACCES,
			"symlink: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(mknodat(exp_fd, "mx-fifo", S_IFIFO | 0600, 0) == -1 && errno == EACCES,
			"mkfifo: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(fchownat(exp_fd, "ro.txt", 0, 0, AT_SYMLINK_NOFOLLOW) == -1 &&
			    errno == EPERM,
			"chown (no CAP_CHOWN): want EPERM, got %s", strerror(errno));
	return bad;
}

/* --helper-user: as the launcher does, then sandbox_helper() as uid 1. */
static int he_unprivileged(bool model_none)
{
	struct sandbox_opts o;
	char st[8192], v[128];
	int fd, bad = 0;

	log_init("cf_helper", LOG_TO_STDERR, LOG_LVL_INFO);
	/* opened now: the seccomp filter kills an open relative to the cwd */
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || he_open_fds() < 0)
		return 1;
	for (int c = 0; c <= 63; c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(1, 1, 1) < 0 || setresuid(1, 1, 1) < 0) {
		cf_say("cannot become uid 1: %s", strerror(errno));
		return 1;
	}
	sandbox_opts_init(&o);
	o.export_fd = exp_fd;
	o.audit_fd = audit_fd;
	o.no_creds_switch = model_none;
	if (sandbox_helper(&o) != 0)
		return model_none ? 1 : 0;	/* passthrough must be refused */
	if (!model_none)
		return 1;
	{
		cf_read_fd(fd, st, sizeof(st));
		bad |= cf_check(cf_status_field(st, "CapEff", v, sizeof(v)) &&
				    strcmp(v, "0000000000000000") == 0,
				"CapEff %s", v);
		bad |= cf_check(cf_status_field(st, "CapBnd", v, sizeof(v)) &&
				    strcmp(v, "0000000000000000") == 0,
				"CapBnd %s", v);
		bad |= cf_check(cf_status_field(st, "Uid", v, sizeof(v)) &&
				    strcmp(v, "1\t1\t1\t1") == 0,
				"Uid %s", v);
	}
	errno = 0;
	bad |= cf_check(openat(exp_fd, "../outside.txt", O_RDONLY | O_CLOEXEC) == -1 &&
			    errno == EACCES,
			"export/../outside.txt: want EACCES, got %s", strerror(errno));
	return bad;
}

static int he_unprivileged_none(void)
{
	return he_unprivileged(true);
}

static int he_unprivileged_passthrough(void)
{
	return he_unprivileged(false);
}

/* ---- --readonly: Landlock grants reading only, no inode-changing caps ---- */

static int he_readonly_refusals(void)
{
	int bad = 0, fd;
	char buf[16], n[16];
	ssize_t got;

	if (landlock_abi() < 1) {
		cf_say("the kernel has no Landlock");
		return CF_SKIP;
	}
	he_readonly = true;
	/* seccomp off: what refuses here is Landlock or a missing capability. */
	if (he_apply(SANDBOX_SECCOMP_NONE) < 0)
		return 1;
	fd = openat(exp_fd, "ro.txt", O_RDONLY | O_CLOEXEC);
	got = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	bad |= cf_check(got == 3 && memcmp(buf, "ro\n", 3) == 0, "read inside: %s",
			got < 0 ? strerror(errno) : "short");
	if (fd >= 0) {
		int rw = openat(proc_fd, fdname(fd, n, sizeof(n)), O_RDWR | O_CLOEXEC);

		bad |= cf_check(rw == -1 && errno == EACCES,
				"reopen for writing through /proc/self/fd: want EACCES, got %s",
				rw < 0 ? strerror(errno) : "opened");
		close(fd);
	}
	errno = 0;
	bad |= cf_check(openat(exp_fd, "ro.txt", O_WRONLY | O_CLOEXEC) == -1 && errno == EACCES,
			"open for writing: want EACCES, got %s", strerror(errno));
	errno = 0;
	fd = openat(exp_fd, "new", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bad |= cf_check(fd == -1 && errno == EACCES,
			"create: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(mkdirat(exp_fd, "newdir", 0755) == -1 && errno == EACCES,
			"mkdir: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(symlinkat("ro.txt", exp_fd, "newlink") == -1 && errno == EACCES,
			"symlink: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(renameat(exp_fd, "ro.txt", exp_fd, "moved") == -1 && errno == EACCES,
			"rename: want EACCES, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(unlinkat(exp_fd, "ro.txt", 0) == -1 && errno == EACCES,
			"unlink: want EACCES, got %s", strerror(errno));
	/* Not Landlock's business: the capabilities are gone (file of uid 1000). */
	errno = 0;
	bad |= cf_check(fchownat(exp_fd, "ro.txt", 0, 0, AT_SYMLINK_NOFOLLOW) == -1 &&
			    errno == EPERM,
			"chown (no CAP_CHOWN): want EPERM, got %s", strerror(errno));
	errno = 0;
	bad |= cf_check(fchmodat(exp_fd, "ro.txt", 0600, 0) == -1 && errno == EPERM,
			"chmod of another uid's file (no CAP_FOWNER): want EPERM, got %s",
			strerror(errno));
	return bad;
}

/* ---- reopening O_PATH handles through /proc/self/fd under Landlock ---- */

static int he_procfd_reopen(void)
{
	int bad = 0, h_in, h_dir, h_out, fd;
	char n[16], buf[16];

	if (he_open_fds() < 0)
		return 1;
	fd = openat(exp_fd, "pf", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		return 1;
	close(fd);
	fchmodat(exp_fd, "pf", 0666, 0); /* whatever the umask */
	h_in = openat(exp_fd, "pf", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	h_dir = openat(exp_fd, "sub1", O_PATH | O_DIRECTORY | O_CLOEXEC);
	h_out = open(outside, O_PATH | O_CLOEXEC);
	if (h_in < 0 || h_dir < 0 || h_out < 0)
		return 1;
	close(exp_fd);
	close(proc_fd);
	close(audit_fd);
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;

	fd = openat(proc_fd, fdname(h_in, n, sizeof(n)), O_RDWR | O_CLOEXEC);
	bad |= cf_check(fd >= 0, "reopen O_PATH file handle RDWR: %s", strerror(errno));
	bad |= cf_check(write(fd, "abc", 3) == 3 && lseek(fd, 0, SEEK_SET) == 0 &&
			    read(fd, buf, 3) == 3 && memcmp(buf, "abc", 3) == 0,
			"I/O on the reopened file");
	close(fd);
	fd = openat(proc_fd, fdname(h_dir, n, sizeof(n)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bad |= cf_check(fd >= 0, "reopen O_PATH dir handle: %s", strerror(errno));
	close(fd);
	/* handle made after sandboxing */
	fd = openat(exp_fd, "pf", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	bad |= cf_check(fd >= 0 && openat(proc_fd, fdname(fd, n, sizeof(n)), O_RDONLY) >= 0,
			"reopen a new handle: %s", strerror(errno));
	/* xattr through the magic link path, as helper_ops_xattr does */
	{
		char p[64];

		snprintf(p, sizeof(p), "/proc/self/fd/%d", h_in);
		bad |= cf_check(getxattr(p, "user.none", buf, sizeof(buf)) == -1 &&
				    (errno == ENODATA || errno == EOPNOTSUPP),
				"getxattr via /proc/self/fd: %s", strerror(errno));
	}
	/* the helper's other idioms on O_PATH handles (helper_ops_*.c) */
	bad |= cf_check(fchownat(h_in, "", 1000, 1000, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0,
			"fchownat(handle, \"\", AT_EMPTY_PATH): %s", strerror(errno));
	bad |= cf_check(fchmodat(proc_fd, fdname(h_in, n, sizeof(n)), 0666, 0) == 0,
			"fchmodat(procfd, \"N\"): %s", strerror(errno));
	{
		struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};

		bad |= cf_check(utimensat(h_in, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ||
				    utimensat(proc_fd, fdname(h_in, n, sizeof(n)), ts, 0) == 0,
				"utimensat on a handle: %s", strerror(errno));
	}
	bad |= cf_check(
	    linkat(proc_fd, fdname(h_in, n, sizeof(n)), exp_fd, "pf-link", AT_SYMLINK_FOLLOW) == 0,
	    "linkat(procfd, \"N\", AT_SYMLINK_FOLLOW): %s", strerror(errno));
	/* as a guest fsuid (filesystem capabilities dropped for the thread) */
	setfsuid(1000);
	fd = openat(proc_fd, fdname(h_in, n, sizeof(n)), O_RDONLY | O_CLOEXEC);
	bad |= cf_check(fd >= 0, "reopen as fsuid 1000: %s", strerror(errno));
	setfsuid(0);
	/* a handle outside the export does NOT reopen */
	errno = 0;
	bad |= cf_check(openat(proc_fd, fdname(h_out, n, sizeof(n)), O_RDONLY) == -1 &&
			    errno == EACCES,
			"reopen of an outside handle: want EACCES, got %s", strerror(errno));
	return bad;
}

/* ---- audit file ---- */

static int he_audit(void)
{
	int bad = 0, fd;
	char n[16];

	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	bad |= cf_check(write(audit_fd, "{\"op\":\"test\"}\n", 14) == 14, "append: %s",
			strerror(errno));
	fd = openat(proc_fd, fdname(audit_fd, n, sizeof(n)), O_WRONLY | O_APPEND | O_CLOEXEC);
	bad |= cf_check(fd >= 0, "reopen the audit file for append: %s", strerror(errno));
	errno = 0;
	bad |= cf_check(openat(proc_fd, fdname(audit_fd, n, sizeof(n)), O_RDONLY) == -1 &&
			    errno == EACCES,
			"reading the audit file: want EACCES, got %s", strerror(errno));
	return bad;
}

/* ---- --seccomp-action=trap / log ---- */

static int he_trap(void)
{
	if (he_apply(SANDBOX_SECCOMP_TRAP) < 0)
		return 1;
	if (cf_check(socket(AF_UNIX, SOCK_STREAM, 0) == -1 && errno == EPERM,
		     "trap: socket should fail EPERM, got %s", strerror(errno)))
		return 1;
	return 0;
}

static int he_log(void)
{
	if (landlock_abi() < 1) {
		cf_say("the kernel has no Landlock (log mode lets the syscall through)");
		return CF_SKIP;
	}
	if (he_apply(SANDBOX_SECCOMP_LOG) < 0)
		return 1;
	errno = 0;
	return cf_check(openat(AT_FDCWD, outside, O_RDONLY) == -1 && errno == EACCES,
			"log: seccomp lets it pass, Landlock must refuse; got %s", strerror(errno));
}

/* ---- older Landlock ABIs ---- */

static int he_abi1_refused(void)
{
	he_test_flags = SANDBOX_TEST_LANDLOCK_ABI(1);
	return he_apply(SANDBOX_SECCOMP_KILL) == -1 ? 0 : 1;
}

/* Cross-directory rename: EXDEV without REFER (ABI 1), works from ABI 2. */
static int he_abi_rename(void)
{
	int bad = 0, s1, s2, fd;
	char name[32];

	he_test_flags = SANDBOX_TEST_LANDLOCK_ABI(cf_arg);
	he_allow_no_landlock = cf_arg < 2;
	if (he_apply(SANDBOX_SECCOMP_KILL) < 0)
		return 1;
	s1 = openat(exp_fd, "sub1", O_PATH | O_DIRECTORY | O_CLOEXEC);
	s2 = openat(exp_fd, "sub2", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(name, sizeof(name), "abi%d", cf_arg);
	fd = openat(s1, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	bad |= cf_check(fd >= 0, "create: %s", strerror(errno));
	close(fd);
	errno = 0;
	if (cf_arg < 2)
		bad |=
		    cf_check(renameat(s1, name, s2, name) == -1 && errno == EXDEV,
			     "ABI 1 cross-directory rename: want EXDEV, got %s", strerror(errno));
	else
		bad |= cf_check(renameat(s1, name, s2, name) == 0, "cross-directory rename: %s",
				strerror(errno));
	bad |= cf_check(openat(exp_fd, "../outside.txt", O_RDONLY) == -1, "outside opened");
	return bad;
}

static int he_no_landlock_refused(void)
{
	struct sandbox_opts o;

	log_init("cf_helper", LOG_TO_STDERR, LOG_LVL_INFO);
	if (he_open_fds() < 0)
		return 1;
	sandbox_opts_init(&o);
	o.export_fd = exp_fd;
	o.test_flags = SANDBOX_TEST_FAKE_NO_LANDLOCK;
	return sandbox_helper(&o) == -1 ? 0 : 1;
}

static const struct cf_case cases[] = {
    {"export-ops", "create/read/rename/link/mkdir/mknod/chown/xattr/setfsuid in the export",
     he_export_ops, CF_EXIT_OK,
     "confinement: uid=0 gid=0 groups=none "
     "caps=chown,dac_override,dac_read_search,fowner,fsetid,setgid,setuid",
     0},
    {"outside-landlock", "seccomp off: Landlock alone refuses outside the export (root)",
     he_outside_landlock, CF_EXIT_OK, "fs:export+audit", 0},
    {"fdcwd-killed", "openat(AT_FDCWD, ...) kills", he_fdcwd_killed, CF_KILLED_SYS, NULL, 0},
    {"create-nonexcl-killed", "openat(O_CREAT without O_EXCL) kills", he_create_nonexcl_killed,
     CF_KILLED_SYS, NULL, 0},
    {"socket-killed", "socket kills", he_socket_killed, CF_KILLED_SYS, NULL, 0},
    {"execve-killed", "execve kills", he_execve_killed, CF_KILLED_SYS, NULL, 0},
    {"mount-killed", "mount kills", he_mount_killed, CF_KILLED_SYS, NULL, 0},
    {"open-by-handle-killed", "open_by_handle_at kills", he_open_by_handle_killed, CF_KILLED_SYS,
     NULL, 0},
    {"ptrace-killed", "ptrace kills", he_ptrace_killed, CF_KILLED_SYS, NULL, 0},
    {"setresuid-killed", "setresuid kills (the helper stays uid 0)", he_setresuid_killed,
     CF_KILLED_SYS, NULL, 0},
    {"mknod-dev-killed", "mknod of a char device without devices kills", he_mknod_dev_killed,
     CF_KILLED_SYS, NULL, 0},
    {"mknod-dev-enabled", "with devices: mknod of a char device works", he_mknod_dev_enabled,
     CF_EXIT_OK, "fs:export+devices", 0},
    {"userns-caps", "rootless (uid 0 of a user namespace mapping 0 to uid 4350): exactly "
     "the usual set, seccomp, no_new_privs", he_userns_caps, CF_EXIT_OK, NULL, 0},
    {"userns-landlock", "rootless: the user's own file beside the export EACCES (Landlock, "
     "not DAC), creates inside work", he_userns_landlock, CF_EXIT_OK, NULL, 0},
    {"userns-kernel", "rootless, --allow-devices filters: device mknod EPERM (the kernel), "
     "FIFO ok, chown outside the maps EINVAL",
     he_userns_kernel, CF_EXIT_OK, NULL, 0},
    {"userns-unshare-killed", "rootless: no further user namespace (SIGSYS)",
     he_userns_unshare, CF_KILLED_SYS, NULL, 0},
    {"caps", "CapEff=CapPrm=CapBnd exactly the needed set, CapInh=CapAmb=0", he_caps, CF_EXIT_OK,
     NULL, 0},
    {"caps-options", "devices + trusted xattrs add exactly MKNOD and SYS_ADMIN", he_caps_options,
     CF_EXIT_OK, "mknod", 0},
    {"caps-readonly", "--readonly: exactly DAC_OVERRIDE, DAC_READ_SEARCH, SETGID, SETUID",
     he_caps_readonly, CF_EXIT_OK, "caps=dac_override,dac_read_search,setgid,setuid", 0},
    {"readonly-refusals", "--readonly, seccomp off: reads work; write/create/rename/unlink "
     "EACCES (Landlock), chown/chmod EPERM (caps)",
     he_readonly_refusals, CF_EXIT_OK, "fs:export(ro)+audit", 0},
    {"caps-model-none", "--security-model none: the set without SETUID/SETGID",
     he_caps_model_none, CF_EXIT_OK, "caps=chown,dac_override,dac_read_search,fowner,fsetid ", 0},
    {"caps-mapped", "--security-model mapped-xattr: exactly DAC_OVERRIDE, DAC_READ_SEARCH, "
     "FOWNER", he_caps_mapped, CF_EXIT_OK, "caps=dac_override,dac_read_search,fowner ", 0},
    {"mapped-landlock", "mapped-xattr, seccomp off: files and directories can be made; "
     "symlink/FIFO EACCES (Landlock), chown EPERM",
     he_mapped_landlock, CF_EXIT_OK, "fs:export(files,dirs)+audit", 0},
    {"unprivileged-none", "--helper-user (uid 1), model none: no capability in any set, "
     "sandbox applied",
     he_unprivileged_none, CF_EXIT_OK, "confinement: uid=1 gid=1 groups=none caps=none", 0},
    {"unprivileged-passthrough-refused", "a helper that is not root refuses model passthrough",
     he_unprivileged_passthrough, CF_EXIT_OK,
     "only --security-model none or mapped-xattr works without root",
     0},
    {"procfd-reopen", "O_PATH handles reopen through /proc/self/fd; outside ones do not",
     he_procfd_reopen, CF_EXIT_OK, NULL, 0},
    {"audit", "audit file: append and reopen for append; no reading", he_audit, CF_EXIT_OK, NULL,
     0},
    {"action-trap", "--seccomp-action=trap: socket gets EPERM, no death", he_trap, CF_EXIT_OK,
     "seccomp: refused syscall", 0},
    {"action-log", "--seccomp-action=log: passes seccomp, Landlock refuses", he_log, CF_EXIT_OK,
     "seccomp=log(", 0},
    {"abi1-refused", "Landlock ABI 1 (no REFER): refuse to start", he_abi1_refused, CF_EXIT_OK,
     "lacks REFER", 0},
    {"abi1-allowed", "ABI 1 with --allow-no-landlock: runs, cross-dir rename EXDEV", he_abi_rename,
     CF_EXIT_OK, "landlock=abi1(fs:export+audit", 1},
    {"abi2", "ABI 2: cross-directory rename works, the rest reported missing", he_abi_rename,
     CF_EXIT_OK,
     "landlock=abi2(fs:export+audit net:unrestricted scope:none "
     "missing:truncate,net,ioctl_dev,scope)",
     2},
    {"no-landlock-refused", "kernel without Landlock: refuse to start", he_no_landlock_refused,
     CF_EXIT_OK, "--allow-no-landlock", 0},
};

static int mkfile(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	return close(fd);
}

int main(int argc, char **argv)
{
	int running = argc > 1 && strcmp(argv[1], "--run") == 0, rc;
	char path[160];

	snprintf(base, sizeof(base), "/tmp/p9guard-cf-he.XXXXXX");
	if (running) {
		if (!mkdtemp(base)) {
			perror("mkdtemp");
			return 1;
		}
		snprintf(exportdir, sizeof(exportdir), "%s/export", base);
		snprintf(outside, sizeof(outside), "%s/outside.txt", base);
		snprintf(auditpath, sizeof(auditpath), "%s/audit.log", base);
		if (mkdir(exportdir, 0755) != 0 || mkfile(outside, 0600, "secret\n") != 0) {
			perror("set-up");
			return 1;
		}
		/* world-writable: a thread with a guest fsuid (and so no
		 * DAC_OVERRIDE) may create in them */
		snprintf(path, sizeof(path), "%s/sub1", exportdir);
		if (mkdir(path, 0777) != 0 || chmod(path, 0777) != 0)
			return 1;
		snprintf(path, sizeof(path), "%s/sub2", exportdir);
		if (mkdir(path, 0777) != 0 || chmod(path, 0777) != 0)
			return 1;
		/* for the userns cases: the rootless user's export and a file of
		 * its own beside it */
		snprintf(path, sizeof(path), "%s/ns", exportdir);
		if (mkdir(path, 0755) != 0 || chown(path, NS_USER, NS_USER) != 0)
			return 1;
		snprintf(path, sizeof(path), "%s/user-outside.txt", exportdir);
		if (mkfile(path, 0600, "mine\n") != 0 || chown(path, NS_USER, NS_USER) != 0)
			return 1;
		/* for readonly-refusals: a file of another uid */
		snprintf(path, sizeof(path), "%s/ro.txt", exportdir);
		if (mkfile(path, 0644, "ro\n") != 0 || chown(path, 1000, 1000) != 0)
			return 1;
	}
	rc = cf_main("helper", argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
	if (running) {
		snprintf(path, sizeof(path), "rm -rf '%s'", base);
		if (system(path) != 0)
			fprintf(stderr, "cannot remove %s\n", base);
	}
	return rc;
}
