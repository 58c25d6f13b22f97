/*
 * membound.h - the most memory the frontend can hold under its limits
 * (issue 22, finding 4), and --max-memory, which refuses limits that
 * could exceed it.
 */
#ifndef P9G_FE_MEMBOUND_H
#define P9G_FE_MEMBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "frontend/options.h"

struct mem_bound {
	uint64_t per_conn;	/* one connection at every limit */
	uint64_t shared;	/* the worker pool and the helper client */
	uint64_t total;		/* shared + --max-connections x per_conn */
};

void mem_bound_compute(const struct fe_options *o, struct mem_bound *b);
/* 0, or -1 with why in err when --max-memory is set and total exceeds it. */
int mem_bound_check(const struct fe_options *o, const struct mem_bound *b, char *err,
		    size_t errsz);
/* "12.5M": for log lines. */
void mem_bound_fmt(uint64_t bytes, char *buf, size_t cap);

#endif
