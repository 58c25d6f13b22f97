/*
 * jsonl.h - flat JSON records, one per line: the audit trail's format.
 *
 * The helper writes records with the jsonl_put_* calls (no printf: a record
 * is built for every change before the client is answered); p9guard-audit
 * reads them back with jsonl_parse().  A record is one object whose values
 * are strings, numbers or booleans; nothing nests.
 *
 * Strings: valid UTF-8 is kept, '"' and '\' escaped, controls as \u00XX.
 * A value with bytes that are not UTF-8 has each such byte written as
 * U+FFFD and is followed by KEY_hex, every byte of the value in hex, so
 * that two different names never read the same; jsonl_apply_hex() puts the
 * bytes back when reading.
 */
#ifndef P9G_JSONL_H
#define P9G_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writing ---- */

struct jsonl_out {
	char *b;
	size_t len, cap;
	size_t reserve; /* a string value stops this far from cap */
	bool truncated; /* something was cut or left out: jsonl_end says so */
	bool overflow;	/* the field being written does not fit */
	bool any;	/* a field is written: the next one needs a comma */
};

/* Start a record in buf (cap bytes, at least 64).  A field that does not
 * fit is left out whole, a string value too long for the room left
 * (less reserve) is cut; either way the record ends "truncated":true and
 * stays valid JSON. */
void jsonl_begin(struct jsonl_out *j, char *buf, size_t cap, size_t reserve);
/* ,"key":"v" (n bytes, escaped; cut and marked when it would not leave
 * reserve bytes for the rest), then KEY_hex when v is not UTF-8. */
void jsonl_put_str(struct jsonl_out *j, const char *key, const char *v, size_t n);
void jsonl_put_cstr(struct jsonl_out *j, const char *key, const char *v);
void jsonl_put_u64(struct jsonl_out *j, const char *key, uint64_t v);
/* "truncated":true when anything was cut, "}\n"; the line's length. */
size_t jsonl_end(struct jsonl_out *j);

/* v in base 8 or 10 into out (at least 23 bytes, not NUL-ended); the length. */
size_t jsonl_fmt_u64(char *out, uint64_t v, unsigned int base);
/* Length of the UTF-8 sequence at s (n bytes left): 1-4, or 0 when the
 * bytes there are not valid UTF-8 (overlong forms and surrogates included). */
size_t jsonl_utf8_len(const unsigned char *s, size_t n);

/* ---- reading ---- */

#define JSONL_MAX_FIELDS 32

struct jsonl_field {
	const char *key;
	char *val; /* decoded bytes, NUL-terminated */
	size_t len;
	bool is_str; /* a string; else the number or literal as written */
};

struct jsonl_record {
	struct jsonl_field f[JSONL_MAX_FIELDS];
	int n;
	char *store; /* where the decoded keys and values go: strlen(line) + 1 bytes */
};

/* Parse one line into r (r->store set by the caller); false when it is
 * not a flat object. */
bool jsonl_parse(const char *line, struct jsonl_record *r);
/* For every KEY_hex field, give KEY the bytes it holds. */
void jsonl_apply_hex(struct jsonl_record *r);
const struct jsonl_field *jsonl_get(const struct jsonl_record *r, const char *key);

#endif
