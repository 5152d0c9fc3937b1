// SPDX-License-Identifier: GPL-2.0
/*
 * The pool engine: hosts, clients, pools, and the tmem operations on
 * them.  See host.h for the data structures and the locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": host: " fmt

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "host.h"

const char *const utmem_host_counter_names[UTMEM_HOST_NR_COUNTERS] = {
	[UTMEM_HOST_PUTS] = "puts",
	[UTMEM_HOST_PUT_REFUSED] = "put_refused",
	[UTMEM_HOST_GETS] = "gets",
	[UTMEM_HOST_GET_HITS] = "get_hits",
	[UTMEM_HOST_FLUSHES] = "flushes",
	[UTMEM_HOST_EVICTIONS] = "evictions",
	[UTMEM_HOST_DEDUP_HITS] = "dedup_hits",
	[UTMEM_HOST_COMPRESSED_PUTS] = "compressed_puts",
	[UTMEM_HOST_SAME_FILLED_PUTS] = "same_filled_puts",
	[UTMEM_HOST_FAULTS_INJECTED] = "faults_injected",
	[UTMEM_HOST_NOMEM] = "nomem",
	[UTMEM_HOST_PUT_REFUSED_OWING] = "put_refused_owing",
	[UTMEM_HOST_PUT_REFUSED_ACCOUNT] = "put_refused_account",
};

/* The largest batch one call may carry. */
#define UTMEM_HOST_BATCH_MAX	1024

/*
 * Emptying.  What a flush empties is detached first, under the lock and
 * in constant time: an object moves from @pool->objects to @pool->dying,
 * a whole pool's objects swap over.  Lookups see only @pool->objects, so
 * from then on the detached values are gone for the guest, and a PUT
 * that follows starts a new object.  The pages are then freed
 * UTMEM_HOST_FREE_BATCH at a time, with the lock taken per batch: other
 * callers, other VMs among them, wait for a batch at most.  A pool being
 * emptied is kept by a reference (@pool->refs).
 */

/* Frees up to @budget pages of dying objects.  Return: true when none is left. */
static bool drain_some(struct utmem_host_pool *pool, unsigned int budget)
{
	struct utmem_host_object *obj;
	struct utmem_host_value *page;
	struct rb_node *node;
	unsigned long index;

	lockdep_assert_held(&pool->host->lock);
	while ((node = rb_first(&pool->dying))) {
		obj = rb_entry(node, struct utmem_host_object, node);
		xa_for_each(&obj->pages, index, page) {
			if (!budget--)
				return false;
			utmem_host_value_free(page, false);
		}
		utmem_host_obj_free_if_empty(obj);
	}
	return true;
}

/*
 * Frees the dying objects of @pool, and with @all the live ones too (they
 * are detached once the dying ones are gone).  Atomic-safe unless
 * @may_sleep; takes and drops the host lock per batch.
 */
static void pool_drain(struct utmem_host_pool *pool, bool all, bool may_sleep)
{
	struct utmem_host *host = pool->host;
	unsigned long flags;
	u64 start, pages;
	bool done;

	do {
		spin_lock_irqsave(&host->lock, flags);
		start = ktime_get_mono_fast_ns();
		pages = host->pages;
		if (all && RB_EMPTY_ROOT(&pool->dying)) {
			pool->dying = pool->objects;
			pool->objects = RB_ROOT;
			all = false;
		}
		done = drain_some(pool, UTMEM_HOST_FREE_BATCH) && !all;
		utmem_host_hold_done(host, start, pages);
		spin_unlock_irqrestore(&host->lock, flags);
		if (may_sleep)
			cond_resched();
	} while (!done);
}

/* Drop a reference to @pool, under the lock; the last frees it. */
static void pool_put(struct utmem_host_pool *pool)
{
	lockdep_assert_held(&pool->host->lock);
	if (--pool->refs)
		return;
	/* Every value that came in went out once, and was counted so. */
	WARN_ON_ONCE(pool->info.pages || pool->charged ||
		     !RB_EMPTY_ROOT(&pool->objects) ||
		     !RB_EMPTY_ROOT(&pool->dying) ||
		     pool->info.puts != pool->info.flushes + pool->info.evicted);
	list_del(&pool->owner_node);
	kfree(pool);
}

static struct utmem_host_pool *pool_find(struct utmem_host_client *client,
					 u32 pool_id)
{
	lockdep_assert_held(&client->host->lock);
	return xa_load(&client->pools, pool_id);
}

/* The drop_ephemeral fault: at the start of a call, as a real host might. */
static void maybe_drop_ephemeral(struct utmem_host *host)
{
	if (utmem_host_fault_drop_eph(host) && utmem_host_evict_victim(host))
		utmem_host_count(host, UTMEM_HOST_FAULTS_INJECTED);
}

static tmem_status_t check_handle(const struct tmem_handle *h)
{
	return h->reserved ? TMEM_S_INVAL : TMEM_S_OK;
}

/*
 * A stored blob with @key's value @src, referenced, or NULL.  The bytes
 * are compared without the host lock: zsmalloc takes its locks with
 * interrupts on elsewhere, and the lock is taken under a mapping's
 * i_pages lock (cleancache), which interrupts take too.
 */
