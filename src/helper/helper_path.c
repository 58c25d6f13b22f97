/*
 * helper_path.c - names and single-component lookups.
 *
 * The helper never builds a host path.  Every lookup is ONE checked name
 * relative to a directory descriptor it holds, with openat2() refusing to
 * leave that directory (RESOLVE_BENEATH: no "..", no absolute path) or to
 * pass through any symlink, magic or not.  RESOLVE_NO_XDEV is NOT used: an
 * export may contain mount points, and qid.path stays unique across them
 * (helper_qid.c).  The only other path strings are "N" below /proc/self/fd
 * and "/proc/self/fd/N", which name the helper's own descriptors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper/helper.h"

#define RESOLVE_CONFINED (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

int path_name_cstr(struct p9_str name, char out[HP_MAX_NAME + 1])
{
	/* The codec checked this already; the helper re-checks (STYLE 5). */
	if (name.len == 0 || name.len > HP_MAX_NAME || !name.s)
		return EINVAL;
	if (memchr(name.s, '/', name.len) || memchr(name.s, '\0', name.len))
		return EINVAL;
	memcpy(out, name.s, name.len);
	out[name.len] = '\0';
	return 0;
}

bool path_is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

static int sys_openat2(int dirfd, const char *name, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, name, how, sizeof(*how));
}

int path_open_at(int dirfd, const char *name, int flags, mode_t mode, int *fd)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_CONFINED,
	};
	int r;

	/* One component, never "." or "..", never through a symlink. */
	if (strchr(name, '/') || path_is_dot(name) || !*name)
		return EINVAL;
	do {
		r = sys_openat2(dirfd, name, &how);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ENOSYS) {
		/* Kernels before 5.6: for a single checked component with
		 * O_NOFOLLOW, plain openat() resolves exactly the same. */
		do {
			r = openat(dirfd, name, (int)how.flags, (mode_t)how.mode);
		} while (r < 0 && errno == EINTR);
	}
	if (r < 0)
		return errno;
	*fd = r;
	return 0;
}

int path_lookup_at(int dirfd, const char *name, int *fd)
{
	return path_open_at(dirfd, name, O_PATH, 0, fd);
}

void path_fdname(const struct helper_obj *o, char buf[16])
{
	snprintf(buf, 16, "%d", o->fd);
}

ssize_t path_of_fd(int procfd, int fd, char *buf, size_t cap)
{
	char name[16];
	ssize_t n;

	snprintf(name, sizeof(name), "%d", fd);
	n = readlinkat(procfd, name, buf, cap - 1);
	if (n <= 0 || (size_t)n >= cap - 1 || buf[0] != '/')
		return -1;	/* none, too long, or "(unreachable)..." */
	buf[n] = '\0';
	return n;
}

const char *path_below(const char *path, const char *root, size_t rlen)
{
	if (rlen == 0)
		return path;
	if (strncmp(path, root, rlen) != 0 || (path[rlen] != '\0' && path[rlen] != '/'))
		return NULL;
	return path + rlen;
}

void path_procpath(const struct helper_obj *o, char buf[40])
{
	snprintf(buf, 40, "/proc/self/fd/%d", o->fd);
}

int path_reopen(const struct helper_env *env, const struct helper_obj *o, int flags, int *fd)
{
	char name[16];
	int r;

	/*
	 * Safe: "N" is our own descriptor of an object inside the export; the
	 * magic link leads to that inode and nowhere else.  O_NOFOLLOW cannot
	 * be used (it would refuse the magic link itself), so callers check
	 * the object's type first; O_CREAT is never passed.
	 */
	flags &= ~(O_CREAT | O_EXCL | O_NOFOLLOW);
	path_fdname(o, name);
	do {
		r = openat(env->procfd, name, flags | O_CLOEXEC | O_NOCTTY);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno;
	*fd = r;
	return 0;
}
