/*
 * check_p9_client.c - unit tests for the 9P2000.L client library.
 *
 * The client talks over a socketpair to a scripted server: the test itself
 * reads each T-message from the other end and writes whatever reply the
 * case needs (in any order, malformed, late, or never), or a small server
 * thread answers a fixed number of requests with a handler.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9client/p9_client.h"
#include "p9_wire.h"

static struct p9_client *c;
static int sfd;			/* the server's end */
static uint8_t sbuf[P9_MAX_MSIZE];

static void setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(p9c_open_fd(sv[0], &c), 0);
	sfd = sv[1];
}

static void teardown(void)
{
	p9c_close(c);
	close(sfd);
}

static void read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	ssize_t r;

	while (n) {
		r = read(fd, p, n);
		ck_assert_int_gt(r, 0);
		p += r;
		n -= (size_t)r;
	}
}

/* Receive one T-message at the server end; its bytes stay in `buf`. */
static void srv_recv_into(uint8_t *buf, struct p9_msg *m)
{
	uint32_t size;

	read_full(sfd, buf, 4);
	size = wire_load32(buf);
	ck_assert_uint_ge(size, P9_HDR_SIZE);
	ck_assert_uint_le(size, P9_MAX_MSIZE);
	read_full(sfd, buf + 4, size - 4);
	ck_assert_int_eq(p9_decode(buf, size, P9_MAX_MSIZE, m), P9_OK);
}

static void srv_recv(struct p9_msg *m)
{
	srv_recv_into(sbuf, m);
}

static void srv_send_raw(const void *buf, size_t len)
{
	ck_assert_int_eq(write(sfd, buf, len), (ssize_t)len);
}

static void srv_send(const struct p9_msg *m)
{
	static uint8_t out[65536];
	size_t len;

	ck_assert_int_eq(p9_encode(out, sizeof(out), m, &len), P9_OK);
	srv_send_raw(out, len);
}

static void srv_lerror(uint16_t tag, uint32_t ecode)
{
	struct p9_msg r = { .type = P9_RLERROR, .tag = tag };

	r.u.rlerror.ecode = ecode;
	srv_send(&r);
}

/* An empty-bodied reply (Rclunk, Rflush, ...) to tag. */
static void srv_empty(uint8_t type, uint16_t tag)
{
	struct p9_msg r = { .type = type, .tag = tag };

	srv_send(&r);
}

static void srv_getattr(uint16_t tag, uint64_t size)
{
	struct p9_msg r = { .type = P9_RGETATTR, .tag = tag };

	r.u.rgetattr.valid = P9_GETATTR_BASIC;
	r.u.rgetattr.size = size;
	srv_send(&r);
}

static struct p9c_req *start_getattr(uint32_t fid)
{
	struct p9_msg t = { .type = P9_TGETATTR };
	struct p9c_req *r;

	t.u.tgetattr.fid = fid;
	t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	ck_assert_int_eq(p9c_start(c, &t, NULL, 0, &r), 0);
	return r;
}

/* Wait (bounded) and return the result. */
static int finish(struct p9c_req *r, const struct p9_msg **m)
{
	ck_assert_int_eq(p9c_wait(r, 5000), 0);
	return p9c_result(r, m);
}

/* ---- a server thread answering a fixed number of requests ---- */

typedef void (*handler_fn)(const struct p9_msg *t);

struct auto_srv {
	pthread_t th;
	handler_fn fn;
	int n;
};

static void *auto_main(void *arg)
{
	static uint8_t buf[P9_MAX_MSIZE];
	struct auto_srv *a = arg;
	struct p9_msg t;
	int i;

	for (i = 0; i < a->n; i++) {
		srv_recv_into(buf, &t);
		a->fn(&t);
	}
	return NULL;
}

static void auto_start(struct auto_srv *a, handler_fn fn, int n)
{
	a->fn = fn;
	a->n = n;
	ck_assert_int_eq(pthread_create(&a->th, NULL, auto_main, a), 0);
}

static void auto_join(struct auto_srv *a)
{
	pthread_join(a->th, NULL);
}

static uint32_t version_reply_msize;
static const char *version_reply_str = P9_VERSION_L;

