/*
 * fault_workload.c - the helper killed in the middle of a workload.
 *
 * workload SOCK NCONN MANIFEST SECONDS: NCONN connections, one thread
 * each, create files, write them, fsync them, and write some more, until a
 * call fails.  After each Rfsync the file's name and the length it had are
 * appended to MANIFEST: that much is promised to be on disk.  run.sh
 * kills the helper with SIGKILL once the manifest has grown; every
 * connection must then end with EIO (an Rlerror, or the connection closed)
 * within FT_CALL_TIMEOUT_MS, never time out.  Nothing failing for SECONDS
 * is a failure too (the fault never reached the clients).
 *
 * verify EXPORTDIR MANIFEST: every file of the manifest, read from the
 * host, holds at least the promised length, with the right bytes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"

#define WL_CHUNK (16u * 1024u)
#define WL_CHUNKS_SYNCED 4 /* written and fsynced */
#define WL_CHUNKS_AFTER 1  /* written after the fsync: not promised */
#define WL_MAX_CONNS 32

/* The byte at offset `off` of the file called `name`: verifiable content. */
static uint8_t wl_byte(uint32_t seed, uint64_t off)
{
	return (uint8_t)((off * 131u + seed) ^ (off >> 9));
}

static uint32_t wl_seed(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

static void wl_fill(uint8_t *buf, size_t len, uint32_t seed, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = wl_byte(seed, off + i);
}

struct wl_shared {
	const char *sock;
	FILE *manifest;
	pthread_mutex_t lock;
	double deadline;
};

struct wl_thread {
	pthread_t tid;
	struct wl_shared *sh;
	unsigned int id;
	unsigned int synced; /* files acknowledged by Rfsync */
	int end;	     /* the error that ended the loop; 0: none */
	double end_after;    /* seconds from the first failure to the end */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write chunks [from, to) of the file; 0 or a negative errno. */
static int wl_write(struct p9_client *c, uint32_t fid, uint32_t seed, unsigned int from,
		    unsigned int to, uint8_t *buf)
{
	for (unsigned int k = from; k < to; k++) {
		uint64_t off = (uint64_t)k * WL_CHUNK;
		ssize_t n;

		wl_fill(buf, WL_CHUNK, seed, off);
		n = p9c_write(c, fid, off, buf, WL_CHUNK);
		if (n < 0)
			return (int)n;
		if (n != WL_CHUNK)
			return p9c_dead_reason(c) ? -EIO : -EPROTO; /* short, no error */
	}
	return 0;
}

/* One file: create, write, fsync (then promise it), write more, clunk. */
static int wl_one_file(struct wl_thread *t, struct p9_client *c, uint32_t root, unsigned int i,
		       uint8_t *buf)
{
	char name[64];
	uint32_t fid, seed;
	int rc;

	snprintf(name, sizeof(name), "w%u-%u", t->id, i);
	seed = wl_seed(name);
	fid = ft_create(c, root, name, &rc);
	if (fid == P9_NOFID)
		return rc;
	rc = wl_write(c, fid, seed, 0, WL_CHUNKS_SYNCED, buf);
	if (rc == 0)
		rc = p9c_fsync(c, fid, 0);
	if (rc == 0) {
		t->synced++;
		pthread_mutex_lock(&t->sh->lock);
		fprintf(t->sh->manifest, "%s %u\n", name, WL_CHUNKS_SYNCED * WL_CHUNK);
		fflush(t->sh->manifest);
		pthread_mutex_unlock(&t->sh->lock);
		rc = wl_write(c, fid, seed, WL_CHUNKS_SYNCED, WL_CHUNKS_SYNCED + WL_CHUNKS_AFTER,
			      buf);
	}
	if (rc == 0)
		rc = p9c_clunk(c, fid);
	p9c_fid_put(c, fid);
	return rc;
}

static void *wl_main(void *arg)
{
	struct wl_thread *t = arg;
	struct p9_client *c;
	uint8_t *buf = malloc(WL_CHUNK);
	uint32_t root;
	int rc;

	if (!buf) {
		t->end = -ENOMEM;
		return NULL;
	}
	rc = ft_connect(t->sh->sock, 64 * 1024, &c, &root);
	if (rc < 0) {
		t->end = rc;
		free(buf);
		return NULL;
	}
	for (unsigned int i = 0; rc == 0 && now_s() < t->sh->deadline; i++)
		rc = wl_one_file(t, c, root, i, buf);
	t->end = rc;
	if (rc == -EIO) {
		/* After the first EIO, later calls must fail fast as well. */
		double t0 = now_s();
		int again = p9c_getattr(c, root, P9_GETATTR_BASIC, &(struct p9_rgetattr){0});

		t->end_after = now_s() - t0;
		if (again == 0)
			t->end = 1; /* the helper's death did not stick */
	}
	p9c_close(c);
	free(buf);
	return NULL;
}

int ft_workload(int argc, char **argv)
{
	struct wl_shared sh = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct wl_thread t[WL_MAX_CONNS];
	unsigned int n, total = 0;

	if (argc != 4)
		return 2;
	n = (unsigned int)atoi(argv[1]);
	if (n < 1 || n > WL_MAX_CONNS)
		return 2;
	sh.sock = argv[0];
	sh.deadline = now_s() + atof(argv[3]);
	sh.manifest = fopen(argv[2], "w");
	if (!sh.manifest) {
		perror(argv[2]);
		return 2;
	}
	for (unsigned int i = 0; i < n; i++) {
		t[i] = (struct wl_thread){.sh = &sh, .id = i};
		if (pthread_create(&t[i].tid, NULL, wl_main, &t[i]) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(t[i].tid, NULL);
		total += t[i].synced;
	}
	fclose(sh.manifest);
	for (unsigned int i = 0; i < n; i++) {
		if (t[i].end == 0)
			check(false, "workload: connection %u saw no error in %s s (%u files fsynced): "
				     "the helper's death never reached it",
			      i, argv[3], t[i].synced);
		else if (t[i].end == 1)
			check(false, "workload: connection %u: EIO, then a getattr succeeded", i);
		else if (t[i].end == -ETIMEDOUT)
			check(false, "workload: connection %u hung: no reply within %d ms",
			      i, FT_CALL_TIMEOUT_MS);
		else
			check(t[i].end == -EIO && t[i].end_after < 5.0,
			      "workload: connection %u ended with %s after %u fsynced files; the next "
			      "call failed in %.2f s",
			      i, rcs(t[i].end), t[i].synced, t[i].end_after);
	}
	check(total >= n, "workload: %u files acknowledged by Rfsync before the fault", total);
	return 0;
}

/* Compare the host's copy of one promised file; true when it holds. */
static bool wl_verify_one(const char *dir, const char *name, unsigned long len)
{
	char path[4096];
	uint8_t buf[WL_CHUNK];
	uint32_t seed = wl_seed(name);
	unsigned long off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		check(false, "verify: %s: %s", name, strerror(errno));
		return false;
	}
	while (off < len) {
		size_t want = len - off < sizeof(buf) ? len - off : sizeof(buf);
		ssize_t r = pread(fd, buf, want, (off_t)off);

		if (r <= 0) {
			check(false, "verify: %s is %lu bytes, %lu were fsynced", name, off, len);
			close(fd);
			return false;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != wl_byte(seed, off + (unsigned long)i)) {
				check(false, "verify: %s: wrong byte at offset %lu", name,
				      off + (unsigned long)i);
				close(fd);
				return false;
			}
		off += (unsigned long)r;
	}
	close(fd);
	return true;
}

int ft_verify(int argc, char **argv)
{
	char name[256];
	unsigned long len, files = 0, good = 0;
	FILE *m;

	if (argc != 2)
		return 2;
	m = fopen(argv[1], "r");
	if (!m) {
		perror(argv[1]);
		return 2;
	}
	while (fscanf(m, "%255s %lu", name, &len) == 2) {
		files++;
		if (wl_verify_one(argv[0], name, len))
			good++;
	}
	fclose(m);
	check(files > 0 && good == files,
	      "verify: %lu of %lu files acknowledged by Rfsync hold their data on the host", good,
	      files);
	return 0;
}
