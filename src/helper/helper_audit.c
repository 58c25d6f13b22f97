/*
 * helper_audit.c - the audit trail (DESIGN section 7, p9guard-audit(1)).
 *
 * helper_dispatch() calls helper_audit_begin() once the request's handles
 * are resolved and BEFORE the handler runs (so that a file about to be
 * removed or renamed still has its path), and helper_audit_op() after the
 * handler and BEFORE the reply is sent: a record is on its way to every
 * destination before the frontend (and so the client) learns the result.
 *
 * A record is one JSON object on one line, written with ONE write(2) to
 * the audit file (opened O_APPEND by the launcher: appends from the worker
 * threads never interleave), and/or sent as one syslog message (the same
 * fields as one readable line: helper_audit_text.c), and/or
 * written with one write(2) to standard error.  Field names are stable and
 * documented in p9guard-audit(1).
 *
 * Export-relative paths.  The helper holds descriptors, not paths; the
 * path of a handle's object is what the kernel says it is now:
 * readlinkat(/proc/self/fd, "N"), with the export root's own link text
 * (read once at start-up) cut off the front.  That is exact after renames
 * made by anyone, including host processes.  An object that is not (or no
 * longer) below the root - moved out by a host process - is recorded as
 * "?inode=N"; a removed one keeps the kernel's " (deleted)" suffix.  A
 * name given in the request (create, unlink, rename targets) is appended
 * as the client sent it, refused names ("..", ".") included.
 *
 * Bytes in names: valid UTF-8 is written as is (controls as \u00XX, as
 * JSON has it).  A name with bytes that are not valid UTF-8 cannot be a JSON
 * string as it is: each such byte is written as U+FFFD, and a second field,
 * KEY_hex, holds every byte of the name in hex, so that two different names
 * never read the same to a JSON tool ("path":"/x\ufffd" with
 * "path_hex":"2f78ff" is the name "/x" 0xff).  The writer is common/jsonl.c,
 * whose reader p9guard-audit uses.
 *
 * Rotation: SIGHUP sets a flag; the next record reopens the file by name
 * in its directory (an O_PATH descriptor the launcher passed), creating it
 * O_EXCL with the old file's mode, owned by root, if it is missing.
 * Records before the reopen go to the old (renamed) file: none is lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonl.h"
#include "common/log.h"
#include "helper/helper.h"

#define AUDIT_LINE_MAX (64u * 1024u)
#define AUDIT_RESERVE 512u	/* kept free for the fields after a long one */

static struct {
	enum audit_level level;
	bool to_syslog, to_stderr;
	int procfd;
	char root[PATH_MAX];	/* link text of the export root */
	size_t rootlen;
	pthread_mutex_t lock;	/* file_fd and the reopen */
	int file_fd, dir_fd;
	char file_name[NAME_MAX + 1];
} audit = { .level = AUDIT_OFF, .file_fd = -1, .dir_fd = -1,
	    .lock = PTHREAD_MUTEX_INITIALIZER };

static atomic_int audit_reopen_wanted;

static void on_sighup(int sig)
{
	(void)sig;
	atomic_store(&audit_reopen_wanted, 1);
}

void helper_audit_init(const struct audit_config *cfg, int procfd, int rootfd)
{
	struct sigaction sa;
	ssize_t n;

	/* SIGHUP never ends the helper: it reopens the audit file, if any. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		die_errno("sigaction(SIGHUP)");

	audit.level = cfg->level;
	if (cfg->level == AUDIT_OFF)
		return;
	audit.to_syslog = cfg->to_syslog;
	audit.to_stderr = cfg->to_stderr;
	audit.file_fd = cfg->file_fd;
	audit.dir_fd = cfg->dir_fd;
	if (cfg->file_name)
		snprintf(audit.file_name, sizeof(audit.file_name), "%s", cfg->file_name);
	audit.procfd = procfd;
	n = path_of_fd(procfd, rootfd, audit.root, sizeof(audit.root));
	if (n < 0)
		die("audit: cannot read the export root's path");
	audit.rootlen = (size_t)n;
	if (audit.rootlen == 1)
		audit.rootlen = 0;	/* export "/": paths are kept whole */
}

