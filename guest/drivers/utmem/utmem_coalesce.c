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
 * buffer at most once: a second PUT replaces the first in place, so the
 * later PUT always wins.
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
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>

#include "utmem_coalesce.h"
#include "utmem_kv.h"

#define COALESCE_COUNT_MAX	1024
#define COALESCE_BATCH_ONSTACK	16

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

/* Buffers that hold anything, for the shrinker. */
static LIST_HEAD(coalesce_buffers);
static DEFINE_SPINLOCK(coalesce_lock);
static atomic_long_t coalesce_bytes = ATOMIC_LONG_INIT(0);
static struct shrinker *coalesce_shrinker;

struct coalesce_entry {
	struct list_head node;
	struct hlist_node hnode;
	void *pool;
	struct tmem_oid oid;
	u32 len;
	u8 chunk[];
};

static void coalesce_timer_fn(struct work_struct *work)
{
	struct utmem_coalesce *c = container_of(to_delayed_work(work),
						struct utmem_coalesce, timer);

	mutex_lock(c->lock);
	utmem_coalesce_flush(c);
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
	c->ops = ops;
	c->lock = lock;
	INIT_LIST_HEAD(&c->entries);
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
	list_for_each_entry(e, &c->entries, node) {
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
	return entry_find(c, NULL, oid);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_holds);

/**
 * utmem_coalesce_put() - buffer a PUT, if it is small
 * @c: the buffer, locked
 * @pool: the owner's pool, which @ops->send gets back
 * @key: the key
 * @key_len: its length
 * @oid: its object, utmem_kv_oid() of the key
 * @value: the value
 * @value_len: its length
 *
 * Return: 1 when the PUT waits in the buffer (or was just sent with it);
 * 0 when the caller must send it itself (too large, or no memory for the
 * copy).
 */
int utmem_coalesce_put(struct utmem_coalesce *c, void *pool, const u8 *key,
		       u32 key_len, const struct tmem_oid *oid,
		       const void *value, u32 value_len)
{
	struct coalesce_entry *e, *old;
	u32 len = sizeof(struct utmem_chunk_hdr) + key_len + value_len;

	lockdep_assert_held(c->lock);
	if (value_len > READ_ONCE(utmem_coalesce_value_max) ||
	    utmem_kv_nr_chunks(key_len, value_len) != 1)
		return 0;
	e = kmalloc(struct_size(e, chunk, len), GFP_KERNEL_ACCOUNT);
	if (!e)
		return 0;
	e->pool = pool;
	e->len = utmem_kv_chunk0(e->chunk, key, key_len, value, value_len);
	e->oid = *oid;

	/* The later PUT of a key takes the earlier one's place. */
	old = entry_find(c, pool, oid);
	if (old) {
		list_replace(&old->node, &e->node);
		hash_del(&old->hnode);
		c->bytes -= old->len;
		atomic_long_sub(old->len, &coalesce_bytes);
		kfree(old);
	} else {
		list_add_tail(&e->node, &c->entries);
		c->count++;
	}
	hash_add(c->by_oid, &e->hnode, oid->oid[0]);
	c->bytes += e->len;
	atomic_long_add(e->len, &coalesce_bytes);
	if (c->count == 1 && !old) {
		spin_lock(&coalesce_lock);
		list_add_tail(&c->node, &coalesce_buffers);
		spin_unlock(&coalesce_lock);
		schedule_delayed_work(&c->timer,
				      usecs_to_jiffies(READ_ONCE(utmem_coalesce_delay_us)));
	}
	if (c->count >= READ_ONCE(utmem_coalesce_max_count) ||
	    c->bytes >= READ_ONCE(utmem_coalesce_max_bytes))
		utmem_coalesce_flush(c);
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_put);

/* Sends up to @max entries of @pool in one batch, and frees them. */
static void send_pool(struct utmem_coalesce *c, void *pool,
		      struct tmem_batch_entry *batch, unsigned int max)
{
	struct coalesce_entry *e, *tmp;
	unsigned int n = 0;
	LIST_HEAD(sending);

	list_for_each_entry_safe(e, tmp, &c->entries, node) {
		if (e->pool != pool)
			continue;
		tmem_handle_set(&batch[n].handle, &e->oid, 0);
		batch[n].src = e->chunk;
		batch[n].len = e->len;
		list_move_tail(&e->node, &sending);
		hash_del(&e->hnode);
		if (++n == max)
			break;
	}
	c->failed += c->ops->send(c, pool, batch, n);
	list_for_each_entry_safe(e, tmp, &sending, node) {
		c->count--;
		c->bytes -= e->len;
		atomic_long_sub(e->len, &coalesce_bytes);
		kfree(e);
	}
}

/**
 * utmem_coalesce_flush() - send every buffered PUT
 * @c: the buffer, locked
 *
 * One batched PUT per pool (more when a pool has more entries than a
 * batch array this call could allocate holds).
 */
void utmem_coalesce_flush(struct utmem_coalesce *c)
{
	struct tmem_batch_entry onstack[COALESCE_BATCH_ONSTACK], *batch;
	unsigned int max;

	lockdep_assert_held(c->lock);
	if (!c->count)
		return;
	max = c->count;
	batch = kmalloc_array(max, sizeof(*batch), GFP_NOWAIT | __GFP_NOWARN);
	if (!batch) {
		batch = onstack;
		max = ARRAY_SIZE(onstack);
	}
	while (!list_empty(&c->entries))
		send_pool(c, list_first_entry(&c->entries,
					      struct coalesce_entry, node)->pool,
			  batch, max);
	if (batch != onstack)
		kfree(batch);
	c->ops->flushed(c);
	spin_lock(&coalesce_lock);
	list_del_init(&c->node);
	spin_unlock(&coalesce_lock);
	cancel_delayed_work(&c->timer);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_flush);

static unsigned long coalesce_count(struct shrinker *s,
				    struct shrink_control *sc)
{
	return DIV_ROUND_UP(atomic_long_read(&coalesce_bytes), PAGE_SIZE);
}

/**
 * utmem_coalesce_reclaim() - send buffers until @nr_pages are freed
 * @nr_pages: how much memory to give back
 *
 * A buffer whose owner is busy is skipped: the owner sends or adds soon,
 * and the timer bounds the wait.  Return: pages freed, rounded up per
 * file.
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
			 * On the list, the owner is live (it sends the buffer,
			 * taking it off, before it goes): @hold keeps it so
			 * until @release is done with it, unlock included.
			 */
			if (c->ops->hold(c)) {
				list_del_init(&c->node);
				held = c;
				break;
			}
		}
		spin_unlock(&coalesce_lock);
		if (!held)
			break;
		freed += DIV_ROUND_UP(held->bytes, PAGE_SIZE);
		utmem_coalesce_flush(held);
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
