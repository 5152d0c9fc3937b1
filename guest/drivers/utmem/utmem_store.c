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
 * A bare pool (UTMEM_POOL_BARE: private pools only) stores a value of up
 * to TMEM_VALUE_MAX bytes as it is, at index 0 of the key's object: one
 * host page and one host call, with no header, so no key to compare on a
 * GET; the host is trusted to return what was put under the key's
 * 192-bit hash.  A longer value is stored as chunks with their headers
 * (utmem_kv.c) from index 1 on, the object flushed first.  A GET reads
 * index 0, and the chunks only when it is not there; the one rule above
 * keeps index 0 and chunks from living side by side.
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
 * @bare: values of a page or less are stored without a header (private
 *	pools only)
 */
void utmem_store_init(struct utmem_store *s, bool shared, bool bare)
{
	s->shared = shared;
	s->bare = bare && !shared;
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

/* A bare pool's value of a page or less: one chunk, as it is. */
static bool bare_one(struct utmem_store *s, u32 value_len)
{
	return s->bare && value_len <= TMEM_VALUE_MAX;
}

/* Where a bare pool's longer values start; 0 elsewhere. */
static u32 chunk_base(struct utmem_store *s)
{
	return s->bare ? 1 : 0;
}

/**
 * utmem_store_nr_chunks() - host values (and calls) a PUT takes
 * @s: the store
 * @key_len: the key's length
 * @value_len: the value's length
 */
unsigned int utmem_store_nr_chunks(struct utmem_store *s, u32 key_len,
				   u32 value_len)
{
	return bare_one(s, value_len) ? 1 :
	       utmem_kv_nr_chunks(key_len, value_len);
}

/**
 * utmem_store_host_bytes() - the bytes a PUT makes the host hold
 * @s: the store
 * @key_len: the key's length
 * @value_len: the value's length
 *
 * The value, and unless it is bare its key and a header per chunk.
 */
u64 utmem_store_host_bytes(struct utmem_store *s, u32 key_len, u32 value_len)
{
	if (bare_one(s, value_len))
		return value_len;
	return (u64)value_len + key_len + utmem_kv_nr_chunks(key_len, value_len) *
	       sizeof(struct utmem_chunk_hdr);
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
	return utmem_store_nr_chunks(s, key_len, value_len) == 1 &&
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
	unsigned int n = utmem_store_nr_chunks(s, key_len, value_len);
	bool flush = n == 1 && may_have_more(s, oid);
	struct tmem_handle h;
	int err;

	err = flush ? tmem_flush_object(s->pool, oid) : 0;
	if (err && err != -ENOENT)
		goto out;
	if (bare_one(s, value_len)) {
		tmem_handle_set(&h, oid, 0);
		err = tmem_put(s->pool, &h, value, value_len);
	} else {
		err = utmem_kv_put_at(s->pool, chunk_base(s), oid, key,
				      key_len, value, value_len, scratch);
	}
out:
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
 * utmem_store_get_alloc() - read a key's value into memory of its size
 * @s: the store
 * @key: the key
 * @key_len: its length
 * @oid: its object, utmem_kv_oid() of the key
 * @valuep: out: the value, kvmalloc()ed (kvfree() it); NULL on errors
 * @size: the most the caller takes
 * @value_len: out: the value's length, also on -ERANGE
 * @scratch: a TMEM_VALUE_MAX buffer
 *
 * Return: as utmem_kv_get_alloc().
 */
int utmem_store_get_alloc(struct utmem_store *s, const u8 *key, u32 key_len,
			  const struct tmem_oid *oid, void **valuep, u32 size,
			  u32 *value_len, void *scratch)
{
	int err;

	if (s->bare) {
		err = utmem_kv_get_bare_alloc(s->pool, oid, valuep, size,
					      value_len, scratch);
		if (err != -ENOENT)
			return err;
	}
	return utmem_kv_get_alloc_at(s->pool, chunk_base(s), oid, key, key_len,
				     valuep, size, value_len, scratch);
}

/**
 * utmem_store_put_batch() - store one-chunk values in one host call
 * @s: the store
 * @batch: chunks built by utmem_kv_chunk0() (bare pools: the values), of keys that
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
