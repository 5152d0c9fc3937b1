/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pool engine of a host: what the KVM host side serves VMs from, one
 * client per VM, and what the simulator (host-sim/) serves its guest from.
 * Nothing here is the simulator's: its latency model and its carve-out of
 * the guest's memory are in host-sim/, on the hooks below.
 *
 * A host holds a byte capacity shared by its clients (guests);
 * each client owns pools; a pool holds objects (rbtree by oid); an object
 * holds values (xarray by index); a value holds its blob, the stored form
 * of its bytes (LZ4-compressed, raw, or one repeated word), in its own
 * record, unless deduplication made it one that values may share.
 *
 * Nothing here knows about the guest's tmem core: requests come in as
 * client, pool id, handle and buffer, answers go out as tmem_status_t.
 *
 * Locking: one spinlock per host, @host->lock, taken with interrupts
 * saved because the guest users call in with interrupts disabled (the
 * page cache deletes folios under xa_lock_irq).  It protects every
 * structure below except what is marked otherwise.  Nothing under it
 * sleeps; memory is allocated before taking it, with GFP_NOWAIT, so that
 * a refusal is cheap and the host never blocks a guest.  No hold of it
 * does work proportional to a tenant's data: emptying a pool or an
 * object detaches it and frees its pages UTMEM_HOST_FREE_BATCH at a time,
 * taking the lock per batch; a pool changes owners by its totals.
 *
 * Charging: a client is charged what each of its values costs the host
 * (struct utmem_host_value's comment), records included, so that nothing it
 * stores is free: a zero-length value costs its records.
 */
#ifndef _UTMEM_HOST_H
#define _UTMEM_HOST_H

#include <linux/bits.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/lockdep.h>
/* local_lock.h uses these without including them. */
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/local_lock.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/xarray.h>
#include <linux/zsmalloc.h>
#include <linux/zstd.h>
#include <utmem/tmem.h>

/* Limits on what a debugfs write or a host administrator may set. */
#define UTMEM_HOST_WEIGHT_MIN		1
#define UTMEM_HOST_WEIGHT_MAX		10000
#define UTMEM_HOST_WEIGHT_DEFAULT	100
#define UTMEM_HOST_CAPACITY_MAX		BIT_ULL(48)
/* A reclaim request larger than any capacity is a typo. */
#define UTMEM_HOST_RECLAIM_MAX		(UTMEM_HOST_CAPACITY_MAX >> PAGE_SHIFT)
#define UTMEM_HOST_POOLS_PER_CLIENT	1024
/* Values a client may hold unless told otherwise (utmem_host_set_max_values). */
#define UTMEM_HOST_MAX_VALUES_DEFAULT	BIT_ULL(24)
#define UTMEM_HOST_MAX_VALUES_MAX	BIT_ULL(32)
/* Pages freed per hold of the host lock when a pool or object is emptied. */
#define UTMEM_HOST_FREE_BATCH		128
/* Pages a blob is shared by at most: its count can never wrap. */
#define UTMEM_HOST_BLOB_SHARE_MAX	BIT(30)
/* No pages asked back: a client's reclaim target when it owes nothing. */
#define UTMEM_HOST_NO_TARGET		U64_MAX
/* How long a client may owe pages and still make persistent PUTs. */
#define UTMEM_HOST_RECLAIM_GRACE_MS	5000

/* Where a blob's bytes are (struct utmem_host_blob.place). */
enum utmem_host_place {
	UTMEM_HOST_PLACE_NONE,		/* a zero-length value: no bytes */
	UTMEM_HOST_PLACE_FILL,		/* one word repeated: @data is the word */
	UTMEM_HOST_PLACE_ZS,		/* @data is a zsmalloc handle */
	UTMEM_HOST_PLACE_SLAB,		/* @data points at bytes in a slab cache */
	UTMEM_HOST_PLACE_PAGE,		/* @data is the address of a page */
};

/* How a blob's bytes encode the value (struct utmem_host_blob.codec). */
enum utmem_host_codec {
	UTMEM_HOST_CODEC_RAW,
	UTMEM_HOST_CODEC_LZ4,
	UTMEM_HOST_CODEC_ZSTD,
};

/**
 * struct utmem_host_blob - the stored form of one value
 * @data: per @place
 * @refs: who may read it: the value(s) pointing at it, and readers
 *	copying it out without the host lock; at most
 *	%UTMEM_HOST_BLOB_SHARE_MAX values share a blob
 * @raw_len: length of the value the guest put (at most TMEM_VALUE_MAX)
 * @codec: enum utmem_host_codec
 * @shared: it is a struct utmem_host_shared's, not embedded in a value
 * @stored_len: bytes at @data (0 for NONE and FILL)
 * @place: enum utmem_host_place
 *
 * Sixteen bytes: a value that nobody shares keeps its blob in its own
 * record (struct utmem_host_value), so a stored page costs the host one
 * record besides its bytes.  A blob in a zsmalloc pool cannot be read
 * with interrupts off (see host_store.c); a slab or page blob is what a
 * PUT with interrupts off makes.
 */
struct utmem_host_blob {
	unsigned long data;
	refcount_t refs;
	u16 raw_len : 13;
	u16 codec : 2;
	u16 shared : 1;
	u16 stored_len : 13;
	u16 place : 3;
};

/**
 * struct utmem_host_shared - a blob that deduplication may share
 * @node: in @host->dedup_tree
 * @free_node: on @host->zs_free_shared once freed with interrupts off
 * @hash: utmem_host_dedup_hash() of the raw value (the dedup key with
 *	@blob.raw_len)
 * @blob: the blob
 * @domain: who may share it: the id of the client that put it, or
 *	U32_MAX when the host deduplicates across clients
 *
 * While deduplication is on, every value's blob is one of these (a
 * value found equal later must find it); values then cost this record
 * besides their own.
 */
struct utmem_host_shared {
	union {
		struct rb_node node;
		struct llist_node free_node;
	};
	u64 hash;
	struct utmem_host_blob blob;
	u32 domain;
};

/**
 * struct utmem_host_dedup_key - what a PUT looks a shared blob up by
 * @hash: utmem_host_dedup_hash() of the value
 * @domain: struct utmem_host_shared.domain
 * @raw_len: the value's length
 * @any_place: a blob in zsmalloc will do (the PUT runs with interrupts on)
 */
struct utmem_host_dedup_key {
	u64 hash;
	u32 domain;
	u16 raw_len;
	bool any_place;
};

/* struct utmem_host_value.flags */
#define UTMEM_HOST_VALUE_OBJ	BIT(0)	/* carries its object's record */
#define UTMEM_HOST_VALUE_LEAF	BIT(1)	/* carries its 64 indices' xa_node */
#define UTMEM_HOST_VALUE_UPPER	BIT(2)	/* carries its 4096 indices' xa_node */
#define UTMEM_HOST_VALUE_CARRIED	(UTMEM_HOST_VALUE_OBJ | \
					 UTMEM_HOST_VALUE_LEAF | \
					 UTMEM_HOST_VALUE_UPPER)
