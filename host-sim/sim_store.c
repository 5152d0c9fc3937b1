// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's value store: LZ4 compression and deduplication.
 *
 * A value becomes a blob in two steps.  utmem_sim_blob_prepare() runs
 * without the host lock: it compresses into a per-CPU scratch buffer and
 * allocates the blob, so the expensive part of a PUT does not serialise
 * the host.  Under the lock, utmem_sim_blob_find() looks for an equal blob
 * already stored and utmem_sim_blob_insert() stores a new one.
 *
 * Deduplication orders blobs by (hash, raw length, stored length, format,
 * bytes).  That is a total order, so a lookup is exact: two values share a
 * blob only when their stored bytes are equal, and a hash collision costs
 * a memcmp, never a wrong value.  Values stored while compression was off
 * do not match the same values stored compressed; that loses some sharing
 * after a switch, never correctness.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xxhash.h>

#include "sim.h"

#define UTMEM_SIM_SCRATCH_LEN	LZ4_COMPRESSBOUND(TMEM_VALUE_MAX)

/*
 * Scratch buffers exist for every possible CPU rather than following CPU
 * hotplug: two small buffers per CPU, and the simulator is a test and
 * development host, not something that runs on machines with thousands of
 * possible CPUs.
 */
int utmem_sim_store_init(struct utmem_sim_host *host)
{
	int cpu;

	host->scratch = alloc_percpu(struct utmem_sim_scratch);
	if (!host->scratch)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct utmem_sim_scratch *s = per_cpu_ptr(host->scratch, cpu);

		local_lock_init(&s->lock);
		s->wrkmem = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
		s->dst = kmalloc(UTMEM_SIM_SCRATCH_LEN, GFP_KERNEL);
		if (!s->wrkmem || !s->dst) {
			utmem_sim_store_exit(host);
			return -ENOMEM;
		}
	}
	return 0;
}

void utmem_sim_store_exit(struct utmem_sim_host *host)
{
	int cpu;

	if (!host->scratch)
		return;
	for_each_possible_cpu(cpu) {
		struct utmem_sim_scratch *s = per_cpu_ptr(host->scratch, cpu);

		kvfree(s->wrkmem);
		kfree(s->dst);
	}
	free_percpu(host->scratch);
	host->scratch = NULL;
}

static struct utmem_sim_blob *blob_alloc(const void *data, u32 stored_len)
{
	/* Never block or warn: running out is a refusal, not an incident. */
	const gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	struct utmem_sim_blob *blob;

	blob = kmalloc(sizeof(*blob), gfp);
	if (!blob)
		return NULL;
	blob->data = kmalloc(stored_len, gfp);
	if (!blob->data) {
		kfree(blob);
		return NULL;
	}
	RB_CLEAR_NODE(&blob->node);
	blob->refs = 0;
	blob->stored_len = stored_len;
	memcpy(blob->data, data, stored_len);
	return blob;
}

/* Frees a blob that is not stored (or no longer); NULL is fine. */
void utmem_sim_blob_free(struct utmem_sim_blob *blob)
{
	if (!blob)
		return;
	kfree(blob->data);
	kfree(blob);
}

/* The guest memory a blob takes, as kmalloc rounds it. */
static u64 blob_footprint(const struct utmem_sim_blob *blob)
{
	return kmalloc_size_roundup(sizeof(*blob)) +
	       kmalloc_size_roundup(blob->stored_len);
}

/**
 * utmem_sim_blob_prepare() - turn a value into an unshared blob
 * @host: decides whether to compress
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 *
 * Atomic-safe; takes no host lock.  Return: the blob, or NULL when memory
 * ran out.
 */
struct utmem_sim_blob *utmem_sim_blob_prepare(struct utmem_sim_host *host,
					      const void *src, u32 len)
{
	struct utmem_sim_scratch *s;
	struct utmem_sim_blob *blob = NULL;
	int clen = 0;

	if (READ_ONCE(host->compress) && len) {
		local_lock(&host->scratch->lock);
		s = this_cpu_ptr(host->scratch);
		clen = LZ4_compress_default(src, s->dst, len,
					    UTMEM_SIM_SCRATCH_LEN, s->wrkmem);
		/* Incompressible data is stored as it came. */
		if (clen > 0 && clen < len)
			blob = blob_alloc(s->dst, clen);
		local_unlock(&host->scratch->lock);
		if (blob) {
			blob->compressed = true;
			utmem_sim_count(host, UTMEM_SIM_COMPRESSED_PUTS);
		}
	}
	if (!blob) {
		blob = blob_alloc(src, len);
		if (!blob)
			return NULL;
		blob->compressed = false;
	}
	blob->raw_len = len;
	blob->hash = READ_ONCE(host->dedup) ? xxh64(src, len, 0) : 0;
	return blob;
}

