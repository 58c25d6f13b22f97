/* check_opttab.c - the table-driven option parser (src/common/opttab.c)
 * that p9guard-helper's options go through. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/opttab.h"

struct opts {
	int fd;
	unsigned int n;
	unsigned long mode;
	bool flag;
	const char *name;
	int color;
};

static int p_color(void *f, const char *arg, char *err, size_t errsz)
{
	(void)err, (void)errsz;
	if (strcmp(arg, "red") && strcmp(arg, "blue"))
		return -1;
	*(int *)f = strcmp(arg, "red") == 0 ? 1 : 2;
	return 0;
}

static int p_plain(void *f, const char *arg, char *err, size_t errsz)
{
	(void)f;
	if (strchr(arg, '/')) {
		snprintf(err, errsz, "'%s' holds a slash", arg);
		return -1;
	}
	return 0;
}

#define O(f) offsetof(struct opts, f)
static const struct opt_def defs[] = {
    {"fd", OPT_FD, O(fd), 3, 100, NULL, "a descriptor number", "=N  a descriptor"},
    {"n", OPT_UINT, O(n), 1, 64, NULL, "1 to 64", "=N  a count"},
    {"mode", OPT_OCTAL, O(mode), 0, 0777, NULL, "an octal mode", "=M  a mode"},
    {"flag", OPT_FLAG, O(flag), 0, 0, NULL, NULL, "  a flag"},
    {"name", OPT_STR, O(name), 0, 0, p_plain, NULL, NULL},
    {"color", OPT_FN, O(color), 0, 0, p_color, "red or blue", "=C  a color"},
    {"help", OPT_HELP, 0, 0, 0, NULL, NULL, "  help"},
};
#define N (sizeof(defs) / sizeof(defs[0]))

static int parse(struct opts *o, char *err, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	return opt_parse(defs, N, argc, argv, o, err, 256);
}

START_TEST(test_values)
{
	char *argv[] = {"x",	  "--fd=7",   "--n",	 "12",	 "--mode=0755",
			"--flag", "--name=a", "--color", "blue", NULL};
	struct opts o;
	char err[256];

	ck_assert_int_eq(parse(&o, err, 9, argv), OPT_RESULT_OK);
	ck_assert_int_eq(o.fd, 7);
	ck_assert_uint_eq(o.n, 12);
	ck_assert_uint_eq(o.mode, 0755);
	ck_assert(o.flag);
	ck_assert_str_eq(o.name, "a");
	ck_assert_int_eq(o.color, 2);
}
END_TEST

/* Each bad command line, and the start of the error it must give. */
START_TEST(test_errors)
{
	static const struct {
		const char *arg[3];
		const char *err;
	} cases[] = {
	    {{"--fd=2"}, "--fd: expected a descriptor number, got 2"},
	    {{"--fd=101"}, "--fd: expected a descriptor number, got 101"},
	    {{"--n=0"}, "--n: expected 1 to 64, got 0"},
	    {{"--n=-1"}, "--n: expected 1 to 64, got -1"},
	    {{"--n=1x"}, "--n: expected 1 to 64, got 1x"},
	    {{"--mode=0800"}, "--mode: expected an octal mode, got 0800"},
	    {{"--color=green"}, "--color: expected red or blue, got green"},
	    {{"--name=a/b"}, "--name 'a/b' holds a slash"},
	    {{"--flag=1"}, "--flag takes no value"},
	    {{"--n"}, "--n needs a value"},
	    {{"--nope"}, "unknown option --nope"},
	    {{"--f"}, "unknown option --f"}, /* no abbreviations */
	    {{"plain"}, "unexpected argument plain"},
	    {{"-n"}, "unexpected argument -n"},
	};
	struct opts o;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = {"x", (char *)cases[i].arg[0], NULL};

		ck_assert_int_eq(parse(&o, err, 2, argv), -1);
		ck_assert_msg(strncmp(err, cases[i].err, strlen(cases[i].err)) == 0,
			      "%s: got \"%s\"", cases[i].arg[0], err);
	}
}
END_TEST

START_TEST(test_help)
{
	char *argv[] = {"x", "--n=3", "--help", "--nope", NULL};
	struct opts o;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(parse(&o, err, 4, argv), OPT_RESULT_HELP);
	opt_help(f, defs, N);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "  --fd=N  a descriptor\n"));
	ck_assert_ptr_null(strstr(text, "--name")); /* a row without help is not listed */
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opttab");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_help);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
