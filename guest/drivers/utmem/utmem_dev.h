/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: an open file's state, shared with the KUnit suite. */
#ifndef _UTMEM_DEV_H
#define _UTMEM_DEV_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <utmem/tmem.h>

#include "utmem_coalesce.h"

struct dentry;
struct utmem_shared;

/**
 * struct utmem_file_pool - one pool of an open file
 * @pool: the tmem pool
 * @shared: its UUID's registration, for a shared pool
 */
struct utmem_file_pool {
	struct tmem_pool *pool;
	struct utmem_shared *shared;
};

/**
 * struct utmem_file_stats - what one open file did
 * @puts: PUT calls
 * @gets: GET calls
 * @hits: GETs that returned a value
 * @deletes: DELETE calls
 * @put_refused: PUTs the host refused
 * @host_puts: PUTs sent to the host (a batch counts once)
 * @flushes: times the coalescing buffer was sent
 */
struct utmem_file_stats {
	atomic64_t puts;
	atomic64_t gets;
	atomic64_t hits;
	atomic64_t deletes;
	atomic64_t put_refused;
	atomic64_t host_puts;
	atomic64_t flushes;
};

/**
 * struct utmem_file - an open /dev/utmem
 * @be: the backend
 * @lock: see below
 * @pools: pool id -> struct utmem_file_pool
 * @scratch: one host page, for building and reading chunks
 * @stats: counters
 * @coalesce: buffered small PUTs
 */
struct utmem_file {
	struct tmem_backend *be;
	struct mutex lock;	/* serialises the file's ioctls */
	struct xarray pools;
	void *scratch;
	struct utmem_file_stats stats;
	struct utmem_coalesce coalesce;
};

struct utmem_file *utmem_file_create(struct tmem_backend *be);
void utmem_file_destroy(struct utmem_file *f);
int utmem_file_pool_create(struct utmem_file *f, u32 flags,
			   const uuid_t *uuid, u32 *out_id);
struct utmem_file_pool *utmem_file_pool(struct utmem_file *f, u32 id);
void utmem_bench_debugfs_init(struct tmem_backend *be, struct dentry *root);
long utmem_file_ioctl(struct utmem_file *f, unsigned int cmd,
		      void __user *uarg);

#endif /* _UTMEM_DEV_H */
