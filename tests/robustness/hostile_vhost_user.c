/*
 * hostile_vhost_user.c - a vhost-user front-end of our own against a
 * running p9guard --listen vhost-user:SOCK: first the protocol as QEMU
 * speaks it (a shared memfd, one split ring, real 9P requests in descriptor
 * chains), then what a hostile or broken front-end or guest may send.
 *
 *   hostile_vhost_user SOCK PID TAG
 *
 * HOSTILE_ONLY=WORD runs the cases whose name contains WORD (the AppArmor
 * guest test runs the first ones, a real session under the profiles).
 * After every case p9guard (PID) must be alive and a new device must serve
 * a Tversion and a Tattach.  Prints PASS/FAIL lines, "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "p9_codec.h"

/* vhost-user (QEMU docs/interop/vhost-user.rst) */
enum {
	GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, SET_MEM_TABLE = 5,
	SET_VRING_NUM = 8, SET_VRING_ADDR = 9, SET_VRING_BASE = 10, GET_VRING_BASE = 11,
	SET_VRING_KICK = 12, SET_VRING_CALL = 13, GET_PROTOCOL_FEATURES = 15,
	SET_PROTOCOL_FEATURES = 16, SET_VRING_ENABLE = 18, GET_CONFIG = 24,
};
#define F_MOUNT_TAG (1ull << 0)
#define F_INDIRECT (1ull << 28)
#define F_EVENT_IDX (1ull << 29)
#define F_PROTOCOL (1ull << 30)
#define F_VERSION_1 (1ull << 32)
#define PF_REPLY_ACK (1ull << 3)
#define PF_CONFIG (1ull << 9)
#define NEED_REPLY 0x8u

/* virtio split ring */
#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4
struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

/* Our guest: 4 MiB at guest physical GPA, the ring at the start, then a
 * request slot of 16 KiB (8 KiB out, 8 KiB in) per pair of descriptors. */
#define MEM_SIZE (4u << 20)
#define GPA 0x40000000ull
#define QNUM 64
#define AVAIL_OFF 0x1000
#define USED_OFF 0x2000
#define SLOT_OFF 0x10000
#define SLOT_SIZE 0x4000
#define MSIZE 8192

struct fe {
	int sock, memfd, kick, call;
	uint8_t *mem;
	uint16_t avail_idx, used_seen;
	unsigned int desc_off; /* where the descriptor table is (set_ring()) */
};

static const char *sock_path, *tag;
static pid_t fe_pid;
static int npass, nfail;
static bool case_failed;
static char why[512];

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (case_failed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	case_failed = true;
}

static struct desc *descs(struct fe *f)
{
	return (struct desc *)(f->mem + f->desc_off);
}

static volatile uint16_t *avail16(struct fe *f, unsigned int i) /* 0 flags, 1 idx, 2.. ring */
{
	return (volatile uint16_t *)(f->mem + AVAIL_OFF) + i;
}

static volatile uint16_t *used_idx(struct fe *f)
{
	return (volatile uint16_t *)(f->mem + USED_OFF) + 1;
}

static volatile uint32_t *used_elem(struct fe *f, unsigned int i) /* id, len */
{
	return (volatile uint32_t *)(f->mem + USED_OFF + 4 + 8 * (i % QNUM));
}

static uint64_t gpa(unsigned int off)
{
	return GPA + off;
}

static uint64_t uva(struct fe *f, unsigned int off)
{
	return (uint64_t)(uintptr_t)(f->mem + off);
}

/* ---- the socket ---- */

static int msg_send(struct fe *f, uint32_t req, uint32_t flags, const void *p, uint32_t size,
		    const int *fds, unsigned int nfds)
{
	uint32_t hdr[3] = {req, 0x1 | flags, size};
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)p, size}};
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = size ? 2 : 1};

	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	return sendmsg(f->sock, &mh, MSG_NOSIGNAL) == (ssize_t)(sizeof(hdr) + size) ? 0 : -1;
}

/* A reply's payload into p (up to cap).  Its size, or -1 (closed, timeout). */
static int msg_recv(struct fe *f, void *p, uint32_t cap, int ms)
{
	struct pollfd pfd = {f->sock, POLLIN, 0};
	uint32_t hdr[3];

	if (poll(&pfd, 1, ms) != 1 || recv(f->sock, hdr, sizeof(hdr), MSG_WAITALL) != sizeof(hdr))
		return -1;
	if (hdr[2] > cap || (hdr[2] && recv(f->sock, p, hdr[2], MSG_WAITALL) != (ssize_t)hdr[2]))
		return -1;
	return (int)hdr[2];
}

static int get_u64(struct fe *f, uint32_t req, uint64_t *v)
{
	return msg_send(f, req, 0, NULL, 0, NULL, 0) < 0 || msg_recv(f, v, 8, 5000) != 8 ? -1 : 0;
}

