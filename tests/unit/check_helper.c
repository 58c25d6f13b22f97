/*
 * check_helper.c - unit tests of p9guard-helper's pieces that need no
 * privilege: name checks, single-component lookups, open-flag translation,
 * the handle table and the qid remap.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "helper/helper.h"

static struct p9_str S(const char *s)
{
	return (struct p9_str){ .s = s, .len = (uint16_t)strlen(s) };
}

START_TEST(t_names)
{
	char out[HP_MAX_NAME + 1], longname[HP_MAX_NAME + 1];

	ck_assert_int_eq(path_name_cstr(S("file.txt"), out), 0);
	ck_assert_str_eq(out, "file.txt");
	ck_assert_int_eq(path_name_cstr(S(""), out), EINVAL);
	ck_assert_int_eq(path_name_cstr(S("a/b"), out), EINVAL);
	ck_assert_int_eq(path_name_cstr((struct p9_str){ "a\0b", 3 }, out), EINVAL);
	memset(longname, 'x', sizeof(longname));
	ck_assert_int_eq(path_name_cstr((struct p9_str){ longname, HP_MAX_NAME }, out), 0);
	ck_assert_int_eq(path_name_cstr((struct p9_str){ longname, HP_MAX_NAME + 1 }, out),
			 EINVAL);
	ck_assert(path_is_dot("."));
	ck_assert(path_is_dot(".."));
	ck_assert(!path_is_dot("..."));
	ck_assert(!path_is_dot(".x"));
}
END_TEST

START_TEST(t_open_flags)
{
	int f;

	ck_assert_int_eq(open_flags_from_dotl(P9_DOTL_RDONLY, false, &f), 0);
	ck_assert_int_eq(f & O_ACCMODE, O_RDONLY);
	ck_assert(f & O_CLOEXEC);
	ck_assert(f & O_NOCTTY);
	ck_assert_int_eq(open_flags_from_dotl(P9_DOTL_WRONLY | P9_DOTL_TRUNC | P9_DOTL_APPEND,
					      false, &f), 0);
	ck_assert_int_eq(f & O_ACCMODE, O_WRONLY);
	ck_assert(f & O_TRUNC);
	ck_assert(f & O_APPEND);
	ck_assert_int_eq(open_flags_from_dotl(3, false, &f), EINVAL);
	/* Never passed on: O_CREAT, O_EXCL (outside lcreate), O_NOFOLLOW. */
	ck_assert_int_eq(open_flags_from_dotl(P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_EXCL |
						      P9_DOTL_NOFOLLOW,
					      false, &f), 0);
	ck_assert(!(f & (O_CREAT | O_EXCL | O_NOFOLLOW)));
	ck_assert_int_eq(f & O_ACCMODE, O_RDWR);
	/* lcreate keeps O_EXCL and drops O_DIRECTORY. */
	ck_assert_int_eq(open_flags_from_dotl(P9_DOTL_RDWR | P9_DOTL_EXCL | P9_DOTL_DIRECTORY,
					      true, &f), 0);
	ck_assert(f & O_EXCL);
	ck_assert(!(f & O_DIRECTORY));
	ck_assert(!(f & O_CREAT));
	ck_assert_int_eq(open_flags_from_dotl(P9_DOTL_DIRECTORY, false, &f), 0);
	ck_assert(f & O_DIRECTORY);
}
END_TEST

static struct helper_node *node_of_fd(int fd)
{
	struct helper_obj *o;
	struct helper_node *n;

	ck_assert_int_eq(hobj_new(fd, &o), 0);
	ck_assert_int_eq(hnode_new(o, NULL, NULL, &n), 0);
	return n;
}

