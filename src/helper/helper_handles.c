/*
 * helper_handles.c - the handle table.
 *
 * Handle ids are slot (low 20 bits) | generation (high bits): a released
 * slot comes back with another generation, so a stale or invented id does
 * not name anything (EBADF).  Only ids this table issued are accepted.
 *
 * Shares (issue 22, finding 4): the table is shared by every connection
 * (the request's session), so each of the --max-sessions connections is
 * guaranteed share = HELPER_MAX_HANDLES / max-sessions handles that no
 * other can take.  A session below its share always gets a handle; one at
 * or above it only borrows slots beyond every other session's unused
 * share (sessions holding nothing count with their whole share), else
 * ENFILE.  So the free slots never drop below the shares still unused.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helper/helper.h"

#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define GEN_MAX 0x7ffu		/* keeps ids away from HP_NOHANDLE */

struct handle_slot {
	struct helper_node *node;	/* NULL when free */
	uint16_t gen;
	uint32_t next_free;
	uint32_t session;		/* whose share it counts against */
};

/* Live handles per session: open addressing, linear probing, deletion by
 * backward shift (no tombstones).  More entries than sessions can hold
 * handles at once (the frontend's --max-connections is at most 4096). */
#define SESS_SLOTS 16384u
struct sess_count {
	uint32_t session;
	uint32_t count;		/* 0: the entry is empty */
};

/* The two big arrays live apart from the initialised struct below so that
 * they land in .bss (zero pages, nothing in the binary: together they are
 * about 24 MiB) rather than in .data. */
static struct handle_slot slot_store[HELPER_MAX_HANDLES];
static struct sess_count sess_store[SESS_SLOTS];

static struct {
	pthread_mutex_t lock;
	struct handle_slot *slot;	/* slot_store */
	uint32_t free_head;	/* HELPER_MAX_HANDLES when none */
	uint32_t used;		/* slots ever handed out (a high-water mark) */
	uint32_t live;		/* handles issued and not released */
	uint32_t share;		/* guaranteed per session */
	uint32_t max_sessions;
	uint32_t holders;	/* sessions holding a handle */
	uint64_t unused;	/* sum of (share - count) over holders below share */
	struct sess_count *sess;	/* sess_store */
} tbl = { .lock = PTHREAD_MUTEX_INITIALIZER, .slot = slot_store, .sess = sess_store,
	  .free_head = HELPER_MAX_HANDLES,
	  .share = HELPER_MAX_HANDLES, .max_sessions = 1 };

_Static_assert(HELPER_MAX_HANDLES <= (1u << SLOT_BITS), "slot must fit its bits");

void handles_init(unsigned int max_sessions)
{
	tbl.free_head = HELPER_MAX_HANDLES;
	tbl.used = 0;
	tbl.live = 0;
	tbl.holders = 0;
	tbl.unused = 0;
	memset(sess_store, 0, sizeof(sess_store));
	tbl.max_sessions = max_sessions ? max_sessions : 1;
	tbl.share = HELPER_MAX_HANDLES / tbl.max_sessions;
	if (tbl.share == 0)
		tbl.share = 1;
}

static uint32_t sess_hash(uint32_t session)
{
	return (session * 2654435761u) % SESS_SLOTS;
}

/* The entry of session, or the empty one where it would go. */
static struct sess_count *sess_find(uint32_t session)
{
	uint32_t i = sess_hash(session);

	while (tbl.sess[i].count && tbl.sess[i].session != session)
		i = (i + 1) % SESS_SLOTS;
	return &tbl.sess[i];
}

/* What a session's count leaves unused of its share (0 when it holds none:
 * those are counted all together by handles_may_add()). */
static uint64_t unused_of(uint32_t count)
{
	return count && count < tbl.share ? tbl.share - count : 0;
}

