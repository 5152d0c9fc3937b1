// SPDX-License-Identifier: GPL-2.0
/*
 * frontswap on tmem, one swap area: which slots the host holds, and the
 * store, load, invalidate and shrink operations on them.
 *
 * Each area has one persistent private pool and a bitmap with one bit per
 * slot, set while the host holds that slot's page.  The bitmap is the
 * truth the guest acts on, and these rules keep every page safe:
 *
 *  - a bit is set only after the host accepted the PUT;
 *  - a refused or failed PUT clears the bit (the host dropped any older
 *    copy too: a failed replace never leaves stale data), so the page
 *    goes to the swap device and is read from there;
 *  - a set bit means the swap device slot is stale: if the host cannot
 *    return the page, the read fails with -EIO and the bit stays, so the
 *    slot is never read from the device by mistake;
 *  - a slot is invalidated (bit cleared, page flushed) whenever the swap
 *    code frees it or stores it elsewhere (zswap, the zero-page map).
 *
 * Loads keep the host's copy, as a device slot keeps its data: a page
 * reclaimed again without being written needs no new PUT.
 *
 * A large folio is stored whole, one value per page (in batches of
 * FRONTSWAP_BATCH pages per host call), or not at all: when the host
 * refuses any of its pages, the copies of the others are dropped and the
 * folio goes to the device whole, so it is never split between the host
 * and the device.  Swap-in reads pages one by one while a frontswap
 * backend is registered (patches/0002), but a large folio read is served
 * too, from the host when it holds every page.
 *
 * Bits change with atomic bitops.  The swap code serialises the
 * operations on one slot (the folio lock, the swap area lock), so the
 * data path needs no lock of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": frontswap: " fmt

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/frontswap.h>
#include <linux/highmem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/swapops.h>
#include <kunit/visibility.h>

#include "frontswap_tmem.h"

static void slot_handle(struct tmem_handle *h, pgoff_t offset)
{
	struct tmem_oid oid;

	/* One object per 2^32 slots keeps the index within 32 bits. */
	tmem_oid_set(&oid, (u64)offset >> 32, 0, 0);
	tmem_handle_set(h, &oid, (u32)offset);
}

/**
 * frontswap_tmem_area_create() - a pool and a bitmap for one swap area
 * @be: the backend
 * @type: the swap area
 * @nr_slots: its size
 * @stats: where to count
 *
 * May sleep.  Return: the area or an ERR_PTR.
 */
struct frontswap_tmem_area *
frontswap_tmem_area_create(struct tmem_backend *be, int type,
			   unsigned long nr_slots,
			   struct frontswap_tmem_stats *stats)
{
	struct frontswap_tmem_area *area;
	char name[32];
	int err;

	area = kzalloc(sizeof(*area), GFP_KERNEL);
	if (!area)
		return ERR_PTR(-ENOMEM);
	area->type = type;
	area->nr_slots = nr_slots;
	area->stats = stats;
	area->writeback = frontswap_writeback;
	/* A bit per slot: 8 MiB for 256 GiB of swap, more than kmalloc gives. */
	area->held = kvcalloc(BITS_TO_LONGS(nr_slots), sizeof(unsigned long),
			      GFP_KERNEL);
	if (!area->held) {
		err = -ENOMEM;
		goto free_area;
	}
	snprintf(name, sizeof(name), "frontswap.%d", type);
	area->pool = tmem_pool_create(be, name, TMEM_POOL_PERSISTENT, NULL);
	if (IS_ERR(area->pool)) {
		err = PTR_ERR(area->pool);
		goto free_bitmap;
	}
	return area;

free_bitmap:
	kvfree(area->held);
free_area:
	kfree(area);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_create);

/* May sleep.  Whatever the host still holds goes with the pool. */
void frontswap_tmem_area_destroy(struct frontswap_tmem_area *area)
{
	tmem_pool_destroy(area->pool);
	kvfree(area->held);
	kfree(area);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_destroy);

