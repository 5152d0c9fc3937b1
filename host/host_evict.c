// SPDX-License-Identifier: GPL-2.0
/*
 * A host's eviction: whose ephemeral pages go when a PUT needs room or
 * the host's capacity shrank.  The limits themselves are described in
 * host_capacity.c.  Everything here runs under host->lock.
 */
#include <linux/list.h>
#include <linux/lockdep.h>

#include "host.h"

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
	struct utmem_host_eph_value *eph;
	struct utmem_host_pool *pool;

	lockdep_assert_held(&client->host->lock);
	if (!client->eph_pages)
		return false;
	list_for_each_entry(pool, &client->pools_owned, owner_node) {
		eph = list_first_entry_or_null(&pool->eph_lru,
					       struct utmem_host_eph_value, lru);
		if (!eph)
			continue;
		list_move_tail(&pool->owner_node, &client->pools_owned);
		utmem_host_count(client->host, UTMEM_HOST_EVICTIONS);
		utmem_host_value_evict(&eph->value);
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
