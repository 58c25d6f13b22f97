/*
 * cmd_names.c - p9guard-client commands that change names: mkdir, rm, mv,
 * ln.  Unlink and rename use Tunlinkat/Trenameat and fall back to
 * Tremove/Trename on EOPNOTSUPP, as the Linux client does.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* One step of mkdir -p: *next is dfid's directory `name`, made if missing. */
static int mkdir_step(struct cli *cli, uint32_t dfid, const char *name, uint32_t mode,
		      uint32_t *next)
{
	struct p9_qid qid;
	uint32_t f = p9c_fid_get(cli->c);
	int rc;

	if (f == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk(cli->c, dfid, f, 1, &name, &qid);
	if (rc == 0 || rc == -ENOENT) {
		rc = p9c_mkdir(cli->c, dfid, name, mode, cli->gid, NULL);
		if (rc == 0 || rc == -EEXIST)	/* EEXIST: someone else made it */
			rc = p9c_walk(cli->c, dfid, f, 1, &name, &qid);
	}
	if (rc == 0)
		rc = -ENOENT;
	if (rc < 0) {
		p9c_fid_put(cli->c, f);
		return rc;
	}
	if (!(qid.type & P9_QTDIR)) {
		rclunk(cli, f);
		return -ENOTDIR;
	}
	*next = f;
	return 0;
}

static int mkdir_parents(struct cli *cli, const char *path, uint32_t mode)
{
	char *copy, *save = NULL, *name;
	uint32_t dfid, next;
	int rc;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	rc = rclone(cli, cli->root, &dfid);
	for (name = strtok_r(copy, "/", &save); !rc && name; name = strtok_r(NULL, "/", &save)) {
		rc = mkdir_step(cli, dfid, name, mode, &next);
		rclunk(cli, dfid);
		if (rc)
			break;
		dfid = next;
	}
	if (!rc)
		rclunk(cli, dfid);
	free(copy);
	return rc;
}

int cmd_mkdir(struct cli *cli, int argc, char **argv)
{
	uint32_t mode = 0777 & ~cli_umask(), dfid;
	int opt, parents = 0, i, rc, ret = 0;
	char *base;
	long m;

	while ((opt = getopt(argc, argv, "+pm:")) != -1) {
		if (opt == 'p') {
			parents = 1;
		} else if (opt == 'm') {
			if ((m = parse_mode(optarg)) < 0)
				return cli_usage("mkdir: bad mode '%s' (octal, at most 07777)",
						 optarg);
			mode = (uint32_t)m;
		} else {
			return bad_option("mkdir", "mkdir [-p] [-m MODE] PATH...");
		}
	}
	if (optind == argc)
		return cli_usage("mkdir: missing path");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (i = optind; i < argc; i++) {
		if (parents) {
			rc = mkdir_parents(cli, argv[i], mode);
		} else {
			rc = rparent(cli, argv[i], &dfid, &base);
			if (!rc) {
				rc = p9c_mkdir(cli->c, dfid, base, mode, cli->gid, NULL);
				free(base);
				rclunk(cli, dfid);
			}
		}
		if (rc) {
			cli_err("mkdir", argv[i], rc);
			ret = EXIT_FAIL;
		}
	}
	return ret;
}

/* Remove `name` in dfid; flags 0 or P9_AT_REMOVEDIR. */
static int unlink_name(struct cli *cli, uint32_t dfid, const char *name, uint32_t flags)
{
	uint32_t fid;
	int rc;

	rc = p9c_unlinkat(cli->c, dfid, name, flags);
	if (rc != -EOPNOTSUPP)
		return rc;
	rc = rwalk1(cli, dfid, name, &fid);
	if (rc)
		return rc;
	rc = p9c_remove(cli->c, fid);	/* the fid is gone even on error */
	p9c_fid_put(cli->c, fid);
	return rc;
}

/*
 * rm -r: empty the directory `name` in dfid, then remove it.  Returns 0, a
 * negative errno, or 1 when a failure below was already reported.
 */
static int rm_tree(struct cli *cli, uint32_t dfid, const char *name, const char *path)
{
	struct p9_qid qid;
	char **names = NULL, *sub;
	uint8_t *types = NULL;
	size_t n = 0, i;
	uint32_t fid;
	int rc, ret = 0;

	fid = p9c_fid_get(cli->c);
	rc = p9c_walk(cli->c, dfid, fid, 1, &name, &qid);
	if (rc <= 0) {
		p9c_fid_put(cli->c, fid);
		return rc ? rc : -ENOENT;
	}
	if (!(qid.type & P9_QTDIR)) {
		rclunk(cli, fid);
		return unlink_name(cli, dfid, name, 0);
	}
	rc = rlistdir(cli, fid, &names, &types, &n);
	for (i = 0; !rc && i < n; i++) {
		if (asprintf(&sub, "%s/%s", path, names[i]) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (rm_tree(cli, fid, names[i], sub))
			ret = 1;
		free(sub);
	}
	free_names(names, n);
	free(types);
	rclunk(cli, fid);
	if (rc)
		cli_err("rm", path, rc);
	if (rc || ret)
		return 1;	/* already reported */
	return unlink_name(cli, dfid, name, P9_AT_REMOVEDIR);
}

int cmd_rm(struct cli *cli, int argc, char **argv)
{
	int opt, recursive = 0, force = 0, i, rc, ret = 0;
	uint32_t dfid;
	char *base;

	while ((opt = getopt(argc, argv, "+rRf")) != -1) {
		if (opt == 'r' || opt == 'R')
			recursive = 1;
		else if (opt == 'f')
			force = 1;
		else
			return bad_option("rm", "rm [-r] [-f] PATH...");
	}
	if (optind == argc && !force)
		return cli_usage("rm: missing path");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (i = optind; i < argc; i++) {
		rc = rparent(cli, argv[i], &dfid, &base);
		if (!rc) {
			if (recursive)
				rc = rm_tree(cli, dfid, base, argv[i]);
			else
				rc = unlink_name(cli, dfid, base, 0);
			free(base);
			rclunk(cli, dfid);
		}
		if (rc == -ENOENT && force)
			continue;
		if (rc < 0)
			cli_err("rm", argv[i], rc);
		if (rc)
			ret = EXIT_FAIL;
	}
	return ret;
}

int cmd_mv(struct cli *cli, int argc, char **argv)
{
	struct p9_qid qid = { .type = P9_QTDIR };	/* what the root path keeps */
	uint32_t sdfid, ddfid, fid;
	char *sbase, *dbase;
	const char *dst;
	int rc, found;

	if (argc != 3)
		return cli_usage("mv: usage: mv SRC DST");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	dst = argv[2];
	rc = rparent(cli, argv[1], &sdfid, &sbase);
	if (rc) {
		cli_err("mv", argv[1], rc);
		return EXIT_FAIL;
	}
	/* An existing directory as DST means DST/basename(SRC), as mv(1). */
	found = rwalk(cli, dst, &ddfid, &qid) == 0;
	if (found && qid.type & P9_QTDIR) {
		dbase = strdup(sbase);
		rc = dbase ? 0 : -ENOMEM;
		if (rc)
			rclunk(cli, ddfid);
	} else {
		if (found)
			rclunk(cli, ddfid);	/* an existing file is replaced */
		rc = rparent(cli, dst, &ddfid, &dbase);
	}
	if (rc) {
		cli_err("mv", dst, rc);
		goto out_src;
	}
	rc = p9c_renameat(cli->c, sdfid, sbase, ddfid, dbase);
	if (rc == -EOPNOTSUPP && (rc = rwalk1(cli, sdfid, sbase, &fid)) == 0) {
		rc = p9c_rename(cli->c, fid, ddfid, dbase);
		rclunk(cli, fid);
	}
	if (rc)
		cli_err("mv", argv[1], rc);
	free(dbase);
	rclunk(cli, ddfid);
out_src:
	free(sbase);
	rclunk(cli, sdfid);
	return rc ? EXIT_FAIL : 0;
}

int cmd_ln(struct cli *cli, int argc, char **argv)
{
	int opt, sym = 0, rc;
	uint32_t dfid, fid;
	char *base;

	while ((opt = getopt(argc, argv, "+s")) != -1) {
		if (opt != 's')
			return bad_option("ln", "ln [-s] TARGET LINK");
		sym = 1;
	}
	if (argc - optind != 2)
		return cli_usage("ln: usage: ln [-s] TARGET LINK");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	rc = rparent(cli, argv[optind + 1], &dfid, &base);
	if (rc) {
		cli_err("ln", argv[optind + 1], rc);
		return EXIT_FAIL;
	}
	if (sym) {
		rc = p9c_symlink(cli->c, dfid, base, argv[optind], cli->gid, NULL);
	} else {
		rc = rwalk(cli, argv[optind], &fid, NULL);
		if (rc) {
			cli_err("ln", argv[optind], rc);
			goto out;
		}
		rc = p9c_link(cli->c, dfid, fid, base);
		rclunk(cli, fid);
	}
	if (rc)
		cli_err("ln", argv[optind + 1], rc);
out:
	free(base);
	rclunk(cli, dfid);
	return rc ? EXIT_FAIL : 0;
}
