/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the tmem core's own files (guest/tmem/) and its
 * KUnit tests; no other layer includes this.
 */
#ifndef _UTMEM_TMEM_INTERNAL_H
#define _UTMEM_TMEM_INTERNAL_H

#include <utmem/tmem.h>

/*
 * Counts a host call of @be and its answer: normal answers (OK, MISS,
 * REFUSED) are counted per pool by the caller; anything else is an error
 * of the backend.
 */
static inline tmem_status_t tmem_count(struct tmem_backend *be,
				       enum tmem_op op, tmem_status_t status)
{
	atomic64_inc(&be->stats.calls[op]);
	if (status != TMEM_S_OK && status != TMEM_S_MISS &&
	    status != TMEM_S_REFUSED)
		atomic64_inc(&be->stats.errors[op]);
	return status;
}

void tmem_pool_debugfs_add(struct tmem_pool *pool);
void tmem_pool_debugfs_remove(struct tmem_pool *pool);

int tmem_selftest(struct tmem_backend *be, unsigned int nr_pages);
void tmem_selftest_fill(void *buf, u32 index);

#endif /* _UTMEM_TMEM_INTERNAL_H */
