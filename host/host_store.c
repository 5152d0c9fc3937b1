// SPDX-License-Identifier: GPL-2.0
/*
 * The host's value store: LZ4 compression, deduplication, and the
 * memory blobs live in.
 *
 * A value becomes a blob in two steps.  utmem_host_blob_prepare() runs
 * without the host lock: it compresses into a per-CPU scratch buffer and
 * allocates the bytes, so the expensive part of a PUT does not serialise
 * the host.  Under the lock, the blob moves into its value's record
 * (struct utmem_host_value: one record per value while nobody shares
 * it), and utmem_host_blob_insert() charges the host for it.  No
 * zsmalloc call is made under the host lock (see below).
 *
 * A value of one word repeated (a zero page, a page of 0xff: 10-20% of
 * swapped pages in fleets that measured it) keeps the word in its blob
 * and no bytes at all; so does a value of no bytes.
 *
 * Blob bytes live in a zsmalloc pool, as zswap's do: values of any length
 * pack densely (kmalloc would round a 2.1 KiB compressed page up to
 * 4 KiB, and KASAN builds double that), and the pool reports exactly how
 * many pages it takes, which the simulator's carve-out (host-sim/sim_reserve.c)
 * needs.  But
 * zsmalloc takes its locks with interrupts on (compaction, migration),
 * and cleancache calls the host with interrupts off, under a mapping's
 * i_pages lock that interrupts take too: a blob made with interrupts off
 * keeps its bytes in a slab cache of their size, rounded up to
 * UTMEM_HOST_SLAB_STEP bytes (packed almost as densely), and never shares
 * them with a zsmalloc blob; zsmalloc bytes freed with
 * interrupts off (an eviction during such a PUT) are freed later by a
 * work item.  A value that fills a whole page stays whole and gets
 * a page of its own too: zsmalloc would spend a zspage and its
 * bookkeeping on it.
 *
 * The carve-out counts slab bytes as their class rounds them.
 *
 * While deduplication is on, a value with bytes keeps its blob in a
 * shared record (struct utmem_host_shared) that later equal values may
 * point at: utmem_host_blob_find() looks for a stored blob that may be
 * equal, and utmem_host_blob_equal() compares the bytes without the lock.
 * Shared blobs are ordered by (hash, raw length, stored length, format);
 * two values share a blob only when they are equal, and a hash collision
 * costs a comparison (and the sharing), never a wrong value.  Values
 * stored while compression was off do not match the same values stored
 * compressed; that loses some sharing after a switch, never correctness.
 *
 * Records come from caches of their exact size (shared by every host of
 * the module), so that what the host counts is what the slab holds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": host: " fmt

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <linux/zstd.h>
#include <linux/zsmalloc.h>

#include "host.h"

/* Room for either compressor's output of the largest value. */
#define UTMEM_HOST_SCRATCH_LEN	(LZ4_COMPRESSBOUND(TMEM_VALUE_MAX) + 512)

/*
 * zstd's level: its default, as zram's; a value is one page at most, so
 * the parameters are those for a page.
 */
#define UTMEM_HOST_ZSTD_LEVEL	3

/*
 * Values shorter than this are stored as they came.  LZ4 clears its 16 KiB
 * state on every call, a fixed cost that a short value cannot earn back:
 * at the 2:1 a page of the page mix compresses to, it costs more per byte
 * saved below about half a KiB than a whole page's compression does.
 */
#define UTMEM_HOST_COMPRESS_MIN	512

/* zsmalloc's record of each of its objects (ZS_HANDLE_SIZE). */
#define UTMEM_HOST_ZS_HANDLE_COST	sizeof(unsigned long)

/*
 * The record caches are the module's, shared by every host (a KVM host
 * and the simulator may both run): the first host makes them, the last
 * one frees them.
 */
static DEFINE_MUTEX(caches_lock);
static unsigned int caches_users;
static struct kmem_cache *value_cache, *eph_value_cache, *shared_cache;

/*
 * Bytes stored with interrupts off (cleancache's PUTs, under a mapping's
 * i_pages lock) cannot go to zsmalloc, and kmalloc would round a page
 * that compresses to 2.1 KiB up to 4 KiB: they go to caches of
 * UTMEM_HOST_SLAB_STEP-byte steps instead, which waste half a step per
 * value on average.  Slab allocation is safe with interrupts off.
 */
