// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core: the host asking for memory back.
 *
 * A backend learns that its host is short of memory (a simulated host's
 * knob, a hypercall reply) and calls tmem_request_reclaim(), possibly in
 * atomic context.  The request is queued; a work item hands the page
 * count to the guest users on the notifier chain, which free host memory
 * their own way (frontswap writes pages back to the swap device).
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/workqueue.h>

#include <utmem/tmem.h>
#include "tmem_internal.h"

static BLOCKING_NOTIFIER_HEAD(tmem_reclaim_chain);
static atomic_long_t tmem_reclaim_pending = ATOMIC_LONG_INIT(0);

static void tmem_reclaim_work_fn(struct work_struct *work)
{
	unsigned long nr = atomic_long_xchg(&tmem_reclaim_pending, 0);

	if (nr)
		blocking_notifier_call_chain(&tmem_reclaim_chain, nr, NULL);
}

static DECLARE_WORK(tmem_reclaim_work, tmem_reclaim_work_fn);

int tmem_register_reclaim_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&tmem_reclaim_chain, nb);
}
EXPORT_SYMBOL_GPL(tmem_register_reclaim_notifier);

int tmem_unregister_reclaim_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&tmem_reclaim_chain, nb);
}
EXPORT_SYMBOL_GPL(tmem_unregister_reclaim_notifier);

/**
 * tmem_request_reclaim() - the host wants @nr_pages pages back
 * @nr_pages: how many
 *
 * Atomic-safe.  Requests add up until the users run.
 */
void tmem_request_reclaim(unsigned long nr_pages)
{
	atomic_long_add(nr_pages, &tmem_reclaim_pending);
	schedule_work(&tmem_reclaim_work);
}
EXPORT_SYMBOL_GPL(tmem_request_reclaim);

/**
 * tmem_host_wants() - the host now wants @nr_pages pages back in all
 * @nr_pages: how many; 0 when it wants none
 *
 * For a host that states what it is owed with each answer (the KVM host)
 * rather than asking once: the level replaces what was pending, so that
 * repeating it asks nothing more.  Atomic-safe.
 */
void tmem_host_wants(unsigned long nr_pages)
{
	atomic_long_set(&tmem_reclaim_pending, nr_pages);
	if (nr_pages)
		schedule_work(&tmem_reclaim_work);
}
EXPORT_SYMBOL_GPL(tmem_host_wants);

/* Wait for queued requests to be served (tests, module exit). */
void tmem_reclaim_flush(void)
{
	flush_work(&tmem_reclaim_work);
}
EXPORT_SYMBOL_GPL(tmem_reclaim_flush);
