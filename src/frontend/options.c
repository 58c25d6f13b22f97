/* options.c - p9guard command line (see options.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/busypoll.h"
#include "common/log.h"
#include "frontend/options.h"
#include "p9_codec.h"

/* $(pkglibexecdir)/p9guard-helper, set by Makefile.am (one configure-time path). */
#ifndef HELPER_PATH
#define HELPER_PATH "/usr/local/libexec/p9guard/p9guard-helper"
#endif

const char options_help_text[] =
    "Usage: p9guard --export DIR --listen ADDR [OPTION]...\n"
    "Serve DIR to 9P2000.L clients from an unprivileged process; a privileged\n"
    "helper (p9guard-helper) performs the operations that need privilege.\n"
    "p9guard always runs in the foreground (use systemd or a supervisor).\n"
    "\n"
    "  --export DIR            directory to export (required)\n"
    "  --listen ADDR           where clients connect (required, repeatable):\n"
    "                            unix:PATH        a unix socket created at PATH\n"
    "                            tcp:HOST:PORT    a TCP socket (HOST may be [IPv6])\n"
    "                            fd:N             an inherited listening socket\n"
    "                            systemd          socket activation (LISTEN_FDS)\n"
    "                            connected-fd:N   one connected socket; exit when it closes\n"
    "                            vhost-user:PATH  a vhost-user socket at PATH for QEMU's\n"
    "                                             virtio-9p device (trans=virtio)\n"
    "                            vhost-user-fd:N  an inherited listening vhost-user socket\n"
    "  --tag NAME              the virtio mount tag (1-31 bytes; default the export's\n"
    "                          base name); the guest mounts -t 9p -o trans=virtio NAME\n"
    "  --socket-owner USER[:GROUP]  owner of the unix sockets created\n"
    "  --socket-mode OCTAL     mode of the unix sockets created (default 0660)\n"
    "  --user USER             unprivileged user the frontend runs as (default nobody)\n"
    "  --allow-root-frontend   allow --user root (debugging only)\n"
    "  --rootless              no step as host root: the helper is root of a user\n"
    "                          namespace over the invoking user's /etc/subuid and\n"
    "                          /etc/subgid ranges, the frontend their nobody in another\n"
    "                          (the default when started by a non-root user under\n"
    "                          passthrough; needs Debian's uidmap package)\n"
    "  --helper PATH           helper binary (default " HELPER_PATH ",\n"
    "                          or $P9GUARD_HELPER when set)\n"
    "  --threads N             worker threads, in each process (1-64, default 4)\n"
    "  --msize N               largest 9P message accepted (4096-1048576, default 1048576)\n"
    "  --max-connections N     clients served at once (1-4096, default 64)\n"
    "  --max-fids N            fids per connection (16-1048576, default 65536)\n"
    "  --max-requests N        requests in flight per connection (1-65535, default 64)\n"
    "  --max-buffered SIZE     request and reply bytes one connection may hold before\n"
    "                          its requests wait (64K-1G, suffix K/M/G; default 8M)\n"
    "  --max-memory SIZE       refuse to start when the limits above (times\n"
    "                          --max-connections) could let the frontend hold more\n"
    "                          memory than this (16M-1024G; default: no bound; the\n"
    "                          bound is logged at start-up)\n"
    "  --frame-timeout SECONDS a started message must arrive within this time, or the\n"
    "                          connection is closed (0 = never; default 30)\n"
    "  --idle-timeout SECONDS  close a connection that sent nothing and has nothing in\n"
    "                          flight for this long (0 = never, the default)\n"
    "  --busy-poll USEC        poll up to this long for a client's next request or a\n"
    "                          helper reply before sleeping; the window adapts and\n"
    "                          drops to 0 under long waits (0-1000, 0 = off, default 32\n"
    "                          on sockets, 0 on vhost-user devices unless given)\n"
    "  --allow-devices         let clients create device nodes (helper keeps CAP_MKNOD)\n"
    "  --trusted-xattrs        allow trusted.* xattrs (helper keeps CAP_SYS_ADMIN)\n"
    "  --readonly              refuse every change with EROFS; the helper keeps no\n"
    "                          CHOWN/FOWNER/FSETID/MKNOD and may only read the export\n"
    "  --uid-map GUEST:HOST:COUNT  guest uids GUEST.. are host uids HOST.. (repeatable,\n"
    "                          up to 16 ranges); host uids outside it show as 65534\n"
    "  --gid-map GUEST:HOST:COUNT  the same for gids\n"
    "  --unmapped-uid ID       host uid that guest uids outside --uid-map act as\n"
    "                          (default 65534)\n"
    "  --unmapped-gid ID       host gid that guest gids outside --gid-map act as\n"
    "                          (default 65534)\n"
    "  --security-model MODEL  passthrough (default: requests run as the client's\n"
    "                          uid/gid); none (alias squash): as the helper's own\n"
    "                          ids, ownership changes tried and failures ignored;\n"
    "                          mapped-xattr (alias mapped): owner, mode and device\n"
    "                          numbers kept in user.virtfs.* xattrs, as QEMU does\n"
    "  --permissions WHO       who decides permissions under passthrough: guest\n"
    "                          (default: the client's kernel checks them against its\n"
    "                          own users and groups; host DAC never refuses) or host\n"
    "                          (the host kernel checks them too, with each uid's\n"
    "                          supplementary groups from the host's database)\n"
    "  --fmode OCTAL           mapped-xattr: host mode of files (default 0600)\n"
    "  --dmode OCTAL           mapped-xattr: host mode of directories (default 0700)\n"
    "  --multidevs MODE        file systems mounted below the export: remap (default:\n"
    "                          unique qid paths), forbid (ENODEV) or warn (no remap)\n"
    "  --helper-user USER      with --security-model none or mapped-xattr: run the\n"
    "                          helper as USER, without root and any capability\n"
    "  --seccomp-action ACTION forbidden syscalls: kill (default), trap (EPERM, logged)\n"
    "                          or log (allowed, audited); both processes\n"
    "  --allow-no-landlock     run even where the kernel lacks Landlock (or, for the\n"
    "                          helper, has only ABI 1)\n"
    "  --log-level LEVEL       error, warning, info (default) or debug\n"
    "  --syslog                log to syslog as well as stderr\n"
    "  --pidfile FILE          write the frontend's pid to FILE\n"
    "  --audit DEST            audit trail of the helper's operations (repeatable):\n"
    "                            file:PATH  JSON lines appended to PATH (reopened\n"
    "                                       on SIGHUP to p9guard-helper)\n"
    "                            syslog     one line per record to syslog\n"
    "                            stderr     one line per record to standard error\n"
    "  --audit-level LEVEL     all (default: every operation) or changes\n"
    "                          (modifications, failures and sessions)\n"
    "  --audit-file-mode OCTAL mode of a new audit file: 0600 (default) or 0640\n"
    "  --foreground            accepted for compatibility; always in effect\n"
    "  --help                  show this help and exit\n"
    "  --version               show the version and exit\n";

