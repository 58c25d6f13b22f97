/*
 * main.c - p9guard: start as root, hand the export to the helper, drop every
 * privilege, then serve 9P2000.L clients.
 *
 * Order matters: nothing reads client bytes until the privilege drop (and
 * the sandbox) are in force; the export directory is only ever open in the
 * helper.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"
#include "common/sandbox.h"
#include "launcher/launcher.h"
#include "launcher/listen.h"
#include "frontend/membound.h"
#include "frontend/options.h"
#include "frontend/server.h"

int main(int argc, char **argv)
{
	struct fe_options o;
	struct launch l;
	struct listen_set ls;
	struct listen_perm perm = {.uid = (uid_t)-1, .gid = (gid_t)-1};
	struct mem_bound mb;
	char per[32], total[32];
	char err[512];
	int rc;

	rc = options_parse(&o, argc, argv, getenv("P9GUARD_HELPER"), err, sizeof(err));
	if (rc == OPT_HELP) {
		fputs(options_help_text, stdout);
		return EXIT_SUCCESS;
	}
	if (rc == OPT_VERSION) {
		printf("p9guard %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (rc == OPT_RUN)
		launcher_close_inherited_fds(&o); /* before openlog() opens one */
	log_init("p9guard", LOG_TO_STDERR | (o.syslog ? LOG_TO_SYSLOG : 0),
		 rc == OPT_RUN ? (enum log_level)o.log_level : LOG_LVL_INFO);
	if (rc != OPT_RUN)
		die("%s", err);
	mem_bound_compute(&o, &mb);
	if (mem_bound_check(&o, &mb, err, sizeof(err)) < 0)
		die("%s", err);

	/* Privileged start-up; every failure here is fatal and says why. */
	launcher_prepare(&o, &l);
	if (o.socket_owner &&
	    options_resolve_owner(o.socket_owner, &perm.uid, &perm.gid, err, sizeof(err)) < 0)
		die("%s", err);
	perm.mode = o.socket_mode;
	listen_open_all(&o, &perm, &ls);
	launcher_spawn_helper(&o, &l);
	launcher_write_pidfile(&o);
	launcher_drop_privileges(&o, &l);
	/*
	 * One malloc arena for all threads: glibc opens files by path from
	 * inside malloc for extra arenas (/sys/devices/system/cpu/online to
	 * size them, /proc/sys/vm/overcommit_memory when one shrinks), which
	 * the sandbox forbids.  The main arena grows with brk and mmap only.
	 */
	mallopt(M_ARENA_MAX, 1);
	fdlimit_raise(); /* an open fid holds a descriptor: take what we may */
	fdlimit_init();	 /* getrlimit is not allowed once sandboxed */
	struct sandbox_opts so;

	sandbox_opts_init(&so);	/* ids kept: launcher_drop_privileges() set them */
	if (sandbox_seccomp_action_parse(o.seccomp_action, &so.seccomp_action) < 0)
		die("--seccomp-action %s: unknown action", o.seccomp_action);
	so.allow_no_landlock = o.allow_no_landlock;
	so.syslog = o.syslog;
	if (sandbox_frontend(&so) < 0)
		die("cannot confine the frontend");

	/*
	 * From here on only descriptor syscalls: the helper is not reaped (it
	 * exits when its socket closes, and server_run waits for that) and
	 * the pidfile stays behind.
	 */
	mem_bound_fmt(mb.per_conn, per, sizeof(per));
	mem_bound_fmt(mb.total, total, sizeof(total));
	log_info("memory bound: %s per connection, %s in all for %u connections%s", per, total,
		 o.max_conns, o.max_memory ? " (within --max-memory)" : "");
	rc = server_run(&o, ls.fds, ls.vhost_user, ls.n, ls.connected_fd, l.helper_sock);
	free(l.export_real);
	return rc;
}
