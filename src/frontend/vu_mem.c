/* vu_mem.c - guest memory shared by a vhost-user front-end (see vu_mem.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "frontend/vu_mem.h"

void vu_mem_clear(struct vu_mem *m)
{
	for (unsigned int i = 0; i < m->n; i++)
		munmap(m->r[i].map, m->r[i].map_len);
	m->n = 0;
}

/*
 * The file behind a region must hold all of it, now and later: a page of
 * the mapping past the file's end, or one the front-end cut off with
 * ftruncate(), would kill us with SIGBUS at the guest's first touch.  So
 * the file must be sealed against shrinking (QEMU's memory-backend-memfd
 * is, by default: seal=on) and long enough.
 */
static int region_file_ok(const struct vu_mem_region_wire *w, int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;

	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		log_warn("vhost-user: guest memory at %#llx is not a memfd sealed against "
			 "shrinking; refused (give QEMU -object memory-backend-memfd,share=on "
			 "with its default seal=on)",
			 (unsigned long long)w->guest_phys_addr);
		return -EPERM;
	}
	if (sandbox_fstat(fd, &st) < 0 || st.st_size < 0 ||
	    (uint64_t)st.st_size < w->mmap_offset + w->memory_size) {
		log_warn("vhost-user: guest memory at %#llx claims %#llx bytes from offset %#llx "
			 "of a file that holds fewer; refused",
			 (unsigned long long)w->guest_phys_addr,
			 (unsigned long long)w->memory_size, (unsigned long long)w->mmap_offset);
		return -EINVAL;
	}
	return 0;
}

/* Map one region; 0 or -errno. */
static int region_map(struct vu_region *r, const struct vu_mem_region_wire *w, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t off = w->mmap_offset, lead, len;
	void *p;
	int rc;

	if (w->memory_size == 0 || w->memory_size > SIZE_MAX / 2 ||
	    w->guest_phys_addr + w->memory_size < w->guest_phys_addr ||
	    w->userspace_addr + w->memory_size < w->userspace_addr ||
	    off + w->memory_size < off) {
		log_warn("vhost-user: a memory region of %#llx bytes at %#llx does not fit",
			 (unsigned long long)w->memory_size,
			 (unsigned long long)w->guest_phys_addr);
		return -EINVAL;
	}
	rc = region_file_ok(w, fd);
	if (rc < 0)
		return rc;
	lead = off % (uint64_t)page;
	len = lead + w->memory_size;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd,
		 (off_t)(off - lead));
	if (p == MAP_FAILED) {
		int err = errno;

		log_warn("vhost-user: cannot map guest memory (%#llx bytes at %#llx): %s",
			 (unsigned long long)w->memory_size,
			 (unsigned long long)w->guest_phys_addr, strerror(err));
		return -err;
	}
	/* Guest memory in a core dump of ours would be the guest's data. */
	madvise(p, len, MADV_DONTDUMP);
	*r = (struct vu_region){.gpa = w->guest_phys_addr,
				.size = w->memory_size,
				.uva = w->userspace_addr,
				.host = (uint8_t *)p + lead,
				.map = p,
				.map_len = len};
	return 0;
}

int vu_mem_set(struct vu_mem *m, const struct vu_mem_region_wire *w, const int *fds,
	       unsigned int n)
{
	uint64_t total = 0;
	int rc = 0;

	vu_mem_clear(m);
	for (unsigned int i = 0; i < n; i++)
		total += w[i].memory_size < VU_MEM_MAX_BYTES ? w[i].memory_size : VU_MEM_MAX_BYTES;
	if (total > VU_MEM_MAX_BYTES) {
		log_warn("vhost-user: %u memory regions of more than %llu GiB in all refused", n,
			 (unsigned long long)(VU_MEM_MAX_BYTES >> 30));
		rc = -E2BIG;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (rc == 0 && (rc = region_map(&m->r[m->n], &w[i], fds[i])) == 0)
			m->n++;
		close(fds[i]);
	}
	if (rc < 0)
		vu_mem_clear(m);
	return rc;
}

uint8_t *vu_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len, uint64_t *avail)
{
	for (unsigned int i = 0; i < m->n; i++) {
		const struct vu_region *r = &m->r[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			uint64_t off = gpa - r->gpa, left = r->size - off;

			*avail = len < left ? len : left;
			return r->host + off;
		}
	}
	*avail = 0;
	return NULL;
}

void *vu_uva(const struct vu_mem *m, uint64_t uva, uint64_t len)
{
	for (unsigned int i = 0; i < m->n; i++) {
		const struct vu_region *r = &m->r[i];

		if (uva >= r->uva && uva - r->uva < r->size && len <= r->size - (uva - r->uva))
			return r->host + (uva - r->uva);
	}
	return NULL;
}
