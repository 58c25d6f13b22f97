/* check_options.c - unit tests for p9guard's command-line parser. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "frontend/options.h"

#define MAX_ARGS 32

static struct fe_options opts;
static char err[512];

/* Parse a NULL-terminated list of arguments (argv[0] is added). */
static int parse_env(const char *env_helper, ...)
{
	static char *argv[MAX_ARGS];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = (char *)"p9guard";
	va_start(ap, env_helper);
	while ((a = va_arg(ap, char *)) != NULL && argc < MAX_ARGS - 1)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return options_parse(&opts, argc, argv, env_helper, err, sizeof(err));
}

#define parse(...) parse_env(NULL, __VA_ARGS__, (char *)NULL)
#define BASE "--export", "/srv/vm1", "--listen", "unix:/run/p9guard/vm1.sock"

/* The parse fails and the message contains `needle`. */
#define ck_fails_with(rc, needle)                                                                  \
	do {                                                                                       \
		ck_assert_int_eq((rc), OPT_ERROR);                                                 \
		ck_assert_msg(strstr(err, (needle)) != NULL, "message '%s' lacks '%s'", err,       \
			      (needle));                                                           \
	} while (0)

START_TEST(test_minimal_defaults)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert_str_eq(opts.export_path, "/srv/vm1");
	ck_assert_uint_eq(opts.nlisten, 1);
	ck_assert_int_eq(opts.listen[0].kind, LISTEN_UNIX);
	ck_assert_str_eq(opts.listen[0].path, "/run/p9guard/vm1.sock");
	ck_assert_uint_eq(opts.socket_mode, 0660);
	ck_assert_str_eq(opts.user, "nobody");
	ck_assert(!opts.user_set);
	ck_assert(!opts.allow_root_frontend);
	ck_assert_uint_eq(opts.threads, OPT_DEFAULT_THREADS);
	ck_assert_uint_eq(opts.msize, 1024 * 1024);
	ck_assert(!opts.allow_devices);
	ck_assert(!opts.readonly);
	ck_assert_int_eq(opts.log_level, LOG_LVL_INFO);
	ck_assert(!opts.syslog);
	ck_assert_ptr_null(opts.pidfile);
	ck_assert_ptr_null(opts.socket_owner);
	/* The helper lives in its package's own libexec directory. */
	ck_assert_str_eq(opts.helper, HELPER_PATH);
	ck_assert(strstr(opts.helper, "/libexec/p9guard/p9guard-helper") != NULL);
}
END_TEST

START_TEST(test_full_command_line)
{
	ck_assert_int_eq(parse(BASE, "--socket-owner", "qemu:kvm", "--socket-mode", "0600",
			       "--user", "p9guard", "--helper", "/opt/h", "--threads", "8",
			       "--msize", "65536", "--allow-devices", "--log-level", "debug",
			       "--syslog", "--foreground", "--pidfile", "/run/p9.pid",
			       "--allow-root-frontend"),
			 OPT_RUN);
	ck_assert_str_eq(opts.socket_owner, "qemu:kvm");
	ck_assert_uint_eq(opts.socket_mode, 0600);
	ck_assert_str_eq(opts.user, "p9guard");
	ck_assert(opts.user_set);
	ck_assert_str_eq(opts.helper, "/opt/h");
	ck_assert_uint_eq(opts.threads, 8);
	ck_assert_uint_eq(opts.msize, 65536);
	ck_assert(opts.allow_devices);
	ck_assert_int_eq(opts.log_level, LOG_LVL_DEBUG);
	ck_assert_str_eq(opts.log_level_name, "debug");
	ck_assert(opts.syslog);
	ck_assert_str_eq(opts.pidfile, "/run/p9.pid");
	ck_assert(opts.allow_root_frontend);
}
END_TEST

START_TEST(test_equals_form)
{
	ck_assert_int_eq(parse("--export=/srv/x", "--listen=tcp:127.0.0.1:564", "--threads=2"),
			 OPT_RUN);
	ck_assert_str_eq(opts.export_path, "/srv/x");
	ck_assert_uint_eq(opts.threads, 2);
}
END_TEST

START_TEST(test_help_version)
{
	ck_assert_int_eq(parse("--help"), OPT_HELP);
	ck_assert_int_eq(parse("--version"), OPT_VERSION);
	ck_assert(strstr(options_help_text, "--listen") != NULL);
}
END_TEST

