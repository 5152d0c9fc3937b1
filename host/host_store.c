// SPDX-License-Identifier: GPL-2.0
/*
 * The host's value store: LZ4 compression, deduplication, and the
 * memory blobs live in.
 *
 * A value becomes a blob in two steps.  utmem_host_blob_prepare() runs
 * without the host lock: it compresses into a per-CPU scratch buffer and
 * allocates the blob, so the expensive part of a PUT does not serialise
 * the host.  Under the lock, utmem_host_blob_find() looks for a stored blob
 * that may be equal, utmem_host_blob_equal() compares the bytes without
 * the lock, and utmem_host_blob_insert() stores a new blob.  No zsmalloc
 * call is made under the host lock (see below).
 *
 * Blob bytes live in a zsmalloc pool, as zswap's do: values of any length
 * pack densely (kmalloc would round a 2.1 KiB compressed page up to
 * 4 KiB, and KASAN builds double that), and the pool reports exactly how
 * many pages it takes, which the simulator's carve-out (host-sim/sim_reserve.c)
 * needs.  But
 * zsmalloc takes its locks with interrupts on (compaction, migration),
 * and cleancache calls the host with interrupts off, under a mapping's
 * i_pages lock that interrupts take too: a blob made with interrupts off
 * keeps its bytes in kmalloc'ed memory, compressed when that still saves
 * memory after kmalloc's rounding (a page that LZ4 packs into 2 KiB), and
 * never shares them with a zsmalloc blob; zsmalloc bytes freed with
 * interrupts off (an eviction during such a PUT) are freed later by a
 * work item.  A value that fills a whole page stays whole and gets
 * a page of its own too: zsmalloc would spend a zspage and its
 * bookkeeping on it.
 *
 * The carve-out counts kmalloc'ed bytes as kmalloc rounds them.
 *
 * Deduplication orders blobs by (hash, raw length, stored length, format)
 * and compares the values of a match byte for byte: two values share a
 * blob only when they are equal, and a hash collision costs a comparison
 * (and the sharing), never a wrong value.  Values stored while compression
 * was off do not match the same values stored compressed; that loses some
 * sharing after a switch, never correctness.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": host: " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <linux/zsmalloc.h>

#include "host.h"

#define UTMEM_HOST_SCRATCH_LEN	LZ4_COMPRESSBOUND(TMEM_VALUE_MAX)

static void zs_free_work_fn(struct work_struct *work)
{
	struct utmem_host *host = container_of(work, struct utmem_host,
						   zs_free_work);
	struct utmem_host_blob *blob, *tmp;

	unsigned long flags;

	llist_for_each_entry_safe(blob, tmp, llist_del_all(&host->zs_free),
				  free_node) {
		zs_free(host->zs, blob->handle);
		kfree(blob);
	}
	/* The footprint shrank: the binding may want to know. */
	spin_lock_irqsave(&host->lock, flags);
	utmem_host_footprint_changed(host, 0);
	spin_unlock_irqrestore(&host->lock, flags);
}

/*
 * Scratch buffers exist for every possible CPU rather than following CPU
 * hotplug: LZ4's work memory and a page per CPU, per host (one for all
 * VMs on a KVM host).
 */
int utmem_host_store_init(struct utmem_host *host)
{
	int cpu;

	static atomic_t nr_pools = ATOMIC_INIT(0);
	char name[24];

	/* zsmalloc names its caches and debugfs files after the pool. */
	snprintf(name, sizeof(name), "utmem-host-%d",
		 atomic_inc_return(&nr_pools));
	init_llist_head(&host->zs_free);
	INIT_WORK(&host->zs_free_work, zs_free_work_fn);
	host->zs = zs_create_pool(name);
	host->scratch = alloc_percpu(struct utmem_host_scratch);
	if (!host->zs || !host->scratch) {
		utmem_host_store_exit(host);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct utmem_host_scratch *s = per_cpu_ptr(host->scratch, cpu);

		local_lock_init(&s->lock);
		s->wrkmem = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
		s->dst = kmalloc(UTMEM_HOST_SCRATCH_LEN, GFP_KERNEL);
		if (!s->wrkmem || !s->dst) {
			utmem_host_store_exit(host);
			return -ENOMEM;
		}
	}
	return 0;
}

