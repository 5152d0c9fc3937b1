// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's page path measured in the kernel, on a host of its own
 * (the bound host's pages and knobs are not touched):
 *
 *   page_bench   write "PAGES ROUNDS": ns per PUT and per GET of PAGES
 *                4 KiB pages, stored raw, LZ4- and zstd-compressed and as
 *                dedup hits, beside two memcpy()s of the same pages (the
 *                least a copy-based PUT and GET can cost), in ROUNDS
 *                rounds taken in turn, and the bytes stored per page;
 *                read: medians and min-max of the last run
 *   scale_bench  write "MAX_PAGES OPS": one pool grown from 1024 pages to
 *                MAX_PAGES by factors of 4; at each size, ns per GET and
 *                per replacing PUT of OPS random pages (median of
 *                SCALE_ROUNDS rounds), ns per PUT of the pages added, the
 *                slab memory the host took per page held, what its own
 *                accounting says its records take, and ns per dependent
 *                read of a random cache line of a buffer that size
 *
 * Every value read back is checked against what was put: a benchmark of
 * a store that loses data is worth nothing, so a mismatch fails the write
 * with -EIO.  Writes run synchronously, one at a time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim_bench: " fmt

#include <linux/cache.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/random.h>
#include <linux/seq_buf.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "sim.h"

#define BENCH_PAGES_MAX		BIT(14)		/* 64 MiB per buffer */
#define BENCH_ROUNDS_MAX	15
#define SCALE_MIN_PAGES		1024UL
#define SCALE_MAX_PAGES		BIT(22)
#define SCALE_OPS_MAX		BIT(20)
#define SCALE_ROUNDS		5
#define RESULT_SIZE		4096

static DEFINE_MUTEX(bench_lock);	/* one run at a time; guards results */

struct bench_file {
	const char *name;
	int (*run)(const char *args, struct seq_buf *out);
	char result[RESULT_SIZE];
	size_t len;
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place; prints "median min max". */
static void print_spread(struct seq_buf *out, u64 *v, int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	seq_buf_printf(out, " %llu %llu %llu", v[n / 2], v[0], v[n - 1]);
}

/* A host of the bench's own, with one client and one persistent pool. */
struct bench_host {
	struct utmem_host *host;
	struct utmem_host_client *client;
	u32 pool;
};

static int bench_host_create(struct bench_host *bh, u64 capacity,
			     bool compress, bool dedup)
{
	bh->host = utmem_host_create(capacity);
	if (IS_ERR(bh->host))
		return PTR_ERR(bh->host);
	utmem_host_set_compress(bh->host, compress);
	utmem_host_set_dedup(bh->host, dedup);
	bh->client = utmem_host_client_create(bh->host);
	if (!bh->client) {
		utmem_host_destroy(bh->host);
		return -ENOMEM;
	}
	if (utmem_host_new_pool(bh->client, TMEM_POOL_PERSISTENT, NULL,
				&bh->pool) != TMEM_S_OK) {
		utmem_host_client_destroy(bh->client);
		utmem_host_destroy(bh->host);
		return -ENOMEM;
	}
	return 0;
}

static void bench_host_destroy(struct bench_host *bh)
{
	utmem_host_client_destroy(bh->client);
	utmem_host_destroy(bh->host);
}

/* frontswap's naming: one object, the slot number as index. */
static void bench_handle(struct tmem_handle *h, u32 index)
{
	struct tmem_oid oid;

	tmem_oid_set(&oid, 0, 0, 0);
	tmem_handle_set(h, &oid, index);
}

/* page_bench */

enum page_kind {
	PAGE_MEMCPY,	/* two memcpy()s: the floor */
	PAGE_RAW,	/* random pages, compression and dedup off */
	PAGE_LZ4,	/* pages that compress about 2:1, LZ4 on */
	PAGE_ZSTD,	/* the same pages, zstd on */
	PAGE_DEDUP,	/* one random page put again and again, dedup on */
	NR_PAGE_KINDS
};

static const char *const page_kind_names[NR_PAGE_KINDS] = {
	[PAGE_MEMCPY] = "memcpy",
	[PAGE_RAW] = "raw",
	[PAGE_LZ4] = "lz4",
	[PAGE_ZSTD] = "zstd",
	[PAGE_DEDUP] = "dedup_hit",
};

struct page_bufs {
	u8 *src;	/* what is put */
	u8 *mid;	/* memcpy's stand-in for the host */
	u8 *out;	/* what is got */
	u32 nr;
};

static void page_fill(struct page_bufs *b, enum page_kind kind)
{
	u32 i;

	if (kind == PAGE_DEDUP) {
		get_random_bytes(b->src, PAGE_SIZE);
		for (i = 1; i < b->nr; i++)
			memcpy(b->src + (size_t)i * PAGE_SIZE, b->src,
			       PAGE_SIZE);
		return;
	}
	get_random_bytes(b->src, (size_t)b->nr * PAGE_SIZE);
	if (kind != PAGE_LZ4 && kind != PAGE_ZSTD)
		return;
	/* Like swap_stress's pages: half random, half one repeated word. */
	for (i = 0; i < b->nr; i++) {
		u64 *p = (u64 *)(b->src + (size_t)i * PAGE_SIZE);
		size_t w;

		for (w = PAGE_SIZE / 16; w < PAGE_SIZE / 8; w++)
			p[w] = p[0];
	}
}

static int page_run_memcpy(struct page_bufs *b, u64 *put_ns, u64 *get_ns)
{
	size_t off, end = (size_t)b->nr * PAGE_SIZE;
	u64 t0, t1, t2;

	t0 = ktime_get_ns();
	for (off = 0; off < end; off += PAGE_SIZE)
		memcpy(b->mid + off, b->src + off, PAGE_SIZE);
	t1 = ktime_get_ns();
	for (off = 0; off < end; off += PAGE_SIZE)
		memcpy(b->out + off, b->mid + off, PAGE_SIZE);
	t2 = ktime_get_ns();
	*put_ns = t1 - t0;
	*get_ns = t2 - t1;
	return 0;
}

static int page_run_sim(struct page_bufs *b, enum page_kind kind,
			u64 *put_ns, u64 *get_ns, u64 *stored)
{
	struct tmem_pool_info info = {};
	struct tmem_handle h;
	struct bench_host bh;
	tmem_status_t st;
	u32 i, len, bad = 0;
	u64 t0, t1, t2;
	int err;

	err = bench_host_create(&bh, 2ULL * b->nr * PAGE_SIZE,
				kind == PAGE_LZ4 || kind == PAGE_ZSTD,
				kind == PAGE_DEDUP);
	if (!err && kind == PAGE_ZSTD)
		err = utmem_host_set_compressor(bh.host,
						UTMEM_HOST_CODEC_ZSTD);
	if (err) {
		if (bh.host)
			bench_host_destroy(&bh);
		return err;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < b->nr; i++) {
		bench_handle(&h, i);
		st = utmem_host_put(bh.client, bh.pool, &h,
				    b->src + (size_t)i * PAGE_SIZE, PAGE_SIZE);
		bad += st != TMEM_S_OK;
	}
	t1 = ktime_get_ns();
	utmem_host_pool_info(bh.client, bh.pool, &info);
	*stored = info.stored_bytes;
	for (i = 0; i < b->nr; i++) {
		bench_handle(&h, i);
		st = utmem_host_get(bh.client, bh.pool, &h,
				    b->out + (size_t)i * PAGE_SIZE, PAGE_SIZE,
				   &len);
		bad += st != TMEM_S_OK || len != PAGE_SIZE;
	}
	t2 = ktime_get_ns();
	if (kind == PAGE_DEDUP &&
	    utmem_host_counter(bh.host, UTMEM_HOST_DEDUP_HITS) != b->nr - 1) {
		pr_err("%s: %llu dedup hits for %u equal pages\n",
		       page_kind_names[kind],
		       utmem_host_counter(bh.host, UTMEM_HOST_DEDUP_HITS), b->nr);
		err = -EIO;
	}
	bench_host_destroy(&bh);
	if (bad) {
		pr_err("%s: %u PUTs or GETs failed\n", page_kind_names[kind],
		       bad);
		return -EIO;
	}
	*put_ns = t1 - t0;
	*get_ns = t2 - t1;
	return err;
}

static int page_run(struct page_bufs *b, enum page_kind kind, u64 *put_ns,
		    u64 *get_ns, u64 *stored)
{
	int err;

	page_fill(b, kind);
	memset(b->out, 0, (size_t)b->nr * PAGE_SIZE);
	*stored = (u64)b->nr * PAGE_SIZE;
	if (kind == PAGE_MEMCPY)
		err = page_run_memcpy(b, put_ns, get_ns);
	else
		err = page_run_sim(b, kind, put_ns, get_ns, stored);
	if (!err && memcmp(b->src, b->out, (size_t)b->nr * PAGE_SIZE)) {
		pr_err("%s: a page came back different\n",
		       page_kind_names[kind]);
		err = -EIO;
	}
	*put_ns = div_u64(*put_ns, b->nr);
	*get_ns = div_u64(*get_ns, b->nr);
	*stored = div_u64(*stored, b->nr);
	return err;
}

/* ns per page of each kind and round; too large for the stack. */
struct page_results {
	u64 put[NR_PAGE_KINDS][BENCH_ROUNDS_MAX];
	u64 get[NR_PAGE_KINDS][BENCH_ROUNDS_MAX];
	u64 sum[NR_PAGE_KINDS][BENCH_ROUNDS_MAX];
	u64 stored[NR_PAGE_KINDS][BENCH_ROUNDS_MAX];
	u64 ratio[BENCH_ROUNDS_MAX];
};

static void page_report(struct seq_buf *out, struct page_results *res,
			u32 nr, u32 rounds)
{
	u32 r;
	int k;

	seq_buf_printf(out, "# page_bench pages=%u rounds=%u page_size=%lu\n",
		       nr, rounds, PAGE_SIZE);
	/* Each figure is three columns: median, min and max. */
	seq_buf_puts(out, "# kind put_ns get_ns put+get_ns vs_memcpy_x100");
	seq_buf_puts(out, " stored_bytes_per_page\n");
	for (k = 0; k < NR_PAGE_KINDS; k++) {
		/* Each round's ratio against the same round's memcpy. */
		for (r = 0; r < rounds; r++)
			res->ratio[r] = div64_u64(res->sum[k][r] * 100,
						  max(res->sum[PAGE_MEMCPY][r],
						      1ULL));
		seq_buf_printf(out, "%s", page_kind_names[k]);
		print_spread(out, res->put[k], rounds);
		print_spread(out, res->get[k], rounds);
		print_spread(out, res->sum[k], rounds);
		print_spread(out, res->ratio, rounds);
		print_spread(out, res->stored[k], rounds);
		seq_buf_putc(out, '\n');
	}
}

static int page_bench(const char *args, struct seq_buf *out)
{
	struct page_results *res = NULL;
	struct page_bufs b = {};
	u32 rounds;
	int err = 0, k, r;

	if (sscanf(args, "%u %u", &b.nr, &rounds) != 2 || !b.nr ||
	    b.nr > BENCH_PAGES_MAX || !rounds || rounds > BENCH_ROUNDS_MAX) {
		pr_warn("%s wants \"PAGES ROUNDS\", 1..%lu pages and 1..%d rounds\n",
			__func__, BENCH_PAGES_MAX, BENCH_ROUNDS_MAX);
		return -EINVAL;
	}
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	b.src = vmalloc((size_t)b.nr * PAGE_SIZE);
	b.mid = vmalloc((size_t)b.nr * PAGE_SIZE);
	b.out = vmalloc((size_t)b.nr * PAGE_SIZE);
	if (!res || !b.src || !b.mid || !b.out) {
		err = -ENOMEM;
		goto out;
	}
	memset(b.mid, 0, (size_t)b.nr * PAGE_SIZE);
	/*
	 * Kinds in turn within each round: a slow spell hits them all.
	 * Round -1 warms up, untimed: the first touch of memory the guest
	 * never used costs a host page fault under UML, which the first
	 * kind would pay alone.
	 */
	for (r = -1; r < (int)rounds && !err; r++) {
		for (k = 0; k < NR_PAGE_KINDS && !err; k++) {
			u32 slot = r < 0 ? 0 : r;

			err = page_run(&b, k, &res->put[k][slot],
				       &res->get[k][slot],
				       &res->stored[k][slot]);
			res->sum[k][slot] = res->put[k][slot] +
					    res->get[k][slot];
		}
		cond_resched();
	}
	if (!err)
		page_report(out, res, b.nr, rounds);
out:
	vfree(b.out);
	vfree(b.mid);
	vfree(b.src);
	kfree(res);
	return err;
}

/* scale_bench */

/* A page that LZ4 packs into a few dozen bytes, named by its index. */
static void scale_page(u64 *p, u32 index, u32 gen)
{
	memset(p, 0, PAGE_SIZE);
	p[0] = index;
	p[1] = gen;
	p[PAGE_SIZE / 8 - 1] = ~(u64)index;
}

static bool scale_page_ok(const u64 *p, u32 index, u32 gen)
{
	return p[0] == index && p[1] == gen &&
	       p[PAGE_SIZE / 8 - 1] == ~(u64)index &&
	       !memchr_inv(p + 2, 0, PAGE_SIZE - 3 * 8);
}

static unsigned long slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) *
	       PAGE_SIZE;
}

