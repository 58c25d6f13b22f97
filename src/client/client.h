/*
 * client.h - shared pieces of the p9guard-client command-line tool.
 */
#ifndef P9G_CLIENT_H
#define P9G_CLIENT_H

#include <stdint.h>

#include "p9client/p9_client.h"

#define PROG "p9guard-client"

/* Exit codes (documented in p9guard-client(1)). */
#define EXIT_FAIL	1	/* a command failed on at least one operand */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_CONNECT	3	/* connect, Tversion or Tattach failed */

struct cli {
	struct p9_client *c;	/* NULL until cli_connect() */
	uint32_t root;		/* the attached fid */
	uint32_t uid, gid;	/* attach uid; gid for new files */
	const char *unix_path, *tcp;	/* one of them is set */
	const char *uname, *aname;
	uint32_t msize;
	const char *addr;	/* "unix:PATH" or "tcp:HOST:PORT", for messages */
};

/*
 * Connect, negotiate and attach.  Commands call it once their arguments
 * are known to be good, so usage errors never touch the network.  Returns
 * 0, or non-zero after saying what failed (exit with EXIT_CONNECT).
 */
int cli_connect(struct cli *cli);

/* "p9guard-client: OP ARG: strerror(-err)" on stderr (ARG may be NULL). */
void cli_err(const char *op, const char *arg, int err);
/* "p9guard-client: MSG" plus a hint to --help; returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A command's getopt failed: name the option (optopt) and the usage. */
int bad_option(const char *cmd, const char *usage);

/* Walk from the root to path into a new fid (*fid). 0 or -errno. */
int rwalk(struct cli *cli, const char *path, uint32_t *fid, struct p9_qid *qid);
/*
 * Walk to the directory holding path's last component: *dfid is a new fid,
 * *base a malloc'ed copy of the last component (not "", "." or "..").
 */
int rparent(struct cli *cli, const char *path, uint32_t *dfid, char **base);
/* Walk fid's entry `name` into a new fid. */
int rwalk1(struct cli *cli, uint32_t dfid, const char *name, uint32_t *fid);
/* A new fid that is a clone of fid. */
int rclone(struct cli *cli, uint32_t fid, uint32_t *newfid);
/* Tclunk and give the fid back to the allocator. */
void rclunk(struct cli *cli, uint32_t fid);
/* Directory entries of dir fid (opened on a clone), sorted by name,
 * without "." and "..".  *names is a malloc'ed array of malloc'ed names. */
int rlistdir(struct cli *cli, uint32_t dfid, char ***names, uint8_t **types, size_t *n);
void free_names(char **names, size_t n);
/* Parse an octal mode; -1 when invalid. */
long parse_mode(const char *s);
uint32_t cli_umask(void);

/* Commands: return 0, EXIT_FAIL or EXIT_USAGE. */
int cmd_ls(struct cli *cli, int argc, char **argv);
int cmd_stat(struct cli *cli, int argc, char **argv);
int cmd_cat(struct cli *cli, int argc, char **argv);
int cmd_put(struct cli *cli, int argc, char **argv);
int cmd_readlink(struct cli *cli, int argc, char **argv);
int cmd_mkdir(struct cli *cli, int argc, char **argv);
int cmd_rm(struct cli *cli, int argc, char **argv);
int cmd_mv(struct cli *cli, int argc, char **argv);
int cmd_ln(struct cli *cli, int argc, char **argv);
int cmd_getfattr(struct cli *cli, int argc, char **argv);
int cmd_setfattr(struct cli *cli, int argc, char **argv);
int cmd_df(struct cli *cli, int argc, char **argv);
int cmd_chmod(struct cli *cli, int argc, char **argv);
int cmd_chown(struct cli *cli, int argc, char **argv);
int cmd_mknod(struct cli *cli, int argc, char **argv);

#endif
