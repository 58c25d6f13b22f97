/*
 * sandbox_seccomp.c - the seccomp allowlists of the two roles (libseccomp).
 *
 * Every filter: the architecture check (libseccomp, native arch only;
 * anything else - including x32 on x86_64 - kills), the sorted allowlists
 * with argument filters (runtime_rules, then frontend_rules or
 * helper_rules), the rules that depend on the role or the options and the
 * errno denials libc may try (cond_rules), and the default action (kill
 * the process unless --seccomp-action says trap/log).  Every rule is in
 * one of these tables.
 *
 * Argument positions are those of x86_64 and aarch64 (clone's flags are
 * argument 0 there; s390 swaps them).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox_int.h"

static const char *const action_names[] = {
    [SANDBOX_SECCOMP_KILL] = "kill",
    [SANDBOX_SECCOMP_TRAP] = "trap",
    [SANDBOX_SECCOMP_LOG] = "log",
    [SANDBOX_SECCOMP_NONE] = "none",
};

int sandbox_seccomp_action_parse(const char *s, enum sandbox_seccomp_action *out)
{
	/* "none" is deliberately not accepted: it exists for tests only. */
	for (int a = SANDBOX_SECCOMP_KILL; a <= SANDBOX_SECCOMP_LOG; a++) {
		if (strcmp(s, action_names[a]) == 0) {
			*out = (enum sandbox_seccomp_action)a;
			return 0;
		}
	}
	return -1;
}

const char *sandbox_seccomp_action_name(enum sandbox_seccomp_action a)
{
	if ((unsigned int)a > SANDBOX_SECCOMP_NONE)
		return "?";
	return action_names[a];
}

#define MAX_CMP 3

/* One rule; the comparisons in use come first (op 0 ends the list). */
struct sc_rule {
	int nr;
	struct scmp_arg_cmp cmp[MAX_CMP];
};

/* clang-format off */
/* An unconditional allow. */
#define ALLOW(name) { .nr = SCMP_SYS(name) }
/* An allow when every comparison holds (plain initializers, not
 * libseccomp's compound-literal macros, so the tables can be static). */
#define ALLOW_IF(name, ...) { .nr = SCMP_SYS(name), .cmp = { __VA_ARGS__ } }
#define CMP(i, o, a, b) { .arg = (i), .op = (o), .datum_a = (a), .datum_b = (b) }
/* clang-format on */

/* The low 32 bits of argument i (an int) equal v, whatever the upper half. */
#define ARG32_EQ(i, v) CMP(i, SCMP_CMP_MASKED_EQ, 0xffffffffULL, (uint32_t)(v))
/* Argument i (an int) has none of the bits m. */
#define ARG_CLEAR(i, m) CMP(i, SCMP_CMP_MASKED_EQ, (uint64_t)(m), 0)
/* Argument i has all the bits m among those of mask. */
#define ARG_MASKED(i, mask, m) CMP(i, SCMP_CMP_MASKED_EQ, (uint64_t)(mask), (uint64_t)(m))
/* Argument i (an int directory fd) is a real descriptor, not AT_FDCWD:
 * bit 31 of its low half is clear. */
#define ARG_DIRFD(i) CMP(i, SCMP_CMP_MASKED_EQ, 0x80000000ULL, 0)

/*
 * clone() may only make a thread: it shares memory, signal handlers, fs
 * context and descriptor table, and enters no new namespace.
 */
#define CLONE_THREAD_MASK                                                                          \
	(CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_FS | CLONE_FILES | CLONE_NEWNS |          \
	 CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |            \
	 CLONE_NEWNET)
#define CLONE_THREAD_WANT (CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_FS | CLONE_FILES)

/* clang-format off */
/*
 * Runtime, memory, threads and signals: what glibc itself needs in both
 * processes (malloc, pthread_create/join, condition variables, exit).
 */
