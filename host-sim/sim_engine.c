// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's pool engine: hosts, clients, pools, and the tmem
 * operations on them.  See sim.h for the data structures and the locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "sim.h"

const char *const utmem_sim_counter_names[UTMEM_SIM_NR_COUNTERS] = {
	[UTMEM_SIM_PUTS] = "puts",
	[UTMEM_SIM_PUT_REFUSED] = "put_refused",
	[UTMEM_SIM_GETS] = "gets",
	[UTMEM_SIM_GET_HITS] = "get_hits",
	[UTMEM_SIM_FLUSHES] = "flushes",
	[UTMEM_SIM_EVICTIONS] = "evictions",
	[UTMEM_SIM_DEDUP_HITS] = "dedup_hits",
	[UTMEM_SIM_COMPRESSED_PUTS] = "compressed_puts",
	[UTMEM_SIM_FAULTS_INJECTED] = "faults_injected",
	[UTMEM_SIM_NOMEM] = "nomem",
};

/* The largest batch one call may carry. */
#define UTMEM_SIM_BATCH_MAX	1024

static int obj_cmp(const void *key, const struct rb_node *node)
{
	return tmem_oid_cmp(key,
			    &rb_entry(node, struct utmem_sim_object, node)->oid);
}

static bool obj_less(struct rb_node *a, const struct rb_node *b)
{
	return tmem_oid_cmp(&rb_entry(a, struct utmem_sim_object, node)->oid,
			    &rb_entry(b, struct utmem_sim_object, node)->oid) < 0;
}

static struct utmem_sim_object *obj_find(struct utmem_sim_pool *pool,
					 const struct tmem_oid *oid)
{
	struct rb_node *node = rb_find(oid, &pool->objects, obj_cmp);

	return node ? rb_entry(node, struct utmem_sim_object, node) : NULL;
}

/* See obj_find_or_create(). */
static struct lock_class_key obj_pages_lock_key;

static struct utmem_sim_object *obj_find_or_create(struct utmem_sim_pool *pool,
						   const struct tmem_oid *oid)
{
	struct utmem_sim_object *obj = obj_find(pool, oid);

	if (obj)
		return obj;
	obj = kzalloc(sizeof(*obj), GFP_NOWAIT | __GFP_NOWARN);
	if (!obj)
		return NULL;
	obj->oid = *oid;
	obj->pool = pool;
	xa_init(&obj->pages);
	/*
	 * Every xarray this file initialises would share one lockdep class,
	 * and the pools' xarray is locked with interrupts on: this one is
	 * only ever locked under host->lock, interrupts off.
	 */
	lockdep_set_class(&obj->pages.xa_lock, &obj_pages_lock_key);
	rb_add(&obj->node, &pool->objects, obj_less);
	return obj;
}

static void obj_free_if_empty(struct utmem_sim_object *obj)
{
	if (obj->nr_pages)
		return;
	rb_erase(&obj->node, &obj->pool->objects);
	xa_destroy(&obj->pages);
	kfree(obj);
}

/*
 * Unlink and free a page, leaving its (possibly empty) object; @by_host
 * tells the pool's counters whether the guest asked for it.
 */
static void __page_remove(struct utmem_sim_page *page, bool by_host)
{
	struct utmem_sim_object *obj = page->obj;
	struct utmem_sim_pool *pool = obj->pool;

	if (by_host)
		pool->info.evicted++;
	else
		pool->info.flushes++;
	xa_erase(&obj->pages, page->index);
	obj->nr_pages--;
	utmem_sim_uncharge(pool, page);
	utmem_sim_blob_put(pool->host, page->blob);
	kfree(page);
}

/* Remove a page the guest flushed, replaced or took out. */
void utmem_sim_page_remove(struct utmem_sim_page *page)
{
	struct utmem_sim_object *obj = page->obj;

	__page_remove(page, false);
	obj_free_if_empty(obj);
}

/* Remove a page the host drops on its own: for room, or lost. */
void utmem_sim_page_evict(struct utmem_sim_page *page)
{
	struct utmem_sim_object *obj = page->obj;

	__page_remove(page, true);
	obj_free_if_empty(obj);
}