/* A SET_* with REPLY_ACK: 0 when acknowledged with success. */
static int set_msg(struct fe *f, uint32_t req, const void *p, uint32_t size, const int *fds,
		   unsigned int nfds)
{
	uint64_t ack = 1;

	if (msg_send(f, req, NEED_REPLY, p, size, fds, nfds) < 0)
		return -1;
	return msg_recv(f, &ack, 8, 5000) == 8 && ack == 0 ? 0 : -1;
}

static int set_u64(struct fe *f, uint32_t req, uint64_t v)
{
	return set_msg(f, req, &v, 8, NULL, 0);
}

static int set_state(struct fe *f, uint32_t req, uint32_t num)
{
	uint32_t st[2] = {0, num};

	return set_msg(f, req, st, sizeof(st), NULL, 0);
}

/* ---- the device ---- */

static int make_memfd(size_t size, bool seal)
{
	int fd = memfd_create("p9g-hostile-guest", MFD_CLOEXEC | (seal ? MFD_ALLOW_SEALING : 0));

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return -1;
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -1;
	return fd;
}

static void fe_close(struct fe *f)
{
	if (f->sock >= 0)
		close(f->sock);
	if (f->mem)
		munmap(f->mem, MEM_SIZE);
	if (f->memfd >= 0)
		close(f->memfd);
	if (f->kick >= 0)
		close(f->kick);
	if (f->call >= 0)
		close(f->call);
	memset(f, 0, sizeof(*f));
	f->sock = f->memfd = f->kick = f->call = -1;
}

static int fe_connect(struct fe *f)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(f, 0, sizeof(*f));
	f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	f->memfd = make_memfd(MEM_SIZE, true);
	f->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (f->sock < 0 || f->memfd < 0 || f->kick < 0 || f->call < 0 ||
	    connect(f->sock, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return -1;
	f->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
	if (f->mem == MAP_FAILED) {
		f->mem = NULL;
		return -1;
	}
	return 0;
}

/* SET_MEM_TABLE of one region: size bytes of fd at guest physical GPA. */
static int set_mem(struct fe *f, int fd, uint64_t size)
{
	uint64_t m[1 + 4] = {1, GPA, size, uva(f, 0), 0};

	return set_msg(f, SET_MEM_TABLE, m, sizeof(m), &fd, 1);
}

/* The ring at offsets 0 / AVAIL_OFF / USED_OFF, starting at index base. */
static int set_ring(struct fe *f, uint16_t base, uint64_t desc_uva)
{
	uint64_t addr[5];
	uint32_t *a32 = (uint32_t *)addr;

	a32[0] = 0;
	a32[1] = 0;
	addr[1] = desc_uva;
	addr[2] = uva(f, USED_OFF);
	addr[3] = uva(f, AVAIL_OFF);
	addr[4] = 0;
	f->avail_idx = f->used_seen = base;
	if (desc_uva >= uva(f, 0) && desc_uva < uva(f, MEM_SIZE))
		f->desc_off = (unsigned int)(desc_uva - uva(f, 0));
	*avail16(f, 1) = base;
	*used_idx(f) = base;
	if (set_state(f, SET_VRING_NUM, QNUM) < 0 || set_state(f, SET_VRING_BASE, base) < 0 ||
	    set_msg(f, SET_VRING_ADDR, addr, sizeof(addr), NULL, 0) < 0)
		return -1;
	return set_msg(f, SET_VRING_CALL, (uint64_t[]){0}, 8, &f->call, 1) < 0 ||
			       set_msg(f, SET_VRING_KICK, (uint64_t[]){0}, 8, &f->kick, 1) < 0 ||
			       set_state(f, SET_VRING_ENABLE, 1) < 0
		   ? -1
		   : 0;
}

/* What QEMU does before the guest runs: features, memory, the ring. */
static int fe_setup(struct fe *f)
{
	uint64_t feat = 0, pfeat = 0;

	if (fe_connect(f) < 0) {
		fail("cannot connect to %s: %s", sock_path, strerror(errno));
		return -1;
	}
	if (get_u64(f, GET_FEATURES, &feat) < 0 || get_u64(f, GET_PROTOCOL_FEATURES, &pfeat) < 0) {
		fail("no answer to GET_FEATURES/GET_PROTOCOL_FEATURES");
		return -1;
	}
	if ((feat & (F_MOUNT_TAG | F_VERSION_1 | F_PROTOCOL)) != (F_MOUNT_TAG | F_VERSION_1 | F_PROTOCOL) ||
	    (pfeat & (PF_REPLY_ACK | PF_CONFIG)) != (PF_REPLY_ACK | PF_CONFIG)) {
		fail("features %#llx, protocol features %#llx", (unsigned long long)feat,
		     (unsigned long long)pfeat);
		return -1;
	}
	if (msg_send(f, SET_PROTOCOL_FEATURES, 0, &(uint64_t){PF_REPLY_ACK | PF_CONFIG}, 8, NULL, 0) < 0 ||
	    set_msg(f, SET_OWNER, NULL, 0, NULL, 0) < 0 ||
	    set_u64(f, SET_FEATURES, F_MOUNT_TAG | F_VERSION_1 | F_PROTOCOL | F_EVENT_IDX | F_INDIRECT) < 0 ||
	    set_mem(f, f->memfd, MEM_SIZE) < 0 || set_ring(f, 0, uva(f, 0)) < 0) {
		fail("the device set-up was refused");
		return -1;
	}
	return 0;
}

/* Publish chain `head` and kick. */
static void post(struct fe *f, uint16_t head)
{
	*avail16(f, 2 + f->avail_idx % QNUM) = head;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*avail16(f, 1) = ++f->avail_idx;
	*avail16(f, 2 + QNUM) = f->used_seen; /* used_event: tell us about every reply */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (write(f->kick, &(uint64_t){1}, 8) != 8)
		fail("kick: %s", strerror(errno));
}

/* Wait for the next used entry; its length, or -1 after ms. */
static int wait_used(struct fe *f, int ms, uint16_t *id)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		struct pollfd pfd = {f->call, POLLIN, 0};
		uint64_t n;

		if (*used_idx(f) != f->used_seen) {
			volatile uint32_t *e;

			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			e = used_elem(f, f->used_seen++);
			if (id)
				*id = (uint16_t)e[0];
			return (int)e[1];
		}
		if (poll(&pfd, 1, 20) == 1 && read(f->call, &n, 8) < 0)
			break;
	}
	return -1;
}

