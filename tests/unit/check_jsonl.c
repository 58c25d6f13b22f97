/* check_jsonl.c - the audit trail's record format (src/common/jsonl.c):
 * what the writer puts on a line, and that the reader gets every byte
 * back, names that are not UTF-8 included. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonl.h"

/* Write one record of the given string field (and a number); into line. */
static size_t write_one(char *line, size_t cap, const char *v, size_t n)
{
	struct jsonl_out j;

	jsonl_begin(&j, line, cap, 16);
	jsonl_put_str(&j, "path", v, n);
	jsonl_put_u64(&j, "uid", 1000);
	return jsonl_end(&j);
}

START_TEST(test_plain_line)
{
	char line[256];
	size_t len = write_one(line, sizeof(line), "/d/f", 4);

	ck_assert_uint_eq(len, strlen("{\"path\":\"/d/f\",\"uid\":1000}\n"));
	ck_assert(memcmp(line, "{\"path\":\"/d/f\",\"uid\":1000}\n", len) == 0);
}
END_TEST

START_TEST(test_escapes)
{
	char line[256];
	size_t len = write_one(line, sizeof(line), "a\"b\\c\n\x7f", 7);

	line[len] = '\0';
	ck_assert_str_eq(line, "{\"path\":\"a\\\"b\\\\c\\u000a\\u007f\",\"uid\":1000}\n");
}
END_TEST

/* Every byte string comes back the same through write, parse, apply_hex. */
static void round_trip(const char *v, size_t n)
{
	char line[512], store[512];
	struct jsonl_record r = {.store = store};
	const struct jsonl_field *f;
	size_t len = write_one(line, sizeof(line), v, n);

	line[len - 1] = '\0'; /* the reader takes the line without its '\n' */
	ck_assert_msg(jsonl_parse(line, &r), "not parsed: %s", line);
	jsonl_apply_hex(&r);
	f = jsonl_get(&r, "path");
	ck_assert_ptr_nonnull(f);
	ck_assert(f->is_str);
	ck_assert_uint_eq(f->len, n);
	ck_assert(memcmp(f->val, v, n) == 0);
	f = jsonl_get(&r, "uid");
	ck_assert_ptr_nonnull(f);
	ck_assert(!f->is_str);
	ck_assert_str_eq(f->val, "1000");
}

START_TEST(test_round_trip)
{
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
	    {"", 0},
	    {"/x\xff", 3},	       /* not UTF-8 */
	    {"/\xc3\xa9t\xc3\xa9", 7}, /* UTF-8 stays as it is */
	    {"\xc0\xaf", 2},	       /* an overlong '/' */
	    {"\xed\xa0\x80", 3},       /* a surrogate */
	    {"a\0b", 3},	       /* NUL */
	    {"\xf0\x9f\x98\x80", 4},   /* beyond the BMP */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		round_trip(cases[i].s, cases[i].n);
}
END_TEST

START_TEST(test_invalid_gets_hex)
{
	char line[256];
	size_t len = write_one(line, sizeof(line), "/x\xff", 3);

	line[len] = '\0';
	ck_assert_str_eq(line,
			 "{\"path\":\"/x\xef\xbf\xbd\",\"path_hex\":\"2f78ff\",\"uid\":1000}\n");
}
END_TEST

START_TEST(test_cut_is_marked)
{
	char line[96], store[96], big[200];
	struct jsonl_record r = {.store = store};
	size_t len;

	memset(big, 'a', sizeof(big));
	len = write_one(line, sizeof(line), big, sizeof(big));
	ck_assert_uint_le(len, sizeof(line));
	ck_assert_int_eq(line[len - 1], '\n');
	line[len - 1] = '\0';
	ck_assert_msg(jsonl_parse(line, &r), "not parsed: %s", line);
	ck_assert_ptr_nonnull(jsonl_get(&r, "truncated"));
	ck_assert_uint_lt(jsonl_get(&r, "path")->len, sizeof(big));
}
END_TEST

START_TEST(test_reader_refuses)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "[1]",
	    "{\"a\":{\"b\":1}}",
	    "{\"a\":\"x}",
	    "{\"a\":1,}",
	    "{\"a\":\"\\q\"}",
	    "{\"a\":1} trailing",
	    "{\"a\":nope}",
	};
	char store[64];
	struct jsonl_record r = {.store = store};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!jsonl_parse(bad[i], &r), "accepted: %s", bad[i]);
	ck_assert(jsonl_parse("{}", &r));
	ck_assert_int_eq(r.n, 0);
}
END_TEST

START_TEST(test_utf8_len)
{
	ck_assert_uint_eq(jsonl_utf8_len((const unsigned char *)"a", 1), 1);
	ck_assert_uint_eq(jsonl_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
	ck_assert_uint_eq(jsonl_utf8_len((const unsigned char *)"\xc3", 1), 0);
	ck_assert_uint_eq(jsonl_utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
	ck_assert_uint_eq(jsonl_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsonl");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, test_plain_line);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_invalid_gets_hex);
	tcase_add_test(tc, test_cut_is_marked);
	tcase_add_test(tc, test_reader_refuses);
	tcase_add_test(tc, test_utf8_len);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
