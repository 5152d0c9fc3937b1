// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core: the host asking for memory back.
 *
 * A backend learns that its host is short of memory (a simulated host's
 * knob, a hypercall reply) and calls tmem_request_reclaim(), possibly in
 * atomic context.  The request is queued; a work item hands the page
 * count to the guest users on the notifier chain, which free host memory
 * their own way (frontswap writes pages back to the swap device).
 *
 * Draining is the guest's own decision, made before the VM is moved by
 * tools that know nothing of utmem (the host will not move its pools):
 * every user stops storing and gives back all it can (frontswap writes
 * every page to its swap device, cleancache drops its pages), until it
 * is resumed.  /sys/kernel/utmem/drain.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/sysfs.h>
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

static BLOCKING_NOTIFIER_HEAD(tmem_drain_chain);
static DEFINE_MUTEX(tmem_drain_lock);
static bool tmem_drained;

int tmem_register_drain_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&tmem_drain_chain, nb);
}
EXPORT_SYMBOL_GPL(tmem_register_drain_notifier);

int tmem_unregister_drain_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&tmem_drain_chain, nb);
}
EXPORT_SYMBOL_GPL(tmem_unregister_drain_notifier);

/**
 * tmem_drain() - have every user stop storing and give back what it holds
 * @drain: true to drain, false to resume storing
 *
 * Each user on the chain is called with TMEM_DRAIN or TMEM_RESUME and a
 * pointer to a count of pages, to which it adds the pages it still holds
 * on the host after draining.  Draining again retries what was left.
 * May sleep.
 *
 * Return: the pages users still hold (0: nothing left on the host), or 0
 * after a resume.
 */
unsigned long tmem_drain(bool drain)
{
	unsigned long left = 0;

	mutex_lock(&tmem_drain_lock);
	/* Before the users run: their puts stop from here (tmem_draining()). */
	WRITE_ONCE(tmem_drained, drain);
	blocking_notifier_call_chain(&tmem_drain_chain,
				     drain ? TMEM_DRAIN : TMEM_RESUME, &left);
	mutex_unlock(&tmem_drain_lock);
	return left;
}
EXPORT_SYMBOL_GPL(tmem_drain);

/* Whether the users are drained: they store nothing.  Atomic-safe. */
bool tmem_draining(void)
{
	return READ_ONCE(tmem_drained);
}
EXPORT_SYMBOL_GPL(tmem_draining);

static ssize_t drain_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", tmem_draining());
}

/*
 * 1: drain, and answer once done: EBUSY when pages are left (written
 * back later, or never: the log says how many).  0: resume.
 */
static ssize_t drain_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned long left;
	bool drain;

	if (kstrtobool(buf, &drain)) {
		pr_err("drain: '%.*s' is not 0 or 1\n",
		       (int)strcspn(buf, "\n"), buf);
		return -EINVAL;
	}
	left = tmem_drain(drain);
	if (!drain) {
		pr_info("resumed: the guest users store on the host again\n");
		return count;
	}
	if (left) {
		pr_warn("drained, but the host still holds %lu pages of this guest's users\n",
			left);
		return -EBUSY;
	}
	pr_info("drained: the guest users hold nothing on the host, and store nothing until resumed\n");
	return count;
}

struct kobj_attribute tmem_drain_attr = __ATTR_RW(drain);
