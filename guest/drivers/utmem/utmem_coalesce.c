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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": coalesce: " fmt

#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "utmem_coalesce.h"
#include "utmem_dev.h"
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

/* Files whose buffer holds anything, for the shrinker. */
static LIST_HEAD(coalesce_files);
static DEFINE_SPINLOCK(coalesce_lock);
static atomic_long_t coalesce_bytes = ATOMIC_LONG_INIT(0);
static struct shrinker *coalesce_shrinker;

struct coalesce_entry {
	struct list_head node;
	struct hlist_node hnode;
	struct utmem_file_pool *fp;
	struct tmem_oid oid;
	u32 len;
	u8 chunk[];
};

static struct utmem_coalesce *coalesce(struct utmem_file *f)
{
	return &f->coalesce;
}

static void coalesce_timer_fn(struct work_struct *work)
{
	struct utmem_coalesce *c = container_of(to_delayed_work(work),
						struct utmem_coalesce, timer);
	struct utmem_file *f = container_of(c, struct utmem_file, coalesce);

	mutex_lock(&f->lock);
	utmem_coalesce_flush(f);
	mutex_unlock(&f->lock);
}

void utmem_coalesce_init(struct utmem_file *f)
{
	struct utmem_coalesce *c = coalesce(f);

	INIT_LIST_HEAD(&c->entries);
	hash_init(c->by_oid);
	INIT_LIST_HEAD(&c->node);
	INIT_DELAYED_WORK(&c->timer, coalesce_timer_fn);
}

/* Sends what is left; the file is being released. */
void utmem_coalesce_exit(struct utmem_file *f)
{
	mutex_lock(&f->lock);
	utmem_coalesce_flush(f);
	mutex_unlock(&f->lock);
	cancel_delayed_work_sync(&coalesce(f)->timer);
}

static struct coalesce_entry *entry_find(struct utmem_coalesce *c,
					 const struct utmem_file_pool *fp,
					 const struct tmem_oid *oid)
{
	struct coalesce_entry *e;

	/* The oid is a BLAKE2s digest: any 64 bits of it hash well. */
	hash_for_each_possible(c->by_oid, e, hnode, oid->oid[0]) {
		if ((!fp || e->fp == fp) && tmem_oid_equal(&e->oid, oid))
			return e;
	}
	return NULL;
}

/**
 * utmem_coalesce_bytes() - chunk bytes waiting in the buffer
 * @f: the file, locked
 * @fp: only those of this pool; NULL for all
 */
size_t utmem_coalesce_bytes(struct utmem_file *f,
			    const struct utmem_file_pool *fp)
{
	struct utmem_coalesce *c = coalesce(f);
	struct coalesce_entry *e;
	size_t bytes = 0;

	lockdep_assert_held(&f->lock);
	if (!fp)
		return c->bytes;
	list_for_each_entry(e, &c->entries, node) {
		if (e->fp == fp)
			bytes += e->len;
	}
	return bytes;
}

/**
 * utmem_coalesce_holds() - is a PUT of this key waiting, in any pool?
 * @f: the file, locked
 * @oid: the key's object
 */
bool utmem_coalesce_holds(struct utmem_file *f, const struct tmem_oid *oid)
{
	lockdep_assert_held(&f->lock);
	return entry_find(coalesce(f), NULL, oid);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_holds);

/**
 * utmem_coalesce_put() - buffer a PUT, if it is small
 * @f: the file, locked
 * @fp: the pool
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
int utmem_coalesce_put(struct utmem_file *f, struct utmem_file_pool *fp,
		       const u8 *key, u32 key_len, const struct tmem_oid *oid,
		       const void *value, u32 value_len)
{
	struct utmem_coalesce *c = coalesce(f);
	struct coalesce_entry *e, *old;
	u32 len = sizeof(struct utmem_chunk_hdr) + key_len + value_len;

	lockdep_assert_held(&f->lock);
	if (value_len > READ_ONCE(utmem_coalesce_value_max) ||
	    utmem_kv_nr_chunks(key_len, value_len) != 1)
		return 0;
	e = kmalloc(struct_size(e, chunk, len), GFP_KERNEL_ACCOUNT);
	if (!e)
		return 0;
	e->fp = fp;
	e->len = utmem_kv_chunk0(e->chunk, key, key_len, value, value_len);
	e->oid = *oid;

	/* The later PUT of a key takes the earlier one's place. */
	old = entry_find(c, fp, oid);
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
		list_add_tail(&c->node, &coalesce_files);
		spin_unlock(&coalesce_lock);
		schedule_delayed_work(&c->timer,
				      usecs_to_jiffies(READ_ONCE(utmem_coalesce_delay_us)));
	}
	if (c->count >= READ_ONCE(utmem_coalesce_max_count) ||
	    c->bytes >= READ_ONCE(utmem_coalesce_max_bytes))
		utmem_coalesce_flush(f);
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_put);

