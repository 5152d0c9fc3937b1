// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: keys and values on a tmem pool.
 *
 * A key names one tmem object: the first 192 bits of the key's BLAKE2s
 * hash.  A value is stored as chunks 0..n-1 of that object, each a header
 * and up to UTMEM_CHUNK_DATA bytes of the value; chunk 0 also carries the
 * key.  A GET compares that key with the one it was asked for, so two
 * keys with the same hash, or a host that mixes objects up, give ENOENT,
 * never another key's value.  Every chunk of one PUT carries the same
 * random version, so chunks of two PUTs are never put together into one
 * value.
 *
 * A value that fits in one chunk (most: see utmem_kv_nr_chunks()) is one
 * host call.  A longer one flushes the object first, so that chunks of an
 * older, longer value cannot outlive it.  A one-chunk PUT over a longer
 * value leaves that value's other chunks on the host, unreachable (their
 * version is stale), until the key is deleted or its pool flushed or
 * destroyed: the price of keeping a small PUT at one host call.
 */
#include <crypto/blake2s.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/string.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <uapi/linux/utmem.h>

#include "utmem_kv.h"

/**
 * utmem_kv_nr_chunks() - how many chunks a value takes
 * @key_len: 1..UTMEM_KEY_MAX
 * @value_len: 0..UTMEM_VALUE_MAX
 *
 * Return: the number of chunks, at least 1.
 */
unsigned int utmem_kv_nr_chunks(u32 key_len, u32 value_len)
{
	u32 room = UTMEM_CHUNK_DATA - key_len;

	if (value_len <= room)
		return 1;
	return 1 + DIV_ROUND_UP(value_len - room, UTMEM_CHUNK_DATA);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_nr_chunks);

/* The object a key names. */
void utmem_kv_oid(const u8 *key, u32 key_len, struct tmem_oid *oid)
{
	u8 hash[3 * sizeof(u64)];

	BUILD_BUG_ON(sizeof(hash) > BLAKE2S_HASH_SIZE);
	blake2s(hash, key, NULL, sizeof(hash), key_len, 0);
	memcpy(oid->oid, hash, sizeof(hash));
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_oid);

/* Chunk @chunk of the value: header, key (chunk 0), data; its length. */
static u32 chunk_build(void *buf, const u8 *key, u32 key_len,
		       const u8 *value, u32 value_len, unsigned int chunk,
		       u64 version)
{
	struct utmem_chunk_hdr *hdr = buf;
	u8 *p = buf + sizeof(*hdr);
	u32 room = UTMEM_CHUNK_DATA, off = 0, len;

	if (chunk) {
		off = UTMEM_CHUNK_DATA - key_len +
		      (chunk - 1) * UTMEM_CHUNK_DATA;
	} else {
		memcpy(p, key, key_len);
		p += key_len;
		room -= key_len;
	}
	len = min(room, value_len - off);
	memcpy(p, value + off, len);

	hdr->magic = cpu_to_le32(UTMEM_CHUNK_MAGIC);
	hdr->key_len = cpu_to_le16(key_len);
	hdr->chunk = cpu_to_le16(chunk);
	hdr->value_len = cpu_to_le32(value_len);
	hdr->reserved = 0;
	hdr->version = cpu_to_le64(version);
	return p + len - (u8 *)buf;
}

/**
 * utmem_kv_chunk0() - the one chunk of a value that fits in one
 * @buf: TMEM_VALUE_MAX bytes
 * @key: the key
 * @key_len: its length
 * @value: the value; utmem_kv_nr_chunks() must be 1
 * @value_len: its length
 * @version: differs from the version of any other PUT of the key
 *
 * For the coalescing buffer, which sends such chunks in batches.
 * Return: the chunk's length.
 */
u32 utmem_kv_chunk0(void *buf, const u8 *key, u32 key_len, const void *value,
		    u32 value_len, u64 version)
{
	return chunk_build(buf, key, key_len, value, value_len, 0, version);
}

