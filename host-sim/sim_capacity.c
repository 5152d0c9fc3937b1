// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's capacity policy: who is charged for what, and whose
 * ephemeral pages go when the host needs room.
 *
 * Two limits apply to a PUT.  A client's own cap (if set) bounds the bytes
 * it is charged; going over it costs that client its own ephemeral pages,
 * oldest first.  The host's capacity bounds the bytes it physically holds
 * (a deduplicated blob counts once); going over it costs the client that
 * is furthest over its weighted share (charged bytes / weight) its oldest
 * ephemeral page, repeatedly.  Persistent pages are never evicted: when
 * only they are left, the PUT is refused, which the guest must accept.
 *
 * Everything here runs under host->lock.
 */
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "sim.h"

/* Account a page that has just been linked into @pool. */
void utmem_sim_charge(struct utmem_sim_pool *pool, struct utmem_sim_page *page)
{
	struct utmem_sim_client *owner = pool->owner;
	struct utmem_sim_host *host = pool->host;
	const struct utmem_sim_blob *blob = page->blob;

	lockdep_assert_held(&host->lock);
	owner->used += blob->stored_len;
	owner->pages++;
	pool->info.pages++;
	pool->info.puts++;
	pool->info.raw_bytes += blob->raw_len;
	pool->info.stored_bytes += blob->stored_len;
	host->pages++;
	host->raw_bytes += blob->raw_len;
	host->footprint += kmalloc_size_roundup(sizeof(*page));
	if (pool_ephemeral(pool))
		list_add_tail(&page->lru, &owner->eph_lru);
	else
		INIT_LIST_HEAD(&page->lru);
}

/* Undo utmem_sim_charge() for a page about to be unlinked. */
void utmem_sim_uncharge(struct utmem_sim_pool *pool,
			struct utmem_sim_page *page)
{
	struct utmem_sim_client *owner = pool->owner;
	struct utmem_sim_host *host = pool->host;
	const struct utmem_sim_blob *blob = page->blob;

	lockdep_assert_held(&host->lock);
	owner->used -= blob->stored_len;
	owner->pages--;
	pool->info.pages--;
	pool->info.raw_bytes -= blob->raw_len;
	pool->info.stored_bytes -= blob->stored_len;
	host->pages--;
	host->raw_bytes -= blob->raw_len;
	host->footprint -= kmalloc_size_roundup(sizeof(*page));
	list_del_init(&page->lru);
}

/**
 * utmem_sim_evict_one() - drop @client's oldest ephemeral page
 * @client: the victim
 *
 * Return: false when it has none.
 */
bool utmem_sim_evict_one(struct utmem_sim_client *client)
{
	struct utmem_sim_page *page;

	lockdep_assert_held(&client->host->lock);
	page = list_first_entry_or_null(&client->eph_lru,
					struct utmem_sim_page, lru);
	if (!page)
		return false;
	utmem_sim_count(client->host, UTMEM_SIM_EVICTIONS);
	utmem_sim_page_evict(page);
	return true;
}

/*
 * The client with ephemeral pages that is furthest over its weighted
 * share.  a->used / a->weight > b->used / b->weight is compared as a
 * product; used stays below 2^48 and weight below 2^14, so it fits.
 */
static struct utmem_sim_client *pick_victim(struct utmem_sim_host *host)
{
	struct utmem_sim_client *c, *victim = NULL;

	list_for_each_entry(c, &host->clients, node) {
		if (list_empty(&c->eph_lru))
			continue;
		if (!victim ||
		    c->used * victim->weight > victim->used * c->weight)
			victim = c;
	}
	return victim;
}

/**
 * utmem_sim_evict_victim() - drop one ephemeral page where it hurts least
 * @host: the host
 *
 * Return: false when no client holds an ephemeral page.
 */
bool utmem_sim_evict_victim(struct utmem_sim_host *host)
{
	struct utmem_sim_client *victim = pick_victim(host);

	return victim && utmem_sim_evict_one(victim);
}

/**
 * utmem_sim_make_room() - evict until a new page fits
 * @owner: the client to be charged
 * @charge: bytes it will be charged
 * @phys: bytes the host will newly hold (0 when the value deduplicates)
 *
 * Return: false when it cannot fit; the PUT is then refused.  Pages
 * evicted on the way stay evicted: ephemeral data may go at any time.
 */
bool utmem_sim_make_room(struct utmem_sim_client *owner, u32 charge, u32 phys)
{
	struct utmem_sim_host *host = owner->host;

	lockdep_assert_held(&host->lock);
	if (owner->cap && charge > owner->cap)
		return false;
	while (owner->cap && owner->used + charge > owner->cap) {
		if (!utmem_sim_evict_one(owner))
			return false;
	}
	if (phys > host->capacity)
		return false;
	while (host->used + phys > host->capacity) {
		if (!utmem_sim_evict_victim(host))
			return false;
	}
	return true;
}

/* After the capacity shrank: give back what ephemeral data can. */
void utmem_sim_fit_capacity(struct utmem_sim_host *host)
{
	lockdep_assert_held(&host->lock);
	while (host->used > host->capacity) {
		if (!utmem_sim_evict_victim(host))
			break;
	}
}
