/*
 * helper_calls.c - the frontend's call of every helper operation, made from
 * src/proto/hp_ops.def (see helper_client.h): each puts its arguments in a
 * request and hands it to the transport (helper_client.c).
 */
#include "config.h"

#include "frontend/helper_client.h"

#define HP_OP(OP, number, name, shape, rshape, ...)                                                \
	int helper_call_##name(struct helper *h, uint32_t uid, uint32_t gid,                       \
			       const struct hp_##shape *args, struct hp_r_##rshape *rep, int *fd,  \
			       const struct helper_async *async)                                   \
	{                                                                                          \
		struct hp_req req = {.op = HP_##OP, .uid = uid, .gid = gid, .u.shape = *args};     \
		struct hp_rep r;                                                                   \
		int rc = helper_exchange(h, &req, &r, fd, async);                                  \
                                                                                                   \
		if (rc == 0 && rep && !async && !(hp_op_flags(HP_##OP) & HP_F_NOREPLY))            \
			*rep = r.u.rshape;                                                         \
		return rc;                                                                         \
	}
#include "hp_ops.def"

void helper_release(struct helper *h, uint32_t handle)
{
	if (handle == HP_NOHANDLE || helper_handle_undup(h, handle))
		return;
	helper_call_release(h, 0, HP_GID_DEFAULT, &(struct hp_release){handle}, NULL, NULL, NULL);
}