struct scale_ctx {
	struct bench_host bh;
	u64 *page;
	u32 *gen;	/* generation of each page, to check what comes back */
	u32 nr;		/* pages held */
	u32 bad;
};

static void scale_put(struct scale_ctx *c, u32 index)
{
	struct tmem_handle h;

	bench_handle(&h, index);
	scale_page(c->page, index, ++c->gen[index]);
	if (utmem_host_put(c->bh.client, c->bh.pool, &h, c->page,
			   PAGE_SIZE) != TMEM_S_OK)
		c->bad++;
}

static void scale_get(struct scale_ctx *c, u32 index)
{
	struct tmem_handle h;
	u32 len;

	bench_handle(&h, index);
	if (utmem_host_get(c->bh.client, c->bh.pool, &h, c->page, PAGE_SIZE,
			   &len) != TMEM_S_OK || len != PAGE_SIZE ||
	    !scale_page_ok(c->page, index, c->gen[index]))
		c->bad++;
}

static u64 scale_stored_bytes(struct scale_ctx *c)
{
	struct tmem_pool_info info = {};

	utmem_host_pool_info(c->bh.client, c->bh.pool, &info);
	return info.stored_bytes;
}

/* The longest lock hold (ns, pages) of what ran since the last call. */
static void scale_hold(struct scale_ctx *c, u64 *ns, u64 *pages)
{
	struct utmem_host *host = c->bh.host;
	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	*ns = host->max_hold_ns;
	*pages = host->max_hold_pages;
	host->max_hold_ns = 0;
	host->max_hold_pages = 0;
	spin_unlock_irqrestore(&host->lock, flags);
}

