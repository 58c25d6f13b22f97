/*
 * helper_audit.c - the audit hook.
 *
 * helper_dispatch() calls helper_audit_op() exactly once per request, after
 * the handler, with the request, the reply (result) and the table flags.
 * The audit trail proper (JSON lines, syslog; DESIGN section 7) is a later
 * issue and plugs in here; for now privileged and modifying operations are
 * logged at debug level.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "helper/helper.h"

void helper_audit_op(const struct helper_ctx *c, const char *opname, unsigned int flags)
{
	(void)flags;
	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	log_debug("op=%s req=%u uid=%u gid=%u result=%s", opname, c->req->reqid, c->req->uid,
		  c->req->gid, c->rep->error ? strerror((int)c->rep->error) : "ok");
}
