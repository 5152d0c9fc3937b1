// SPDX-License-Identifier: GPL-2.0
/*
 * A pool's objects and values: finding them, linking a value in and
 * unlinking it, with the records each value carries for its object
 * (struct utmem_host_value).  Everything here runs under host->lock.
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

/* See utmem_host_obj_new(). */
static struct lock_class_key obj_pages_lock_key;

/* A new object @oid of @pool, which has none; NULL without memory. */
struct utmem_host_object *utmem_host_obj_new(struct utmem_host_pool *pool,
					     const struct tmem_oid *oid)
{
	struct utmem_host_object *obj;

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
	/* A PUT that looked the object up before this looks again. */
	obj->pool->host->obj_frees++;
	rb_erase(&obj->node, obj_root(obj));
	xa_destroy(&obj->pages);
	kfree(obj);
}

/*
 * The xarray nodes a value may carry (struct utmem_host_value): the leaf
 * of its block of XA_CHUNK_SIZE indices, and the node above it, whose
 * block is XA_CHUNK_SIZE times larger.
 */
static const struct {
	u8 flag;
	unsigned long block;
} node_levels[] = {
	{ UTMEM_HOST_VALUE_LEAF, XA_CHUNK_SIZE },
	{ UTMEM_HOST_VALUE_UPPER, XA_CHUNK_SIZE * XA_CHUNK_SIZE },
};

#define NODE_FLAGS	(UTMEM_HOST_VALUE_LEAF | UTMEM_HOST_VALUE_UPPER)

/* A value of @obj other than at @index in @index's block of @block. */
static struct utmem_host_value *block_other(struct utmem_host_object *obj,
					    u32 index, unsigned long block)
{
	unsigned long first = index & ~(block - 1);
	unsigned long i = first;
	struct utmem_host_value *value;

	xa_for_each_range(&obj->pages, i, value, first, first + block - 1) {
		if (i != index)
			return value;
	}
	return NULL;
}

/*
 * @value was just linked and charged: it takes over the records nobody
 * carries yet (struct utmem_host_value).
 */
void utmem_host_value_linked(struct utmem_host_value *value)
{
	struct utmem_host_object *obj = value->obj;
	struct utmem_host_value *zero;
	int l;

	if (obj->nr_pages == 1) {
		utmem_host_value_carry(value, UTMEM_HOST_VALUE_OBJ);
		if (value->index)
			utmem_host_value_carry(value, NODE_FLAGS);
		return;
	}
	/* A lone value at index 0 needed no node; with a second one, it does. */
	if (obj->nr_pages == 2) {
		zero = xa_load(&obj->pages, 0);
		if (zero && zero != value)
			utmem_host_value_carry(zero, NODE_FLAGS);
	}
	for (l = 0; l < ARRAY_SIZE(node_levels); l++)
		if (!block_other(obj, value->index, node_levels[l].block))
			utmem_host_value_carry(value, node_levels[l].flag);
}

/*
 * What utmem_host_value_linked() will add for a new value at @h of @obj
 * (NULL: @h's object does not exist yet), in bytes.
 */
u32 utmem_host_link_cost(struct utmem_host_pool *pool,
			 struct utmem_host_object *obj,
			 const struct tmem_handle *h)
{
	struct utmem_host *host = pool->host;
	u32 cost = 0;
	int l;

	if (!obj)
		return host->obj_cost +
		       (h->index ? ARRAY_SIZE(node_levels) * host->node_cost : 0);
	if (obj->nr_pages == 1) {
		struct utmem_host_value *zero = xa_load(&obj->pages, 0);

		if (zero && !(zero->flags & NODE_FLAGS))
			cost += ARRAY_SIZE(node_levels) * host->node_cost;
	}
	for (l = 0; l < ARRAY_SIZE(node_levels); l++)
		if (!block_other(obj, h->index, node_levels[l].block))
			cost += host->node_cost;
	return cost;
}

/* @value, just erased from its object, hands what it carries on. */
static void value_unlinked(struct utmem_host_value *value)
{
	struct utmem_host_object *obj = value->obj;
	struct utmem_host_value *other;
	unsigned long first = 0;
	int l;

	for (l = 0; l < ARRAY_SIZE(node_levels); l++) {
		if (!(value->flags & node_levels[l].flag))
			continue;
		other = block_other(obj, value->index, node_levels[l].block);
		if (other)
			utmem_host_value_carry(other, node_levels[l].flag);
		utmem_host_value_drop(value, node_levels[l].flag);
	}
	if (value->flags & UTMEM_HOST_VALUE_OBJ) {
		other = xa_find(&obj->pages, &first, ULONG_MAX, XA_PRESENT);
		if (other)
			utmem_host_value_carry(other, UTMEM_HOST_VALUE_OBJ);
		utmem_host_value_drop(value, UTMEM_HOST_VALUE_OBJ);
	}
	if (obj->nr_pages == 1) {
		other = xa_load(&obj->pages, 0);
		if (other)
			utmem_host_value_drop(other, NODE_FLAGS);
	}
}

/*
 * Unlink and release a value, leaving its (possibly empty) object;
 * @by_host tells the pool's counters whether the guest asked for it.
 */
void utmem_host_value_free(struct utmem_host_value *value, bool by_host)
{
	struct utmem_host_object *obj = value->obj;
	struct utmem_host_pool *pool = obj->pool;

	if (by_host)
		pool->info.evicted++;
	else
		pool->info.flushes++;
	xa_erase(&obj->pages, value->index);
	obj->nr_pages--;
	value_unlinked(value);
	utmem_host_uncharge(pool, value);
	utmem_host_value_release(pool->host, value);
}

/* Remove a page the guest flushed, replaced or took out. */
void utmem_host_value_remove(struct utmem_host_value *page)
{
	struct utmem_host_object *obj = page->obj;

	utmem_host_value_free(page, false);
	utmem_host_obj_free_if_empty(obj);
}

/* Remove a page the host drops on its own: for room, or lost. */
void utmem_host_value_evict(struct utmem_host_value *page)
{
	struct utmem_host_object *obj = page->obj;

	utmem_host_value_free(page, true);
	utmem_host_obj_free_if_empty(obj);
}

struct utmem_host_value *utmem_host_value_find(struct utmem_host_pool *pool,
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
