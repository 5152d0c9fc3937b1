// SPDX-License-Identifier: GPL-2.0
/*
 * A host's capacity policy: who is charged for what, and whose
 * ephemeral pages go when the host needs room.
 *
 * A client is charged what its values cost the host, records included
 * (struct utmem_host_page).  Three limits apply to a PUT.  A client holds
 * at most max_values values.  A client's own cap (if set) bounds the
 * bytes it is charged; going over it costs that client its own ephemeral
 * pages, oldest first within each pool, its pools taken in turn.  The
 * host's capacity bounds the bytes it physically holds (a deduplicated
 * blob counts once); going over it costs the client that is furthest over
 * its weighted share (charged bytes / weight) an ephemeral page,
 * repeatedly.  Persistent pages are never evicted: when only they are
 * left, the PUT is refused, which the guest must accept.
 *
 * Everything here runs under host->lock.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <kunit/visibility.h>
#include <linux/lockdep.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>

#include "host.h"

static u32 flags_cost(const struct utmem_host *host, u8 flags)
{
	return (flags & UTMEM_HOST_PAGE_OBJ ? host->obj_cost : 0) +
	       (flags & UTMEM_HOST_PAGE_NODE ? 2 * host->node_cost : 0);
}

/* What @page costs its pool's owner, bytes. */
u32 utmem_host_page_charge(const struct utmem_host_page *page)
{
	const struct utmem_host *host = page->obj->pool->host;

	return utmem_host_blob_cost(host, page->blob) + host->page_cost +
	       flags_cost(host, page->flags);
}

static void charge_bytes(struct utmem_host_pool *pool, u64 client_bytes,
			 u64 host_bytes)
{
	pool->owner->used += client_bytes;
	pool->charged += client_bytes;
	pool->host->used += host_bytes;
}

static void uncharge_bytes(struct utmem_host_pool *pool, u64 client_bytes,
			   u64 host_bytes)
{
	pool->owner->used -= client_bytes;
	pool->charged -= client_bytes;
	pool->host->used -= host_bytes;
}

/*
 * Account a page that has just been linked into @pool.  The blob's bytes
 * and record are the host's once, when the blob is stored
 * (utmem_host_blob_insert()); the page's own are added here.
 */
void utmem_host_charge(struct utmem_host_pool *pool,
		       struct utmem_host_page *page)
{
	struct utmem_host_client *owner = pool->owner;
	struct utmem_host *host = pool->host;
	const struct utmem_host_blob *blob = page->blob;

	lockdep_assert_held(&host->lock);
	charge_bytes(pool, utmem_host_page_charge(page),
		     host->page_cost + flags_cost(host, page->flags));
	host->footprint += host->page_cost + flags_cost(host, page->flags);
	owner->pages++;
	pool->info.pages++;
	pool->info.puts++;
	pool->info.raw_bytes += blob->raw_len;
	pool->info.stored_bytes += blob->stored_len;
	host->pages++;
	host->raw_bytes += blob->raw_len;
	if (pool_ephemeral(pool)) {
		list_add_tail(&page->lru, &pool->eph_lru);
		owner->eph_pages++;
	} else {
		INIT_LIST_HEAD(&page->lru);
	}
}

/* Undo utmem_host_charge() for a page about to be unlinked. */
void utmem_host_uncharge(struct utmem_host_pool *pool,
			 struct utmem_host_page *page)
{
	struct utmem_host_client *owner = pool->owner;
	struct utmem_host *host = pool->host;
	const struct utmem_host_blob *blob = page->blob;

	lockdep_assert_held(&host->lock);
	uncharge_bytes(pool, utmem_host_page_charge(page),
		       host->page_cost + flags_cost(host, page->flags));
	host->footprint -= host->page_cost + flags_cost(host, page->flags);
	owner->pages--;
	pool->info.pages--;
	pool->info.raw_bytes -= blob->raw_len;
	pool->info.stored_bytes -= blob->stored_len;
	host->pages--;
	host->raw_bytes -= blob->raw_len;
	if (!list_empty(&page->lru))
		owner->eph_pages--;
	list_del_init(&page->lru);
}

/* @page, linked and charged, takes over carrying @flag's records. */
void utmem_host_page_carry(struct utmem_host_page *page, u8 flag)
{
	struct utmem_host_pool *pool = page->obj->pool;
	u32 cost = flags_cost(pool->host, flag);

	if (page->flags & flag)
		return;
	page->flags |= flag;
	charge_bytes(pool, cost, cost);
	pool->host->footprint += cost;
}

/* @page no longer carries @flag's records (they are gone, or moved). */
void utmem_host_page_drop(struct utmem_host_page *page, u8 flag)
{
	struct utmem_host_pool *pool = page->obj->pool;
	u32 cost = flags_cost(pool->host, flag);

	if (!(page->flags & flag))
		return;
	page->flags &= ~flag;
	uncharge_bytes(pool, cost, cost);
	pool->host->footprint -= cost;
}

/*
 * A pool changes owners by its totals: no work per page, whatever it
 * holds.  Its ephemeral pages keep their order in the pool's LRU.
 */
void utmem_host_pool_set_owner(struct utmem_host_pool *pool,
			       struct utmem_host_client *owner)
{
	struct utmem_host_client *old = pool->owner;
	u64 eph = pool_ephemeral(pool) ? pool->info.pages : 0;