static struct utmem_host_blob *dedup_candidate(struct utmem_host *host,
					       const struct utmem_host_dedup_key *key,
					       const void *src)
{
	struct utmem_host_blob *found;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	found = utmem_host_blob_find(host, key);
	spin_unlock_irqrestore(&host->lock, flags);
	if (!found)
		return NULL;
	if (utmem_host_blob_equal(host, found, src)) {
		utmem_host_count(host, UTMEM_HOST_DEDUP_HITS);
		return found;
	}
	spin_lock_irqsave(&host->lock, flags);
	utmem_host_blob_put(host, found);
	spin_unlock_irqrestore(&host->lock, flags);
	return NULL;
}

/*
 * What a PUT brings to the lock: an equal blob already stored (@stored),
 * referenced; or its value's blob, prepared (@staged), or moved into a
 * shared record (@shared) when deduplication is on.  @prepared: one of
 * them is there.  What the PUT does not use, the caller frees.
 */
struct put_args {
	struct utmem_host_blob staged;
	bool prepared;
	struct utmem_host_shared *shared;
	struct utmem_host_blob *stored;
};

static struct utmem_host_blob *put_blob(struct put_args *a)
{
	if (a->stored)
		return a->stored;
	return a->shared ? &a->shared->blob : &a->staged;
}

/*
 * Deduplication looks for an equal stored value before anything is
 * compressed or allocated: a hit costs a hash and a comparison.  Values
 * without bytes (empty, one word repeated) are not worth sharing.
 */
static void put_prepare(struct utmem_host_client *client, const void *src,
			u32 len, struct put_args *a)
{
	struct utmem_host *host = client->host;
	struct utmem_host_dedup_key key = {
		.raw_len = len, .any_place = !irqs_disabled(),
	};
	bool dedup = READ_ONCE(host->dedup);
	unsigned long word;

	if (dedup && !utmem_host_same_filled(src, len, &word) && len) {
		key.domain = READ_ONCE(host->dedup_cross_client) ? U32_MAX :
								   client->id;
		key.hash = utmem_host_dedup_hash(src, len);
		a->stored = dedup_candidate(host, &key, src);
		if (a->stored) {
			a->prepared = true;
			return;
		}
	}
	if (utmem_host_blob_prepare(host, src, len, &a->staged))
		return;
	a->prepared = true;
	if (!dedup || !a->staged.stored_len)
		return;
	a->shared = utmem_host_shared_prepare(host, &a->staged, key.hash,
					      key.domain);
	if (!a->shared) {
		utmem_host_blob_discard(host, &a->staged);
		a->prepared = false;
	}
}

/* @value takes @a's blob, which the host is charged for unless stored. */
static void put_link_blob(struct utmem_host *host,
			  struct utmem_host_value *value, struct put_args *a)
{
	if (!a->stored && !a->shared) {
		value->own = a->staged;
		a->staged.place = UTMEM_HOST_PLACE_NONE;
		utmem_host_blob_insert(host, &value->own);
		return;
	}
	if (!a->stored) {
		utmem_host_blob_insert(host, &a->shared->blob);
		a->stored = &a->shared->blob;
		a->shared = NULL;
	}
	value->flags |= UTMEM_HOST_VALUE_SHARED;
	value->own.data = (unsigned long)container_of(a->stored,
						      struct utmem_host_shared,
						      blob);
	a->stored = NULL;
}

/*
 * @obj as it was looked up before @frees objects had been freed: still
 * there, or looked up again.  The object is looked up once per PUT
 * unless one was freed in between.
 */
static struct utmem_host_object *obj_again(struct utmem_host_pool *pool,
					   struct utmem_host_object *obj,
					   const struct tmem_oid *oid,
					   u64 frees)
{
	if (pool->host->obj_frees == frees)
		return obj;
	return utmem_host_obj_find(pool, oid);
}

/*
 * The locked part of a PUT.  The old value goes first, whatever happens
 * next: a failed replace must not leave it readable.
 */
static tmem_status_t put_locked(struct utmem_host_client *client,
				struct utmem_host_pool *pool,
				const struct tmem_handle *h, u32 len,
				struct put_args *a)
{
	struct utmem_host *host = client->host;
	struct utmem_host_value *value, *old = NULL;
	struct utmem_host_object *obj;
	u64 records, frees;
	u32 blob_cost;

	obj = utmem_host_obj_find(pool, &h->oid);
	if (obj)
		old = xa_load(&obj->pages, h->index);
	if (old) {
		frees = host->obj_frees;
		utmem_host_value_remove(old);
		obj = obj_again(pool, obj, &h->oid, frees);
	}

	if (len > TMEM_VALUE_MAX)
		return TMEM_S_TOOBIG;
	if (!a->prepared)
		goto nomem;
	if (utmem_host_fault_fail_put(host)) {
		utmem_host_count(host, UTMEM_HOST_FAULTS_INJECTED);
		goto refuse;
	}
	if (!pool_ephemeral(pool) && utmem_host_owing_too_long(client)) {
		client->put_refused_owing++;
		utmem_host_count(host, UTMEM_HOST_PUT_REFUSED_OWING);
		goto refuse;
	}

