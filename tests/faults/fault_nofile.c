/*
 * fault_nofile.c - the daemon pair under a low RLIMIT_NOFILE.
 *
 * nofile SOCK NFILES: run.sh starts p9guard with a small descriptor limit
 * (both processes inherit it) and NFILES files f0..f<NFILES-1> in the
 * export, more than the limit allows.
 *  - Walking each file to a fid of its own takes one descriptor per fid in
 *    the helper: it must end with EMFILE or ENFILE, not a crash or EIO.
 *  - Opening many fids of one directory takes one descriptor per fid in
 *    the frontend (the helper's are passed over and closed): same; and a
 *    create refused then leaves no file behind.
 *  - While the frontend is out of descriptors, a new client is turned away
 *    (its connection closed) or waits; it is never left hanging once
 *    descriptors are free again.
 *  - After the fids are clunked, the same walks and opens all succeed.
 *
 * maxfids SOCK MAX: run.sh starts p9guard with --max-fids MAX (and the
 * usual descriptor limits).  The attach fid and MAX-1 clones of it are
 * granted, every further walk is answered EMFILE (run.sh checks the log has
 * one warning naming --max-fids, not one per refusal), and after one clunk
 * a walk succeeds again.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "faults.h"

#define NF_MAX 4096
#define NF_NEWCOMER_MS 5000
#define NF_REPEAT 50
#define NF_BURST 16

static bool nf_limit_errno(int err)
{
	return err == -EMFILE || err == -ENFILE;
}

/* Walk f0, f1, ... each to a fid of its own until an error or `max`;
 * the fids go to fids[], the count is returned and the error in *err. */
static unsigned int nf_walk_files(struct p9_client *c, uint32_t root, unsigned int max,
				  uint32_t *fids, int *err)
{
	unsigned int n;
	char name[32];

	*err = 0;
	for (n = 0; n < max; n++) {
		snprintf(name, sizeof(name), "f%u", n);
		fids[n] = ft_walk1(c, root, name, err);
		if (fids[n] == P9_NOFID)
			break;
	}
	return n;
}

/* Clone the root to fids of their own and open each (a directory, read
 * only) until an error or `max`. */
static unsigned int nf_open_dirs(struct p9_client *c, uint32_t root, unsigned int max,
				 uint32_t *fids, int *err)
{
	unsigned int n;

	*err = 0;
	for (n = 0; n < max; n++) {
		fids[n] = ft_walk1(c, root, NULL, err);
		if (fids[n] == P9_NOFID)
			break;
		*err = p9c_lopen(c, fids[n], P9_DOTL_RDONLY | P9_DOTL_DIRECTORY, NULL, NULL);
		if (*err < 0) {
			ft_clunk(c, fids[n]);
			break;
		}
	}
	return n;
}

/*
 * NF_BURST Tlopen of root clones sent at once, while the frontend has no
 * descriptor to spare: with so many in flight the frontend's workers take
 * most of them, and finish them when the helper's reply comes (the
 * asynchronous path, p9_async.c).  Each must be answered EMFILE or ENFILE,
 * none left unanswered.  The count answered so is returned; *opened
 * counts those that succeeded anyway, *other is the first other error (0
 * if none).
 */
static unsigned int nf_open_burst(struct p9_client *c, uint32_t root, unsigned int *opened,
				  int *other)
{
	uint32_t fids[NF_BURST];
	struct p9c_req *reqs[NF_BURST] = {0};
	unsigned int limited = 0;
	int err;

	*opened = 0;
	*other = 0;
	for (unsigned int i = 0; i < NF_BURST; i++) {
		struct p9_msg t = {.type = P9_TLOPEN};

		fids[i] = ft_walk1(c, root, NULL, &err);
		if (fids[i] == P9_NOFID) {
			*other = *other ? *other : err;
			continue;
		}
		t.u.tlopen.fid = fids[i];
		t.u.tlopen.flags = P9_DOTL_RDONLY | P9_DOTL_DIRECTORY;
		err = p9c_start(c, &t, NULL, 0, &reqs[i]);
		if (err < 0) {
			reqs[i] = NULL;
			*other = *other ? *other : err;
		}
	}
	for (unsigned int i = 0; i < NF_BURST; i++) {
		if (!reqs[i])
			continue;
		err = p9c_wait_sync(reqs[i]);
		if (err == 0)
			err = p9c_result(reqs[i], NULL);
		p9c_release(reqs[i]);
		if (nf_limit_errno(err))
			limited++;
		else if (err == 0)
			(*opened)++;
		else if (!*other)
			*other = err;
	}
	for (unsigned int i = 0; i < NF_BURST; i++)
		ft_clunk(c, fids[i]);
	return limited;
}

