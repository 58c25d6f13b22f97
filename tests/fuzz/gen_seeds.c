/*
 * gen_seeds.c - writes the seed corpus of the fuzz targets.
 *
 *	gen_seeds OUTDIR
 *
 * creates OUTDIR/<target>/<name> for fuzz_p9_decode (one valid frame of
 * every 9P2000.L message), fuzz_hp_decode (every helper request and reply),
 * fuzz_p9_dirent (readdir data) and fuzz_p9_client (reply scripts).  It was
 * run once to make tests/fuzz/corpus; rerun it only when a message layout
 * changes.  The output is deterministic.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hp_codec.h"
#include "p9_codec.h"

static const char *outdir;
static int nfiles;

static void die(const char *what)
{
	fprintf(stderr, "gen_seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put_file(const char *target, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f)
		die(path);
	if (len && fwrite(buf, 1, len, f) != len)
		die(path);
	if (fclose(f))
		die(path);
	nfiles++;
}

/* ---- fuzz_p9_decode ---- */

static const struct p9_qid q1 = {P9_QTDIR, 7, 0x0102030405060708ULL};

static void p9_seed(const struct p9_msg *m)
{
	uint8_t buf[2048];
	size_t len;
	char name[64];

	buf[0] = 0; /* control byte: msize P9_MAX_MSIZE, size field as is */
	if (p9_encode(buf + 1, sizeof(buf) - 1, m, &len) != P9_OK) {
		fprintf(stderr, "gen_seeds: cannot encode type %u\n", m->type);
		exit(1);
	}
	snprintf(name, sizeof(name), "%03u-%s", m->type, p9_type_name(m->type));
	put_file("fuzz_p9_decode", name, buf, len + 1);
}

static size_t dirents(uint8_t *buf, size_t cap, int n)
{
	static const char *const names[] = {".", "..", "file", "a-longer-name.txt"};
	struct p9_dirent d = {.qid = q1, .type = 4};
	size_t pos = 0;

	for (int i = 0; i < n; i++) {
		d.offset = (uint64_t)i + 1;
		d.name = p9_str_c(names[i % 4]);
		d.qid.path = (uint64_t)i;
		if (p9_dirent_put(buf, cap, &pos, &d))
			exit(1);
	}
	return pos;
}

static void gen_p9(void)
{
	static const char data[] = "hello, world";
	uint8_t dbuf[512];
	struct p9_msg m;

	for (unsigned int t = 0; t < 256; t++) {
		if (!p9_type_name((uint8_t)t))
			continue;
		memset(&m, 0, sizeof(m));
		m.type = (uint8_t)t;
		m.tag = 1;
		switch (t) {
		case P9_TVERSION:
		case P9_RVERSION:
			m.tag = P9_NOTAG;
			m.u.tversion.msize = 8192;
			m.u.tversion.version = p9_str_c(P9_VERSION_L);
			break;
		case P9_TAUTH:
			m.u.tauth = (struct p9_tauth){1, p9_str_c("u"), p9_str_c(""), 0};
			break;
		case P9_TATTACH:
			m.u.tattach = (struct p9_tattach){0, P9_NOFID, p9_str_c("root"),
							  p9_str_c("/"), P9_NONUNAME};
			break;
		case P9_TWALK:
			m.u.twalk.fid = 0;
			m.u.twalk.newfid = 1;
			m.u.twalk.nwname = 3;
			m.u.twalk.wname[0] = p9_str_c("a");
			m.u.twalk.wname[1] = p9_str_c("..");
			m.u.twalk.wname[2] = p9_str_c("b");
			break;
		case P9_RWALK:
			m.u.rwalk.nwqid = 2;
			m.u.rwalk.wqid[0] = q1;
			m.u.rwalk.wqid[1] = q1;
			break;
		case P9_TREAD:
		case P9_TREADDIR:
			m.u.tread = (struct p9_tread){1, 0, 4096};
			break;
		case P9_RREAD:
			m.u.rread = (struct p9_rread){sizeof(data) - 1, data};
			break;
		case P9_RREADDIR:
			m.u.rreaddir.count = (uint32_t)dirents(dbuf, sizeof(dbuf), 3);
			m.u.rreaddir.data = dbuf;
			break;
		case P9_TWRITE:
			m.u.twrite = (struct p9_twrite){1, 0, sizeof(data) - 1, data};
			break;
		case P9_TLCREATE:
			m.u.tlcreate = (struct p9_tlcreate){1, p9_str_c("f"), 0, 0644, 0};
			break;
		case P9_TSYMLINK:
			m.u.tsymlink = (struct p9_tsymlink){1, p9_str_c("l"), p9_str_c("../t"), 0};
			break;
		case P9_TMKNOD:
			m.u.tmknod = (struct p9_tmknod){1, p9_str_c("n"), 020644, 1, 3, 0};
			break;
		case P9_TRENAME:
			m.u.trename = (struct p9_trename){1, 2, p9_str_c("new")};
			break;
		case P9_RREADLINK:
			m.u.rreadlink.target = p9_str_c("/etc/passwd");
			break;
		case P9_TXATTRWALK:
			m.u.txattrwalk = (struct p9_txattrwalk){1, 2, p9_str_c("user.x")};
			break;
		case P9_TXATTRCREATE:
			m.u.txattrcreate = (struct p9_txattrcreate){1, p9_str_c("user.x"), 3, 0};
			break;
		case P9_TLOCK:
			m.u.tlock = (struct p9_tlock){1, 1, 0, 0, 100, 42, p9_str_c("host")};
			break;
		case P9_TGETLOCK:
		case P9_RGETLOCK:
			m.u.getlock = (struct p9_getlock){1, 1, 0, 100, 42, p9_str_c("host")};
			break;
		case P9_TLINK:
			m.u.tlink = (struct p9_tlink){1, 2, p9_str_c("hl")};
			break;
		case P9_TMKDIR:
			m.u.tmkdir = (struct p9_tmkdir){1, p9_str_c("d"), 0755, 0};
			break;
		case P9_TRENAMEAT:
			m.u.trenameat = (struct p9_trenameat){1, p9_str_c("a"), 2, p9_str_c("b")};
			break;
		case P9_TUNLINKAT:
			m.u.tunlinkat = (struct p9_tunlinkat){1, p9_str_c("d"), P9_AT_REMOVEDIR};
			break;
		case P9_RLERROR:
			m.u.rlerror.ecode = 2;
			break;
		case P9_RATTACH:
		case P9_RAUTH:
		case P9_RSYMLINK:
		case P9_RMKNOD:
		case P9_RMKDIR:
			m.u.rqid.qid = q1;
			break;
		case P9_RLOPEN:
		case P9_RLCREATE:
			m.u.rlopen = (struct p9_rlopen){q1, 0};
			break;
		case P9_RGETATTR:
			m.u.rgetattr.valid = P9_GETATTR_BASIC;
			m.u.rgetattr.qid = q1;
			m.u.rgetattr.mode = 040755;
			break;
		default:
			/* Fixed-size bodies: zeros are a valid frame. */
			break;
		}
		p9_seed(&m);
	}
}

