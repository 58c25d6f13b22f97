/*
 * helper_ops_open.c - open and lcreate: the two operations that hand the
 * frontend a descriptor.
 *
 * Only regular files and directories are ever opened for I/O: device nodes,
 * FIFOs and sockets get ENXIO (opening a device or a FIFO on the host could
 * block, have side effects, or reach hardware).  A read-only export opens
 * for reading only (EROFS otherwise).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "helper/helper.h"

/* Flags a client may ask for, translated explicitly: P9_DOTL_* are the x86
 * values, which differ from the host's on other architectures. */
static const struct {
	uint32_t dotl;
	int host;
} open_flag_map[] = {
	{ P9_DOTL_TRUNC, O_TRUNC },
	{ P9_DOTL_APPEND, O_APPEND },
	{ P9_DOTL_NONBLOCK, O_NONBLOCK },
	{ P9_DOTL_DSYNC, O_DSYNC },
	{ P9_DOTL_DIRECT, O_DIRECT },
	{ P9_DOTL_LARGEFILE, O_LARGEFILE },
	{ P9_DOTL_DIRECTORY, O_DIRECTORY },
	{ P9_DOTL_NOATIME, O_NOATIME },
	{ P9_DOTL_SYNC, O_SYNC },
};

int open_flags_from_dotl(uint32_t dotl, bool create, int *flags)
{
	int f;

	switch (dotl & 3) {
	case P9_DOTL_RDONLY:
		f = O_RDONLY;
		break;
	case P9_DOTL_WRONLY:
		f = O_WRONLY;
		break;
	case P9_DOTL_RDWR:
		f = O_RDWR;
		break;
	default:
		return EINVAL;
	}
	for (size_t i = 0; i < sizeof(open_flag_map) / sizeof(open_flag_map[0]); i++)
		if (dotl & open_flag_map[i].dotl)
			f |= open_flag_map[i].host;
	if (create) {
		f &= ~O_DIRECTORY;	/* O_CREAT|O_DIRECTORY is EINVAL */
		if (dotl & P9_DOTL_EXCL)
			f |= O_EXCL;
	}
	/* Dropped on purpose: O_CREAT (only lcreate creates), O_NOFOLLOW (the
	 * type is checked instead), O_NOCTTY/O_CLOEXEC (always added), FASYNC. */
	*flags = f | O_CLOEXEC | O_NOCTTY;
	return 0;
}

/* The type an open may touch; errno otherwise. */
static int openable(mode_t mode, int flags)
{
	if (S_ISDIR(mode))
		return (flags & O_ACCMODE) == O_RDONLY ? 0 : EISDIR;
	if (S_ISREG(mode))
		return (flags & O_DIRECTORY) ? ENOTDIR : 0;
	if (S_ISLNK(mode))
		return ELOOP;
	return ENXIO;
}

