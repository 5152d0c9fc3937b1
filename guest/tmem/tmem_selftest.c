// SPDX-License-Identifier: GPL-2.0
/*
 * A smoke test of a live backend, run from debugfs (utmem/selftest) by
 * `make run` and by hand on a new host: in one pool of each kind, PUT a
 * mix of compressible and random pages, GET them back, compare every byte,
 * and flush.  Ephemeral pages may legitimately be gone, persistent pages
 * that were stored may not, and wrong bytes never are legitimate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <kunit/visibility.h>

#include <utmem/debugfs.h>
#include <utmem/tmem.h>
#include "tmem_internal.h"

/* Bounds what a debugfs write can make the selftest do (256 MiB). */
#define TMEM_SELFTEST_MAX_PAGES	65536

/*
 * Page @index's content: odd pages repeat a short line (LZ4 shrinks them),
 * even pages are xorshift noise (it cannot).  Both depend on @index only,
 * so the checker regenerates rather than keeping copies.
 */
void tmem_selftest_fill(void *buf, u32 index)
{
	u64 *w = buf;
	u64 x = 0x9e3779b97f4a7c15ULL * (index + 1);
	int i;

	if (index & 1) {
		for (i = 0; i < TMEM_VALUE_MAX / sizeof(*w); i++)
			w[i] = (u64)index << 32 | (i % 8);
		return;
	}
	for (i = 0; i < TMEM_VALUE_MAX / sizeof(*w); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = x;
	}
}
EXPORT_SYMBOL_IF_KUNIT(tmem_selftest_fill);

/* Runs share the shared pools' UUID; one at a time keeps them apart. */
static DEFINE_MUTEX(selftest_lock);

static int selftest_pool(struct tmem_backend *be, u32 flags,
			 unsigned int nr_pages, void *buf, void *want,
			 unsigned long *stored_map)
{
	static const uuid_t selftest_uuid =
		UUID_INIT(0x75746d65, 0x6d00, 0x4000, 0x80, 0x00,
			  0x73, 0x65, 0x6c, 0x66, 0x74, 0x73);
	bool persistent = flags & TMEM_POOL_PERSISTENT;
	unsigned int i, stored = 0, found = 0;
	struct tmem_handle h;
	struct tmem_oid oid;
	struct tmem_pool *pool;
	size_t len;
	int err = 0, ret;
	char name[32];

	snprintf(name, sizeof(name), "selftest.%s.%s",
		 persistent ? "persistent" : "ephemeral",
		 flags & TMEM_POOL_SHARED ? "shared" : "private");
	pool = tmem_pool_create(be, name, flags,
				flags & TMEM_POOL_SHARED ? &selftest_uuid : NULL);
	if (IS_ERR(pool)) {
		pr_err("%s: cannot create pool: %pe\n", name, pool);
		return PTR_ERR(pool);
	}

	tmem_oid_set(&oid, 0x7465737400000000ULL, flags, 0);
	for (i = 0; i < nr_pages; i++) {
		tmem_selftest_fill(buf, i);
		tmem_handle_set(&h, &oid, i);
		ret = tmem_put(pool, &h, buf, TMEM_VALUE_MAX);
		if (!ret) {
			__set_bit(i, stored_map);
			stored++;
		} else {
			__clear_bit(i, stored_map);
			if (ret != -ENOSPC)
				err = ret;
		}
	}
	for (i = 0; i < nr_pages && !err; i++) {
		tmem_handle_set(&h, &oid, i);
		ret = tmem_get(pool, &h, buf, TMEM_VALUE_MAX, &len);
		if (ret == -ENOENT && (!persistent ||
				       !test_bit(i, stored_map)))
			continue;
		if (ret == -ENOENT) {
			pr_err("%s: persistent page %u vanished\n", name, i);
			err = -EIO;
			break;
		}
		if (ret) {
			err = ret;
			break;
		}
		tmem_selftest_fill(want, i);
		if (len != TMEM_VALUE_MAX || memcmp(buf, want, TMEM_VALUE_MAX)) {
			pr_err("%s: page %u came back wrong\n", name, i);
			err = -EIO;
		}
		found++;
	}
	if (!err && tmem_flush_pool(pool))
		err = -EIO;
	pr_info("%s: %u pages, %u stored, %u read back and verified%s\n",
		name, nr_pages, stored, found, err ? ", FAILED" : "");
	tmem_pool_destroy(pool);
	return err;
}

/**
 * tmem_selftest() - exercise every pool kind on @be
 * @be: the backend
 * @nr_pages: pages per pool
 *
 * May sleep.  Return: 0, -EIO if a value came back wrong, or the errno of
 * the first failed call (refusals and misses are not failures).
 */
int tmem_selftest(struct tmem_backend *be, unsigned int nr_pages)
{
	static const u32 kinds[] = {
		TMEM_POOL_PERSISTENT,
		0,
		TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
		TMEM_POOL_SHARED,
	};
	unsigned long *stored_map;
	void *buf, *want;
	int i, err = 0;

	buf = kmalloc(TMEM_VALUE_MAX, GFP_KERNEL);
	want = kmalloc(TMEM_VALUE_MAX, GFP_KERNEL);
	stored_map = bitmap_zalloc(nr_pages, GFP_KERNEL);
	if (!buf || !want || !stored_map) {
		err = -ENOMEM;
		goto out;
	}
	mutex_lock(&selftest_lock);
	for (i = 0; i < ARRAY_SIZE(kinds) && !err; i++)
		err = selftest_pool(be, kinds[i], nr_pages, buf, want,
				    stored_map);
	mutex_unlock(&selftest_lock);
out:
	bitmap_free(stored_map);
	kfree(want);
	kfree(buf);
	return err;
}

static int selftest_set(void *data, u64 val)
{
	if (!val || val > TMEM_SELFTEST_MAX_PAGES)
		return -EINVAL;
	return tmem_selftest(data, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(selftest_fops, NULL, selftest_set, "%llu\n");

/**
 * tmem_selftest_debugfs_init() - utmem/selftest, for the bound backend
 * @be: the bound backend
 * @root: utmem's debugfs directory
 */
void tmem_selftest_debugfs_init(struct tmem_backend *be, struct dentry *root)
{
	debugfs_create_file_unsafe("selftest", 0200, root, be, &selftest_fops);
}
