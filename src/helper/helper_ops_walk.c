/*
 * helper_ops_walk.c - handshake, attach, walk, release and the read-only
 * queries on a handle (getattr, statfs, readlink).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

int helper_do_hello(struct helper_ctx *c)
{
	if (c->req->u.hello.version != HP_VERSION) {
		log_err("frontend speaks helper protocol %u, this helper speaks %u",
			c->req->u.hello.version, HP_VERSION);
		return EPROTONOSUPPORT;
	}
	c->rep->u.hello.version = HP_VERSION;
	c->rep->u.hello.max_msg = HP_MAX_MSG;
	return 0;
}

static int obj_qid(const struct helper_obj *o, struct p9_qid *q)
{
	struct stat st;
	int err = helper_fstat(o->fd, &st);

	if (!err && mx_on() && S_ISREG(st.st_mode))
		mx_overlay_fd(o->fd, &st);	/* a stored symlink is one */
	return err ? err : qid_from_stat(&st, q);
}

int helper_do_attach(struct helper_ctx *c)
{
	int err;

	/* One export per helper: aname cannot select anything else. */
	log_debug("attach uid %u aname \"%.*s\"", c->req->uid, (int)c->req->u.attach.aname.len,
		  c->req->u.attach.aname.s ? c->req->u.attach.aname.s : "");
	err = obj_qid(c->env->root->self, &c->rep->u.attach.qid);
	if (err)
		return err;
	return handles_add(c->env->root, c->req->session, &c->rep->u.attach.handle);
}

static bool is_root(const struct helper_env *env, const struct helper_obj *o)
{
	return o->dev == env->root->self->dev && o->ino == env->root->self->ino;
}

/* The parent directory of dirfd, opened O_PATH; -1 with errno on failure. */
static int open_dotdot(int dirfd)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do {
		fd = (int)syscall(SYS_openat2, dirfd, "..", &how, sizeof(how));
	} while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, "..", (int)how.flags);
	return fd;
}

/*
 * Whether the directory `fd`, still linked (a deleted one is named "...
 * (deleted)"), is the root or below it by its name: 0 yes, EACCES no, -1
 * when its name cannot tell.  One system call per name instead of two per
 * level (issue 22, finding 5): the kernel walks the parents.
 */
static int beneath_by_name(const struct helper_env *env, int fd, const char *root, size_t rlen)
{
	char path[PATH_MAX];
	ssize_t n = path_of_fd(env->procfd, fd, path, sizeof(path));
	struct stat st;

	if (n < 0)
		return -1;
	if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0 &&
	    (helper_fstat(fd, &st) != 0 || st.st_nlink == 0))
		return -1;	/* removed: its name says nothing */
	return path_below(path, root, rlen) ? 0 : EACCES;
}

/*
 * 0 if the directory `fd` is the export root or lies below it right now;
 * EACCES if following ".." from it reaches the host's "/" first (the host
 * moved it out of the export while a handle to it was alive).  By the
 * kernel's names of fd and the root when they fit in PATH_MAX; else by
 * climbing "..", asking again every CLIMB_REASK levels (the name gets
 * shorter as it climbs), at most 2048 levels.
 */
#define CLIMB_REASK 16
static int check_beneath_root(const struct helper_env *env, int fd)
{
	char root[PATH_MAX];
	ssize_t rlen = path_of_fd(env->procfd, env->root->self->fd, root, sizeof(root));
	struct stat st, up;
	int cur = fd, next, err = EACCES;

	if (rlen == 1)
		rlen = 0;	/* the export is "/" (path_below()) */
	for (int depth = 0; depth < 2048; depth++) {
		if (rlen >= 0 && depth % CLIMB_REASK == 0) {
			err = beneath_by_name(env, cur, root, (size_t)rlen);
			if (err >= 0)
				break;
		}
		err = helper_fstat(cur, &st);
		if (err)
			break;
		if (st.st_dev == env->root->self->dev && st.st_ino == env->root->self->ino) {
			err = 0;
			break;
		}
		next = open_dotdot(cur);
		if (next < 0) {
			err = errno;
			break;
		}
		err = helper_fstat(next, &up);
		if (cur != fd)
			close(cur);
		cur = next;
		if (err)
			break;
		err = EACCES;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			break;	/* "/" is its own parent: never met the root */
	}
	if (cur != fd)
		close(cur);
	return err;
}

/* ".." of a directory that is not the export root: its parent right now. */
static int walk_dotdot(const struct helper_env *env, const struct helper_obj *dir,
		       struct helper_node **next)
{
	struct helper_obj *o;
	int fd, err;

	/*
	 * `dir` was inside the export and is not its root, so its parent is
	 * inside the export too (the root itself at worst) - unless the host
	 * moved `dir` out meanwhile: then ".." would climb the host's tree, so
	 * the parent must still lead to the root.  ".." is never a symlink.
	 * The node gets no parent/name: its location is unknown.
	 */
	fd = open_dotdot(dir->fd);
	if (fd < 0)
		return errno;
	err = check_beneath_root(env, fd);
	if (err) {
		log_warn("walk \"..\" left the export (a directory was moved out of it); refused");
		close(fd);
		return err;
	}
	err = hobj_new(fd, &o);
	if (err)
		return err;
	return hnode_new(o, NULL, NULL, next);
}

/* One step of a walk from `cur`; *next is a new node reference. */
static int walk_one(struct helper_env *env, struct helper_node *cur, struct p9_str wname,
		    struct helper_node **next)
{
	char name[HP_MAX_NAME + 1];
	struct helper_obj *o;
	int fd, err;

