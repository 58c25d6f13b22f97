/*
 * check_p9_codec.c - unit tests for the 9P2000.L codec.
 *
 * The byte vectors below are written by hand from the protocol description
 * (size[4] type[1] tag[2] body, little-endian, strings len[2]+bytes, qid
 * type[1] version[4] path[8]); they are never produced by the encoder under
 * test.  Each vector is paired with the message it must decode to.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9_codec.h"

/* clang-format off */
#define S(lit) { .s = (lit), .len = sizeof(lit) - 1 }
#define B(arr) (arr), sizeof(arr)

/* Shared pieces of the vectors, spelled out once. */
#define QID_A { .type = P9_QTDIR, .version = 0x0a0b0c0d, .path = 0x1112131415161718ULL }
#define QID_A_BYTES 0x80, 0x0d, 0x0c, 0x0b, 0x0a, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11
#define FID 0x11223344u
#define FID_BYTES 0x44, 0x33, 0x22, 0x11
#define TAG 0x1234
#define TAG_BYTES 0x34, 0x12
#define OFF 0x0102030405060708ULL
#define OFF_BYTES 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01

/* ---- hand-written frames ---- */

static const uint8_t v_tversion[] = {
	0x15, 0x00, 0x00, 0x00, 100, 0xff, 0xff,	/* size 21, Tversion, NOTAG */
	0x00, 0x20, 0x00, 0x00,				/* msize 8192 */
	0x08, 0x00, '9', 'P', '2', '0', '0', '0', '.', 'L',
};
static const uint8_t v_rversion[] = {
	0x15, 0x00, 0x00, 0x00, 101, 0xff, 0xff,
	0x00, 0x00, 0x08, 0x00,				/* msize 512 KiB */
	0x08, 0x00, '9', 'P', '2', '0', '0', '0', '.', 'L',
};
static const uint8_t v_tauth[] = {
	0x16, 0x00, 0x00, 0x00, 102, TAG_BYTES,
	FID_BYTES,					/* afid */
	0x03, 0x00, 'j', 'o', 'e',			/* uname */
	0x00, 0x00,					/* aname "" */
	0xe8, 0x03, 0x00, 0x00,				/* n_uname 1000 */
};
static const uint8_t v_rauth[] = {
	0x14, 0x00, 0x00, 0x00, 103, TAG_BYTES, QID_A_BYTES,
};
static const uint8_t v_tattach[] = {
	0x1f, 0x00, 0x00, 0x00, 104, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00,				/* fid 1 */
	0xff, 0xff, 0xff, 0xff,				/* afid NOFID */
	0x04, 0x00, 'r', 'o', 'o', 't',
	0x04, 0x00, '/', 's', 'r', 'v',
	0xff, 0xff, 0xff, 0xff,				/* n_uname NONUNAME */
};
static const uint8_t v_rattach[] = {
	0x14, 0x00, 0x00, 0x00, 105, TAG_BYTES, QID_A_BYTES,
};
static const uint8_t v_tflush[] = {
	0x09, 0x00, 0x00, 0x00, 108, TAG_BYTES, 0x02, 0x01,	/* oldtag 0x0102 */
};
static const uint8_t v_rflush[] = { 0x07, 0x00, 0x00, 0x00, 109, TAG_BYTES };
static const uint8_t v_twalk[] = {
	0x1c, 0x00, 0x00, 0x00, 110, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00,				/* fid 1 */
	0x02, 0x00, 0x00, 0x00,				/* newfid 2 */
	0x03, 0x00,					/* nwname 3 */
	0x01, 0x00, 'a',
	0x02, 0x00, 'b', 'c',
	0x02, 0x00, '.', '.',
};
static const uint8_t v_twalk0[] = {
	0x11, 0x00, 0x00, 0x00, 110, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,	/* clone */
};
static const uint8_t v_rwalk[] = {
	0x23, 0x00, 0x00, 0x00, 111, TAG_BYTES,
	0x02, 0x00,					/* nwqid 2 */
	QID_A_BYTES,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t v_rwalk0[] = { 0x09, 0x00, 0x00, 0x00, 111, TAG_BYTES, 0x00, 0x00 };
static const uint8_t v_tread[] = {
	0x17, 0x00, 0x00, 0x00, 116, TAG_BYTES, FID_BYTES, OFF_BYTES,
	0x00, 0x10, 0x00, 0x00,				/* count 4096 */
};
static const uint8_t v_rread[] = {
	0x10, 0x00, 0x00, 0x00, 117, TAG_BYTES,
	0x05, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o',
};
static const uint8_t v_twrite[] = {
	0x1a, 0x00, 0x00, 0x00, 118, TAG_BYTES, FID_BYTES, OFF_BYTES,
	0x03, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f,	/* data may hold NULs */
};
static const uint8_t v_rwrite[] = {
	0x0b, 0x00, 0x00, 0x00, 119, TAG_BYTES, 0x03, 0x00, 0x00, 0x00,
};
static const uint8_t v_tclunk[] = { 0x0b, 0x00, 0x00, 0x00, 120, TAG_BYTES, FID_BYTES };
static const uint8_t v_rclunk[] = { 0x07, 0x00, 0x00, 0x00, 121, TAG_BYTES };
static const uint8_t v_tremove[] = { 0x0b, 0x00, 0x00, 0x00, 122, TAG_BYTES, FID_BYTES };
static const uint8_t v_rremove[] = { 0x07, 0x00, 0x00, 0x00, 123, TAG_BYTES };
static const uint8_t v_tstatfs[] = { 0x0b, 0x00, 0x00, 0x00, 8, TAG_BYTES, FID_BYTES };
static const uint8_t v_rstatfs[] = {
	0x43, 0x00, 0x00, 0x00, 9, TAG_BYTES,
	0x42, 0x53, 0x46, 0x58,				/* type "XFSB" */
	0x00, 0x10, 0x00, 0x00,				/* bsize 4096 */
	OFF_BYTES,					/* blocks */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* bfree */
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* bavail */
	0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* files */
	0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* ffree */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,	/* fsid */
	0xff, 0x00, 0x00, 0x00,				/* namelen 255 */
};
static const uint8_t v_tlopen[] = {
	0x0f, 0x00, 0x00, 0x00, 12, TAG_BYTES, FID_BYTES,
	0x02, 0x80, 0x00, 0x00,				/* RDWR|LARGEFILE */
};
static const uint8_t v_rlopen[] = {
	0x18, 0x00, 0x00, 0x00, 13, TAG_BYTES, QID_A_BYTES, 0x00, 0x10, 0x00, 0x00,
};
static const uint8_t v_tlcreate[] = {
	0x1e, 0x00, 0x00, 0x00, 14, TAG_BYTES, FID_BYTES,
	0x05, 0x00, 'f', '.', 't', 'x', 't',
	0x41, 0x00, 0x00, 0x00,				/* CREATE|WRONLY */
	0xa4, 0x81, 0x00, 0x00,				/* mode 0100644 */
	0x64, 0x00, 0x00, 0x00,				/* gid 100 */
};
static const uint8_t v_rlcreate[] = {
	0x18, 0x00, 0x00, 0x00, 15, TAG_BYTES,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,				/* iounit 0 */
};
static const uint8_t v_tsymlink[] = {
	0x19, 0x00, 0x00, 0x00, 16, TAG_BYTES, FID_BYTES,
	0x02, 0x00, 'l', 'n',
	0x04, 0x00, '.', '.', '/', 't',
	0xe8, 0x03, 0x00, 0x00,
};
static const uint8_t v_rsymlink[] = {
	0x14, 0x00, 0x00, 0x00, 17, TAG_BYTES,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t v_tmknod[] = {
	0x20, 0x00, 0x00, 0x00, 18, TAG_BYTES, FID_BYTES,
	0x03, 0x00, 'd', 'e', 'v',
	0xb6, 0x21, 0x00, 0x00,				/* mode 020666 */
	0x01, 0x00, 0x00, 0x00,				/* major */
	0x03, 0x00, 0x00, 0x00,				/* minor */
	0x05, 0x00, 0x00, 0x00,				/* gid */
};
static const uint8_t v_rmknod[] = { 0x14, 0x00, 0x00, 0x00, 19, TAG_BYTES, QID_A_BYTES };
static const uint8_t v_trename[] = {
	0x14, 0x00, 0x00, 0x00, 20, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 'n', 'e', 'w',
};
static const uint8_t v_rrename[] = { 0x07, 0x00, 0x00, 0x00, 21, TAG_BYTES };
static const uint8_t v_treadlink[] = { 0x0b, 0x00, 0x00, 0x00, 22, TAG_BYTES, FID_BYTES };
static const uint8_t v_rreadlink[] = {
	0x0f, 0x00, 0x00, 0x00, 23, TAG_BYTES, 0x06, 0x00, '/', 'e', 't', 'c', '/', 'x',
};
static const uint8_t v_tgetattr[] = {
	0x13, 0x00, 0x00, 0x00, 24, TAG_BYTES, FID_BYTES,
	0xff, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* GETATTR_ALL */
};
static const uint8_t v_rgetattr[] = {
	0xa0, 0x00, 0x00, 0x00, 25, TAG_BYTES,
	0xff, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* valid BASIC */
	QID_A_BYTES,
	0xed, 0x41, 0x00, 0x00,				/* mode 040755 */
	0xe8, 0x03, 0x00, 0x00,				/* uid 1000 */
	0xe9, 0x03, 0x00, 0x00,				/* gid 1001 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* nlink */
	0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* rdev */
	0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* size */
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* blksize */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* blocks */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* atime */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* mtime */
	0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* ctime */
	0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* btime */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* gen */
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,	/* data_version */
};
static const uint8_t v_tsetattr[] = {
	0x43, 0x00, 0x00, 0x00, 26, TAG_BYTES, FID_BYTES,
	0x31, 0x00, 0x00, 0x00,				/* MODE|ATIME|MTIME */
	0xa4, 0x01, 0x00, 0x00,				/* mode 0644 */
	0xe9, 0x03, 0x00, 0x00,				/* uid */
	0xea, 0x03, 0x00, 0x00,				/* gid */
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,	/* size */
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t v_rsetattr[] = { 0x07, 0x00, 0x00, 0x00, 27, TAG_BYTES };
static const uint8_t v_txattrwalk[] = {
	0x17, 0x00, 0x00, 0x00, 30, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x06, 0x00, 'u', 's', 'e', 'r', '.', 'a',
};
static const uint8_t v_rxattrwalk[] = {
	0x0f, 0x00, 0x00, 0x00, 31, TAG_BYTES, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t v_txattrcreate[] = {
	0x1f, 0x00, 0x00, 0x00, 32, TAG_BYTES, FID_BYTES,
	0x06, 0x00, 'u', 's', 'e', 'r', '.', 'b',
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* attr_size */
	0x01, 0x00, 0x00, 0x00,				/* flags XATTR_CREATE */
};
static const uint8_t v_rxattrcreate[] = { 0x07, 0x00, 0x00, 0x00, 33, TAG_BYTES };
static const uint8_t v_treaddir[] = {
	0x17, 0x00, 0x00, 0x00, 40, TAG_BYTES, FID_BYTES,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,	/* offset */
	0xe8, 0x1f, 0x00, 0x00,				/* count 8168 */
};
/* One entry: qid, offset 1, type 4 (DT_DIR), name ".". */
#define DIRENT_DOT_BYTES QID_A_BYTES, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x01, 0x00, '.'
static const uint8_t dirent_dot[] = { DIRENT_DOT_BYTES };
static const uint8_t v_rreaddir[] = {
	0x24, 0x00, 0x00, 0x00, 41, TAG_BYTES, 0x19, 0x00, 0x00, 0x00, DIRENT_DOT_BYTES,
};
static const uint8_t v_tfsync[] = {
	0x0f, 0x00, 0x00, 0x00, 50, TAG_BYTES, FID_BYTES, 0x01, 0x00, 0x00, 0x00,
};
static const uint8_t v_rfsync[] = { 0x07, 0x00, 0x00, 0x00, 51, TAG_BYTES };
static const uint8_t v_tlock[] = {
	0x29, 0x00, 0x00, 0x00, 52, TAG_BYTES, FID_BYTES,
	0x01,						/* WRLCK */
	0x01, 0x00, 0x00, 0x00,				/* flags BLOCK */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* start */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* length */
	0xd2, 0x04, 0x00, 0x00,				/* proc_id 1234 */
	0x03, 0x00, 'v', 'm', '1',
};
static const uint8_t v_rlock[] = { 0x08, 0x00, 0x00, 0x00, 53, TAG_BYTES, 0x01 };
static const uint8_t v_tgetlock[] = {
	0x23, 0x00, 0x00, 0x00, 54, TAG_BYTES, FID_BYTES,
	0x00,						/* RDLCK */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00,
	0x01, 0x00, 'c',
};
static const uint8_t v_rgetlock[] = {
	0x1f, 0x00, 0x00, 0x00, 55, TAG_BYTES,		/* no fid */
	0x02,						/* UNLCK */
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00,
	0x01, 0x00, 'c',
};
static const uint8_t v_tlink[] = {
	0x15, 0x00, 0x00, 0x00, 70, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 'h', 'a', 'r', 'd',
};
static const uint8_t v_rlink[] = { 0x07, 0x00, 0x00, 0x00, 71, TAG_BYTES };
static const uint8_t v_tmkdir[] = {
	0x16, 0x00, 0x00, 0x00, 72, TAG_BYTES, FID_BYTES,
	0x01, 0x00, 'd', 0xed, 0x01, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
};
static const uint8_t v_rmkdir[] = { 0x14, 0x00, 0x00, 0x00, 73, TAG_BYTES, QID_A_BYTES };
static const uint8_t v_trenameat[] = {
	0x16, 0x00, 0x00, 0x00, 74, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 'a',
	0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 'b', 'b',
};
static const uint8_t v_rrenameat[] = { 0x07, 0x00, 0x00, 0x00, 75, TAG_BYTES };
static const uint8_t v_tunlinkat[] = {
	0x12, 0x00, 0x00, 0x00, 76, TAG_BYTES,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 'x', 0x00, 0x02, 0x00, 0x00,	/* AT_REMOVEDIR */
};
static const uint8_t v_runlinkat[] = { 0x07, 0x00, 0x00, 0x00, 77, TAG_BYTES };
static const uint8_t v_rlerror[] = {
	0x0b, 0x00, 0x00, 0x00, 7, TAG_BYTES, 0x02, 0x00, 0x00, 0x00,	/* ENOENT */
};

struct vec {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	struct p9_msg m;
};

#define HDR(t) .type = (t), .tag = TAG

static const struct vec vecs[] = {
	{ "Tversion", B(v_tversion),
	  { .type = P9_TVERSION, .tag = P9_NOTAG, .u.tversion = { 8192, S("9P2000.L") } } },
	{ "Rversion", B(v_rversion),
	  { .type = P9_RVERSION, .tag = P9_NOTAG, .u.rversion = { 512 * 1024, S("9P2000.L") } } },
	{ "Tauth", B(v_tauth), { HDR(P9_TAUTH), .u.tauth = { FID, S("joe"), S(""), 1000 } } },
	{ "Rauth", B(v_rauth), { HDR(P9_RAUTH), .u.rauth = { QID_A } } },
	{ "Tattach", B(v_tattach),
	  { HDR(P9_TATTACH),
	    .u.tattach = { 1, P9_NOFID, S("root"), S("/srv"), P9_NONUNAME } } },
	{ "Rattach", B(v_rattach), { HDR(P9_RATTACH), .u.rattach = { QID_A } } },
	{ "Tflush", B(v_tflush), { HDR(P9_TFLUSH), .u.tflush = { 0x0102 } } },
	{ "Rflush", B(v_rflush), { HDR(P9_RFLUSH) } },
	{ "Twalk", B(v_twalk),
	  { HDR(P9_TWALK), .u.twalk = { 1, 2, 3, { S("a"), S("bc"), S("..") } } } },
	{ "Twalk", B(v_twalk0), { HDR(P9_TWALK), .u.twalk = { 1, 2, 0, { { 0 } } } } },
	{ "Rwalk", B(v_rwalk),
	  { HDR(P9_RWALK), .u.rwalk = { 2, { QID_A, { 0, 0, 0x2a } } } } },
	{ "Rwalk", B(v_rwalk0), { HDR(P9_RWALK), .u.rwalk = { 0, { { 0 } } } } },
	{ "Tread", B(v_tread), { HDR(P9_TREAD), .u.tread = { FID, OFF, 4096 } } },
	{ "Rread", B(v_rread), { HDR(P9_RREAD), .u.rread = { 5, "hello" } } },
	{ "Twrite", B(v_twrite), { HDR(P9_TWRITE), .u.twrite = { FID, OFF, 3, "\0\xff\x7f" } } },
	{ "Rwrite", B(v_rwrite), { HDR(P9_RWRITE), .u.rwrite = { 3 } } },
	{ "Tclunk", B(v_tclunk), { HDR(P9_TCLUNK), .u.tfid = { FID } } },
	{ "Rclunk", B(v_rclunk), { HDR(P9_RCLUNK) } },
	{ "Tremove", B(v_tremove), { HDR(P9_TREMOVE), .u.tfid = { FID } } },
	{ "Rremove", B(v_rremove), { HDR(P9_RREMOVE) } },
	{ "Tstatfs", B(v_tstatfs), { HDR(P9_TSTATFS), .u.tfid = { FID } } },
	{ "Rstatfs", B(v_rstatfs),
	  { HDR(P9_RSTATFS),
	    .u.rstatfs = { 0x58465342, 4096, OFF, 0x10, 0x20, 0x30, 0x40, 0x8877665544332211ULL,
			   255 } } },
	{ "Tlopen", B(v_tlopen),
	  { HDR(P9_TLOPEN), .u.tlopen = { FID, P9_DOTL_RDWR | P9_DOTL_LARGEFILE } } },
	{ "Rlopen", B(v_rlopen), { HDR(P9_RLOPEN), .u.rlopen = { QID_A, 4096 } } },
	{ "Tlcreate", B(v_tlcreate),
	  { HDR(P9_TLCREATE),
	    .u.tlcreate = { FID, S("f.txt"), P9_DOTL_CREATE | P9_DOTL_WRONLY, 0100644, 100 } } },
	{ "Rlcreate", B(v_rlcreate),
	  { HDR(P9_RLCREATE), .u.rlopen = { { P9_QTFILE, 1, 0x99 }, 0 } } },
	{ "Tsymlink", B(v_tsymlink),
	  { HDR(P9_TSYMLINK), .u.tsymlink = { FID, S("ln"), S("../t"), 1000 } } },
	{ "Rsymlink", B(v_rsymlink),
	  { HDR(P9_RSYMLINK), .u.rqid = { { P9_QTSYMLINK, 0, 7 } } } },
	{ "Tmknod", B(v_tmknod),
	  { HDR(P9_TMKNOD), .u.tmknod = { FID, S("dev"), 020666, 1, 3, 5 } } },
	{ "Rmknod", B(v_rmknod), { HDR(P9_RMKNOD), .u.rqid = { QID_A } } },
	{ "Trename", B(v_trename), { HDR(P9_TRENAME), .u.trename = { 1, 2, S("new") } } },
	{ "Rrename", B(v_rrename), { HDR(P9_RRENAME) } },
	{ "Treadlink", B(v_treadlink), { HDR(P9_TREADLINK), .u.tfid = { FID } } },
	{ "Rreadlink", B(v_rreadlink), { HDR(P9_RREADLINK), .u.rreadlink = { S("/etc/x") } } },
	{ "Tgetattr", B(v_tgetattr),
	  { HDR(P9_TGETATTR), .u.tgetattr = { FID, P9_GETATTR_ALL } } },
	{ "Rgetattr", B(v_rgetattr),
	  { HDR(P9_RGETATTR),
	    .u.rgetattr = { .valid = P9_GETATTR_BASIC, .qid = QID_A, .mode = 040755, .uid = 1000,
			    .gid = 1001, .nlink = 2, .rdev = 0x103, .size = 4096, .blksize = 512,
			    .blocks = 8, .atime_sec = 1, .atime_nsec = 2, .mtime_sec = 3,
			    .mtime_nsec = 4, .ctime_sec = 5, .ctime_nsec = 6, .btime_sec = 7,
			    .btime_nsec = 8, .gen = 9, .data_version = 0x800000000000000aULL } } },
	{ "Tsetattr", B(v_tsetattr),
	  { HDR(P9_TSETATTR),
	    .u.tsetattr = { FID, P9_SETATTR_MODE | P9_SETATTR_ATIME | P9_SETATTR_MTIME, 0644,
			    1001, 1002, 0x10000, 0x11, 0x22, 0x33, 0x44 } } },
	{ "Rsetattr", B(v_rsetattr), { HDR(P9_RSETATTR) } },
	{ "Txattrwalk", B(v_txattrwalk),
	  { HDR(P9_TXATTRWALK), .u.txattrwalk = { 1, 2, S("user.a") } } },
	{ "Rxattrwalk", B(v_rxattrwalk), { HDR(P9_RXATTRWALK), .u.rxattrwalk = { 0x1234 } } },
	{ "Txattrcreate", B(v_txattrcreate),
	  { HDR(P9_TXATTRCREATE), .u.txattrcreate = { FID, S("user.b"), 5, 1 } } },
	{ "Rxattrcreate", B(v_rxattrcreate), { HDR(P9_RXATTRCREATE) } },
	{ "Treaddir", B(v_treaddir),
	  { HDR(P9_TREADDIR), .u.treaddir = { FID, 0x7fffffffffffffffULL, 8168 } } },
	{ "Rreaddir", B(v_rreaddir),
	  { HDR(P9_RREADDIR), .u.rreaddir = { sizeof(dirent_dot), dirent_dot } } },
	{ "Tfsync", B(v_tfsync), { HDR(P9_TFSYNC), .u.tfsync = { FID, 1 } } },
	{ "Rfsync", B(v_rfsync), { HDR(P9_RFSYNC) } },
	{ "Tlock", B(v_tlock),
	  { HDR(P9_TLOCK),
	    .u.tlock = { FID, P9_LOCK_TYPE_WRLCK, P9_LOCK_FLAGS_BLOCK, 0x100, 0, 1234,
			 S("vm1") } } },
	{ "Rlock", B(v_rlock), { HDR(P9_RLOCK), .u.rlock = { P9_LOCK_BLOCKED } } },
	{ "Tgetlock", B(v_tgetlock),
	  { HDR(P9_TGETLOCK),
	    .u.getlock = { FID, P9_LOCK_TYPE_RDLCK, 0x10, 0x20, 7, S("c") } } },
	{ "Rgetlock", B(v_rgetlock),
	  { HDR(P9_RGETLOCK), .u.getlock = { 0, P9_LOCK_TYPE_UNLCK, 0x10, 0x20, 7, S("c") } } },
	{ "Tlink", B(v_tlink), { HDR(P9_TLINK), .u.tlink = { 1, 2, S("hard") } } },
	{ "Rlink", B(v_rlink), { HDR(P9_RLINK) } },
	{ "Tmkdir", B(v_tmkdir), { HDR(P9_TMKDIR), .u.tmkdir = { FID, S("d"), 0755, 100 } } },
	{ "Rmkdir", B(v_rmkdir), { HDR(P9_RMKDIR), .u.rqid = { QID_A } } },
	{ "Trenameat", B(v_trenameat),
	  { HDR(P9_TRENAMEAT), .u.trenameat = { 1, S("a"), 2, S("bb") } } },
	{ "Rrenameat", B(v_rrenameat), { HDR(P9_RRENAMEAT) } },
	{ "Tunlinkat", B(v_tunlinkat),
	  { HDR(P9_TUNLINKAT), .u.tunlinkat = { 1, S("x"), P9_AT_REMOVEDIR } } },
	{ "Runlinkat", B(v_runlinkat), { HDR(P9_RUNLINKAT) } },
	{ "Rlerror", B(v_rlerror), { HDR(P9_RLERROR), .u.rlerror = { 2 } } },
};

/* clang-format on */

#define NVECS (sizeof(vecs) / sizeof(vecs[0]))
#define NTYPES 57	/* 28 T-messages, 28 R-messages and Rlerror */

/* ---- helpers ---- */

/* An exact-size heap copy, so the sanitizer sees any read past the end. */
static uint8_t *dup_bytes(const uint8_t *b, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	if (len)
		memcpy(p, b, len);
	return p;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int decode_copy(const uint8_t *b, size_t len, uint32_t msize, struct p9_msg *m)
{
	uint8_t *p = dup_bytes(b, len);
	int rc = p9_decode(p, len, msize, m);

	free(p);	/* m may point into p: callers only look at rc */
	return rc;
}

static bool str_same(struct p9_str a, struct p9_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

static bool qid_same(const struct p9_qid *a, const struct p9_qid *b)
{
	return a->type == b->type && a->version == b->version && a->path == b->path;
}

#define EQ(f) ck_assert_msg(got->u.f == want->u.f, "%s: %s differs", what, #f)
#define SEQ(f) ck_assert_msg(str_same(got->u.f, want->u.f), "%s: string %s differs", what, #f)
#define QEQ(f) ck_assert_msg(qid_same(&got->u.f, &want->u.f), "%s: qid %s differs", what, #f)
#define DEQ(c, d)                                                                                  \
	do {                                                                                       \
		EQ(c);                                                                             \
		ck_assert_msg(memcmp(got->u.d, want->u.d, want->u.c) == 0, "%s: data differs",     \
			      what);                                                               \
	} while (0)

/* Field-by-field comparison of a decoded message with the expected one. */
static void check_msg(const char *what, const struct p9_msg *got, const struct p9_msg *want)
{
	ck_assert_msg(got->type == want->type, "%s: type %u != %u", what, got->type, want->type);
	ck_assert_msg(got->tag == want->tag, "%s: tag differs", what);
	switch (want->type) {
	case P9_TVERSION:
		EQ(tversion.msize);
		SEQ(tversion.version);
		break;
	case P9_RVERSION:
		EQ(rversion.msize);
		SEQ(rversion.version);
		break;
	case P9_TAUTH:
		EQ(tauth.afid);
		SEQ(tauth.uname);
		SEQ(tauth.aname);
		EQ(tauth.n_uname);
		break;
	case P9_RAUTH:
		QEQ(rauth.aqid);
		break;
	case P9_TATTACH:
		EQ(tattach.fid);
		EQ(tattach.afid);
		SEQ(tattach.uname);
		SEQ(tattach.aname);
		EQ(tattach.n_uname);
		break;
	case P9_RATTACH:
		QEQ(rattach.qid);
		break;
	case P9_TFLUSH:
		EQ(tflush.oldtag);
		break;
	case P9_TWALK:
		EQ(twalk.fid);
		EQ(twalk.newfid);
		EQ(twalk.nwname);
		for (int i = 0; i < want->u.twalk.nwname; i++)
			SEQ(twalk.wname[i]);
		break;
	case P9_RWALK:
		EQ(rwalk.nwqid);
		for (int i = 0; i < want->u.rwalk.nwqid; i++)
			QEQ(rwalk.wqid[i]);
		break;
	case P9_TREAD:
		EQ(tread.fid);
		EQ(tread.offset);
		EQ(tread.count);
		break;
	case P9_RREAD:
		DEQ(rread.count, rread.data);
		break;
	case P9_TWRITE:
		EQ(twrite.fid);
		EQ(twrite.offset);
		DEQ(twrite.count, twrite.data);
		break;
	case P9_RWRITE:
		EQ(rwrite.count);
		break;
	case P9_TCLUNK:
	case P9_TREMOVE:
	case P9_TSTATFS:
	case P9_TREADLINK:
		EQ(tfid.fid);
		break;
	case P9_RSTATFS:
		EQ(rstatfs.type);
		EQ(rstatfs.bsize);
		EQ(rstatfs.blocks);
		EQ(rstatfs.bfree);
		EQ(rstatfs.bavail);
		EQ(rstatfs.files);
		EQ(rstatfs.ffree);
		EQ(rstatfs.fsid);
		EQ(rstatfs.namelen);
		break;
	case P9_TLOPEN:
		EQ(tlopen.fid);
		EQ(tlopen.flags);
		break;
	case P9_RLOPEN:
	case P9_RLCREATE:
		QEQ(rlopen.qid);
		EQ(rlopen.iounit);
		break;
	case P9_TLCREATE:
		EQ(tlcreate.fid);
		SEQ(tlcreate.name);
		EQ(tlcreate.flags);
		EQ(tlcreate.mode);
		EQ(tlcreate.gid);
		break;
	case P9_TSYMLINK:
		EQ(tsymlink.fid);
		SEQ(tsymlink.name);
		SEQ(tsymlink.symtgt);
		EQ(tsymlink.gid);
		break;
	case P9_RSYMLINK:
	case P9_RMKNOD:
	case P9_RMKDIR:
		QEQ(rqid.qid);
		break;
	case P9_TMKNOD:
		EQ(tmknod.dfid);
		SEQ(tmknod.name);
		EQ(tmknod.mode);
		EQ(tmknod.major);
		EQ(tmknod.minor);
		EQ(tmknod.gid);
		break;
	case P9_TRENAME:
		EQ(trename.fid);
		EQ(trename.dfid);
		SEQ(trename.name);
		break;
	case P9_RREADLINK:
		SEQ(rreadlink.target);
		break;
	case P9_TGETATTR:
		EQ(tgetattr.fid);
		EQ(tgetattr.request_mask);
		break;
	case P9_RGETATTR:
		EQ(rgetattr.valid);
		QEQ(rgetattr.qid);
		EQ(rgetattr.mode);
		EQ(rgetattr.uid);
		EQ(rgetattr.gid);
		EQ(rgetattr.nlink);
		EQ(rgetattr.rdev);
		EQ(rgetattr.size);
		EQ(rgetattr.blksize);
		EQ(rgetattr.blocks);
		EQ(rgetattr.atime_sec);
		EQ(rgetattr.atime_nsec);
		EQ(rgetattr.mtime_sec);
		EQ(rgetattr.mtime_nsec);
		EQ(rgetattr.ctime_sec);
		EQ(rgetattr.ctime_nsec);
		EQ(rgetattr.btime_sec);
		EQ(rgetattr.btime_nsec);
		EQ(rgetattr.gen);
		EQ(rgetattr.data_version);
		break;
	case P9_TSETATTR:
		EQ(tsetattr.fid);
		EQ(tsetattr.valid);
		EQ(tsetattr.mode);
		EQ(tsetattr.uid);
		EQ(tsetattr.gid);
		EQ(tsetattr.size);
		EQ(tsetattr.atime_sec);
		EQ(tsetattr.atime_nsec);
		EQ(tsetattr.mtime_sec);
		EQ(tsetattr.mtime_nsec);
		break;
	case P9_TXATTRWALK:
		EQ(txattrwalk.fid);
		EQ(txattrwalk.newfid);
		SEQ(txattrwalk.name);
		break;
	case P9_RXATTRWALK:
		EQ(rxattrwalk.size);
		break;
	case P9_TXATTRCREATE:
		EQ(txattrcreate.fid);
		SEQ(txattrcreate.name);
		EQ(txattrcreate.attr_size);
		EQ(txattrcreate.flags);
		break;
	case P9_TREADDIR:
		EQ(treaddir.fid);
		EQ(treaddir.offset);
		EQ(treaddir.count);
		break;
	case P9_RREADDIR:
		DEQ(rreaddir.count, rreaddir.data);
		break;
	case P9_TFSYNC:
		EQ(tfsync.fid);
		EQ(tfsync.datasync);
		break;
	case P9_TLOCK:
		EQ(tlock.fid);
		EQ(tlock.type);
		EQ(tlock.flags);
		EQ(tlock.start);
		EQ(tlock.length);
		EQ(tlock.proc_id);
		SEQ(tlock.client_id);
		break;
	case P9_RLOCK:
		EQ(rlock.status);
		break;
	case P9_TGETLOCK:
	case P9_RGETLOCK:
		if (want->type == P9_TGETLOCK)
			EQ(getlock.fid);
		EQ(getlock.type);
		EQ(getlock.start);
		EQ(getlock.length);
		EQ(getlock.proc_id);
		SEQ(getlock.client_id);
		break;
	case P9_TLINK:
		EQ(tlink.dfid);
		EQ(tlink.fid);
		SEQ(tlink.name);
		break;
	case P9_TMKDIR:
		EQ(tmkdir.dfid);
		SEQ(tmkdir.name);
		EQ(tmkdir.mode);
		EQ(tmkdir.gid);
		break;
	case P9_TRENAMEAT:
		EQ(trenameat.olddirfid);
		SEQ(trenameat.oldname);
		EQ(trenameat.newdirfid);
		SEQ(trenameat.newname);
		break;
	case P9_TUNLINKAT:
		EQ(tunlinkat.dirfid);
		SEQ(tunlinkat.name);
		EQ(tunlinkat.flags);
		break;
	case P9_RLERROR:
		EQ(rlerror.ecode);
		break;
	case P9_RFLUSH:
	case P9_RCLUNK:
	case P9_RREMOVE:
	case P9_RRENAME:
	case P9_RSETATTR:
	case P9_RXATTRCREATE:
	case P9_RFSYNC:
	case P9_RLINK:
	case P9_RRENAMEAT:
	case P9_RUNLINKAT:
		break;
	default:
		ck_abort_msg("%s: no comparison for type %u", what, want->type);
	}
}

static void check_bytes(const char *what, const uint8_t *got, size_t gotlen, const uint8_t *want,
			size_t wantlen)
{
	ck_assert_msg(gotlen == wantlen, "%s: length %zu, expected %zu", what, gotlen, wantlen);
	for (size_t i = 0; i < wantlen; i++)
		ck_assert_msg(got[i] == want[i], "%s: byte %zu is 0x%02x, expected 0x%02x", what, i,
			      got[i], want[i]);
}

/* ---- every message: exact bytes, decode, round trip ---- */

START_TEST(t_vec_encode_exact)
{
	const struct vec *v = &vecs[_i];
	uint8_t buf[512];
	size_t len = 0;

	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &v->m, &len), P9_OK);
	check_bytes(v->name, buf, len, v->bytes, v->len);
}
END_TEST

START_TEST(t_vec_decode)
{
	const struct vec *v = &vecs[_i];
	uint8_t *p = dup_bytes(v->bytes, v->len);
	struct p9_msg m;

	ck_assert_int_eq(p9_decode(p, v->len, P9_MAX_MSIZE, &m), P9_OK);
	check_msg(v->name, &m, &v->m);
	ck_assert_str_eq(p9_type_name(m.type), v->name);
	free(p);
}
END_TEST

/* Encode, decode the result, and check that strings and data point into it. */
START_TEST(t_vec_roundtrip)
{
	const struct vec *v = &vecs[_i];
	uint8_t buf[512];
	size_t len = 0;
	struct p9_msg m;

	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &v->m, &len), P9_OK);
	ck_assert_int_eq(p9_decode(buf, len, (uint32_t)len, &m), P9_OK);
	check_msg(v->name, &m, &v->m);
	/* Zero-copy: data is the tail of the frame, strings point into it. */
	if (m.type == P9_RREAD)
		ck_assert_ptr_eq(m.u.rread.data, buf + len - m.u.rread.count);
	if (m.type == P9_RREADDIR)
		ck_assert_ptr_eq(m.u.rreaddir.data, buf + len - m.u.rreaddir.count);
	if (m.type == P9_TWRITE)
		ck_assert_ptr_eq(m.u.twrite.data, buf + len - m.u.twrite.count);
	if (m.type == P9_TVERSION)
		ck_assert_ptr_eq(m.u.tversion.version.s, (const char *)buf + 13);
}
END_TEST

/* Every prefix of every frame, size field left alone: SHORT or SIZE. */
START_TEST(t_vec_truncated_raw)
{
	const struct vec *v = &vecs[_i];
	struct p9_msg m;

	for (size_t n = 0; n < v->len; n++) {
		int rc = decode_copy(v->bytes, n, P9_MAX_MSIZE, &m);

		ck_assert_msg(rc == (n < P9_HDR_SIZE ? P9_E_SHORT : P9_E_SIZE),
			      "%s cut to %zu: %s", v->name, n, p9_strerror(rc));
	}
}
END_TEST

/* Every prefix with the size field patched to match: the body is found short. */
START_TEST(t_vec_truncated_patched)
{
	const struct vec *v = &vecs[_i];
	struct p9_msg m;

	for (size_t n = P9_HDR_SIZE; n < v->len; n++) {
		uint8_t *p = dup_bytes(v->bytes, n);
		int rc;

		put_le32(p, (uint32_t)n);
		rc = p9_decode(p, n, P9_MAX_MSIZE, &m);
		ck_assert_msg(rc == P9_E_SHORT || rc == P9_E_STRLEN || rc == P9_E_COUNT,
			      "%s cut to %zu: %s", v->name, n, p9_strerror(rc));
		free(p);
	}
}
END_TEST

START_TEST(t_vec_trailing)
{
	const struct vec *v = &vecs[_i];
	uint8_t *p = malloc(v->len + 1);
	struct p9_msg m;

	memcpy(p, v->bytes, v->len);
	p[v->len] = 0;
	put_le32(p, (uint32_t)v->len + 1);
	ck_assert_int_eq(p9_decode(p, v->len + 1, P9_MAX_MSIZE, &m), P9_E_TRAILING);
	free(p);
}
END_TEST

START_TEST(t_vec_msize)
{
	const struct vec *v = &vecs[_i];
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(v->bytes, v->len, (uint32_t)v->len, &m), P9_OK);
	ck_assert_int_eq(decode_copy(v->bytes, v->len, (uint32_t)v->len - 1, &m), P9_E_MSIZE);
}
END_TEST

/* Encoding into every too-small buffer fails and never writes past it. */
START_TEST(t_vec_nospace)
{
	const struct vec *v = &vecs[_i];

	for (size_t cap = 0; cap < v->len; cap++) {
		uint8_t *p = malloc(cap + 16);
		size_t len = 12345;

		memset(p, 0xa5, cap + 16);
		ck_assert_int_eq(p9_encode(p, cap, &v->m, &len), P9_E_NOSPACE);
		ck_assert_uint_eq(len, 12345);
		for (size_t i = cap; i < cap + 16; i++)
			ck_assert_msg(p[i] == 0xa5, "%s: wrote past cap %zu", v->name, cap);
		free(p);
	}
}
END_TEST

/* Every byte of every frame flipped: whatever decodes must re-encode identically. */
START_TEST(t_vec_mutated)
{
	const struct vec *v = &vecs[_i];
	static const uint8_t flips[] = { 0x01, 0x80, 0xff, 0x10 };

	for (size_t i = 0; i < v->len; i++) {
		for (size_t k = 0; k < sizeof(flips); k++) {
			uint8_t *p = dup_bytes(v->bytes, v->len);
			uint8_t out[512];
			struct p9_msg m;
			size_t len = 0;

			p[i] ^= flips[k];
			if (p9_decode(p, v->len, P9_MAX_MSIZE, &m) == P9_OK) {
				ck_assert_int_eq(p9_encode(out, sizeof(out), &m, &len), P9_OK);
				check_bytes(v->name, out, len, p, v->len);
			}
			free(p);
		}
	}
}
END_TEST

/* ---- types and names ---- */

START_TEST(t_type_names)
{
	int named = 0;
	uint8_t frame[P9_HDR_SIZE] = { 0x07, 0x00, 0x00, 0x00, 0, 0x00, 0x00 };
	struct p9_msg m;

	for (int t = 0; t < 256; t++) {
		const char *n = p9_type_name((uint8_t)t);

		if (!n) {
			frame[4] = (uint8_t)t;
			ck_assert_int_eq(p9_decode(frame, sizeof(frame), P9_MAX_MSIZE, &m),
					 P9_E_TYPE);
			continue;
		}
		named++;
		/* T-messages are even, their R-replies odd and named alike. */
		ck_assert_int_eq(n[0], (t & 1) ? 'R' : 'T');
	}
	ck_assert_int_eq(named, NTYPES);
	ck_assert_str_eq(p9_type_name(P9_RLERROR), "Rlerror");
	ck_assert_ptr_null(p9_type_name(P9_TLERROR));
	ck_assert_str_eq(p9_type_name(P9_TGETLOCK), "Tgetlock");
	ck_assert_str_eq(p9_type_name(P9_RUNLINKAT), "Runlinkat");
}
END_TEST

START_TEST(t_vectors_cover_all_types)
{
	bool seen[256] = { false };
	int n = 0;

	for (size_t i = 0; i < NVECS; i++) {
		if (!seen[vecs[i].m.type])
			n++;
		seen[vecs[i].m.type] = true;
	}
	ck_assert_int_eq(n, NTYPES);
	for (int t = 0; t < 256; t++)
		ck_assert_msg(seen[t] == (p9_type_name((uint8_t)t) != NULL), "type %d", t);
}
END_TEST

START_TEST(t_strerror)
{
	for (int e = P9_OK; e <= P9_E_INVAL; e++) {
		const char *s = p9_strerror(e);

		ck_assert_ptr_nonnull(s);
		ck_assert_str_ne(s, "unknown error");
		for (int f = P9_OK; f < e; f++)
			ck_assert_str_ne(s, p9_strerror(f));
	}
	ck_assert_str_eq(p9_strerror(-1), "unknown error");
	ck_assert_str_eq(p9_strerror(P9_E_INVAL + 1), "unknown error");
}
END_TEST

/* ---- malformed frames, one cause each ---- */

START_TEST(t_bad_short_header)
{
	static const uint8_t f[] = { 0x06, 0x00, 0x00, 0x00, 120, 0x00 };
	struct p9_msg m;

	ck_assert_int_eq(p9_decode(f, 0, P9_MAX_MSIZE, &m), P9_E_SHORT);
	ck_assert_int_eq(decode_copy(f, sizeof(f), P9_MAX_MSIZE, &m), P9_E_SHORT);
}
END_TEST

START_TEST(t_bad_short_field)
{
	/* Tclunk with a 3-byte fid; Tread missing its count. */
	static const uint8_t clunk[] = { 0x0a, 0x00, 0x00, 0x00, 120, 0x01, 0x00, 1, 2, 3 };
	static const uint8_t read[] = {
		0x13, 0x00, 0x00, 0x00, 116, 0x01, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(clunk), P9_MAX_MSIZE, &m), P9_E_SHORT);
	ck_assert_int_eq(decode_copy(B(read), P9_MAX_MSIZE, &m), P9_E_SHORT);
}
END_TEST