static void nf_clunk_all(struct p9_client *c, uint32_t *fids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ft_clunk(c, fids[i]);
}

/* A second client while the frontend may have no descriptor to spare: its
 * Tversion is answered (0), or its connection is closed (-EIO); it must not
 * wait for ever (-ETIMEDOUT after NF_NEWCOMER_MS).  The outcome in *how. */
static int nf_newcomer(const char *sock, const char **how)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct p9_client *c;
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		*how = rcs(rc);
		return rc;
	}
	rc = p9c_open_fd(fd, &c);
	if (rc < 0) {
		close(fd);
		*how = rcs(rc);
		return rc;
	}
	p9c_set_timeout(c, NF_NEWCOMER_MS);
	rc = p9c_version(c, 64 * 1024);
	*how = rc == 0 ? "served" : rc == -EIO ? "connection closed" : rcs(rc);
	p9c_close(c);
	return rc;
}

int ft_nofile(int argc, char **argv)
{
	static uint32_t fids[NF_MAX];
	struct p9_client *c, *c2;
	unsigned int nfiles, n1, n2, again, opened;
	const char *how;
	uint32_t root, root2, fid;
	int err, rc;

	if (argc != 2)
		return 2;
	nfiles = (unsigned int)atoi(argv[1]);
	if (nfiles < 1 || nfiles > NF_MAX)
		return 2;
	if (!check(ft_connect(argv[0], 0, &c, &root) == 0, "nofile: connect and attach"))
		return 1;

	/* The helper's descriptors: one per walked file. */
	n1 = nf_walk_files(c, root, nfiles, fids, &err);
	check(n1 > 0 && n1 < nfiles && nf_limit_errno(err),
	      "nofile: walking %u files to fids of their own: %u walked, then %s (want EMFILE or "
	      "ENFILE)",
	      nfiles, n1, rcs(err));
	/* Hitting the limit again and again: the same answer (run.sh checks
	 * that the log got one warning, not one per request). */
	again = 0;
	for (unsigned int i = 0; i < NF_REPEAT; i++) {
		fid = ft_walk1(c, root, "f0", &err);
		ft_clunk(c, fid);
		again += nf_limit_errno(err);
	}
	check(again == NF_REPEAT, "nofile: %u more walks while out of descriptors: %u EMFILE/ENFILE",
	      NF_REPEAT, again);
	rc = nf_newcomer(argv[0], &how);
	check(rc == 0, "nofile: a new client while the helper is out of descriptors: %s", how);
	nf_clunk_all(c, fids, n1);
	again = nf_walk_files(c, root, n1, fids, &err);
	check(again == n1, "nofile: after clunking them, the same %u walks: %u succeed (%s)", n1,
	      again, rcs(err));
	nf_clunk_all(c, fids, again);

	/* The frontend's descriptors: one per open fid. */
	n2 = nf_open_dirs(c, root, NF_MAX, fids, &err);
	check(n2 > 0 && n2 < NF_MAX && nf_limit_errno(err),
	      "nofile: opening fids until descriptors run out: %u opened, then %s (want EMFILE or "
	      "ENFILE)",
	      n2, rcs(err));
	again = nf_open_burst(c, root, &opened, &err);
	check(again == NF_BURST,
	      "nofile: %u Tlopen in flight at once while the frontend is out of descriptors: %u "
	      "answered EMFILE/ENFILE, %u opened, other error: %s",
	      NF_BURST, again, opened, err ? rcs(err) : "none");
	/* A create at the frontend's limit: refused, and no file left behind
	 * (open(2) reserves the descriptor before it creates). */
	fid = ft_create(c, root, "made-at-limit", &err);
	ft_clunk(c, fid);
	check(fid == P9_NOFID && nf_limit_errno(err),
	      "nofile: Tlcreate while the frontend is out of descriptors: %s (want EMFILE or "
	      "ENFILE)",
	      fid == P9_NOFID ? rcs(err) : "created");
	fid = ft_walk1(c, root, "made-at-limit", &err);
	ft_clunk(c, fid);
	check(err == -ENOENT, "nofile: ... and it left no file behind: walk says %s (want ENOENT)",
	      rcs(err));
	rc = nf_newcomer(argv[0], &how);
	check(rc == 0 || rc == -EIO,
	      "nofile: a new client while the frontend is out of descriptors: %s (want served, or "
	      "its connection closed)",
	      how);
	nf_clunk_all(c, fids, n2);
	again = nf_open_dirs(c, root, n2, fids, &err);
	check(again == n2, "nofile: after clunking them, the same %u opens: %u succeed (%s)", n2,
	      again, rcs(err));
	nf_clunk_all(c, fids, again);

	rc = ft_connect(argv[0], 0, &c2, &root2);
	check(rc == 0, "nofile: a new client is served once the fids are clunked: %s", rcs(rc));
	if (rc == 0)
		p9c_close(c2);
	p9c_close(c);
	return 0;
}

