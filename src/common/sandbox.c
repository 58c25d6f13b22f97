/*
 * sandbox.c - the two role functions of sandbox.h: order the layers, fail
 * closed, and log the one line that says what is in force.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "common/sandbox_int.h"

void sandbox_opts_init(struct sandbox_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seccomp_action = SANDBOX_SECCOMP_KILL;
	o->uid = (uid_t)SANDBOX_ID_KEEP;
	o->gid = (gid_t)SANDBOX_ID_KEEP;
	o->export_fd = -1;
	o->audit_fd = -1;
}

int sandbox_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

/*
 * Credentials, capabilities and the Landlock domain belong to the calling
 * thread only; a second thread would keep running unconfined.
 */
static int sandbox_check_single_threaded(void)
{
	char buf[4096];
	ssize_t n;
	char *p;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_err("sandbox: cannot open /proc/self/status: %s", strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		log_err("sandbox: cannot read /proc/self/status");
		return -1;
	}
	buf[n] = '\0';
	p = strstr(buf, "\nThreads:");
	if (!p) {
		log_err("sandbox: no thread count in /proc/self/status");
		return -1;
	}
	if (strtol(p + strlen("\nThreads:"), NULL, 10) != 1) {
		log_err("sandbox: must be applied before any thread is started");
		return -1;
	}
	return 0;
}

/* Steps every role takes before its own layers. */
static int sandbox_prepare(void)
{
	if (sandbox_check_single_threaded() < 0)
		return -1;
	/*
	 * Load the time zone now: the first localtime_r() (syslog(), audit
	 * timestamps) would otherwise open /etc/localtime under the filters.
	 */
	tzset();
	return 0;
}

static int sandbox_no_new_privs(void)
{
	/* Required for an unprivileged seccomp filter and Landlock domain;
	 * also makes set-id and file-capability bits of any exec inert. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		log_err("sandbox: cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int sandbox_apply_role(enum sandbox_role role, const struct sandbox_opts *o)
{
	char ids[512], ll[192], sc[96];
	int rc;

	if (sandbox_prepare() < 0)
		return -1;
	if (role == SANDBOX_ROLE_FRONTEND)
		rc = sandbox_caps_frontend(o, ids, sizeof(ids));
	else
		rc = sandbox_caps_helper(o, ids, sizeof(ids));
	if (rc < 0)
		return -1;
	if (sandbox_no_new_privs() < 0)
		return -1;
	if (sandbox_landlock_apply(role, o, ll, sizeof(ll)) < 0)
		return -1;
	if (sandbox_seccomp_apply(role, o, sc, sizeof(sc)) < 0)
		return -1;
	log_info("confinement: %s no_new_privs=1 seccomp=%s landlock=%s", ids, sc, ll);
	return 0;
}

int sandbox_frontend(const struct sandbox_opts *o)
{
	return sandbox_apply_role(SANDBOX_ROLE_FRONTEND, o);
}

int sandbox_helper(const struct sandbox_opts *o)
{
	if (o->export_fd < 0) {
		log_err("sandbox: the helper needs the export root descriptor");
		return -1;
	}
	return sandbox_apply_role(SANDBOX_ROLE_HELPER, o);
}
