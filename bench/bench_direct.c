/*
 * bench_direct.c - the p9bench workloads as system calls on the export
 * directory, with no server in between: the ceiling the 9P servers are
 * measured against.  Same fixtures, same names, one operation at a time per
 * thread (--inflight does not apply), as the calling user (--uid ignored).
 *
 *   walk-getattr  openat(O_PATH|O_NOFOLLOW) + fstat + close
 *   create        openat(O_CREAT|O_EXCL) + pwrite 4 KiB + close + unlinkat
 *   mkdir-rmdir   mkdirat + unlinkat(AT_REMOVEDIR)
 *   readdir       openat(O_DIRECTORY) + getdents64 (msize-24 buffer) + close
 *   seq*, rand*   pread/pwrite of the same sizes and offsets
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_run.h"

#define FILL_BUF (4u * 1024u * 1024u)

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int direct_mkdir_ok(int dfd, const char *name)
{
	if (mkdirat(dfd, name, 0777) && errno != EEXIST)
		return -errno;
	/* Other uids create in scratch directories: whatever the umask was. */
	if (fchmodat(dfd, name, 0777, 0))
		return -errno;
	return 0;
}

static int make_tree(int base, const char *dname, const char *pfx, int width, unsigned int n)
{
	char name[64];
	int dir, fd, rc;
	struct stat st;

	rc = direct_mkdir_ok(base, dname);
	if (rc)
		return rc;
	dir = openat(base, dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	snprintf(name, sizeof(name), "%s%0*u", pfx, width, n - 1);
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW)) {
		for (unsigned int i = 0; i < n && !rc; i++) {
			snprintf(name, sizeof(name), "%s%0*u", pfx, width, i);
			fd = openat(dir, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0)
				rc = -errno;
			else
				close(fd);
		}
	}
	close(dir);
	return rc;
}