#define UTMEM_HOST_VALUE_EPH	BIT(3)	/* a struct utmem_host_eph_value */
#define UTMEM_HOST_VALUE_SHARED	BIT(4)	/* @own.data: a utmem_host_shared */

/**
 * struct utmem_host_value - one value held at one handle
 * @obj: the object holding it, while it is linked
 * @free_node: on @host->zs_free_values once freed with interrupts off
 * @own: its blob, unless %UTMEM_HOST_VALUE_SHARED: then @own.data points
 *	at the struct utmem_host_shared holding it, and the rest of @own is
 *	unused.  The record is freed with @own's last reference (a reader
 *	may hold one after the value was removed).
 * @index: its index within @obj
 * @flags: UTMEM_HOST_VALUE_*
 *
 * 32 bytes, from a cache of its own; a value of an ephemeral pool is a
 * struct utmem_host_eph_value, which adds its place in the pool's LRU.
 *
 * What a value costs its pool's owner: its record, its blob's bytes (and
 * the shared record, in full, even when the blob is shared), and whatever
 * it carries: one value of each object carries the object's record; one
 * value of each block of 64 indices carries the xarray leaf node, one of
 * each block of 4096 the node above (the levels above those are 64 times
 * fewer), unless it is the object's only value and at index 0 (the
 * xarray then needs no node).  When a carrier goes, another value of the
 * object or block takes the cost over.
 */