static const struct sc_rule runtime_rules[] = {
	ALLOW(brk),
	ALLOW(clock_gettime),		/* vDSO fallback */
	ALLOW(clock_nanosleep),
	ALLOW_IF(clone, ARG_MASKED(0, CLONE_THREAD_MASK, CLONE_THREAD_WANT)),
	ALLOW(close),
	ALLOW(exit),			/* a thread ends */
	ALLOW(exit_group),
	ALLOW(futex),
	ALLOW(getpid),
	ALLOW(getrandom),		/* malloc/hash seeds; no path */
	ALLOW(gettid),
	ALLOW(madvise),			/* thread stacks and malloc give memory back */
	ALLOW_IF(mmap, ARG_CLEAR(2, PROT_EXEC)),
	ALLOW_IF(mprotect, ARG_CLEAR(2, PROT_EXEC)), /* stack guards, arenas */
	ALLOW(mremap),			/* realloc; keeps the (non-exec) protection */
	ALLOW(munmap),
	ALLOW(nanosleep),
	ALLOW(restart_syscall),		/* the kernel restarts an interrupted sleep */
	ALLOW(rseq),			/* glibc registers it for every new thread */
	ALLOW(rt_sigaction),
	ALLOW(rt_sigprocmask),
	ALLOW(rt_sigreturn),
	ALLOW(set_robust_list),		/* every new thread */
	ALLOW(sigaltstack),
	/* tgkill, to this process only: added at run time (needs its pid) */
};

#if SANDBOX_SANITIZER_RUNTIME
/*
 * Sanitizer builds only (sandbox_int.h): the ASan/LSan runtime's own
 * syscalls.  LSan's tracer task is made with clone(CLONE_VM|CLONE_FS|
 * CLONE_FILES|CLONE_UNTRACED) - no CLONE_THREAD, ptrace needs another
 * thread group - and inherits these filters; it opens /proc/PID/task
 * (Landlock allows nothing else), attaches to each thread and reads its
 * registers, which may point into the heap.  ptrace is bounded by the
 * kernel's own checks (same uid, and Landlock lets a domain trace only
 * itself and its children); still, never a production build.
 */
#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61 /* Yama; as in <linux/prctl.h> */
#endif
static const struct sc_rule sanitizer_rules[] = {
	ALLOW_IF(clone, ARG_MASKED(0, CLONE_THREAD_MASK | CLONE_UNTRACED | CLONE_PTRACE,
				   CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED)),
	/* the tracer lists /proc/PID/task: getdents and open on x86_64,
	 * getdents64 and openat(AT_FDCWD) elsewhere; read-only */
	ALLOW(getdents),
	ALLOW(getdents64),
	ALLOW(getppid),			/* the tracer checks its parent lives */
	ALLOW_IF(ioctl, ARG32_EQ(1, TCGETS)), /* isatty(stderr) before a report */
	ALLOW_IF(open, ARG_CLEAR(1, O_CREAT | O_WRONLY | O_RDWR | O_TRUNC)),
	ALLOW_IF(openat, ARG32_EQ(0, AT_FDCWD), ARG_CLEAR(2, O_CREAT | O_WRONLY | O_RDWR | O_TRUNC)),
	ALLOW_IF(prctl, ARG32_EQ(0, PR_GET_DUMPABLE)),
	ALLOW_IF(prctl, ARG32_EQ(0, PR_SET_DUMPABLE)),
	ALLOW_IF(prctl, ARG32_EQ(0, PR_SET_PDEATHSIG)),
	ALLOW_IF(prctl, ARG32_EQ(0, PR_SET_PTRACER)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_ATTACH)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_CONT)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_DETACH)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_GETREGS)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_GETREGSET)),
	ALLOW_IF(ptrace, ARG32_EQ(0, PTRACE_KILL)),
	ALLOW(sched_getaffinity),	/* every new thread: pthread_getattr_np() */
	ALLOW(sched_yield),		/* waiting for the tracer */
	ALLOW(wait4),			/* the tracer waits for each thread to stop */
};
#endif

/*
 * Frontend: descriptors only.  No syscall that takes a path, creates a
 * process, maps executable memory, opens a socket or changes credentials.
 * It serves 9P on sockets it holds and reads/writes files and directories
 * on descriptors the helper passed it.
 */