/* ---- paths ---- */

/*
 * Formatting without printf: a record is built for every change a client
 * makes, before it is answered, so these are on its path (perf showed
 * snprintf and strftime as a fifth of the audit trail's cost).
 */

/* s into out (cap > 0 bytes), cut to fit, NUL-terminated. */
static void copy_cstr(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n > cap - 1)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* copy_cstr() at the end of what out already holds. */
static void append_cstr(char *out, size_t cap, const char *s)
{
	size_t len = strlen(out);

	copy_cstr(out + len, cap - len, s);
}

/* Export-relative path of a node's object into out (raw bytes, NUL-ended). */
static void node_path(const struct helper_node *n, char *out, size_t cap)
{
	char link[PATH_MAX + 32];
	const char *rest = NULL;

	if (!n) {
		snprintf(out, cap, "?");
		return;
	}
	if (path_of_fd(audit.procfd, n->self->fd, link, sizeof(link)) >= 0)
		rest = path_below(link, audit.root, audit.rootlen);
	if (rest)
		copy_cstr(out, cap, *rest ? rest : "/");
	else
		snprintf(out, cap, "?inode=%" PRIu64, (uint64_t)n->self->ino);
}

/* dir's path + "/" + the request's name bytes. */
static void entry_path(const struct helper_node *dir, struct p9_str name, char *out, size_t cap)
{
	size_t len, nlen = name.s ? name.len : 0;

	node_path(dir, out, cap);
	len = strlen(out);
	if (len > 0 && out[len - 1] != '/' && len + 1 < cap)
		out[len++] = '/';
	if (nlen > cap - 1 - len)
		nlen = cap - 1 - len;
	memcpy(out + len, name.s ? name.s : "", nlen);
	out[len + nlen] = '\0';
}

/*
 * A record is written twice at once: the JSON line (common/jsonl.c) and,
 * with syslog, its readable form (helper_audit_text.c), field by field in
 * the same order, so that the two cannot hold different facts.
 */
struct jbuf {
	struct jsonl_out j;
	struct audit_text *t;	/* the syslog form, built alongside; or NULL */
};

static void jb_str(struct jbuf *j, const char *key, const char *v, size_t n)
{
	if (j->t)
		audit_text_str(j->t, key, v, n);
	jsonl_put_str(&j->j, key, v, n);
}

static void jb_cstr(struct jbuf *j, const char *key, const char *v)
{
	jb_str(j, key, v, strlen(v));
}

static void jb_u64(struct jbuf *j, const char *key, uint64_t v)
{
	if (j->t)
		audit_text_u64(j->t, key, v);
	jsonl_put_u64(&j->j, key, v);
}

/* ,"key":"0755" (a leading 0, then the octal digits: 0 is "00"). */
static void jb_octal(struct jbuf *j, const char *key, uint32_t v)
{
	char num[26] = "0";

	jb_str(j, key, num, 1 + jsonl_fmt_u64(num + 1, v, 8));
}

static const char *errno_name(uint32_t err, char buf[16])
{
	const char *s;

	if (err == 0)
		return "ok";
	s = strerrorname_np((int)err);
	if (s)
		return s;
	snprintf(buf, 16, "E%u", err);
	return buf;
}

