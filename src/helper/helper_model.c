/*
 * helper_model.c - what --security-model changes in the helper.
 *
 *   passthrough (default)  every request runs with the client's uid/gid
 *                          as the thread's fs credentials: the host kernel
 *                          checks permissions for that user, new entries
 *                          are born with the client's owner.
 *   none (alias squash,    requests run with the helper's own ids - no
 *   libvirt's name)        credential switch, no SETUID/SETGID, and the
 *                          helper need not be root.  After a create the
 *                          helper tries to give the entry the client's
 *                          owner (create-then-chown, as QEMU's "none"), and
 *                          a failed chown - on create or in setattr - is
 *                          not reported to the client.  Permission checks
 *                          are the guest's: the host only checks the
 *                          helper's own user.
 *   mapped-xattr           requests run with the helper's own ids, like
 *   (alias mapped)         none; the guest's owner and mode are metadata
 *                          in xattrs (helper_model_xattr.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "helper/helper.h"

int model_parse(const char *s, enum helper_model *out)
{
	if (strcmp(s, "passthrough") == 0)
		*out = MODEL_PASSTHROUGH;
	else if (strcmp(s, "none") == 0 || strcmp(s, "squash") == 0)
		*out = MODEL_NONE;
	else if (strcmp(s, "mapped-xattr") == 0 || strcmp(s, "mapped") == 0)
		*out = MODEL_MAPPED_XATTR;
	else
		return -1;
	return 0;
}

const char *model_name(enum helper_model m)
{
	return m == MODEL_NONE ? "none" : m == MODEL_MAPPED_XATTR ? "mapped-xattr" : "passthrough";
}

bool model_switches_creds(const struct helper_env *env)
{
	return env->model == MODEL_PASSTHROUGH;
}

/*
 * The name of the entry a create-type request makes in its directory
 * (h[0]): hp_ops.def's path0 of a CREATE row, when that is P_ENTRY(0, ..);
 * LINK's path0 is the file linked, no new inode.
 */
#define P_ENTRY(i, f)             \
	*name = a->f;             \
	return (i) == 0;
#define HP_OP(OP, number, opname, shape, rep, flags, caps, path0, ...)                \
	static bool new_entry_##opname(const struct hp_req *r, struct p9_str *name)    \
	{                                                                             \
		const struct hp_##shape *a = &r->u.shape;                              \
		(void)a;                                                               \
		(void)name;                                                            \
		if (!((flags) & HP_F_CREATE))                                          \
			return false;                                                  \
		path0 return false;                                                    \
	}
#define P_NONE
#define P_NODE(i)
#define P_NODE_OPT(i)
#define P_WALK
#include "hp_ops.def"

static bool created_where(const struct helper_ctx *c, struct p9_str *name)
{
	static bool (*const new_entry[HP_OP_MAX])(const struct hp_req *, struct p9_str *) = {
#define HP_OP(OP, number, opname, ...) [HP_##OP] = new_entry_##opname,
#include "hp_ops.def"
	};

	return c->req->op < HP_OP_MAX && new_entry[c->req->op](c->req, name);
}

void model_own_new(struct helper_ctx *c)
{
	char name[HP_MAX_NAME + 1];
	struct p9_str wname;
	uid_t uid;
	gid_t gid;

	if (c->env->model != MODEL_NONE || !c->created || !created_where(c, &wname) ||
	    path_name_cstr(wname, name) != 0)
		return;
	uid = hidmap_uid_to_host(c->req->uid, NULL);
	gid = c->req->gid == HP_GID_DEFAULT ? (gid_t)-1 : hidmap_gid_to_host(c->req->gid, NULL);
	/* Safe: the entry this request just made, by one checked name in a
	 * directory we hold, never through a symlink; a failure (a helper
	 * that is not root) is what this model accepts. */
	if (fchownat(c->h[0]->self->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		c->audit_note = "owner-not-set-ignored";
}

int model_chown_failed(struct helper_ctx *c, int err)
{
	if (c->env->model != MODEL_NONE)
		return err;
	c->audit_note = "chown-failure-ignored";
	return 0;
}
