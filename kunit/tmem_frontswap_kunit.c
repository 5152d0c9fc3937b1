// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite tmem_frontswap: one swap area's store, load, invalidate and
 * shrink, against the host simulator and against a fake host that fails
 * on command.  The rule every test comes back to: a load returns the page
 * last stored, or -ENOENT when the device holds it, or -EIO; never another
 * page.
 */
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include <utmem/tmem.h>
#include "../guest/mm/frontswap_tmem.h"
#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"

#define TEST_TYPE	3
#define TEST_SLOTS	100

/* The fake host: statuses each test sets, calls it counts. */
struct fake_host {
	tmem_status_t put_status;
	tmem_status_t get_status;
	tmem_status_t flush_status;
	u32 get_len;		/* length a GET claims */
	unsigned int puts, gets, flushes;
};

struct fs_test {
	struct tmem_backend *be;
	struct frontswap_tmem_area *area;
	struct frontswap_tmem_stats stats;
	struct fake_host fake;
	/* The fake writeback's log and answers. */
	swp_entry_t written[8];
	unsigned int nr_written;
	pgoff_t busy_slot;	/* writeback answers -EEXIST for it */
};

static struct fake_host *fake(struct tmem_backend *be)
{
	return be->priv;
}

static int fake_probe(struct tmem_backend *be)
{
	struct fs_test *t = kunit_get_current_test()->priv;

	be->priv = &t->fake;
	return 0;
}

static void fake_remove(struct tmem_backend *be)
{
}

static tmem_status_t fake_new_pool(struct tmem_backend *be, u32 flags,
				   const uuid_t *uuid, u32 *pool_id)
{
	*pool_id = 1;
	return TMEM_STATUS_OK;
}

static tmem_status_t fake_destroy_pool(struct tmem_backend *be, u32 pool_id)
{
	return TMEM_STATUS_OK;
}

static tmem_status_t fake_put(struct tmem_backend *be, u32 pool_id,
			      const struct tmem_handle *h, const void *src,
			      u32 len)
{
	fake(be)->puts++;
	return fake(be)->put_status;
}

/* Hands back garbage: a load that trusted it would corrupt the page. */
/*
 * Byte @i of a page made from @seed: not one byte repeated, which the host
 * would store as a word and no bytes, so that pages cost it what real
 * ones do.
 */
static u8 page_byte(u8 seed, long i)
{
	return seed + i / 512;
}

static tmem_status_t fake_get(struct tmem_backend *be, u32 pool_id,
			      const struct tmem_handle *h, void *dst, u32 size,
			      u32 *len)
{
	struct fake_host *f = fake(be);
	u32 i;

	f->gets++;
	for (i = 0; i < min(size, f->get_len); i++)
		((u8 *)dst)[i] = page_byte(0xa5, i);
	*len = f->get_len;
	return f->get_status;
}

static tmem_status_t fake_flush_page(struct tmem_backend *be, u32 pool_id,
				     const struct tmem_handle *h)
{
	fake(be)->flushes++;
	return fake(be)->flush_status;
}

static tmem_status_t fake_flush_object(struct tmem_backend *be, u32 pool_id,
				       const struct tmem_oid *oid)
{
	return TMEM_STATUS_OK;
}

static tmem_status_t fake_flush_pool(struct tmem_backend *be, u32 pool_id)
{
	return TMEM_STATUS_OK;
}

static tmem_status_t fake_pool_info(struct tmem_backend *be, u32 pool_id,
				    struct tmem_pool_info *info)
{
	memset(info, 0, sizeof(*info));
	return TMEM_STATUS_OK;
}

static const struct tmem_backend_ops fake_ops = {
	.name = "fake-frontswap",
	.probe = fake_probe,
	.remove = fake_remove,
	.new_pool = fake_new_pool,
	.destroy_pool = fake_destroy_pool,
	.put = fake_put,
	.get = fake_get,
	.flush_page = fake_flush_page,
	.flush_object = fake_flush_object,
	.flush_pool = fake_flush_pool,
	.pool_info = fake_pool_info,
};

