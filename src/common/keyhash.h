/*
 * keyhash.h - SipHash-2-4, a keyed hash for tables whose keys a peer picks.
 *
 * A table indexed by an unkeyed hash of client-chosen keys (fid numbers,
 * file names) lets the client put every key in one bucket and turn each
 * lookup into a scan.  With a secret random key per table the client
 * cannot know which keys collide.  SipHash-2-4 as specified by Aumasson
 * and Bernstein ("SipHash: a fast short-input PRF", 2012).
 */
#ifndef P9G_KEYHASH_H
#define P9G_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

struct keyhash_key {
	uint64_t k0, k1;
};

/* A fresh random key (getrandom(); a clock-based one if that fails). */
void keyhash_key_init(struct keyhash_key *k);
uint64_t keyhash(const struct keyhash_key *k, const void *data, size_t len);
/* keyhash() of a 32-bit value (its 4 little-endian bytes). */
uint64_t keyhash_u32(const struct keyhash_key *k, uint32_t v);

#endif