START_TEST(t_bad_size)
{
	static const uint8_t big[] = { 0x0c, 0x00, 0x00, 0x00, 120, 0x01, 0x00, 1, 0, 0, 0 };
	static const uint8_t small[] = { 0x0a, 0x00, 0x00, 0x00, 120, 0x01, 0x00, 1, 0, 0, 0 };
	static const uint8_t tiny[] = { 0x03, 0x00, 0x00, 0x00, 121, 0x01, 0x00 };
	static const uint8_t huge[] = { 0x07, 0x00, 0x00, 0x01, 121, 0x01, 0x00 };
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(big), P9_MAX_MSIZE, &m), P9_E_SIZE);
	ck_assert_int_eq(decode_copy(B(small), P9_MAX_MSIZE, &m), P9_E_SIZE);
	ck_assert_int_eq(decode_copy(B(tiny), P9_MAX_MSIZE, &m), P9_E_SIZE);
	ck_assert_int_eq(decode_copy(B(huge), P9_MAX_MSIZE, &m), P9_E_SIZE);
}
END_TEST

START_TEST(t_bad_msize)
{
	/* A 4200-byte Twrite against msize 4096. */
	size_t len = 4200;
	uint8_t *f = calloc(1, len);
	struct p9_msg m;

	put_le32(f, (uint32_t)len);
	f[4] = P9_TWRITE;
	put_le32(f + 19, (uint32_t)(len - P9_TWRITE_HDR_SIZE));
	ck_assert_int_eq(p9_decode(f, len, 4096, &m), P9_E_MSIZE);
	ck_assert_int_eq(p9_decode(f, len, 4200, &m), P9_OK);
	ck_assert_uint_eq(m.u.twrite.count, len - P9_TWRITE_HDR_SIZE);
	free(f);
}
END_TEST

