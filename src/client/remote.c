/*
 * remote.c - p9guard-client helpers: messages, walking remote paths,
 * listing directories.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"

void cli_err(const char *op, const char *arg, int err)
{
	if (arg)
		fprintf(stderr, "%s: %s %s: %s\n", PROG, op, arg, strerror(-err));
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, op, strerror(-err));
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", PROG);
	return EXIT_USAGE;
}

int bad_option(const char *cmd, const char *usage)
{
	if (optopt)
		return cli_usage("%s: bad option '-%c' (usage: %s)", cmd, optopt, usage);
	return cli_usage("%s: bad option (usage: %s)", cmd, usage);
}

int rwalk(struct cli *cli, const char *path, uint32_t *fid, struct p9_qid *qid)
{
	uint32_t f = p9c_fid_get(cli->c);
	int rc;

	if (f == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk_path(cli->c, cli->root, f, path, qid);
	if (rc) {
		p9c_fid_put(cli->c, f);
		return rc;
	}
	*fid = f;
	return 0;
}

int rwalk1(struct cli *cli, uint32_t dfid, const char *name, uint32_t *fid)
{
	uint32_t f = p9c_fid_get(cli->c);
	int rc;

	if (f == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk(cli->c, dfid, f, 1, &name, NULL);
	if (rc == 0)
		rc = -ENOENT;
	if (rc < 0) {
		p9c_fid_put(cli->c, f);
		return rc;
	}
	*fid = f;
	return 0;
}

int rclone(struct cli *cli, uint32_t fid, uint32_t *newfid)
{
	uint32_t f = p9c_fid_get(cli->c);
	int rc;

	if (f == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk(cli->c, fid, f, 0, NULL, NULL);
	if (rc < 0) {
		p9c_fid_put(cli->c, f);
		return rc;
	}
	*newfid = f;
	return 0;
}

void rclunk(struct cli *cli, uint32_t fid)
{
	p9c_clunk(cli->c, fid);
	p9c_fid_put(cli->c, fid);
}

int rparent(struct cli *cli, const char *path, uint32_t *dfid, char **base)
{
	char *dir, *slash, *b;
	size_t len;
	int rc;

	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	slash = strrchr(dir, '/');
	b = slash ? slash + 1 : dir;
	if (!*b || !strcmp(b, ".") || !strcmp(b, "..")) {
		free(dir);
		return -EINVAL;
	}
	b = strdup(b);
	if (!b) {
		free(dir);
		return -ENOMEM;
	}
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	rc = rwalk(cli, dir, dfid, NULL);
	free(dir);
	if (rc) {
		free(b);
		return rc;
	}
	*base = b;
	return 0;
}

void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

struct entry {
	char *name;
	uint8_t type;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int rlistdir(struct cli *cli, uint32_t dfid, char ***names, uint8_t **types, size_t *n)
{
	struct entry *ents = NULL, *ne;
	size_t cnt = 0, cap = 0, i;
	uint32_t bufsz = p9c_iosize(cli->c), ofid;
	struct p9_dirent de;
	struct p9c_dir d;
	uint8_t *buf;
	int rc;

	rc = rclone(cli, dfid, &ofid);
	if (rc)
		return rc;
	buf = malloc(bufsz);
	if (!buf) {
		rc = -ENOMEM;
		goto out_clunk;
	}
	rc = p9c_lopen(cli->c, ofid, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL);
	if (rc)
		goto out_free;
	p9c_dir_init(&d, cli->c, ofid, buf, bufsz, 0);
	while ((rc = p9c_dir_next(&d, &de)) > 0) {
		if (p9_str_eq(de.name, ".") || p9_str_eq(de.name, ".."))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			ne = realloc(ents, cap * sizeof(*ents));
			if (!ne) {
				rc = -ENOMEM;
				break;
			}
			ents = ne;
		}
		ents[cnt].name = p9_str_dup(de.name);
		ents[cnt].type = de.type;
		if (!ents[cnt].name) {
			rc = -ENOMEM;
			break;
		}
		cnt++;
	}
	if (rc == 0) {
		if (cnt)
			qsort(ents, cnt, sizeof(*ents), entry_cmp);
		*names = malloc((cnt ? cnt : 1) * sizeof(**names));
		*types = malloc(cnt ? cnt : 1);
		if (!*names || !*types) {
			free(*names);
			free(*types);
			rc = -ENOMEM;
		} else {
			for (i = 0; i < cnt; i++) {
				(*names)[i] = ents[i].name;
				(*types)[i] = ents[i].type;
			}
			*n = cnt;
			cnt = 0;	/* ownership moved */
		}
	}
	for (i = 0; i < cnt; i++)
		free(ents[i].name);
	free(ents);
out_free:
	free(buf);
out_clunk:
	rclunk(cli, ofid);
	return rc;
}

long parse_mode(const char *s)
{
	char *end;
	long m;

	errno = 0;
	m = strtol(s, &end, 8);
	if (errno || !*s || *end || m < 0 || m > 07777)
		return -1;
	return m;
}

uint32_t cli_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	return (uint32_t)m;
}
