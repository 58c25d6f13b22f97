/*
 * cmd_meta.c - p9guard-client commands on metadata: getfattr, setfattr, df.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "client.h"

/* A value as getfattr(1) prints text: quoted, odd bytes in octal. */
static void print_value(const uint8_t *v, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\' || !isprint(v[i]))
			printf("\\%03o", v[i]);
		else
			putchar(v[i]);
	}
	putchar('"');
}

/* Fetch xattr `name` of fid into a malloc'ed buffer. */
static ssize_t get_value(struct cli *cli, uint32_t fid, const char *name, uint8_t **out)
{
	ssize_t n, m;
	uint8_t *buf;

	/* Ask for the size, then the value; retry if it grew in between. */
	for (;;) {
		n = name ? p9c_xattr_get(cli->c, fid, name, NULL, 0)
			 : p9c_xattr_list(cli->c, fid, NULL, 0);
		if (n < 0)
			return n;
		buf = malloc((size_t)n + 1);
		if (!buf)
			return -ENOMEM;
		m = n == 0 ? 0
		    : name ? p9c_xattr_get(cli->c, fid, name, buf, (size_t)n)
			   : p9c_xattr_list(cli->c, fid, buf, (size_t)n);
		if (m != -ERANGE)
			break;
		free(buf);
	}
	if (m < 0) {
		free(buf);
		return m;
	}
	*out = buf;
	return m;
}

struct getf_opts {
	const char *name;	/* -n */
	int dump;		/* -d */
	int only_values;	/* --only-values */
};

static int getfattr_one(struct cli *cli, const char *path, const struct getf_opts *o)
{
	uint8_t *list = NULL, *val;
	ssize_t n, vn;
	uint32_t fid;
	size_t off;
	int rc;

	rc = rwalk(cli, path, &fid, NULL);
	if (rc)
		goto out_err;
	if (o->name) {
		vn = get_value(cli, fid, o->name, &val);
		rclunk(cli, fid);
		if (vn < 0) {
			rc = (int)vn;
			goto out_err;
		}
		if (o->only_values) {
			fwrite(val, 1, (size_t)vn, stdout);
		} else {
			printf("# file: %s\n%s=", path, o->name);
			print_value(val, (size_t)vn);
			printf("\n\n");
		}
		free(val);
		return 0;
	}
	n = get_value(cli, fid, NULL, &list);
	if (n < 0) {
		rclunk(cli, fid);
		rc = (int)n;
		goto out_err;
	}
	list[n] = '\0';
	if (n)
		printf("# file: %s\n", path);
	for (off = 0; off < (size_t)n; off += strlen((char *)list + off) + 1) {
		const char *name = (char *)list + off;

		if (!*name)
			continue;
		printf("%s", name);
		if (o->dump) {
			vn = get_value(cli, fid, name, &val);
			if (vn < 0) {
				putchar('\n');
				cli_err("getfattr", name, (int)vn);
				rc = (int)vn;
				continue;
			}
			putchar('=');
			print_value(val, (size_t)vn);
			free(val);
		}
		putchar('\n');
	}
	if (n)
		putchar('\n');
	free(list);
	rclunk(cli, fid);
	return rc ? EXIT_FAIL : 0;
out_err:
	cli_err("getfattr", path, rc);
	return EXIT_FAIL;
}

int cmd_getfattr(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "dump", no_argument, NULL, 'd' },
		{ "only-values", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct getf_opts o = { 0 };
	int opt, i, ret = 0;

	while ((opt = getopt_long(argc, argv, "+n:d", lopts, NULL)) != -1) {
		if (opt == 'n')
			o.name = optarg;
		else if (opt == 'd')
			o.dump = 1;
		else if (opt == 'V')
			o.only_values = 1;
		else
			return bad_option("getfattr",
					  "getfattr [-d] [-n NAME [--only-values]] PATH...");
	}
	if (optind == argc)
		return cli_usage("getfattr: missing path");
	if (o.only_values && !o.name)
		return cli_usage("getfattr: --only-values needs -n NAME");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (i = optind; i < argc; i++)
		if (getfattr_one(cli, argv[i], &o))
			ret = EXIT_FAIL;
	return ret;
}

/* "0x..." is hex, anything else is the bytes of the text. */
static int decode_value(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned int byte;
	uint8_t *v;

	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2)) {
		*out = (uint8_t *)strdup(s);
		*len = n;
		return *out ? 0 : -ENOMEM;
	}
	s += 2;
	n -= 2;
	if (n % 2)
		return -EINVAL;
	v = malloc(n / 2 + 1);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n / 2; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &byte) != 1) {
			free(v);
			return -EINVAL;
		}
		v[i] = (uint8_t)byte;
	}
	*out = v;
	*len = n / 2;
	return 0;
}

int cmd_setfattr(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *remove = NULL, *value = "";
	uint8_t *v = NULL;
	size_t vlen = 0;
	uint32_t fid;
	int opt, i, rc, ret = 0;

	while ((opt = getopt(argc, argv, "+n:v:x:")) != -1) {
		if (opt == 'n')
			name = optarg;
		else if (opt == 'v')
			value = optarg;
		else if (opt == 'x')
			remove = optarg;
		else
			return bad_option("setfattr", "setfattr -n NAME [-v VALUE] PATH... | "
						      "setfattr -x NAME PATH...");
	}
	if (optind >= argc || !name == !remove)
		return cli_usage("setfattr: usage: setfattr -n NAME [-v VALUE] PATH... | "
				 "setfattr -x NAME PATH...");
	if (name && decode_value(value, &v, &vlen))
		return cli_usage("setfattr: bad value '%s'", value);
	if (cli_connect(cli)) {
		free(v);
		return EXIT_CONNECT;
	}
	for (i = optind; i < argc; i++) {
		rc = rwalk(cli, argv[i], &fid, NULL);
		if (!rc) {
			rc = name ? p9c_xattr_set(cli->c, fid, name, v, vlen, 0)
				  : p9c_xattr_remove(cli->c, fid, remove);
			rclunk(cli, fid);
		}
		if (rc) {
			cli_err("setfattr", argv[i], rc);
			ret = EXIT_FAIL;
		}
	}
	free(v);
	return ret;
}

static uint64_t kib(uint64_t blocks, uint32_t bsize)
{
	return (uint64_t)((unsigned __int128)blocks * bsize / 1024);
}

int cmd_df(struct cli *cli, int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/";
	struct p9_rstatfs s;
	uint64_t used, pct;
	uint32_t fid;
	int rc;

	if (argc > 2)
		return cli_usage("df: usage: df [PATH]");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	rc = rwalk(cli, path, &fid, NULL);
	if (!rc) {
		rc = p9c_statfs(cli->c, fid, &s);
		rclunk(cli, fid);
	}
	if (rc) {
		cli_err("df", path, rc);
		return EXIT_FAIL;
	}
	used = s.blocks - s.bfree;
	pct = used + s.bavail ? (used * 100 + used + s.bavail - 1) / (used + s.bavail) : 0;
	printf("%-20s %12s %12s %12s %4s %10s %10s %10s\n", "Filesystem", "1K-blocks", "Used",
	       "Available", "Use%", "Inodes", "IUsed", "IFree");
	printf("%-20s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %3" PRIu64 "%% %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 "\n",
	       cli->addr, kib(s.blocks, s.bsize), kib(used, s.bsize), kib(s.bavail, s.bsize), pct, s.files, s.files - s.ffree,
	       s.ffree);
	printf("Type: 0x%08x  Block size: %u  Max name length: %u\n", s.type, s.bsize, s.namelen);
	return 0;
}