static void answer_version(const struct p9_msg *t)
{
	struct p9_msg r = { .type = P9_RVERSION, .tag = t->tag };

	ck_assert_int_eq(t->type, P9_TVERSION);
	ck_assert_uint_eq(t->tag, P9_NOTAG);
	r.u.rversion.msize = version_reply_msize;
	r.u.rversion.version = p9_str_c(version_reply_str);
	srv_send(&r);
}

/* ---- cases ---- */

START_TEST(t_version)
{
	struct auto_srv a;

	version_reply_msize = 8192;
	auto_start(&a, answer_version, 1);
	ck_assert_int_eq(p9c_version(c, 65536), 0);
	auto_join(&a);
	ck_assert_uint_eq(p9c_msize(c), 8192);
	ck_assert_uint_eq(p9c_iosize(c), 8192 - P9_IOUNIT_OVERHEAD);
}
END_TEST

START_TEST(t_version_refused)
{
	struct auto_srv a;

	version_reply_msize = 8192;
	version_reply_str = "unknown";
	auto_start(&a, answer_version, 1);
	ck_assert_int_eq(p9c_version(c, 65536), -EPROTONOSUPPORT);
	auto_join(&a);
	/* A server may not raise msize above the client's offer. */
	version_reply_str = P9_VERSION_L;
	version_reply_msize = 131072;
	auto_start(&a, answer_version, 1);
	ck_assert_int_eq(p9c_version(c, 65536), -EPROTO);
	auto_join(&a);
	ck_assert_int_eq(p9c_version(c, 100), -EINVAL);
}
END_TEST

START_TEST(t_out_of_order)
{
	struct p9c_req *r[3];
	const struct p9_msg *m;
	struct p9_msg t[3];
	int i;

	for (i = 0; i < 3; i++)
		r[i] = start_getattr(10 + (uint32_t)i);
	for (i = 0; i < 3; i++) {
		srv_recv(&t[i]);
		ck_assert_int_eq(t[i].type, P9_TGETATTR);
	}
	ck_assert_uint_ne(t[0].tag, t[1].tag);
	ck_assert_uint_ne(t[1].tag, t[2].tag);
	/* Answer last first; each size names the fid it was asked for. */
	for (i = 2; i >= 0; i--)
		srv_getattr(t[i].tag, t[i].u.tgetattr.fid);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(finish(r[i], &m), 0);
		ck_assert_int_eq(m->type, P9_RGETATTR);
		ck_assert_uint_eq(m->u.rgetattr.size, 10 + (uint64_t)i);
		p9c_release(r[i]);
	}
}
END_TEST

START_TEST(t_rlerror)
{
	static const struct { uint32_t ecode; int want; } cases[] = {
		{ 2, -ENOENT }, { 61, -ENODATA }, { 4095, -4095 }, { 0, -EPROTO }, { 5000, -EPROTO },
	};
	const struct p9_msg *m;
	struct p9c_req *r;
	struct p9_msg t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = start_getattr(1);
		srv_recv(&t);
		srv_lerror(t.tag, cases[i].ecode);
		ck_assert_int_eq(finish(r, &m), cases[i].want);
		ck_assert_int_eq(m->type, P9_RLERROR);
		p9c_release(r);
	}
	ck_assert_ptr_null(p9c_dead_reason(c));
}
END_TEST

START_TEST(t_wrong_reply_type)
{
	struct p9c_req *r;
	struct p9_msg t;

	r = start_getattr(1);
	srv_recv(&t);
	srv_empty(P9_RCLUNK, t.tag);
	ck_assert_int_eq(finish(r, NULL), -EPROTO);
	p9c_release(r);
	/* The stream is intact, so the connection carries on. */
	r = start_getattr(1);
	srv_recv(&t);
	srv_getattr(t.tag, 7);
	ck_assert_int_eq(finish(r, NULL), 0);
	p9c_release(r);
}
END_TEST

