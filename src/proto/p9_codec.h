/*
 * p9_codec.h - 9P2000.L messages: types, decoded form, encoder and decoder.
 *
 * One library serves the server (decode T, encode R) and the client (encode
 * T, decode R).  Decoding is zero-copy: strings and data in a decoded message
 * point into the frame they were decoded from and are valid as long as that
 * frame is.  Strings are NOT NUL-terminated; use p9_str_dup()/p9_str_copy().
 *
 * Wire facts (see shared/DESIGN.md section 9): little-endian; every frame
 * starts with size[4] type[1] tag[2], size counting itself; strings are
 * len[2] + bytes; a qid is type[1] version[4] path[8].
 */
#ifndef P9_CODEC_H
#define P9_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define P9_HDR_SIZE	7	/* size[4] type[1] tag[2] */
#define P9_QID_SIZE	13
#define P9_MAXWELEM	16	/* at most 16 names per Twalk / qids per Rwalk */
#define P9_NOTAG	((uint16_t)~0)
#define P9_NOFID	((uint32_t)~0)
#define P9_NONUNAME	((uint32_t)~0)
#define P9_VERSION_L	"9P2000.L"
/* Rread/Rreaddir header: size[4] type[1] tag[2] count[4]. */
#define P9_IOHDR_SIZE	11
/* Twrite header: size[4] type[1] tag[2] fid[4] offset[8] count[4]. */
#define P9_TWRITE_HDR_SIZE 23
/* iounit advertised as msize minus this (the kernel's own P9_IOHDRSZ). */
#define P9_IOUNIT_OVERHEAD 24
#define P9_MIN_MSIZE	4096
#define P9_MAX_MSIZE	(1024u * 1024u)

/*
 * qid.version of a file from its stat: the 64-bit mtime in nanoseconds XOR
 * the size, folded to 32 bits.  The helper's qids and the frontend's
 * Tgetattr of an open fid (served by fstat) both use it, so they agree.
 */
static inline uint32_t p9_qid_version(int64_t mtime_sec, int64_t mtime_nsec, int64_t size)
{
	uint64_t v = (uint64_t)mtime_sec * 1000000000u + (uint64_t)mtime_nsec;

	v ^= (uint64_t)size;
	return (uint32_t)(v ^ v >> 32);
}

enum p9_type {
	P9_TLERROR = 6, P9_RLERROR = 7,
	P9_TSTATFS = 8, P9_RSTATFS = 9,
	P9_TLOPEN = 12, P9_RLOPEN = 13,
	P9_TLCREATE = 14, P9_RLCREATE = 15,
	P9_TSYMLINK = 16, P9_RSYMLINK = 17,
	P9_TMKNOD = 18, P9_RMKNOD = 19,
	P9_TRENAME = 20, P9_RRENAME = 21,
	P9_TREADLINK = 22, P9_RREADLINK = 23,
	P9_TGETATTR = 24, P9_RGETATTR = 25,
	P9_TSETATTR = 26, P9_RSETATTR = 27,
	P9_TXATTRWALK = 30, P9_RXATTRWALK = 31,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE = 33,
	P9_TREADDIR = 40, P9_RREADDIR = 41,
	P9_TFSYNC = 50, P9_RFSYNC = 51,
	P9_TLOCK = 52, P9_RLOCK = 53,
	P9_TGETLOCK = 54, P9_RGETLOCK = 55,
	P9_TLINK = 70, P9_RLINK = 71,
	P9_TMKDIR = 72, P9_RMKDIR = 73,
	P9_TRENAMEAT = 74, P9_RRENAMEAT = 75,
	P9_TUNLINKAT = 76, P9_RUNLINKAT = 77,
	P9_TVERSION = 100, P9_RVERSION = 101,
	P9_TAUTH = 102, P9_RAUTH = 103,
	P9_TATTACH = 104, P9_RATTACH = 105,
	P9_TFLUSH = 108, P9_RFLUSH = 109,
	P9_TWALK = 110, P9_RWALK = 111,
	P9_TREAD = 116, P9_RREAD = 117,
	P9_TWRITE = 118, P9_RWRITE = 119,
	P9_TCLUNK = 120, P9_RCLUNK = 121,
	P9_TREMOVE = 122, P9_RREMOVE = 123,
};

