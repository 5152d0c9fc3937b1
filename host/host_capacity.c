// SPDX-License-Identifier: GPL-2.0
/*
 * A host's accounts: who is charged for what.  Whose ephemeral pages
 * go when the host needs room is host_evict.c.
 *
 * A client is charged what its values cost the host, records included
 * (struct utmem_host_value).  Three limits apply to a PUT.  A client holds
 * at most max_values values.  A client's own cap (if set) bounds the
 * bytes it is charged; going over it costs that client its own ephemeral
 * pages, oldest first within each pool, its pools taken in turn.  The
 * host's capacity bounds the bytes it physically holds (a deduplicated
 * blob counts once); going over it costs the client that is furthest over
 * its weighted share (charged bytes / weight) an ephemeral page,
 * repeatedly.  Persistent pages are never evicted: when only they are
 * left, the PUT is refused, which the guest must accept.
 *
 * A client asked for persistent pages back (host_reclaim.c) owes them
 * until it holds that many fewer: its accounts recount the debt as its
 * persistent pages come and go.
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
	return (flags & UTMEM_HOST_VALUE_OBJ ? host->obj_cost : 0) +
	       (flags & UTMEM_HOST_VALUE_LEAF ? host->node_cost : 0) +
	       (flags & UTMEM_HOST_VALUE_UPPER ? host->node_cost : 0);
}

/* Its own record and what it carries: the host's once per value. */
static u32 value_records(const struct utmem_host *host,
			 const struct utmem_host_value *value)
{
	return host->value_cost[!!(value->flags & UTMEM_HOST_VALUE_EPH)] +
	       flags_cost(host, value->flags);
}

/* What @value costs its pool's owner, bytes. */
u32 utmem_host_value_charge(struct utmem_host_value *value)
{
	const struct utmem_host *host = value->obj->pool->host;

	return utmem_host_blob_cost(host, utmem_host_value_blob(value)) +
	       value_records(host, value);
}

/*
 * The client's second account (struct utmem_host_account_ops) follows
 * @used.  A PUT charges it ahead (utmem_host_account_reserve()), where it
 * may still refuse; what a PUT adds is taken from that, and whatever else
 * adds to @used (a page taking over its object's records, a shared pool
 * changing owners) is charged by force: it cannot be refused any more.
 */
static void account_add(struct utmem_host_client *client, u64 bytes)
{
	u64 take = min(bytes, client->account_reserved);

	if (!client->account)
		return;
	client->account_reserved -= take;
	if (bytes > take)
		client->account->charge(client->account_data, bytes - take,
					true);
}

static void account_sub(struct utmem_host_client *client, u64 bytes)
{
	if (!client->account || !bytes)
		return;
	client->account->uncharge(client->account_data, bytes);
}

/**
 * utmem_host_account_reserve() - charge a PUT's cost ahead
 * @client: the client the PUT charges
 * @bytes: what it costs at most
 *
 * Return: false when the client's account refuses: the PUT is refused.
 */
bool utmem_host_account_reserve(struct utmem_host_client *client, u64 bytes)
{
	lockdep_assert_held(&client->host->lock);
	if (!client->account)
		return true;
	if (!client->account->charge(client->account_data, bytes, false)) {
		client->put_refused_account++;
		utmem_host_count(client->host, UTMEM_HOST_PUT_REFUSED_ACCOUNT);
		return false;
	}
	client->account_reserved += bytes;
	return true;
}

/* What a PUT charged ahead and did not use goes back. */
void utmem_host_account_release(struct utmem_host_client *client)
{
	lockdep_assert_held(&client->host->lock);
	if (!client->account_reserved)
		return;
	client->account->uncharge(client->account_data,
				  client->account_reserved);
	client->account_reserved = 0;
}

/**
 * utmem_host_persistent_changed() - recount what @client owes
 * @client: a client whose persistent pages changed
 * @removed: pages went (and may count as returned)
 *
 * A client that holds no more than its target has paid: it owes nothing
 * until the host asks again.
 */
void utmem_host_persistent_changed(struct utmem_host_client *client,
				   bool removed)
{
	u64 held = utmem_host_persistent_pages(client), wanted = 0;

	lockdep_assert_held(&client->host->lock);
	if (client->reclaim_target == UTMEM_HOST_NO_TARGET)
		return;
	if (held > client->reclaim_target)
		wanted = held - client->reclaim_target;
	if (removed && wanted < client->wanted)
		client->reclaim_returned += client->wanted - wanted;
	if (!wanted)
		client->reclaim_target = UTMEM_HOST_NO_TARGET;
	WRITE_ONCE(client->wanted, wanted);
}

