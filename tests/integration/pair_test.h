/*
 * pair_test.h - host integration tests of the p9guard daemon pair: shared
 * harness of pair_test*.c.
 *
 * The program talks 9P2000.L to a running server through p9_client and
 * checks every effect on the host (stat, lstat, getxattr on the export
 * path), so it runs as root.  The same checks run against diod, which is
 * how each check was shown able to pass and to fail for the right reason;
 * checks only p9guard can pass say so when they are skipped, and known
 * differences of diod are reported as skips with the reason.
 */
#ifndef PAIR_TEST_H
#define PAIR_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "p9client/p9_client.h"

#define PT_UID_USER	1000u	/* the unprivileged guest user */
#define PT_GID_USER	1000u	/* its primary group on this host */
#define PT_GID_ROOT_REQ	4242u	/* a gid root sends with its creates */
#define PT_GID_SETGID	4243u	/* the group of the setgid directory */
#define PT_TIMEOUT_MS	20000	/* every synchronous call */
#define PT_HELPER_USER	1u	/* "daemon": run.sh's --helper-user (model none) */

struct pt_opts {
	const char *sock;	/* the server's unix socket */
	const char *export;	/* the export, as the host sees it */
	const char *aname;	/* the Tattach aname (diod: the export path) */
	bool p9guard;		/* server is p9guard (else diod) */
	pid_t pid;		/* p9guard: the frontend's pid, else 0 */
	bool devices;		/* the server may create device nodes */
	bool trusted;		/* p9guard: trusted.* and security.* writes */
	bool readonly;		/* p9guard was started with --readonly */
	int idmap;		/* p9guard's id maps: 0 none, 1 shifted, 2 rootkept */
	int model;		/* --security-model: 0 passthrough, 1 none (root helper),
				 * 2 none with --helper-user (uid PT_HELPER_USER),
				 * 3 mapped-xattr */
	int multidevs;		/* --multidevs: 0 remap (default), 1 forbid, 2 warn */
	const char *import_tool; /* p9guard-import-mapped-file, for area "mapped" */
	bool guest_perms;	/* p9guard: --permissions guest (run.sh passes host
				 * to every other run) */
	const char *only;	/* comma-separated areas to run, or NULL: all */
};

extern struct pt_opts pt;

/* The connection most checks use, and the two attaches on it. */
extern struct p9_client *pt_c;
extern uint32_t pt_root0;	/* attached as uid 0 */
extern uint32_t pt_root1;	/* attached as uid PT_UID_USER */
extern struct p9_qid pt_rootqid;
/* p9guard: the helper's pid once test_process_caps found it, else 0. */
extern pid_t pt_helper_pid;

/* "ok - ..." or "not ok - ..." (the text should carry the reason). */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "skip - ...": not run here, with the reason in the text. */
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A check that diod is known to fail: on diod a failure is a skip naming
 * `diod_why`; on p9guard it is a failure like any other.
 */
void check_or_diod(bool ok, const char *diod_why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Why diod fails the permission checks of an ordinary uid. */
#define DIOD_KEEPS_CAPS "diod 1.0.24 keeps CAP_CHOWN, CAP_DAC_OVERRIDE and CAP_FOWNER " \
	"while acting for a user"
/* Why diod fails the name and path checks. */
#define DIOD_PATHS "diod 1.0.24 builds path strings: it neither refuses '/' in a name " \
	"nor stops .. at the export root"

/* "ok" or "ENOENT (No such file or directory)" for a 0/-errno result. */
const char *rcs(long rc);
/* The errno name ("EPERM") of a positive errno. */
const char *errname(int e);

/* export/rel, in one of a few rotating buffers. */
const char *hpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect, Tversion and set the timeout; NULL (after a failed check) on error. */
struct p9_client *pt_connect(const char *what);
/* Tattach as uid on c; P9_NOFID on failure. */
uint32_t pt_attach(struct p9_client *c, uint32_t uid, struct p9_qid *qid, int *rcp);
/* Walk a path from `from` to a new fid; P9_NOFID on failure (*rcp the errno). */
uint32_t walk_new(struct p9_client *c, uint32_t from, const char *path, int *rcp);
void release_fid(struct p9_client *c, uint32_t fid);

/* Host helpers (the test runs as root). */
int host_write_file(const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid);
/* The whole (short) content of a host file, NUL-terminated, or "" */
const char *host_read_file(const char *path, char *buf, size_t size);

/* diod answers Trenameat/Tunlinkat with EOPNOTSUPP: the client falls back. */
int pt_renameat(struct p9_client *c, uint32_t odfid, const char *oname, uint32_t ndfid,
		const char *nname, const char **how);
int pt_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags,
		const char **how);

/* The areas, one file each. */
void test_create(void);			/* pair_test_create.c */
void test_setattr(void);		/* pair_test_meta.c */
void test_getattr_after_change(void);	/* pair_test_meta.c */
void test_clone_walk(void);		/* pair_test_meta.c */
void test_setgid_dir(void);
void test_xattr(void);
void test_rename_link(void);		/* pair_test_names.c */
void test_unlinked_open(void);
void test_readdir_big(void);
void test_path_safety(void);
void test_escape(void);
void test_flush(void);			/* pair_test_conn.c */
void test_many_inflight(void);
void test_garbage(void);
void test_disconnect(void);
void test_process_caps(void);
void test_multidev(void);		/* pair_test_multidev.c */
void test_proto(void);			/* pair_test_proto.c */
void test_readonly(void);		/* pair_test_models.c */
void test_idmap(void);
void test_model_none(void);
void test_model_mapped(void);
void test_permissions(void);		/* pair_test_perms.c */

#endif