	/*
	 * @a->stored, an equal blob, is referenced: eviction cannot free it.
	 * Eviction may free the object or the index block the new value was
	 * to share, which then costs more: made room is checked again.
	 */
	blob_cost = utmem_host_blob_cost(host, put_blob(a));
	do {
		records = host->value_cost[pool_ephemeral(pool)] +
			  utmem_host_link_cost(pool, obj, h);
		frees = host->obj_frees;
		if (!utmem_host_make_room(pool->owner, blob_cost + records,
					  (a->stored ? 0 : blob_cost) +
					  records))
			goto refuse;
		obj = obj_again(pool, obj, &h->oid, frees);
	} while (host->value_cost[pool_ephemeral(pool)] +
		 utmem_host_link_cost(pool, obj, h) > records);
	if (!utmem_host_account_reserve(pool->owner, blob_cost + records))
		goto refuse;

	obj = obj ?: utmem_host_obj_new(pool, &h->oid);
	if (!obj)
		goto nomem;
	value = utmem_host_value_alloc(host, pool_ephemeral(pool));
	if (!value || xa_err(xa_store(&obj->pages, h->index, value,
				      GFP_NOWAIT | __GFP_NOWARN))) {
		utmem_host_value_discard(host, value);
		utmem_host_obj_free_if_empty(obj);
		goto nomem;
	}
	put_link_blob(host, value, a);
	value->obj = obj;
	value->index = h->index;
	obj->nr_pages++;
	utmem_host_charge(pool, value);
	utmem_host_value_linked(value);
	return TMEM_S_OK;

refuse:
	utmem_host_count(host, UTMEM_HOST_PUT_REFUSED);
	return TMEM_S_REFUSED;
nomem:
	utmem_host_count(host, UTMEM_HOST_NOMEM);
	return TMEM_S_NOMEM;
}

/*
 * A batch is stored UTMEM_HOST_PUT_GROUP values at a time: each group is
 * prepared (compressed, allocated) without the lock, then linked under
 * one hold of it, with one pool lookup.  The group bounds how long a
 * batch keeps the lock, and so other callers and VMs, waiting.
 */
#define UTMEM_HOST_PUT_GROUP	16

/*
 * Stores @nr values of one pool, setting each entry's status, with @a
 * (zeroed, @nr of them) for their preparation.  Return: OK, or BADPOOL
 * when there is no such pool (every entry's status says so too).
 */
static tmem_status_t put_group(struct utmem_host_client *client, u32 pool_id,
			       struct tmem_batch_entry *ent, u32 nr,
			       struct put_args *a)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool;
	tmem_status_t status = TMEM_S_OK;
	unsigned long flags;
	u64 headroom = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		ent[i].status = check_handle(&ent[i].handle);
		if (ent[i].status)
			continue;
		utmem_host_count(host, UTMEM_HOST_PUTS);
		headroom += host->value_cost[1] + host->shared_cost +
			    min(ent[i].len, TMEM_VALUE_MAX);
	}
	if (READ_ONCE(host->footprint_changed)) {
		/* Room for what is allocated next (the sim's carve-out). */
		spin_lock_irqsave(&host->lock, flags);
		utmem_host_footprint_changed(host, headroom);
		spin_unlock_irqrestore(&host->lock, flags);
	}
	/* The costly part, compression and allocation, runs unlocked. */
	for (i = 0; i < nr; i++) {
		if (!ent[i].status && ent[i].len <= TMEM_VALUE_MAX)
			put_prepare(client, ent[i].src, ent[i].len, &a[i]);
	}

	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool)
		maybe_drop_ephemeral(host);
	else
		status = TMEM_S_BADPOOL;
	for (i = 0; i < nr; i++) {
		if (!pool) {
			ent[i].status = ent[i].status ?: TMEM_S_BADPOOL;
		} else if (!ent[i].status) {
			ent[i].status = put_locked(client, pool, &ent[i].handle,
						   ent[i].len, &a[i]);
			/* What the PUT charged ahead and did not use goes back. */
			utmem_host_account_release(pool->owner);
		}
		if (a[i].stored)
			utmem_host_blob_put(host, a[i].stored);
	}
	spin_unlock_irqrestore(&host->lock, flags);

	for (i = 0; i < nr; i++) {
		utmem_host_shared_discard(host, a[i].shared);
		if (a[i].prepared)
			utmem_host_blob_discard(host, &a[i].staged);
	}
	return status;
}

/**
 * utmem_host_put() - store a value, replacing any at @h
 * @client: the caller
 * @pool_id: its pool
 * @h: where
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 *
 * Atomic-safe.  Return: OK, REFUSED (no room, or an injected fault),
 * NOMEM, TOOBIG, BADPOOL or INVAL.  On any answer but OK, BADPOOL and
 * INVAL (a malformed handle: nothing was done) the old value at @h is
 * gone: a guest that failed to store a new version must not find the
 * old one later.
 */
tmem_status_t utmem_host_put(struct utmem_host_client *client, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			    u32 len)
{
	struct tmem_batch_entry ent = {
		.handle = *h, .src = src, .len = len,
	};
	struct put_args a = {};

	put_group(client, pool_id, &ent, 1, &a);
	return ent.status;
}
EXPORT_SYMBOL_GPL(utmem_host_put);

