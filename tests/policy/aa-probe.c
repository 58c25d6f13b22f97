/*
 * aa-probe.c - one filesystem/network/exec attempt, reported as a line, for
 * tests/policy/apparmor-guest.sh.  Built static and copied into the guest
 * under the paths the p9guard profiles attach to, so AppArmor confines it
 * exactly as it would confine the daemons.
 *
 *   aa-probe label                 print this process's AppArmor label
 *                                  (a confined probe may not read it: see hold)
 *   aa-probe hold                  sleep up to 30 s, so that an unconfined
 *                                  shell can read /proc/PID/attr/current
 *   aa-probe write PATH            create/append PATH
 *   aa-probe read PATH             open PATH read-only
 *   aa-probe mkdir PATH
 *   aa-probe socket inet|unix      socket(AF_INET, SOCK_STREAM) / AF_UNIX
 *   aa-probe exec PATH [ARG...]    execv PATH ARG...
 *   aa-probe setxattr PATH NAME VALUE
 *   aa-probe getxattr PATH NAME    prints the value (or the errno name)
 *   aa-probe in PROFILE OP ARG...  enter PROFILE (change_profile, as
 *                                  aa-exec -p does, but without an exec),
 *                                  then run OP ARG... confined by it
 *
 * Prints "ok" or the errno name and exits 0 / 1; exec prints only when
 * execv fails.  Usage errors exit 2.  A failed change_profile prints
 * "changeprofile: ERRNO" and exits 3.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int report(int rc)
{
	if (rc == 0) {
		puts("ok");
		return 0;
	}
	printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 1;
}

static int print_label(void)
{
	static const char *const paths[] = { "/proc/self/attr/apparmor/current",
					     "/proc/self/attr/current" };
	char buf[256];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		puts(buf);
		return 0;
	}
	return report(-1);
}

/* The "changeprofile" command of the AppArmor kernel interface, written
 * to the task's own attr file: from then on this process is confined. */
static int change_profile(const char *profile)
{
	static const char *const paths[] = { "/proc/self/attr/apparmor/current",
					     "/proc/self/attr/current" };
	char cmd[256];
	int len = snprintf(cmd, sizeof(cmd), "changeprofile %s", profile);

	if (len < 0 || (size_t)len >= sizeof(cmd)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			continue;
		n = write(fd, cmd, (size_t)len);
		close(fd);
		return n == len ? 0 : -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc >= 4 && !strcmp(argv[1], "in")) {
		if (change_profile(argv[2]) < 0) {
			printf("changeprofile: %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
			return 3;
		}
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}

	if (argc == 2 && !strcmp(argv[1], "label"))
		return print_label();
	if (argc == 2 && !strcmp(argv[1], "hold")) {
		sleep(30);
		return 0;
	}
	if (argc < 3) {
		fputs("usage: aa-probe [in PROFILE] label | hold | write|read|mkdir PATH | socket inet|unix |\n"
		      "       setxattr PATH NAME VALUE | getxattr PATH NAME | exec PATH [ARG...]\n",
		      stderr);
		return 2;
	}
	if (!strcmp(argv[1], "write")) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return report(-1);
		if (write(fd, "x\n", 2) != 2) {
			close(fd);
			return report(-1);
		}
		return report(close(fd));
	}
	if (!strcmp(argv[1], "read")) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		return report(close(fd));
	}
	if (!strcmp(argv[1], "mkdir"))
		return report(mkdir(argv[2], 0755));
	if (!strcmp(argv[1], "socket")) {
		fd = socket(!strcmp(argv[2], "inet") ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return report(-1);
		return report(close(fd));
	}
	if (!strcmp(argv[1], "setxattr") && argc == 5)
		return report(setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0));
	if (!strcmp(argv[1], "getxattr") && argc == 4) {
		char val[256];
		ssize_t n = getxattr(argv[2], argv[3], val, sizeof(val) - 1);

		if (n < 0)
			return report(-1);
		val[n] = '\0';
		puts(val);
		return 0;
	}
	if (!strcmp(argv[1], "exec")) {
		execv(argv[2], argv + 2);
		return report(-1);
	}
	fprintf(stderr, "aa-probe: unknown operation %s\n", argv[1]);
	return 2;
}
