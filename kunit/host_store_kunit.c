// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite utmem_host_store: how the pool engine stores a value
 * (host/host_store.c) and what it counts for it.
 *
 * - Values of one word repeated (zero pages among them) keep no bytes
 *   and cost their records only; one byte off and they are stored.
 * - Switching the compressor leaves values of both kinds in a pool, and
 *   every one reads back.
 * - Deduplication finds an equal value before compressing; a PUT with
 *   interrupts off never compares against bytes in zsmalloc; values the
 *   dedup hash cannot tell apart are compared and stored apart.
 * - The host's record count (what the metadata figure of make bench is
 *   read from) follows the formula of struct utmem_host_value exactly,
 *   and is 0 once the values are gone.
 * - Values shorter than UTMEM_HOST_COMPRESS_MIN are stored as they came.
 * - A batch, stored a group at a time, sets every entry's status as
 *   single PUTs would, malformed entries and replaced values among them,
 *   and fails whole, every entry saying so, on a pool that is not there.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tmem_sim_fixture.h"

/* Host statuses are __bitwise (sparse): compared here as numbers. */
#define EXPECT_STATUS(test, expr, want) \
	KUNIT_EXPECT_EQ(test, (__force u32)(expr), (__force u32)(want))

#define VAL	TMEM_VALUE_MAX

struct store_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	u32 pers, eph;
	u8 *val, *got;
};

static int store_init(struct kunit *test)
{
	struct store_test *t;
	tmem_status_t status;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	t->got = kunit_kzalloc(test, VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->val);
	KUNIT_ASSERT_NOT_NULL(test, t->got);
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	status = utmem_host_new_pool(t->a, TMEM_POOL_PERSISTENT, NULL,
				     &t->pers);
	KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	status = utmem_host_new_pool(t->a, 0, NULL, &t->eph);
	KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	test->priv = t;
	return 0;
}

static void store_exit(struct kunit *test)
{
	struct store_test *t = test->priv;

	sim_fixture_exit(test, t->host, t->a, t->b);
}

static struct tmem_handle handle(u64 oid, u32 index)
{
	struct tmem_handle h = {};

	tmem_oid_set(&h.oid, oid, 0, 0);
	h.index = index;
	return h;
}

static tmem_status_t put(struct store_test *t, u32 pool, u32 index,
			 const void *src, u32 len)
{
	struct tmem_handle h = handle(1, index);

	return utmem_host_put(t->a, pool, &h, src, len);
}

/* GETs (persistent pool: it stays) and compares with @want. */
static void expect_value(struct kunit *test, u32 pool, u32 index,
			 const void *want, u32 want_len)
{
	struct store_test *t = test->priv;
	struct tmem_handle h = handle(1, index);
	u32 len = 0;

	memset(t->got, 0x5a, VAL);
	EXPECT_STATUS(test, utmem_host_get(t->a, pool, &h, t->got, VAL, &len),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, len, want_len);
	KUNIT_EXPECT_MEMEQ(test, t->got, want, want_len);
}

/* The blob a value holds, read under the lock. */
static struct utmem_host_blob blob_at(struct store_test *t, u32 pool,
				      u32 index)
{
	struct tmem_handle h = handle(1, index);
	struct utmem_host_blob blob = {};
	struct utmem_host_value *value;
	unsigned long flags;

	spin_lock_irqsave(&t->host->lock, flags);
	value = utmem_host_value_find(xa_load(&t->a->pools, pool), &h);
	if (value)
		blob = *utmem_host_value_blob(value);
	spin_unlock_irqrestore(&t->host->lock, flags);
	return blob;
}

/* A persistent value of one object, alone at index 0: what it costs. */
static u64 lone_records(struct store_test *t)
{
	return t->host->value_cost[0] + t->host->obj_cost;
}

