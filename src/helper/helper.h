/*
 * helper.h - internals of p9guard-helper, the privileged side.
 *
 * Pieces, one file each:
 *   helper_main.c      options, start-up checks, the sandbox call site
 *   helper_io.c        worker threads: recvmsg -> decode -> dispatch -> sendmsg
 *   helper_dispatch.c  THE operation table and the only code that reads it
 *   helper_ops_*.c     one handler per operation, helper_do_<op>()
 *   helper_handles.c   objects (refcounted O_PATH fds), nodes and the handle table
 *   helper_creds.c     host user database and per-thread fs credentials
 *   helper_path.c      name checks and single-component lookups
 *   helper_qid.c       stat -> qid / attributes (with the per-device qid remap)
 *   helper_audit.c     the audit hook called once per operation
 *   helper_idmap.c     guest <-> host uid/gid maps
 *   helper_model.c     what a security model changes (--security-model)
 *   helper_model_xattr.c  mapped-xattr: QEMU-compatible user.virtfs.* metadata
 */
#ifndef P9G_HELPER_H
#define P9G_HELPER_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/idmap.h"
#include "hp_codec.h"

#define HELPER_DEFAULT_THREADS 4
#define HELPER_MAX_THREADS 64
/* Live handles at once, shared out by --max-sessions (helper_handles.c);
 * more -> ENFILE.  Each holds one or two O_PATH descriptors. */
#define HELPER_MAX_HANDLES (1u << 20)
#define HELPER_EXIT_VIOLATION 2		/* exit status after a protocol violation */

/*
 * An object: one O_PATH descriptor of something inside the export, with the
 * identity it had when it was opened.  Shared (refcounted) between the node
 * that names it and the nodes of its children (as their parent).
 */
struct helper_obj {
	atomic_uint refs;
	int fd;			/* O_PATH|O_NOFOLLOW|O_CLOEXEC */
	dev_t dev;
	ino_t ino;
	mode_t type;		/* st_mode & S_IFMT at open time */
};

/*
 * A node: what a handle stands for.  `parent` + `name` say where the object
 * was found (for HP_RENAME/HP_REMOVE); both are NULL for the export root and
 * for directories reached through "..".  parent/name change only under the
 * node lock (hnode_where, hnode_move, hnodes_renamed), as do the fields of
 * the index by location (helper_nodes.c).
 */
struct helper_node {
	atomic_uint refs;
	struct helper_obj *self;
	struct helper_obj *parent;
	char *name;
	unsigned int handles;	/* handles naming it: indexed while > 0 */
	struct helper_node *inext, **iprev;
};

/* --security-model */
enum helper_model {
	MODEL_PASSTHROUGH = 0,	/* requests run as the guest's ids (default) */
	MODEL_NONE,		/* "none"/"squash": as the helper's own ids;
				 * ownership changes are tried, failures ignored */
	MODEL_MAPPED_XATTR,	/* as the helper's own ids; the guest's owner,
				 * mode and rdev in user.virtfs.* (QEMU's format) */
};

/* Everything the handlers share; set up once by helper_main.c. */
struct helper_env {
	int sock;			/* SOCK_SEQPACKET to the frontend */
	int procfd;			/* O_PATH of /proc/self/fd, for reopening handles */
	struct helper_node *root;	/* the export root (never released) */
	const char *export_path;	/* for logs only */
	bool allow_devices;
	bool userns;		/* --userns: a user namespace cannot make device nodes */
	bool readonly;			/* --readonly: every change is EROFS */
	bool trusted_xattrs;		/* --trusted-xattrs: SYS_ADMIN permitted */
	enum helper_model model;
	uint32_t own_uid, own_gid;	/* the helper's ids (read at start-up: the
					 * seccomp filter has no getuid) */
	atomic_bool hello_done;
};