enum {
	OPT_EXPORT = 256,
	OPT_LISTEN,
	OPT_SOCKET_OWNER,
	OPT_SOCKET_MODE,
	OPT_USER,
	OPT_ALLOW_ROOT,
	OPT_HELPER,
	OPT_THREADS,
	OPT_MSIZE,
	OPT_MAX_CONNS,
	OPT_MAX_FIDS,
	OPT_MAX_REQUESTS,
	OPT_MAX_BUFFERED,
	OPT_MAX_MEMORY,
	OPT_FRAME_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_BUSY_POLL,
	OPT_ALLOW_DEVICES,
	OPT_TRUSTED_XATTRS,
	OPT_READONLY,
	OPT_UID_MAP,
	OPT_GID_MAP,
	OPT_UNMAPPED_UID,
	OPT_UNMAPPED_GID,
	OPT_SECURITY_MODEL,
	OPT_PERMISSIONS,
	OPT_HELPER_USER,
	OPT_ROOTLESS,
	OPT_FMODE,
	OPT_DMODE,
	OPT_MULTIDEVS,
	OPT_TAG,
	OPT_SECCOMP_ACTION,
	OPT_ALLOW_NO_LANDLOCK,
	OPT_LOG_LEVEL,
	OPT_SYSLOG,
	OPT_FOREGROUND,
	OPT_PIDFILE,
	OPT_AUDIT,
	OPT_AUDIT_LEVEL,
	OPT_AUDIT_FILE_MODE,
	OPT_HELP_ID,
	OPT_VERSION_ID,
};

