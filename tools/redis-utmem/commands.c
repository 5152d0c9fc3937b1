// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: the commands.  Replies follow their Redis counterparts:
 * UTMEM.GET of a missing key is nil, of a plain string its value (as
 * GET: transparent mode leaves short values plain), of another type's key
 * WRONGTYPE; a value the host cannot produce is an error that names the
 * reason.
 *
 *   UTMEM.SET key value [EX seconds | PX ms | EXAT unix-time | PXAT unix-ms]
 *   UTMEM.GET key
 *   UTMEM.DEL key [key ...]          (any type, like DEL)
 *   UTMEM.MSET key value [key value ...]
 *   UTMEM.MGET key [key ...]         (nil for missing keys and types
 *                                     other than strings)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rutmem.h"
#include "utmem.h"

static int reply_read_error(RedisModuleCtx *ctx, int err)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "ERR utmem: the host cannot produce the value: %s",
		 err == -ENOENT ? "it lost it" : utmem_strerror(err));
	return RedisModule_ReplyWithError(ctx, msg);
}

/*
 * SET's expiry options, [EX seconds | PX milliseconds | EXAT unix-time |
 * PXAT unix-time-ms], as the @n words at @opt -> @at, the expiry in Unix
 * milliseconds (0: none); else the error reply SET would give.
 */
static int parse_expire(RedisModuleCtx *ctx, RedisModuleString **opt,
			int n, long long *at)
{
	const char *unit;
	long long v, scale;
	int relative;

	*at = 0;
	if (!n)
		return REDISMODULE_OK;
	unit = RedisModule_StringPtrLen(opt[0], NULL);
	relative = !strcasecmp(unit, "ex") || !strcasecmp(unit, "px");
	scale = !strcasecmp(unit, "ex") || !strcasecmp(unit, "exat") ? 1000 : 1;
	if (n != 2 || (!relative && strcasecmp(unit, "exat") &&
		       strcasecmp(unit, "pxat"))) {
		RedisModule_ReplyWithError(ctx, "ERR syntax error");
		return REDISMODULE_ERR;
	}
	if (RedisModule_StringToLongLong(opt[1], &v) != REDISMODULE_OK) {
		RedisModule_ReplyWithError(ctx,
			"ERR value is not an integer or out of range");
		return REDISMODULE_ERR;
	}
	/* Past LLONG_MAX, Redis would wrap the expiry into the past. */
	if (v <= 0 || v > LLONG_MAX / scale ||
	    (relative && v * scale > LLONG_MAX - RedisModule_Milliseconds())) {
		RedisModule_ReplyWithError(ctx,
			"ERR invalid expire time in 'utmem.set' command");
		return REDISMODULE_ERR;
	}
	*at = v * scale + (relative ? RedisModule_Milliseconds() : 0);
	return REDISMODULE_OK;
}

static void set_one(RedisModuleCtx *ctx, RedisModuleString *name,
		    RedisModuleString *value, long long expire_at)
{
	RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_WRITE);
	size_t len;
	const char *buf = RedisModule_StringPtrLen(value, &len);

	if (RedisModule_ModuleTypeGetType(key) == rutmem_type)
		rutmem_value_replaced(RedisModule_ModuleTypeGetValue(key));
	RedisModule_ModuleTypeSetValue(key, rutmem_type,
				       rutmem_value_new(buf, len));
	if (expire_at)
		RedisModule_SetAbsExpire(key, expire_at);
	RedisModule_CloseKey(key);
}