/* "rdwr|creat|trunc" from P9_DOTL_* open flags. */
static void open_flags_text(uint32_t f, char *out, size_t cap)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} bits[] = {
		{ P9_DOTL_CREATE, "creat" }, { P9_DOTL_EXCL, "excl" }, { P9_DOTL_TRUNC, "trunc" },
		{ P9_DOTL_APPEND, "append" }, { P9_DOTL_DIRECTORY, "directory" },
		{ P9_DOTL_NOFOLLOW, "nofollow" }, { P9_DOTL_SYNC, "sync" },
	};
	static const char *const acc[] = { "rdonly", "wronly", "rdwr", "acc3" };

	copy_cstr(out, cap, acc[f & 3]);
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (f & bits[i].bit) {
			append_cstr(out, cap, "|");
			append_cstr(out, cap, bits[i].name);
		}
}

/* "chown+chmod" etc. from the setattr valid bits. */
static void setattr_name(uint32_t valid, char *out, size_t cap)
{
	out[0] = '\0';
	if (valid & (P9_SETATTR_UID | P9_SETATTR_GID))
		append_cstr(out, cap, "+chown");
	if (valid & P9_SETATTR_SIZE)
		append_cstr(out, cap, "+truncate");
	if (valid & P9_SETATTR_MODE)
		append_cstr(out, cap, "+chmod");
	if (valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME))
		append_cstr(out, cap, "+utimes");
	if (!out[0])
		copy_cstr(out, cap, "+setattr");
	memmove(out, out + 1, strlen(out));
}

static bool open_writes(uint32_t dotl)
{
	return (dotl & 3) != 0 || (dotl & (P9_DOTL_TRUNC | P9_DOTL_CREATE | P9_DOTL_APPEND));
}

/* ---- the fields of each operation (hp_ops.def's audit columns) ---- */

static void jb_oflags(struct jbuf *j, const char *key, uint32_t flags)
{
	char text[96];

	open_flags_text(flags, text, sizeof(text));
	jb_cstr(j, key, text);
}

static void audit_setattr_fields(struct jbuf *j, const struct hp_setattr *a)
{
	if (a->valid & P9_SETATTR_MODE)
		jb_octal(j, "mode", a->mode & 07777);
	/* The owner given to the host (mapped); the guest's too if it differs. */
	if (a->valid & P9_SETATTR_UID) {
		jb_u64(j, "new_uid", hidmap_uid_to_host(a->uid, NULL));
		if (hidmap_active())
			jb_u64(j, "guest_new_uid", a->uid);
	}
	if (a->valid & P9_SETATTR_GID) {
		jb_u64(j, "new_gid", hidmap_gid_to_host(a->gid, NULL));
		if (hidmap_active())
			jb_u64(j, "guest_new_gid", a->gid);
	}
	if (a->valid & P9_SETATTR_SIZE)
		jb_u64(j, "size", a->size);
	if (a->valid & P9_SETATTR_ATIME)
		jb_cstr(j, "atime", a->valid & P9_SETATTR_ATIME_SET ? "set" : "now");
	if (a->valid & P9_SETATTR_MTIME)
		jb_cstr(j, "mtime", a->valid & P9_SETATTR_MTIME_SET ? "set" : "now");
}

static void audit_mknod_fields(struct jbuf *j, const struct hp_mknod *a)
{
	jb_octal(j, "mode", a->mode);	/* the file type too */
	if (S_ISCHR(a->mode) || S_ISBLK(a->mode)) {
		jb_u64(j, "major", a->major);
		jb_u64(j, "minor", a->minor);
	}
}

static void audit_xattrset_flags(struct jbuf *j, const struct hp_xattrset *a)
{
	if (a->flags)
		jb_cstr(j, "flags", a->flags == 1   ? "create"
				    : a->flags == 2 ? "replace"
						    : "create|replace");
}

/* The walk's start and the names it was asked to walk. */
static void walk_path(const struct helper_node *from, const struct hp_walk *w, char *out,
		      size_t cap)
{
	size_t len;

	node_path(from, out, cap);
	for (uint16_t i = 0; i < w->nwname && i < P9_MAXWELEM; i++) {
		const struct p9_str *n = &w->wname[i];

		len = strlen(out);
		if (len + 2 + n->len >= cap || !n->s)
			break;
		if (out[len - 1] != '/')
			out[len++] = '/';
		memcpy(out + len, n->s, n->len);
		out[len + n->len] = '\0';
	}
}

