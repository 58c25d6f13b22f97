/*
 * p9guard-client - poke any 9P2000.L server from the command line.
 *
 * This file parses the global options, connects and attaches, and hands
 * the command to its function (cmd_*.c).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

static const struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *args;	/* after the name, for --help */
	const char *what;
} commands[] = {
	{ "ls", cmd_ls, "[-l] [PATH...]", "list directories (default /)" },
	{ "stat", cmd_stat, "PATH...", "show attributes (Tgetattr)" },
	{ "cat", cmd_cat, "PATH...", "write file contents to standard output" },
	{ "put", cmd_put, "[-m MODE] LOCAL|- PATH", "copy a local file or stdin to PATH" },
	{ "mkdir", cmd_mkdir, "[-p] [-m MODE] PATH...", "make directories" },
	{ "rm", cmd_rm, "[-r] [-f] PATH...", "remove files (and trees with -r)" },
	{ "mv", cmd_mv, "SRC DST", "rename (into DST if it is a directory)" },
	{ "ln", cmd_ln, "[-s] TARGET LINK", "make a hard or symbolic link" },
	{ "chmod", cmd_chmod, "MODE PATH...", "set modes (octal)" },
	{ "chown", cmd_chown, "UID[:GID] PATH...", "set numeric owners and groups" },
	{ "mknod", cmd_mknod, "[-m MODE] PATH p|c|b [MAJOR MINOR]",
	  "make a FIFO or a device node" },
	{ "readlink", cmd_readlink, "PATH...", "print symbolic link targets" },
	{ "getfattr", cmd_getfattr, "[-d] [-n NAME [--only-values]] PATH...",
	  "list xattr names, or show values" },
	{ "setfattr", cmd_setfattr, "(-n NAME [-v VALUE] | -x NAME) PATH...",
	  "set (VALUE: text or 0xHEX) or remove an xattr" },
	{ "df", cmd_df, "[PATH]", "file system usage (Tstatfs)" },
};

static void usage(void)
{
	size_t i;

	printf("Usage: %s (--unix PATH | --tcp HOST:PORT) [OPTION...]\n"
	       "                      COMMAND [ARG...]\n"
	       "A command-line client for 9P2000.L servers such as p9guard and diod.\n\n"
	       "Options:\n"
	       "  -u, --unix PATH      connect to the unix socket PATH\n"
	       "  -t, --tcp HOST:PORT  connect over TCP ([ADDR]:PORT for IPv6)\n"
	       "      --uid N          attach as numeric uid N (n_uname; default: your uid)\n"
	       "      --gid N          group for new files (default: N's primary group)\n"
	       "      --uname NAME     user name sent in Tattach (default: empty)\n"
	       "      --aname A        tree to attach (default: empty)\n"
	       "      --msize N        maximum message size to offer (default: %u)\n"
	       "  -h, --help           show this help and exit\n"
	       "  -V, --version        show the version and exit\n\n"
	       "Commands (remote paths are relative to the attached root):\n",
	       PROG, P9C_DEFAULT_MSIZE);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %s %s\n      %s\n", commands[i].name, commands[i].args,
		       commands[i].what);
	printf("\nExit status: 0 success, 1 a command failed, 2 usage error,\n"
	       "3 could not connect, negotiate or attach.\n");
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The gid new files get when --gid is not given. */
static uint32_t default_gid(uint32_t uid)
{
	struct passwd *pw;

	if (uid == getuid())
		return getgid();
	pw = getpwuid(uid);
	return pw ? pw->pw_gid : uid;
}