/**
 * utmem_kv_put() - store or replace the value of a key
 * @pool: the pool
 * @key: the key, 1..UTMEM_KEY_MAX bytes
 * @key_len: its length
 * @value: the value
 * @value_len: 0..UTMEM_VALUE_MAX
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * Return: 0, or an errno from the host (-ENOSPC: refused); on an error the
 * key has no value, the old one included.
 */
int utmem_kv_put(struct tmem_pool *pool, const u8 *key, u32 key_len,
		 const void *value, u32 value_len, void *scratch)
{
	struct tmem_oid oid;

	utmem_kv_oid(key, key_len, &oid);
	return utmem_kv_put_at(pool, 0, &oid, key, key_len, value, value_len,
			       scratch);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_put);

/**
 * utmem_kv_put_at() - utmem_kv_put(), chunk i at index @base + i
 * @pool: the pool
 * @base: the index of chunk 0
 * @oid: the key's object, utmem_kv_oid() of it
 * @key: the key
 * @key_len: its length
 * @value: the value
 * @value_len: its length
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * Return: as utmem_kv_put().
 */
int utmem_kv_put_at(struct tmem_pool *pool, u32 base,
		    const struct tmem_oid *oid, const u8 *key, u32 key_len,
		    const void *value, u32 value_len, void *scratch)
{
	unsigned int i, n = utmem_kv_nr_chunks(key_len, value_len);
	u64 version = get_random_u64();
	struct tmem_handle h;
	int err;

	if (n > 1) {
		err = tmem_flush_object(pool, oid);
		if (err && err != -ENOENT)
			return err;
	}
	for (i = 0; i < n; i++) {
		u32 len = chunk_build(scratch, key, key_len, value, value_len,
				      i, version);

		tmem_handle_set(&h, oid, base + i);
		err = tmem_put(pool, &h, scratch, len);
		if (err) {
			/* A GET would miss chunk i anyway; free the rest. */
			if (i)
				tmem_flush_object(pool, oid);
			return err;
		}
	}
	return 0;
}

/* Checks a chunk read back; returns its data length or -ENOENT/-EIO. */
static int chunk_check(const void *buf, size_t len, const u8 *key,
		       u32 key_len, unsigned int chunk,
		       const struct utmem_chunk_hdr *first)
{
	const struct utmem_chunk_hdr *hdr = buf;
	size_t head = sizeof(*hdr) + (chunk ? 0 : key_len);
	u32 value_len, want;

	if (len < sizeof(*hdr) || le32_to_cpu(hdr->magic) != UTMEM_CHUNK_MAGIC)
		return -EIO;
	if (le16_to_cpu(hdr->key_len) != key_len ||
	    le16_to_cpu(hdr->chunk) != chunk || len < head)
		return -ENOENT;
	if (!chunk && memcmp(buf + sizeof(*hdr), key, key_len))
		return -ENOENT;
	if (first && (hdr->version != first->version ||
		      hdr->value_len != first->value_len))
		return -ENOENT;
	value_len = le32_to_cpu(hdr->value_len);
	if (value_len > UTMEM_VALUE_MAX ||
	    chunk >= utmem_kv_nr_chunks(key_len, value_len))
		return -EIO;
	/* Every chunk but the last is full. */
	if (chunk)
		want = value_len - (UTMEM_CHUNK_DATA - key_len) -
		       (chunk - 1) * UTMEM_CHUNK_DATA;
	else
		want = value_len;
	want = min_t(u32, want, UTMEM_CHUNK_DATA - (chunk ? 0 : key_len));
	if (len - head != want)
		return -EIO;
	return want;
}

/*
 * A GET from an ephemeral pool takes what it reads: a GET that cannot
 * return the value puts chunk 0 back (the host may refuse; an ephemeral
 * value may vanish at any time anyway) or drops the rest.
 */