/* Reopen `o` with `flags`; make sure the result is the same inode. */
static int reopen_checked(const struct helper_env *env, const struct helper_obj *o, int flags,
			  int *fdp, struct stat *st)
{
	int fd, err;

	err = path_reopen(env, o, flags, &fd);
	if (err)
		return err;
	err = helper_fstat(fd, st);
	if (!err && (st->st_dev != o->dev || st->st_ino != o->ino))
		err = ESTALE;
	if (!err)
		err = openable(st->st_mode, flags);
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

int helper_do_open(struct helper_ctx *c)
{
	const struct helper_obj *o = c->h[0]->self;
	struct stat st;
	int flags, err, fd;

	err = open_flags_from_dotl(c->req->u.open.flags, false, &flags);
	if (err)
		return err;
	if (c->env->readonly) {
		/* Nothing writable leaves a read-only export.  O_NOATIME is
		 * dropped: it needs CAP_FOWNER, which the helper gave up. */
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return EROFS;
		flags &= ~O_NOATIME;
	}
	err = helper_fstat(o->fd, &st);
	if (err)
		return err;
	err = openable(st.st_mode, flags);
	if (err)
		return err == ELOOP ? ENXIO : err;
	/* Safe: runs with the request's fs credentials, so the kernel checks
	 * read/write permission on the inode as for that user. */
	err = reopen_checked(c->env, o, flags, &fd, &st);
	if (err)
		return err;
	err = qid_from_stat(&st, &c->rep->u.open.qid);
	if (err) {
		close(fd);
		return err;
	}
	c->rep->u.open.iounit = 0;	/* the frontend derives it from msize */
	c->out_fd = fd;
	return 0;
}

/* An existing entry for a create without O_EXCL: open it, if a regular file. */
static int lcreate_existing(struct helper_ctx *c, int dirfd, const char *name, int flags,
			    struct helper_obj **self, int *fdp, struct stat *st)
{
	int pfd, err;

	err = path_lookup_at(dirfd, name, &pfd);
	if (err)
		return err;
	err = hobj_new(pfd, self);
	if (err)
		return err;
	err = openable((*self)->type, flags);
	if (!err && S_ISDIR((*self)->type))
		err = EISDIR;
	if (!err)
		err = reopen_checked(c->env, *self, flags, fdp, st);
	if (err) {
		hobj_put(*self);
		*self = NULL;
	}
	return err;
}

int helper_do_lcreate(struct helper_ctx *c)
{
	const struct hp_lcreate *a = &c->req->u.lcreate;
	struct helper_obj *dir = c->h[0]->self, *self = NULL;
	char name[HP_MAX_NAME + 1], fdname[16];
	struct helper_node *node;
	int flags, err, fd = -1, pfd;
	struct stat st;

	err = path_name_cstr(a->name, name);
	if (err)
		return err;
	if (path_is_dot(name))
		return EEXIST;
	if (!S_ISDIR(dir->type))
		return ENOTDIR;
	err = open_flags_from_dotl(a->flags, true, &flags);
	if (err)
		return err;
	/*
	 * Safe: one checked component below a directory we hold, created
	 * O_EXCL and O_NOFOLLOW under the request's fs credentials, so the
	 * file is born owned by fsuid:fsgid (no chown window) and an existing
	 * symlink, FIFO or device is never opened through this call.
	 */
	err = path_open_at(dir->fd, name, flags | O_CREAT | O_EXCL,
			   mx_on() ? mx_fmode() : a->mode & 07777, &fd);
	if (err == EEXIST && !(a->flags & P9_DOTL_EXCL)) {
		err = lcreate_existing(c, dir->fd, name, flags & ~O_EXCL, &self, &fd, &st);
		if (err)
			return err;
	} else if (err) {
		return err;
	} else {
		c->created = true;
		/* mapped-xattr: the guest's owner and mode as metadata. */
		if (mx_on()) {
			err = mx_new_entry(c, dir->fd, name, S_IFREG | (a->mode & 07777), NULL);
			if (err)
				goto close_fd;
		}
		err = helper_fstat(fd, &st);
		if (err)
			goto close_fd;
		/* The handle: an O_PATH descriptor of the very inode we created. */
		snprintf(fdname, sizeof(fdname), "%d", fd);
		pfd = openat(c->env->procfd, fdname, O_PATH | O_CLOEXEC);
		if (pfd < 0) {
			err = errno;
			goto close_fd;
		}
		err = hobj_new(pfd, &self);
		if (err)
			goto close_fd;
		if (self->dev != st.st_dev || self->ino != st.st_ino) {
			err = ESTALE;
			goto put_self;
		}
	}
	err = qid_from_stat(&st, &c->rep->u.lcreate.qid);
	if (err)
		goto put_self;
	err = hnode_new(self, hobj_get(dir), name, &node);
	self = NULL;	/* the node owns it now (or freed it) */
	if (err)
		goto close_fd;
	err = handles_add(node, c->req->session, &c->rep->u.lcreate.handle);
	hnode_put(node);
	if (err)
		goto close_fd;
	c->rep->u.lcreate.iounit = 0;
	c->out_fd = fd;
	return 0;

put_self:
	hobj_put(self);
close_fd:
	close(fd);
	return err;
}
