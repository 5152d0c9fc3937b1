// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: the PUT coalescing buffer.
 *
 * A host call costs a VM exit, several microseconds on KVM, which dwarfs
 * copying a small value.  Small PUTs therefore wait in their file's
 * buffer and go to the host together, one batched PUT per pool.
 *
 * Only values that fit in one chunk and are at most coalesce_value_max
 * bytes wait.  The buffer is sent when it reaches coalesce_max_bytes or
 * coalesce_max_count, coalesce_delay_us after its first PUT, on SYNC, on
 * close, before any other operation on a key it holds (read-your-writes:
 * a GET, DELETE or unbuffered PUT of the key), before a pool operation,
 * and when the kernel is short of memory (a shrinker).  A key is in the
 * buffer at most once: a second PUT replaces the first, so the later PUT
 * always wins.
 *
 * A buffered PUT costs no allocation: its chunk is built in the file's
 * arena, one block of memory taken at the first PUT that waits, with the
 * array a send hands to the host.  The arena is freed when the file
 * stops streaming PUTs (coalesce_delay_us after a send with no PUT
 * since), when the kernel is short of memory, and on close; per value,
 * what is left is the chunk's copy, a hash lookup and, at send time, the
 * host's share.
 *
 * A PUT the host refuses at send time leaves its key without a value, as
 * a refused direct PUT does; SYNC reports how many.
 *
 * The buffer knows nothing of files: its owner (utmem_dev.c) gives it a
 * lock, which serialises every call, and the operations that send a
 * pool's PUTs and keep the owner alive for the shrinker.  Which PUTs may
 * wait is the owner's to decide (utmem_store_may_batch()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": coalesce: " fmt

#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>

#include "utmem_coalesce.h"
#include "utmem_kv.h"

#define COALESCE_COUNT_MAX	1024

static int set_value_max(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, UTMEM_CHUNK_DATA);
}

static int set_max_count(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, COALESCE_COUNT_MAX);
}

static int set_max_bytes(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TMEM_VALUE_MAX, 16 << 20);
}

static int set_delay_us(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, USEC_PER_SEC);
}

static const struct kernel_param_ops value_max_ops = {
	.set = set_value_max, .get = param_get_uint,
};

static const struct kernel_param_ops max_count_ops = {
	.set = set_max_count, .get = param_get_uint,
};

static const struct kernel_param_ops max_bytes_ops = {
	.set = set_max_bytes, .get = param_get_uint,
};

static const struct kernel_param_ops delay_us_ops = {
	.set = set_delay_us, .get = param_get_uint,
};

VISIBLE_IF_KUNIT unsigned int utmem_coalesce_value_max = 1024;
module_param_cb(coalesce_value_max, &value_max_ops, &utmem_coalesce_value_max, 0644);
MODULE_PARM_DESC(coalesce_value_max,
		 "Largest value a PUT buffers, bytes (0: no coalescing; default 1024)");
VISIBLE_IF_KUNIT unsigned int utmem_coalesce_max_count = 64;
module_param_cb(coalesce_max_count, &max_count_ops, &utmem_coalesce_max_count, 0644);
MODULE_PARM_DESC(coalesce_max_count,
		 "Buffered PUTs that trigger a send, 1..1024 (default 64)");
VISIBLE_IF_KUNIT unsigned int utmem_coalesce_max_bytes = 64 << 10;
module_param_cb(coalesce_max_bytes, &max_bytes_ops, &utmem_coalesce_max_bytes, 0644);
MODULE_PARM_DESC(coalesce_max_bytes,
		 "Buffered bytes per file that trigger a send, 4 KiB..16 MiB (default 64 KiB)");
VISIBLE_IF_KUNIT unsigned int utmem_coalesce_delay_us = 1000;
module_param_cb(coalesce_delay_us, &delay_us_ops, &utmem_coalesce_delay_us, 0644);
MODULE_PARM_DESC(coalesce_delay_us,
		 "Longest a PUT waits in the buffer, microseconds (default 1000)");

/* Buffers that have an arena, for the shrinker; bytes of their arenas. */
static LIST_HEAD(coalesce_buffers);
static DEFINE_SPINLOCK(coalesce_lock);
static atomic_long_t coalesce_bytes = ATOMIC_LONG_INIT(0);
static struct shrinker *coalesce_shrinker;

