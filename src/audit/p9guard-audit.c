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
 * so a small parser of exactly that shape does (common/jsonl.c, beside
 * the writer the helper uses); a line that is not such an
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

#include "common/jsonl.h"

#define MAX_OPS 128

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

/* ---- matching ---- */

static bool path_matches(const struct query *q, const struct jsonl_field *f)
{
	if (!f || !f->is_str)
		return false;
	if (f->len == q->arglen && memcmp(f->val, q->arg, q->arglen) == 0)
		return true;
	if (!q->beneath || f->len <= q->arglen || memcmp(f->val, q->arg, q->arglen) != 0)
		return false;
	return q->arg[q->arglen - 1] == '/' || f->val[q->arglen] == '/';
}

static bool in_time(const struct query *q, const struct jsonl_record *r)
{
	const struct jsonl_field *t = jsonl_get(r, "time");

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

static bool matches(const struct query *q, const struct jsonl_record *r)
{
	const struct jsonl_field *f;

	switch (q->cmd) {
	case CMD_PATH:
		return path_matches(q, jsonl_get(r, "path")) || path_matches(q, jsonl_get(r, "newpath"));
	case CMD_UID:
		f = jsonl_get(r, "uid");
		return f && !f->is_str && strcmp(f->val, q->arg) == 0;
	case CMD_SESSION:
		f = jsonl_get(r, "session");
		return f && !f->is_str && strcmp(f->val, q->arg) == 0;
	case CMD_FAILURES:
		f = jsonl_get(r, "result");
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

static void print_readable(const struct jsonl_record *r)
{
	static const char *const lead[] = { "time", "session", "op", "path", "newpath",
					     "result" };
	const struct jsonl_field *f;

	f = jsonl_get(r, "time");
	printf("%s", f ? f->val : "-");
	f = jsonl_get(r, "session");
	printf(" session=%s", f ? f->val : "-");
	f = jsonl_get(r, "op");
	printf(" %s", f ? f->val : "?");
	if ((f = jsonl_get(r, "path"))) {
		putchar(' ');
		print_bytes(f->val, f->len);
	}
	if ((f = jsonl_get(r, "newpath"))) {
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
	f = jsonl_get(r, "result");
	printf(" %s\n", f ? f->val : "?");
}

static void count_op(const struct jsonl_record *r)
{
	const struct jsonl_field *op = jsonl_get(r, "op"), *res = jsonl_get(r, "result");
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
	struct jsonl_record r = { .store = NULL };
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
		if (!jsonl_parse(line, &r)) {
			nbad++;
			fprintf(stderr, "p9guard-audit: %s:%lu: not an audit record; skipped\n",
				name, lineno);
			continue;
		}
		jsonl_apply_hex(&r);
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