void utmem_host_store_exit(struct utmem_host *host)
{
	int cpu;

	if (host->zs_free_work.func) {
		flush_work(&host->zs_free_work);
		zs_free_work_fn(&host->zs_free_work);
	}
	if (host->zs)
		zs_destroy_pool(host->zs);
	host->zs = NULL;
	if (!host->scratch)
		return;
	for_each_possible_cpu(cpu) {
		struct utmem_host_scratch *s = per_cpu_ptr(host->scratch, cpu);

		kvfree(s->wrkmem);
		kfree(s->dst);
	}
	free_percpu(host->scratch);
	host->scratch = NULL;
}

/*
 * A whole page comes from the page allocator (order 0: kmalloc's 4 KiB
 * caches want higher orders, which fail first under pressure), anything
 * smaller from kmalloc.  Both are safe with interrupts off.
 */
static void *bytes_alloc(u32 len, gfp_t gfp)
{
	if (len == PAGE_SIZE)
		return (void *)__get_free_page(gfp);
	return kmalloc(len, gfp);
}

static void bytes_free(void *bytes, u32 len)
{
	if (len == PAGE_SIZE)
		free_page((unsigned long)bytes);
	else
		kfree(bytes);
}

static struct utmem_host_blob *blob_alloc(struct utmem_host *host,
					  const void *data, u32 stored_len)
{
	/* Never block or warn: running out is a refusal, not an incident. */
	const gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	struct utmem_host_blob *blob;
	unsigned long handle = 0;
	void *bytes = NULL;

	blob = kmalloc(sizeof(*blob), gfp);
	if (!blob)
		return NULL;
	if (stored_len == PAGE_SIZE || (stored_len && irqs_disabled())) {
		bytes = bytes_alloc(stored_len, gfp);
		if (!bytes) {
			kfree(blob);
			return NULL;
		}
		memcpy(bytes, data, stored_len);
	} else if (stored_len) {
		handle = zs_malloc(host->zs, stored_len, gfp);
		if (IS_ERR_VALUE(handle)) {
			kfree(blob);
			return NULL;
		}
		memcpy(zs_map_object(host->zs, handle, ZS_MM_WO), data,
		       stored_len);
		zs_unmap_object(host->zs, handle);
	}
	RB_CLEAR_NODE(&blob->node);
	refcount_set(&blob->refs, 1);
	blob->stored_len = stored_len;
	blob->handle = handle;
	blob->bytes = bytes;
	return blob;
}

/**
 * utmem_host_blob_free() - free a blob that is not stored (or no longer)
 * @host: its host
 * @blob: the blob; NULL is fine
 */
void utmem_host_blob_free(struct utmem_host *host,
			  struct utmem_host_blob *blob)
{
	if (!blob)
		return;
	if (blob->bytes)
		bytes_free(blob->bytes, blob->stored_len);
	if (blob->handle && irqs_disabled()) {
		llist_add(&blob->free_node, &host->zs_free);
		schedule_work(&host->zs_free_work);
		return;
	}
	if (blob->handle)
		zs_free(host->zs, blob->handle);
	kfree(blob);
}

static const void *blob_map(struct utmem_host *host,
			    const struct utmem_host_blob *blob)
{
	if (blob->bytes)
		return blob->bytes;
	return zs_map_object(host->zs, blob->handle, ZS_MM_RO);
}

static void blob_unmap(struct utmem_host *host,
		       const struct utmem_host_blob *blob, const void *addr)
{
	if (!blob->bytes)
		zs_unmap_object(host->zs, blob->handle);
}

/**
 * utmem_host_footprint() - guest memory the host's data takes
 * @host: the host, locked
 *
 * Return: bytes: the zsmalloc pool's pages and the per-blob and per-value
 * records.
 */
u64 utmem_host_footprint(struct utmem_host *host)
{
	return host->footprint +
	       ((u64)zs_get_total_pages(host->zs) << PAGE_SHIFT);
}

