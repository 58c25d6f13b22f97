/* helper_ops_session.c - a client connected or went away (frontend-reported). */
#include "config.h"

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
