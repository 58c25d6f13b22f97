/*
 * bench_9p.c - p9bench workloads over 9P2000.L (see bench_run.h).
 *
 * Each connection keeps `inflight` operations going.  An operation is a
 * short chain of requests (walk, getattr, clunk, ...) driven by step():
 * given the reply to its previous request it builds the next one, or says
 * the operation is complete.  The engine waits for slots in the order their
 * requests were sent (replies mostly come in that order), so with several
 * in flight a latency can include a little head-of-line waiting.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_run.h"
#include "p9client/p9_client.h"

#define FILL_BUF (4u * 1024u * 1024u)	/* writing the seqread data file */

struct slot {
	struct p9c_req *req;
	int step;
	uint64_t t0;
	uint32_t fid, fid2;
	uint64_t off;		/* readdir cookie, or I/O offset */
	uint32_t len;		/* I/O length */
	uint64_t seq;		/* operations begun on this slot (names) */
	uint64_t entries;	/* readdir: entries seen in this listing */
	uint8_t *buf;		/* Rread/Rreaddir sink */
	uint32_t bufcap;
	char name[64];
};

struct conn9p {
	struct worker *w;
	struct run *run;
	struct p9_client *c;
	uint32_t root, base, dir, file;
	uint32_t iosize;
	uint64_t begun;
	uint64_t next_off;	/* seqread/seqwrite: offset within the slice */
	uint64_t file_blocks;	/* randread: RAND_BLOCK blocks in the data file */
	uint8_t *wdata;
};

/* ---- small synchronous helpers (setup, untimed) ---- */

int b9_connect_attach(const struct bench_opts *o, struct p9_client **cp, uint32_t *root)
{
	struct p9_client *c;
	int rc;

	rc = p9c_connect_unix(o->unix_path, o->msize, &c);
	if (rc)
		return rc;
	p9c_set_timeout(c, o->timeout_ms);
	*root = p9c_fid_get(c);
	rc = p9c_attach(c, *root, P9_NOFID, "", o->aname, o->uid, NULL);
	if (rc) {
		p9c_close(c);
		return rc;
	}
	*cp = c;
	return 0;
}

int b9_walk1(struct p9_client *c, uint32_t fid, const char *name, uint32_t *out)
{
	uint32_t nf = p9c_fid_get(c);
	int rc;

	if (nf == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk(c, fid, nf, name ? 1 : 0, name ? &name : NULL, NULL);
	if (rc >= 0 && rc != (name ? 1 : 0))
		rc = -ENOENT;
	if (rc < 0) {
		p9c_fid_put(c, nf);
		return rc;
	}
	*out = nf;
	return 0;
}

void b9_clunk_put(struct p9_client *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	p9c_clunk(c, fid);
	p9c_fid_put(c, fid);
}

int b9_mkdir_ok(struct p9_client *c, uint32_t dfid, const char *name, uint32_t gid)
{
	int rc = p9c_mkdir(c, dfid, name, 0777, gid, NULL);

	return rc == -EEXIST ? 0 : rc;
}

/* Create (or open) dfid/name for writing; *fid is then open. */
static int open_for_write(struct p9_client *c, uint32_t dfid, const char *name, uint32_t gid,
			  uint32_t *fid)
{
	int rc = b9_walk1(c, dfid, NULL, fid);

	if (rc)
		return rc;
	rc = p9c_lcreate(c, *fid, name, P9_DOTL_WRONLY | P9_DOTL_CREATE | P9_DOTL_TRUNC, 0644,
			 gid, NULL, NULL);
	if (rc) {
		b9_clunk_put(c, *fid);
		*fid = P9_NOFID;
	}
	return rc;
}

static int exists(struct p9_client *c, uint32_t dfid, const char *name)
{
	uint32_t fid;

	if (b9_walk1(c, dfid, name, &fid))
		return 0;
	b9_clunk_put(c, fid);
	return 1;
}

/* Make dfid/dname holding n empty files PFX<i> (i zero-padded to width),
 * unless the last one is there. */
static int make_tree(struct p9_client *c, uint32_t dfid, const char *dname, const char *pfx,
		     int width, unsigned int n, uint32_t gid)
{
	char name[64];
	uint32_t dir, fid;
	int rc;

	rc = b9_mkdir_ok(c, dfid, dname, gid);
	if (!rc)
		rc = b9_walk1(c, dfid, dname, &dir);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%s%0*u", pfx, width, n - 1);
	if (!exists(c, dir, name)) {
		for (unsigned int i = 0; i < n && !rc; i++) {
			snprintf(name, sizeof(name), "%s%0*u", pfx, width, i);
			rc = open_for_write(c, dir, name, gid, &fid);
			if (!rc)
				b9_clunk_put(c, fid);
		}
	}
	b9_clunk_put(c, dir);
	return rc;
}

static int make_data(struct p9_client *c, uint32_t base, uint64_t size, uint32_t gid)
{
	struct p9_rgetattr ga;
	uint32_t fid;
	uint8_t *buf;
	uint64_t off;
	ssize_t n;
	int rc;

	if (!b9_walk1(c, base, "data", &fid)) {
		rc = p9c_getattr(c, fid, P9_GETATTR_SIZE, &ga);
		b9_clunk_put(c, fid);
		if (!rc && ga.size >= size)
			return 0;
	}
	rc = open_for_write(c, base, "data", gid, &fid);
	if (rc)
		return rc;
	buf = malloc(FILL_BUF);
	if (!buf) {
		b9_clunk_put(c, fid);
		return -ENOMEM;
	}
	for (size_t i = 0; i < FILL_BUF; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 12));
	for (off = 0; off < size; off += (uint64_t)n) {
		size_t want = size - off < FILL_BUF ? (size_t)(size - off) : FILL_BUF;

		n = p9c_write(c, fid, off, buf, want);
		if (n <= 0) {
			rc = n < 0 ? (int)n : -EIO;
			break;
		}
	}
	free(buf);
	b9_clunk_put(c, fid);
	return rc;
}