static struct utmem_sim_page *page_find(struct utmem_sim_pool *pool,
					const struct tmem_handle *h)
{
	struct utmem_sim_object *obj = obj_find(pool, &h->oid);

	return obj ? xa_load(&obj->pages, h->index) : NULL;
}

static void obj_flush(struct utmem_sim_object *obj)
{
	struct utmem_sim_page *page;
	unsigned long index;

	xa_for_each(&obj->pages, index, page)
		__page_remove(page, false);
	obj_free_if_empty(obj);
}

/*
 * Emptying a pool holds the host lock throughout.  Dropping it in the
 * middle would let a PUT refill what is being emptied; a pool of a
 * million pages takes milliseconds, which a simulator can afford.
 */
static void pool_flush(struct utmem_sim_pool *pool)
{
	struct rb_node *node;

	while ((node = rb_first(&pool->objects)))
		obj_flush(rb_entry(node, struct utmem_sim_object, node));
}

static struct utmem_sim_pool *pool_find(struct utmem_sim_client *client,
					u32 pool_id)
{
	lockdep_assert_held(&client->host->lock);
	return xa_load(&client->pools, pool_id);
}

/* The drop_ephemeral fault: at the start of a call, as a real host might. */
static void maybe_drop_ephemeral(struct utmem_sim_host *host)
{
	if (utmem_sim_fault_drop_eph(host) && utmem_sim_evict_victim(host))
		utmem_sim_count(host, UTMEM_SIM_FAULTS_INJECTED);
}

static tmem_status_t check_handle(const struct tmem_handle *h)
{
	return h->reserved ? TMEM_S_INVAL : TMEM_S_OK;
}

/*
 * A stored blob with @blob's value, referenced, or NULL.  The bytes are
 * compared without the host lock: zsmalloc takes its locks with
 * interrupts on elsewhere, and the lock is taken under a mapping's
 * i_pages lock (cleancache), which interrupts take too.
 */
static struct utmem_sim_blob *dedup_candidate(struct utmem_sim_host *host,
					      const struct utmem_sim_blob *blob,
					      const void *src)
{
	struct utmem_sim_blob *found;
	unsigned long flags;

	if (!READ_ONCE(host->dedup))
		return NULL;
	spin_lock_irqsave(&host->lock, flags);
	found = utmem_sim_blob_find(host, blob);
	spin_unlock_irqrestore(&host->lock, flags);
	if (!found)
		return NULL;
	if (utmem_sim_blob_equal(host, found, src)) {
		utmem_sim_count(host, UTMEM_SIM_DEDUP_HITS);
		return found;
	}
	spin_lock_irqsave(&host->lock, flags);
	utmem_sim_blob_put(host, found);
	spin_unlock_irqrestore(&host->lock, flags);
	return NULL;
}

/*
 * The locked part of a PUT.  The old value goes first, whatever happens
 * next: a failed replace must not leave it readable.  @stored, when set,
 * is an equal blob whose reference the new page takes, or that is
 * dropped.
 */
static tmem_status_t put_locked(struct utmem_sim_client *client,
				struct utmem_sim_pool *pool,
				const struct tmem_handle *h, u32 len,
				struct utmem_sim_blob **blobp,
				struct utmem_sim_page **pagep,
				struct utmem_sim_blob *stored)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_blob *blob = *blobp;
	struct utmem_sim_page *page = *pagep, *old;
	struct utmem_sim_object *obj;

	old = page_find(pool, h);
	if (old)
		utmem_sim_page_remove(old);

	if (len > TMEM_VALUE_MAX)
		return TMEM_S_TOOBIG;
	if (!blob || !page) {
		utmem_sim_count(host, UTMEM_SIM_NOMEM);
		goto nomem;
	}
	if (utmem_sim_fault_fail_put(host)) {
		utmem_sim_count(host, UTMEM_SIM_FAULTS_INJECTED);
		goto refuse;
	}

	/* @stored, an equal blob, is referenced: eviction cannot free it. */
	if (!utmem_sim_make_room(pool->owner, blob->stored_len,
				 stored ? 0 : blob->stored_len))
		goto refuse;

	/* Found after eviction, which may have freed the object. */
	obj = obj_find_or_create(pool, &h->oid);
	if (!obj)
		goto nomem;
	if (xa_err(xa_store(&obj->pages, h->index, page,
			    GFP_NOWAIT | __GFP_NOWARN))) {
		obj_free_if_empty(obj);
		goto nomem;
	}
	if (!stored) {
		utmem_sim_blob_insert(host, blob);
		stored = blob;
		*blobp = NULL;
	}
	page->blob = stored;
	page->obj = obj;
	page->index = h->index;
	obj->nr_pages++;
	utmem_sim_charge(pool, page);
	*pagep = NULL;
	return TMEM_S_OK;

