/* check_idmap.c - unit tests for the guest <-> host id maps (src/common/idmap.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"

static struct idmap m;
static char err[256];

static void setup(void)
{
	idmap_init(&m);
	err[0] = '\0';
}

#define ck_add_fails(spec, needle)                                                                 \
	do {                                                                                       \
		ck_assert_int_eq(idmap_add_spec(&m, (spec), err, sizeof(err)), -1);                \
		ck_assert_msg(strstr(err, (needle)) != NULL, "'%s' lacks '%s'", err, (needle));    \
	} while (0)

START_TEST(test_empty_is_identity)
{
	bool mapped = false;

	ck_assert(!idmap_active(&m));
	ck_assert_uint_eq(idmap_to_host(&m, 0, &mapped), 0);
	ck_assert(mapped);
	ck_assert_uint_eq(idmap_to_host(&m, 123456, NULL), 123456);
	ck_assert_uint_eq(idmap_to_guest(&m, 4000000000u), 4000000000u);
}
END_TEST

START_TEST(test_ranges_both_ways)
{
	bool mapped;

	ck_assert_int_eq(idmap_add_spec(&m, "0:100000:1000", err, sizeof(err)), 0);
	ck_assert_int_eq(idmap_add_spec(&m, "5000:1000:1", err, sizeof(err)), 0);
	ck_assert(idmap_active(&m));
	ck_assert_uint_eq(idmap_to_host(&m, 0, &mapped), 100000);
	ck_assert(mapped);
	ck_assert_uint_eq(idmap_to_host(&m, 999, &mapped), 100999);
	ck_assert(mapped);
	ck_assert_uint_eq(idmap_to_host(&m, 5000, &mapped), 1000);
	ck_assert(mapped);
	/* just past a range: the squash id */
	ck_assert_uint_eq(idmap_to_host(&m, 1000, &mapped), IDMAP_DEFAULT_SQUASH);
	ck_assert(!mapped);
	ck_assert_uint_eq(idmap_to_host(&m, 4999, &mapped), IDMAP_DEFAULT_SQUASH);
	ck_assert(!mapped);
	ck_assert_uint_eq(idmap_to_guest(&m, 100000), 0);
	ck_assert_uint_eq(idmap_to_guest(&m, 100999), 999);
	ck_assert_uint_eq(idmap_to_guest(&m, 1000), 5000);
	ck_assert_uint_eq(idmap_to_guest(&m, 101000), IDMAP_OVERFLOW_ID);
	ck_assert_uint_eq(idmap_to_guest(&m, 0), IDMAP_OVERFLOW_ID);
	/* "no id" is never translated */
	ck_assert_uint_eq(idmap_to_host(&m, IDMAP_NONE, NULL), IDMAP_NONE);
	ck_assert_uint_eq(idmap_to_guest(&m, IDMAP_NONE), IDMAP_NONE);
}
END_TEST

START_TEST(test_squash)
{
	ck_assert_int_eq(idmap_add_spec(&m, "1000:2000:10", err, sizeof(err)), 0);
	ck_assert_int_eq(idmap_set_squash(&m, "77", err, sizeof(err)), 0);
	ck_assert_uint_eq(idmap_to_host(&m, 0, NULL), 77);
	ck_assert_int_eq(idmap_set_squash(&m, "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(idmap_set_squash(&m, "4294967295", err, sizeof(err)), -1);
	ck_assert_int_eq(idmap_set_squash(&m, "x", err, sizeof(err)), -1);
	ck_assert(strstr(err, "numeric id") != NULL);
	ck_assert_uint_eq(m.squash, 77);
}
END_TEST

START_TEST(test_whole_space)
{
	ck_assert_int_eq(idmap_add_spec(&m, "0:0:4294967295", err, sizeof(err)), 0);
	ck_assert_uint_eq(idmap_to_host(&m, 4294967294u, NULL), 4294967294u);
	ck_add_fails("0:1:4294967295", "past id");
}
END_TEST

START_TEST(test_malformed)
{
	ck_add_fails("", "GUEST:HOST:COUNT");
	ck_add_fails("1:2", "GUEST:HOST:COUNT");
	ck_add_fails("1:2:3:4", "GUEST:HOST:COUNT");
	ck_add_fails("a:2:3", "GUEST:HOST:COUNT");
	ck_add_fails("-1:2:3", "GUEST:HOST:COUNT");
	ck_add_fails("1: 2:3", "GUEST:HOST:COUNT");
	ck_add_fails("1:2:", "GUEST:HOST:COUNT");
	ck_add_fails("4294967295:0:1", "GUEST:HOST:COUNT");
	ck_add_fails("1:2:0", "at least 1");
	ck_add_fails("4294967290:0:10", "past id");
	ck_assert(!idmap_active(&m));
}
END_TEST

START_TEST(test_overlaps)
{
	ck_assert_int_eq(idmap_add_spec(&m, "100:1000:100", err, sizeof(err)), 0);
	ck_add_fails("199:5000:1", "guest ids overlap");
	ck_add_fails("0:5000:101", "guest ids overlap");
	ck_add_fails("500:1099:5", "host ids overlap");
	ck_add_fails("500:900:101", "host ids overlap");
	ck_assert_int_eq(idmap_add_spec(&m, "200:1100:1", err, sizeof(err)), 0);
	ck_assert_int_eq(idmap_add_spec(&m, "99:999:1", err, sizeof(err)), 0);
	ck_assert_uint_eq(m.n, 3);
}
END_TEST

START_TEST(test_too_many)
{
	char spec[64];

	for (int i = 0; i < IDMAP_MAX_RANGES; i++) {
		snprintf(spec, sizeof(spec), "%d:%d:1", i, 1000 + i);
		ck_assert_int_eq(idmap_add_spec(&m, spec, err, sizeof(err)), 0);
	}
	ck_add_fails("500:500:1", "at most");
	idmap_range_text(&m, 3, spec, sizeof(spec));
	ck_assert_str_eq(spec, "3:1003:1");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("idmap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_empty_is_identity);
	tcase_add_test(tc, test_ranges_both_ways);
	tcase_add_test(tc, test_squash);
	tcase_add_test(tc, test_whole_space);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_overlaps);
	tcase_add_test(tc, test_too_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
