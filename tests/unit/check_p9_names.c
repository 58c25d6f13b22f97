/* check_p9_names.c - unit tests for the frontend's checks of names in 9P requests. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/p9_names.h"

static struct p9_str str_n(const char *s, size_t n)
{
	return (struct p9_str){.s = s, .len = (uint16_t)n};
}

static char long_name[P9_PATH_MAX + 2];

/* A string of n 'x'. */
static struct p9_str xs(size_t n)
{
	memset(long_name, 'x', sizeof(long_name));
	return str_n(long_name, n);
}

START_TEST(t_entry_names)
{
	ck_assert_int_eq(p9_name_check(p9_str_c("file")), 0);
	ck_assert_int_eq(p9_name_check(p9_str_c(".")), 0);	/* the helper decides */
	ck_assert_int_eq(p9_name_check(p9_str_c("..")), 0);
	ck_assert_int_eq(p9_name_check(p9_str_c("a b\n\x01\xff")), 0);
	ck_assert_int_eq(p9_name_check(p9_str_c("")), -EINVAL);
	ck_assert_int_eq(p9_name_check(p9_str_c("/")), -EINVAL);
	ck_assert_int_eq(p9_name_check(p9_str_c("a/b")), -EINVAL);
	ck_assert_int_eq(p9_name_check(p9_str_c("x/..")), -EINVAL);
	ck_assert_int_eq(p9_name_check(str_n("ok\0../evil", 10)), -EINVAL);
	ck_assert_int_eq(p9_name_check(xs(P9_NAME_MAX)), 0);
	ck_assert_int_eq(p9_name_check(xs(P9_NAME_MAX + 1)), -ENAMETOOLONG);
	ck_assert_int_eq(p9_name_check(str_n(NULL, 3)), -EINVAL);
}
END_TEST

START_TEST(t_walk)
{
	struct p9_msg m = {.type = P9_TWALK};

	m.u.twalk.nwname = 0;
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.twalk.nwname = 3;
	m.u.twalk.wname[0] = p9_str_c("a");
	m.u.twalk.wname[1] = p9_str_c("..");
	m.u.twalk.wname[2] = p9_str_c("c");
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	/* A bad later element fails the whole walk. */
	m.u.twalk.wname[2] = p9_str_c("c/d");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m.u.twalk.wname[2] = xs(P9_NAME_MAX + 1);
	ck_assert_int_eq(p9_msg_names_check(&m), -ENAMETOOLONG);
	/* Only the elements counted are looked at. */
	m.u.twalk.nwname = 2;
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
}
END_TEST

START_TEST(t_each_type)
{
	struct p9_msg m;

	m = (struct p9_msg){.type = P9_TLCREATE};
	m.u.tlcreate.name = p9_str_c("");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m = (struct p9_msg){.type = P9_TMKDIR};
	m.u.tmkdir.name = p9_str_c("/etc");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m = (struct p9_msg){.type = P9_TMKNOD};
	m.u.tmknod.name = p9_str_c("a/b");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m = (struct p9_msg){.type = P9_TLINK};
	m.u.tlink.name = xs(300);
	ck_assert_int_eq(p9_msg_names_check(&m), -ENAMETOOLONG);
	m = (struct p9_msg){.type = P9_TRENAME};
	m.u.trename.name = p9_str_c("ok");
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m = (struct p9_msg){.type = P9_TUNLINKAT};
	m.u.tunlinkat.name = p9_str_c("../x");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);

	m = (struct p9_msg){.type = P9_TRENAMEAT};
	m.u.trenameat.oldname = p9_str_c("a");
	m.u.trenameat.newname = p9_str_c("b/");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m.u.trenameat.oldname = p9_str_c("");
	m.u.trenameat.newname = p9_str_c("b");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);

	/* Symlink: the name is an entry name, the target any text. */
	m = (struct p9_msg){.type = P9_TSYMLINK};
	m.u.tsymlink.name = p9_str_c("link");
	m.u.tsymlink.symtgt = p9_str_c("../../etc/passwd");
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.tsymlink.symtgt = xs(P9_PATH_MAX + 1);
	ck_assert_int_eq(p9_msg_names_check(&m), -ENAMETOOLONG);
	m.u.tsymlink.symtgt = p9_str_c("t");
	m.u.tsymlink.name = p9_str_c("a/link");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);

	m = (struct p9_msg){.type = P9_TATTACH};
	m.u.tattach.aname = p9_str_c("/any/text");
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.tattach.aname = xs(P9_PATH_MAX + 1);
	ck_assert_int_eq(p9_msg_names_check(&m), -ENAMETOOLONG);

	/* Messages without names pass whatever their union holds. */
	m = (struct p9_msg){.type = P9_TGETATTR};
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
}
END_TEST