/* Decode/encode results.  Each malformed-frame cause has its own code. */
enum p9_err {
	P9_OK = 0,
	P9_E_SHORT = 1,		/* fewer than 7 bytes, or a fixed field cut off */
	P9_E_SIZE = 2,		/* size field disagrees with the frame length */
	P9_E_MSIZE = 3,		/* frame larger than the negotiated msize */
	P9_E_STRLEN = 4,	/* string longer than what remains */
	P9_E_STRNUL = 5,	/* string with an embedded NUL */
	P9_E_NWNAME = 6,	/* more than 16 walk names (or Rwalk qids) */
	P9_E_COUNT = 7,		/* data count larger than what remains */
	P9_E_TYPE = 8,		/* unknown message type */
	P9_E_TRAILING = 9,	/* bytes left over after the last field */
	P9_E_NOSPACE = 10,	/* encode: output buffer too small */
	P9_E_INVAL = 11,	/* encode: invalid argument (e.g. nwname > 16) */
};

const char *p9_strerror(int err);
/* "Tversion", "Rlerror", ... or NULL for an unknown type. */
const char *p9_type_name(uint8_t type);

/* Qid types */
#define P9_QTDIR	0x80
#define P9_QTAPPEND	0x40
#define P9_QTEXCL	0x20
#define P9_QTMOUNT	0x10
#define P9_QTAUTH	0x08
#define P9_QTTMP	0x04
#define P9_QTSYMLINK	0x02
#define P9_QTLINK	0x01
#define P9_QTFILE	0x00

/* Tgetattr request_mask / Rgetattr valid */
#define P9_GETATTR_MODE		0x00000001ULL
#define P9_GETATTR_NLINK	0x00000002ULL
#define P9_GETATTR_UID		0x00000004ULL
#define P9_GETATTR_GID		0x00000008ULL
#define P9_GETATTR_RDEV		0x00000010ULL
#define P9_GETATTR_ATIME	0x00000020ULL
#define P9_GETATTR_MTIME	0x00000040ULL
#define P9_GETATTR_CTIME	0x00000080ULL
#define P9_GETATTR_INO		0x00000100ULL
#define P9_GETATTR_SIZE		0x00000200ULL
#define P9_GETATTR_BLOCKS	0x00000400ULL
#define P9_GETATTR_BTIME	0x00000800ULL
#define P9_GETATTR_GEN		0x00001000ULL
#define P9_GETATTR_DATA_VERSION	0x00002000ULL
#define P9_GETATTR_BASIC	0x000007ffULL
#define P9_GETATTR_ALL		0x00003fffULL

/* Tsetattr valid */
#define P9_SETATTR_MODE		0x00000001u
#define P9_SETATTR_UID		0x00000002u
#define P9_SETATTR_GID		0x00000004u
#define P9_SETATTR_SIZE		0x00000008u
#define P9_SETATTR_ATIME	0x00000010u
#define P9_SETATTR_MTIME	0x00000020u
#define P9_SETATTR_CTIME	0x00000040u
#define P9_SETATTR_ATIME_SET	0x00000080u
#define P9_SETATTR_MTIME_SET	0x00000100u

/* Tlock type / Rlock status */
#define P9_LOCK_TYPE_RDLCK	0
#define P9_LOCK_TYPE_WRLCK	1
#define P9_LOCK_TYPE_UNLCK	2
#define P9_LOCK_SUCCESS		0
#define P9_LOCK_BLOCKED		1
#define P9_LOCK_ERROR		2
#define P9_LOCK_GRACE		3
#define P9_LOCK_FLAGS_BLOCK	1
#define P9_LOCK_FLAGS_RECLAIM	2

/* Tlopen/Tlcreate flags are Linux open(2) flags as the x86 kernel sends them
 * (the client translates to the generic values below). */
#define P9_DOTL_RDONLY		00000000
#define P9_DOTL_WRONLY		00000001
#define P9_DOTL_RDWR		00000002
#define P9_DOTL_CREATE		00000100
#define P9_DOTL_EXCL		00000200
#define P9_DOTL_NOCTTY		00000400
#define P9_DOTL_TRUNC		00001000
#define P9_DOTL_APPEND		00002000
#define P9_DOTL_NONBLOCK	00004000
#define P9_DOTL_DSYNC		00010000
#define P9_DOTL_FASYNC		00020000
#define P9_DOTL_DIRECT		00040000
#define P9_DOTL_LARGEFILE	00100000
#define P9_DOTL_DIRECTORY	00200000
#define P9_DOTL_NOFOLLOW	00400000
#define P9_DOTL_NOATIME		01000000
#define P9_DOTL_CLOEXEC		02000000
#define P9_DOTL_SYNC		04000000

