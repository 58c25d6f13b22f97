/*
 * p9soak.c - a bounded soak of a running 9P2000.L server through the
 * project's client library (bench/soak runs it and watches the daemons).
 *
 * Usage: p9soak --unix SOCKET [--clients N] [--seconds S] [--uid U]
 *		 [--gid G] [--prefix NAME] [--seed N]
 *
 * N clients (default 8), each a thread with its own connection and its own
 * directory PREFIX/cN, repeat a random mix of self-contained operations
 * until S seconds (default 60) have passed: create/write/read/fsync/
 * getattr/setattr, mkdir/readdir/rmdir, readdir of the shared directory,
 * xattr set/get/list/remove, renameat and Trename, symlink/readlink/link,
 * Tlock/Tgetlock, walks (one that must fail with ENOENT) and statfs.  Each
 * operation checks what it got back (data, sizes, names) and removes what
 * it made, so the export ends as it began and no fid outlives its
 * operation.  Prints one line per unexpected result, the count of each
 * operation, and "soak: N ops, N failed"; exits 1 if anything failed.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p9client/p9_client.h"

enum op { OP_FILE, OP_DIR, OP_READDIR, OP_XATTR, OP_RENAME, OP_LINK, OP_LOCK, OP_WALK, OP_COUNT };

static const char *const op_names[OP_COUNT] = {
    [OP_FILE] = "file",	    [OP_DIR] = "dir",	[OP_READDIR] = "readdir", [OP_XATTR] = "xattr",
    [OP_RENAME] = "rename", [OP_LINK] = "link", [OP_LOCK] = "lock",	  [OP_WALK] = "walk",
};

struct soak_opts {
	const char *sock, *prefix;
	unsigned int clients;
	double seconds;
	uint32_t uid, gid;
	uint64_t seed;
};

struct client {
	const struct soak_opts *o;
	unsigned int id;
	pthread_t th;
	struct p9_client *c;
	uint32_t root, top, dir; /* export root, PREFIX, PREFIX/cN */
	uint64_t rng, serial;
	uint64_t ops[OP_COUNT], failed;
	char name[32]; /* the current operation's entry */
	uint8_t wbuf[16384], rbuf[16384];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: enough to vary the mix and the sizes */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Record an unexpected result; always returns -1 so callers can return it. */
static int bad(struct client *k, const char *what, int rc)
{
	const char *dead = p9c_dead_reason(k->c);

	k->failed++;
	fprintf(stderr, "soak: client %u: %s %s: %s%s%s\n", k->id, what, k->name,
		rc < 0 ? strerror(-rc) : "unexpected result", dead ? "; connection dead: " : "",
		dead ? dead : "");
	return -1;
}

static int walk1(struct client *k, uint32_t fid, const char *name, uint32_t *out)
{
	uint32_t nf = p9c_fid_get(k->c);
	int rc;

	if (nf == P9_NOFID)
		return -ENOMEM;
	rc = p9c_walk(k->c, fid, nf, name ? 1 : 0, name ? &name : NULL, NULL);
	if (rc >= 0 && rc != (name ? 1 : 0))
		rc = -ENOENT;
	if (rc < 0) {
		p9c_fid_put(k->c, nf);
		return rc;
	}
	*out = nf;
	return 0;
}

static void clunk_put(struct client *k, uint32_t *fid)
{
	if (*fid == P9_NOFID)
		return;
	p9c_clunk(k->c, *fid);
	p9c_fid_put(k->c, *fid);
	*fid = P9_NOFID;
}

/* Create k->name in the client's directory, open read-write: *fid. */
static int create(struct client *k, uint32_t *fid)
{
	int rc = walk1(k, k->dir, NULL, fid);

	if (rc < 0)
		return bad(k, "walk for create", rc);
	rc = p9c_lcreate(k->c, *fid, k->name, P9_DOTL_RDWR | P9_DOTL_EXCL, 0644, k->o->gid, NULL,
			 NULL);
	if (rc < 0) {
		clunk_put(k, fid); /* a failed create leaves the walked fid */
		return bad(k, "lcreate", rc);
	}
	return 0;
}