/* paths_NAME(): "path" and "newpath", from the path0/path1 columns. */
#define P_NONE
#define P_NODE(i) node_path(c->h[i], out, cap);
#define P_NODE_OPT(i)                           \
	if (c->h[i])                            \
		node_path(c->h[i], out, cap);
#define P_ENTRY(i, f) entry_path(c->h[i], a->f, out, cap);
#define P_WALK walk_path(c->h[0], a, out, cap);
#define HP_OP(OP, number, name, shape, rep, flags, caps, path0, path1, ...)         \
	static void paths_##name(const struct helper_ctx *c, struct audit_pre *p)    \
	{                                                                            \
		const struct hp_##shape *a = &c->req->u.shape;                        \
		size_t cap = sizeof(p->path[0]);                                      \
		char *out = p->path[0];                                               \
		(void)a;                                                              \
		(void)cap;                                                            \
		path0 out = p->path[1];                                               \
		(void)out;                                                            \
		path1                                                                 \
	}
#include "hp_ops.def"

/* fields_NAME(): the operation's own fields, from the last column. */
#define A_STR(key, f) jb_str(j, key, a->f.s, a->f.len);
#define A_U64(key, f) jb_u64(j, key, a->f);
#define A_OCTAL(key, f, mask) jb_octal(j, key, a->f & (mask));
#define A_OFLAGS(key, f) jb_oflags(j, key, a->f);
#define A_FLAG(key, f, bit, text) \
	if (a->f & (bit))         \
		jb_cstr(j, key, text);
#define A_FN(fn) fn(j, a);
#define HP_OP(OP, number, name, req, rep, flags, caps, path0, path1, record, fields) \
	static void fields_##name(struct jbuf *j, const struct hp_req *r)           \
	{                                                                           \
		const struct hp_##req *a = &r->u.req;                                \
		(void)a;                                                             \
		(void)j;                                                             \
		fields                                                               \
	}
#include "hp_ops.def"

typedef void audit_record_fn(const struct helper_ctx *c, struct jbuf *j,
			     const struct audit_pre *p, const char *opname);
static audit_record_fn audit_record_std, audit_record_setattr, audit_record_session,
	audit_record_refused, audit_record_ftruncated;