static int cmd_set(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
	long long expire_at;

	if (argc < 3)
		return RedisModule_WrongArity(ctx);
	if (parse_expire(ctx, argv + 3, argc - 3, &expire_at))
		return REDISMODULE_OK;
	set_one(ctx, argv[1], argv[2], expire_at);
	/*
	 * A replica or the AOF gets the expiry as a time, not a delay (as
	 * Redis does for SET): replayed later, it must not live longer.
	 */
	if (expire_at)
		RedisModule_Replicate(ctx, "UTMEM.SET", "sscl", argv[1],
				      argv[2], "PXAT", expire_at);
	else
		RedisModule_ReplicateVerbatim(ctx);
	return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

static int cmd_mset(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
	int i;

	if (argc < 3 || argc % 2 == 0)
		return RedisModule_WrongArity(ctx);
	for (i = 1; i < argc; i += 2)
		set_one(ctx, argv[i], argv[i + 1], 0);
	RedisModule_ReplicateVerbatim(ctx);
	return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

/*
 * The key's value, NULL if it has none; a plain string's value goes to
 * *@plain (free it), another type's key sets *@wrongtype.
 */
static struct rutmem_value *lookup(RedisModuleCtx *ctx,
				   RedisModuleString *name,
				   RedisModuleString **plain, int *wrongtype)
{
	RedisModuleKey *key = RedisModule_OpenKey(ctx, name, REDISMODULE_READ);
	struct rutmem_value *v = NULL;
	const char *buf;
	size_t len;

	*wrongtype = 0;
	*plain = NULL;
	switch (RedisModule_KeyType(key)) {
	case REDISMODULE_KEYTYPE_EMPTY:
		break;
	case REDISMODULE_KEYTYPE_STRING:
		buf = RedisModule_StringDMA(key, &len, REDISMODULE_READ);
		*plain = RedisModule_CreateString(ctx, buf, len);
		break;
	default:
		if (RedisModule_ModuleTypeGetType(key) == rutmem_type)
			v = RedisModule_ModuleTypeGetValue(key);
		else
			*wrongtype = 1;
	}
	RedisModule_CloseKey(key);
	return v;
}

static int cmd_get(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
	RedisModuleString *plain;
	struct rutmem_value *v;
	const char *buf;
	int wrongtype, err;

	if (argc != 2)
		return RedisModule_WrongArity(ctx);
	v = lookup(ctx, argv[1], &plain, &wrongtype);
	if (wrongtype)
		return RedisModule_ReplyWithError(ctx, REDISMODULE_ERRORMSG_WRONGTYPE);
	if (plain) {
		rutmem_add(hits, 1);
		RedisModule_ReplyWithString(ctx, plain);
		RedisModule_FreeString(ctx, plain);
		return REDISMODULE_OK;
	}
	if (!v) {
		rutmem_add(misses, 1);
		return RedisModule_ReplyWithNull(ctx);
	}
	err = rutmem_value_read(v, &buf);
	if (err)
		return reply_read_error(ctx, err);
	rutmem_add(hits, 1);
	RedisModule_ReplyWithStringBuffer(ctx, buf, v->len);
	rutmem_value_touch(v, buf);
	return REDISMODULE_OK;
}

static int cmd_mget(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
	size_t i, n = (size_t)argc - 1;
	struct rutmem_value **values;
	RedisModuleString **plain;
	const char **bufs;
	int *errs, wrongtype;

	if (argc < 2)
		return RedisModule_WrongArity(ctx);
	values = RedisModule_Alloc(n * sizeof(*values));
	plain = RedisModule_Alloc(n * sizeof(*plain));
	bufs = RedisModule_Alloc(n * sizeof(*bufs));
	errs = RedisModule_Alloc(n * sizeof(*errs));
	for (i = 0; i < n; i++)
		values[i] = lookup(ctx, argv[i + 1], &plain[i], &wrongtype);
	rutmem_read_many(values, bufs, errs, n);

	RedisModule_ReplyWithArray(ctx, (long)n);
	for (i = 0; i < n; i++) {
		if (plain[i]) {
			rutmem_add(hits, 1);
			RedisModule_ReplyWithString(ctx, plain[i]);
			RedisModule_FreeString(ctx, plain[i]);
		} else if (!values[i]) {
			rutmem_add(misses, 1);
			RedisModule_ReplyWithNull(ctx);
		} else if (errs[i]) {
			reply_read_error(ctx, errs[i]);
		} else {
			rutmem_add(hits, 1);
			RedisModule_ReplyWithStringBuffer(ctx, bufs[i],
							  values[i]->len);
		}
	}
	for (i = 0; i < n; i++)
		if (values[i] && !errs[i])
			rutmem_value_touch(values[i], bufs[i]);
	RedisModule_Free(values);
	RedisModule_Free(plain);
	RedisModule_Free(bufs);
	RedisModule_Free(errs);
	return REDISMODULE_OK;
}

static int cmd_del(RedisModuleCtx *ctx, RedisModuleString **argv, int argc)
{
	long long deleted = 0;
	int i;

	if (argc < 2)
		return RedisModule_WrongArity(ctx);
	for (i = 1; i < argc; i++) {
		RedisModuleKey *key = RedisModule_OpenKey(ctx, argv[i],
							  REDISMODULE_WRITE);

		if (RedisModule_KeyType(key) != REDISMODULE_KEYTYPE_EMPTY) {
			RedisModule_DeleteKey(key);
			deleted++;
		}
		RedisModule_CloseKey(key);
	}
	RedisModule_ReplicateVerbatim(ctx);
	return RedisModule_ReplyWithLongLong(ctx, deleted);
}

struct command {
	const char *name;
	RedisModuleCmdFunc func;
	const char *flags;
	int first, last, step;
};

static const struct command commands[] = {
	{ "utmem.set", cmd_set, "write deny-oom", 1, 1, 1 },
	{ "utmem.get", cmd_get, "readonly fast", 1, 1, 1 },
	{ "utmem.del", cmd_del, "write", 1, -1, 1 },
	{ "utmem.mset", cmd_mset, "write deny-oom", 1, -1, 2 },
	{ "utmem.mget", cmd_mget, "readonly fast", 1, -1, 1 },
};

int rutmem_commands_register(RedisModuleCtx *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (RedisModule_CreateCommand(ctx, c->name, c->func, c->flags,
					      c->first, c->last, c->step) ==
		    REDISMODULE_ERR)
			return REDISMODULE_ERR;
	}
	return REDISMODULE_OK;
}