	lockdep_assert_held(&pool->host->lock);
	old->used -= pool->charged;
	old->pages -= pool->info.pages;
	old->eph_pages -= eph;
	owner->used += pool->charged;
	owner->pages += pool->info.pages;
	owner->eph_pages += eph;
	list_move_tail(&pool->owner_node, &owner->pools_owned);
	pool->owner = owner;
}

/**
 * utmem_host_evict_one() - drop one of @client's ephemeral pages
 * @client: the victim
 *
 * The oldest page of its first ephemeral pool that has any; that pool
 * then goes to the back of the line, so that its pools lose pages in
 * turn.  Return: false when it has none.
 */
bool utmem_host_evict_one(struct utmem_host_client *client)
{
	struct utmem_host_pool *pool;
	struct utmem_host_page *page;

	lockdep_assert_held(&client->host->lock);
	if (!client->eph_pages)
		return false;
	list_for_each_entry(pool, &client->pools_owned, owner_node) {
		page = list_first_entry_or_null(&pool->eph_lru,
						struct utmem_host_page, lru);
		if (!page)
			continue;
		list_move_tail(&pool->owner_node, &client->pools_owned);
		utmem_host_count(client->host, UTMEM_HOST_EVICTIONS);
		utmem_host_page_evict(page);
		return true;
	}
	WARN_ON_ONCE(1);	/* eph_pages and the pools' LRUs disagree */
	return false;
}

/*
 * The client with ephemeral pages that is furthest over its weighted
 * share.  a->used / a->weight > b->used / b->weight is compared as a
 * product; used stays below 2^49 and weight below 2^14, so it fits.
 */
static struct utmem_host_client *pick_victim(struct utmem_host *host)
{
	struct utmem_host_client *c, *victim = NULL;

	list_for_each_entry(c, &host->clients, node) {
		if (!c->eph_pages)
			continue;
		if (!victim ||
		    c->used * victim->weight > victim->used * c->weight)
			victim = c;
	}
	return victim;
}

/**
 * utmem_host_evict_victim() - drop one ephemeral page where it hurts least
 * @host: the host
 *
 * Return: false when no client holds an ephemeral page.
 */
bool utmem_host_evict_victim(struct utmem_host *host)
{
	struct utmem_host_client *victim = pick_victim(host);

	return victim && utmem_host_evict_one(victim);
}

/**
 * utmem_host_make_room() - evict until a new page fits
 * @owner: the client to be charged
 * @charge: bytes it will be charged at most
 * @phys: bytes the host will newly hold at most
 *
 * A PUT evicts at most what one value costs, a bounded number of pages.
 * Return: false when it cannot fit; the PUT is then refused.  Pages
 * evicted on the way stay evicted: ephemeral data may go at any time.
 */
bool utmem_host_make_room(struct utmem_host_client *owner, u64 charge, u64 phys)
{
	struct utmem_host *host = owner->host;

	lockdep_assert_held(&host->lock);
	if (owner->pages >= owner->max_values)
		return false;
	if (owner->cap && charge > owner->cap)
		return false;
	while (owner->cap && owner->used + charge > owner->cap) {
		if (!utmem_host_evict_one(owner))
			return false;
	}
	if (phys > host->capacity)
		return false;
	while (host->used + phys > host->capacity) {
		if (!utmem_host_evict_victim(host))
			return false;
	}
	return true;
}

/**
 * utmem_host_fit_capacity() - give back what ephemeral data can
 * @host: the host, over its capacity after it shrank
 * @batch: evict at most this many pages
 *
 * Return: true when there is nothing more to do: the host fits, or only
 * persistent data is left; false when the caller should call again (with
 * the lock dropped in between).
 */
bool utmem_host_fit_capacity(struct utmem_host *host, unsigned int batch)
{
	lockdep_assert_held(&host->lock);
	while (host->used > host->capacity) {
		if (!batch--)
			return false;
		if (!utmem_host_evict_victim(host))
			break;
	}
	return true;
}

/*
 * A bulk operation releases the lock: keep the longest hold, and the most
 * pages one hold freed (@start_pages: the host's pages when it began).
 */
void utmem_host_hold_done(struct utmem_host *host, u64 start_ns,
			  u64 start_pages)
{
	u64 held = ktime_get_mono_fast_ns() - start_ns;

	lockdep_assert_held(&host->lock);
	if (held > host->max_hold_ns)
		host->max_hold_ns = held;
	if (start_pages > host->pages &&
	    start_pages - host->pages > host->max_hold_pages)
		host->max_hold_pages = start_pages - host->pages;
}

/**
 * utmem_host_parse_capacity() - parse a size parameter of a host
 * @str: the parameter; empty for the default
 * @bytes: out
 *
 * For utmem.sim_capacity=, and the KVM host's utmem.kvm_host_capacity=
 * and utmem.kvm_vm_cap=.
 *
 * Return: 0, or -EINVAL for anything but a number with an optional
 * K/M/G/T suffix within the host's limit.
 */
int utmem_host_parse_capacity(const char *str, u64 *bytes)
{
	char *end;

	if (!*str) {
		*bytes = (u64)totalram_pages() * PAGE_SIZE / 4;
		return 0;
	}
	*bytes = memparse(str, &end);
	if (end == str || (*end && *end != '\n') ||
	    *bytes > UTMEM_HOST_CAPACITY_MAX)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_host_parse_capacity);
