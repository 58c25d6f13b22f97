/*
 * p9bench.c - a 9P2000.L benchmark on the p9guard client library.
 *
 * One thread per connection; each keeps --inflight operations going at
 * once (see bench_9p.c), or does the same operations with system calls on
 * the export directory in --direct mode (bench_direct.c).  One
 * machine-readable line per run on standard output:
 *
 *   p9bench workload=W mode=9p|direct label=L conns=N inflight=N msize=N
 *           chunk=N unlink=M ops=N errors=0 elapsed_s=S ops_s=X mb_s=X
 *           p50_us=X p99_us=X
 *
 * ops_s counts whole operations (walk-getattr: walk+getattr+clunk; create:
 * lcreate+write+clunk+unlink; readdir: one full listing; seqread/seqwrite
 * and randread: one Tread/Twrite); mb_s is payload in 10^6 bytes per second.
 *
 * This file: options, the threads, the report.  The run's shared pieces
 * (clock, start gate, per-worker plan) are in bench_run.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_run.h"

static const char *const unlink_names[] = {
	[UNLINK_AUTO] = "auto",
	[UNLINK_UNLINKAT] = "unlinkat",
	[UNLINK_REMOVE] = "remove",
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: p9bench (--unix PATH | --direct DIR) --workload NAME [OPTION]...\n"
"Benchmark a 9P2000.L server (or, with --direct, the same operations done\n"
"with system calls on the exported directory).  Prints one line per run.\n"
"\n"
"  --unix PATH        connect to the 9P server's unix socket PATH\n"
"  --direct DIR       no server: system calls on DIR (the export)\n"
"  --workload NAME    walk-getattr, create, mkdir-rmdir, readdir, seqwrite,\n"
"                     seqread or randread; or a hostile client's: fid-flood,\n"
"                     rename-held or dotdot-deep (bench/bench_hostile.c;\n"
"                     one operation at a time)\n"
"  --conns N          concurrent connections, one thread each (default 1)\n"
"  --inflight N       operations in flight per connection (default 1;\n"
"                     randread 16); --direct always uses 1\n"
"  --seconds S        run for S seconds (default 5; seqread/seqwrite by\n"
"                     default transfer --size once instead)\n"
"  --ops N            operations per connection instead of a time\n"
"  --size BYTES       seqread/randread data file, and total bytes of\n"
"                     seqread/seqwrite over all connections (default 1G;\n"
"                     suffixes K, M, G)\n"
"  --msize N          msize to ask for (default 1048576; the reply says\n"
"                     what was negotiated)\n"
"  --chunk N          bytes per sequential Tread/Twrite (default msize-24\n"
"                     rounded down to 4 KiB)\n"
"  --files N          walk-getattr files (default 1000)\n"
"  --entries N        readdir directory entries (default 10000)\n"
"  --held N           fid-flood, rename-held: fids each connection holds\n"
"                     (default 10000)\n"
"  --depth N          dotdot-deep: directories of the chain (default 1000)\n"
"  --unlink MODE      how create and mkdir-rmdir remove: unlinkat\n"
"                     (Tunlinkat), remove (Twalk+Tremove) or auto\n"
"                     (Tunlinkat unless the server lacks it; default)\n"
"  --uid N            n_uname to attach as (default: your uid)\n"
"  --gid N            gid for new files and directories (default: your gid)\n"
"  --aname A          tree to attach (diod wants the export path)\n"
"  --label L          name printed as label= (default the mode)\n"
"  --timeout MS       give up on a reply after MS ms (default 30000)\n"
"  --prepare          only make the workload's fixtures, then exit\n"
"  --seed N           random seed (default 1)\n"
"  --help             show this help\n");
}

static int parse_u64(const char *s, uint64_t *out, int suffixes)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	if (suffixes && *end) {
		switch (*end) {
		case 'k': case 'K': v <<= 10; break;
		case 'm': case 'M': v <<= 20; break;
		case 'g': case 'G': v <<= 30; break;
		default: return -1;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v, 0) || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_UNIX = 256, OPT_DIRECT, OPT_WORKLOAD, OPT_CONNS, OPT_INFLIGHT, OPT_SECONDS,
	OPT_OPS, OPT_SIZE, OPT_MSIZE, OPT_CHUNK, OPT_FILES, OPT_ENTRIES, OPT_HELD, OPT_DEPTH,
	OPT_UNLINK,
	OPT_UID, OPT_GID, OPT_ANAME, OPT_LABEL, OPT_TIMEOUT, OPT_PREPARE, OPT_SEED, OPT_HELP,
};

static const struct option longopts[] = {
	{ "unix", required_argument, NULL, OPT_UNIX },
	{ "direct", required_argument, NULL, OPT_DIRECT },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "conns", required_argument, NULL, OPT_CONNS },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "msize", required_argument, NULL, OPT_MSIZE },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "entries", required_argument, NULL, OPT_ENTRIES },
	{ "held", required_argument, NULL, OPT_HELD },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "unlink", required_argument, NULL, OPT_UNLINK },
	{ "uid", required_argument, NULL, OPT_UID },
	{ "gid", required_argument, NULL, OPT_GID },
	{ "aname", required_argument, NULL, OPT_ANAME },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "prepare", no_argument, NULL, OPT_PREPARE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("p9bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'p9bench --help'.\n", stderr);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int ch, wl_set = 0;
	uint64_t v;
	uint32_t u;

	*o = (struct bench_opts){
		.aname = "", .conns = 1, .size = 1ull << 30, .msize = 1048576,
		.uid = (uint32_t)getuid(), .gid = (uint32_t)getgid(), .files = 1000,
		.entries = 10000, .held = 10000, .depth = 1000, .unlink = UNLINK_AUTO, .timeout_ms = 30000, .seed = 1,
	};
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_UNIX:
			o->unix_path = optarg;
			break;
		case OPT_DIRECT:
			o->direct_dir = optarg;
			break;
		case OPT_WORKLOAD:
			for (v = 0; v < WL_COUNT && strcmp(optarg, workload_names[v]); v++)
				;
			if (v == WL_COUNT)
				die_usage("unknown workload '%s'", optarg);
			o->wl = (enum workload)v;
			wl_set = 1;
			break;
		case OPT_CONNS:
			if (parse_u32(optarg, 1, 1024, &u))
				die_usage("bad --conns '%s' (1-1024)", optarg);
			o->conns = u;
			break;
		case OPT_INFLIGHT:
			if (parse_u32(optarg, 1, 4096, &u))
				die_usage("bad --inflight '%s' (1-4096)", optarg);
			o->inflight = u;
			break;
		case OPT_SECONDS: {
			char *end;

			o->seconds = strtod(optarg, &end);
			if (*end || end == optarg || !(o->seconds > 0 && o->seconds < 1e6))
				die_usage("bad --seconds '%s'", optarg);
			break;
		}
		case OPT_OPS:
			if (parse_u64(optarg, &o->ops, 0) || !o->ops)
				die_usage("bad --ops '%s'", optarg);
			break;
		case OPT_SIZE:
			if (parse_u64(optarg, &o->size, 1) || o->size < RAND_BLOCK)
				die_usage("bad --size '%s' (at least 4K)", optarg);
			break;
		case OPT_MSIZE:
			if (parse_u32(optarg, 4096, 1048576, &o->msize))
				die_usage("bad --msize '%s' (4096-1048576)", optarg);
			break;
		case OPT_CHUNK:
			if (parse_u32(optarg, 1, 1048576, &o->chunk))
				die_usage("bad --chunk '%s'", optarg);
			break;
		case OPT_FILES:
			if (parse_u32(optarg, 1, 10000000, &o->files))
				die_usage("bad --files '%s'", optarg);
			break;
		case OPT_ENTRIES:
			if (parse_u32(optarg, 1, 10000000, &o->entries))
				die_usage("bad --entries '%s'", optarg);
			break;
		case OPT_HELD:
			if (parse_u32(optarg, 0, 1000000, &o->held))
				die_usage("bad --held '%s' (0-1000000)", optarg);
			break;
		case OPT_DEPTH:
			if (parse_u32(optarg, 1, 100000, &o->depth))
				die_usage("bad --depth '%s' (1-100000)", optarg);
			break;
		case OPT_UNLINK:
			for (v = 0; v < 3 && strcmp(optarg, unlink_names[v]); v++)
				;
			if (v == 3)
				die_usage("bad --unlink '%s' (auto, unlinkat, remove)", optarg);
			o->unlink = (enum unlink_mode)v;
			break;
		case OPT_UID:
			if (parse_u32(optarg, 0, UINT32_MAX - 1, &o->uid))
				die_usage("bad --uid '%s'", optarg);
			break;
		case OPT_GID:
			if (parse_u32(optarg, 0, UINT32_MAX - 1, &o->gid))
				die_usage("bad --gid '%s'", optarg);
			break;
		case OPT_ANAME:
			o->aname = optarg;
			break;
		case OPT_LABEL:
			o->label = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_u32(optarg, 1, 3600000, &u))
				die_usage("bad --timeout '%s'", optarg);
			o->timeout_ms = (int)u;
			break;
		case OPT_PREPARE:
			o->prepare_only = 1;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, &o->seed, 0))
				die_usage("bad --seed '%s'", optarg);
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			die_usage("bad option");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->unix_path == !o->direct_dir)
		die_usage("give exactly one of --unix PATH and --direct DIR");
	if (!wl_set)
		die_usage("--workload is required");
	if (o->seconds && o->ops)
		die_usage("give --seconds or --ops, not both");
	if (!o->label)
		o->label = o->direct_dir ? "direct" : "9p";
}

/* ---- the run ---- */