/* Like frontswap_writeback() once the page is on the device. */
static int fake_writeback(swp_entry_t entry)
{
	struct fs_test *t = kunit_get_current_test()->priv;

	if (swp_offset(entry) == t->busy_slot)
		return -EEXIST;
	if (t->nr_written < ARRAY_SIZE(t->written))
		t->written[t->nr_written] = entry;
	t->nr_written++;
	frontswap_tmem_area_invalidate(t->area, swp_offset(entry));
	return 0;
}

static int setup(struct kunit *test, const struct tmem_backend_ops *ops)
{
	struct fs_test *t = test->priv;

	t->be = tmem_backend_create(ops, NULL);
	if (IS_ERR(t->be))
		return PTR_ERR(t->be);
	t->area = frontswap_tmem_area_create(t->be, TEST_TYPE, TEST_SLOTS,
					     &t->stats);
	if (IS_ERR(t->area)) {
		tmem_backend_destroy(t->be);
		t->be = NULL;
		return PTR_ERR(t->area);
	}
	t->area->writeback = fake_writeback;
	return 0;
}

static int fs_test_init(struct kunit *test)
{
	struct fs_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->busy_slot = ULONG_MAX;
	test->priv = t;
	return 0;
}

static void fs_test_exit(struct kunit *test)
{
	struct fs_test *t = test->priv;

	if (t->area)
		frontswap_tmem_area_destroy(t->area);
	if (t->be)
		tmem_backend_destroy(t->be);
}

static void sim_setup(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, setup(test, &tmem_sim_backend_ops), 0);
}

static void fake_setup(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, setup(test, &fake_ops), 0);
}

static u64 sim_pages(struct fs_test *t)
{
	return READ_ONCE(utmem_sim_backend_host(t->be)->pages);
}

static void folio_release(void *data)
{
	struct folio *folio = data;

	folio->swap.val = 0;
	folio_put(folio);
}

/* A folio of 1 << @order pages for slot @offset, page i made from @seed + i. */
static struct folio *swap_folio(struct kunit *test, unsigned int order,
				pgoff_t offset, u8 seed)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, order);
	long i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, folio_release,
							folio), 0);
	for (i = 0; i < folio_nr_pages(folio); i++) {
		u8 *p = kmap_local_page(folio_page(folio, i));
		long j;

		for (j = 0; j < PAGE_SIZE; j++)
			p[j] = page_byte(seed + i, j);
		kunmap_local(p);
	}
	folio->swap = swp_entry(TEST_TYPE, offset);
	return folio;
}

static bool store(struct kunit *test, pgoff_t offset, u8 seed)
{
	struct fs_test *t = test->priv;

	return frontswap_tmem_area_store(t->area,
					 swap_folio(test, 0, offset, seed));
}

/* Loads slot @offset; on success checks the page is made from @seed. */
static int load_expect(struct kunit *test, pgoff_t offset, u8 seed)
{
	struct fs_test *t = test->priv;
	struct folio *folio = swap_folio(test, 0, offset, 0);
	u8 *p;
	int err, i, bad = 0;

	err = frontswap_tmem_area_load(t->area, folio);
	if (err)
		return err;
	p = kmap_local_folio(folio, 0);
	for (i = 0; i < PAGE_SIZE; i++)
		bad += p[i] != page_byte(seed, i);
	kunmap_local(p);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "slot %lu: wrong bytes", offset);
	return 0;
}

#define STAT(test, field) ((long)atomic64_read(&((struct fs_test *)	\
						 (test)->priv)->stats.field))

static void store_load_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	sim_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 5, 0x11));
	KUNIT_EXPECT_TRUE(test, test_bit(5, t->area->held));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 1);
	KUNIT_EXPECT_EQ(test, load_expect(test, 5, 0x11), 0);
	/* A load keeps the copy, like a device slot keeps its data. */
	KUNIT_EXPECT_EQ(test, load_expect(test, 5, 0x11), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, stores), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, loads), 2);
	/* Slots the host never got are read from the device. */
	KUNIT_EXPECT_EQ(test, load_expect(test, 6, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, STAT(test, load_failed), 0);
}

