/* check_busypoll.c - unit tests for the adaptive polling window (src/common/busypoll.c). */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "common/busypoll.h"

/* A wait that took `us` microseconds. */
static void waited(struct busypoll *bp, int64_t us)
{
	busypoll_adapt_waited(bp, us * 1000);
}

START_TEST(test_off)
{
	struct busypoll bp;

	busypoll_init(&bp, 0);
	for (int i = 0; i < 5; i++)
		waited(&bp, 1);
	ck_assert_uint_eq(bp.ns, 0);
}
END_TEST

START_TEST(test_grows_to_the_maximum)
{
	struct busypoll bp;

	busypoll_init(&bp, 32);
	ck_assert_uint_eq(bp.ns, 0);
	waited(&bp, 10); /* within the maximum, after the window: grow */
	ck_assert_uint_eq(bp.ns, 4000);
	waited(&bp, 10);
	ck_assert_uint_eq(bp.ns, 8000);
	waited(&bp, 10);
	ck_assert_uint_eq(bp.ns, 16000);
	/* Inside the window: the right size, kept. */
	waited(&bp, 15);
	ck_assert_uint_eq(bp.ns, 16000);
	waited(&bp, 20);
	ck_assert_uint_eq(bp.ns, 32000);
	waited(&bp, 31);
	ck_assert_uint_eq(bp.ns, 32000); /* capped */
}
END_TEST

START_TEST(test_long_waits_stop_polling)
{
	struct busypoll bp;

	busypoll_init(&bp, 32);
	for (int i = 0; i < 4; i++)
		waited(&bp, 31);
	ck_assert_uint_eq(bp.ns, 32000);
	waited(&bp, 500);
	ck_assert_uint_eq(bp.ns, 16000);
	waited(&bp, 500);
	waited(&bp, 500);
	ck_assert_uint_eq(bp.ns, 4000);
	waited(&bp, 500);
	ck_assert_uint_eq(bp.ns, 0);
	waited(&bp, 5000);
	ck_assert_uint_eq(bp.ns, 0);
}
END_TEST

START_TEST(test_maximum_is_bounded)
{
	struct busypoll bp;

	busypoll_init(&bp, 100000);
	ck_assert_uint_eq(bp.max_ns, BUSYPOLL_MAX_US * 1000u);
}
END_TEST

START_TEST(test_one_poller_and_only_when_idle)
{
	ck_assert(busypoll_begin(0));
	ck_assert(!busypoll_begin(0)); /* somebody polls already */
	busypoll_end();
	busypoll_work(1);
	ck_assert(!busypoll_begin(0)); /* a request is under way */
	ck_assert(busypoll_begin(1));  /* ... the caller's own */
	busypoll_end();
	busypoll_work(1);
	ck_assert(!busypoll_begin(1)); /* and another one */
	busypoll_work(-2);
	ck_assert(busypoll_begin(0));
	busypoll_end();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("busypoll");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_off);
	tcase_add_test(tc, test_grows_to_the_maximum);
	tcase_add_test(tc, test_long_waits_stop_polling);
	tcase_add_test(tc, test_maximum_is_bounded);
	tcase_add_test(tc, test_one_poller_and_only_when_idle);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
