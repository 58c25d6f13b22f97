/* keyhash.c - SipHash-2-4 (see keyhash.h). */
#include "config.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/keyhash.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

/* Two compression rounds per 8-byte word m. */
static void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t keyhash(const struct keyhash_key *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct sip s = {
		.v0 = k->k0 ^ 0x736f6d6570736575ULL,
		.v1 = k->k1 ^ 0x646f72616e646f6dULL,
		.v2 = k->k0 ^ 0x6c7967656e657261ULL,
		.v3 = k->k1 ^ 0x7465646279746573ULL,
	};
	size_t left = len;
	uint64_t last;

	for (; left >= 8; p += 8, left -= 8)
		sip_word(&s, load64_le(p));
	/* The final word: the remaining bytes, the length's low byte on top. */
	last = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	sip_word(&s, last);
	/* Four finalization rounds. */
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t keyhash_u32(const struct keyhash_key *k, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	return keyhash(k, b, sizeof(b));
}

void keyhash_key_init(struct keyhash_key *k)
{
	uint64_t r[2];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom((uint8_t *)r + got, sizeof(r) - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof(r)) {
		/* No entropy (getrandom() refused): a key a client can only
		 * guess at, still far from a fixed one. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
		r[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(uintptr_t)k;
	}
	k->k0 = r[0];
	k->k1 = r[1];
}