START_TEST(t_bad_strlen)
{
	/* Tversion whose string claims 9 bytes, 8 present. */
	static const uint8_t f[] = {
		0x15, 0x00, 0x00, 0x00, 100, 0xff, 0xff, 0x00, 0x20, 0x00, 0x00,
		0x09, 0x00, '9', 'P', '2', '0', '0', '0', '.', 'L',
	};
	/* Twalk whose second name claims 0xffff bytes. */
	static const uint8_t w[] = {
		0x16, 0x00, 0x00, 0x00, 110, 0x01, 0x00, 1, 0, 0, 0, 2, 0, 0, 0,
		0x02, 0x00, 0x01, 0x00, 'a', 0xff, 0xff,
	};
	/* Tattach whose string length itself is cut in half. */
	static const uint8_t a[] = {
		0x10, 0x00, 0x00, 0x00, 104, 0x01, 0x00, 1, 0, 0, 0, 2, 0, 0, 0, 0x05,
	};
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(f), P9_MAX_MSIZE, &m), P9_E_STRLEN);
	ck_assert_int_eq(decode_copy(B(w), P9_MAX_MSIZE, &m), P9_E_STRLEN);
	ck_assert_int_eq(decode_copy(B(a), P9_MAX_MSIZE, &m), P9_E_SHORT);
}
END_TEST

