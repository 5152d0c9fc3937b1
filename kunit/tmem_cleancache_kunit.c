// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite tmem_cleancache: cleancache on tmem against the host
 * simulator: how a page is named, exclusive gets, every invalidation,
 * and what a refusing host leaves behind.  Folios belong to a made-up
 * inode and mapping; the hooks themselves are exercised by the ext4
 * guest run.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/string.h>

#include <utmem/tmem.h>
#include "../guest/fs/cleancache_tmem.h"
#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"

struct cc_test {
	struct tmem_backend *be;
	struct super_block sb;
	struct inode inode, other;
	struct address_space mapping, other_mapping;
	int pool_id;
	struct folio *folio;
};

static void cc_fake_inode(struct cc_test *t, struct inode *inode,
			  struct address_space *mapping, unsigned long ino,
			  u32 generation)
{
	inode->i_ino = ino;
	inode->i_generation = generation;
	inode->i_sb = &t->sb;
	mapping->host = inode;
}

static int cc_test_init(struct kunit *test)
{
	struct cc_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	test->priv = t;
	t->be = tmem_backend_create(&tmem_sim_backend_ops, NULL);
	if (IS_ERR(t->be))
		return PTR_ERR(t->be);
	strscpy(t->sb.s_id, "kunit", sizeof(t->sb.s_id));
	cc_fake_inode(t, &t->inode, &t->mapping, 42, 7);
	cc_fake_inode(t, &t->other, &t->other_mapping, 43, 7);
	t->pool_id = cleancache_tmem_pool_create(t->be, &t->sb);
	if (t->pool_id < 0)
		return t->pool_id;
	t->folio = folio_alloc(GFP_KERNEL, 0);
	return t->folio ? 0 : -ENOMEM;
}

static void cc_test_exit(struct kunit *test)
{
	struct cc_test *t = test->priv;

	if (t->folio) {
		t->folio->mapping = NULL;
		folio_put(t->folio);
	}
	if (t->pool_id >= 0)
		cleancache_tmem_invalidate_fs(t->pool_id);
	if (!IS_ERR_OR_NULL(t->be))
		tmem_backend_destroy(t->be);
}

/* Puts a page of @mapping at @index whose bytes are all @fill. */
static void cc_put(struct cc_test *t, struct address_space *mapping,
		   pgoff_t index, u8 fill)
{
	unsigned long flags;

	t->folio->mapping = mapping;
	t->folio->index = index;
	memset(folio_address(t->folio), fill, PAGE_SIZE);
	/* As the hook calls it: interrupts off. */
	local_irq_save(flags);
	cleancache_tmem_put(t->pool_id, t->folio);
	local_irq_restore(flags);
}

/* Gets a page; returns the get's result and sets *fill to its first byte. */
static int cc_get(struct cc_test *t, struct address_space *mapping,
		  pgoff_t index, u8 *fill)
{
	int ret;

	t->folio->mapping = mapping;
	t->folio->index = index;
	memset(folio_address(t->folio), 0xee, PAGE_SIZE);
	ret = cleancache_tmem_get(t->pool_id, t->folio);
	*fill = *(u8 *)folio_address(t->folio);
	if (!ret && memchr_inv(folio_address(t->folio), *fill, PAGE_SIZE))
		return -EILSEQ;
	return ret;
}

static u64 cc_host_pages(struct cc_test *t)
{
	return READ_ONCE(utmem_sim_backend_host(t->be)->pages);
}

static void handle_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct tmem_handle h;
	pgoff_t index;

	KUNIT_ASSERT_TRUE(test, cleancache_tmem_handle(&t->inode, 3, &h));
	KUNIT_EXPECT_EQ(test, h.oid.oid[0], 42);
	KUNIT_EXPECT_EQ(test, h.oid.oid[1], 7);
	KUNIT_EXPECT_EQ(test, h.oid.oid[2], 0);
	KUNIT_EXPECT_EQ(test, h.index, 3);
	KUNIT_EXPECT_EQ(test, h.reserved, 0);
	KUNIT_EXPECT_TRUE(test, cleancache_tmem_handle(&t->inode, U32_MAX,
						       &h));
	index = (pgoff_t)U32_MAX + 1;
	KUNIT_EXPECT_FALSE(test, cleancache_tmem_handle(&t->inode, index, &h));
}

/* A get hands the copy over: a second one misses. */
static void exclusive_get_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 5, 0x5a);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 1);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 5, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x5a);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 5, &fill), -ENODATA);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 6, &fill), -ENODATA);
}

/* A reused inode number with a new generation is another file. */
static void generation_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 0, 0x11);
	t->inode.i_generation = 8;
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 0, &fill), -ENODATA);
	t->inode.i_generation = 7;
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 0, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x11);
}