static const struct option long_opts[] = {
    {"export", required_argument, NULL, OPT_EXPORT},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"socket-owner", required_argument, NULL, OPT_SOCKET_OWNER},
    {"socket-mode", required_argument, NULL, OPT_SOCKET_MODE},
    {"user", required_argument, NULL, OPT_USER},
    {"allow-root-frontend", no_argument, NULL, OPT_ALLOW_ROOT},
    {"helper", required_argument, NULL, OPT_HELPER},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"msize", required_argument, NULL, OPT_MSIZE},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
    {"max-fids", required_argument, NULL, OPT_MAX_FIDS},
    {"max-requests", required_argument, NULL, OPT_MAX_REQUESTS},
    {"max-buffered", required_argument, NULL, OPT_MAX_BUFFERED},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {"frame-timeout", required_argument, NULL, OPT_FRAME_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"busy-poll", required_argument, NULL, OPT_BUSY_POLL},
    {"allow-devices", no_argument, NULL, OPT_ALLOW_DEVICES},
    {"trusted-xattrs", no_argument, NULL, OPT_TRUSTED_XATTRS},
    {"readonly", no_argument, NULL, OPT_READONLY},
    {"uid-map", required_argument, NULL, OPT_UID_MAP},
    {"gid-map", required_argument, NULL, OPT_GID_MAP},
    {"unmapped-uid", required_argument, NULL, OPT_UNMAPPED_UID},
    {"unmapped-gid", required_argument, NULL, OPT_UNMAPPED_GID},
    {"security-model", required_argument, NULL, OPT_SECURITY_MODEL},
    {"permissions", required_argument, NULL, OPT_PERMISSIONS},
    {"helper-user", required_argument, NULL, OPT_HELPER_USER},
    {"rootless", no_argument, NULL, OPT_ROOTLESS},
    {"fmode", required_argument, NULL, OPT_FMODE},
    {"dmode", required_argument, NULL, OPT_DMODE},
    {"multidevs", required_argument, NULL, OPT_MULTIDEVS},
    {"tag", required_argument, NULL, OPT_TAG},
    {"seccomp-action", required_argument, NULL, OPT_SECCOMP_ACTION},
    {"allow-no-landlock", no_argument, NULL, OPT_ALLOW_NO_LANDLOCK},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"foreground", no_argument, NULL, OPT_FOREGROUND},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"audit", required_argument, NULL, OPT_AUDIT},
    {"audit-level", required_argument, NULL, OPT_AUDIT_LEVEL},
    {"audit-file-mode", required_argument, NULL, OPT_AUDIT_FILE_MODE},
    {"help", no_argument, NULL, OPT_HELP_ID},
    {"version", no_argument, NULL, OPT_VERSION_ID},
    {NULL, 0, NULL, 0},
};

/* The parsers below return errbuf_fail() as their OPT_ERROR. */
_Static_assert(OPT_ERROR == -1, "errbuf_fail() returns -1");

/* Strict unsigned parse: digits only (in `base`), no sign, no junk, <= max. */
static int parse_uint(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A decimal number from min to max (a limit option). */
static int parse_limit(const char *opt, const char *s, unsigned long min, unsigned long max,
		       unsigned int *out, char *err, size_t errsz)
{
	unsigned long v;

	if (parse_uint(s, 10, max, &v) < 0 || v < min)
		return errbuf_fail(err, errsz, "%s '%s': expected a number from %lu to %lu", opt, s,
				   min, max);
	*out = (unsigned int)v;
	return 0;
}

/* A byte count with an optional binary suffix K, M or G, from min to max. */
static int parse_size(const char *opt, const char *s, unsigned long min, unsigned long max,
		      size_t *out, char *err, size_t errsz)
{
	static const char units[] = "KMG";
	const char *unit;
	char num[32];
	size_t len = strlen(s);
	unsigned int shift = 0;
	unsigned long v;

	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len + 1);
	unit = strchr(units, toupper((unsigned char)s[len - 1]));
	if (unit) {
		shift = 10u * (unsigned int)(unit - units + 1);
		num[len - 1] = '\0';
	}
	if (parse_uint(num, 10, max >> shift, &v) < 0 || (v << shift) < min)
		goto bad;
	*out = (size_t)(v << shift);
	return 0;
bad:
	return errbuf_fail(err, errsz,
			   "%s '%s': expected a size from %luK to %luM (suffix K, M or G)", opt, s,
			   min >> 10, max >> 20);
}

static int parse_fd(const char *opt, const char *s, int *fd, char *err, size_t errsz)
{
	unsigned long v;

	if (parse_uint(s, 10, INT_MAX, &v) < 0)
		return errbuf_fail(err, errsz, "--listen %s: '%s' is not a file descriptor number",
				   opt, s);
	*fd = (int)v;
	return 0;
}