struct utmem_host_value {
	union {
		struct utmem_host_object *obj;
		struct llist_node free_node;
	};
	struct utmem_host_blob own;
	u32 index;
	u8 flags;
};

/**
 * struct utmem_host_eph_value - a value of an ephemeral pool
 * @value: the value
 * @lru: on its pool's ephemeral LRU
 */
struct utmem_host_eph_value {
	struct utmem_host_value value;
	struct list_head lru;
};

static inline struct utmem_host_blob *
utmem_host_value_blob(struct utmem_host_value *value)
{
	if (value->flags & UTMEM_HOST_VALUE_SHARED)
		return &((struct utmem_host_shared *)value->own.data)->blob;
	return &value->own;
}

static inline struct list_head *utmem_host_value_lru(struct utmem_host_value *value)
{
	return &container_of(value, struct utmem_host_eph_value, value)->lru;
}

/**
 * struct utmem_host_object - the pages of one oid
 * @node: in @pool->objects, or in @pool->dying once detached
 * @oid: its name
 * @pool: the pool holding it
 * @pages: index -> struct utmem_host_value
 * @nr_pages: entries in @pages; the object is freed when it drops to 0
 * @dying: detached: being emptied, invisible to lookups
 */
struct utmem_host_object {
	struct rb_node node;
	struct tmem_oid oid;
	struct utmem_host_pool *pool;
	struct xarray pages;
	unsigned long nr_pages;
	bool dying;
};

/**
 * struct utmem_host_pool - a host pool
 * @host: the host
 * @owner: the client charged for its pages
 * @flags: TMEM_POOL_*
 * @uuid: the name of a shared pool
 * @users: clients that have it open (always 1 for a private pool)
 * @refs: @users, and the flushes emptying it; the last one frees it
 * @shared_node: on @host->shared_pools (shared pools only)
 * @owner_node: on @owner->pools_owned
 * @objects: oid -> struct utmem_host_object
 * @dying: objects detached by a flush, being emptied
 * @eph_lru: its ephemeral pages, least recently put first
 * @charged: what its pages cost @owner, bytes
 * @info: what pool_info reports
 */
struct utmem_host_pool {
	struct utmem_host *host;
	struct utmem_host_client *owner;
	u32 flags;
	uuid_t uuid;
	unsigned int users;
	unsigned int refs;
	struct list_head shared_node;
	struct list_head owner_node;
	struct rb_root objects;
	struct rb_root dying;
	struct list_head eph_lru;
	u64 charged;
	struct tmem_pool_info info;
};

/**
 * struct utmem_host_client - a guest of the host (a VM, or the simulator's
 * guest)
 * @host: its host
 * @id: its number on the host
 * @weight: its share when the host must evict (1..10000)
 * @cap: the most bytes it may be charged; 0 for no cap of its own
 * @max_values: the most values it may hold
 * @used: bytes it is charged for: what the pages of the pools it owns
 *	cost (struct utmem_host_value)
 * @pages: pages in the pools it owns
 * @eph_pages: those of them in ephemeral pools
 * @pools_owned: the pools it owns, ephemeral ones evicted round robin
 * @pools: pool id -> struct utmem_host_pool
 * @node: on @host->clients
 * @debugfs: its directory under clients/, or NULL
 * @reclaim_target: the persistent pages it should hold at most, since the
 *	host asked some back (host_reclaim.c); %UTMEM_HOST_NO_TARGET when
 *	it owes none
 * @wanted: persistent pages it owes: how many it holds above
 *	@reclaim_target; read without the lock by the binding, which tells
 *	the guest
 * @owing_since: jiffies when it began to owe
 * @reclaim_asked: pages the host asked it for, in all
 * @reclaim_returned: persistent pages it removed while it owed
 * @put_refused_owing: persistent PUTs refused because it owed pages
 *	longer than @host->reclaim_grace
 * @account: where its bytes are charged besides (a memory cgroup), or
 *	NULL; see struct utmem_host_account_ops.  It holds @used, exactly.
 * @account_data: @account's argument
 * @account_reserved: bytes a PUT in progress charged ahead
 * @put_refused_account: PUTs refused because @account refused the charge
 */