static const struct {
	void (*paths)(const struct helper_ctx *c, struct audit_pre *p);
	void (*fields)(struct jbuf *j, const struct hp_req *r);
	audit_record_fn *record;
} audit_ops[HP_OP_MAX] = {
#define R_STD audit_record_std
#define HP_OP(OP, number, name, req, rep, flags, caps, path0, path1, record, ...) \
	[HP_##OP] = { paths_##name, fields_##name, record },
#include "hp_ops.def"
};

/*
 * Requests that change no name or object: their paths are the same after
 * them as before.  At level "changes" most of them are not recorded, so
 * their paths (a readlink of /proc/self/fd/N each) wait until they are.
 */
static bool audit_may_defer(const struct hp_req *r, unsigned int flags)
{
	if (r->op == HP_OPEN)
		return !open_writes(r->u.open.flags);
	return !(flags & HP_F_MODIFIES);
}

void helper_audit_begin(const struct helper_ctx *c, unsigned int flags, struct audit_pre *p)
{
	p->path[0][0] = p->path[1][0] = '\0';
	p->deferred = false;
	if (audit.level == AUDIT_OFF || c->req->op >= HP_OP_MAX || !audit_ops[c->req->op].paths)
		return;
	if (audit.level == AUDIT_CHANGES && audit_may_defer(c->req, flags)) {
		p->deferred = true;
		return;
	}
	audit_ops[c->req->op].paths(c, p);
}

/* Is this request recorded at the configured level? */
static bool wanted(const struct helper_ctx *c, unsigned int flags)
{
	const struct hp_req *r = c->req;

	if (flags & HP_F_NOAUDIT)
		return false;
	if (audit.level == AUDIT_ALL)
		return true;
	/* changes: modifications, sessions, refusals, and failures (but not a
	 * lookup of a name that does not exist, the most ordinary thing a
	 * client does) */
	if (flags & (HP_F_MODIFIES | HP_F_AUDIT_ALWAYS))
		return true;
	if (r->op == HP_OPEN && open_writes(r->u.open.flags))
		return true;
	if (c->rep->error == 0 || (r->op == HP_WALK && c->rep->error == ENOENT))
		return false;
	return true;
}

static void audit_reopen(void)
{
	struct creds_saved sv;
	struct stat st;
	mode_t mode = 0600;
	int fd = -1, err;

	if (audit.dir_fd < 0)
		return;
	if (audit.file_fd >= 0 && fstat(audit.file_fd, &st) == 0)
		mode = st.st_mode & 0777;
	/* As root: the helper thread's fs ids are some client's right now,
	 * and a new audit file must belong to root, not to that client. */
	err = creds_root_begin(&sv);
	if (err) {
		log_err("audit: cannot reopen %s: %s", audit.file_name, strerror(err));
		return;
	}
	for (int tries = 0; fd < 0 && tries < 3; tries++) {
		fd = openat(audit.dir_fd, audit.file_name,
			    O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			/* Safe: O_EXCL (the seccomp filter insists), in the
			 * audit directory the Landlock rule allows. */
			fd = openat(audit.dir_fd, audit.file_name,
				    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
					O_CLOEXEC,
				    mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	err = errno;
	creds_root_end(&sv);
	if (fd < 0) {
		log_err("audit: cannot reopen %s: %s; still writing to the old file",
			audit.file_name, strerror(err));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("audit: %s is not a regular file; still writing to the old file",
			audit.file_name);
		close(fd);
		return;
	}
	if (audit.file_fd >= 0)
		close(audit.file_fd);
	audit.file_fd = fd;
	log_info("audit: reopened %s", audit.file_name);
}

/* The JSON line (len bytes, '\n' included) and, with syslog, j->t's line. */
static void emit(const struct jbuf *j)
{
	const char *line = j->j.b;
	size_t len = j->j.len;
	ssize_t n;

	pthread_mutex_lock(&audit.lock);
	if (atomic_exchange(&audit_reopen_wanted, 0))
		audit_reopen();
	if (audit.file_fd >= 0) {
		/* One write: O_APPEND makes it one atomic append. */
		do
			n = write(audit.file_fd, line, len);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)len)
			log_err("audit: write to %s: %s", audit.file_name,
				n < 0 ? strerror(errno) : "short write");
	}
	pthread_mutex_unlock(&audit.lock);
	if (audit.to_syslog && j->t)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "audit: %s", j->t->b);
	if (audit.to_stderr)
		do
			n = write(STDERR_FILENO, line, len);
		while (n < 0 && errno == EINTR);
}

/*
 * The start of every record: the time, RFC 3339 UTC with microseconds.
 * The date and second are formatted once per second per thread.
 */
static void jb_begin(struct jbuf *j, char *buf, size_t cap)
{
	static __thread time_t sec = (time_t)-1;
	static __thread char day[32]; /* YYYY-MM-DDTHH:MM:SS */
	static __thread size_t daylen;
	struct timespec ts;
	char when[48];
	long usec;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != sec) {
		struct tm tm;

		gmtime_r(&ts.tv_sec, &tm);
		daylen = strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		sec = ts.tv_sec;
	}
	memcpy(when, day, daylen);
	when[daylen] = '.';
	usec = ts.tv_nsec / 1000;
	for (int i = 6; i >= 1; i--, usec /= 10)
		when[daylen + (size_t)i] = (char)('0' + usec % 10);
	memcpy(when + daylen + 7, "Z", 2);
	jsonl_begin(&j->j, buf, cap, AUDIT_RESERVE);
	jsonl_put_str(&j->j, "time", when, daylen + 8);
	if (j->t)
		audit_text_begin(j->t, j->t->b, j->t->cap, when);
}

