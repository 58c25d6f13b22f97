/*
 * audit_driver.c - operations through the 9P client library for
 * tests/audit/run.sh, which then checks the audit records they produced.
 *
 *   audit_driver SOCK ops          a fixed script of operations (below);
 *                                  prints "did LABEL RESULT" per operation
 *   audit_driver SOCK more         a second script: mknod, Trename, utimes,
 *                                  open for write, names the frontend
 *                                  refuses ("a/b", "", 300 bytes, a NUL)
 *                                  (SOCK may be tcp:HOST:PORT for both)
 *   audit_driver SOCK burst PREFIX N   N mkdirs PREFIX-0 .. PREFIX-(N-1)
 *                                  in the export root, as uid 0
 *   audit_driver violation HELPER EXPORT AUDITFILE
 *                                  start HELPER alone (as the launcher
 *                                  would, with --audit-fd), then send it a
 *                                  mkdir whose name holds '/': it must exit
 *                                  with status 2 (the audit record of the
 *                                  violation is run.sh's to check)
 *
 * Exits 0 when every operation gave the result the script expects, 1
 * otherwise (with "unexpected: ..." on standard error).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hp_codec.h"

#include "p9client/p9_client.h"

#define TIMEOUT_MS 20000
#define UID_USER 1000u

static struct p9_client *c;
static int bad;

static void expect(const char *label, int rc, int want)
{
	printf("did %s %s\n", label, rc == 0 ? "ok" : strerrorname_np(-rc));
	if (rc != want) {
		fprintf(stderr, "unexpected: %s gave %d (%s), expected %d\n", label, rc,
			rc ? strerror(-rc) : "ok", want);
		bad = 1;
	}
}

static uint32_t attach(uint32_t fid, uint32_t uid)
{
	struct p9_qid q;
	int rc = p9c_attach(c, fid, P9_NOFID, "", "", uid, &q);

	if (rc < 0) {
		fprintf(stderr, "attach as %u: %s\n", uid, strerror(-rc));
		exit(1);
	}
	return fid;
}

static int walk(uint32_t from, uint32_t to, const char *path)
{
	return p9c_walk_path(c, from, to, path, NULL);
}

static int set_mode(uint32_t fid, uint32_t mode)
{
	struct p9_tsetattr sa = { .valid = P9_SETATTR_MODE, .mode = mode };

	return p9c_setattr(c, fid, &sa);
}

static void script(void)
{
	uint32_t r0 = attach(1, 0), r1 = attach(2, UID_USER);
	struct p9_tsetattr sa;
	int rc;

	expect("mkdir /d", p9c_mkdir(c, r0, "d", 0755, 0, NULL), 0);
	/* Bytes that are not text: invalid UTF-8, a control, quote, backslash,
	 * and a valid UTF-8 e-acute. */
	expect("mkdir /x-bytes", p9c_mkdir(c, r0, "x\xff\x01\"\\\xc3\xa9", 0700, 0, NULL), 0);
	/* A raw 0xff and a real U+00FF (C3 BF): two names, two records that
	 * must not read the same. */
	expect("mkdir /y-0xff", p9c_mkdir(c, r0, "y\xff", 0700, 0, NULL), 0);
	expect("mkdir /y-U+00FF", p9c_mkdir(c, r0, "y\xc3\xbf", 0700, 0, NULL), 0);
	rc = walk(r0, 10, "d");
	expect("walk /d", rc, 0);
	expect("lcreate /d/f", p9c_lcreate(c, 10, "f", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0,
					    NULL, NULL),
	       0);
	expect("chmod /d/f", set_mode(10, 0600), 0);
	sa = (struct p9_tsetattr){ .valid = P9_SETATTR_UID | P9_SETATTR_GID, .uid = UID_USER,
				   .gid = UID_USER };
	expect("chown /d/f", p9c_setattr(c, 10, &sa), 0);
	/* On a fid that is not open (the helper truncates), then on the open
	 * fid 10 (the frontend truncates its descriptor and reports it). */
	walk(r0, 18, "d/f");
	sa = (struct p9_tsetattr){ .valid = P9_SETATTR_SIZE, .size = 0 };
	expect("truncate /d/f", p9c_setattr(c, 18, &sa), 0);
	p9c_clunk(c, 18);
	sa = (struct p9_tsetattr){ .valid = P9_SETATTR_SIZE, .size = 3 };
	expect("truncate /d/f through the open fid", p9c_setattr(c, 10, &sa), 0);
	expect("setxattr /d/f", p9c_xattr_set(c, 10, "user.audit", "v", 1, 0), 0);
	expect("removexattr /d/f", p9c_xattr_remove(c, 10, "user.audit"), 0);
	p9c_clunk(c, 10);
	walk(r0, 11, "d");
	expect("symlink /d/l", p9c_symlink(c, 11, "l", "f", 0, NULL), 0);
	walk(r0, 12, "d/f");
	expect("link /d/h", p9c_link(c, 11, 12, "h"), 0);
	expect("renameat /d/h /d/h2", p9c_renameat(c, 11, "h", 11, "h2"), 0);
	expect("unlinkat /d/h2", p9c_unlinkat(c, 11, "h2", 0), 0);
	/* A create named "..": refused by the helper (and recorded). */
	expect("lcreate /d/..", p9c_lcreate(c, 11, "..", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0,
					     NULL, NULL),
	       -EEXIST);
	/* A file of root's: uid 1000 may not chown it. */
	walk(r0, 13, "d");
	expect("lcreate /d/g", p9c_lcreate(c, 13, "g", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0,
					    NULL, NULL),
	       0);
	p9c_clunk(c, 13);
	walk(r1, 14, "d/g");
	sa = (struct p9_tsetattr){ .valid = P9_SETATTR_UID, .uid = UID_USER };
	expect("chown-by-non-owner /d/g", p9c_setattr(c, 14, &sa), -EPERM);
	p9c_clunk(c, 14);
	/* A set-id file of root's that uid 1000 may write: it may clear the
	 * set-id bits (as the kernel does on its write), nothing else. */
	walk(r0, 15, "d");
	expect("lcreate /d/s", p9c_lcreate(c, 15, "s", P9_DOTL_RDWR | P9_DOTL_CREATE, 0666, 0,
					    NULL, NULL),
	       0);
	expect("chmod /d/s 06666", set_mode(15, 06666), 0);
	p9c_clunk(c, 15);
	walk(r1, 16, "d/s");
	expect("chmod-by-writer /d/s 0644", set_mode(16, 0644), -EPERM);
	expect("chmod-by-writer /d/s 02666", set_mode(16, 02666), -EPERM);
	expect("clear-setid-by-writer /d/s", set_mode(16, 0666), 0);
	p9c_clunk(c, 16);
	/* Remove by handle. */
	walk(r0, 17, "d/l");
	expect("remove /d/l", p9c_remove(c, 17), 0);
	p9c_clunk(c, 11);
	p9c_clunk(c, 12);
}

