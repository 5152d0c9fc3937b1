// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite tmem_sim: the host simulator's semantics.  Each test gets
 * its own host with two clients, so knobs and faults set by one test do
 * not leak into the next, and the exit checks that every byte charged was
 * given back.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include <utmem/tmem.h>
#include "../guest/tmem/tmem_internal.h"
#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"
#include "tmem_sim_fixture.h"

#define VAL	TMEM_VALUE_MAX	/* the largest value, one page */

struct sim_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	u8 *buf;	/* two values: [0, VAL) and [VAL, 2 * VAL) */
	u8 *out;
};

static int sim_test_init(struct kunit *test)
{
	struct sim_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->buf = kunit_kzalloc(test, 2 * VAL, GFP_KERNEL);
	t->out = kunit_kzalloc(test, 2 * VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->buf);
	KUNIT_ASSERT_NOT_NULL(test, t->out);
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	test->priv = t;
	return 0;
}

static void sim_test_exit(struct kunit *test)
{
	struct sim_test *t = test->priv;

	/* Destroying every pool must give back every byte and page. */
	sim_fixture_exit(test, t->host, t->a, t->b);
}

static void fault_always(struct fault_attr *attr, int times)
{
	attr->probability = 100;
	attr->interval = 1;
	attr->verbose = 0;
	atomic_set(&attr->times, times);
}

static struct tmem_handle handle(u64 oid, u32 index)
{
	struct tmem_handle h = {};

	tmem_oid_set(&h.oid, oid, 0, 0);
	h.index = index;
	return h;
}

static u32 new_pool(struct kunit *test, struct utmem_host_client *c, u32 flags,
		    const uuid_t *uuid)
{
	u32 id = U32_MAX;

	tmem_status_t status = utmem_host_new_pool(c, flags, uuid, &id);

	KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	return id;
}

#define EXPECT_STATUS(test, expr, want) \
	KUNIT_EXPECT_EQ(test, (__force u32)(expr), (u32)(want))

static u32 put(struct utmem_host_client *c, u32 pool, u64 oid, u32 index,
	       const void *src, u32 len)
{
	struct tmem_handle h = handle(oid, index);

	return (__force u32)utmem_host_put(c, pool, &h, src, len);
}

static u32 get(struct utmem_host_client *c, u32 pool, u64 oid, u32 index,
	       void *dst, u32 size, u32 *len)
{
	struct tmem_handle h = handle(oid, index);

	return (__force u32)utmem_host_get(c, pool, &h, dst, size, len);
}

/*
 * What the host charges, records included (struct utmem_host_value): a
 * value of @len stored raw (in zsmalloc unless it fills a page; shared
 * blobs while dedup is on) in an ephemeral pool or not, and what an
 * object of pages within one index block adds to its values.
 */
static u64 value_cost(struct sim_test *t, u32 len, bool eph)
{
	u64 cost = len + t->host->value_cost[eph];

	if (len && READ_ONCE(t->host->dedup))
		cost += t->host->shared_cost;
	if (len && len < PAGE_SIZE)
		cost += sizeof(unsigned long);	/* zsmalloc's handle */
	return cost;
}

static u64 object_cost(struct sim_test *t)
{
	return t->host->obj_cost + 2 * t->host->node_cost;
}

/* The value stored at @index, fresh content so nothing deduplicates. */
static void fill_random(void *buf, u32 len)
{
	get_random_bytes(buf, len);
}

static void fill_compressible(void *buf, u32 len, u32 seed)
{
	u8 *p = buf;
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = "utmem"[i % 5] + (i / 512) + seed;
}

static const u32 pool_kinds[] = {
	TMEM_POOL_PERSISTENT,
	0,
	TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
	TMEM_POOL_SHARED,
};

static void pool_kind_desc(const u32 *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s",
		 *flags & TMEM_POOL_PERSISTENT ? "persistent" : "ephemeral",
		 *flags & TMEM_POOL_SHARED ? "shared" : "private");
}

KUNIT_ARRAY_PARAM(pool_kind, pool_kinds, pool_kind_desc);

static u32 kind_pool(struct kunit *test, struct utmem_host_client *c)
{
	u32 flags = *(const u32 *)test->param_value;
	uuid_t uuid;

	uuid_gen(&uuid);
	return new_pool(test, c, flags,
			flags & TMEM_POOL_SHARED ? &uuid : NULL);
}

/* PUT then GET returns the same bytes; ephemeral GETs are exclusive. */
static void roundtrip_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	bool persistent = *(const u32 *)test->param_value & TMEM_POOL_PERSISTENT;
	u32 pool = kind_pool(test, t->a);
	u32 len, i, sizes[] = { 0, 1, 100, VAL - 1, VAL };

	fill_compressible(t->buf, VAL, 0);
	fill_random(t->buf + VAL, VAL);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, sizes[i]),
			      TMEM_STATUS_OK);
		EXPECT_STATUS(test, put(t->a, pool, 2, i, t->buf + VAL,
					sizes[i]), TMEM_STATUS_OK);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(t->out, 0xa5, 2 * VAL);
		len = U32_MAX;
		EXPECT_STATUS(test, get(t->a, pool, 1, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ(test, len, sizes[i]);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, sizes[i]);
		/* Nothing written past the value. */
		KUNIT_EXPECT_EQ(test, t->out[sizes[i]], 0xa5);
		EXPECT_STATUS(test, get(t->a, pool, 2, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, sizes[i]);
		EXPECT_STATUS(test, get(t->a, pool, 2, i, t->out, VAL, &len),
			      persistent ? TMEM_STATUS_OK : TMEM_STATUS_MISS);
	}
}