int bench9p_prepare(struct run *run)
{
	const struct bench_opts *o = run->o;
	struct p9_client *c;
	uint32_t root, base = P9_NOFID;
	char name[32];
	int rc;
	const char *what = "connect";

	rc = b9_connect_attach(o, &c, &root);
	if (rc)
		goto out;
	run->msize = p9c_msize(c);
	what = "mkdir " BENCH_PREFIX;
	rc = b9_mkdir_ok(c, root, BENCH_PREFIX, o->gid);
	if (!rc)
		rc = b9_walk1(c, root, BENCH_PREFIX, &base);
	if (rc)
		goto out_close;
	if (run->unlink == UNLINK_AUTO) {
		/* diod has no Tunlinkat: it answers EOPNOTSUPP as Linux expects. */
		rc = p9c_unlinkat(c, base, "p9bench-probe-absent", 0);
		run->unlink = (rc == -EOPNOTSUPP || rc == -ENOSYS) ? UNLINK_REMOVE
								   : UNLINK_UNLINKAT;
	}
	switch (o->wl) {
	case WL_WALK_GETATTR:
		what = "make " BENCH_PREFIX "/wg";
		rc = make_tree(c, base, "wg", "f", 0, o->files, o->gid);
		break;
	case WL_READDIR:
		what = "make " BENCH_PREFIX "/rd";
		rc = make_tree(c, base, "rd", "e", 5, o->entries, o->gid);
		break;
	case WL_SEQREAD:
	case WL_RANDREAD:
		what = "write " BENCH_PREFIX "/data";
		rc = make_data(c, base, o->size, o->gid);
		break;
	default:
		what = "mkdir " BENCH_PREFIX "/tN";
		rc = 0;
		for (unsigned int i = 0; i < o->conns && !rc; i++) {
			snprintf(name, sizeof(name), "t%u", i);
			rc = b9_mkdir_ok(c, base, name, o->gid);
		}
		break;
	}
out_close:
	b9_clunk_put(c, base);
	p9c_close(c);
out:
	if (rc)
		fprintf(stderr, "p9bench: %s: prepare: %s: %s\n", o->unix_path, what,
			strerror(-rc));
	return rc;
}

/* ---- the operations ---- */

enum { STEP_DONE = 0, STEP_SEND = 1 };

static int bad(struct conn9p *k, struct slot *s, int rc, const char *what)
{
	worker_fail(k->w, rc ? rc : -EPROTO, "%s %s: %s", what, s->name,
		    rc ? strerror(-rc) : "unexpected reply");
	return rc ? rc : -EPROTO;
}