static void replace_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	sim_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 9, 0x21));
	KUNIT_EXPECT_TRUE(test, store(test, 9, 0x22));
	KUNIT_EXPECT_EQ(test, load_expect(test, 9, 0x22), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 1);
}

/* The bitmap's edges, and slots past the end of the area. */
static void first_last_slot_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	sim_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 0, 0x31));
	KUNIT_EXPECT_TRUE(test, store(test, TEST_SLOTS - 1, 0x32));
	KUNIT_EXPECT_FALSE(test, store(test, TEST_SLOTS, 0x33));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 2);
	KUNIT_EXPECT_EQ(test, load_expect(test, 0, 0x31), 0);
	KUNIT_EXPECT_EQ(test, load_expect(test, TEST_SLOTS - 1, 0x32), 0);
	KUNIT_EXPECT_EQ(test, load_expect(test, TEST_SLOTS, 0), -ENOENT);
	frontswap_tmem_area_invalidate(t->area, 0);
	frontswap_tmem_area_invalidate(t->area, TEST_SLOTS);	/* ignored */
	KUNIT_EXPECT_EQ(test, load_expect(test, 0, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, load_expect(test, TEST_SLOTS - 1, 0x32), 0);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 1);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 1);
}

static void invalidate_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	sim_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 7, 0x41));
	frontswap_tmem_area_invalidate(t->area, 7);
	KUNIT_EXPECT_EQ(test, load_expect(test, 7, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 0);
	KUNIT_EXPECT_EQ(test, STAT(test, invalidates), 1);
	/* A slot the host does not hold costs no host call. */
	frontswap_tmem_area_invalidate(t->area, 7);
	KUNIT_EXPECT_EQ(test, STAT(test, invalidates), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, flush_failed), 0);
}

/*
 * A refused replace must not leave the older page readable: the new one
 * goes to the device and the slot must be read from there.  Then the same
 * slot is stored again once the host takes pages.
 */
static void refused_replace_test(struct kunit *test)
{
	struct fs_test *t = test->priv;
	struct utmem_host *host;

	sim_setup(test);
	host = utmem_sim_backend_host(t->be);
	KUNIT_EXPECT_TRUE(test, store(test, 12, 0x51));
	host->fail_put.probability = 100;
	host->fail_put.interval = 1;
	atomic_set(&host->fail_put.times, 1);
	KUNIT_EXPECT_FALSE(test, store(test, 12, 0x52));
	KUNIT_EXPECT_FALSE(test, test_bit(12, t->area->held));
	KUNIT_EXPECT_EQ(test, load_expect(test, 12, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 0);
	KUNIT_EXPECT_EQ(test, STAT(test, store_refused), 1);
	KUNIT_EXPECT_TRUE(test, store(test, 12, 0x53));
	KUNIT_EXPECT_EQ(test, load_expect(test, 12, 0x53), 0);
	KUNIT_EXPECT_EQ(test, STAT(test, stores), 2);
}

/* A full host refuses: pages go to the device, counted as refusals. */
static void full_host_test(struct kunit *test)
{
	struct fs_test *t = test->priv;
	struct utmem_host *host;
	int i, stored = 0;

	sim_setup(test);
	host = utmem_sim_backend_host(t->be);
	utmem_host_set_compress(host, false);
	utmem_host_set_dedup(host, false);
	utmem_host_set_capacity(host, 3 * PAGE_SIZE);
	for (i = 0; i < 20; i++)
		stored += store(test, i, i);
	KUNIT_EXPECT_GT(test, stored, 0);
	KUNIT_EXPECT_LT(test, stored, 20);
	KUNIT_EXPECT_EQ(test, STAT(test, store_refused), 20 - stored);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), stored);
	for (i = 0; i < 20; i++) {
		if (test_bit(i, t->area->held))
			KUNIT_EXPECT_EQ(test, load_expect(test, i, i), 0);
		else
			KUNIT_EXPECT_EQ(test, load_expect(test, i, 0), -ENOENT);
	}
}