#define UTMEM_HOST_SLAB_STEP	64
#define UTMEM_HOST_SLAB_CLASSES	(TMEM_VALUE_MAX / UTMEM_HOST_SLAB_STEP)

static struct kmem_cache *bytes_caches[UTMEM_HOST_SLAB_CLASSES];
static char *bytes_cache_names[UTMEM_HOST_SLAB_CLASSES];

static unsigned int slab_class(u32 len)
{
	return DIV_ROUND_UP(len, UTMEM_HOST_SLAB_STEP) - 1;
}

/* What @len bytes (1..TMEM_VALUE_MAX) take in their cache. */
static u32 slab_size(u32 len)
{
	return (slab_class(len) + 1) * UTMEM_HOST_SLAB_STEP;
}

static void caches_destroy(void)
{
	int i;

	for (i = 0; i < UTMEM_HOST_SLAB_CLASSES; i++) {
		kmem_cache_destroy(bytes_caches[i]);
		kfree(bytes_cache_names[i]);
		bytes_caches[i] = NULL;
		bytes_cache_names[i] = NULL;
	}
	kmem_cache_destroy(value_cache);
	kmem_cache_destroy(eph_value_cache);
	kmem_cache_destroy(shared_cache);
	value_cache = NULL;
	eph_value_cache = NULL;
	shared_cache = NULL;
}

static int caches_create(void)
{
	int i;

	value_cache = KMEM_CACHE(utmem_host_value, 0);
	eph_value_cache = KMEM_CACHE(utmem_host_eph_value, 0);
	shared_cache = KMEM_CACHE(utmem_host_shared, 0);
	if (!value_cache || !eph_value_cache || !shared_cache)
		return -ENOMEM;
	for (i = 0; i < UTMEM_HOST_SLAB_CLASSES; i++) {
		u32 size = (i + 1) * UTMEM_HOST_SLAB_STEP;

		/* The cache keeps the name: it lives as long as the cache. */
		bytes_cache_names[i] = kasprintf(GFP_KERNEL, "utmem_bytes_%u",
						 size);
		if (!bytes_cache_names[i])
			return -ENOMEM;
		bytes_caches[i] = kmem_cache_create(bytes_cache_names[i], size,
						    0, 0, NULL);
		if (!bytes_caches[i])
			return -ENOMEM;
	}
	return 0;
}

static void caches_put(void)
{
	mutex_lock(&caches_lock);
	if (!--caches_users)
		caches_destroy();
	mutex_unlock(&caches_lock);
}

static int caches_get(void)
{
	int err = 0;

	mutex_lock(&caches_lock);
	if (!caches_users++)
		err = caches_create();
	mutex_unlock(&caches_lock);
	if (err)
		caches_put();
	return err;
}

static void value_free_record(struct utmem_host *host,
			      struct utmem_host_value *value)
{
	if (value->flags & UTMEM_HOST_VALUE_EPH)
		kmem_cache_free(host->eph_value_cache,
				container_of(value, struct utmem_host_eph_value,
					     value));
	else
		kmem_cache_free(host->value_cache, value);
}

static void zs_free_work_fn(struct work_struct *work)
{
	struct utmem_host *host = container_of(work, struct utmem_host,
						   zs_free_work);
	struct utmem_host_shared *shared, *next_shared;
	struct utmem_host_value *value, *next_value;
	unsigned long flags;

	llist_for_each_entry_safe(value, next_value,
				  llist_del_all(&host->zs_free_values),
				  free_node) {
		zs_free(host->zs, value->own.data);
		value_free_record(host, value);
	}
	llist_for_each_entry_safe(shared, next_shared,
				  llist_del_all(&host->zs_free_shared),
				  free_node) {
		zs_free(host->zs, shared->blob.data);
		kmem_cache_free(host->shared_cache, shared);
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

	/* Lengths are 13-bit fields of struct utmem_host_blob. */
	BUILD_BUG_ON(TMEM_VALUE_MAX >> 13);
	if (caches_get())
		return -ENOMEM;
	host->value_cache = value_cache;
	host->eph_value_cache = eph_value_cache;
	host->shared_cache = shared_cache;
	host->value_cost[0] = kmem_cache_size(value_cache);
	host->value_cost[1] = kmem_cache_size(eph_value_cache);
	host->shared_cost = kmem_cache_size(shared_cache);
	/* zsmalloc names its caches and debugfs files after the pool. */
	snprintf(name, sizeof(name), "utmem-host-%d",
		 atomic_inc_return(&nr_pools));
	init_llist_head(&host->zs_free_values);
	init_llist_head(&host->zs_free_shared);
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
		local_lock_init(&s->dlock);
		s->wrkmem = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL);
		s->dst = kmalloc(UTMEM_HOST_SCRATCH_LEN, GFP_KERNEL);
		if (!s->wrkmem || !s->dst) {
			utmem_host_store_exit(host);
			return -ENOMEM;
		}
	}
	return 0;
}

