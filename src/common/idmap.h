/*
 * idmap.h - guest <-> host uid/gid translation (--uid-map, --gid-map).
 *
 * A map is a list of ranges GUEST:HOST:COUNT, as in a user namespace's
 * uid_map.  Guest ranges may not overlap each other, nor may host ranges,
 * so the translation is one-to-one inside the map.  Outside it:
 *
 *   guest -> host   an unmapped guest id acts as the squash id
 *                   (--squash-uid / --squash-gid, default 65534);
 *   host -> guest   a host id outside every range is shown as
 *                   IDMAP_OVERFLOW_ID (65534, the kernel's overflow id).
 *
 * An empty map translates nothing (passthrough).  (uint32_t)-1, "no id",
 * is never translated.  Pure functions: used by the frontend's option
 * parser and getattr, and by the helper on every id it takes or reports.
 */
#ifndef P9G_IDMAP_H
#define P9G_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDMAP_MAX_RANGES 16
#define IDMAP_OVERFLOW_ID 65534u
#define IDMAP_DEFAULT_SQUASH 65534u
#define IDMAP_NONE ((uint32_t)-1)

struct idmap_range {
	uint32_t guest, host, count;
};

struct idmap {
	struct idmap_range r[IDMAP_MAX_RANGES];
	unsigned int n;
	uint32_t squash; /* host id of unmapped guest ids */
};

/* An empty map (identity) with the default squash id. */
void idmap_init(struct idmap *m);
static inline bool idmap_active(const struct idmap *m)
{
	return m->n > 0;
}

/*
 * Parse "GUEST:HOST:COUNT" (decimal) and add the range.  0, or -1 with a
 * message in err (without the option name): malformed, COUNT 0, a range
 * past 4294967294, an overlap with a range already in the map, or too many.
 */
int idmap_add_spec(struct idmap *m, const char *spec, char *err, size_t errsz);
/* Parse a squash id (decimal, 0..4294967294) into m->squash; 0 or -1. */
int idmap_set_squash(struct idmap *m, const char *spec, char *err, size_t errsz);

/* Guest id -> host id; *mapped (may be NULL) says whether a range held it. */
uint32_t idmap_to_host(const struct idmap *m, uint32_t guest, bool *mapped);
/* Host id -> guest id (IDMAP_OVERFLOW_ID when no range holds it). */
uint32_t idmap_to_guest(const struct idmap *m, uint32_t host);

/*
 * NULL when the two maps may be used together, else why not: a uid map
 * without a gid map (or the reverse) would let every guest gid (uid) reach
 * the host unchanged, so guest root could create files owned by host
 * group 0.  The frontend's options and the helper both refuse it.
 */
const char *idmap_pair_problem(const struct idmap *uids, const struct idmap *gids);

/* "GUEST:HOST:COUNT" of range i, for passing the map on. */
void idmap_range_text(const struct idmap *m, unsigned int i, char *buf, size_t len);

#endif