static void set_walk(struct p9_msg *t, uint32_t fid, uint32_t newfid, const char *name)
{
	t->type = P9_TWALK;
	t->u.twalk.fid = fid;
	t->u.twalk.newfid = newfid;
	t->u.twalk.nwname = name ? 1 : 0;
	if (name)
		t->u.twalk.wname[0] = p9_str_c(name);
}

static void set_fid(struct p9_msg *t, uint8_t type, uint32_t fid)
{
	t->type = type;
	t->u.tfid.fid = fid;
}

/* Remove dir/name: Tunlinkat, or Twalk + Tremove; `next` is the step after. */
static int send_unlink(struct conn9p *k, struct slot *s, struct p9_msg *t, uint32_t flags,
		       int walk_step, int done_step)
{
	if (k->run->unlink == UNLINK_UNLINKAT) {
		t->type = P9_TUNLINKAT;
		t->u.tunlinkat.dirfid = k->dir;
		t->u.tunlinkat.name = p9_str_c(s->name);
		t->u.tunlinkat.flags = flags;
		s->step = done_step;
	} else {
		set_walk(t, k->dir, s->fid2, s->name);
		s->step = walk_step;
	}
	return STEP_SEND;
}

static int step_walk_getattr(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
			     struct p9_msg *t)
{
	const struct bench_opts *o = k->run->o;

	switch (s->step) {
	case 0:
		snprintf(s->name, sizeof(s->name), "f%u",
			 (unsigned int)(rng_next(&k->w->rng) % o->files));
		set_walk(t, k->dir, s->fid, s->name);
		s->step = 1;
		return STEP_SEND;
	case 1:
		if (rc || m->u.rwalk.nwqid != 1)
			return bad(k, s, rc, "walk");
		t->type = P9_TGETATTR;
		t->u.tgetattr.fid = s->fid;
		t->u.tgetattr.request_mask = P9_GETATTR_BASIC;
		s->step = 2;
		return STEP_SEND;
	case 2:
		if (rc)
			return bad(k, s, rc, "getattr");
		set_fid(t, P9_TCLUNK, s->fid);
		s->step = 3;
		return STEP_SEND;
	default:
		if (rc)
			return bad(k, s, rc, "clunk");
		return STEP_DONE;
	}
}

static int step_create(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
		       struct p9_msg *t)
{
	switch (s->step) {
	case 0:
		snprintf(s->name, sizeof(s->name), "c%ld.%u.%" PRIu64, (long)getpid(), s->fid,
			 s->seq);
		set_walk(t, k->dir, s->fid, NULL);
		s->step = 1;
		return STEP_SEND;
	case 1:
		if (rc)
			return bad(k, s, rc, "walk (clone)");
		t->type = P9_TLCREATE;
		t->u.tlcreate.fid = s->fid;
		t->u.tlcreate.name = p9_str_c(s->name);
		t->u.tlcreate.flags = P9_DOTL_WRONLY | P9_DOTL_CREATE | P9_DOTL_EXCL;
		t->u.tlcreate.mode = 0644;
		t->u.tlcreate.gid = k->run->o->gid;
		s->step = 2;
		return STEP_SEND;
	case 2:
		if (rc)
			return bad(k, s, rc, "lcreate");
		t->type = P9_TWRITE;
		t->u.twrite.fid = s->fid;
		t->u.twrite.offset = 0;
		t->u.twrite.count = CREATE_SIZE;
		t->u.twrite.data = k->wdata;
		s->step = 3;
		return STEP_SEND;
	case 3:
		if (rc || m->u.rwrite.count != CREATE_SIZE)
			return bad(k, s, rc, "write");
		k->w->bytes += CREATE_SIZE;
		set_fid(t, P9_TCLUNK, s->fid);
		s->step = 4;
		return STEP_SEND;
	case 4:
		if (rc)
			return bad(k, s, rc, "clunk");
		return send_unlink(k, s, t, 0, 5, 6);
	case 5:
		if (rc || m->u.rwalk.nwqid != 1)
			return bad(k, s, rc, "walk");
		set_fid(t, P9_TREMOVE, s->fid2);
		s->step = 6;
		return STEP_SEND;
	default:
		if (rc)
			return bad(k, s, rc, "unlink");
		return STEP_DONE;
	}
}