	err = path_name_cstr(wname, name);
	if (err)
		return err;
	if (!S_ISDIR(cur->self->type))
		return ENOTDIR;	/* also what walking "through" a symlink gets */
	if (strcmp(name, ".") == 0) {
		*next = hnode_get(cur);
		return 0;
	}
	if (strcmp(name, "..") == 0) {
		if (is_root(env, cur->self)) {
			*next = hnode_get(env->root);	/* ".." at the root stays there */
			return 0;
		}
		return walk_dotdot(env, cur->self, next);
	}
	err = path_lookup_at(cur->self->fd, name, &fd);
	if (err)
		return err;
	err = hobj_new(fd, &o);
	if (err)
		return err;
	return hnode_new(o, hobj_get(cur->self), name, next);
}

int helper_do_walk(struct helper_ctx *c)
{
	const struct hp_walk *w = &c->req->u.walk;
	struct hp_r_walk *r = &c->rep->u.walk;
	struct helper_node *cur = hnode_get(c->h[0]), *next;
	struct stat st;
	int err = 0;

	if (w->nwname > P9_MAXWELEM) {
		err = EINVAL;
		goto put_cur;
	}
	r->nwqid = 0;
	r->handle = HP_NOHANDLE;
	for (unsigned int i = 0; i < w->nwname; i++) {
		err = walk_one(c->env, cur, w->wname[i], &next);
		if (!err) {
			/* st stays the last object's, for its attributes below:
			 * the stored metadata (mapped-xattr) of a regular file,
			 * which may be a stored symlink (as obj_qid()), and of
			 * the last object whatever it is (as HP_GETATTR). */
			err = helper_fstat(next->self->fd, &st);
			if (!err && mx_on() && (S_ISREG(st.st_mode) || i + 1 == w->nwname))
				mx_overlay_fd(next->self->fd, &st);
			if (!err)
				err = qid_from_stat(&st, &r->wqid[i]);
			if (err)
				hnode_put(next);
		}
		if (err)
			break;
		hnode_put(cur);
		cur = next;
		r->nwqid++;
	}
	if (r->nwqid == 0 && w->nwname > 0)
		goto put_cur;	/* the first name failed: an error reply */
	err = 0;		/* a later one: fewer qids, no handle */
	if (r->nwqid == w->nwname) {
		/* The attributes too: the client's Tgetattr usually follows. */
		if (w->nwname == 0) {
			err = helper_fstat(cur->self->fd, &st);
			if (!err && mx_on())
				mx_overlay_fd(cur->self->fd, &st);
		}
		/* Exactly what helper_do_getattr() would answer. */
		if (!err)
			err = attr_from_stat(&st, &r->attr);
		if (!err)
			hidmap_attr_to_guest(&r->attr);	/* host owner -> guest */
		if (!err)
			err = handles_add(cur, c->req->session, &r->handle);
	}
put_cur:
	hnode_put(cur);
	return err;
}

int helper_do_release(struct helper_ctx *c)
{
	uint32_t id = c->req->u.release.handle;

	/* Not answered; an unknown id is only worth a note. */
	if (handles_release(id))
		log_debug("release of unknown handle %#x", id);
	return 0;
}

int helper_do_getattr(struct helper_ctx *c)
{
	struct stat st;
	int err = helper_fstat(c->h[0]->self->fd, &st);

	if (!err)
		mx_overlay_fd(c->h[0]->self->fd, &st);	/* mapped-xattr metadata */
	if (!err)
		err = attr_from_stat(&st, &c->rep->u.attr.attr);
	if (!err)
		hidmap_attr_to_guest(&c->rep->u.attr.attr);	/* host owner -> guest */
	return err;
}

int helper_do_statfs(struct helper_ctx *c)
{
	struct p9_rstatfs *o = &c->rep->u.statfs.st;
	struct statfs sf;
	int r;

	do {
		r = fstatfs(c->h[0]->self->fd, &sf);	/* allowed on O_PATH since 3.12 */
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno;
	o->type = (uint32_t)sf.f_type;
	o->bsize = (uint32_t)sf.f_bsize;
	o->blocks = sf.f_blocks;
	o->bfree = sf.f_bfree;
	o->bavail = sf.f_bavail;
	o->files = sf.f_files;
	o->ffree = sf.f_ffree;
	o->fsid = (uint64_t)(uint32_t)sf.f_fsid.__val[0] |
		  (uint64_t)(uint32_t)sf.f_fsid.__val[1] << 32;
	o->namelen = (uint32_t)sf.f_namelen;
	return 0;
}

int helper_do_readlink(struct helper_ctx *c)
{
	const struct helper_obj *o = c->h[0]->self;
	ssize_t n;

	if (mx_on() && S_ISREG(o->type)) {
		/* mapped-xattr: a regular file holding the target. */
		int err = mx_readlink(c->env, o, c->scratch, HP_MAX_SYMTGT + 1, &n);

		if (err)
			return err;
	} else if (!S_ISLNK(o->type)) {
		return EINVAL;
	} else {
		/* "" with an O_PATH descriptor of the symlink: reads that link only. */
		n = readlinkat(o->fd, "", c->scratch, HP_MAX_SYMTGT + 1);
		if (n < 0)
			return errno;
	}
	if (n > HP_MAX_SYMTGT)
		return ENAMETOOLONG;
	if (memchr(c->scratch, '\0', (size_t)n))
		return EIO;
	c->rep->u.readlink.target.s = c->scratch;
	c->rep->u.readlink.target.len = (uint16_t)n;
	return 0;
}