static const struct sc_rule frontend_rules[] = {
	ALLOW(accept),			/* listening sockets opened before sandboxing */
	ALLOW(accept4),
	ALLOW(epoll_create1),
	ALLOW(epoll_ctl),
	ALLOW(epoll_pwait),
	ALLOW(epoll_wait),
	ALLOW(eventfd2),		/* wake the event loop; spare/probe descriptors at EMFILE */
	/* fcntl: descriptor flags, non-blocking mode, and OFD locks for
	 * Tlock/Tgetlock; never a blocking (...LKW) or process-wide lock,
	 * F_SETOWN/F_SETSIG (signals to other processes) or leases. */
	ALLOW_IF(fcntl, ARG32_EQ(1, F_DUPFD_CLOEXEC)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_GETFD)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_GETFL)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_GET_SEALS)), /* vhost-user: guest memory cannot shrink */
	ALLOW_IF(fcntl, ARG32_EQ(1, F_OFD_GETLK)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_OFD_SETLK)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_SETFD)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_SETFL)),
	ALLOW(fdatasync),
	ALLOW(fstat),			/* the raw syscall: sandbox_fstat() */
	ALLOW(fsync),
	/* ftruncate: Tsetattr(size) on an open fid.  Only works on a
	 * descriptor the helper opened for writing, whose Landlock rights
	 * carry TRUNCATE: no reach beyond write(2) on the same file. */
	ALLOW(ftruncate),
	ALLOW(getdents64),		/* Treaddir on a passed directory descriptor */
	ALLOW(getpeername),		/* log the client address */
	ALLOW(getsockname),
	ALLOW_IF(getsockopt, ARG32_EQ(1, SOL_SOCKET)), /* SO_PEERCRED, SO_ERROR */
	ALLOW(lseek),
	ALLOW(pipe2),
	ALLOW(poll),
	ALLOW(ppoll),
	ALLOW(pread64),
	ALLOW(preadv),
	ALLOW(pwrite64),
	ALLOW(pwritev),
	ALLOW(read),
	ALLOW(readv),
	ALLOW(recvfrom),
	ALLOW(recvmsg),			/* helper replies, with SCM_RIGHTS */
	ALLOW(sendmsg),
	ALLOW(sendto),			/* also syslog() on a log socket opened before */
	ALLOW(shutdown),
	ALLOW(signalfd4),
	ALLOW(write),
	ALLOW(writev),
};

/*
 * Helper: fd-relative filesystem operations on the export, metadata,
 * per-thread credentials, and its socketpair.  Every *at() takes a real
 * directory descriptor (never AT_FDCWD).  Not present, so killed: socket,
 * connect, bind, listen, execve, execveat, ptrace, mount, umount2,
 * pivot_root, chroot, keyctl, add_key, request_key, bpf, io_uring_*,
 * *_module, kexec_*, open_by_handle_at (a file handle escapes any tree
 * with CAP_DAC_READ_SEARCH), setresuid/setuid (the helper stays uid 0),
 * getdents64 (the frontend reads directories), unshare, setns.
 */
