// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: what the files of one user, and all files together, may
 * make the host hold.
 *
 * The host gives a guest a fixed number of pool ids
 * (UTMEM_SIM_POOLS_PER_CLIENT on both hosts, 1024) and a share of its
 * memory; frontswap and cleancache need their part of both.  Without
 * limits one user with sixteen files takes every pool id, and the next
 * swapon or mount gets no tmem; or fills the guest's share with values
 * that are never evicted.  Three limits, module parameters that root may
 * change at any time (/sys/module/utmem/parameters/):
 *
 *   dev_max_pools   pools every file together may hold (default 768: a
 *                   quarter of the host's ids stays for the kernel's
 *                   users); over it, POOL_CREATE fails with ENOSPC
 *   user_max_pools  pools the files of one user may hold (default 128);
 *                   over it, EDQUOT
 *   user_max_bytes  bytes the host may hold for one user's values, chunk
 *                   headers and keys included, before compression
 *                   (default: a quarter of the guest's memory, set when
 *                   the device starts unless a value was given on the
 *                   command line; writing 0 at run time lifts the limit);
 *                   a PUT over it fails with EDQUOT and stores nothing
 *
 * A file is charged to the user (effective uid) that opened it, as a
 * memory cgroup charges the task that allocates.  Bytes are counted as
 * the host reports them (its pool counters, which see deletions and
 * evictions) plus what this guest sent since it last asked: a user's
 * count is brought up to date from the host whenever a PUT would take it
 * over the limit (the PUT's own file sends its coalescing buffer first),
 * so a refusal is the host's truth.  Values still in another file's
 * buffer are not seen then: at most coalesce_max_bytes per file.
 *
 * Locking: quota_lock (a mutex) protects the table of users and each
 * user's counts and pool list; it nests inside a file's lock and outside
 * every host call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": dev: " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "utmem_dev.h"
#include "utmem_quota.h"

VISIBLE_IF_KUNIT unsigned int utmem_dev_max_pools = 768;
module_param_named(dev_max_pools, utmem_dev_max_pools, uint, 0644);
MODULE_PARM_DESC(dev_max_pools,
		 "Pools all /dev/utmem files may hold together (default 768 of the host's 1024)");
VISIBLE_IF_KUNIT unsigned int utmem_user_max_pools = 128;
module_param_named(user_max_pools, utmem_user_max_pools, uint, 0644);
MODULE_PARM_DESC(user_max_pools,
		 "Pools the /dev/utmem files of one user may hold (default 128)");
VISIBLE_IF_KUNIT unsigned long utmem_user_max_bytes;
module_param_named(user_max_bytes, utmem_user_max_bytes, ulong, 0644);
MODULE_PARM_DESC(user_max_bytes,
		 "Bytes of values one user may store through /dev/utmem (default: a quarter of RAM; 0 written at run time: no limit)");

/**
 * struct utmem_user - what one user's files hold
 * @node: in utmem_users
 * @uid: the user
 * @refs: its open files
 * @pools: their pools (struct utmem_file_pool.quota_node)
 * @nr_pools: how many
 * @bytes: bytes the host holds for them, as last counted, plus what was
 *	put since
 */
struct utmem_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int refs;
	struct list_head pools;
	unsigned int nr_pools;
	u64 bytes;
};

static DEFINE_HASHTABLE(utmem_users, 6);
static DEFINE_MUTEX(quota_lock);
/* Pools of all files, as counted against dev_max_pools (debugfs too). */
atomic64_t utmem_dev_pools = ATOMIC64_INIT(0);

void utmem_quota_init(void)
{
	/* A quarter of the guest's memory, unless set on the command line. */
	if (!utmem_user_max_bytes)
		utmem_user_max_bytes = (totalram_pages() << PAGE_SHIFT) / 4;
}

/**
 * utmem_user_get() - the calling user's record, for a new file
 *
 * Return: the record, referenced, or NULL when out of memory.
 */
struct utmem_user *utmem_user_get(void)
{
	kuid_t uid = current_euid();
	struct utmem_user *u;

