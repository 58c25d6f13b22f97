/*
 * p9guard-audit - answer questions from p9guard's audit trail.
 *
 *   p9guard-audit [OPTION]... COMMAND [ARG] [FILE]...
 *
 * Reads the JSON-lines records p9guard-helper writes (FILEs in order, or
 * standard input) and prints the history of a path, what a uid did, the
 * failures, or a summary by operation.  See p9guard-audit(1).
 *
 * The records are flat objects (string, number and boolean values only),
 * so a small parser of exactly that shape does; a line that is not such an
 * object is reported on standard error and skipped.  String values are
 * decoded to bytes.  A name that is not valid UTF-8 comes with KEY_hex, its
 * every byte in hex, which then stands for KEY's value.  (Trails of earlier
 * versions wrote such bytes as \u0080-\u00ff, which are still read as one
 * byte each.)
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 32
#define MAX_OPS 128

struct field {
	const char *key;
	char *val;		/* decoded bytes, NUL-terminated */
	size_t len;
	bool is_str;
};

struct record {
	struct field f[MAX_FIELDS];
	int n;
	char *store;		/* decoded keys and values */
};

enum cmd { CMD_PATH, CMD_UID, CMD_FAILURES, CMD_SUMMARY, CMD_SESSION, CMD_SHOW };

struct query {
	enum cmd cmd;
	const char *arg;	/* path, uid or session as text */
	size_t arglen;
	bool beneath;		/* path -r: the path and everything below it */
	const char *since, *until;
	bool json;
};

struct op_count {
	char name[64];
	unsigned long ok, failed;
};

static struct op_count ops[MAX_OPS];
static int nops;
static unsigned long nbad, nmatch;

static const char usage_text[] =
	"Usage: p9guard-audit [OPTION]... COMMAND [ARG] [FILE]...\n"
	"Answer questions from the audit trail of p9guard (JSON lines; read from\n"
	"the FILEs in order, or standard input).\n"
	"\n"
	"Commands:\n"
	"  path PATH      the history of an export-relative path (as path or newpath)\n"
	"  uid UID        everything done with that uid\n"
	"  session N      everything of one client session\n"
	"  failures       every operation that did not succeed (result other than ok)\n"
	"  summary        counts by operation: succeeded, failed\n"
	"  show           every record\n"
	"\n"
	"Options:\n"
	"  -r, --beneath      path: also everything below PATH\n"
	"  --since TIME       only records at or after TIME (RFC 3339, UTC, any prefix:\n"
	"                     2026-11-21, 2026-11-21T20:15, ...)\n"
	"  --until TIME       only records up to TIME (inclusive at its precision)\n"
	"  --json             print the matching records as they are (JSON lines)\n"
	"  --help             show this help and exit\n"
	"\n"
	"Exit status: 0 when something matched (summary: always), 1 when nothing\n"
	"did, 2 on a usage error or an unreadable file.\n";

/* ---- parsing one line ---- */

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
				*(*o)++ = (char)cp;	/* one byte of a name */
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

