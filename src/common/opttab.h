/*
 * opttab.h - long options described by a table, parsed by one loop.
 *
 * Each row names an option, the field of the caller's options struct it
 * sets (an offset), how its value is checked, and its --help line; the
 * help text is made from the same rows, so it cannot list an option that
 * does not exist.  An error names the option and what it expected.
 */
#ifndef P9G_OPTTAB_H
#define P9G_OPTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,    /* no value: the bool field becomes true */
	OPT_UINT,    /* unsigned int, decimal, min..max */
	OPT_FD,	     /* int, a descriptor number min..max */
	OPT_OCTAL,   /* unsigned long, octal, min..max */
	OPT_STR,     /* const char *, the argument itself (parse may check it) */
	OPT_FN,	     /* parse(field, arg, err, errsz) decides */
	OPT_HELP,    /* opt_parse() returns OPT_RESULT_HELP */
	OPT_VERSION, /* opt_parse() returns OPT_RESULT_VERSION */
};

struct opt_def {
	const char *name; /* without the leading "--" */
	enum opt_kind kind;
	size_t off; /* offsetof() the field in the options struct */
	unsigned long min, max;
	/* OPT_FN (and a check for OPT_STR): 0, or -1 with err filled or
	 * left empty (then the error is "--NAME: expected EXPECT, got ARG") */
	int (*parse)(void *field, const char *arg, char *err, size_t errsz);
	const char *expect; /* what a valid value is, for errors */
	const char *help;   /* "=ARG  text" for --help, or NULL: not listed */
};

enum opt_result { OPT_RESULT_OK = 0, OPT_RESULT_HELP = 1, OPT_RESULT_VERSION = 2 };

/* Parse argv into base; OPT_RESULT_*, or -1 with err filled. */
int opt_parse(const struct opt_def *defs, size_t n, int argc, char **argv, void *base, char *err,
	      size_t errsz);
/* One line per listed row: "  --NAME=ARG  text". */
void opt_help(FILE *f, const struct opt_def *defs, size_t n);

#endif