	mutex_lock(&quota_lock);
	hash_for_each_possible(utmem_users, u, node, __kuid_val(uid)) {
		if (uid_eq(u->uid, uid)) {
			u->refs++;
			goto unlock;
		}
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (u) {
		u->uid = uid;
		u->refs = 1;
		INIT_LIST_HEAD(&u->pools);
		hash_add(utmem_users, &u->node, __kuid_val(uid));
	}
unlock:
	mutex_unlock(&quota_lock);
	return u;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_user_get);

/* A file is gone, its pools first. */
void utmem_user_put(struct utmem_user *u)
{
	mutex_lock(&quota_lock);
	if (!--u->refs) {
		WARN_ON_ONCE(u->nr_pools || !list_empty(&u->pools));
		hash_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&quota_lock);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_user_put);

/**
 * utmem_quota_pool_add() - may the user's file get another pool?
 * @u: the user
 * @fp: the pool, not created on the host yet
 *
 * Return: 0 (the pool is counted; utmem_quota_pool_link() once the host
 * created it), -ENOSPC (every file together is at dev_max_pools) or
 * -EDQUOT (the user is at user_max_pools).
 */
int utmem_quota_pool_add(struct utmem_user *u, struct utmem_file_pool *fp)
{
	int err = 0;

	mutex_lock(&quota_lock);
	if (atomic64_read(&utmem_dev_pools) >= READ_ONCE(utmem_dev_max_pools))
		err = -ENOSPC;
	else if (u->nr_pools >= READ_ONCE(utmem_user_max_pools))
		err = -EDQUOT;
	if (!err) {
		atomic64_inc(&utmem_dev_pools);
		u->nr_pools++;
		fp->bytes = 0;
		INIT_LIST_HEAD(&fp->quota_node);
	}
	mutex_unlock(&quota_lock);
	if (err)
		pr_info_ratelimited("uid %u: no new pool: %s\n",
				    from_kuid(&init_user_ns, u->uid),
				    err == -ENOSPC ? "dev_max_pools reached" :
						     "user_max_pools reached");
	return err;
}

/* The host created the pool: the user's byte counts ask it from now on. */
void utmem_quota_pool_link(struct utmem_user *u, struct utmem_file_pool *fp)
{
	mutex_lock(&quota_lock);
	list_add_tail(&fp->quota_node, &u->pools);
	mutex_unlock(&quota_lock);
}

/* Before the pool is destroyed on the host: it is no longer counted. */
void utmem_quota_pool_del(struct utmem_user *u, struct utmem_file_pool *fp)
{
	mutex_lock(&quota_lock);
	list_del_init(&fp->quota_node);
	u->nr_pools--;
	atomic64_dec(&utmem_dev_pools);
	u->bytes -= min(u->bytes, fp->bytes);
	mutex_unlock(&quota_lock);
}

/* Under quota_lock: count @u's bytes again, as the host holds them. */
static void user_recount(struct utmem_user *u)
{
	struct utmem_file_pool *fp;
	struct tmem_pool_info info;

	lockdep_assert_held(&quota_lock);
	u->bytes = 0;
	list_for_each_entry(fp, &u->pools, quota_node) {
		if (tmem_pool_info(fp->store.pool, &info))
			continue;	/* the host's error: count what is known */
		fp->bytes = info.raw_bytes;
		u->bytes += fp->bytes;
	}
}

/**
 * utmem_quota_over() - would @bytes more take the user over its bytes?
 * @u: the user
 * @bytes: what a PUT would add
 *
 * As last counted: utmem_quota_charge() counts again from the host before
 * it refuses, and the caller sends its file's buffered PUTs first, for the
 * host to count them.
 */
bool utmem_quota_over(struct utmem_user *u, u64 bytes)
{
	u64 max = READ_ONCE(utmem_user_max_bytes);
	bool over;

	mutex_lock(&quota_lock);
	over = max && u->bytes + bytes > max;
	mutex_unlock(&quota_lock);
	return over;
}

/**
 * utmem_quota_charge() - count @bytes about to be put in @fp
 * @u: the user
 * @fp: one of its pools
 * @bytes: what the PUT sends to the host, headers included
 *
 * Return: 0, or -EDQUOT when the user's values would exceed
 * user_max_bytes even as the host counts them now.
 */
int utmem_quota_charge(struct utmem_user *u, struct utmem_file_pool *fp,
		       u64 bytes)
{
	u64 max = READ_ONCE(utmem_user_max_bytes);
	int err = 0;

	mutex_lock(&quota_lock);
	if (max && u->bytes + bytes > max) {
		user_recount(u);
		if (u->bytes + bytes > max)
			err = -EDQUOT;
	}
	if (!err) {
		fp->bytes += bytes;
		u->bytes += bytes;
	}
	mutex_unlock(&quota_lock);
	return err;
}