START_TEST(t_bad_strnul)
{
	static const uint8_t f[] = {
		0x15, 0x00, 0x00, 0x00, 100, 0xff, 0xff, 0x00, 0x20, 0x00, 0x00,
		0x08, 0x00, '9', 'P', '\0', '0', '0', '0', '.', 'L',
	};
	/* Tmkdir name "a\0" (the kernel never sends this; a hostile client might). */
	static const uint8_t d[] = {
		0x17, 0x00, 0x00, 0x00, 72, 0x01, 0x00, 1, 0, 0, 0,
		0x02, 0x00, 'a', '\0', 0xed, 0x01, 0x00, 0x00, 0, 0, 0, 0,
	};
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(f), P9_MAX_MSIZE, &m), P9_E_STRNUL);
	ck_assert_int_eq(decode_copy(B(d), P9_MAX_MSIZE, &m), P9_E_STRNUL);
	/* The fields up to the refused string are decoded, so the frontend can
	 * report which name it refused; the ones after it are zero. */
	ck_assert_int_eq(p9_decode(d, sizeof(d), P9_MAX_MSIZE, &m), P9_E_STRNUL);
	ck_assert_uint_eq(m.type, P9_TMKDIR);
	ck_assert_uint_eq(m.u.tmkdir.dfid, 1);
	ck_assert_uint_eq(m.u.tmkdir.name.len, 2);
	ck_assert_mem_eq(m.u.tmkdir.name.s, "a\0", 2);
	ck_assert_uint_eq(m.u.tmkdir.mode, 0);
}
END_TEST