static void zstd_exit(struct utmem_host *host)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct utmem_host_scratch *s = per_cpu_ptr(host->scratch, cpu);

		kvfree(s->zstd_cwork);
		kvfree(s->zstd_dwork);
		s->zstd_cwork = NULL;
		s->zstd_dwork = NULL;
		s->zstd_c = NULL;
		s->zstd_d = NULL;
	}
}

/*
 * zstd's contexts, made the first time a host chooses it: they take
 * about a megabyte per CPU, which a host that never uses zstd keeps.
 */
static int zstd_init(struct utmem_host *host)
{
	zstd_compression_parameters cparams =
		zstd_get_cparams(UTMEM_HOST_ZSTD_LEVEL, TMEM_VALUE_MAX, 0);
	size_t cbound = zstd_cctx_workspace_bound(&cparams);
	size_t dbound = zstd_dctx_workspace_bound();
	int cpu;

	BUILD_BUG_ON(UTMEM_HOST_SCRATCH_LEN <
		     ZSTD_COMPRESSBOUND(TMEM_VALUE_MAX));
	for_each_possible_cpu(cpu) {
		struct utmem_host_scratch *s = per_cpu_ptr(host->scratch, cpu);

		s->zstd_cwork = kvmalloc(cbound, GFP_KERNEL);
		s->zstd_dwork = kvmalloc(dbound, GFP_KERNEL);
		if (!s->zstd_cwork || !s->zstd_dwork)
			return -ENOMEM;
		s->zstd_c = zstd_init_cctx(s->zstd_cwork, cbound);
		s->zstd_d = zstd_init_dctx(s->zstd_dwork, dbound);
		if (!s->zstd_c || !s->zstd_d)
			return -ENOMEM;
	}
	host->zstd_params = zstd_get_params(UTMEM_HOST_ZSTD_LEVEL,
					    TMEM_VALUE_MAX);
	return 0;
}

/**
 * utmem_host_set_compressor() - the compressor of later PUTs
 * @host: the host
 * @codec: UTMEM_HOST_CODEC_LZ4 or UTMEM_HOST_CODEC_ZSTD
 *
 * May sleep.  What is stored stays as it was stored, and reads back
 * whatever the host's compressor is now.  Return: 0, -EINVAL, or -ENOMEM
 * (zstd's contexts; the compressor does not change).
 */
int utmem_host_set_compressor(struct utmem_host *host,
			      enum utmem_host_codec codec)
{
	static DEFINE_MUTEX(zstd_init_lock);
	int err = 0;

	if (codec != UTMEM_HOST_CODEC_LZ4 && codec != UTMEM_HOST_CODEC_ZSTD)
		return -EINVAL;
	mutex_lock(&zstd_init_lock);
	if (codec == UTMEM_HOST_CODEC_ZSTD && !host->zstd_ready) {
		err = zstd_init(host);
		if (err)
			zstd_exit(host);
		else
			host->zstd_ready = true;
	}
	mutex_unlock(&zstd_init_lock);
	if (!err)
		/* Pairs with the acquire in compress(): contexts first. */
		smp_store_release(&host->codec, codec);
	return err;
}
EXPORT_SYMBOL_GPL(utmem_host_set_compressor);

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
	if (host->scratch) {
		zstd_exit(host);
		for_each_possible_cpu(cpu) {
			struct utmem_host_scratch *s;

			s = per_cpu_ptr(host->scratch, cpu);
			kvfree(s->wrkmem);
			kfree(s->dst);
		}
		free_percpu(host->scratch);
		host->scratch = NULL;
	}
	if (host->value_cache)
		caches_put();
	host->value_cache = NULL;
}

