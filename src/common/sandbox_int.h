/*
 * sandbox_int.h - what the per-mechanism sandbox files give sandbox.c.
 * Not for the daemons: they include sandbox.h only.
 *
 * Every function fills desc with the text of its part of the one
 * "confinement:" start-up line, returns 0, or logs why and returns -1.
 */
#ifndef P9G_SANDBOX_INT_H
#define P9G_SANDBOX_INT_H

#include <stddef.h>

#include "common/sandbox.h"

enum sandbox_role { SANDBOX_ROLE_FRONTEND, SANDBOX_ROLE_HELPER };

/*
 * Sanitizer builds (configure --enable-sanitizers defines P9G_SANITIZERS)
 * add, and only they, what the ASan/LSan runtime does under the filters:
 * every new thread asks its CPU affinity (pthread_getattr_np), and the
 * exit-time leak check stops the world - it clones a tracer task (not a
 * thread), which lists /proc/PID/task and ptrace-attaches to every thread
 * (prctl for the dumpable flag and PR_SET_PTRACER, wait4, sched_yield).
 * The seccomp part is in sandbox_seccomp.c, the Landlock rule for
 * /proc/PID/task in sandbox_landlock.c; both say so in the "confinement:"
 * line ("+sanitizer").  Production builds compile none of it.
 */
#ifdef P9G_SANITIZERS
#define SANDBOX_SANITIZER_RUNTIME 1
#else
#define SANDBOX_SANITIZER_RUNTIME 0
#endif

/* sandbox_caps.c: ids, supplementary groups, securebits, capabilities. */
int sandbox_caps_frontend(const struct sandbox_opts *o, char *desc, size_t len);
int sandbox_caps_helper(const struct sandbox_opts *o, char *desc, size_t len);

/* sandbox_landlock.c */
int sandbox_landlock_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			   size_t len);

/* The syscalls a role's filter allows, by name, sorted, space-separated
 * (what tests/unit/check_seccomp_list.c holds the tree to); 0, or -1 when
 * out is too small.  Argument conditions are not shown. */
int sandbox_seccomp_list(enum sandbox_role role, const struct sandbox_opts *o, char *out,
			 size_t len);
/* sandbox_seccomp.c (must come last: it forbids what the others use) */
int sandbox_seccomp_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			  size_t len);

#endif