/**
 * utmem_host_get() - copy a value out
 * @client: the caller
 * @pool_id: its pool
 * @h: where
 * @dst: the buffer
 * @size: its size
 * @len: out: the value's length (also on TOOBIG)
 *
 * Atomic-safe.  A GET from an ephemeral pool that returns the value
 * removes it.  Return: OK, MISS, TOOBIG (the value stays), IO (an injected
 * fault or a value that failed to decompress; an ephemeral one is
 * dropped), BADPOOL or INVAL.
 */
tmem_status_t utmem_host_get(struct utmem_host_client *client, u32 pool_id,
			     const struct tmem_handle *h, void *dst, u32 size,
			    u32 *len)
{
	struct utmem_host *host = client->host;
	struct utmem_host_blob *blob;
	struct utmem_host_pool *pool;
	struct utmem_host_value *page;
	tmem_status_t status;
	unsigned long flags;

	status = check_handle(h);
	if (status)
		return status;

	utmem_host_count(host, UTMEM_HOST_GETS);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		status = TMEM_S_BADPOOL;
		goto unlock;
	}
	maybe_drop_ephemeral(host);
	page = utmem_host_value_find(pool, h);
	if (!page) {
		status = TMEM_S_MISS;
		goto unlock;
	}
	if (pool_ephemeral(pool) && utmem_host_fault_fail_get(host)) {
		utmem_host_count(host, UTMEM_HOST_FAULTS_INJECTED);
		utmem_host_value_evict(page);
		status = TMEM_S_IO;
		goto unlock;
	}
	blob = utmem_host_value_blob(page);
	*len = blob->raw_len;
	if (size < blob->raw_len) {
		status = TMEM_S_TOOBIG;
		goto unlock;
	}
	/*
	 * The bytes are read without the lock (see dedup_candidate()), the
	 * blob (and a value's record with its own) kept by a reference.  An
	 * ephemeral value leaves now.
	 */
	refcount_inc(&blob->refs);
	if (pool_ephemeral(pool))
		utmem_host_value_remove(page);
	spin_unlock_irqrestore(&host->lock, flags);

	if (utmem_host_blob_read(host, blob, dst)) {
		status = TMEM_S_IO;
	} else {
		status = TMEM_S_OK;
		utmem_host_count(host, UTMEM_HOST_GET_HITS);
		if (*len && utmem_host_fault_corrupt_get(host)) {
			utmem_host_count(host, UTMEM_HOST_FAULTS_INJECTED);
			((u8 *)dst)[0] ^= 0xff;
		}
	}
	spin_lock_irqsave(&host->lock, flags);
	utmem_host_blob_put(host, blob);
unlock:
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_host_get);

/**
 * utmem_host_flush_page() - remove the value at @h
 * @client: the caller
 * @pool_id: its pool
 * @h: where
 *
 * Atomic-safe.  Return: OK, MISS, BADPOOL or INVAL.
 */
tmem_status_t utmem_host_flush_page(struct utmem_host_client *client,
				    u32 pool_id, const struct tmem_handle *h)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool;
	struct utmem_host_value *page;
	tmem_status_t status;
	unsigned long flags;

	status = check_handle(h);
	if (status)
		return status;

	utmem_host_count(host, UTMEM_HOST_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		status = TMEM_S_BADPOOL;
	} else {
		page = utmem_host_value_find(pool, h);
		if (page)
			utmem_host_value_remove(page);
		status = page ? TMEM_S_OK : TMEM_S_MISS;
	}
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_host_flush_page);

/**
 * utmem_host_flush_object() - remove every value of an object
 * @client: the caller
 * @pool_id: its pool
 * @oid: the object
 *
 * Atomic-safe; the object's pages are freed a batch per lock hold.
 * Return: OK (also when there was no such object) or BADPOOL.
 */
tmem_status_t utmem_host_flush_object(struct utmem_host_client *client,
				      u32 pool_id, const struct tmem_oid *oid)
{
	struct utmem_host *host = client->host;
	struct utmem_host_object *obj;
	struct utmem_host_pool *pool;
	unsigned long flags;

	utmem_host_count(host, UTMEM_HOST_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		spin_unlock_irqrestore(&host->lock, flags);
		return TMEM_S_BADPOOL;
	}
	obj = utmem_host_obj_find(pool, oid);
	if (obj)
		utmem_host_obj_detach(obj);
	pool->refs++;
	spin_unlock_irqrestore(&host->lock, flags);

	pool_drain(pool, false, false);
	spin_lock_irqsave(&host->lock, flags);
	pool_put(pool);
	spin_unlock_irqrestore(&host->lock, flags);
	return TMEM_S_OK;
}
EXPORT_SYMBOL_GPL(utmem_host_flush_object);

/**
 * utmem_host_flush_pool() - remove every value of a pool; the pool stays
 * @client: the caller
 * @pool_id: its pool
 *
 * Atomic-safe; the pages are freed a batch per lock hold.  Return: OK
 * or BADPOOL.
 */
tmem_status_t utmem_host_flush_pool(struct utmem_host_client *client,
				    u32 pool_id)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool;
	unsigned long flags;

	utmem_host_count(host, UTMEM_HOST_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool)
		pool->refs++;
	spin_unlock_irqrestore(&host->lock, flags);
	if (!pool)
		return TMEM_S_BADPOOL;

	pool_drain(pool, true, false);
	spin_lock_irqsave(&host->lock, flags);
	pool_put(pool);
	spin_unlock_irqrestore(&host->lock, flags);
	return TMEM_S_OK;
}
EXPORT_SYMBOL_GPL(utmem_host_flush_pool);

