/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: the PUT coalescing buffer; see utmem_coalesce.c. */
#ifndef _UTMEM_COALESCE_H
#define _UTMEM_COALESCE_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <utmem/tmem.h>

struct utmem_file;
struct utmem_file_pool;

/**
 * struct utmem_coalesce - one file's buffered PUTs
 * @entries: in arrival order
 * @by_oid: the same entries by their key's object, to find a key at once
 * @count: how many
 * @bytes: their chunk bytes
 * @failed: PUTs the host refused at send time, since the last SYNC
 * @timer: sends the buffer coalesce_delay_us after its first PUT
 * @node: on the shrinker's list while the buffer holds anything
 */
struct utmem_coalesce {
	struct list_head entries;
	DECLARE_HASHTABLE(by_oid, 6);
	unsigned int count;
	size_t bytes;
	u64 failed;
	struct delayed_work timer;
	struct list_head node;
};

void utmem_coalesce_init(struct utmem_file *f);
void utmem_coalesce_exit(struct utmem_file *f);
int utmem_coalesce_put(struct utmem_file *f, struct utmem_file_pool *fp,
		       const u8 *key, u32 key_len, const struct tmem_oid *oid,
		       const void *value, u32 value_len);
bool utmem_coalesce_holds(struct utmem_file *f, const struct tmem_oid *oid);
size_t utmem_coalesce_bytes(struct utmem_file *f,
			    const struct utmem_file_pool *fp);
void utmem_coalesce_flush(struct utmem_file *f);
unsigned long utmem_coalesce_reclaim(unsigned long nr_pages);
int utmem_coalesce_register(void);
#if IS_ENABLED(CONFIG_KUNIT)
/* The module parameters, for tests that need other thresholds. */
extern unsigned int utmem_coalesce_value_max;
extern unsigned int utmem_coalesce_max_count;
extern unsigned int utmem_coalesce_max_bytes;
extern unsigned int utmem_coalesce_delay_us;
void utmem_coalesce_reclaim_unlocked(struct utmem_file *f);
#endif
void utmem_coalesce_unregister(void);

#endif /* _UTMEM_COALESCE_H */
