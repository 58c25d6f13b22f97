/*
 * p9_names.h - the names a 9P request carries, checked before its handler
 * runs.
 *
 * Directory entry names (walk elements, the names of Tlcreate, Tmkdir,
 * Tsymlink, Tmknod, Tlink, Trename, Trenameat, Tunlinkat) must be non-empty
 * and hold neither '/' nor NUL (EINVAL), and be at most P9_NAME_MAX bytes
 * (ENAMETOOLONG).  "." and ".." pass: the helper interprets them in a walk
 * and refuses them elsewhere, so that its audit trail records the attempt.
 * Xattr names: no NUL (EINVAL), at most P9_NAME_MAX bytes (ERANGE, as
 * setxattr(2)); empty only for Txattrwalk (the list).  Symlink targets and
 * attach names: no NUL, at most P9_PATH_MAX bytes (ENAMETOOLONG).
 *
 * A refused name is the client's mistake, answered with Rlerror and logged
 * at debug level only; it never reaches the helper protocol encoder.  It
 * cannot: hp_codec refuses an empty name or one holding '/' on both sides,
 * and the helper takes such a request for a protocol violation and exits.
 * So these refusals have no audit record (p9guard-audit(1) says so); the
 * names the helper itself refuses (".", "..") are recorded.
 */
#ifndef P9G_FE_P9_NAMES_H
#define P9G_FE_P9_NAMES_H

#include "p9_codec.h"

#define P9_NAME_MAX 255	 /* NAME_MAX; the helper's HP_MAX_NAME and HP_MAX_XATTR_NAME */
#define P9_PATH_MAX 4095 /* symlink targets, anames: HP_MAX_SYMTGT, HP_MAX_ANAME */

/* One directory entry name: 0, -EINVAL or -ENAMETOOLONG. */
int p9_name_check(struct p9_str name);

/* Every name in a decoded T-message: 0 or the -errno to answer with. */
int p9_msg_names_check(const struct p9_msg *m);

#endif
