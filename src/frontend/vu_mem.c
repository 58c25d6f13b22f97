/* vu_mem.c - guest memory shared by a vhost-user front-end (see vu_mem.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "frontend/vu_mem.h"

void vu_mem_clear(struct vu_mem *m)
{
	for (unsigned int i = 0; i < m->n; i++)
		munmap(m->r[i].map, m->r[i].map_len);
	m->n = 0;
}

/* Map one region; 0 or -errno. */
static int region_map(struct vu_region *r, const struct vu_mem_region_wire *w, int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t off = w->mmap_offset, lead, len;
	void *p;

	if (w->memory_size == 0 || w->memory_size > SIZE_MAX / 2 ||
	    w->guest_phys_addr + w->memory_size < w->guest_phys_addr ||
	    w->userspace_addr + w->memory_size < w->userspace_addr ||
	    off + w->memory_size < off) {
		log_warn("vhost-user: a memory region of %#llx bytes at %#llx does not fit",
			 (unsigned long long)w->memory_size,
			 (unsigned long long)w->guest_phys_addr);
		return -EINVAL;
	}
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
	int rc = 0;

	vu_mem_clear(m);
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