/*
 * A whole page comes from the page allocator (order 0: kmalloc's 4 KiB
 * caches want higher orders, which fail first under pressure), anything
 * smaller from zsmalloc, or from kmalloc with interrupts off.  Never
 * block or warn: running out is a refusal, not an incident.
 */
static int bytes_store(struct utmem_host *host, struct utmem_host_blob *blob,
		       const void *data, u32 len)
{
	const gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	unsigned long handle;
	void *bytes;

	if (len == PAGE_SIZE || irqs_disabled()) {
		if (len == PAGE_SIZE)
			bytes = (void *)__get_free_page(gfp);
		else
			bytes = kmem_cache_alloc(bytes_caches[slab_class(len)],
						 gfp);
		if (!bytes)
			return -ENOMEM;
		memcpy(bytes, data, len);
		blob->place = len == PAGE_SIZE ? UTMEM_HOST_PLACE_PAGE :
						 UTMEM_HOST_PLACE_SLAB;
		blob->data = (unsigned long)bytes;
	} else {
		handle = zs_malloc(host->zs, len, gfp);
		if (IS_ERR_VALUE(handle))
			return -ENOMEM;
		memcpy(zs_map_object(host->zs, handle, ZS_MM_WO), data, len);
		zs_unmap_object(host->zs, handle);
		blob->place = UTMEM_HOST_PLACE_ZS;
		blob->data = handle;
	}
	blob->stored_len = len;
	return 0;
}

/*
 * The bytes of a blob that was never stored, or is being freed; false
 * when they are in zsmalloc and interrupts are off: the caller queues
 * them for zs_free_work_fn().
 */
static bool bytes_free(struct utmem_host *host,
		       const struct utmem_host_blob *blob)
{
	switch (blob->place) {
	case UTMEM_HOST_PLACE_SLAB:
		kmem_cache_free(bytes_caches[slab_class(blob->stored_len)],
				(void *)blob->data);
		break;
	case UTMEM_HOST_PLACE_PAGE:
		free_page(blob->data);
		break;
	case UTMEM_HOST_PLACE_ZS:
		if (irqs_disabled())
			return false;
		zs_free(host->zs, blob->data);
		break;
	}
	return true;
}

static const void *blob_map(struct utmem_host *host,
			    const struct utmem_host_blob *blob)
{
	if (blob->place == UTMEM_HOST_PLACE_ZS)
		return zs_map_object(host->zs, blob->data, ZS_MM_RO);
	return (const void *)blob->data;
}

static void blob_unmap(struct utmem_host *host,
		       const struct utmem_host_blob *blob)
{
	if (blob->place == UTMEM_HOST_PLACE_ZS)
		zs_unmap_object(host->zs, blob->data);
}

/**
 * utmem_host_footprint() - guest memory the host's data takes
 * @host: the host, locked
 *
 * Return: bytes: the zsmalloc pool's pages, the records and the bytes
 * kept outside zsmalloc.
 */
u64 utmem_host_footprint(struct utmem_host *host)
{
	return host->footprint +
	       ((u64)zs_get_total_pages(host->zs) << PAGE_SHIFT);
}

/*
 * @src compressed into @s->dst with @codec: the compressed length, or 0
 * or less when it does not fit.
 */
static int compress(struct utmem_host *host, struct utmem_host_scratch *s,
		    enum utmem_host_codec codec, const void *src, u32 len)
{
	size_t n;

	if (codec == UTMEM_HOST_CODEC_LZ4)
		return LZ4_compress_default(src, s->dst, len,
					    UTMEM_HOST_SCRATCH_LEN, s->wrkmem);
	n = zstd_compress_cctx(s->zstd_c, s->dst, UTMEM_HOST_SCRATCH_LEN, src,
			       len, &host->zstd_params);
	return zstd_is_error(n) ? -1 : n;
}

/* Decompresses a zstd blob: the length it made, or -1. */
static int zstd_decompress(struct utmem_host *host, const void *src,
			   u32 src_len, void *dst, u32 len)
{
	struct utmem_host_scratch *s;
	size_t n;

	/* Its own lock: blob_equal() reads into s->dst under s->lock. */
	local_lock(&host->scratch->dlock);
	s = this_cpu_ptr(host->scratch);
	n = zstd_decompress_dctx(s->zstd_d, dst, len, src, src_len);
	local_unlock(&host->scratch->dlock);
	return zstd_is_error(n) ? -1 : n;
}

