// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem's PUT path measured in the kernel, without the system call:
 * write "SIZE COUNT" to debugfs utmem/dev_bench and the kernel log gets
 * PUT and GET ops/s for COUNT values of SIZE bytes, with and without the
 * coalescing buffer, side by side, at the backend's current host call
 * cost (the simulator's exit_ns).  Each kind runs BENCH_ROUNDS times,
 * alternating; the median round is reported, with the PUT rates of the
 * slowest and the fastest round.
 *
 * Keys cycle over a set small enough to keep the pool's data bounded but
 * larger than a buffer, so that the buffer never merges two PUTs of one
 * key and the comparison counts host calls honestly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": dev_bench: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <uapi/linux/utmem.h>

#include "utmem_dev.h"
#include "utmem_kv.h"

#define BENCH_COUNT_MAX		BIT(20)
#define BENCH_DATA_MAX		(32U << 20)	/* bytes of values kept at once */
#define BENCH_KEYS_MIN		4096

struct bench_result {
	u64 put_ns;
	u64 get_ns;
	u64 host_puts;
	u64 failed;
};

static u32 bench_key(char *key, u64 i, u32 nr_keys)
{
	return snprintf(key, 24, "bench-%llu", i % nr_keys);
}

static int bench_one(struct tmem_backend *be, u32 size, u32 count,
		     bool coalesce, struct bench_result *r)
{
	u32 nr_keys = max_t(u32, BENCH_KEYS_MIN, BENCH_DATA_MAX / max(size, 1U));
	struct utmem_file_pool *fp;
	struct utmem_file *f;
	struct tmem_oid oid;
	char key[24];
	void *value;
	u64 start, i;
	u32 id, len, klen;
	int err;

	f = utmem_file_create(be);
	if (IS_ERR(f))
		return PTR_ERR(f);
	value = kvmalloc(size ?: 1, GFP_KERNEL);
	err = value ? utmem_file_pool_create(f, TMEM_POOL_PERSISTENT, NULL,
					     &id) : -ENOMEM;
	if (err)
		goto out;
	get_random_bytes(value, size);
	fp = utmem_file_pool(f, id);
	nr_keys = min(nr_keys, count);

	mutex_lock(&f->lock);
	start = ktime_get_ns();
	for (i = 0; i < count; i++) {
		klen = bench_key(key, i, nr_keys);
		utmem_kv_oid(key, klen, &oid);
		if (coalesce &&
		    utmem_store_may_batch(&fp->store, &oid, klen, size) &&
		    utmem_coalesce_put(&f->coalesce, fp, key, klen, &oid,
				       value, size, false))
			continue;
		if (utmem_store_put(&fp->store, key, klen, &oid, value, size,
				    f->scratch))
			r->failed++;
		utmem_stat_add(f, fp, UTMEM_STAT_HOST_PUTS,
			       utmem_kv_nr_chunks(klen, size));
	}
	utmem_coalesce_flush(&f->coalesce);
	r->put_ns = ktime_get_ns() - start;
	r->failed += f->coalesce.failed;
	r->host_puts = atomic64_read(&f->stats[UTMEM_STAT_HOST_PUTS]);

	start = ktime_get_ns();
	for (i = 0; i < count; i++) {
		klen = bench_key(key, i, nr_keys);
		utmem_kv_get(fp->store.pool, key, klen, value, size, &len,
			     f->scratch);
	}
	r->get_ns = ktime_get_ns() - start;
	mutex_unlock(&f->lock);
out:
	kvfree(value);
	utmem_file_destroy(f);
	return err;
}

static u64 ops_per_sec(u32 count, u64 ns)
{
	return ns ? div64_u64((u64)count * NSEC_PER_SEC, ns) : 0;
}

/* Rounds of each kind, alternated; the median round is reported. */
#define BENCH_ROUNDS	5

static int cmp_put_ns(const void *a, const void *b)
{
	const struct bench_result *x = a, *y = b;

	return x->put_ns < y->put_ns ? -1 : x->put_ns > y->put_ns;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct tmem_backend *be = file->private_data;
	struct bench_result runs[2][BENCH_ROUNDS] = {}, direct, batched;
	char buf[32];
	u32 size, count;
	int err = 0, i;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %u", &size, &count) != 2 || !count ||
	    count > BENCH_COUNT_MAX || size > UTMEM_VALUE_MAX)
		return -EINVAL;

	/* Alternated, so that a slow spell of the machine hits both. */
	for (i = 0; i < BENCH_ROUNDS && !err; i++) {
		err = bench_one(be, size, count, false, &runs[0][i]);
		if (!err)
			err = bench_one(be, size, count, true, &runs[1][i]);
	}
	if (err)
		return err;
	sort(runs[0], BENCH_ROUNDS, sizeof(runs[0][0]), cmp_put_ns, NULL);
	sort(runs[1], BENCH_ROUNDS, sizeof(runs[1][0]), cmp_put_ns, NULL);
	direct = runs[0][BENCH_ROUNDS / 2];
	batched = runs[1][BENCH_ROUNDS / 2];
	pr_info("size=%u count=%u median of %d: put_ops/s direct=%llu coalesced=%llu ratio=%llu.%02llu host_puts direct=%llu coalesced=%llu failed=%llu/%llu get_ops/s=%llu direct_range=%llu-%llu coalesced_range=%llu-%llu\n",
		size, count, BENCH_ROUNDS, ops_per_sec(count, direct.put_ns),
		ops_per_sec(count, batched.put_ns),
		div64_u64(direct.put_ns, max(batched.put_ns, 1ULL)),
		div64_u64(direct.put_ns * 100, max(batched.put_ns, 1ULL)) % 100,
		direct.host_puts, batched.host_puts, direct.failed,
		batched.failed, ops_per_sec(count, direct.get_ns),
		ops_per_sec(count, runs[0][BENCH_ROUNDS - 1].put_ns),
		ops_per_sec(count, runs[0][0].put_ns),
		ops_per_sec(count, runs[1][BENCH_ROUNDS - 1].put_ns),
		ops_per_sec(count, runs[1][0].put_ns));
	return len;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = bench_write,
};

/**
 * utmem_dev_bench_debugfs_init() - utmem/dev_bench, on the bound backend
 * @be: the bound backend
 * @root: utmem's debugfs directory
 */
void utmem_dev_bench_debugfs_init(struct tmem_backend *be, struct dentry *root)
{
	debugfs_create_file("dev_bench", 0200, root, be, &bench_fops);
}
