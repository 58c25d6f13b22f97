/*
 * log.h - diagnostics for p9guard and p9guard-helper.
 *
 * Messages go to stderr (default) and/or syslog, prefixed with the program
 * name.  die*() are for start-up only (STYLE: only the launcher and the
 * helper's set-up may exit this way); running code answers errors.
 */
#ifndef P9G_LOG_H
#define P9G_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN = 1, LOG_LVL_INFO = 2, LOG_LVL_DEBUG = 3 };

#define LOG_TO_STDERR 1
#define LOG_TO_SYSLOG 2

void log_init(const char *progname, int destinations, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warning", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Put a message into a caller's error buffer (the option and map parsers
 * report that way, and their callers decide how to show it); returns -1.
 */
int errbuf_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log and exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Like die(), appending ": strerror(errno)". */
void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
