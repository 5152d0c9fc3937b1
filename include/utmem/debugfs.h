/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs helpers that every layer of the suite uses for its counters
 * (guest/tmem/tmem_debugfs.c).  debugfs is for debugging: what an
 * operator relies on is in sysfs.
 */
#ifndef _UTMEM_DEBUGFS_H
#define _UTMEM_DEBUGFS_H

#include <linux/atomic.h>

struct dentry;
struct tmem_pool_stats;

void tmem_debugfs_create_counter(const char *name, struct dentry *dir,
				 atomic64_t *counter);

/**
 * struct tmem_debugfs_counter - one entry of a table of counters
 * @name: the file's name
 * @counter: what it shows
 */
struct tmem_debugfs_counter {
	const char *name;
	atomic64_t *counter;
};

void tmem_debugfs_create_counters(struct dentry *dir,
				  const struct tmem_debugfs_counter *table,
				  unsigned int n);
void tmem_debugfs_create_pool_stats(struct dentry *dir,
				    struct tmem_pool_stats *st);

#endif /* _UTMEM_DEBUGFS_H */
