/*
 * fdlimit.h - say clearly when a process runs out of descriptors.
 *
 * Both daemons answer EMFILE/ENFILE to the client and carry on; the
 * operator needs a log line that names the limit to raise.  The limit is
 * read once, before the sandbox (getrlimit is not in the seccomp
 * allowlists), and each kind of warning is rate-limited: a client that
 * keeps hitting the limit must not flood the log.
 */
#ifndef P9G_FDLIMIT_H
#define P9G_FDLIMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define FDLIMIT_WARN_SECONDS 10

/* One per kind of warning (a static in the caller). */
struct fdlimit_ratelimit {
	atomic_llong last_s; /* CLOCK_MONOTONIC seconds of the last warning */
	atomic_ulong suppressed;
};
#define FDLIMIT_RATELIMIT_INIT {-FDLIMIT_WARN_SECONDS, 0}

/* Raise the soft RLIMIT_NOFILE to the hard one (each fid may hold a
 * descriptor); call before sandboxing and before fdlimit_init(). */
void fdlimit_raise(void);
/* Close every descriptor above 2 but the n in keep (any order; values
 * below 3 are ignored): nothing a parent left open reaches a sandbox. */
void fdlimit_close_except(const int *keep, size_t n);
/* Read RLIMIT_NOFILE for later messages; call before sandboxing. */
void fdlimit_init(void);
/* err (either sign) is EMFILE or ENFILE. */
bool fdlimit_errno(int err);
/* Warn "<what>: EMFILE, out of descriptors (RLIMIT_NOFILE is N ...)" (or
 * ENFILE's equivalent; err of either sign), at most once per
 * FDLIMIT_WARN_SECONDS per rl, counting the ones left out. */
void fdlimit_warn(struct fdlimit_ratelimit *rl, const char *what, int err);
/* True at most once per FDLIMIT_WARN_SECONDS per rl (then *more is the
 * number of calls left out since); for other rate-limited warnings. */
bool fdlimit_ratelimit_pass(struct fdlimit_ratelimit *rl, unsigned long *more);

#endif