START_TEST(t_flush_drops)
{
	struct p9c_req *old, *fl;
	struct p9_msg t, tf;

	old = start_getattr(1);
	srv_recv(&t);
	ck_assert_int_eq(p9c_start_flush(c, old, &fl), 0);
	srv_recv(&tf);
	ck_assert_int_eq(tf.type, P9_TFLUSH);
	ck_assert_uint_eq(tf.u.tflush.oldtag, t.tag);
	ck_assert_uint_eq(tf.u.tflush.oldtag, p9c_req_tag(old));
	ck_assert_int_eq(p9c_wait(old, 50), -ETIMEDOUT);
	srv_empty(P9_RFLUSH, tf.tag);
	ck_assert_int_eq(finish(fl, NULL), 0);
	ck_assert_int_eq(finish(old, NULL), -EINTR);
	p9c_release(fl);
	p9c_release(old);
}
END_TEST

START_TEST(t_flush_after_reply)
{
	struct p9c_req *old, *fl;
	struct p9_msg t, tf;

	old = start_getattr(1);
	srv_recv(&t);
	ck_assert_int_eq(p9c_start_flush(c, old, &fl), 0);
	srv_recv(&tf);
	srv_getattr(t.tag, 3);	/* the reply wins the race */
	srv_empty(P9_RFLUSH, tf.tag);
	ck_assert_int_eq(finish(old, NULL), 0);
	ck_assert_int_eq(finish(fl, NULL), 0);
	p9c_release(fl);
	p9c_release(old);
	ck_assert_ptr_null(p9c_dead_reason(c));
}
END_TEST

START_TEST(t_reply_after_rflush)
{
	struct p9c_req *old, *fl, *other;
	struct p9_msg t, tf, to;

	old = start_getattr(1);
	srv_recv(&t);
	ck_assert_int_eq(p9c_start_flush(c, old, &fl), 0);
	srv_recv(&tf);
	other = start_getattr(2);
	srv_recv(&to);
	srv_empty(P9_RFLUSH, tf.tag);
	ck_assert_int_eq(finish(old, NULL), -EINTR);
	srv_getattr(t.tag, 3);	/* forbidden: the tag was flushed */
	ck_assert_int_eq(finish(other, NULL), -EPROTO);
	ck_assert_ptr_nonnull(p9c_dead_reason(c));
	ck_assert_ptr_nonnull(strstr(p9c_dead_reason(c), "not in flight"));
	p9c_release(fl);
	p9c_release(old);
	p9c_release(other);
}
END_TEST

START_TEST(t_unknown_tag_kills)
{
	struct p9c_req *r, *r2;
	struct p9_msg t;

	r = start_getattr(1);
	srv_recv(&t);
	srv_getattr((uint16_t)(t.tag + 100), 1);
	ck_assert_int_eq(finish(r, NULL), -EPROTO);
	p9c_release(r);
	ck_assert_int_eq(p9c_start(c, &(struct p9_msg){ .type = P9_TCLUNK }, NULL, 0, &r2),
			 -EPROTO);
}
END_TEST

START_TEST(t_eof)
{
	struct p9c_req *r;
	struct p9_msg t;

	r = start_getattr(1);
	srv_recv(&t);
	shutdown(sfd, SHUT_RDWR);
	ck_assert_int_eq(finish(r, NULL), -EIO);
	p9c_release(r);
	ck_assert_int_eq(p9c_clunk(c, 1), -EIO);
}
END_TEST

START_TEST(t_oversized_frame)
{
	uint8_t hdr[P9_HDR_SIZE];
	struct auto_srv a;
	struct p9c_req *r;
	struct p9_msg t;

	version_reply_msize = 8192;
	auto_start(&a, answer_version, 1);
	ck_assert_int_eq(p9c_version(c, 8192), 0);
	auto_join(&a);
	r = start_getattr(1);
	srv_recv(&t);
	wire_store32(hdr, 8193);
	hdr[4] = P9_RGETATTR;
	hdr[5] = (uint8_t)t.tag;
	hdr[6] = (uint8_t)(t.tag >> 8);
	srv_send_raw(hdr, sizeof(hdr));
	ck_assert_int_eq(finish(r, NULL), -EPROTO);
	p9c_release(r);
}
END_TEST