static int blob_cmp(const struct utmem_sim_blob *a,
		    const struct utmem_sim_blob *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->raw_len != b->raw_len)
		return a->raw_len < b->raw_len ? -1 : 1;
	if (a->stored_len != b->stored_len)
		return a->stored_len < b->stored_len ? -1 : 1;
	if (a->compressed != b->compressed)
		return a->compressed ? 1 : -1;
	return memcmp(a->data, b->data, a->stored_len);
}

static int blob_find_cmp(const void *key, const struct rb_node *node)
{
	return blob_cmp(key, rb_entry(node, struct utmem_sim_blob, node));
}

static bool blob_less(struct rb_node *a, const struct rb_node *b)
{
	return blob_cmp(rb_entry(a, struct utmem_sim_blob, node),
			rb_entry(b, struct utmem_sim_blob, node)) < 0;
}

/**
 * utmem_sim_blob_find() - find a stored blob equal to @blob
 * @host: the host, locked
 * @blob: a prepared, unshared blob
 *
 * Return: the stored blob with a reference taken for the caller, or NULL
 * when deduplication is off or none is equal.
 */
struct utmem_sim_blob *utmem_sim_blob_find(struct utmem_sim_host *host,
					   const struct utmem_sim_blob *blob)
{
	struct rb_node *node;
	struct utmem_sim_blob *found;

	lockdep_assert_held(&host->lock);
	if (!host->dedup)
		return NULL;
	node = rb_find(blob, &host->dedup_tree, blob_find_cmp);
	if (!node)
		return NULL;
	found = rb_entry(node, struct utmem_sim_blob, node);
	found->refs++;
	utmem_sim_count(host, UTMEM_SIM_DEDUP_HITS);
	return found;
}

/**
 * utmem_sim_blob_insert() - store a new blob, with one reference
 * @host: the host, locked; it is charged the blob's stored bytes
 * @blob: a prepared blob that utmem_sim_blob_find() did not match
 */
void utmem_sim_blob_insert(struct utmem_sim_host *host,
			   struct utmem_sim_blob *blob)
{
	lockdep_assert_held(&host->lock);
	blob->refs = 1;
	host->used += blob->stored_len;
	host->footprint += blob_footprint(blob);
	utmem_sim_reserve_fit(host, 0);
	if (host->dedup)
		rb_add(&blob->node, &host->dedup_tree, blob_less);
}

/**
 * utmem_sim_blob_put() - drop a reference, freeing the blob with the last
 * @host: the host, locked
 * @blob: a stored blob
 */
void utmem_sim_blob_put(struct utmem_sim_host *host,
			struct utmem_sim_blob *blob)
{
	lockdep_assert_held(&host->lock);
	if (--blob->refs)
		return;
	if (!RB_EMPTY_NODE(&blob->node))
		rb_erase(&blob->node, &host->dedup_tree);
	host->used -= blob->stored_len;
	host->footprint -= blob_footprint(blob);
	utmem_sim_blob_free(blob);
	utmem_sim_reserve_fit(host, 0);
}

/**
 * utmem_sim_blob_read() - copy a blob's value out
 * @blob: the blob
 * @dst: room for @blob->raw_len bytes
 *
 * Return: 0, or -EIO when the stored bytes do not decompress to exactly
 * the value's length (a host bug or memory corruption: never hand the
 * guest a short or garbled value).
 */
int utmem_sim_blob_read(const struct utmem_sim_blob *blob, void *dst)
{
	int n;

	if (!blob->compressed) {
		memcpy(dst, blob->data, blob->raw_len);
		return 0;
	}
	n = LZ4_decompress_safe(blob->data, dst, blob->stored_len,
				blob->raw_len);
	if (n != blob->raw_len) {
		pr_err_ratelimited("blob does not decompress (%d of %u bytes)\n",
				   n, blob->raw_len);
		return -EIO;
	}
	return 0;
}
