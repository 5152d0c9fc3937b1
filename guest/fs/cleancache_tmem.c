// SPDX-License-Identifier: GPL-2.0
/*
 * cleancache on tmem: clean page-cache folios the guest evicts go to an
 * ephemeral pool on the host, one per filesystem, and come back before
 * a disk read.
 *
 * A folio's copy is named by its inode (number and generation: a reused
 * inode number gets a new generation, so a new file never meets an old
 * file's pages) as the object and its index as the handle's index.  Gets
 * are exclusive: the host hands the copy over and keeps none, so a copy
 * exists only while the page cache has no folio for that index; the hooks
 * (patches/) drop copies wherever the data on disk changes behind the
 * page cache.  A PUT the host refuses, or a copy it drops, costs a disk
 * read later and nothing else: the host also drops the older copy when
 * it refuses a PUT (tmem semantics).
 *
 * Sharing (utmem.cleancache_shared): a pool shared with other guests must
 * never hand a filesystem data it did not put or could not have read
 * itself.  A filesystem UUID says nothing of content (a clone, a
 * snapshot, an image with a chosen UUID, another guest naming it), so
 * what is shared is only what can be checked: the data pages of fs-verity
 * files, named by their content (the file's fs-verity digest) rather than
 * their inode, and verified against the file's Merkle tree when they come
 * back (mm/cleancache.c).  Every other page of such a filesystem goes to
 * its private pool.  A verity file's data never changes, so nothing
 * flushes its shared copies.  The shared pool's host name is derived from
 * the filesystem UUID (tmem_shared_uuid()): /dev/utmem cannot name it.
 * What sharing still tells another guest: whether someone holds a file of
 * a given content (a GET that hits), as cross-client dedup would.
 *
 * put and invalidate_folio run with the mapping's i_pages lock held and
 * interrupts off, which is also an RCU read-side section: a filesystem's
 * pools leave the table and an RCU grace period passes before they are
 * destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": cleancache: " fmt

#include <linux/cleancache.h>
#include <linux/debugfs.h>
#include <linux/fsverity.h>
#include <linux/highmem.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uuid.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "cleancache_tmem.h"
#include <utmem/debugfs.h>
#include <utmem/sysfs.h>

/**
 * struct cc_fs - what the cleancache keeps of one filesystem
 * @pool: its private pool
 * @shared: the pool its verity files' data shares with other guests, or
 *	NULL
 */
struct cc_fs {
	struct tmem_pool *pool;
	struct tmem_pool *shared;
};

/* pool id (the super_block's cleancache_poolid) -> struct cc_fs */
static DEFINE_XARRAY_ALLOC(cleancache_pools);
static struct tmem_backend *cleancache_be;

VISIBLE_IF_KUNIT bool cleancache_tmem_enable = true;
module_param_named(cleancache, cleancache_tmem_enable, bool, 0644);
MODULE_PARM_DESC(cleancache,
		 "Keep evicted clean page-cache pages in host memory (default 1)");
/* Orders a drain's walk of the pools with their end (unmount). */
static DEFINE_MUTEX(cleancache_pools_lock);

/*
 * Filesystems whose verity files' data is shared with other guests (the
 * top of this file), by UUID.  Read at mount.
 */
#define CLEANCACHE_SHARED_MAX	8
static uuid_t cleancache_shared[CLEANCACHE_SHARED_MAX];
static unsigned int cleancache_nr_shared;
static DEFINE_SPINLOCK(cleancache_shared_lock);

/* "UUID[,UUID...]" (at most 8), or "" for none; all or nothing. */
VISIBLE_IF_KUNIT int cleancache_tmem_set_shared(const char *val)
{
	uuid_t uuids[CLEANCACHE_SHARED_MAX];
	unsigned int n = 0;
	size_t len;

	while (*val && *val != '\n') {
		len = strcspn(val, ",\n");
		if (n == CLEANCACHE_SHARED_MAX || len != UUID_STRING_LEN) {
			pr_err("cleancache_shared: up to %d UUIDs, comma-separated\n",
			       CLEANCACHE_SHARED_MAX);
			return -EINVAL;
		}
		if (uuid_parse(val, &uuids[n])) {
			pr_err("cleancache_shared: '%.*s' is not a UUID\n",
			       (int)len, val);
			return -EINVAL;
		}
		n++;
		val += len;
		/* A comma must be followed by another UUID. */
		if (*val == ',' && (!val[1] || val[1] == '\n'))
			len = 0;
		if (*val == ',')
			val++;
		if (!len) {
			pr_err("cleancache_shared: a comma with no UUID after it\n");
			return -EINVAL;
		}
	}
	spin_lock(&cleancache_shared_lock);
	memcpy(cleancache_shared, uuids, n * sizeof(uuids[0]));
	cleancache_nr_shared = n;
	spin_unlock(&cleancache_shared_lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_set_shared);

static int shared_set(const char *val, const struct kernel_param *kp)
{
	return cleancache_tmem_set_shared(val);
}

static int shared_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int n = 0;

	spin_lock(&cleancache_shared_lock);
	for (i = 0; i < cleancache_nr_shared; i++)
		n += sysfs_emit_at(buf, n, "%s%pUb", i ? "," : "",
				   &cleancache_shared[i]);
	spin_unlock(&cleancache_shared_lock);
	return n + sysfs_emit_at(buf, n, "\n");
}

