/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tmem core: what the guest users (frontswap, cleancache, /dev/utmem)
 * call, and the ops table a backend (the host simulator, the KVM
 * hypercall binding) implements.
 */
#ifndef _UTMEM_TMEM_H
#define _UTMEM_TMEM_H

#include <linux/array_size.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/utmem.h>

/*
 * A host status (TMEM_STATUS_* in the UAPI header).  Sparse keeps it from
 * being mixed up with an errno, as blk_status_t does for the block layer.
 */
typedef u32 __bitwise tmem_status_t;

#define TMEM_S_OK	((__force tmem_status_t)TMEM_STATUS_OK)
#define TMEM_S_MISS	((__force tmem_status_t)TMEM_STATUS_MISS)
#define TMEM_S_REFUSED	((__force tmem_status_t)TMEM_STATUS_REFUSED)
#define TMEM_S_INVAL	((__force tmem_status_t)TMEM_STATUS_INVAL)
#define TMEM_S_BADPOOL	((__force tmem_status_t)TMEM_STATUS_BADPOOL)
#define TMEM_S_NOMEM	((__force tmem_status_t)TMEM_STATUS_NOMEM)
#define TMEM_S_TOOBIG	((__force tmem_status_t)TMEM_STATUS_TOOBIG)
#define TMEM_S_PERM	((__force tmem_status_t)TMEM_STATUS_PERM)
#define TMEM_S_IO	((__force tmem_status_t)TMEM_STATUS_IO)
#define TMEM_S_LOST	((__force tmem_status_t)TMEM_STATUS_LOST)

int tmem_status_to_errno(tmem_status_t status);

/**
 * struct tmem_batch_entry - one value of a batched PUT
 * @handle: where the value goes
 * @src: the value
 * @len: its length, at most TMEM_VALUE_MAX
 * @status: out: the host's answer for this entry
 */
struct tmem_batch_entry {
	struct tmem_handle handle;
	const void *src;
	u32 len;
	tmem_status_t status;
};

/* struct tmem_pool_info crosses the hypercall: it is in the uapi header. */

struct dentry;
struct tmem_backend;

/**
 * struct tmem_backend_ops - what a backend implements
 *
 * Every operation but @probe and @remove is one host call and answers with
 * a host status, never an errno; the core translates.  Pool ids are the
 * host's, local to this guest.  Unless said otherwise an operation may be
 * called in atomic context, with interrupts disabled, from several CPUs at
 * once, but never from interrupt context; it must not sleep.
 *
 * @name: the name utmem.backend= selects.
 * @probe: makes contact with the host and sets up @be->priv.  May sleep.
 *	Returns 0 or -errno; on failure the backend is not bound and no other
 *	backend is tried.
 * @remove: undoes @probe after every pool is destroyed.  May sleep.
 * @new_pool: creates a pool with TMEM_POOL_* @flags (@uuid names a shared
 *	pool and is NULL otherwise) and stores its id in @pool_id.  May
 *	sleep.  REFUSED when the host has no room for another pool.
 * @destroy_pool: drops the pool and everything in it.  May sleep.
 * @put: stores @len bytes at @h, replacing any value there.  If it fails,
 *	the old value is gone too: a failed replace never leaves stale data
 *	readable.  Only INVAL (malformed handle) and BADPOOL leave the pool
 *	untouched.  REFUSED when the host declines (always allowed); TOOBIG
 *	when @len exceeds TMEM_VALUE_MAX.
 * @get: copies the value at @h into @dst (@size bytes) and stores its
 *	length in @len.  MISS when there is none.  TOOBIG, with @len set,
 *	when @size is too small; the value then stays.  On an ephemeral pool
 *	a successful GET removes the value.
 * @flush_page: removes the value at @h.  MISS when there was none.
 * @flush_object: removes every value of the object @oid.
 * @flush_pool: removes every value of the pool; the pool stays.
 * @put_batch: @nr PUTs to one pool in one host call; each entry's status
 *	is set.  The call's own status is OK unless the request as a whole
 *	was malformed (then no entry was stored).  Optional: the core falls
 *	back to single PUTs.
 * @pool_info: fills @info with the host's view of the pool.
 */