START_TEST(t_bad_nwname)
{
	/* Twalk with 17 one-byte names, all present. */
	uint8_t f[17 + 17 * 3];
	/* Rwalk with 17 qids, all present. */
	uint8_t r[9 + 17 * 13];
	struct p9_msg m;

	memset(f, 0, sizeof(f));
	put_le32(f, sizeof(f));
	f[4] = P9_TWALK;
	f[15] = 17;
	for (int i = 0; i < 17; i++) {
		f[17 + 3 * i] = 1;
		f[17 + 3 * i + 2] = (uint8_t)('a' + i);
	}
	ck_assert_int_eq(decode_copy(B(f), P9_MAX_MSIZE, &m), P9_E_NWNAME);
	/* The same with 16 names is fine. */
	put_le32(f, sizeof(f) - 3);
	f[15] = 16;
	ck_assert_int_eq(decode_copy(f, sizeof(f) - 3, P9_MAX_MSIZE, &m), P9_OK);
	ck_assert_int_eq(m.u.twalk.nwname, 16);

	memset(r, 0, sizeof(r));
	put_le32(r, sizeof(r));
	r[4] = P9_RWALK;
	r[7] = 17;
	ck_assert_int_eq(decode_copy(B(r), P9_MAX_MSIZE, &m), P9_E_NWNAME);
	put_le32(r, sizeof(r) - 13);
	r[7] = 16;
	ck_assert_int_eq(decode_copy(r, sizeof(r) - 13, P9_MAX_MSIZE, &m), P9_OK);
	/* nwname 0x0100: the high byte counts too. */
	r[7] = 0;
	r[8] = 1;
	ck_assert_int_eq(decode_copy(r, sizeof(r) - 13, P9_MAX_MSIZE, &m), P9_E_NWNAME);
}
END_TEST

