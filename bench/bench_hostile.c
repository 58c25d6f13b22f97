/*
 * bench_hostile.c - workloads a hostile client would send to make the
 * server burn CPU (issue 22, finding 5), one operation at a time:
 *
 *   fid-flood    the connection holds --held fids whose numbers all fall in
 *                one bucket of an unkeyed multiplicative hash (p9guard's
 *                fid table before it was keyed), then does walk+getattr+
 *                clunk of PREFIX with another such number; each lookup
 *                scans the chain of a table that has one.
 *   rename-held  the connection holds --held handles (one walk to each of
 *                PREFIX/held/hN), then renames PREFIX/tN/a to b and back
 *                (Trenameat; Twalk+Trename+Tclunk where the server has no
 *                Trenameat, as diod);
 *                a server that looks at every handle on a rename pays
 *                for all of them each time.
 *   dotdot-deep  a fid at the bottom of PREFIX/deep (--depth directories
 *                "d"), then Twalk ".." from it + Tclunk; a server that
 *                checks the parent by climbing to the export root pays
 *                the depth each time.
 *
 * --direct does the same system calls on the export (fstatat; renameat;
 * openat "..") as the ceiling.  Fixtures are made when missing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9client/p9_client.h"
#include "bench_run.h"

/* Names per Twalk while descending (9P's limit). */
#define WALK_MAX 16

int is_hostile(enum workload wl)
{
	return wl == WL_FID_FLOOD || wl == WL_RENAME_HELD || wl == WL_DOTDOT_DEEP;
}

/*
 * The k-th fid number (from 2^24 up) that the hash (n * 2654435761) >> 24
 * puts in bucket 0; *cursor remembers where the search stopped.
 */
static uint32_t next_colliding(uint32_t *cursor)
{
	uint32_t n = *cursor ? *cursor : 1u << 24;

	while (((n * 2654435761u) >> 24) != 0)
		n++;
	*cursor = n + 1;
	return n;
}

/* ---- fixtures ---- */

