// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core: pools and the operations on them.
 *
 * Every guest user goes through these wrappers rather than the ops table:
 * they validate what the backend would reject anyway (so that a malformed
 * request never costs a host call), count each call per backend and per
 * pool, and turn the host's status into an errno.  They also refuse to
 * believe a host that reports a value longer than the buffer it filled.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <utmem/tmem.h>
#include "tmem_internal.h"

static int tmem_check_handle(const struct tmem_handle *h)
{
	return h->reserved ? -EINVAL : 0;
}

/**
 * tmem_pool_create() - create a host pool
 * @be: the backend
 * @name: names the pool in debugfs and logs; truncated to 31 characters
 * @flags: TMEM_POOL_*
 * @uuid: the shared pool's name, required with TMEM_POOL_SHARED and NULL
 *	otherwise
 *
 * May sleep.  Return: the pool, or ERR_PTR(-EINVAL) for bad flags or
 * uuid, -ENOSPC when the host refuses, or another errno from the host.
 */
struct tmem_pool *tmem_pool_create(struct tmem_backend *be, const char *name,
				   u32 flags, const uuid_t *uuid)
{
	struct tmem_pool *pool;
	tmem_status_t status;
	int err;

	if (flags & ~TMEM_POOL_FLAGS_ALL)
		return ERR_PTR(-EINVAL);
	if (!!(flags & TMEM_POOL_SHARED) != !!uuid)
		return ERR_PTR(-EINVAL);

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->be = be;
	pool->flags = flags;
	if (uuid)
		uuid_copy(&pool->uuid, uuid);
	strscpy(pool->name, name, sizeof(pool->name));

	status = tmem_count(be, TMEM_OP_NEW_POOL,
			    be->ops->new_pool(be, flags, uuid, &pool->id));
	err = tmem_status_to_errno(status);
	if (err) {
		kfree(pool);
		return ERR_PTR(err);
	}

	mutex_lock(&be->lock);
	list_add_tail(&pool->node, &be->pools);
	mutex_unlock(&be->lock);
	tmem_pool_debugfs_add(pool);
	return pool;
}
EXPORT_SYMBOL_GPL(tmem_pool_create);

/**
 * tmem_pool_destroy() - destroy a pool and everything in it
 * @pool: the pool; no other call on it may be running or follow
 *
 * May sleep.  The guest side is freed even if the host fails the call:
 * the pool id is then leaked on the host, which is logged.
 */
void tmem_pool_destroy(struct tmem_pool *pool)
{
	struct tmem_backend *be = pool->be;
	tmem_status_t status;

	tmem_pool_debugfs_remove(pool);
	mutex_lock(&be->lock);
	list_del(&pool->node);
	mutex_unlock(&be->lock);

	status = tmem_count(be, TMEM_OP_DESTROY_POOL,
			    be->ops->destroy_pool(be, pool->id));
	if (status != TMEM_S_OK)
		pr_warn("host failed to destroy pool %s (id %u): %d\n",
			pool->name, pool->id, tmem_status_to_errno(status));
	kfree(pool);
}
EXPORT_SYMBOL_GPL(tmem_pool_destroy);

static int tmem_put_done(struct tmem_pool *pool, tmem_status_t status)
{
	atomic64_inc(&pool->stats.puts);
	if (status == TMEM_S_REFUSED)
		atomic64_inc(&pool->stats.put_refused);
	else if (status != TMEM_S_OK)
		atomic64_inc(&pool->stats.put_failed);
	return tmem_status_to_errno(status);
}

/**
 * tmem_put() - store a value at @h, replacing any value there
 * @pool: the pool
 * @h: where
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 *
 * Atomic-safe (see struct tmem_backend_ops).  If the host fails it, the
 * value that was at @h is gone as well; it is never left stale.  A request
 * the core rejects (-EINVAL, -E2BIG) reaches no host and changes nothing.
 *
 * Return: 0; -ENOSPC when the host refused (always allowed); -E2BIG or
 * -EINVAL for a bad request; -ENOMEM, -ENXIO or -EIO from the host.
 */
int tmem_put(struct tmem_pool *pool, const struct tmem_handle *h,
	     const void *src, size_t len)
{
	struct tmem_backend *be = pool->be;
	int err;

	err = tmem_check_handle(h);
	if (err)
		return err;
	if (len > TMEM_VALUE_MAX)
		return -E2BIG;
	return tmem_put_done(pool, tmem_count(be, TMEM_OP_PUT,
			     be->ops->put(be, pool->id, h, src, len)));
}
EXPORT_SYMBOL_GPL(tmem_put);

/**
 * tmem_get() - copy the value at @h into @dst
 * @pool: the pool
 * @h: where
 * @dst: the buffer
 * @size: its size
 * @len: out: the value's length, on success and on -E2BIG
 *
 * Atomic-safe.  On an ephemeral pool a successful GET removes the value.
 *
 * Return: 0; -ENOENT when there is no value; -E2BIG when @size is too
 * small (the value stays); -EINVAL for a bad handle; -EIO when the host
 * failed to produce the value or claimed an impossible length.
 */
