/*
 * hp_codec.h - the helper protocol between p9guard (frontend, untrusted)
 * and p9guard-helper (privileged).
 *
 * Transport: one SOCK_SEQPACKET socketpair; one message per packet, at most
 * HP_MAX_MSG bytes.  All integers little-endian, fixed width; strings are
 * len[2] + bytes (no NUL inside; names additionally no '/').  The frontend
 * never names host paths: it names helper-issued handles.  Replies may carry
 * one descriptor (SCM_RIGHTS) for OPEN and LCREATE; the helper never accepts
 * a descriptor from the frontend.
 *
 * Request: op[2] reqid[4] session[4] uid[4] gid[4] args...
 *   session: the frontend's connection number the request is made for (the
 *   one SESSION_START announced), for the audit trail; 0 when none (HELLO,
 *   RELEASE).  Reported by the frontend, not verified.
 *   uid/gid: the credentials to act with (uid of the fid's Tattach; gid of the
 *   create-type request, or HP_GID_DEFAULT for "the uid's host primary group").
 * Reply:   op[2] reqid[4] errno[4] results...   (results only when errno == 0)
 *
 * Every request except RELEASE gets exactly one reply (SESSION_START/END,
 * REFUSED and the other result-less operations get an empty one).  The byte layout of
 * each message is tabulated at the top of hp_codec.c.
 *
 * Opcodes are numbered and never reused; HP_VERSION is bumped with every
 * change of any message layout.
 */
#ifndef HP_CODEC_H
#define HP_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "p9_codec.h"

/* 2: session[4] in the request header; 3: WALK's reply carries the attributes;
 * 4: REFUSED; 5: FTRUNCATED */
#define HP_VERSION	5
#define HP_MAX_MSG	(72u * 1024u)	/* > XATTR_SIZE_MAX (64 KiB) + headers */
#define HP_MAX_NAME	255
#define HP_MAX_XATTR_NAME 255
#define HP_MAX_XATTR_VALUE (64u * 1024u)
#define HP_MAX_SYMTGT	4095
#define HP_MAX_ANAME	4095	/* ATTACH aname (any text without NUL) */
#define HP_MAX_PEER	1024	/* SESSION_START peer description */
#define HP_MAX_REFUSED_NAME 255	/* REFUSED: bytes of the refused name carried */
#define HP_GID_DEFAULT	((uint32_t)~0)
#define HP_NOHANDLE	((uint32_t)~0)
#define HP_REQ_HDR_SIZE	18
#define HP_REP_HDR_SIZE	10

enum hp_op {
	HP_HELLO = 1,		/* version handshake; must be the first request */
	HP_ATTACH = 2,		/* aname -> root handle + qid */
	HP_WALK = 3,		/* handle + names -> qids (+ new handle if complete) */
	HP_RELEASE = 4,		/* forget a handle; no reply is sent */
	HP_GETATTR = 5,
	HP_SETATTR = 6,		/* chmod/chown/truncate/utimes */
	HP_OPEN = 7,		/* -> qid, iounit, fd */
	HP_LCREATE = 8,		/* dir handle + name -> new handle, qid, iounit, fd */
	HP_MKDIR = 9,
	HP_SYMLINK = 10,
	HP_MKNOD = 11,
	HP_LINK = 12,
	HP_RENAMEAT = 13,
	HP_RENAME = 14,		/* rename the file behind a handle (Trename) */
	HP_UNLINKAT = 15,
	HP_REMOVE = 16,		/* unlink the file behind a handle (Tremove) */
	HP_READLINK = 17,
	HP_STATFS = 18,
	HP_XATTRGET = 19,	/* size 0: only report the value's length */
	HP_XATTRLIST = 20,	/* size 0: only report the list's length */
	HP_XATTRSET = 21,
	HP_XATTRREMOVE = 22,
	HP_SESSION_START = 23,	/* audit: a client connected (frontend-reported) */
	HP_SESSION_END = 24,
	HP_REFUSED = 25,	/* audit: the frontend refused a 9P request's name */
	HP_FTRUNCATED = 26,	/* audit: the frontend truncated an open fid */
	HP_OP_MAX = 27,		/* one past the last opcode */
};