refuse:
	if (stored)
		utmem_sim_blob_put(host, stored);
	utmem_sim_count(host, UTMEM_SIM_PUT_REFUSED);
	return TMEM_S_REFUSED;
nomem:
	if (stored)
		utmem_sim_blob_put(host, stored);
	utmem_sim_count(host, UTMEM_SIM_NOMEM);
	return TMEM_S_NOMEM;
}

/**
 * utmem_sim_put() - store a value, replacing any at @h
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
tmem_status_t utmem_sim_put(struct utmem_sim_client *client, u32 pool_id,
			    const struct tmem_handle *h, const void *src,
			    u32 len)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_blob *blob, *stored;
	struct utmem_sim_page *page;
	struct utmem_sim_pool *pool;
	tmem_status_t status;
	unsigned long flags;

	status = check_handle(h);
	if (status)
		return status;

	utmem_sim_count(host, UTMEM_SIM_PUTS);
	if (READ_ONCE(host->carve_out)) {
		/* Free reserve for what is allocated next; see sim_reserve.c. */
		spin_lock_irqsave(&host->lock, flags);
		utmem_sim_reserve_fit(host, sizeof(*blob) + sizeof(*page) +
				      min(len, TMEM_VALUE_MAX));
		spin_unlock_irqrestore(&host->lock, flags);
	}
	/* The costly part, compression and allocation, runs unlocked. */
	blob = NULL;
	page = NULL;
	if (len <= TMEM_VALUE_MAX) {
		blob = utmem_sim_blob_prepare(host, src, len);
		page = kmalloc(sizeof(*page), GFP_NOWAIT | __GFP_NOWARN);
	}

	stored = blob ? dedup_candidate(host, blob, src) : NULL;

	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool) {
		maybe_drop_ephemeral(host);
		status = put_locked(client, pool, h, len, &blob, &page,
				    stored);
	} else {
		if (stored)
			utmem_sim_blob_put(host, stored);
		status = TMEM_S_BADPOOL;
	}
	spin_unlock_irqrestore(&host->lock, flags);

	utmem_sim_blob_free(host, blob);
	kfree(page);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_sim_put);

/**
 * utmem_sim_get() - copy a value out
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
tmem_status_t utmem_sim_get(struct utmem_sim_client *client, u32 pool_id,
			    const struct tmem_handle *h, void *dst, u32 size,
			    u32 *len)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_blob *blob;
	struct utmem_sim_pool *pool;
	struct utmem_sim_page *page;
	tmem_status_t status;
	unsigned long flags;

	status = check_handle(h);
	if (status)
		return status;

	utmem_sim_count(host, UTMEM_SIM_GETS);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		status = TMEM_S_BADPOOL;
		goto unlock;
	}
	maybe_drop_ephemeral(host);
	page = page_find(pool, h);
	if (!page) {
		status = TMEM_S_MISS;
		goto unlock;
	}
	if (pool_ephemeral(pool) && utmem_sim_fault_fail_get(host)) {
		utmem_sim_count(host, UTMEM_SIM_FAULTS_INJECTED);
		utmem_sim_page_evict(page);
		status = TMEM_S_IO;
		goto unlock;
	}
	*len = page->blob->raw_len;
	if (size < page->blob->raw_len) {
		status = TMEM_S_TOOBIG;
		goto unlock;
	}
	/*
	 * The bytes are read without the lock (see dedup_candidate()), the
	 * blob kept by a reference.  An ephemeral value leaves now.
	 */
	blob = page->blob;
	blob->refs++;
	if (pool_ephemeral(pool))
		utmem_sim_page_remove(page);
	spin_unlock_irqrestore(&host->lock, flags);

	if (utmem_sim_blob_read(host, blob, dst)) {
		status = TMEM_S_IO;
	} else {
		status = TMEM_S_OK;
		utmem_sim_count(host, UTMEM_SIM_GET_HITS);
	}
	spin_lock_irqsave(&host->lock, flags);
	utmem_sim_blob_put(host, blob);