struct utmem_host_client {
	struct utmem_host *host;
	u32 id;
	u32 weight;
	u64 cap;
	u64 max_values;
	u64 used;
	u64 pages;
	u64 eph_pages;
	struct list_head pools_owned;
	struct xarray pools;
	struct list_head node;
	struct dentry *debugfs;
	u64 reclaim_target;
	unsigned long wanted;
	unsigned long owing_since;
	u64 reclaim_asked;
	u64 reclaim_returned;
	u64 put_refused_owing;
	const struct utmem_host_account_ops *account;
	void *account_data;
	u64 account_reserved;
	u64 put_refused_account;
};

/**
 * struct utmem_host_account_ops - a second account a client is charged in
 * @charge: charge @bytes to @data; fails (returns false) only without
 *	@force, when the account is at its limit.  Atomic-safe: called
 *	under the host lock.
 * @uncharge: give @bytes back.  Atomic-safe.
 *
 * The KVM host charges each VM's bytes to the memory cgroup of its VMM
 * (host-kvm/kvm_host_memcg.c): a PUT the cgroup cannot take is refused.
 * Every change of a client's @used is mirrored here, so the account
 * always holds exactly what the client is charged on the host.
 */
struct utmem_host_account_ops {
	bool (*charge)(void *data, u64 bytes, bool force);
	void (*uncharge)(void *data, u64 bytes);
};

/* Host counters, one debugfs file each. */
enum utmem_host_counter {
	UTMEM_HOST_PUTS,
	UTMEM_HOST_PUT_REFUSED,
	UTMEM_HOST_GETS,
	UTMEM_HOST_GET_HITS,
	UTMEM_HOST_FLUSHES,
	UTMEM_HOST_EVICTIONS,
	UTMEM_HOST_DEDUP_HITS,
	UTMEM_HOST_COMPRESSED_PUTS,
	UTMEM_HOST_SAME_FILLED_PUTS,
	UTMEM_HOST_FAULTS_INJECTED,
	UTMEM_HOST_NOMEM,
	UTMEM_HOST_PUT_REFUSED_OWING,
	UTMEM_HOST_PUT_REFUSED_ACCOUNT,
	UTMEM_HOST_NR_COUNTERS
};

extern const char *const utmem_host_counter_names[UTMEM_HOST_NR_COUNTERS];

/**
 * struct utmem_host_scratch - a CPU's compression buffers; see host_store.c
 * @lock: for @wrkmem, @dst and @zstd_c
 * @wrkmem: LZ4's work memory
 * @dst: compressed output, or a value read back to compare
 * @zstd_c: zstd's compression context, once the host chose zstd
 * @dlock: for @zstd_d (a read may run while @dst is held)
 * @zstd_d: zstd's decompression context, once the host chose zstd
 * @zstd_cwork: @zstd_c's memory
 * @zstd_dwork: @zstd_d's memory
 */
struct utmem_host_scratch {
	local_lock_t lock;
	void *wrkmem;
	u8 *dst;
	zstd_cctx *zstd_c;
	local_lock_t dlock;
	zstd_dctx *zstd_d;
	void *zstd_cwork;
	void *zstd_dwork;
};

