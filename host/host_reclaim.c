// SPDX-License-Identifier: GPL-2.0
/*
 * A host asking its clients for persistent pages back.
 *
 * Ephemeral pages the host drops on its own (host_evict.c).  Persistent
 * pages it may not drop: when it needs them back (its capacity shrank,
 * a client's cap went below what it holds, the host kernel is short of
 * memory) it asks.  A client asked for N pages owes them until it holds
 * N fewer persistent pages than when asked: its reclaim target.  The
 * binding tells the guest what it owes (the KVM host, in every answer);
 * the guest writes that many pages elsewhere (frontswap, to its swap
 * device) and flushes them.
 *
 * A client that owes pages longer than the host's grace has its
 * persistent PUTs refused until it has paid: the host stays in control
 * of its memory whether or not the guest listens.  Its ephemeral PUTs go
 * on: the host may drop those whenever it likes.
 *
 * A host kernel short of memory (its shrinker, in the KVM binding) drops
 * ephemeral pages first, where they hurt least, and asks for persistent
 * ones only for the rest.
 *
 * What a client owes is recounted by its accounts, as its persistent
 * pages come and go (utmem_host_persistent_changed(), host_capacity.c).
 * The functions named _locked, and utmem_host_owing_too_long(), run under
 * host->lock; the others take it.
 */
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>

#include "host.h"

/**
 * utmem_host_ask_back_locked() - ask @client for persistent pages
 * @client: the client
 * @nr_pages: how many more; it is never asked more than it holds
 */
void utmem_host_ask_back_locked(struct utmem_host_client *client,
				u64 nr_pages)
{
	u64 held = utmem_host_persistent_pages(client);
	u64 owed = client->wanted, more;

	lockdep_assert_held(&client->host->lock);
	more = min(nr_pages, held - owed);
	if (!more)
		return;
	if (!owed)
		client->owing_since = jiffies;
	client->reclaim_asked += more;
	client->reclaim_target = held - owed - more;
	WRITE_ONCE(client->wanted, owed + more);
}

/**
 * utmem_host_ask_back() - ask one client for persistent pages
 * @client: the client
 * @nr_pages: how many more
 *
 * Atomic-safe.
 */
void utmem_host_ask_back(struct utmem_host_client *client, u64 nr_pages)
{
	unsigned long flags;

	spin_lock_irqsave(&client->host->lock, flags);
	utmem_host_ask_back_locked(client, nr_pages);
	spin_unlock_irqrestore(&client->host->lock, flags);
}
EXPORT_SYMBOL_GPL(utmem_host_ask_back);

/**
 * utmem_host_ask_clients() - ask the clients for persistent pages
 * @host: the host, short of memory
 * @nr_pages: how many, in all
 *
 * Each client is asked in proportion to the persistent pages it holds
 * and does not owe yet, rounded up: a client holding more gives more.
 * One pass over the clients.  Atomic-safe.
 *
 * Return: the pages asked for, at most what the clients hold.
 */
u64 utmem_host_ask_clients(struct utmem_host *host, u64 nr_pages)
{
	struct utmem_host_client *c;
	u64 free = 0, asked = 0, share, before;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	list_for_each_entry(c, &host->clients, node)
		free += utmem_host_persistent_pages(c) - c->wanted;
	if (!free)
		goto unlock;
	nr_pages = min(nr_pages, free);
	list_for_each_entry(c, &host->clients, node) {
		share = DIV64_U64_ROUND_UP(nr_pages *
					   (utmem_host_persistent_pages(c) - c->wanted),
					   free);
		before = c->wanted;
		utmem_host_ask_back_locked(c, min(share, nr_pages - asked));
		asked += c->wanted - before;
		if (asked >= nr_pages)
			break;
	}
unlock:
	spin_unlock_irqrestore(&host->lock, flags);
	return asked;
}
EXPORT_SYMBOL_GPL(utmem_host_ask_clients);

/* Whether @client's persistent PUTs are refused: it owes, past the grace. */
bool utmem_host_owing_too_long(struct utmem_host_client *client)
{
	lockdep_assert_held(&client->host->lock);
	if (!client->wanted)
		return false;
	return !time_before(jiffies, client->owing_since +
			    READ_ONCE(client->host->reclaim_grace));
}

/**
 * utmem_host_set_reclaim_grace() - how long a client may owe and still put
 * @host: the host
 * @grace: jiffies; 0 refuses persistent PUTs as soon as a client owes
 */
void utmem_host_set_reclaim_grace(struct utmem_host *host,
				  unsigned long grace)
{
	WRITE_ONCE(host->reclaim_grace, grace);
}
EXPORT_SYMBOL_GPL(utmem_host_set_reclaim_grace);

/**
 * utmem_host_reclaimable() - pages a host short of memory could get back
 * @host: the host
 *
 * Ephemeral pages, and persistent ones not asked for yet.  Atomic-safe.
 */
u64 utmem_host_reclaimable(struct utmem_host *host)
{
	struct utmem_host_client *c;
	unsigned long flags;
	u64 n = 0;

	spin_lock_irqsave(&host->lock, flags);
	list_for_each_entry(c, &host->clients, node)
		n += c->pages - c->wanted;
	spin_unlock_irqrestore(&host->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(utmem_host_reclaimable);

/**
 * utmem_host_shrink_ephemeral() - drop ephemeral pages where they hurt least
 * @host: the host
 * @nr_pages: how many at most
 *
 * The clients furthest over their weighted shares lose pages first, as
 * when a PUT needs room.  The lock is taken per %UTMEM_HOST_FREE_BATCH
 * pages.  Atomic-safe.  Return: the pages dropped.
 */
u64 utmem_host_shrink_ephemeral(struct utmem_host *host, u64 nr_pages)
{
	unsigned long flags;
	u64 done = 0, start, pages;
	unsigned int batch;

	while (done < nr_pages) {
		spin_lock_irqsave(&host->lock, flags);
		start = ktime_get_mono_fast_ns();
		pages = host->pages;
		for (batch = 0; batch < UTMEM_HOST_FREE_BATCH &&
		     done < nr_pages; batch++, done++) {
			if (!utmem_host_evict_victim(host))
				break;
		}
		utmem_host_hold_done(host, start, pages);
		utmem_host_footprint_changed(host, 0);
		spin_unlock_irqrestore(&host->lock, flags);
		if (batch < UTMEM_HOST_FREE_BATCH)
			break;
	}
	return done;
}
EXPORT_SYMBOL_GPL(utmem_host_shrink_ephemeral);
