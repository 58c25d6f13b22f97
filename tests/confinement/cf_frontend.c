/*
 * cf_frontend.c - prove each confinement layer of the frontend role
 * (sandbox_frontend(): uid 65534, no capabilities, no_new_privs, Landlock
 * with no filesystem access, seccomp allowlist without path syscalls).
 *
 * Run as root through tests/confinement/run.sh.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "cf_harness.h"

#define NOBODY 65534
#define LANDLOCK_ABI_VERSION_FLAG 1U

static char tmpdir[64];

static int fe_apply(enum sandbox_seccomp_action action, bool syslog_open)
{
	struct sandbox_opts o;

	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	o.uid = NOBODY;
	o.gid = NOBODY;
	o.seccomp_action = action;
	o.syslog = syslog_open;
	if (sandbox_frontend(&o) != 0) {
		cf_say("sandbox_frontend failed");
		return -1;
	}
	return 0;
}

static int landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_ABI_VERSION_FLAG);

	return abi < 0 ? 0 : (int)abi;
}

/* ---- allowed syscalls still work ---- */

static void *fe_thread(void *arg)
{
	char *p = malloc(1 << 20); /* mmap'ed chunk */

	if (p) {
		memset(p, 1, 1 << 20);
		free(p);
	}
	return arg;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static int fe_allowed(void)
{
	int sp[2], pp[2], f, d, bad = 0;
	char path[128], buf[256];

	/* Set-up, as root, before sandboxing: what the launcher would hold. */
	snprintf(path, sizeof(path), "%s/data", tmpdir);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	d = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f < 0 || d < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0 ||
	    pipe2(pp, O_CLOEXEC) != 0) {
		cf_say("set-up failed: %s", strerror(errno));
		return 1;
	}
	signal(SIGUSR1, on_usr1);
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;

	/* pipes, read/write */
	bad |= cf_check(write(pp[1], "x", 1) == 1, "write to pipe");
	bad |= cf_check(read(pp[0], buf, 1) == 1, "read from pipe");
	/* SCM_RIGHTS over the SEQPACKET pair, as from the helper */
	{
		struct msghdr mh = {0};
		struct iovec iov = {.iov_base = "m", .iov_len = 1};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		struct cmsghdr *ch;
		int got = -1;

		memset(&cm, 0, sizeof(cm));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &f, sizeof(int));
		bad |= cf_check(sendmsg(sp[0], &mh, 0) == 1, "sendmsg: %s", strerror(errno));
		iov.iov_base = buf;
		mh.msg_controllen = sizeof(cm.b);
		bad |= cf_check(recvmsg(sp[1], &mh, MSG_CMSG_CLOEXEC) == 1, "recvmsg: %s",
				strerror(errno));
		ch = CMSG_FIRSTHDR(&mh);
		if (ch && ch->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(ch), sizeof(int));
		bad |= cf_check(got >= 0, "no descriptor received");
		if (got >= 0) {
			struct stat st;

			bad |= cf_check(pwrite(got, "hello", 5, 0) == 5, "pwrite");
			bad |= cf_check(pread(got, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0,
					"pread");
			bad |= cf_check(ftruncate(got, 2) == 0, "ftruncate: %s", strerror(errno));
			bad |= cf_check(fsync(got) == 0 && fdatasync(got) == 0, "fsync");
			bad |= cf_check(lseek(got, 0, SEEK_END) == 2, "lseek");
			bad |= cf_check(sandbox_fstat(got, &st) == 0 && st.st_size == 2,
					"sandbox_fstat: %s", strerror(errno));
			/* glibc's fstat() is newfstatat: refused with ENOSYS, not killed */
			bad |= cf_check(fstat(got, &st) == -1 && errno == ENOSYS,
					"glibc fstat() should fail with ENOSYS");
			{
				struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

				bad |= cf_check(fcntl(got, F_OFD_SETLK, &fl) == 0,
						"F_OFD_SETLK: %s", strerror(errno));
				fl.l_type = F_WRLCK;
				bad |= cf_check(fcntl(got, F_OFD_GETLK, &fl) == 0,
						"F_OFD_GETLK: %s", strerror(errno));
			}
			bad |= cf_check(fcntl(got, F_GETFL) >= 0, "F_GETFL");
			bad |= cf_check(fcntl(got, F_DUPFD_CLOEXEC, 0) >= 0, "F_DUPFD_CLOEXEC");
		}
	}
	{
		struct ucred uc;
		socklen_t ul = sizeof(uc);

		bad |= cf_check(getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0,
				"SO_PEERCRED: %s", strerror(errno));
	}
	/* readdir on a directory descriptor */
	bad |= cf_check(syscall(SYS_getdents64, d, buf, sizeof(buf)) > 0, "getdents64: %s",
			strerror(errno));
	/* threads, memory */
	{
		pthread_t t;
		void *r = NULL;

		bad |= cf_check(pthread_create(&t, NULL, fe_thread, &bad) == 0 &&
				    pthread_join(t, &r) == 0 && r == &bad,
				"pthread_create/join");
	}
	{
		void *m =
		    mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		bad |= cf_check(m != MAP_FAILED, "mmap RW");
		bad |= cf_check(mprotect(m, 4096, PROT_READ) == 0, "mprotect R");
		bad |= cf_check(munmap(m, 8192) == 0, "munmap");
	}
	bad |= cf_check(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS,
			"clone3 should answer ENOSYS");
	/* event loop pieces */
	{
		int ev = eventfd(0, EFD_CLOEXEC), ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event e = {.events = EPOLLIN};
		struct pollfd pf = {.fd = pp[0], .events = POLLIN};

		bad |= cf_check(ev >= 0 && ep >= 0, "eventfd/epoll_create1");
		bad |= cf_check(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) == 0, "epoll_ctl");
		bad |= cf_check(epoll_wait(ep, &e, 1, 0) == 0, "epoll_wait");
		bad |= cf_check(poll(&pf, 1, 0) == 0, "poll");
	}
	{
		struct timespec ts = {0, 1000000};

		bad |= cf_check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0, "clock_gettime");
		ts.tv_sec = 0;
		ts.tv_nsec = 1000000;
		bad |= cf_check(nanosleep(&ts, NULL) == 0, "nanosleep");
		bad |= cf_check(getrandom(buf, 16, 0) == 16, "getrandom");
	}
	bad |= cf_check(raise(SIGUSR1) == 0 && got_usr1, "raise (tgkill to itself)");
	log_info("logging to stderr still works");
	return bad;
}