/* Per-request context handed to every handler. */
struct helper_ctx {
	struct helper_env *env;
	const struct hp_req *req;
	struct hp_rep *rep;		/* handler fills rep->u on success */
	struct helper_node *h[2];	/* the handles the op table asked to resolve */
	int out_fd;			/* descriptor to pass with the reply, or -1 */
	char *scratch;			/* per-thread buffer for reply data */
	size_t scratch_size;		/* >= HP_MAX_XATTR_VALUE + 1 */
	const char *audit_note;		/* handler's remark for the audit record */
	bool creds_switched;		/* the request's credentials are in force */
	bool created;			/* the handler made a new entry */
};

/* ---- helper_dispatch.c ---- */
/* Runs one decoded request; returns true when a reply is to be sent. */
bool helper_dispatch(struct helper_ctx *c);
/* Log "protocol violation: ..." and exit(HELPER_EXIT_VIOLATION). */
void helper_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Start-up check that the table has a row per opcode (dies otherwise). */
void helper_ops_selfcheck(void);

/* ---- helper_io.c ---- */
/* Serve the socket until the frontend goes away; returns the exit status. */
int helper_serve(struct helper_env *env, unsigned int nthreads);

/* ---- helper_handles.c ---- */
/* Takes ownership of fd (also on failure).  errno-style result. */
int hobj_new(int fd, struct helper_obj **out);
struct helper_obj *hobj_get(struct helper_obj *o);
void hobj_put(struct helper_obj *o);
/* self and parent references are taken over by the node; name is copied. */
int hnode_new(struct helper_obj *self, struct helper_obj *parent, const char *name,
	      struct helper_node **out);
struct helper_node *hnode_get(struct helper_node *n);
void hnode_put(struct helper_node *n);
/* Where the node is: a parent reference and a copy of the name, or EINVAL
 * when the location is not known (the root, directories reached by ".."). */
int hnode_where(struct helper_node *n, struct helper_obj **parent, char name[HP_MAX_NAME + 1]);
/* Record a successful HP_RENAME. */
int hnode_move(struct helper_node *n, struct helper_obj *newparent, const char *newname);
/* After a rename by name: the nodes found as (olddir, oldname) follow it. */
void hnodes_renamed(const struct helper_obj *olddir, const char *oldname,
		    struct helper_obj *newdir, const char *newname);
/* The handle table issued or released a handle for n (the index). */
void hnode_handle_added(struct helper_node *n);
void hnode_handle_released(struct helper_node *n);
/* An empty table whose handles are shared by max_sessions connections
 * (0: one, i.e. no shares); see helper_handles.c. */
void handles_init(unsigned int max_sessions);
/* Issue a new handle for n (takes its own reference), counted against
 * session's share.  0 or ENFILE. */
int handles_add(struct helper_node *n, uint32_t session, uint32_t *id);
/* The node behind an issued handle (a new reference), or NULL. */
struct helper_node *handles_get(uint32_t id);
/* Forget a handle; 0 or EBADF. */
int handles_release(uint32_t id);

/* ---- helper_creds.c ---- */
/* Read the host user and group databases (start-up, before sandboxing). */
void creds_load_userdb(void);
/* Make this thread's fs credentials those of uid (see helper_creds.c for the
 * gid rule).  0 or an errno. */
int creds_switch(uint32_t uid, uint32_t gid, bool create);
/* The fs uid/gid this thread last switched to; false if none is in force. */
bool creds_current(uint32_t *uid, uint32_t *gid);
/* Make this thread's fsuid/fsgid 0 around ONE privileged call the caller
 * has justified (begin: 0 or an errno), then back to what they were. */
struct creds_saved { uint32_t uid, gid; };
int creds_root_begin(struct creds_saved *sv);
void creds_root_end(const struct creds_saved *sv);

/* ---- helper_caps.c: one capability raised around one call ---- */
/* Raise cap in this thread's effective set: 0, or EPERM when the helper
 * does not hold it (the option that keeps it is off). */
int hcaps_raise(unsigned int cap);
/* Lower it again (dies if that fails: it must not serve another request). */
void hcaps_lower(unsigned int cap);
bool hcaps_effective(unsigned int cap);