/**
 * utmem_host_put_batch() - several PUTs to one pool as one host call
 * @client: the caller
 * @pool_id: its pool
 * @ent: the values; each entry's status is set
 * @nr: how many, at most 1024
 *
 * Atomic-safe.  Return: OK, or INVAL (too many entries, none looked at)
 * or BADPOOL (no such pool; every entry says so).
 */
tmem_status_t utmem_host_put_batch(struct utmem_host_client *client,
				   u32 pool_id, struct tmem_batch_entry *ent,
				  u32 nr)
{
	struct put_args a[UTMEM_HOST_PUT_GROUP];
	tmem_status_t status = TMEM_S_OK;
	u32 i, n;

	if (nr > UTMEM_HOST_BATCH_MAX)
		return TMEM_S_INVAL;
	for (i = 0; i < nr; i += n) {
		n = min_t(u32, nr - i, UTMEM_HOST_PUT_GROUP);
		memset(a, 0, n * sizeof(a[0]));
		status = put_group(client, pool_id, ent + i, n, a);
		if (status)
			break;
	}
	if (!status)
		return status;
	/* No such pool, or destroyed midway: the rest fails unlooked at. */
	for (n += i; n < nr; n++)
		ent[n].status = TMEM_S_BADPOOL;
	return i ? TMEM_S_OK : status;
}
EXPORT_SYMBOL_GPL(utmem_host_put_batch);

/**
 * utmem_host_pool_info() - the host's view of a pool
 * @client: the caller
 * @pool_id: its pool
 * @info: out
 *
 * Atomic-safe.  Return: OK or BADPOOL.
 */
tmem_status_t utmem_host_pool_info(struct utmem_host_client *client,
				   u32 pool_id, struct tmem_pool_info *info)
{
	struct utmem_host_pool *pool;
	unsigned long flags;

	spin_lock_irqsave(&client->host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool)
		*info = pool->info;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return pool ? TMEM_S_OK : TMEM_S_BADPOOL;
}
EXPORT_SYMBOL_GPL(utmem_host_pool_info);

static struct utmem_host_pool *shared_find(struct utmem_host *host,
					   const uuid_t *uuid)
{
	struct utmem_host_pool *pool;

	list_for_each_entry(pool, &host->shared_pools, shared_node) {
		if (uuid_equal(&pool->uuid, uuid))
			return pool;
	}
	return NULL;
}

static bool pool_unuse(struct utmem_host_client *client,
		       struct utmem_host_pool *pool);

/* utmem_host_new_pool(), at *@pool_id when @at. */
static tmem_status_t pool_create(struct utmem_host_client *client, u32 flags,
				 const uuid_t *uuid, u32 *pool_id, bool at)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool, *new;
	unsigned long irqflags;
	int err;

	if (flags & ~TMEM_POOL_FLAGS_ALL)
		return TMEM_S_INVAL;
	if (!!(flags & TMEM_POOL_SHARED) != !!uuid)
		return TMEM_S_INVAL;

	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return TMEM_S_NOMEM;
	new->host = host;
	new->owner = client;
	new->flags = flags;
	new->users = 1;
	new->refs = 1;
	new->objects = RB_ROOT;
	new->dying = RB_ROOT;
	INIT_LIST_HEAD(&new->eph_lru);
	INIT_LIST_HEAD(&new->shared_node);
	if (uuid)
		uuid_copy(&new->uuid, uuid);

	pool = new;
	if (!uuid) {
		spin_lock_irqsave(&host->lock, irqflags);
		list_add_tail(&pool->owner_node, &client->pools_owned);
		spin_unlock_irqrestore(&host->lock, irqflags);
	} else {
		spin_lock_irqsave(&host->lock, irqflags);
		pool = shared_find(host, uuid);
		if (!pool) {
			pool = new;
			list_add(&pool->shared_node, &host->shared_pools);
			list_add_tail(&pool->owner_node, &client->pools_owned);
		} else if (pool->flags != flags) {
			pool = NULL;
		} else {
			pool->users++;
			pool->refs++;
		}
		spin_unlock_irqrestore(&host->lock, irqflags);
		if (pool != new)
			kfree(new);
		if (!pool)
			return TMEM_S_INVAL;
	}

	/* Erased under host->lock: locked with interrupts off throughout. */
	if (at)
		err = xa_insert_irq(&client->pools, *pool_id, pool, GFP_KERNEL);
	else
		err = xa_alloc_irq(&client->pools, pool_id, pool,
				   XA_LIMIT(0, UTMEM_HOST_POOLS_PER_CLIENT - 1),
				   GFP_KERNEL);
	if (err) {
		spin_lock_irqsave(&host->lock, irqflags);
		/* This client put nothing in it: nothing to drain. */
		if (pool_unuse(client, pool))
			pool_put(pool);
		spin_unlock_irqrestore(&host->lock, irqflags);
		if (err == -EBUSY)
			return at ? TMEM_S_INVAL : TMEM_S_REFUSED;
		return TMEM_S_NOMEM;
	}
	return TMEM_S_OK;
}

