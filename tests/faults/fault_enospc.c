/*
 * fault_enospc.c - a full export.
 *
 * enospc SOCK: the export is a small tmpfs (run.sh: size=1m and a few dozen
 * inodes).  Writing beyond its size must be answered ENOSPC (after a short
 * Rwrite, as write(2) does), and so must creating files, directories and
 * symlinks once the inodes are gone; meanwhile a second connection is
 * served; and once files are removed, writes and creates work again.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

#define NS_CHUNK (64u * 1024u)
#define NS_TRY_BYTES (4u * 1024u * 1024u) /* well beyond the tmpfs size */
#define NS_EXPORT_BYTES (1024u * 1024u)
#define NS_MAX_FILES 1000

/* Write `name` until an error or `limit` bytes; the bytes written, the
 * error (0 if none) in *err. */
static uint64_t ns_fill(struct p9_client *c, uint32_t root, const char *name, uint64_t limit,
			int *err)
{
	static uint8_t buf[NS_CHUNK];
	uint64_t total = 0;
	uint32_t fid;

	memset(buf, 'f', sizeof(buf));
	fid = ft_create(c, root, name, err);
	if (fid == P9_NOFID)
		return 0;
	*err = 0;
	while (total < limit) {
		ssize_t n = p9c_write(c, fid, total, buf, NS_CHUNK);

		if (n < 0) {
			*err = (int)n;
			break;
		}
		total += (uint64_t)n;
	}
	ft_clunk(c, fid);
	return total;
}

/* Does a second connection get served (statfs, getattr)? */
static bool ns_other_client(const char *sock)
{
	struct p9_client *c;
	struct p9_rstatfs st;
	struct p9_rgetattr ga;
	uint32_t root;
	bool ok;

	if (ft_connect(sock, 0, &c, &root) < 0)
		return false;
	ok = p9c_statfs(c, root, &st) == 0 && p9c_getattr(c, root, P9_GETATTR_BASIC, &ga) == 0;
	if (ok)
		note("enospc: statfs says %llu of %llu blocks free, %llu inodes free",
		     (unsigned long long)st.bfree, (unsigned long long)st.blocks,
		     (unsigned long long)st.ffree);
	p9c_close(c);
	return ok;
}

static void ns_space(const char *sock, struct p9_client *c, uint32_t root)
{
	uint64_t n;
	int err;

	n = ns_fill(c, root, "fill", NS_TRY_BYTES, &err);
	check(err == -ENOSPC && n > 0 && n <= NS_EXPORT_BYTES,
	      "enospc: writing %u bytes into a 1 MiB export: %llu bytes written, then %s "
	      "(want ENOSPC)",
	      NS_TRY_BYTES, (unsigned long long)n, rcs(err));
	check(ns_other_client(sock), "enospc: another connection is served while the export is "
				     "full");
	err = p9c_unlinkat(c, root, "fill", 0);
	check(err == 0, "enospc: removing the big file: %s", rcs(err));
	n = ns_fill(c, root, "after", NS_EXPORT_BYTES / 4, &err);
	check(err == 0 && n == NS_EXPORT_BYTES / 4,
	      "enospc: after the removal, %u bytes written: %llu, %s", NS_EXPORT_BYTES / 4,
	      (unsigned long long)n, rcs(err));
	p9c_unlinkat(c, root, "after", 0);
}

static void ns_inodes(const char *sock, struct p9_client *c, uint32_t root)
{
	char name[32];
	struct p9_qid qid;
	unsigned int made = 0;
	uint32_t fid;
	int err = 0;

	for (; made < NS_MAX_FILES; made++) {
		snprintf(name, sizeof(name), "n%u", made);
		fid = ft_create(c, root, name, &err);
		if (fid == P9_NOFID)
			break;
		ft_clunk(c, fid);
	}
	check(err == -ENOSPC && made > 0,
	      "enospc: creating files until the inodes run out: %u made, then %s (want ENOSPC)",
	      made, rcs(err));
	err = p9c_mkdir(c, root, "dir", 0755, 0, &qid);
	check(err == -ENOSPC, "enospc: mkdir without a free inode: %s (want ENOSPC)", rcs(err));
	err = p9c_symlink(c, root, "link", "target", 0, &qid);
	check(err == -ENOSPC, "enospc: symlink without a free inode: %s (want ENOSPC)", rcs(err));
	check(ns_other_client(sock), "enospc: another connection is served while the inodes are "
				     "used up");
	/* Free two inodes: one file and one directory fit again. */
	p9c_unlinkat(c, root, "n0", 0);
	p9c_unlinkat(c, root, "n1", 0);
	fid = ft_create(c, root, "again", &err);
	ft_clunk(c, fid);
	check(fid != P9_NOFID, "enospc: after removing files, create: %s", rcs(err));
	err = p9c_mkdir(c, root, "dir", 0755, 0, &qid);
	check(err == 0, "enospc: after removing files, mkdir: %s", rcs(err));
	p9c_unlinkat(c, root, "dir", P9_AT_REMOVEDIR);
	p9c_unlinkat(c, root, "again", 0);
	for (unsigned int i = 2; i < made; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		p9c_unlinkat(c, root, name, 0);
	}
}

int ft_enospc(int argc, char **argv)
{
	struct p9_client *c;
	uint32_t root;

	if (argc != 1)
		return 2;
	if (!check(ft_connect(argv[0], 0, &c, &root) == 0, "enospc: connect and attach"))
		return 1;
	ns_space(argv[0], c, root);
	ns_inodes(argv[0], c, root);
	check(ns_other_client(argv[0]), "enospc: the daemon still serves at the end");
	p9c_close(c);
	return 0;
}
