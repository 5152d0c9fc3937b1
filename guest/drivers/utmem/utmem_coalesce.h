/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: the PUT coalescing buffer; see utmem_coalesce.c. */
#ifndef _UTMEM_COALESCE_H
#define _UTMEM_COALESCE_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <utmem/tmem.h>

struct utmem_coalesce;

/**
 * struct utmem_coalesce_ops - what a buffer's owner does for it
 * @send: stores @n buffered PUTs of @pool in one call, setting each
 *	entry's status (utmem_store_put_batch()); returns how many were
 *	not stored
 * @flushed: a flush sent what the buffer held
 * @hold: for the shrinker, under a spinlock: takes the owner's lock
 *	without waiting and keeps the owner alive; false when it is busy
 * @release: undoes @hold, the lock first
 */
struct utmem_coalesce_ops {
	unsigned int (*send)(struct utmem_coalesce *c, void *pool,
			     struct tmem_batch_entry *batch, unsigned int n);
	void (*flushed)(struct utmem_coalesce *c);
	bool (*hold)(struct utmem_coalesce *c);
	void (*release)(struct utmem_coalesce *c);
};

/**
 * struct utmem_coalesce - one owner's buffered PUTs
 * @ops: its owner's
 * @lock: its owner's lock, which serialises every call below
 * @batch: the batch array a send fills, @batch_max entries; the arena's
 *	memory starts with it (NULL: no arena now)
 * @batch_max: its size
 * @arena: the buffered PUTs, one after the other in arrival order, each
 *	with its chunk; replaced and sent ones stay until it empties
 * @arena_size: its bytes
 * @used: of which taken
 * @by_oid: the PUTs still buffered, by their key's object
 * @count: how many
 * @bytes: their chunk bytes
 * @version: the next chunk version (utmem_kv_chunk0())
 * @failed: PUTs the host refused at send time, since the last SYNC
 * @timer: sends the buffer coalesce_delay_us after its first PUT; frees
 *	the arena as long after a send without a PUT since
 * @node: on the shrinker's list while the buffer has an arena
 */
struct utmem_coalesce {
	const struct utmem_coalesce_ops *ops;
	struct mutex *lock;	/* the owner's: see above */
	struct tmem_batch_entry *batch;
	unsigned int batch_max;
	u8 *arena;
	size_t arena_size;
	size_t used;
	DECLARE_HASHTABLE(by_oid, 6);
	unsigned int count;
	size_t bytes;
	u64 version;
	u64 failed;
	struct delayed_work timer;
	struct list_head node;
};

void utmem_coalesce_init(struct utmem_coalesce *c, struct mutex *lock,
			 const struct utmem_coalesce_ops *ops);
void utmem_coalesce_exit(struct utmem_coalesce *c);
int utmem_coalesce_put(struct utmem_coalesce *c, void *pool, const u8 *key,
		       u32 key_len, const struct tmem_oid *oid,
		       const void *value, u32 value_len, bool bare);
bool utmem_coalesce_holds(struct utmem_coalesce *c, const struct tmem_oid *oid);
size_t utmem_coalesce_bytes(struct utmem_coalesce *c, const void *pool);
void utmem_coalesce_flush(struct utmem_coalesce *c);
unsigned long utmem_coalesce_reclaim(unsigned long nr_pages);
int utmem_coalesce_register(void);
void utmem_coalesce_unregister(void);
#if IS_ENABLED(CONFIG_KUNIT)
/* The module parameters, for tests that need other thresholds. */
extern unsigned int utmem_coalesce_value_max;
extern unsigned int utmem_coalesce_max_count;
extern unsigned int utmem_coalesce_max_bytes;
extern unsigned int utmem_coalesce_delay_us;
#endif

#endif /* _UTMEM_COALESCE_H */