/**
 * struct utmem_host - one host's pools and memory
 * @lock: see the top of this file
 * @capacity: bytes the host holds at most, data and records
 * @used: bytes it holds: each blob's stored bytes (and shared record)
 *	once, each value's record and what it carries
 *	(struct utmem_host_value)
 * @raw_bytes: bytes the guests put for the pages it holds
 * @pages: pages held
 * @compress: store values compressed when that saves space
 * @codec: with which compressor (enum utmem_host_codec): LZ4 unless the
 *	host's operator chose zstd
 * @zstd_ready: the CPUs' zstd contexts exist (they stay once made)
 * @zstd_params: zstd's parameters for a page
 * @dedup: share one blob between pages of one client with the same content
 * @dedup_cross_client: share blobs between clients too.  A side channel,
 *	as with KSM: a client can tell from a PUT that fits a full host,
 *	or from eviction counts, that another client holds a given value.
 *	Off unless the host's operator turns it on.
 * @value_cost: bytes a value record takes, persistent and ephemeral
 *	(exact: each has a cache of its own)
 * @shared_cost: bytes a struct utmem_host_shared takes
 * @obj_cost: bytes an object record takes
 * @node_cost: bytes an xarray node takes
 * @share_max: pages one blob is shared by at most
 *	(%UTMEM_HOST_BLOB_SHARE_MAX; tests lower it)
 * @max_hold_ns: the longest hold of @lock by a bulk operation (emptying,
 *	eviction to a new cap or capacity, an owner change), nanoseconds
 * @max_hold_pages: the most pages such a hold freed
 * @counters: events, see enum utmem_host_counter; atomic so that debugfs
 *	and the binding read them without the lock
 * @clients: its clients
 * @next_client_id: the id the next client gets
 * @shared_pools: its shared pools, found by UUID
 * @dedup_tree: deduplicated blobs by (hash, raw_len)
 * @scratch: per-CPU LZ4 buffers, not under @lock
 * @zs: where blob bytes live: packed, and with an exact page count
 * @value_cache: value records of persistent pools
 * @eph_value_cache: value records of ephemeral pools
 * @shared_cache: shared blob records
 * @zs_free_values: values freed with interrupts off, whose zsmalloc bytes
 *	@zs_free_work frees (zsmalloc takes its locks with interrupts on)
 * @zs_free_shared: the same for shared blobs
 * @zs_free_work: see @zs_free_values
 * @fail_put: fault: refuse a PUT
 * @drop_ephemeral: fault: drop an ephemeral page before a call
 * @fail_get: fault: fail a GET of an ephemeral page (the page is lost)
 * @corrupt_get: fault: flip a byte of what a GET returns (a hostile host)
 * @footprint: bytes the host took outside @zs: @records, and the bytes of
 *	blobs kept in slab caches or pages of their own;
 *	utmem_host_footprint() adds the pages in @zs
 * @obj_frees: objects freed so far: a PUT that looked its object up
 *	looks again only if this moved
 * @records: bytes of the host's records: values, shared blobs, objects,
 *	the xarray nodes the values carry, zsmalloc's handles.  What the
 *	host spends on a value besides its bytes.
 * @footprint_changed: told, under @lock and atomic-safe, when the
 *	footprint changed, or with @headroom bytes about to be allocated
 *	for a PUT; NULL for none (the simulator installs it while its
 *	carve-out is on)
 * @binding: the binding's own data, for @footprint_changed and @reclaim
 * @reclaim: asks the clients for @nr_pages persistent pages back (they
 *	write them elsewhere and flush them); NULL when nobody listens.
 *	Called without the lock, possibly in atomic context.
 * @reclaim_grace: jiffies a client may owe pages (asked back) and still
 *	make persistent PUTs
 * @debugfs: its directory, or NULL
 * @clients_debugfs: clients/ in @debugfs
 */
struct utmem_host {
	spinlock_t lock;	/* see the top of this file */
	u64 capacity;
	u64 used;
	u64 raw_bytes;
	u64 pages;
	bool compress;
	int codec;
	bool zstd_ready;
	zstd_parameters zstd_params;
	bool dedup;
	bool dedup_cross_client;
	u32 value_cost[2];
	u32 shared_cost;
	u32 obj_cost;
	u32 node_cost;
	u32 share_max;
	u64 max_hold_ns;
	u64 max_hold_pages;
	atomic64_t counters[UTMEM_HOST_NR_COUNTERS];
	struct list_head clients;
	u32 next_client_id;
	struct list_head shared_pools;
	struct rb_root dedup_tree;
	struct utmem_host_scratch __percpu *scratch;
	struct zs_pool *zs;
	struct kmem_cache *value_cache;
	struct kmem_cache *eph_value_cache;
	struct kmem_cache *shared_cache;
	struct llist_head zs_free_values;
	struct llist_head zs_free_shared;
	struct work_struct zs_free_work;
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr fail_put;
	struct fault_attr drop_ephemeral;
	struct fault_attr fail_get;
	struct fault_attr corrupt_get;
#endif
	u64 footprint;
	u64 records;
	u64 obj_frees;
	void (*footprint_changed)(struct utmem_host *host, u64 headroom);
	void *binding;
	void (*reclaim)(struct utmem_host *host, unsigned long nr_pages);
	unsigned long reclaim_grace;
	struct dentry *debugfs;
	struct dentry *clients_debugfs;
};