/* ---- fuzz_p9_dirent ---- */

static void gen_dirent(void)
{
	uint8_t buf[1024];
	size_t len;

	put_file("fuzz_p9_dirent", "empty", buf, 0);
	len = dirents(buf, sizeof(buf), 1);
	put_file("fuzz_p9_dirent", "one", buf, len);
	len = dirents(buf, sizeof(buf), 4);
	put_file("fuzz_p9_dirent", "four", buf, len);
	put_file("fuzz_p9_dirent", "cut", buf, len - 3);
}

/* ---- fuzz_hp_decode ---- */

static void hp_req_seed(struct hp_req *r)
{
	uint8_t buf[1024];
	size_t len;
	char name[64];

	r->reqid = 5;
	r->uid = 1000;
	r->gid = HP_GID_DEFAULT;
	if (hp_encode_req(buf, sizeof(buf), r, &len) != HP_OK) {
		fprintf(stderr, "gen_seeds: cannot encode request %u\n", r->op);
		exit(1);
	}
	snprintf(name, sizeof(name), "req-%02u-%s", r->op, hp_op_name(r->op));
	put_file("fuzz_hp_decode", name, buf, len);
}

static void hp_rep_seed(struct hp_rep *r, const char *suffix)
{
	uint8_t buf[1024];
	size_t len;
	char name[64];

	r->reqid = 5;
	if (hp_encode_rep(buf, sizeof(buf), r, &len) != HP_OK) {
		fprintf(stderr, "gen_seeds: cannot encode reply %u\n", r->op);
		exit(1);
	}
	snprintf(name, sizeof(name), "rep-%02u-%s%s", r->op, hp_op_name(r->op), suffix);
	put_file("fuzz_hp_decode", name, buf, len);
}