static void charge_bytes(struct utmem_host_pool *pool, u64 client_bytes,
			 u64 host_bytes)
{
	account_add(pool->owner, client_bytes);
	pool->owner->used += client_bytes;
	pool->charged += client_bytes;
	pool->host->used += host_bytes;
}

static void uncharge_bytes(struct utmem_host_pool *pool, u64 client_bytes,
			   u64 host_bytes)
{
	account_sub(pool->owner, client_bytes);
	pool->owner->used -= client_bytes;
	pool->charged -= client_bytes;
	pool->host->used -= host_bytes;
}

/*
 * Account a value that has just been linked into @pool.  The blob's bytes
 * and records are the host's once, when the blob is stored
 * (utmem_host_blob_insert()); the value's own are added here.
 */
void utmem_host_charge(struct utmem_host_pool *pool,
		       struct utmem_host_value *page)
{
	struct utmem_host_client *owner = pool->owner;
	struct utmem_host *host = pool->host;
	const struct utmem_host_blob *blob = utmem_host_value_blob(page);
	u32 records = value_records(host, page);

	lockdep_assert_held(&host->lock);
	charge_bytes(pool, utmem_host_value_charge(page), records);
	host->footprint += records;
	host->records += records;
	owner->pages++;
	pool->info.pages++;
	pool->info.puts++;
	pool->info.raw_bytes += blob->raw_len;
	pool->info.stored_bytes += blob->stored_len;
	host->pages++;
	host->raw_bytes += blob->raw_len;
	if (pool_ephemeral(pool)) {
		list_add_tail(utmem_host_value_lru(page), &pool->eph_lru);
		owner->eph_pages++;
	} else {
		utmem_host_persistent_changed(owner, false);
	}
}

/* Undo utmem_host_charge() for a page about to be unlinked. */
void utmem_host_uncharge(struct utmem_host_pool *pool,
			 struct utmem_host_value *page)
{
	struct utmem_host_client *owner = pool->owner;
	struct utmem_host *host = pool->host;
	const struct utmem_host_blob *blob = utmem_host_value_blob(page);
	u32 records = value_records(host, page);

	lockdep_assert_held(&host->lock);
	uncharge_bytes(pool, utmem_host_value_charge(page), records);
	host->footprint -= records;
	host->records -= records;
	owner->pages--;
	pool->info.pages--;
	pool->info.raw_bytes -= blob->raw_len;
	pool->info.stored_bytes -= blob->stored_len;
	host->pages--;
	host->raw_bytes -= blob->raw_len;
	if (pool_ephemeral(pool)) {
		list_del(utmem_host_value_lru(page));
		owner->eph_pages--;
	} else {
		utmem_host_persistent_changed(owner, true);
	}
}

/* @value, linked and charged, takes over carrying @flags' records. */
void utmem_host_value_carry(struct utmem_host_value *value, u8 flags)
{
	struct utmem_host_pool *pool = value->obj->pool;
	u32 cost;

	flags &= ~value->flags;
	cost = flags_cost(pool->host, flags);
	value->flags |= flags;
	charge_bytes(pool, cost, cost);
	pool->host->footprint += cost;
	pool->host->records += cost;
}

/* @value no longer carries @flags' records (they are gone, or moved). */
void utmem_host_value_drop(struct utmem_host_value *value, u8 flags)
{
	struct utmem_host_pool *pool = value->obj->pool;
	u32 cost;

	flags &= value->flags;
	cost = flags_cost(pool->host, flags);
	value->flags &= ~flags;
	uncharge_bytes(pool, cost, cost);
	pool->host->footprint -= cost;
	pool->host->records -= cost;
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
	account_sub(old, pool->charged);
	old->used -= pool->charged;
	old->pages -= pool->info.pages;
	old->eph_pages -= eph;
	account_add(owner, pool->charged);
	owner->used += pool->charged;
	owner->pages += pool->info.pages;
	owner->eph_pages += eph;
	list_move_tail(&pool->owner_node, &owner->pools_owned);
	pool->owner = owner;
	if (!eph) {
		utmem_host_persistent_changed(old, true);
		utmem_host_persistent_changed(owner, false);
	}
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
 * For utmem.sim_capacity=, and the KVM host's utmem.kvm_host_capacity=,
 * and a VM's cap_bytes file.
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