static int make_data(int base, uint64_t size)
{
	struct stat st;
	uint8_t *buf;
	uint64_t off;
	int fd, rc = 0;

	if (!fstatat(base, "data", &st, AT_SYMLINK_NOFOLLOW) && (uint64_t)st.st_size >= size)
		return 0;
	fd = openat(base, "data", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	buf = malloc(FILL_BUF);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < FILL_BUF; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 12));
	for (off = 0; off < size && !rc;) {
		size_t want = size - off < FILL_BUF ? (size_t)(size - off) : FILL_BUF;
		ssize_t n = pwrite(fd, buf, want, (off_t)off);

		if (n <= 0)
			rc = n < 0 ? -errno : -EIO;
		else
			off += (uint64_t)n;
	}
	free(buf);
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int direct_prepare(struct run *run)
{
	const struct bench_opts *o = run->o;
	const char *what = "open";
	char name[32];
	int root, base = -1, rc = 0;

	run->unlink = UNLINK_UNLINKAT;
	root = open(o->direct_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		rc = -errno;
		goto out;
	}
	what = "mkdir " BENCH_PREFIX;
	rc = direct_mkdir_ok(root, BENCH_PREFIX);
	if (!rc) {
		base = openat(root, BENCH_PREFIX, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (base < 0)
			rc = -errno;
	}
	if (rc)
		goto out;
	switch (o->wl) {
	case WL_WALK_GETATTR:
		what = "make " BENCH_PREFIX "/wg";
		rc = make_tree(base, "wg", "f", 0, o->files);
		break;
	case WL_READDIR:
		what = "make " BENCH_PREFIX "/rd";
		rc = make_tree(base, "rd", "e", 5, o->entries);
		break;
	case WL_SEQREAD:
	case WL_RANDREAD:
		what = "write " BENCH_PREFIX "/data";
		rc = make_data(base, o->size);
		break;
	default:
		what = "mkdir " BENCH_PREFIX "/tN";
		for (unsigned int i = 0; i < o->conns && !rc; i++) {
			snprintf(name, sizeof(name), "t%u", i);
			rc = direct_mkdir_ok(base, name);
		}
		break;
	}
out:
	if (base >= 0)
		close(base);
	if (root >= 0)
		close(root);
	if (rc)
		fprintf(stderr, "p9bench: %s: prepare: %s: %s\n", o->direct_dir, what,
			strerror(-rc));
	return rc;
}

struct dconn {
	struct worker *w;
	const struct bench_opts *o;
	int dir, file;
	uint8_t *buf;
	size_t bufcap;
	uint64_t next_off, file_blocks, seq;
	uint32_t chunk;
};

static int fail_errno(struct dconn *d, const char *what, const char *name)
{
	int err = -errno;

	worker_fail(d->w, err, "%s %s: %s", what, name, strerror(-err));
	return err;
}

static int op_readdir(struct dconn *d)
{
	uint64_t entries = 0;
	long n;
	int fd = openat(d->dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return fail_errno(d, "open", "rd");
	while ((n = syscall(SYS_getdents64, fd, d->buf, d->bufcap)) > 0) {
		for (long pos = 0; pos < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(d->buf + pos);

			entries++;
			pos += e->d_reclen;
		}
		d->w->bytes += (uint64_t)n;
	}
	if (n < 0) {
		n = fail_errno(d, "getdents64", "rd");
		close(fd);
		return (int)n;
	}
	close(fd);
	if (entries < d->o->entries) {
		worker_fail(d->w, -EPROTO, "readdir: %" PRIu64 " entries, expected %u", entries,
			    d->o->entries);
		return -EPROTO;
	}
	return 0;
}

static int op_io(struct dconn *d)
{
	struct worker *w = d->w;
	uint64_t off;
	uint32_t len;
	ssize_t n;

	if (d->o->wl == WL_RANDREAD) {
		off = (rng_next(&w->rng) % d->file_blocks) * RAND_BLOCK;
		len = RAND_BLOCK;
	} else {
		uint64_t left;

		if (d->next_off >= w->slice_len)
			d->next_off = 0;
		left = w->slice_len - d->next_off;
		off = w->slice_off + d->next_off;
		len = left < d->chunk ? (uint32_t)left : d->chunk;
		d->next_off += len;
	}
	if (d->o->wl == WL_SEQWRITE)
		n = pwrite(d->file, d->buf, len, (off_t)off);
	else
		n = pread(d->file, d->buf, len, (off_t)off);
	if (n < 0)
		return fail_errno(d, d->o->wl == WL_SEQWRITE ? "pwrite" : "pread", "");
	if ((uint32_t)n != len) {
		worker_fail(w, -EIO, "short I/O at %" PRIu64 ": %zd of %u", off, n, len);
		return -EIO;
	}
	w->bytes += len;
	return 0;
}

static int op(struct dconn *d)
{
	char name[64];
	struct stat st;
	int fd;

	switch (d->o->wl) {
	case WL_WALK_GETATTR:
		snprintf(name, sizeof(name), "f%u",
			 (unsigned int)(rng_next(&d->w->rng) % d->o->files));
		fd = openat(d->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return fail_errno(d, "open", name);
		if (fstat(fd, &st)) {
			close(fd);
			return fail_errno(d, "fstat", name);
		}
		close(fd);
		return 0;
	case WL_CREATE:
		snprintf(name, sizeof(name), "c%ld.0.%" PRIu64, (long)getpid(), ++d->seq);
		fd = openat(d->dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail_errno(d, "create", name);
		if (pwrite(fd, d->buf, CREATE_SIZE, 0) != CREATE_SIZE) {
			close(fd);
			return fail_errno(d, "pwrite", name);
		}
		close(fd);
		d->w->bytes += CREATE_SIZE;
		if (unlinkat(d->dir, name, 0))
			return fail_errno(d, "unlink", name);
		return 0;
	case WL_MKDIR_RMDIR:
		snprintf(name, sizeof(name), "d%ld.0.%" PRIu64, (long)getpid(), ++d->seq);
		if (mkdirat(d->dir, name, 0755))
			return fail_errno(d, "mkdir", name);
		if (unlinkat(d->dir, name, AT_REMOVEDIR))
			return fail_errno(d, "rmdir", name);
		return 0;
	case WL_READDIR:
		return op_readdir(d);
	default:
		return op_io(d);
	}
}

static int dconn_setup(struct dconn *d)
{
	const struct bench_opts *o = d->o;
	char name[32];
	const char *what = o->direct_dir;
	int root, base = -1, rc = 0;

	d->chunk = d->w->run->chunk;
	root = open(o->direct_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0) {
		what = BENCH_PREFIX;
		base = openat(root, BENCH_PREFIX, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(root);
	}
	if (base < 0)
		goto fail;
	switch (o->wl) {
	case WL_WALK_GETATTR:
		what = "wg";
		d->dir = openat(base, "wg", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->dir < 0)
			goto fail;
		break;
	case WL_READDIR:
		what = "rd";
		d->dir = openat(base, "rd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->dir < 0)
			goto fail;
		d->bufcap = d->w->run->msize - 24;
		break;
	case WL_CREATE:
	case WL_MKDIR_RMDIR:
	case WL_SEQWRITE:
		snprintf(name, sizeof(name), "t%u", d->w->id);
		what = name;
		d->dir = openat(base, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d->dir < 0)
			goto fail;
		if (o->wl == WL_SEQWRITE) {
			what = "tN/seq";
			d->file = openat(d->dir, "seq", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
					 0644);
			if (d->file < 0)
				goto fail;
		}
		d->bufcap = o->wl == WL_SEQWRITE ? d->chunk : CREATE_SIZE;
		break;
	default:
		what = "data";
		d->file = openat(base, "data", O_RDONLY | O_CLOEXEC);
		if (d->file < 0)
			goto fail;
		d->file_blocks = o->size / RAND_BLOCK;
		d->bufcap = o->wl == WL_RANDREAD ? RAND_BLOCK : d->chunk;
		break;
	}
	close(base);
	base = -1;
	d->buf = malloc(d->bufcap ? d->bufcap : 1);
	if (!d->buf) {
		errno = ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < d->bufcap; i++)
		d->buf[i] = (uint8_t)(i * 7 + d->w->id);
	return 0;
fail:
	rc = fail_errno(d, "open", what);
	if (base >= 0)
		close(base);
	return rc;
}

void *direct_thread(void *arg)
{
	struct worker *w = arg;
	struct dconn d = { .w = w, .o = w->run->o, .dir = -1, .file = -1 };
	int rc = dconn_setup(&d);

	worker_start(w);
	w->t_end = w->t_start;
	while (!rc && worker_more(w, w->ops)) {
		uint64_t t0 = now_ns(), t1;

		rc = op(&d);
		if (rc)
			break;
		t1 = now_ns();
		w->ops++;
		w->t_end = t1;
		if (lat_add(&w->lat, t1 - t0)) {
			worker_fail(w, -ENOMEM, "out of memory");
			break;
		}
	}
	if (d.file >= 0)
		close(d.file);
	if (d.dir >= 0)
		close(d.dir);
	free(d.buf);
	return NULL;
}
