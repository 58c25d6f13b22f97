/*
 * p9_changes.h - a server-wide count of changes begun and finished: every
 * request that may change what a Tgetattr reports notes its start
 * (p9_dispatch.c) and, before its reply is queued, its end (conn.c).
 * Attributes fetched while the count stayed the same are still what a
 * fresh look would find (except for changes made beside p9guard, to which
 * no 9P server is coherent); p9_attr.c reuses a walk's attributes so.
 */
#ifndef P9G_FE_P9_CHANGES_H
#define P9G_FE_P9_CHANGES_H

#include <stdint.h>

void p9_change_note(void);
uint64_t p9_change_count(void);

#endif
