/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: one pool's keys and values; see utmem_store.c. */
#ifndef _UTMEM_STORE_H
#define _UTMEM_STORE_H

#include <utmem/tmem.h>

#include "utmem_multi.h"

/**
 * struct utmem_store - the keys and values of one pool
 * @pool: the tmem pool, which the store's owner creates and destroys
 * @multi: keys whose values may span chunks (private pools)
 * @shared: other files write the pool too: every PUT flushes its key first
 * @bare: values of a page or less are stored without their header
 *	(UTMEM_POOL_BARE; see utmem_store.c)
 */
struct utmem_store {
	struct tmem_pool *pool;
	struct utmem_multi multi;
	bool shared;
	bool bare;
};

void utmem_store_init(struct utmem_store *s, bool shared, bool bare);
unsigned int utmem_store_nr_chunks(struct utmem_store *s, u32 key_len,
				   u32 value_len);
u64 utmem_store_host_bytes(struct utmem_store *s, u32 key_len, u32 value_len);
int utmem_store_get_alloc(struct utmem_store *s, const u8 *key, u32 key_len,
			  const struct tmem_oid *oid, void **valuep, u32 size,
			  u32 *value_len, void *scratch);
void utmem_store_destroy(struct utmem_store *s);
bool utmem_store_may_batch(struct utmem_store *s, const struct tmem_oid *oid,
			   u32 key_len, u32 value_len);
int utmem_store_put(struct utmem_store *s, const u8 *key, u32 key_len,
		    const struct tmem_oid *oid, const void *value,
		    u32 value_len, void *scratch);
unsigned int utmem_store_put_batch(struct utmem_store *s,
				   struct tmem_batch_entry *batch,
				   unsigned int n);
int utmem_store_delete(struct utmem_store *s, const u8 *key, u32 key_len,
		       const struct tmem_oid *oid);
int utmem_store_flush(struct utmem_store *s);

#endif /* _UTMEM_STORE_H */