int cli_connect(struct cli *cli)
{
	int rc;

	if (cli->c)
		return 0;
	rc = cli->unix_path ? p9c_connect_unix(cli->unix_path, cli->msize, &cli->c)
			    : p9c_connect_tcp(cli->tcp, cli->msize, &cli->c);
	if (rc) {
		cli->c = NULL;
		if (rc == -EPROTONOSUPPORT)
			fprintf(stderr, "%s: %s: the server does not speak 9P2000.L\n", PROG,
				cli->addr);
		else
			cli_err("connect", cli->addr, rc);
		return -1;
	}
	cli->root = p9c_fid_get(cli->c);
	rc = p9c_attach(cli->c, cli->root, P9_NOFID, cli->uname, cli->aname, cli->uid, NULL);
	if (rc) {
		fprintf(stderr, "%s: attach to '%s' as uid %" PRIu32 ": %s\n", PROG, cli->aname,
			cli->uid, strerror(-rc));
		p9c_close(cli->c);
		cli->c = NULL;
		return -1;
	}
	return 0;
}

enum { OPT_UID = 256, OPT_GID, OPT_UNAME, OPT_ANAME, OPT_MSIZE };

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "unix", required_argument, NULL, 'u' },
		{ "tcp", required_argument, NULL, 't' },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ "uname", required_argument, NULL, OPT_UNAME },
		{ "aname", required_argument, NULL, OPT_ANAME },
		{ "msize", required_argument, NULL, OPT_MSIZE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .uid = getuid(), .uname = "", .aname = "", .msize = P9C_DEFAULT_MSIZE };
	const struct command *cmd = NULL;
	int opt, have_gid = 0, ret;
	const char *colon;
	char *addr;
	size_t i;

	while ((opt = getopt_long(argc, argv, "+u:t:hV", lopts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			cli.unix_path = optarg;
			break;
		case 't':
			cli.tcp = optarg;
			colon = strrchr(optarg, ':');
			if (!colon || colon == optarg || !colon[1])
				return cli_usage("bad --tcp '%s' (expected HOST:PORT)", optarg);
			break;
		case OPT_UID:
			if (parse_u32(optarg, &cli.uid) || cli.uid == P9_NONUNAME)
				return cli_usage("bad --uid '%s'", optarg);
			break;
		case OPT_GID:
			if (parse_u32(optarg, &cli.gid))
				return cli_usage("bad --gid '%s'", optarg);
			have_gid = 1;
			break;
		case OPT_UNAME:
			cli.uname = optarg;
			break;
		case OPT_ANAME:
			cli.aname = optarg;
			break;
		case OPT_MSIZE:
			if (parse_u32(optarg, &cli.msize) || cli.msize < P9_MIN_MSIZE ||
			    cli.msize > P9_MAX_MSIZE)
				return cli_usage("bad --msize '%s' (%u..%u)", optarg, P9_MIN_MSIZE,
						 P9_MAX_MSIZE);
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return 0;
		default:
			return cli_usage("bad option");
		}
	}
	if (!cli.unix_path == !cli.tcp)
		return cli_usage("give exactly one of --unix PATH and --tcp HOST:PORT");
	if (optind == argc)
		return cli_usage("missing command");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return cli_usage("unknown command '%s'", argv[optind]);
	if (!have_gid)
		cli.gid = default_gid(cli.uid);
	if (asprintf(&addr, "%s:%s", cli.unix_path ? "unix" : "tcp",
		     cli.unix_path ? cli.unix_path : cli.tcp) < 0)
		return EXIT_FAIL;
	cli.addr = addr;

	/* The command sees argv[0] = its name, parses its own options and
	 * then calls cli_connect(). */
	argc -= optind;
	argv += optind;
	optind = 0;	/* GNU getopt: start afresh */
	opterr = 0;	/* commands name the bad option themselves */
	ret = cmd->fn(&cli, argc, argv);
	if (fflush(stdout) == EOF && !ret) {
		cli_err("write", "standard output", -errno);
		ret = EXIT_FAIL;
	}
	if (cli.c) {
		if (!ret && p9c_dead_reason(cli.c)) {
			fprintf(stderr, "%s: %s: %s\n", PROG, addr, p9c_dead_reason(cli.c));
			ret = EXIT_FAIL;
		}
		p9c_clunk(cli.c, cli.root);
		p9c_close(cli.c);
	}
	free(addr);
	return ret;
}
