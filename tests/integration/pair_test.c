/*
 * pair_test.c - host integration tests of the p9guard daemon pair (and of
 * diod, to validate the checks): options, harness and main.
 *
 * Usage: pair_test --socket SOCK --export DIR --server p9guard|diod
 *                  [--aname NAME] [--pid PID] [--devices] [--trusted]
 *                  [--only AREA,...]
 *   --socket   the server's unix socket
 *   --export   the exported directory as the host sees it
 *   --server   which server it is (diod: p9guard-only checks are skipped)
 *   --aname    the Tattach aname (default: the export path, which diod needs)
 *   --pid      p9guard: the frontend's pid (process and capability checks)
 *   --devices  the server was started so that it may create device nodes
 *   --trusted  p9guard: the helper keeps CAP_SYS_ADMIN for trusted.*
 *   --readonly p9guard was started with --readonly (area "readonly"; the
 *              capability check expects the read-only set)
 *   --idmap M  p9guard runs with the id maps "shifted" or "rootkept" of
 *              pair_test_models.c (area "idmap")
 *   --model M  p9guard runs with --security-model none ("none") or also
 *              with --helper-user daemon ("none-user") (area "model"), or
 *              --security-model mapped-xattr ("mapped-xattr", area "mapped")
 *   --permissions guest|host  what p9guard was started with (area
 *              "permissions"; run.sh starts every other run with host)
 *   --import-tool PATH  p9guard-import-mapped-file (area "mapped")
 *   --multidevs M  p9guard runs with --multidevs forbid or warn (area
 *              "multidev" checks that instead of the remap)
 *   --only     run only these areas (comma-separated names from `areas`
 *              below, e.g. "caps,create"); the default is all of them but
 *              readonly, idmap, model and mapped, which need a server of
 *              their own
 *
 * Run by tests/integration/run.sh, as root.  Prints "ok - ...", "not ok -
 * ..." (with the reason) and "skip - ..." lines, then "# pair_test: N
 * passed, N failed, N skipped"; exits 1 when a check failed, 2 on bad
 * usage, and 77 (automake's skip) when started without arguments, as
 * `make check` does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pair_test.h"

struct pt_opts pt;
struct p9_client *pt_c;
uint32_t pt_root0 = P9_NOFID, pt_root1 = P9_NOFID;
struct p9_qid pt_rootqid;
pid_t pt_helper_pid;

static int npass, nfail, nskip;

static void vline(const char *tag, const char *fmt, va_list ap)
{
	printf("%s - ", tag);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(ok ? "ok" : "not ok", fmt, ap);
	va_end(ap);
	if (ok)
		npass++;
	else
		nfail++;
}

void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("skip", fmt, ap);
	va_end(ap);
	nskip++;
}

void check_or_diod(bool ok, const char *diod_why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ok && !pt.p9guard) {
		printf("skip - ");
		vprintf(fmt, ap);
		printf(" [known diod difference: %s]\n", diod_why);
		fflush(stdout);
		nskip++;
	} else {
		vline(ok ? "ok" : "not ok", fmt, ap);
		if (ok)
			npass++;
		else
			nfail++;
	}
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

const char *rcs(long rc)
{
	static __thread char buf[4][96];
	static __thread unsigned int i;
	char *b = buf[i++ % 4];

	if (rc == 0)
		snprintf(b, sizeof(buf[0]), "ok");
	else if (rc > 0)
		snprintf(b, sizeof(buf[0]), "%ld", rc);
	else
		snprintf(b, sizeof(buf[0]), "%s (%s)", errname((int)-rc), strerror((int)-rc));
	return b;
}

const char *hpath(const char *fmt, ...)
{
	static __thread char buf[8][4096];
	static __thread unsigned int i;
	char *b = buf[i++ % 8];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(b, sizeof(buf[0]), "%s/", pt.export);
	va_start(ap, fmt);
	if (n < sizeof(buf[0]))
		vsnprintf(b + n, sizeof(buf[0]) - n, fmt, ap);
	va_end(ap);
	return b;
}

struct p9_client *pt_connect(const char *what)
{
	struct p9_client *c = NULL;
	int rc;

	rc = p9c_connect_unix(pt.sock, 128u * 1024u, &c);
	if (rc) {
		check(false, "%s: connect to %s and Tversion: %s", what, pt.sock, rcs(rc));
		return NULL;
	}
	p9c_set_timeout(c, PT_TIMEOUT_MS);
	return c;
}

uint32_t pt_attach(struct p9_client *c, uint32_t uid, struct p9_qid *qid, int *rcp)
{
	uint32_t fid = p9c_fid_get(c);
	int rc;

	/* As the Linux client's per-user attaches: uname "", n_uname = uid. */
	rc = p9c_attach(c, fid, P9_NOFID, "", pt.aname, uid, qid);
	if (rcp)
		*rcp = rc;
	if (rc) {
		p9c_fid_put(c, fid);
		return P9_NOFID;
	}
	return fid;
}

