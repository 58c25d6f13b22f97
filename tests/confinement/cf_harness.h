/*
 * cf_harness.h - run confinement test cases, each in a forked child.
 *
 * A case applies a real role function of src/common/sandbox.h and then
 * tries one allowed or forbidden thing.  The parent checks how the child
 * ended (exit 0, or killed by SIGSYS right after cf_armed()) and prints
 * one line per case: "PASS: name - what", "FAIL: ...", "SKIP: ... why".
 */
#ifndef CF_HARNESS_H
#define CF_HARNESS_H

#include <stddef.h>

#define CF_SKIP 77

enum cf_expect {
	CF_EXIT_OK,    /* the case function returned 0 */
	CF_KILLED_SYS, /* killed by SIGSYS after cf_armed() */
};

struct cf_case {
	const char *name;
	const char *what;
	int (*fn)(void); /* runs in the child; 0 = as expected */
	enum cf_expect expect;
	const char *log_must; /* the child's stderr must contain this, or NULL */
	int arg;	      /* cf_arg in the child */
};

/* In the child: the running case's arg. */
extern int cf_arg;

/* In the child: report a reason (to stderr, raw write: works under any
 * filter); cf_check() returns 1 and reports when cond is false. */
void cf_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define cf_check(cond, ...) ((cond) ? 0 : (cf_say(__VA_ARGS__), 1))
/* In the child: the forbidden call comes next. */
void cf_armed(void);
/* In the child: read a file opened before sandboxing; "" on error. */
const char *cf_read_fd(int fd, char *buf, size_t len);
/* Value of "Key:" in a /proc/self/status text, or NULL. */
const char *cf_status_field(const char *status, const char *key, char *out, size_t len);

/* Runs the cases named in argv (all if none); returns the exit status. */
int cf_main(const char *suite, int argc, char **argv, const struct cf_case *cases, size_t n);

#endif