static void miss_and_flush_page_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = kind_pool(test, t->a);
	struct tmem_handle h = handle(5, 5);
	u32 len;

	EXPECT_STATUS(test, get(t->a, pool, 5, 5, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pool, &h),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, put(t->a, pool, 5, 5, t->buf, 64), TMEM_STATUS_OK);
	/* Same oid, other index; same index, other oid: both misses. */
	EXPECT_STATUS(test, get(t->a, pool, 5, 6, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, get(t->a, pool, 6, 5, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pool, &h),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->a, pool, 5, 5, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	KUNIT_EXPECT_EQ(test, t->host->pages, 0);
}

static void replace_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = kind_pool(test, t->a);
	struct tmem_pool_info info;
	u32 len;

	fill_random(t->buf, 2 * VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf + VAL, 300),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.pages, 1);
	KUNIT_EXPECT_EQ(test, info.raw_bytes, 300);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, len, 300);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, 300);
}

/* A refused replace leaves nothing, not the old value. */
static void failed_replace_fault_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = kind_pool(test, t->a);
	u32 len;

	fill_random(t->buf, 2 * VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	fault_always(&t->host->fail_put, 1);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_REFUSED);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	/* The fault was used up: the next PUT works. */
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, VAL);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_FAULTS_INJECTED), 1);
}

static void failed_replace_capacity_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u64 cap;
	u32 len;

	utmem_host_set_compress(t->host, false);
	/* Two values of one page in all, in objects of their own, and 100. */
	cap = value_cost(t, 200, false) + value_cost(t, VAL - 200, false) +
	      2 * t->host->obj_cost;
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, cap + 100), 0);
	fill_random(t->buf, 2 * VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 200),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 2, 0, t->buf + 200, VAL - 200),
		      TMEM_STATUS_OK);
	/* 300 more bytes do not fit even with the old 200 gone. */
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf + VAL, 500),
		      TMEM_STATUS_REFUSED);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, get(t->a, pool, 2, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + 200, VAL - 200);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_PUT_REFUSED), 1);
}

/* A short buffer gets TOOBIG and the length; the value stays. */
static void get_short_buffer_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = kind_pool(test, t->a);
	u32 len = 0;

	fill_random(t->buf, VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 1000),
		      TMEM_STATUS_OK);
	memset(t->out, 0x5a, VAL);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, 999, &len),
		      TMEM_STATUS_TOOBIG);
	KUNIT_EXPECT_EQ(test, len, 1000);
	KUNIT_EXPECT_EQ(test, t->out[0], 0x5a);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, 1000, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, 1000);
}

static void invalid_request_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_handle h = handle(1, 0);
	uuid_t uuid;
	u32 id, len;

	/* An oversized replace drops the old value too. */
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 10), TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL + 1),
		      TMEM_STATUS_TOOBIG);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	/* A malformed handle changes nothing. */
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 10), TMEM_STATUS_OK);
	h.reserved = 1;
	EXPECT_STATUS(test, utmem_host_put(t->a, pool, &h, t->buf, 1),
		      TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, utmem_host_get(t->a, pool, &h, t->out, VAL, &len),
		      TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pool, &h),
		      TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, pool), TMEM_STATUS_OK);

	uuid_gen(&uuid);
	EXPECT_STATUS(test, utmem_host_new_pool(t->a, 1U << 7, NULL, &id),
		      TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, utmem_host_new_pool(t->a, TMEM_POOL_SHARED, NULL,
						&id), TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, utmem_host_new_pool(t->a, 0, &uuid, &id),
		      TMEM_STATUS_INVAL);
	/* A shared pool opened with the other persistence. */
	new_pool(test, t->a, TMEM_POOL_SHARED, &uuid);
	EXPECT_STATUS(test, utmem_host_new_pool(t->b, TMEM_POOL_SHARED |
					       TMEM_POOL_PERSISTENT, &uuid,
					       &id), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, t->host->pages, 0);
}

static void bad_pool_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_handle h = handle(1, 0);
	struct tmem_batch_entry ent = { .handle = h, .src = t->buf, .len = 1 };
	struct tmem_pool_info info;
	u32 len;

	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 10), TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_destroy_pool(t->a, pool),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_destroy_pool(t->a, pool),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 10),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pool, &h),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, utmem_host_flush_object(t->a, pool, &h.oid),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, 12345),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, utmem_host_put_batch(t->a, 77, &ent, 1),
		      TMEM_STATUS_BADPOOL);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, U32_MAX, &info),
		      TMEM_STATUS_BADPOOL);
	KUNIT_EXPECT_EQ(test, t->host->pages, 0);
}

static void flush_object_pool_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = kind_pool(test, t->a);
	struct tmem_handle h = handle(1, 0);
	u32 i, len;

	fill_random(t->buf, VAL);
	for (i = 0; i < 8; i++) {
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, 8 + i),
			      TMEM_STATUS_OK);
		EXPECT_STATUS(test, put(t->a, pool, 2, i, t->buf, 8 + i),
			      TMEM_STATUS_OK);
	}
	EXPECT_STATUS(test, utmem_host_flush_object(t->a, pool, &h.oid),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->pages, 8);
	EXPECT_STATUS(test, get(t->a, pool, 1, 3, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, get(t->a, pool, 2, 3, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, 11);

	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, pool), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->pages, 0);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	/* The pool stays usable. */
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, 5), TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, 5);
}