static inline bool pool_ephemeral(const struct utmem_host_pool *pool)
{
	return !(pool->flags & TMEM_POOL_PERSISTENT);
}

static inline void utmem_host_count(struct utmem_host *host,
				    enum utmem_host_counter c)
{
	atomic64_inc(&host->counters[c]);
}

static inline u64 utmem_host_counter(struct utmem_host *host,
				     enum utmem_host_counter c)
{
	return atomic64_read(&host->counters[c]);
}

/* Engine: host_engine.c.  All may sleep unless marked "atomic-safe". */
struct utmem_host *utmem_host_create(u64 capacity);
void utmem_host_destroy(struct utmem_host *host);
struct utmem_host_client *utmem_host_client_create(struct utmem_host *host);
void utmem_host_client_destroy(struct utmem_host_client *client);
void utmem_host_client_reset(struct utmem_host_client *client);
void utmem_host_set_account(struct utmem_host_client *client,
			    const struct utmem_host_account_ops *ops,
			    void *data);

tmem_status_t utmem_host_new_pool(struct utmem_host_client *client, u32 flags,
				  const uuid_t *uuid, u32 *pool_id);
tmem_status_t utmem_host_new_pool_at(struct utmem_host_client *client,
				     u32 flags, const uuid_t *uuid,
				     u32 pool_id);
tmem_status_t utmem_host_destroy_pool(struct utmem_host_client *client,
				      u32 pool_id);
/* The data operations are atomic-safe. */
tmem_status_t utmem_host_put(struct utmem_host_client *client, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			    u32 len);
tmem_status_t utmem_host_get(struct utmem_host_client *client, u32 pool_id,
			     const struct tmem_handle *h, void *dst, u32 size,
			    u32 *len);
tmem_status_t utmem_host_flush_page(struct utmem_host_client *client,
				    u32 pool_id, const struct tmem_handle *h);
tmem_status_t utmem_host_flush_object(struct utmem_host_client *client,
				      u32 pool_id, const struct tmem_oid *oid);
tmem_status_t utmem_host_flush_pool(struct utmem_host_client *client,
				    u32 pool_id);
tmem_status_t utmem_host_put_batch(struct utmem_host_client *client,
				   u32 pool_id, struct tmem_batch_entry *ent,
				  u32 nr);
tmem_status_t utmem_host_pool_info(struct utmem_host_client *client,
				   u32 pool_id, struct tmem_pool_info *info);

/* Administration; each validates its argument and returns -EINVAL. */
int utmem_host_set_capacity(struct utmem_host *host, u64 bytes);
int utmem_host_set_weight(struct utmem_host_client *client, u64 weight);
int utmem_host_set_cap(struct utmem_host_client *client, u64 bytes);
int utmem_host_set_max_values(struct utmem_host_client *client, u64 nr);
int utmem_host_request_reclaim(struct utmem_host *host, u64 nr_pages);
void utmem_host_set_compress(struct utmem_host *host, bool on);
int utmem_host_set_compressor(struct utmem_host *host,
			      enum utmem_host_codec codec);
void utmem_host_set_dedup(struct utmem_host *host, bool on);
void utmem_host_set_dedup_cross_client(struct utmem_host *host, bool on);

/*
 * Asking persistent pages back: host_reclaim.c.  The _locked ones run
 * under @host->lock; the others are atomic-safe.
 */
void utmem_host_ask_back(struct utmem_host_client *client, u64 nr_pages);
u64 utmem_host_ask_clients(struct utmem_host *host, u64 nr_pages);
void utmem_host_ask_back_locked(struct utmem_host_client *client,
				u64 nr_pages);
bool utmem_host_owing_too_long(struct utmem_host_client *client);
u64 utmem_host_reclaimable(struct utmem_host *host);
u64 utmem_host_shrink_ephemeral(struct utmem_host *host, u64 nr_pages);
void utmem_host_set_reclaim_grace(struct utmem_host *host,
				  unsigned long grace);

