/*
 * sandbox_caps.c - identity and capabilities of each role (libcap-ng).
 *
 * The sets are changed with libcap-ng and then verified independently with
 * capget(2) and prctl(2), so a library or kernel surprise cannot leave a
 * capability behind unnoticed.
 *
 *   frontend: bounding set emptied (while CAP_SETPCAP is still held), no
 *	supplementary groups, the --user gid and uid (real, effective, saved),
 *	then every set - effective, permitted, inheritable, ambient, bounding -
 *	must be empty.
 *   helper: stays uid 0; securebits locked; effective = permitted =
 *	bounding = exactly the capabilities its operations need (fewer for a
 *	read-only export, no SETUID/SETGID for --security-model none);
 *	inheritable and ambient empty.  A helper started as another user
 *	(--security-model none --helper-user) must hold none at all.
 */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hp_codec.h"

#include "common/log.h"
#include "common/sandbox_int.h"

/* The kernel knows at most 64 capabilities in the v3 interface. */
#define CAPS_MAX 64

struct caps_state {
	uint64_t eff, prm, inh, bnd, amb;
};

static int caps_read(struct caps_state *cs)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	memset(cs, 0, sizeof(*cs));
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		log_err("sandbox: capget: %s", strerror(errno));
		return -1;
	}
	cs->eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	cs->prm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	cs->inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	for (int c = 0; c < CAPS_MAX; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (r < 0)
			break; /* EINVAL: past the last capability */
		if (r == 1)
			cs->bnd |= 1ULL << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			cs->amb |= 1ULL << c;
	}
	return 0;
}

static void caps_names(uint64_t mask, char *out, size_t len)
{
	size_t off = 0;

	if (mask == 0) {
		snprintf(out, len, "none");
		return;
	}
	out[0] = '\0';
	for (int c = 0; c < CAPS_MAX; c++) {
		const char *name;

		if (!(mask & (1ULL << c)))
			continue;
		name = capng_capability_to_name((unsigned int)c);
		off += (size_t)snprintf(out + off, off < len ? len - off : 0, "%s%s",
					off ? "," : "", name ? name : "?");
	}
}

/* "uid=0 gid=0 groups=none" for the calling thread. */
static int ids_describe(char *out, size_t len)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int ng;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return -1;
	if (ru != eu || eu != su || rg != eg || eg != sg) {
		log_err("sandbox: real/effective/saved ids differ (uid %u/%u/%u gid %u/%u/%u)", ru,
			eu, su, rg, eg, sg);
		return -1;
	}
	ng = getgroups(0, NULL);
	if (ng < 0)
		return -1;
	if (ng == 0)
		snprintf(out, len, "uid=%u gid=%u groups=none", eu, eg);
	else
		snprintf(out, len, "uid=%u gid=%u groups=%d", eu, eg, ng);
	return 0;
}