static void jb_end(struct jbuf *j)
{
	jsonl_end(&j->j);
	if (j->t)
		audit_text_end(j->t);
}

/* The ids a request asked for, as host ids (uid, and gid unless default). */
static void request_ids(const struct hp_req *r, uint32_t *uid, uint32_t *gid)
{
	*uid = r->uid == (uint32_t)-1 ? r->uid : hidmap_uid_to_host(r->uid, NULL);
	*gid = r->gid == HP_GID_DEFAULT ? r->gid : hidmap_gid_to_host(r->gid, NULL);
}

/* session, op, paths, credentials, the operation's fields, result, note. */
static void audit_record_std(const struct helper_ctx *c, struct jbuf *j,
			     const struct audit_pre *p, const char *opname)
{
	const struct hp_req *r = c->req;
	char ebuf[16];
	uint32_t uid, gid;

	jb_u64(j, "session", r->session);
	jb_cstr(j, "op", opname);
	if (p->path[0][0])
		jb_cstr(j, "path", p->path[0]);
	if (p->path[1][0])
		jb_cstr(j, "newpath", p->path[1]);
	/* The credentials the operation ran with: the thread's fs ids when
	 * the switch took, else what the request asked for (as host ids). */
	if (!model_switches_creds(c->env)) {
		/* --security-model none: the helper's own ids did the work. */
		uid = c->env->own_uid;
		gid = c->env->own_gid;
	} else if (!c->creds_switched || !creds_current(&uid, &gid)) {
		request_ids(r, &uid, &gid);
	}
	jb_u64(j, "uid", uid);
	if (gid != HP_GID_DEFAULT)
		jb_u64(j, "gid", gid);
	/* With id maps uid/gid above are the host ids used; these are the
	 * guest's own. */
	if (hidmap_active() || !model_switches_creds(c->env)) {
		jb_u64(j, "guest_uid", r->uid);
		if (r->gid != HP_GID_DEFAULT)
			jb_u64(j, "guest_gid", r->gid);
	}
	audit_ops[r->op].fields(j, r);
	jb_cstr(j, "result", errno_name(c->rep->error, ebuf));
	if (c->audit_note)
		jb_cstr(j, "note", c->audit_note);
}

/* A setattr is named by what it changes: "chown+chmod". */
static void audit_record_setattr(const struct helper_ctx *c, struct jbuf *j,
				 const struct audit_pre *p, const char *opname)
{
	char name[64];

	(void)opname;
	setattr_name(c->req->u.setattr.valid, name, sizeof(name));
	audit_record_std(c, j, p, name);
}

static void audit_record_session(const struct helper_ctx *c, struct jbuf *j,
				 const struct audit_pre *p, const char *opname)
{
	const struct hp_req *r = c->req;
	char ebuf[16];

	(void)p;
	jb_u64(j, "session", r->op == HP_SESSION_START ? r->u.session_start.session
						       : r->u.session_end.session);
	jb_cstr(j, "op", opname);
	if (r->op == HP_SESSION_START) {
		jb_str(j, "peer", r->u.session_start.peer.s, r->u.session_start.peer.len);
		jb_cstr(j, "peer_reported_by", "frontend");
	}
	jb_cstr(j, "result", errno_name(c->rep->error, ebuf));
}

/*
 * A 9P request the frontend refused for a name the helper protocol cannot
 * carry.  Everything in it is the frontend's report: the op is the 9P
 * message's, the result the errno the client got; the name is the bytes
 * the client sent (jb_str escapes NUL and other controls; '/' is kept).
 */