/*
 * One buffered PUT, in its buffer's arena.  @pool is NULL once it was
 * sent or replaced: its bytes stay in the arena until the arena empties.
 */
struct coalesce_entry {
	struct hlist_node hnode;
	void *pool;
	struct tmem_oid oid;
	u32 len;
	u8 chunk[];
};

static size_t entry_size(u32 len)
{
	return ALIGN(struct_size_t(struct coalesce_entry, chunk, len), 8);
}

/*
 * The arena of a buffer made with the parameters as they are now: the
 * batch array, then room for a full buffer's entries and one more.  A
 * buffer sends itself before it grows past them, so a PUT that finds no
 * room (replaced entries take theirs until the arena empties) sends the
 * buffer first.
 */
static void arena_sizes(unsigned int *batch_max, size_t *entries)
{
	*batch_max = READ_ONCE(utmem_coalesce_max_count);
	*entries = READ_ONCE(utmem_coalesce_max_bytes) +
		   (size_t)*batch_max * entry_size(0) +
		   entry_size(TMEM_VALUE_MAX);
}

static size_t arena_total(const struct utmem_coalesce *c)
{
	return c->batch_max * sizeof(*c->batch) + c->arena_size;
}

static bool arena_alloc(struct utmem_coalesce *c)
{
	arena_sizes(&c->batch_max, &c->arena_size);
	c->batch = kvmalloc(arena_total(c), GFP_KERNEL_ACCOUNT);
	if (!c->batch)
		return false;
	c->arena = (u8 *)(c->batch + c->batch_max);
	c->used = 0;
	atomic_long_add(arena_total(c), &coalesce_bytes);
	spin_lock(&coalesce_lock);
	list_add_tail(&c->node, &coalesce_buffers);
	spin_unlock(&coalesce_lock);
	return true;
}

/* Frees the arena of an empty buffer. */
static void arena_free(struct utmem_coalesce *c)
{
	if (!c->batch)
		return;
	spin_lock(&coalesce_lock);
	list_del_init(&c->node);
	spin_unlock(&coalesce_lock);
	atomic_long_sub(arena_total(c), &coalesce_bytes);
	kvfree(c->batch);
	c->batch = NULL;
	c->arena = NULL;
}

/* The arena's entries, in arrival order: from arena_first() while in_arena(). */
static struct coalesce_entry *arena_first(struct utmem_coalesce *c)
{
	return (struct coalesce_entry *)c->arena;
}

static bool in_arena(struct utmem_coalesce *c, struct coalesce_entry *e)
{
	return (u8 *)e < c->arena + c->used;
}

static struct coalesce_entry *entry_next(struct coalesce_entry *e)
{
	return (struct coalesce_entry *)((u8 *)e + entry_size(e->len));
}

/* Arms the timer coalesce_delay_us from now. */
static void timer_arm(struct utmem_coalesce *c)
{
	mod_delayed_work(system_wq, &c->timer,
			 usecs_to_jiffies(READ_ONCE(utmem_coalesce_delay_us)));
}

/*
 * coalesce_delay_us after a buffer's first PUT, the buffer is sent; as
 * long again after a send without another PUT, the file has stopped
 * streaming them and the arena is freed.
 */
static void coalesce_timer_fn(struct work_struct *work)
{
	struct utmem_coalesce *c = container_of(to_delayed_work(work),
						struct utmem_coalesce, timer);

	mutex_lock(c->lock);
	if (c->count)
		utmem_coalesce_flush(c);
	else
		arena_free(c);
	mutex_unlock(c->lock);
}

/**
 * utmem_coalesce_init() - an empty buffer
 * @c: the buffer
 * @lock: its owner's lock
 * @ops: its owner's operations
 */
void utmem_coalesce_init(struct utmem_coalesce *c, struct mutex *lock,
			 const struct utmem_coalesce_ops *ops)
{
	memset(c, 0, sizeof(*c));
	/* Chunk versions only need to differ between PUTs (utmem_kv.h). */
	c->version = get_random_u64();
	c->ops = ops;
	c->lock = lock;
	hash_init(c->by_oid);
	INIT_LIST_HEAD(&c->node);
	INIT_DELAYED_WORK(&c->timer, coalesce_timer_fn);
}

