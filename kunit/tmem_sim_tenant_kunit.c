// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite tmem_sim_tenant: what the pool engine does against a
 * client that tries to hurt the host or the other clients.  A value costs
 * its client what it costs the host, records included, so a flood of
 * empty values is refused like any other; emptying a pool or an object,
 * destroying a pool and changing a shared pool's owner hold the host lock
 * for a bounded number of pages however large the pool; deduplication
 * does not tell one client what another holds.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include <utmem/tmem.h>
#include "../host-sim/sim.h"
#include "tmem_sim_fixture.h"

#define VAL	TMEM_VALUE_MAX

struct tenant_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	u8 *buf;	/* 2 * VAL */
};

static int tenant_test_init(struct kunit *test)
{
	struct tenant_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->buf = kunit_kzalloc(test, 2 * VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->buf);
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	test->priv = t;
	return 0;
}

static void tenant_test_exit(struct kunit *test)
{
	struct tenant_test *t = test->priv;

	sim_fixture_exit(test, t->host, t->a, t->b);
}

static u32 pool_new(struct kunit *test, struct utmem_host_client *c,
		    u32 flags, const uuid_t *uuid)
{
	u32 id = U32_MAX;
	tmem_status_t status = utmem_host_new_pool(c, flags, uuid, &id);

	KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	return id;
}

static u32 put(struct utmem_host_client *c, u32 pool, u64 oid, u32 index,
	       const void *src, u32 len)
{
	struct tmem_handle h = {};

	tmem_oid_set(&h.oid, oid, 0, 0);
	h.index = index;
	return (__force u32)utmem_host_put(c, pool, &h, src, len);
}

static u64 slab_bytes(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) *
	       PAGE_SIZE;
}

/*
 * Values of 0 and 1 bytes, each its own object as /dev/utmem's are, put
 * until the host refuses: it must refuse, at a count that their records
 * explain, and the slab memory they took must stay within the capacity.
 * The margin: KASAN's redzones and metadata more than double a small
 * slab object; 3x the capacity, and 64 KiB for the slab pages that
 * partly filled caches hold.
 */
static void empty_values_test(struct kunit *test)
{
	const u64 capacity = 256 << 10;
	struct tenant_test *t = test->priv;
	u32 pool = pool_new(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u64 n, slab0, slab1;
	u32 status = TMEM_STATUS_OK;

	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, capacity), 0);
	t->buf[0] = 0x5a;
	slab0 = slab_bytes();
	for (n = 0; n < 200000; n++) {
		status = put(t->a, pool, n, 0, t->buf, n & 1);
		if (status != TMEM_STATUS_OK)
			break;
	}
	slab1 = slab_bytes();
	kunit_info(test, "%llu values stored, then %u; slab +%llu bytes, host used %llu of %llu\n",
		   n, status, slab1 - slab0, t->host->used, capacity);
	KUNIT_EXPECT_EQ(test, status, TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_LE(test, t->host->used, capacity);
	/* Every value costs at least its record and its object's. */
	KUNIT_EXPECT_LE(test, n, capacity / (2 * sizeof(void *) * 4));
	KUNIT_EXPECT_LE(test, slab1 - slab0, 3 * capacity + (64 << 10));
	/* The other client is still served. */
	KUNIT_EXPECT_EQ(test, t->b->used, 0);
	KUNIT_EXPECT_EQ(test, (__force u32)utmem_host_destroy_pool(t->a, pool),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, put(t->b, pool_new(test, t->b, 0, NULL), 1, 0,
				  t->buf, 1), TMEM_STATUS_OK);
}

/* A client's cap counts the same costs. */
static void empty_values_cap_test(struct kunit *test)
{
	struct tenant_test *t = test->priv;
	u32 pool = pool_new(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 status = TMEM_STATUS_OK;
	u64 n;

	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a, 64 << 10), 0);
	for (n = 0; n < 200000; n++) {
		status = put(t->a, pool, n, 0, t->buf, 0);
		if (status != TMEM_STATUS_OK)
			break;
	}
	KUNIT_EXPECT_EQ(test, status, TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_LE(test, t->a->used, 64 << 10);
	KUNIT_EXPECT_GT(test, t->a->used, (64 << 10) / 2);
}

