/* idmap.c - guest <-> host id translation (see idmap.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"
#include "common/log.h"

#define ID_MAX 4294967294ull /* (uint32_t)-1 means "no id" */

void idmap_init(struct idmap *m)
{
	memset(m, 0, sizeof(*m));
	m->squash = IDMAP_DEFAULT_SQUASH;
}

/* One decimal number ending at `stop` (':' or '\0'); *next past it. */
static int parse_num(const char *s, char stop, unsigned long long max, unsigned long long *out,
		     const char **next)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end != stop || *out > max)
		return -1;
	*next = stop ? end + 1 : end;
	return 0;
}

static bool overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
	return (uint64_t)a < (uint64_t)b + bn && (uint64_t)b < (uint64_t)a + an;
}

int idmap_add_spec(struct idmap *m, const char *spec, char *err, size_t errsz)
{
	unsigned long long g, h, n;
	const char *p = spec;

	if (parse_num(p, ':', ID_MAX, &g, &p) < 0 || parse_num(p, ':', ID_MAX, &h, &p) < 0 ||
	    parse_num(p, '\0', ID_MAX + 1, &n, &p) < 0)
		return errbuf_fail(err, errsz, "'%s': expected GUEST:HOST:COUNT (decimal numbers)",
				   spec);
	if (n == 0)
		return errbuf_fail(err, errsz, "'%s': COUNT must be at least 1", spec);
	if (g + n - 1 > ID_MAX || h + n - 1 > ID_MAX)
		return errbuf_fail(err, errsz, "'%s': the range goes past id %llu", spec, ID_MAX);
	if (m->n == IDMAP_MAX_RANGES)
		return errbuf_fail(err, errsz, "'%s': at most %d ranges", spec, IDMAP_MAX_RANGES);
	for (unsigned int i = 0; i < m->n; i++) {
		const struct idmap_range *r = &m->r[i];

		if (overlaps((uint32_t)g, (uint32_t)n, r->guest, r->count))
			return errbuf_fail(err, errsz,
					   "'%s': its guest ids overlap the range %u:%u:%u", spec,
					   r->guest, r->host, r->count);
		if (overlaps((uint32_t)h, (uint32_t)n, r->host, r->count))
			return errbuf_fail(err, errsz,
					   "'%s': its host ids overlap the range %u:%u:%u", spec,
					   r->guest, r->host, r->count);
	}
	m->r[m->n++] = (struct idmap_range){(uint32_t)g, (uint32_t)h, (uint32_t)n};
	return 0;
}

int idmap_set_squash(struct idmap *m, const char *spec, char *err, size_t errsz)
{
	unsigned long long v;
	const char *p;

	if (parse_num(spec, '\0', ID_MAX, &v, &p) < 0)
		return errbuf_fail(err, errsz, "'%s': expected a numeric id from 0 to %llu", spec,
				   ID_MAX);
	m->squash = (uint32_t)v;
	return 0;
}

uint32_t idmap_to_host(const struct idmap *m, uint32_t guest, bool *mapped)
{
	if (mapped)
		*mapped = true;
	if (m->n == 0 || guest == IDMAP_NONE)
		return guest;
	for (unsigned int i = 0; i < m->n; i++) {
		const struct idmap_range *r = &m->r[i];

		if (guest >= r->guest && guest - r->guest < r->count)
			return r->host + (guest - r->guest);
	}
	if (mapped)
		*mapped = false;
	return m->squash;
}

uint32_t idmap_to_guest(const struct idmap *m, uint32_t host)
{
	if (m->n == 0 || host == IDMAP_NONE)
		return host;
	for (unsigned int i = 0; i < m->n; i++) {
		const struct idmap_range *r = &m->r[i];

		if (host >= r->host && host - r->host < r->count)
			return r->guest + (host - r->host);
	}
	return IDMAP_OVERFLOW_ID;
}

const char *idmap_pair_problem(const struct idmap *uids, const struct idmap *gids)
{
	if (idmap_active(uids) && !idmap_active(gids))
		return "--uid-map needs --gid-map too: without a gid map every guest gid, 0 "
		       "included, would reach the host unmapped (add e.g. --gid-map "
		       "0:100000:65536)";
	if (idmap_active(gids) && !idmap_active(uids))
		return "--gid-map needs --uid-map too: without a uid map every guest uid, 0 "
		       "included, would reach the host unmapped (add e.g. --uid-map "
		       "0:100000:65536)";
	return NULL;
}

void idmap_range_text(const struct idmap *m, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u:%u", m->r[i].guest, m->r[i].host, m->r[i].count);
}
