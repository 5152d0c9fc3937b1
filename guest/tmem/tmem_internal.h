/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the tmem core's own files (guest/tmem/) and its
 * KUnit tests; no other layer includes this.
 */
#ifndef _UTMEM_TMEM_INTERNAL_H
#define _UTMEM_TMEM_INTERNAL_H

#include <utmem/tmem.h>

struct dentry;

void tmem_debugfs_init(struct tmem_backend *be, struct dentry *root);
void tmem_pool_debugfs_add(struct tmem_pool *pool);
void tmem_pool_debugfs_remove(struct tmem_pool *pool);

/* Bounds what a debugfs write can make the selftest do (256 MiB). */
#define TMEM_SELFTEST_MAX_PAGES	65536
int tmem_selftest(struct tmem_backend *be, unsigned int nr_pages);
void tmem_selftest_fill(void *buf, u32 index);

#endif /* _UTMEM_TMEM_INTERNAL_H */