/* Fills @pool of @c with @n small values in @objs objects. */
static void fill(struct kunit *test, struct utmem_host_client *c, u32 pool,
		 u32 n, u32 objs)
{
	struct tenant_test *t = test->priv;
	u32 i;

	for (i = 0; i < n; i++) {
		get_random_bytes(t->buf, 16);
		KUNIT_ASSERT_EQ(test, put(c, pool, i % objs, i / objs, t->buf,
					  16),
				TMEM_STATUS_OK);
	}
}

#define BIG	(3 * UTMEM_HOST_FREE_BATCH + 5)

/* The ways a client empties what it holds, on pools of BIG pages. */
enum empty_way { FLUSH_POOL, FLUSH_OBJECT, DESTROY_POOL };

static const struct empty_case {
	enum empty_way way;
	u32 flags;	/* of the pool */
	u32 objects;	/* the pages spread over */
	const char *name;
} empty_cases[] = {
	{ FLUSH_POOL, TMEM_POOL_PERSISTENT, 3, "flush a pool" },
	{ FLUSH_OBJECT, 0, 1, "flush an object" },
	{ DESTROY_POOL, TMEM_POOL_PERSISTENT, 2, "destroy a pool" },
};

static void empty_case_desc(const struct empty_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(empty, empty_cases, empty_case_desc);

/* Emptying frees a bounded number of pages per hold of the host lock. */
static void empty_hold_test(struct kunit *test)
{
	const struct empty_case *c = test->param_value;
	struct tenant_test *t = test->priv;
	u32 pool = pool_new(test, t->a, c->flags, NULL);
	struct tmem_oid oid = {};
	tmem_status_t status;

	fill(test, t->a, pool, BIG, c->objects);
	t->host->max_hold_pages = 0;
	if (c->way == FLUSH_POOL)
		status = utmem_host_flush_pool(t->a, pool);
	else if (c->way == FLUSH_OBJECT)
		status = utmem_host_flush_object(t->a, pool, &oid);
	else
		status = utmem_host_destroy_pool(t->a, pool);
	KUNIT_EXPECT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->pages, 0);
	KUNIT_EXPECT_LE(test, t->host->max_hold_pages, UTMEM_HOST_FREE_BATCH);
	if (c->way == DESTROY_POOL)
		KUNIT_EXPECT_EQ(test, t->a->used, 0);
}

/* The creator of a shared pool leaves: the other user takes it over. */
static void owner_change_hold_test(struct kunit *test)
{
	struct tenant_test *t = test->priv;
	u64 used, pages;
	u32 pa, pb;
	uuid_t uuid;

	uuid_gen(&uuid);
	pa = pool_new(test, t->a, TMEM_POOL_SHARED, &uuid);
	pb = pool_new(test, t->b, TMEM_POOL_SHARED, &uuid);
	fill(test, t->a, pa, BIG, 2);
	used = t->a->used;
	pages = t->a->pages;
	t->host->max_hold_pages = 0;
	KUNIT_EXPECT_EQ(test, (__force u32)utmem_host_destroy_pool(t->a, pa),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	KUNIT_EXPECT_EQ(test, t->b->used, used);
	KUNIT_EXPECT_EQ(test, t->b->pages, pages);
	KUNIT_EXPECT_LE(test, t->host->max_hold_pages, UTMEM_HOST_FREE_BATCH);
	/* Its ephemeral pages can be evicted from b now. */
	KUNIT_EXPECT_EQ(test, utmem_host_set_cap(t->b, 1), 0);
	KUNIT_EXPECT_EQ(test, t->b->pages, 0);
	KUNIT_EXPECT_EQ(test, (__force u32)utmem_host_destroy_pool(t->b, pb),
			TMEM_STATUS_OK);
}

/*
 * On a full host, a PUT of a value that another client holds must be
 * refused like any other: accepting it would tell the putter that the
 * other client holds it.  The putter's own duplicate still fits.
 */
static void dedup_oracle_test(struct kunit *test)
{
	struct tenant_test *t = test->priv;
	u32 pa = pool_new(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 pb = pool_new(test, t->b, TMEM_POOL_PERSISTENT, NULL);

	utmem_host_set_compress(t->host, false);
	get_random_bytes(t->buf, VAL);
	KUNIT_ASSERT_EQ(test, put(t->a, pa, 1, 0, t->buf, VAL),
			TMEM_STATUS_OK);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, t->host->used),
			0);
	KUNIT_EXPECT_EQ(test, put(t->b, pb, 1, 0, t->buf, VAL),
			TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			0);
	KUNIT_EXPECT_EQ(test, t->b->used, 0);
}