/* ---- helper_idmap.c ---- */
/* Start-up: take copies of the maps (empty maps: ids pass unchanged). */
void hidmap_init(const struct idmap *uids, const struct idmap *gids);
bool hidmap_active(void);
/* Guest -> host; *mapped (may be NULL) false when the squash id was used. */
uint32_t hidmap_uid_to_host(uint32_t guest, bool *mapped);
uint32_t hidmap_gid_to_host(uint32_t guest, bool *mapped);
/* Host owner -> guest owner of a getattr reply. */
void hidmap_attr_to_guest(struct hp_attr *a);
/* system.posix_acl_access / _default */
bool hidmap_is_acl(const char *name);
/* Translate the ids of a POSIX ACL xattr value in place; 0 or EINVAL
 * (malformed, or an unmapped guest id on the way to the host). */
int hidmap_acl(void *value, size_t len, bool to_host);

/* ---- helper_model.c ---- */
/* "passthrough", "none", "squash" -> model; -1 if unknown. */
int model_parse(const char *s, enum helper_model *out);
const char *model_name(enum helper_model m);
/* Whether requests run with the client's credentials. */
bool model_switches_creds(const struct helper_env *env);
/* After a create under MODEL_NONE: give the entry the client's owner,
 * ignoring failure (noted in the audit record). */
void model_own_new(struct helper_ctx *c);
/* A chown failed: under MODEL_NONE the failure is ignored (0). */
int model_chown_failed(struct helper_ctx *c, int err);

/* ---- helper_model_xattr.c (all no-ops unless mx_init(true, ...)) ---- */
void mx_init(bool on, mode_t fmode, mode_t dmode);
bool mx_on(void);
mode_t mx_fmode(void);	/* host mode of regular files (--fmode) */
mode_t mx_dmode(void);	/* host mode of directories (--dmode) */
/* Replace st's owner, mode and rdev by the stored ones, where present. */
void mx_overlay_fd(int fd, struct stat *st);
/* Store what is not (uint32_t)-1 / NULL; 0 or an errno. */
int mx_set_fd(int fd, uint32_t uid, uint32_t gid, uint32_t mode, const uint64_t *rdev);
/* Metadata of an entry just made by request c (the request's uid and gid);
 * on failure the entry is removed again. */
int mx_new_entry(struct helper_ctx *c, int dirfd, const char *name, uint32_t mode,
		 const uint64_t *rdev);
/* A symlink as QEMU stores it: a regular file holding the target. */
int mx_symlink(struct helper_ctx *c, int dirfd, const char *name, const char *target);
/* Its target (EINVAL if the object is not a stored symlink). */
int mx_readlink(const struct helper_env *env, const struct helper_obj *o, char *buf, size_t size,
		ssize_t *len);
/* chmod: the stored mode keeps its type, takes mode's permission bits. */
int mx_chmod(const struct helper_obj *o, uint32_t mode);
/* user.virtfs.*: neither visible nor writable by the guest. */
bool mx_hidden(const char *name);
/* The name a guest xattr is stored under (ACLs: user.virtfs.system.*). */
const char *mx_xattr_name(const char *name, char buf[HP_MAX_XATTR_NAME + 16]);

/* ---- helper_path.c ---- */
/* Copy a (re-checked) entry name into out; EINVAL if malformed. */
int path_name_cstr(struct p9_str name, char out[HP_MAX_NAME + 1]);
bool path_is_dot(const char *name);	/* "." or ".." */
/* O_PATH lookup of one component below dirfd, never following a symlink. */
int path_lookup_at(int dirfd, const char *name, int *fd);
/* openat2(dirfd, name, flags, mode) confined below dirfd, no symlinks. */
int path_open_at(int dirfd, const char *name, int flags, mode_t mode, int *fd);
/* Reopen a handle's object with new flags through /proc/self/fd. */
int path_reopen(const struct helper_env *env, const struct helper_obj *o, int flags, int *fd);
/* "N" for an object's descriptor (relative to env->procfd). */
void path_fdname(const struct helper_obj *o, char buf[16]);
/* The kernel's name of descriptor fd (readlink of "N" in procfd, that is
 * /proc/self/fd), NUL-ended: its length, or -1 when it has no absolute
 * name that fits in cap (none, longer than PATH_MAX, unreachable). */