/**
 * utmem_host_blob_prepare() - turn a value into an unshared blob
 * @host: decides whether to compress
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 * @domain: who may share it (struct utmem_host_blob)
 *
 * Atomic-safe; takes no host lock.  Return: the blob, or NULL when memory
 * ran out.
 */
struct utmem_host_blob *utmem_host_blob_prepare(struct utmem_host *host,
						const void *src, u32 len,
					      u32 domain)
{
	struct utmem_host_scratch *s;
	struct utmem_host_blob *blob = NULL;
	int clen = 0;

	if (READ_ONCE(host->compress) && len) {
		local_lock(&host->scratch->lock);
		s = this_cpu_ptr(host->scratch);
		clen = LZ4_compress_default(src, s->dst, len,
					    UTMEM_HOST_SCRATCH_LEN, s->wrkmem);
		/*
		 * Incompressible data is stored as it came, and so is data
		 * that kmalloc (interrupts off) would round up to its length.
		 */
		if (clen > 0 && clen < len &&
		    (!irqs_disabled() || kmalloc_size_roundup(clen) < len))
			blob = blob_alloc(host, s->dst, clen);
		local_unlock(&host->scratch->lock);
		if (blob) {
			blob->compressed = true;
			utmem_host_count(host, UTMEM_HOST_COMPRESSED_PUTS);
		}
	}
	if (!blob) {
		blob = blob_alloc(host, src, len);
		if (!blob)
			return NULL;
		blob->compressed = false;
	}
	BUILD_BUG_ON(TMEM_VALUE_MAX > U16_MAX);
	blob->raw_len = len;
	blob->domain = domain;
	blob->hash = READ_ONCE(host->dedup) ? xxh64(src, len, 0) : 0;
	return blob;
}

/*
 * The dedup tree's order: everything but the bytes, which are compared
 * without the host lock (utmem_host_blob_equal()).  Blobs of equal keys
 * (a hash collision, or a refused match) sit side by side.
 */
static int blob_cmp(const struct utmem_host_blob *a,
		    const struct utmem_host_blob *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->raw_len != b->raw_len)
		return a->raw_len < b->raw_len ? -1 : 1;
	if (a->stored_len != b->stored_len)
		return a->stored_len < b->stored_len ? -1 : 1;
	if (a->compressed != b->compressed)
		return a->compressed ? 1 : -1;
	/* Never share: a kmalloc blob may be freed with interrupts off. */
	if (!a->bytes != !b->bytes)
		return a->bytes ? 1 : -1;
	return 0;
}

static int blob_find_cmp(const void *key, const struct rb_node *node)
{
	return blob_cmp(key, rb_entry(node, struct utmem_host_blob, node));
}

static bool blob_less(struct rb_node *a, const struct rb_node *b)
{
	return blob_cmp(rb_entry(a, struct utmem_host_blob, node),
			rb_entry(b, struct utmem_host_blob, node)) < 0;
}

/**
 * utmem_host_blob_find() - find a stored blob that may equal @blob
 * @host: the host, locked
 * @blob: a prepared, unshared blob
 *
 * Return: a stored blob of the same domain, hash, lengths and form, with
 * a reference taken for the caller, or NULL when deduplication is off,
 * there is none, or it is shared as often as a blob may be.
 * utmem_host_blob_equal() tells whether the bytes match.
 */
struct utmem_host_blob *utmem_host_blob_find(struct utmem_host *host,
					     const struct utmem_host_blob *blob)
{
	struct utmem_host_blob *found;
	struct rb_node *node;

	lockdep_assert_held(&host->lock);
	if (!host->dedup)
		return NULL;
	node = rb_find(blob, &host->dedup_tree, blob_find_cmp);
	if (!node)
		return NULL;
	found = rb_entry(node, struct utmem_host_blob, node);
	if (refcount_read(&found->refs) >= host->share_max)
		return NULL;
	refcount_inc(&found->refs);
	return found;
}