/* Parse a flat JSON object; the decoded text goes to r->store (>= len+1). */
static bool parse_record(const char *line, struct record *r)
{
	const char *p = line;
	char *o = r->store;

	r->n = 0;
	skip_ws(&p);
	if (*p++ != '{')
		return false;
	skip_ws(&p);
	if (*p == '}')
		goto end;
	for (;;) {
		struct field *f;

		if (r->n == MAX_FIELDS || *p++ != '"')
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
static void apply_hex(struct record *r)
{
	for (int i = 0; i < r->n; i++) {
		struct field *h = &r->f[i];
		size_t klen = strlen(h->key), n = h->len / 2;

		if (!h->is_str || klen <= 4 || strcmp(h->key + klen - 4, "_hex") || h->len % 2)
			continue;
		for (size_t k = 0; k < n; k++) {
			int hi = hexval(h->val[2 * k]), lo = hexval(h->val[2 * k + 1]);

			if (hi < 0 || lo < 0)
				return;	/* not ours: leave the record as it is */
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

static const struct field *get(const struct record *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

/* ---- matching ---- */

static bool path_matches(const struct query *q, const struct field *f)
{
	if (!f || !f->is_str)
		return false;
	if (f->len == q->arglen && memcmp(f->val, q->arg, q->arglen) == 0)
		return true;
	if (!q->beneath || f->len <= q->arglen || memcmp(f->val, q->arg, q->arglen) != 0)
		return false;
	return q->arg[q->arglen - 1] == '/' || f->val[q->arglen] == '/';
}

static bool in_time(const struct query *q, const struct record *r)
{
	const struct field *t = get(r, "time");

	if (!q->since && !q->until)
		return true;
	if (!t || !t->is_str)
		return false;
	if (q->since && strcmp(t->val, q->since) < 0)
		return false;
	if (q->until && strncmp(t->val, q->until, strlen(q->until)) > 0)
		return false;
	return true;
}

static bool matches(const struct query *q, const struct record *r)
{
	const struct field *f;

	switch (q->cmd) {
	case CMD_PATH:
		return path_matches(q, get(r, "path")) || path_matches(q, get(r, "newpath"));
	case CMD_UID:
		f = get(r, "uid");
		return f && !f->is_str && strcmp(f->val, q->arg) == 0;
	case CMD_SESSION:
		f = get(r, "session");
		return f && !f->is_str && strcmp(f->val, q->arg) == 0;
	case CMD_FAILURES:
		f = get(r, "result");
		return f && f->is_str && strcmp(f->val, "ok") != 0;
	case CMD_SUMMARY:
	case CMD_SHOW:
		return true;
	}
	return false;
}

/* ---- output ---- */

/* A value for a terminal: printable bytes as they are, others as \xNN. */
static void print_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 0x20 && ch < 0x7f && ch != '\\') || ch >= 0x80)
			putchar(ch);
		else if (ch == '\\')
			fputs("\\\\", stdout);
		else
			printf("\\x%02x", ch);
	}
}

static void print_readable(const struct record *r)
{
	static const char *const lead[] = { "time", "session", "op", "path", "newpath",
					     "result" };
	const struct field *f;

	f = get(r, "time");
	printf("%s", f ? f->val : "-");
	f = get(r, "session");
	printf(" session=%s", f ? f->val : "-");
	f = get(r, "op");
	printf(" %s", f ? f->val : "?");
	if ((f = get(r, "path"))) {
		putchar(' ');
		print_bytes(f->val, f->len);
	}
	if ((f = get(r, "newpath"))) {
		fputs(" -> ", stdout);
		print_bytes(f->val, f->len);
	}
	for (int i = 0; i < r->n; i++) {
		bool skip = false;

		for (size_t k = 0; k < sizeof(lead) / sizeof(lead[0]); k++)
			skip |= strcmp(r->f[i].key, lead[k]) == 0;
		if (skip)
			continue;
		printf(" %s=", r->f[i].key);
		print_bytes(r->f[i].val, r->f[i].len);
	}
	f = get(r, "result");
	printf(" %s\n", f ? f->val : "?");
}

static void count_op(const struct record *r)
{
	const struct field *op = get(r, "op"), *res = get(r, "result");
	const char *name = op ? op->val : "?";
	int i;

	for (i = 0; i < nops; i++)
		if (strcmp(ops[i].name, name) == 0)
			break;
	if (i == nops) {
		if (nops == MAX_OPS)
			return;
		snprintf(ops[nops++].name, sizeof(ops[0].name), "%s", name);
	}
	if (res && strcmp(res->val, "ok") == 0)
		ops[i].ok++;
	else
		ops[i].failed++;
}

static int cmp_op(const void *a, const void *b)
{
	return strcmp(((const struct op_count *)a)->name, ((const struct op_count *)b)->name);
}

static void print_summary(void)
{
	unsigned long tok = 0, tfail = 0;

	qsort(ops, (size_t)nops, sizeof(ops[0]), cmp_op);
	printf("%-24s %10s %10s\n", "operation", "ok", "failed");
	for (int i = 0; i < nops; i++) {
		printf("%-24s %10lu %10lu\n", ops[i].name, ops[i].ok, ops[i].failed);
		tok += ops[i].ok;
		tfail += ops[i].failed;
	}
	printf("%-24s %10lu %10lu\n", "total", tok, tfail);
}

static int scan(FILE *in, const char *name, const struct query *q)
{
	char *line = NULL;
	size_t cap = 0, storecap = 0;
	struct record r = { .store = NULL };
	unsigned long lineno = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, in)) > 0) {
		lineno++;
		if ((size_t)len + 1 > storecap) {
			free(r.store);
			storecap = (size_t)len + 1;
			r.store = malloc(storecap);
			if (!r.store) {
				fprintf(stderr, "p9guard-audit: out of memory\n");
				exit(2);
			}
		}
		if (len == 1 && line[0] == '\n')
			continue;
		if (!parse_record(line, &r)) {
			nbad++;
			fprintf(stderr, "p9guard-audit: %s:%lu: not an audit record; skipped\n",
				name, lineno);
			continue;
		}
		apply_hex(&r);
		if (!in_time(q, &r) || !matches(q, &r))
			continue;
		nmatch++;
		if (q->cmd == CMD_SUMMARY)
			count_op(&r);
		else if (q->json)
			printf("%s%s", line, line[len - 1] == '\n' ? "" : "\n");
		else
			print_readable(&r);
	}
	free(line);
	free(r.store);
	if (ferror(in)) {
		fprintf(stderr, "p9guard-audit: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static bool valid_time(const char *t)
{
	if (strlen(t) < 4 || strlen(t) > 40)
		return false;
	for (const char *p = t; *p; p++)
		if (!strchr("0123456789-T:.Z", *p))
			return false;
	return true;
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "p9guard-audit: %s%s%s (see --help)\n", msg, arg ? ": " : "",
		arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	enum { OPT_SINCE = 256, OPT_UNTIL, OPT_JSON, OPT_HELP };
	static const struct option longopts[] = {
		{ "beneath", no_argument, NULL, 'r' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct query q = { .cmd = CMD_SHOW };

	/* Options may come anywhere (GNU getopt permutes): "path -r /a". */
	const char *cmd;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "r", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			q.beneath = true;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (!valid_time(optarg))
				return usage_error("not an RFC 3339 time (UTC)", optarg);
			*(c == OPT_SINCE ? &q.since : &q.until) = optarg;
			break;
		case OPT_JSON:
			q.json = true;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("a command is required", NULL);
	cmd = argv[optind++];
	if (!strcmp(cmd, "path") || !strcmp(cmd, "uid") || !strcmp(cmd, "session")) {
		if (optind >= argc)
			return usage_error("the command needs an argument", cmd);
		q.arg = argv[optind++];
		q.arglen = strlen(q.arg);
		if (!strcmp(cmd, "path")) {
			q.cmd = CMD_PATH;
			if (q.arg[0] != '/')
				return usage_error("paths are export-relative and start with /",
						   q.arg);
		} else {
			q.cmd = !strcmp(cmd, "uid") ? CMD_UID : CMD_SESSION;
			if (!q.arg[0] || strspn(q.arg, "0123456789") != q.arglen)
				return usage_error("expected a number", q.arg);
		}
	} else if (!strcmp(cmd, "failures")) {
		q.cmd = CMD_FAILURES;
	} else if (!strcmp(cmd, "summary")) {
		q.cmd = CMD_SUMMARY;
	} else if (!strcmp(cmd, "show")) {
		q.cmd = CMD_SHOW;
	} else {
		return usage_error("unknown command", cmd);
	}
	if (optind >= argc) {
		if (scan(stdin, "(stdin)", &q) < 0)
			rc = 2;
	}
	for (; optind < argc; optind++) {
		const char *name = argv[optind];
		FILE *in = strcmp(name, "-") ? fopen(name, "r") : stdin;

		if (!in) {
			fprintf(stderr, "p9guard-audit: %s: %s\n", name, strerror(errno));
			rc = 2;
			continue;
		}
		if (scan(in, name, &q) < 0)
			rc = 2;
		if (in != stdin)
			fclose(in);
	}
	if (q.cmd == CMD_SUMMARY)
		print_summary();
	if (rc)
		return rc;
	return q.cmd == CMD_SUMMARY || nmatch ? 0 : 1;
}
