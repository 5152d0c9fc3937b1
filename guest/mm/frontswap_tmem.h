/* SPDX-License-Identifier: GPL-2.0 */
/* frontswap on tmem: one swap area's state, shared with the KUnit suite. */
#ifndef _UTMEM_FRONTSWAP_TMEM_H
#define _UTMEM_FRONTSWAP_TMEM_H

#include <linux/atomic.h>
#include <linux/swap.h>
#include <utmem/tmem.h>

/**
 * struct frontswap_tmem_stats - what frontswap did, since boot
 * @stores: pages the host accepted
 * @store_refused: pages it refused (they went to the swap device)
 * @store_failed: PUTs that failed otherwise (to the device as well)
 * @store_large: large folios stored whole (their pages count in @stores)
 * @loads: pages read back from the host
 * @load_failed: reads the host could not serve (reported as -EIO)
 * @invalidates: slots dropped from the host
 * @flush_failed: drops the host failed (host memory leaked, no data lost)
 * @written_back: pages moved from the host to the swap device
 */
struct frontswap_tmem_stats {
	atomic64_t stores;
	atomic64_t store_refused;
	atomic64_t store_failed;
	atomic64_t store_large;
	atomic64_t loads;
	atomic64_t load_failed;
	atomic64_t invalidates;
	atomic64_t flush_failed;
	atomic64_t written_back;
};

/**
 * struct frontswap_tmem_area - one swap area's pages on the host
 * @type: the swap area
 * @nr_slots: its size in slots
 * @pool: its persistent private pool
 * @held: one bit per slot, set while the host holds the slot's page
 * @stats: counters (the global ones, or a test's)
 * @writeback: moves one held slot to the swap device; frontswap_writeback()
 *	except in tests
 */
struct frontswap_tmem_area {
	int type;
	unsigned long nr_slots;
	struct tmem_pool *pool;
	unsigned long *held;
	struct frontswap_tmem_stats *stats;
	int (*writeback)(swp_entry_t entry);
};

struct frontswap_tmem_area *
frontswap_tmem_area_create(struct tmem_backend *be, int type,
			   unsigned long nr_slots,
			   struct frontswap_tmem_stats *stats);
void frontswap_tmem_area_destroy(struct frontswap_tmem_area *area);
bool frontswap_tmem_area_store(struct frontswap_tmem_area *area,
			       struct folio *folio);
int frontswap_tmem_area_load(struct frontswap_tmem_area *area,
			     struct folio *folio);
void frontswap_tmem_area_invalidate(struct frontswap_tmem_area *area,
				    pgoff_t offset);
void frontswap_tmem_area_invalidate_folio(struct frontswap_tmem_area *area,
					  struct folio *folio);
unsigned long frontswap_tmem_area_held(struct frontswap_tmem_area *area);
unsigned long frontswap_tmem_area_shrink(struct frontswap_tmem_area *area,
					 unsigned long nr_pages);

/* All areas: frontswap_tmem.c. */
unsigned long frontswap_tmem_shrink(unsigned long nr_pages);

struct dentry;

/* Started by main.c once a backend is bound. */
#ifdef CONFIG_UTMEM_FRONTSWAP
void frontswap_tmem_init(struct dentry *debugfs_root);
#else
static inline void frontswap_tmem_init(struct dentry *debugfs_root) { }
#endif

#endif /* _UTMEM_FRONTSWAP_TMEM_H */
