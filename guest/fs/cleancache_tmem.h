/* SPDX-License-Identifier: GPL-2.0 */
/* cleancache on tmem: what the KUnit suite reaches; see cleancache_tmem.c. */
#ifndef _UTMEM_CLEANCACHE_TMEM_H
#define _UTMEM_CLEANCACHE_TMEM_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <utmem/tmem.h>

/**
 * struct cleancache_tmem_stats - cleancache counters (debugfs cleancache/)
 * @calls: every pool's host calls, as each pool counts its own (flushes
 *	counts both kinds of invalidation)
 * @invalidate_pages: single pages dropped
 * @invalidate_inodes: whole files dropped
 */
struct cleancache_tmem_stats {
	struct tmem_pool_stats calls;
	atomic64_t invalidate_pages;
	atomic64_t invalidate_inodes;
};

#if IS_ENABLED(CONFIG_KUNIT)
extern struct cleancache_tmem_stats cleancache_tmem_stats;
extern bool cleancache_tmem_enable;
int cleancache_tmem_set_shared(const char *val);
int cleancache_tmem_pool_create(struct tmem_backend *be,
				struct super_block *sb);
void cleancache_tmem_invalidate_fs(int pool_id);
bool cleancache_tmem_handle(const struct inode *inode, pgoff_t index,
			    struct tmem_handle *h);
void cleancache_tmem_oid(const struct inode *inode, struct tmem_oid *oid);
int cleancache_tmem_get(int pool_id, struct folio *folio);
void cleancache_tmem_put(int pool_id, struct folio *folio);
void cleancache_tmem_invalidate_folio(int pool_id,
				      struct address_space *mapping,
				      pgoff_t index);
void cleancache_tmem_invalidate_inode(int pool_id,
				      struct address_space *mapping);
#endif

struct dentry;

/* Started by main.c once a backend is bound. */
#ifdef CONFIG_UTMEM_CLEANCACHE
void cleancache_tmem_init(struct dentry *debugfs_root);
#else
static inline void cleancache_tmem_init(struct dentry *debugfs_root) { }
#endif

#endif /* _UTMEM_CLEANCACHE_TMEM_H */
