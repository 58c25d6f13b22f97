/*
 * options.h - p9guard command line: parsing (pure, testable) and the
 * resolution of user and group names (reads the passwd/group databases).
 */
#ifndef P9G_FE_OPTIONS_H
#define P9G_FE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/idmap.h"

#define OPT_MAX_LISTEN 16
/* Listening sockets in all: --listen values, or what systemd passes. */
#define LISTEN_MAX_FDS 64
/* The longest virtio mount tag (--tag). */
#define OPT_TAG_MAX 31
#define OPT_DEFAULT_USER "nobody"
#define OPT_DEFAULT_SOCKET_MODE 0660
#define OPT_DEFAULT_THREADS 4
#define OPT_MAX_THREADS 64
#define OPT_DEFAULT_MSIZE (1024u * 1024u)
/* Resource limits: what one client may make the frontend hold (p9guard(8)). */
#define OPT_DEFAULT_MAX_CONNS 64
#define OPT_MAX_MAX_CONNS 4096
#define OPT_DEFAULT_MAX_FIDS 65536
#define OPT_MAX_MAX_FIDS (1024u * 1024u)
#define OPT_DEFAULT_MAX_REQUESTS 64
#define OPT_MAX_MAX_REQUESTS 65535
#define OPT_DEFAULT_MAX_BUFFERED (8u * 1024u * 1024u)
#define OPT_MIN_MAX_BUFFERED (64u * 1024u)
#define OPT_MAX_MAX_BUFFERED (1024u * 1024u * 1024u)
#define OPT_MIN_MAX_MEMORY (16ul << 20)
#define OPT_MAX_MAX_MEMORY (1ul << 40)
#define OPT_DEFAULT_FRAME_TIMEOUT 30 /* seconds; 0 = none */
#define OPT_MAX_TIMEOUT 86400

enum listen_kind {
	LISTEN_UNIX,	     /* unix:PATH */
	LISTEN_TCP,	     /* tcp:HOST:PORT */
	LISTEN_FD,	     /* fd:N, an inherited listening socket */
	LISTEN_SYSTEMD,	     /* systemd: LISTEN_FDS/LISTEN_PID */
	LISTEN_CONNECTED_FD, /* connected-fd:N, one connection, exit when it ends */
	LISTEN_VHOST_USER,   /* vhost-user:PATH, a unix socket for vhost-user front-ends */
	LISTEN_VHOST_USER_FD, /* vhost-user-fd:N, an inherited one */
};

struct listen_addr {
	enum listen_kind kind;
	const char *spec; /* as given, for messages */
	char path[108];	  /* LISTEN_UNIX, LISTEN_VHOST_USER */
	char host[256];	  /* LISTEN_TCP, without [] around IPv6 */
	char port[8];	  /* LISTEN_TCP */
	int fd;		  /* LISTEN_FD, LISTEN_CONNECTED_FD, LISTEN_VHOST_USER_FD */
};

struct fe_options {
	const char *export_path;
	struct listen_addr listen[OPT_MAX_LISTEN];
	unsigned int nlisten;
	char tag[OPT_TAG_MAX + 1]; /* --tag, or the export's base name */
	bool tag_set;
	const char *socket_owner; /* "USER[:GROUP]" or NULL */
	unsigned int socket_mode;
	const char *user;
	bool user_set; /* --user given (not the default) */
	bool allow_root_frontend;
	bool rootless;		    /* --rootless, or chosen at start (rootless.h) */
	const char *helper;
	unsigned int threads;
	uint32_t msize;
	unsigned int max_conns;	    /* --max-connections */
	unsigned int max_fids;	    /* --max-fids, per connection */
	unsigned int max_requests;  /* --max-requests, in flight per connection */
	size_t max_buffered;	    /* --max-buffered, bytes per connection */
	size_t max_memory;	    /* --max-memory, bytes for everything; 0 = none */
	unsigned int frame_timeout; /* --frame-timeout seconds, 0 = none */
	unsigned int idle_timeout;  /* --idle-timeout seconds, 0 = none (default) */
	unsigned int busy_poll;	    /* --busy-poll microseconds, 0 = off */
	bool busy_poll_set;	    /* given: vhost-user connections poll too */
	bool allow_devices;
	bool readonly;		    /* --readonly: every change is EROFS */
	struct idmap uid_map, gid_map; /* --uid-map/--gid-map, --unmapped-uid/gid */
	bool unmapped_uid_set, unmapped_gid_set;
	const char *security_model; /* "passthrough" (default), "none", "squash" or
				     * "mapped-xattr" ("mapped" is stored as that) */
	const char *permissions;    /* "guest" (default) or "host": who checks */
	bool permissions_set;
	const char *helper_user;    /* --helper-user (not passthrough), or NULL: root */
	unsigned int fmode, dmode;  /* --fmode/--dmode, mapped-xattr; 0600/0700 */
	const char *multidevs;	    /* "remap" (default), "forbid" or "warn" */
	bool fmode_set, dmode_set;
	bool trusted_xattrs;	    /* helper keeps CAP_SYS_ADMIN for trusted.* */
	const char *seccomp_action; /* "kill" (default), "trap" or "log" */
	bool allow_no_landlock;
	int log_level;		    /* enum log_level */
	const char *log_level_name; /* passed on to the helper */
	bool syslog;
	const char *pidfile;
	/* --audit DEST (repeatable): file:PATH, syslog, stderr */
	const char *audit_file;	    /* PATH of file:PATH, or NULL */
	bool audit_syslog, audit_stderr;
	const char *audit_level;    /* "all" (default) or "changes" */
	unsigned int audit_file_mode; /* --audit-file-mode, default 0600 */
};

/* Results of options_parse(). */
enum {
	OPT_ERROR = -1,
	OPT_RUN = 0,
	OPT_HELP = 1,
	OPT_VERSION = 2,
};

/*
 * Parse argv into *o (defaults first).  On OPT_ERROR, err holds a message
 * naming the option and the cause (without the program name).  Touches no
 * file and no database; resolving names is options_resolve_*()'s job.
 * `env_helper` is the value of P9GUARD_HELPER (or NULL): it replaces the
 * built-in helper path, an explicit --helper wins over both.
 */
int options_parse(struct fe_options *o, int argc, char **argv, const char *env_helper, char *err,
		  size_t errsz);

/* A vhost-user listener: its connections are virtio devices (vu_dev.c). */
bool listen_kind_vhost_user(enum listen_kind k);

/* Parse one --listen value into *a; 0 or -1 with a message in err. */
int options_parse_listen(struct listen_addr *a, const char *spec, char *err, size_t errsz);

/* "USER" -> uid and primary gid.  0 or -1 with "--user X: no such user". */
int options_resolve_user(const char *opt, const char *name, uid_t *uid, gid_t *gid, char *err,
			 size_t errsz);
/* "USER[:GROUP]" (names or numbers) -> uid, gid; gid (gid_t)-1 if no group given. */
int options_resolve_owner(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errsz);

/* The options that --rootless cannot honour: 0, or -1 with why in err. */
int options_check_rootless(const struct fe_options *o, char *err, size_t errsz);

/* --security-model mapped-xattr (or its alias mapped) is in force. */
bool options_mapped_xattr(const struct fe_options *o);

/* The --help text. */
extern const char options_help_text[];

#endif
