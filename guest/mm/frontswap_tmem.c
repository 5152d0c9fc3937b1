// SPDX-License-Identifier: GPL-2.0
/*
 * frontswap on tmem: binds the frontswap hooks to the tmem core.  The
 * per-area logic is in frontswap_tmem_area.c; this file keeps the areas,
 * the knobs and the counters.
 *
 * Knobs:
 *   utmem.frontswap=0|1       (rw) take new pages; off, every PUT is
 *                             skipped and pages go to the swap device
 *   debugfs utmem/frontswap/shrink   write N: move up to N held pages to
 *                             the swap device
 * The host asks for the same through tmem_request_reclaim().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": frontswap: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/frontswap.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/swap.h>
#include <linux/swap_slots.h>
#include <linux/swapops.h>
#include <linux/zswap.h>

#include <utmem/tmem.h>
#include "frontswap_tmem.h"
#include <utmem/debugfs.h>
#include <utmem/sysfs.h>

static bool frontswap_enabled = true;
module_param_named(frontswap, frontswap_enabled, bool, 0644);
MODULE_PARM_DESC(frontswap,
		 "Store swapped-out pages in tmem (default: on); with zswap enabled, zswap sees them first");

/*
 * Written at swapon/swapoff, when no slot of the area is in use, and read
 * locklessly by the data path.  The mutex keeps a shrink (which sleeps)
 * and a swapoff apart.
 */
static struct frontswap_tmem_area *frontswap_areas[MAX_SWAPFILES];
static DEFINE_MUTEX(frontswap_areas_lock);

static struct frontswap_tmem_stats frontswap_stats;

static struct frontswap_tmem_area *area_of(int type)
{
	if (type < 0 || type >= MAX_SWAPFILES)
		return NULL;
	return READ_ONCE(frontswap_areas[type]);
}

static bool frontswap_tmem_store(struct folio *folio)
{
	struct frontswap_tmem_area *area = area_of(swp_type(folio->swap));

	if (!area)
		return false;
	if (!READ_ONCE(frontswap_enabled) || tmem_draining()) {
		/* The device gets the page: no older copy may shadow it. */
		frontswap_tmem_area_invalidate_folio(area, folio);
		return false;
	}
	return frontswap_tmem_area_store(area, folio);
}

static int frontswap_tmem_load(struct folio *folio)
{
	struct frontswap_tmem_area *area = area_of(swp_type(folio->swap));

	return area ? frontswap_tmem_area_load(area, folio) : -ENOENT;
}

static void frontswap_tmem_invalidate(int type, pgoff_t offset)
{
	struct frontswap_tmem_area *area = area_of(type);

	if (area)
		frontswap_tmem_area_invalidate(area, offset);
}

static void frontswap_tmem_swapon(int type, unsigned long nr_pages)
{
	struct tmem_backend *be = tmem_backend();
	struct frontswap_tmem_area *area;

	if (!be || type < 0 || type >= MAX_SWAPFILES)
		return;
	area = frontswap_tmem_area_create(be, type, nr_pages, &frontswap_stats);
	if (IS_ERR(area)) {
		pr_warn("swap area %d goes without tmem: %pe\n", type, area);
		return;
	}
	mutex_lock(&frontswap_areas_lock);
	WRITE_ONCE(frontswap_areas[type], area);
	mutex_unlock(&frontswap_areas_lock);
	pr_info("swap area %d: %lu slots in pool %u%s\n", type, nr_pages,
		area->pool->id,
		zswap_is_enabled() ? "; zswap is enabled and sees pages first" : "");
}

static void frontswap_tmem_swapoff(int type)
{
	struct frontswap_tmem_area *area;

	if (type < 0 || type >= MAX_SWAPFILES)
		return;
	mutex_lock(&frontswap_areas_lock);
	area = frontswap_areas[type];
	WRITE_ONCE(frontswap_areas[type], NULL);
	mutex_unlock(&frontswap_areas_lock);
	if (area)
		frontswap_tmem_area_destroy(area);
}

static const struct frontswap_ops frontswap_tmem_ops = {
	.swapon = frontswap_tmem_swapon,
	.swapoff = frontswap_tmem_swapoff,
	.store = frontswap_tmem_store,
	.load = frontswap_tmem_load,
	.invalidate = frontswap_tmem_invalidate,
};

/**
 * frontswap_tmem_shrink() - move pages from the host to the swap devices
 * @nr_pages: how many at most
 *
 * May sleep.  Return: pages moved.
 */
unsigned long frontswap_tmem_shrink(unsigned long nr_pages)
{
	unsigned long done = 0;
	int type;

	mutex_lock(&frontswap_areas_lock);
	for (type = 0; type < MAX_SWAPFILES && done < nr_pages; type++) {
		if (frontswap_areas[type])
			done += frontswap_tmem_area_shrink(frontswap_areas[type],
							   nr_pages - done);
	}
	mutex_unlock(&frontswap_areas_lock);
	return done;
}

