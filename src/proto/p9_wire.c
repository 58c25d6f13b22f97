/* p9_wire.c - little-endian cursors with a sticky error flag (see p9_wire.h). */
#include "config.h"

#include <string.h>

#include "p9_wire.h"

/*
 * Returns where `n` readable bytes start and advances past them, or NULL
 * (setting the sticky flag) if they are not all there.  Once the flag is set
 * nothing more is read, so a cut-off field never yields a partial value.
 */
static const uint8_t *rd_take(struct wire_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > wire_rd_left(r)) {
		r->err = 1;
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

uint8_t wire_get8(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 1);

	return p ? p[0] : 0;
}

uint16_t wire_get16(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 2);

	return p ? wire_load16(p) : 0;
}

uint32_t wire_get32(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 4);

	return p ? wire_load32(p) : 0;
}

uint64_t wire_get64(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 8);

	if (!p)
		return 0;
	return (uint64_t)wire_load32(p) | (uint64_t)wire_load32(p + 4) << 32;
}

const void *wire_getn(struct wire_rd *r, size_t n)
{
	return rd_take(r, n);
}

void *wire_reserve(struct wire_wr *w, size_t n)
{
	uint8_t *p;

	/* len never exceeds cap, so cap - len cannot wrap. */
	if (w->err || n > w->cap - w->len) {
		w->err = 1;
		return NULL;
	}
	p = w->base + w->len;
	w->len += n;
	return p;
}

void wire_put8(struct wire_wr *w, uint8_t v)
{
	uint8_t *p = wire_reserve(w, 1);

	if (p)
		p[0] = v;
}

void wire_put16(struct wire_wr *w, uint16_t v)
{
	uint8_t *p = wire_reserve(w, 2);

	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void wire_put32(struct wire_wr *w, uint32_t v)
{
	uint8_t *p = wire_reserve(w, 4);

	if (p)
		wire_store32(p, v);
}

void wire_put64(struct wire_wr *w, uint64_t v)
{
	uint8_t *p = wire_reserve(w, 8);

	if (p) {
		wire_store32(p, (uint32_t)v);
		wire_store32(p + 4, (uint32_t)(v >> 32));
	}
}

void wire_putn(struct wire_wr *w, const void *src, size_t n)
{
	uint8_t *p = wire_reserve(w, n);

	/* n == 0 may come with src == NULL, which memcpy does not allow. */
	if (p && n)
		memcpy(p, src, n);
}

void wire_store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t wire_load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint16_t wire_load16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