unlock:
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_sim_get);

/**
 * utmem_sim_flush_page() - remove the value at @h
 * @client: the caller
 * @pool_id: its pool
 * @h: where
 *
 * Atomic-safe.  Return: OK, MISS, BADPOOL or INVAL.
 */
tmem_status_t utmem_sim_flush_page(struct utmem_sim_client *client,
				   u32 pool_id, const struct tmem_handle *h)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_pool *pool;
	struct utmem_sim_page *page;
	tmem_status_t status;
	unsigned long flags;

	status = check_handle(h);
	if (status)
		return status;

	utmem_sim_count(host, UTMEM_SIM_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		status = TMEM_S_BADPOOL;
	} else {
		page = page_find(pool, h);
		if (page)
			utmem_sim_page_remove(page);
		status = page ? TMEM_S_OK : TMEM_S_MISS;
	}
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_sim_flush_page);

/**
 * utmem_sim_flush_object() - remove every value of an object
 * @client: the caller
 * @pool_id: its pool
 * @oid: the object
 *
 * Atomic-safe.  Return: OK (also when there was no such object) or
 * BADPOOL.
 */
tmem_status_t utmem_sim_flush_object(struct utmem_sim_client *client,
				     u32 pool_id, const struct tmem_oid *oid)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_object *obj;
	struct utmem_sim_pool *pool;
	tmem_status_t status = TMEM_S_OK;
	unsigned long flags;

	utmem_sim_count(host, UTMEM_SIM_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (!pool) {
		status = TMEM_S_BADPOOL;
	} else {
		obj = obj_find(pool, oid);
		if (obj)
			obj_flush(obj);
	}
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_sim_flush_object);

/**
 * utmem_sim_flush_pool() - remove every value of a pool; the pool stays
 * @client: the caller
 * @pool_id: its pool
 *
 * Atomic-safe.  Return: OK or BADPOOL.
 */
tmem_status_t utmem_sim_flush_pool(struct utmem_sim_client *client,
				   u32 pool_id)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_pool *pool;
	tmem_status_t status = TMEM_S_OK;
	unsigned long flags;

	utmem_sim_count(host, UTMEM_SIM_FLUSHES);
	spin_lock_irqsave(&host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool)
		pool_flush(pool);
	else
		status = TMEM_S_BADPOOL;
	spin_unlock_irqrestore(&host->lock, flags);
	return status;
}
EXPORT_SYMBOL_GPL(utmem_sim_flush_pool);

/**
 * utmem_sim_put_batch() - several PUTs to one pool as one host call
 * @client: the caller
 * @pool_id: its pool
 * @ent: the values; each entry's status is set
 * @nr: how many, at most 1024
 *
 * Atomic-safe.  Return: OK, or INVAL (too many entries) or BADPOOL, when
 * no entry was looked at.
 */
tmem_status_t utmem_sim_put_batch(struct utmem_sim_client *client,
				  u32 pool_id, struct tmem_batch_entry *ent,
				  u32 nr)
{
	unsigned long flags;
	bool found;
	u32 i;

	if (nr > UTMEM_SIM_BATCH_MAX)
		return TMEM_S_INVAL;
	spin_lock_irqsave(&client->host->lock, flags);
	found = pool_find(client, pool_id);
	spin_unlock_irqrestore(&client->host->lock, flags);
	if (!found)
		return TMEM_S_BADPOOL;
	/*
	 * Each entry takes the lock on its own: one host call, but the
	 * guest's other CPUs are not held up for a whole batch.
	 */
	for (i = 0; i < nr; i++)
		ent[i].status = utmem_sim_put(client, pool_id, &ent[i].handle,
					      ent[i].src, ent[i].len);
	return TMEM_S_OK;
}
EXPORT_SYMBOL_GPL(utmem_sim_put_batch);

/**
 * utmem_sim_pool_info() - the host's view of a pool
 * @client: the caller
 * @pool_id: its pool
 * @info: out
 *
 * Atomic-safe.  Return: OK or BADPOOL.
 */