/**
 * utmem_host_new_pool() - create a pool, or open a shared one
 * @client: the caller
 * @flags: TMEM_POOL_*
 * @uuid: the shared pool's name; NULL for a private pool
 * @pool_id: out: the id the client uses for it
 *
 * May sleep.  A shared pool that exists already is opened when its
 * persistence matches.  Return: OK, INVAL (unknown flags, a uuid missing
 * or given in vain, a persistence mismatch), REFUSED (the client has
 * %UTMEM_HOST_POOLS_PER_CLIENT pools) or NOMEM.
 */
tmem_status_t utmem_host_new_pool(struct utmem_host_client *client, u32 flags,
				  const uuid_t *uuid, u32 *pool_id)
{
	return pool_create(client, flags, uuid, pool_id, false);
}
EXPORT_SYMBOL_GPL(utmem_host_new_pool);

/**
 * utmem_host_new_pool_at() - create or open a pool with a given id
 * @client: the caller
 * @flags: TMEM_POOL_*
 * @uuid: the name of a shared pool; NULL for a private one
 * @pool_id: the id it must have: a VM's pools keep their ids when they
 *	move to another host (host_stream.c)
 *
 * May sleep.  Return: as utmem_host_new_pool(), and INVAL when @client
 * has a pool with that id or the id is out of range.
 */
tmem_status_t utmem_host_new_pool_at(struct utmem_host_client *client,
				     u32 flags, const uuid_t *uuid, u32 pool_id)
{
	if (pool_id >= UTMEM_HOST_POOLS_PER_CLIENT)
		return TMEM_S_INVAL;
	return pool_create(client, flags, uuid, &pool_id, true);
}

static bool client_has_pool(struct utmem_host_client *c,
			    struct utmem_host_pool *pool)
{
	struct utmem_host_pool *p;
	unsigned long id;

	xa_for_each(&c->pools, id, p) {
		if (p == pool)
			return true;
	}
	return false;
}

/*
 * Drop @client's use of @pool, which it no longer names.  A shared pool
 * outlives the client that created it as long as another client has it
 * open; that client is charged from now on.  Return: true when this was
 * the last user: the pool is unreachable, and the caller drains it
 * (pool_drain(), all) and drops the last reference (pool_put()).
 */
static bool pool_unuse(struct utmem_host_client *client,
		       struct utmem_host_pool *pool)
{
	struct utmem_host *host = client->host;
	u64 start = ktime_get_mono_fast_ns(), pages = host->pages;
	struct utmem_host_client *c;

	lockdep_assert_held(&host->lock);
	if (!--pool->users) {
		list_del_init(&pool->shared_node);
		return true;
	}
	pool->refs--;
	if (pool->owner != client)
		return false;
	list_for_each_entry(c, &host->clients, node) {
		if (client_has_pool(c, pool)) {
			utmem_host_pool_set_owner(pool, c);
			utmem_host_hold_done(host, start, pages);
			return false;
		}
	}
	WARN_ON_ONCE(1);	/* users and the pool tables disagree */
	return false;
}

/* May sleep: the last user of @pool, unreachable now, empties and frees it. */
static void pool_release(struct utmem_host_pool *pool)
{
	struct utmem_host *host = pool->host;
	unsigned long flags;

	pool_drain(pool, true, true);
	spin_lock_irqsave(&host->lock, flags);
	pool_put(pool);
	spin_unlock_irqrestore(&host->lock, flags);
}

/**
 * utmem_host_destroy_pool() - close a pool; the last user destroys it
 * @client: the caller
 * @pool_id: its pool
 *
 * May sleep.  Return: OK or BADPOOL.
 */
tmem_status_t utmem_host_destroy_pool(struct utmem_host_client *client,
				      u32 pool_id)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool;
	unsigned long flags;
	bool last = false;

	spin_lock_irqsave(&host->lock, flags);
	pool = xa_erase(&client->pools, pool_id);
	if (pool)
		last = pool_unuse(client, pool);
	spin_unlock_irqrestore(&host->lock, flags);
	if (last)
		pool_release(pool);
	return pool ? TMEM_S_OK : TMEM_S_BADPOOL;
}
EXPORT_SYMBOL_GPL(utmem_host_destroy_pool);

/**
 * utmem_host_client_create() - add a guest to @host
 * @host: the host
 *
 * May sleep.  Return: the client (weight 100, no cap of its own), or NULL.
 */
struct utmem_host_client *utmem_host_client_create(struct utmem_host *host)
{
	struct utmem_host_client *client;
	unsigned long flags;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return NULL;
	client->host = host;
	client->weight = UTMEM_HOST_WEIGHT_DEFAULT;
	client->max_values = UTMEM_HOST_MAX_VALUES_DEFAULT;
	client->reclaim_target = UTMEM_HOST_NO_TARGET;
	INIT_LIST_HEAD(&client->pools_owned);
	xa_init_flags(&client->pools, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);

	spin_lock_irqsave(&host->lock, flags);
	client->id = host->next_client_id++;
	list_add_tail(&client->node, &host->clients);
	spin_unlock_irqrestore(&host->lock, flags);
	return client;
}
EXPORT_SYMBOL_GPL(utmem_host_client_create);