/* Private pools of different clients never see each other's data. */
static void private_isolation_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pa = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 pb = new_pool(test, t->b, TMEM_POOL_PERSISTENT, NULL);
	u32 len;

	/* Both clients number their first pool alike. */
	KUNIT_EXPECT_EQ(test, pa, pb);
	fill_random(t->buf, VAL);
	EXPECT_STATUS(test, put(t->a, pa, 1, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->b, pb, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	EXPECT_STATUS(test, get(t->b, pb + 1, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_BADPOOL);
	KUNIT_EXPECT_EQ(test, t->a->pages, 1);
	KUNIT_EXPECT_EQ(test, t->b->pages, 0);
}

static void shared_pool_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 flags = TMEM_POOL_SHARED | TMEM_POOL_PERSISTENT;
	uuid_t uuid, other;
	u32 pa, pb, pc, len;

	uuid_gen(&uuid);
	uuid_gen(&other);
	pa = new_pool(test, t->a, flags, &uuid);
	pb = new_pool(test, t->b, flags, &uuid);
	pc = new_pool(test, t->b, flags, &other);
	fill_random(t->buf, VAL);
	EXPECT_STATUS(test, put(t->a, pa, 1, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->b, pb, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	EXPECT_STATUS(test, get(t->b, pc, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	/* The creator pays until it leaves; then the remaining user does. */
	KUNIT_EXPECT_GT(test, t->a->used, 0);
	KUNIT_EXPECT_EQ(test, t->b->used, 0);
	EXPECT_STATUS(test, utmem_host_destroy_pool(t->a, pa), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	KUNIT_EXPECT_GT(test, t->b->used, 0);
	memset(t->out, 0, VAL);
	EXPECT_STATUS(test, get(t->b, pb, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
}

static void pool_limit_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 i, id;

	for (i = 0; i < UTMEM_HOST_POOLS_PER_CLIENT; i++)
		new_pool(test, t->a, 0, NULL);
	EXPECT_STATUS(test, utmem_host_new_pool(t->a, 0, NULL, &id),
		      TMEM_STATUS_REFUSED);
	/* Another client is not affected. */
	new_pool(test, t->b, 0, NULL);
}

/*
 * Capacity holds @pages raw pages here, in up to two objects of one index
 * block each: compression and dedup off.
 */
static u64 page_capacity(struct sim_test *t, u32 pages)
{
	return pages * value_cost(t, VAL, true) + 2 * object_cost(t);
}

static void set_page_capacity(struct kunit *test, u32 pages)
{
	struct sim_test *t = test->priv;

	utmem_host_set_compress(t->host, false);
	utmem_host_set_dedup(t->host, false);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host,
						      page_capacity(t, pages)),
			0);
}

static void persistent_capacity_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 i, len;

	set_page_capacity(test, 10);
	for (i = 0; i < 10; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	EXPECT_STATUS(test, put(t->a, pool, 1, 10, t->buf, VAL),
		      TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_EQ(test, t->host->used,
			10 * value_cost(t, VAL, false) + object_cost(t));
	/* Nothing persistent was evicted to try. */
	for (i = 0; i < 10; i++)
		EXPECT_STATUS(test, get(t->a, pool, 1, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host, UTMEM_HOST_EVICTIONS),
			0);
}

/* A pool's puts - flushes - evicted is the pages it holds. */
static void expect_pool_balance(struct kunit *test,
				struct utmem_host_client *c, u32 pool)
{
	struct tmem_pool_info info;

	EXPECT_STATUS(test, utmem_host_pool_info(c, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ_MSG(test, info.puts - info.flushes - info.evicted,
			    info.pages, "puts %llu flushes %llu evicted %llu",
			    info.puts, info.flushes, info.evicted);
}

/*
 * Each way a value enters or leaves a pool lands in exactly one of its
 * counters: a replacing PUT, an exclusive GET and a flush are the
 * guest's; eviction and a value lost on a GET fault are the host's.
 */
static void pool_counters_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, 0, NULL);
	struct tmem_handle h = handle(1, 2);
	struct tmem_oid oid = { .oid = { 2 } };
	struct tmem_pool_info info;
	u32 i, len;

	set_page_capacity(test, 10);
	for (i = 0; i < 5; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, get(t->a, pool, 1, 1, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pool, &h),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 2, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_flush_object(t->a, pool, &oid),
		      TMEM_STATUS_OK);
	/* 3 pages held; 10 more leave room for 7: 3 evicted. */
	for (i = 10; i < 20; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.puts, 17);
	KUNIT_EXPECT_EQ(test, info.flushes, 4);
	KUNIT_EXPECT_EQ(test, info.evicted, 3);
	KUNIT_EXPECT_EQ(test, info.pages, 10);

	/* A GET the host fails loses the value: the host's doing. */
	fault_always(&t->host->fail_get, 1);
	EXPECT_STATUS(test, get(t->a, pool, 1, 19, t->out, VAL, &len),
		      TMEM_STATUS_IO);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.evicted, 4);
	KUNIT_EXPECT_EQ(test, info.pages, 9);
	expect_pool_balance(test, t->a, pool);
}

/* Ephemeral pages go oldest first; a persistent PUT pushes them out. */
static void ephemeral_lru_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 eph = new_pool(test, t->a, 0, NULL);
	u32 pers = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_pool_info info;
	u32 i, len;

	set_page_capacity(test, 10);
	for (i = 0; i < 20; i++) {
		fill_compressible(t->buf, VAL, i);
		EXPECT_STATUS(test, put(t->a, eph, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	KUNIT_EXPECT_EQ(test, t->host->used,
			10 * value_cost(t, VAL, true) + object_cost(t));
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, eph, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.evicted, 10);
	EXPECT_STATUS(test, put(t->a, pers, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	/* Pages 0..10 are gone, 11..19 hold their own content. */
	for (i = 0; i < 20; i++) {
		if (i <= 10) {
			EXPECT_STATUS(test, get(t->a, eph, 1, i, t->out, VAL,
						&len), TMEM_STATUS_MISS);
			continue;
		}
		fill_compressible(t->buf, VAL, i);
		EXPECT_STATUS(test, get(t->a, eph, 1, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	}
}

/* Under pressure each client keeps a share in proportion to its weight. */
static void weight_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pa = new_pool(test, t->a, 0, NULL);
	u32 pb = new_pool(test, t->b, 0, NULL);
	u64 cap;
	u32 i;

	/* Each value its own object at index 0: the same cost for all. */
	set_page_capacity(test, 0);
	cap = 40 * (value_cost(t, VAL, true) + t->host->obj_cost);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, cap), 0);
	KUNIT_ASSERT_EQ(test, utmem_host_set_weight(t->a, 100), 0);
	KUNIT_ASSERT_EQ(test, utmem_host_set_weight(t->b, 300), 0);
	for (i = 0; i < 400; i++) {
		fill_random(t->buf, VAL);
		put(t->a, pa, i, 0, t->buf, VAL);
		put(t->b, pb, i, 0, t->buf, VAL);
	}
	KUNIT_EXPECT_EQ(test, t->a->pages + t->b->pages, 40);
	KUNIT_EXPECT_GE(test, t->a->pages, 9);
	KUNIT_EXPECT_LE(test, t->a->pages, 11);
	KUNIT_EXPECT_GE(test, t->b->pages, 29);
	KUNIT_EXPECT_LE(test, t->b->pages, 31);
}

static void client_cap_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 eph = new_pool(test, t->a, 0, NULL);
	u32 pers = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 pb = new_pool(test, t->b, TMEM_POOL_PERSISTENT, NULL);
	u32 i, len;

	set_page_capacity(test, 100);
	/* Five pages, in one of two objects. */
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a,
						 5 * value_cost(t, VAL, true) +
						 2 * object_cost(t)), 0);
	fill_random(t->buf, VAL);
	for (i = 0; i < 8; i++)
		EXPECT_STATUS(test, put(t->a, eph, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->a->pages, 5);
	EXPECT_STATUS(test, get(t->a, eph, 1, 2, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	for (i = 0; i < 5; i++)
		EXPECT_STATUS(test, put(t->a, pers, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pers, 1, 5, t->buf, VAL),
		      TMEM_STATUS_REFUSED);
	/* The ephemeral pages went, and their object's record with them. */
	KUNIT_EXPECT_EQ(test, t->a->used,
			5 * value_cost(t, VAL, false) + object_cost(t));
	/* The other client has room. */
	for (i = 0; i < 20; i++)
		EXPECT_STATUS(test, put(t->b, pb, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	/* Lowering the cap evicts ephemeral data only. */
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a, VAL), 0);
	KUNIT_EXPECT_EQ(test, t->a->pages, 5);
}

static void capacity_shrink_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 eph = new_pool(test, t->a, 0, NULL);
	u32 pers = new_pool(test, t->b, TMEM_POOL_PERSISTENT, NULL);
	u32 i;

	set_page_capacity(test, 30);
	for (i = 0; i < 20; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, eph, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	for (i = 0; i < 8; i++)
		EXPECT_STATUS(test, put(t->b, pers, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host,
						      page_capacity(t, 10)), 0);
	/* Two ephemeral pages are left beside the eight persistent ones. */
	KUNIT_EXPECT_EQ(test, t->host->used,
			2 * value_cost(t, VAL, true) +
			8 * value_cost(t, VAL, false) + 2 * object_cost(t));
	KUNIT_EXPECT_EQ(test, t->a->pages, 2);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host,
						      page_capacity(t, 4)), 0);
	/* Persistent data outlives a capacity below it; new PUTs do not. */
	KUNIT_EXPECT_EQ(test, t->b->pages, 8);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	EXPECT_STATUS(test, put(t->a, eph, 1, 100, t->buf, 1),
		      TMEM_STATUS_REFUSED);
}

static unsigned long reserve_pages(struct utmem_sim_reserve *r)
{
	return utmem_sim_reserve_bytes(r) >> PAGE_SHIFT;
}

/*
 * With the carve-out on, reserve and footprint add up to the capacity:
 * the guest loses the capacity once, not again for the data in it.
 */
static void carve_out_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct utmem_sim_reserve r;
	u64 footprint_pages;
	u32 i;

	utmem_host_set_compress(t->host, false);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, 1 << 20), 0);
	utmem_sim_reserve_attach(&r, t->host);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 0);
	/* Off, the engine has no footprint hook to call: PUTs skip it. */
	KUNIT_EXPECT_NULL(test, t->host->footprint_changed);
	KUNIT_ASSERT_EQ(test, utmem_sim_set_carve_out(&r, true), 0);
	KUNIT_EXPECT_NOT_NULL(test, t->host->footprint_changed);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 256);
	for (i = 0; i < 10; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	/* A page of data takes one page, plus small records. */
	footprint_pages = DIV_ROUND_UP_ULL(utmem_host_footprint(t->host),
					   PAGE_SIZE);
	KUNIT_EXPECT_GE(test, utmem_host_footprint(t->host), 10 * PAGE_SIZE);
	KUNIT_EXPECT_LE(test, footprint_pages, 11);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 256 - footprint_pages);
	/* A small give-back waits; a large one refills the reserve. */
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, pool), TMEM_STATUS_OK);
	/* zsmalloc bytes are freed outside the host lock, by a work item. */
	flush_work(&t->host->zs_free_work);
	KUNIT_EXPECT_EQ(test, utmem_host_footprint(t->host), 0);
	flush_work(&r.work);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 256 - footprint_pages);
	for (i = 0; i < 100; i++) {
		fill_random(t->buf, VAL);
		EXPECT_STATUS(test, put(t->a, pool, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	KUNIT_EXPECT_LT(test, reserve_pages(&r), 156);
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, pool), TMEM_STATUS_OK);
	flush_work(&t->host->zs_free_work);
	flush_work(&r.work);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 256);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, 1 << 19), 0);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 128);
	KUNIT_ASSERT_EQ(test, utmem_sim_set_carve_out(&r, false), 0);
	KUNIT_EXPECT_EQ(test, reserve_pages(&r), 0);
	KUNIT_EXPECT_NULL(test, t->host->footprint_changed);
	/* Detached, the host's footprint changes reach nobody. */
	utmem_sim_reserve_detach(&r);
	KUNIT_EXPECT_NULL(test, t->host->footprint_changed);
}

