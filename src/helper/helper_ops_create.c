/*
 * helper_ops_create.c - mkdir, symlink, mknod, link.
 *
 * All run with the request's fs credentials (fsgid = the client's gid), so
 * each new entry is owned correctly the moment it exists, and the kernel
 * applies the directory's permissions, setgid inheritance and the
 * protected_hardlinks rule for that user.  No umask applies: the helper runs
 * with umask 0 because the client already decided the mode.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

/* Common checks for a new entry `name` in directory handle h. */
static int new_entry(const struct helper_node *h, struct p9_str wname, char name[HP_MAX_NAME + 1])
{
	int err = path_name_cstr(wname, name);

	if (err)
		return err;
	if (path_is_dot(name))
		return EEXIST;	/* "." and ".." exist; they are never created */
	if (!S_ISDIR(h->self->type))
		return ENOTDIR;
	return 0;
}

/* qid of the entry just made (a lookup that follows nothing). */
static int entry_qid(int dirfd, const char *name, struct p9_qid *q)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	return qid_from_stat(&st, q);
}

int helper_do_mkdir(struct helper_ctx *c)
{
	const struct hp_mkdir *a = &c->req->u.mkdir;
	char name[HP_MAX_NAME + 1];
	int dirfd = c->h[0]->self->fd;
	int err;

	err = new_entry(c->h[0], a->name, name);
	if (err)
		return err;
	/* Safe: one checked component; mkdir never follows a final symlink.
	 * mapped-xattr: the host mode is --dmode, the guest's in an xattr. */
	if (mkdirat(dirfd, name, mx_on() ? mx_dmode() : a->mode & 07777) < 0)
		return errno;
	c->created = true;
	if (mx_on()) {
		err = mx_new_entry(c, dirfd, name, S_IFDIR | (a->mode & 07777), NULL);
		if (err)
			return err;
	}
	return entry_qid(dirfd, name, &c->rep->u.qid.qid);
}

int helper_do_symlink(struct helper_ctx *c)
{
	const struct hp_symlink *a = &c->req->u.symlink;
	char name[HP_MAX_NAME + 1], target[HP_MAX_SYMTGT + 1];
	int dirfd = c->h[0]->self->fd;
	int err;

	err = new_entry(c->h[0], a->name, name);
	if (err)
		return err;
	if (a->target.len > HP_MAX_SYMTGT || (a->target.len && !a->target.s) ||
	    (a->target.len && memchr(a->target.s, '\0', a->target.len)))
		return EINVAL;
	if (a->target.len == 0)
		return ENOENT;	/* what symlink(2) says to an empty target */
	memcpy(target, a->target.s, a->target.len);
	target[a->target.len] = '\0';
	if (mx_on()) {
		/* mapped-xattr: a regular file holding the target (QEMU's way). */
		err = mx_symlink(c, dirfd, name, target);
		if (err)
			return err;
		c->created = true;
		err = entry_qid(dirfd, name, &c->rep->u.qid.qid);
		c->rep->u.qid.qid.type = P9_QTSYMLINK;
		return err;
	}
	/* Safe: the target is stored text; the helper never follows it. */
	if (symlinkat(target, dirfd, name) < 0)
		return errno;
	c->created = true;
	return entry_qid(dirfd, name, &c->rep->u.qid.qid);
}

int helper_do_mknod(struct helper_ctx *c)
{
	const struct hp_mknod *a = &c->req->u.mknod;
	char name[HP_MAX_NAME + 1];
	int dirfd = c->h[0]->self->fd;
	mode_t type = a->mode & S_IFMT;
	dev_t dev = 0;
	int err;

	err = new_entry(c->h[0], a->name, name);
	if (err)
		return err;
	switch (type) {
	case 0:
		type = S_IFREG;	/* as mknod(2) */
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (!c->env->allow_devices && !mx_on()) {
			static atomic_bool said;	/* once: a guest could loop */

			if (c->env->userns && !atomic_exchange(&said, true))
				log_warn("mknod of a block or character device: EPERM, a user "
					 "namespace (p9guard --rootless) cannot create device nodes; "
					 "--security-model mapped-xattr keeps them as metadata");
			return EPERM;
		}
		/* Only a request of host uid 0, under either --permissions:
		 * with guest permissions CAP_MKNOD stays effective for every
		 * fsuid, and the host must not rely on the guest for this. */
		if (!mx_on() && hidmap_uid_to_host(c->req->uid, NULL) != 0)
			return EPERM;
		dev = makedev(a->major, a->minor);
		break;
	default:
		return EINVAL;	/* directories and symlinks have their own ops */
	}
	if (mx_on()) {
		/* mapped-xattr: every node is an empty regular file of mode
		 * --fmode; its type, mode and rdev are metadata (QEMU's way),
		 * so no device ever exists on the host. */
		uint64_t rdev = makedev(a->major, a->minor);

		if (mknodat(dirfd, name, S_IFREG | mx_fmode(), 0) < 0)
			return errno;
		c->created = true;
		err = mx_new_entry(c, dirfd, name, type | (a->mode & 07777), &rdev);
		if (err)
			return err;
		return entry_qid(dirfd, name, &c->rep->u.qid.qid);
	}
	/* Safe: one checked component; device nodes only with --allow-devices,
	 * and then the kernel still wants CAP_MKNOD, i.e. a uid 0 request. */
	if (mknodat(dirfd, name, type | (a->mode & 07777), dev) < 0)
		return errno;
	c->created = true;
	return entry_qid(dirfd, name, &c->rep->u.qid.qid);
}

int helper_do_link(struct helper_ctx *c)
{
	const struct hp_link *a = &c->req->u.link;
	char name[HP_MAX_NAME + 1], fdname[16];
	int err;

	err = new_entry(c->h[0], a->name, name);
	if (err)
		return err;
	if (S_ISDIR(c->h[1]->self->type))
		return EPERM;
	/*
	 * Safe: the source is our own descriptor of an inode inside the
	 * export, reached through /proc/self/fd (which, unlike AT_EMPTY_PATH,
	 * needs no CAP_DAC_READ_SEARCH); following that magic link ends at
	 * the inode itself, even when it is a symlink.
	 */
	path_fdname(c->h[1]->self, fdname);
	if (linkat(c->env->procfd, fdname, c->h[0]->self->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return errno;
	return 0;
}