static void same_filled_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	static const unsigned long words[] = { 0, ~0UL, 0x0123456789abcdefUL };
	unsigned long *w = (unsigned long *)t->val;
	struct tmem_pool_info info;
	unsigned long flags;
	int i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		memset_l(w, words[i], VAL / sizeof(long));
		EXPECT_STATUS(test, put(t, t->pers, 0, t->val, VAL),
			      TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 0).place,
				UTMEM_HOST_PLACE_FILL);
		/* Its records and nothing else. */
		KUNIT_EXPECT_EQ(test, t->host->used, lone_records(t));
		KUNIT_EXPECT_EQ(test, t->host->records, lone_records(t));
		expect_value(test, t->pers, 0, t->val, VAL);
	}
	EXPECT_STATUS(test, utmem_host_pool_info(t->a, t->pers, &info),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info.stored_bytes, 0);
	KUNIT_EXPECT_EQ(test, info.raw_bytes, VAL);

	/* With interrupts off too (cleancache's PUTs). */
	memset(t->val, 0, VAL);
	local_irq_save(flags);
	EXPECT_STATUS(test, put(t, t->eph, 3, t->val, VAL), TMEM_STATUS_OK);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->eph, 3).place,
			UTMEM_HOST_PLACE_FILL);

	/* The last byte off, or a length that is no number of words. */
	memset(t->val, 0, VAL);
	t->val[VAL - 1] = 1;
	EXPECT_STATUS(test, put(t, t->pers, 1, t->val, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_NE(test, (u32)blob_at(t, t->pers, 1).place,
			UTMEM_HOST_PLACE_FILL);
	expect_value(test, t->pers, 1, t->val, VAL);
	memset(t->val, 0, VAL);
	EXPECT_STATUS(test, put(t, t->pers, 2, t->val, sizeof(long) + 1),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_NE(test, (u32)blob_at(t, t->pers, 2).place,
			UTMEM_HOST_PLACE_FILL);
	expect_value(test, t->pers, 2, t->val, sizeof(long) + 1);
	EXPECT_STATUS(test, put(t, t->pers, 4, t->val, sizeof(long)),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 4).place,
			UTMEM_HOST_PLACE_FILL);
	expect_value(test, t->pers, 4, t->val, sizeof(long));
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_SAME_FILLED_PUTS),
			ARRAY_SIZE(words) + 2);
}

/* Text-like bytes, which both compressors shrink. */
static void fill_text(u8 *p, u32 len, u32 seed)
{
	static const char words[] = "page cache swap slot host pool value ";
	u32 i, r = seed * 2654435761u;

	for (i = 0; i < len; i++) {
		if (!(i % 16))
			r = r * 1103515245 + 12345;
		p[i] = words[(i + (r >> 16)) % (sizeof(words) - 1)];
	}
}

static int set_zstd(struct utmem_host *host)
{
	return utmem_host_set_compressor(host, UTMEM_HOST_CODEC_ZSTD);
}

static void compressor_switch_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	struct utmem_host_blob blob;
	u32 i, lz4_bytes = 0, zstd_bytes = 0;

	utmem_host_set_dedup(t->host, false);
	KUNIT_EXPECT_EQ(test, utmem_host_set_compressor(t->host,
							UTMEM_HOST_CODEC_RAW),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, utmem_host_set_compressor(t->host, 7), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->host->codec, UTMEM_HOST_CODEC_LZ4);
	for (i = 0; i < 20; i++) {
		if (i == 10)
			KUNIT_ASSERT_EQ(test, set_zstd(t->host), 0);
		fill_text(t->val, VAL, i % 10);
		EXPECT_STATUS(test, put(t, t->pers, i, t->val, VAL),
			      TMEM_STATUS_OK);
		blob = blob_at(t, t->pers, i);
		KUNIT_EXPECT_EQ(test, (u32)blob.codec, i < 10 ?
				UTMEM_HOST_CODEC_LZ4 : UTMEM_HOST_CODEC_ZSTD);
		if (i < 10)
			lz4_bytes += blob.stored_len;
		else
			zstd_bytes += blob.stored_len;
	}
	/* Back to LZ4: values of both kinds stay and read back. */
	KUNIT_ASSERT_EQ(test, utmem_host_set_compressor(t->host,
							UTMEM_HOST_CODEC_LZ4),
			0);
	fill_text(t->val, VAL, 3);
	EXPECT_STATUS(test, put(t, t->pers, 20, t->val, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 20).codec,
			UTMEM_HOST_CODEC_LZ4);
	for (i = 0; i <= 20; i++) {
		fill_text(t->val, VAL, i == 20 ? 3 : i % 10);
		expect_value(test, t->pers, i, t->val, VAL);
	}
	kunit_info(test, "the same 10 pages: LZ4 %u bytes, zstd %u bytes\n",
		   lz4_bytes, zstd_bytes);
	KUNIT_EXPECT_LT(test, zstd_bytes, lz4_bytes);
}

