/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs helpers: counters, which every layer of the suite shows
 * (lib/debugfs_counter.c), and the files of the tmem core
 * (guest/tmem/tmem_debugfs.c, guest/tmem/tmem_selftest.c).  debugfs is for debugging: what an
 * operator relies on is in sysfs.
 */
#ifndef _UTMEM_DEBUGFS_H
#define _UTMEM_DEBUGFS_H

#include <linux/atomic.h>

struct dentry;
struct tmem_backend;
struct tmem_pool_stats;

void utmem_debugfs_counter(const char *name, struct dentry *dir,
			   atomic64_t *counter);

/**
 * struct utmem_debugfs_counter - one entry of a table of counters
 * @name: the file's name
 * @counter: what it shows
 */
struct utmem_debugfs_counter {
	const char *name;
	atomic64_t *counter;
};

void utmem_debugfs_counters(struct dentry *dir,
			    const struct utmem_debugfs_counter *table,
			    unsigned int n);
void tmem_debugfs_create_pool_stats(struct dentry *dir,
				    struct tmem_pool_stats *st);
void tmem_debugfs_init(struct tmem_backend *be, struct dentry *root);

#ifdef CONFIG_UTMEM_BENCH
void tmem_selftest_debugfs_init(struct tmem_backend *be, struct dentry *root);
#else
static inline void tmem_selftest_debugfs_init(struct tmem_backend *be,
					      struct dentry *root) { }
#endif

#endif /* _UTMEM_DEBUGFS_H */
