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
 * REFUSED and the other result-less operations get an empty one).  Every
 * operation, its number, its fields in wire order and what the helper does
 * with it is one entry of hp_ops.def; the structs below are made from it.
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

/* HP_HELLO = 1 ... HP_FTRUNCATED = 26: the list in hp_ops.def, in number order. */
enum hp_op {
#define HP_OP(OP, number, ...) HP_##OP = number,
#include "hp_ops.def"
	HP_OP_MAX,		/* one past the last opcode */
};

/* What hp_ops.def says of an operation (hp_op_flags()). */
enum hp_op_flags {
	HP_F_HELLO = 1u << 0,	/* the handshake: first request, and only then */
	HP_F_NOREPLY = 1u << 1,	/* never answered (RELEASE) */
	HP_F_NOCREDS = 1u << 2,	/* runs without switching credentials */
	HP_F_CREATE = 1u << 3,	/* creates an entry: fsgid is the request's gid */
	HP_F_MODIFIES = 1u << 4,	/* changes the export (audit; read-only exports) */
	HP_F_NOHANDLE_OK = 1u << 5, /* HP_NOHANDLE may stand for "no handle" (REFUSED) */
	HP_F_FD = 1u << 6,	/* a successful reply carries a descriptor */
	HP_F_NOAUDIT = 1u << 7,	/* never in the audit trail */
	HP_F_AUDIT_ALWAYS = 1u << 8, /* recorded at --audit-level changes too */
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
unsigned int hp_op_flags(uint16_t op);	/* HP_F_*; 0 for an unknown opcode */
/* REFUSED's 9P message as an operation name ("lcreate"), or NULL when it
 * is not one that carries a name. */
const char *hp_refused_op_name(uint8_t p9type);
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

/* ---- the message structs, field by field as on the wire (hp_ops.def) ---- */
#define F_U8(f) uint8_t f;
#define F_U32(f) uint32_t f;
#define F_U64(f) uint64_t f;
#define F_MAX32(f, max) uint32_t f;
#define F_MAX64(f, max) uint64_t f;
#define F_ERRNO(f) uint32_t f;
#define F_ERRNO_NZ(f) uint32_t f;
#define F_HANDLE(f) uint32_t f;
#define F_NAME(f) struct p9_str f;
#define F_XNAME(f) struct p9_str f;
#define F_TEXT(f, max) struct p9_str f;
#define F_NAMES(n, arr) uint16_t n; struct p9_str arr[P9_MAXWELEM];
#define F_BYTES(len, p, max) uint32_t len; const void *p;
#define F_QID(f) struct p9_qid f;
#define F_QIDS(n, arr) uint16_t n; struct p9_qid arr[P9_MAXWELEM];
#define F_ATTR(f) struct hp_attr f;
#define F_WALK_ATTR(f) struct hp_attr f;
#define F_STATFS(f) struct p9_rstatfs f;
#define F_DATA(len, p) uint32_t len; const void *p;
#define F_P9TYPE(f) uint8_t f;
#define F_REFUSED_NAME(namelen, len, p) uint32_t namelen; uint16_t len; const void *p;
#define HP_REQ_SHAPE(shape, fields) struct hp_##shape { fields };
#define HP_REP_SHAPE(shape, fields) struct hp_r_##shape { fields };
#include "hp_ops.def"

struct hp_req {
	uint16_t op;
	uint32_t reqid;
	uint32_t session;	/* frontend connection number (audit only) */
	uint32_t uid, gid;
	union {
#define HP_REQ_SHAPE(shape, fields) struct hp_##shape shape;
#include "hp_ops.def"
	} u;
};

struct hp_rep {
	uint16_t op;
	uint32_t reqid;
	uint32_t error;		/* 0 or a Linux errno 1..4095 */
	union {
#define HP_REP_SHAPE(shape, fields) struct hp_r_##shape shape;
#include "hp_ops.def"
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