static const struct sc_rule helper_rules[] = {
	/* capget/capset act on the calling thread and can never exceed the
	 * permitted set: CAP_SYS_ADMIN raised for one xattr call */
	ALLOW(capget),
	ALLOW(capset),
	ALLOW(fchmod),
	ALLOW_IF(fchmodat, ARG_DIRFD(0)),
	ALLOW_IF(fchownat, ARG_DIRFD(0)), /* also (handle, "", AT_EMPTY_PATH) */
	/* fcntl: descriptor flags only. */
	ALLOW_IF(fcntl, ARG32_EQ(1, F_DUPFD_CLOEXEC)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_GETFD)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_GETFL)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_SETFD)),
	ALLOW_IF(fcntl, ARG32_EQ(1, F_SETFL)),
	ALLOW(fstat),
	ALLOW(fstatfs),			/* Tstatfs (works on O_PATH) */
	ALLOW(ftruncate),		/* Tsetattr(size), on a reopened descriptor */
	/* Path-based xattr calls, for "/proc/self/fd/N" of O_PATH handles
	 * (symlinks and special files cannot be opened for f*xattr, and the
	 * l* forms would act on the magic link): no f* or l* form. */
	ALLOW(getxattr),
	ALLOW_IF(linkat, ARG_DIRFD(0), ARG_DIRFD(2)),
	ALLOW(listxattr),
	ALLOW(lseek),
	ALLOW_IF(mkdirat, ARG_DIRFD(0)),
	/* mknodat: see helper_mknod_rules() */
	ALLOW_IF(newfstatat, ARG_DIRFD(0)), /* also glibc's fstat() */
	/* openat: lookups and reopens freely; creation only exclusive, so a
	 * symlink planted at the name is never followed. */
	ALLOW_IF(openat, ARG_DIRFD(0), ARG_CLEAR(2, O_CREAT)),
	ALLOW_IF(openat, ARG_DIRFD(0), ARG_MASKED(2, O_CREAT | O_EXCL, O_CREAT | O_EXCL)),
	/* openat2: struct open_how is out of a filter's reach; the helper
	 * passes RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS */
	ALLOW_IF(openat2, ARG_DIRFD(0)),
	ALLOW(poll),			/* wait on the socketpair and a wake-up pipe */
	ALLOW(ppoll),
	ALLOW(read),			/* wake-up pipe/eventfd */
	ALLOW_IF(readlinkat, ARG_DIRFD(0)),
	ALLOW(recvmsg),			/* requests (the helper never accepts fds) */
	ALLOW(removexattr),
	/* the helper calls renameat() (glibc: the renameat syscall) */
	ALLOW_IF(renameat, ARG_DIRFD(0), ARG_DIRFD(2)),
	ALLOW(sendmsg),			/* replies with SCM_RIGHTS */
	ALLOW(setfsgid),		/* per-thread credentials of an operation */
	ALLOW(setfsuid),
	ALLOW(setgroups),		/* raw syscall: per thread */
	ALLOW(setxattr),
	ALLOW_IF(symlinkat, ARG_DIRFD(1)),
	ALLOW_IF(unlinkat, ARG_DIRFD(0)),
	ALLOW_IF(utimensat, ARG_DIRFD(0)),
	ALLOW(write),			/* log and audit lines */
	ALLOW(writev),
};
/* clang-format on */

static int sc_add(scmp_filter_ctx ctx, uint32_t action, const struct sc_rule *r, int *count)
{
	unsigned int ncmp = 0;
	int rc;

	if (r->nr < 0)
		return 0; /* not a syscall of this architecture: nothing to allow */
	while (ncmp < MAX_CMP && r->cmp[ncmp].op != 0)
		ncmp++;
	rc = seccomp_rule_add_array(ctx, action, r->nr, ncmp, ncmp ? r->cmp : NULL);
	if (rc < 0) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);

		log_err("sandbox: seccomp rule for %s: %s", name ? name : "?", strerror(-rc));
		free(name);
		return -1;
	}
	(*count)++;
	return 0;
}

static int sc_add_table(scmp_filter_ctx ctx, const struct sc_rule *t, size_t n, int *count)
{
	for (size_t i = 0; i < n; i++)
		if (sc_add(ctx, SCMP_ACT_ALLOW, &t[i], count) < 0)
			return -1;
	return 0;
}

/* Which role a rule of cond_rules is for, and what else it depends on. */
enum { SC_FRONTEND = 1, SC_HELPER = 2, SC_BOTH = 3 };
enum {
	SC_IF_SYSLOG = 1,  /* syslog was opened before the sandbox */
	SC_IF_DEVICES = 2, /* the helper may make device nodes */
	SC_ARG0_PID = 4,   /* argument 0 must be this process's pid */
};

struct sc_cond {
	struct sc_rule r;
	int deny;	    /* 0: allow; else fail the call with this errno */
	unsigned int roles; /* SC_FRONTEND, SC_HELPER */
	unsigned int when;  /* SC_IF_*, SC_ARG0_PID */
};

/* clang-format off */
/*
 * The rules that depend on the role or the options, and the denials libc
 * may try: everything the filters hold beyond the allowlists above.
 */