START_TEST(t_bad_count)
{
	static const uint8_t rread[] = {
		0x10, 0x00, 0x00, 0x00, 117, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o',
	};
	static const uint8_t twrite[] = {
		0x18, 0x00, 0x00, 0x00, 118, 0x01, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 'x',
	};
	static const uint8_t rreaddir[] = {
		0x0b, 0x00, 0x00, 0x00, 41, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	/* count smaller than the data: the rest is trailing. */
	static const uint8_t rread_short[] = {
		0x10, 0x00, 0x00, 0x00, 117, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o',
	};
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(rread), P9_MAX_MSIZE, &m), P9_E_COUNT);
	ck_assert_int_eq(decode_copy(B(twrite), P9_MAX_MSIZE, &m), P9_E_COUNT);
	ck_assert_int_eq(decode_copy(B(rreaddir), P9_MAX_MSIZE, &m), P9_E_COUNT);
	ck_assert_int_eq(decode_copy(B(rread_short), P9_MAX_MSIZE, &m), P9_E_TRAILING);
}
END_TEST

START_TEST(t_bad_type)
{
	static const uint8_t types[] = { 0, 1, 6, 10, 11, 28, 29, 34, 99, 106, 107, 112, 113,
					 114, 115, 124, 125, 126, 127, 128, 200, 255 };
	uint8_t f[] = { 0x0b, 0x00, 0x00, 0x00, 0, 0x01, 0x00, 1, 0, 0, 0 };
	struct p9_msg m;

	for (size_t i = 0; i < sizeof(types); i++) {
		f[4] = types[i];
		ck_assert_int_eq(decode_copy(B(f), P9_MAX_MSIZE, &m), P9_E_TYPE);
	}
}
END_TEST

START_TEST(t_bad_trailing)
{
	static const uint8_t clunk[] = { 0x0c, 0x00, 0x00, 0x00, 120, 0x01, 0x00, 1, 0, 0, 0, 0 };
	static const uint8_t rflush[] = { 0x08, 0x00, 0x00, 0x00, 109, 0x01, 0x00, 0 };
	struct p9_msg m;

	ck_assert_int_eq(decode_copy(B(clunk), P9_MAX_MSIZE, &m), P9_E_TRAILING);
	ck_assert_int_eq(decode_copy(B(rflush), P9_MAX_MSIZE, &m), P9_E_TRAILING);
}
END_TEST

/* ---- encoder argument checks ---- */