/* Decoder/encoder errors (the helper treats any as a protocol violation). */
enum hp_err {
	HP_OK = 0,
	HP_E_SHORT = 1,		/* message or field cut off */
	HP_E_TRAILING = 2,	/* bytes left after the last field */
	HP_E_OP = 3,		/* unknown opcode */
	HP_E_STRLEN = 4,	/* string longer than remains or than its limit */
	HP_E_STRNUL = 5,	/* NUL inside a string */
	HP_E_NAME = 6,		/* empty name, or '/' inside a name */
	HP_E_COUNT = 7,		/* count field out of range (walk names, data) */
	HP_E_NOSPACE = 8,	/* encode: message would exceed HP_MAX_MSG */
};

const char *hp_op_name(uint16_t op);	/* "walk", "mkdir", ... or NULL */
const char *hp_strerror(int err);

/* Attributes returned by GETATTR/WALK/create-type ops (from fstat). */
struct hp_attr {
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec;
};

struct stat;
/* Every field of a from st but the qid (its path is the helper's to make). */
void hp_attr_from_stat(struct hp_attr *a, const struct stat *st);

/* ---- requests ---- */
struct hp_hello { uint32_t version; };
struct hp_attach { struct p9_str aname; };
struct hp_walk {
	uint32_t handle;
	uint16_t nwname;
	struct p9_str wname[P9_MAXWELEM];	/* single components; ".." allowed */
};
struct hp_handle { uint32_t handle; };	/* RELEASE GETATTR READLINK STATFS REMOVE */
struct hp_setattr {	/* valid uses P9_SETATTR_* bits */
	uint32_t handle, valid, mode, uid, gid;
	uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};
struct hp_open { uint32_t handle, flags; };	/* flags: P9_DOTL_* */
struct hp_lcreate { uint32_t dhandle; struct p9_str name; uint32_t flags, mode; };
struct hp_mkdir { uint32_t dhandle; struct p9_str name; uint32_t mode; };
struct hp_symlink { uint32_t dhandle; struct p9_str name, target; };
struct hp_mknod { uint32_t dhandle; struct p9_str name; uint32_t mode, major, minor; };
struct hp_link { uint32_t dhandle, handle; struct p9_str name; };
struct hp_renameat {
	uint32_t olddhandle;
	struct p9_str oldname;
	uint32_t newdhandle;
	struct p9_str newname;
};
struct hp_rename { uint32_t handle, newdhandle; struct p9_str newname; };
struct hp_unlinkat { uint32_t dhandle; struct p9_str name; uint32_t flags; };
struct hp_xattrget { uint32_t handle; struct p9_str name; uint32_t size; };
struct hp_xattrlist { uint32_t handle, size; };
struct hp_xattrset {
	uint32_t handle;
	struct p9_str name;
	uint32_t flags;		/* XATTR_CREATE / XATTR_REPLACE */
	uint32_t len;
	const void *value;
};
struct hp_xattrremove { uint32_t handle; struct p9_str name; };
struct hp_session_start {
	uint32_t session;	/* frontend's connection number */
	struct p9_str peer;	/* "unix:uid=1000,pid=42" / "tcp:10.0.2.2:5555"; reported, not verified */
};
struct hp_session_end { uint32_t session; };
/*
 * The frontend answered a 9P request with Rlerror because of a name the
 * helper protocol cannot carry (empty, '/' or NUL inside, too long): the
 * helper records it (reported by the frontend, not verified) and answers
 * with an empty reply.  The name is raw bytes (any byte, '/' and NUL
 * included), cut to its first HP_MAX_REFUSED_NAME bytes; namelen is the
 * length the client sent.
 */
struct hp_refused {
	uint32_t handle;	/* the fid's handle, or HP_NOHANDLE (no such fid) */
	uint8_t p9type;		/* P9_T*: one of the messages that carry names */
	uint32_t error;		/* the errno answered, 1..4095 */
	uint32_t namelen;	/* the name's length in the request, <= 65535 */
	uint16_t len;		/* bytes of it carried: min(namelen, HP_MAX_REFUSED_NAME) */
	const void *name;
};