/* Chain of slot s: descriptor 2s (out: the request), 2s+1 (in: reply room). */
static void chain_slot(struct fe *f, unsigned int s, uint32_t out_len, uint32_t in_len)
{
	struct desc *d = descs(f);
	unsigned int off = SLOT_OFF + s * SLOT_SIZE;

	d[2 * s] = (struct desc){gpa(off), out_len, D_NEXT, (uint16_t)(2 * s + 1)};
	d[2 * s + 1] = (struct desc){gpa(off + SLOT_SIZE / 2), in_len, D_WRITE, 0};
}

static uint8_t *slot_out(struct fe *f, unsigned int s)
{
	return f->mem + SLOT_OFF + s * SLOT_SIZE;
}

static uint8_t *slot_in(struct fe *f, unsigned int s)
{
	return slot_out(f, s) + SLOT_SIZE / 2;
}

/* Encode m into slot s, post it, decode the reply into *r.  0 or -1. */
static int rpc(struct fe *f, unsigned int s, struct p9_msg *m, struct p9_msg *r)
{
	size_t len = 0;
	int got;

	if (p9_encode(slot_out(f, s), SLOT_SIZE / 2, m, &len) != P9_OK) {
		fail("cannot encode the request");
		return -1;
	}
	chain_slot(f, s, (uint32_t)len, SLOT_SIZE / 2);
	post(f, (uint16_t)(2 * s));
	got = wait_used(f, 5000, NULL);
	if (got < 7 || p9_decode(slot_in(f, s), (size_t)got, MSIZE, r) != P9_OK) {
		fail("no valid reply to a %s (used length %d)", p9_type_name(m->type), got);
		return -1;
	}
	return 0;
}

static int p9_version_attach(struct fe *f, uint32_t fid)
{
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG}, r;

	m.u.tversion.msize = MSIZE;
	m.u.tversion.version = p9_str_c(P9_VERSION_L);
	if (rpc(f, 0, &m, &r) < 0)
		return -1;
	if (r.type != P9_RVERSION || r.u.rversion.msize > MSIZE) {
		fail("Tversion answered with %s", p9_type_name(r.type));
		return -1;
	}
	m = (struct p9_msg){.type = P9_TATTACH, .tag = 1};
	m.u.tattach = (struct p9_tattach){fid, P9_NOFID, p9_str_c("root"), p9_str_c(""), 0};
	if (rpc(f, 1, &m, &r) < 0)
		return -1;
	if (r.type != P9_RATTACH) {
		fail("Tattach of fid %u answered with %s (%u)", fid, p9_type_name(r.type),
		     r.type == P9_RLERROR ? r.u.rlerror.ecode : 0);
		return -1;
	}
	return 0;
}

/* p9guard alive, and a new device serves. */
static void check_serving(void)
{
	struct fe f;

	if (kill(fe_pid, 0) < 0) {
		fail("p9guard (pid %d) is gone", (int)fe_pid);
		return;
	}
	if (fe_setup(&f) == 0)
		p9_version_attach(&f, 0);
	fe_close(&f);
}

/* No reply within ms: the device refused the chain. */
static void expect_no_reply(struct fe *f, int ms, const char *what)
{
	int got = wait_used(f, ms, NULL);

	if (got >= 0)
		fail("%s was answered (used length %d)", what, got);
}