#define P9_AT_REMOVEDIR		0x200

/* A counted string.  After decoding it points into the frame. */
struct p9_str {
	const char *s;
	uint16_t len;
};

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

struct p9_tversion { uint32_t msize; struct p9_str version; };
struct p9_rversion { uint32_t msize; struct p9_str version; };
struct p9_tauth { uint32_t afid; struct p9_str uname, aname; uint32_t n_uname; };
struct p9_rauth { struct p9_qid aqid; };
struct p9_tattach {
	uint32_t fid, afid;
	struct p9_str uname, aname;
	uint32_t n_uname;
};
struct p9_rattach { struct p9_qid qid; };
struct p9_tflush { uint16_t oldtag; };
struct p9_twalk {
	uint32_t fid, newfid;
	uint16_t nwname;
	struct p9_str wname[P9_MAXWELEM];
};
struct p9_rwalk { uint16_t nwqid; struct p9_qid wqid[P9_MAXWELEM]; };
struct p9_tread { uint32_t fid; uint64_t offset; uint32_t count; };
struct p9_rread { uint32_t count; const void *data; };
struct p9_twrite { uint32_t fid; uint64_t offset; uint32_t count; const void *data; };
struct p9_rwrite { uint32_t count; };
struct p9_tfid { uint32_t fid; };	/* Tclunk, Tremove, Tstatfs, Treadlink */
struct p9_rstatfs {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	uint32_t namelen;
};
struct p9_tlopen { uint32_t fid, flags; };
struct p9_rlopen { struct p9_qid qid; uint32_t iounit; };	/* also Rlcreate */
struct p9_tlcreate {
	uint32_t fid;
	struct p9_str name;
	uint32_t flags, mode, gid;
};
struct p9_tsymlink { uint32_t fid; struct p9_str name, symtgt; uint32_t gid; };
struct p9_tmknod {
	uint32_t dfid;
	struct p9_str name;
	uint32_t mode, major, minor, gid;
};
struct p9_rqid { struct p9_qid qid; };	/* Rsymlink, Rmknod, Rmkdir */
struct p9_trename { uint32_t fid, dfid; struct p9_str name; };
struct p9_rreadlink { struct p9_str target; };
struct p9_tgetattr { uint32_t fid; uint64_t request_mask; };
struct p9_rgetattr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec, btime_sec, btime_nsec;
	uint64_t gen, data_version;
};
struct p9_tsetattr {
	uint32_t fid, valid, mode, uid, gid;
	uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};
struct p9_txattrwalk { uint32_t fid, newfid; struct p9_str name; };
struct p9_rxattrwalk { uint64_t size; };
struct p9_txattrcreate { uint32_t fid; struct p9_str name; uint64_t attr_size; uint32_t flags; };
struct p9_treaddir { uint32_t fid; uint64_t offset; uint32_t count; };
/* data holds `count` bytes of packed entries; see p9_dirent_*(). */
struct p9_rreaddir { uint32_t count; const void *data; };
struct p9_tfsync { uint32_t fid, datasync; };
struct p9_tlock {
	uint32_t fid;
	uint8_t type;
	uint32_t flags;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client_id;
};
struct p9_rlock { uint8_t status; };
struct p9_getlock {	/* Tgetlock and Rgetlock share one layout */
	uint32_t fid;	/* Tgetlock only; not on the wire for Rgetlock */
	uint8_t type;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client_id;
};
struct p9_tlink { uint32_t dfid, fid; struct p9_str name; };
struct p9_tmkdir { uint32_t dfid; struct p9_str name; uint32_t mode, gid; };
struct p9_trenameat {
	uint32_t olddirfid;
	struct p9_str oldname;
	uint32_t newdirfid;
	struct p9_str newname;
};
struct p9_tunlinkat { uint32_t dirfid; struct p9_str name; uint32_t flags; };
struct p9_rlerror { uint32_t ecode; };

/*
 * A whole message.  `type` selects the union member; messages whose body is
 * empty (Rflush, Rclunk, Rremove, Rrename, Rsetattr, Rxattrcreate, Rfsync,
 * Rlink, Rrenameat, Runlinkat) use none.
 */
