/*
 * import_mapped_file.c - p9guard-import-mapped-file: turn a share written by
 * QEMU's "-virtfs local,security_model=mapped-file" into one p9guard serves
 * with --security-model mapped-xattr.
 *
 * mapped-file keeps each entry's guest metadata in a text file
 * DIR/.virtfs_metadata/NAME (the export root's own in
 * EXPORT/.virtfs_metadata_root), lines "virtfs.uid=N", "virtfs.gid=N",
 * "virtfs.mode=N" (the full st_mode, decimal) and "virtfs.rdev=N".  Files,
 * symlinks (regular files holding the target) and nodes (empty regular
 * files) are laid out exactly as in mapped-xattr, so the import only writes
 * each value as the user.virtfs.* xattr mapped-xattr reads (4 bytes LE, rdev
 * 8 bytes LE), and with --remove-metadata deletes the metadata afterwards.
 *
 * A host tool, run as root on a share no server is using.  It walks the
 * tree with descriptors only, never follows a symlink nor opens anything
 * but directories and metadata files for reading (an entry that is neither
 * a regular file nor a directory is reported and skipped), and refuses
 * metadata names that are not plain names.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define META_DIR ".virtfs_metadata"
#define META_ROOT ".virtfs_metadata_root"
#define MAX_DEPTH 4096
#define META_MAX 4096 /* a metadata file is a few short lines */

static bool remove_meta, dry_run, verbose;
static unsigned long imported, skipped, failed;

struct meta {
	bool has_uid, has_gid, has_mode, has_rdev;
	uint32_t uid, gid, mode;
	uint64_t rdev;
};

static void warn_at(const char *path, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_at(const char *path, const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "p9guard-import-mapped-file: %s/%s: ", path, name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One "virtfs.KEY=DECIMAL" line (QEMU writes them with %d). */
static void parse_line(const char *line, struct meta *m)
{
	static const struct {
		const char *key;
		size_t off_has, off_val;
		bool wide;
	} keys[] = {
	    {"virtfs.uid=", offsetof(struct meta, has_uid), offsetof(struct meta, uid), false},
	    {"virtfs.gid=", offsetof(struct meta, has_gid), offsetof(struct meta, gid), false},
	    {"virtfs.mode=", offsetof(struct meta, has_mode), offsetof(struct meta, mode), false},
	    {"virtfs.rdev=", offsetof(struct meta, has_rdev), offsetof(struct meta, rdev), true},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i].key);
		char *end;
		long long v;

		if (strncmp(line, keys[i].key, n) != 0)
			continue;
		errno = 0;
		v = strtoll(line + n, &end, 10);
		if (errno || end == line + n || (*end && *end != '\n'))
			return; /* malformed: ignored (QEMU's atoi reads a prefix) */
		*(bool *)((char *)m + keys[i].off_has) = true;
		if (keys[i].wide)
			*(uint64_t *)((char *)m + keys[i].off_val) = (uint64_t)v;
		else /* %d of a uid_t/mode_t: the same 32 bits */
			*(uint32_t *)((char *)m + keys[i].off_val) = (uint32_t)v;
	}
}

static int read_meta(int dir, const char *name, struct meta *m)
{
	char buf[META_MAX + 1], *line, *save = NULL;
	ssize_t n;
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	memset(m, 0, sizeof(*m));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	n = read(fd, buf, META_MAX);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(line, m);
	return 0;
}

/* fd is O_PATH (fsetxattr refuses those): through its /proc magic link. */
static int put(int fd, const char *name, uint64_t v, size_t len)
{
	char path[40];
	uint8_t b[8];

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return setxattr(path, name, b, len, 0);
}

