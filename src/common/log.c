/* log.c - diagnostics to stderr and/or syslog (see log.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/log.h"

static const char *log_prog = "p9guard";
static int log_dest = LOG_TO_STDERR;
static enum log_level log_lvl = LOG_LVL_INFO;

void log_init(const char *progname, int destinations, enum log_level level)
{
	log_prog = progname;
	log_dest = destinations;
	log_lvl = level;
	if (destinations & LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	log_lvl = level;
}

enum log_level log_get_level(void)
{
	return log_lvl;
}

int log_level_parse(const char *s)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static void log_vemit(enum log_level lvl, const char *suffix, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char msg[1024];

	if (lvl > log_lvl)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_dest & LOG_TO_STDERR)
		/* One fprintf so lines from threads do not interleave. */
		fprintf(stderr, "%s[%ld]: %s%s%s%s\n", log_prog, (long)getpid(), tag[lvl], msg,
			suffix ? ": " : "", suffix ? suffix : "");
	if (log_dest & LOG_TO_SYSLOG)
		syslog(prio[lvl], "%s%s%s%s", tag[lvl], msg, suffix ? ": " : "", suffix ? suffix : "");
}

#define LOG_DEFINE(fn, lvl)                          \
	void fn(const char *fmt, ...)                \
	{                                            \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		log_vemit(lvl, NULL, fmt, ap);       \
		va_end(ap);                          \
	}

LOG_DEFINE(log_err, LOG_LVL_ERR)
LOG_DEFINE(log_warn, LOG_LVL_WARN)
LOG_DEFINE(log_info, LOG_LVL_INFO)
LOG_DEFINE(log_debug, LOG_LVL_DEBUG)

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void die_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

int errbuf_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}