/*
 * Emptying the full pool, then filling it again and destroying it: the
 * longest hold of the host lock (interrupts off) of each.
 */
static void scale_holds(struct scale_ctx *c, struct seq_buf *out)
{
	u64 flush_ns, flush_pages, destroy_ns, destroy_pages;
	u32 nr = c->nr, i;

	scale_hold(c, &flush_ns, &flush_pages);
	if (utmem_host_flush_pool(c->bh.client, c->bh.pool) != TMEM_S_OK)
		c->bad++;
	scale_hold(c, &flush_ns, &flush_pages);
	for (i = 0; i < nr; i++) {
		scale_put(c, i);
		if (!(i % 4096))
			cond_resched();
	}
	scale_hold(c, &destroy_ns, &destroy_pages);
	if (utmem_host_destroy_pool(c->bh.client, c->bh.pool) != TMEM_S_OK)
		c->bad++;
	scale_hold(c, &destroy_ns, &destroy_pages);
	seq_buf_printf(out, "# lock hold at %u pages: ", nr);
	seq_buf_printf(out, "flush %llu ns (%llu pages), ", flush_ns,
		       flush_pages);
	seq_buf_printf(out, "destroy %llu ns (%llu pages)\n", destroy_ns,
		       destroy_pages);
}

/*
 * The floor under a lookup's growth: ns per dependent read of a random
 * cache line of a buffer of @bytes (the host's footprint at this size),
 * each read's address taken from the one before, as a chain of pointers
 * is walked.  A GET pays a few of these: the index's leaf, the value's
 * record, zsmalloc's handle, zspage and page, the bytes.  0 without
 * memory for the buffer.
 */