struct p9_msg {
	uint8_t type;
	uint16_t tag;
	union {
		struct p9_tversion tversion;	/* Tversion */
		struct p9_rversion rversion;	/* Rversion */
		struct p9_tauth tauth;
		struct p9_rauth rauth;
		struct p9_tattach tattach;
		struct p9_rattach rattach;
		struct p9_tflush tflush;
		struct p9_twalk twalk;
		struct p9_rwalk rwalk;
		struct p9_tread tread;
		struct p9_rread rread;
		struct p9_twrite twrite;
		struct p9_rwrite rwrite;
		struct p9_tfid tfid;		/* Tclunk Tremove Tstatfs Treadlink */
		struct p9_rstatfs rstatfs;
		struct p9_tlopen tlopen;
		struct p9_rlopen rlopen;	/* Rlopen Rlcreate */
		struct p9_tlcreate tlcreate;
		struct p9_tsymlink tsymlink;
		struct p9_tmknod tmknod;
		struct p9_rqid rqid;		/* Rsymlink Rmknod Rmkdir */
		struct p9_trename trename;
		struct p9_rreadlink rreadlink;
		struct p9_tgetattr tgetattr;
		struct p9_rgetattr rgetattr;
		struct p9_tsetattr tsetattr;
		struct p9_txattrwalk txattrwalk;
		struct p9_rxattrwalk rxattrwalk;
		struct p9_txattrcreate txattrcreate;
		struct p9_treaddir treaddir;
		struct p9_rreaddir rreaddir;
		struct p9_tfsync tfsync;
		struct p9_tlock tlock;
		struct p9_rlock rlock;
		struct p9_getlock getlock;	/* Tgetlock Rgetlock */
		struct p9_tlink tlink;
		struct p9_tmkdir tmkdir;
		struct p9_trenameat trenameat;
		struct p9_tunlinkat tunlinkat;
		struct p9_rlerror rlerror;
	} u;
};

/*
 * Read the size field of a frame prefix.  Returns P9_OK and sets *size when
 * at least 4 bytes are there; P9_E_SHORT otherwise.  Callers use it to know
 * how much to read; P9_E_SIZE if the value is below the header size,
 * P9_E_MSIZE if above msize.
 */
int p9_frame_size(const void *buf, size_t len, uint32_t msize, uint32_t *size);

/*
 * Decode one whole frame (buf, len) into *m.  `msize` is the negotiated
 * maximum (use P9_MAX_MSIZE before Tversion).  Returns P9_OK or a P9_E_* code;
 * on error *m is unspecified, except after P9_E_STRNUL: then the fields up
 * to and including the string holding the NUL are decoded (later ones are
 * zero), so that a server can say which name it refused.  The frame must
 * be exactly `len` bytes.
 */
int p9_decode(const void *buf, size_t len, uint32_t msize, struct p9_msg *m);

/*
 * Encode *m as a whole frame into buf (capacity cap).  On success returns
 * P9_OK and sets *outlen to the frame length.
 */
int p9_encode(void *buf, size_t cap, const struct p9_msg *m, size_t *outlen);

/*
 * Zero-copy I/O replies: write the 11-byte header of an Rread or Rreaddir
 * (size[4] type[1] tag[2] count[4]) whose `count` data bytes the caller
 * places right after it, e.g. by pread() into buf + P9_IOHDR_SIZE.
 */
void p9_put_iohdr(void *buf, uint8_t type, uint16_t tag, uint32_t count);

/* Build a p9_str from a C string (len truncated to 65535 is an error the
 * encoder reports as P9_E_INVAL). */
struct p9_str p9_str_c(const char *s);
/* Copy into dst (size dstsz) with a terminating NUL; -1 if it does not fit. */
int p9_str_copy(char *dst, size_t dstsz, struct p9_str s);
/* malloc'ed NUL-terminated copy, or NULL. */
char *p9_str_dup(struct p9_str s);
int p9_str_eq(struct p9_str a, const char *b);

/*
 * Readdir entries: qid[13] offset[8] type[1] name[s].
 * p9_dirent_put appends one entry to buf at *pos if it fits in cap; returns
 * 0 or -1 (no room: the caller stops, only whole entries are sent).
 * p9_dirent_next decodes the entry at *pos; returns 1 and advances, 0 at the
 * end, or a negative -P9_E_* code on a malformed entry.
 */
struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset;
	uint8_t type;
	struct p9_str name;
};
size_t p9_dirent_size(size_t namelen);
int p9_dirent_put(void *buf, size_t cap, size_t *pos, const struct p9_dirent *d);
int p9_dirent_next(const void *buf, size_t len, size_t *pos, struct p9_dirent *d);

#endif
