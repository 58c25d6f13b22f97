/* check_keyhash.c - SipHash-2-4 (src/common/keyhash.c) against the
 * reference vectors of its authors (key 00 01 .. 0f, message 00 01 .. n-1). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/keyhash.h"

static const struct keyhash_key ref = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

static uint64_t ref_hash(size_t n)
{
	uint8_t msg[64] = { 0 };

	for (size_t i = 0; i < n; i++)
		msg[i] = (uint8_t)i;
	return keyhash(&ref, msg, n);
}

START_TEST(test_reference_vectors)
{
	ck_assert_uint_eq(ref_hash(0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(ref_hash(1), 0x74f839c593dc67fdULL);
	ck_assert_uint_eq(ref_hash(15), 0xa129ca6149be45e5ULL); /* the paper's example */
}
END_TEST

START_TEST(test_u32_is_its_bytes)
{
	const uint8_t b[4] = { 0x78, 0x56, 0x34, 0x12 };

	ck_assert_uint_eq(keyhash_u32(&ref, 0x12345678u), keyhash(&ref, b, 4));
}
END_TEST

START_TEST(test_keys_differ)
{
	struct keyhash_key a, b;

	keyhash_key_init(&a);
	keyhash_key_init(&b);
	ck_assert(a.k0 != b.k0 || a.k1 != b.k1);
	ck_assert_uint_ne(keyhash_u32(&a, 7), keyhash_u32(&b, 7));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keyhash");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_reference_vectors);
	tcase_add_test(tc, test_u32_is_its_bytes);
	tcase_add_test(tc, test_keys_differ);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
