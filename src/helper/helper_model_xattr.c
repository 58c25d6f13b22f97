/*
 * helper_model_xattr.c - --security-model mapped-xattr, on-disk compatible
 * with QEMU's "-virtfs local,security_model=mapped-xattr".
 *
 * Host files keep the helper's ownership and the modes --fmode (regular
 * files, default 0600) and --dmode (directories, 0700).  What the guest
 * sees lives in user.* xattrs, written and read as QEMU's 9p-local.c does:
 *
 *   user.virtfs.uid   4 bytes, little-endian          (set when known)
 *   user.virtfs.gid   4 bytes, little-endian
 *   user.virtfs.mode  4 bytes, little-endian, the FULL st_mode (type too)
 *   user.virtfs.rdev  8 bytes, little-endian (mknod only)
 *
 * Symlinks are regular files holding the target; device nodes, FIFOs and
 * sockets are empty regular files: only the mode xattr says what they are.
 * A value of another size is ignored (the host's value stays), as QEMU
 * ignores what does not fit.  POSIX ACLs are kept in
 * user.virtfs.system.posix_acl_{access,default}, as QEMU keeps them, and
 * the guest can neither see nor touch any user.virtfs.* name.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "helper/helper.h"

#define MX_UID "user.virtfs.uid"
#define MX_GID "user.virtfs.gid"
#define MX_MODE "user.virtfs.mode"
#define MX_RDEV "user.virtfs.rdev"
#define MX_PREFIX "user.virtfs."
#define MX_ACL_PREFIX "user.virtfs.system.posix_acl_"

static struct {
	bool on;
	mode_t fmode, dmode;
} mx;

void mx_init(bool on, mode_t fmode, mode_t dmode)
{
	mx.on = on;
	mx.fmode = fmode & 07777;
	mx.dmode = dmode & 07777;
}

bool mx_on(void)
{
	return mx.on;
}

mode_t mx_fmode(void)
{
	return mx.fmode;
}

mode_t mx_dmode(void)
{
	return mx.dmode;
}

static void put_le(uint8_t *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* One value of exactly n bytes, or false. */
static bool get_val(const char *path, const char *name, size_t n, uint64_t *v)
{
	uint8_t b[8];
	ssize_t r = getxattr(path, name, b, n);

	if (r != (ssize_t)n)
		return false;
	*v = get_le(b, n);
	return true;
}

static int set_val(const char *path, const char *name, uint64_t v, size_t n)
{
	uint8_t b[8];

	put_le(b, v, n);
	/* Safe: our own descriptor's magic link; a user.* name in the
	 * export, which only this model writes. */
	return setxattr(path, name, b, n, 0) < 0 ? errno : 0;
}

void mx_overlay_fd(int fd, struct stat *st)
{
	char path[40];
	uint64_t v;

	if (!mx.on)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (get_val(path, MX_UID, 4, &v))
		st->st_uid = (uid_t)v;
	if (get_val(path, MX_GID, 4, &v))
		st->st_gid = (gid_t)v;
	if (get_val(path, MX_MODE, 4, &v))
		st->st_mode = (mode_t)v;
	if (get_val(path, MX_RDEV, 8, &v))
		st->st_rdev = (dev_t)v;
}

int mx_set_fd(int fd, uint32_t uid, uint32_t gid, uint32_t mode, const uint64_t *rdev)
{
	char path[40];
	int err = 0;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* (uint32_t)-1: unchanged, as QEMU's -1 credentials. */
	if (uid != (uint32_t)-1)
		err = set_val(path, MX_UID, uid, 4);
	if (!err && gid != (uint32_t)-1)
		err = set_val(path, MX_GID, gid, 4);
	if (!err && mode != (uint32_t)-1)
		err = set_val(path, MX_MODE, mode, 4);
	if (!err && rdev)
		err = set_val(path, MX_RDEV, *rdev, 8);
	return err;
}

int mx_new_entry(struct helper_ctx *c, int dirfd, const char *name, uint32_t mode,
		 const uint64_t *rdev)
{
	uint32_t gid = c->req->gid == HP_GID_DEFAULT ? (uint32_t)-1 : c->req->gid;
	int fd, err;

	err = path_lookup_at(dirfd, name, &fd);
	if (!err) {
		err = mx_set_fd(fd, c->req->uid, gid, mode, rdev);
		close(fd);
	}
	if (err) {
		/* As QEMU: an entry without its metadata is removed again. */
		unlinkat(dirfd, name, S_ISDIR(mode) ? AT_REMOVEDIR : 0);
	}
	return err;
}

int mx_symlink(struct helper_ctx *c, int dirfd, const char *name, const char *target)
{
	size_t len = strlen(target);
	ssize_t n;
	int fd, err;

	/* Safe: a new regular file (O_EXCL, never through a symlink) holding
	 * the target as bytes; nothing ever follows it on the host. */
	err = path_open_at(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mx.fmode, &fd);
	if (err)
		return err;
	do {
		n = write(fd, target, len);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	close(fd);
	if (err) {
		unlinkat(dirfd, name, 0);
		return err;
	}
	return mx_new_entry(c, dirfd, name, S_IFLNK | 0777, NULL);
}

int mx_readlink(const struct helper_env *env, const struct helper_obj *o, char *buf, size_t size,
		ssize_t *len)
{
	struct stat st;
	int fd, err;

	if (!S_ISREG(o->type))
		return EINVAL;
	err = helper_fstat(o->fd, &st);
	if (err)
		return err;
	mx_overlay_fd(o->fd, &st);
	if (!S_ISLNK(st.st_mode))
		return EINVAL;
	err = path_reopen(env, o, O_RDONLY | O_NONBLOCK, &fd);
	if (err)
		return err;
	do {
		*len = read(fd, buf, size);
	} while (*len < 0 && errno == EINTR);
	err = *len < 0 ? errno : 0;
	close(fd);
	return err;
}

int mx_chmod(const struct helper_obj *o, uint32_t mode)
{
	struct stat st;
	uint32_t type;
	int err = helper_fstat(o->fd, &st);

	if (err)
		return err;
	mx_overlay_fd(o->fd, &st);
	/* The type the guest knows, whatever the client sends along. */
	type = (uint32_t)(st.st_mode & S_IFMT);
	return mx_set_fd(o->fd, (uint32_t)-1, (uint32_t)-1, type | (mode & 07777), NULL);
}

bool mx_hidden(const char *name)
{
	return mx.on && strncmp(name, MX_PREFIX, strlen(MX_PREFIX)) == 0;
}

const char *mx_xattr_name(const char *name, char buf[HP_MAX_XATTR_NAME + 16])
{
	if (!mx.on || strncmp(name, "system.posix_acl_", 17) != 0)
		return name;
	snprintf(buf, HP_MAX_XATTR_NAME + 16, MX_ACL_PREFIX "%s", name + 17);
	return buf;
}
