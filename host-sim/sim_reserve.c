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
 * pool, where blob bytes live, the bytes kept outside it, and the host's
 * records (values, shared blobs, objects, the xarray nodes values carry).
 * What debug builds add to slab objects (KASAN's redzones) is not: it is
 * small next to the data.
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

static unsigned long reserve_target(struct utmem_sim_reserve *r, u64 headroom)
{
	struct utmem_host *host = r->host;
	u64 capacity_pages = host->capacity >> PAGE_SHIFT;
	u64 used_pages = DIV_ROUND_UP_ULL(utmem_host_footprint(host) + headroom,
					  PAGE_SIZE);

	if (!r->carve_out || used_pages >= capacity_pages)
		return 0;
	return capacity_pages - used_pages;
}

/*
 * Matches the reserve to capacity and footprint, with @headroom bytes
 * about to be allocated for a PUT: frees surplus reserve pages now;
 * queues a refill when the reserve is short by UTMEM_SIM_REFILL_MIN
 * pages or more.  Under the host lock, atomic-safe: the host's
 * footprint_changed hook.
 */
static void reserve_fit(struct utmem_sim_reserve *r, u64 headroom)
{
	unsigned long target = reserve_target(r, headroom);
	struct page *page;

	lockdep_assert_held(&r->host->lock);
	while (r->nr_pages > target) {
		page = list_first_entry(&r->pages, struct page, lru);
		list_del(&page->lru);
		r->nr_pages--;
		__free_page(page);
	}
	if (target > r->nr_pages &&
	    target - r->nr_pages >= UTMEM_SIM_REFILL_MIN)
		schedule_work(&r->work);
}

static void reserve_footprint_changed(struct utmem_host *host, u64 headroom)
{
	reserve_fit(host->binding, headroom);
}

/*
 * Allocates outside the lock, a batch at a time, and lets the fit free
 * whatever a racing PUT made surplus meanwhile.  An allocation failure
 * ends the refill: the guest is short of memory, and the next change of
 * footprint tries again.
 */
static void reserve_refill(struct utmem_sim_reserve *r)
{
	struct utmem_host *host = r->host;
	const gfp_t gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	unsigned long flags, want, got;
	struct page *page;
	LIST_HEAD(batch);

	for (;;) {
		spin_lock_irqsave(&host->lock, flags);
		want = reserve_target(r, 0);
		want = want > r->nr_pages ? want - r->nr_pages : 0;
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
		list_splice_init(&batch, &r->pages);
		r->nr_pages += got;
		reserve_fit(r, 0);
		spin_unlock_irqrestore(&host->lock, flags);
		if (got < want)
			return;
		cond_resched();
	}
}

static void reserve_work_fn(struct work_struct *work)
{
	reserve_refill(container_of(work, struct utmem_sim_reserve, work));
}

/**
 * utmem_sim_reserve_attach() - a reserve for @host, carve-out off
 * @r: the reserve
 * @host: a host holding nothing yet, whose binding data @r becomes
 */
void utmem_sim_reserve_attach(struct utmem_sim_reserve *r,
			      struct utmem_host *host)
{
	r->host = host;
	r->carve_out = false;
	INIT_LIST_HEAD(&r->pages);
	r->nr_pages = 0;
	INIT_WORK(&r->work, reserve_work_fn);
	host->binding = r;
}

/*
 * Turns the carve-out on or off and fits the reserve to it.  The host's
 * footprint hook is installed only while the carve-out is on: off, a PUT
 * takes no extra hold of the host lock for it.
 */
static void reserve_set(struct utmem_sim_reserve *r, bool on)
{
	struct utmem_host *host = r->host;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	r->carve_out = on;
	WRITE_ONCE(host->footprint_changed,
		   on ? reserve_footprint_changed : NULL);
	reserve_fit(r, 0);
	spin_unlock_irqrestore(&host->lock, flags);
}

/* Gives every reserve page back and lets go of the host; may sleep. */
void utmem_sim_reserve_detach(struct utmem_sim_reserve *r)
{
	reserve_set(r, false);
	cancel_work_sync(&r->work);
	/* A refill that ran meanwhile found the carve-out off: none left. */
	WARN_ON_ONCE(r->nr_pages);
	r->host->binding = NULL;
}

/**
 * utmem_sim_set_carve_out() - set the host's capacity aside from the guest
 * @r: the host's reserve
 * @on: take it (now, may sleep) or give it back
 *
 * Return: 0, or -ENOMEM when the guest could not spare the capacity; the
 * carve-out stays on with what it got, and the refills take the rest as
 * the guest frees memory.
 */
int utmem_sim_set_carve_out(struct utmem_sim_reserve *r, bool on)
{
	struct utmem_host *host = r->host;
	unsigned long flags;
	int err = 0;

	reserve_set(r, on);
	if (on) {
		cancel_work_sync(&r->work);
		reserve_refill(r);
		spin_lock_irqsave(&host->lock, flags);
		if (r->nr_pages < reserve_target(r, 0))
			err = -ENOMEM;
		spin_unlock_irqrestore(&host->lock, flags);
	}
	return err;
}

u64 utmem_sim_reserve_bytes(struct utmem_sim_reserve *r)
{
	return (u64)READ_ONCE(r->nr_pages) << PAGE_SHIFT;
}