/**
 * utmem_host_blob_equal() - does a blob hold exactly this value?
 * @host: its host, not locked
 * @blob: a referenced blob
 * @src: the value, @blob->raw_len bytes
 *
 * Atomic-safe.  A blob that fails to read equals nothing.
 */
bool utmem_host_blob_equal(struct utmem_host *host,
			   const struct utmem_host_blob *blob, const void *src)
{
	struct utmem_host_scratch *s;
	bool equal;

	local_lock(&host->scratch->lock);
	s = this_cpu_ptr(host->scratch);
	equal = !utmem_host_blob_read(host, blob, s->dst) &&
		!memcmp(s->dst, src, blob->raw_len);
	local_unlock(&host->scratch->lock);
	return equal;
}

/* The record and the kmalloc'ed bytes; zsmalloc's are counted apart. */
static u64 blob_bytes_footprint(const struct utmem_host_blob *blob)
{
	return kmalloc_size_roundup(sizeof(*blob)) +
	       (blob->bytes ? kmalloc_size_roundup(blob->stored_len) : 0);
}

/**
 * utmem_host_blob_cost() - what a blob costs the host
 * @host: its host
 * @blob: the blob
 *
 * Return: bytes: its record, and its stored bytes as they are allocated
 * (kmalloc rounds them up; zsmalloc packs them).
 */
u32 utmem_host_blob_cost(const struct utmem_host *host,
			 const struct utmem_host_blob *blob)
{
	u32 bytes = blob->stored_len;

	if (blob->bytes && bytes != PAGE_SIZE)
		bytes = kmalloc_size_roundup(bytes);
	return host->blob_cost + bytes;
}

/**
 * utmem_host_blob_insert() - store a new blob, with one reference
 * @host: the host, locked; it is charged the blob's cost
 * @blob: a prepared blob that utmem_host_blob_find() did not match
 */
void utmem_host_blob_insert(struct utmem_host *host,
			    struct utmem_host_blob *blob)
{
	lockdep_assert_held(&host->lock);
	WARN_ON_ONCE(refcount_read(&blob->refs) != 1);
	host->used += utmem_host_blob_cost(host, blob);
	host->footprint += blob_bytes_footprint(blob);
	if (host->dedup)
		rb_add(&blob->node, &host->dedup_tree, blob_less);
	utmem_host_footprint_changed(host, 0);
}

/**
 * utmem_host_blob_put() - drop a reference, freeing the blob with the last
 * @host: the host, locked
 * @blob: a stored blob
 */
void utmem_host_blob_put(struct utmem_host *host,
			 struct utmem_host_blob *blob)
{
	lockdep_assert_held(&host->lock);
	if (!refcount_dec_and_test(&blob->refs))
		return;
	if (!RB_EMPTY_NODE(&blob->node))
		rb_erase(&blob->node, &host->dedup_tree);
	host->used -= utmem_host_blob_cost(host, blob);
	host->footprint -= blob_bytes_footprint(blob);
	utmem_host_blob_free(host, blob);
	utmem_host_footprint_changed(host, 0);
}

/**
 * utmem_host_blob_read() - copy a blob's value out
 * @host: its host, not locked (zsmalloc's locks must not nest in it)
 * @blob: the blob, referenced
 * @dst: room for @blob->raw_len bytes
 *
 * Return: 0, or -EIO when the stored bytes do not decompress to exactly
 * the value's length (a host bug or memory corruption: never hand the
 * guest a short or garbled value).
 */
int utmem_host_blob_read(struct utmem_host *host,
			 const struct utmem_host_blob *blob, void *dst)
{
	const void *src;
	int n = blob->raw_len;

	if (!blob->stored_len)
		return blob->raw_len ? -EIO : 0;
	src = blob_map(host, blob);
	if (blob->compressed)
		n = LZ4_decompress_safe(src, dst, blob->stored_len,
					blob->raw_len);
	else
		memcpy(dst, src, blob->raw_len);
	blob_unmap(host, blob, src);
	if (n != blob->raw_len) {
		pr_err_ratelimited("blob does not decompress (%d of %u bytes)\n",
				   n, blob->raw_len);
		return -EIO;
	}
	return 0;
}