static u64 chase_ns(u64 bytes, u32 ops)
{
	u32 slots = max_t(u64, bytes / L1_CACHE_BYTES, 2), i, j, tmp, at = 0;
	const u32 stride = L1_CACHE_BYTES / sizeof(u32);
	u32 *ring;
	u64 t0;

	ring = vmalloc(array_size(slots, L1_CACHE_BYTES));
	if (!ring)
		return 0;
	/* One cycle through every slot (Sattolo's shuffle). */
	for (i = 0; i < slots; i++)
		ring[i * stride] = i;
	for (i = slots - 1; i > 0; i--) {
		j = get_random_u32_below(i);
		tmp = ring[i * stride];
		ring[i * stride] = ring[j * stride];
		ring[j * stride] = tmp;
		if (!(i % 65536))
			cond_resched();
	}
	t0 = ktime_get_ns();
	for (i = 0; i < ops; i++)
		at = READ_ONCE(ring[at * stride]);
	t0 = ktime_get_ns() - t0;
	vfree(ring);
	/* @at keeps the chain from being optimised away. */
	return div_u64(t0, ops) + (at >= slots);
}

/* ns per op of @ops random GETs (@put false) or replacing PUTs. */
static u64 scale_ops(struct scale_ctx *c, u32 ops, bool put)
{
	u64 t0 = ktime_get_ns();
	u32 i;

	for (i = 0; i < ops; i++) {
		u32 index = get_random_u32_below(c->nr);

		if (put)
			scale_put(c, index);
		else
			scale_get(c, index);
	}
	return div_u64(ktime_get_ns() - t0, ops);
}

