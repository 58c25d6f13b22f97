/* runas — run a command with exactly the given credentials (guest helper).
 *
 *   runas UID GID GROUPS -- CMD [ARGS...]
 *
 * GROUPS is a comma-separated list of supplementary gids, or "-" for none.
 * Sets the supplementary groups, then real/effective/saved gid, then
 * real/effective/saved uid (in that order: after setresuid we could no longer
 * change groups), checks that the change took, and execs CMD.
 * Built statically on the host and copied into the test initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long parse_id(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= 0xffffffffUL) {
		fprintf(stderr, "runas: bad %s '%s'\n", what, s);
		exit(125);
	}
	return v;
}

int main(int argc, char **argv)
{
	gid_t groups[NGROUPS_MAX > 256 ? 256 : NGROUPS_MAX];
	size_t ngroups = 0;
	uid_t uid;
	gid_t gid;

	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: runas UID GID GROUPS|- -- CMD [ARGS...]\n");
		return 125;
	}
	uid = (uid_t)parse_id(argv[1], "uid");
	gid = (gid_t)parse_id(argv[2], "gid");
	if (strcmp(argv[3], "-") != 0) {
		char *list = strdup(argv[3]), *save = NULL, *tok;

		if (!list)
			return 125;
		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (ngroups == sizeof(groups) / sizeof(groups[0])) {
				fprintf(stderr, "runas: too many groups\n");
				return 125;
			}
			groups[ngroups++] = (gid_t)parse_id(tok, "group");
		}
		free(list);
	}
	if (setgroups(ngroups, groups) != 0) {
		perror("runas: setgroups");
		return 125;
	}
	if (setresgid(gid, gid, gid) != 0) {
		perror("runas: setresgid");
		return 125;
	}
	if (setresuid(uid, uid, uid) != 0) {
		perror("runas: setresuid");
		return 125;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		fprintf(stderr, "runas: credentials did not stick\n");
		return 125;
	}
	execv(argv[5], &argv[5]);
	fprintf(stderr, "runas: exec %s: %s\n", argv[5], strerror(errno));
	return 126;
}