static const struct kernel_param_ops shared_ops = {
	.set = shared_set,
	.get = shared_get,
};
module_param_cb(cleancache_shared, &shared_ops, NULL, 0644);
MODULE_PARM_DESC(cleancache_shared,
		 "UUIDs of filesystems whose fs-verity files' pages are shared with other guests");

/* Whether @sb's pool is to be shared, by its UUID. */
static bool cleancache_sb_shared(const struct super_block *sb)
{
	bool shared = false;
	unsigned int i;

	if (sb->s_uuid_len != sizeof(sb->s_uuid) || uuid_is_null(&sb->s_uuid))
		return false;
	spin_lock(&cleancache_shared_lock);
	for (i = 0; i < cleancache_nr_shared; i++)
		shared |= uuid_equal(&cleancache_shared[i], &sb->s_uuid);
	spin_unlock(&cleancache_shared_lock);
	return shared;
}

VISIBLE_IF_KUNIT struct cleancache_tmem_stats cleancache_tmem_stats;
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_stats);

/* The object of a file: inode number and generation. */
VISIBLE_IF_KUNIT void cleancache_tmem_oid(const struct inode *inode,
					  struct tmem_oid *oid)
{
	oid->oid[0] = inode->i_ino;
	oid->oid[1] = inode->i_generation;
	oid->oid[2] = 0;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_oid);

/**
 * cleancache_tmem_handle() - the tmem name of one page of a file
 * @inode: the file
 * @index: the page's index in it
 * @h: set to the handle
 *
 * Return: false when @index does not fit a handle (beyond 16 TiB): such
 * pages are never kept.
 */
VISIBLE_IF_KUNIT bool cleancache_tmem_handle(const struct inode *inode,
					     pgoff_t index,
					     struct tmem_handle *h)
{
	struct tmem_oid oid;

	if (index > U32_MAX)
		return false;
	cleancache_tmem_oid(inode, &oid);
	tmem_handle_set(h, &oid, index);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_handle);

/* The object of a verity file's data: 192 bits of its content digest. */
static bool cleancache_tmem_verity_oid(struct inode *inode,
				       struct tmem_oid *oid)
{
	u8 digest[FS_VERITY_MAX_DIGEST_SIZE];
	enum hash_algo halg;
	u8 alg;

	if (fsverity_get_digest(inode, digest, &alg, &halg) <
	    (int)sizeof(oid->oid))
		return false;
	memcpy(oid->oid, digest, sizeof(oid->oid));
	return true;
}

/* Whether @inode's data goes to @fs's shared pool: a verity file's. */
static bool cc_shared_file(const struct cc_fs *fs, const struct inode *inode)
{
	return fs->shared && IS_VERITY(inode);
}

/*
 * The pool and handle of page @index of @inode: a verity file of a
 * sharing filesystem by its content in the shared pool, any other page by
 * its inode in the private one.  NULL when the page is not kept.
 */
static struct tmem_pool *cc_target(struct cc_fs *fs, struct inode *inode,
				   pgoff_t index, struct tmem_handle *h)
{
	struct tmem_oid oid;

	if (cc_shared_file(fs, inode)) {
		if (index > U32_MAX ||
		    !cleancache_tmem_verity_oid(inode, &oid))
			return NULL;
		tmem_handle_set(h, &oid, index);
		return fs->shared;
	}
	return cleancache_tmem_handle(inode, index, h) ? fs->pool : NULL;
}

static void cc_fs_free(struct cc_fs *fs)
{
	if (fs->shared)
		tmem_pool_destroy(fs->shared);
	if (fs->pool)
		tmem_pool_destroy(fs->pool);
	kfree(fs);
}

/**
 * cleancache_tmem_pool_create() - the pools of a filesystem that opts in
 * @be: the backend they live on
 * @sb: the filesystem
 *
 * A private pool, and for a filesystem listed in cleancache_shared the
 * shared pool of its verity files' data (a host that refuses that one
 * leaves the filesystem with its private pool).  Return: the id of its
 * pools, or a negative errno (-EPERM: cleancache is off).
 */
