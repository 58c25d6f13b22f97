/*
 * sandbox_landlock.c - Landlock domains of the two roles (raw syscalls).
 *
 *   frontend: every filesystem right of the ABI handled, no rule: no file
 *	or directory can be opened, created, removed or renamed by path at
 *	all.  TCP bind/connect handled with no rule (ABI 4+).  Abstract unix
 *	sockets and signals scoped to the domain (ABI 6+).
 *   helper: every filesystem right handled; one rule grants the export
 *	tree what the operations need (never EXECUTE or IOCTL_DEV; MAKE_CHAR
 *	and MAKE_BLOCK only with devices; only READ_FILE and READ_DIR for a
 *	read-only export); an optional second rule lets the
 *	audit file be reopened for writing; network and scopes as above.
 *
 * Reopening an O_PATH handle through a "/proc/self/fd" directory fd keeps
 * working: Landlock does not restrict path walks, and checks the open of
 * the magic link's target against the rules of the target's path - so a
 * handle inside the export reopens, one outside does not
 * (tests/confinement prove both).
 *
 * Descriptors opened before the domain (or received with SCM_RIGHTS) are
 * not re-checked, except ftruncate/ioctl, which use the rights the opener
 * had: files the helper opens inside the export carry TRUNCATE.
 *
 * The uapi header of Debian 12 stops at ABI 2; what later ABIs added is
 * defined here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox_int.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* ABI 3 */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ABI 4 */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
/* ABI 5 */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
/* ABI 6 */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* The helper needs REFER for cross-directory rename and link. */
#define LL_ABI_MIN_HELPER 2