/* Rread bigger than the Tread asked for: refused, not copied. */
START_TEST(t_read_overflow)
{
	uint8_t reply[P9_IOHDR_SIZE + 16] = { 0 }, sink[8];
	struct p9_msg t = { .type = P9_TREAD };
	struct p9c_req *r;

	t.u.tread = (struct p9_tread){ 1, 0, sizeof(sink) };
	ck_assert_int_eq(p9c_start(c, &t, sink, sizeof(sink), &r), 0);
	srv_recv(&t);
	p9_put_iohdr(reply, P9_RREAD, t.tag, 16);
	srv_send_raw(reply, sizeof(reply));
	ck_assert_int_eq(finish(r, NULL), -EPROTO);
	p9c_release(r);
	ck_assert_ptr_nonnull(p9c_dead_reason(c));
}
END_TEST

START_TEST(t_timeout_then_reply)
{
	struct p9c_req *r;
	struct p9_msg t;

	r = start_getattr(1);
	srv_recv(&t);
	ck_assert_int_eq(p9c_wait(r, 30), -ETIMEDOUT);
	ck_assert_int_eq(p9c_result(r, NULL), -EBUSY);
	srv_getattr(t.tag, 1);
	ck_assert_int_eq(finish(r, NULL), 0);
	p9c_release(r);
}
END_TEST

START_TEST(t_sync_timeout)
{
	struct p9_rgetattr a;
	struct p9_msg t;
	struct p9c_req *r;

	p9c_set_timeout(c, 50);
	ck_assert_int_eq(p9c_getattr(c, 1, P9_GETATTR_BASIC, &a), -ETIMEDOUT);
	srv_recv(&t);
	srv_getattr(t.tag, 1);	/* late: dropped, the connection lives on */
	r = start_getattr(2);
	srv_recv(&t);
	srv_getattr(t.tag, 9);
	ck_assert_int_eq(finish(r, NULL), 0);
	p9c_release(r);
	ck_assert_ptr_null(p9c_dead_reason(c));
}
END_TEST

START_TEST(t_release_in_flight)
{
	struct p9c_req *r;
	struct p9_msg t;
	int i;

	/* Handles given back before their replies are reused afterwards. */
	for (i = 0; i < 3; i++) {
		r = start_getattr(1);
		srv_recv(&t);
		p9c_release(r);
		srv_getattr(t.tag, 1);
	}
	r = start_getattr(1);
	srv_recv(&t);
	srv_getattr(t.tag, 5);
	ck_assert_int_eq(finish(r, NULL), 0);
	p9c_release(r);
	ck_assert_ptr_null(p9c_dead_reason(c));
}
END_TEST

START_TEST(t_raw_frame)
{
	/* A Tclunk by hand with tag 0xeeee, which the library replaces. */
	static const uint8_t frame[] = { 11, 0, 0, 0, P9_TCLUNK, 0xee, 0xee, 5, 0, 0, 0 };
	struct p9c_req *r;
	struct p9_msg t;

	ck_assert_int_eq(p9c_start_raw(c, frame, sizeof(frame), &r), 0);
	srv_recv(&t);
	ck_assert_int_eq(t.type, P9_TCLUNK);
	ck_assert_uint_eq(t.u.tfid.fid, 5);
	ck_assert_uint_eq(t.tag, p9c_req_tag(r));
	srv_empty(P9_RCLUNK, t.tag);
	ck_assert_int_eq(finish(r, NULL), 0);
	p9c_release(r);
}
END_TEST

/* Walk handler: answers every name but "missing"; counts the Twalks. */
static int walks;

static void answer_walk(const struct p9_msg *t)
{
	struct p9_msg r = { .type = P9_RWALK, .tag = t->tag };
	uint16_t i;

	if (t->type == P9_TCLUNK) {
		srv_empty(P9_RCLUNK, t->tag);
		return;
	}
	ck_assert_int_eq(t->type, P9_TWALK);
	walks++;
	for (i = 0; i < t->u.twalk.nwname; i++) {
		if (p9_str_eq(t->u.twalk.wname[i], "missing"))
			break;
		r.u.rwalk.wqid[i] = (struct p9_qid){ P9_QTDIR, 0, 100 + i };
	}
	if (i == 0 && t->u.twalk.nwname) {
		srv_lerror(t->tag, ENOENT);
		return;
	}
	r.u.rwalk.nwqid = i;
	srv_send(&r);
}

