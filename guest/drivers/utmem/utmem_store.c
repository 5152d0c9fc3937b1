// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: one pool's keys and values, and the one rule that keeps
 * them true: no chunk of an older value of a key outlives a newer value
 * as data a GET could read.
 *
 * utmem_kv.c stores a value as chunks 0..n-1 of the key's object.  A
 * value of several chunks flushes the object first; a one-chunk value
 * does not (one host call is the point of a small PUT), so a one-chunk
 * PUT over an older value of several chunks flushes the object itself.
 * Whether a key may have had several chunks is known on a private pool
 * (utmem_multi.c lists such keys); on a shared pool, which other files
 * write, it is not, and every one-chunk PUT flushes first.
 *
 * PUTs sent in a batch (the coalescing buffer, utmem_coalesce.c) are
 * one-chunk PUTs of keys that utmem_store_may_batch() cleared, so they
 * need no flush; a batch the host rejects whole may have left older
 * values, which are flushed.
 *
 * Everything here runs under the lock of the file owning the pool.
 */
#include <linux/errno.h>

#include "utmem_kv.h"
#include "utmem_store.h"

/**
 * utmem_store_init() - an empty store; the owner then sets @s->pool
 * @s: the store
 * @shared: whether other files write the pool
 */
void utmem_store_init(struct utmem_store *s, bool shared)
{
	s->shared = shared;
	/* Should this fail, every one-chunk PUT flushes its key first. */
	if (!shared)
		utmem_multi_init(&s->multi);
}

/**
 * utmem_store_destroy() - free the store's own memory, not the pool
 * @s: the store
 */
void utmem_store_destroy(struct utmem_store *s)
{
	if (!s->shared)
		utmem_multi_destroy(&s->multi);
}

/* Whether older chunks of @oid beyond the first may be on the host. */
static bool may_have_more(struct utmem_store *s, const struct tmem_oid *oid)
{
	return s->shared || utmem_multi_may_have(&s->multi, oid);
}

/**
 * utmem_store_may_batch() - may this PUT go in a batch, unflushed?
 * @s: the store
 * @oid: the key's object
 * @key_len: the key's length
 * @value_len: the value's length
 *
 * Return: true for a one-chunk value of a key that has no older chunks
 * beyond the first, on a private pool.
 */
bool utmem_store_may_batch(struct utmem_store *s, const struct tmem_oid *oid,
			   u32 key_len, u32 value_len)
{
	return utmem_kv_nr_chunks(key_len, value_len) == 1 &&
	       !may_have_more(s, oid);
}

/**
 * utmem_store_put() - store a value under a key, now
 * @s: the store
 * @key: the key
 * @key_len: its length
 * @oid: its object, utmem_kv_oid() of the key
 * @value: the value
 * @value_len: its length
 * @scratch: a TMEM_VALUE_MAX buffer
 *
 * Return: 0, or an errno of utmem_kv_put(); on an error the key has no
 * value.
 */
int utmem_store_put(struct utmem_store *s, const u8 *key, u32 key_len,
		    const struct tmem_oid *oid, const void *value,
		    u32 value_len, void *scratch)
{
	unsigned int n = utmem_kv_nr_chunks(key_len, value_len);
	bool flush = n == 1 && may_have_more(s, oid);
	int err;

	err = flush ? tmem_flush_object(s->pool, oid) : 0;
	if (!err || err == -ENOENT)
		err = utmem_kv_put(s->pool, key, key_len, value, value_len,
				   scratch);
	if (s->shared)
		return err;
	/* On an error the key has no chunks left (utmem_kv_put()). */
	if (n > 1 && !err)
		utmem_multi_add(&s->multi, oid);
	else if (n > 1 || flush)
		utmem_multi_del(&s->multi, oid);
	return err;
}

/**
 * utmem_store_put_batch() - store one-chunk values in one host call
 * @s: the store
 * @batch: chunks built by utmem_kv_chunk0(), of keys that
 *	utmem_store_may_batch() cleared; statuses out
 * @n: entries
 *
 * Return: how many of them the host did not store; those keys have no
 * value.
 */
unsigned int utmem_store_put_batch(struct utmem_store *s,
				   struct tmem_batch_entry *batch,
				   unsigned int n)
{
	unsigned int i, refused = 0;
	int ret = tmem_put_batch(s->pool, batch, n);

	for (i = 0; i < n; i++) {
		if (ret >= 0 && batch[i].status == TMEM_S_OK)
			continue;
		refused++;
		/* A batch rejected whole may have left older values. */
		if (ret < 0)
			tmem_flush_object(s->pool, &batch[i].handle.oid);
	}
	return refused;
}

/**
 * utmem_store_delete() - remove a key's value
 * @s: the store
 * @key: the key
 * @key_len: its length
 * @oid: its object
 *
 * Return: 0, -ENOENT, or another errno of utmem_kv_delete().
 */
int utmem_store_delete(struct utmem_store *s, const u8 *key, u32 key_len,
		       const struct tmem_oid *oid)
{
	int err = utmem_kv_delete(s->pool, key, key_len);

	if (!err && !s->shared)
		utmem_multi_del(&s->multi, oid);
	return err;
}

/**
 * utmem_store_flush() - remove every value of the pool
 * @s: the store
 *
 * Return: 0 or an errno of tmem_flush_pool().
 */
int utmem_store_flush(struct utmem_store *s)
{
	int err = tmem_flush_pool(s->pool);

	if (!err && !s->shared)
		utmem_multi_clear(&s->multi);
	return err;
}
