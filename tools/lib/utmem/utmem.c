// SPDX-License-Identifier: GPL-2.0
/*
 * libutmem: each call fills the ioctl's struct, size first, and turns
 * the result into 0 or a negative errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "utmem.h"

static int call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Returns a file descriptor or a negative errno. */
int utmem_open(void)
{
	int fd = open(UTMEM_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int utmem_pool_create(int fd, uint32_t flags, const uint8_t uuid[16],
		      uint32_t *pool_id)
{
	struct utmem_pool_create a = { .size = sizeof(a), .flags = flags };
	int ret;

	if (uuid)
		memcpy(a.uuid, uuid, sizeof(a.uuid));
	ret = call(fd, UTMEM_POOL_CREATE, &a);
	if (!ret)
		*pool_id = a.out_pool_id;
	return ret;
}

int utmem_pool_destroy(int fd, uint32_t pool_id)
{
	struct utmem_pool_op a = { .size = sizeof(a), .pool_id = pool_id };

	return call(fd, UTMEM_POOL_DESTROY, &a);
}

int utmem_pool_flush(int fd, uint32_t pool_id)
{
	struct utmem_pool_op a = { .size = sizeof(a), .pool_id = pool_id };

	return call(fd, UTMEM_POOL_FLUSH, &a);
}

static struct utmem_kv kv(uint32_t pool_id, const void *key, size_t key_len)
{
	struct utmem_kv a = {
		.size = sizeof(a),
		.pool_id = pool_id,
		.key_len = key_len,
		.key = (uintptr_t)key,
	};

	/* Lengths that do not fit the ABI's fields fail there, not here. */
	if (key_len > UINT32_MAX)
		a.key_len = UINT32_MAX;
	return a;
}

int utmem_put(int fd, uint32_t pool_id, const void *key, size_t key_len,
	      const void *value, size_t value_len, uint32_t flags)
{
	struct utmem_kv a = kv(pool_id, key, key_len);

	a.flags = flags;
	a.value = (uintptr_t)value;
	a.value_len = value_len;
	return call(fd, UTMEM_PUT, &a);
}

/*
 * On success and on -ERANGE (buf too small), *value_len is the value's
 * length.
 */
int utmem_get(int fd, uint32_t pool_id, const void *key, size_t key_len,
	      void *buf, size_t size, size_t *value_len)
{
	struct utmem_kv a = kv(pool_id, key, key_len);
	int ret;

	a.value = (uintptr_t)buf;
	a.value_len = size;
	ret = call(fd, UTMEM_GET, &a);
	if (!ret || ret == -ERANGE)
		*value_len = a.value_len;
	return ret;
}

int utmem_delete(int fd, uint32_t pool_id, const void *key, size_t key_len)
{
	struct utmem_kv a = kv(pool_id, key, key_len);

	return call(fd, UTMEM_DELETE, &a);
}

void utmem_kv_init(struct utmem_kv *entry, uint32_t pool_id, const void *key,
		   size_t key_len, void *value, size_t value_len)
{
	*entry = kv(pool_id, key, key_len);
	entry->value = (uintptr_t)value;
	entry->value_len = value_len;
}

/*
 * Runs @count entries of one operation (UTMEM_BATCH_*) in one call; *done
 * is how many succeeded, in order, before the error returned (if any).
 */
int utmem_batch(int fd, uint32_t op, struct utmem_kv *entries, size_t count,
		size_t *done)
{
	struct utmem_batch a = {
		.size = sizeof(a),
		.op = op,
		.count = count > UINT32_MAX ? UINT32_MAX : count,
		.entry_size = sizeof(*entries),
		.entries = (uintptr_t)entries,
	};
	int ret = call(fd, UTMEM_BATCH, &a);

	if (done)
		*done = a.out_done;
	return ret;
}

int utmem_sync(int fd, uint64_t *failed)
{
	struct utmem_sync a = { .size = sizeof(a) };
	int ret = call(fd, UTMEM_SYNC, &a);

	if (!ret && failed)
		*failed = a.out_failed;
	return ret;
}

int utmem_stats(int fd, uint32_t pool_id, struct utmem_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->size = sizeof(*stats);
	stats->pool_id = pool_id;
	return call(fd, UTMEM_STATS, stats);
}

/* What an error means for a utmem call, for messages. */
const char *utmem_strerror(int err)
{
	switch (-err) {
	case ENOENT:
		return "no such pool or key";
	case ENOSPC:
		return "the host refused (no room), or no pool id is left";
	case EDQUOT:
		return "over this user's limit (utmem.user_max_bytes or user_max_pools)";
	case ERANGE:
		return "buffer too small for the value";
	case E2BIG:
		return "value too large";
	case EPERM:
		return "shared pool of another user";
	case EEXIST:
		return "shared pool exists with the other persistence";
	case ENODEV:
		return "no tmem backend bound";
	default:
		return strerror(-err);
	}
}