static int caps_drop_groups(void)
{
	/* Only the process's own thread exists (checked by the caller), so
	 * glibc's all-threads setgroups() is the plain syscall here. */
	if (setgroups(0, NULL) != 0) {
		log_err("sandbox: cannot drop supplementary groups: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The end of confining a process left with no capability: not dumpable
 * (another process of the same uid can neither ptrace it nor read its
 * /proc files, and it leaves no core), and desc = "uid=... caps=none".
 */
static int caps_none_finish(char *desc, size_t len)
{
	char idtext[128];

	if (ids_describe(idtext, sizeof(idtext)) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		log_err("sandbox: cannot clear dumpable: %s", strerror(errno));
		return -1;
	}
	snprintf(desc, len, "%s caps=none", idtext);
	return 0;
}

int sandbox_caps_frontend(const struct sandbox_opts *o, char *desc, size_t len)
{
	struct caps_state cs;
	bool change = o->uid != (uid_t)SANDBOX_ID_KEEP || o->gid != (gid_t)SANDBOX_ID_KEEP;

	if (change) {
		if (o->uid == (uid_t)SANDBOX_ID_KEEP || o->gid == (gid_t)SANDBOX_ID_KEEP) {
			log_err("sandbox: the frontend needs both a uid and a gid");
			return -1;
		}
		if (o->uid == 0 || o->gid == 0) {
			log_err("sandbox: the frontend must not run as uid or gid 0");
			return -1;
		}
		/* The bounding set can only shrink with CAP_SETPCAP: empty
		 * it before the uid change takes every capability away. */
		if (capng_get_caps_process() != 0) {
			log_err("sandbox: cannot read capabilities");
			return -1;
		}
		capng_clear(CAPNG_SELECT_BOUNDS);
		if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
			log_err("sandbox: cannot empty the bounding set (no CAP_SETPCAP?)");
			return -1;
		}
		if (caps_drop_groups() < 0)
			return -1;
		if (setresgid(o->gid, o->gid, o->gid) != 0 ||
		    setresuid(o->uid, o->uid, o->uid) != 0) {
			log_err("sandbox: cannot change to uid %u gid %u: %s", o->uid, o->gid,
				strerror(errno));
			return -1;
		}
	}
	if (geteuid() == 0 || getuid() == 0) {
		log_err("sandbox: the frontend must not run as uid 0 (give it a --user)");
		return -1;
	}
	/* A uid change without keepcaps already emptied the effective,
	 * permitted and ambient sets; clear again for the "kept" case. */
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
		log_err("sandbox: cannot clear capabilities");
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
		log_err("sandbox: cannot clear the ambient set: %s", strerror(errno));
		return -1;
	}
	/* Verify, independently of libcap-ng. */
	if (caps_read(&cs) < 0)
		return -1;
	if (cs.eff || cs.prm || cs.inh || cs.amb || cs.bnd) {
		log_err("sandbox: capabilities left: eff=%#llx prm=%#llx inh=%#llx amb=%#llx "
			"bnd=%#llx%s",
			(unsigned long long)cs.eff, (unsigned long long)cs.prm,
			(unsigned long long)cs.inh, (unsigned long long)cs.amb,
			(unsigned long long)cs.bnd,
			cs.bnd ? " (pass the uid/gid so the bounding set is emptied first)" : "");
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		log_err(
		    "sandbox: supplementary groups left (pass the uid/gid so they are dropped)");
		return -1;
	}
	return caps_none_finish(desc, len);
}

/*
 * What the helper's operations need (DESIGN §5): the union of the caps of
 * the rows of the operation list (src/proto/hp_ops.def) that the helper
 * may run - on a read-only export, only those that do not modify it -
 * narrowed or widened by the options that decide how requests run.
 */
#define CAP(x) (1ULL << (x))
#define CAPS_FS (CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER))
#define CAPS_FS_READ (CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH))
#define CAPS_CREDS (CAP(CAP_SETUID) | CAP(CAP_SETGID))

static uint64_t caps_helper_wanted(const struct sandbox_opts *o)
{
	static const struct {
		unsigned int flags;
		uint64_t caps;
	} rows[] = {
#define HP_OP(OP, number, name, req, rep, flags, caps, ...) { flags, caps },
#include "hp_ops.def"
	};
	uint64_t m = 0;

	if (geteuid() != 0)
		return 0;	/* a non-root helper: nothing (checked by the caller) */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!o->readonly || !(rows[i].flags & HP_F_MODIFIES))
			m |= rows[i].caps;
	if (!o->devices)
		m &= ~CAP(CAP_MKNOD);
	if (o->no_creds_switch || o->mapped_metadata)	/* never switches */
		m &= ~CAPS_CREDS;
	if (o->mapped_metadata)	/* owners and devices are only metadata */
		m &= ~(CAP(CAP_CHOWN) | CAP(CAP_FSETID) | CAP(CAP_MKNOD));
	if (o->trusted_xattrs)	/* trusted.* xattrs; permitted only (helper_caps.c) */
		m |= CAP(CAP_SYS_ADMIN);
	return m;
}

/*
 * A helper that is not root (--security-model none with --helper-user):
 * the launcher emptied the bounding set and the groups before changing
 * uid, so there is nothing to drop - only to verify.
 */
