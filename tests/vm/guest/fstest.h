/* fstest.h — tiny test framework shared by the guest functional suite.
 *
 * Every test runs in its own forked process (crash and hang isolation: a
 * per-test alarm() kills it), and may fork further children that switch to
 * other uids (as_user). Failure messages and the manifest of created nodes
 * live in one MAP_SHARED region so children can report to the top process.
 */
#ifndef P9G_FSTEST_H
#define P9G_FSTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Test identities. Chosen high so that they cannot clash with an account of
 * the host running the server (matters for servers that consult the host's
 * user database, like diod without -N). */
#define UA 4711u	/* user A: primary group GA, supplementary GS */
#define UB 4712u	/* user B: only GB */
#define UC 4713u	/* user C: only GC */
#define GA 4711u
#define GB 4712u
#define GC 4713u
#define GS 4720u	/* shared group: A is a member, B and C are not */
#define GX 4730u	/* a group nobody is a member of */
#define GQ 4731u	/* a group only the guest knows: B is in it (here) */

#define SKIP 77

struct shared {
	char msg[2048];		/* first failure or skip reason wins */
	size_t mlen;		/* bytes used in manifest[] */
	char manifest[1 << 20];
};
extern struct shared *sh;

int fail(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational text for a passing result line; returns 0. */
int note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ename(int e);

/* Expect a true condition. */
#define T(cond) do { \
	errno = 0; \
	if (!(cond)) \
		return fail(__LINE__, "%s (errno %s)", #cond, ename(errno)); \
} while (0)

/* Expect a call to succeed (result >= 0). */
#define TS(call) do { \
	errno = 0; \
	if ((long)(call) < 0) \
		return fail(__LINE__, "%s: %s", #call, ename(errno)); \
} while (0)

/* Expect a call to fail with errno e1 (or e2). */
#define TE2(call, e1, e2) do { \
	long r_; int x_; \
	errno = 0; r_ = (long)(call); x_ = errno; \
	if (r_ != -1 || (x_ != (e1) && x_ != (e2))) \
		return fail(__LINE__, "%s: want -1/%s, got %ld/%s", #call, \
			    ename(e1), r_, r_ == -1 ? ename(x_) : "-"); \
} while (0)
#define TE(call, e) TE2(call, e, e)

/* Expect two integer values to be equal (errno shown for a -1). */
#define TEQ(a, b) do { \
	long long a_, b_; \
	errno = 0; a_ = (long long)(a); b_ = (long long)(b); \
	if (a_ != b_) \
		return fail(__LINE__, "%s == %s: %lld != %lld%s%s", #a, #b, \
			    a_, b_, a_ == -1 ? ", errno " : "", \
			    a_ == -1 ? ename(errno) : ""); \
} while (0)

/* Propagate a helper's failure (it already recorded a message). */
#define TR(call) do { if ((call) != 0) return -1; } while (0)

/* Path join "dir/name" (heap, never freed). */
const char *P(const char *dir, const char *name);

/* Run fn(arg) in a child with exactly these credentials; 0 when it passed. */
int as_user(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
	    int (*fn)(void *), void *arg);
int as_A(int (*fn)(void *), void *arg);
int as_B(int (*fn)(void *), void *arg);
int as_C(int (*fn)(void *), void *arg);

/* Check lstat(path) and, when it matches, record it in the manifest that
 * the host compares against its own view. type: f d l c b p s. */
int expect_node(int line, const char *path, char type, mode_t perm,
		uid_t uid, gid_t gid);
#define EXPECT(path, type, perm, uid, gid) \
	TR(expect_node(__LINE__, path, type, perm, uid, gid))
/* Record the guest's view of path's mtime (with nanoseconds) for the host
 * to compare exactly: manifest type 'T'. */
int expect_mtime(int line, const char *path);
#define EXPECT_MTIME(path) TR(expect_mtime(__LINE__, path))
/* Same check, not recorded (for nodes the test removes again). */
int node_is(int line, const char *path, char type, mode_t perm,
	    uid_t uid, gid_t gid);
#define NODE_IS(path, type, perm, uid, gid) \
	TR(node_is(__LINE__, path, type, perm, uid, gid))

/* File helpers: 0 / -1 with errno. */
int put_file(const char *path, mode_t mode, const char *content);
int file_is(int line, const char *path, const char *content);
#define FILE_IS(path, content) TR(file_is(__LINE__, path, content))

double now_s(void);

#endif