/* Large folios go to the device whole, and no older small copy stays. */
/* Bytes of @folio's pages not made from @seed + their index. */
static int folio_bad_bytes(struct folio *folio, u8 seed)
{
	long i, j;
	int bad = 0;

	for (i = 0; i < folio_nr_pages(folio); i++) {
		u8 *p = kmap_local_page(folio_page(folio, i));

		for (j = 0; j < PAGE_SIZE; j++)
			bad += p[j] != page_byte(seed + i, j);
		kunmap_local(p);
	}
	return bad;
}

/*
 * A large folio is stored whole, a value per page; it loads back whole or
 * page by page; invalidating it drops every page; a refusal of any page
 * keeps none of them.
 */
static void large_folio_test(struct kunit *test)
{
	struct fs_test *t = test->priv;
	struct utmem_host *host;
	struct folio *big, *back;
	int i;

	sim_setup(test);
	host = utmem_sim_backend_host(t->be);
	big = swap_folio(test, 4, 16, 0x70);
	KUNIT_EXPECT_TRUE(test, frontswap_tmem_area_store(t->area, big));
	KUNIT_EXPECT_EQ(test, STAT(test, store_large), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, stores), 16);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 16);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_TRUE(test, test_bit(16 + i, t->area->held));
	/* Whole. */
	back = swap_folio(test, 4, 16, 0);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_load(t->area, back), 0);
	KUNIT_EXPECT_EQ(test, folio_bad_bytes(back, 0x70), 0);
	/* Page by page, as swap-in reads them. */
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, load_expect(test, 16 + i, 0x70 + i), 0);
	KUNIT_EXPECT_EQ(test, STAT(test, loads), 32);
	frontswap_tmem_area_invalidate_folio(t->area, big);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 0);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_load(t->area, back), -ENOENT);

	/* Part held, part not: the folio cannot be put together. */
	KUNIT_EXPECT_TRUE(test, store(test, 18, 0x62));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_load(t->area, back), -EIO);
	KUNIT_EXPECT_EQ(test, STAT(test, load_failed), 1);
	frontswap_tmem_area_invalidate(t->area, 18);

	/* The host takes 5 pages of 16: none is kept, the older ones gone. */
	KUNIT_EXPECT_TRUE(test, store(test, 40, 0x63));
	utmem_host_set_compress(host, false);
	utmem_host_set_dedup(host, false);
	utmem_host_set_capacity(host, host->used + 5 * (PAGE_SIZE + 100));
	big = swap_folio(test, 4, 32, 0x40);
	KUNIT_EXPECT_FALSE(test, frontswap_tmem_area_store(t->area, big));
	KUNIT_EXPECT_EQ(test, STAT(test, store_refused), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, store_large), 1);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_FALSE(test, test_bit(32 + i, t->area->held));
	KUNIT_EXPECT_FALSE(test, test_bit(40, t->area->held));
	KUNIT_EXPECT_EQ(test, sim_pages(t), 0);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_load(t->area, big), -ENOENT);

	/* A large folio past the end of the area stays in bounds. */
	big = swap_folio(test, 2, TEST_SLOTS - 2, 0x71);
	KUNIT_EXPECT_FALSE(test, frontswap_tmem_area_store(t->area, big));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_load(t->area, big), -ENOENT);
}

/* The host fails a GET: -EIO, and the slot keeps failing, never stale. */
static void failed_load_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fake_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 4, 0x81));
	t->fake.get_status = TMEM_S_IO;
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -EIO);
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -EIO);
	KUNIT_EXPECT_TRUE(test, test_bit(4, t->area->held));
	t->fake.get_status = TMEM_S_MISS;
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -EIO);
	KUNIT_EXPECT_EQ(test, STAT(test, load_failed), 3);
	KUNIT_EXPECT_EQ(test, STAT(test, loads), 0);
	/* Until the slot is freed: then the device owns it again. */
	frontswap_tmem_area_invalidate(t->area, 4);
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -ENOENT);
}

