/*
 * jsonl.c - flat JSON records, one per line (see jsonl.h): the writer the
 * helper's audit trail uses and the reader p9guard-audit uses.
 */
#include "config.h"

#include <string.h>

#include "common/jsonl.h"

/* ---- writing ---- */

/* What jsonl_end() may have to add: the mark and the closing brace. */
#define TAIL_MARK ",\"truncated\":true"
#define TAIL_ROOM (sizeof(TAIL_MARK) - 1 + 2)

/* Raw bytes; what does not fit before TAIL_ROOM is dropped, and the field
 * it belongs to is taken back whole by field_end(). */
static void put_raw(struct jsonl_out *j, const char *s, size_t n)
{
	if (j->overflow || n > j->cap - TAIL_ROOM - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->b + j->len, s, n);
	j->len += n;
}

/* A field is done: keep it, or, if it did not fit, remove it all so that
 * the line stays valid JSON, and mark the record cut. */
static void field_end(struct jsonl_out *j, size_t start, bool was_any)
{
	if (!j->overflow)
		return;
	j->overflow = false;
	j->len = start;
	j->any = was_any;
	j->truncated = true;
}

void jsonl_begin(struct jsonl_out *j, char *buf, size_t cap, size_t reserve)
{
	j->b = buf;
	j->cap = cap;
	j->reserve = reserve > TAIL_ROOM ? reserve : TAIL_ROOM;
	j->len = 0;
	j->truncated = false;
	j->overflow = false;
	j->any = false;
	put_raw(j, "{", 1);
}

size_t jsonl_fmt_u64(char *out, uint64_t v, unsigned int base)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % base);
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t jsonl_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* ,"key": (no comma before the first field) */
static void put_key(struct jsonl_out *j, const char *key, const char *suffix)
{
	if (j->any)
		put_raw(j, ",", 1);
	j->any = true;
	put_raw(j, "\"", 1);
	put_raw(j, key, strlen(key));
	put_raw(j, suffix, strlen(suffix));
	put_raw(j, "\":", 2);
}

/* ,"key_hex":"every byte in hex" - for a value that is not valid UTF-8. */
static void put_hex(struct jsonl_out *j, const char *key, const unsigned char *s, size_t n,
		    size_t limit)
{
	static const char digits[] = "0123456789abcdef";
	size_t start = j->len;
	bool was_any = j->any;

	put_key(j, key, "_hex");
	put_raw(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (j->len + 3 >= limit) {
			j->truncated = true;
			break;
		}
		j->b[j->len++] = digits[s[i] >> 4];
		j->b[j->len++] = digits[s[i] & 15];
	}
	put_raw(j, "\"", 1);
	field_end(j, start, was_any);
}

void jsonl_put_str(struct jsonl_out *j, const char *key, const char *v, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)v;
	size_t limit = j->cap - j->reserve, start = j->len;
	bool invalid = false, was_any = j->any;

	put_key(j, key, "");
	put_raw(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t u = jsonl_utf8_len(s + i, n - i);

		if (j->len + 6 >= limit) {
			j->truncated = true;
			break;
		}
		if (u == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] != 0x7f) {
			j->b[j->len++] = (char)s[i];
		} else if (u == 1 && (s[i] == '"' || s[i] == '\\')) {
			j->b[j->len++] = '\\';
			j->b[j->len++] = (char)s[i];
		} else if (u > 1) {
			memcpy(j->b + j->len, s + i, u);
			j->len += u;
			i += u;
			continue;
		} else if (u == 0) {
			/* not UTF-8: U+FFFD here, the byte itself in KEY_hex */
			memcpy(j->b + j->len, "\xef\xbf\xbd", 3);
			j->len += 3;
			invalid = true;
		} else { /* a control: \u00XX */
			memcpy(j->b + j->len, "\\u00", 4);
			j->b[j->len + 4] = digits[s[i] >> 4];
			j->b[j->len + 5] = digits[s[i] & 15];
			j->len += 6;
		}
		i++;
	}
	put_raw(j, "\"", 1);
	field_end(j, start, was_any);
	if (invalid)
		put_hex(j, key, s, n, limit);
}

void jsonl_put_cstr(struct jsonl_out *j, const char *key, const char *v)
{
	jsonl_put_str(j, key, v, strlen(v));
}

void jsonl_put_u64(struct jsonl_out *j, const char *key, uint64_t v)
{
	char num[24];
	size_t start = j->len;
	bool was_any = j->any;

	put_key(j, key, "");
	put_raw(j, num, jsonl_fmt_u64(num, v, 10));
	field_end(j, start, was_any);
}

size_t jsonl_end(struct jsonl_out *j)
{
	/* TAIL_ROOM is always free: put_raw() never fills it. */
	if (j->truncated) {
		size_t skip = j->any ? 0 : 1; /* no comma before a first field */

		memcpy(j->b + j->len, TAIL_MARK + skip, sizeof(TAIL_MARK) - 1 - skip);
		j->len += sizeof(TAIL_MARK) - 1 - skip;
	}
	j->b[j->len++] = '}';
	j->b[j->len++] = '\n';
	return j->len;
}