static void knob_validation_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u64 bytes;

	KUNIT_EXPECT_EQ(test, utmem_host_set_capacity(t->host,
						      UTMEM_HOST_CAPACITY_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t->host->capacity, 64ULL << 20);
	KUNIT_EXPECT_EQ(test, utmem_host_set_weight(t->a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_host_set_weight(t->a, 10001), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->a->weight, UTMEM_HOST_WEIGHT_DEFAULT);
	KUNIT_EXPECT_EQ(test, utmem_host_set_cap(t->a, U64_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->a->cap, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(utmem_host_create(U64_MAX)));

	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("64M", &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, 64ULL << 20);
	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("1G\n", &bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, 1ULL << 30);
	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("", &bytes), 0);
	KUNIT_EXPECT_GT(test, bytes, 0);
	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("lots", &bytes),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("12Q", &bytes),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_host_parse_capacity("1000000T", &bytes),
			-EINVAL);
}

static void compression_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_pool_info info;
	u32 len;

	utmem_host_set_dedup(t->host, false);
	fill_compressible(t->buf, VAL, 0);
	fill_random(t->buf + VAL, VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_LT(test, t->host->used, VAL / 4);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_COMPRESSED_PUTS), 1);
	/* Random data is stored raw, not expanded. */
	EXPECT_STATUS(test, put(t->a, pool, 2, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.raw_bytes, 2 * VAL);
	KUNIT_EXPECT_LT(test, info.stored_bytes, VAL + VAL / 4);
	KUNIT_EXPECT_GE(test, info.stored_bytes, VAL);

	/* Switched off at runtime: the next compressible page goes raw. */
	utmem_host_set_compress(t->host, false);
	EXPECT_STATUS(test, put(t->a, pool, 3, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_GE(test, info.stored_bytes, 2 * VAL);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_COMPRESSED_PUTS), 1);

	/* Both forms read back byte for byte. */
	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	EXPECT_STATUS(test, get(t->a, pool, 3, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	EXPECT_STATUS(test, get(t->a, pool, 2, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, VAL);
}

/*
 * With interrupts off (cleancache's PUTs) blobs go to slab caches of
 * 64-byte steps, not zsmalloc: compressed when that leaves a saving, raw
 * otherwise; both read back, packed to less than a step, and the
 * carve-out's footprint counts them.
 */
static void irqs_off_compression_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, 0, NULL);
	struct tmem_pool_info info;
	unsigned long flags;
	u32 len, st1, st2;
	u64 used1;

	utmem_host_set_dedup(t->host, false);
	fill_compressible(t->buf, VAL, 0);
	fill_random(t->buf + VAL, VAL);
	local_irq_save(flags);
	st1 = put(t->a, pool, 1, 0, t->buf, VAL);
	used1 = t->host->used;
	st2 = put(t->a, pool, 2, 0, t->buf + VAL, VAL);
	local_irq_restore(flags);
	EXPECT_STATUS(test, st1, TMEM_STATUS_OK);
	EXPECT_STATUS(test, st2, TMEM_STATUS_OK);
	KUNIT_EXPECT_LT(test, used1, VAL / 4);
	KUNIT_EXPECT_EQ(test, t->host->used,
			used1 + value_cost(t, VAL, true) + t->host->obj_cost);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_COMPRESSED_PUTS), 1);
	/* No zsmalloc page: the footprint is the slab's, what is charged. */
	KUNIT_EXPECT_EQ(test, utmem_host_footprint(t->host),
			t->host->footprint);
	KUNIT_EXPECT_EQ(test, t->host->footprint, t->host->used);
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, pool, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_LT(test, used1 - t->host->value_cost[1] -
			t->host->obj_cost - (info.stored_bytes - VAL), 64);

	EXPECT_STATUS(test, get(t->a, pool, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	EXPECT_STATUS(test, get(t->a, pool, 2, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, VAL);
	/* Ephemeral GETs took both out. */
	KUNIT_EXPECT_EQ(test, t->host->footprint, 0);
}

/*
 * One blob for equal values of a client, across its pools, until the
 * last goes; another client's equal value gets a blob of its own unless
 * the host deduplicates across clients.  Every value here is an object
 * of its own at index 0: a page costs the host its record and the
 * object's, a blob its record and its bytes.
 */
static void dedup_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pa = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 pa2 = new_pool(test, t->a, 0, NULL);
	u32 pb = new_pool(test, t->b, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_handle h1 = handle(1, 0), h2 = handle(2, 0);
	const u64 blob = VAL + t->host->shared_cost;
	const u64 pp = t->host->value_cost[0] + t->host->obj_cost;
	const u64 pe = t->host->value_cost[1] + t->host->obj_cost;
	u32 len;

	utmem_host_set_compress(t->host, false);
	fill_random(t->buf, 2 * VAL);
	EXPECT_STATUS(test, put(t->a, pa, 1, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pa, 2, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pa2, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, blob + 2 * pp + pe);
	EXPECT_STATUS(test, put(t->b, pb, 1, 0, t->buf, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, 2 * blob + 3 * pp + pe);
	KUNIT_EXPECT_EQ(test, t->host->pages, 4);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			2);
	/* Clients are charged in full for what they hold. */
	KUNIT_EXPECT_EQ(test, t->a->used, 3 * blob + 2 * pp + pe);
	KUNIT_EXPECT_EQ(test, t->b->used, blob + pp);

	/* Same length, one byte different: a separate blob. */
	memcpy(t->buf + VAL, t->buf, VAL);
	t->buf[VAL + VAL - 1] ^= 1;
	EXPECT_STATUS(test, put(t->a, pa, 3, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, 3 * blob + 4 * pp + pe);

	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pa, &h1),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_flush_page(t->a, pa, &h2),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, 3 * blob + 2 * pp + pe);
	/* The exclusive GET drops the last reference. */
	EXPECT_STATUS(test, get(t->a, pa2, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	KUNIT_EXPECT_EQ(test, t->host->used, 2 * blob + 2 * pp);
	EXPECT_STATUS(test, get(t->b, pb, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	EXPECT_STATUS(test, utmem_host_flush_page(t->b, pb, &h1),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, blob + pp);
	EXPECT_STATUS(test, get(t->a, pa, 3, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + VAL, VAL);

	/* Across clients when the host says so. */
	utmem_host_set_dedup_cross_client(t->host, true);
	EXPECT_STATUS(test, put(t->a, pa, 5, 0, t->buf, VAL), TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->b, pb, 5, 0, t->buf, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, 2 * blob + 3 * pp);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			3);
	EXPECT_STATUS(test, get(t->b, pb, 5, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);

	/* Off: equal values are stored twice, in the value's own record. */
	utmem_host_set_dedup(t->host, false);
	EXPECT_STATUS(test, put(t->a, pa, 4, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->host->used, 2 * blob + VAL + 4 * pp);
}

/*
 * A deduplicated PUT needs no room for its bytes even when the host is
 * full, only for its records; from another client it needs all of it
 * (tmem_sim_tenant.dedup_oracle_test).
 */
static void dedup_at_capacity_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	const u64 page = t->host->value_cost[0] + t->host->obj_cost;
	const u64 cap = VAL + t->host->shared_cost + 2 * page;

	utmem_host_set_compress(t->host, false);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, cap), 0);
	fill_random(t->buf, 2 * VAL);
	EXPECT_STATUS(test, put(t->a, pool, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 2, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pool, 3, 0, t->buf + VAL, VAL),
		      TMEM_STATUS_REFUSED);
}

static void fault_drop_ephemeral_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 eph = new_pool(test, t->a, 0, NULL);
	u32 pers = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 i, len;

	fill_random(t->buf, VAL);
	for (i = 0; i < 4; i++) {
		EXPECT_STATUS(test, put(t->a, eph, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
		EXPECT_STATUS(test, put(t->a, pers, 1, i, t->buf, VAL),
			      TMEM_STATUS_OK);
	}
	fault_always(&t->host->drop_ephemeral, -1);
	/* Each call drops one ephemeral page before doing its work. */
	for (i = 0; i < 4; i++) {
		EXPECT_STATUS(test, get(t->a, pers, 1, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	}
	KUNIT_EXPECT_EQ(test, t->a->pages, 4);
	for (i = 0; i < 4; i++)
		EXPECT_STATUS(test, get(t->a, eph, 1, i, t->out, VAL, &len),
			      TMEM_STATUS_MISS);
}

static void fault_fail_get_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 eph = new_pool(test, t->a, 0, NULL);
	u32 pers = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 len;

	fill_random(t->buf, VAL);
	EXPECT_STATUS(test, put(t->a, eph, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, put(t->a, pers, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	fault_always(&t->host->fail_get, -1);
	EXPECT_STATUS(test, get(t->a, eph, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_IO);
	EXPECT_STATUS(test, get(t->a, eph, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_MISS);
	/* Persistent data is never failed. */
	memset(t->out, 0, VAL);
	EXPECT_STATUS(test, get(t->a, pers, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
}

/* corrupt_get: what a hostile host does; the value itself stays intact. */
static void fault_corrupt_get_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pers = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	u32 len;

	fill_random(t->buf, VAL);
	EXPECT_STATUS(test, put(t->a, pers, 1, 0, t->buf, VAL),
		      TMEM_STATUS_OK);
	fault_always(&t->host->corrupt_get, 1);
	EXPECT_STATUS(test, get(t->a, pers, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->out[0], t->buf[0] ^ 0xff);
	KUNIT_EXPECT_MEMEQ(test, t->out + 1, t->buf + 1, VAL - 1);
	EXPECT_STATUS(test, get(t->a, pers, 1, 0, t->out, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
}

static void put_batch_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	u32 pool = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	struct tmem_batch_entry *ent;
	u32 i, len;

	ent = kunit_kcalloc(test, 1025, sizeof(*ent), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ent);
	fill_random(t->buf, 2 * VAL);
	for (i = 0; i < 16; i++) {
		ent[i].handle = handle(9, i);
		ent[i].src = t->buf + i * 64;
		ent[i].len = 64;
	}
	ent[5].len = VAL + 1;
	EXPECT_STATUS(test, utmem_host_put_batch(t->a, pool, ent, 16),
		      TMEM_STATUS_OK);
	for (i = 0; i < 16; i++) {
		EXPECT_STATUS(test, ent[i].status,
			      i == 5 ? TMEM_STATUS_TOOBIG : TMEM_STATUS_OK);
		if (i == 5)
			continue;
		EXPECT_STATUS(test, get(t->a, pool, 9, i, t->out, VAL, &len),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ(test, len, 64);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->buf + i * 64, 64);
	}
	EXPECT_STATUS(test, utmem_host_put_batch(t->a, pool, ent, 1025),
		      TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, t->host->pages, 15);
}

/*
 * Random operations on both clients, then every counter must agree with
 * a recount of the structures.
 */
static void accounting_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	struct utmem_host_client *c[2] = { t->a, t->b };
	struct tmem_pool_info info;
	u32 pools[2][4], i, len;
	u64 pages = 0, raw = 0;
	uuid_t uuid[4];
	int k;

	for (i = 0; i < 4; i++)
		uuid_gen(&uuid[i]);
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, 40 * VAL), 0);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 4; i++)
			pools[k][i] = new_pool(test, c[k], pool_kinds[i],
					       pool_kinds[i] & TMEM_POOL_SHARED ?
					       &uuid[i] : NULL);
	for (i = 0; i < 3000; i++) {
		u32 r = get_random_u32();
		struct utmem_host_client *cl = c[r & 1];
		u32 pool = pools[r & 1][(r >> 1) & 3];
		u32 idx = (r >> 3) % 64;
		struct tmem_handle h = handle((r >> 9) & 3, idx);

		switch ((r >> 12) % 5) {
		case 0:
		case 1:
			if (r & (1 << 20))
				fill_compressible(t->buf, VAL, idx);
			else
				fill_random(t->buf, VAL);
			utmem_host_put(cl, pool, &h, t->buf, (r >> 21) % VAL);
			break;
		case 2:
			get(cl, pool, h.oid.oid[0], idx, t->out, VAL, &len);
			break;
		case 3:
			utmem_host_flush_page(cl, pool, &h);
			break;
		case 4:
			if (((r >> 15) & 31) == 0)
				utmem_host_flush_object(cl, pool, &h.oid);
			break;
		}
	}
	/* Private pools of both clients, shared ones once. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 4; i++) {
			if (k && (pool_kinds[i] & TMEM_POOL_SHARED))
				continue;
			EXPECT_STATUS(test, utmem_host_pool_info(c[k],
								 pools[k][i],
								&info),
				      TMEM_STATUS_OK);
			pages += info.pages;
			raw += info.raw_bytes;
		}
	}
	KUNIT_EXPECT_EQ(test, pages, t->host->pages);
	KUNIT_EXPECT_EQ(test, raw, t->host->raw_bytes);
	KUNIT_EXPECT_EQ(test, t->a->pages + t->b->pages, t->host->pages);
	KUNIT_EXPECT_LE(test, t->host->used, 40 * VAL);
}

/*
 * Several kthreads doing mixed operations on one host.  Each thread owns
 * its oid in a shared persistent pool and must read back exactly what it
 * last stored there; the ephemeral pool sees puts, exclusive gets and
 * evictions from all of them.
 */
struct stress_thread {
	struct sim_test *t;
	struct utmem_host_client *client;
	u32 pers, eph;
	u32 oid;
	u32 seq[32];		/* what is stored at each index (0: none) */
	unsigned int errors;
	struct completion done;
};

static void stress_fill(u8 *buf, u32 oid, u32 index, u32 seq)
{
	u32 i;

	for (i = 0; i < 512; i += 4)
		*(u32 *)(buf + i) = oid << 24 ^ index << 16 ^ seq ^ i;
}

static int stress_fn(void *data)
{
	struct stress_thread *st = data;
	u8 buf[512], want[512];
	u32 i, len, status;

	for (i = 0; i < 4000; i++) {
		u32 r = get_random_u32();
		u32 idx = r % 32;

		if (r & (1 << 10)) {
			u32 seq = ((r >> 11) & 0xffff) | 1;

			stress_fill(buf, st->oid, idx, seq);
			status = put(st->client, st->pers, st->oid, idx, buf,
				     sizeof(buf));
			/* A refused replace leaves nothing behind. */
			st->seq[idx] = status == TMEM_STATUS_OK ? seq : 0;
			put(st->client, st->eph, st->oid, idx, buf,
			    sizeof(buf));
		} else {
			status = get(st->client, st->pers, st->oid, idx, buf,
				     sizeof(buf), &len);
			if (st->seq[idx]) {
				stress_fill(want, st->oid, idx, st->seq[idx]);
				if (status != TMEM_STATUS_OK ||
				    len != sizeof(buf) ||
				    memcmp(buf, want, sizeof(buf)))
					st->errors++;
			} else if (status != TMEM_STATUS_MISS) {
				st->errors++;
			}
			status = get(st->client, st->eph, st->oid, idx, buf,
				     sizeof(buf), &len);
			if (status == TMEM_STATUS_OK) {
				/* Some earlier value of this very slot. */
				if (*(u32 *)buf >> 16 !=
				    (st->oid << 24 ^ idx << 16) >> 16)
					st->errors++;
			} else if (status != TMEM_STATUS_MISS) {
				st->errors++;
			}
		}
		if (!(i % 64))
			cond_resched();
	}
	complete(&st->done);
	return 0;
}

static void concurrency_stress_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	enum { NR = 4 };
	struct stress_thread *st;
	struct task_struct *task;
	uuid_t up, ue;
	int i;

	st = kunit_kcalloc(test, NR, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	uuid_gen(&up);
	uuid_gen(&ue);
	/* Tight enough that ephemeral pages are evicted throughout. */
	KUNIT_ASSERT_EQ(test, utmem_host_set_capacity(t->host, 48 * 512), 0);
	utmem_host_set_compress(t->host, false);
	for (i = 0; i < NR; i++) {
		st[i].t = t;
		st[i].client = i & 1 ? t->b : t->a;
		st[i].pers = new_pool(test, st[i].client,
				      TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
				      &up);
		st[i].eph = new_pool(test, st[i].client, TMEM_POOL_SHARED, &ue);
		st[i].oid = i + 1;
		init_completion(&st[i].done);
	}
	for (i = 0; i < NR; i++) {
		task = kthread_run(stress_fn, &st[i], "tmem_sim_stress/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	}
	for (i = 0; i < NR; i++) {
		wait_for_completion(&st[i].done);
		KUNIT_EXPECT_EQ_MSG(test, st[i].errors, 0, "thread %d", i);
	}
	KUNIT_EXPECT_LE(test, t->host->used, 48 * 512);
	KUNIT_EXPECT_GT(test, utmem_host_counter(t->host, UTMEM_HOST_EVICTIONS),
			0);
	expect_pool_balance(test, t->a, st[0].pers);
	expect_pool_balance(test, t->a, st[0].eph);
}

/* The sim through the tmem core, as a guest user sees it. */
static void backend_binding_test(struct kunit *test)
{
	struct sim_test *t = test->priv;
	struct tmem_backend *be;
	struct tmem_pool *pool;
	struct tmem_handle h = handle(1, 0);
	size_t len;

	be = tmem_backend_create(&tmem_sim_backend_ops, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(be));
	pool = tmem_pool_create(be, "binding", 0, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	fill_random(t->buf, VAL);
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, t->buf, VAL), 0);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, t->out, 10, &len), -E2BIG);
	KUNIT_EXPECT_EQ(test, len, VAL);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, t->out, VAL, &len), 0);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->buf, VAL);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, t->out, VAL, &len), -ENOENT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pool->stats.hits), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pool->stats.misses), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&pool->stats.get_failed), 1);
	/* The selftest passes on a fresh host of its own. */
	if (IS_ENABLED(CONFIG_UTMEM_BENCH))
		KUNIT_EXPECT_EQ(test, tmem_selftest(be, 64), 0);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
}

/* The latency model spends at least exit_ns per host call. */
static void exit_latency_test(struct kunit *test)
{
	struct tmem_backend *be;
	struct tmem_pool *pool;
	struct tmem_handle h = handle(1, 0);
	struct tmem_pool_info info;
	u64 start, spent;
	int i;

	be = tmem_backend_create(&tmem_sim_backend_ops, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(be));
	pool = tmem_pool_create(be, "latency", 0, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_EQ(test, utmem_sim_set_exit_ns(utmem_sim_of(be),
						    UTMEM_SIM_EXIT_NS_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_sim_of(be)->exit_ns, 0);
	KUNIT_ASSERT_EQ(test, utmem_sim_set_exit_ns(utmem_sim_of(be),
						    200 * NSEC_PER_USEC), 0);
	start = ktime_get_ns();
	for (i = 0; i < 10; i++)
		tmem_pool_info(pool, &info);
	spent = ktime_get_ns() - start;
	KUNIT_EXPECT_GE(test, spent, 10 * 200 * NSEC_PER_USEC);
	KUNIT_EXPECT_EQ(test, tmem_flush_page(pool, &h), -ENOENT);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
}

static struct kunit_case tmem_sim_cases[] = {
	KUNIT_CASE_PARAM(roundtrip_test, pool_kind_gen_params),
	KUNIT_CASE_PARAM(miss_and_flush_page_test, pool_kind_gen_params),
	KUNIT_CASE_PARAM(replace_test, pool_kind_gen_params),
	KUNIT_CASE_PARAM(failed_replace_fault_test, pool_kind_gen_params),
	KUNIT_CASE(failed_replace_capacity_test),
	KUNIT_CASE_PARAM(get_short_buffer_test, pool_kind_gen_params),
	KUNIT_CASE(invalid_request_test),
	KUNIT_CASE(bad_pool_test),
	KUNIT_CASE_PARAM(flush_object_pool_test, pool_kind_gen_params),
	KUNIT_CASE(private_isolation_test),
	KUNIT_CASE(shared_pool_test),
	KUNIT_CASE(pool_limit_test),
	KUNIT_CASE(persistent_capacity_test),
	KUNIT_CASE(pool_counters_test),
	KUNIT_CASE(ephemeral_lru_test),
	KUNIT_CASE(weight_test),
	KUNIT_CASE(client_cap_test),
	KUNIT_CASE(capacity_shrink_test),
	KUNIT_CASE(carve_out_test),
	KUNIT_CASE(knob_validation_test),
	KUNIT_CASE(compression_test),
	KUNIT_CASE(irqs_off_compression_test),
	KUNIT_CASE(dedup_test),
	KUNIT_CASE(dedup_at_capacity_test),
	KUNIT_CASE(fault_drop_ephemeral_test),
	KUNIT_CASE(fault_fail_get_test),
	KUNIT_CASE(fault_corrupt_get_test),
	KUNIT_CASE(put_batch_test),
	KUNIT_CASE(accounting_test),
	KUNIT_CASE_ATTR(concurrency_stress_test, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(backend_binding_test),
	KUNIT_CASE(exit_latency_test),
	{}
};

static struct kunit_suite tmem_sim_suite = {
	.name = "tmem_sim",
	.init = sim_test_init,
	.exit = sim_test_exit,
	.test_cases = tmem_sim_cases,
};

kunit_test_suite(tmem_sim_suite);

MODULE_DESCRIPTION("KUnit tests for the utmem host simulator");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