START_TEST(t_walk_path)
{
	char path[256] = "";
	struct auto_srv a;
	struct p9_qid q;
	int i;

	for (i = 0; i < 20; i++)
		strcat(path, "/d");
	walks = 0;
	auto_start(&a, answer_walk, 2);
	ck_assert_int_eq(p9c_walk_path(c, 0, 1, path, &q), 0);
	auto_join(&a);
	ck_assert_int_eq(walks, 2);	/* 16 + 4 names */
	ck_assert_uint_eq(q.path, 103);

	/* Missing in the second batch: ENOENT and newfid clunked. */
	strcat(path, "/missing");
	auto_start(&a, answer_walk, 3);	/* Twalk, Twalk, Tclunk */
	ck_assert_int_eq(p9c_walk_path(c, 0, 1, path, NULL), -ENOENT);
	auto_join(&a);

	/* An empty path clones. */
	walks = 0;
	auto_start(&a, answer_walk, 1);
	ck_assert_int_eq(p9c_walk_path(c, 0, 1, "//", NULL), 0);
	auto_join(&a);
	ck_assert_int_eq(walks, 1);
}
END_TEST

/* Read handler: a file of 20000 bytes of value (offset & 0xff). */
static void answer_read(const struct p9_msg *t)
{
	static uint8_t out[P9_IOHDR_SIZE + 8192];
	uint64_t end = 20000, off = t->u.tread.offset;
	uint32_t n, i;

	ck_assert_int_eq(t->type, P9_TREAD);
	n = off >= end ? 0 : (uint32_t)(end - off < t->u.tread.count ? end - off : t->u.tread.count);
	for (i = 0; i < n; i++)
		out[P9_IOHDR_SIZE + i] = (uint8_t)(off + i);
	p9_put_iohdr(out, P9_RREAD, t->tag, n);
	srv_send_raw(out, P9_IOHDR_SIZE + n);
}

START_TEST(t_read_chunks)
{
	static uint8_t buf[30000];
	struct auto_srv a;
	ssize_t n;
	int i;

	version_reply_msize = 4096;
	auto_start(&a, answer_version, 1);
	ck_assert_int_eq(p9c_version(c, 4096), 0);
	auto_join(&a);
	/* 30000 bytes at 4072 a chunk: 8 Treads go out, the 5th is short. */
	auto_start(&a, answer_read, 8);
	n = p9c_read(c, 1, 0, buf, sizeof(buf));
	auto_join(&a);
	ck_assert_int_eq(n, 20000);
	for (i = 0; i < 20000; i++)
		ck_assert_uint_eq(buf[i], (uint8_t)i);
}
END_TEST

START_TEST(t_fids)
{
	ck_assert_uint_eq(p9c_fid_get(c), 0);
	ck_assert_uint_eq(p9c_fid_get(c), 1);
	ck_assert_uint_eq(p9c_fid_get(c), 2);
	p9c_fid_put(c, 1);
	ck_assert_uint_eq(p9c_fid_get(c), 1);
	for (int i = 3; i < 300; i++)
		ck_assert_uint_eq(p9c_fid_get(c), (uint32_t)i);
	p9c_fid_put(c, 0);
	ck_assert_uint_eq(p9c_fid_get(c), 0);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("p9_client");
	TCase *tc = tcase_create("client");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, t_version);
	tcase_add_test(tc, t_version_refused);
	tcase_add_test(tc, t_out_of_order);
	tcase_add_test(tc, t_rlerror);
	tcase_add_test(tc, t_wrong_reply_type);
	tcase_add_test(tc, t_flush_drops);
	tcase_add_test(tc, t_flush_after_reply);
	tcase_add_test(tc, t_reply_after_rflush);
	tcase_add_test(tc, t_unknown_tag_kills);
	tcase_add_test(tc, t_eof);
	tcase_add_test(tc, t_oversized_frame);
	tcase_add_test(tc, t_read_overflow);
	tcase_add_test(tc, t_timeout_then_reply);
	tcase_add_test(tc, t_sync_timeout);
	tcase_add_test(tc, t_release_in_flight);
	tcase_add_test(tc, t_raw_frame);
	tcase_add_test(tc, t_walk_path);
	tcase_add_test(tc, t_read_chunks);
	tcase_add_test(tc, t_fids);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(client_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
