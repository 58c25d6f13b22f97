/*
 * helper_ops_xattr.c - extended attributes.
 *
 * The xattr system calls have no *at form and refuse O_PATH descriptors, so
 * they take "/proc/self/fd/N": our own descriptor, whose magic link leads to
 * the inode itself (for a symlink too, which is why the following variants
 * are right here and the l*xattr ones would act on the magic link).  This
 * also works for open-then-unlinked files.
 *
 * Namespaces: user.*, trusted.*, security.*, system.posix_acl_access and
 * system.posix_acl_default; any other name is EOPNOTSUPP and is left out of
 * listings.  The kernel decides the rest for the request's credentials.
 *
 * trusted.* and security.* need CAP_SYS_ADMIN.  The helper holds it only
 * with --trusted-xattrs, and then only in its permitted set: it is raised
 * around the one call, and only for a request whose host uid (after the
 * id maps) is 0; any other uid that sets or removes such a name gets EPERM,
 * reads as the kernel answers an uncapable caller (see helper_caps.c).
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/xattr.h>

#include "helper/helper.h"

static bool xattr_name_allowed(const char *name, size_t len)
{
	static const char *const prefixes[] = { "user.", "trusted.", "security." };
	static const char *const exact[] = { "system.posix_acl_access",
					     "system.posix_acl_default" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (len > n && memcmp(name, prefixes[i], n) == 0)
			return true;
	}
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (len == strlen(exact[i]) && memcmp(name, exact[i], len) == 0)
			return true;
	return false;
}

/* The namespaces that need CAP_SYS_ADMIN (trusted.*, security.*). */
static bool xattr_needs_admin(const char *name)
{
	return strncmp(name, "trusted.", 8) == 0 || strncmp(name, "security.", 9) == 0;
}

static bool request_is_host_root(const struct helper_ctx *c)
{
	return hidmap_uid_to_host(c->req->uid, NULL) == 0;
}

/* Raise CAP_SYS_ADMIN for a host-root request when --trusted-xattrs kept
 * it; true when raised (then admin_end() right after the call). */
static bool admin_begin(const struct helper_ctx *c)
{
	if (!c->env->trusted_xattrs || !request_is_host_root(c))
		return false;
	return hcaps_raise(CAP_SYS_ADMIN) == 0;
}

static void admin_end(bool raised)
{
	if (raised)
		hcaps_lower(CAP_SYS_ADMIN);
}

/* Copy and check an xattr name from a request. */
static int xattr_name(struct p9_str s, char out[HP_MAX_XATTR_NAME + 1])
{
	if (s.len == 0 || s.len > HP_MAX_XATTR_NAME || !s.s || memchr(s.s, '\0', s.len))
		return EINVAL;
	if (!xattr_name_allowed(s.s, s.len))
		return EOPNOTSUPP;
	memcpy(out, s.s, s.len);
	out[s.len] = '\0';
	return 0;
}

/* A list entry the guest may see, written to out (its stored name may
 * differ: mapped-xattr ACLs); false to leave it out. */
static bool xattr_listed(const char *name, size_t len, char *out, size_t *outlen)
{
	static const char acl[] = "user.virtfs.system.posix_acl_";

	if (mx_on()) {
		/* QEMU's mapped ACLs appear under their real names; every
		 * other user.virtfs.* and any host ACL stay hidden. */
		if (len > sizeof(acl) - 1 && memcmp(name, acl, sizeof(acl) - 1) == 0) {
			/* "user.virtfs.system.posix_acl_X" -> "system.posix_acl_X" */
			memmove(out, name + 12, len - 12);
			*outlen = len - 12;
			return xattr_name_allowed(out, *outlen);
		}
		if (mx_hidden(name) || strncmp(name, "system.", 7) == 0)
			return false;
	}
	if (!xattr_name_allowed(name, len))
		return false;
	memmove(out, name, len);
	*outlen = len;
	return true;
}