/* Pages in @client's persistent pools; under @host->lock. */
static inline u64
utmem_host_persistent_pages(const struct utmem_host_client *client)
{
	return client->pages - client->eph_pages;
}

/* The guest learns what it owes from every answer: no lock to read it. */
static inline unsigned long utmem_host_wanted(struct utmem_host_client *client)
{
	return READ_ONCE(client->wanted);
}

/**
 * struct utmem_host_stream_io - where a stream goes, or comes from
 * @write: export: writes all of @len bytes, or returns a negative errno
 * @read: import: reads @len bytes; returns how many (fewer only at the
 *	end of the stream) or a negative errno
 * @ctx: their argument
 */
struct utmem_host_stream_io {
	int (*write)(void *ctx, const void *buf, size_t len);
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
};

/**
 * struct utmem_host_stream_stats - what a stream held, and why it failed
 * @pools: POOL records
 * @values: VALUE records
 * @bytes: value bytes
 * @dropped: ephemeral values the importing host did not keep
 * @why: when the export or import failed, why, for the operator's log
 */
struct utmem_host_stream_stats {
	u64 pools;
	u64 values;
	u64 bytes;
	u64 dropped;
	char why[128];
};

/* Moving a client's pools: host_stream.c.  Both may sleep. */
int utmem_host_export(struct utmem_host_client *client, u32 abi_version,
		      u32 flags, const struct utmem_host_stream_io *io,
		      struct utmem_host_stream_stats *stats);
int utmem_host_import(struct utmem_host_client *client, u32 *abi_version,
		      const struct utmem_host_stream_io *io,
		      struct utmem_host_stream_stats *stats);
__printf(3, 4)
int utmem_host_stream_fail(struct utmem_host_stream_stats *stats, int err,
			   const char *fmt, ...);

/* Store: host_store.c. */
int utmem_host_store_init(struct utmem_host *host);
void utmem_host_store_exit(struct utmem_host *host);
int utmem_host_blob_prepare(struct utmem_host *host, const void *src,
			    u32 len, struct utmem_host_blob *blob);
void utmem_host_blob_discard(struct utmem_host *host,
			     struct utmem_host_blob *blob);
struct utmem_host_shared *utmem_host_shared_prepare(struct utmem_host *host,
						    struct utmem_host_blob *blob,
						    u64 hash, u32 domain);
bool utmem_host_same_filled(const void *src, u32 len, unsigned long *word);
u64 utmem_host_dedup_hash(const void *src, u32 len);
void utmem_host_shared_discard(struct utmem_host *host,
			       struct utmem_host_shared *shared);
bool utmem_host_blob_equal(struct utmem_host *host,
			   const struct utmem_host_blob *blob, const void *src);
struct utmem_host_blob *utmem_host_blob_find(struct utmem_host *host,
					     const struct utmem_host_dedup_key *key);
void utmem_host_blob_insert(struct utmem_host *host,
			    struct utmem_host_blob *blob);
void utmem_host_blob_put(struct utmem_host *host,
			 struct utmem_host_blob *blob);
int utmem_host_blob_read(struct utmem_host *host,
			 const struct utmem_host_blob *blob, void *dst);
u32 utmem_host_blob_cost(const struct utmem_host *host,
			 const struct utmem_host_blob *blob);
struct utmem_host_value *utmem_host_value_alloc(struct utmem_host *host,
						bool ephemeral);
void utmem_host_value_discard(struct utmem_host *host,
			      struct utmem_host_value *value);
void utmem_host_value_release(struct utmem_host *host,
			      struct utmem_host_value *value);
u64 utmem_host_footprint(struct utmem_host *host);

/* The binding's footprint hook, under @host->lock. */
static inline void utmem_host_footprint_changed(struct utmem_host *host,
						u64 headroom)
{
	lockdep_assert_held(&host->lock);
	if (host->footprint_changed)
		host->footprint_changed(host, headroom);
}

/*
 * Reads a u64 that @host->lock protects (32-bit hosts would tear it), for
 * the files that show it.
 */
static inline u64 utmem_host_read(struct utmem_host *host, const u64 *field)
{
	unsigned long flags;
	u64 val;

	spin_lock_irqsave(&host->lock, flags);
	val = *field;
	spin_unlock_irqrestore(&host->lock, flags);
	return val;
}