/* The host claims success with a short or long page: never trusted. */
static void wrong_length_load_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fake_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 4, 0x82));
	t->fake.get_status = TMEM_S_OK;
	t->fake.get_len = 100;
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -EIO);
	t->fake.get_len = PAGE_SIZE + 1;
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0), -EIO);
	KUNIT_EXPECT_EQ(test, STAT(test, load_failed), 2);
	t->fake.get_len = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, load_expect(test, 4, 0xa5), 0);
}

/* PUT errors other than a refusal also send the page to the device. */
static void failed_store_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fake_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 2, 0x91));
	t->fake.put_status = TMEM_S_NOMEM;
	KUNIT_EXPECT_FALSE(test, store(test, 2, 0x92));
	t->fake.put_status = TMEM_S_REFUSED;
	KUNIT_EXPECT_FALSE(test, store(test, 3, 0x93));
	KUNIT_EXPECT_EQ(test, STAT(test, store_failed), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, store_refused), 1);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 0);
	KUNIT_EXPECT_EQ(test, t->fake.gets, 0);
	KUNIT_EXPECT_EQ(test, load_expect(test, 2, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, t->fake.gets, 0);
}

/* A failed flush leaks host memory but the slot is gone for the guest. */
static void failed_flush_test(struct kunit *test)
{
	struct fs_test *t = test->priv;

	fake_setup(test);
	KUNIT_EXPECT_TRUE(test, store(test, 6, 0xa1));
	t->fake.flush_status = TMEM_S_IO;
	frontswap_tmem_area_invalidate(t->area, 6);
	KUNIT_EXPECT_EQ(test, t->fake.flushes, 1);
	KUNIT_EXPECT_EQ(test, STAT(test, flush_failed), 1);
	KUNIT_EXPECT_EQ(test, STAT(test, invalidates), 1);
	KUNIT_EXPECT_EQ(test, load_expect(test, 6, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, t->fake.gets, 0);
}

/*
 * Shrink writes held slots back in order, skips one whose page is in the
 * swap cache, stops at the count, and each page leaves the host once.
 */
static void shrink_test(struct kunit *test)
{
	struct fs_test *t = test->priv;
	static const pgoff_t slots[] = { 0, 3, 5, 7, TEST_SLOTS - 1 };
	int i;

	sim_setup(test);
	for (i = 0; i < ARRAY_SIZE(slots); i++)
		KUNIT_EXPECT_TRUE(test, store(test, slots[i], i + 1));
	t->busy_slot = 5;
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_shrink(t->area, 2), 2);
	KUNIT_EXPECT_EQ(test, t->nr_written, 2);
	KUNIT_EXPECT_EQ(test, swp_type(t->written[0]), TEST_TYPE);
	KUNIT_EXPECT_EQ(test, swp_offset(t->written[0]), 0);
	KUNIT_EXPECT_EQ(test, swp_offset(t->written[1]), 3);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 3);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_shrink(t->area, 100), 2);
	KUNIT_EXPECT_EQ(test, t->nr_written, 4);
	KUNIT_EXPECT_EQ(test, swp_offset(t->written[2]), 7);
	KUNIT_EXPECT_EQ(test, swp_offset(t->written[3]), TEST_SLOTS - 1);
	KUNIT_EXPECT_EQ(test, STAT(test, written_back), 4);
	/* The busy slot stays on the host, intact. */
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 1);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 1);
	KUNIT_EXPECT_EQ(test, load_expect(test, 5, 3), 0);
	t->busy_slot = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_shrink(t->area, 100), 1);
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_shrink(t->area, 100), 0);
	KUNIT_EXPECT_EQ(test, sim_pages(t), 0);
}

/* Tearing an area down gives every page it held back to the host. */
static void teardown_test(struct kunit *test)
{
	struct fs_test *t = test->priv;
	struct tmem_backend *be;
	int i;

	sim_setup(test);
	be = t->be;
	for (i = 0; i < TEST_SLOTS; i += 3)
		KUNIT_EXPECT_TRUE(test, store(test, i, i));
	KUNIT_EXPECT_EQ(test, sim_pages(t), DIV_ROUND_UP(TEST_SLOTS, 3));
	frontswap_tmem_area_destroy(t->area);
	t->area = NULL;
	KUNIT_EXPECT_EQ(test, READ_ONCE(utmem_sim_backend_host(be)->pages), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(utmem_sim_backend_host(be)->used), 0);
	/* A new area of the same type starts empty. */
	t->area = frontswap_tmem_area_create(be, TEST_TYPE, TEST_SLOTS,
					     &t->stats);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->area));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 0);
	KUNIT_EXPECT_EQ(test, load_expect(test, 0, 0), -ENOENT);
}