/* A device that stopped on bad input serves again after a reset. */
static void expect_reset_serves(struct fe *f)
{
	uint32_t st[2] = {0, 0};

	if (msg_send(f, GET_VRING_BASE, 0, st, sizeof(st), NULL, 0) < 0 ||
	    msg_recv(f, st, sizeof(st), 5000) != sizeof(st)) {
		fail("no answer to GET_VRING_BASE");
		return;
	}
	memset(f->mem, 0, SLOT_OFF);
	if (set_ring(f, (uint16_t)st[1], uva(f, 0)) < 0) {
		fail("the ring's set-up after the reset was refused");
		return;
	}
	p9_version_attach(f, 0);
}

/* While a device is served: the frontend holds no capability, seccomp on. */
static void check_frontend_confined(void)
{
	char path[64], line[256];
	FILE *st;
	int seen = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)fe_pid);
	st = fopen(path, "r");
	if (!st) {
		fail("cannot read %s", path);
		return;
	}
	while (fgets(line, sizeof(line), st)) {
		if (strncmp(line, "CapEff:", 7) == 0 || strncmp(line, "CapPrm:", 7) == 0) {
			seen++;
			if (strtoull(line + 7, NULL, 16) != 0)
				fail("frontend during a vhost-user session: %s", line);
		} else if (strncmp(line, "Seccomp:", 8) == 0) {
			seen++;
			if (atoi(line + 8) != 2)
				fail("frontend during a vhost-user session: %s", line);
		} else if (strncmp(line, "NoNewPrivs:", 11) == 0) {
			seen++;
			if (atoi(line + 11) != 1)
				fail("frontend during a vhost-user session: %s", line);
		}
	}
	fclose(st);
	if (seen != 4)
		fail("%s: CapEff, CapPrm, Seccomp or NoNewPrivs missing", path);
}

/* ---- the cases ---- */

static void c_basic(struct fe *f)
{
	struct p9_msg m = {.type = P9_TWALK, .tag = 2}, r;
	uint32_t cfg[3 + 10] = {0, 33, 0};
	uint8_t *c = (uint8_t *)&cfg[3];

	if (msg_send(f, GET_CONFIG, 0, cfg, sizeof(cfg), NULL, 0) < 0 ||
	    msg_recv(f, cfg, sizeof(cfg), 5000) < 12 + 2) {
		fail("no answer to GET_CONFIG");
		return;
	}
	if (c[0] + (c[1] << 8) != (int)strlen(tag) || memcmp(c + 2, tag, strlen(tag)) != 0)
		fail("the config space holds tag '%.*s', not '%s'", c[0], (char *)c + 2, tag);
	if (p9_version_attach(f, 0) < 0)
		return;
	check_frontend_confined();
	m.u.twalk.fid = 0;
	m.u.twalk.newfid = 1;
	m.u.twalk.nwname = 1;
	m.u.twalk.wname[0] = p9_str_c("file");
	if (rpc(f, 2, &m, &r) < 0 || r.type != P9_RWALK) {
		fail("Twalk to 'file': %s", p9_type_name(r.type));
		return;
	}
	m = (struct p9_msg){.type = P9_TLOPEN, .tag = 3};
	m.u.tlopen = (struct p9_tlopen){1, 0};
	if (rpc(f, 3, &m, &r) < 0 || r.type != P9_RLOPEN) {
		fail("Tlopen: %s", p9_type_name(r.type));
		return;
	}
	m = (struct p9_msg){.type = P9_TREAD, .tag = 4};
	m.u.tread = (struct p9_tread){1, 0, 100};
	if (rpc(f, 4, &m, &r) < 0)
		return;
	if (r.type != P9_RREAD || r.u.rread.count != 3 || memcmp(r.u.rread.data, "abc", 3) != 0)
		fail("Tread of 'file' did not return 'abc'");
}

/* The same request through an indirect table. */
static void c_indirect(struct fe *f)
{
	struct desc *d = descs(f), *table = (struct desc *)(f->mem + SLOT_OFF + 7 * SLOT_SIZE);
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG}, r;
	size_t len = 0;
	int got;

	m.u.tversion.msize = MSIZE;
	m.u.tversion.version = p9_str_c(P9_VERSION_L);
	p9_encode(slot_out(f, 0), SLOT_SIZE / 2, &m, &len);
	table[0] = (struct desc){gpa(SLOT_OFF), (uint32_t)len, D_NEXT, 1};
	table[1] = (struct desc){gpa(SLOT_OFF + SLOT_SIZE / 2), SLOT_SIZE / 2, D_WRITE, 0};
	d[0] = (struct desc){gpa(SLOT_OFF + 7 * SLOT_SIZE), 2 * sizeof(struct desc), D_INDIRECT, 0};
	post(f, 0);
	got = wait_used(f, 5000, NULL);
	if (got < 7 || p9_decode(slot_in(f, 0), (size_t)got, MSIZE, &r) != P9_OK ||
	    r.type != P9_RVERSION)
		fail("Tversion through an indirect table: used length %d", got);
}

/*
 * A 6000-byte Twrite whose header and data lie in three buffers (p9guard
 * writes the data from guest memory as it is), then a Tread whose reply room
 * is three buffers (it reads straight into them): the bytes come back.
 */
