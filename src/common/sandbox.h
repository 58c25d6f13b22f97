/*
 * sandbox.h - confinement of the two p9guard processes (DESIGN §5).
 *
 * One function per role.  Each applies, in this order, and fails closed:
 *
 *   1. identity and capabilities (sandbox_caps.c, libcap-ng),
 *   2. no_new_privs,
 *   3. Landlock (sandbox_landlock.c, raw syscalls, ABI probed),
 *   4. seccomp allowlist (sandbox_seccomp.c, libseccomp) - last, because
 *      the filter forbids the syscalls the earlier steps use,
 *
 * and then logs one line saying exactly which layers are in force:
 *
 *   confinement: uid=65534 gid=65534 groups=none caps=none no_new_privs=1
 *   seccomp=kill(67 rules) landlock=abi7(fs:all-denied net:denied
 *   scope:abstract,signal)
 *
 * Call them while the process is still single-threaded (seccomp uses TSYNC,
 * but credentials, capabilities and the Landlock domain are per thread): the
 * functions refuse to run when /proc/self/status shows more than one thread.
 *
 * Where the daemons call them (the "applied here" comments in main.c):
 *
 *   p9guard (frontend), src/launcher/main.c, right after
 *   launcher_drop_privileges() and before server_run():
 *
 *	struct sandbox_opts so;
 *	sandbox_opts_init(&so);            (ids kept: the launcher dropped them)
 *	so.seccomp_action = parsed --seccomp-action;
 *	so.allow_no_landlock = --allow-no-landlock given;
 *	so.syslog = o.syslog;
 *	if (sandbox_frontend(&so) < 0)
 *		die("cannot confine the frontend");
 *
 *   A frontend that has not dropped its ids yet sets so.uid/so.gid instead:
 *   sandbox_frontend() then empties the bounding set while it still has
 *   CAP_SETPCAP, drops the supplementary groups, gid and uid.  With the ids
 *   kept it only verifies, and fails if any capability is left in any set
 *   (incl. bounding: drop it with capng_change_id(...CAPNG_CLEAR_BOUNDING)
 *   or let sandbox_frontend() do the change), or if it is uid 0.  So a
 *   frontend started without root (the launcher's "running as uid N without
 *   switching user" mode) is refused: its bounding set cannot be emptied.
 *
 *   p9guard-helper, src/helper/helper_main.c, after open_root(),
 *   open_procfd() and creds_load_userdb(), before helper_serve():
 *
 *	struct sandbox_opts so;
 *	sandbox_opts_init(&so);
 *	so.export_fd = root->fd;  so.audit_fd = audit fd or -1;
 *	so.devices = env.allow_devices;  so.syslog = o.syslog;
 *	so.seccomp_action / so.allow_no_landlock from the helper's options;
 *	if (sandbox_helper(&so) < 0)
 *		die("cannot confine the helper");
 *
 *   (Checked end to end: both daemons patched this way serve ls, cat, put,
 *   mkdir, mv across directories, ln, ln -s, readlink, xattrs, df, rm -r
 *   and a create as uid 1000 with seccomp=kill.)
 *
 * What the filters imply for the code that runs after them:
 *
 *   frontend: only descriptor-based syscalls.  Use sandbox_fstat() instead
 *   of fstat(3) (glibc implements fstat() with newfstatat(fd, "",
 *   AT_EMPTY_PATH), which takes a path and is refused with ENOSYS).  Do not
 *   call anything that loads a library or reads a file lazily: NSS
 *   (getpwnam), iconv, locales other than "C", pthread_cancel() and
 *   pthread_exit() (both dlopen libgcc_s for unwinding: return from the
 *   thread function instead).  Locks: F_OFD_SETLK/F_OFD_GETLK only (never
 *   blocking).  Threads: pthread_create works (clone3 answers ENOSYS and
 *   glibc falls back to clone with CLONE_THREAD).
 *
 *   helper: every *at() call takes a real directory descriptor - AT_FDCWD
 *   is refused (no cwd-relative lookup).  openat() with O_CREAT must also
 *   carry O_EXCL (creation never follows a symlink left at the name).
 *   mknodat() of a char/block device is refused unless devices are enabled.
 *   Credentials are per thread: setfsuid/setfsgid and the raw
 *   syscall(SYS_setgroups) (glibc's setgroups() signals every thread).  The
 *   helper never changes its real/effective uid (setresuid is refused).
 *   Note the kernel drops CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER,
 *   FSETID and MKNOD from a thread's effective set while its fsuid is not 0
 *   and gives them back when it returns to 0 - so mknod of a device must run
 *   with fsuid 0 unless fsuid_keeps_caps is set.
 *
 *   both: syslog() keeps working if it was opened (LOG_NDELAY) before; if
 *   the log socket breaks, glibc's reconnect gets EACCES from socket() and
 *   messages are lost until restart (no process dies).  Time zone data is
 *   loaded (tzset) before the filters, so localtime_r() works after them.
 */