static void dedup_before_compress_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	u64 compressed, hits;
	unsigned long flags;

	fill_text(t->val, VAL, 1);
	EXPECT_STATUS(test, put(t, t->pers, 0, t->val, VAL), TMEM_STATUS_OK);
	compressed = utmem_host_counter(t->host, UTMEM_HOST_COMPRESSED_PUTS);
	hits = utmem_host_counter(t->host, UTMEM_HOST_DEDUP_HITS);
	/* A hit: nothing compressed, one blob for both. */
	EXPECT_STATUS(test, put(t, t->pers, 1, t->val, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_COMPRESSED_PUTS),
			compressed);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			hits + 1);
	KUNIT_EXPECT_EQ(test, blob_at(t, t->pers, 0).data,
			blob_at(t, t->pers, 1).data);
	/* With interrupts off, the zsmalloc blob is not a candidate. */
	local_irq_save(flags);
	EXPECT_STATUS(test, put(t, t->pers, 2, t->val, VAL), TMEM_STATUS_OK);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			hits + 1);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 2).place,
			UTMEM_HOST_PLACE_SLAB);
	/* But its slab blob is for the next such PUT. */
	local_irq_save(flags);
	EXPECT_STATUS(test, put(t, t->pers, 3, t->val, VAL), TMEM_STATUS_OK);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS),
			hits + 2);
	expect_value(test, t->pers, 0, t->val, VAL);
	expect_value(test, t->pers, 1, t->val, VAL);
	expect_value(test, t->pers, 2, t->val, VAL);
	expect_value(test, t->pers, 3, t->val, VAL);
}

/*
 * Values that differ only between the chunks the dedup hash reads have
 * one key: they are compared, found different, and stored apart.
 */
static void hash_collision_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	u8 *other = t->got;
	u64 hits;

	fill_text(t->val, VAL, 4);
	memcpy(other, t->val, VAL);
	other[100] ^= 0x20;
	KUNIT_EXPECT_EQ(test, utmem_host_dedup_hash(t->val, VAL),
			utmem_host_dedup_hash(other, VAL));
	KUNIT_EXPECT_NE(test, utmem_host_dedup_hash(t->val, 300),
			utmem_host_dedup_hash(other, 300));
	EXPECT_STATUS(test, put(t, t->pers, 0, t->val, VAL), TMEM_STATUS_OK);
	hits = utmem_host_counter(t->host, UTMEM_HOST_DEDUP_HITS);
	EXPECT_STATUS(test, put(t, t->pers, 1, other, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_DEDUP_HITS), hits);
	KUNIT_EXPECT_NE(test, blob_at(t, t->pers, 0).data,
			blob_at(t, t->pers, 1).data);
	expect_value(test, t->pers, 0, t->val, VAL);
	fill_text(t->val, VAL, 4);
	t->val[100] ^= 0x20;
	expect_value(test, t->pers, 1, t->val, VAL);
}

/*
 * What struct utmem_host_value says @pers persistent values of 64 bytes
 * (@dense blocks' worth at indices 0.., and @sparse alone in blocks of
 * their own) and @eph ephemeral ones at 0.. carry, in two objects: their
 * records, zsmalloc's handles, the objects, a leaf per 64-index block and
 * a node per 4096-index block.
 */
static u64 records_formula(const struct utmem_host *host, u64 pers,
			   u32 dense, u32 sparse, u32 eph)
{
	u64 leaves = DIV_ROUND_UP(dense, 64) + sparse + DIV_ROUND_UP(eph, 64);
	u64 uppers = DIV_ROUND_UP(dense, 4096) + sparse +
		     DIV_ROUND_UP(eph, 4096);

	return pers * host->value_cost[0] + (u64)eph * host->value_cost[1] +
	       (pers + eph) * sizeof(unsigned long) + 2 * host->obj_cost +
	       (leaves + uppers) * host->node_cost;
}

/*
 * @nr values at indices 0..nr-1 of one object, then @sparse ones 4096
 * indices apart: the records struct utmem_host_value says they carry.
 */
static void small_uncompressed_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	u64 compressed;

	utmem_host_set_dedup(t->host, false);
	fill_text(t->val, VAL, 1);
	compressed = utmem_host_counter(t->host, UTMEM_HOST_COMPRESSED_PUTS);
	EXPECT_STATUS(test, put(t, t->pers, 0, t->val, 511), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 0).codec,
			UTMEM_HOST_CODEC_RAW);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 0).stored_len, 511);
	EXPECT_STATUS(test, put(t, t->pers, 1, t->val, 512), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, (u32)blob_at(t, t->pers, 1).codec,
			UTMEM_HOST_CODEC_LZ4);
	KUNIT_EXPECT_LT(test, (u32)blob_at(t, t->pers, 1).stored_len, 512);
	KUNIT_EXPECT_EQ(test, utmem_host_counter(t->host,
						 UTMEM_HOST_COMPRESSED_PUTS),
			compressed + 1);
	expect_value(test, t->pers, 0, t->val, 511);
	expect_value(test, t->pers, 1, t->val, 512);
}

#define BATCH_NR	40	/* three groups, the last one short */