START_TEST(t_xattr_names)
{
	struct p9_msg m = {.type = P9_TXATTRWALK};

	m.u.txattrwalk.name = p9_str_c("");	/* the list */
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.txattrwalk.name = p9_str_c("user.a/b");	/* '/' is legal in xattr names */
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.txattrwalk.name = xs(P9_NAME_MAX + 1);
	ck_assert_int_eq(p9_msg_names_check(&m), -ERANGE);
	m.u.txattrwalk.name = str_n("user.a\0b", 8);
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);

	m = (struct p9_msg){.type = P9_TXATTRCREATE};
	m.u.txattrcreate.name = p9_str_c("");
	ck_assert_int_eq(p9_msg_names_check(&m), -EINVAL);
	m.u.txattrcreate.name = p9_str_c("user.x");
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.txattrcreate.name = xs(P9_NAME_MAX);
	ck_assert_int_eq(p9_msg_names_check(&m), 0);
	m.u.txattrcreate.name = xs(P9_NAME_MAX + 1);
	ck_assert_int_eq(p9_msg_names_check(&m), -ERANGE);
}
END_TEST

/* Which string was refused, and the fid it goes with. */
START_TEST(t_refusal)
{
	struct p9_name_refusal why = {.fid = 77};
	struct p9_msg m = {.type = P9_TRENAMEAT};

	m.u.trenameat = (struct p9_trenameat){3, p9_str_c("a"), 4, p9_str_c("b/c")};
	ck_assert_int_eq(p9_msg_names_refusal(&m, &why), -EINVAL);
	ck_assert(why.found);
	ck_assert_uint_eq(why.fid, 4);
	ck_assert_uint_eq(why.name.len, 3);
	ck_assert_mem_eq(why.name.s, "b/c", 3);
	m.u.trenameat.oldname = p9_str_c("");
	ck_assert_int_eq(p9_msg_names_refusal(&m, &why), -EINVAL);
	ck_assert_uint_eq(why.fid, 3);
	ck_assert_uint_eq(why.name.len, 0);

	m = (struct p9_msg){.type = P9_TWALK};
	m.u.twalk.fid = 9;
	m.u.twalk.nwname = 3;
	m.u.twalk.wname[0] = p9_str_c("ok");
	m.u.twalk.wname[1] = xs(P9_NAME_MAX + 1);
	m.u.twalk.wname[2] = p9_str_c("a/b");
	ck_assert_int_eq(p9_msg_names_refusal(&m, &why), -ENAMETOOLONG);
	ck_assert_uint_eq(why.fid, 9);
	ck_assert_uint_eq(why.name.len, P9_NAME_MAX + 1);

	m = (struct p9_msg){.type = P9_TMKDIR};
	m.u.tmkdir.dfid = 5;
	m.u.tmkdir.name = str_n("a\0", 2);
	ck_assert_int_eq(p9_msg_names_refusal(&m, &why), -EINVAL);
	ck_assert_uint_eq(why.fid, 5);
	ck_assert_uint_eq(why.name.len, 2);

	/* Nothing refused: *why is left alone. */
	why = (struct p9_name_refusal){.fid = 77};
	m.u.tmkdir.name = p9_str_c("fine");
	ck_assert_int_eq(p9_msg_names_refusal(&m, &why), 0);
	ck_assert(!why.found);
	ck_assert_uint_eq(why.fid, 77);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("p9_names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, t_entry_names);
	tcase_add_test(tc, t_walk);
	tcase_add_test(tc, t_each_type);
	tcase_add_test(tc, t_xattr_names);
	tcase_add_test(tc, t_refusal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
