/*
 * helper_qid.c - qids and attributes from stat.
 *
 * qid.path must be unique across the whole export even when it spans several
 * host filesystems (inode numbers repeat between devices).  Each device gets
 * a small index in the order the helper first meets it, the export root's
 * device being index 0, and
 *
 *	qid.path = st_ino XOR (index << 48)
 *
 * so inodes of the root's filesystem keep their own number and the paths
 * stay unique as long as inode numbers are below 2^48 (true of ext4, xfs,
 * btrfs and tmpfs in practice).  At most 65536 devices are told apart; a
 * lookup that would need more fails with EOVERFLOW rather than alias.
 *
 * --multidevs (QEMU's option of that name) chooses what happens at a
 * device other than the root's: remap (the default, above), forbid (every
 * object there is ENODEV, as QEMU answers: it cannot even be walked to), or
 * warn (no remap, qid.path = st_ino as QEMU's default; one warning per
 * device, since paths may then collide and confuse the client's caches).
 *
 * qid.version changes with the content (p9_qid_version): the 64-bit mtime in ns
 * XOR the size, folded to 32 bits.  (mtime alone misses writes within one
 * timestamp tick on coarse filesystems; the size catches most of those.)
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

#define QID_DEV_SHIFT 48
#define QID_MAX_DEVS 65536u

static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static dev_t devs[QID_MAX_DEVS];
static unsigned int ndevs;
static enum qid_multidevs multidevs = QID_REMAP;

int qid_multidevs_parse(const char *s, enum qid_multidevs *out)
{
	if (strcmp(s, "remap") == 0)
		*out = QID_REMAP;
	else if (strcmp(s, "forbid") == 0)
		*out = QID_FORBID;
	else if (strcmp(s, "warn") == 0)
		*out = QID_WARN;
	else
		return -1;
	return 0;
}

void qid_set_multidevs(enum qid_multidevs m)
{
	multidevs = m;
}

void qid_init(dev_t rootdev)
{
	devs[0] = rootdev;
	ndevs = 1;
}

static int dev_index(dev_t dev, uint64_t *idx)
{
	int err = 0;

	if (dev == devs[0]) {	/* the common case, without the lock */
		*idx = 0;
		return 0;
	}
	if (multidevs == QID_FORBID)
		return ENODEV;
	pthread_mutex_lock(&dev_lock);
	for (unsigned int i = 1; i < ndevs; i++) {
		if (devs[i] == dev) {
			*idx = multidevs == QID_WARN ? 0 : i;
			goto unlock;
		}
	}
	if (ndevs == QID_MAX_DEVS) {
		err = EOVERFLOW;
		goto unlock;
	}
	devs[ndevs] = dev;
	*idx = ndevs++;
	if (multidevs == QID_WARN) {
		*idx = 0;	/* seen (warned once), not remapped */
		log_warn("the export spans another file system (device %u:%u): qid paths are "
			 "not remapped (--multidevs warn) and may collide",
			 major(dev), minor(dev));
	}
unlock:
	pthread_mutex_unlock(&dev_lock);
	return err;
}

int qid_from_stat(const struct stat *st, struct p9_qid *q)
{
	uint64_t idx;
	int err;

	err = dev_index(st->st_dev, &idx);
	if (err)
		return err;
	if (S_ISDIR(st->st_mode))
		q->type = P9_QTDIR;
	else if (S_ISLNK(st->st_mode))
		q->type = P9_QTSYMLINK;
	else
		q->type = P9_QTFILE;
	q->path = (uint64_t)st->st_ino ^ idx << QID_DEV_SHIFT;
	q->version = p9_qid_version(st->st_mtim.tv_sec, st->st_mtim.tv_nsec, st->st_size);
	return 0;
}

int attr_from_stat(const struct stat *st, struct hp_attr *a)
{
	int err = qid_from_stat(st, &a->qid);

	if (!err)
		hp_attr_from_stat(a, st);
	return err;
}

int helper_fstat(int fd, struct stat *st)
{
	int r;

	do {
		r = fstat(fd, st);	/* fstat works on O_PATH descriptors */
	} while (r < 0 && errno == EINTR);
	return r < 0 ? errno : 0;
}