static int direct_fixtures(const struct bench_opts *o, int base)
{
	char name[32];
	int fd, d, rc;

	if ((rc = direct_mkdir_ok(base, "held")))
		return rc;
	d = openat(base, "held", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return -errno;
	for (unsigned int i = 0; i < o->held; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		fd = openat(d, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			close(d);
			return rc;
		}
		close(fd);
	}
	close(d);
	for (unsigned int i = 0; i < o->conns; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		if ((rc = direct_mkdir_ok(base, name)))
			return rc;
		snprintf(name, sizeof(name), "t%u/a", i);
		if (faccessat(base, name, F_OK, 0) != 0) {
			snprintf(name, sizeof(name), "t%u/b", i);
			if (faccessat(base, name, F_OK, 0) != 0) {
				snprintf(name, sizeof(name), "t%u/a", i);
				fd = openat(base, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
				if (fd < 0)
					return -errno;
				close(fd);
			}
		}
	}
	if ((rc = direct_mkdir_ok(base, "deep")))
		return rc;
	d = openat(base, "deep", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (unsigned int i = 0; d >= 0 && i < o->depth; i++) {
		int next;

		if (mkdirat(d, "d", 0755) && errno != EEXIST) {
			rc = -errno;
			close(d);
			return rc;
		}
		next = openat(d, "d", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(d);
		d = next;
	}
	if (d < 0)
		return -errno;
	close(d);
	return 0;
}

/* The same fixtures over 9P (when p9bench runs alone against a server). */
static int fixtures_9p(const struct bench_opts *o, struct p9_client *c, uint32_t base)
{
	uint32_t d, f;
	char name[32];
	int rc;

	if ((rc = b9_mkdir_ok(c, base, "held", o->gid)) || (rc = b9_walk1(c, base, "held", &d)))
		return rc;
	for (unsigned int i = 0; i < o->held && !rc; i++) {
		snprintf(name, sizeof(name), "h%u", i);
		if (b9_walk1(c, d, name, &f) == 0) {
			b9_clunk_put(c, f);
			continue;
		}
		if ((rc = b9_walk1(c, d, NULL, &f)))
			break;
		rc = p9c_lcreate(c, f, name, P9_DOTL_WRONLY | P9_DOTL_CREATE, 0644, o->gid, NULL,
				 NULL);
		b9_clunk_put(c, f);
	}
	b9_clunk_put(c, d);
	for (unsigned int i = 0; i < o->conns && !rc; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		if ((rc = b9_mkdir_ok(c, base, name, o->gid)) || (rc = b9_walk1(c, base, name, &d)))
			break;
		if (b9_walk1(c, d, "a", &f) == 0 || b9_walk1(c, d, "b", &f) == 0) {
			b9_clunk_put(c, f);
		} else if (!(rc = b9_walk1(c, d, NULL, &f))) {
			rc = p9c_lcreate(c, f, "a", P9_DOTL_WRONLY | P9_DOTL_CREATE, 0644, o->gid,
					 NULL, NULL);
			b9_clunk_put(c, f);
		}
		b9_clunk_put(c, d);
	}
	if (rc || (rc = b9_mkdir_ok(c, base, "deep", o->gid)) || (rc = b9_walk1(c, base, "deep", &d)))
		return rc;
	for (unsigned int i = 0; i < o->depth && !rc; i++) {
		if (!(rc = b9_mkdir_ok(c, d, "d", o->gid)) && !(rc = b9_walk1(c, d, "d", &f))) {
			b9_clunk_put(c, d);
			d = f;
		}
	}
	b9_clunk_put(c, d);
	return rc;
}

int hostile_prepare(struct run *run)
{
	const struct bench_opts *o = run->o;
	struct p9_client *c;
	uint32_t root, base = P9_NOFID;
	int rc, fd;

	if (o->direct_dir) {
		fd = open(o->direct_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = fd < 0 ? -errno : direct_mkdir_ok(fd, BENCH_PREFIX);
		if (!rc) {
			int b = openat(fd, BENCH_PREFIX, O_PATH | O_DIRECTORY | O_CLOEXEC);

			rc = b < 0 ? -errno : direct_fixtures(o, b);
			if (b >= 0)
				close(b);
		}
		if (fd >= 0)
			close(fd);
	} else {
		rc = b9_connect_attach(o, &c, &root);
		if (!rc) {
			run->msize = p9c_msize(c);
			rc = b9_mkdir_ok(c, root, BENCH_PREFIX, o->gid);
			if (!rc)
				rc = b9_walk1(c, root, BENCH_PREFIX, &base);
			if (!rc)
				rc = fixtures_9p(o, c, base);
			b9_clunk_put(c, base);
			b9_clunk_put(c, root);
			p9c_close(c);
		}
	}
	if (rc)
		fprintf(stderr, "p9bench: %s: prepare %s: %s\n",
			o->direct_dir ? o->direct_dir : o->unix_path, workload_names[o->wl],
			strerror(-rc));
	return rc;
}

/* ---- over 9P ---- */

struct hconn {
	struct worker *w;
	const struct bench_opts *o;
	struct p9_client *c;
	uint32_t root, base, dir, bottom;
	uint32_t *held;
	unsigned int nheld;
	uint32_t cursor, opfid;
	int flip;
	bool trename;	/* the server has no Trenameat */
};

/* Rename dir/from to dir/to with Twalk + Trename + Tclunk. */
static int rename_fid(struct hconn *k, const char *from, const char *to)
{
	uint32_t f;
	int rc = b9_walk1(k->c, k->dir, from, &f);

	if (rc)
		return rc;
	rc = p9c_rename(k->c, f, k->dir, to);
	b9_clunk_put(k->c, f);
	return rc;
}

/* Walk from fid to the fid number nf along `path` ("" for a clone). */
static int walk_to(struct p9_client *c, uint32_t fid, uint32_t nf, const char *path)
{
	int rc = p9c_walk_path(c, fid, nf, path, NULL);

	return rc < 0 ? rc : 0;
}

static int hconn_setup(struct hconn *k)
{
	const struct bench_opts *o = k->o;
	char name[32];
	int rc;

	rc = b9_connect_attach(o, &k->c, &k->root);
	if (!rc)
		rc = b9_walk1(k->c, k->root, BENCH_PREFIX, &k->base);
	if (rc)
		return rc;
	k->held = calloc(o->held ? o->held : 1, sizeof(*k->held));
	if (!k->held)
		return -ENOMEM;
	switch (o->wl) {
	case WL_FID_FLOOD:
		for (; k->nheld < o->held; k->nheld++) {
			k->held[k->nheld] = next_colliding(&k->cursor);
			if ((rc = walk_to(k->c, k->root, k->held[k->nheld], "")))
				return rc;
		}
		k->opfid = next_colliding(&k->cursor);
		return 0;
	case WL_RENAME_HELD: {
		uint32_t hd;

		/* One name per walk from the directory, as the Linux client
		 * does: the handles share their parent. */
		if ((rc = b9_walk1(k->c, k->base, "held", &hd)))
			return rc;
		for (; k->nheld < o->held && !rc; k->nheld++) {
			snprintf(name, sizeof(name), "h%u", k->nheld);
			rc = b9_walk1(k->c, hd, name, &k->held[k->nheld]);
		}
		b9_clunk_put(k->c, hd);
		snprintf(name, sizeof(name), "t%u", k->w->id);
		if (!rc)
			rc = b9_walk1(k->c, k->base, name, &k->dir);
		if (rc)
			return rc;
		/* Start from "a", whatever an interrupted run left.  A server
		 * without Trenameat (diod) gets Trename, as from Linux. */
		k->trename = p9c_renameat(k->c, k->dir, "b", k->dir, "a") == -EOPNOTSUPP;
		if (k->trename)
			rename_fid(k, "b", "a");
		return 0;
	}
	default: {
		uint32_t cur, nf;

		if ((rc = b9_walk1(k->c, k->base, "deep", &cur)))
			return rc;
		for (unsigned int left = o->depth; left > 0 && !rc;) {
			unsigned int n = left < WALK_MAX ? left : WALK_MAX;
			const char *names[WALK_MAX];

			for (unsigned int i = 0; i < n; i++)
				names[i] = "d";
			nf = p9c_fid_get(k->c);
			rc = p9c_walk(k->c, cur, nf, (uint16_t)n, names, NULL);
			rc = rc == (int)n ? 0 : rc < 0 ? rc : -ENOENT;
			b9_clunk_put(k->c, cur);
			cur = nf;
			left -= n;
		}
		k->bottom = cur;
		return rc;
	}
	}
}

static int hconn_op(struct hconn *k)
{
	static const char *const up[] = { ".." };
	struct p9_rgetattr ga;
	uint32_t nf;
	int rc;

	switch (k->o->wl) {
	case WL_FID_FLOOD:
		rc = walk_to(k->c, k->root, k->opfid, BENCH_PREFIX);
		if (!rc)
			rc = p9c_getattr(k->c, k->opfid, P9_GETATTR_BASIC, &ga);
		if (rc != -EBADF)
			p9c_clunk(k->c, k->opfid);
		return rc;
	case WL_RENAME_HELD:
		if (k->trename)
			rc = rename_fid(k, k->flip ? "b" : "a", k->flip ? "a" : "b");
		else
			rc = p9c_renameat(k->c, k->dir, k->flip ? "b" : "a", k->dir,
					  k->flip ? "a" : "b");
		k->flip = !k->flip;
		return rc;
	default:
		nf = p9c_fid_get(k->c);
		rc = p9c_walk(k->c, k->bottom, nf, 1, up, NULL);
		if (rc == 1) {
			rc = 0;
			p9c_clunk(k->c, nf);
		} else if (rc >= 0) {
			rc = -ENOENT;
		}
		p9c_fid_put(k->c, nf);
		return rc;
	}
}

/* ---- direct ---- */

struct hdirect {
	int base, dir, bottom;
	int flip;
};

static int hdirect_setup(const struct bench_opts *o, struct worker *w, struct hdirect *d)
{
	char name[32];
	int cur;

	d->base = open(o->direct_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->base < 0)
		return -errno;
	snprintf(name, sizeof(name), BENCH_PREFIX "/t%u", w->id);
	d->dir = openat(d->base, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->dir < 0)
		return -errno;
	if (renameat(d->dir, "b", d->dir, "a") == 0)
		d->flip = 0;
	cur = openat(d->base, BENCH_PREFIX "/deep", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (unsigned int i = 0; cur >= 0 && i < o->depth; i++) {
		int next = openat(cur, "d", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		close(cur);
		cur = next;
	}
	if (cur < 0)
		return -errno;
	d->bottom = cur;
	return 0;
}

static int hdirect_op(const struct bench_opts *o, struct hdirect *d)
{
	struct stat st;
	int fd;

	switch (o->wl) {
	case WL_FID_FLOOD:
		return fstatat(d->base, BENCH_PREFIX, &st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	case WL_RENAME_HELD:
		if (renameat(d->dir, d->flip ? "b" : "a", d->dir, d->flip ? "a" : "b"))
			return -errno;
		d->flip = !d->flip;
		return 0;
	default:
		fd = openat(d->bottom, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
}

void *hostile_thread(void *arg)
{
	struct worker *w = arg;
	const struct bench_opts *o = w->run->o;
	struct hconn k = { .w = w, .o = o, .root = P9_NOFID, .base = P9_NOFID,
			   .dir = P9_NOFID, .bottom = P9_NOFID };
	struct hdirect d = { .base = -1, .dir = -1, .bottom = -1 };
	int rc = o->direct_dir ? hdirect_setup(o, w, &d) : hconn_setup(&k);

	if (rc)
		worker_fail(w, rc, "setup: %s", strerror(-rc));
	worker_start(w);
	w->t_end = w->t_start;
	while (!rc && worker_more(w, w->ops)) {
		uint64_t t0 = now_ns(), t1;

		rc = o->direct_dir ? hdirect_op(o, &d) : hconn_op(&k);
		if (rc) {
			worker_fail(w, rc, "%s: %s", workload_names[o->wl], strerror(-rc));
			break;
		}
		t1 = now_ns();
		w->ops++;
		w->t_end = t1;
		if (lat_add(&w->lat, t1 - t0)) {
			worker_fail(w, -ENOMEM, "out of memory");
			break;
		}
	}
	if (k.c) {
		p9c_close(k.c);	/* the server forgets the fids with the session */
		free(k.held);
	}
	if (d.bottom >= 0)
		close(d.bottom);
	if (d.dir >= 0)
		close(d.dir);
	if (d.base >= 0)
		close(d.base);
	return NULL;
}