/**
 * utmem_coalesce_exit() - send what is left; the owner is going
 * @c: the buffer, unlocked
 */
void utmem_coalesce_exit(struct utmem_coalesce *c)
{
	mutex_lock(c->lock);
	utmem_coalesce_flush(c);
	arena_free(c);
	mutex_unlock(c->lock);
	cancel_delayed_work_sync(&c->timer);
}

static struct coalesce_entry *entry_find(struct utmem_coalesce *c,
					 const void *pool,
					 const struct tmem_oid *oid)
{
	struct coalesce_entry *e;

	/* The oid is a BLAKE2s digest: any 64 bits of it hash well. */
	hash_for_each_possible(c->by_oid, e, hnode, oid->oid[0]) {
		if ((!pool || e->pool == pool) && tmem_oid_equal(&e->oid, oid))
			return e;
	}
	return NULL;
}

/**
 * utmem_coalesce_bytes() - chunk bytes waiting in the buffer
 * @c: the buffer, locked
 * @pool: only those of this pool; NULL for all
 */
size_t utmem_coalesce_bytes(struct utmem_coalesce *c, const void *pool)
{
	struct coalesce_entry *e;
	size_t bytes = 0;

	lockdep_assert_held(c->lock);
	if (!pool)
		return c->bytes;
	for (e = arena_first(c); in_arena(c, e); e = entry_next(e)) {
		if (e->pool == pool)
			bytes += e->len;
	}
	return bytes;
}

/**
 * utmem_coalesce_holds() - is a PUT of this key waiting, in any pool?
 * @c: the buffer, locked
 * @oid: the key's object
 */
bool utmem_coalesce_holds(struct utmem_coalesce *c, const struct tmem_oid *oid)
{
	lockdep_assert_held(c->lock);
	return c->count && entry_find(c, NULL, oid);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_holds);

/* The entry's bytes stay in the arena; the buffer no longer has it. */
static void entry_drop(struct utmem_coalesce *c, struct coalesce_entry *e)
{
	hash_del(&e->hnode);
	e->pool = NULL;
	c->count--;
	c->bytes -= e->len;
}

/**
 * utmem_coalesce_put() - buffer a PUT, if it is small
 * @c: the buffer, locked
 * @pool: the owner's pool, which @ops->send gets back
 * @key: the key
 * @key_len: its length
 * @oid: its object, utmem_kv_oid() of the key
 * @value: the value
 * @value_len: its length
 * @bare: the pool stores values without their header (utmem_store.c)
 *
 * Return: 1 when the PUT waits in the buffer (or was just sent with it);
 * 0 when the caller must send it itself (too large, or no memory for an
 * arena).
 */
int utmem_coalesce_put(struct utmem_coalesce *c, void *pool, const u8 *key,
		       u32 key_len, const struct tmem_oid *oid,
		       const void *value, u32 value_len, bool bare)
{
	u32 len = value_len;
	struct coalesce_entry *e, *old;

	lockdep_assert_held(c->lock);
	if (!bare)
		len += sizeof(struct utmem_chunk_hdr) + key_len;
	if (value_len > READ_ONCE(utmem_coalesce_value_max) ||
	    len > TMEM_VALUE_MAX)
		return 0;
	if (!c->arena && !arena_alloc(c))
		return 0;
	if (c->used + entry_size(len) > c->arena_size) {
		utmem_coalesce_flush(c);
		if (!c->arena && !arena_alloc(c))
			return 0;
	}
	e = (struct coalesce_entry *)(c->arena + c->used);
	c->used += entry_size(len);
	e->pool = pool;
	e->oid = *oid;
	if (bare) {
		memcpy(e->chunk, value, value_len);
		e->len = value_len;
	} else {
		e->len = utmem_kv_chunk0(e->chunk, key, key_len, value,
					 value_len, c->version++);
	}

	/* The later PUT of a key takes the earlier one's place. */
	old = c->count ? entry_find(c, pool, oid) : NULL;
	if (old)
		entry_drop(c, old);
	hash_add(c->by_oid, &e->hnode, oid->oid[0]);
	c->bytes += e->len;
	if (!c->count++)
		timer_arm(c);
	if (c->count >= READ_ONCE(utmem_coalesce_max_count) ||
	    c->bytes >= READ_ONCE(utmem_coalesce_max_bytes))
		utmem_coalesce_flush(c);
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_put);