/*
 * A swap area of 256 GiB has an 8 MiB bitmap, more than kmalloc gives
 * (4 MiB on most configurations): it must still get frontswap.
 */
static void huge_area_test(struct kunit *test)
{
	const unsigned long slots = 256UL << (30 - PAGE_SHIFT);
	struct fs_test *t = test->priv;
	struct frontswap_tmem_area *area;

	sim_setup(test);
	frontswap_tmem_area_destroy(t->area);
	area = frontswap_tmem_area_create(t->be, TEST_TYPE, slots, &t->stats);
	t->area = IS_ERR(area) ? NULL : area;
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(area), "%pe", area);
	KUNIT_EXPECT_TRUE(test, store(test, slots - 1, 0x41));
	KUNIT_EXPECT_FALSE(test, store(test, slots, 0x42));
	KUNIT_EXPECT_EQ(test, frontswap_tmem_area_held(t->area), 1);
	KUNIT_EXPECT_EQ(test, load_expect(test, slots - 1, 0x41), 0);
}

/* The host's own reclaim request reaches the notifier chain. */
static unsigned long reclaim_asked;

static int reclaim_record(struct notifier_block *nb, unsigned long nr,
			  void *unused)
{
	reclaim_asked += nr;
	return NOTIFY_OK;
}

static void host_reclaim_test(struct kunit *test)
{
	struct notifier_block nb = { .notifier_call = reclaim_record };
	struct fs_test *t = test->priv;
	struct utmem_host *host;
	int i;

	sim_setup(test);
	host = utmem_sim_backend_host(t->be);
	KUNIT_ASSERT_EQ(test, tmem_register_reclaim_notifier(&nb), 0);
	reclaim_asked = 0;
	KUNIT_EXPECT_EQ(test, utmem_host_request_reclaim(host, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			utmem_host_request_reclaim(host,
						   UTMEM_HOST_RECLAIM_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_host_request_reclaim(host, 5), 0);
	tmem_reclaim_flush();
	KUNIT_EXPECT_EQ(test, reclaim_asked, 5);
	/* Shrinking the host below its persistent data asks for the rest. */
	utmem_host_set_compress(host, false);
	utmem_host_set_dedup(host, false);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_TRUE(test, store(test, i, i));
	reclaim_asked = 0;
	utmem_host_set_capacity(host, host->used - 3 * PAGE_SIZE);
	tmem_reclaim_flush();
	KUNIT_EXPECT_EQ(test, reclaim_asked, 3);
	tmem_unregister_reclaim_notifier(&nb);
}

static struct kunit_case tmem_frontswap_cases[] = {
	KUNIT_CASE(store_load_test),
	KUNIT_CASE(replace_test),
	KUNIT_CASE(first_last_slot_test),
	KUNIT_CASE(invalidate_test),
	KUNIT_CASE(refused_replace_test),
	KUNIT_CASE(full_host_test),
	KUNIT_CASE(large_folio_test),
	KUNIT_CASE(failed_load_test),
	KUNIT_CASE(wrong_length_load_test),
	KUNIT_CASE(failed_store_test),
	KUNIT_CASE(failed_flush_test),
	KUNIT_CASE(shrink_test),
	KUNIT_CASE(teardown_test),
	KUNIT_CASE(huge_area_test),
	KUNIT_CASE(host_reclaim_test),
	{}
};

static struct kunit_suite tmem_frontswap_suite = {
	.name = "tmem_frontswap",
	.init = fs_test_init,
	.exit = fs_test_exit,
	.test_cases = tmem_frontswap_cases,
};

kunit_test_suite(tmem_frontswap_suite);

MODULE_DESCRIPTION("KUnit tests for utmem frontswap");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