int ft_maxfids(int argc, char **argv)
{
	static uint32_t fids[NF_MAX];
	struct p9_client *c;
	unsigned int max, n, refused = 0;
	uint32_t root;
	int err = 0;

	if (argc != 2)
		return 2;
	max = (unsigned int)atoi(argv[1]);
	if (max < 2 || max > NF_MAX)
		return 2;
	if (!check(ft_connect(argv[0], 0, &c, &root) == 0, "maxfids: connect and attach"))
		return 1;
	for (n = 0; n < max; n++) {
		fids[n] = ft_walk1(c, root, NULL, &err);
		if (fids[n] == P9_NOFID)
			break;
	}
	check(n == max - 1 && err == -EMFILE,
	      "maxfids: --max-fids %u: the attach fid and %u clones granted, then %s (want %u "
	      "clones, then EMFILE)",
	      max, n, rcs(err), max - 1);
	for (unsigned int i = 0; i < NF_REPEAT; i++) {
		uint32_t fid = ft_walk1(c, root, NULL, &err);

		ft_clunk(c, fid);
		refused += err == -EMFILE;
	}
	check(refused == NF_REPEAT, "maxfids: %u more walks at the limit: %u EMFILE", NF_REPEAT,
	      refused);
	if (n > 0) {
		uint32_t fid;

		ft_clunk(c, fids[--n]);
		fid = ft_walk1(c, root, NULL, &err);
		check(fid != P9_NOFID, "maxfids: after one clunk a walk is granted again: %s",
		      rcs(err));
		ft_clunk(c, fid);
	}
	while (n > 0)
		ft_clunk(c, fids[--n]);
	p9c_close(c);
	return 0;
}

/*
 * hoard SOCK SHARE: one connection walks to sub/ again and again (each walk
 * a new helper handle; a clone would share its fid's) until refused:
 * with p9guard --max-connections N the helper grants each connection
 * SHARE = 2^20 / N handles (its attach included) and answers ENFILE past
 * them; a second connection meanwhile attaches and walks as usual; after
 * the first clunks a few, it is granted again (issue 22, finding 4).
 */
int ft_hoard(int argc, char **argv)
{
	static uint32_t fids[2 * NF_MAX];
	struct p9_client *a, *b;
	unsigned int share, n, ok = 0;
	uint32_t ra, rb, fid;
	int err = 0;

	if (argc != 2)
		return 2;
	share = (unsigned int)atoi(argv[1]);
	if (share < 2 || share > NF_MAX)
		return 2;
	if (!check(ft_connect(argv[0], 0, &a, &ra) == 0, "hoard: first connection attaches"))
		return 1;
	for (n = 0; n < share + 8; n++) {
		fids[n] = ft_walk1(a, ra, "sub", &err);
		if (fids[n] == P9_NOFID)
			break;
	}
	check(n == share - 1 && err == -ENFILE,
	      "hoard: the hoarding connection got its attach and %u walks, then %s (want %u, "
	      "then ENFILE)",
	      n, rcs(err), share - 1);
	if (check(ft_connect(argv[0], 0, &b, &rb) == 0,
		  "hoard: a second connection attaches while the first hoards")) {
		for (unsigned int i = 0; i < 100; i++) {
			fid = ft_walk1(b, rb, "sub", &err);
			ok += fid != P9_NOFID;
			ft_clunk(b, fid);
		}
		check(ok == 100, "hoard: the second connection's 100 walks: %u granted", ok);
		p9c_close(b);
	}
	for (unsigned int i = 0; i < 8 && n > 0; i++)
		ft_clunk(a, fids[--n]);
	fid = ft_walk1(a, ra, "sub", &err);
	check(fid != P9_NOFID, "hoard: after 8 clunks the first connection walks again: %s",
	      rcs(err));
	ft_clunk(a, fid);
	while (n > 0)
		ft_clunk(a, fids[--n]);
	p9c_close(a);
	return 0;
}