static int scale_bench(const char *args, struct seq_buf *out)
{
	u64 get_ns[SCALE_ROUNDS], put_ns[SCALE_ROUNDS];
	unsigned long max_pages, slab0;
	struct scale_ctx c = {};
	u32 ops, target, from, r;
	u64 t0, fill_ns;
	int err;

	if (sscanf(args, "%lu %u", &max_pages, &ops) != 2 ||
	    max_pages < SCALE_MIN_PAGES || max_pages > SCALE_MAX_PAGES ||
	    !ops || ops > SCALE_OPS_MAX) {
		pr_warn("%s wants \"MAX_PAGES OPS\", %lu..%lu pages and 1..%lu ops\n",
			__func__, SCALE_MIN_PAGES, SCALE_MAX_PAGES, SCALE_OPS_MAX);
		return -EINVAL;
	}
	c.page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	c.gen = vzalloc(max_pages * sizeof(*c.gen));
	err = c.page && c.gen ? 0 : -ENOMEM;
	slab0 = slab_bytes();
	/* LZ4 on: a million raw pages would not fit in a test guest. */
	if (!err)
		err = bench_host_create(&c.bh, max_pages * PAGE_SIZE, true,
					false);
	if (err)
		goto free;

	seq_buf_printf(out, "# %s max_pages=%lu ops=%u rounds=%d\n", __func__,
		       max_pages, ops, SCALE_ROUNDS);
	seq_buf_puts(out, "# pages fill_put_ns get_ns(3) replace_put_ns(3)");
	seq_buf_puts(out, " slab_bytes_per_page stored_bytes_per_page");
	seq_buf_puts(out, " record_bytes_per_page chase_ns\n");
	for (target = SCALE_MIN_PAGES; target <= max_pages && !c.bad;
	     target *= 4) {
		from = c.nr;
		t0 = ktime_get_ns();
		for (; c.nr < target; c.nr++) {
			scale_put(&c, c.nr);
			if (!(c.nr % 4096))
				cond_resched();
		}
		fill_ns = div_u64(ktime_get_ns() - t0, target - from);
		for (r = 0; r < SCALE_ROUNDS; r++) {
			get_ns[r] = scale_ops(&c, ops, false);
			put_ns[r] = scale_ops(&c, ops, true);
			cond_resched();
		}
		seq_buf_printf(out, "%u %llu", target, fill_ns);
		print_spread(out, get_ns, SCALE_ROUNDS);
		print_spread(out, put_ns, SCALE_ROUNDS);
		seq_buf_printf(out, " %lu %llu %llu",
			       (slab_bytes() - min(slab0,
						   slab_bytes())) / target,
			       div_u64(scale_stored_bytes(&c), target),
			       div_u64(utmem_host_read(c.bh.host,
						       &c.bh.host->records),
				       target));
		seq_buf_printf(out, " %llu\n",
			       chase_ns(utmem_host_read(c.bh.host,
							&c.bh.host->records) +
					scale_stored_bytes(&c), ops));
	}
	if (!c.bad)
		scale_holds(&c, out);
	if (c.bad) {
		pr_err("%s: %u PUTs or GETs failed or came back wrong\n",
		       __func__, c.bad);
		err = -EIO;
	}
	bench_host_destroy(&c.bh);
free:
	vfree(c.gen);
	kfree(c.page);
	return err;
}

/* debugfs */

static struct bench_file bench_files[] = {
	{ .name = "page_bench", .run = page_bench },
	{ .name = "scale_bench", .run = scale_bench },
};

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct bench_file *bf = file->private_data;
	struct seq_buf out;
	char args[48];
	int err;

	if (len >= sizeof(args))
		return -EINVAL;
	if (copy_from_user(args, ubuf, len))
		return -EFAULT;
	args[len] = 0;

	mutex_lock(&bench_lock);
	seq_buf_init(&out, bf->result, sizeof(bf->result));
	err = bf->run(args, &out);
	bf->len = err ? 0 : seq_buf_used(&out);
	mutex_unlock(&bench_lock);
	return err ?: len;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct bench_file *bf = file->private_data;
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, bf->result, bf->len);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

/**
 * utmem_sim_bench_debugfs_init() - add the benchmark files
 * @dir: the simulator's debugfs directory
 */
void utmem_sim_bench_debugfs_init(struct dentry *dir)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bench_files); i++)
		debugfs_create_file(bench_files[i].name, 0600, dir,
				    &bench_files[i], &bench_fops);
}