/* Chunks of a long value hashed for its dedup key, and their size. */
#define UTMEM_HOST_HASH_CHUNKS	8
#define UTMEM_HOST_HASH_CHUNK	64

/**
 * utmem_host_dedup_hash() - the hash a value is looked up by for dedup
 * @src: the value
 * @len: its length
 *
 * Of the whole value when it is short, else of UTMEM_HOST_HASH_CHUNKS
 * chunks spread over it, first and last included: hashing a whole page
 * cost more than storing it raw.  Equal values get equal hashes; unequal
 * ones that agree on the chunks collide, which costs a comparison (and,
 * among many such, perhaps a missed share), never a wrong value.
 */
u64 utmem_host_dedup_hash(const void *src, u32 len)
{
	const u32 chunk = UTMEM_HOST_HASH_CHUNK, nr = UTMEM_HOST_HASH_CHUNKS;
	u64 hash = len;
	u32 i;

	if (len <= chunk * nr)
		return xxh64(src, len, 0);
	for (i = 0; i < nr; i++)
		hash = xxh64(src + (len - chunk) * i / (nr - 1), chunk, hash);
	return hash;
}

/* @len bytes of one word repeated (a zero page among them): that word. */
bool utmem_host_same_filled(const void *src, u32 len, unsigned long *word)
{
	const unsigned long *p = src;
	u32 i, n = len / sizeof(*p);

	if (!len || len % sizeof(*p))
		return false;
	for (i = 1; i < n; i++)
		if (p[i] != p[0])
			return false;
	*word = p[0];
	return true;
}

/**
 * utmem_host_blob_prepare() - turn a value into a blob, unstored
 * @host: decides whether to compress
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 * @blob: out: the blob, with one reference
 *
 * A value of one word repeated (a zero page, a page of 0xff) keeps the
 * word and no bytes.  Anything else of UTMEM_HOST_COMPRESS_MIN bytes or
 * more is compressed when that saves memory; the rest is stored as it
 * came.  Atomic-safe; takes no host lock.
 * Return: 0, or -ENOMEM.
 */
int utmem_host_blob_prepare(struct utmem_host *host, const void *src,
			    u32 len, struct utmem_host_blob *blob)
{
	enum utmem_host_codec codec;
	struct utmem_host_scratch *s;
	unsigned long word;
	int clen, err = 1;

	memset(blob, 0, sizeof(*blob));
	refcount_set(&blob->refs, 1);
	blob->raw_len = len;
	if (!len)
		return 0;
	if (utmem_host_same_filled(src, len, &word)) {
		blob->place = UTMEM_HOST_PLACE_FILL;
		blob->data = word;
		utmem_host_count(host, UTMEM_HOST_SAME_FILLED_PUTS);
		return 0;
	}
	if (READ_ONCE(host->compress) && len >= UTMEM_HOST_COMPRESS_MIN) {
		/* Pairs with utmem_host_set_compressor(): its contexts. */
		codec = smp_load_acquire(&host->codec);
		local_lock(&host->scratch->lock);
		s = this_cpu_ptr(host->scratch);
		clen = compress(host, s, codec, src, len);
		/*
		 * Incompressible data is stored as it came, and so is data
		 * that its slab class (interrupts off) rounds up to its
		 * length.
		 */
		if (clen > 0 && clen < len &&
		    (!irqs_disabled() || slab_size(clen) < len))
			err = bytes_store(host, blob, s->dst, clen);
		local_unlock(&host->scratch->lock);
		if (!err) {
			blob->codec = codec;
			utmem_host_count(host, UTMEM_HOST_COMPRESSED_PUTS);
			return 0;
		}
	}
	return bytes_store(host, blob, src, len);
}

/**
 * utmem_host_blob_discard() - free a prepared blob that was not stored
 * @host: its host
 * @blob: the blob, prepared in the same context (interrupts as they are)
 */
void utmem_host_blob_discard(struct utmem_host *host,
			     struct utmem_host_blob *blob)
{
	/* Prepared here: zsmalloc bytes only if interrupts were on. */
	WARN_ON_ONCE(!bytes_free(host, blob));
	blob->place = UTMEM_HOST_PLACE_NONE;
}

