/* p9_changes.c - the export's change count (see p9_changes.h). */
#include "config.h"

#include <stdatomic.h>

#include "frontend/p9_changes.h"

static atomic_uint_fast64_t p9_changes;

void p9_change_note(void)
{
	atomic_fetch_add_explicit(&p9_changes, 1, memory_order_seq_cst);
}

uint64_t p9_change_count(void)
{
	return atomic_load_explicit(&p9_changes, memory_order_seq_cst);
}