static void c_write_read_scattered(struct fe *f)
{
	static uint8_t frame[23 + 6000], data[6000];
	struct desc *d = descs(f);
	struct p9_msg m = {.type = P9_TWALK, .tag = 2}, r;
	size_t len = 0;
	unsigned int a = SLOT_OFF + 4 * SLOT_SIZE, b = SLOT_OFF + 5 * SLOT_SIZE,
		     c = SLOT_OFF + 6 * SLOT_SIZE;
	int got;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	if (p9_version_attach(f, 0) < 0)
		return;
	m.u.twalk = (struct p9_twalk){.fid = 0, .newfid = 1, .nwname = 0};
	if (rpc(f, 2, &m, &r) < 0 || r.type != P9_RWALK)
		return fail("Twalk clone: %s", p9_type_name(r.type));
	m = (struct p9_msg){.type = P9_TLCREATE, .tag = 3};
	m.u.tlcreate = (struct p9_tlcreate){1, p9_str_c("vu-scattered"), 02 | 0100 | 01000, 0644, 0};
	if (rpc(f, 3, &m, &r) < 0 || r.type != P9_RLCREATE)
		return fail("Tlcreate: %s (%u)", p9_type_name(r.type),
			    r.type == P9_RLERROR ? r.u.rlerror.ecode : 0);
	m = (struct p9_msg){.type = P9_TWRITE, .tag = 4};
	m.u.twrite = (struct p9_twrite){1, 0, sizeof(data), data};
	if (p9_encode(frame, sizeof(frame), &m, &len) != P9_OK || len != sizeof(frame))
		return fail("cannot encode the Twrite");
	memcpy(f->mem + a, frame, 23);
	memcpy(f->mem + b, frame + 23, 1000);
	memcpy(f->mem + c, frame + 23 + 1000, 5000);
	d[0] = (struct desc){gpa(a), 23, D_NEXT, 1};
	d[1] = (struct desc){gpa(b), 1000, D_NEXT, 2};
	d[2] = (struct desc){gpa(c), 5000, D_NEXT, 3};
	d[3] = (struct desc){gpa(a + SLOT_SIZE / 2), 64, D_WRITE, 0};
	post(f, 0);
	got = wait_used(f, 5000, NULL);
	if (got < 7 || p9_decode(f->mem + a + SLOT_SIZE / 2, (size_t)got, MSIZE, &r) != P9_OK ||
	    r.type != P9_RWRITE || r.u.rwrite.count != sizeof(data))
		return fail("the scattered Twrite: used length %d, %s", got, p9_type_name(r.type));
	m = (struct p9_msg){.type = P9_TREAD, .tag = 5};
	m.u.tread = (struct p9_tread){1, 0, sizeof(data)};
	p9_encode(f->mem + a, SLOT_SIZE / 2, &m, &len);
	memset(f->mem + b, 0, SLOT_SIZE * 2);
	d[0] = (struct desc){gpa(a), (uint32_t)len, D_NEXT, 1};
	d[1] = (struct desc){gpa(b), 100, D_WRITE | D_NEXT, 2};
	d[2] = (struct desc){gpa(b + 4096), 3000, D_WRITE | D_NEXT, 3};
	d[3] = (struct desc){gpa(c), 4000, D_WRITE, 0};
	post(f, 0);
	got = wait_used(f, 5000, NULL);
	if (got != 11 + (int)sizeof(data))
		return fail("the scattered Tread: used length %d", got);
	memcpy(frame, f->mem + b, 100);
	memcpy(frame + 100, f->mem + b + 4096, 3000);
	memcpy(frame + 3100, f->mem + c, 11 + sizeof(data) - 3100);
	if (frame[4] != P9_RREAD || memcmp(frame + 11, data, sizeof(data)) != 0)
		fail("the scattered Tread did not return what was written");
}

/* A guest reboot: GET_VRING_BASE forgets the session's fids. */
static void c_reset_forgets_fids(struct fe *f)
{
	if (p9_version_attach(f, 7) < 0)
		return;
	expect_reset_serves(f); /* attaches fid 0 */
	if (!case_failed)
		p9_version_attach(f, 7); /* "fid in use" if the reset had kept it */
}

static void c_desc_loop(struct fe *f)
{
	descs(f)[0] = (struct desc){gpa(SLOT_OFF), 16, D_NEXT, 0};
	post(f, 0);
	expect_no_reply(f, 500, "a chain that loops");
	expect_reset_serves(f);
}

static void c_buf_outside(struct fe *f)
{
	descs(f)[0] = (struct desc){GPA + MEM_SIZE, 64, 0, 0};
	post(f, 0);
	expect_no_reply(f, 500, "a buffer past guest memory");
	expect_reset_serves(f);
}

static void c_buf_straddles(struct fe *f)
{
	descs(f)[0] = (struct desc){GPA + MEM_SIZE - 8, 64, 0, 0};
	post(f, 0);
	expect_no_reply(f, 500, "a buffer across the end of guest memory");
	expect_reset_serves(f);
}