/* Write m onto the entry `name` of dir ("." for the directory itself). */
static void apply(int dir, const char *path, const char *name, const struct meta *m)
{
	struct stat st = {0};
	int fd, rc = 0;

	/* O_PATH: a device or FIFO met here is never opened for I/O. */
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		warn_at(path, name, "skipped: %s", strerror(errno));
		skipped++;
		return;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		/* A host symlink is never followed. */
		warn_at(path, name, "skipped: %s",
			S_ISLNK(st.st_mode) ? "a symlink"
					    : "neither a regular file nor a directory");
		skipped++;
		close(fd);
		return;
	}
	if (!dry_run) {
		if (m->has_uid)
			rc |= put(fd, "user.virtfs.uid", m->uid, 4);
		if (!rc && m->has_gid)
			rc |= put(fd, "user.virtfs.gid", m->gid, 4);
		if (!rc && m->has_mode)
			rc |= put(fd, "user.virtfs.mode", m->mode, 4);
		if (!rc && m->has_rdev)
			rc |= put(fd, "user.virtfs.rdev", m->rdev, 8);
	}
	close(fd);
	if (rc) {
		warn_at(path, name, "cannot write its xattrs: %s", strerror(errno));
		failed++;
		return;
	}
	if (verbose)
		printf("%s/%s: uid %d gid %d mode %o\n", path, name, m->has_uid ? (int)m->uid : -1,
		       m->has_gid ? (int)m->gid : -1, m->has_mode ? m->mode : 0);
	imported++;
}

static bool plain_name(const char *n)
{
	return n[0] && strchr(n, '/') == NULL && strcmp(n, ".") && strcmp(n, "..");
}

/* The entries of dir's .virtfs_metadata, then that directory itself. */
static void import_meta_dir(int dir, const char *path)
{
	int mfd = openat(dir, META_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	struct meta m;
	bool clean = true;
	DIR *d;

	if (mfd < 0) {
		if (errno != ENOENT) {
			warn_at(path, META_DIR, "%s", strerror(errno));
			failed++;
		}
		return;
	}
	d = fdopendir(mfd);
	if (!d) {
		close(mfd);
		failed++;
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!plain_name(de->d_name) || read_meta(dirfd(d), de->d_name, &m) < 0) {
			warn_at(path, de->d_name, "skipped: unreadable metadata");
			skipped++;
			clean = false;
			continue;
		}
		apply(dir, path, de->d_name, &m);
		if (remove_meta && !dry_run && unlinkat(dirfd(d), de->d_name, 0) < 0)
			clean = false;
	}
	closedir(d);
	if (remove_meta && !dry_run && clean && unlinkat(dir, META_DIR, AT_REMOVEDIR) < 0) {
		warn_at(path, META_DIR, "not removed: %s", strerror(errno));
		failed++;
	}
}

static void walk(int dir, const char *path, int depth)
{
	struct dirent *de;
	int dupfd;
	DIR *d;

	if (depth > MAX_DEPTH) {
		warn_at(path, "", "deeper than %d levels; not imported", MAX_DEPTH);
		failed++;
		return;
	}
	import_meta_dir(dir, path);
	dupfd = dup(dir);
	d = dupfd < 0 ? NULL : fdopendir(dupfd);
	if (!d) {
		if (dupfd >= 0)
			close(dupfd);
		failed++;
		return;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, META_DIR))
			continue;
		fd = openat(dir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* not a directory (or a symlink to one) */
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		walk(fd, sub, depth + 1);
		close(fd);
	}
	closedir(d);
}

static void usage(FILE *f, int rc)
{
	fputs("Usage: p9guard-import-mapped-file [--remove-metadata] [--dry-run] [--verbose] DIR\n"
	      "Copy the metadata of a QEMU security_model=mapped-file share (.virtfs_metadata)\n"
	      "into the user.virtfs.* xattrs that p9guard --security-model mapped-xattr (and\n"
	      "QEMU's mapped-xattr) read.  Run as root while nothing serves DIR.\n"
	      "\n"
	      "  --remove-metadata  delete .virtfs_metadata and .virtfs_metadata_root after\n"
	      "                     importing them (otherwise the guest sees them as files)\n"
	      "  --dry-run          read and check only; change nothing\n"
	      "  --verbose          one line per entry imported\n",
	      f);
	exit(rc);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"remove-metadata", no_argument, NULL, 'r'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct meta m;
	int o, root;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'r':
			remove_meta = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc - 1)
		usage(stderr, 2);
	root = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		fprintf(stderr, "p9guard-import-mapped-file: %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	/* The export root's own metadata. */
	if (read_meta(root, META_ROOT, &m) == 0) {
		apply(root, argv[optind], ".", &m);
		if (remove_meta && !dry_run)
			unlinkat(root, META_ROOT, 0);
	}
	walk(root, argv[optind], 0);
	close(root);
	printf("%lu imported, %lu skipped, %lu failed%s\n", imported, skipped, failed,
	       dry_run ? " (dry run: nothing changed)" : "");
	return failed ? 1 : 0;
}