static void batch_groups_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	struct tmem_batch_entry *ent;
	u64 pages = t->host->pages;
	u32 i;

	ent = kunit_kcalloc(test, BATCH_NR, sizeof(*ent), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ent);
	get_random_bytes(t->val, VAL);
	/* Index 5 holds a value the batch replaces. */
	EXPECT_STATUS(test, put(t, t->pers, 5, t->val + 7, 100),
		      TMEM_STATUS_OK);
	for (i = 0; i < BATCH_NR; i++) {
		ent[i].handle = handle(1, i);
		ent[i].src = t->val + i;
		ent[i].len = i % 3 ? 64 + i : VAL - i;
	}
	ent[17].handle.reserved = 1;
	ent[33].len = VAL + 1;
	EXPECT_STATUS(test, utmem_host_put_batch(t->a, t->pers, ent, BATCH_NR),
		      TMEM_STATUS_OK);
	for (i = 0; i < BATCH_NR; i++) {
		if (i == 17 || i == 33)
			continue;
		EXPECT_STATUS(test, ent[i].status, TMEM_STATUS_OK);
		expect_value(test, t->pers, i, t->val + i, ent[i].len);
	}
	EXPECT_STATUS(test, ent[17].status, TMEM_STATUS_INVAL);
	EXPECT_STATUS(test, ent[33].status, TMEM_STATUS_TOOBIG);
	KUNIT_EXPECT_EQ(test, t->host->pages, pages + BATCH_NR - 2);

	for (i = 0; i < BATCH_NR; i++)
		ent[i].status = TMEM_S_OK;
	EXPECT_STATUS(test, utmem_host_put_batch(t->a, t->pers + 100, ent,
						 BATCH_NR),
		      TMEM_STATUS_BADPOOL);
	for (i = 0; i < BATCH_NR; i++)
		EXPECT_STATUS(test, ent[i].status, TMEM_STATUS_BADPOOL);
	KUNIT_EXPECT_EQ(test, t->host->pages, pages + BATCH_NR - 2);
}

static void records_test(struct kunit *test)
{
	struct store_test *t = test->priv;
	const u32 nr = 5000, sparse = 7, eph = 300;
	struct utmem_host *host = t->host;
	u64 expect;
	u32 i;

	utmem_host_set_dedup(host, false);
	for (i = 0; i < nr + sparse; i++) {
		u32 index = i < nr ? i : (i - nr + 2) * 4096 * 4 + 5;

		get_random_bytes(t->val, 64);
		EXPECT_STATUS(test, put(t, t->pers, index, t->val, 64),
			      TMEM_STATUS_OK);
	}
	/* Ephemeral ones in an object of their own (oid 1 of its pool). */
	for (i = 0; i < eph; i++) {
		get_random_bytes(t->val, 64);
		EXPECT_STATUS(test, put(t, t->eph, i, t->val, 64),
			      TMEM_STATUS_OK);
	}
	expect = records_formula(host, nr + sparse, nr, sparse, eph);
	KUNIT_EXPECT_EQ(test, host->records, expect);
	/* The records are what the host charges beyond the stored bytes. */
	KUNIT_EXPECT_EQ(test, host->used, expect + (u64)(nr + sparse + eph) * 64);

	/* Half of them gone, in an order that moves every carrier. */
	for (i = 0; i < nr; i += 2) {
		struct tmem_handle h = handle(1, i);

		EXPECT_STATUS(test, utmem_host_flush_page(t->a, t->pers, &h),
			      TMEM_STATUS_OK);
	}
	/* Every block keeps a value: the nodes stay, their carriers moved. */
	KUNIT_EXPECT_EQ(test, host->records,
			records_formula(host, nr / 2 + sparse, nr, sparse, eph));
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, t->pers),
		      TMEM_STATUS_OK);
	EXPECT_STATUS(test, utmem_host_flush_pool(t->a, t->eph),
		      TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, host->records, 0);
	KUNIT_EXPECT_EQ(test, host->used, 0);
}

static struct kunit_case store_cases[] = {
	KUNIT_CASE(same_filled_test),
	KUNIT_CASE(compressor_switch_test),
	KUNIT_CASE(dedup_before_compress_test),
	KUNIT_CASE(hash_collision_test),
	KUNIT_CASE(records_test),
	KUNIT_CASE(small_uncompressed_test),
	KUNIT_CASE(batch_groups_test),
	{}
};

static struct kunit_suite store_suite = {
	.name = "utmem_host_store",
	.init = store_init,
	.exit = store_exit,
	.test_cases = store_cases,
};

kunit_test_suite(store_suite);

MODULE_DESCRIPTION("KUnit tests for the host's value store");
MODULE_LICENSE("GPL");
