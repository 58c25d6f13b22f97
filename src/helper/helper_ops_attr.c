/*
 * helper_ops_attr.c - setattr: chown, truncate, chmod, utimes (in that
 * order: chown first because it clears set-id bits a chmod may be setting,
 * the times last because truncating changes mtime).
 *
 * O_PATH descriptors do not take fchmod/ftruncate/futimens, so:
 *   chown    fchownat(fd, "", AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW): the inode
 *            itself, a symlink included (lchown semantics)
 *   truncate reopen O_WRONLY through /proc/self/fd (works for files that
 *            are open and already unlinked), then ftruncate
 *   chmod    fchmodat(procfd, "N"): the magic link leads to the inode;
 *            symlinks have no mode of their own -> EOPNOTSUPP
 *   utimes   utimensat(fd, "", AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW)
 * Everything runs with the request's fs credentials (one exception:
 * clear_setid()): the kernel refuses a chmod/chown/utimes by a non-owner, a chown to another uid by anyone but
 * uid 0, and a truncate without write permission, and clears set-id bits
 * as it would for that user.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/helper.h"

#define SETATTR_KNOWN                                                                        \
	(P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID | P9_SETATTR_SIZE |               \
	 P9_SETATTR_ATIME | P9_SETATTR_MTIME | P9_SETATTR_CTIME | P9_SETATTR_ATIME_SET |     \
	 P9_SETATTR_MTIME_SET)
#define NSEC_PER_SEC 1000000000u

static int set_owner(const struct helper_obj *o, const struct hp_setattr *a)
{
	/* Guest ids to host ids (an unmapped one becomes the squash id). */
	uid_t uid = (a->valid & P9_SETATTR_UID) ? hidmap_uid_to_host(a->uid, NULL) : (uid_t)-1;
	gid_t gid = (a->valid & P9_SETATTR_GID) ? hidmap_gid_to_host(a->gid, NULL) : (gid_t)-1;

	/* (uid_t)-1 given explicitly means "unchanged", as for chown(2). */
	/* Safe: our own descriptor; CAP_CHOWN is only effective for fsuid 0. */
	if (fchownat(o->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	return 0;
}

static int set_size(const struct helper_env *env, const struct helper_obj *o, uint64_t size)
{
	struct stat st;
	int fd, err, r;

	if (S_ISDIR(o->type))
		return EISDIR;
	if (!S_ISREG(o->type))
		return EINVAL;	/* never open a device or FIFO to truncate it */
	if (size > INT64_MAX)
		return EFBIG;
	err = path_reopen(env, o, O_WRONLY | O_NONBLOCK, &fd);
	if (err)
		return err;
	err = helper_fstat(fd, &st);
	if (!err && (st.st_ino != o->ino || st.st_dev != o->dev || !S_ISREG(st.st_mode)))
		err = ESTALE;
	if (!err) {
		/* Safe: a regular file of the export, opened for writing with
		 * the request's credentials (the kernel checked write access). */
		do {
			r = ftruncate(fd, (off_t)size);
		} while (r < 0 && errno == EINTR);
		if (r < 0)
			err = errno;
	}
	close(fd);
	return err;
}

/*
 * A non-owner who may write a set-id file asks to clear only its set-id
 * bits: the Linux 9P client sends that Tsetattr (under the writer's uid)
 * when such a user writes the file, because the server, not the client
 * kernel, owns the inode.  The host kernel would clear them itself on that
 * write; a chmod by a non-owner, though, is EPERM.  Allowed when the new
 * mode is exactly the old one minus S_ISUID/S_ISGID (same type, something
 * to clear) and the request's uid can open the regular file for writing.
 */
static int clear_setid(struct helper_ctx *c, const struct helper_obj *o, uint32_t mode)
{
	struct creds_saved sv;
	struct stat st;
	int fd, err, r;

	if (!S_ISREG(o->type))
		return EPERM;
	err = helper_fstat(o->fd, &st);
	if (err)
		return err;
	if (!(st.st_mode & (S_ISUID | S_ISGID)) ||
	    (mode & 07777) != (st.st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID)) ||
	    ((mode & S_IFMT) && (mode & S_IFMT) != (st.st_mode & S_IFMT)))
		return EPERM;
	/* The kernel checks write access for the request's uid here. */
	err = path_reopen(c->env, o, O_WRONLY | O_NONBLOCK, &fd);
	if (err)
		return err == EACCES ? EPERM : err;
	err = helper_fstat(fd, &st);
	if (!err && (st.st_ino != o->ino || st.st_dev != o->dev || !S_ISREG(st.st_mode)))
		err = ESTALE;
	if (!err)
		err = creds_root_begin(&sv);
	if (!err) {
		/*
		 * Safe: fsuid 0 for this one fchmod only; the descriptor is the
		 * checked regular file just opened for writing by the request's
		 * uid, and the mode is its current one with the set-id bits
		 * cleared: what the kernel itself does when that uid writes.
		 */
		r = fchmod(fd, st.st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
		err = r < 0 ? errno : 0;
		creds_root_end(&sv);
	}
	close(fd);
	if (!err)
		c->audit_note = "setid-cleared-for-writer";
	return err;
}

static int set_mode(struct helper_ctx *c, const struct helper_obj *o, uint32_t mode)
{
	char name[16];

	if (S_ISLNK(o->type))
		return EOPNOTSUPP;
	path_fdname(o, name);
	/* Safe: "N" is our own descriptor; the type bits the client may send
	 * along are dropped, only permission and set-id/sticky bits apply. */
	if (fchmodat(c->env->procfd, name, mode & 07777, 0) < 0)
		return errno == EPERM ? clear_setid(c, o, mode) : errno;
	return 0;
}

static int time_of(uint32_t valid, uint32_t bit, uint32_t setbit, uint64_t sec, uint64_t nsec,
		   struct timespec *ts)
{
	if (!(valid & bit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
	} else if (!(valid & setbit)) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_NOW;
	} else {
		if (nsec >= NSEC_PER_SEC || sec > INT64_MAX)
			return EINVAL;
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = (long)nsec;
	}
	return 0;
}

static int set_times(const struct helper_env *env, const struct helper_obj *o,
		     const struct hp_setattr *a)
{
	struct timespec ts[2];
	char name[16];
	int err;

	err = time_of(a->valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, a->atime_sec,
		      a->atime_nsec, &ts[0]);
	if (!err)
		err = time_of(a->valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, a->mtime_sec,
			      a->mtime_nsec, &ts[1]);
	if (err)
		return err;
	/* Safe: the inode of our own descriptor itself (never a symlink's
	 * target); the kernel applies the owner/write-access rules. */
	if (utimensat(o->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != EINVAL || S_ISLNK(o->type))
		return errno;
	/* Kernels without AT_EMPTY_PATH for utimensat: through the magic link. */
	path_fdname(o, name);
	if (utimensat(env->procfd, name, ts, 0) < 0)
		return errno;
	return 0;
}

int helper_do_setattr(struct helper_ctx *c)
{
	const struct hp_setattr *a = &c->req->u.setattr;
	const struct helper_obj *o = c->h[0]->self;
	int err = 0;

	if (a->valid & ~SETATTR_KNOWN)
		return EINVAL;
	if (a->valid & (P9_SETATTR_UID | P9_SETATTR_GID) && mx_on())
		err = mx_set_fd(o->fd, (a->valid & P9_SETATTR_UID) ? a->uid : (uint32_t)-1,
				(a->valid & P9_SETATTR_GID) ? a->gid : (uint32_t)-1, (uint32_t)-1,
				NULL);	/* mapped-xattr: metadata only */
	else if (a->valid & (P9_SETATTR_UID | P9_SETATTR_GID))
		err = set_owner(o, a);
	if (err)
		err = model_chown_failed(c, err);	/* --security-model none */
	if (!err && a->valid & P9_SETATTR_SIZE)
		err = set_size(c->env, o, a->size);
	if (!err && a->valid & P9_SETATTR_MODE)
		err = mx_on() ? mx_chmod(o, a->mode) : set_mode(c, o, a->mode);
	if (!err && a->valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME))
		err = set_times(c->env, o, a);
	/* P9_SETATTR_CTIME alone: ctime cannot be set; any change above
	 * already moved it. */
	return err;
}
