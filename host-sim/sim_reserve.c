// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated host's memory, set aside from the guest's.
 *
 * A real host keeps what a guest puts in memory the guest does not have.
 * The simulator keeps it in this kernel, so a PUT would only move a page
 * from one part of the guest to another, and frontswap would seem to free
 * memory that it does not.  With the carve-out on, the host takes its
 * capacity out of the guest up front, as pages it allocates and leaves
 * unused (the reserve), and hands reserve pages back to the page
 * allocator as its stored data grows, taking them again as data leaves.
 * The guest then has its RAM minus the capacity to run in, whatever the
 * host holds, as it would beside a host with memory of its own.
 *
 * What is counted is the host's footprint: the pages of its zsmalloc
 * pool, where blob bytes live, and the blob and page records as kmalloc
 * rounds them.  Object records and xarray nodes are not counted, nor what
 * debug builds add to kmalloc objects (KASAN doubles a 64-byte record):
 * they are small next to the data.
 *
 * A PUT first lets go of enough reserve for the value it is about to
 * allocate, so that its GFP_NOWAIT allocations find free pages even when
 * the guest is reclaiming.  Refilling the reserve needs GFP_KERNEL and
 * runs in a work item once the deficit is worth it (UTMEM_SIM_REFILL_MIN
 * pages): the guest briefly has up to that much more memory than the
 * model says.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "sim.h"

#define UTMEM_SIM_REFILL_MIN	64
#define UTMEM_SIM_REFILL_BATCH	256

static unsigned long reserve_target(struct utmem_sim_host *host, u64 headroom)
{
	u64 capacity_pages = host->capacity >> PAGE_SHIFT;
	u64 used_pages = DIV_ROUND_UP_ULL(utmem_sim_footprint(host) + headroom,
					  PAGE_SIZE);

	if (!host->carve_out || used_pages >= capacity_pages)
		return 0;
	return capacity_pages - used_pages;
}

/**
 * utmem_sim_reserve_fit() - match the reserve to capacity and footprint
 * @host: the host, locked
 * @headroom: bytes about to be allocated for a PUT
 *
 * Frees surplus reserve pages now; queues a refill when the reserve is
 * short by UTMEM_SIM_REFILL_MIN pages or more.  Atomic-safe.
 */
void utmem_sim_reserve_fit(struct utmem_sim_host *host, u64 headroom)
{
	unsigned long target = reserve_target(host, headroom);
	struct page *page;

	lockdep_assert_held(&host->lock);
	while (host->reserve_pages > target) {
		page = list_first_entry(&host->reserve, struct page, lru);
		list_del(&page->lru);
		host->reserve_pages--;
		__free_page(page);
	}
	if (target - host->reserve_pages >= UTMEM_SIM_REFILL_MIN)
		schedule_work(&host->reserve_work);
}

/*
 * Allocates outside the lock, a batch at a time, and lets the fit free
 * whatever a racing PUT made surplus meanwhile.  An allocation failure
 * ends the refill: the guest is short of memory, and the next change of
 * footprint tries again.
 */
static void reserve_refill(struct utmem_sim_host *host)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	unsigned long flags, want, got;
	struct page *page;
	LIST_HEAD(batch);

	for (;;) {
		spin_lock_irqsave(&host->lock, flags);
		want = reserve_target(host, 0);
		want = want > host->reserve_pages ?
		       want - host->reserve_pages : 0;
		spin_unlock_irqrestore(&host->lock, flags);
		if (!want)
			return;
		want = min(want, UTMEM_SIM_REFILL_BATCH);
		for (got = 0; got < want; got++) {
			page = alloc_page(gfp);
			if (!page)
				break;
			list_add(&page->lru, &batch);
		}
		spin_lock_irqsave(&host->lock, flags);
		list_splice_init(&batch, &host->reserve);
		host->reserve_pages += got;
		utmem_sim_reserve_fit(host, 0);
		spin_unlock_irqrestore(&host->lock, flags);
		if (got < want)
			return;
		cond_resched();
	}
}

static void reserve_work_fn(struct work_struct *work)
{
	reserve_refill(container_of(work, struct utmem_sim_host, reserve_work));
}

void utmem_sim_reserve_init(struct utmem_sim_host *host)
{
	INIT_LIST_HEAD(&host->reserve);
	INIT_WORK(&host->reserve_work, reserve_work_fn);
}

/* Gives every reserve page back; the host is going away. */
void utmem_sim_reserve_exit(struct utmem_sim_host *host)
{
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	host->carve_out = false;
	utmem_sim_reserve_fit(host, 0);
	spin_unlock_irqrestore(&host->lock, flags);
	cancel_work_sync(&host->reserve_work);
}

/**
 * utmem_sim_set_carve_out() - set the host's capacity aside from the guest
 * @host: the host
 * @on: take it (now, may sleep) or give it back
 *
 * Return: 0, or -ENOMEM when the guest could not spare the capacity; the
 * carve-out stays on with what it got, and the refills take the rest as
 * the guest frees memory.
 */
int utmem_sim_set_carve_out(struct utmem_sim_host *host, bool on)
{
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&host->lock, flags);
	host->carve_out = on;
	utmem_sim_reserve_fit(host, 0);
	spin_unlock_irqrestore(&host->lock, flags);
	if (on) {
		cancel_work_sync(&host->reserve_work);
		reserve_refill(host);
		spin_lock_irqsave(&host->lock, flags);
		if (host->reserve_pages < reserve_target(host, 0))
			err = -ENOMEM;
		spin_unlock_irqrestore(&host->lock, flags);
	}
	return err;
}

u64 utmem_sim_reserve_bytes(struct utmem_sim_host *host)
{
	return (u64)READ_ONCE(host->reserve_pages) << PAGE_SHIFT;
}