/* Send fd over the pair sp[0] -> sp[1]; what arrived, or -1. */
static int fe_pass_fd(const int sp[2], int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {.iov_base = "m", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct cmsghdr *ch;
	char c;
	int got = -1;

	memset(&cm, 0, sizeof(cm));
	ch = CMSG_FIRSTHDR(&mh);
	ch->cmsg_level = SOL_SOCKET;
	ch->cmsg_type = SCM_RIGHTS;
	ch->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(ch), &fd, sizeof(int));
	if (sendmsg(sp[0], &mh, 0) != 1)
		return -1;
	iov.iov_base = &c;
	mh.msg_controllen = sizeof(cm.b);
	if (recvmsg(sp[1], &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	ch = CMSG_FIRSTHDR(&mh);
	if (ch && ch->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(ch), sizeof(int));
	return got;
}

/*
 * What a vhost-user session needs (vu_mem.c, vu_dev.c): guest memory
 * arrives as a sealed memfd over the socket, is checked (F_GET_SEALS,
 * fstat), mapped MAP_SHARED read-write, and file data moves between it and
 * a passed descriptor with preadv/pwritev; kick and call are eventfds made
 * non-blocking.  Mapping it executable stays forbidden (mmap-exec-killed).
 */
static int fe_vhost_user_allowed(void)
{
	int sp[2], mem, f, ev, bad = 0;
	char path[128];

	snprintf(path, sizeof(path), "%s/vudata", tmpdir);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	mem = memfd_create("cf-guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ev = eventfd(0, EFD_CLOEXEC);
	if (f < 0 || mem < 0 || ev < 0 || ftruncate(mem, 65536) < 0 ||
	    fcntl(mem, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 || pwrite(f, "guest", 5, 0) != 5) {
		cf_say("set-up failed: %s", strerror(errno));
		return 1;
	}
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	{
		int got = fe_pass_fd(sp, mem), gev = fe_pass_fd(sp, ev), fl;
		struct stat st;
		uint8_t *m;

		bad |= cf_check(got >= 0 && gev >= 0, "no descriptor received");
		if (got < 0 || gev < 0)
			return 1;
		bad |= cf_check((fcntl(got, F_GET_SEALS) & F_SEAL_SHRINK) != 0, "F_GET_SEALS: %s",
				strerror(errno));
		bad |= cf_check(sandbox_fstat(got, &st) == 0 && st.st_size == 65536, "fstat of the memfd");
		m = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, got, 0);
		bad |= cf_check(m != MAP_FAILED, "mmap MAP_SHARED of the memfd: %s", strerror(errno));
		if (m != MAP_FAILED) {
			struct iovec iov[2] = {{m, 2}, {m + 4096, 3}};

			bad |= cf_check(madvise(m, 65536, MADV_DONTDUMP) == 0, "madvise DONTDUMP");
			bad |= cf_check(preadv(f, iov, 2, 0) == 5 && memcmp(m, "gu", 2) == 0 &&
						memcmp(m + 4096, "est", 3) == 0,
					"preadv into guest memory");
			memcpy(m + 8192, "reply", 5);
			iov[0] = (struct iovec){m + 8192, 5};
			bad |= cf_check(pwritev(f, iov, 1, 10) == 5, "pwritev from guest memory");
			bad |= cf_check(munmap(m, 65536) == 0, "munmap of guest memory");
		}
		fl = fcntl(gev, F_GETFL);
		bad |= cf_check(fl >= 0 && fcntl(gev, F_SETFL, fl | O_NONBLOCK) == 0,
				"eventfd made non-blocking");
		bad |= cf_check(write(gev, &(uint64_t){1}, 8) == 8, "eventfd write");
		bad |= cf_check(read(gev, &(uint64_t){0}, 8) == 8, "eventfd read");
		bad |= cf_check(read(gev, &(uint64_t){0}, 8) == -1 && errno == EAGAIN,
				"empty non-blocking eventfd: EAGAIN");
	}
	return bad;
}

/* The frontend never makes memory of its own to share: memfd_create kills. */
static int fe_memfd_create_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	memfd_create("nope", MFD_CLOEXEC);
	return 1;
}

/* ---- forbidden things: killed by SIGSYS ---- */

static int fe_open_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	open("/etc/passwd", O_RDONLY);
	return 1;
}

static int fe_execve_killed(void)
{
	char *argv[] = {"true", NULL}, *envp[] = {NULL};

	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	execve("/bin/true", argv, envp);
	return 1;
}

static int fe_socket_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	socket(AF_INET, SOCK_STREAM, 0);
	return 1;
}