struct tmem_backend_ops {
	const char *name;
	int (*probe)(struct tmem_backend *be);
	void (*remove)(struct tmem_backend *be);
	tmem_status_t (*new_pool)(struct tmem_backend *be, u32 flags,
				  const uuid_t *uuid, u32 *pool_id);
	tmem_status_t (*destroy_pool)(struct tmem_backend *be, u32 pool_id);
	tmem_status_t (*put)(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			     u32 len);
	tmem_status_t (*get)(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, void *dst, u32 size,
			     u32 *len);
	tmem_status_t (*flush_page)(struct tmem_backend *be, u32 pool_id,
				    const struct tmem_handle *h);
	tmem_status_t (*flush_object)(struct tmem_backend *be, u32 pool_id,
				      const struct tmem_oid *oid);
	tmem_status_t (*flush_pool)(struct tmem_backend *be, u32 pool_id);
	tmem_status_t (*put_batch)(struct tmem_backend *be, u32 pool_id,
				   struct tmem_batch_entry *ent, u32 nr);
	tmem_status_t (*pool_info)(struct tmem_backend *be, u32 pool_id,
				   struct tmem_pool_info *info);
};

/* The operations the core counts per backend. */
enum tmem_op {
	TMEM_OP_NEW_POOL,
	TMEM_OP_DESTROY_POOL,
	TMEM_OP_PUT,
	TMEM_OP_GET,
	TMEM_OP_FLUSH_PAGE,
	TMEM_OP_FLUSH_OBJECT,
	TMEM_OP_FLUSH_POOL,
	TMEM_OP_PUT_BATCH,
	TMEM_OP_POOL_INFO,
	TMEM_OP_NR
};

extern const char *const tmem_op_names[TMEM_OP_NR];

/**
 * struct tmem_backend_stats - host calls made through one backend
 * @calls: calls per operation
 * @errors: calls per operation answered with anything but OK, MISS
 *	or REFUSED (those are normal answers, counted per pool)
 */
struct tmem_backend_stats {
	atomic64_t calls[TMEM_OP_NR];
	atomic64_t errors[TMEM_OP_NR];
};

/**
 * struct tmem_backend - one bound instance of a backend
 * @ops: its operations
 * @priv: the backend's own state, set by @ops->probe
 * @lock: protects @pools
 * @pools: the guest-side pools created on this backend
 * @stats: host calls made
 * @debugfs: the backend's debugfs directory, or NULL when it has none
 *	(instances created by tests)
 */
struct tmem_backend {
	const struct tmem_backend_ops *ops;
	void *priv;
	struct mutex lock;	/* protects @pools */
	struct list_head pools;
	struct tmem_backend_stats stats;
	struct dentry *debugfs;
};

/**
 * struct tmem_pool_stats - what one guest user asked of one pool
 *
 * @puts: PUTs attempted (a batched PUT counts each value)
 * @put_refused: PUTs the host refused
 * @put_failed: PUTs that failed for another reason
 * @gets: GETs attempted
 * @hits: GETs that returned a value
 * @misses: GETs that found none
 * @get_failed: GETs that failed for another reason
 * @flushes: flush_page, flush_object and flush_pool calls
 */
struct tmem_pool_stats {
	atomic64_t puts;
	atomic64_t put_refused;
	atomic64_t put_failed;
	atomic64_t gets;
	atomic64_t hits;
	atomic64_t misses;
	atomic64_t get_failed;
	atomic64_t flushes;
};