int tmem_get(struct tmem_pool *pool, const struct tmem_handle *h,
	     void *dst, size_t size, size_t *len)
{
	struct tmem_backend *be = pool->be;
	tmem_status_t status;
	u32 host_len = 0;
	int err;

	err = tmem_check_handle(h);
	if (err)
		return err;
	size = min_t(size_t, size, U32_MAX);

	atomic64_inc(&pool->stats.gets);
	status = tmem_count(be, TMEM_OP_GET,
			    be->ops->get(be, pool->id, h, dst, size,
					 &host_len));
	if (status == TMEM_S_OK && host_len > size) {
		pr_err_ratelimited("host returned %u bytes into %zu in pool %s\n",
				   host_len, size, pool->name);
		atomic64_inc(&be->stats.errors[TMEM_OP_GET]);
		status = TMEM_S_IO;
	}
	if (status == TMEM_S_OK || status == TMEM_S_TOOBIG)
		*len = host_len;

	if (status == TMEM_S_OK)
		atomic64_inc(&pool->stats.hits);
	else if (status == TMEM_S_MISS)
		atomic64_inc(&pool->stats.misses);
	else
		atomic64_inc(&pool->stats.get_failed);
	return tmem_status_to_errno(status);
}
EXPORT_SYMBOL_GPL(tmem_get);

/**
 * tmem_flush_page() - remove the value at @h
 * @pool: the pool
 * @h: where
 *
 * Atomic-safe.  Return: 0, -ENOENT when there was none, or an errno.
 */
int tmem_flush_page(struct tmem_pool *pool, const struct tmem_handle *h)
{
	struct tmem_backend *be = pool->be;
	int err;

	err = tmem_check_handle(h);
	if (err)
		return err;
	atomic64_inc(&pool->stats.flushes);
	return tmem_status_to_errno(tmem_count(be, TMEM_OP_FLUSH_PAGE,
				    be->ops->flush_page(be, pool->id, h)));
}
EXPORT_SYMBOL_GPL(tmem_flush_page);

/**
 * tmem_flush_object() - remove every value of an object
 * @pool: the pool
 * @oid: the object
 *
 * Atomic-safe.  Return: 0 or an errno.
 */
int tmem_flush_object(struct tmem_pool *pool, const struct tmem_oid *oid)
{
	struct tmem_backend *be = pool->be;

	atomic64_inc(&pool->stats.flushes);
	return tmem_status_to_errno(tmem_count(be, TMEM_OP_FLUSH_OBJECT,
				    be->ops->flush_object(be, pool->id, oid)));
}
EXPORT_SYMBOL_GPL(tmem_flush_object);

/**
 * tmem_flush_pool() - remove every value of a pool; the pool stays
 * @pool: the pool
 *
 * Atomic-safe.  Return: 0 or an errno.
 */
int tmem_flush_pool(struct tmem_pool *pool)
{
	struct tmem_backend *be = pool->be;

	atomic64_inc(&pool->stats.flushes);
	return tmem_status_to_errno(tmem_count(be, TMEM_OP_FLUSH_POOL,
				    be->ops->flush_pool(be, pool->id)));
}
EXPORT_SYMBOL_GPL(tmem_flush_pool);

/**
 * tmem_put_batch() - store several values with one host call
 * @pool: the pool
 * @ent: the values; each entry's @status is set
 * @nr: how many
 *
 * Atomic-safe.  A backend without a batched PUT gets one call per value.
 * Entries are checked first; one bad entry fails the whole batch before
 * any host call.
 *
 * Return: the number of entries stored (the others were refused or
 * failed: see their @status), -EINVAL or -E2BIG for a bad entry, or the
 * errno of a host that rejected the batch as a whole.
 */
int tmem_put_batch(struct tmem_pool *pool, struct tmem_batch_entry *ent,
		   unsigned int nr)
{
	struct tmem_backend *be = pool->be;
	tmem_status_t status;
	unsigned int i;
	int stored = 0;
	int err;

	if (nr > INT_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		err = tmem_check_handle(&ent[i].handle);
		if (err)
			return err;
		if (ent[i].len > TMEM_VALUE_MAX)
			return -E2BIG;
	}

	if (!be->ops->put_batch) {
		for (i = 0; i < nr; i++) {
			ent[i].status = tmem_count(be, TMEM_OP_PUT,
						   be->ops->put(be, pool->id,
								&ent[i].handle,
								ent[i].src,
								ent[i].len));
		}
	} else {
		status = tmem_count(be, TMEM_OP_PUT_BATCH,
				    be->ops->put_batch(be, pool->id, ent, nr));
		if (status != TMEM_S_OK)
			return tmem_status_to_errno(status);
	}

	for (i = 0; i < nr; i++) {
		if (!tmem_put_done(pool, ent[i].status))
			stored++;
	}
	return stored;
}
EXPORT_SYMBOL_GPL(tmem_put_batch);