static int fe_socket_syslog(void)
{
	int s;

	if (fe_apply(SANDBOX_SECCOMP_KILL, true) < 0)
		return 1;
	/* glibc's syslog() reconnect: answered EACCES */
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (cf_check(s == -1 && errno == EACCES, "socket(AF_UNIX) should fail with EACCES"))
		return 1;
	cf_armed();
	socket(AF_INET, SOCK_STREAM, 0);
	return 1;
}

static int fe_syslog_after(void)
{
	/* syslog opened before (whether or not a log daemon listens): a
	 * message after sandboxing must neither kill nor hang */
	log_init("cf_frontend", LOG_TO_STDERR | LOG_TO_SYSLOG, LOG_LVL_INFO);
	{
		struct sandbox_opts o;

		sandbox_opts_init(&o);
		o.uid = NOBODY;
		o.gid = NOBODY;
		o.syslog = true;
		if (sandbox_frontend(&o) != 0)
			return 1;
	}
	log_info("a message to syslog after sandboxing");
	log_warn("and another one");
	return 0;
}

static int fe_mmap_exec_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 1;
}

static int fe_mprotect_exec_killed(void)
{
	void *m;

	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cf_check(m != MAP_FAILED, "mmap RW"))
		return 1;
	cf_armed();
	mprotect(m, 4096, PROT_READ | PROT_EXEC);
	return 1;
}

static int fe_fork_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	if (fork() == 0)
		_exit(0);
	return 1;
}

static int fe_unshare_thread_clone_killed(void)
{
	/* clone with CLONE_THREAD but also a new namespace flag */
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	syscall(SYS_clone,
		CLONE_THREAD | CLONE_VM | CLONE_SIGHAND | CLONE_FS | CLONE_FILES | CLONE_NEWNET,
		NULL, NULL, NULL, 0);
	return 1;
}