/*
 * FTRUNCATED: the frontend ran ftruncate(2) on the descriptor of an open fid
 * (Tsetattr with only the size, on a fid open for writing: it works after
 * unlink, and on a file whose mode changed since the open), with that
 * result.  The helper only records it, as a change, with an empty reply.
 */
struct hp_ftruncated {
	uint32_t handle;	/* the fid's handle */
	uint64_t size;		/* the new size asked, <= INT64_MAX */
	uint32_t error;		/* 0, or the errno ftruncate gave, 1..4095 */
};

struct hp_req {
	uint16_t op;
	uint32_t reqid;
	uint32_t session;	/* frontend connection number (audit only) */
	uint32_t uid, gid;
	union {
		struct hp_hello hello;
		struct hp_attach attach;
		struct hp_walk walk;
		struct hp_handle h;
		struct hp_setattr setattr;
		struct hp_open open;
		struct hp_lcreate lcreate;
		struct hp_mkdir mkdir;
		struct hp_symlink symlink;
		struct hp_mknod mknod;
		struct hp_link link;
		struct hp_renameat renameat;
		struct hp_rename rename;
		struct hp_unlinkat unlinkat;
		struct hp_xattrget xattrget;
		struct hp_xattrlist xattrlist;
		struct hp_xattrset xattrset;
		struct hp_xattrremove xattrremove;
		struct hp_session_start session_start;
		struct hp_session_end session_end;
		struct hp_refused refused;
		struct hp_ftruncated ftruncated;
	} u;
};

/* ---- replies (only when errno == 0) ---- */
struct hp_r_hello { uint32_t version; uint32_t max_msg; };
struct hp_r_attach { uint32_t handle; struct p9_qid qid; };
struct hp_r_walk {
	uint16_t nwqid;
	struct p9_qid wqid[P9_MAXWELEM];
	uint32_t handle;	/* HP_NOHANDLE unless nwqid == nwname (or nwname 0) */
	struct hp_attr attr;	/* of the walked object, when handle != HP_NOHANDLE */
};
struct hp_r_attr { struct hp_attr attr; };		/* GETATTR */
struct hp_r_open { struct p9_qid qid; uint32_t iounit; };	/* + fd */
struct hp_r_lcreate { uint32_t handle; struct p9_qid qid; uint32_t iounit; }; /* + fd */
struct hp_r_qid { struct p9_qid qid; };		/* MKDIR SYMLINK MKNOD */
struct hp_r_readlink { struct p9_str target; };
struct hp_r_statfs { struct p9_rstatfs st; };
struct hp_r_data { uint32_t len; const void *data; };	/* XATTRGET/XATTRLIST; data NULL when size was 0 */

struct hp_rep {
	uint16_t op;
	uint32_t reqid;
	uint32_t error;		/* 0 or a Linux errno 1..4095 */
	union {
		struct hp_r_hello hello;
		struct hp_r_attach attach;
		struct hp_r_walk walk;
		struct hp_r_attr attr;
		struct hp_r_open open;
		struct hp_r_lcreate lcreate;
		struct hp_r_qid qid;
		struct hp_r_readlink readlink;
		struct hp_r_statfs statfs;
		struct hp_r_data data;
	} u;
};

/* Encode into buf (cap bytes); *outlen gets the length.  HP_OK or HP_E_*. */
int hp_encode_req(void *buf, size_t cap, const struct hp_req *r, size_t *outlen);
int hp_encode_rep(void *buf, size_t cap, const struct hp_rep *r, size_t *outlen);
/*
 * Decode a whole packet.  Strings/data point into buf.  Names (everything
 * that names a directory entry) are checked: non-empty, no '/', no NUL,
 * <= HP_MAX_NAME.  Walk names may be "." or "..": the helper interprets them;
 * create-type names "." and ".." are refused later by the helper (EEXIST /
 * EINVAL), not by the codec, so the audit trail can record them.
 */
int hp_decode_req(const void *buf, size_t len, struct hp_req *r);
int hp_decode_rep(const void *buf, size_t len, struct hp_rep *r);

#endif