/**
 * struct tmem_pool - a guest-side handle on one host pool
 * @be: the backend the pool lives on
 * @id: the host's pool id
 * @flags: TMEM_POOL_*
 * @uuid: the name of a shared pool; zero otherwise
 * @name: a name for debugfs and logs ("frontswap.0", "ext4.sda1")
 * @stats: what the user asked of it
 * @node: on @be->pools, under @be->lock
 * @debugfs: its directory under utmem/pools/
 */
struct tmem_pool {
	struct tmem_backend *be;
	u32 id;
	u32 flags;
	uuid_t uuid;
	char name[32];
	struct tmem_pool_stats stats;
	struct list_head node;
	struct dentry *debugfs;
};

/* Handles. */
static inline void tmem_oid_set(struct tmem_oid *oid, u64 a, u64 b, u64 c)
{
	oid->oid[0] = a;
	oid->oid[1] = b;
	oid->oid[2] = c;
}

static inline bool tmem_oid_equal(const struct tmem_oid *a,
				  const struct tmem_oid *b)
{
	return a->oid[0] == b->oid[0] && a->oid[1] == b->oid[1] &&
	       a->oid[2] == b->oid[2];
}

/* Orders objects: the host's trees of objects sort by it. */
static inline int tmem_oid_cmp(const struct tmem_oid *a,
			       const struct tmem_oid *b)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(a->oid); i++) {
		if (a->oid[i] != b->oid[i])
			return a->oid[i] < b->oid[i] ? -1 : 1;
	}
	return 0;
}

void tmem_shared_uuid(const char *user, const uuid_t *name, uuid_t *uuid);

static inline void tmem_handle_set(struct tmem_handle *h,
				   const struct tmem_oid *oid, u32 index)
{
	h->oid = *oid;
	h->index = index;
	h->reserved = 0;
}

/* The bound backend, or NULL when none is. */
struct tmem_backend *tmem_backend(void);
/* For main.c: the bound backend is set once at init, cleared at exit. */
void tmem_backend_bind(struct tmem_backend *be);
void tmem_backend_unbind(void);

struct tmem_pool *tmem_pool_create(struct tmem_backend *be, const char *name,
				   u32 flags, const uuid_t *uuid);
void tmem_pool_destroy(struct tmem_pool *pool);

int tmem_put(struct tmem_pool *pool, const struct tmem_handle *h,
	     const void *src, size_t len);
int tmem_get(struct tmem_pool *pool, const struct tmem_handle *h,
	     void *dst, size_t size, size_t *len);
int tmem_flush_page(struct tmem_pool *pool, const struct tmem_handle *h);
int tmem_flush_object(struct tmem_pool *pool, const struct tmem_oid *oid);
int tmem_flush_pool(struct tmem_pool *pool);
int tmem_put_batch(struct tmem_pool *pool, struct tmem_batch_entry *ent,
		   unsigned int nr);
int tmem_pool_info(struct tmem_pool *pool, struct tmem_pool_info *info);

/* The host asking for memory back; see tmem_reclaim.c. */
struct notifier_block;
int tmem_register_reclaim_notifier(struct notifier_block *nb);
int tmem_unregister_reclaim_notifier(struct notifier_block *nb);
void tmem_request_reclaim(unsigned long nr_pages);
void tmem_host_wants(unsigned long nr_pages);
void tmem_reclaim_flush(void);

/* Draining every user, for a move without the pools; tmem_reclaim.c. */
struct kobj_attribute;
#define TMEM_RESUME	0
#define TMEM_DRAIN	1
int tmem_register_drain_notifier(struct notifier_block *nb);
int tmem_unregister_drain_notifier(struct notifier_block *nb);
unsigned long tmem_drain(bool drain);
bool tmem_draining(void);
extern struct kobj_attribute tmem_drain_attr;

/* Backends: instances for the boot binding and for tests. */
struct tmem_backend *tmem_backend_create(const struct tmem_backend_ops *ops,
					 struct dentry *debugfs);
void tmem_backend_destroy(struct tmem_backend *be);

#endif /* _UTMEM_TMEM_H */
