/*
 * pair_test_multidev.c - an export spanning two host filesystems.
 *
 * A tmpfs is mounted inside the export.  Its inode numbers are small and
 * collide with the export's own, so the server must keep qid.path unique
 * across the two (the helper mixes a per-device value into the inode), and
 * the qids readdir reports must be the ones a walk returns.  With
 * --multidevs forbid the tmpfs cannot be reached (ENODEV); with warn its
 * qid paths are the bare inode numbers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pair_test.h"

#define MD_DIR "multidev"
#define MD_N 8

/* Readdir of `dir` (relative to the root): every entry but . and .. must
 * carry the qid.path a walk to it gives.  Returns the entries compared. */
static int compare_readdir_walk(const char *dir, uint64_t *paths, int max)
{
	static char buf[65536];
	struct p9c_dir d;
	struct p9_dirent de;
	int rc, rcw, n = 0, bad = 0;
	uint32_t dfid = walk_new(pt_c, pt_root0, dir, &rcw);

	if (dfid == P9_NOFID) {
		check(false, "multidev: walk to %s: %s", dir, rcs(rcw));
		return 0;
	}
	rc = p9c_lopen(pt_c, dfid, P9_DOTL_RDONLY, NULL, NULL);
	if (rc) {
		check(false, "multidev: open %s: %s", dir, rcs(rc));
		release_fid(pt_c, dfid);
		return 0;
	}
	p9c_dir_init(&d, pt_c, dfid, buf, sizeof(buf), 0);
	while ((rc = p9c_dir_next(&d, &de)) > 0) {
		char name[256], path[600];
		struct p9_qid wq;
		uint32_t f;

		if (p9_str_copy(name, sizeof(name), de.name) || !strcmp(name, ".") ||
		    !strcmp(name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = p9c_fid_get(pt_c);
		rcw = p9c_walk_path(pt_c, pt_root0, f, path, &wq);
		if (rcw == 0)
			p9c_clunk(pt_c, f);
		p9c_fid_put(pt_c, f);
		if (rcw || wq.path != de.qid.path) {
			bad++;
			note("multidev: %s: readdir qid.path %#llx, walk %#llx (%s)", path,
			     (unsigned long long)de.qid.path, (unsigned long long)wq.path, rcs(rcw));
		}
		if (n < max)
			paths[n] = wq.path;
		n++;
	}
	check(rc == 0 && bad == 0, "multidev: readdir qids of %s equal walk qids (%d entries, %d differ)",
	      dir, n, bad);
	release_fid(pt_c, dfid);
	return n < max ? n : max;
}

/* --multidevs forbid: nothing on the tmpfs can be reached. */
static void md_forbid(const char *mnt)
{
	uint32_t d, f;
	int rc;

	d = walk_new(pt_c, pt_root0, MD_DIR, &rc);
	if (d == P9_NOFID) {
		check(false, "multidev forbid: walk to " MD_DIR ": %s", rcs(rc));
		return;
	}
	f = walk_new(pt_c, d, "tmpfs", &rc);
	check(f == P9_NOFID && rc == -ENODEV,
	      "multidev forbid: walk to the tmpfs mounted at %s: %s (want ENODEV)", mnt, rcs(rc));
	release_fid(pt_c, f);
	f = walk_new(pt_c, d, "host0", &rc);
	check(f != P9_NOFID, "multidev forbid: the export's own files still work: %s", rcs(rc));
	release_fid(pt_c, f);
	rc = p9c_lopen(pt_c, d, P9_DOTL_RDONLY, NULL, NULL);
	check(rc == 0, "multidev forbid: the directory holding the mount point opens: %s",
	      rcs(rc));
	release_fid(pt_c, d);
}

/* --multidevs warn: no remap, qid.path is the host inode on both devices. */
static void md_warn(void)
{
	int n = 0, bad = 0;

	for (int i = 0; i < MD_N; i++) {
		for (int dev = 0; dev < 2; dev++) {
			char rel[64];
			struct p9_qid q;
			struct stat st;
			uint32_t f = p9c_fid_get(pt_c);

			snprintf(rel, sizeof(rel), dev ? MD_DIR "/tmpfs/tmp%d" : MD_DIR "/host%d",
				 i);
			if (p9c_walk_path(pt_c, pt_root0, f, rel, &q) == 0) {
				p9c_clunk(pt_c, f);
				n++;
				if (lstat(hpath("%s", rel), &st) < 0 || q.path != st.st_ino)
					bad++;
			}
			p9c_fid_put(pt_c, f);
		}
	}
	check(n == 2 * MD_N && bad == 0,
	      "multidev warn: %d qid paths on both file systems are the host inodes (%d not)", n,
	      bad);
}

void test_multidev(void)
{
	char mnt[4096];
	uint64_t paths[2 * MD_N + 4];
	int n = 0, dups = 0;

	if (!pt.p9guard) {
		skip("multidev: qid remapping across devices is p9guard's (diod: not checked)");
		return;
	}
	/* hpath() rotates its buffers: keep our own copy of the mount point. */
	snprintf(mnt, sizeof(mnt), "%s", hpath(MD_DIR "/tmpfs"));
	if (mkdir(hpath(MD_DIR), 0755) < 0 || mkdir(mnt, 0755) < 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=1m") < 0) {
		check(false, "multidev: cannot mount a tmpfs inside the export: %s",
		      strerror(errno));
		return;
	}
	for (int i = 0; i < MD_N; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), MD_DIR "/host%d", i);
		host_write_file(hpath("%s", rel), "x", 0644, 0, 0);
		snprintf(rel, sizeof(rel), MD_DIR "/tmpfs/tmp%d", i);
		host_write_file(hpath("%s", rel), "y", 0644, 0, 0);
	}
	if (pt.multidevs == 1) {
		md_forbid(mnt);
		goto out;
	}
	if (pt.multidevs == 2) {
		md_warn();
		goto out;
	}
	/* The mount point itself is left out: readdir reports the covered
	 * directory's inode there, a walk the mounted root (see p9_readdir.c). */
	n += compare_readdir_walk(MD_DIR "/tmpfs", paths, MD_N + 2);
	for (int i = 0; i < MD_N; i++) {
		struct p9_qid q;
		uint32_t f = p9c_fid_get(pt_c);
		char rel[64];

		snprintf(rel, sizeof(rel), MD_DIR "/host%d", i);
		if (p9c_walk_path(pt_c, pt_root0, f, rel, &q) == 0) {
			p9c_clunk(pt_c, f);
			paths[n++] = q.path;
		}
		p9c_fid_put(pt_c, f);
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			dups += paths[i] == paths[j];
	check(n == 2 * MD_N && dups == 0,
	      "multidev: %d qid paths across the export and a tmpfs inside it, %d repeated", n,
	      dups);
out:
	if (umount2(mnt, MNT_DETACH) < 0)
		note("multidev: umount %s: %s", mnt, strerror(errno));
}