static int fe_ioctl_killed(void)
{
	if (fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_armed();
	syscall(SYS_ioctl, 0, 0x5401 /* TCGETS */, NULL);
	return 1;
}

/* ---- capabilities, ids, no_new_privs as the kernel reports them ---- */

static int fe_caps(void)
{
	static const char *const zero[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	char st[8192], v[128];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC), bad = 0;

	if (fd < 0 || fe_apply(SANDBOX_SECCOMP_KILL, false) < 0)
		return 1;
	cf_read_fd(fd, st, sizeof(st));
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		bad |= cf_check(cf_status_field(st, zero[i], v, sizeof(v)) &&
				    strcmp(v, "0000000000000000") == 0,
				"%s is %s", zero[i], cf_status_field(st, zero[i], v, sizeof(v)));
	bad |= cf_check(cf_status_field(st, "NoNewPrivs", v, sizeof(v)) && strcmp(v, "1") == 0,
			"NoNewPrivs not 1");
	bad |= cf_check(cf_status_field(st, "Seccomp", v, sizeof(v)) && strcmp(v, "2") == 0,
			"Seccomp not 2 (filter)");
	bad |= cf_check(cf_status_field(st, "Uid", v, sizeof(v)) &&
			    strcmp(v, "65534\t65534\t65534\t65534") == 0,
			"Uid: %s", v);
	bad |= cf_check(cf_status_field(st, "Gid", v, sizeof(v)) &&
			    strcmp(v, "65534\t65534\t65534\t65534") == 0,
			"Gid: %s", v);
	bad |=
	    cf_check(cf_status_field(st, "Groups", v, sizeof(v)) && v[0] == '\0', "Groups: %s", v);
	return bad;
}

/* ---- Landlock alone (seccomp off) ---- */

static int fe_landlock_alone(void)
{
	struct sandbox_opts o;
	int abi = landlock_abi(), bad = 0, s;
	char path[128];
	pid_t victim;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int lsn, alive[2];

	if (abi < 1) {
		cf_say("the kernel has no Landlock");
		return CF_SKIP;
	}
	/* Outside the domain-to-be: a listening abstract socket and a process
	 * of the same uid (so only Landlock scoping can refuse the signal). */
	snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "p9guard-cf-%d", (int)getpid());
	lsn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lsn < 0 || bind(lsn, (struct sockaddr *)&un, sizeof(un)) != 0 || listen(lsn, 1) != 0)
		return 1;
	/* The victim lives until this child ends (its end of the pipe closes):
	 * a parent-death signal would not do, the scoped domain cannot send it. */
	if (pipe2(alive, O_CLOEXEC) != 0)
		return 1;
	victim = fork();
	if (victim == 0) {
		char c;

		close(alive[1]);
		/* not holding the harness's stderr pipe open */
		dup2(open("/dev/null", O_WRONLY), STDERR_FILENO);
		if (setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) != 0)
			_exit(1);
		while (read(alive[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(alive[0]);
	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	o.uid = NOBODY;
	o.gid = NOBODY;
	o.seccomp_action = SANDBOX_SECCOMP_NONE;
	if (sandbox_frontend(&o) != 0)
		return 1;

	errno = 0;
	bad |= cf_check(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES,
			"open(/etc/passwd): want EACCES, got %s", strerror(errno));
	bad |= cf_check(open(tmpdir, O_RDONLY | O_DIRECTORY) == -1 && errno == EACCES,
			"open(dir): want EACCES, got %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/new", tmpdir);
	bad |= cf_check(open(path, O_WRONLY | O_CREAT, 0666) == -1 && errno == EACCES,
			"create: want EACCES, got %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/newdir", tmpdir);
	bad |= cf_check(mkdir(path, 0777) == -1 && errno == EACCES, "mkdir: want EACCES, got %s",
			strerror(errno));
	cf_say("landlock ABI %d: filesystem refused", abi);
	if (abi >= 4) {
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9)};

		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s = socket(AF_INET, SOCK_STREAM, 0);
		bad |= cf_check(s >= 0 && connect(s, (struct sockaddr *)&in, sizeof(in)) == -1 &&
				    errno == EACCES,
				"TCP connect: want EACCES, got %s", strerror(errno));
		s = socket(AF_INET, SOCK_STREAM, 0);
		in.sin_port = htons(0);
		bad |= cf_check(s >= 0 && bind(s, (struct sockaddr *)&in, sizeof(in)) == -1 &&
				    errno == EACCES,
				"TCP bind: want EACCES, got %s", strerror(errno));
		cf_say("landlock ABI %d: TCP bind/connect refused", abi);
	}
	if (abi >= 6) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		bad |= cf_check(s >= 0 && connect(s, (struct sockaddr *)&un, sizeof(un)) == -1 &&
				    errno == EPERM,
				"abstract unix connect: want EPERM, got %s", strerror(errno));
		bad |= cf_check(kill(victim, 0) == -1 && errno == EPERM,
				"signal to a same-uid process outside: want EPERM, got %s",
				strerror(errno));
		cf_say("landlock ABI %d: abstract unix socket and signal scoped", abi);
	}
	return bad;
}