/**
 * frontswap_tmem_area_invalidate() - drop the host's copy of a slot
 * @area: the area
 * @offset: the slot
 *
 * Atomic-safe.
 */
void frontswap_tmem_area_invalidate(struct frontswap_tmem_area *area,
				    pgoff_t offset)
{
	struct tmem_handle h;

	if (offset >= area->nr_slots ||
	    !test_and_clear_bit(offset, area->held))
		return;
	slot_handle(&h, offset);
	/*
	 * A failed flush leaves a page nobody references on the host: host
	 * memory is lost until the pool goes, guest data is not, because
	 * the bit is clear and nothing will read the slot from the host.
	 */
	if (tmem_flush_page(area->pool, &h))
		atomic64_inc(&area->stats->flush_failed);
	atomic64_inc(&area->stats->invalidates);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_invalidate);

/* Drops the host's copies of every slot @folio covers.  Atomic-safe. */
void frontswap_tmem_area_invalidate_folio(struct frontswap_tmem_area *area,
					  struct folio *folio)
{
	pgoff_t offset = swp_offset(folio->swap);
	long i;

	for (i = 0; i < folio_nr_pages(folio); i++)
		frontswap_tmem_area_invalidate(area, offset + i);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_invalidate_folio);

/* Pages of a large folio sent to the host in one call. */
#define FRONTSWAP_BATCH	8

/*
 * Stores @nr pages of @folio from page @first on, slots @offset and up:
 * a batch when the pages have addresses of their own, else one PUT each.
 * Sets the bits of the slots stored.  Return: 0, or the errno of the
 * first page that was not stored.
 */
static int store_pages(struct frontswap_tmem_area *area, struct folio *folio,
		       long first, long nr, pgoff_t offset)
{
	struct tmem_batch_entry ent[FRONTSWAP_BATCH];
	struct tmem_handle h;
	int err = 0, stored;
	void *src;
	long i;

	if (!folio_test_highmem(folio)) {
		for (i = 0; i < nr; i++) {
			slot_handle(&ent[i].handle, offset + i);
			ent[i].src = page_address(folio_page(folio, first + i));
			ent[i].len = PAGE_SIZE;
		}
		stored = tmem_put_batch(area->pool, ent, nr);
		if (stored < 0)
			return stored;
		for (i = 0; i < nr; i++) {
			if (ent[i].status == TMEM_S_OK)
				set_bit(offset + i, area->held);
			else if (!err)
				err = tmem_status_to_errno(ent[i].status);
		}
		return err;
	}
	for (i = 0; i < nr && !err; i++) {
		slot_handle(&h, offset + i);
		src = kmap_local_folio(folio, (first + i) * PAGE_SIZE);
		err = tmem_put(area->pool, &h, src, PAGE_SIZE);
		kunmap_local(src);
		if (!err)
			set_bit(offset + i, area->held);
	}
	return err;
}

/* A large folio: every page stored, or none kept. */
static int store_large(struct frontswap_tmem_area *area, struct folio *folio,
		       pgoff_t offset)
{
	long i, n, nr = folio_nr_pages(folio);
	int err = 0;

	for (i = 0; i < nr && !err; i += n) {
		n = min_t(long, nr - i, FRONTSWAP_BATCH);
		err = store_pages(area, folio, i, n, offset + i);
	}
	if (err)
		/* The host dropped the refused pages' older copies already. */
		frontswap_tmem_area_invalidate_folio(area, folio);
	return err;
}

/**
 * frontswap_tmem_area_store() - offer a folio being swapped out
 * @area: its swap area
 * @folio: locked, with ->swap set
 *
 * Atomic-safe.  Return: true when the host holds it now; false when it
 * must go to the swap device (no copy of ours then shadows the device).
 */
