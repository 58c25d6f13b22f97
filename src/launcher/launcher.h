/*
 * launcher.h - the start-up sequence that runs with privilege: open the
 * export root, start the helper with it, write the pidfile, then drop to the
 * unprivileged --user with no capability left.  Failures are fatal.
 */
#ifndef P9G_LAUNCHER_H
#define P9G_LAUNCHER_H

#include <sys/types.h>

#include "frontend/options.h"
#include "launcher/rootless.h"

struct launch {
	uid_t uid; /* --user */
	gid_t gid;
	uid_t helper_uid; /* --helper-user, or 0: the helper stays root */
	gid_t helper_gid;
	int root_fd;	   /* export root, O_PATH; closed once the helper has it */
	int helper_fd;	   /* the helper binary, O_PATH, opened as root; exec'ed */
	char *export_real; /* canonical export path, for the helper's records */
	int audit_fd;	   /* --audit file:PATH, O_APPEND; closed once the helper has it */
	int audit_dir_fd;  /* O_PATH of its directory (the helper reopens on SIGHUP) */
	char *audit_name;  /* the file's name in that directory */
	int helper_sock;   /* our end of the socketpair */
	pid_t helper_pid;
	struct rootless rootless; /* --rootless: the user's ranges and tools */
};

/* Close every inherited descriptor above 2 that no --listen names. */
void launcher_close_inherited_fds(const struct fe_options *o);
/* Check --export and --user; open the export root.  Started by an
 * ordinary user under passthrough, turns --rootless on (and sets the id
 * maps it needs). */
void launcher_prepare(struct fe_options *o, struct launch *l);
/* socketpair + fork + exec of the helper; closes root_fd here. */
void launcher_spawn_helper(const struct fe_options *o, struct launch *l);
void launcher_write_pidfile(const struct fe_options *o);
/* setgroups/setresgid/setresuid to --user, clear every capability set,
 * no_new_privs, and verify it all. */
void launcher_drop_privileges(const struct fe_options *o, const struct launch *l);

#endif