static void report(const struct run *run)
{
	const struct bench_opts *o = run->o;
	uint64_t ops = 0, bytes = 0, t0 = UINT64_MAX, t1 = 0;
	struct lat all = { 0 };
	double secs, p50 = 0, p99 = 0;

	for (unsigned int i = 0; i < o->conns; i++) {
		const struct worker *w = &run->w[i];

		ops += w->ops;
		bytes += w->bytes;
		if (w->t_start < t0)
			t0 = w->t_start;
		if (w->t_end > t1)
			t1 = w->t_end;
		for (size_t k = 0; k < w->lat.n; k++)
			if (lat_add(&all, w->lat.v[k]))
				break;
	}
	secs = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
	if (all.n) {
		qsort(all.v, all.n, sizeof(*all.v), cmp_u64);
		p50 = (double)all.v[(all.n - 1) / 2] / 1e3;
		p99 = (double)all.v[(size_t)((double)(all.n - 1) * 0.99)] / 1e3;
	}
	printf("p9bench workload=%s mode=%s label=%s conns=%u inflight=%u msize=%" PRIu32
	       " chunk=%" PRIu32 " unlink=%s ops=%" PRIu64 " errors=0 elapsed_s=%.3f"
	       " ops_s=%.1f mb_s=%.2f p50_us=%.1f p99_us=%.1f\n",
	       workload_names[o->wl], o->direct_dir ? "direct" : "9p", o->label, o->conns,
	       run->inflight, run->msize, run->chunk, unlink_names[run->unlink], ops, secs,
	       secs > 0 ? (double)ops / secs : 0, secs > 0 ? (double)bytes / secs / 1e6 : 0,
	       p50, p99);
	fflush(stdout);
	free(all.v);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct run run = { 0 };
	int rc, failed = 0;
	unsigned int started = 0;
	void *(*fn)(void *);

	parse_opts(argc, argv, &o);
	run.o = &o;
	run.inflight = o.inflight ? o.inflight : o.wl == WL_RANDREAD ? 16 : 1;
	if (o.direct_dir || is_hostile(o.wl))
		run.inflight = 1;
	run.msize = o.msize;
	run.unlink = o.unlink;

	if (is_hostile(o.wl))
		rc = hostile_prepare(&run);
	else
		rc = o.direct_dir ? direct_prepare(&run) : bench9p_prepare(&run);
	if (rc)
		return 1;
	if (!run.chunk) {
		uint32_t io = run.msize - 24;

		run.chunk = o.chunk ? o.chunk : (io >= 4096 ? io - io % 4096 : io);
	}
	if (o.prepare_only)
		return 0;

	run.w = calloc(o.conns, sizeof(*run.w));
	if (!run.w) {
		fprintf(stderr, "p9bench: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&run.gate_lock, NULL);
	pthread_cond_init(&run.gate_cond, NULL);
	fn = is_hostile(o.wl) ? hostile_thread : o.direct_dir ? direct_thread : bench9p_thread;
	for (unsigned int i = 0; i < o.conns; i++) {
		struct worker *w = &run.w[i];

		w->run = &run;
		w->id = i;
		w->rng = o.seed * 0x9E3779B97F4A7C15ULL + i + 1;
		rc = pthread_create(&w->th, NULL, fn, w);
		if (rc) {
			fprintf(stderr, "p9bench: pthread_create: %s\n", strerror(rc));
			atomic_store(&run.stop, 1);
			failed = 1;
			break;
		}
		started++;
	}
	/* Workers connect and set up, then all start together. */
	pthread_mutex_lock(&run.gate_lock);
	while (run.ready < started)
		pthread_cond_wait(&run.gate_cond, &run.gate_lock);
	run.go = 1;
	pthread_cond_broadcast(&run.gate_cond);
	pthread_mutex_unlock(&run.gate_lock);
	for (unsigned int i = 0; i < started; i++)
		pthread_join(run.w[i].th, NULL);
	for (unsigned int i = 0; i < started; i++) {
		if (run.w[i].err) {
			fprintf(stderr, "p9bench: %s %s conn %u: %s\n", o.label,
				workload_names[o.wl], i, run.w[i].why);
			failed = 1;
		}
	}
	if (failed)
		printf("p9bench workload=%s mode=%s label=%s conns=%u inflight=%u errors=1\n",
		       workload_names[o.wl], o.direct_dir ? "direct" : "9p", o.label, o.conns,
		       run.inflight);
	else
		report(&run);
	for (unsigned int i = 0; i < o.conns; i++)
		free(run.w[i].lat.v);
	free(run.w);
	pthread_cond_destroy(&run.gate_cond);
	pthread_mutex_destroy(&run.gate_lock);
	return failed;
}
