/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs helpers: counters, which every layer of the suite shows
 * (lib/debugfs_counter.c), and the files of the tmem core
 * (guest/tmem/tmem_debugfs.c, guest/tmem/tmem_selftest.c).  debugfs is
 * for debugging: what an operator relies on is in sysfs (utmem/sysfs.h).
 */
#ifndef _UTMEM_DEBUGFS_H
#define _UTMEM_DEBUGFS_H

#include <utmem/counter.h>

struct dentry;
struct tmem_backend;

void utmem_debugfs_counter(const char *name, struct dentry *dir,
			   atomic64_t *counter);

void utmem_debugfs_counters(struct dentry *dir,
			    const struct utmem_counter *table,
			    unsigned int n);
void tmem_debugfs_init(struct tmem_backend *be, struct dentry *root);

#ifdef CONFIG_UTMEM_BENCH
void tmem_selftest_debugfs_init(struct tmem_backend *be, struct dentry *root);
#else
static inline void tmem_selftest_debugfs_init(struct tmem_backend *be,
					      struct dentry *root) { }
#endif

#endif /* _UTMEM_DEBUGFS_H */
