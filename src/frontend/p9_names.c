/* p9_names.c - names in 9P requests, checked before the handlers (see p9_names.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "frontend/p9_names.h"
#include "hp_codec.h"

/* What the helper protocol accepts is what we let through. */
_Static_assert(P9_NAME_MAX == HP_MAX_NAME, "entry name limit differs from the helper's");
_Static_assert(P9_NAME_MAX == HP_MAX_XATTR_NAME, "xattr name limit differs from the helper's");
_Static_assert(P9_PATH_MAX == HP_MAX_SYMTGT, "symlink target limit differs from the helper's");
_Static_assert(P9_PATH_MAX == HP_MAX_ANAME, "aname limit differs from the helper's");

static bool has_nul(struct p9_str s)
{
	return s.len && memchr(s.s, '\0', s.len);
}

int p9_name_check(struct p9_str name)
{
	if (name.len == 0 || !name.s || has_nul(name) || memchr(name.s, '/', name.len))
		return -EINVAL;
	if (name.len > P9_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Xattr name: empty allowed only where `empty_ok` (Txattrwalk lists). */
static int xattr_name_check(struct p9_str name, bool empty_ok)
{
	if ((name.len == 0 && !empty_ok) || (name.len && !name.s) || has_nul(name))
		return -EINVAL;
	if (name.len > P9_NAME_MAX)
		return -ERANGE;
	return 0;
}

/* Text that is not a name (symlink target, aname). */
static int path_check(struct p9_str s)
{
	if ((s.len && !s.s) || has_nul(s))
		return -EINVAL;
	if (s.len > P9_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Check one string of m; on refusal remember it and the fid it goes with. */
static int note(int rc, uint32_t fid, struct p9_str s, struct p9_name_refusal *why)
{
	if (rc < 0 && why) {
		why->found = true;
		why->fid = fid;
		why->name = s;
	}
	return rc;
}

int p9_msg_names_refusal(const struct p9_msg *m, struct p9_name_refusal *why)
{
	const struct p9_tsymlink *sl = &m->u.tsymlink;
	const struct p9_trenameat *ra = &m->u.trenameat;
	int rc = 0;

	switch (m->type) {
	case P9_TATTACH:
		return note(path_check(m->u.tattach.aname), m->u.tattach.fid, m->u.tattach.aname,
			    why);
	case P9_TWALK:
		/* Any bad element fails the whole walk: only a broken or hostile
		 * client sends one, so a partial Rwalk would help no one. */
		for (uint16_t i = 0; i < m->u.twalk.nwname && i < P9_MAXWELEM && !rc; i++)
			rc = note(p9_name_check(m->u.twalk.wname[i]), m->u.twalk.fid,
				  m->u.twalk.wname[i], why);
		return rc;
	case P9_TLCREATE:
		return note(p9_name_check(m->u.tlcreate.name), m->u.tlcreate.fid,
			    m->u.tlcreate.name, why);
	case P9_TMKDIR:
		return note(p9_name_check(m->u.tmkdir.name), m->u.tmkdir.dfid, m->u.tmkdir.name,
			    why);
	case P9_TSYMLINK:
		rc = note(p9_name_check(sl->name), sl->fid, sl->name, why);
		return rc < 0 ? rc : note(path_check(sl->symtgt), sl->fid, sl->symtgt, why);
	case P9_TMKNOD:
		return note(p9_name_check(m->u.tmknod.name), m->u.tmknod.dfid, m->u.tmknod.name,
			    why);
	case P9_TLINK:
		return note(p9_name_check(m->u.tlink.name), m->u.tlink.dfid, m->u.tlink.name, why);
	case P9_TRENAME:
		return note(p9_name_check(m->u.trename.name), m->u.trename.dfid, m->u.trename.name,
			    why);
	case P9_TRENAMEAT:
		rc = note(p9_name_check(ra->oldname), ra->olddirfid, ra->oldname, why);
		return rc < 0 ? rc : note(p9_name_check(ra->newname), ra->newdirfid, ra->newname, why);
	case P9_TUNLINKAT:
		return note(p9_name_check(m->u.tunlinkat.name), m->u.tunlinkat.dirfid,
			    m->u.tunlinkat.name, why);
	case P9_TXATTRWALK:
		return note(xattr_name_check(m->u.txattrwalk.name, true), m->u.txattrwalk.fid,
			    m->u.txattrwalk.name, why);
	case P9_TXATTRCREATE:
		return note(xattr_name_check(m->u.txattrcreate.name, false), m->u.txattrcreate.fid,
			    m->u.txattrcreate.name, why);
	default:
		return 0;
	}
}

int p9_msg_names_check(const struct p9_msg *m)
{
	return p9_msg_names_refusal(m, NULL);
}