bool frontswap_tmem_area_store(struct frontswap_tmem_area *area,
			       struct folio *folio)
{
	pgoff_t offset = swp_offset(folio->swap);
	long nr = folio_nr_pages(folio);
	struct tmem_handle h;
	void *src;
	int err;

	BUILD_BUG_ON(PAGE_SIZE > TMEM_VALUE_MAX);
	if (offset >= area->nr_slots || nr > area->nr_slots - offset) {
		frontswap_tmem_area_invalidate_folio(area, folio);
		return false;
	}
	if (nr > 1) {
		err = store_large(area, folio, offset);
	} else {
		slot_handle(&h, offset);
		src = kmap_local_folio(folio, 0);
		err = tmem_put(area->pool, &h, src, PAGE_SIZE);
		kunmap_local(src);
		if (err)
			/* The host dropped any older copy with the replace. */
			clear_bit(offset, area->held);
		else
			set_bit(offset, area->held);
	}
	if (err) {
		atomic64_inc(err == -ENOSPC ? &area->stats->store_refused :
			     &area->stats->store_failed);
		return false;
	}
	atomic64_add(nr, &area->stats->stores);
	if (nr > 1)
		atomic64_inc(&area->stats->store_large);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_store);

/**
 * frontswap_tmem_area_load() - fill a folio being swapped in
 * @area: its swap area
 * @folio: locked, with ->swap set
 *
 * Atomic-safe.  Return: 0; -ENOENT when the host holds none of its slots
 * (read the device); -EIO when it holds data it failed to return (the
 * device slot is stale: the read must fail).
 */
int frontswap_tmem_area_load(struct frontswap_tmem_area *area,
			     struct folio *folio)
{
	pgoff_t offset = swp_offset(folio->swap);
	long i, held = 0, nr = folio_nr_pages(folio);
	struct tmem_handle h;
	size_t len = 0;
	void *dst;
	int err;

	for (i = 0; i < nr; i++)
		held += offset + i < area->nr_slots &&
			test_bit(offset + i, area->held);
	if (!held)
		return -ENOENT;
	/* Part on the host, part on the device: no way to put it together. */
	if (held < nr)
		goto failed;

	for (i = 0; i < nr; i++) {
		slot_handle(&h, offset + i);
		dst = kmap_local_folio(folio, i * PAGE_SIZE);
		err = tmem_get(area->pool, &h, dst, PAGE_SIZE, &len);
		kunmap_local(dst);
		if (err || len != PAGE_SIZE) {
			pr_err_ratelimited("host failed to return swap slot %d:%lu (%d, %zu bytes)\n",
					   area->type, offset + i, err, len);
			goto failed;
		}
	}
	atomic64_add(nr, &area->stats->loads);
	return 0;

failed:
	atomic64_inc(&area->stats->load_failed);
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_load);

/* Pages the host holds for this area. */
unsigned long frontswap_tmem_area_held(struct frontswap_tmem_area *area)
{
	return bitmap_weight(area->held, area->nr_slots);
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_held);

/**
 * frontswap_tmem_area_shrink() - write pages held by the host to the device
 * @area: the area; it must stay enabled throughout
 * @nr_pages: how many to move at most
 *
 * May sleep.  Each page is read into the swap cache, dropped from the host
 * and written to its device slot; slots whose page is in the swap cache
 * already are skipped (that copy will be written or freed by the swap
 * code itself).  Return: pages moved.
 */
unsigned long frontswap_tmem_area_shrink(struct frontswap_tmem_area *area,
					 unsigned long nr_pages)
{
	unsigned long offset = 0, done = 0;

	while (done < nr_pages) {
		offset = find_next_bit(area->held, area->nr_slots, offset);
		if (offset >= area->nr_slots)
			break;
		if (!area->writeback(swp_entry(area->type, offset))) {
			atomic64_inc(&area->stats->written_back);
			done++;
		}
		offset++;
		cond_resched();
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(frontswap_tmem_area_shrink);