/* ---- older Landlock ABIs: what each one still enforces ---- */

static int fe_landlock_abi(void)
{
	struct sandbox_opts o;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(9)};
	int bad = 0, s, rc;

	if (landlock_abi() < cf_arg) {
		cf_say("the kernel offers Landlock ABI %d only", landlock_abi());
		return CF_SKIP;
	}
	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	o.uid = NOBODY;
	o.gid = NOBODY;
	o.seccomp_action = SANDBOX_SECCOMP_NONE;
	o.test_flags = SANDBOX_TEST_LANDLOCK_ABI(cf_arg);
	if (sandbox_frontend(&o) != 0)
		return 1;
	errno = 0;
	bad |= cf_check(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES,
			"open: want EACCES, got %s", strerror(errno));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	rc = connect(s, (struct sockaddr *)&in, sizeof(in));
	if (cf_arg >= 4)
		bad |= cf_check(rc == -1 && errno == EACCES, "TCP connect: want EACCES, got %s",
				strerror(errno));
	else
		bad |= cf_check(rc == 0 || errno != EACCES,
				"TCP connect refused by Landlock below ABI 4");
	return bad;
}

/* ---- --seccomp-action=trap / log ---- */

static int fe_trap(void)
{
	int fd;

	if (fe_apply(SANDBOX_SECCOMP_TRAP, false) < 0)
		return 1;
	fd = open("/etc/passwd", O_RDONLY);
	if (cf_check(fd == -1 && errno == EPERM, "trap: open should fail with EPERM (got %s)",
		     strerror(errno)))
		return 1;
	cf_say("trap: open refused with EPERM, process alive");
	return 0;
}

static int fe_log(void)
{
	int fd;

	if (landlock_abi() < 1) {
		cf_say("the kernel has no Landlock (log mode lets the syscall through)");
		return CF_SKIP;
	}
	if (fe_apply(SANDBOX_SECCOMP_LOG, false) < 0)
		return 1;
	/* seccomp logs and lets it through; Landlock still refuses */
	fd = open("/etc/passwd", O_RDONLY);
	if (cf_check(fd == -1 && errno == EACCES,
		     "log: open should reach Landlock (EACCES), got %s", strerror(errno)))
		return 1;
	return 0;
}

/* ---- failing closed ---- */

static int fe_no_landlock_refused(void)
{
	struct sandbox_opts o;

	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	o.uid = NOBODY;
	o.gid = NOBODY;
	o.test_flags = SANDBOX_TEST_FAKE_NO_LANDLOCK;
	return sandbox_frontend(&o) == -1 ? 0 : 1;
}

static int fe_no_landlock_allowed(void)
{
	struct sandbox_opts o;

	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	o.uid = NOBODY;
	o.gid = NOBODY;
	o.allow_no_landlock = true;
	o.test_flags = SANDBOX_TEST_FAKE_NO_LANDLOCK;
	return sandbox_frontend(&o) == 0 ? 0 : 1;
}

static int fe_root_refused(void)
{
	struct sandbox_opts o;

	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o); /* ids kept: still root */
	return sandbox_frontend(&o) == -1 ? 0 : 1;
}

static int fe_bounding_left_refused(void)
{
	struct sandbox_opts o;

	/* The frontend dropped its uid itself, bounding set still full. */
	if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) != 0)
		return 1;
	log_init("cf_frontend", LOG_TO_STDERR, LOG_LVL_INFO);
	sandbox_opts_init(&o);
	return sandbox_frontend(&o) == -1 ? 0 : 1;
}