static int step_mkdir_rmdir(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
			    struct p9_msg *t)
{
	switch (s->step) {
	case 0:
		t->type = P9_TMKDIR;
		t->u.tmkdir.dfid = k->dir;
		t->u.tmkdir.name = p9_str_c(s->name);
		t->u.tmkdir.mode = 0755;
		t->u.tmkdir.gid = k->run->o->gid;
		s->step = 1;
		return STEP_SEND;
	case 1:
		if (rc)
			return bad(k, s, rc, "mkdir");
		return send_unlink(k, s, t, P9_AT_REMOVEDIR, 2, 3);
	case 2:
		if (rc || m->u.rwalk.nwqid != 1)
			return bad(k, s, rc, "walk");
		set_fid(t, P9_TREMOVE, s->fid2);
		s->step = 3;
		return STEP_SEND;
	default:
		if (rc)
			return bad(k, s, rc, "rmdir");
		return STEP_DONE;
	}
}

static int step_readdir(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
			struct p9_msg *t)
{
	struct p9_dirent d;
	size_t pos = 0;
	int n;

	switch (s->step) {
	case 0:
		s->off = 0;
		s->entries = 0;
		set_walk(t, k->dir, s->fid, NULL);
		s->step = 1;
		return STEP_SEND;
	case 1:
		if (rc)
			return bad(k, s, rc, "walk (clone)");
		t->type = P9_TLOPEN;
		t->u.tlopen.fid = s->fid;
		t->u.tlopen.flags = P9_DOTL_RDONLY | P9_DOTL_DIRECTORY;
		s->step = 2;
		return STEP_SEND;
	case 2:
		if (rc)
			return bad(k, s, rc, "lopen");
		break;
	case 3:
		if (rc)
			return bad(k, s, rc, "readdir");
		k->w->bytes += m->u.rreaddir.count;
		if (!m->u.rreaddir.count) {
			if (s->entries < k->run->o->entries) {
				worker_fail(k->w, -EPROTO, "readdir: %" PRIu64 " entries, expected"
					    " at least %u", s->entries, k->run->o->entries);
				return -EPROTO;
			}
			set_fid(t, P9_TCLUNK, s->fid);
			s->step = 4;
			return STEP_SEND;
		}
		while ((n = p9_dirent_next(m->u.rreaddir.data, m->u.rreaddir.count, &pos,
					   &d)) > 0) {
			s->entries++;
			s->off = d.offset;
		}
		if (n < 0)
			return bad(k, s, 0, "readdir entry");
		break;
	default:
		if (rc)
			return bad(k, s, rc, "clunk");
		return STEP_DONE;
	}
	t->type = P9_TREADDIR;
	t->u.treaddir.fid = s->fid;
	t->u.treaddir.offset = s->off;
	t->u.treaddir.count = s->bufcap;
	s->step = 3;
	return STEP_SEND;
}

/* One Tread or Twrite of the sequential slice, or one random block. */
static int step_io(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
		   struct p9_msg *t)
{
	struct worker *w = k->w;
	enum workload wl = k->run->o->wl;
	uint32_t got;

	if (s->step == 0) {
		if (wl == WL_RANDREAD) {
			s->off = (rng_next(&w->rng) % k->file_blocks) * RAND_BLOCK;
			s->len = RAND_BLOCK;
		} else {
			uint64_t left;

			if (k->next_off >= w->slice_len)
				k->next_off = 0;	/* time- or count-bound: wrap */
			left = w->slice_len - k->next_off;
			s->off = w->slice_off + k->next_off;
			s->len = left < k->run->chunk ? (uint32_t)left : k->run->chunk;
			k->next_off += s->len;
		}
		if (wl == WL_SEQWRITE) {
			t->type = P9_TWRITE;
			t->u.twrite.fid = k->file;
			t->u.twrite.offset = s->off;
			t->u.twrite.count = s->len;
			t->u.twrite.data = k->wdata;
		} else {
			t->type = P9_TREAD;
			t->u.tread.fid = k->file;
			t->u.tread.offset = s->off;
			t->u.tread.count = s->len;
		}
		snprintf(s->name, sizeof(s->name), "at %" PRIu64, s->off);
		s->step = 1;
		return STEP_SEND;
	}
	if (rc)
		return bad(k, s, rc, wl == WL_SEQWRITE ? "write" : "read");
	got = wl == WL_SEQWRITE ? m->u.rwrite.count : m->u.rread.count;
	if (got != s->len) {
		worker_fail(w, -EIO, "short %s at %" PRIu64 ": %u of %u bytes",
			    wl == WL_SEQWRITE ? "write" : "read", s->off, got, s->len);
		return -EIO;
	}
	w->bytes += got;
	return STEP_DONE;
}