static void gen_hp(void)
{
	struct hp_req q;
	struct hp_rep p;

	for (uint16_t op = HP_HELLO; op < HP_OP_MAX; op++) {
		memset(&q, 0, sizeof(q));
		q.op = op;
		switch (op) {
		case HP_HELLO:
			q.u.hello.version = HP_VERSION;
			break;
		case HP_ATTACH:
			q.u.attach.aname = p9_str_c("/");
			break;
		case HP_WALK:
			q.u.walk.handle = 1;
			q.u.walk.nwname = 2;
			q.u.walk.wname[0] = p9_str_c("..");
			q.u.walk.wname[1] = p9_str_c("a");
			break;
		case HP_LCREATE:
			q.u.lcreate = (struct hp_lcreate){1, p9_str_c("f"), 0, 0644};
			break;
		case HP_MKDIR:
			q.u.mkdir = (struct hp_mkdir){1, p9_str_c("d"), 0755};
			break;
		case HP_SYMLINK:
			q.u.symlink = (struct hp_symlink){1, p9_str_c("l"), p9_str_c("/etc")};
			break;
		case HP_MKNOD:
			q.u.mknod = (struct hp_mknod){1, p9_str_c("n"), 010644, 0, 0};
			break;
		case HP_LINK:
			q.u.link = (struct hp_link){1, 2, p9_str_c("hl")};
			break;
		case HP_RENAMEAT:
			q.u.renameat = (struct hp_renameat){1, p9_str_c("a"), 1, p9_str_c("b")};
			break;
		case HP_RENAME:
			q.u.rename = (struct hp_rename){2, 1, p9_str_c("c")};
			break;
		case HP_UNLINKAT:
			q.u.unlinkat = (struct hp_unlinkat){1, p9_str_c("d"), P9_AT_REMOVEDIR};
			break;
		case HP_XATTRGET:
			q.u.xattrget = (struct hp_xattrget){1, p9_str_c("user.x"), 64};
			break;
		case HP_XATTRLIST:
			q.u.xattrlist = (struct hp_xattrlist){1, 64};
			break;
		case HP_XATTRSET:
			q.u.xattrset = (struct hp_xattrset){1, p9_str_c("user.x"), 0, 3, "abc"};
			break;
		case HP_XATTRREMOVE:
			q.u.xattrremove = (struct hp_xattrremove){1, p9_str_c("user.x")};
			break;
		case HP_SESSION_START:
			q.u.session_start = (struct hp_session_start){1, p9_str_c("unix:uid=0")};
			break;
		case HP_SESSION_END:
			q.u.session_end.session = 1;
			break;
		case HP_REFUSED:
			q.u.refused = (struct hp_refused){1, P9_TMKDIR, 22, 3, 3, "a/b"};
			break;
		case HP_FTRUNCATED:
			q.u.ftruncated = (struct hp_ftruncated){1, 4096, 0};
			break;
		default: /* a handle */
			q.u.h.handle = 1;
			break;
		}
		hp_req_seed(&q);

		if (op == HP_RELEASE)
			continue; /* never answered */
		memset(&p, 0, sizeof(p));
		p.op = op;
		switch (op) {
		case HP_HELLO:
			p.u.hello = (struct hp_r_hello){HP_VERSION, HP_MAX_MSG};
			break;
		case HP_ATTACH:
			p.u.attach = (struct hp_r_attach){1, q1};
			break;
		case HP_WALK:
			p.u.walk.nwqid = 2;
			p.u.walk.wqid[0] = q1;
			p.u.walk.wqid[1] = q1;
			p.u.walk.handle = 3;
			break;
		case HP_GETATTR:
			p.u.attr.attr.qid = q1;
			p.u.attr.attr.mode = 0100644;
			break;
		case HP_OPEN:
			p.u.open = (struct hp_r_open){q1, 0};
			break;
		case HP_LCREATE:
			p.u.lcreate = (struct hp_r_lcreate){4, q1, 0};
			break;
		case HP_MKDIR:
		case HP_SYMLINK:
		case HP_MKNOD:
			p.u.qid.qid = q1;
			break;
		case HP_READLINK:
			p.u.readlink.target = p9_str_c("../x");
			break;
		case HP_XATTRGET:
		case HP_XATTRLIST:
			p.u.data = (struct hp_r_data){3, "abc"};
			break;
		default:
			break;
		}
		hp_rep_seed(&p, "");
		if (op == HP_WALK || op == HP_OPEN) {
			memset(&p.u, 0, sizeof(p.u));
			p.error = 2;
			hp_rep_seed(&p, "-enoent");
		}
	}
}

/* ---- fuzz_p9_client: reply scripts ---- */

struct script {
	uint8_t buf[65536];
	size_t len;
};

static void sc_msg(struct script *s, const struct p9_msg *m)
{
	size_t len;

	if (p9_encode(s->buf + s->len + 3, sizeof(s->buf) - s->len - 3, m, &len) != P9_OK ||
	    len > 0xffff) {
		fprintf(stderr, "gen_seeds: script too long\n");
		exit(1);
	}
	s->buf[s->len] = (uint8_t)len;
	s->buf[s->len + 1] = (uint8_t)(len >> 8);
	s->buf[s->len + 2] = 0; /* flags: rewrite the tag, wait for a request */
	s->len += 3 + len;
}

static void sc_type(struct script *s, uint8_t type)
{
	struct p9_msg m = {.type = type};

	sc_msg(s, &m);
}

static void sc_qid(struct script *s, uint8_t type)
{
	struct p9_msg m = {.type = type};

	m.u.rqid.qid = q1;
	sc_msg(s, &m);
}