static int parse_tcp(struct listen_addr *a, const char *rest, char *err, size_t errsz)
{
	const char *colon, *host = rest;
	size_t hostlen;
	unsigned long port;

	if (rest[0] == '[') {
		const char *close = strchr(rest, ']');

		if (!close || close[1] != ':')
			return errbuf_fail(err, errsz, "--listen %s: expected tcp:[IPV6]:PORT",
					   a->spec);
		host = rest + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon)
			return errbuf_fail(err, errsz, "--listen %s: expected tcp:HOST:PORT",
					   a->spec);
		hostlen = (size_t)(colon - rest);
		if (memchr(rest, ':', hostlen))
			return errbuf_fail(
			    err, errsz,
			    "--listen %s: write an IPv6 address in brackets: tcp:[ADDR]:PORT",
			    a->spec);
	}
	if (hostlen == 0)
		return errbuf_fail(err, errsz, "--listen %s: the host is missing", a->spec);
	if (hostlen >= sizeof(a->host))
		return errbuf_fail(err, errsz, "--listen %s: the host name is too long", a->spec);
	if (parse_uint(colon + 1, 10, 65535, &port) < 0 || port == 0)
		return errbuf_fail(err, errsz, "--listen %s: '%s' is not a port number (1-65535)",
				   a->spec, colon + 1);
	memcpy(a->host, host, hostlen);
	a->host[hostlen] = '\0';
	snprintf(a->port, sizeof(a->port), "%u", (unsigned int)(port & 0xffff));
	return 0;
}

int options_parse_listen(struct listen_addr *a, const char *spec, char *err, size_t errsz)
{
	memset(a, 0, sizeof(*a));
	a->spec = spec;
	a->fd = -1;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "vhost-user:", 11) == 0) {
		bool vhost = spec[0] == 'v';
		const char *path = spec + (vhost ? 11 : 5);

		a->kind = vhost ? LISTEN_VHOST_USER : LISTEN_UNIX;
		if (*path == '\0')
			return errbuf_fail(err, errsz, "--listen %s: the socket path is missing",
					   spec);
		if (strlen(path) >= sizeof(a->path))
			return errbuf_fail(
			    err, errsz,
			    "--listen %s: the socket path is too long (at most %zu bytes)", spec,
			    sizeof(a->path) - 1);
		strcpy(a->path, path);
		return 0;
	}
	if (strncmp(spec, "tcp:", 4) == 0) {
		a->kind = LISTEN_TCP;
		return parse_tcp(a, spec + 4, err, errsz);
	}
	if (strncmp(spec, "fd:", 3) == 0) {
		a->kind = LISTEN_FD;
		return parse_fd(spec, spec + 3, &a->fd, err, errsz);
	}
	if (strncmp(spec, "vhost-user-fd:", 14) == 0) {
		a->kind = LISTEN_VHOST_USER_FD;
		return parse_fd(spec, spec + 14, &a->fd, err, errsz);
	}
	if (strncmp(spec, "connected-fd:", 13) == 0) {
		a->kind = LISTEN_CONNECTED_FD;
		return parse_fd(spec, spec + 13, &a->fd, err, errsz);
	}
	if (strcmp(spec, "systemd") == 0) {
		a->kind = LISTEN_SYSTEMD;
		return 0;
	}
	return errbuf_fail(err, errsz,
			   "--listen %s: unknown address (expected unix:PATH, tcp:HOST:PORT, fd:N, "
			   "systemd, connected-fd:N, vhost-user:PATH or vhost-user-fd:N)",
			   spec);
}

static void options_defaults(struct fe_options *o, const char *env_helper)
{
	memset(o, 0, sizeof(*o));
	o->socket_mode = OPT_DEFAULT_SOCKET_MODE;
	o->user = OPT_DEFAULT_USER;
	o->helper = (env_helper && *env_helper) ? env_helper : HELPER_PATH;
	o->threads = OPT_DEFAULT_THREADS;
	o->msize = OPT_DEFAULT_MSIZE;
	o->max_conns = OPT_DEFAULT_MAX_CONNS;
	o->max_fids = OPT_DEFAULT_MAX_FIDS;
	o->max_requests = OPT_DEFAULT_MAX_REQUESTS;
	o->max_buffered = OPT_DEFAULT_MAX_BUFFERED;
	o->frame_timeout = OPT_DEFAULT_FRAME_TIMEOUT;
	o->busy_poll = BUSYPOLL_DEFAULT_US;
	o->log_level = LOG_LVL_INFO;
	o->log_level_name = "info";
	o->seccomp_action = "kill";
	o->audit_level = "all";
	o->audit_file_mode = 0600;
	idmap_init(&o->uid_map);
	idmap_init(&o->gid_map);
	o->security_model = "passthrough";
	o->permissions = "guest";
	o->fmode = 0600;	/* QEMU's defaults */
	o->dmode = 0700;
	o->multidevs = "remap";
}

bool options_mapped_xattr(const struct fe_options *o)
{
	return strcmp(o->security_model, "mapped-xattr") == 0;
}

static bool listen_kind_has_fd(enum listen_kind k)
{
	return k == LISTEN_FD || k == LISTEN_CONNECTED_FD || k == LISTEN_VHOST_USER_FD;
}