ssize_t path_of_fd(int procfd, int fd, char *buf, size_t cap);
/* What is left of path below root (its first rlen bytes; rlen 0 for "/"):
 * "" for root itself, "/..." below it, NULL when path is not there. */
const char *path_below(const char *path, const char *root, size_t rlen);
/* "/proc/self/fd/N" for the xattr calls, which have no *at form. */
void path_procpath(const struct helper_obj *o, char buf[40]);

/* ---- helper_qid.c ---- */
void qid_init(dev_t rootdev);
/* --multidevs: objects on a device other than the export root's */
enum qid_multidevs {
	QID_REMAP = 0,	/* unique qid paths: a per-device value mixed in (default) */
	QID_FORBID,	/* refused with ENODEV */
	QID_WARN,	/* qid.path = st_ino, a warning per device */
};
int qid_multidevs_parse(const char *s, enum qid_multidevs *out);
void qid_set_multidevs(enum qid_multidevs m);
/* 0 or EOVERFLOW (too many devices to keep qid.path unique). */
int qid_from_stat(const struct stat *st, struct p9_qid *q);
int attr_from_stat(const struct stat *st, struct hp_attr *a);
/* fstat with EINTR retry; 0 or errno. */
int helper_fstat(int fd, struct stat *st);

/* ---- helper_audit.c ---- */
enum audit_level { AUDIT_OFF = 0, AUDIT_CHANGES, AUDIT_ALL };
struct audit_config {
	enum audit_level level;
	int file_fd;		/* audit file opened O_APPEND, or -1 */
	int dir_fd;		/* O_PATH of its directory, for the SIGHUP reopen, or -1 */
	const char *file_name;	/* its name in dir_fd */
	bool to_syslog, to_stderr;
};
/* Paths taken before the handler runs (raw bytes, NUL-terminated). */
struct audit_pre {
	char path[2][PATH_MAX + HP_MAX_NAME + 2];
	bool deferred; /* a read-only request: paths taken only if it is recorded */
};
/* Start-up, before the sandbox: settings, SIGHUP handler, the root's path. */
void helper_audit_init(const struct audit_config *cfg, int procfd, int rootfd);
/* Paths for the record, while the objects are where they were (flags: HP_F_*). */
void helper_audit_begin(const struct helper_ctx *c, unsigned int flags, struct audit_pre *p);
/* Record the finished request (before its reply is sent). */
void helper_audit_op(const struct helper_ctx *c, const char *opname, unsigned int flags,
		     struct audit_pre *p);
/* Record a protocol violation (the helper exits next). */
void helper_audit_violation(const char *what);

/* ---- helper_audit_text.c: the readable syslog form of a record ---- */
#define AUDIT_TEXT_TAIL 160	/* kept free for " truncated -> RESULT at TIME" */
struct audit_text {
	char *b;
	size_t len, cap, ins;	/* ins: where the credentials go */
	bool truncated;
	char time[80];
	char result[48];
};
void audit_text_begin(struct audit_text *t, char *buf, size_t cap, const char *time);
/* Each field of the record, in the JSON form's order. */
void audit_text_str(struct audit_text *t, const char *key, const char *v, size_t n);
void audit_text_u64(struct audit_text *t, const char *key, uint64_t v);
/* Finish the line (NUL-terminated); returns its length. */
size_t audit_text_end(struct audit_text *t);

/* ---- helper_ops_*.c: one handler per operation; 0 or a positive errno ---- */
#define HP_OP(OP, number, name, ...) int helper_do_##name(struct helper_ctx *c);
#include "hp_ops.def"

/* helper_ops_open.c: P9_DOTL_* -> host open flags; EINVAL on a bad access mode. */
int open_flags_from_dotl(uint32_t dotl, bool create, int *flags);

#endif