VISIBLE_IF_KUNIT int cleancache_tmem_pool_create(struct tmem_backend *be,
						 struct super_block *sb)
{
	struct tmem_pool *pool;
	struct cc_fs *fs;
	uuid_t uuid;
	char name[48];
	u32 id;
	int err;

	if (!READ_ONCE(cleancache_tmem_enable))
		return -EPERM;
	fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	snprintf(name, sizeof(name), "cleancache.%s", sb->s_id);
	pool = tmem_pool_create(be, name, 0, NULL);
	if (IS_ERR(pool)) {
		pr_info("no pool for %s: %pe\n", sb->s_id, pool);
		kfree(fs);
		return PTR_ERR(pool);
	}
	fs->pool = pool;
	if (cleancache_sb_shared(sb)) {
		snprintf(name, sizeof(name), "cleancache.%s.verity", sb->s_id);
		tmem_shared_uuid("cleancache", &sb->s_uuid, &uuid);
		pool = tmem_pool_create(be, name, TMEM_POOL_SHARED, &uuid);
		if (IS_ERR(pool))
			pr_info("no shared pool for %s: %pe\n", sb->s_id, pool);
		else
			fs->shared = pool;
	}
	err = xa_alloc(&cleancache_pools, &id, fs, xa_limit_31b, GFP_KERNEL);
	if (err) {
		cc_fs_free(fs);
		return err;
	}
	return id;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_pool_create);

static int cc_init_fs(struct super_block *sb)
{
	return cleancache_tmem_pool_create(cleancache_be, sb);
}

static struct cc_fs *cc_fs(int pool_id)
{
	return xa_load(&cleancache_pools, pool_id);
}

VISIBLE_IF_KUNIT int cleancache_tmem_get(int pool_id, struct folio *folio)
{
	struct cleancache_tmem_stats *st = &cleancache_tmem_stats;
	struct tmem_pool *pool = NULL;
	struct tmem_handle h;
	struct cc_fs *fs;
	size_t len = 0;
	void *dst;
	int err;

	rcu_read_lock();
	fs = cc_fs(pool_id);
	if (fs)
		pool = cc_target(fs, folio->mapping->host, folio->index, &h);
	if (!pool) {
		rcu_read_unlock();
		return -ENODATA;
	}
	atomic64_inc(&st->calls.gets);
	dst = kmap_local_folio(folio, 0);
	err = tmem_get(pool, &h, dst, PAGE_SIZE, &len);
	kunmap_local(dst);
	rcu_read_unlock();
	if (!err && len != PAGE_SIZE)
		err = -EIO;	/* not a page of ours: read the disk */
	if (!err)
		atomic64_inc(&st->calls.hits);
	else if (err == -ENOENT)
		atomic64_inc(&st->calls.misses);
	else
		atomic64_inc(&st->calls.get_failed);
	return err == -ENOENT ? -ENODATA : err;
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_get);

VISIBLE_IF_KUNIT void cleancache_tmem_put(int pool_id, struct folio *folio)
{
	struct cleancache_tmem_stats *st = &cleancache_tmem_stats;
	struct cc_fs *fs = cc_fs(pool_id);
	struct tmem_pool *pool;
	struct tmem_handle h;
	void *src;
	int err;

	pool = fs ? cc_target(fs, folio->mapping->host, folio->index, &h) :
		    NULL;
	if (!pool)
		return;
	/* Switched off: puts stop, and no older copy may stay. */
	if (!READ_ONCE(cleancache_tmem_enable) || tmem_draining()) {
		tmem_flush_page(pool, &h);
		return;
	}
	src = kmap_local_folio(folio, 0);
	err = tmem_put(pool, &h, src, PAGE_SIZE);
	kunmap_local(src);
	if (!err)
		atomic64_inc(&st->calls.puts);
	else if (err == -ENOSPC)
		atomic64_inc(&st->calls.put_refused);
	else
		atomic64_inc(&st->calls.put_failed);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_put);

VISIBLE_IF_KUNIT void cleancache_tmem_invalidate_folio(int pool_id,
						       struct address_space *mapping,
						       pgoff_t index)
{
	struct cc_fs *fs = cc_fs(pool_id);
	struct tmem_handle h;

	/* A verity file's shared data never changes: it is not flushed. */
	if (!fs || cc_shared_file(fs, mapping->host) ||
	    !cleancache_tmem_handle(mapping->host, index, &h))
		return;
	atomic64_inc(&cleancache_tmem_stats.invalidate_pages);
	atomic64_inc(&cleancache_tmem_stats.calls.flushes);
	tmem_flush_page(fs->pool, &h);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_invalidate_folio);