/* May sleep: close every pool @client has open. */
static void client_close_pools(struct utmem_host_client *client)
{
	struct utmem_host *host = client->host;
	struct utmem_host_pool *pool, *tmp;
	unsigned long id, flags;
	LIST_HEAD(last);

	spin_lock_irqsave(&host->lock, flags);
	xa_for_each(&client->pools, id, pool) {
		xa_erase(&client->pools, id);
		/* Off the shared list now: its node links the last ones. */
		if (pool_unuse(client, pool))
			list_add_tail(&pool->shared_node, &last);
	}
	spin_unlock_irqrestore(&host->lock, flags);
	list_for_each_entry_safe(pool, tmp, &last, shared_node) {
		list_del(&pool->shared_node);
		pool_release(pool);
	}
}

/**
 * utmem_host_client_destroy() - remove a guest and close all its pools
 * @client: the client
 *
 * May sleep.
 */
void utmem_host_client_destroy(struct utmem_host_client *client)
{
	struct utmem_host *host = client->host;
	unsigned long flags;

	debugfs_remove_recursive(client->debugfs);
	client_close_pools(client);
	spin_lock_irqsave(&host->lock, flags);
	list_del(&client->node);
	spin_unlock_irqrestore(&host->lock, flags);
	WARN_ON_ONCE(client->used || client->pages ||
		     !list_empty(&client->pools_owned));
	WARN_ON_ONCE(client->account_reserved);
	xa_destroy(&client->pools);
	kfree(client);
}
EXPORT_SYMBOL_GPL(utmem_host_client_destroy);

/**
 * utmem_host_client_reset() - a guest starts over
 * @client: the client, whose guest kernel restarted (reboot, kexec)
 *
 * Closes every pool it has open, as if it were destroyed, and forgets
 * what it owed; it stays the same client, with its cap, weight and
 * account.  Requests racing with the reset are served against whatever
 * pools exist when they take the lock.  May sleep.
 */
void utmem_host_client_reset(struct utmem_host_client *client)
{
	unsigned long flags;

	client_close_pools(client);
	spin_lock_irqsave(&client->host->lock, flags);
	client->reclaim_target = UTMEM_HOST_NO_TARGET;
	WRITE_ONCE(client->wanted, 0);
	spin_unlock_irqrestore(&client->host->lock, flags);
}
EXPORT_SYMBOL_GPL(utmem_host_client_reset);

/**
 * utmem_host_set_account() - charge a client's bytes to a second account
 * @client: a new client, holding nothing yet
 * @ops: the account's operations
 * @data: their argument
 */
void utmem_host_set_account(struct utmem_host_client *client,
			    const struct utmem_host_account_ops *ops,
			    void *data)
{
	unsigned long flags;

	spin_lock_irqsave(&client->host->lock, flags);
	if (!WARN_ON_ONCE(client->used)) {
		client->account = ops;
		client->account_data = data;
	}
	spin_unlock_irqrestore(&client->host->lock, flags);
}
EXPORT_SYMBOL_GPL(utmem_host_set_account);

/**
 * utmem_host_create() - a new, empty host
 * @capacity: bytes of stored data it may hold
 *
 * May sleep.  Compression and deduplication start on.  Return: the host
 * or an ERR_PTR.
 */
struct utmem_host *utmem_host_create(u64 capacity)
{
	struct utmem_host *host;
	int err;

	if (capacity > UTMEM_HOST_CAPACITY_MAX)
		return ERR_PTR(-EINVAL);
	host = kzalloc(sizeof(*host), GFP_KERNEL);
	if (!host)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&host->lock);
	host->capacity = capacity;
	host->compress = true;
	host->codec = UTMEM_HOST_CODEC_LZ4;
	host->dedup = true;
	host->obj_cost = kmalloc_size_roundup(sizeof(struct utmem_host_object));
	host->node_cost = sizeof(struct xa_node);
	host->share_max = UTMEM_HOST_BLOB_SHARE_MAX;
	INIT_LIST_HEAD(&host->clients);
	INIT_LIST_HEAD(&host->shared_pools);
	host->dedup_tree = RB_ROOT;
	host->reclaim_grace = msecs_to_jiffies(UTMEM_HOST_RECLAIM_GRACE_MS);
	err = utmem_host_store_init(host);
	if (err) {
		kfree(host);
		return ERR_PTR(err);
	}
	utmem_host_fault_init(host);
	return host;
}
EXPORT_SYMBOL_GPL(utmem_host_create);

/**
 * utmem_host_destroy() - free a host whose clients are all gone
 * @host: the host
 */
void utmem_host_destroy(struct utmem_host *host)
{
	WARN_ON_ONCE(!list_empty(&host->clients));
	WARN_ON_ONCE(host->used || host->pages || host->footprint ||
		     host->records);
	debugfs_remove_recursive(host->debugfs);
	WARN_ON_ONCE(host->footprint_changed);
	utmem_host_store_exit(host);
	kfree(host);
}
EXPORT_SYMBOL_GPL(utmem_host_destroy);

/*
 * Persistent data above a shrunk capacity cannot be evicted: the host asks
 * its clients to take that much back, counted in pages of the average size
 * it stores them at (compressed pages free less than a page each).
 */
