/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: keys and values on tmem pools; see utmem_kv.c. */
#ifndef _UTMEM_KV_H
#define _UTMEM_KV_H

#include <linux/types.h>
#include <utmem/tmem.h>

/**
 * struct utmem_chunk_hdr - the head of every chunk the device stores
 * @magic: UTMEM_CHUNK_MAGIC
 * @key_len: the key's length; chunk 0 carries the key after the header
 * @chunk: this chunk's number (also the tmem index)
 * @value_len: the whole value's length
 * @reserved: zero
 * @version: the same in every chunk of one PUT, different between PUTs
 *
 * Little-endian: a shared pool may be read by a guest of another
 * endianness on the same host.
 */
struct utmem_chunk_hdr {
	__le32 magic;
	__le16 key_len;
	__le16 chunk;
	__le32 value_len;
	__le32 reserved;
	__le64 version;
};

#define UTMEM_CHUNK_MAGIC	0x6b76746dU	/* "mtvk" */
#define UTMEM_CHUNK_DATA	(TMEM_VALUE_MAX - sizeof(struct utmem_chunk_hdr))

unsigned int utmem_kv_nr_chunks(u32 key_len, u32 value_len);
void utmem_kv_oid(const u8 *key, u32 key_len, struct tmem_oid *oid);
u32 utmem_kv_chunk0(void *buf, const u8 *key, u32 key_len, const void *value,
		    u32 value_len, u64 version);
int utmem_kv_put(struct tmem_pool *pool, const u8 *key, u32 key_len,
		 const void *value, u32 value_len, void *scratch);
int utmem_kv_put_at(struct tmem_pool *pool, u32 base,
		    const struct tmem_oid *oid, const u8 *key, u32 key_len,
		    const void *value, u32 value_len, void *scratch);
int utmem_kv_get_alloc_at(struct tmem_pool *pool, u32 base,
			  const struct tmem_oid *oid, const u8 *key,
			  u32 key_len, void **valuep, u32 size,
			  u32 *value_len, void *scratch);
int utmem_kv_get_bare_alloc(struct tmem_pool *pool, const struct tmem_oid *oid,
			    void **valuep, u32 size, u32 *value_len,
			    void *scratch);
int utmem_kv_get(struct tmem_pool *pool, const u8 *key, u32 key_len,
		 void *value, u32 size, u32 *value_len, void *scratch);
int utmem_kv_get_alloc(struct tmem_pool *pool, const u8 *key, u32 key_len,
		       void **valuep, u32 size, u32 *value_len, void *scratch);
#if IS_ENABLED(CONFIG_KUNIT)
void *utmem_kv_value_alloc(size_t len);
#endif
int utmem_kv_delete(struct tmem_pool *pool, const u8 *key, u32 key_len);

#endif /* _UTMEM_KV_H */
