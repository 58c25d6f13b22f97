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
 * at debug level only; the request itself never reaches the helper protocol
 * encoder.  It cannot: hp_codec refuses an empty name or one holding '/' on
 * both sides, and the helper takes such a request for a protocol violation
 * and exits.  Instead the frontend reports the refusal with HP_REFUSED (the
 * 9P message, the fid's handle, its Tattach uid, the errno, the name's raw
 * bytes cut to HP_MAX_REFUSED_NAME and its full length), and the helper
 * records it, marked "refused_by":"frontend" (p9guard-audit(1)).  The names
 * the helper itself refuses (".", "..") are recorded as ordinary failures.
 */
#ifndef P9G_FE_P9_NAMES_H
#define P9G_FE_P9_NAMES_H

#include <stdbool.h>

#include "p9_codec.h"

#define P9_NAME_MAX 255	 /* NAME_MAX; the helper's HP_MAX_NAME and HP_MAX_XATTR_NAME */
#define P9_PATH_MAX 4095 /* symlink targets, anames: HP_MAX_SYMTGT, HP_MAX_ANAME */

/* One directory entry name: 0, -EINVAL or -ENAMETOOLONG. */
int p9_name_check(struct p9_str name);

/* Every name in a decoded T-message: 0 or the -errno to answer with. */
int p9_msg_names_check(const struct p9_msg *m);

/* What p9_msg_names_refusal() refused: the string, and the fid it goes with
 * (the directory's for entry names, the file's for xattr names and symlink
 * targets, the new fid for an aname). */
struct p9_name_refusal {
	bool found;	/* set with the two below on a refusal */
	uint32_t fid;
	struct p9_str name;
};
/* As p9_msg_names_check(), filling *why (may be NULL) on a refusal. */
int p9_msg_names_refusal(const struct p9_msg *m, struct p9_name_refusal *why);

#endif