int utmem_host_set_capacity(struct utmem_host *host, u64 bytes)
{
	unsigned long flags;
	u64 excess = 0;

	if (bytes > UTMEM_HOST_CAPACITY_MAX)
		return -EINVAL;
	spin_lock_irqsave(&host->lock, flags);
	host->capacity = bytes;
	for (;;) {
		u64 start = ktime_get_mono_fast_ns(), pages = host->pages;
		bool done = utmem_host_fit_capacity(host,
						    UTMEM_HOST_FREE_BATCH);

		utmem_host_hold_done(host, start, pages);
		if (done)
			break;
		spin_unlock_irqrestore(&host->lock, flags);
		cond_resched();
		spin_lock_irqsave(&host->lock, flags);
	}
	utmem_host_footprint_changed(host, 0);
	if (host->used > host->capacity && host->pages)
		excess = DIV64_U64_ROUND_UP(host->used - host->capacity,
					    max(div64_u64(host->used,
							  host->pages),
						1ULL));
	spin_unlock_irqrestore(&host->lock, flags);
	if (excess && host->reclaim)
		host->reclaim(host, excess);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_host_set_capacity);

int utmem_host_set_weight(struct utmem_host_client *client, u64 weight)
{
	unsigned long flags;

	if (weight < UTMEM_HOST_WEIGHT_MIN || weight > UTMEM_HOST_WEIGHT_MAX)
		return -EINVAL;
	spin_lock_irqsave(&client->host->lock, flags);
	client->weight = weight;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_host_set_weight);

/*
 * A cap below what the client holds evicts its ephemeral pages now, a
 * batch per lock hold.  May sleep.
 */
int utmem_host_set_cap(struct utmem_host_client *client, u64 bytes)
{
	struct utmem_host *host = client->host;
	unsigned long flags;
	u64 start, pages, need;
	unsigned int batch;
	bool more;

	if (bytes > UTMEM_HOST_CAPACITY_MAX)
		return -EINVAL;
	spin_lock_irqsave(&host->lock, flags);
	client->cap = bytes;
	do {
		start = ktime_get_mono_fast_ns();
		pages = host->pages;
		batch = UTMEM_HOST_FREE_BATCH;
		more = false;
		while (client->cap && client->used > client->cap) {
			more = !batch--;
			if (more || !utmem_host_evict_one(client))
				break;
		}
		utmem_host_hold_done(host, start, pages);
		if (more) {
			spin_unlock_irqrestore(&host->lock, flags);
			cond_resched();
			spin_lock_irqsave(&host->lock, flags);
		}
	} while (more);
	/* Persistent bytes over the cap are asked back, in average pages. */
	if (client->cap && client->used > client->cap && client->pages) {
		need = DIV64_U64_ROUND_UP(client->used - client->cap,
					  div64_u64(client->used,
						    client->pages) ?: 1);
		if (need > client->wanted)
			utmem_host_ask_back_locked(client,
						   need - client->wanted);
	}
	spin_unlock_irqrestore(&host->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_host_set_cap);

/**
 * utmem_host_set_max_values() - bound the values a client may hold
 * @client: the client
 * @nr: 1..%UTMEM_HOST_MAX_VALUES_MAX
 *
 * Later PUTs over it are refused; what is held stays.  Return: 0 or
 * -EINVAL.
 */
int utmem_host_set_max_values(struct utmem_host_client *client, u64 nr)
{
	unsigned long flags;

	if (!nr || nr > UTMEM_HOST_MAX_VALUES_MAX)
		return -EINVAL;
	spin_lock_irqsave(&client->host->lock, flags);
	client->max_values = nr;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_host_set_max_values);

/**
 * utmem_host_request_reclaim() - the host wants persistent pages back
 * @host: the host
 * @nr_pages: how many, 1..UTMEM_HOST_RECLAIM_MAX
 *
 * What a host short of memory does (the debugfs knob reclaim_pages):
 * asks its clients to write @nr_pages of their persistent pages elsewhere
 * and flush them.  Atomic-safe.
 *
 * Return: 0, -EINVAL for a count out of range, -EOPNOTSUPP when no client
 * listens.
 */
int utmem_host_request_reclaim(struct utmem_host *host, u64 nr_pages)
{
	if (!nr_pages || nr_pages > UTMEM_HOST_RECLAIM_MAX)
		return -EINVAL;
	if (!host->reclaim)
		return -EOPNOTSUPP;
	host->reclaim(host, nr_pages);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_host_request_reclaim);

/*
 * Switching compression or deduplication affects later PUTs only; what
 * is stored stays in the form it was stored in.
 */
void utmem_host_set_compress(struct utmem_host *host, bool on)
{
	WRITE_ONCE(host->compress, on);
}
EXPORT_SYMBOL_GPL(utmem_host_set_compress);

void utmem_host_set_dedup(struct utmem_host *host, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	host->dedup = on;
	spin_unlock_irqrestore(&host->lock, flags);
}
EXPORT_SYMBOL_GPL(utmem_host_set_dedup);

/*
 * Across clients, dedup tells one client what another holds (host.h):
 * only the host's operator may turn it on.  Blobs stored before keep the
 * domain they were stored in.
 */
void utmem_host_set_dedup_cross_client(struct utmem_host *host, bool on)
{
	WRITE_ONCE(host->dedup_cross_client, on);
}
EXPORT_SYMBOL_GPL(utmem_host_set_dedup_cross_client);