tmem_status_t utmem_sim_pool_info(struct utmem_sim_client *client,
				  u32 pool_id, struct tmem_pool_info *info)
{
	struct utmem_sim_pool *pool;
	unsigned long flags;

	spin_lock_irqsave(&client->host->lock, flags);
	pool = pool_find(client, pool_id);
	if (pool)
		*info = pool->info;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return pool ? TMEM_S_OK : TMEM_S_BADPOOL;
}
EXPORT_SYMBOL_GPL(utmem_sim_pool_info);

static struct utmem_sim_pool *shared_find(struct utmem_sim_host *host,
					  const uuid_t *uuid)
{
	struct utmem_sim_pool *pool;

	list_for_each_entry(pool, &host->shared_pools, shared_node) {
		if (uuid_equal(&pool->uuid, uuid))
			return pool;
	}
	return NULL;
}

/* Drop one user of @pool; the last one empties and frees it. */
static void pool_unuse(struct utmem_sim_client *client,
		       struct utmem_sim_pool *pool);

/**
 * utmem_sim_new_pool() - create a pool, or open a shared one
 * @client: the caller
 * @flags: TMEM_POOL_*
 * @uuid: the shared pool's name; NULL for a private pool
 * @pool_id: out: the id the client uses for it
 *
 * May sleep.  A shared pool that exists already is opened when its
 * persistence matches.  Return: OK, INVAL (unknown flags, a uuid missing
 * or given in vain, a persistence mismatch), REFUSED (the client has
 * %UTMEM_SIM_POOLS_PER_CLIENT pools) or NOMEM.
 */
tmem_status_t utmem_sim_new_pool(struct utmem_sim_client *client, u32 flags,
				 const uuid_t *uuid, u32 *pool_id)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_pool *pool, *new;
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
	new->objects = RB_ROOT;
	INIT_LIST_HEAD(&new->shared_node);
	if (uuid)
		uuid_copy(&new->uuid, uuid);

	pool = new;
	if (uuid) {
		spin_lock_irqsave(&host->lock, irqflags);
		pool = shared_find(host, uuid);
		if (!pool) {
			pool = new;
			list_add(&pool->shared_node, &host->shared_pools);
		} else if (pool->flags != flags) {
			pool = NULL;
		} else {
			pool->users++;
		}
		spin_unlock_irqrestore(&host->lock, irqflags);
		if (pool != new)
			kfree(new);
		if (!pool)
			return TMEM_S_INVAL;
	}

	/* Erased under host->lock: locked with interrupts off throughout. */
	err = xa_alloc_irq(&client->pools, pool_id, pool,
			   XA_LIMIT(0, UTMEM_SIM_POOLS_PER_CLIENT - 1),
			   GFP_KERNEL);
	if (err) {
		spin_lock_irqsave(&host->lock, irqflags);
		pool_unuse(client, pool);
		spin_unlock_irqrestore(&host->lock, irqflags);
		return err == -EBUSY ? TMEM_S_REFUSED : TMEM_S_NOMEM;
	}
	return TMEM_S_OK;
}
EXPORT_SYMBOL_GPL(utmem_sim_new_pool);

static bool client_has_pool(struct utmem_sim_client *c,
			    struct utmem_sim_pool *pool)
{
	struct utmem_sim_pool *p;
	unsigned long id;

	xa_for_each(&c->pools, id, p) {
		if (p == pool)
			return true;
	}
	return false;
}

/*
 * A shared pool outlives the client that created it as long as another
 * client has it open; that client is charged from now on.  Its pages join
 * the new owner's LRU in object order, not in their original age order:
 * the ownership change is rare, and the pages are all older than anything
 * the new owner puts next.
 */
static void pool_change_owner(struct utmem_sim_pool *pool,
			      struct utmem_sim_client *owner)
{
	struct utmem_sim_client *old = pool->owner;
	struct utmem_sim_object *obj;
	struct utmem_sim_page *page;
	unsigned long index;
	struct rb_node *n;

	for (n = rb_first(&pool->objects); n; n = rb_next(n)) {
		obj = rb_entry(n, struct utmem_sim_object, node);
		xa_for_each(&obj->pages, index, page) {
			old->used -= page->blob->stored_len;
			old->pages--;
			owner->used += page->blob->stored_len;
			owner->pages++;
			if (!list_empty(&page->lru))
				list_move_tail(&page->lru, &owner->eph_lru);
		}
	}
	pool->owner = owner;
}