/* Remove an emptied entry, shifting later ones of its chain back. */
static void sess_delete(struct sess_count *e)
{
	uint32_t hole = (uint32_t)(e - tbl.sess), i = (hole + 1) % SESS_SLOTS;

	e->count = 0;
	while (tbl.sess[i].count) {
		uint32_t home = sess_hash(tbl.sess[i].session);

		/* Move it into the hole unless its home lies in (hole, i]. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			tbl.sess[hole] = tbl.sess[i];
			tbl.sess[i].count = 0;
			hole = i;
		}
		i = (i + 1) % SESS_SLOTS;
	}
}

static void sess_change(struct sess_count *e, uint32_t session, int delta)
{
	uint32_t old = e->count, now = (uint32_t)((int64_t)old + delta);

	tbl.unused += unused_of(now);
	tbl.unused -= unused_of(old);
	if (old == 0) {
		tbl.holders++;
		e->session = session;
	}
	e->count = now;
	if (now == 0) {
		tbl.holders--;
		sess_delete(e);
	}
}

/* With the lock held: may session take one more handle? */
static bool handles_may_add(const struct sess_count *e)
{
	uint64_t reserved = tbl.unused, free_slots = HELPER_MAX_HANDLES - tbl.live;

	if (tbl.holders < tbl.max_sessions)
		reserved += (uint64_t)(tbl.max_sessions - tbl.holders) * tbl.share;
	if (e->count < tbl.share)
		return free_slots > 0;	/* its own share: always there */
	return free_slots > reserved;
}

int handles_add(struct helper_node *n, uint32_t session, uint32_t *id)
{
	struct handle_slot *s;
	struct sess_count *e;
	uint32_t i;

	pthread_mutex_lock(&tbl.lock);
	e = sess_find(session);
	if (!handles_may_add(e) || (e->count == 0 && tbl.holders >= SESS_SLOTS / 2)) {
		pthread_mutex_unlock(&tbl.lock);
		return ENFILE;
	}
	if (tbl.free_head != HELPER_MAX_HANDLES) {
		i = tbl.free_head;
		tbl.free_head = tbl.slot[i].next_free;
	} else if (tbl.used < HELPER_MAX_HANDLES) {
		i = tbl.used++;
	} else {
		pthread_mutex_unlock(&tbl.lock);
		return ENFILE;
	}
	s = &tbl.slot[i];
	s->gen = s->gen % GEN_MAX + 1;	/* 1..GEN_MAX, never 0 */
	s->node = hnode_get(n);
	hnode_handle_added(n);
	s->session = session;
	tbl.live++;
	sess_change(e, session, +1);
	*id = (uint32_t)s->gen << SLOT_BITS | i;
	pthread_mutex_unlock(&tbl.lock);
	return 0;
}

/* The slot an id names, or NULL; called with the lock held. */
static struct handle_slot *slot_of(uint32_t id)
{
	uint32_t i = id & SLOT_MASK;
	struct handle_slot *s;

	if (i >= tbl.used)
		return NULL;
	s = &tbl.slot[i];
	if (!s->node || s->gen != id >> SLOT_BITS)
		return NULL;
	return s;
}

struct helper_node *handles_get(uint32_t id)
{
	struct helper_node *n = NULL;
	struct handle_slot *s;

	pthread_mutex_lock(&tbl.lock);
	s = slot_of(id);
	if (s)
		n = hnode_get(s->node);
	pthread_mutex_unlock(&tbl.lock);
	return n;
}

int handles_release(uint32_t id)
{
	struct helper_node *n;
	struct handle_slot *s;

	pthread_mutex_lock(&tbl.lock);
	s = slot_of(id);
	if (!s) {
		pthread_mutex_unlock(&tbl.lock);
		return EBADF;
	}
	n = s->node;
	hnode_handle_released(n);
	s->node = NULL;
	s->next_free = tbl.free_head;
	tbl.free_head = (uint32_t)(s - tbl.slot);
	tbl.live--;
	sess_change(sess_find(s->session), s->session, -1);
	pthread_mutex_unlock(&tbl.lock);
	hnode_put(n);	/* in-flight requests keep their own reference */
	return 0;
}