static int unlink_name(struct client *k, uint32_t dfid, const char *name, uint32_t flags)
{
	int rc = p9c_unlinkat(k->c, dfid, name, flags);

	return rc < 0 ? bad(k, "unlinkat", rc) : 0;
}

static int op_file(struct client *k)
{
	size_t len = 1 + rng_next(&k->rng) % sizeof(k->wbuf);
	struct p9_tsetattr sa = {.valid = P9_SETATTR_SIZE | P9_SETATTR_MODE, .mode = 0600};
	struct p9_rgetattr ga;
	uint32_t f;
	ssize_t n;
	int rc = 0;

	if (create(k, &f) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		k->wbuf[i] = (uint8_t)(k->serial + i * 7);
	n = p9c_write(k->c, f, 0, k->wbuf, len);
	if (n != (ssize_t)len)
		rc = bad(k, "write", n < 0 ? (int)n : 0);
	n = rc ? 0 : p9c_read(k->c, f, 0, k->rbuf, sizeof(k->rbuf));
	if (!rc && (n != (ssize_t)len || memcmp(k->wbuf, k->rbuf, len) != 0))
		rc = bad(k, "read back", n < 0 ? (int)n : 0);
	if (!rc && (n = p9c_fsync(k->c, f, 0)) < 0)
		rc = bad(k, "fsync", (int)n);
	sa.fid = f;
	sa.size = len / 2;
	if (!rc && (n = p9c_setattr(k->c, f, &sa)) < 0)
		rc = bad(k, "setattr", (int)n);
	if (!rc && ((n = p9c_getattr(k->c, f, P9_GETATTR_BASIC, &ga)) < 0 || ga.size != len / 2 ||
		    (ga.mode & 07777) != 0600))
		rc = bad(k, "getattr after setattr", (int)n);
	clunk_put(k, &f);
	if (unlink_name(k, k->dir, k->name, 0) < 0)
		rc = -1;
	return rc;
}

/* Entries of directory fid other than . and ..; -1 after bad(). */
static int count_entries(struct client *k, uint32_t dfid, const char *want)
{
	struct p9c_dir d;
	struct p9_dirent e;
	uint32_t f;
	int rc, n = 0, seen = want ? 0 : 1;

	if ((rc = walk1(k, dfid, NULL, &f)) < 0)
		return bad(k, "walk for readdir", rc);
	if ((rc = p9c_lopen(k->c, f, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL)) < 0) {
		clunk_put(k, &f);
		return bad(k, "lopen directory", rc);
	}
	p9c_dir_init(&d, k->c, f, k->rbuf, sizeof(k->rbuf), 0);
	while ((rc = p9c_dir_next(&d, &e)) > 0) {
		if ((e.name.len == 1 && e.name.s[0] == '.') ||
		    (e.name.len == 2 && memcmp(e.name.s, "..", 2) == 0))
			continue;
		n++;
		if (want && e.name.len == strlen(want) && memcmp(e.name.s, want, e.name.len) == 0)
			seen = 1;
	}
	clunk_put(k, &f);
	if (rc < 0)
		return bad(k, "readdir", rc);
	if (!seen)
		return bad(k, "readdir (entry missing)", 0);
	return n;
}

static int op_dir(struct client *k)
{
	uint32_t d = P9_NOFID, f = P9_NOFID;
	int rc;

	if ((rc = p9c_mkdir(k->c, k->dir, k->name, 0755, k->o->gid, NULL)) < 0)
		return bad(k, "mkdir", rc);
	rc = walk1(k, k->dir, k->name, &d);
	if (rc < 0) {
		bad(k, "walk into", rc);
		goto rmdir;
	}
	if ((rc = walk1(k, d, NULL, &f)) < 0 ||
	    (rc = p9c_lcreate(k->c, f, "x", P9_DOTL_WRONLY, 0600, k->o->gid, NULL, NULL)) < 0) {
		bad(k, "lcreate in", rc);
		goto clunk;
	}
	clunk_put(k, &f);
	rc = count_entries(k, d, "x");
	if (rc >= 0 && rc != 1)
		rc = bad(k, "readdir (count)", 0);
	if (unlink_name(k, d, "x", 0) < 0)
		rc = -1;
clunk:
	clunk_put(k, &f);
	clunk_put(k, &d);
rmdir:
	if (unlink_name(k, k->dir, k->name, P9_AT_REMOVEDIR) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

static int op_readdir(struct client *k)
{
	char own[16];

	/* The shared directory: every client's cN is there. */
	snprintf(own, sizeof(own), "c%u", k->id);
	return count_entries(k, k->top, own) < 0 ? -1 : 0;
}

static int op_xattr(struct client *k)
{
	static const char name[] = "user.p9soak";
	char list[256];
	uint32_t f, g = P9_NOFID;
	ssize_t n;
	int rc = 0;

	if (create(k, &f) < 0)
		return -1;
	clunk_put(k, &f);
	if ((rc = walk1(k, k->dir, k->name, &g)) < 0) {
		bad(k, "walk", rc);
		goto out;
	}
	snprintf((char *)k->wbuf, 64, "value-%" PRIu64, k->serial);
	if ((rc = p9c_xattr_set(k->c, g, name, k->wbuf, strlen((char *)k->wbuf), 0)) < 0) {
		bad(k, "xattr set", rc);
		goto out;
	}
	n = p9c_xattr_get(k->c, g, name, k->rbuf, sizeof(k->rbuf));
	if (n != (ssize_t)strlen((char *)k->wbuf) || memcmp(k->rbuf, k->wbuf, (size_t)n) != 0) {
		rc = bad(k, "xattr get", n < 0 ? (int)n : 0);
		goto out;
	}
	n = p9c_xattr_list(k->c, g, list, sizeof(list));
	if (n < (ssize_t)sizeof(name) || !memmem(list, (size_t)n, name, sizeof(name))) {
		rc = bad(k, "xattr list", n < 0 ? (int)n : 0);
		goto out;
	}
	if ((rc = p9c_xattr_remove(k->c, g, name)) < 0)
		bad(k, "xattr remove", rc);
	else if ((n = p9c_xattr_get(k->c, g, name, k->rbuf, sizeof(k->rbuf))) != -ENODATA)
		rc = bad(k, "xattr get after remove (want ENODATA)", n < 0 ? (int)n : 0);
out:
	clunk_put(k, &g);
	if (unlink_name(k, k->dir, k->name, 0) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

static int op_rename(struct client *k)
{
	char b[40], c[40];
	uint32_t f;
	int rc;

	if (create(k, &f) < 0)
		return -1;
	clunk_put(k, &f);
	snprintf(b, sizeof(b), "%s.b", k->name);
	snprintf(c, sizeof(c), "%s.c", k->name);
	if ((rc = p9c_renameat(k->c, k->dir, k->name, k->dir, b)) < 0) {
		bad(k, "renameat", rc);
		unlink_name(k, k->dir, k->name, 0);
		return -1;
	}
	/* the old name is gone: ENOENT is the expected answer */
	if ((rc = walk1(k, k->dir, k->name, &f)) != -ENOENT) {
		if (rc == 0)
			clunk_put(k, &f);
		bad(k, "walk to the old name (want ENOENT)", rc);
	}
	if ((rc = walk1(k, k->dir, b, &f)) < 0) {
		bad(k, "walk to the new name", rc);
		unlink_name(k, k->dir, b, 0);
		return -1;
	}
	rc = p9c_rename(k->c, f, k->dir, c); /* Trename, by fid */
	clunk_put(k, &f);
	if (rc < 0) {
		bad(k, "rename", rc);
		unlink_name(k, k->dir, b, 0);
		return -1;
	}
	return unlink_name(k, k->dir, c, 0);
}

static int op_link(struct client *k)
{
	char s[40], h[40], target[64];
	struct p9_rgetattr ga;
	uint32_t f, g = P9_NOFID;
	int rc;

	if (create(k, &f) < 0)
		return -1;
	snprintf(s, sizeof(s), "%s.s", k->name);
	snprintf(h, sizeof(h), "%s.h", k->name);
	rc = p9c_link(k->c, k->dir, f, h);
	if (rc < 0)
		bad(k, "link", rc);
	else if ((rc = p9c_getattr(k->c, f, P9_GETATTR_BASIC, &ga)) < 0 || ga.nlink != 2)
		rc = bad(k, "getattr nlink after link", rc);
	clunk_put(k, &f);
	if ((rc = p9c_symlink(k->c, k->dir, s, k->name, k->o->gid, NULL)) < 0) {
		bad(k, "symlink", rc);
	} else {
		if ((rc = walk1(k, k->dir, s, &g)) < 0 ||
		    (rc = p9c_readlink(k->c, g, target, sizeof(target))) < 0 ||
		    strcmp(target, k->name) != 0)
			bad(k, "readlink", rc);
		clunk_put(k, &g);
		unlink_name(k, k->dir, s, 0);
	}
	p9c_unlinkat(k->c, k->dir, h, 0); /* absent if link failed */
	return unlink_name(k, k->dir, k->name, 0);
}

static int op_lock(struct client *k)
{
	char cid[16] = "p9soak";
	struct p9_tlock lk = {.type = P9_LOCK_TYPE_WRLCK, .proc_id = k->id, .client_id = {cid, 6}};
	struct p9_getlock gl = {
	    .type = P9_LOCK_TYPE_WRLCK, .proc_id = k->id, .client_id = {cid, 6}};
	struct p9_getlock got;
	char gotcid[64];
	uint8_t status = 0xff;
	uint32_t f;
	int rc;

	if (create(k, &f) < 0)
		return -1;
	lk.fid = f;
	gl.fid = f;
	if ((rc = p9c_lock(k->c, &lk, &status)) < 0 || status != P9_LOCK_SUCCESS)
		rc = bad(k, "lock", rc);
	else if ((rc = p9c_getlock(k->c, &gl, &got, gotcid, sizeof(gotcid))) < 0)
		bad(k, "getlock", rc);
	lk.type = P9_LOCK_TYPE_UNLCK;
	if (rc >= 0 && ((rc = p9c_lock(k->c, &lk, &status)) < 0 || status != P9_LOCK_SUCCESS))
		bad(k, "unlock", rc);
	clunk_put(k, &f);
	if (unlink_name(k, k->dir, k->name, 0) < 0)
		rc = -1;
	return rc < 0 ? -1 : 0;
}

static int op_walk(struct client *k)
{
	char path[64];
	struct p9_rgetattr ga;
	struct p9_rstatfs sf;
	uint32_t f = p9c_fid_get(k->c);
	int rc;

	snprintf(path, sizeof(path), "%s/c%u", k->o->prefix, k->id);
	if ((rc = p9c_walk_path(k->c, k->root, f, path, NULL)) < 0) {
		p9c_fid_put(k->c, f);
		return bad(k, "walk path", rc);
	}
	if ((rc = p9c_getattr(k->c, f, P9_GETATTR_BASIC, &ga)) < 0)
		bad(k, "getattr", rc);
	else if ((rc = p9c_statfs(k->c, f, &sf)) < 0)
		bad(k, "statfs", rc);
	clunk_put(k, &f);
	/* A name that is not there: ENOENT is the right answer. */
	if ((rc = walk1(k, k->dir, k->name, &f)) != -ENOENT) {
		if (rc == 0)
			clunk_put(k, &f);
		return bad(k, "walk to a missing name (want ENOENT)", rc);
	}
	return rc == -ENOENT ? 0 : -1;
}

static int (*const ops[OP_COUNT])(struct client *) = {
    [OP_FILE] = op_file,     [OP_DIR] = op_dir,	  [OP_READDIR] = op_readdir, [OP_XATTR] = op_xattr,
    [OP_RENAME] = op_rename, [OP_LINK] = op_link, [OP_LOCK] = op_lock,	     [OP_WALK] = op_walk,
};

static int setup(struct client *k)
{
	char own[16];
	int rc;

	if ((rc = p9c_connect_unix(k->o->sock, 0, &k->c)) < 0) {
		k->c = NULL;
		fprintf(stderr, "soak: client %u: connect: %s\n", k->id, strerror(-rc));
		return -1;
	}
	p9c_set_timeout(k->c, 30000); /* a hung server fails the soak, never hangs it */
	k->root = p9c_fid_get(k->c);
	k->top = k->dir = P9_NOFID;
	snprintf(k->name, sizeof(k->name), "(setup)");
	if ((rc = p9c_attach(k->c, k->root, P9_NOFID, "", "", k->o->uid, NULL)) < 0)
		return bad(k, "attach", rc);
	rc = p9c_mkdir(k->c, k->root, k->o->prefix, 0755, k->o->gid, NULL);
	if (rc < 0 && rc != -EEXIST)
		return bad(k, "mkdir prefix", rc);
	if ((rc = walk1(k, k->root, k->o->prefix, &k->top)) < 0)
		return bad(k, "walk prefix", rc);
	snprintf(own, sizeof(own), "c%u", k->id);
	rc = p9c_mkdir(k->c, k->top, own, 0755, k->o->gid, NULL);
	if (rc < 0 && rc != -EEXIST)
		return bad(k, "mkdir own directory", rc);
	if ((rc = walk1(k, k->top, own, &k->dir)) < 0)
		return bad(k, "walk own directory", rc);
	return 0;
}

static void *client_main(void *arg)
{
	struct client *k = arg;
	double end;
	char own[16];

	if (setup(k) < 0)
		goto out;
	end = now_s() + k->o->seconds;
	while (now_s() < end && !p9c_dead_reason(k->c)) {
		enum op op = (enum op)(rng_next(&k->rng) % OP_COUNT);

		k->serial++;
		snprintf(k->name, sizeof(k->name), "%s-%" PRIu64, op_names[op], k->serial);
		k->ops[op]++;
		ops[op](k);
	}
	/* Leave the export as it was: the own directory must be empty now. */
	snprintf(k->name, sizeof(k->name), "(teardown)");
	clunk_put(k, &k->dir);
	snprintf(own, sizeof(own), "c%u", k->id);
	unlink_name(k, k->top, own, P9_AT_REMOVEDIR);
	clunk_put(k, &k->top);
	clunk_put(k, &k->root);
out:
	if (k->c)
		p9c_close(k->c);
	else
		k->failed++;
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: p9soak --unix SOCKET [--clients N] [--seconds S] [--uid U] "
			"[--gid G] [--prefix NAME] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"unix", required_argument, NULL, 'u'},    {"clients", required_argument, NULL, 'c'},
	    {"seconds", required_argument, NULL, 's'}, {"uid", required_argument, NULL, 'U'},
	    {"gid", required_argument, NULL, 'G'},     {"prefix", required_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 'r'},    {NULL, 0, NULL, 0},
	};
	struct soak_opts o = {.prefix = "p9soak", .clients = 8, .seconds = 60, .seed = 1};
	uint64_t total[OP_COUNT] = {0}, sum = 0, failed = 0;
	struct client *k;
	int opt;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			o.sock = optarg;
			break;
		case 'c':
			o.clients = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o.seconds = strtod(optarg, NULL);
			break;
		case 'U':
			o.uid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'G':
			o.gid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o.prefix = optarg;
			break;
		case 'r':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!o.sock || optind != argc || o.clients == 0 || o.clients > 256 || !(o.seconds > 0) ||
	    !o.prefix[0] || strchr(o.prefix, '/'))
		usage();
	k = calloc(o.clients, sizeof(*k));
	if (!k) {
		perror("p9soak");
		return 2;
	}
	for (unsigned int i = 0; i < o.clients; i++) {
		k[i].o = &o;
		k[i].id = i;
		k[i].rng = (o.seed + i) * 0x9e3779b97f4a7c15ULL | 1;
		if (pthread_create(&k[i].th, NULL, client_main, &k[i]) != 0) {
			fprintf(stderr, "soak: cannot start client %u\n", i);
			return 2;
		}
	}
	for (unsigned int i = 0; i < o.clients; i++) {
		pthread_join(k[i].th, NULL);
		for (int op = 0; op < OP_COUNT; op++)
			total[op] += k[i].ops[op];
		failed += k[i].failed;
	}
	for (int op = 0; op < OP_COUNT; op++) {
		printf("soak: %-8s %" PRIu64 "\n", op_names[op], total[op]);
		sum += total[op];
	}
	printf("soak: %u clients, %.0f s: %" PRIu64 " ops, %" PRIu64 " failed\n", o.clients,
	       o.seconds, sum, failed);
	free(k);
	return failed ? 1 : 0;
}
