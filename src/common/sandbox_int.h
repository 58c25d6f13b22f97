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

/* sandbox_caps.c: ids, supplementary groups, securebits, capabilities. */
int sandbox_caps_frontend(const struct sandbox_opts *o, char *desc, size_t len);
int sandbox_caps_helper(const struct sandbox_opts *o, char *desc, size_t len);

/* sandbox_landlock.c */
int sandbox_landlock_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			   size_t len);

/* sandbox_seccomp.c (must come last: it forbids what the others use) */
int sandbox_seccomp_apply(enum sandbox_role role, const struct sandbox_opts *o, char *desc,
			  size_t len);

#endif
