/*
 * fault_client.c - main and the shared helpers of the injected-fault tests
 * (see faults.h for the subcommands).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

static atomic_int nfail;

static void vline(const char *tag, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One write per line: the workload's threads print concurrently. */
	printf("%s: %s\n", tag, msg);
	fflush(stdout);
}

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(ok ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (!ok)
		atomic_fetch_add(&nfail, 1);
	return ok;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("NOTE", fmt, ap);
	va_end(ap);
}

int ft_failures(void)
{
	return atomic_load(&nfail);
}

const char *rcs(long rc)
{
	static __thread char buf[4][96];
	static __thread unsigned int i;
	char *b = buf[i++ % 4];
	const char *name;

	if (rc == 0) {
		snprintf(b, sizeof(buf[0]), "ok");
	} else if (rc > 0) {
		snprintf(b, sizeof(buf[0]), "%ld", rc);
	} else {
		name = strerrorname_np((int)-rc);
		snprintf(b, sizeof(buf[0]), "%s (%s)", name ? name : "E?", strerror((int)-rc));
	}
	return b;
}

int ft_connect(const char *sock, uint32_t msize, struct p9_client **c, uint32_t *root)
{
	int rc = p9c_connect_unix(sock, msize, c);

	if (rc < 0) {
		note("connect %s: %s", sock, rcs(rc));
		return rc;
	}
	p9c_set_timeout(*c, FT_CALL_TIMEOUT_MS);
	*root = p9c_fid_get(*c);
	rc = p9c_attach(*c, *root, P9_NOFID, "root", "", 0, NULL);
	if (rc < 0) {
		note("attach: %s", rcs(rc));
		p9c_close(*c);
		*c = NULL;
	}
	return rc;
}

uint32_t ft_walk1(struct p9_client *c, uint32_t dir, const char *name, int *err)
{
	uint32_t fid = p9c_fid_get(c);
	int rc;

	rc = p9c_walk(c, dir, fid, name ? 1 : 0, name ? &name : NULL, NULL);
	if (rc >= 0 && rc != (name ? 1 : 0))
		rc = -ENOENT;
	if (rc < 0) {
		p9c_fid_put(c, fid);
		*err = rc;
		return P9_NOFID;
	}
	*err = 0;
	return fid;
}

void ft_clunk(struct p9_client *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	p9c_clunk(c, fid);
	p9c_fid_put(c, fid);
}

uint32_t ft_create(struct p9_client *c, uint32_t dir, const char *name, int *err)
{
	uint32_t fid = ft_walk1(c, dir, NULL, err);
	int rc;

	if (fid == P9_NOFID)
		return P9_NOFID;
	rc = p9c_lcreate(c, fid, name, P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0, NULL, NULL);
	if (rc < 0) {
		ft_clunk(c, fid);
		*err = rc;
		return P9_NOFID;
	}
	return fid;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} cmds[] = {
	{"workload", ft_workload, "workload SOCK NCONN MANIFEST SECONDS"},
	{"verify", ft_verify, "verify EXPORTDIR MANIFEST"},
	{"inflight", ft_inflight, "inflight SOCK ROUND [FRONTEND-PID HELPER-PID]"},
	{"walksdie", ft_walks_die, "walksdie SOCK HELPER-PID"},
	{"enospc", ft_enospc, "enospc SOCK"},
	{"nofile", ft_nofile, "nofile SOCK NFILES"},
	{"maxfids", ft_maxfids, "maxfids SOCK MAX"},
	{"hoard", ft_hoard, "hoard SOCK SHARE"},
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			int rc = cmds[i].fn(argc - 2, argv + 2);

			if (rc == 2)
				fprintf(stderr, "usage: fault_client %s\n", cmds[i].usage);
			return rc ? rc : ft_failures() ? 1 : 0;
		}
	fprintf(stderr, "usage: fault_client "
			"workload|verify|inflight|walksdie|enospc|nofile|maxfids|hoard ARGS...\n");
	return 2;
}