VISIBLE_IF_KUNIT void cleancache_tmem_invalidate_inode(int pool_id,
						       struct address_space *mapping)
{
	struct tmem_oid oid;
	struct cc_fs *fs;

	cleancache_tmem_oid(mapping->host, &oid);
	rcu_read_lock();
	fs = cc_fs(pool_id);
	if (fs && !cc_shared_file(fs, mapping->host)) {
		atomic64_inc(&cleancache_tmem_stats.invalidate_inodes);
		atomic64_inc(&cleancache_tmem_stats.calls.flushes);
		tmem_flush_object(fs->pool, &oid);
	}
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_invalidate_inode);

VISIBLE_IF_KUNIT void cleancache_tmem_invalidate_fs(int pool_id)
{
	struct cc_fs *fs;

	mutex_lock(&cleancache_pools_lock);
	fs = xa_erase(&cleancache_pools, pool_id);
	mutex_unlock(&cleancache_pools_lock);
	if (!fs)
		return;
	/* Puts that found the pools finish before they go. */
	synchronize_rcu();
	cc_fs_free(fs);
}
EXPORT_SYMBOL_IF_KUNIT(cleancache_tmem_invalidate_fs);

/*
 * Drained: puts flush (tmem_draining()), and every filesystem's private
 * pool is emptied.  The shared pools of verity data are other guests'
 * too: they are left as they are (nothing of them is this guest's alone
 * to lose).
 */
static int cleancache_drain_notify(struct notifier_block *nb,
				   unsigned long action, void *left)
{
	struct tmem_pool_info info;
	unsigned long id;
	struct cc_fs *fs;

	if (action != TMEM_DRAIN)
		return NOTIFY_OK;
	/* Puts that found the switch off finish before the pools empty. */
	synchronize_rcu();
	mutex_lock(&cleancache_pools_lock);
	xa_for_each(&cleancache_pools, id, fs) {
		tmem_flush_pool(fs->pool);
		if (!tmem_pool_info(fs->pool, &info))
			*(unsigned long *)left += info.pages;
	}
	mutex_unlock(&cleancache_pools_lock);
	return NOTIFY_OK;
}

static struct notifier_block cleancache_drain_nb = {
	.notifier_call = cleancache_drain_notify,
};

static const struct cleancache_ops cleancache_tmem_ops = {
	.init_fs = cc_init_fs,
	.get_folio = cleancache_tmem_get,
	.put_folio = cleancache_tmem_put,
	.invalidate_folio = cleancache_tmem_invalidate_folio,
	.invalidate_inode = cleancache_tmem_invalidate_inode,
	.invalidate_fs = cleancache_tmem_invalidate_fs,
};

/* debugfs utmem/cleancache/ and sysfs /sys/kernel/utmem/cleancache/. */
static void cleancache_tmem_files_init(struct dentry *root)
{
	struct cleancache_tmem_stats *st = &cleancache_tmem_stats;
	const struct utmem_counter counters[] = {
		{ "puts", &st->calls.puts },
		{ "put_refused", &st->calls.put_refused },
		{ "put_failed", &st->calls.put_failed },
		{ "gets", &st->calls.gets },
		{ "hits", &st->calls.hits },
		{ "misses", &st->calls.misses },
		{ "get_failed", &st->calls.get_failed },
		{ "flushes", &st->calls.flushes },
		{ "invalidate_pages", &st->invalidate_pages },
		{ "invalidate_inodes", &st->invalidate_inodes },
	};
	struct dentry *dir = debugfs_create_dir("cleancache", root);

	utmem_debugfs_counters(dir, counters, ARRAY_SIZE(counters));
	/* Never removed: cleancache cannot unregister. */
	if (!utmem_sysfs_add("cleancache", counters, ARRAY_SIZE(counters),
			     NULL))
		pr_warn("no /sys/kernel/utmem/cleancache\n");
}

/* Called once a backend is bound; cleancache cannot unbind it. */
void cleancache_tmem_init(struct dentry *debugfs_root)
{
	int err;

	/* A tmem value is 4 KiB: larger pages do not fit one. */
	if (PAGE_SIZE != TMEM_VALUE_MAX)
		return;
	cleancache_be = tmem_backend();
	err = cleancache_register_ops(&cleancache_tmem_ops);
	if (err) {
		pr_err("cannot register: %d\n", err);
		return;
	}
	tmem_register_drain_notifier(&cleancache_drain_nb);
	cleancache_tmem_files_init(debugfs_root);
	pr_info("registered\n");
}
