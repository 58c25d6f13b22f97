/* helper_ops_session.c - a client connected or went away, or the frontend
 * refused one of its requests (all frontend-reported). */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "common/log.h"
#include "helper/helper.h"

int helper_do_session_start(struct helper_ctx *c)
{
	const struct hp_session_start *a = &c->req->u.session_start;
	char peer[HP_MAX_PEER + 1];
	size_t i;

	/* The peer text is the frontend's claim: logged as such, and never
	 * with control characters that could forge log lines. */
	for (i = 0; i < a->peer.len && i < HP_MAX_PEER; i++) {
		unsigned char ch = (unsigned char)a->peer.s[i];

		peer[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	peer[i] = '\0';
	log_info("session %u start: peer \"%s\" (as reported by the frontend)", a->session, peer);
	return 0;
}

int helper_do_session_end(struct helper_ctx *c)
{
	log_info("session %u end", c->req->u.session_end.session);
	return 0;
}

int helper_do_ftruncated(struct helper_ctx *c)
{
	/* Done by the frontend on its descriptor (p9_attr.c); the record is
	 * the point.  Only a regular file can have been truncated. */
	return S_ISREG(c->h[0]->self->type) ? 0 : EBADF;
}

int helper_do_refused(struct helper_ctx *c)
{
	/* Nothing to do but the audit record (helper_audit.c): the request
	 * never reached the export.  The handle, when given, was resolved by
	 * the dispatcher, so the record can name the directory. */
	(void)c;
	return 0;
}