static void get_failed(struct tmem_pool *pool, const struct tmem_oid *oid,
		       u32 base, void *chunk0, size_t len0, bool restore)
{
	struct tmem_handle h;

	if (pool->flags & TMEM_POOL_PERSISTENT)
		return;
	if (restore) {
		tmem_handle_set(&h, oid, base);
		tmem_put(pool, &h, chunk0, len0);
	} else {
		tmem_flush_object(pool, oid);
	}
}

/* The memory of a value being read, @len bytes; a seam for its test. */
VISIBLE_IF_KUNIT void *utmem_kv_value_alloc(size_t len)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_kv_value_alloc, len);
	return kvmalloc(len, GFP_KERNEL_ACCOUNT);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_value_alloc);

/*
 * utmem_kv_get() and utmem_kv_get_alloc(): with *@valuep NULL, the value's
 * memory is allocated once its length is known, into *@valuep.
 */
static int kv_get(struct tmem_pool *pool, u32 base, const struct tmem_oid *oid,
		  const u8 *key, u32 key_len, void **valuep, u32 size,
		  u32 *value_len, void *scratch)
{
	void *value;
	struct utmem_chunk_hdr first;
	unsigned int i, n;
	struct tmem_handle h;
	size_t len, len0;
	u32 off;
	int ret;

	tmem_handle_set(&h, oid, base);
	ret = tmem_get(pool, &h, scratch, TMEM_VALUE_MAX, &len0);
	if (ret) {
		/* The host failed it: the other chunks are of no use. */
		if (ret != -ENOENT)
			get_failed(pool, oid, base, NULL, 0, false);
		return ret == -E2BIG ? -EIO : ret;
	}
	ret = chunk_check(scratch, len0, key, key_len, 0, NULL);
	if (ret < 0) {
		get_failed(pool, oid, base, scratch, len0, true);
		return ret;
	}
	memcpy(&first, scratch, sizeof(first));
	*value_len = le32_to_cpu(first.value_len);
	if (size < *value_len) {
		get_failed(pool, oid, base, scratch, len0, true);
		return -ERANGE;
	}
	value = *valuep;
	if (!value) {
		value = utmem_kv_value_alloc(max(*value_len, 1U));
		if (!value) {
			get_failed(pool, oid, base, scratch, len0, true);
			return -ENOMEM;
		}
		*valuep = value;
	}
	memcpy(value, scratch + sizeof(first) + key_len, ret);
	off = ret;
	n = utmem_kv_nr_chunks(key_len, *value_len);
	for (i = 1; i < n; i++) {
		tmem_handle_set(&h, oid, base + i);
		ret = tmem_get(pool, &h, scratch, TMEM_VALUE_MAX, &len);
		if (!ret)
			ret = chunk_check(scratch, len, key, key_len, i, &first);
		else if (ret == -E2BIG)
			ret = -EIO;
		if (ret < 0) {
			get_failed(pool, oid, base, NULL, 0, false);
			return ret;
		}
		memcpy(value + off, scratch + sizeof(first), ret);
		off += ret;
	}
	return 0;
}

/**
 * utmem_kv_get() - read the value of a key
 * @pool: the pool
 * @key: the key
 * @key_len: its length
 * @value: where to put the value
 * @size: room at @value
 * @value_len: out: the value's length, also on -ERANGE
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * Return: 0; -ENOENT when the key has no value; -ERANGE when @size is too
 * small (the value stays); -EIO when the host failed the GET or returned
 * something that is not a chunk of this device (from an ephemeral pool,
 * the value is gone then).
 */
int utmem_kv_get(struct tmem_pool *pool, const u8 *key, u32 key_len,
		 void *value, u32 size, u32 *value_len, void *scratch)
{
	struct tmem_oid oid;

	utmem_kv_oid(key, key_len, &oid);
	return kv_get(pool, 0, &oid, key, key_len, &value, size, value_len,
		      scratch);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_get);

