// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of a hypercall, measured in the guest: write COUNT to debugfs
 * utmem/kvm/rtt_bench and the kernel log gets the mean time of a 4 KiB
 * PUT and of a 4 KiB GET through the bound KVM backend and, side by side,
 * through a simulator instance created for the run (the same core path
 * with the host in this kernel, no VM exit), with their ratio.  Each
 * backend runs BENCH_ROUNDS rounds, alternating; the median is reported.
 * A kernel without the simulator reports the KVM figures alone.
 *
 * Handles cycle over BENCH_KEYS values, so that after the first round a
 * PUT replaces a value as the guest users' PUTs mostly do, and the data
 * held stays at 1 MiB.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#if IS_ENABLED(CONFIG_UTMEM_SIM)
#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"
#endif
#include "kvm_guest.h"

#define BENCH_ROUNDS	5
#define BENCH_KEYS	256
#define BENCH_COUNT_MAX	100000

struct bench_round {
	u64 put_ns;
	u64 get_ns;
};

static int bench_round(struct tmem_backend *be, void *val, void *out,
		       u32 count, struct bench_round *r)
{
	struct tmem_handle h;
	struct tmem_pool *pool;
	struct tmem_oid oid;
	size_t len;
	u64 start;
	u32 i;
	int err = 0;

	pool = tmem_pool_create(be, "rtt_bench", TMEM_POOL_PERSISTENT, NULL);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	tmem_oid_set(&oid, 0x7274745f62656e63ULL, 0, 0);

	start = ktime_get_ns();
	for (i = 0; i < count && !err; i++) {
		tmem_handle_set(&h, &oid, i % BENCH_KEYS);
		err = tmem_put(pool, &h, val, PAGE_SIZE);
		/* A round can take seconds on a nested guest. */
		cond_resched();
	}
	r->put_ns = div_u64(ktime_get_ns() - start, count);

	start = ktime_get_ns();
	for (i = 0; i < count && !err; i++) {
		tmem_handle_set(&h, &oid, i % BENCH_KEYS);
		err = tmem_get(pool, &h, out, PAGE_SIZE, &len);
		cond_resched();
	}
	r->get_ns = div_u64(ktime_get_ns() - start, count);
	/* A benchmark of wrong answers would measure nothing. */
	if (!err && (len != PAGE_SIZE || memcmp(val, out, PAGE_SIZE)))
		err = -EIO;
	tmem_pool_destroy(pool);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v)
{
	sort(v, BENCH_ROUNDS, sizeof(*v), cmp_u64, NULL);
	return v[BENCH_ROUNDS / 2];
}

static void report(const char *op, u64 kvm_ns, u64 sim_ns)
{
	u64 x100 = sim_ns ? div64_u64(kvm_ns * 100, sim_ns) : 0;

	if (!IS_ENABLED(CONFIG_UTMEM_SIM)) {
		pr_info("rtt_bench: 4096-byte %s: kvm %llu ns (no simulator in this kernel to compare with)\n",
			op, kvm_ns);
		return;
	}
	pr_info("rtt_bench: 4096-byte %s: kvm %llu ns, sim %llu ns, kvm/sim %llu.%02llux\n",
		op, kvm_ns, sim_ns, x100 / 100, x100 % 100);
}

/* A simulator instance beside the KVM backend, or NULL without one. */
static struct tmem_backend *sim_create(void)
{
#if IS_ENABLED(CONFIG_UTMEM_SIM)
	struct tmem_backend *sim;

	sim = tmem_backend_create(&tmem_sim_backend_ops, NULL);
	/* Nothing of this guest's memory needs setting aside for 1 MiB. */
	if (!IS_ERR(sim))
		utmem_sim_set_carve_out(&utmem_sim_of(sim)->reserve, false);
	return sim;
#else
	return NULL;
#endif
}

static int bench(struct tmem_backend *kvm, u32 count)
{
	u64 put[2][BENCH_ROUNDS] = {}, get[2][BENCH_ROUNDS] = {};
	struct tmem_backend *sim;
	struct bench_round r;
	void *val, *out;
	int i, err = 0;

	sim = sim_create();
	if (IS_ERR(sim))
		return PTR_ERR(sim);
	val = kmalloc(PAGE_SIZE, GFP_KERNEL);
	out = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!val || !out) {
		err = -ENOMEM;
		goto out;
	}
	get_random_bytes(val, PAGE_SIZE);
	for (i = 0; i < BENCH_ROUNDS && !err; i++) {
		err = bench_round(kvm, val, out, count, &r);
		put[0][i] = r.put_ns;
		get[0][i] = r.get_ns;
		if (!err && sim) {
			err = bench_round(sim, val, out, count, &r);
			put[1][i] = r.put_ns;
			get[1][i] = r.get_ns;
		}
	}
	if (!err) {
		report("put", median(put[0]), median(put[1]));
		report("get", median(get[0]), median(get[1]));
	}
out:
	kfree(out);
	kfree(val);
	if (sim)
		tmem_backend_destroy(sim);
	return err;
}

static ssize_t rtt_bench_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct tmem_backend *be = file->private_data;
	u32 count;
	int err;

	err = kstrtou32_from_user(ubuf, len, 0, &count);
	if (err)
		return err;
	if (!count || count > BENCH_COUNT_MAX)
		return -EINVAL;
	err = bench(be, count);
	return err ? err : len;
}

static const struct file_operations rtt_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = rtt_bench_write,
	.llseek = noop_llseek,
};

void utmem_kvm_bench_init(struct tmem_backend *be)
{
	debugfs_create_file("rtt_bench", 0200, be->debugfs, be,
			    &rtt_bench_fops);
}