static void c_buf_below(struct fe *f)
{
	descs(f)[0] = (struct desc){GPA - 4096, 64, 0, 0};
	post(f, 0);
	expect_no_reply(f, 500, "a buffer below guest memory");
	expect_reset_serves(f);
}

static void c_head_past_table(struct fe *f)
{
	post(f, QNUM + 5);
	expect_no_reply(f, 500, "a head past the descriptor table");
	expect_reset_serves(f);
}

static void c_avail_jump(struct fe *f)
{
	f->avail_idx += 1000;
	post(f, 0);
	expect_no_reply(f, 500, "an avail index 1000 ahead");
	expect_reset_serves(f);
}

static void c_read_after_write(struct fe *f)
{
	struct desc *d = descs(f);

	d[0] = (struct desc){gpa(SLOT_OFF + SLOT_SIZE / 2), 64, D_WRITE | D_NEXT, 1};
	d[1] = (struct desc){gpa(SLOT_OFF), 64, 0, 0};
	post(f, 0);
	expect_no_reply(f, 500, "a readable buffer after a writable one");
	expect_reset_serves(f);
}

static void c_indirect_nested(struct fe *f)
{
	struct desc *d = descs(f), *table = (struct desc *)(f->mem + SLOT_OFF + 7 * SLOT_SIZE);

	table[0] = (struct desc){gpa(SLOT_OFF + 7 * SLOT_SIZE), 16, D_INDIRECT, 0};
	d[0] = (struct desc){gpa(SLOT_OFF + 7 * SLOT_SIZE), 16, D_INDIRECT, 0};
	post(f, 0);
	expect_no_reply(f, 500, "an indirect table that points at itself");
	expect_reset_serves(f);
}

static void c_indirect_bad_len(struct fe *f)
{
	descs(f)[0] = (struct desc){gpa(SLOT_OFF + 7 * SLOT_SIZE), 17, D_INDIRECT, 0};
	post(f, 0);
	expect_no_reply(f, 500, "an indirect table of 17 bytes");
	expect_reset_serves(f);
}

/* A reply larger than the room the guest gave: nothing written past it. */
static void c_reply_room_small(struct fe *f)
{
	struct p9_msg m = {.type = P9_TVERSION, .tag = P9_NOTAG};
	size_t len = 0;
	uint8_t *in = slot_in(f, 0);
	int got;

	m.u.tversion.msize = MSIZE;
	m.u.tversion.version = p9_str_c(P9_VERSION_L);
	p9_encode(slot_out(f, 0), SLOT_SIZE / 2, &m, &len);
	memset(in, 0xA5, 64);
	chain_slot(f, 0, (uint32_t)len, 4);
	post(f, 0);
	got = wait_used(f, 5000, NULL);
	if (got != 0)
		fail("a 4-byte reply room: used length %d, expected 0", got);
	for (int i = 0; i < 64; i++)
		if (in[i] != 0xA5) {
			fail("byte %d of the reply room was written", i);
			break;
		}
	if (!case_failed)
		p9_version_attach(f, 0); /* the queue still serves */
}

static void c_size_field_lies(struct fe *f)
{
	uint8_t *out = slot_out(f, 0);

	memset(out, 0, 32);
	out[0] = 0x88; /* size 5000 in a 32-byte buffer */
	out[1] = 0x13;
	out[4] = P9_TVERSION;
	chain_slot(f, 0, 32, SLOT_SIZE / 2);
	post(f, 0);
	expect_no_reply(f, 500, "a size field larger than its buffer");
	expect_reset_serves(f);
}

static void c_ring_outside(struct fe *f)
{
	uint32_t st[2] = {0, 0};

	/* stop the ring, then move its descriptor table past guest memory */
	if (msg_send(f, GET_VRING_BASE, 0, st, sizeof(st), NULL, 0) < 0 ||
	    msg_recv(f, st, sizeof(st), 5000) != sizeof(st)) {
		fail("no answer to GET_VRING_BASE");
		return;
	}
	set_ring(f, (uint16_t)st[1], uva(f, 0) + MEM_SIZE - 512);
	chain_slot(f, 0, 16, 16);
	post(f, 0);
	expect_no_reply(f, 500, "a ring outside guest memory");
	expect_reset_serves(f);
}

/* The queue's size changed while it runs (QEMU stops it first): the ring is
 * checked again for the new size, not read past its old end. */
static void c_resize_running(struct fe *f)
{
	uint32_t st[2] = {0, 0};

	/* the table in the last KiB of guest memory: just room for 64 entries */
	if (msg_send(f, GET_VRING_BASE, 0, st, sizeof(st), NULL, 0) < 0 ||
	    msg_recv(f, st, sizeof(st), 5000) != sizeof(st) ||
	    set_ring(f, (uint16_t)st[1], uva(f, MEM_SIZE - QNUM * sizeof(struct desc))) < 0) {
		fail("cannot move the descriptor table");
		return;
	}
	if (p9_version_attach(f, 0) < 0)
		return;
	if (set_state(f, SET_VRING_NUM, 32768) < 0)
		return; /* refused is fine too */
	chain_slot(f, 0, 16, 16);
	post(f, 0);
	wait_used(f, 500, NULL); /* any answer, or none; p9guard must live */
}