static int caps_helper_unprivileged(const struct sandbox_opts *o, char *desc, size_t len)
{
	struct caps_state cs;

	if (!o->no_creds_switch && !o->mapped_metadata) {
		log_err("sandbox: the helper is not root (uid %u); only --security-model none "
			"or mapped-xattr works without root",
			geteuid());
		return -1;
	}
	if (caps_read(&cs) < 0)
		return -1;
	if (cs.eff || cs.prm || cs.inh || cs.amb || cs.bnd) {
		log_err("sandbox: a helper that is not root must hold no capability: eff=%#llx "
			"prm=%#llx inh=%#llx amb=%#llx bnd=%#llx",
			(unsigned long long)cs.eff, (unsigned long long)cs.prm,
			(unsigned long long)cs.inh, (unsigned long long)cs.amb,
			(unsigned long long)cs.bnd);
		return -1;
	}
	if (getgroups(0, NULL) != 0) {
		log_err("sandbox: a helper that is not root must have no supplementary groups");
		return -1;
	}
	return caps_none_finish(desc, len);
}

int sandbox_caps_helper(const struct sandbox_opts *o, char *desc, size_t len)
{
	uint64_t want = caps_helper_wanted(o);
	/* SYS_ADMIN only permitted: raised per request (helper_caps.c). */
	uint64_t want_eff = want & ~(1ULL << CAP_SYS_ADMIN);
	struct caps_state cs;
	char idtext[128], names[400];
	unsigned long bits;

	if (geteuid() != 0)
		return caps_helper_unprivileged(o, desc, len);
	if (caps_drop_groups() < 0)
		return -1;
	/*
	 * Lock the securebits while CAP_SETPCAP is still held: no capability
	 * gain from uid 0 at exec, keepcaps off for good, no ambient raise.
	 * SECBIT_NO_SETUID_FIXUP stays off (locked) unless fsuid_keeps_caps:
	 * then a thread keeps its filesystem capabilities while its fsuid is
	 * a guest uid.
	 */
	bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
	       SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
	       SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	if (o->fsuid_keeps_caps)
		bits |= SECBIT_NO_SETUID_FIXUP;
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) {
		log_err("sandbox: cannot lock securebits: %s", strerror(errno));
		return -1;
	}

	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int c = 0; c < CAPS_MAX; c++) {
		if (!(want & (1ULL << c)))
			continue;
		if (capng_update(CAPNG_ADD,
				 (want_eff & (1ULL << c) ? CAPNG_EFFECTIVE : 0) | CAPNG_PERMITTED |
				     CAPNG_BOUNDING_SET,
				 c) != 0) {
			log_err("sandbox: cannot select capability %u", c);
			return -1;
		}
	}
	/* Bounding set first: dropping from it needs CAP_SETPCAP, which the
	 * second step takes away. */
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0 || capng_apply(CAPNG_SELECT_CAPS) != 0) {
		log_err("sandbox: cannot reduce capabilities");
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
		log_err("sandbox: cannot clear the ambient set: %s", strerror(errno));
		return -1;
	}
	if (caps_read(&cs) < 0)
		return -1;
	if (cs.eff != want_eff || cs.prm != want || cs.bnd != want || cs.inh || cs.amb) {
		log_err("sandbox: helper capabilities not as wanted (%#llx): eff=%#llx prm=%#llx "
			"bnd=%#llx inh=%#llx amb=%#llx",
			(unsigned long long)want, (unsigned long long)cs.eff,
			(unsigned long long)cs.prm, (unsigned long long)cs.bnd,
			(unsigned long long)cs.inh, (unsigned long long)cs.amb);
		return -1;
	}
	if (ids_describe(idtext, sizeof(idtext)) < 0)
		return -1;
	caps_names(want, names, sizeof(names));
	snprintf(desc, len, "%s caps=%s%s", idtext, names,
		 o->fsuid_keeps_caps ? " securebits=locked,no_setuid_fixup" : " securebits=locked");
	return 0;
}