static int frontswap_reclaim_notify(struct notifier_block *nb,
				    unsigned long nr_pages, void *unused)
{
	unsigned long done = frontswap_tmem_shrink(nr_pages);

	pr_debug("host asked for %lu pages back, wrote back %lu\n",
		 nr_pages, done);
	return NOTIFY_OK;
}

static struct notifier_block frontswap_reclaim_nb = {
	.notifier_call = frontswap_reclaim_notify,
};

static u64 pages_held(void);

/*
 * Drained: stores have stopped (tmem_draining()), and every page held
 * goes to the swap device.  A
 * slot whose page is in the swap cache is handed to it (the page is
 * marked dirty, the copy dropped: see frontswap_writeback()).  Slots
 * freed lately wait in the per-CPU swap slot caches, their copies still
 * held (the swap code drops them when it frees the slots, in batches):
 * the caches are drained first, as swapoff drains them.  Rounds go on
 * while they move pages; what is left is told.
 */
static int frontswap_drain_notify(struct notifier_block *nb,
				  unsigned long action, void *left)
{
	unsigned long moved, total = 0;
	u64 held;

	if (action != TMEM_DRAIN)
		return NOTIFY_OK;
	disable_swap_slots_cache_lock();
	reenable_swap_slots_cache_unlock();
	do {
		moved = frontswap_tmem_shrink(ULONG_MAX);
		total += moved;
		held = pages_held();
	} while (moved && held);
	*(unsigned long *)left += held;
	pr_info("drain: %lu pages written to the swap devices, %llu left on the host\n",
		total, held);
	return NOTIFY_OK;
}

static struct notifier_block frontswap_drain_nb = {
	.notifier_call = frontswap_drain_notify,
};

static int shrink_set(void *data, u64 val)
{
	if (!val || val > ULONG_MAX)
		return -EINVAL;
	frontswap_tmem_shrink(val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(shrink_fops, NULL, shrink_set, "%llu\n");

/* Pages the host holds for every swap area. */
static u64 pages_held(void)
{
	u64 held = 0;
	int type;

	mutex_lock(&frontswap_areas_lock);
	for (type = 0; type < MAX_SWAPFILES; type++) {
		if (frontswap_areas[type])
			held += frontswap_tmem_area_held(frontswap_areas[type]);
	}
	mutex_unlock(&frontswap_areas_lock);
	return held;
}

static int pages_held_get(void *data, u64 *val)
{
	*val = pages_held();
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pages_held_fops, pages_held_get, NULL, "%llu\n");

static ssize_t pages_held_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", pages_held());
}

static struct kobj_attribute pages_held_attr = __ATTR_RO(pages_held);

static struct attribute *frontswap_attrs[] = {
	&pages_held_attr.attr,
	NULL,
};

static const struct attribute_group frontswap_group = {
	.attrs = frontswap_attrs,
};

/* debugfs utmem/frontswap/ and sysfs /sys/kernel/utmem/frontswap/. */
static void frontswap_tmem_files_init(struct dentry *root)
{
	struct frontswap_tmem_stats *st = &frontswap_stats;
	const struct utmem_counter counters[] = {
		{ "stores", &st->stores },
		{ "store_refused", &st->store_refused },
		{ "store_failed", &st->store_failed },
		{ "store_large", &st->store_large },
		{ "loads", &st->loads },
		{ "load_failed", &st->load_failed },
		{ "invalidates", &st->invalidates },
		{ "flush_failed", &st->flush_failed },
		{ "written_back", &st->written_back },
	};
	struct dentry *dir = debugfs_create_dir("frontswap", root);

	utmem_debugfs_counters(dir, counters, ARRAY_SIZE(counters));
	debugfs_create_file_unsafe("pages_held", 0444, dir, NULL,
				   &pages_held_fops);
	debugfs_create_file_unsafe("shrink", 0200, dir, NULL, &shrink_fops);
	/* Never removed: frontswap cannot unregister. */
	if (!utmem_sysfs_add("frontswap", counters, ARRAY_SIZE(counters),
			     &frontswap_group))
		pr_warn("no /sys/kernel/utmem/frontswap\n");
}

/* Called once the backend is bound; frontswap cannot be unbound. */
void frontswap_tmem_init(struct dentry *debugfs_root)
{
	int err = frontswap_register_ops(&frontswap_tmem_ops);

	if (err) {
		pr_err("cannot register with frontswap: %d\n", err);
		return;
	}
	tmem_register_reclaim_notifier(&frontswap_reclaim_nb);
	tmem_register_drain_notifier(&frontswap_drain_nb);
	frontswap_tmem_files_init(debugfs_root);
	pr_info("registered%s\n", frontswap_enabled ? "" : " (disabled)");
}
