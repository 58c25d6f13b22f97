/*
 * rootless.h - p9guard --rootless: no step runs as host root.  The frontend
 * stays the invoking user; the helper is root only inside a user namespace
 * of its own whose ids are the user's (namespace id 0) and the user's
 * subordinate ranges of /etc/subuid and /etc/subgid (namespace ids 1..N),
 * written by Debian's newuidmap/newgidmap (package uidmap).
 */
#ifndef P9G_ROOTLESS_H
#define P9G_ROOTLESS_H

#include <stdint.h>
#include <sys/types.h>

#include "frontend/options.h"

struct rootless {
	char user[64];		/* the invoking user's name (for messages) */
	uid_t host_uid;		/* the invoking user's ids */
	gid_t host_gid;
	uint32_t uid_start, uid_count; /* its first subordinate range of each */
	uint32_t gid_start, gid_count;
	char newuidmap[256], newgidmap[256];
};

/*
 * Everything that can be checked before the helper starts, each failure a
 * one-line error naming the fix: a subordinate range of each kind, the
 * uidmap tools, the id maps fitting the namespace, an export the user owns
 * (export_fd, O_PATH).  Without --uid-map/--gid-map the guest's ids map
 * one to one onto the namespace's 0..N (guest ids past N act as
 * --unmapped-uid/--unmapped-gid, default 65534, which must lie inside);
 * with them, their host side names namespace ids.  Fills *r, o's maps.
 */
void rootless_prepare(struct fe_options *o, int export_fd, struct rootless *r);

/*
 * In the helper's child, before exec: enter a new user namespace, tell the
 * parent (ready_fd), wait until it wrote the maps (go_fd), become the
 * namespace's root.  -1 with errno on failure (the parent is told by EOF
 * on ready_fd, or by EOF on go_fd's other end).
 */
int rootless_child_enter(int ready_fd, int go_fd);

/*
 * In the parent: wait for the child in its namespace (EOF on ready_fd:
 * unshare failed, child_err_fd says why), run newuidmap and newgidmap on
 * it, let it go on (go_fd).  Dies with the cause on any failure.
 */
void rootless_map_child(const struct rootless *r, pid_t child, int ready_fd, int go_fd,
			int child_err_fd);

/*
 * The frontend, last step before its sandbox (single-threaded): a user
 * namespace of its own with the same maps as the helper's, so that what it
 * fstat()s on passed descriptors carries the ids the helper reports; there
 * it empties its bounding set and its groups and becomes the range's
 * nobody (namespace id 65534, or the range's last id when smaller): a host
 * uid that is neither the user's nor the helper's, so it can neither
 * signal nor trace the helper, and a sibling namespace, so it holds no
 * capability over the helper's.  Dies on failure.
 */
void rootless_frontend_enter(const struct rootless *r);

#endif
