/*
 * p9_wire.h - little-endian cursors with a sticky error flag.
 *
 * Shared by the 9P2000.L codec and the helper-protocol codec.  A reader
 * never reads past its end: the first short read sets `err` and every later
 * read returns zero.  A writer likewise stops at its capacity.  Callers check
 * the flag once, at the end of a message.
 */
#ifndef P9_WIRE_H
#define P9_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire_rd {
	const uint8_t *p;	/* next byte to read */
	const uint8_t *end;	/* one past the last readable byte */
	int err;		/* sticky: non-zero after the first failure */
};

struct wire_wr {
	uint8_t *base;		/* start of the buffer */
	size_t len;		/* bytes written so far */
	size_t cap;		/* capacity of base */
	int err;		/* sticky: set when a write would overflow */
};

static inline void wire_rd_init(struct wire_rd *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = r->p + len;
	r->err = 0;
}

static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline void wire_wr_init(struct wire_wr *w, void *buf, size_t cap)
{
	w->base = buf;
	w->len = 0;
	w->cap = cap;
	w->err = 0;
}

uint8_t wire_get8(struct wire_rd *r);
uint16_t wire_get16(struct wire_rd *r);
uint32_t wire_get32(struct wire_rd *r);
uint64_t wire_get64(struct wire_rd *r);
/* Returns a pointer to `n` bytes inside the buffer, or NULL (and sets err). */
const void *wire_getn(struct wire_rd *r, size_t n);

void wire_put8(struct wire_wr *w, uint8_t v);
void wire_put16(struct wire_wr *w, uint16_t v);
void wire_put32(struct wire_wr *w, uint32_t v);
void wire_put64(struct wire_wr *w, uint64_t v);
void wire_putn(struct wire_wr *w, const void *src, size_t n);
/* Reserves `n` bytes and returns where they start (NULL on overflow). */
void *wire_reserve(struct wire_wr *w, size_t n);

/* Little-endian stores and loads at a fixed place (used to patch sizes). */
void wire_store32(uint8_t *p, uint32_t v);
uint32_t wire_load32(const uint8_t *p);
uint16_t wire_load16(const uint8_t *p);

#endif