/* Several requests in flight at once, answered in any order. */
static void c_many_in_flight(struct fe *f)
{
	bool seen[8] = {false};

	if (p9_version_attach(f, 0) < 0)
		return;
	for (unsigned int s = 0; s < 8; s++) {
		struct p9_msg m = {.type = P9_TGETATTR, .tag = (uint16_t)(10 + s)};
		size_t len = 0;

		m.u.tgetattr = (struct p9_tgetattr){0, 0x7ff};
		p9_encode(slot_out(f, s), SLOT_SIZE / 2, &m, &len);
		chain_slot(f, s, (uint32_t)len, SLOT_SIZE / 2);
	}
	for (unsigned int s = 0; s < 8; s++)
		post(f, (uint16_t)(2 * s));
	for (unsigned int n = 0; n < 8; n++) {
		uint16_t id = 0;
		struct p9_msg r;
		int got = wait_used(f, 5000, &id);

		if (got < 7 || id % 2 || id / 2 >= 8 || seen[id / 2] ||
		    p9_decode(slot_in(f, id / 2), (size_t)got, MSIZE, &r) != P9_OK ||
		    r.type != P9_RGETATTR || r.tag != 10 + id / 2) {
			fail("reply %u of 8: head %u, length %d", n, id, got);
			return;
		}
		seen[id / 2] = true;
	}
}

/* The front-end goes away with requests posted. */
static void c_close_in_flight(struct fe *f)
{
	if (p9_version_attach(f, 0) < 0)
		return;
	for (unsigned int s = 0; s < 8; s++) {
		struct p9_msg m = {.type = P9_TGETATTR, .tag = (uint16_t)(10 + s)};
		size_t len = 0;

		m.u.tgetattr = (struct p9_tgetattr){0, 0x7ff};
		p9_encode(slot_out(f, s), SLOT_SIZE / 2, &m, &len);
		chain_slot(f, s, (uint32_t)len, SLOT_SIZE / 2);
		post(f, (uint16_t)(2 * s));
	}
	fe_close(f);
}

/* A kick "eventfd" that is a pipe, then closed: no spinning on its end. */
static void c_kick_not_eventfd(struct fe *f)
{
	int p[2];
	long ticks = sysconf(_SC_CLK_TCK);
	unsigned long long before, after;
	char path[64];
	FILE *st;

	if (pipe(p) < 0 || set_msg(f, SET_VRING_KICK, (uint64_t[]){0}, 8, &p[0], 1) < 0) {
		fail("SET_VRING_KICK with a pipe was refused");
		return;
	}
	close(p[0]);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)fe_pid);
	usleep(100000);
	for (int round = 0; round < 2; round++) {
		unsigned long long ut = 0, stt = 0;

		st = fopen(path, "r");
		if (!st || fscanf(st, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				  &ut, &stt) != 2) {
			fail("cannot read %s", path);
			if (st)
				fclose(st);
			return;
		}
		fclose(st);
		if (round == 0)
			before = ut + stt;
		else
			after = ut + stt;
		if (round == 0)
			sleep(1);
	}
	if ((long long)(after - before) > ticks / 2)
		fail("p9guard used %llu ticks of CPU in 1 s after the kick pipe closed",
		     after - before);
}

/* ---- front-ends that break the protocol ---- */

static void expect_closed(struct fe *f, const char *what)
{
	char b[64];
	struct pollfd pfd = {f->sock, POLLIN, 0};

	/* A NACK may come first; the end must follow. */
	for (int i = 0; i < 4; i++) {
		if (poll(&pfd, 1, 3000) != 1) {
			fail("%s: the connection stayed open", what);
			return;
		}
		if (recv(f->sock, b, sizeof(b), 0) <= 0)
			return;
	}
	fail("%s: the connection stayed open", what);
}

static void c_unknown_request(struct fe *f)
{
	msg_send(f, 99, 0, NULL, 0, NULL, 0);
	expect_closed(f, "request 99");
}

static void c_huge_size(struct fe *f)
{
	uint32_t hdr[3] = {SET_FEATURES, 1, 1u << 30};

	send(f->sock, hdr, sizeof(hdr), MSG_NOSIGNAL);
	expect_closed(f, "a 1 GiB payload size");
}

static void c_bad_version(struct fe *f)
{
	uint32_t hdr[3] = {GET_FEATURES, 2, 0};

	send(f->sock, hdr, sizeof(hdr), MSG_NOSIGNAL);
	expect_closed(f, "header version 2");
}

static void c_truncated(struct fe *f)
{
	send(f->sock, "\x01\x00", 2, MSG_NOSIGNAL);
	fe_close(f);
}