/* A client holds at most max_values values; others are not affected. */
static void max_values_test(struct kunit *test)
{
	struct tenant_test *t = test->priv;
	u32 pa = pool_new(test, t->a, 0, NULL);
	u32 pb = pool_new(test, t->b, 0, NULL);
	u32 i;

	KUNIT_EXPECT_EQ(test, utmem_host_set_max_values(t->a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			utmem_host_set_max_values(t->a,
						  UTMEM_HOST_MAX_VALUES_MAX + 1),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, utmem_host_set_max_values(t->a, 10), 0);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, put(t->a, pa, i, 0, t->buf, 1),
				TMEM_STATUS_OK);
	/* Not even by evicting its own ephemeral values: a refusal. */
	KUNIT_EXPECT_EQ(test, put(t->a, pa, 10, 0, t->buf, 1),
			TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_EQ(test, t->a->pages, 10);
	/* A replacement is no new value. */
	KUNIT_EXPECT_EQ(test, put(t->a, pa, 3, 0, t->buf, 2), TMEM_STATUS_OK);
	for (i = 0; i < 20; i++)
		KUNIT_EXPECT_EQ(test, put(t->b, pb, i, 0, t->buf, 1),
				TMEM_STATUS_OK);
}

/*
 * A blob is shared by at most share_max pages: past it, an equal value
 * gets a blob of its own, so its count can never wrap (a u32 count of a
 * value every page of a large host holds would have).
 */
static void share_max_test(struct kunit *test)
{
	struct tenant_test *t = test->priv;
	u32 pool = pool_new(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u8 *out = t->buf + VAL;
	u64 used;
	u32 i, len;

	t->host->share_max = 3;
	get_random_bytes(t->buf, VAL);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, put(t->a, pool, i, 0, t->buf, VAL),
				TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			2);
	used = t->host->used;
	KUNIT_EXPECT_EQ(test, put(t->a, pool, 3, 0, t->buf, VAL),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			2);
	KUNIT_EXPECT_GT(test, t->host->used - used, VAL / 2);
	for (i = 0; i < 4; i++) {
		struct tmem_handle h = {};

		tmem_oid_set(&h.oid, i, 0, 0);
		KUNIT_EXPECT_EQ(test, (__force u32)utmem_host_get(t->a, pool,
								  &h,
								  out, VAL,
								 &len),
				TMEM_STATUS_OK);
		KUNIT_EXPECT_MEMEQ(test, out, t->buf, VAL);
	}
}

static struct kunit_case tmem_sim_tenant_cases[] = {
	KUNIT_CASE(empty_values_test),
	KUNIT_CASE(empty_values_cap_test),
	KUNIT_CASE_PARAM(empty_hold_test, empty_gen_params),
	KUNIT_CASE(owner_change_hold_test),
	KUNIT_CASE(dedup_oracle_test),
	KUNIT_CASE(max_values_test),
	KUNIT_CASE(share_max_test),
	{}
};

static struct kunit_suite tmem_sim_tenant_suite = {
	.name = "tmem_sim_tenant",
	.init = tenant_test_init,
	.exit = tenant_test_exit,
	.test_cases = tmem_sim_tenant_cases,
};

kunit_test_suite(tmem_sim_tenant_suite);

MODULE_DESCRIPTION("KUnit tests for the utmem pool engine against hostile clients");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
