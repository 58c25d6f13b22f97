/*
 * hostile_frontend.h - the helper driver of hostile_frontend.c, shared with
 * the cases in hostile_frontend_review.c (what the independent review of
 * the helper found).
 */
#ifndef P9G_HOSTILE_FRONTEND_H
#define P9G_HOSTILE_FRONTEND_H

#include <stdbool.h>
#include <sys/types.h>

#include "hp_codec.h"

struct drv {
	int sock;
	pid_t pid;
	uint32_t reqid;
	char log[600];
	uint32_t root; /* root handle after drv_session() */
	struct p9_qid rootq;
	uint8_t rbuf[HP_MAX_MSG];
};

#define DRV_MAX_EXTRA 8
extern const char *helper_path, *top;
extern char export_dir[512], outside_dir[512];
/* More helper options for the next drv_start() (NULL-terminated). */
extern const char *drv_extra_args[DRV_MAX_EXTRA + 1];

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void drv_start(struct drv *d);
/* Close our end, reap the helper: its exit status, -1 if killed by a signal. */
int drv_stop(struct drv *d);
bool drv_session(struct drv *d); /* start, hello, attach as uid 0 */
bool log_has(const struct drv *d, const char *text);
/* The reply's errno (0: success, reply in *rep); -1 after fail(). */
int call(struct drv *d, struct hp_req *q, struct hp_rep *rep, int *fd);
struct hp_req mkreq(uint16_t op, uint32_t uid);
struct p9_str S(const char *s);
int walk1(struct drv *d, uint32_t from, const char *name, uint32_t *h);

/* hostile_frontend_review.c */
void case_idmap_one_sided(void);
void case_idmap_create_gid(void);
void case_trusted_xattrs_root_only(void);
void case_handle_share_per_session(void);

#endif