#ifndef P9G_SANDBOX_H
#define P9G_SANDBOX_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* What a filtered syscall does. */
enum sandbox_seccomp_action {
	SANDBOX_SECCOMP_KILL = 0, /* kill the process (SIGSYS): the default */
	SANDBOX_SECCOMP_TRAP,	  /* log the syscall number, return EPERM */
	SANDBOX_SECCOMP_LOG,	  /* let it through, kernel audit logs it */
	SANDBOX_SECCOMP_NONE,	  /* tests only: no filter (never parsed) */
};

/* "keep the ids the process already has" */
#define SANDBOX_ID_KEEP ((unsigned int)-1)

/* Test-only switches (tests/confinement); daemons leave test_flags 0. */
#define SANDBOX_TEST_FAKE_NO_LANDLOCK 0x1 /* behave as if the kernel lacked it */
/* use at most Landlock ABI n (1..255), as an older kernel would offer */
#define SANDBOX_TEST_LANDLOCK_ABI(n) ((unsigned int)(n) << 8)

struct sandbox_opts {
	/* --seccomp-action=kill|trap|log */
	enum sandbox_seccomp_action seccomp_action;
	/* --allow-no-landlock: run without Landlock (or, for the helper,
	 * with ABI 1, no cross-directory rename/link) instead of refusing */
	bool allow_no_landlock;
	/* syslog was opened before sandboxing: keep it usable */
	bool syslog;

	/* frontend: unprivileged ids to drop to, or SANDBOX_ID_KEEP */
	uid_t uid;
	gid_t gid;

	/* helper: export root (O_PATH or O_DIRECTORY fd), required */
	int export_fd;
	/* helper: audit file (opened for append) or -1 */
	int audit_fd;
	/* helper: mknod of char/block devices (CAP_MKNOD, Landlock
	 * MAKE_CHAR/MAKE_BLOCK, seccomp mode filter) */
	bool devices;
	/* helper: CAP_SYS_ADMIN, which the kernel requires for trusted.*
	 * and security.* xattrs, in the permitted set only: the helper
	 * raises it for one call of a host-root request (helper_caps.c).
	 * Off by default: SYS_ADMIN is a very broad capability. */
	bool trusted_xattrs;
	/* helper: keep the filesystem capabilities while a thread's fsuid is
	 * a guest uid (SECBIT_NO_SETUID_FIXUP): lets a guest uid create a
	 * device node atomically owned by it, but also bypasses host DAC
	 * checks for that thread.  Off by default. */
	bool fsuid_keeps_caps;
	/* helper: a read-only export (--readonly): Landlock grants the
	 * export only READ_FILE and READ_DIR, and the capabilities shrink
	 * to those of lookups and reads (no CHOWN, FOWNER, FSETID, MKNOD). */
	bool readonly;
	/* helper: --security-model none: requests run with the helper's own
	 * ids, so no SETUID/SETGID.  Required for a helper that is not root
	 * (the launcher's --helper-user): it then holds no capability at all,
	 * which is verified instead of set. */
	bool no_creds_switch;
	/* helper: --security-model mapped-xattr: ownership and special files
	 * are xattr metadata, so no CHOWN, FSETID or MKNOD, and Landlock lets
	 * only regular files and directories be made (implies
	 * no_creds_switch). */
	bool mapped_metadata;

	unsigned int test_flags;
};

/* Defaults: kill, Landlock required, ids kept, no fds, nothing optional. */
void sandbox_opts_init(struct sandbox_opts *o);

/* Parse "kill", "trap" or "log"; 0 on success, -1 if unknown. */
int sandbox_seccomp_action_parse(const char *s, enum sandbox_seccomp_action *out);
const char *sandbox_seccomp_action_name(enum sandbox_seccomp_action a);

/* Confine the calling process as the frontend / the helper.  0 on success;
 * -1 after logging why (the process is then in an undefined, partially
 * confined state and must exit). */
int sandbox_frontend(const struct sandbox_opts *o);
int sandbox_helper(const struct sandbox_opts *o);

/* fstat(2) as the raw fstat syscall, which the frontend filter allows. */
int sandbox_fstat(int fd, struct stat *st);

#endif
