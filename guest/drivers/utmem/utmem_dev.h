/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: an open file's state, shared with the KUnit suite. */
#ifndef _UTMEM_DEV_H
#define _UTMEM_DEV_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <utmem/tmem.h>

#include "utmem_coalesce.h"
#include "utmem_quota.h"
#include "utmem_store.h"

struct dentry;
struct utmem_shared;

/*
 * What files did, per pool and file (UTMEM_STATS) and summed over the
 * device (debugfs utmem/dev/):
 * PUTS: PUT calls; GETS: GET calls; HITS: GETs that returned a value;
 * DELETES: DELETE calls; PUT_REFUSED: PUTs the host refused;
 * HOST_PUTS: PUTs sent to the host (a batch counts once);
 * FLUSHES: times a coalescing buffer was sent (a file's, not a pool's).
 */
enum utmem_stat {
	UTMEM_STAT_PUTS,
	UTMEM_STAT_GETS,
	UTMEM_STAT_HITS,
	UTMEM_STAT_DELETES,
	UTMEM_STAT_PUT_REFUSED,
	UTMEM_STAT_HOST_PUTS,
	UTMEM_STAT_FLUSHES,
	UTMEM_STAT_NR
};

/**
 * struct utmem_file_pool - one pool of an open file
 * @store: its keys and values, on its tmem pool (@store.pool)
 * @shared: its UUID's registration, for a shared pool
 * @stats: its counters, by enum utmem_stat
 * @quota_node: on its user's list (utmem_quota.c)
 * @bytes: what the host holds for it, as its user last counted
 */
struct utmem_file_pool {
	struct utmem_store store;
	struct utmem_shared *shared;
	atomic64_t stats[UTMEM_STAT_NR];
	struct list_head quota_node;
	u64 bytes;
};

/**
 * struct utmem_file - an open /dev/utmem
 * @be: the backend
 * @ref: the open file's, and the coalescing shrinker's while it sends the
 *	file's buffer (the lock is no lifetime: mutex_unlock() may touch the
 *	mutex after a waiter took it and went on to free the file)
 * @lock: see below
 * @pools: pool id -> struct utmem_file_pool
 * @scratch: one host page, for building and reading chunks
 * @stats: counters, by enum utmem_stat
 * @coalesce: buffered small PUTs
 * @user: who opened it, charged for its pools (utmem_quota.c)
 * @seq: the file's number since boot, in its pools' names
 */
struct utmem_file {
	struct tmem_backend *be;
	struct kref ref;
	struct mutex lock;	/* serialises the file's ioctls */
	struct xarray pools;
	void *scratch;
	atomic64_t stats[UTMEM_STAT_NR];
	struct utmem_coalesce coalesce;
	struct utmem_user *user;
	unsigned int seq;
};

extern atomic64_t utmem_dev_stats[UTMEM_STAT_NR];

/* Counts an event of @fp (NULL: of the file as a whole) of file @f. */
static inline void utmem_stat_add(struct utmem_file *f,
				  struct utmem_file_pool *fp,
				  enum utmem_stat stat, u64 n)
{
	if (fp)
		atomic64_add(n, &fp->stats[stat]);
	atomic64_add(n, &f->stats[stat]);
	atomic64_add(n, &utmem_dev_stats[stat]);
}

static inline void utmem_stat_inc(struct utmem_file *f,
				  struct utmem_file_pool *fp,
				  enum utmem_stat stat)
{
	utmem_stat_add(f, fp, stat, 1);
}

struct utmem_file *utmem_file_create(struct tmem_backend *be);
void utmem_file_destroy(struct utmem_file *f);
void utmem_file_put(struct utmem_file *f);
int utmem_file_pool_create(struct utmem_file *f, u32 flags,
			   const uuid_t *uuid, u32 *out_id);
struct utmem_file_pool *utmem_file_pool(struct utmem_file *f, u32 id);
long utmem_file_ioctl(struct utmem_file *f, unsigned int cmd,
		      void __user *uarg);
#if IS_ENABLED(CONFIG_KUNIT)
void utmem_file_unlocked_held(struct utmem_file *f);
#endif

/* Started by main.c once a backend is bound. */
#ifdef CONFIG_UTMEM_DEV
int utmem_dev_init(struct dentry *debugfs_root);
void utmem_dev_exit(void);
#else
static inline int utmem_dev_init(struct dentry *debugfs_root) { return 0; }
static inline void utmem_dev_exit(void) { }
#endif

/* The in-kernel benchmark of the device's PUT path: utmem_bench.c. */
#if IS_ENABLED(CONFIG_UTMEM_DEV) && IS_ENABLED(CONFIG_UTMEM_BENCH)
void utmem_dev_bench_debugfs_init(struct tmem_backend *be, struct dentry *root);
#else
static inline void utmem_dev_bench_debugfs_init(struct tmem_backend *be,
						struct dentry *root) { }
#endif

#endif /* _UTMEM_DEV_H */