/**
 * utmem_host_shared_prepare() - a prepared blob, made one dedup may share
 * @host: its host, not locked
 * @blob: a prepared blob with bytes (not NONE or FILL); moved into the
 *	shared record
 * @hash: xxh64 of its value
 * @domain: who may share it (struct utmem_host_shared)
 *
 * Atomic-safe.  Return: the record, or NULL without memory (@blob is
 * then untouched).
 */
struct utmem_host_shared *utmem_host_shared_prepare(struct utmem_host *host,
						    struct utmem_host_blob *blob,
						    u64 hash, u32 domain)
{
	struct utmem_host_shared *shared;

	shared = kmem_cache_alloc(host->shared_cache,
				  GFP_NOWAIT | __GFP_NOWARN);
	if (!shared)
		return NULL;
	RB_CLEAR_NODE(&shared->node);
	shared->hash = hash;
	shared->blob = *blob;
	shared->blob.shared = 1;
	shared->domain = domain;
	blob->place = UTMEM_HOST_PLACE_NONE;
	return shared;
}

/**
 * utmem_host_shared_discard() - free a shared record that was not stored
 * @host: its host
 * @shared: the record, prepared in the same context
 */
void utmem_host_shared_discard(struct utmem_host *host,
			       struct utmem_host_shared *shared)
{
	if (!shared)
		return;
	utmem_host_blob_discard(host, &shared->blob);
	kmem_cache_free(host->shared_cache, shared);
}

/*
 * The dedup tree's order: (domain, hash, raw length) first, the key a PUT
 * looks up before it compresses anything, then whether the bytes are in
 * zsmalloc, then the rest but the bytes, which are compared without the
 * host lock (utmem_host_blob_equal()).  Blobs of equal keys (a hash
 * collision, or a refused match) sit side by side.
 */
static int key_cmp(const struct utmem_host_dedup_key *key,
		   const struct utmem_host_shared *b)
{
	bool b_zs = b->blob.place == UTMEM_HOST_PLACE_ZS;

	if (key->domain != b->domain)
		return key->domain < b->domain ? -1 : 1;
	if (key->hash != b->hash)
		return key->hash < b->hash ? -1 : 1;
	if (key->raw_len != b->blob.raw_len)
		return key->raw_len < b->blob.raw_len ? -1 : 1;
	/*
	 * A blob in zsmalloc never matches a PUT made with interrupts off:
	 * reading it to compare would take zsmalloc's locks with interrupts
	 * off.  Such a PUT looks among the others (which sort first).
	 */
	if (!key->any_place && b_zs)
		return -1;
	return 0;
}

static int shared_cmp(const struct utmem_host_shared *a,
		      const struct utmem_host_shared *b)
{
	bool a_zs = a->blob.place == UTMEM_HOST_PLACE_ZS;
	bool b_zs = b->blob.place == UTMEM_HOST_PLACE_ZS;
	struct utmem_host_dedup_key key = {
		.domain = a->domain, .hash = a->hash,
		.raw_len = a->blob.raw_len, .any_place = true,
	};
	int c = key_cmp(&key, b);

	if (c)
		return c;
	if (a_zs != b_zs)
		return a_zs ? 1 : -1;
	if (a->blob.stored_len != b->blob.stored_len)
		return a->blob.stored_len < b->blob.stored_len ? -1 : 1;
	if (a->blob.codec != b->blob.codec)
		return a->blob.codec < b->blob.codec ? -1 : 1;
	return 0;
}

static int shared_find_cmp(const void *key, const struct rb_node *node)
{
	return key_cmp(key, rb_entry(node, struct utmem_host_shared, node));
}

static bool shared_less(struct rb_node *a, const struct rb_node *b)
{
	return shared_cmp(rb_entry(a, struct utmem_host_shared, node),
			  rb_entry(b, struct utmem_host_shared, node)) < 0;
}

/**
 * utmem_host_blob_find() - find a stored blob that may hold a value
 * @host: the host, locked
 * @key: the value's domain, hash and length, and whether a blob in
 *	zsmalloc will do (not with interrupts off)
 *
 * Return: a stored blob of that key, with a reference taken for the
 * caller, or NULL when deduplication is off, there is none, or it is
 * shared as often as a blob may be.  utmem_host_blob_equal() tells
 * whether the bytes match.
 */