uint32_t walk_new(struct p9_client *c, uint32_t from, const char *path, int *rcp)
{
	uint32_t fid = p9c_fid_get(c);
	int rc;

	rc = p9c_walk_path(c, from, fid, path, NULL);
	if (rcp)
		*rcp = rc;
	if (rc) {
		p9c_fid_put(c, fid);
		return P9_NOFID;
	}
	return fid;
}

void release_fid(struct p9_client *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	p9c_clunk(c, fid);
	p9c_fid_put(c, fid);
}

int host_write_file(const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid)
{
	size_t len = strlen(data);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, mode) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

const char *host_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int pt_renameat(struct p9_client *c, uint32_t odfid, const char *oname, uint32_t ndfid,
		const char *nname, const char **how)
{
	uint32_t fid;
	int rc;

	*how = "Trenameat";
	rc = p9c_renameat(c, odfid, oname, ndfid, nname);
	if (rc != -EOPNOTSUPP || pt.p9guard)
		return rc;
	*how = "Trename after Trenameat gave EOPNOTSUPP (diod)";
	fid = walk_new(c, odfid, oname, &rc);
	if (fid == P9_NOFID)
		return rc;
	rc = p9c_rename(c, fid, ndfid, nname);
	release_fid(c, fid);
	return rc;
}

int pt_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags,
		const char **how)
{
	uint32_t fid;
	int rc;

	*how = "Tunlinkat";
	rc = p9c_unlinkat(c, dfid, name, flags);
	if (rc != -EOPNOTSUPP || pt.p9guard)
		return rc;
	*how = "Tremove after Tunlinkat gave EOPNOTSUPP (diod)";
	fid = p9c_fid_get(c);
	rc = p9c_walk(c, dfid, fid, 1, &name, NULL);
	if (rc == 1)
		rc = p9c_remove(c, fid);	/* the fid is gone even on error */
	else if (rc == 0)
		rc = -ENOENT;
	p9c_fid_put(c, fid);
	return rc;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s --socket SOCK --export DIR --server p9guard|diod [--aname NAME]\n"
		"          [--pid PID] [--devices] [--trusted] [--readonly] [--idmap M]\n"
		"          [--permissions guest|host]\n"
		"          [--model M] [--multidevs M] [--import-tool PATH]\n"
		"          [--only AREA,...]\n",
		argv0);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "export", required_argument, NULL, 'e' },
		{ "server", required_argument, NULL, 'S' },
		{ "aname", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "devices", no_argument, NULL, 'd' },
		{ "trusted", no_argument, NULL, 't' },
		{ "readonly", no_argument, NULL, 'r' },
		{ "idmap", required_argument, NULL, 'i' },
		{ "model", required_argument, NULL, 'm' },
		{ "multidevs", required_argument, NULL, 'M' },
		{ "import-tool", required_argument, NULL, 'I' },
		{ "only", required_argument, NULL, 'o' },
		{ "permissions", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = NULL;
	char *end;
	long v;
	int o;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 's': pt.sock = optarg; break;
		case 'e': pt.export = optarg; break;
		case 'S': server = optarg; break;
		case 'a': pt.aname = optarg; break;
		case 'd': pt.devices = true; break;
		case 't': pt.trusted = true; break;
		case 'r': pt.readonly = true; break;
		case 'I': pt.import_tool = optarg; break;
		case 'M':
			if (!strcmp(optarg, "forbid"))
				pt.multidevs = 1;
			else if (!strcmp(optarg, "warn"))
				pt.multidevs = 2;
			else if (strcmp(optarg, "remap"))
				usage(argv[0]);
			break;
		case 'm':
			if (!strcmp(optarg, "none"))
				pt.model = 1;
			else if (!strcmp(optarg, "none-user"))
				pt.model = 2;
			else if (!strcmp(optarg, "mapped-xattr"))
				pt.model = 3;
			else
				usage(argv[0]);
			break;
		case 'i':
			if (!strcmp(optarg, "shifted"))
				pt.idmap = 1;
			else if (!strcmp(optarg, "rootkept"))
				pt.idmap = 2;
			else
				usage(argv[0]);
			break;
		case 'o': pt.only = optarg; break;
		case 'P':
			if (strcmp(optarg, "guest") && strcmp(optarg, "host"))
				usage(argv[0]);
			pt.guest_perms = !strcmp(optarg, "guest");
			break;
		case 'p':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0)
				usage(argv[0]);
			pt.pid = (pid_t)v;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || !pt.sock || !pt.export || !server)
		usage(argv[0]);
	if (!strcmp(server, "p9guard"))
		pt.p9guard = true;
	else if (strcmp(server, "diod"))
		usage(argv[0]);
	if (!pt.aname)
		pt.aname = pt.export;
}