/* Tmkdir in dfid of the name "x\0/y" (the library sends no NUL: a raw frame). */
static int mkdir_nul(uint32_t dfid)
{
	uint8_t f[] = {
		25, 0, 0, 0, P9_TMKDIR, 0, 0,	/* size, type, tag (the library's) */
		0, 0, 0, 0,			/* dfid */
		4, 0, 'x', 0, '/', 'y',		/* name */
		0xed, 0x01, 0, 0, 0, 0, 0, 0,	/* mode 0755, gid 0 */
	};
	struct p9c_req *r;
	int rc;

	_Static_assert(sizeof(f) == 25, "size field");
	f[7] = (uint8_t)dfid;
	f[8] = (uint8_t)(dfid >> 8);
	f[9] = (uint8_t)(dfid >> 16);
	f[10] = (uint8_t)(dfid >> 24);
	rc = p9c_start_raw(c, f, sizeof(f), &r);
	if (rc < 0)
		return rc;
	rc = p9c_wait_sync(r);
	if (rc == 0)
		rc = p9c_result(r, NULL);
	p9c_release(r);
	return rc;
}

/* The second script: mknod, Trename, utimes, open for write, and names
 * refused by the frontend (reported to the helper). */
static void script_more(void)
{
	uint32_t r0 = attach(1, 0), r1 = attach(2, UID_USER);
	static char longname[301];	/* 300 bytes */
	const char *names[] = { "a/b", "", longname };
	const char *slash[] = { "f2", "a/b" };
	struct p9_tsetattr sa;
	uint32_t iounit;

	expect("mkdir /m", p9c_mkdir(c, r0, "m", 0777, 0, NULL), 0);
	walk(r0, 10, "m");
	expect("mknod /m/p", p9c_mknod(c, 10, "p", S_IFIFO | 0640, 0, 0, 0, NULL), 0);
	expect("lcreate /m/f", p9c_lcreate(c, 10, "f", P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0,
					    NULL, NULL),
	       0);
	p9c_clunk(c, 10);
	/* Trename (the old form: by fid). */
	walk(r0, 11, "m/f");
	walk(r0, 12, "m");
	expect("rename /m/f /m/f2", p9c_rename(c, 11, 12, "f2"), 0);
	p9c_clunk(c, 11);
	/* utimes with explicit times: root may, uid 1000 (not the owner) may not. */
	walk(r0, 13, "m/f2");
	sa = (struct p9_tsetattr){ .valid = P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET |
					    P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET,
				   .atime_sec = 1000000000, .atime_nsec = 5,
				   .mtime_sec = 1200000000, .mtime_nsec = 7 };
	expect("utimes /m/f2", p9c_setattr(c, 13, &sa), 0);
	walk(r1, 14, "m/f2");
	expect("utimes-by-non-owner /m/f2", p9c_setattr(c, 14, &sa), -EPERM);
	p9c_clunk(c, 14);
	/* Open for writing (Tlopen O_WRONLY), and for reading. */
	expect("open-wronly /m/f2", p9c_lopen(c, 13, P9_DOTL_WRONLY, NULL, &iounit), 0);
	p9c_clunk(c, 13);
	walk(r1, 15, "m/f2");
	expect("open-wronly-by-other /m/f2", p9c_lopen(c, 15, P9_DOTL_WRONLY, NULL, NULL),
	       -EACCES);
	p9c_clunk(c, 15);
	/* Names the helper protocol cannot carry: holding '/', empty, longer
	 * than NAME_MAX.  The frontend refuses them (EINVAL, ENAMETOOLONG)
	 * and reports each refusal to the helper, which records it. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int want = i == 2 ? -ENAMETOOLONG : -EINVAL;
		const char *walk1[] = { names[i] };

		expect("lcreate-bad-name /m", p9c_lcreate(c, 12, names[i],
							  P9_DOTL_RDWR | P9_DOTL_CREATE, 0644, 0,
							  NULL, NULL),
		       want);
		/* As uid 1000, in the export root. */
		expect("mkdir-bad-name /", p9c_mkdir(c, r1, names[i], 0755, 0, NULL), want);
		expect("walk-bad-name /m", p9c_walk(c, 12, 16, 1, walk1, NULL), want);
	}
	/* A bad name second in a walk: the same record (the walk's fid). */
	expect("walk /m/f2/a/b", p9c_walk(c, 12, 16, 2, slash, NULL), -EINVAL);
	expect("mkdir-nul-name /m", mkdir_nul(12), -EINVAL);
	p9c_clunk(c, 12);
}