/* Sends up to @max entries of @fp in one batch, and frees them. */
static void send_pool(struct utmem_file *f, struct utmem_file_pool *fp,
		      struct tmem_batch_entry *batch, unsigned int max)
{
	struct utmem_coalesce *c = coalesce(f);
	struct coalesce_entry *e, *tmp;
	unsigned int i, n = 0;
	LIST_HEAD(sending);
	int ret;

	list_for_each_entry_safe(e, tmp, &c->entries, node) {
		if (e->fp != fp)
			continue;
		tmem_handle_set(&batch[n].handle, &e->oid, 0);
		batch[n].src = e->chunk;
		batch[n].len = e->len;
		list_move_tail(&e->node, &sending);
		hash_del(&e->hnode);
		if (++n == max)
			break;
	}
	ret = tmem_put_batch(fp->pool, batch, n);
	utmem_stat_inc(f, fp, UTMEM_STAT_HOST_PUTS);
	i = 0;
	list_for_each_entry_safe(e, tmp, &sending, node) {
		if (ret < 0 || batch[i].status != TMEM_S_OK) {
			c->failed++;
			utmem_stat_inc(f, fp, UTMEM_STAT_PUT_REFUSED);
			/* A batch rejected whole may have left older values. */
			if (ret < 0)
				tmem_flush_object(fp->pool, &e->oid);
		}
		i++;
		c->count--;
		c->bytes -= e->len;
		atomic_long_sub(e->len, &coalesce_bytes);
		kfree(e);
	}
}

/**
 * utmem_coalesce_flush() - send every buffered PUT
 * @f: the file, locked
 *
 * One batched PUT per pool (more when a pool has more entries than a
 * batch array this call could allocate holds).
 */
void utmem_coalesce_flush(struct utmem_file *f)
{
	struct tmem_batch_entry onstack[COALESCE_BATCH_ONSTACK], *batch;
	struct utmem_coalesce *c = coalesce(f);
	unsigned int max;

	lockdep_assert_held(&f->lock);
	if (!c->count)
		return;
	max = c->count;
	batch = kmalloc_array(max, sizeof(*batch), GFP_NOWAIT | __GFP_NOWARN);
	if (!batch) {
		batch = onstack;
		max = ARRAY_SIZE(onstack);
	}
	while (!list_empty(&c->entries))
		send_pool(f, list_first_entry(&c->entries,
					      struct coalesce_entry, node)->fp,
			  batch, max);
	if (batch != onstack)
		kfree(batch);
	utmem_stat_inc(f, NULL, UTMEM_STAT_FLUSHES);
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

/*
 * The shrinker has unlocked a file it sent and not yet let go of it: a
 * close may have run in between.  A seam for the test of that race.
 */
VISIBLE_IF_KUNIT void utmem_coalesce_reclaim_unlocked(struct utmem_file *f)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_coalesce_reclaim_unlocked, f);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_coalesce_reclaim_unlocked);

/**
 * utmem_coalesce_reclaim() - send buffers until @nr_pages are freed
 * @nr_pages: how much memory to give back
 *
 * A file whose lock is busy is skipped: its holder sends or adds soon,
 * and the timer bounds the wait.  Return: pages freed, rounded up per
 * file.
 */
unsigned long utmem_coalesce_reclaim(unsigned long nr_pages)
{
	unsigned long freed = 0;
	struct utmem_coalesce *c, *tmp;
	struct utmem_file *f;

	while (freed < nr_pages) {
		f = NULL;
		spin_lock(&coalesce_lock);
		list_for_each_entry_safe(c, tmp, &coalesce_files, node) {
			struct utmem_file *cand =
				container_of(c, struct utmem_file, coalesce);

			/*
			 * On the list, the file is open (a close sends the
			 * buffer first, taking it off): a reference keeps it
			 * until this is done with it, unlock included.
			 */
			if (mutex_trylock(&cand->lock)) {
				list_del_init(&c->node);
				kref_get(&cand->ref);
				f = cand;
				break;
			}
		}
		spin_unlock(&coalesce_lock);
		if (!f)
			break;
		freed += DIV_ROUND_UP(f->coalesce.bytes, PAGE_SIZE);
		utmem_coalesce_flush(f);
		mutex_unlock(&f->lock);
		utmem_coalesce_reclaim_unlocked(f);
		utmem_file_put(f);
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