static void pool_unuse(struct utmem_sim_client *client,
		       struct utmem_sim_pool *pool)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_client *c;

	lockdep_assert_held(&host->lock);
	if (--pool->users) {
		if (pool->owner != client)
			return;
		list_for_each_entry(c, &host->clients, node) {
			if (client_has_pool(c, pool)) {
				pool_change_owner(pool, c);
				return;
			}
		}
		WARN_ON_ONCE(1);	/* users and the pool tables disagree */
		return;
	}
	pool_flush(pool);
	/* Every value that came in went out once, and was counted so. */
	WARN_ON_ONCE(pool->info.pages ||
		     pool->info.puts != pool->info.flushes + pool->info.evicted);
	list_del(&pool->shared_node);
	kfree(pool);
}

/**
 * utmem_sim_destroy_pool() - close a pool; the last user destroys it
 * @client: the caller
 * @pool_id: its pool
 *
 * May sleep.  Return: OK or BADPOOL.
 */
tmem_status_t utmem_sim_destroy_pool(struct utmem_sim_client *client,
				     u32 pool_id)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_pool *pool;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	pool = xa_erase(&client->pools, pool_id);
	if (pool)
		pool_unuse(client, pool);
	spin_unlock_irqrestore(&host->lock, flags);
	return pool ? TMEM_S_OK : TMEM_S_BADPOOL;
}
EXPORT_SYMBOL_GPL(utmem_sim_destroy_pool);

/**
 * utmem_sim_client_create() - add a simulated guest to @host
 * @host: the host
 *
 * May sleep.  Return: the client (weight 100, no cap of its own), or NULL.
 */
struct utmem_sim_client *utmem_sim_client_create(struct utmem_sim_host *host)
{
	struct utmem_sim_client *client;
	unsigned long flags;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return NULL;
	client->host = host;
	client->weight = UTMEM_SIM_WEIGHT_DEFAULT;
	INIT_LIST_HEAD(&client->eph_lru);
	xa_init_flags(&client->pools, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_IRQ);

	spin_lock_irqsave(&host->lock, flags);
	client->id = host->next_client_id++;
	list_add_tail(&client->node, &host->clients);
	spin_unlock_irqrestore(&host->lock, flags);

	utmem_sim_client_debugfs_add(client);
	return client;
}
EXPORT_SYMBOL_GPL(utmem_sim_client_create);

/**
 * utmem_sim_client_destroy() - remove a guest and close all its pools
 * @client: the client
 *
 * May sleep.
 */
void utmem_sim_client_destroy(struct utmem_sim_client *client)
{
	struct utmem_sim_host *host = client->host;
	struct utmem_sim_pool *pool;
	unsigned long id, flags;

	debugfs_remove_recursive(client->debugfs);
	spin_lock_irqsave(&host->lock, flags);
	xa_for_each(&client->pools, id, pool) {
		xa_erase(&client->pools, id);
		pool_unuse(client, pool);
	}
	list_del(&client->node);
	spin_unlock_irqrestore(&host->lock, flags);
	WARN_ON_ONCE(client->used || client->pages);
	xa_destroy(&client->pools);
	kfree(client);
}
EXPORT_SYMBOL_GPL(utmem_sim_client_destroy);

/**
 * utmem_sim_host_create() - a new, empty host
 * @capacity: bytes of stored data it may hold
 *
 * May sleep.  Compression and deduplication start on.  Return: the host
 * or an ERR_PTR.
 */
struct utmem_sim_host *utmem_sim_host_create(u64 capacity)
{
	struct utmem_sim_host *host;
	int err;

	if (capacity > UTMEM_SIM_CAPACITY_MAX)
		return ERR_PTR(-EINVAL);
	host = kzalloc(sizeof(*host), GFP_KERNEL);
	if (!host)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&host->lock);
	utmem_sim_reserve_init(host);
	host->capacity = capacity;
	host->compress = true;
	host->dedup = true;
	INIT_LIST_HEAD(&host->clients);
	INIT_LIST_HEAD(&host->shared_pools);
	host->dedup_tree = RB_ROOT;
	err = utmem_sim_store_init(host);
	if (err) {
		kfree(host);
		return ERR_PTR(err);
	}
	utmem_sim_fault_init(host);
	return host;
}
EXPORT_SYMBOL_GPL(utmem_sim_host_create);

