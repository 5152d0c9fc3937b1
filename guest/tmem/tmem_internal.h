/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the tmem core's own files. */
#ifndef _UTMEM_TMEM_INTERNAL_H
#define _UTMEM_TMEM_INTERNAL_H

#include <kunit/visibility.h>
#include <utmem/tmem.h>

struct dentry;

#if IS_ENABLED(CONFIG_UTMEM_SIM)
extern const struct tmem_backend_ops tmem_sim_backend_ops;
#endif
#if IS_ENABLED(CONFIG_UTMEM_KVM)
extern const struct tmem_backend_ops tmem_kvm_backend_ops;
#endif

/* The host side of the KVM binding: host-kvm/kvm_host.c. */
#ifdef CONFIG_UTMEM_KVM_HOST
void utmem_kvm_host_init(struct dentry *debugfs_root);
#else
static inline void utmem_kvm_host_init(struct dentry *debugfs_root) { }
#endif

void tmem_debugfs_create_counter(const char *name, struct dentry *dir,
				 atomic64_t *counter);

/* A table of counters for tmem_debugfs_create_counters(). */
struct tmem_debugfs_counter {
	const char *name;
	atomic64_t *counter;
};

void tmem_debugfs_create_counters(struct dentry *dir,
				  const struct tmem_debugfs_counter *table,
				  unsigned int n);
void tmem_debugfs_create_pool_stats(struct dentry *dir,
				    struct tmem_pool_stats *st);
void tmem_debugfs_init(struct tmem_backend *be, struct dentry *root);
void tmem_pool_debugfs_add(struct tmem_pool *pool);
void tmem_pool_debugfs_remove(struct tmem_pool *pool);

/* Bounds what a debugfs write can make the selftest do (256 MiB). */
#define TMEM_SELFTEST_MAX_PAGES	65536
int tmem_selftest(struct tmem_backend *be, unsigned int nr_pages);
void tmem_selftest_fill(void *buf, u32 index);

#ifdef CONFIG_UTMEM_CLEANCACHE
void cleancache_tmem_init(struct dentry *debugfs_root);
#else
static inline void cleancache_tmem_init(struct dentry *debugfs_root) { }
#endif

#ifdef CONFIG_UTMEM_FRONTSWAP
void frontswap_tmem_init(struct dentry *debugfs_root);
#else
static inline void frontswap_tmem_init(struct dentry *debugfs_root) { }
#endif

#ifdef CONFIG_UTMEM_DEV
int utmem_dev_init(struct dentry *debugfs_root);
void utmem_dev_exit(void);
#else
static inline int utmem_dev_init(struct dentry *debugfs_root) { return 0; }
static inline void utmem_dev_exit(void) { }
#endif

#if IS_ENABLED(CONFIG_KUNIT)
const struct tmem_backend_ops *tmem_backend_find(const char *name);
#endif

#endif /* _UTMEM_TMEM_INTERNAL_H */
