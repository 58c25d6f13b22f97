/* opttab.c - table-driven long options (see opttab.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/opttab.h"

static const struct opt_def *find(const struct opt_def *defs, size_t n, const char *name,
				  size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(defs[i].name) == len && memcmp(defs[i].name, name, len) == 0)
			return &defs[i];
	return NULL;
}

/* A whole number in base, no sign, min..max. */
static int number(const char *s, int base, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, base);
	return errno || *end || *out < min || *out > max ? -1 : 0;
}

/* Set d's field from arg; 0, or -1 with err filled. */
static int set(const struct opt_def *d, const char *arg, void *base, char *err, size_t errsz)
{
	void *field = (char *)base + d->off;
	unsigned long v;

	err[0] = '\0';
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_UINT:
	case OPT_FD:
		if (number(arg, 10, d->min, d->max, &v) < 0)
			break;
		if (d->kind == OPT_UINT)
			*(unsigned int *)field = (unsigned int)v;
		else
			*(int *)field = (int)v;
		return 0;
	case OPT_OCTAL:
		if (number(arg, 8, d->min, d->max, &v) < 0)
			break;
		*(unsigned long *)field = v;
		return 0;
	case OPT_STR:
		if (d->parse && d->parse(field, arg, err, errsz) < 0)
			break;
		*(const char **)field = arg;
		return 0;
	case OPT_FN:
		if (d->parse(field, arg, err, errsz) < 0)
			break;
		return 0;
	default:
		break;
	}
	if (!err[0]) {
		snprintf(err, errsz, "--%s: expected %s, got %s", d->name,
			 d->expect ? d->expect : "a valid value", arg);
	} else {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errsz, "--%s %s", d->name, why);
	}
	return -1;
}

int opt_parse(const struct opt_def *defs, size_t n, int argc, char **argv, void *base, char *err,
	      size_t errsz)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *arg = NULL;
		const struct opt_def *d;

		if (strncmp(a, "--", 2) != 0 || !a[2]) {
			snprintf(err, errsz, "unexpected argument %s (see --help)", a);
			return -1;
		}
		eq = strchr(a + 2, '=');
		d = find(defs, n, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (!d) {
			snprintf(err, errsz, "unknown option %s (see --help)", a);
			return -1;
		}
		if (d->kind == OPT_HELP || d->kind == OPT_VERSION || d->kind == OPT_FLAG) {
			if (eq) {
				snprintf(err, errsz, "--%s takes no value", d->name);
				return -1;
			}
			if (d->kind != OPT_FLAG)
				return d->kind == OPT_HELP ? OPT_RESULT_HELP : OPT_RESULT_VERSION;
		} else if (eq) {
			arg = eq + 1;
		} else if (i + 1 < argc) {
			arg = argv[++i];
		} else {
			snprintf(err, errsz, "--%s needs a value", d->name);
			return -1;
		}
		if (set(d, arg, base, err, errsz) < 0)
			return -1;
	}
	return OPT_RESULT_OK;
}

void opt_help(FILE *f, const struct opt_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (defs[i].help)
			fprintf(f, "  --%s%s\n", defs[i].name, defs[i].help);
}