struct utmem_host_blob *utmem_host_blob_find(struct utmem_host *host,
					     const struct utmem_host_dedup_key *key)
{
	struct utmem_host_shared *found;
	struct rb_node *node;

	lockdep_assert_held(&host->lock);
	if (!host->dedup)
		return NULL;
	node = rb_find(key, &host->dedup_tree, shared_find_cmp);
	if (!node)
		return NULL;
	found = rb_entry(node, struct utmem_host_shared, node);
	if (refcount_read(&found->blob.refs) >= host->share_max)
		return NULL;
	refcount_inc(&found->blob.refs);
	return &found->blob;
}

/*
 * memcmp() for equality, a word at a time when both sides are aligned:
 * the generic memcmp() some architectures use (UML's among them) goes a
 * byte at a time, which made comparing a page cost more than hashing it.
 */
static bool bytes_equal(const void *a, const void *b, u32 len)
{
	const unsigned long *wa = a, *wb = b;
	u32 i, n = len / sizeof(long);

	if (!IS_ALIGNED((unsigned long)a | (unsigned long)b, sizeof(long)))
		return !memcmp(a, b, len);
	for (i = 0; i < n; i++)
		if (wa[i] != wb[i])
			return false;
	return !memcmp(wa + n, wb + n, len % sizeof(long));
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
	const void *bytes;
	bool equal;

	/* Raw bytes are compared where they are, without a copy. */
	if (blob->codec == UTMEM_HOST_CODEC_RAW &&
	    blob->place != UTMEM_HOST_PLACE_NONE &&
	    blob->place != UTMEM_HOST_PLACE_FILL) {
		bytes = blob_map(host, blob);
		equal = bytes_equal(bytes, src, blob->raw_len);
		blob_unmap(host, blob);
		return equal;
	}
	local_lock(&host->scratch->lock);
	s = this_cpu_ptr(host->scratch);
	equal = !utmem_host_blob_read(host, blob, s->dst) &&
		bytes_equal(s->dst, src, blob->raw_len);
	local_unlock(&host->scratch->lock);
	return equal;
}

/* The records a blob brings: its shared record, zsmalloc's handle. */
static u32 blob_records(const struct utmem_host *host,
			const struct utmem_host_blob *blob)
{
	return (blob->shared ? host->shared_cost : 0) +
	       (blob->place == UTMEM_HOST_PLACE_ZS ?
		UTMEM_HOST_ZS_HANDLE_COST : 0);
}

/* Its bytes outside zsmalloc, as they are allocated. */
static u32 blob_bytes_outside(const struct utmem_host_blob *blob)
{
	if (blob->place == UTMEM_HOST_PLACE_PAGE)
		return PAGE_SIZE;
	if (blob->place == UTMEM_HOST_PLACE_SLAB)
		return slab_size(blob->stored_len);
	return 0;
}

/**
 * utmem_host_blob_cost() - what a blob costs the host
 * @host: its host
 * @blob: the blob
 *
 * Return: bytes: its stored bytes as they are allocated (a slab class
 * rounds them up; zsmalloc packs them; one word repeated has none), and the
 * records it brings (blob_records()).
 */
u32 utmem_host_blob_cost(const struct utmem_host *host,
			 const struct utmem_host_blob *blob)
{
	u32 bytes = blob->place == UTMEM_HOST_PLACE_ZS ? blob->stored_len :
		    blob_bytes_outside(blob);

	return blob_records(host, blob) + bytes;
}

/**
 * utmem_host_blob_insert() - store a new blob, with one reference
 * @host: the host, locked; it is charged the blob's cost
 * @blob: a prepared blob, embedded in its value or in a shared record
 *	that utmem_host_blob_find() did not match
 */
void utmem_host_blob_insert(struct utmem_host *host,
			    struct utmem_host_blob *blob)
{
	lockdep_assert_held(&host->lock);
	WARN_ON_ONCE(refcount_read(&blob->refs) != 1);
	host->used += utmem_host_blob_cost(host, blob);
	host->footprint += blob_records(host, blob) + blob_bytes_outside(blob);
	host->records += blob_records(host, blob);
	if (blob->shared)
		rb_add(&container_of(blob, struct utmem_host_shared,
				     blob)->node,
		       &host->dedup_tree, shared_less);
	utmem_host_footprint_changed(host, 0);
}