static bool listen_kind_has_path(enum listen_kind k)
{
	return k == LISTEN_UNIX || k == LISTEN_VHOST_USER;
}

bool listen_kind_vhost_user(enum listen_kind k)
{
	return k == LISTEN_VHOST_USER || k == LISTEN_VHOST_USER_FD;
}

/*
 * The mount tag: --tag, else the export's base name.  The guest reads it
 * from the device's config space, at most 31 bytes here (QEMU's own limit
 * for -virtfs mount_tag).
 */
static int options_check_tag(struct fe_options *o, char *err, size_t errsz)
{
	size_t len;

	if (!o->tag_set) {
		const char *end = o->export_path + strlen(o->export_path), *start;

		while (end > o->export_path + 1 && end[-1] == '/')
			end--;
		start = end;
		while (start > o->export_path && start[-1] != '/')
			start--;
		len = (size_t)(end - start);
		if (len == 0 || len > OPT_TAG_MAX)
			return errbuf_fail(err, errsz,
					   "the export's base name cannot be a mount tag (1-%u "
					   "bytes): give --tag NAME",
					   OPT_TAG_MAX);
		memcpy(o->tag, start, len);
		o->tag[len] = '\0';
		return 0;
	}
	if (o->tag[0] == '\0')
		return errbuf_fail(err, errsz, "--tag: the tag is empty");
	return 0;
}

int options_check_rootless(const struct fe_options *o, char *err, size_t errsz)
{
	if (o->user_set)
		return errbuf_fail(err, errsz,
				   "--user %s with --rootless: the frontend runs as the user who "
				   "starts p9guard and cannot switch users",
				   o->user);
	if (o->helper_user)
		return errbuf_fail(err, errsz,
				   "--helper-user with --rootless: the helper is root of its own user "
				   "namespace");
	if (o->allow_devices)
		return errbuf_fail(err, errsz,
				   "--allow-devices with --rootless: a user namespace cannot create "
				   "device nodes; use --security-model mapped-xattr for them");
	if (o->trusted_xattrs)
		return errbuf_fail(err, errsz,
				   "--trusted-xattrs with --rootless: trusted.* xattrs need "
				   "CAP_SYS_ADMIN of the host, which a user namespace never gives");
	return 0;
}

/* Cross-option checks once everything is parsed. */
static int options_check(struct fe_options *o, char *err, size_t errsz)
{
	unsigned int nsystemd = 0, nconnected = 0;

	if (!o->export_path)
		return errbuf_fail(err, errsz, "--export DIR is required");
	if (o->export_path[0] == '\0')
		return errbuf_fail(err, errsz, "--export: the directory name is empty");
	if (o->nlisten == 0)
		return errbuf_fail(err, errsz, "at least one --listen ADDR is required");
	for (unsigned int i = 0; i < o->nlisten; i++) {
		nsystemd += o->listen[i].kind == LISTEN_SYSTEMD;
		nconnected += o->listen[i].kind == LISTEN_CONNECTED_FD;
		for (unsigned int j = 0; j < i; j++) {
			const struct listen_addr *a = &o->listen[i], *b = &o->listen[j];
			bool same_fd = listen_kind_has_fd(a->kind) && listen_kind_has_fd(b->kind) &&
				       a->fd == b->fd;

			if (same_fd || (listen_kind_has_path(a->kind) &&
					listen_kind_has_path(b->kind) && strcmp(a->path, b->path) == 0))
				return errbuf_fail(err, errsz, "--listen %s: given twice", a->spec);
		}
	}
	if (nsystemd > 1)
		return errbuf_fail(err, errsz, "--listen systemd: given twice");
	for (unsigned int i = 0; i < o->nlisten; i++)
		if (listen_kind_vhost_user(o->listen[i].kind) && options_check_tag(o, err, errsz) < 0)
			return -1;
	if (nconnected && o->nlisten > 1)
		return errbuf_fail(
		    err, errsz,
		    "--listen connected-fd:N serves one connection and cannot be combined "
		    "with other --listen addresses");
	if (o->user[0] == '\0')
		return errbuf_fail(err, errsz, "--user: the user name is empty");
	if (o->helper[0] == '\0')
		return errbuf_fail(err, errsz, "--helper: the path is empty");
	if (o->rootless && options_check_rootless(o, err, errsz) < 0)
		return OPT_ERROR;
	if (o->unmapped_uid_set && !idmap_active(&o->uid_map) && !o->rootless)
		return errbuf_fail(err, errsz, "--unmapped-uid needs at least one --uid-map");
	if (o->unmapped_gid_set && !idmap_active(&o->gid_map) && !o->rootless)
		return errbuf_fail(err, errsz, "--unmapped-gid needs at least one --gid-map");
	if (o->helper_user && strcmp(o->security_model, "passthrough") == 0)
		return errbuf_fail(err, errsz,
				   "--helper-user needs --security-model none or mapped-xattr: a "
				   "passthrough helper must be root to act as each client's uid");
	if (o->permissions_set && strcmp(o->security_model, "passthrough") != 0)
		return errbuf_fail(err, errsz,
				   "--permissions %s with --security-model %s: only passthrough runs "
				   "requests as the client's ids, so there is nothing to choose",
				   o->permissions, o->security_model);
	if ((o->fmode_set || o->dmode_set) && !options_mapped_xattr(o))
		return errbuf_fail(err, errsz, "--%s needs --security-model mapped-xattr",
				   o->fmode_set ? "fmode" : "dmode");
	if (options_mapped_xattr(o) && (idmap_active(&o->uid_map) || idmap_active(&o->gid_map)))
		return errbuf_fail(
		    err, errsz,
		    "--uid-map/--gid-map with --security-model mapped-xattr: the guest's "
		    "ids are stored as they are, there is nothing to map");
	if (idmap_pair_problem(&o->uid_map, &o->gid_map))
		return errbuf_fail(err, errsz, "%s", idmap_pair_problem(&o->uid_map, &o->gid_map));
	if (o->readonly && o->allow_devices)
		return errbuf_fail(err, errsz,
				   "--allow-devices with --readonly: a read-only export creates no "
				   "device nodes");
	return OPT_RUN;
}

