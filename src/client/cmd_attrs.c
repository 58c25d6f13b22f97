/*
 * cmd_attrs.c - p9guard-client commands that change owners and modes, or
 * make special files: chmod, chown (both Tsetattr) and mknod (Tmknod).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"

/* A decimal id (0..4294967294); 0 or -1. */
static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v >= 0xffffffffULL)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Tsetattr of sa on each PATH of argv[first..]. */
static int setattr_each(struct cli *cli, const char *cmd, const struct p9_tsetattr *sa,
			int argc, char **argv, int first)
{
	uint32_t fid;
	int rc, ret = 0;

	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (int i = first; i < argc; i++) {
		rc = rwalk(cli, argv[i], &fid, NULL);
		if (!rc) {
			rc = p9c_setattr(cli->c, fid, sa);
			rclunk(cli, fid);
		}
		if (rc) {
			cli_err(cmd, argv[i], rc);
			ret = EXIT_FAIL;
		}
	}
	return ret;
}

int cmd_chmod(struct cli *cli, int argc, char **argv)
{
	struct p9_tsetattr sa = { .valid = P9_SETATTR_MODE };
	long mode;

	if (argc < 3)
		return cli_usage("chmod: usage: chmod OCTAL-MODE PATH...");
	mode = parse_mode(argv[1]);
	if (mode < 0)
		return cli_usage("chmod: bad mode '%s' (octal, up to 07777)", argv[1]);
	sa.mode = (uint32_t)mode;
	return setattr_each(cli, "chmod", &sa, argc, argv, 2);
}

int cmd_chown(struct cli *cli, int argc, char **argv)
{
	struct p9_tsetattr sa = { 0 };
	char *spec, *colon;
	int bad;

	if (argc < 3)
		return cli_usage("chown: usage: chown UID[:GID] PATH...");
	spec = strdup(argv[1]);
	if (!spec)
		return EXIT_FAIL;
	colon = strchr(spec, ':');
	if (colon)
		*colon = '\0';
	bad = (spec[0] && parse_id(spec, &sa.uid) < 0) ||
	      (colon && colon[1] && parse_id(colon + 1, &sa.gid) < 0) ||
	      (!spec[0] && !(colon && colon[1]));
	if (spec[0])
		sa.valid |= P9_SETATTR_UID;
	if (colon && colon[1])
		sa.valid |= P9_SETATTR_GID;
	free(spec);
	if (bad)
		return cli_usage("chown: bad owner '%s' (numeric UID, UID:GID or :GID)", argv[1]);
	return setattr_each(cli, "chown", &sa, argc, argv, 2);
}

int cmd_mknod(struct cli *cli, int argc, char **argv)
{
	uint32_t mode = 0666, major = 0, minor = 0, dfid;
	char *base;
	int i = 1, rc;

	if (argc > 2 && strcmp(argv[1], "-m") == 0) {
		long m = parse_mode(argv[2]);

		if (m < 0)
			return cli_usage("mknod: bad mode '%s'", argv[2]);
		mode = (uint32_t)m;
		i = 3;
	}
	if (argc - i != 2 && argc - i != 4)
		return cli_usage("mknod: usage: mknod [-m MODE] PATH p | mknod [-m MODE] PATH "
				 "(c|b) MAJOR MINOR");
	if (strcmp(argv[i + 1], "p") == 0 && argc - i == 2)
		mode |= S_IFIFO;
	else if ((strcmp(argv[i + 1], "c") == 0 || strcmp(argv[i + 1], "b") == 0) &&
		 argc - i == 4 && parse_id(argv[i + 2], &major) == 0 &&
		 parse_id(argv[i + 3], &minor) == 0)
		mode |= argv[i + 1][0] == 'c' ? S_IFCHR : S_IFBLK;
	else
		return cli_usage("mknod: bad type '%s' (p, or c/b with MAJOR MINOR)", argv[i + 1]);
	if (cli_connect(cli))
		return EXIT_CONNECT;
	rc = rparent(cli, argv[i], &dfid, &base);
	if (!rc) {
		rc = p9c_mknod(cli->c, dfid, base, mode & ~cli_umask(), major, minor, cli->gid,
			       NULL);
		rclunk(cli, dfid);
		free(base);
	}
	if (rc) {
		cli_err("mknod", argv[i], rc);
		return EXIT_FAIL;
	}
	return 0;
}