/**
 * utmem_kv_get_alloc() - read the value of a key into memory of its size
 * @pool: the pool
 * @key: the key
 * @key_len: its length
 * @valuep: out: the value, kvmalloc()ed (kvfree() it); NULL on errors
 * @size: the most the caller takes
 * @value_len: out: the value's length, also on -ERANGE
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * A caller whose buffer may be large allocates as much as the value
 * holds, not as the buffer offers.  Return: as utmem_kv_get(), and
 * -ENOMEM (from an ephemeral pool, the value is gone then).
 */
int utmem_kv_get_alloc(struct tmem_pool *pool, const u8 *key, u32 key_len,
		       void **valuep, u32 size, u32 *value_len, void *scratch)
{
	struct tmem_oid oid;

	utmem_kv_oid(key, key_len, &oid);
	return utmem_kv_get_alloc_at(pool, 0, &oid, key, key_len, valuep, size,
				     value_len, scratch);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_get_alloc);

/**
 * utmem_kv_get_alloc_at() - utmem_kv_get_alloc() of chunks from index @base
 * @pool: the pool
 * @base: the index of chunk 0
 * @oid: the key's object, utmem_kv_oid() of it
 * @key: the key
 * @key_len: its length
 * @valuep: out: the value, kvmalloc()ed; NULL on errors
 * @size: the most the caller takes
 * @value_len: out: the value's length, also on -ERANGE
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * Return: as utmem_kv_get_alloc().
 */
int utmem_kv_get_alloc_at(struct tmem_pool *pool, u32 base,
			  const struct tmem_oid *oid, const u8 *key,
			  u32 key_len, void **valuep, u32 size,
			  u32 *value_len, void *scratch)
{
	int err;

	*valuep = NULL;
	err = kv_get(pool, base, oid, key, key_len, valuep, size, value_len,
		     scratch);
	if (err) {
		kvfree(*valuep);
		*valuep = NULL;
	}
	return err;
}

/**
 * utmem_kv_get_bare_alloc() - read a value stored bare, at index 0
 * @pool: the pool
 * @oid: the key's object
 * @valuep: out: the value, kvmalloc()ed (kvfree() it); NULL on errors
 * @size: the most the caller takes
 * @value_len: out: the value's length, also on -ERANGE
 * @scratch: TMEM_VALUE_MAX bytes the call may use
 *
 * For bare pools (utmem_store.c): the bytes are the value, with no
 * header to check.  Return: 0; -ENOENT when index 0 holds nothing;
 * -ERANGE and -ENOMEM (the value stays, put back into an ephemeral
 * pool); -EIO when the host failed the GET.
 */
int utmem_kv_get_bare_alloc(struct tmem_pool *pool, const struct tmem_oid *oid,
			    void **valuep, u32 size, u32 *value_len,
			    void *scratch)
{
	struct tmem_handle h;
	size_t len;
	int err;

	*valuep = NULL;
	tmem_handle_set(&h, oid, 0);
	err = tmem_get(pool, &h, scratch, TMEM_VALUE_MAX, &len);
	if (err)
		return err == -E2BIG ? -EIO : err;
	*value_len = len;
	if (size < len) {
		get_failed(pool, oid, 0, scratch, len, true);
		return -ERANGE;
	}
	*valuep = utmem_kv_value_alloc(max_t(size_t, len, 1));
	if (!*valuep) {
		get_failed(pool, oid, 0, scratch, len, true);
		return -ENOMEM;
	}
	memcpy(*valuep, scratch, len);
	return 0;
}

/**
 * utmem_kv_delete() - drop the value of a key
 * @pool: the pool
 * @key: the key
 * @key_len: its length
 *
 * Return: 0 (whether or not the host held a value: its flush does not
 * say), or an errno from the host.
 */
int utmem_kv_delete(struct tmem_pool *pool, const u8 *key, u32 key_len)
{
	struct tmem_oid oid;

	utmem_kv_oid(key, key_len, &oid);
	return tmem_flush_object(pool, &oid);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kv_delete);
