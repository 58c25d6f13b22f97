/*
 * bench_run.h - shared definitions of the p9bench benchmark (bench/p9bench.c
 * for options, threads and statistics; bench/bench_run.c for what the
 * workers share; bench/bench_9p.c for the workloads over 9P2000.L;
 * bench/bench_direct.c for the same operations done with system calls on
 * the export directory, the "ceiling").
 *
 * Fixtures live under PREFIX (default "p9bench") inside the export:
 *   PREFIX/wg/fN        walk-getattr targets (empty files, --files of them)
 *   PREFIX/rd/eNNNNN    the readdir directory (--entries empty files)
 *   PREFIX/data         seqread/randread data (--size bytes)
 *   PREFIX/tN/          scratch directory of connection N (create,
 *                       mkdir-rmdir, seqwrite's file PREFIX/tN/seq,
 *                       rename-held's PREFIX/tN/a or b)
 *   PREFIX/held/hN      files rename-held keeps handles on (--held)
 *   PREFIX/deep/d/d/... dotdot-deep's chain (--depth directories)
 * They are made when missing (or too small), before timing starts.
 */
#ifndef P9G_BENCH_RUN_H
#define P9G_BENCH_RUN_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

enum workload {
	WL_WALK_GETATTR,
	WL_CREATE,
	WL_MKDIR_RMDIR,
	WL_READDIR,
	WL_SEQWRITE,
	WL_SEQREAD,
	WL_RANDREAD,
	WL_FID_FLOOD,		/* the hostile ones: bench_hostile.c */
	WL_RENAME_HELD,
	WL_DOTDOT_DEEP,
	WL_COUNT
};

enum unlink_mode { UNLINK_AUTO, UNLINK_UNLINKAT, UNLINK_REMOVE };

#define BENCH_PREFIX	"p9bench"
#define CREATE_SIZE	4096u		/* bytes written by each create op */
#define RAND_BLOCK	4096u		/* randread block */

struct bench_opts {
	const char *unix_path;		/* 9P mode */
	const char *direct_dir;		/* direct mode */
	const char *aname;
	const char *label;
	enum workload wl;
	unsigned int conns;
	unsigned int inflight;		/* 0: the workload's default */
	double seconds;			/* 0: not time-bound */
	uint64_t ops;			/* per connection; 0: not count-bound */
	uint64_t size;			/* data file / total sequential bytes */
	uint32_t msize;
	uint32_t chunk;			/* sequential I/O size; 0: from msize */
	uint32_t uid, gid;
	unsigned int files;		/* walk-getattr files */
	unsigned int entries;		/* readdir entries */
	unsigned int held;		/* fid-flood, rename-held: fids held */
	unsigned int depth;		/* dotdot-deep: directories */
	enum unlink_mode unlink;
	int timeout_ms;
	int prepare_only;
	uint64_t seed;
};

/* Latency samples in nanoseconds. */
struct lat {
	uint64_t *v;
	size_t n, cap;
};

struct run;
struct p9_client;

struct worker {
	struct run *run;
	unsigned int id;
	pthread_t th;
	struct lat lat;
	uint64_t ops, bytes;
	uint64_t t_start, t_end;	/* ns, CLOCK_MONOTONIC */
	uint64_t rng;
	uint64_t target;		/* ops to do; 0: until the deadline */
	uint64_t deadline;		/* ns; 0: none */
	uint64_t slice_off, slice_len;	/* seqread/seqwrite byte range */
	int err;			/* 0 or the negative errno that stopped it */
	char why[200];
};

struct run {
	const struct bench_opts *o;
	unsigned int inflight;		/* effective */
	uint32_t msize;			/* negotiated (direct: as asked) */
	uint32_t chunk;			/* effective sequential I/O size */
	enum unlink_mode unlink;	/* resolved: UNLINKAT or REMOVE */
	pthread_mutex_t gate_lock;	/* the start gate */
	pthread_cond_t gate_cond;
	unsigned int ready;
	int go;
	atomic_int stop;
	struct worker *w;
};

extern const char *const workload_names[WL_COUNT];

uint64_t now_ns(void);
uint64_t rng_next(uint64_t *s);
int lat_add(struct lat *l, uint64_t ns);
void __attribute__((format(printf, 3, 4)))
worker_fail(struct worker *w, int err, const char *fmt, ...);
/* Called by each worker once set up: waits until all are, then plans the
 * worker's run (target, deadline, slice) and sets t_start. */
void worker_start(struct worker *w);
/* Whether worker w should begin another operation (after `begun` ones). */
int worker_more(struct worker *w, uint64_t begun);

/* 9P mode (bench_9p.c). */
int bench9p_prepare(struct run *run);
void *bench9p_thread(void *arg);

int b9_connect_attach(const struct bench_opts *o, struct p9_client **cp, uint32_t *root);
/* Walk one name (NULL: clone) to a new fid *out. */
int b9_walk1(struct p9_client *c, uint32_t fid, const char *name, uint32_t *out);
void b9_clunk_put(struct p9_client *c, uint32_t fid);
int b9_mkdir_ok(struct p9_client *c, uint32_t dfid, const char *name, uint32_t gid);

/* Direct mode (bench_direct.c). */
int direct_prepare(struct run *run);
void *direct_thread(void *arg);
int direct_mkdir_ok(int dfd, const char *name);

/* The hostile workloads, both modes (bench_hostile.c). */
int is_hostile(enum workload wl);
int hostile_prepare(struct run *run);
void *hostile_thread(void *arg);

#endif