static const struct sc_cond cond_rules[] = {
	/* glibc's pthread_create tries clone3 first and falls back to clone
	 * on ENOSYS; clone3's flags are in memory, out of reach of a filter. */
	{ ALLOW(clone3), ENOSYS, SC_BOTH, 0 },
	/* glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH): the path is a
	 * pointer a filter cannot inspect.  Fail it (stdio copes) rather than
	 * kill; code uses sandbox_fstat(). */
	{ ALLOW(newfstatat), ENOSYS, SC_FRONTEND, 0 },
	/* glibc's syslog() reconnects a broken log socket: fail that quietly
	 * instead of killing the daemon. */
	{ ALLOW_IF(socket, ARG32_EQ(0, AF_UNIX)), EACCES, SC_BOTH, SC_IF_SYSLOG },
	/* syslog() (--syslog, --audit syslog) is send() on the log socket
	 * connected before the sandbox: sendto with no address.  The helper
	 * can make no other connected socket. */
	{ ALLOW_IF(sendto, CMP(4, SCMP_CMP_EQ, 0, 0)), 0, SC_HELPER, SC_IF_SYSLOG },
	/* mknodat: regular files, FIFOs and sockets; devices only when enabled. */
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, 0)), 0, SC_HELPER, 0 },
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, S_IFREG)), 0, SC_HELPER, 0 },
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, S_IFIFO)), 0, SC_HELPER, 0 },
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, S_IFSOCK)), 0, SC_HELPER, 0 },
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, S_IFCHR)), 0, SC_HELPER,
	  SC_IF_DEVICES },
	{ ALLOW_IF(mknodat, ARG_DIRFD(0), ARG_MASKED(2, S_IFMT, S_IFBLK)), 0, SC_HELPER,
	  SC_IF_DEVICES },
	/* tgkill: only to threads of this process (raise(), abort(),
	 * pthread_kill(), glibc's set-id broadcast). */
	{ ALLOW(tgkill), 0, SC_BOTH, SC_ARG0_PID },
};
/* clang-format on */

/* Does cond_rules[i] belong in role's filter with these options? */
static bool sc_cond_applies(const struct sc_cond *c, enum sandbox_role role,
			    const struct sandbox_opts *o)
{
	if (!(c->roles & (role == SANDBOX_ROLE_FRONTEND ? SC_FRONTEND : SC_HELPER)))
		return false;
	if ((c->when & SC_IF_SYSLOG) && !o->syslog)
		return false;
	return !(c->when & SC_IF_DEVICES) || o->devices;
}

static int sc_add_cond(scmp_filter_ctx ctx, enum sandbox_role role, const struct sandbox_opts *o,
		       int *count)
{
	for (size_t i = 0; i < sizeof(cond_rules) / sizeof(cond_rules[0]); i++) {
		const struct sc_cond *c = &cond_rules[i];
		struct sc_rule r = c->r;

		if (!sc_cond_applies(c, role, o))
			continue;
		if (c->when & SC_ARG0_PID)
			r.cmp[0] = (struct scmp_arg_cmp)ARG32_EQ(0, getpid());
		if (sc_add(ctx, c->deny ? SCMP_ACT_ERRNO((uint32_t)c->deny) : SCMP_ACT_ALLOW, &r,
			   count) < 0)
			return -1;
	}
	return 0;
}

/*
 * --seccomp-action=trap: say which syscall was refused and make it fail
 * with EPERM, so a run can be diagnosed without dying.  Only
 * async-signal-safe calls here.
 */