/* A later put of a page replaces the earlier copy. */
static void replace_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 1, 0x01);
	cc_put(t, &t->mapping, 1, 0x02);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 1);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 1, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x02);
}

static void invalidate_folio_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	unsigned long flags;
	u8 fill;

	cc_put(t, &t->mapping, 2, 0x22);
	cc_put(t, &t->mapping, 3, 0x33);
	local_irq_save(flags);
	cleancache_tmem_invalidate_folio(t->pool_id, &t->mapping, 2);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 2, &fill), -ENODATA);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 3, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x33);
}

/* A file's copies go together; another file's stay. */
static void invalidate_inode_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	pgoff_t i;
	u8 fill;

	for (i = 0; i < 4; i++)
		cc_put(t, &t->mapping, i, 0x40 + i);
	cc_put(t, &t->other_mapping, 0, 0x99);
	cleancache_tmem_invalidate_inode(t->pool_id, &t->mapping);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, i, &fill),
				-ENODATA);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->other_mapping, 0, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x99);
}

/* Unmount: the pool and everything in it go; its id serves nothing. */
static void invalidate_fs_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 0, 0x77);
	cleancache_tmem_invalidate_fs(t->pool_id);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 0, &fill), -ENODATA);
	cc_put(t, &t->mapping, 0, 0x78);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	t->pool_id = -1;
}

/*
 * A host that refuses a put drops the older copy too: a get after it
 * misses, and never returns the older bytes.
 */
static void refused_put_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	struct utmem_host *host = utmem_sim_backend_host(t->be);
	u8 fill;

	cc_put(t, &t->mapping, 9, 0x01);
	KUNIT_ASSERT_EQ(test, cc_host_pages(t), 1);
	host->fail_put.probability = 100;
	host->fail_put.interval = 1;
	atomic_set(&host->fail_put.times, -1);
	cc_put(t, &t->mapping, 9, 0x02);
	host->fail_put.probability = 0;
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 9, &fill), -ENODATA);
}

/* utmem.cleancache=0: puts stop, and drop what an older put left. */
static void disabled_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 4, 0x44);
	cleancache_tmem_enable = false;
	cc_put(t, &t->mapping, 4, 0x45);
	cc_put(t, &t->mapping, 5, 0x55);
	KUNIT_EXPECT_EQ(test, cleancache_tmem_pool_create(t->be, &t->sb),
			-EPERM);
	cleancache_tmem_enable = true;
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 4, &fill), -ENODATA);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 5, &fill), -ENODATA);
}

/*
 * Drained (before a move without the pools): every page leaves the host,
 * puts store nothing and leave no older copy; resumed, puts store again
 * and nothing from before the drain comes back.
 */
static void drain_test(struct kunit *test)
{
	struct cc_test *t = test->priv;
	u8 fill;

	cc_put(t, &t->mapping, 1, 0x11);
	cc_put(t, &t->mapping, 2, 0x22);
	cc_put(t, &t->other_mapping, 5, 0x55);
	KUNIT_ASSERT_EQ(test, cc_host_pages(t), 3);
	/* The booted guest's users hold nothing: all left would be ours. */
	KUNIT_EXPECT_EQ(test, tmem_drain(true), 0);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	cc_put(t, &t->mapping, 3, 0x33);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 3, &fill), -ENODATA);
	KUNIT_EXPECT_EQ(test, tmem_drain(false), 0);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->other_mapping, 5, &fill),
			-ENODATA);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 1, &fill), -ENODATA);
	cc_put(t, &t->mapping, 4, 0x44);
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 4, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x44);
}

/* A filesystem named in utmem.cleancache_shared gets a shared pool. */
static void shared_pool_test(struct kunit *test)
{
	static const char *const bad[] = {
		"nonsense", "12345678-1234-1234-1234-12345678901",
		"12345678-1234-1234-1234-12345678901g",
		"12345678-1234-1234-1234-123456789012,",
	};
	static const char two_uuids[] =
		"00000000-0000-0000-0000-000000000001,12345678-1234-1234-1234-123456789012\n";
	struct cc_test *t = test->priv;
	struct utmem_host *host = utmem_sim_backend_host(t->be);
	struct super_block *sb = kunit_kzalloc(test, sizeof(*sb), GFP_KERNEL);
	unsigned int i;
	int id;

	KUNIT_ASSERT_NOT_NULL(test, sb);
	sb->s_uuid_len = 16;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, cleancache_tmem_set_shared(bad[i]),
				    -EINVAL, "%s", bad[i]);
	KUNIT_ASSERT_EQ(test, uuid_parse("12345678-1234-1234-1234-123456789012",
					 &sb->s_uuid), 0);
	strscpy(sb->s_id, "shared", sizeof(sb->s_id));
	KUNIT_ASSERT_EQ(test, cleancache_tmem_set_shared(two_uuids), 0);
	id = cleancache_tmem_pool_create(t->be, sb);
	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_EXPECT_FALSE(test, list_empty(&host->shared_pools));
	cleancache_tmem_invalidate_fs(id);
	KUNIT_EXPECT_TRUE(test, list_empty(&host->shared_pools));
	/* A private pool again for a filesystem no longer listed. */
	KUNIT_EXPECT_EQ(test, cleancache_tmem_set_shared(""), 0);
	id = cleancache_tmem_pool_create(t->be, sb);
	KUNIT_ASSERT_GE(test, id, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&host->shared_pools));
	cleancache_tmem_invalidate_fs(id);
}