int helper_do_xattrget(struct helper_ctx *c)
{
	const struct hp_xattrget *a = &c->req->u.xattrget;
	char name[HP_MAX_XATTR_NAME + 1], path[40], stored[HP_MAX_XATTR_NAME + 16];
	bool raised;
	ssize_t n;
	int err;

	err = xattr_name(a->name, name);
	if (err)
		return err;
	if (a->size > HP_MAX_XATTR_VALUE || a->size > c->scratch_size)
		return EINVAL;
	if (mx_hidden(name))
		return ENODATA;	/* mapped-xattr metadata: not the guest's (as QEMU) */
	path_procpath(c->h[0]->self, path);
	raised = xattr_needs_admin(name) && admin_begin(c);
	/* Safe: our own descriptor; reads only, with the request's creds. */
	n = getxattr(path, mx_xattr_name(name, stored), a->size ? c->scratch : NULL, a->size);
	err = n < 0 ? errno : 0;
	admin_end(raised);
	if (err)
		return err;
	if ((size_t)n > HP_MAX_XATTR_VALUE)
		return E2BIG;
	/* An ACL names host ids: the guest sees its own (id maps). */
	if (a->size && hidmap_is_acl(name)) {
		err = hidmap_acl(c->scratch, (size_t)n, false);
		if (err)
			return err;
	}
	c->rep->u.data.len = (uint32_t)n;
	c->rep->u.data.data = a->size ? c->scratch : NULL;
	return 0;
}

int helper_do_xattrlist(struct helper_ctx *c)
{
	const struct hp_xattrlist *a = &c->req->u.xattrlist;
	char path[40], *list = c->scratch;
	size_t kept = 0;
	bool raised;
	ssize_t n;
	int err;

	if (a->size > HP_MAX_XATTR_VALUE)
		return EINVAL;
	path_procpath(c->h[0]->self, path);
	/* The whole list (trusted.* names only with SYS_ADMIN), then only the
	 * names a client may use. */
	raised = admin_begin(c);
	n = listxattr(path, list, HP_MAX_XATTR_VALUE);
	err = n < 0 ? errno : 0;
	admin_end(raised);
	if (err)
		return err;
	for (size_t i = 0; i < (size_t)n;) {
		size_t len = strnlen(list + i, (size_t)n - i), outlen;

		/* kept <= i always (a listed name never grows), so the copy
		 * stays behind the names still to be read. */
		if (xattr_listed(list + i, len, list + kept, &outlen)) {
			list[kept + outlen] = '\0';
			kept += outlen + 1;
		}
		i += len + 1;
	}
	if (a->size && kept > a->size)
		return ERANGE;
	c->rep->u.data.len = (uint32_t)kept;
	c->rep->u.data.data = a->size ? list : NULL;
	return 0;
}

int helper_do_xattrset(struct helper_ctx *c)
{
	const struct hp_xattrset *a = &c->req->u.xattrset;
	char name[HP_MAX_XATTR_NAME + 1], path[40], stored[HP_MAX_XATTR_NAME + 16];
	const void *value = a->len ? a->value : "";
	bool raised = false;
	int err;

	err = xattr_name(a->name, name);
	if (err)
		return err;
	if (mx_hidden(name))
		return EACCES;	/* mapped-xattr metadata: not the guest's (as QEMU) */
	if (a->flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE) ||
	    a->flags == (XATTR_CREATE | XATTR_REPLACE) || a->len > HP_MAX_XATTR_VALUE ||
	    (a->len && !a->value))
		return EINVAL;
	/* An ACL from the guest names guest ids: store host ids (id maps). */
	if (a->len && hidmap_active() && hidmap_is_acl(name)) {
		if (a->len > c->scratch_size)
			return EINVAL;
		memcpy(c->scratch, a->value, a->len);
		err = hidmap_acl(c->scratch, a->len, true);
		if (err)
			return err;
		value = c->scratch;
	}
	if (xattr_needs_admin(name)) {
		if (!request_is_host_root(c))
			return EPERM;
		raised = admin_begin(c);
	}
	path_procpath(c->h[0]->self, path);
	/* Safe: our own descriptor; the kernel checks the namespace's rules
	 * for the request's credentials. */
	if (setxattr(path, mx_xattr_name(name, stored), value, a->len, (int)a->flags) < 0)
		err = errno;
	admin_end(raised);
	return err;
}

int helper_do_xattrremove(struct helper_ctx *c)
{
	char name[HP_MAX_XATTR_NAME + 1], path[40], stored[HP_MAX_XATTR_NAME + 16];
	bool raised = false;
	int err;

	err = xattr_name(c->req->u.xattrremove.name, name);
	if (err)
		return err;
	if (mx_hidden(name))
		return EACCES;	/* mapped-xattr metadata: not the guest's (as QEMU) */
	if (xattr_needs_admin(name)) {
		if (!request_is_host_root(c))
			return EPERM;
		raised = admin_begin(c);
	}
	path_procpath(c->h[0]->self, path);
	/* Safe: our own descriptor; the kernel checks the namespace's rules
	 * for the request's credentials. */
	if (removexattr(path, mx_xattr_name(name, stored)) < 0)
		err = errno;
	admin_end(raised);
	return err;
}