static void sc_sigsys(int sig, siginfo_t *si, void *uc_)
{
	static const char head[] = "seccomp: refused syscall ";
	static const char tail[] = " (trap: returning EPERM)\n";
	ucontext_t *uc = uc_;
	char num[16];
	int n = 0, v = si->si_syscall;
	char out[sizeof(head) + sizeof(num) + sizeof(tail)];
	size_t len = 0;

	(void)sig;
	do {
		num[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof(num));
	memcpy(out, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	while (n > 0)
		out[len++] = num[--n];
	memcpy(out + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	if (write(STDERR_FILENO, out, len) < 0) {
		/* nothing to do */
	}
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#else
	(void)uc;
#endif
}

static int sc_install_trap_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		log_err("sandbox: cannot install the SIGSYS handler: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_seccomp_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			  size_t len)
{
	uint32_t deflt;
	scmp_filter_ctx ctx;
	int count = 0, san_count = 0, rc = -1, err;

	switch (o->seccomp_action) {
	case SANDBOX_SECCOMP_KILL:
		deflt = SCMP_ACT_KILL_PROCESS;
		break;
	case SANDBOX_SECCOMP_TRAP:
		deflt = SCMP_ACT_TRAP;
		break;
	case SANDBOX_SECCOMP_LOG:
		deflt = SCMP_ACT_LOG;
		break;
	case SANDBOX_SECCOMP_NONE:
		log_warn("sandbox: NO seccomp filter (test mode)");
		snprintf(desc, len, "none(test)");
		return 0;
	default:
		log_err("sandbox: unknown seccomp action %d", (int)o->seccomp_action);
		return -1;
	}

	ctx = seccomp_init(deflt);
	if (!ctx) {
		log_err("sandbox: seccomp_init failed");
		return -1;
	}
	/* Architecture check: a foreign-arch syscall always kills. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    /* every thread gets the filter (there is only one by now) */
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
	    /* no_new_privs was set by sandbox.c already */
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0) {
		log_err("sandbox: seccomp attributes refused");
		goto out;
	}

	/* The allowlist, then what depends on the role and the options. */
	if (sc_add_table(ctx, runtime_rules, sizeof(runtime_rules) / sizeof(runtime_rules[0]),
			 &count) < 0)
		goto out;
#if SANDBOX_SANITIZER_RUNTIME
	if (sc_add_table(ctx, sanitizer_rules, sizeof(sanitizer_rules) / sizeof(sanitizer_rules[0]),
			 &san_count) < 0)
		goto out;
#endif
	if (role == SANDBOX_ROLE_FRONTEND) {
		if (sc_add_table(ctx, frontend_rules,
				 sizeof(frontend_rules) / sizeof(frontend_rules[0]), &count) < 0)
			goto out;
	} else {
		if (sc_add_table(ctx, helper_rules, sizeof(helper_rules) / sizeof(helper_rules[0]),
				 &count) < 0)
			goto out;
	}
	if (sc_add_cond(ctx, role, o, &count) < 0)
		goto out;

	if (o->seccomp_action == SANDBOX_SECCOMP_TRAP && sc_install_trap_handler() < 0)
		goto out;
	err = seccomp_load(ctx);
	if (err != 0) {
		log_err("sandbox: seccomp_load: %s", strerror(-err));
		goto out;
	}
	if (san_count)
		snprintf(desc, len, "%s(%d rules+%d sanitizer)",
			 sandbox_seccomp_action_name(o->seccomp_action), count, san_count);
	else
		snprintf(desc, len, "%s(%d rules)", sandbox_seccomp_action_name(o->seccomp_action),
			 count);
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

static int sc_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t sc_collect(const struct sc_rule *t, size_t n, char **names, size_t used,
			 size_t max)
{
	for (size_t i = 0; i < n && used < max; i++) {
		char *name;

		if (t[i].nr < 0)
			continue;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, t[i].nr);
		if (name)
			names[used++] = name;
	}
	return used;
}

int sandbox_seccomp_list(enum sandbox_role role, const struct sandbox_opts *o, char *out,
			 size_t len)
{
	char *names[256];
	size_t n = 0, pos = 0;

	n = sc_collect(runtime_rules, sizeof(runtime_rules) / sizeof(runtime_rules[0]), names, n,
		       256);
	if (role == SANDBOX_ROLE_FRONTEND)
		n = sc_collect(frontend_rules, sizeof(frontend_rules) / sizeof(frontend_rules[0]),
			       names, n, 256);
	else
		n = sc_collect(helper_rules, sizeof(helper_rules) / sizeof(helper_rules[0]), names,
			       n, 256);
	for (size_t i = 0; i < sizeof(cond_rules) / sizeof(cond_rules[0]); i++)
		if (!cond_rules[i].deny && sc_cond_applies(&cond_rules[i], role, o))
			n = sc_collect(&cond_rules[i].r, 1, names, n, 256);
	qsort(names, n, sizeof(names[0]), sc_name_cmp);
	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		w = snprintf(out + pos, len > pos ? len - pos : 0, "%s%s", pos ? " " : "", names[i]);
		if (w > 0)
			pos += (size_t)w;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return pos < len ? 0 : -1;
}
