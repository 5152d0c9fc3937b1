/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libutmem: a small C library over the /dev/utmem ioctls.
 *
 * Every function returns 0 (or a length) on success and a negative errno
 * on failure, with the meanings include/uapi/linux/utmem.h gives each
 * ioctl; errno itself is left as the system call set it.
 */
#ifndef UTMEM_LIB_H
#define UTMEM_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/utmem.h>

#define UTMEM_DEVICE	"/dev/utmem"

int utmem_open(void);
int utmem_pool_create(int fd, uint32_t flags, const uint8_t uuid[16],
		      uint32_t *pool_id);
int utmem_pool_destroy(int fd, uint32_t pool_id);
int utmem_pool_flush(int fd, uint32_t pool_id);
int utmem_put(int fd, uint32_t pool_id, const void *key, size_t key_len,
	      const void *value, size_t value_len, uint32_t flags);
int utmem_get(int fd, uint32_t pool_id, const void *key, size_t key_len,
	      void *buf, size_t size, size_t *value_len);
int utmem_delete(int fd, uint32_t pool_id, const void *key, size_t key_len);
void utmem_kv_init(struct utmem_kv *entry, uint32_t pool_id, const void *key,
		   size_t key_len, void *value, size_t value_len);
int utmem_batch(int fd, uint32_t op, struct utmem_kv *entries, size_t count,
		size_t *done);
int utmem_sync(int fd, uint64_t *failed);
int utmem_stats(int fd, uint32_t pool_id, struct utmem_stats *stats);
const char *utmem_strerror(int err);

#endif /* UTMEM_LIB_H */
