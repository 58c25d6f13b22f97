/* cf_harness.c - see cf_harness.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_harness.h"

#define ARMED_MARK "@@armed@@"

void cf_say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nothing to do */
	}
}

void cf_armed(void)
{
	cf_say(ARMED_MARK);
}

const char *cf_read_fd(int fd, char *buf, size_t len)
{
	ssize_t n;

	/* lseek + read: both filters allow them (the helper's has no pread) */
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

const char *cf_status_field(const char *status, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);
	const char *p = status;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			const char *v = p + klen + 1;
			size_t n = 0;

			while (*v == ' ' || *v == '\t')
				v++;
			while (v[n] && v[n] != '\n')
				n++;
			if (n >= len)
				n = len - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return out;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int verbose;
int cf_arg;

/* Run one case; 0 pass, 1 fail, 2 skip. */
static int cf_run(const char *suite, const struct cf_case *c)
{
	char log[16384];
	size_t got = 0;
	int pfd[2], status;
	pid_t pid;
	const char *why = NULL;
	char whybuf[160];
	int result;

	fflush(stdout);
	if (pipe(pfd) != 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		struct rlimit nocore = {0, 0};

		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[1]);
		setrlimit(RLIMIT_CORE, &nocore);
		alarm(20);
		cf_arg = c->arg;
		_exit(c->fn());
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], log + got, sizeof(log) - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(log) - 1)
			break;
	}
	log[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (WIFEXITED(status) && WEXITSTATUS(status) == CF_SKIP) {
		const char *nl;

		/* the last line the child said is the reason */
		nl = log + got;
		while (nl > log && nl[-1] == '\n')
			nl--;
		while (nl > log && nl[-1] != '\n')
			nl--;
		printf("SKIP: %s/%s - %s", suite, c->name, nl[0] ? nl : "skipped\n");
		if (!nl[0] || log[got - 1] != '\n')
			printf("\n");
		return 2;
	}
	switch (c->expect) {
	case CF_EXIT_OK:
		if (WIFSIGNALED(status)) {
			snprintf(whybuf, sizeof(whybuf), "child killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
			why = whybuf;
		} else if (WEXITSTATUS(status) != 0) {
			snprintf(whybuf, sizeof(whybuf), "child exited %d", WEXITSTATUS(status));
			why = whybuf;
		}
		break;
	case CF_KILLED_SYS:
		if (!strstr(log, ARMED_MARK))
			why = "child did not reach the forbidden call (sandbox set-up failed?)";
		else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS) {
			if (WIFSIGNALED(status))
				snprintf(whybuf, sizeof(whybuf),
					 "expected death by SIGSYS, got signal %d",
					 WTERMSIG(status));
			else
				snprintf(whybuf, sizeof(whybuf),
					 "expected death by SIGSYS, child exited %d",
					 WEXITSTATUS(status));
			why = whybuf;
		}
		break;
	}
	if (!why && c->log_must && !strstr(log, c->log_must)) {
		snprintf(whybuf, sizeof(whybuf), "log lacks \"%s\"", c->log_must);
		why = whybuf;
	}
	result = why ? 1 : 0;
	if (why)
		printf("FAIL: %s/%s - %s: %s\n", suite, c->name, c->what, why);
	else
		printf("PASS: %s/%s - %s\n", suite, c->name, c->what);
	if (why || verbose) {
		char *line = log, *nl;

		while (*line) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			if (strcmp(line, ARMED_MARK) != 0)
				printf("    | %s\n", line);
			if (!nl)
				break;
			line = nl + 1;
		}
	}
	return result;
}

int cf_main(const char *suite, int argc, char **argv, const struct cf_case *cases, size_t n)
{
	int pass = 0, fail = 0, skip = 0, run = 0, first = 1;

	while (first < argc && argv[first][0] == '-') {
		if (strcmp(argv[first], "--run") == 0)
			run = 1;
		else if (strcmp(argv[first], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[first], "--list") == 0) {
			for (size_t i = 0; i < n; i++)
				printf("%s\t%s\n", cases[i].name, cases[i].what);
			return 0;
		}
		first++;
	}
	if (!run) {
		printf("SKIP: %s - run through tests/confinement/run.sh BUILDDIR (as root)\n",
		       suite);
		return CF_SKIP;
	}
	if (geteuid() != 0) {
		printf("SKIP: %s - needs root (drops to uid 65534 / keeps helper capabilities)\n",
		       suite);
		return CF_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++) {
		int want = first >= argc;

		for (int a = first; a < argc; a++)
			if (strcmp(argv[a], cases[i].name) == 0)
				want = 1;
		if (!want)
			continue;
		switch (cf_run(suite, &cases[i])) {
		case 0:
			pass++;
			break;
		case 2:
			skip++;
			break;
		default:
			fail++;
		}
	}
	printf("%s: %d passed, %d failed, %d skipped\n", suite, pass, fail, skip);
	return fail ? 1 : 0;
}