START_TEST(test_required)
{
	ck_fails_with(parse("--listen", "unix:/tmp/s"), "--export DIR is required");
	ck_fails_with(parse("--export", "/srv"), "--listen ADDR is required");
	ck_fails_with(parse("--export", "", "--listen", "unix:/tmp/s"), "--export");
}
END_TEST

START_TEST(test_unknown_and_missing_values)
{
	ck_fails_with(parse(BASE, "--bogus"), "--bogus: unknown option");
	ck_fails_with(parse(BASE, "--threads"), "--threads: needs a value");
	ck_fails_with(parse(BASE, "stray"), "unexpected argument 'stray'");
}
END_TEST

START_TEST(test_listen_unix)
{
	struct listen_addr a;

	ck_assert_int_eq(options_parse_listen(&a, "unix:/a/b", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_UNIX);
	ck_assert_str_eq(a.path, "/a/b");
	ck_fails_with(options_parse_listen(&a, "unix:", err, sizeof(err)), "path is missing");
	{
		char longspec[200] = "unix:/";

		memset(longspec + 6, 'x', 150);
		longspec[156] = '\0';
		ck_fails_with(options_parse_listen(&a, longspec, err, sizeof(err)), "too long");
	}
}
END_TEST

START_TEST(test_listen_tcp)
{
	struct listen_addr a;

	ck_assert_int_eq(options_parse_listen(&a, "tcp:127.0.0.1:564", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_TCP);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_str_eq(a.port, "564");
	ck_assert_int_eq(options_parse_listen(&a, "tcp:[::1]:5640", err, sizeof(err)), 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_str_eq(a.port, "5640");
	ck_assert_int_eq(options_parse_listen(&a, "tcp:localhost:1", err, sizeof(err)), 0);
	ck_assert_str_eq(a.host, "localhost");

	ck_fails_with(options_parse_listen(&a, "tcp:127.0.0.1", err, sizeof(err)),
		      "expected tcp:HOST:PORT");
	ck_fails_with(options_parse_listen(&a, "tcp::564", err, sizeof(err)), "host is missing");
	ck_fails_with(options_parse_listen(&a, "tcp:h:0", err, sizeof(err)), "not a port number");
	ck_fails_with(options_parse_listen(&a, "tcp:h:65536", err, sizeof(err)),
		      "not a port number");
	ck_fails_with(options_parse_listen(&a, "tcp:h:56x", err, sizeof(err)), "not a port number");
	ck_fails_with(options_parse_listen(&a, "tcp:h:-1", err, sizeof(err)), "not a port number");
	ck_fails_with(options_parse_listen(&a, "tcp:::1:564", err, sizeof(err)), "in brackets");
	ck_fails_with(options_parse_listen(&a, "tcp:[::1]564", err, sizeof(err)),
		      "tcp:[IPV6]:PORT");
}
END_TEST

START_TEST(test_listen_fds)
{
	struct listen_addr a;

	ck_assert_int_eq(options_parse_listen(&a, "fd:3", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_FD);
	ck_assert_int_eq(a.fd, 3);
	ck_assert_int_eq(options_parse_listen(&a, "connected-fd:0", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_CONNECTED_FD);
	ck_assert_int_eq(a.fd, 0);
	ck_assert_int_eq(options_parse_listen(&a, "systemd", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_SYSTEMD);

	ck_fails_with(options_parse_listen(&a, "fd:", err, sizeof(err)), "not a file descriptor");
	ck_fails_with(options_parse_listen(&a, "fd:-1", err, sizeof(err)), "not a file descriptor");
	ck_fails_with(options_parse_listen(&a, "fd:3x", err, sizeof(err)), "not a file descriptor");
	ck_fails_with(options_parse_listen(&a, "fd:99999999999", err, sizeof(err)),
		      "not a file descriptor");
	ck_fails_with(options_parse_listen(&a, "vsock:3:564", err, sizeof(err)), "unknown address");
	ck_fails_with(options_parse_listen(&a, "/run/x.sock", err, sizeof(err)), "unknown address");
}
END_TEST

START_TEST(test_listen_vhost_user_and_tag)
{
	struct listen_addr a;

	ck_assert_int_eq(options_parse_listen(&a, "vhost-user:/run/vm1-9p.sock", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_VHOST_USER);
	ck_assert_str_eq(a.path, "/run/vm1-9p.sock");
	ck_assert(listen_kind_vhost_user(a.kind));
	ck_assert_int_eq(options_parse_listen(&a, "vhost-user-fd:4", err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, LISTEN_VHOST_USER_FD);
	ck_assert_int_eq(a.fd, 4);
	ck_assert(listen_kind_vhost_user(a.kind));
	ck_assert(!listen_kind_vhost_user(LISTEN_UNIX));
	ck_fails_with(options_parse_listen(&a, "vhost-user:", err, sizeof(err)), "path is missing");
	ck_fails_with(options_parse_listen(&a, "vhost-user-fd:x", err, sizeof(err)),
		      "not a file descriptor");

	/* the tag: the export's base name, trailing slashes aside, or --tag */
	ck_assert_int_eq(parse("--export", "/srv/vm1/", "--listen", "vhost-user:/a"), 0);
	ck_assert_str_eq(opts.tag, "vm1");
	ck_assert_int_eq(parse("--export", "/srv/vm1", "--listen", "vhost-user:/a", "--tag", "hostshare"), 0);
	ck_assert_str_eq(opts.tag, "hostshare");
	ck_assert(opts.tag_set);
	ck_fails_with(parse("--export", "/e", "--listen", "vhost-user:/a", "--tag", ""),
		      "the tag is empty");
	/* without a vhost-user listener no tag is needed */
	ck_assert_int_eq(parse("--export", "/", "--listen", "unix:/a"), 0);
	ck_fails_with(parse(BASE, "--tag", "0123456789012345678901234567890123"), "longer than 31");
	ck_fails_with(parse("--export", "/srv/0123456789012345678901234567890123", "--listen",
			    "vhost-user:/a"),
		      "give --tag NAME");
	ck_fails_with(parse("--export", "/", "--listen", "vhost-user:/a"), "give --tag NAME");
	/* one socket path for two listeners is refused whatever their kinds */
	ck_fails_with(parse("--export", "/e", "--listen", "unix:/a", "--listen", "vhost-user:/a"),
		      "given twice");
	ck_fails_with(parse("--export", "/e", "--listen", "fd:3", "--listen", "vhost-user-fd:3"),
		      "given twice");
}
END_TEST

START_TEST(test_listen_combinations)
{
	ck_assert_int_eq(parse("--export", "/e", "--listen", "unix:/a", "--listen", "tcp:h:1",
			       "--listen", "fd:3", "--listen", "systemd"),
			 OPT_RUN);
	ck_assert_uint_eq(opts.nlisten, 4);
	ck_fails_with(parse("--export", "/e", "--listen", "connected-fd:3", "--listen", "unix:/a"),
		      "cannot be combined");
	ck_fails_with(parse("--export", "/e", "--listen", "unix:/a", "--listen", "unix:/a"),
		      "given twice");
	ck_fails_with(parse("--export", "/e", "--listen", "fd:3", "--listen", "fd:3"),
		      "given twice");
	ck_fails_with(parse("--export", "/e", "--listen", "systemd", "--listen", "systemd"),
		      "given twice");
	ck_assert_int_eq(parse("--export", "/e", "--listen", "connected-fd:5"), OPT_RUN);
}
END_TEST

START_TEST(test_numbers)
{
	ck_fails_with(parse(BASE, "--threads", "0"), "--threads '0'");
	ck_fails_with(parse(BASE, "--threads", "65"), "from 1 to 64");
	ck_fails_with(parse(BASE, "--threads", "four"), "--threads 'four'");
	ck_fails_with(parse(BASE, "--threads", "-1"), "--threads '-1'");
	ck_fails_with(parse(BASE, "--msize", "4095"), "--msize '4095'");
	ck_fails_with(parse(BASE, "--msize", "1048577"), "from 4096 to 1048576");
	ck_assert_int_eq(parse(BASE, "--msize", "4096"), OPT_RUN);
	ck_assert_int_eq(parse(BASE, "--msize", "1048576"), OPT_RUN);
	ck_assert_int_eq(parse(BASE, "--socket-mode", "600"), OPT_RUN);
	ck_assert_uint_eq(opts.socket_mode, 0600);
	ck_fails_with(parse(BASE, "--socket-mode", "0680"), "octal mode");
	ck_fails_with(parse(BASE, "--socket-mode", "01777"), "octal mode");
	ck_fails_with(parse(BASE, "--socket-mode", ""), "octal mode");
}
END_TEST

START_TEST(test_limits)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert_uint_eq(opts.max_conns, OPT_DEFAULT_MAX_CONNS);
	ck_assert_uint_eq(opts.max_fids, OPT_DEFAULT_MAX_FIDS);
	/* The Linux client with cache=loose holds ~2 fids per cached file:
	 * 10 000 files (tests/vm's big directory) need more than 20 000. */
	ck_assert_uint_ge(opts.max_fids, 32768);
	ck_assert_uint_eq(opts.max_requests, OPT_DEFAULT_MAX_REQUESTS);
	ck_assert_uint_eq(opts.max_buffered, 8u << 20);
	ck_assert_uint_eq(opts.frame_timeout, 30);
	ck_assert_uint_eq(opts.idle_timeout, 0);
	ck_assert_uint_eq(opts.busy_poll, 32);
	ck_assert(!opts.busy_poll_set); /* vhost-user devices then do not poll */

	ck_assert_int_eq(parse(BASE, "--max-connections", "1", "--max-fids", "16",
			       "--max-requests", "65535", "--max-buffered", "64K",
			       "--frame-timeout", "0", "--idle-timeout", "600", "--busy-poll", "0"),
			 OPT_RUN);
	ck_assert_uint_eq(opts.max_conns, 1);
	ck_assert_uint_eq(opts.max_fids, 16);
	ck_assert_uint_eq(opts.max_requests, 65535);
	ck_assert_uint_eq(opts.max_buffered, 65536);
	ck_assert_uint_eq(opts.frame_timeout, 0);
	ck_assert_uint_eq(opts.idle_timeout, 600);
	ck_assert_uint_eq(opts.busy_poll, 0);
	ck_assert(opts.busy_poll_set);
	ck_assert_int_eq(parse(BASE, "--busy-poll", "1000"), OPT_RUN);
	ck_assert_uint_eq(opts.busy_poll, 1000);

	ck_assert_int_eq(parse(BASE, "--max-buffered", "16m"), OPT_RUN);
	ck_assert_uint_eq(opts.max_buffered, 16u << 20);
	ck_assert_int_eq(parse(BASE, "--max-buffered", "1G"), OPT_RUN);
	ck_assert_uint_eq(opts.max_buffered, 1u << 30);
	ck_assert_int_eq(parse(BASE, "--max-buffered", "1048576"), OPT_RUN);
	ck_assert_uint_eq(opts.max_buffered, 1u << 20);
	ck_fails_with(parse(BASE, "--max-buffered", "63K"), "--max-buffered '63K'");
	ck_fails_with(parse(BASE, "--max-buffered", "2G"), "from 64K to 1024M");
	ck_fails_with(parse(BASE, "--max-buffered", "8T"), "--max-buffered '8T'");
	ck_fails_with(parse(BASE, "--max-buffered", "M"), "--max-buffered 'M'");
	ck_fails_with(parse(BASE, "--max-buffered", "-1M"), "--max-buffered '-1M'");
	ck_fails_with(parse(BASE, "--max-buffered", ""), "--max-buffered ''");
	ck_fails_with(parse(BASE, "--max-buffered", "99999999999999999999K"), "from 64K");

	ck_assert_uint_eq(opts.max_memory, 0); /* after a parse without it: no bound */
	ck_assert_int_eq(parse(BASE, "--max-memory", "512M"), OPT_RUN);
	ck_assert_uint_eq(opts.max_memory, 512u << 20);
	ck_assert_int_eq(parse(BASE, "--max-memory", "1024G"), OPT_RUN);
	ck_fails_with(parse(BASE, "--max-memory", "15M"), "--max-memory '15M'");
	ck_fails_with(parse(BASE, "--max-memory", "1025G"), "from 16384K to 1048576M");

	ck_fails_with(parse(BASE, "--max-connections", "0"), "from 1 to 4096");
	ck_fails_with(parse(BASE, "--max-connections", "4097"), "--max-connections '4097'");
	ck_fails_with(parse(BASE, "--max-fids", "15"), "from 16 to 1048576");
	ck_fails_with(parse(BASE, "--max-requests", "0"), "from 1 to 65535");
	ck_fails_with(parse(BASE, "--max-requests", "65536"), "--max-requests '65536'");
	ck_fails_with(parse(BASE, "--frame-timeout", "-1"), "--frame-timeout '-1'");
	ck_fails_with(parse(BASE, "--frame-timeout", "86401"), "from 0 to 86400");
	ck_fails_with(parse(BASE, "--idle-timeout", "1h"), "--idle-timeout '1h'");
	ck_fails_with(parse(BASE, "--idle-timeout"), "needs a value");
	ck_fails_with(parse(BASE, "--busy-poll", "1001"), "from 0 to 1000");
	ck_fails_with(parse(BASE, "--busy-poll", "5us"), "--busy-poll '5us'");
}
END_TEST

START_TEST(test_strings)
{
	ck_fails_with(parse(BASE, "--log-level", "verbose"), "--log-level 'verbose'");
	ck_fails_with(parse(BASE, "--socket-owner", ":kvm"), "expected USER[:GROUP]");
	ck_fails_with(parse(BASE, "--socket-owner", ""), "expected USER[:GROUP]");
	ck_fails_with(parse(BASE, "--user", ""), "--user");
	ck_fails_with(parse(BASE, "--pidfile", ""), "--pidfile");
	ck_fails_with(parse(BASE, "--helper", ""), "--helper");
}
END_TEST

START_TEST(test_helper_env)
{
	ck_assert_int_eq(parse_env("/build/p9guard-helper", BASE, (char *)NULL), OPT_RUN);
	ck_assert_str_eq(opts.helper, "/build/p9guard-helper");
	/* An explicit --helper beats the environment. */
	ck_assert_int_eq(parse_env("/build/p9guard-helper", BASE, "--helper", "/x", (char *)NULL),
			 OPT_RUN);
	ck_assert_str_eq(opts.helper, "/x");
	/* An empty variable is ignored. */
	ck_assert_int_eq(parse_env("", BASE, (char *)NULL), OPT_RUN);
	ck_assert_str_eq(opts.helper, HELPER_PATH);
}
END_TEST

START_TEST(test_too_many_listen)
{
	static char *argv[2 + 2 * (OPT_MAX_LISTEN + 1) + 2];
	static char specs[OPT_MAX_LISTEN + 1][32];
	int argc = 0;

	argv[argc++] = (char *)"p9guard";
	argv[argc++] = (char *)"--export=/e";
	for (int i = 0; i <= OPT_MAX_LISTEN; i++) {
		snprintf(specs[i], sizeof(specs[i]), "unix:/s%d", i);
		argv[argc++] = (char *)"--listen";
		argv[argc++] = specs[i];
	}
	argv[argc] = NULL;
	ck_fails_with(options_parse(&opts, argc, argv, NULL, err, sizeof(err)),
		      "at most 16 addresses");
}
END_TEST

START_TEST(test_readonly)
{
	ck_assert_int_eq(parse(BASE, "--readonly"), OPT_RUN);
	ck_assert(opts.readonly);
	ck_assert(strstr(options_help_text, "--readonly") != NULL);
	ck_fails_with(parse(BASE, "--readonly", "--allow-devices"), "--allow-devices with --readonly");
	ck_fails_with(parse(BASE, "--readonly=yes"), "--readonly=yes");
}
END_TEST

START_TEST(test_id_maps)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert(!idmap_active(&opts.uid_map));
	ck_assert(!idmap_active(&opts.gid_map));
	ck_assert_int_eq(parse(BASE, "--uid-map", "0:100000:65536", "--uid-map", "65536:5000:1",
			       "--gid-map=0:200000:10", "--unmapped-uid", "4000",
			       "--unmapped-gid=4001"),
			 OPT_RUN);
	ck_assert_uint_eq(opts.uid_map.n, 2);
	ck_assert_uint_eq(opts.gid_map.n, 1);
	ck_assert_uint_eq(idmap_to_host(&opts.uid_map, 65536, NULL), 5000);
	ck_assert_uint_eq(opts.uid_map.squash, 4000);
	ck_assert_uint_eq(opts.gid_map.squash, 4001);
	ck_assert_uint_eq(idmap_to_host(&opts.gid_map, 11, NULL), 4001);
	ck_assert(strstr(options_help_text, "--uid-map GUEST:HOST:COUNT") != NULL);
	ck_fails_with(parse(BASE, "--uid-map", "0:100000"), "--uid-map '0:100000': expected");
	ck_fails_with(parse(BASE, "--gid-map", "0:1:0"), "--gid-map '0:1:0': COUNT");
	ck_fails_with(parse(BASE, "--uid-map", "0:10:10", "--uid-map", "5:100:1"),
		      "guest ids overlap");
	ck_fails_with(parse(BASE, "--unmapped-uid", "7"), "--unmapped-uid needs at least one --uid-map");
	ck_fails_with(parse(BASE, "--gid-map", "0:1:1", "--unmapped-gid", "x"),
		      "--unmapped-gid 'x'");
	ck_fails_with(parse(BASE, "--uid-map"), "--uid-map: needs a value");
	/* --permissions: guest by default, host on request, passthrough only. */
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert_str_eq(opts.permissions, "guest");
	ck_assert_int_eq(parse(BASE, "--permissions", "host"), OPT_RUN);
	ck_assert_str_eq(opts.permissions, "host");
	ck_fails_with(parse(BASE, "--permissions", "client"),
		      "--permissions 'client': expected guest or host");
	ck_fails_with(parse(BASE, "--permissions", "guest", "--security-model", "none"),
		      "only passthrough runs requests as the client's ids");
	ck_assert(strstr(options_help_text, "--permissions WHO") != NULL);
	/* One map alone would let the other kind of id through unmapped. */
	ck_fails_with(parse(BASE, "--uid-map", "0:100000:65536"), "--uid-map needs --gid-map too");
	ck_fails_with(parse(BASE, "--gid-map", "0:100000:65536"), "--gid-map needs --uid-map too");
}
END_TEST

START_TEST(test_security_model)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert_str_eq(opts.security_model, "passthrough");
	ck_assert_ptr_null(opts.helper_user);
	ck_assert_int_eq(parse(BASE, "--security-model", "none"), OPT_RUN);
	ck_assert_str_eq(opts.security_model, "none");
	ck_assert_int_eq(parse(BASE, "--security-model=squash", "--helper-user", "qemu"), OPT_RUN);
	ck_assert_str_eq(opts.security_model, "squash");
	ck_assert_str_eq(opts.helper_user, "qemu");
	ck_assert(strstr(options_help_text, "--security-model MODEL") != NULL);
	ck_assert(strstr(options_help_text, "--helper-user USER") != NULL);
	ck_fails_with(parse(BASE, "--security-model", "bogus"), "'bogus': expected");
	ck_fails_with(parse(BASE, "--security-model", "mapped-file"), "not implemented");
	ck_fails_with(parse(BASE, "--helper-user", "qemu"), "--helper-user needs --security-model none");
	ck_fails_with(parse(BASE, "--security-model", "passthrough", "--helper-user", "qemu"),
		      "--helper-user needs");
	ck_fails_with(parse(BASE, "--security-model", "none", "--helper-user", ""),
		      "--helper-user: the user name is empty");
}
END_TEST

START_TEST(test_rootless)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert(!opts.rootless);
	ck_assert_int_eq(parse(BASE, "--rootless"), OPT_RUN);
	ck_assert(opts.rootless);
	ck_assert(strstr(options_help_text, "--rootless") != NULL);
	/* The maps compose; an unmapped id alone names a namespace id. */
	ck_assert_int_eq(parse(BASE, "--rootless", "--unmapped-uid", "1000"), OPT_RUN);
	ck_assert_uint_eq(opts.uid_map.squash, 1000);
	ck_assert_int_eq(parse(BASE, "--rootless", "--uid-map", "0:1:10", "--gid-map", "0:1:10"),
			 OPT_RUN);
	ck_fails_with(parse(BASE, "--unmapped-uid", "1000"), "--unmapped-uid needs at least one");
	ck_fails_with(parse(BASE, "--rootless", "--user", "nobody"),
		      "--user nobody with --rootless: the frontend runs as the user who starts");
	ck_fails_with(parse(BASE, "--rootless", "--security-model", "none", "--helper-user", "qemu"),
		      "--helper-user with --rootless");
	ck_fails_with(parse(BASE, "--rootless", "--allow-devices"),
		      "a user namespace cannot create device nodes; use --security-model mapped-xattr");
	ck_fails_with(parse(BASE, "--rootless", "--trusted-xattrs"),
		      "--trusted-xattrs with --rootless: trusted.* xattrs need CAP_SYS_ADMIN");
}
END_TEST

START_TEST(test_mapped_xattr)
{
	ck_assert_int_eq(parse(BASE, "--security-model", "mapped-xattr"), OPT_RUN);
	ck_assert(options_mapped_xattr(&opts));
	ck_assert_uint_eq(opts.fmode, 0600);
	ck_assert_uint_eq(opts.dmode, 0700);
	ck_assert_int_eq(parse(BASE, "--security-model", "mapped", "--fmode", "0640", "--dmode=750",
			       "--helper-user", "qemu"),
			 OPT_RUN);
	ck_assert_str_eq(opts.security_model, "mapped-xattr");
	ck_assert_uint_eq(opts.fmode, 0640);
	ck_assert_uint_eq(opts.dmode, 0750);
	ck_fails_with(parse(BASE, "--fmode", "0640"), "--fmode needs --security-model mapped-xattr");
	ck_fails_with(parse(BASE, "--security-model", "none", "--dmode", "0700"),
		      "--dmode needs --security-model mapped-xattr");
	ck_fails_with(parse(BASE, "--security-model", "mapped-xattr", "--fmode", "1777"),
		      "--fmode '1777': expected an octal mode");
	ck_fails_with(parse(BASE, "--security-model", "mapped-xattr", "--uid-map", "0:1000:1"),
		      "nothing to map");
	ck_assert(strstr(options_help_text, "--fmode OCTAL") != NULL);
}
END_TEST

START_TEST(test_multidevs)
{
	ck_assert_int_eq(parse(BASE), OPT_RUN);
	ck_assert_str_eq(opts.multidevs, "remap");
	ck_assert_int_eq(parse(BASE, "--multidevs", "forbid"), OPT_RUN);
	ck_assert_str_eq(opts.multidevs, "forbid");
	ck_assert_int_eq(parse(BASE, "--multidevs=warn"), OPT_RUN);
	ck_assert_str_eq(opts.multidevs, "warn");
	ck_fails_with(parse(BASE, "--multidevs", "ignore"), "--multidevs 'ignore': expected");
	ck_assert(strstr(options_help_text, "--multidevs MODE") != NULL);
}
END_TEST

START_TEST(test_resolve_user)
{
	uid_t uid;
	gid_t gid;

	ck_assert_int_eq(options_resolve_user("--user", "root", &uid, &gid, err, sizeof(err)), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_uint_eq(gid, 0);
	ck_assert_int_eq(options_resolve_user("--user", "0", &uid, &gid, err, sizeof(err)), 0);
	ck_assert_uint_eq(uid, 0);
	ck_fails_with(options_resolve_user("--user", "nobodyx", &uid, &gid, err, sizeof(err)),
		      "--user nobodyx: no such user");
}
END_TEST

START_TEST(test_resolve_owner)
{
	uid_t uid;
	gid_t gid;

	ck_assert_int_eq(options_resolve_owner("root", &uid, &gid, err, sizeof(err)), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_uint_eq(gid, (gid_t)-1);
	ck_assert_int_eq(options_resolve_owner("root:root", &uid, &gid, err, sizeof(err)), 0);
	ck_assert_uint_eq(gid, 0);
	ck_assert_int_eq(options_resolve_owner("0:1234", &uid, &gid, err, sizeof(err)), 0);
	ck_assert_uint_eq(gid, 1234);
	ck_fails_with(options_resolve_owner("nobodyx", &uid, &gid, err, sizeof(err)),
		      "--socket-owner nobodyx: no such user");
	ck_fails_with(options_resolve_owner("root:nogroupx", &uid, &gid, err, sizeof(err)),
		      "nogroupx: no such group");
	ck_fails_with(options_resolve_owner("root:", &uid, &gid, err, sizeof(err)),
		      "group is empty");
}
END_TEST

static Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_full_command_line);
	tcase_add_test(tc, test_equals_form);
	tcase_add_test(tc, test_help_version);
	tcase_add_test(tc, test_listen_vhost_user_and_tag);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_unknown_and_missing_values);
	tcase_add_test(tc, test_listen_unix);
	tcase_add_test(tc, test_listen_tcp);
	tcase_add_test(tc, test_listen_fds);
	tcase_add_test(tc, test_listen_combinations);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_helper_env);
	tcase_add_test(tc, test_too_many_listen);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_id_maps);
	tcase_add_test(tc, test_security_model);
	tcase_add_test(tc, test_mapped_xattr);
	tcase_add_test(tc, test_multidevs);
	tcase_add_test(tc, test_rootless);
	suite_add_tcase(s, tc);
	tc = tcase_create("resolve");
	tcase_add_test(tc, test_resolve_user);
	tcase_add_test(tc, test_resolve_owner);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(options_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