/*
 * Two filesystems with one UUID (a clone, a snapshot, an image made to
 * match), both listed in utmem.cleancache_shared: neither reads the
 * other's pages.  Only verity files' data is shared, by content.
 */
static void shared_clone_test(struct kunit *test)
{
	static const char uuid[] = "12345678-1234-1234-1234-123456789012";
	struct cc_test *t = test->priv;
	struct super_block *sb2 = kunit_kzalloc(test, sizeof(*sb2), GFP_KERNEL);
	struct inode *inode2 = kunit_kzalloc(test, sizeof(*inode2), GFP_KERNEL);
	struct address_space *mapping2 = kunit_kzalloc(test, sizeof(*mapping2),
						       GFP_KERNEL);
	int id1, id2, own = t->pool_id;
	u8 fill;

	KUNIT_ASSERT_NOT_NULL(test, sb2);
	KUNIT_ASSERT_NOT_NULL(test, inode2);
	KUNIT_ASSERT_NOT_NULL(test, mapping2);
	KUNIT_ASSERT_EQ(test, cleancache_tmem_set_shared(uuid), 0);
	KUNIT_ASSERT_EQ(test, uuid_parse(uuid, &t->sb.s_uuid), 0);
	t->sb.s_uuid_len = 16;
	*sb2 = t->sb;
	/* The same inode number and generation, on the other filesystem. */
	inode2->i_ino = t->inode.i_ino;
	inode2->i_generation = t->inode.i_generation;
	inode2->i_sb = sb2;
	mapping2->host = inode2;
	id1 = cleancache_tmem_pool_create(t->be, &t->sb);
	id2 = cleancache_tmem_pool_create(t->be, sb2);
	KUNIT_ASSERT_GE(test, id1, 0);
	KUNIT_ASSERT_GE(test, id2, 0);

	t->pool_id = id1;
	cc_put(t, &t->mapping, 3, 0x11);
	t->pool_id = id2;
	KUNIT_EXPECT_EQ(test, cc_get(t, mapping2, 3, &fill), -ENODATA);
	cc_put(t, mapping2, 3, 0x22);
	t->pool_id = id1;
	KUNIT_EXPECT_EQ(test, cc_get(t, &t->mapping, 3, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x11);
	t->pool_id = id2;
	KUNIT_EXPECT_EQ(test, cc_get(t, mapping2, 3, &fill), 0);
	KUNIT_EXPECT_EQ(test, fill, 0x22);

	t->pool_id = own;
	cleancache_tmem_invalidate_fs(id1);
	cleancache_tmem_invalidate_fs(id2);
	KUNIT_EXPECT_EQ(test, cleancache_tmem_set_shared(""), 0);
	KUNIT_EXPECT_EQ(test, cc_host_pages(t), 0);
}

static struct kunit_case tmem_cleancache_cases[] = {
	KUNIT_CASE(handle_test),
	KUNIT_CASE(exclusive_get_test),
	KUNIT_CASE(generation_test),
	KUNIT_CASE(replace_test),
	KUNIT_CASE(invalidate_folio_test),
	KUNIT_CASE(invalidate_inode_test),
	KUNIT_CASE(invalidate_fs_test),
	KUNIT_CASE(refused_put_test),
	KUNIT_CASE(disabled_test),
	KUNIT_CASE(drain_test),
	KUNIT_CASE(shared_pool_test),
	KUNIT_CASE(shared_clone_test),
	{}
};

static struct kunit_suite tmem_cleancache_suite = {
	.name = "tmem_cleancache",
	.init = cc_test_init,
	.exit = cc_test_exit,
	.test_cases = tmem_cleancache_cases,
};

kunit_test_suite(tmem_cleancache_suite);

MODULE_DESCRIPTION("KUnit tests for cleancache on tmem");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
