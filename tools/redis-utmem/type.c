// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: the Redis data type of the keys UTMEM.SET writes.
 *
 * Redis owns the keys: DEL, UNLINK, expiry, eviction, overwriting and
 * FLUSHDB all end in the free method, which drops the host copy; RDB
 * snapshots, DUMP/RESTORE, replication and AOF rewrites carry the bytes
 * themselves, so a value read back from a snapshot goes to the host
 * again (under a new id) when it is loaded.
 */
#include "rutmem.h"

#define RUTMEM_TYPE_NAME	"utmem-val"	/* exactly 9 characters */
#define RUTMEM_ENCODING		0

RedisModuleType *rutmem_type;

static void *value_rdb_load(RedisModuleIO *rdb, int encver)
{
	struct rutmem_value *v;
	size_t len;
	char *buf;

	if (encver != RUTMEM_ENCODING) {
		RedisModule_LogIOError(rdb, "warning",
				       "unknown value encoding %d",
				       encver);
		return NULL;
	}
	buf = RedisModule_LoadStringBuffer(rdb, &len);
	if (RedisModule_IsIOError(rdb)) {
		RedisModule_Free(buf);
		return NULL;
	}
	v = rutmem_value_new(buf, len);
	RedisModule_Free(buf);
	return v;
}

/*
 * Save methods cannot fail.  A value the host cannot produce (it lost
 * one it had accepted, or answered with something else) is logged and
 * saved empty, and counted in device_errors.
 */
static const char *value_bytes_or_empty(struct rutmem_value *v, size_t *len)
{
	const char *buf;

	*len = v->len;
	if (!rutmem_value_read(v, &buf))
		return buf;
	RedisModule_Log(NULL, "warning",
			"the host lost value %llu (%zu bytes); saved empty",
			(unsigned long long)v->id, v->len);
	*len = 0;
	return "";
}

static void value_rdb_save(RedisModuleIO *rdb, void *value)
{
	size_t len;
	const char *buf = value_bytes_or_empty(value, &len);

	RedisModule_SaveStringBuffer(rdb, buf, len);
}

static void value_aof_rewrite(RedisModuleIO *aof, RedisModuleString *key,
			      void *value)
{
	size_t len;
	const char *buf = value_bytes_or_empty(value, &len);

	RedisModule_EmitAOF(aof, "UTMEM.SET", "sb", key, buf, len);
}

static void value_digest(RedisModuleDigest *md, void *value)
{
	size_t len;
	const char *buf = value_bytes_or_empty(value, &len);

	RedisModule_DigestAddStringBuffer(md, buf, len);
	RedisModule_DigestEndSequence(md);
}

/* Redis memory only: what the host holds is not Redis's to count. */
static size_t value_mem_usage(const void *value)
{
	const struct rutmem_value *v = value;

	return sizeof(*v) + (v->data ? v->len : 0);
}

static void value_free(void *value)
{
	rutmem_value_free(value);
}

/* COPY: a second, independent value under a new id. */
static void *value_copy(RedisModuleString *from, RedisModuleString *to,
			const void *value)
{
	struct rutmem_value *v = (struct rutmem_value *)value;
	const char *buf;

	(void)from;
	(void)to;
	if (rutmem_value_read(v, &buf))
		return NULL;
	return rutmem_value_new(buf, v->len);
}

int rutmem_type_register(RedisModuleCtx *ctx)
{
	RedisModuleTypeMethods methods = {
		.version = REDISMODULE_TYPE_METHOD_VERSION,
		.rdb_load = value_rdb_load,
		.rdb_save = value_rdb_save,
		.aof_rewrite = value_aof_rewrite,
		.mem_usage = value_mem_usage,
		.digest = value_digest,
		.free = value_free,
		.copy = value_copy,
	};

	rutmem_type = RedisModule_CreateDataType(ctx, RUTMEM_TYPE_NAME,
						 RUTMEM_ENCODING, &methods);
	return rutmem_type ? REDISMODULE_OK : REDISMODULE_ERR;
}