/*
 * struct landlock_ruleset_attr grew a member in ABI 4 and in ABI 6; the
 * installed header may have only the first, so use our own copy of the
 * layout and pass the size the running kernel knows.
 */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_FS_ALL                                                                                  \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE |    \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define LL_NET_ALL (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define LL_SCOPE_ALL (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)

static int ll_probe(const struct sandbox_opts *o)
{
	long abi;

	if (o->test_flags & SANDBOX_TEST_FAKE_NO_LANDLOCK) {
		errno = EOPNOTSUPP;
		return -1;
	}
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -1;
	/* tests: pretend to be an older kernel */
	if ((o->test_flags >> 8 & 0xff) && abi > (long)(o->test_flags >> 8 & 0xff))
		abi = (long)(o->test_flags >> 8 & 0xff);
	return (int)abi;
}

static void ll_append(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", word);
}

static int ll_add_path(int ruleset, int fd, uint64_t access, const char *what)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};

	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0) {
		log_err("sandbox: landlock rule for the %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

#if SANDBOX_SANITIZER_RUNTIME
/*
 * Sanitizer builds only: LSan's exit-time tracer lists /proc/PID/task (and
 * reads the threads' status files below it).  The O_PATH descriptor stays
 * open for the life of the process: it pins the procfs dentry and inode the
 * rule is attached to (procfs makes a new inode when a dentry is dropped).
 */
static int ll_add_sanitizer(int ruleset, uint64_t handled, char *fs, size_t len)
{
	int fd = open("/proc/self/task", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_err("sandbox: sanitizer build: cannot open /proc/self/task: %s",
			strerror(errno));
		return -1;
	}
	if (ll_add_path(ruleset, fd,
			handled & (LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_READ_FILE),
			"sanitizer's /proc/self/task") < 0) {
		close(fd);
		return -1;
	}
	snprintf(fs + strlen(fs), len - strlen(fs), "+sanitizer:/proc/self/task");
	return 0;
}
#endif

int sandbox_landlock_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			   size_t len)
{
	struct ll_ruleset_attr attr = {
	    .handled_access_fs = LL_FS_ALL,
	    .handled_access_net = LL_NET_ALL,
	    .scoped = LL_SCOPE_ALL,
	};
	size_t attr_size = sizeof(attr);
	char dropped[96] = "", scope[48] = "", fs[80];
	int min_abi = role == SANDBOX_ROLE_HELPER ? LL_ABI_MIN_HELPER : 1;
	int abi, ruleset, rc = -1;

	abi = ll_probe(o);
	if (abi < 0) {
		int e = errno;

		if (!o->allow_no_landlock) {
			log_err("sandbox: Landlock is not available (%s); refusing to start "
				"without it (--allow-no-landlock overrides)",
				e == ENOSYS	  ? "kernel built without it"
				: e == EOPNOTSUPP ? "disabled at boot"
						  : strerror(e));
			return -1;
		}
		log_warn("sandbox: Landlock is not available (%s); running WITHOUT it as "
			 "--allow-no-landlock asks",
			 strerror(e));
		snprintf(desc, len, "none(unavailable,allowed)");
		return 0;
	}
	if (abi < min_abi) {
		if (!o->allow_no_landlock) {
			log_err("sandbox: Landlock ABI %d lacks REFER (ABI %d); refusing to start "
				"(--allow-no-landlock accepts it: cross-directory rename and "
				"link will fail with EXDEV)",
				abi, min_abi);
			return -1;
		}
		log_warn("sandbox: Landlock ABI %d lacks REFER: cross-directory rename and link "
			 "will fail with EXDEV",
			 abi);
	}

	/* Start from every known right; strip what older ABIs lack. */
	switch (abi) {
	case 1:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_REFER;
		ll_append(dropped, sizeof(dropped), "refer");
		__attribute__((fallthrough));
	case 2:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
		ll_append(dropped, sizeof(dropped), "truncate");
		__attribute__((fallthrough));
	case 3:
		attr.handled_access_net = 0;
		attr_size = offsetof(struct ll_ruleset_attr, handled_access_net);
		ll_append(dropped, sizeof(dropped), "net");
		__attribute__((fallthrough));
	case 4:
		attr.handled_access_fs &= ~LANDLOCK_ACCESS_FS_IOCTL_DEV;
		ll_append(dropped, sizeof(dropped), "ioctl_dev");
		__attribute__((fallthrough));
	case 5:
		attr.scoped = 0;
		if (attr_size > offsetof(struct ll_ruleset_attr, scoped))
			attr_size = offsetof(struct ll_ruleset_attr, scoped);
		ll_append(dropped, sizeof(dropped), "scope");
		break;
	default:
		/* 6, and newer ABIs that add nothing we use (ABI 7: audit
		 * logging of denials, on by default). */
		break;
	}
	if (dropped[0])
		log_warn("sandbox: Landlock ABI %d: not enforced for lack of kernel support: %s",
			 abi, dropped);

	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0) {
		log_err("sandbox: landlock_create_ruleset (ABI %d): %s", abi, strerror(errno));
		return -1;
	}
	if (role == SANDBOX_ROLE_FRONTEND) {
		/* No rule: nothing of the filesystem is reachable by path. */
		snprintf(fs, sizeof(fs), "all-denied");
	} else {
		uint64_t exp = attr.handled_access_fs;

		exp &= ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_IOCTL_DEV);
		if (!o->devices)
			exp &= ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK);
		/* Read-only export: nothing below it can be written, made,
		 * removed, renamed or truncated, whatever the helper asks. */
		if (o->readonly)
			exp &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
		/* mapped-xattr: symlinks and nodes are regular files there. */
		if (o->mapped_metadata)
			exp &= ~(LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
				 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SOCK |
				 LANDLOCK_ACCESS_FS_MAKE_SYM);
		if (ll_add_path(ruleset, o->export_fd, exp, "export root") < 0)
			goto out_close;
		if (o->audit_fd >= 0) {
			/* Append-only is the opener's O_APPEND; Landlock can
			 * only say "write" (and lets the file be reopened for
			 * it, e.g. through /proc/self/fd).  A directory (the
			 * audit file's, for the reopen after log rotation)
			 * also gets MAKE_REG, to recreate a rotated-away file:
			 * only regular files, nothing removed or renamed. */
			struct stat ast;
			uint64_t aacc = LANDLOCK_ACCESS_FS_WRITE_FILE;

			if (fstat(o->audit_fd, &ast) == 0 && S_ISDIR(ast.st_mode))
				aacc |= LANDLOCK_ACCESS_FS_MAKE_REG;
			if (ll_add_path(ruleset, o->audit_fd, attr.handled_access_fs & aacc,
					"audit file") < 0)
				goto out_close;
		}
		snprintf(fs, sizeof(fs), "export%s%s", o->readonly ? "(ro)"
						  : o->mapped_metadata ? "(files,dirs)"
						  : o->devices ? "+devices" : "",
			 o->audit_fd >= 0 ? "+audit" : "");
	}
#if SANDBOX_SANITIZER_RUNTIME
	if (ll_add_sanitizer(ruleset, attr.handled_access_fs, fs, sizeof(fs)) < 0)
		goto out_close;
#endif
	if (attr.scoped & LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET)
		ll_append(scope, sizeof(scope), "abstract");
	if (attr.scoped & LANDLOCK_SCOPE_SIGNAL)
		ll_append(scope, sizeof(scope), "signal");

	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
		log_err("sandbox: landlock_restrict_self: %s", strerror(errno));
		goto out_close;
	}
	snprintf(desc, len, "abi%d(fs:%s net:%s scope:%s%s%s)", abi, fs,
		 attr.handled_access_net ? "denied" : "unrestricted", scope[0] ? scope : "none",
		 dropped[0] ? " missing:" : "", dropped);
	rc = 0;
out_close:
	close(ruleset);
	return rc;
}