static void audit_record_refused(const struct helper_ctx *c, struct jbuf *j,
				 const struct audit_pre *p, const char *opname)
{
	const struct hp_req *r = c->req;
	const struct hp_refused *a = &r->u.refused;
	const char *t = hp_refused_op_name(a->p9type);
	char ebuf[16];
	uint32_t uid, gid;

	(void)opname;
	jb_u64(j, "session", r->session);
	jb_cstr(j, "op", t ? t : "?");
	if (p->path[0][0])
		jb_cstr(j, "path", p->path[0]);
	request_ids(r, &uid, &gid);
	if (r->uid != (uint32_t)-1) {	/* -1: no such fid, no Tattach uid */
		jb_u64(j, "uid", uid);
		if (hidmap_active())
			jb_u64(j, "guest_uid", r->uid);
	}
	jb_str(j, "name", a->name, a->len);
	jb_u64(j, "name_len", a->namelen);
	jb_cstr(j, "result", errno_name(a->error, ebuf));
	jb_cstr(j, "refused_by", "frontend");
	if (c->rep->error)	/* a handle this helper never issued */
		jb_cstr(j, "note", "unknown handle");
}

/*
 * A truncate the frontend ran on the descriptor of an open fid: the same
 * record as a truncate by the helper ("op":"truncate"), the result the one
 * the frontend reports, and "reported_by":"frontend".
 */
static void audit_record_ftruncated(const struct helper_ctx *c, struct jbuf *j,
				    const struct audit_pre *p, const char *opname)
{
	const struct hp_req *r = c->req;
	const struct hp_ftruncated *a = &r->u.ftruncated;
	char ebuf[16];
	uint32_t uid, gid;

	(void)opname;
	jb_u64(j, "session", r->session);
	jb_cstr(j, "op", "truncate");
	if (p->path[0][0])
		jb_cstr(j, "path", p->path[0]);
	request_ids(r, &uid, &gid);
	jb_u64(j, "uid", uid);
	if (hidmap_active())
		jb_u64(j, "guest_uid", r->uid);
	jb_u64(j, "size", a->size);
	jb_cstr(j, "via", "open-fid");
	jb_cstr(j, "result", errno_name(c->rep->error ? (uint32_t)c->rep->error : a->error, ebuf));
	jb_cstr(j, "reported_by", "frontend");
}

void helper_audit_op(const struct helper_ctx *c, const char *opname, unsigned int flags,
		     struct audit_pre *p)
{
	const struct hp_req *r = c->req;
	char line[AUDIT_LINE_MAX], text[AUDIT_LINE_MAX], ebuf[16];
	struct audit_text t = { .b = text, .cap = sizeof(text) };
	struct jbuf j = { .t = audit.to_syslog ? &t : NULL };

	if (audit.level == AUDIT_OFF) {
		if (log_get_level() >= LOG_LVL_DEBUG)
			log_debug("op=%s req=%u uid=%u gid=%u result=%s", opname, r->reqid, r->uid,
				  r->gid, errno_name(c->rep->error, ebuf));
		return;
	}
	if (r->op >= HP_OP_MAX || !audit_ops[r->op].record || !wanted(c, flags))
		return;
	if (p->deferred)
		audit_ops[r->op].paths(c, p);	/* nothing moved: a read-only request */
	jb_begin(&j, line, sizeof(line));
	audit_ops[r->op].record(c, &j, p, opname);
	jb_end(&j);
	emit(&j);
}

void helper_audit_violation(const char *what)
{
	char line[2048], text[2048];
	struct audit_text t = { .b = text, .cap = sizeof(text) };
	struct jbuf j = { .t = audit.to_syslog ? &t : NULL };

	if (audit.level == AUDIT_OFF)
		return;
	jb_begin(&j, line, sizeof(line));
	jb_cstr(&j, "op", "protocol-violation");
	jb_cstr(&j, "detail", what);
	jb_cstr(&j, "result", "EPROTO");
	jb_end(&j);
	emit(&j);
}
