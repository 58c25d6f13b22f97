/*
 * vu_mem.h - the guest memory a vhost-user front-end shares with us
 * (VHOST_USER_SET_MEM_TABLE): each region's memfd mapped MAP_SHARED, and
 * address translation with bounds.  Every address the guest gives (a
 * descriptor's buffer) or the front-end gives (a ring's location) is
 * translated here, and a range that leaves its region is refused, so a
 * hostile guest reaches nothing but its own memory.
 */
#ifndef P9G_FE_VU_MEM_H
#define P9G_FE_VU_MEM_H

#include <stddef.h>
#include <stdint.h>

/* The most regions the front-end may give (QEMU's baseline, without
 * VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS). */
#define VU_MEM_MAX_REGIONS 8
/* The most guest memory one device may map: address space, not memory (the
 * pages are the guest's), but 64 devices of it must fit in ours. */
#define VU_MEM_MAX_BYTES (1ull << 40)

struct vu_region {
	uint64_t gpa;	   /* guest physical address of its first byte */
	uint64_t size;
	uint64_t uva;	   /* the same byte in the front-end's address space */
	uint8_t *host;	   /* ... and in ours */
	void *map;	   /* what mmap() returned (host - the page offset) */
	size_t map_len;
};

struct vu_mem {
	struct vu_region r[VU_MEM_MAX_REGIONS];
	unsigned int n;
};

/* On the wire: VhostUserMemoryRegion. */
struct vu_mem_region_wire {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

/*
 * Replace *m with the n regions described by w, mapping fds[i] for each
 * (the fds are closed here, mapped or not).  0, or -errno with *m empty
 * and a message logged naming the region.
 */
int vu_mem_set(struct vu_mem *m, const struct vu_mem_region_wire *w, const int *fds,
	       unsigned int n);
void vu_mem_clear(struct vu_mem *m);

/*
 * Our pointer to guest physical address gpa, with *avail set to the bytes
 * that follow it in the same region (at most len); NULL when gpa is in no
 * region.  Callers loop for a range that crosses regions.
 */
uint8_t *vu_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len, uint64_t *avail);
/* Our pointer to len bytes at the front-end's address uva, all in one
 * region; NULL otherwise (rings are never split). */
void *vu_uva(const struct vu_mem *m, uint64_t uva, uint64_t len);

#endif