/*
 * Sends up to @c->batch_max entries of @pool, from @from on, in one
 * batch.  Return: where the next of them may be, NULL when none is left.
 */
static struct coalesce_entry *send_pool(struct utmem_coalesce *c, void *pool,
					struct coalesce_entry *from)
{
	struct tmem_batch_entry *batch = c->batch;
	struct coalesce_entry *e = from, *next = NULL;
	unsigned int n = 0;

	for (; in_arena(c, e); e = entry_next(e)) {
		if (e->pool != pool)
			continue;
		if (n == c->batch_max) {
			next = e;
			break;
		}
		tmem_handle_set(&batch[n].handle, &e->oid, 0);
		batch[n].src = e->chunk;
		batch[n].len = e->len;
		entry_drop(c, e);
		n++;
	}
	c->failed += c->ops->send(c, pool, batch, n);
	return next;
}

/**
 * utmem_coalesce_flush() - send every buffered PUT
 * @c: the buffer, locked
 *
 * One batched PUT per pool, in arrival order (more when a pool has more
 * entries than the batch array holds).  The arena stays for the PUTs
 * that follow.
 */
void utmem_coalesce_flush(struct utmem_coalesce *c)
{
	struct coalesce_entry *e, *from;
	unsigned int batch_max;
	size_t arena_size;

	lockdep_assert_held(c->lock);
	if (!c->count)
		goto empty;
	for (e = arena_first(c); in_arena(c, e); e = entry_next(e)) {
		void *pool = e->pool;

		for (from = e; pool && from; )
			from = send_pool(c, pool, from);
	}
	c->ops->flushed(c);
	timer_arm(c);
empty:
	c->used = 0;
	/* Parameters changed since the arena was made: a new one next time. */
	arena_sizes(&batch_max, &arena_size);
	if (c->batch && (batch_max != c->batch_max ||
			 arena_size != c->arena_size))
		arena_free(c);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_flush);

static unsigned long coalesce_count(struct shrinker *s,
				    struct shrink_control *sc)
{
	return atomic_long_read(&coalesce_bytes) >> PAGE_SHIFT;
}

/**
 * utmem_coalesce_reclaim() - send buffers and free their arenas
 * @nr_pages: how much memory to give back
 *
 * A buffer whose owner is busy is skipped: the owner sends or adds soon,
 * and the timer bounds the wait.  Return: pages freed, whole arenas.
 */
unsigned long utmem_coalesce_reclaim(unsigned long nr_pages)
{
	struct utmem_coalesce *c, *held;
	unsigned long freed = 0;

	while (freed < nr_pages) {
		held = NULL;
		spin_lock(&coalesce_lock);
		list_for_each_entry(c, &coalesce_buffers, node) {
			/*
			 * On the list, the owner is live (it frees the arena,
			 * taking it off, before it goes): @hold keeps it so
			 * until @release is done with it, unlock included.
			 */
			if (c->ops->hold(c)) {
				held = c;
				break;
			}
		}
		spin_unlock(&coalesce_lock);
		if (!held)
			break;
		freed += DIV_ROUND_UP(arena_total(held), PAGE_SIZE);
		utmem_coalesce_flush(held);
		arena_free(held);
		held->ops->release(held);
	}
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_reclaim);

static unsigned long coalesce_scan(struct shrinker *s,
				   struct shrink_control *sc)
{
	return utmem_coalesce_reclaim(sc->nr_to_scan) ?: SHRINK_STOP;
}

int utmem_coalesce_register(void)
{
	coalesce_shrinker = shrinker_alloc(0, "utmem-coalesce");
	if (!coalesce_shrinker)
		return -ENOMEM;
	coalesce_shrinker->count_objects = coalesce_count;
	coalesce_shrinker->scan_objects = coalesce_scan;
	shrinker_register(coalesce_shrinker);
	return 0;
}

void utmem_coalesce_unregister(void)
{
	shrinker_free(coalesce_shrinker);
}