static void sc_rread(struct script *s, const void *data, uint32_t count)
{
	struct p9_msg m = {.type = P9_RREAD};

	m.u.rread = (struct p9_rread){count, data};
	sc_msg(s, &m);
}

static void sc_rwalk(struct script *s, uint16_t n)
{
	struct p9_msg m = {.type = P9_RWALK};

	m.u.rwalk.nwqid = n;
	for (uint16_t i = 0; i < n; i++)
		m.u.rwalk.wqid[i] = q1;
	sc_msg(s, &m);
}

static void sc_version(struct script *s)
{
	struct p9_msg m = {.type = P9_RVERSION};

	m.u.rversion.msize = 8192;
	m.u.rversion.version = p9_str_c(P9_VERSION_L);
	sc_msg(s, &m);
}

static void sc_error(struct script *s, uint32_t e)
{
	struct p9_msg m = {.type = P9_RLERROR};

	m.u.rlerror.ecode = e;
	sc_msg(s, &m);
}

static void gen_client(void)
{
	static struct script s;
	struct p9_msg m;
	uint8_t dbuf[256];

	/* Version only, then hang up. */
	s.len = 0;
	sc_version(&s);
	put_file("fuzz_p9_client", "version", s.buf, s.len);

	/* Every call answered with an error. */
	s.len = 0;
	sc_version(&s);
	for (int i = 0; i < 40; i++)
		sc_error(&s, (uint32_t)(i % 5) + 1);
	put_file("fuzz_p9_client", "errors", s.buf, s.len);

	/* The whole script answered as a good server would. */
	s.len = 0;
	sc_version(&s);
	sc_qid(&s, P9_RATTACH);
	sc_rwalk(&s, 3);
	sc_rwalk(&s, 16);
	sc_rwalk(&s, 2);
	memset(&m, 0, sizeof(m));
	m.type = P9_RLOPEN;
	m.u.rlopen = (struct p9_rlopen){q1, 0};
	sc_msg(&s, &m);
	sc_rread(&s, "0123456789", 10); /* short: ends the read */
	sc_rread(&s, NULL, 0);
	sc_rread(&s, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.type = P9_RWRITE;
	m.u.rwrite.count = 8192 - P9_IOUNIT_OVERHEAD;
	sc_msg(&s, &m);
	sc_msg(&s, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_RREADDIR;
	m.u.rreaddir.count = (uint32_t)dirents(dbuf, sizeof(dbuf), 3);
	m.u.rreaddir.data = dbuf;
	sc_msg(&s, &m);
	m.u.rreaddir.count = 0;
	sc_msg(&s, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_RREADLINK;
	m.u.rreadlink.target = p9_str_c("a-target-longer-than-the-cid-buffer");
	sc_msg(&s, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_RGETLOCK;
	m.u.getlock = (struct p9_getlock){0, 2, 0, 0, 7, p9_str_c("a-client-id-of-some-length")};
	sc_msg(&s, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_RLOCK;
	sc_msg(&s, &m);
	memset(&m, 0, sizeof(m));
	m.type = P9_RGETATTR;
	m.u.rgetattr.valid = P9_GETATTR_BASIC;
	m.u.rgetattr.qid = q1;
	sc_msg(&s, &m);
	sc_type(&s, P9_RSETATTR);
	sc_type(&s, P9_RSTATFS);
	memset(&m, 0, sizeof(m));
	m.type = P9_RXATTRWALK;
	m.u.rxattrwalk.size = 3;
	sc_msg(&s, &m);
	sc_rread(&s, "abc", 3);
	sc_type(&s, P9_RCLUNK);
	sc_rwalk(&s, 0);
	sc_type(&s, P9_RXATTRCREATE);
	memset(&m, 0, sizeof(m));
	m.type = P9_RWRITE;
	m.u.rwrite.count = 1;
	sc_msg(&s, &m);
	sc_type(&s, P9_RCLUNK);
	sc_qid(&s, P9_RMKDIR);
	memset(&m, 0, sizeof(m));
	m.type = P9_RLCREATE;
	m.u.rlopen = (struct p9_rlopen){q1, 0};
	sc_msg(&s, &m);
	sc_type(&s, P9_RUNLINKAT);
	memset(&m, 0, sizeof(m));
	m.type = P9_RGETATTR;
	sc_msg(&s, &m);
	sc_type(&s, P9_RFLUSH);
	sc_type(&s, P9_RCLUNK);
	sc_type(&s, P9_RCLUNK);
	put_file("fuzz_p9_client", "happy", s.buf, s.len);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		die(outdir);
	gen_p9();
	gen_dirent();
	gen_hp();
	gen_client();
	printf("gen_seeds: %d files in %s\n", nfiles, outdir);
	return 0;
}
