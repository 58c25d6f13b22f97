/* fdlimit.c - descriptor-limit warnings (see fdlimit.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/fdlimit.h"
#include "common/log.h"

static unsigned long long nofile_soft, nofile_hard;

void fdlimit_init(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		nofile_soft = (unsigned long long)rl.rlim_cur;
		nofile_hard = (unsigned long long)rl.rlim_max;
	}
}

bool fdlimit_errno(int err)
{
	if (err < 0)
		err = -err;
	return err == EMFILE || err == ENFILE;
}

void fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise RLIMIT_NOFILE to its hard limit: %m");
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

void fdlimit_close_except(const int *keep, size_t n)
{
	int sorted[128];
	unsigned int from = 3;
	size_t k = 0;

	for (size_t i = 0; i < n && k < sizeof(sorted) / sizeof(sorted[0]); i++)
		if (keep[i] >= 3)
			sorted[k++] = keep[i];
	qsort(sorted, k, sizeof(sorted[0]), cmp_int);
	for (size_t i = 0; i < k; i++) {
		if ((unsigned int)sorted[i] > from)
			close_range(from, (unsigned int)sorted[i] - 1, 0);
		from = (unsigned int)sorted[i] + 1;
	}
	close_range(from, ~0u, 0);
}

bool fdlimit_ratelimit_pass(struct fdlimit_ratelimit *rl, unsigned long *more)
{
	struct timespec ts;
	long long now, last;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec;
	last = atomic_load(&rl->last_s);
	if (now - last < FDLIMIT_WARN_SECONDS ||
	    !atomic_compare_exchange_strong(&rl->last_s, &last, now)) {
		atomic_fetch_add(&rl->suppressed, 1);
		return false;
	}
	*more = atomic_exchange(&rl->suppressed, 0);
	return true;
}

void fdlimit_warn(struct fdlimit_ratelimit *rl, const char *what, int err)
{
	unsigned long more;
	char again[64] = "";

	if (err < 0)
		err = -err;
	if (!fdlimit_ratelimit_pass(rl, &more))
		return;
	if (more)
		snprintf(again, sizeof(again), " (%lu more since the last warning)", more);
	if (err == ENFILE)
		log_warn("%s: ENFILE, the system-wide table of open files is full (fs.file-max)%s",
			 what, again);
	else
		log_warn("%s: EMFILE, out of descriptors (RLIMIT_NOFILE is %llu, hard %llu); "
			 "clunked fids free them, a higher limit (ulimit -n, LimitNOFILE=) allows "
			 "more%s",
			 what, nofile_soft, nofile_hard, again);
}