START_TEST(t_enc_inval)
{
	uint8_t buf[256];
	size_t len = 0;
	struct p9_msg m = { .type = P9_TWALK, .tag = 1 };
	char *big;

	m.u.twalk.nwname = 17;
	for (int i = 0; i < 17 && i < P9_MAXWELEM; i++)
		m.u.twalk.wname[i] = p9_str_c("x");
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);

	memset(&m, 0, sizeof(m));
	m.type = P9_RWALK;
	m.u.rwalk.nwqid = 17;
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);

	/* A string p9_str_c() could not represent. */
	big = malloc(70000);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	memset(&m, 0, sizeof(m));
	m.type = P9_TMKDIR;
	m.u.tmkdir.name = p9_str_c(big);
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);
	free(big);

	/* A string with a NUL inside; one that is NULL but claims bytes. */
	m.u.tmkdir.name = (struct p9_str){ "a\0b", 3 };
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);
	m.u.tmkdir.name = (struct p9_str){ NULL, 3 };
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);
	/* NULL with no bytes is the empty string. */
	m.u.tmkdir.name = (struct p9_str){ NULL, 0 };
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_OK);
	ck_assert_uint_eq(len, 7 + 4 + 2 + 4 + 4);

	/* Data count without data. */
	memset(&m, 0, sizeof(m));
	m.type = P9_RREAD;
	m.u.rread.count = 1;
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_INVAL);
	m.u.rread.count = 0;
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_OK);
	ck_assert_uint_eq(len, P9_IOHDR_SIZE);

	/* Types that do not exist (Tlerror included) are refused. */
	m.type = P9_TLERROR;
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_TYPE);
	m.type = 0;
	ck_assert_int_eq(p9_encode(buf, sizeof(buf), &m, &len), P9_E_TYPE);
}
END_TEST

/* The largest legal walks and strings round-trip. */
START_TEST(t_roundtrip_limits)
{
	static char name[P9_MAXWELEM][2];
	size_t cap = 7 + 4 + 2 + 65535 + 4 + 4;
	uint8_t *buf = malloc(cap);
	char *big = malloc(65536);
	struct p9_msg m = { .type = P9_TWALK, .tag = P9_NOTAG }, d;
	size_t len = 0;

	m.u.twalk.fid = P9_NOFID;
	m.u.twalk.newfid = 0;
	m.u.twalk.nwname = P9_MAXWELEM;
	for (int i = 0; i < P9_MAXWELEM; i++) {
		name[i][0] = (char)('a' + i);
		m.u.twalk.wname[i] = (struct p9_str){ name[i], 1 };
	}
	ck_assert_int_eq(p9_encode(buf, cap, &m, &len), P9_OK);
	ck_assert_uint_eq(len, 17 + 16 * 3);
	ck_assert_int_eq(p9_decode(buf, len, P9_MAX_MSIZE, &d), P9_OK);
	check_msg("Twalk16", &d, &m);

	memset(&m, 0, sizeof(m));
	m.type = P9_RWALK;
	m.u.rwalk.nwqid = P9_MAXWELEM;
	for (int i = 0; i < P9_MAXWELEM; i++)
		m.u.rwalk.wqid[i] = (struct p9_qid){ (uint8_t)i, ~0u - (uint32_t)i, ~0ULL - (uint64_t)i };
	ck_assert_int_eq(p9_encode(buf, cap, &m, &len), P9_OK);
	ck_assert_uint_eq(len, 9 + 13 * P9_MAXWELEM);
	ck_assert_int_eq(p9_decode(buf, len, P9_MAX_MSIZE, &d), P9_OK);
	check_msg("Rwalk16", &d, &m);

	memset(big, 'z', 65535);
	big[65535] = '\0';
	memset(&m, 0, sizeof(m));
	m.type = P9_TMKDIR;
	m.u.tmkdir.name = p9_str_c(big);
	ck_assert_uint_eq(m.u.tmkdir.name.len, 65535);
	ck_assert_int_eq(p9_encode(buf, cap, &m, &len), P9_OK);
	ck_assert_uint_eq(len, cap);
	ck_assert_int_eq(p9_decode(buf, len, P9_MAX_MSIZE, &d), P9_OK);
	check_msg("Tmkdir65535", &d, &m);
	ck_assert_int_eq(p9_encode(buf, cap - 1, &m, &len), P9_E_NOSPACE);
	free(big);
	free(buf);
}
END_TEST

/* ---- frame size ---- */

START_TEST(t_frame_size)
{
	static const uint8_t ok[] = { 0x17, 0x00, 0x00, 0x00, 116 };
	static const uint8_t tiny[] = { 0x06, 0x00, 0x00, 0x00 };
	static const uint8_t zero[] = { 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t big[] = { 0x01, 0x10, 0x00, 0x00 };	/* 4097 */
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff };
	uint32_t size = 0;

	ck_assert_int_eq(p9_frame_size(ok, 0, 4096, &size), P9_E_SHORT);
	ck_assert_int_eq(p9_frame_size(ok, 3, 4096, &size), P9_E_SHORT);
	ck_assert_int_eq(p9_frame_size(ok, 4, 4096, &size), P9_OK);
	ck_assert_uint_eq(size, 23);
	ck_assert_int_eq(p9_frame_size(ok, sizeof(ok), 4096, &size), P9_OK);
	ck_assert_uint_eq(size, 23);
	ck_assert_int_eq(p9_frame_size(tiny, 4, 4096, &size), P9_E_SIZE);
	ck_assert_int_eq(p9_frame_size(zero, 4, 4096, &size), P9_E_SIZE);
	ck_assert_int_eq(p9_frame_size(big, 4, 4096, &size), P9_E_MSIZE);
	ck_assert_int_eq(p9_frame_size(big, 4, 4097, &size), P9_OK);
	ck_assert_uint_eq(size, 4097);
	ck_assert_int_eq(p9_frame_size(max, 4, P9_MAX_MSIZE, &size), P9_E_MSIZE);
	ck_assert_int_eq(p9_frame_size(v_tversion, 7, P9_HDR_SIZE, &size), P9_E_MSIZE);
	ck_assert_int_eq(p9_frame_size(v_rclunk, 7, P9_HDR_SIZE, &size), P9_OK);
	ck_assert_uint_eq(size, 7);
}
END_TEST

/* ---- zero-copy I/O header ---- */

START_TEST(t_iohdr)
{
	static const uint8_t want[] = {
		0x10, 0x00, 0x00, 0x00, 117, 0x34, 0x12, 0x05, 0x00, 0x00, 0x00,
	};
	uint8_t buf[16];
	struct p9_msg m;

	p9_put_iohdr(buf, P9_RREAD, TAG, 5);
	check_bytes("iohdr", buf, P9_IOHDR_SIZE, want, sizeof(want));
	memcpy(buf + P9_IOHDR_SIZE, "hello", 5);
	ck_assert_int_eq(p9_decode(buf, 16, P9_MAX_MSIZE, &m), P9_OK);
	ck_assert_int_eq(m.type, P9_RREAD);
	ck_assert_int_eq(m.tag, TAG);
	ck_assert_uint_eq(m.u.rread.count, 5);
	ck_assert_ptr_eq(m.u.rread.data, buf + P9_IOHDR_SIZE);

	p9_put_iohdr(buf, P9_RREADDIR, 7, 0);
	ck_assert_int_eq(p9_decode(buf, P9_IOHDR_SIZE, P9_MAX_MSIZE, &m), P9_OK);
	ck_assert_int_eq(m.type, P9_RREADDIR);
	ck_assert_int_eq(m.tag, 7);
	ck_assert_uint_eq(m.u.rreaddir.count, 0);
}
END_TEST

/* ---- string helpers ---- */

START_TEST(t_str_helpers)
{
	struct p9_str s = p9_str_c("hello"), e = p9_str_c(""), n = p9_str_c(NULL);
	char small[6], tiny[5];
	char *d;

	ck_assert_uint_eq(s.len, 5);
	ck_assert_uint_eq(e.len, 0);
	ck_assert_uint_eq(n.len, 0);
	ck_assert_int_eq(p9_str_eq(s, "hello"), 1);
	ck_assert_int_eq(p9_str_eq(s, "hell"), 0);
	ck_assert_int_eq(p9_str_eq(s, "hello!"), 0);
	ck_assert_int_eq(p9_str_eq(s, "hellO"), 0);
	ck_assert_int_eq(p9_str_eq(s, NULL), 0);
	ck_assert_int_eq(p9_str_eq(e, ""), 1);
	ck_assert_int_eq(p9_str_eq(n, ""), 1);
	/* Not NUL-terminated: only len bytes count. */
	ck_assert_int_eq(p9_str_eq((struct p9_str){ "abcdef", 3 }, "abc"), 1);

	ck_assert_int_eq(p9_str_copy(small, sizeof(small), s), 0);
	ck_assert_str_eq(small, "hello");
	ck_assert_int_eq(p9_str_copy(tiny, sizeof(tiny), s), -1);
	ck_assert_int_eq(p9_str_copy(tiny, 0, e), -1);
	ck_assert_int_eq(p9_str_copy(tiny, 1, e), 0);
	ck_assert_str_eq(tiny, "");
	ck_assert_int_eq(p9_str_copy(small, sizeof(small), (struct p9_str){ "xyz!", 3 }), 0);
	ck_assert_str_eq(small, "xyz");

	d = p9_str_dup((struct p9_str){ "abcdef", 4 });
	ck_assert_str_eq(d, "abcd");
	free(d);
	d = p9_str_dup(n);
	ck_assert_str_eq(d, "");
	free(d);
	ck_assert_ptr_null(p9_str_dup((struct p9_str){ NULL, 2 }));
}
END_TEST