/* ---- reading ---- */

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(char **o, uint32_t cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xc0 | cp >> 6);
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xe0 | cp >> 12);
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*u++ = (unsigned char)(0xf0 | cp >> 18);
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)u;
}

/* A JSON string at *p (after the quote) decoded into *o; false if malformed. */
static bool parse_string(const char **p, char **o)
{
	const char *s = *p;

	for (;;) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\0' || ch < 0x20)
			return false;
		if (ch == '"')
			break;
		if (ch != '\\') {
			*(*o)++ = (char)ch;
			s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"':
		case '\\':
		case '/':
			*(*o)++ = *s;
			break;
		case 'b':
			*(*o)++ = '\b';
			break;
		case 'f':
			*(*o)++ = '\f';
			break;
		case 'n':
			*(*o)++ = '\n';
			break;
		case 'r':
			*(*o)++ = '\r';
			break;
		case 't':
			*(*o)++ = '\t';
			break;
		case 'u': {
			uint32_t cp = 0;

			for (int i = 1; i <= 4; i++) {
				int h = hexval(s[i]);

				if (h < 0)
					return false;
				cp = cp << 4 | (uint32_t)h;
			}
			s += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && s[1] == '\\' && s[2] == 'u') {
				uint32_t lo = 0;

				for (int i = 3; i <= 6; i++) {
					int h = hexval(s[i]);

					if (h < 0)
						return false;
					lo = lo << 4 | (uint32_t)h;
				}
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
			}
			if (cp <= 0xff)
				*(*o)++ = (char)cp; /* one byte of a name */
			else
				put_utf8(o, cp);
			break;
		}
		default:
			return false;
		}
		s++;
	}
	*p = s + 1;
	return true;
}

bool jsonl_parse(const char *line, struct jsonl_record *r)
{
	const char *p = line;
	char *o = r->store;

	r->n = 0;
	skip_ws(&p);
	if (*p++ != '{')
		return false;
	skip_ws(&p);
	if (*p == '}') {
		p++;
		goto end;
	}
	for (;;) {
		struct jsonl_field *f;

		if (r->n == JSONL_MAX_FIELDS || *p++ != '"')
			return false;
		f = &r->f[r->n++];
		f->key = o;
		if (!parse_string(&p, &o))
			return false;
		*o++ = '\0';
		skip_ws(&p);
		if (*p++ != ':')
			return false;
		skip_ws(&p);
		f->val = o;
		if (*p == '"') {
			p++;
			if (!parse_string(&p, &o))
				return false;
			f->is_str = true;
		} else {
			const char *start = p;

			while (*p && (strchr("-+.eE", *p) || (*p >= '0' && *p <= '9') ||
				      (*p >= 'a' && *p <= 'z')))
				p++;
			if (p == start)
				return false;
			if (!((*start >= '0' && *start <= '9') || *start == '-' ||
			      (p - start == 4 && !strncmp(start, "true", 4)) ||
			      (p - start == 5 && !strncmp(start, "false", 5)) ||
			      (p - start == 4 && !strncmp(start, "null", 4))))
				return false;
			memcpy(o, start, (size_t)(p - start));
			o += p - start;
			f->is_str = false;
		}
		f->len = (size_t)(o - f->val);
		*o++ = '\0';
		skip_ws(&p);
		if (*p == ',') {
			p++;
			skip_ws(&p);
			continue;
		}
		if (*p++ != '}')
			return false;
		break;
	}
end:
	skip_ws(&p);
	return *p == '\0';
}

/* KEY_hex holds KEY's bytes (a name that is not valid UTF-8): use them. */
void jsonl_apply_hex(struct jsonl_record *r)
{
	for (int i = 0; i < r->n; i++) {
		struct jsonl_field *h = &r->f[i];
		size_t klen = strlen(h->key), n = h->len / 2;

		if (!h->is_str || klen <= 4 || strcmp(h->key + klen - 4, "_hex") || h->len % 2)
			continue;
		for (size_t k = 0; k < n; k++) {
			int hi = hexval(h->val[2 * k]), lo = hexval(h->val[2 * k + 1]);

			if (hi < 0 || lo < 0)
				return; /* not ours: leave the record as it is */
			h->val[k] = (char)(hi << 4 | lo);
		}
		h->val[n] = '\0';
		h->len = n;
		for (int b = 0; b < r->n; b++)
			if (r->f[b].is_str && strlen(r->f[b].key) == klen - 4 &&
			    strncmp(r->f[b].key, h->key, klen - 4) == 0) {
				r->f[b].val = h->val;
				r->f[b].len = n;
			}
	}
}

const struct jsonl_field *jsonl_get(const struct jsonl_record *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}