/* The two attaches every area uses. */
static bool setup(void)
{
	struct p9_qid q1;
	int rc;

	pt_c = pt_connect("main connection");
	if (!pt_c)
		return false;
	pt_root0 = pt_attach(pt_c, 0, &pt_rootqid, &rc);
	check(rc == 0 && (pt_rootqid.type & P9_QTDIR),
	      "Tattach n_uname 0 (uid 0): %s, qid type 0x%02x", rcs(rc), pt_rootqid.type);
	pt_root1 = pt_attach(pt_c, PT_UID_USER, &q1, &rc);
	check(rc == 0 && q1.type == pt_rootqid.type && q1.path == pt_rootqid.path,
	      "separate Tattach n_uname %u on the same connection: %s, same root qid", PT_UID_USER,
	      rcs(rc));
	return pt_root0 != P9_NOFID && pt_root1 != P9_NOFID;
}

static const struct area {
	const char *name;
	void (*run)(void);
} areas[] = {
	{ "caps", test_process_caps },
	{ "create", test_create },
	{ "setattr", test_setattr },
	{ "getattr", test_getattr_after_change },
	{ "clone", test_clone_walk },
	{ "setgid", test_setgid_dir },
	{ "xattr", test_xattr },
	{ "rename", test_rename_link },
	{ "unlinked", test_unlinked_open },
	{ "readdir", test_readdir_big },
	{ "paths", test_path_safety },
	{ "escape", test_escape },
	{ "multidev", test_multidev },
	{ "proto", test_proto },
	{ "readonly", test_readonly },
	{ "idmap", test_idmap },
	{ "model", test_model_none },
	{ "mapped", test_model_mapped },
	{ "permissions", test_permissions },
	{ "flush", test_flush },
	{ "inflight", test_many_inflight },
	{ "garbage", test_garbage },
	{ "disconnect", test_disconnect },
};

/*
 * Areas that need a server started for them (run.sh starts one per export
 * model): they run only when --only names them, never in a run of all.
 */
static bool needs_own_server(const char *name)
{
	static const char *const own[] = {"readonly", "idmap", "model", "mapped", "permissions"};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(name, own[i]) == 0)
			return true;
	return false;
}

/* Whether `name` is in the --only list (or there is none). */
static bool selected(const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (!pt.only)
		return !needs_own_server(name);
	for (p = pt.only; (p = strstr(p, name)); p += n)
		if ((p == pt.only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *why;
	size_t i;

	if (argc == 1) {
		printf("SKIP: pair_test needs a running server; use tests/integration/run.sh\n");
		return 77;
	}
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		fprintf(stderr, "pair_test: must run as root (it checks the host side)\n");
		return 2;
	}
	note("server %s on %s, export %s", pt.p9guard ? "p9guard" : "diod", pt.sock, pt.export);

	if (setup()) {
		for (i = 0; i < sizeof(areas) / sizeof(areas[0]); i++)
			if (selected(areas[i].name))
				areas[i].run();
		why = p9c_dead_reason(pt_c);
		check_or_diod(!why, "diod 1.0.24 dies of SIGPIPE in the disconnect test",
			      "main connection still healthy at the end%s%s", why ? ": " : "",
			      why ? why : "");
		release_fid(pt_c, pt_root1);
		release_fid(pt_c, pt_root0);
	}
	if (pt_c)
		p9c_close(pt_c);
	printf("# pair_test: %d passed, %d failed, %d skipped\n", npass, nfail, nskip);
	return nfail ? 1 : 0;
}