START_TEST(t_handles)
{
	struct helper_node *n = node_of_fd(open("/", O_PATH | O_CLOEXEC)), *g;
	uint32_t a, b, c;

	handles_init(0);
	ck_assert_int_eq(handles_add(n, 0, &a), 0);
	ck_assert_int_eq(handles_add(n, 0, &b), 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_ne(a, HP_NOHANDLE);
	g = handles_get(a);
	ck_assert_ptr_eq(g, n);
	hnode_put(g);
	/* Ids never issued are refused. */
	ck_assert_ptr_null(handles_get(0));
	ck_assert_ptr_null(handles_get(HP_NOHANDLE));
	ck_assert_ptr_null(handles_get(a + 2));
	ck_assert_ptr_null(handles_get(a ^ (1u << 20)));
	/* Released: gone, and its slot comes back under another id. */
	ck_assert_int_eq(handles_release(a), 0);
	ck_assert_ptr_null(handles_get(a));
	ck_assert_int_eq(handles_release(a), EBADF);
	ck_assert_int_eq(handles_add(n, 0, &c), 0);
	ck_assert_uint_ne(c, a);
	ck_assert_uint_eq(c & 0xfffff, a & 0xfffff);
	ck_assert_ptr_null(handles_get(a));
	ck_assert_int_eq(handles_release(b), 0);
	ck_assert_int_eq(handles_release(c), 0);
	ck_assert_uint_eq(atomic_load(&n->refs), 1);
	hnode_put(n);
}
END_TEST

/* Shares: with 4096 sessions each may hold HELPER_MAX_HANDLES / 4096; a
 * session that hoards is refused past its share while another still gets
 * its own, and a release makes room again. */
START_TEST(t_handle_shares)
{
	struct helper_node *n = node_of_fd(open("/", O_PATH | O_CLOEXEC));
	const uint32_t share = HELPER_MAX_HANDLES / 4096;
	static uint32_t ids[HELPER_MAX_HANDLES / 4096 + 1];
	uint32_t other, got = 0;

	handles_init(4096);
	while (got <= share && handles_add(n, 7, &ids[got]) == 0)
		got++;
	ck_assert_uint_eq(got, share);
	ck_assert_int_eq(handles_add(n, 7, &other), ENFILE);
	ck_assert_int_eq(handles_add(n, 8, &other), 0);	/* another session */
	ck_assert_int_eq(handles_release(ids[0]), 0);
	ck_assert_int_eq(handles_add(n, 7, &ids[0]), 0);
	ck_assert_int_eq(handles_add(n, 7, &ids[share]), ENFILE);
	for (uint32_t i = 0; i < got; i++)
		ck_assert_int_eq(handles_release(ids[i]), 0);
	ck_assert_int_eq(handles_release(other), 0);
	/* Everything released: the counts are back to nothing. */
	for (got = 0; got < share; got++)
		ck_assert_int_eq(handles_add(n, 9, &ids[got]), 0);
	for (uint32_t i = 0; i < got; i++)
		ck_assert_int_eq(handles_release(ids[i]), 0);
	ck_assert_uint_eq(atomic_load(&n->refs), 1);
	hnode_put(n);
	handles_init(0);
}
END_TEST

START_TEST(t_qid)
{
	struct stat st = { 0 };
	struct p9_qid q, q2;

	qid_init(makedev(8, 1));
	st.st_dev = makedev(8, 1);
	st.st_ino = 1234;
	st.st_mode = S_IFDIR | 0755;
	ck_assert_int_eq(qid_from_stat(&st, &q), 0);
	ck_assert_uint_eq(q.type, P9_QTDIR);
	ck_assert_uint_eq(q.path, 1234);
	st.st_mode = S_IFLNK | 0777;
	ck_assert_int_eq(qid_from_stat(&st, &q), 0);
	ck_assert_uint_eq(q.type, P9_QTSYMLINK);
	st.st_mode = S_IFREG | 0644;
	ck_assert_int_eq(qid_from_stat(&st, &q), 0);
	ck_assert_uint_eq(q.type, P9_QTFILE);
	/* Same inode number on two other devices: three distinct paths. */
	st.st_dev = makedev(0, 50);
	ck_assert_int_eq(qid_from_stat(&st, &q2), 0);
	ck_assert_uint_eq(q2.path, 1234 ^ 1ull << 48);
	st.st_dev = makedev(0, 51);
	ck_assert_int_eq(qid_from_stat(&st, &q2), 0);
	ck_assert_uint_eq(q2.path, 1234 ^ 2ull << 48);
	st.st_dev = makedev(0, 50);
	ck_assert_int_eq(qid_from_stat(&st, &q2), 0);
	ck_assert_uint_eq(q2.path, 1234 ^ 1ull << 48);
	/* The version follows mtime and size. */
	st.st_mtim.tv_sec = 100;
	ck_assert_int_eq(qid_from_stat(&st, &q), 0);
	st.st_mtim.tv_nsec = 1;
	ck_assert_int_eq(qid_from_stat(&st, &q2), 0);
	ck_assert_uint_ne(q.version, q2.version);
	st.st_size = 4096;
	ck_assert_int_eq(qid_from_stat(&st, &q), 0);
	ck_assert_uint_ne(q.version, q2.version);
}
END_TEST

START_TEST(t_lookup)
{
	char dir[] = "/tmp/p9g-check-helper.XXXXXX", path[64];
	struct stat st;
	int dfd, fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(symlink("/etc", path), 0);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	/* A symlink is looked up as itself, never followed. */
	ck_assert_int_eq(path_lookup_at(dfd, "link", &fd), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	close(fd);
	/* Nothing but one plain component. */
	ck_assert_int_eq(path_lookup_at(dfd, "link/passwd", &fd), EINVAL);
	ck_assert_int_eq(path_lookup_at(dfd, "..", &fd), EINVAL);
	ck_assert_int_eq(path_lookup_at(dfd, ".", &fd), EINVAL);
	ck_assert_int_eq(path_lookup_at(dfd, "", &fd), EINVAL);
	ck_assert_int_eq(path_lookup_at(dfd, "missing", &fd), ENOENT);
	/* O_CREAT on the symlink's name does not follow it. */
	ck_assert_int_eq(path_open_at(dfd, "link", O_CREAT | O_WRONLY, 0600, &fd), ELOOP);
	ck_assert_int_eq(path_open_at(dfd, "new", O_CREAT | O_EXCL | O_WRONLY, 0600, &fd), 0);
	close(fd);
	unlinkat(dfd, "new", 0);
	unlinkat(dfd, "link", 0);
	close(dfd);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("helper");
	TCase *tc = tcase_create("pieces");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_names);
	tcase_add_test(tc, t_open_flags);
	tcase_add_test(tc, t_handles);
	tcase_add_test(tc, t_handle_shares);
	tcase_add_test(tc, t_qid);
	tcase_add_test(tc, t_lookup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
