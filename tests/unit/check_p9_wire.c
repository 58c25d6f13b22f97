/* check_p9_wire.c - unit tests for the little-endian cursors. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "p9_wire.h"

START_TEST(t_get_le)
{
	static const uint8_t b[] = {
		0x01,
		0x02, 0x03,
		0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0xff,
	};
	struct wire_rd r;

	wire_rd_init(&r, b, sizeof(b));
	ck_assert_uint_eq(wire_rd_left(&r), 15);
	ck_assert_uint_eq(wire_get8(&r), 0x01);
	ck_assert_uint_eq(wire_get16(&r), 0x0302);
	ck_assert_uint_eq(wire_get32(&r), 0x07060504);
	ck_assert_uint_eq(wire_get64(&r), 0xff0e0d0c0b0a0908ULL);
	ck_assert_int_eq(r.err, 0);
	ck_assert_uint_eq(wire_rd_left(&r), 0);
}
END_TEST

/* A read that does not fit fails whole, and every later read fails too. */
START_TEST(t_get_sticky)
{
	static const uint8_t b[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct wire_rd r;

	wire_rd_init(&r, b, sizeof(b));
	ck_assert_uint_eq(wire_get16(&r), 0x2211);
	ck_assert_uint_eq(wire_get32(&r), 0);	/* 3 left, 4 wanted */
	ck_assert_int_ne(r.err, 0);
	ck_assert_uint_eq(wire_rd_left(&r), 3);	/* nothing consumed */
	ck_assert_uint_eq(wire_get8(&r), 0);	/* would fit, but the flag sticks */
	ck_assert_uint_eq(wire_get16(&r), 0);
	ck_assert_ptr_null(wire_getn(&r, 0));
	ck_assert_uint_eq(wire_rd_left(&r), 3);
}
END_TEST

START_TEST(t_get_each_width_short)
{
	static const uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct wire_rd r;

	for (size_t n = 0; n < 8; n++) {
		wire_rd_init(&r, b, n);
		ck_assert_uint_eq(wire_get64(&r), 0);
		ck_assert_int_ne(r.err, 0);
		if (n < 4) {
			wire_rd_init(&r, b, n);
			ck_assert_uint_eq(wire_get32(&r), 0);
			ck_assert_int_ne(r.err, 0);
		}
		if (n < 2) {
			wire_rd_init(&r, b, n);
			ck_assert_uint_eq(wire_get16(&r), 0);
			ck_assert_int_ne(r.err, 0);
		}
	}
	wire_rd_init(&r, b, 0);
	ck_assert_uint_eq(wire_get8(&r), 0);
	ck_assert_int_ne(r.err, 0);
}
END_TEST

START_TEST(t_getn)
{
	static const uint8_t b[] = { 'a', 'b', 'c', 'd' };
	struct wire_rd r;
	const uint8_t *p;

	wire_rd_init(&r, b, sizeof(b));
	p = wire_getn(&r, 0);
	ck_assert_ptr_eq(p, b);
	p = wire_getn(&r, 3);
	ck_assert_ptr_eq(p, b);
	ck_assert_ptr_null(wire_getn(&r, 2));
	ck_assert_int_ne(r.err, 0);

	/* A huge count must not wrap the pointer arithmetic. */
	wire_rd_init(&r, b, sizeof(b));
	ck_assert_ptr_null(wire_getn(&r, SIZE_MAX));
	ck_assert_int_ne(r.err, 0);
}
END_TEST

START_TEST(t_put_le)
{
	static const uint8_t want[] = {
		0x01,
		0x02, 0x03,
		0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0xff,
		'x', 'y',
	};
	uint8_t buf[32];
	struct wire_wr w;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put8(&w, 0x01);
	wire_put16(&w, 0x0302);
	wire_put32(&w, 0x07060504);
	wire_put64(&w, 0xff0e0d0c0b0a0908ULL);
	wire_putn(&w, "xy", 2);
	wire_putn(&w, NULL, 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert_uint_eq(w.len, sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
}
END_TEST

/* Writes stop at the capacity, never beyond, and the flag sticks. */
START_TEST(t_put_overflow)
{
	uint8_t buf[8];
	struct wire_wr w;

	memset(buf, 0xa5, sizeof(buf));
	wire_wr_init(&w, buf, 5);
	wire_put32(&w, 0x11223344);
	wire_put16(&w, 0x5566);		/* 1 left, 2 wanted */
	ck_assert_int_ne(w.err, 0);
	ck_assert_uint_eq(w.len, 4);
	wire_put8(&w, 0x77);		/* would fit, but the flag sticks */
	ck_assert_uint_eq(w.len, 4);
	ck_assert_uint_eq(buf[4], 0xa5);
	ck_assert_ptr_null(wire_reserve(&w, 0));

	for (size_t cap = 0; cap < 8; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		wire_wr_init(&w, buf, cap);
		wire_put64(&w, ~0ULL);
		ck_assert_int_ne(w.err, 0);
		ck_assert_uint_eq(w.len, 0);
		for (size_t i = 0; i < sizeof(buf); i++)
			ck_assert_uint_eq(buf[i], 0xa5);
	}

	wire_wr_init(&w, buf, sizeof(buf));
	wire_putn(&w, "abc", 3);
	wire_putn(&w, "0123456789", SIZE_MAX);	/* huge: refused, never copied */
	ck_assert_int_ne(w.err, 0);
	ck_assert_uint_eq(w.len, 3);
}
END_TEST

START_TEST(t_reserve_and_patch)
{
	uint8_t buf[16];
	struct wire_wr w;
	uint8_t *size;

	wire_wr_init(&w, buf, sizeof(buf));
	size = wire_reserve(&w, 4);
	ck_assert_ptr_eq(size, buf);
	wire_put8(&w, 0x78);
	wire_put16(&w, 0xabcd);
	wire_store32(size, (uint32_t)w.len);
	ck_assert_uint_eq(wire_load32(buf), 7);
	ck_assert_uint_eq(buf[0], 7);
	ck_assert_uint_eq(buf[3], 0);
	ck_assert_uint_eq(wire_load16(buf + 5), 0xabcd);
	ck_assert_ptr_eq(wire_reserve(&w, 9), buf + 7);
	ck_assert_ptr_null(wire_reserve(&w, 1));
	ck_assert_int_ne(w.err, 0);
}
END_TEST

START_TEST(t_store_load)
{
	uint8_t b[4];

	wire_store32(b, 0xdeadbeef);
	ck_assert_uint_eq(b[0], 0xef);
	ck_assert_uint_eq(b[1], 0xbe);
	ck_assert_uint_eq(b[2], 0xad);
	ck_assert_uint_eq(b[3], 0xde);
	ck_assert_uint_eq(wire_load32(b), 0xdeadbeef);
	ck_assert_uint_eq(wire_load16(b), 0xbeef);
	ck_assert_uint_eq(wire_load16(b + 2), 0xdead);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("p9_wire");
	TCase *tc = tcase_create("cursors");

	tcase_add_test(tc, t_get_le);
	tcase_add_test(tc, t_get_sticky);
	tcase_add_test(tc, t_get_each_width_short);
	tcase_add_test(tc, t_getn);
	tcase_add_test(tc, t_put_le);
	tcase_add_test(tc, t_put_overflow);
	tcase_add_test(tc, t_reserve_and_patch);
	tcase_add_test(tc, t_store_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
