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

/* The first error of two checks. */
static int first_err(int a, int b)
{
	return a < 0 ? a : b;
}

int p9_msg_names_check(const struct p9_msg *m)
{
	int rc = 0;

	switch (m->type) {
	case P9_TATTACH:
		return path_check(m->u.tattach.aname);
	case P9_TWALK:
		/* Any bad element fails the whole walk: only a broken or hostile
		 * client sends one, so a partial Rwalk would help no one. */
		for (uint16_t i = 0; i < m->u.twalk.nwname && i < P9_MAXWELEM && !rc; i++)
			rc = p9_name_check(m->u.twalk.wname[i]);
		return rc;
	case P9_TLCREATE:
		return p9_name_check(m->u.tlcreate.name);
	case P9_TMKDIR:
		return p9_name_check(m->u.tmkdir.name);
	case P9_TSYMLINK:
		return first_err(p9_name_check(m->u.tsymlink.name),
				 path_check(m->u.tsymlink.symtgt));
	case P9_TMKNOD:
		return p9_name_check(m->u.tmknod.name);
	case P9_TLINK:
		return p9_name_check(m->u.tlink.name);
	case P9_TRENAME:
		return p9_name_check(m->u.trename.name);
	case P9_TRENAMEAT:
		return first_err(p9_name_check(m->u.trenameat.oldname),
				 p9_name_check(m->u.trenameat.newname));
	case P9_TUNLINKAT:
		return p9_name_check(m->u.tunlinkat.name);
	case P9_TXATTRWALK:
		return xattr_name_check(m->u.txattrwalk.name, true);
	case P9_TXATTRCREATE:
		return xattr_name_check(m->u.txattrcreate.name, false);
	default:
		return 0;
	}
}