static void c_config_huge(struct fe *f)
{
	uint32_t cfg[3] = {0, 100000, 0};

	msg_send(f, GET_CONFIG, 0, cfg, sizeof(cfg), NULL, 0);
	expect_closed(f, "GET_CONFIG of 100000 bytes");
}

static void c_mem_unsealed(struct fe *f)
{
	int fd = make_memfd(MEM_SIZE, false);

	if (set_mem(f, fd, MEM_SIZE) == 0)
		fail("guest memory that can shrink was accepted");
	close(fd);
}

static void c_mem_short_file(struct fe *f)
{
	int fd = make_memfd(65536, true);

	if (set_mem(f, fd, MEM_SIZE) == 0)
		fail("a 4 MiB region of a 64 KiB file was accepted");
	close(fd);
}

static void c_mem_no_fd(struct fe *f)
{
	uint64_t m[5] = {1, GPA, MEM_SIZE, uva(f, 0), 0};

	if (set_msg(f, SET_MEM_TABLE, m, sizeof(m), NULL, 0) == 0)
		fail("a memory table without its descriptor was accepted");
}

static void c_features_unoffered(struct fe *f)
{
	if (set_u64(f, SET_FEATURES, 1ull << 34) == 0) /* packed ring: not offered */
		fail("an unoffered feature was accepted");
}

static void c_queue_index(struct fe *f)
{
	uint32_t st[2] = {3, 64};

	if (set_msg(f, SET_VRING_NUM, st, sizeof(st), NULL, 0) == 0)
		fail("queue 3 of a one-queue device was accepted");
}

static void c_queue_size(struct fe *f)
{
	if (set_state(f, SET_VRING_NUM, 100) == 0)
		fail("a queue size of 100 (not a power of 2) was accepted");
}

struct tcase {
	const char *name;
	void (*fn)(struct fe *f);
	bool raw; /* connected only: the case does the protocol itself */
};

static const struct tcase cases[] = {
    {"basic: GET_CONFIG tag, Tversion, Tattach, Twalk, Tlopen, Tread; frontend confined [session]",
     c_basic, false},
    {"indirect descriptor table [session]", c_indirect, false},
    {"Twrite and Tread scattered over several buffers [session]", c_write_read_scattered, false},
    {"GET_VRING_BASE (guest reset) releases the session's fids", c_reset_forgets_fids, false},
    {"several requests in flight", c_many_in_flight, false},
    {"queue size changed while the queue runs", c_resize_running, false},
    {"front-end closes with requests in flight", c_close_in_flight, false},
    {"descriptor chain that loops", c_desc_loop, false},
    {"buffer past guest memory", c_buf_outside, false},
    {"buffer across the end of guest memory", c_buf_straddles, false},
    {"buffer below guest memory", c_buf_below, false},
    {"head past the descriptor table", c_head_past_table, false},
    {"avail index far ahead", c_avail_jump, false},
    {"readable buffer after a writable one", c_read_after_write, false},
    {"nested indirect table", c_indirect_nested, false},
    {"indirect table of a bad length", c_indirect_bad_len, false},
    {"reply room too small", c_reply_room_small, false},
    {"9P size field larger than its buffers", c_size_field_lies, false},
    {"ring outside guest memory", c_ring_outside, false},
    {"kick descriptor that is a pipe, then closed", c_kick_not_eventfd, false},
    {"unknown request", c_unknown_request, true},
    {"payload size of 1 GiB", c_huge_size, true},
    {"header version 2", c_bad_version, true},
    {"truncated header, then close", c_truncated, true},
    {"GET_CONFIG larger than the config space", c_config_huge, true},
    {"guest memory not sealed against shrinking", c_mem_unsealed, true},
    {"region longer than its file", c_mem_short_file, true},
    {"memory table without a descriptor", c_mem_no_fd, true},
    {"features never offered", c_features_unoffered, true},
    {"queue index 3", c_queue_index, true},
    {"queue size not a power of 2", c_queue_size, true},
};

static void run(const struct tcase *t)
{
	struct fe f;

	case_failed = false;
	why[0] = '\0';
	if (t->raw) {
		if (fe_connect(&f) < 0)
			fail("cannot connect: %s", strerror(errno));
		else
			t->fn(&f);
	} else if (fe_setup(&f) == 0) {
		t->fn(&f);
	}
	fe_close(&f);
	if (!case_failed)
		check_serving();
	if (case_failed) {
		printf("FAIL: vhost-user: %s: %s\n", t->name, why);
		nfail++;
	} else {
		printf("PASS: vhost-user: %s\n", t->name);
		npass++;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hostile_vhost_user SOCK PID TAG\n");
		return 2;
	}
	sock_path = argv[1];
	fe_pid = (pid_t)atoi(argv[2]);
	tag = argv[3];
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!getenv("HOSTILE_ONLY") || strstr(cases[i].name, getenv("HOSTILE_ONLY")))
			run(&cases[i]);
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