/* ---- readdir entries ---- */

START_TEST(t_dirent_exact)
{
	struct p9_dirent d = { .qid = QID_A, .offset = 1, .type = 4, .name = S(".") };
	uint8_t buf[64];
	size_t pos = 0;
	struct p9_dirent got;

	ck_assert_uint_eq(p9_dirent_size(1), sizeof(dirent_dot));
	ck_assert_uint_eq(p9_dirent_size(0), 24);
	ck_assert_int_eq(p9_dirent_put(buf, sizeof(buf), &pos, &d), 0);
	check_bytes("dirent", buf, pos, dirent_dot, sizeof(dirent_dot));

	pos = 0;
	ck_assert_int_eq(p9_dirent_next(B(dirent_dot), &pos, &got), 1);
	ck_assert_uint_eq(pos, sizeof(dirent_dot));
	ck_assert(qid_same(&got.qid, &d.qid));
	ck_assert_uint_eq(got.offset, 1);
	ck_assert_uint_eq(got.type, 4);
	ck_assert(p9_str_eq(got.name, "."));
	ck_assert_ptr_eq(got.name.s, (const char *)dirent_dot + 24);
	ck_assert_int_eq(p9_dirent_next(B(dirent_dot), &pos, &got), 0);
}
END_TEST

START_TEST(t_dirent_fill)
{
	static const char *const names[] = { ".", "..", "a", "longer-name", "", "z" };
	enum { N = sizeof(names) / sizeof(names[0]) };
	uint8_t buf[256];
	size_t pos = 0, total = 0;
	struct p9_dirent d, got;
	int n;

	for (int i = 0; i < N; i++) {
		d = (struct p9_dirent){ .qid = { (uint8_t)i, (uint32_t)i, 100 + (uint64_t)i },
					.offset = 1000 + (uint64_t)i,
					.type = (uint8_t)i,
					.name = p9_str_c(names[i]) };
		ck_assert_int_eq(p9_dirent_put(buf, sizeof(buf), &pos, &d), 0);
		total += p9_dirent_size(strlen(names[i]));
		ck_assert_uint_eq(pos, total);
	}
	pos = 0;
	for (n = 0; (p9_dirent_next(buf, total, &pos, &got)) == 1; n++) {
		ck_assert(p9_str_eq(got.name, names[n]));
		ck_assert_uint_eq(got.offset, 1000 + (uint64_t)n);
		ck_assert_uint_eq(got.qid.path, 100 + (uint64_t)n);
		ck_assert_uint_eq(got.type, n);
	}
	ck_assert_int_eq(n, N);
	ck_assert_uint_eq(pos, total);
}
END_TEST

START_TEST(t_dirent_no_room)
{
	struct p9_dirent d = { .qid = QID_A, .offset = 9, .type = 8, .name = S("file") };
	size_t need = p9_dirent_size(4);
	uint8_t buf[100];
	size_t pos;

	memset(buf, 0xa5, sizeof(buf));
	/* Exactly one entry fits; the second does not and nothing is written. */
	pos = 0;
	ck_assert_int_eq(p9_dirent_put(buf, need * 2 - 1, &pos, &d), 0);
	ck_assert_uint_eq(pos, need);
	ck_assert_int_eq(p9_dirent_put(buf, need * 2 - 1, &pos, &d), -1);
	ck_assert_uint_eq(pos, need);
	for (size_t i = need; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xa5);
	/* Exact fit, zero capacity, position beyond capacity. */
	pos = 0;
	ck_assert_int_eq(p9_dirent_put(buf, need, &pos, &d), 0);
	pos = 0;
	ck_assert_int_eq(p9_dirent_put(buf, 0, &pos, &d), -1);
	pos = 50;
	ck_assert_int_eq(p9_dirent_put(buf, 40, &pos, &d), -1);
	ck_assert_uint_eq(pos, 50);
	/* Invalid names are refused too. */
	pos = 0;
	d.name = (struct p9_str){ "a\0", 2 };
	ck_assert_int_eq(p9_dirent_put(buf, sizeof(buf), &pos, &d), -1);
	d.name = (struct p9_str){ NULL, 1 };
	ck_assert_int_eq(p9_dirent_put(buf, sizeof(buf), &pos, &d), -1);
	ck_assert_uint_eq(pos, 0);
}
END_TEST

START_TEST(t_dirent_malformed)
{
	/* Name length 2 with one byte present. */
	static const uint8_t longname[] = {
		QID_A_BYTES, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x02, 0x00, 'x',
	};
	static const uint8_t nul[] = {
		QID_A_BYTES, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x02, 0x00, 'x', '\0',
	};
	/* A good entry followed by a cut-off one. */
	static const uint8_t second_cut[] = { DIRENT_DOT_BYTES, QID_A_BYTES, 0x01 };
	struct p9_dirent d;
	size_t pos;

	for (size_t n = 1; n < sizeof(dirent_dot); n++) {
		uint8_t *p = dup_bytes(dirent_dot, n);
		int rc;

		pos = 0;
		rc = p9_dirent_next(p, n, &pos, &d);
		ck_assert_msg(rc == (n < 24 ? -P9_E_SHORT : -P9_E_STRLEN), "cut to %zu: %d", n, rc);
		ck_assert_uint_eq(pos, 0);
		free(p);
	}
	pos = 0;
	ck_assert_int_eq(p9_dirent_next(B(longname), &pos, &d), -P9_E_STRLEN);
	pos = 0;
	ck_assert_int_eq(p9_dirent_next(B(nul), &pos, &d), -P9_E_STRNUL);
	pos = 0;
	ck_assert_int_eq(p9_dirent_next(B(second_cut), &pos, &d), 1);
	ck_assert_int_eq(p9_dirent_next(B(second_cut), &pos, &d), -P9_E_SHORT);
	ck_assert_uint_eq(pos, sizeof(dirent_dot));
	pos = sizeof(second_cut) + 1;
	ck_assert_int_eq(p9_dirent_next(B(second_cut), &pos, &d), -P9_E_SHORT);
	pos = 0;
	ck_assert_int_eq(p9_dirent_next(dirent_dot, 0, &pos, &d), 0);
}
END_TEST

static Suite *codec_suite(void)
{
	Suite *s = suite_create("p9_codec");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_loop_test(tc, t_vec_encode_exact, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_decode, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_roundtrip, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_truncated_raw, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_truncated_patched, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_trailing, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_msize, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_nospace, 0, NVECS);
	tcase_add_loop_test(tc, t_vec_mutated, 0, NVECS);
	suite_add_tcase(s, tc);

	tc = tcase_create("types");
	tcase_add_test(tc, t_type_names);
	tcase_add_test(tc, t_vectors_cover_all_types);
	tcase_add_test(tc, t_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, t_bad_short_header);
	tcase_add_test(tc, t_bad_short_field);
	tcase_add_test(tc, t_bad_size);
	tcase_add_test(tc, t_bad_msize);
	tcase_add_test(tc, t_bad_strlen);
	tcase_add_test(tc, t_bad_strnul);
	tcase_add_test(tc, t_bad_nwname);
	tcase_add_test(tc, t_bad_count);
	tcase_add_test(tc, t_bad_type);
	tcase_add_test(tc, t_bad_trailing);
	suite_add_tcase(s, tc);

	tc = tcase_create("encoder");
	tcase_add_test(tc, t_enc_inval);
	tcase_add_test(tc, t_roundtrip_limits);
	tcase_add_test(tc, t_iohdr);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, t_frame_size);
	tcase_add_test(tc, t_str_helpers);
	tcase_add_test(tc, t_dirent_exact);
	tcase_add_test(tc, t_dirent_fill);
	tcase_add_test(tc, t_dirent_no_room);
	tcase_add_test(tc, t_dirent_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