static int step(struct conn9p *k, struct slot *s, int rc, const struct p9_msg *m,
		struct p9_msg *t)
{
	switch (k->run->o->wl) {
	case WL_WALK_GETATTR:
		return step_walk_getattr(k, s, rc, m, t);
	case WL_CREATE:
		return step_create(k, s, rc, m, t);
	case WL_MKDIR_RMDIR:
		if (s->step == 0)
			snprintf(s->name, sizeof(s->name), "d%ld.%u.%" PRIu64, (long)getpid(),
				 s->fid, s->seq);
		return step_mkdir_rmdir(k, s, rc, m, t);
	case WL_READDIR:
		return step_readdir(k, s, rc, m, t);
	default:
		return step_io(k, s, rc, m, t);
	}
}

/* Begin a new operation on s and send its first request. */
static int begin(struct conn9p *k, struct slot *s)
{
	struct p9_msg t = { 0 };
	int rc;

	s->step = 0;
	s->seq = s->seq + 1;
	s->t0 = now_ns();
	k->begun++;
	rc = step(k, s, 0, NULL, &t);
	if (rc < 0)
		return rc;
	rc = p9c_start(k->c, &t, s->buf, s->bufcap, &s->req);
	if (rc)
		worker_fail(k->w, rc, "send: %s", strerror(-rc));
	return rc;
}

