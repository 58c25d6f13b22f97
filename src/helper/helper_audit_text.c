/*
 * helper_audit_text.c - the readable one-line form of an audit record, for
 * syslog (p9guard-audit(1), "SYSLOG FORM").
 *
 * helper_audit.c hands every field of a record here as it writes the JSON
 * form, in the same order, so the two forms cannot hold different facts.
 * The line reads as a sentence, who first:
 *
 *   session 3 uid 1000 gid 1000 chown "/d/f" new_uid=1234 -> EPERM at TIME
 *
 * session, then the credentials (uid, gid, guest_uid, guest_gid, moved up
 * here whatever their place in the JSON object), the operation, the path
 * in quotes and `to "newpath"`, every other field as key=value under its
 * JSON name, `-> result`, and `at` the record's UTC time (syslog's own
 * stamp has whole seconds in local time).  A value that names something
 * (path, name, target, xattr, peer, aname, detail) is always in double
 * quotes; any other value only when it holds a byte that is not plain
 * printable ASCII, or is empty.  Inside quotes '"' and '\' get a backslash,
 * valid UTF-8 stays, and every other byte (controls, NUL, invalid UTF-8)
 * is \xNN: a name can never forge a second log line.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonl.h"
#include "helper/helper.h"

/* Keys whose values name files or peers: always quoted. */
static bool names_something(const char *key)
{
	static const char *const keys[] = { "path", "newpath", "name", "target", "xattr",
					    "peer", "aname", "detail" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

static bool is_cred(const char *key)
{
	return !strcmp(key, "uid") || !strcmp(key, "gid") || !strcmp(key, "guest_uid") ||
	       !strcmp(key, "guest_gid");
}

/* Append n bytes, or mark the line truncated (room for the tail is kept). */
static void put(struct audit_text *t, const char *s, size_t n)
{
	if (t->len + n + AUDIT_TEXT_TAIL > t->cap) {
		t->truncated = true;
		return;
	}
	memcpy(t->b + t->len, s, n);
	t->len += n;
}

/* Insert n bytes at the credentials' place (after "session N"). */
static void put_at_ins(struct audit_text *t, const char *s, size_t n)
{
	if (t->len + n + AUDIT_TEXT_TAIL > t->cap) {
		t->truncated = true;
		return;
	}
	memmove(t->b + t->ins + n, t->b + t->ins, t->len - t->ins);
	memcpy(t->b + t->ins, s, n);
	t->len += n;
	t->ins += n;
}

static bool plain(const unsigned char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static void put_quoted(struct audit_text *t, const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v;
	char esc[8];

	put(t, "\"", 1);
	for (size_t i = 0; i < n && !t->truncated;) {
		size_t u = jsonl_utf8_len(s + i, n - i);

		if (u == 1 && s[i] >= 0x20 && s[i] < 0x7f) {
			if (s[i] == '"' || s[i] == '\\')
				put(t, "\\", 1);
			put(t, (const char *)s + i, 1);
		} else if (u > 1) {
			put(t, (const char *)s + i, u);
			i += u;
			continue;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			put(t, esc, 4);
		}
		i++;
	}
	put(t, "\"", 1);
}

void audit_text_begin(struct audit_text *t, char *buf, size_t cap, const char *time)
{
	t->b = buf;
	t->cap = cap;
	t->len = t->ins = 0;
	t->truncated = false;
	snprintf(t->time, sizeof(t->time), "%s", time);
	t->result[0] = '\0';
}

void audit_text_str(struct audit_text *t, const char *key, const char *v, size_t n)
{
	if (!strcmp(key, "result")) {
		snprintf(t->result, sizeof(t->result), "%.*s", (int)n, v);
		return;
	}
	put(t, " ", 1);
	if (!strcmp(key, "op")) {
		put(t, v, n);	/* an operation name: plain text */
		return;
	}
	if (!strcmp(key, "newpath")) {
		put(t, "to ", 3);
	} else if (strcmp(key, "path") != 0) {
		put(t, key, strlen(key));
		put(t, "=", 1);
	}
	if (names_something(key) || !plain((const unsigned char *)v, n))
		put_quoted(t, v, n);
	else
		put(t, v, n);
}

void audit_text_u64(struct audit_text *t, const char *key, uint64_t v)
{
	char num[64];
	int n;

	if (!strcmp(key, "session")) {	/* first: the credentials go after it */
		n = snprintf(num, sizeof(num), " session %" PRIu64, v);
		put(t, num, (size_t)n);
		t->ins = t->len;
		return;
	}
	if (is_cred(key)) {
		n = snprintf(num, sizeof(num), " %s %" PRIu64, key, v);
		put_at_ins(t, num, (size_t)n);
		return;
	}
	n = snprintf(num, sizeof(num), " %s=%" PRIu64, key, v);
	put(t, num, (size_t)n);
}

size_t audit_text_end(struct audit_text *t)
{
	int n;

	/* AUDIT_TEXT_TAIL bytes are always free for this. */
	n = snprintf(t->b + t->len, t->cap - t->len, "%s -> %s at %s",
		     t->truncated ? " truncated" : "", t->result[0] ? t->result : "?", t->time);
	if (n > 0)
		t->len = (size_t)n < t->cap - t->len ? t->len + (size_t)n : t->cap - 1;
	/* Every piece began with a space: drop the first. */
	if (t->len && t->b[0] == ' ') {
		memmove(t->b, t->b + 1, t->len);
		t->len--;
	}
	return t->len;
}
