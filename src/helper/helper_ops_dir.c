/*
 * helper_ops_dir.c - renameat, rename, unlinkat, remove.
 *
 * renameat/unlinkat name entries relative to directory handles.  rename and
 * remove act on the file behind a handle, through the parent and name it was
 * found under (kept up to date by renames made through the helper); the
 * entry is first checked to still be that same inode
 * (dev/ino), else ESTALE.  (A host process could swap the entry between the
 * check and the call; the client could equally have named it directly, so
 * nothing outside its reach is touched.)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "helper/helper.h"

/* An existing entry named in a request: not ".", not "..". */
static int old_entry(const struct helper_node *h, struct p9_str wname, char name[HP_MAX_NAME + 1])
{
	int err = path_name_cstr(wname, name);

	if (err)
		return err;
	if (path_is_dot(name))
		return EINVAL;
	if (!S_ISDIR(h->self->type))
		return ENOTDIR;
	return 0;
}

int helper_do_renameat(struct helper_ctx *c)
{
	const struct hp_renameat *a = &c->req->u.renameat;
	char oldname[HP_MAX_NAME + 1], newname[HP_MAX_NAME + 1];
	int err;

	err = old_entry(c->h[0], a->oldname, oldname);
	if (!err)
		err = old_entry(c->h[1], a->newname, newname);
	if (err)
		return err;
	/* Safe: two checked components below directories we hold. */
	if (renameat(c->h[0]->self->fd, oldname, c->h[1]->self->fd, newname) < 0)
		return errno;
	hnodes_renamed(c->h[0]->self, oldname, c->h[1]->self, newname);
	return 0;
}

int helper_do_unlinkat(struct helper_ctx *c)
{
	const struct hp_unlinkat *a = &c->req->u.unlinkat;
	char name[HP_MAX_NAME + 1];
	int err;

	if (a->flags & ~(uint32_t)P9_AT_REMOVEDIR)
		return EINVAL;
	err = old_entry(c->h[0], a->name, name);
	if (err)
		return err;
	/* Safe: one checked component; unlink never follows a symlink. */
	if (unlinkat(c->h[0]->self->fd, name, a->flags ? AT_REMOVEDIR : 0) < 0)
		return errno;
	return 0;
}

/* The parent and name of the file behind handle n, checked to be it. */
static int where_checked(struct helper_ctx *c, struct helper_node *n, struct helper_obj **parent,
			 char name[HP_MAX_NAME + 1])
{
	const struct helper_obj *root = c->env->root->self;
	struct stat st;
	int err;

	if (n->self->dev == root->dev && n->self->ino == root->ino)
		return EBUSY;	/* the export root is never renamed or removed */
	err = hnode_where(n, parent, name);
	if (err)
		return err;
	if (fstatat((*parent)->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		err = errno;
		goto put_parent;
	}
	if (st.st_dev != n->self->dev || st.st_ino != n->self->ino) {
		err = ESTALE;
		goto put_parent;
	}
	return 0;

put_parent:
	hobj_put(*parent);
	return err;
}

int helper_do_rename(struct helper_ctx *c)
{
	const struct hp_rename *a = &c->req->u.rename;
	char oldname[HP_MAX_NAME + 1], newname[HP_MAX_NAME + 1];
	struct helper_obj *parent;
	int err;

	err = old_entry(c->h[1], a->newname, newname);
	if (err)
		return err;
	err = where_checked(c, c->h[0], &parent, oldname);
	if (err)
		return err;
	/* Safe: checked components below directories we hold. */
	if (renameat(parent->fd, oldname, c->h[1]->self->fd, newname) < 0)
		err = errno;
	else if (hnode_move(c->h[0], c->h[1]->self, newname))
		err = 0;	/* renamed; the handle's location is merely stale */
	hobj_put(parent);
	return err;
}

int helper_do_remove(struct helper_ctx *c)
{
	struct helper_node *n = c->h[0];
	char name[HP_MAX_NAME + 1];
	struct helper_obj *parent;
	int err;

	err = where_checked(c, n, &parent, name);
	if (err)
		return err;
	/* Safe: the checked entry below a directory we hold.  The handle
	 * stays valid until the frontend releases it. */
	if (unlinkat(parent->fd, name, S_ISDIR(n->self->type) ? AT_REMOVEDIR : 0) < 0)
		err = errno;
	hobj_put(parent);
	return err;
}