static int engine(struct conn9p *k, struct slot *slots, unsigned int n)
{
	struct worker *w = k->w;
	unsigned int *ring, head = 0, cnt = 0;
	int rc = 0;

	ring = calloc(n, sizeof(*ring));
	if (!ring) {
		worker_fail(w, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n && worker_more(w, k->begun); i++) {
		rc = begin(k, &slots[i]);
		if (rc)
			goto out;
		ring[cnt++] = i;
	}
	while (cnt) {
		unsigned int i = ring[head];
		struct slot *s = &slots[i];
		const struct p9_msg *m;
		struct p9_msg t = { 0 };

		head = (head + 1) % n;
		cnt--;
		rc = p9c_wait(s->req, k->run->o->timeout_ms);
		if (rc) {
			worker_fail(w, rc, "no reply within %d ms (step %d of %s)",
				    k->run->o->timeout_ms, s->step, s->name);
			goto out;
		}
		rc = p9c_result(s->req, &m);
		if (rc == -EIO || (rc == -EPROTO && p9c_dead_reason(k->c))) {
			worker_fail(w, rc, "connection lost: %s", p9c_dead_reason(k->c));
			goto out;
		}
		rc = step(k, s, rc, m, &t);
		p9c_release(s->req);
		s->req = NULL;
		if (rc < 0)
			goto out;
		if (rc == STEP_DONE) {
			uint64_t t1 = now_ns();

			w->ops++;
			if (lat_add(&w->lat, t1 - s->t0)) {
				worker_fail(w, -ENOMEM, "out of memory");
				rc = -ENOMEM;
				goto out;
			}
			w->t_end = t1;
			if (!worker_more(w, k->begun))
				continue;
			rc = begin(k, s);
			if (rc)
				goto out;
		} else {
			rc = p9c_start(k->c, &t, s->buf, s->bufcap, &s->req);
			if (rc) {
				worker_fail(w, rc, "send: %s", strerror(-rc));
				goto out;
			}
		}
		ring[(head + cnt) % n] = i;
		cnt++;
	}
	rc = 0;
out:
	free(ring);
	return rc;
}

/* ---- per-connection setup ---- */

static int conn_setup(struct conn9p *k, struct slot *slots, unsigned int n)
{
	const struct bench_opts *o = k->run->o;
	struct worker *w = k->w;
	enum workload wl = o->wl;
	struct p9_rgetattr ga;
	uint32_t bufcap = 0, wlen = 0;
	char name[32];
	const char *what = "connect";
	int rc;

	rc = b9_connect_attach(o, &k->c, &k->root);
	if (rc)
		goto fail;
	k->iosize = p9c_iosize(k->c);
	what = "walk " BENCH_PREFIX;
	rc = b9_walk1(k->c, k->root, BENCH_PREFIX, &k->base);
	if (rc)
		goto fail;
	switch (wl) {
	case WL_WALK_GETATTR:
		what = "walk wg";
		rc = b9_walk1(k->c, k->base, "wg", &k->dir);
		break;
	case WL_READDIR:
		what = "walk rd";
		rc = b9_walk1(k->c, k->base, "rd", &k->dir);
		bufcap = k->iosize;
		break;
	case WL_CREATE:
	case WL_MKDIR_RMDIR:
	case WL_SEQWRITE:
		snprintf(name, sizeof(name), "t%u", w->id);
		what = "walk tN";
		rc = b9_walk1(k->c, k->base, name, &k->dir);
		if (!rc && wl == WL_SEQWRITE) {
			what = "create tN/seq";
			rc = open_for_write(k->c, k->dir, "seq", o->gid, &k->file);
		}
		wlen = wl == WL_CREATE ? CREATE_SIZE : k->run->chunk;
		break;
	case WL_SEQREAD:
	case WL_RANDREAD:
		what = "open data";
		rc = b9_walk1(k->c, k->base, "data", &k->file);
		if (!rc)
			rc = p9c_lopen(k->c, k->file, P9_DOTL_RDONLY, NULL, NULL);
		if (!rc)
			rc = p9c_getattr(k->c, k->file, P9_GETATTR_SIZE, &ga);
		if (!rc && ga.size < o->size)
			rc = -ENODATA;
		k->file_blocks = o->size / RAND_BLOCK;
		bufcap = wl == WL_RANDREAD ? RAND_BLOCK : k->run->chunk;
		break;
	default:
		rc = -EINVAL;
	}
	if (rc)
		goto fail;
	if (wlen) {
		k->wdata = malloc(wlen);
		if (!k->wdata) {
			rc = -ENOMEM;
			goto fail;
		}
		for (uint32_t i = 0; i < wlen; i++)
			k->wdata[i] = (uint8_t)(i * 7 + w->id);
	}
	what = "allocate slots";
	for (unsigned int i = 0; i < n; i++) {
		slots[i].fid = p9c_fid_get(k->c);
		slots[i].fid2 = p9c_fid_get(k->c);
		if (slots[i].fid == P9_NOFID || slots[i].fid2 == P9_NOFID) {
			rc = -ENOMEM;
			goto fail;
		}
		if (bufcap) {
			slots[i].buf = malloc(bufcap);
			if (!slots[i].buf) {
				rc = -ENOMEM;
				goto fail;
			}
			slots[i].bufcap = bufcap;
		}
	}
	return 0;
fail:
	worker_fail(w, rc, "%s: %s", what, strerror(-rc));
	return rc;
}

void *bench9p_thread(void *arg)
{
	struct worker *w = arg;
	struct conn9p k = {
		.w = w, .run = w->run, .root = P9_NOFID, .base = P9_NOFID, .dir = P9_NOFID,
		.file = P9_NOFID,
	};
	unsigned int n = w->run->inflight;
	struct slot *slots = calloc(n, sizeof(*slots));
	int rc;

	if (!slots) {
		worker_fail(w, -ENOMEM, "out of memory");
		rc = -ENOMEM;
	} else {
		rc = conn_setup(&k, slots, n);
	}
	worker_start(w);
	w->t_end = w->t_start;
	if (!rc && !atomic_load(&w->run->stop))
		engine(&k, slots, n);
	if (k.c) {
		/* Untimed: clean up as a polite client does. */
		if (!w->err) {
			b9_clunk_put(k.c, k.file);
			b9_clunk_put(k.c, k.dir);
			b9_clunk_put(k.c, k.base);
			b9_clunk_put(k.c, k.root);
		}
		p9c_close(k.c);
	}
	for (unsigned int i = 0; slots && i < n; i++)
		free(slots[i].buf);
	free(slots);
	free(k.wdata);
	return NULL;
}