static void burst(const char *prefix, long n)
{
	uint32_t r0 = attach(1, 0);
	char name[256];

	for (long i = 0; i < n; i++) {
		int rc;

		snprintf(name, sizeof(name), "%s-%ld", prefix, i);
		rc = p9c_mkdir(c, r0, name, 0755, 0, NULL);
		if (rc) {
			fprintf(stderr, "unexpected: mkdir %s: %s\n", name, strerror(-rc));
			bad = 1;
		}
	}
	printf("did %ld mkdirs\n", n);
}

/* Send one request, receive one reply (0), or -1 when the helper is gone. */
static int hp_roundtrip(int sock, const struct hp_req *q, struct hp_rep *rep, uint8_t *buf)
{
	size_t len;
	ssize_t n;

	if (hp_encode_req(buf, HP_MAX_MSG, q, &len) != HP_OK ||
	    send(sock, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	n = recv(sock, buf, HP_MAX_MSG, 0);
	if (n <= 0 || hp_decode_rep(buf, (size_t)n, rep) != HP_OK)
		return -1;
	return 0;
}

static int violation(const char *helper, const char *export, const char *audit)
{
	static uint8_t buf[HP_MAX_MSG];
	struct hp_req q = { .op = HP_HELLO, .reqid = 1, .gid = HP_GID_DEFAULT };
	struct hp_rep rep;
	int sv[2], rootfd, afd, st;
	size_t len;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	rootfd = open(export, O_PATH | O_DIRECTORY);
	afd = open(audit, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
	if (rootfd < 0 || afd < 0) {
		perror(rootfd < 0 ? export : audit);
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		char a1[32], a2[32], a3[4200], a4[32];

		snprintf(a1, sizeof(a1), "--sock-fd=%d", sv[1]);
		snprintf(a2, sizeof(a2), "--root-fd=%d", rootfd);
		snprintf(a3, sizeof(a3), "--export=%s", export);
		snprintf(a4, sizeof(a4), "--audit-fd=%d", afd);
		fcntl(sv[1], F_SETFD, 0);
		execl(helper, helper, a1, a2, a3, a4, "--threads=1", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	q.u.hello.version = HP_VERSION;
	if (hp_roundtrip(sv[0], &q, &rep, buf) < 0 || rep.error) {
		fprintf(stderr, "hello failed\n");
		return 1;
	}
	q = (struct hp_req){ .op = HP_ATTACH, .reqid = 2, .session = 7, .gid = HP_GID_DEFAULT };
	q.u.attach.aname = p9_str_c("");
	if (hp_roundtrip(sv[0], &q, &rep, buf) < 0 || rep.error) {
		fprintf(stderr, "attach failed\n");
		return 1;
	}
	q = (struct hp_req){ .op = HP_MKDIR, .reqid = 3, .session = 7, .gid = HP_GID_DEFAULT };
	q.u.mkdir.dhandle = rep.u.attach.handle;
	q.u.mkdir.name = p9_str_c("ab");
	q.u.mkdir.mode = 0755;
	if (hp_encode_req(buf, HP_MAX_MSG, &q, &len) != HP_OK)
		return 1;
	buf[len - 5] = '/';	/* "a/" on the wire: name, then mode[4] */
	send(sv[0], buf, len, MSG_NOSIGNAL);
	if (waitpid(pid, &st, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	close(sv[0]);
	printf("did violation exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc == 5 && strcmp(argv[1], "violation") == 0)
		return violation(argv[2], argv[3], argv[4]);

	if (argc < 3 || (strcmp(argv[2], "ops") && strcmp(argv[2], "more") &&
			 (strcmp(argv[2], "burst") || argc != 5))) {
		fprintf(stderr, "usage: audit_driver SOCK ops|more | SOCK burst PREFIX N\n");
		return 2;
	}
	if (strncmp(argv[1], "tcp:", 4) == 0)
		rc = p9c_connect_tcp(argv[1] + 4, 0, &c);
	else
		rc = p9c_connect_unix(argv[1], 0, &c);
	if (rc < 0) {
		fprintf(stderr, "connect %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	p9c_set_timeout(c, TIMEOUT_MS);
	if (strcmp(argv[2], "ops") == 0)
		script();
	else if (strcmp(argv[2], "more") == 0)
		script_more();
	else
		burst(argv[3], strtol(argv[4], NULL, 10));
	p9c_close(c);
	return bad;
}