static const struct cf_case cases[] = {
    {"allowed", "I/O, SCM_RIGHTS, OFD locks, threads, epoll, signals still work", fe_allowed,
     CF_EXIT_OK,
     "confinement: uid=65534 gid=65534 groups=none caps=none no_new_privs=1 "
     "seccomp=kill(",
     0},
    {"vhost-user-allowed", "vhost-user: sealed memfd received, mapped shared, preadv/pwritev, eventfds",
     fe_vhost_user_allowed, CF_EXIT_OK, NULL, 0},
    {"memfd-create-killed", "memfd_create kills", fe_memfd_create_killed, CF_KILLED_SYS, NULL, 0},
    {"open-killed", "open(\"/etc/passwd\") kills with SIGSYS", fe_open_killed, CF_KILLED_SYS, NULL,
     0},
    {"execve-killed", "execve kills", fe_execve_killed, CF_KILLED_SYS, NULL, 0},
    {"socket-killed", "socket(AF_INET) kills", fe_socket_killed, CF_KILLED_SYS, NULL, 0},
    {"socket-syslog", "with syslog open: socket(AF_UNIX) EACCES, AF_INET kills", fe_socket_syslog,
     CF_KILLED_SYS, NULL, 0},
    {"syslog-after", "syslog opened before: logging afterwards works (or drops), no death",
     fe_syslog_after, CF_EXIT_OK, "and another one", 0},
    {"mmap-exec-killed", "mmap(PROT_EXEC) kills", fe_mmap_exec_killed, CF_KILLED_SYS, NULL, 0},
    {"mprotect-exec-killed", "mprotect(PROT_EXEC) kills", fe_mprotect_exec_killed, CF_KILLED_SYS,
     NULL, 0},
    {"fork-killed", "fork (clone without CLONE_THREAD) kills", fe_fork_killed, CF_KILLED_SYS, NULL,
     0},
    {"clone-newns-killed", "thread clone with a namespace flag kills",
     fe_unshare_thread_clone_killed, CF_KILLED_SYS, NULL, 0},
    {"ioctl-killed", "ioctl kills", fe_ioctl_killed, CF_KILLED_SYS, NULL, 0},
    {"caps", "/proc/self/status: all cap sets 0, NoNewPrivs 1, Seccomp 2, ids 65534", fe_caps,
     CF_EXIT_OK, NULL, 0},
    {"landlock-alone", "seccomp off: Landlock refuses fs, TCP, abstract unix, signals",
     fe_landlock_alone, CF_EXIT_OK, "landlock=abi", 0},
    {"landlock-abi1", "as on an ABI 1 kernel: fs denied, the rest reported missing",
     fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi1(fs:all-denied net:unrestricted scope:none "
     "missing:refer,truncate,net,ioctl_dev,scope)",
     1},
    {"landlock-abi2", "as on ABI 2", fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi2(fs:all-denied net:unrestricted scope:none "
     "missing:truncate,net,ioctl_dev,scope)",
     2},
    {"landlock-abi3", "as on ABI 3", fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi3(fs:all-denied net:unrestricted scope:none missing:net,ioctl_dev,scope)", 3},
    {"landlock-abi4", "as on ABI 4: TCP denied too", fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi4(fs:all-denied net:denied scope:none missing:ioctl_dev,scope)", 4},
    {"landlock-abi5", "as on ABI 5", fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi5(fs:all-denied net:denied scope:none missing:scope)", 5},
    {"landlock-abi6", "as on ABI 6: everything", fe_landlock_abi, CF_EXIT_OK,
     "landlock=abi6(fs:all-denied net:denied scope:abstract,signal)", 6},
    {"action-trap", "--seccomp-action=trap: EPERM and a log line, no death", fe_trap, CF_EXIT_OK,
     "seccomp: refused syscall", 0},
    {"action-log", "--seccomp-action=log: syscall passes seccomp, Landlock refuses", fe_log,
     CF_EXIT_OK, "seccomp=log(", 0},
    {"no-landlock-refused", "kernel without Landlock: refuse to start", fe_no_landlock_refused,
     CF_EXIT_OK, "--allow-no-landlock", 0},
    {"no-landlock-allowed", "kernel without Landlock + --allow-no-landlock: start, say so",
     fe_no_landlock_allowed, CF_EXIT_OK, "landlock=none(unavailable,allowed)", 0},
    {"root-refused", "still uid 0: refuse", fe_root_refused, CF_EXIT_OK, "uid 0", 0},
    {"bounding-left-refused", "uid dropped with bounding set full: refuse",
     fe_bounding_left_refused, CF_EXIT_OK, "capabilities left", 0},
};

int main(int argc, char **argv)
{
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/p9guard-cf-fe.XXXXXX");
	if (argc > 1 && strcmp(argv[1], "--run") == 0) {
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			return 1;
		}
		chmod(tmpdir, 0777); /* DAC would allow: only Landlock refuses */
	}
	rc = cf_main("frontend", argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
	if (argc > 1 && strcmp(argv[1], "--run") == 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	return rc;
}