/* Accounts: host_capacity.c, called under @host->lock. */
u32 utmem_host_value_charge(struct utmem_host_value *value);
void utmem_host_charge(struct utmem_host_pool *pool,
		       struct utmem_host_value *page);
void utmem_host_uncharge(struct utmem_host_pool *pool,
			 struct utmem_host_value *page);
void utmem_host_value_carry(struct utmem_host_value *value, u8 flags);
void utmem_host_value_drop(struct utmem_host_value *value, u8 flags);
void utmem_host_pool_set_owner(struct utmem_host_pool *pool,
			       struct utmem_host_client *owner);
void utmem_host_hold_done(struct utmem_host *host, u64 start_ns,
			  u64 start_pages);
bool utmem_host_account_reserve(struct utmem_host_client *client, u64 bytes);
void utmem_host_persistent_changed(struct utmem_host_client *client,
				   bool removed);
void utmem_host_account_release(struct utmem_host_client *client);
/* A size parameter of a host (capacity, caps): host_capacity.c. */
int utmem_host_parse_capacity(const char *str, u64 *bytes);

/* Eviction: host_evict.c, called under @host->lock. */
bool utmem_host_make_room(struct utmem_host_client *owner, u64 charge,
			  u64 phys);
bool utmem_host_evict_one(struct utmem_host_client *client);
bool utmem_host_evict_victim(struct utmem_host *host);
bool utmem_host_fit_capacity(struct utmem_host *host, unsigned int batch);

/* Objects and pages, under @host->lock: host_object.c. */
struct utmem_host_object *utmem_host_obj_find(struct utmem_host_pool *pool,
					      const struct tmem_oid *oid);
struct utmem_host_object *utmem_host_obj_new(struct utmem_host_pool *pool,
					     const struct tmem_oid *oid);
struct utmem_host_object *utmem_host_obj_from(struct utmem_host_pool *pool,
					      const struct tmem_oid *oid);
void utmem_host_obj_free_if_empty(struct utmem_host_object *obj);
void utmem_host_obj_detach(struct utmem_host_object *obj);
struct utmem_host_value *utmem_host_value_find(struct utmem_host_pool *pool,
					       const struct tmem_handle *h);
u32 utmem_host_link_cost(struct utmem_host_pool *pool,
			 struct utmem_host_object *obj,
			 const struct tmem_handle *h);
void utmem_host_value_linked(struct utmem_host_value *page);
void utmem_host_value_free(struct utmem_host_value *page, bool by_host);
void utmem_host_value_remove(struct utmem_host_value *page);
void utmem_host_value_evict(struct utmem_host_value *page);

/* Faults: host_fault.c. */
#ifdef CONFIG_FAULT_INJECTION
void utmem_host_fault_init(struct utmem_host *host);
bool utmem_host_fault_fail_put(struct utmem_host *host);
bool utmem_host_fault_drop_eph(struct utmem_host *host);
bool utmem_host_fault_fail_get(struct utmem_host *host);
bool utmem_host_fault_corrupt_get(struct utmem_host *host);
void utmem_host_fault_debugfs_init(struct utmem_host *host,
				   struct dentry *dir);
#else
static inline void utmem_host_fault_init(struct utmem_host *host) { }
static inline void utmem_host_fault_debugfs_init(struct utmem_host *host,
						 struct dentry *dir) { }
static inline bool utmem_host_fault_fail_put(struct utmem_host *host)
{
	return false;
}

static inline bool utmem_host_fault_drop_eph(struct utmem_host *host)
{
	return false;
}

static inline bool utmem_host_fault_fail_get(struct utmem_host *host)
{
	return false;
}

static inline bool utmem_host_fault_corrupt_get(struct utmem_host *host)
{
	return false;
}
#endif

/*
 * debugfs: host_debugfs.c.  The binding that makes a host or a client
 * adds its files: the engine itself shows nothing.
 */
void utmem_host_debugfs_init(struct utmem_host *host, struct dentry *dir);
void utmem_host_client_debugfs_add(struct utmem_host_client *client);

#endif /* _UTMEM_HOST_H */
