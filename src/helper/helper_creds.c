/*
 * helper_creds.c - which credentials a request runs with, per thread.
 *
 * Every request names a uid (and, for create-type operations, the gid the
 * client decided).  The worker thread takes these as its FILESYSTEM
 * credentials, so the kernel itself enforces permissions and ownership
 * (DAC): a uid that is not root has CAP_CHOWN, CAP_DAC_*, CAP_FOWNER,
 * CAP_FSETID and CAP_MKNOD dropped from its effective set while fsuid != 0,
 * and new files are created owned by fsuid:fsgid in one step.
 *
 * The request's ids are guest ids: with --uid-map/--gid-map they are first
 * translated to host ids (helper_idmap.c), and everything below is about
 * the host ids.
 *
 *   fsuid  = the request uid
 *   fsgid  = the request gid for create-type ops when it is given,
 *            else the uid's primary group from the host database,
 *            else (unknown uid) the request gid if given, else 65534
 *   groups = the uid's supplementary groups from the host database
 *            (none for an unknown uid)
 *
 * The host database is read once at start-up (later the sandbox forbids
 * reading /etc).  Credentials are changed with the RAW system calls: the
 * glibc wrappers of setgroups() (and of the set*id family) change every
 * thread of the process, which would race with the other workers.  Each
 * thread caches what it last set and skips needless system calls.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "helper/helper.h"

/* 32-bit architectures have 16-bit legacy calls next to the 32-bit ones. */
#ifdef SYS_setfsuid32
#define NR_SETFSUID SYS_setfsuid32
#define NR_SETFSGID SYS_setfsgid32
#define NR_SETGROUPS SYS_setgroups32
#else
#define NR_SETFSUID SYS_setfsuid
#define NR_SETFSGID SYS_setfsgid
#define NR_SETGROUPS SYS_setgroups
#endif

#define NOBODY_GID 65534
#define MAX_SUPP_GROUPS 65536	/* the kernel's NGROUPS_MAX */

struct user_ent {
	uid_t uid;
	gid_t gid;
	size_t order;		/* position in the database: the first entry wins */
	char *name;		/* only during loading */
	int ngroups;
	gid_t *groups;
};

static struct user_ent *users;
static size_t nusers;

static int user_cmp(const void *a, const void *b)
{
	const struct user_ent *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void load_groups(struct user_ent *u)
{
	int n = 32;
	gid_t *g = NULL;

	for (;;) {
		gid_t *bigger = realloc(g, (size_t)n * sizeof(*g));
		int want = n;

		if (!bigger)
			die("out of memory reading the group database");
		g = bigger;
		if (getgrouplist(u->name, u->gid, g, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n || want > MAX_SUPP_GROUPS) {
			log_warn("user %s: cannot list its groups; using none", u->name);
			n = 0;
			break;
		}
		n = want;
	}
	u->groups = g;
	u->ngroups = n;
}

void creds_load_userdb(void)
{
	struct passwd *pw;
	size_t cap = 0, kept = 0;

	setpwent();
	while ((pw = getpwent())) {
		if (nusers == cap) {
			struct user_ent *bigger;

			cap = cap ? cap * 2 : 64;
			bigger = realloc(users, cap * sizeof(*users));
			if (!bigger)
				die("out of memory reading the user database");
			users = bigger;
		}
		users[nusers] = (struct user_ent){ .uid = pw->pw_uid, .gid = pw->pw_gid,
						   .order = nusers, .name = strdup(pw->pw_name) };
		if (!users[nusers].name)
			die("out of memory reading the user database");
		nusers++;
	}
	endpwent();

	qsort(users, nusers, sizeof(*users), user_cmp);
	for (size_t i = 0; i < nusers; i++) {
		if (kept && users[kept - 1].uid == users[i].uid) {
			free(users[i].name);	/* a later duplicate of this uid */
			continue;
		}
		users[kept++] = users[i];
	}
	nusers = kept;
	for (size_t i = 0; i < nusers; i++) {
		load_groups(&users[i]);
		free(users[i].name);
		users[i].name = NULL;
	}
	log_info("user database: %zu users read", nusers);
}

static const struct user_ent *user_find(uid_t uid)
{
	size_t lo = 0, hi = nusers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (users[mid].uid == uid)
			return &users[mid];
		if (users[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* What this thread's fs credentials are now (valid == false: unknown). */
static __thread struct {
	bool valid;
	uid_t uid;
	gid_t gid;
} cur;

/*
 * setfsuid/setfsgid report no error: the previous value comes back either
 * way.  Asking again with an invalid id (-1) returns the current one, which
 * tells whether the change took.
 */
static int set_fsid(long nr, uint32_t id)
{
	syscall(nr, (long)id);
	if ((uint32_t)syscall(nr, -1L) != id)
		return EPERM;
	return 0;
}

int creds_switch(uint32_t uid, uint32_t gid, bool create)
{
	const struct user_ent *u;
	gid_t fsgid;
	int err;

	if (uid == (uint32_t)-1)
		return EINVAL;	/* "no uid": the frontend must map it first */
	/* From here on host ids (helper_idmap.c; unchanged without maps). */
	uid = hidmap_uid_to_host(uid, NULL);
	if (gid != HP_GID_DEFAULT)
		gid = hidmap_gid_to_host(gid, NULL);
	u = user_find(uid);
	if (create && gid != HP_GID_DEFAULT)
		fsgid = gid;
	else if (u)
		fsgid = u->gid;
	else
		fsgid = gid != HP_GID_DEFAULT ? gid : NOBODY_GID;

	if (cur.valid && cur.uid == uid && cur.gid == fsgid)
		return 0;
	if (!cur.valid || cur.uid != uid) {
		/* Safe: only this thread's groups change (raw call, see above). */
		if (syscall(NR_SETGROUPS, u ? (long)u->ngroups : 0L, u ? u->groups : NULL) < 0) {
			err = errno;
			goto invalid;
		}
	}
	/* Safe: fs ids only change what this thread may do on files. */
	err = set_fsid(NR_SETFSGID, fsgid);
	if (err)
		goto invalid;
	err = set_fsid(NR_SETFSUID, uid);
	if (err)
		goto invalid;
	cur.valid = true;
	cur.uid = uid;
	cur.gid = fsgid;
	return 0;

invalid:
	cur.valid = false;	/* half-switched: redo everything next time */
	log_warn("cannot switch to uid %u gid %u: %s", uid, fsgid, strerror(err));
	return err;
}

bool creds_current(uint32_t *uid, uint32_t *gid)
{
	if (!cur.valid)
		return false;
	*uid = cur.uid;
	*gid = cur.gid;
	return true;
}

int creds_root_begin(struct creds_saved *sv)
{
	/* Safe: this thread only, and only until creds_root_end(), which the
	 * caller reaches right after its one justified privileged call. */
	sv->uid = (uint32_t)syscall(NR_SETFSUID, -1L);
	sv->gid = (uint32_t)syscall(NR_SETFSGID, -1L);
	if (set_fsid(NR_SETFSGID, 0) || set_fsid(NR_SETFSUID, 0)) {
		creds_root_end(sv);
		return EPERM;
	}
	return 0;
}

void creds_root_end(const struct creds_saved *sv)
{
	if (set_fsid(NR_SETFSUID, sv->uid) || set_fsid(NR_SETFSGID, sv->gid)) {
		cur.valid = false;	/* redo everything at the next switch */
		log_err("cannot return to fsuid %u fsgid %u", sv->uid, sv->gid);
	}
}
