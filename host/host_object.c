// SPDX-License-Identifier: GPL-2.0
/*
 * A pool's objects and pages: finding them, linking a page in and
 * unlinking it, with the records each page carries for its object
 * (struct utmem_host_page).  Everything here runs under host->lock.
 */
#include <linux/lockdep.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "host.h"

static int obj_cmp(const void *key, const struct rb_node *node)
{
	return tmem_oid_cmp(key,
			    &rb_entry(node, struct utmem_host_object,
				      node)->oid);
}

static bool obj_less(struct rb_node *a, const struct rb_node *b)
{
	return tmem_oid_cmp(&rb_entry(a, struct utmem_host_object, node)->oid,
			    &rb_entry(b, struct utmem_host_object,
				      node)->oid) < 0;
}

struct utmem_host_object *utmem_host_obj_find(struct utmem_host_pool *pool,
					      const struct tmem_oid *oid)
{
	struct rb_node *node = rb_find(oid, &pool->objects, obj_cmp);

	return node ? rb_entry(node, struct utmem_host_object, node) : NULL;
}

/* @pool's first object whose oid is @oid or above; NULL when none is. */
struct utmem_host_object *utmem_host_obj_from(struct utmem_host_pool *pool,
					      const struct tmem_oid *oid)
{
	struct rb_node *node = pool->objects.rb_node;
	struct utmem_host_object *obj, *found = NULL;

	while (node) {
		obj = rb_entry(node, struct utmem_host_object, node);
		if (tmem_oid_cmp(&obj->oid, oid) >= 0) {
			found = obj;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

/* See utmem_host_obj_get(). */
static struct lock_class_key obj_pages_lock_key;

/* @pool's object @oid, made if it has none; NULL without memory. */
struct utmem_host_object *utmem_host_obj_get(struct utmem_host_pool *pool,
					     const struct tmem_oid *oid)
{
	struct utmem_host_object *obj = utmem_host_obj_find(pool, oid);

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

/* The tree @obj is in: its pool's objects, or the dying ones. */
static struct rb_root *obj_root(struct utmem_host_object *obj)
{
	struct rb_node *node = &obj->node, *parent;

	while ((parent = rb_parent(node)))
		node = parent;
	return node == obj->pool->objects.rb_node ? &obj->pool->objects :
						     &obj->pool->dying;
}

void utmem_host_obj_free_if_empty(struct utmem_host_object *obj)
{
	if (obj->nr_pages)
		return;
	rb_erase(&obj->node, obj_root(obj));
	xa_destroy(&obj->pages);
	kfree(obj);
}

/* A page of @obj other than at @index in @index's block of XA_CHUNK_SIZE. */
static struct utmem_host_page *block_other(struct utmem_host_object *obj,
					   u32 index)
{
	unsigned long first = index & ~(unsigned long)(XA_CHUNK_SIZE - 1);
	unsigned long i = first;
	struct utmem_host_page *page;

	xa_for_each_range(&obj->pages, i, page, first,
			  first + XA_CHUNK_SIZE - 1) {
		if (i != index)
			return page;
	}
	return NULL;
}

/*
 * @page was just linked and charged: it takes over the records nobody
 * carries yet (struct utmem_host_page).
 */
void utmem_host_page_linked(struct utmem_host_page *page)
{
	struct utmem_host_object *obj = page->obj;
	struct utmem_host_page *zero;

	if (obj->nr_pages == 1) {
		utmem_host_page_carry(page, UTMEM_HOST_PAGE_OBJ);
		if (page->index)
			utmem_host_page_carry(page, UTMEM_HOST_PAGE_NODE);
		return;
	}
	/* A lone page at index 0 needed no node; with a second one, it does. */
	if (obj->nr_pages == 2) {
		zero = xa_load(&obj->pages, 0);
		if (zero && zero != page)
			utmem_host_page_carry(zero, UTMEM_HOST_PAGE_NODE);
	}
	if (!block_other(obj, page->index))
		utmem_host_page_carry(page, UTMEM_HOST_PAGE_NODE);
}

/* What utmem_host_page_linked() will add for a new page at @h, in bytes. */
u32 utmem_host_link_cost(struct utmem_host_pool *pool,
			 const struct tmem_handle *h)
{
	struct utmem_host_object *obj = utmem_host_obj_find(pool, &h->oid);
	struct utmem_host *host = pool->host;
	u32 cost = 0;

	if (!obj)
		return host->obj_cost + (h->index ? 2 * host->node_cost : 0);
	if (obj->nr_pages == 1) {
		struct utmem_host_page *zero = xa_load(&obj->pages, 0);

		if (zero && !(zero->flags & UTMEM_HOST_PAGE_NODE))
			cost += 2 * host->node_cost;
	}
	if (!block_other(obj, h->index))
		cost += 2 * host->node_cost;
	return cost;
}

/* @page, just erased from its object, hands what it carries on. */
static void page_unlinked(struct utmem_host_page *page)
{
	struct utmem_host_object *obj = page->obj;
	struct utmem_host_page *other;
	unsigned long first = 0;

	if (page->flags & UTMEM_HOST_PAGE_NODE) {
		other = block_other(obj, page->index);
		if (other)
			utmem_host_page_carry(other, UTMEM_HOST_PAGE_NODE);
		utmem_host_page_drop(page, UTMEM_HOST_PAGE_NODE);
	}
	if (page->flags & UTMEM_HOST_PAGE_OBJ) {
		other = xa_find(&obj->pages, &first, ULONG_MAX, XA_PRESENT);
		if (other)
			utmem_host_page_carry(other, UTMEM_HOST_PAGE_OBJ);
		utmem_host_page_drop(page, UTMEM_HOST_PAGE_OBJ);
	}
	if (obj->nr_pages == 1) {
		other = xa_load(&obj->pages, 0);
		if (other)
			utmem_host_page_drop(other, UTMEM_HOST_PAGE_NODE);
	}
}

/*
 * Unlink and free a page, leaving its (possibly empty) object; @by_host
 * tells the pool's counters whether the guest asked for it.
 */
void utmem_host_page_free(struct utmem_host_page *page, bool by_host)
{
	struct utmem_host_object *obj = page->obj;
	struct utmem_host_pool *pool = obj->pool;

	if (by_host)
		pool->info.evicted++;
	else
		pool->info.flushes++;
	xa_erase(&obj->pages, page->index);
	obj->nr_pages--;
	page_unlinked(page);
	utmem_host_uncharge(pool, page);
	utmem_host_blob_put(pool->host, page->blob);
	kfree(page);
}

/* Remove a page the guest flushed, replaced or took out. */
void utmem_host_page_remove(struct utmem_host_page *page)
{
	struct utmem_host_object *obj = page->obj;

	utmem_host_page_free(page, false);
	utmem_host_obj_free_if_empty(obj);
}

/* Remove a page the host drops on its own: for room, or lost. */
void utmem_host_page_evict(struct utmem_host_page *page)
{
	struct utmem_host_object *obj = page->obj;

	utmem_host_page_free(page, true);
	utmem_host_obj_free_if_empty(obj);
}

struct utmem_host_page *utmem_host_page_find(struct utmem_host_pool *pool,
					     const struct tmem_handle *h)
{
	struct utmem_host_object *obj = utmem_host_obj_find(pool, &h->oid);

	return obj ? xa_load(&obj->pages, h->index) : NULL;
}

/* Under the lock: the object goes to the dying ones, to be drained. */
void utmem_host_obj_detach(struct utmem_host_object *obj)
{
	struct utmem_host_pool *pool = obj->pool;

	rb_erase(&obj->node, &pool->objects);
	rb_add(&obj->node, &pool->dying, obj_less);
}
