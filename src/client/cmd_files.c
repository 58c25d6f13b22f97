/*
 * cmd_files.c - p9guard-client commands that look at or move file
 * contents: ls, stat, readlink, cat, put.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* "drwxr-xr-x" and friends, as ls(1) writes them. */
static void mode_string(uint32_t mode, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	switch (mode & S_IFMT) {
	case S_IFDIR: s[0] = 'd'; break;
	case S_IFLNK: s[0] = 'l'; break;
	case S_IFCHR: s[0] = 'c'; break;
	case S_IFBLK: s[0] = 'b'; break;
	case S_IFIFO: s[0] = 'p'; break;
	case S_IFSOCK: s[0] = 's'; break;
	default: s[0] = '-'; break;
	}
	for (i = 0; i < 9; i++)
		s[1 + i] = mode & (1u << (8 - i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		s[3] = s[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		s[6] = s[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		s[9] = s[9] == 'x' ? 't' : 'T';
	s[10] = '\0';
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symbolic link";
	case S_IFCHR: return "character special file";
	case S_IFBLK: return "block special file";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	default: return "unknown";
	}
}

static void print_time(const char *label, uint64_t sec, uint64_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s: %s.%09" PRIu64, label, buf, nsec);
	strftime(buf, sizeof(buf), " %z", &tm);
	printf("%s\n", buf);
}

/* One `ls -l` line for fid, named `name`. */
static int print_long(struct cli *cli, uint32_t fid, const char *name)
{
	struct p9_rgetattr a;
	char ms[11], when[32], target[4096];
	time_t t;
	struct tm tm;
	int rc;

	rc = p9c_getattr(cli->c, fid, P9_GETATTR_BASIC, &a);
	if (rc)
		return rc;
	mode_string(a.mode, ms);
	t = (time_t)a.mtime_sec;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s %3" PRIu64 " %5u %5u ", ms, a.nlink, a.uid, a.gid);
	if (S_ISCHR(a.mode) || S_ISBLK(a.mode))
		printf("%4u, %4u", major(a.rdev), minor(a.rdev));
	else
		printf("%10" PRIu64, a.size);
	printf(" %s %s", when, name);
	if (S_ISLNK(a.mode) && p9c_readlink(cli->c, fid, target, sizeof(target)) >= 0)
		printf(" -> %s", target);
	putchar('\n');
	return 0;
}

static int ls_one(struct cli *cli, const char *path, int lng, int heading)
{
	struct p9_qid qid = { .type = P9_QTDIR };	/* what the root path keeps */
	uint32_t fid, efid;
	char **names = NULL;
	uint8_t *types = NULL;
	size_t n = 0, i;
	int rc;

	rc = rwalk(cli, path, &fid, &qid);
	if (rc)
		goto out_err;
	if (!(qid.type & P9_QTDIR)) {
		rc = lng ? print_long(cli, fid, path) : (printf("%s\n", path), 0);
		rclunk(cli, fid);
		goto out_err;
	}
	rc = rlistdir(cli, fid, &names, &types, &n);
	if (rc) {
		rclunk(cli, fid);
		goto out_err;
	}
	if (heading)
		printf("%s%s:\n", heading > 1 ? "\n" : "", path);
	for (i = 0; i < n; i++) {
		if (!lng) {
			printf("%s\n", names[i]);
			continue;
		}
		/* The entry may vanish between readdir and walk: say so, go on. */
		if (rwalk1(cli, fid, names[i], &efid) == 0) {
			if (print_long(cli, efid, names[i]))
				printf("?????????? %s\n", names[i]);
			rclunk(cli, efid);
		}
	}
	free_names(names, n);
	free(types);
	rclunk(cli, fid);
out_err:
	if (rc)
		cli_err("ls", path, rc);
	return rc ? EXIT_FAIL : 0;
}

int cmd_ls(struct cli *cli, int argc, char **argv)
{
	int opt, lng = 0, ret = 0, i;

	while ((opt = getopt(argc, argv, "+l")) != -1) {
		if (opt != 'l')
			return bad_option("ls", "ls [-l] [PATH...]");
		lng = 1;
	}
	if (cli_connect(cli))
		return EXIT_CONNECT;
	if (optind == argc)
		return ls_one(cli, "/", lng, 0);
	/* With several operands each directory gets a heading (heading > 1:
	 * after a blank line). */
	for (i = optind; i < argc; i++) {
		if (ls_one(cli, argv[i], lng, argc - optind > 1 ? 1 + (i > optind) : 0))
			ret = EXIT_FAIL;
	}
	return ret;
}

static int stat_one(struct cli *cli, const char *path)
{
	struct p9_rgetattr a;
	uint32_t fid;
	char ms[11], target[4096];
	int rc;

	rc = rwalk(cli, path, &fid, NULL);
	if (rc)
		goto out_err;
	rc = p9c_getattr(cli->c, fid, P9_GETATTR_ALL, &a);
	if (!rc && S_ISLNK(a.mode) && p9c_readlink(cli->c, fid, target, sizeof(target)) < 0)
		target[0] = '\0';
	rclunk(cli, fid);
	if (rc)
		goto out_err;
	mode_string(a.mode, ms);
	printf("File: %s", path);
	if (S_ISLNK(a.mode))
		printf(" -> %s", target);
	printf("\nType: %s\n", type_name(a.mode));
	printf("Mode: %04o (%s)\n", a.mode & 07777, ms);
	printf("Uid: %u\nGid: %u\n", a.uid, a.gid);
	printf("Size: %" PRIu64 "\nLinks: %" PRIu64 "\n", a.size, a.nlink);
	printf("Blocks: %" PRIu64 "\nIO Block: %" PRIu64 "\n", a.blocks, a.blksize);
	if (S_ISCHR(a.mode) || S_ISBLK(a.mode))
		printf("Device: %u,%u\n", major(a.rdev), minor(a.rdev));
	printf("Qid: type 0x%02x version %u path 0x%" PRIx64 "\n", a.qid.type, a.qid.version,
	       a.qid.path);
	print_time("Access", a.atime_sec, a.atime_nsec);
	print_time("Modify", a.mtime_sec, a.mtime_nsec);
	print_time("Change", a.ctime_sec, a.ctime_nsec);
	if (a.valid & P9_GETATTR_BTIME && (a.btime_sec || a.btime_nsec))
		print_time("Birth", a.btime_sec, a.btime_nsec);
	return 0;
out_err:
	cli_err("stat", path, rc);
	return EXIT_FAIL;
}

int cmd_stat(struct cli *cli, int argc, char **argv)
{
	int i, ret = 0;

	if (argc < 2)
		return cli_usage("stat: missing path");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (i = 1; i < argc; i++) {
		if (i > 1)
			putchar('\n');
		if (stat_one(cli, argv[i]))
			ret = EXIT_FAIL;
	}
	return ret;
}

int cmd_readlink(struct cli *cli, int argc, char **argv)
{
	char target[4096];
	uint32_t fid;
	int i, rc, ret = 0;

	if (argc < 2)
		return cli_usage("readlink: missing path");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	for (i = 1; i < argc; i++) {
		rc = rwalk(cli, argv[i], &fid, NULL);
		if (!rc) {
			rc = p9c_readlink(cli->c, fid, target, sizeof(target));
			rclunk(cli, fid);
		}
		if (rc < 0) {
			cli_err("readlink", argv[i], rc);
			ret = EXIT_FAIL;
		} else {
			printf("%s\n", target);
		}
	}
	return ret;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cat_one(struct cli *cli, const char *path, uint8_t *buf, uint32_t bufsz)
{
	uint64_t off = 0;
	uint32_t fid;
	ssize_t n;
	int rc;

	rc = rwalk(cli, path, &fid, NULL);
	if (rc)
		goto out_err;
	rc = p9c_lopen(cli->c, fid, P9_DOTL_RDONLY, NULL, NULL);
	while (!rc) {
		n = p9c_read(cli->c, fid, off, buf, bufsz);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		off += (uint64_t)n;
		rc = write_all(STDOUT_FILENO, buf, (size_t)n);
		if (rc) {
			rclunk(cli, fid);
			cli_err("write", "standard output", rc);
			return EXIT_FAIL;
		}
	}
	rclunk(cli, fid);
out_err:
	if (rc)
		cli_err("cat", path, rc);
	return rc ? EXIT_FAIL : 0;
}

int cmd_cat(struct cli *cli, int argc, char **argv)
{
	uint32_t bufsz;
	uint8_t *buf;
	int i, ret = 0;

	if (argc < 2)
		return cli_usage("cat: missing path");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	bufsz = p9c_iosize(cli->c);
	buf = malloc(bufsz);
	if (!buf) {
		cli_err("cat", NULL, -ENOMEM);
		return EXIT_FAIL;
	}
	for (i = 1; i < argc; i++)
		if (cat_one(cli, argv[i], buf, bufsz))
			ret = EXIT_FAIL;
	free(buf);
	return ret;
}

/*
 * Open `name` in directory dfid for writing: truncate it when it exists,
 * else create it with mode.  *fid is a new, open fid.
 */
static int open_for_put(struct cli *cli, uint32_t dfid, const char *name, uint32_t mode,
			uint32_t *fid)
{
	int rc;

	rc = rwalk1(cli, dfid, name, fid);
	if (rc == 0) {
		rc = p9c_lopen(cli->c, *fid, P9_DOTL_WRONLY | P9_DOTL_TRUNC, NULL, NULL);
		if (rc)
			rclunk(cli, *fid);
		return rc;
	}
	if (rc != -ENOENT)
		return rc;
	rc = rclone(cli, dfid, fid);
	if (rc)
		return rc;
	/* Tlcreate turns the clone into the new, open file. */
	rc = p9c_lcreate(cli->c, *fid, name, P9_DOTL_WRONLY | P9_DOTL_CREATE | P9_DOTL_TRUNC,
			 mode, cli->gid, NULL, NULL);
	if (rc)
		rclunk(cli, *fid);
	return rc;
}

/* Open the remote target of put: REMOTE, or REMOTE/basename(local) when
 * REMOTE is a directory. */
static int open_target(struct cli *cli, const char *remote, const char *local, uint32_t mode,
		       uint32_t *fid)
{
	struct p9_qid qid = { .type = P9_QTDIR };	/* what the root path keeps */
	const char *b;
	uint32_t dfid;
	char *base;
	int rc;

	rc = rwalk(cli, remote, &dfid, &qid);
	if (rc == 0 && qid.type & P9_QTDIR) {
		b = strrchr(local, '/');
		b = b ? b + 1 : local;
		if (!strcmp(local, "-") || !*b)
			rc = -EISDIR;
		else
			rc = open_for_put(cli, dfid, b, mode, fid);
		rclunk(cli, dfid);
		return rc;
	}
	if (rc == 0)
		rclunk(cli, dfid);
	else if (rc != -ENOENT)
		return rc;
	rc = rparent(cli, remote, &dfid, &base);
	if (rc)
		return rc;
	rc = open_for_put(cli, dfid, base, mode, fid);
	free(base);
	rclunk(cli, dfid);
	return rc;
}

int cmd_put(struct cli *cli, int argc, char **argv)
{
	uint32_t bufsz, fid;
	long mode = -1;
	uint64_t off = 0;
	struct stat st;
	uint8_t *buf;
	ssize_t n, w;
	int opt, fd, rc;

	while ((opt = getopt(argc, argv, "+m:")) != -1) {
		if (opt != 'm')
			return bad_option("put", "put [-m MODE] LOCAL|- REMOTE");
		if ((mode = parse_mode(optarg)) < 0)
			return cli_usage("put: bad mode '%s' (octal, at most 07777)", optarg);
	}
	if (argc - optind != 2)
		return cli_usage("put: usage: put [-m MODE] LOCAL|- REMOTE");
	if (cli_connect(cli))
		return EXIT_CONNECT;
	bufsz = p9c_iosize(cli->c);
	if (!strcmp(argv[optind], "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_err("open", argv[optind], -errno);
			return EXIT_FAIL;
		}
	}
	if (mode < 0)
		mode = fd != STDIN_FILENO && fstat(fd, &st) == 0 ? (long)(st.st_mode & 0777)
								 : (long)(0666 & ~cli_umask());
	buf = malloc(bufsz);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close;
	}
	rc = open_target(cli, argv[optind + 1], argv[optind], (uint32_t)mode, &fid);
	if (rc)
		goto out_free;
	for (;;) {
		n = read(fd, buf, bufsz);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_err("read", argv[optind], -errno);
			rclunk(cli, fid);
			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			return EXIT_FAIL;
		}
		if (n == 0)
			break;
		w = p9c_write(cli->c, fid, off, buf, (size_t)n);
		if (w >= 0 && w != n)
			w = -EIO;
		if (w < 0) {
			rc = (int)w;
			break;
		}
		off += (uint64_t)n;
	}
	rclunk(cli, fid);
out_free:
	free(buf);
out_close:
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc)
		cli_err("put", argv[optind + 1], rc);
	return rc ? EXIT_FAIL : 0;
}