/**
 * utmem_sim_host_destroy() - free a host whose clients are all gone
 * @host: the host
 */
void utmem_sim_host_destroy(struct utmem_sim_host *host)
{
	WARN_ON_ONCE(!list_empty(&host->clients));
	WARN_ON_ONCE(host->used || host->pages || host->footprint);
	debugfs_remove_recursive(host->debugfs);
	utmem_sim_reserve_exit(host);
	utmem_sim_store_exit(host);
	kfree(host);
}
EXPORT_SYMBOL_GPL(utmem_sim_host_destroy);

/*
 * Persistent data above a shrunk capacity cannot be evicted: the host asks
 * its clients to take that much back, counted in pages of the average size
 * it stores them at (compressed pages free less than a page each).
 */
int utmem_sim_set_capacity(struct utmem_sim_host *host, u64 bytes)
{
	unsigned long flags;
	u64 excess = 0;

	if (bytes > UTMEM_SIM_CAPACITY_MAX)
		return -EINVAL;
	spin_lock_irqsave(&host->lock, flags);
	host->capacity = bytes;
	utmem_sim_fit_capacity(host);
	utmem_sim_reserve_fit(host, 0);
	if (host->used > host->capacity && host->pages)
		excess = DIV64_U64_ROUND_UP(host->used - host->capacity,
					    max(div64_u64(host->used, host->pages),
						1ULL));
	spin_unlock_irqrestore(&host->lock, flags);
	if (excess && host->reclaim)
		host->reclaim(host, excess);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_sim_set_capacity);

int utmem_sim_set_exit_ns(struct utmem_sim_host *host, u64 ns)
{
	if (ns > UTMEM_SIM_EXIT_NS_MAX)
		return -EINVAL;
	WRITE_ONCE(host->exit_ns, ns);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_sim_set_exit_ns);

int utmem_sim_set_weight(struct utmem_sim_client *client, u64 weight)
{
	unsigned long flags;

	if (weight < UTMEM_SIM_WEIGHT_MIN || weight > UTMEM_SIM_WEIGHT_MAX)
		return -EINVAL;
	spin_lock_irqsave(&client->host->lock, flags);
	client->weight = weight;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_sim_set_weight);

/* A cap below what the client holds evicts its ephemeral pages now. */
int utmem_sim_set_cap(struct utmem_sim_client *client, u64 bytes)
{
	unsigned long flags;

	if (bytes > UTMEM_SIM_CAPACITY_MAX)
		return -EINVAL;
	spin_lock_irqsave(&client->host->lock, flags);
	client->cap = bytes;
	while (bytes && client->used > bytes && utmem_sim_evict_one(client))
		;
	spin_unlock_irqrestore(&client->host->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_sim_set_cap);

/**
 * utmem_sim_request_reclaim() - the host wants persistent pages back
 * @host: the host
 * @nr_pages: how many, 1..UTMEM_SIM_RECLAIM_MAX
 *
 * What a host short of memory does (the debugfs knob reclaim_pages):
 * asks its clients to write @nr_pages of their persistent pages elsewhere
 * and flush them.  Atomic-safe.
 *
 * Return: 0, -EINVAL for a count out of range, -EOPNOTSUPP when no client
 * listens.
 */
int utmem_sim_request_reclaim(struct utmem_sim_host *host, u64 nr_pages)
{
	if (!nr_pages || nr_pages > UTMEM_SIM_RECLAIM_MAX)
		return -EINVAL;
	if (!host->reclaim)
		return -EOPNOTSUPP;
	host->reclaim(host, nr_pages);
	return 0;
}
EXPORT_SYMBOL_GPL(utmem_sim_request_reclaim);

/*
 * Switching compression or deduplication affects later PUTs only; what
 * is stored stays in the form it was stored in.
 */
void utmem_sim_set_compress(struct utmem_sim_host *host, bool on)
{
	WRITE_ONCE(host->compress, on);
}
EXPORT_SYMBOL_GPL(utmem_sim_set_compress);

void utmem_sim_set_dedup(struct utmem_sim_host *host, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	host->dedup = on;
	spin_unlock_irqrestore(&host->lock, flags);
}
EXPORT_SYMBOL_GPL(utmem_sim_set_dedup);