/* Frees a blob nobody refers to, and the record it is in. */
static void blob_free(struct utmem_host *host, struct utmem_host_blob *blob)
{
	struct utmem_host_shared *shared;
	struct utmem_host_value *value;

	if (blob->shared) {
		shared = container_of(blob, struct utmem_host_shared, blob);
		if (bytes_free(host, blob)) {
			kmem_cache_free(host->shared_cache, shared);
			return;
		}
		llist_add(&shared->free_node, &host->zs_free_shared);
	} else {
		value = container_of(blob, struct utmem_host_value, own);
		if (bytes_free(host, blob)) {
			value_free_record(host, value);
			return;
		}
		llist_add(&value->free_node, &host->zs_free_values);
	}
	schedule_work(&host->zs_free_work);
}

/**
 * utmem_host_blob_put() - drop a reference, freeing the blob with the last
 * @host: the host, locked
 * @blob: a stored blob
 *
 * A value's own blob goes with its record, which its last reader frees.
 */
void utmem_host_blob_put(struct utmem_host *host,
			 struct utmem_host_blob *blob)
{
	lockdep_assert_held(&host->lock);
	if (!refcount_dec_and_test(&blob->refs))
		return;
	if (blob->shared)
		rb_erase(&container_of(blob, struct utmem_host_shared,
				       blob)->node, &host->dedup_tree);
	host->used -= utmem_host_blob_cost(host, blob);
	host->footprint -= blob_records(host, blob) + blob_bytes_outside(blob);
	host->records -= blob_records(host, blob);
	blob_free(host, blob);
	utmem_host_footprint_changed(host, 0);
}

/**
 * utmem_host_value_alloc() - a value record, blank
 * @host: its host
 * @ephemeral: for an ephemeral pool (with a place in its LRU)
 *
 * Atomic-safe.  Return: the record, or NULL without memory.
 */
struct utmem_host_value *utmem_host_value_alloc(struct utmem_host *host,
						bool ephemeral)
{
	const gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	struct utmem_host_eph_value *eph;
	struct utmem_host_value *value;

	if (ephemeral) {
		eph = kmem_cache_alloc(host->eph_value_cache, gfp);
		value = eph ? &eph->value : NULL;
	} else {
		value = kmem_cache_alloc(host->value_cache, gfp);
	}
	if (value)
		value->flags = ephemeral ? UTMEM_HOST_VALUE_EPH : 0;
	return value;
}

/**
 * utmem_host_value_discard() - free a value record that was never linked
 * @host: its host
 * @value: from utmem_host_value_alloc(), with no blob; NULL is fine
 */
void utmem_host_value_discard(struct utmem_host *host,
			      struct utmem_host_value *value)
{
	if (value)
		value_free_record(host, value);
}

/**
 * utmem_host_value_release() - let go of an unlinked value
 * @host: the host, locked
 * @value: unlinked and uncharged: its record goes now, or with its
 *	blob's last reader
 */
void utmem_host_value_release(struct utmem_host *host,
			      struct utmem_host_value *value)
{
	lockdep_assert_held(&host->lock);
	if (!(value->flags & UTMEM_HOST_VALUE_SHARED)) {
		utmem_host_blob_put(host, &value->own);
		return;
	}
	utmem_host_blob_put(host, utmem_host_value_blob(value));
	value_free_record(host, value);
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

	switch (blob->place) {
	case UTMEM_HOST_PLACE_NONE:
		return blob->raw_len ? -EIO : 0;
	case UTMEM_HOST_PLACE_FILL:
		memset_l(dst, blob->data, blob->raw_len / sizeof(long));
		return 0;
	}
	src = blob_map(host, blob);
	switch (blob->codec) {
	case UTMEM_HOST_CODEC_LZ4:
		n = LZ4_decompress_safe(src, dst, blob->stored_len,
					blob->raw_len);
		break;
	case UTMEM_HOST_CODEC_ZSTD:
		n = zstd_decompress(host, src, blob->stored_len, dst,
				    blob->raw_len);
		break;
	default:
		memcpy(dst, src, blob->raw_len);
	}
	blob_unmap(host, blob);
	if (n != blob->raw_len) {
		pr_err_ratelimited("blob does not decompress (%d of %u bytes)\n",
				   n, blob->raw_len);
		return -EIO;
	}
	return 0;
}