int options_parse(struct fe_options *o, int argc, char **argv, const char *env_helper, char *err,
		  size_t errsz)
{
	unsigned long v;
	int c, lvl;

	options_defaults(o, env_helper);
	optind = 0; /* full re-initialisation, so that the parser can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_EXPORT:
			o->export_path = optarg;
			break;
		case OPT_LISTEN:
			if (o->nlisten == OPT_MAX_LISTEN)
				return errbuf_fail(err, errsz, "--listen: at most %d addresses",
						   OPT_MAX_LISTEN);
			if (options_parse_listen(&o->listen[o->nlisten], optarg, err, errsz) < 0)
				return OPT_ERROR;
			o->nlisten++;
			break;
		case OPT_SOCKET_OWNER:
			if (optarg[0] == '\0' || optarg[0] == ':')
				return errbuf_fail(err, errsz,
						   "--socket-owner '%s': expected USER[:GROUP]",
						   optarg);
			o->socket_owner = optarg;
			break;
		case OPT_SOCKET_MODE:
			if (parse_uint(optarg, 8, 0777, &v) < 0)
				return errbuf_fail(
				    err, errsz,
				    "--socket-mode '%s': expected an octal mode such as 0660",
				    optarg);
			o->socket_mode = (unsigned int)v;
			break;
		case OPT_USER:
			o->user = optarg;
			o->user_set = true;
			break;
		case OPT_ALLOW_ROOT:
			o->allow_root_frontend = true;
			break;
		case OPT_HELPER:
			o->helper = optarg;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 10, OPT_MAX_THREADS, &v) < 0 || v == 0)
				return errbuf_fail(err, errsz,
						   "--threads '%s': expected a number from 1 to %d",
						   optarg, OPT_MAX_THREADS);
			o->threads = (unsigned int)v;
			break;
		case OPT_MSIZE:
			if (parse_uint(optarg, 10, ULONG_MAX, &v) < 0 || v < P9_MIN_MSIZE ||
			    v > P9_MAX_MSIZE)
				return errbuf_fail(err, errsz,
						   "--msize '%s': expected a number from %u to %u",
						   optarg, P9_MIN_MSIZE, P9_MAX_MSIZE);
			o->msize = (uint32_t)v;
			break;
		case OPT_MAX_CONNS:
			if (parse_limit("--max-connections", optarg, 1, OPT_MAX_MAX_CONNS,
					&o->max_conns, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_MAX_FIDS:
			if (parse_limit("--max-fids", optarg, 16, OPT_MAX_MAX_FIDS, &o->max_fids,
					err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_MAX_REQUESTS:
			if (parse_limit("--max-requests", optarg, 1, OPT_MAX_MAX_REQUESTS,
					&o->max_requests, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_MAX_BUFFERED:
			if (parse_size("--max-buffered", optarg, OPT_MIN_MAX_BUFFERED,
				       OPT_MAX_MAX_BUFFERED, &o->max_buffered, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_MAX_MEMORY:
			if (parse_size("--max-memory", optarg, OPT_MIN_MAX_MEMORY,
				       OPT_MAX_MAX_MEMORY, &o->max_memory, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_FRAME_TIMEOUT:
			if (parse_limit("--frame-timeout", optarg, 0, OPT_MAX_TIMEOUT,
					&o->frame_timeout, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_IDLE_TIMEOUT:
			if (parse_limit("--idle-timeout", optarg, 0, OPT_MAX_TIMEOUT,
					&o->idle_timeout, err, errsz) < 0)
				return OPT_ERROR;
			break;
		case OPT_BUSY_POLL:
			if (parse_limit("--busy-poll", optarg, 0, BUSYPOLL_MAX_US, &o->busy_poll,
					err, errsz) < 0)
				return OPT_ERROR;
			o->busy_poll_set = true;
			break;
		case OPT_ALLOW_DEVICES:
			o->allow_devices = true;
			break;
		case OPT_TRUSTED_XATTRS:
			o->trusted_xattrs = true;
			break;
		case OPT_READONLY:
			o->readonly = true;
			break;
		case OPT_UID_MAP:
		case OPT_GID_MAP: {
			char why[200];

			if (idmap_add_spec(c == OPT_UID_MAP ? &o->uid_map : &o->gid_map, optarg,
					   why, sizeof(why)) < 0)
				return errbuf_fail(err, errsz, "--%s %s",
						   c == OPT_UID_MAP ? "uid-map" : "gid-map", why);
			break;
		}
		case OPT_SECURITY_MODEL:
			if (strcmp(optarg, "mapped-file") == 0)
				return errbuf_fail(
				    err, errsz,
				    "--security-model mapped-file: not implemented (use "
				    "passthrough, none, squash or mapped-xattr)");
			if (strcmp(optarg, "passthrough") && strcmp(optarg, "none") &&
			    strcmp(optarg, "squash") && strcmp(optarg, "mapped-xattr") &&
			    strcmp(optarg, "mapped"))
				return errbuf_fail(
				    err, errsz,
				    "--security-model '%s': expected passthrough, none, "
				    "squash or mapped-xattr",
				    optarg);
			o->security_model = strcmp(optarg, "mapped") ? optarg : "mapped-xattr";
			break;
		case OPT_PERMISSIONS:
			if (strcmp(optarg, "guest") && strcmp(optarg, "host"))
				return errbuf_fail(err, errsz,
						   "--permissions '%s': expected guest or host", optarg);
			o->permissions = optarg;
			o->permissions_set = true;
			break;
		case OPT_MULTIDEVS:
			if (strcmp(optarg, "remap") && strcmp(optarg, "forbid") &&
			    strcmp(optarg, "warn"))
				return errbuf_fail(
				    err, errsz, "--multidevs '%s': expected remap, forbid or warn",
				    optarg);
			o->multidevs = optarg;
			break;
		case OPT_TAG:
			if (strlen(optarg) > OPT_TAG_MAX)
				return errbuf_fail(err, errsz,
						   "--tag '%s': longer than %u bytes", optarg,
						   OPT_TAG_MAX);
			strcpy(o->tag, optarg);
			o->tag_set = true;
			break;
		case OPT_FMODE:
		case OPT_DMODE:
			if (parse_uint(optarg, 8, 0777, &v) < 0)
				return errbuf_fail(err, errsz,
						   "--%s '%s': expected an octal mode up to 0777",
						   c == OPT_FMODE ? "fmode" : "dmode", optarg);
			if (c == OPT_FMODE) {
				o->fmode = (unsigned int)v;
				o->fmode_set = true;
			} else {
				o->dmode = (unsigned int)v;
				o->dmode_set = true;
			}
			break;
		case OPT_ROOTLESS:
			o->rootless = true;
			break;
		case OPT_HELPER_USER:
			if (optarg[0] == '\0')
				return errbuf_fail(err, errsz,
						   "--helper-user: the user name is empty");
			o->helper_user = optarg;
			break;
		case OPT_UNMAPPED_UID:
		case OPT_UNMAPPED_GID: {
			char why[200];

			if (idmap_set_squash(c == OPT_UNMAPPED_UID ? &o->uid_map : &o->gid_map,
					     optarg, why, sizeof(why)) < 0)
				return errbuf_fail(
				    err, errsz, "--%s %s",
				    c == OPT_UNMAPPED_UID ? "unmapped-uid" : "unmapped-gid", why);
			if (c == OPT_UNMAPPED_UID)
				o->unmapped_uid_set = true;
			else
				o->unmapped_gid_set = true;
			break;
		}
		case OPT_SECCOMP_ACTION:
			if (strcmp(optarg, "kill") && strcmp(optarg, "trap") &&
			    strcmp(optarg, "log"))
				return errbuf_fail(
				    err, errsz, "--seccomp-action '%s': expected kill, trap or log",
				    optarg);
			o->seccomp_action = optarg;
			break;
		case OPT_ALLOW_NO_LANDLOCK:
			o->allow_no_landlock = true;
			break;
		case OPT_LOG_LEVEL:
			lvl = log_level_parse(optarg);
			if (lvl < 0)
				return errbuf_fail(
				    err, errsz,
				    "--log-level '%s': expected error, warning, info or debug",
				    optarg);
			o->log_level = lvl;
			o->log_level_name = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case OPT_FOREGROUND:
			break;
		case OPT_PIDFILE:
			if (optarg[0] == '\0')
				return errbuf_fail(err, errsz, "--pidfile: the file name is empty");
			o->pidfile = optarg;
			break;
		case OPT_AUDIT:
			if (strncmp(optarg, "file:", 5) == 0) {
				if (o->audit_file)
					return errbuf_fail(err, errsz, "--audit file: given twice");
				if (optarg[5] != '/')
					return errbuf_fail(
					    err, errsz,
					    "--audit %s: the file name must be absolute", optarg);
				o->audit_file = optarg + 5;
			} else if (strcmp(optarg, "syslog") == 0) {
				o->audit_syslog = true;
			} else if (strcmp(optarg, "stderr") == 0) {
				o->audit_stderr = true;
			} else {
				return errbuf_fail(
				    err, errsz,
				    "--audit '%s': expected file:PATH, syslog or stderr", optarg);
			}
			break;
		case OPT_AUDIT_LEVEL:
			if (strcmp(optarg, "all") && strcmp(optarg, "changes"))
				return errbuf_fail(err, errsz,
						   "--audit-level '%s': expected all or changes",
						   optarg);
			o->audit_level = optarg;
			break;
		case OPT_AUDIT_FILE_MODE:
			if (parse_uint(optarg, 8, 0777, &v) < 0 || (v != 0600 && v != 0640))
				return errbuf_fail(err, errsz,
						   "--audit-file-mode '%s': expected 0600 or 0640",
						   optarg);
			o->audit_file_mode = (unsigned int)v;
			break;
		case OPT_HELP_ID:
			return OPT_HELP;
		case OPT_VERSION_ID:
			return OPT_VERSION;
		case ':':
			return errbuf_fail(err, errsz, "%s: needs a value", argv[optind - 1]);
		default:
			return errbuf_fail(err, errsz, "%s: unknown option (see --help)",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return errbuf_fail(err, errsz, "unexpected argument '%s' (see --help)",
				   argv[optind]);
	return options_check(o, err, errsz);
}

static int lookup_uid(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	unsigned long v;

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res) {
		*uid = pw.pw_uid;
		*gid = pw.pw_gid;
		return 0;
	}
	if (parse_uint(name, 10, (uid_t)-2, &v) == 0) {
		*uid = (uid_t)v;
		*gid = (gid_t)-1;
		if (getpwuid_r(*uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			*gid = pw.pw_gid;
		return 0;
	}
	return -1;
}

int options_resolve_user(const char *opt, const char *name, uid_t *uid, gid_t *gid, char *err,
			 size_t errsz)
{
	if (lookup_uid(name, uid, gid) < 0)
		return errbuf_fail(err, errsz, "%s %s: no such user", opt, name);
	if (*gid == (gid_t)-1)
		return errbuf_fail(err, errsz,
				   "%s %s: the uid has no passwd entry, so no primary group", opt,
				   name);
	return 0;
}

int options_resolve_owner(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errsz)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	gid_t primary;

	if (ulen == 0 || ulen >= sizeof(user))
		return errbuf_fail(err, errsz, "--socket-owner '%s': expected USER[:GROUP]", spec);
	memcpy(user, spec, ulen);
	user[ulen] = '\0';
	if (lookup_uid(user, uid, &primary) < 0)
		return errbuf_fail(err, errsz, "--socket-owner %s: no such user", user);
	*gid = (gid_t)-1;
	if (colon) {
		const char *group = colon + 1;
		struct group gr, *res = NULL;
		char buf[4096];
		unsigned long v;

		if (*group == '\0')
			return errbuf_fail(err, errsz, "--socket-owner '%s': the group is empty",
					   spec);
		if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) == 0 && res)
			*gid = gr.gr_gid;
		else if (parse_uint(group, 10, (gid_t)-2, &v) == 0)
			*gid = (gid_t)v;
		else
			return errbuf_fail(err, errsz, "--socket-owner %s: no such group", group);
	}
	return 0;
}
