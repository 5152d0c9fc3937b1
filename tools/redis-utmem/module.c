// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: loading the module, INFO utmem, and the server events it
 * follows.  Load it with
 *
 *   redis-server --loadmodule redis-utmem.so [NAME VALUE ...]
 *
 * (arguments in args.c).  The module opens the utmem device and creates
 * one private pool; the pool lives as long as the server process, whose
 * exit closes the file and so frees everything the host holds for it.
 * Redis refuses MODULE UNLOAD for a module with a data type (its keys
 * would have no methods), so that is the only way the pool ends.
 */
#include "rutmem.h"
#include "utmem.h"

static void info(RedisModuleInfoCtx *ctx, int for_crash_report)
{
	struct utmem_stats stats = { 0 };
	const struct {
		const char *name;
		uint64_t *counter;
	} fields[] = {
		{ "keys_host", &rutmem.count.keys_host },
		{ "keys_inline", &rutmem.count.keys_inline },
		{ "bytes_host", &rutmem.count.bytes_host },
		{ "bytes_inline", &rutmem.count.bytes_inline },
		{ "bytes_hot", &rutmem.count.bytes_hot },
		{ "hits", &rutmem.count.hits },
		{ "misses", &rutmem.count.misses },
		{ "device_errors", &rutmem.count.device_errors },
		{ "put_refused", &rutmem.count.put_refused },
		{ "promotions", &rutmem.count.promotions },
		{ "pool_flushes", &rutmem.count.pool_flushes },
		{ "deferred_deletes", &rutmem.count.deferred_deletes },
		{ "routed", &rutmem.count.routed },
		{ "demotions", &rutmem.count.demotions },
	};
	size_t i;

	RedisModule_InfoAddSection(ctx, "");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		RedisModule_InfoAddFieldULongLong(ctx, fields[i].name,
			__atomic_load_n(fields[i].counter, __ATOMIC_RELAXED));
	RedisModule_InfoAddFieldULongLong(ctx, "pending_puts",
					  rutmem.pending_count);
	RedisModule_InfoAddFieldULongLong(ctx, "threshold",
					  rutmem.cfg.threshold);
	RedisModule_InfoAddFieldULongLong(ctx, "hot_gets",
					  rutmem.cfg.hot_gets);
	RedisModule_InfoAddFieldULongLong(ctx, "transparent",
					  rutmem.cfg.transparent);
	RedisModule_InfoAddFieldULongLong(ctx, "ram_bytes",
					  rutmem_budget_peek());
	RedisModule_InfoAddFieldULongLong(ctx, "ram_bytes_auto",
					  rutmem.cfg.ram_bytes_auto);
	RedisModule_InfoAddFieldULongLong(ctx, "lru_bytes", rutmem.lru_bytes);
	if (for_crash_report ||
	    utmem_stats(rutmem.fd, rutmem.pool, &stats))
		return;
	RedisModule_InfoAddFieldULongLong(ctx, "device_puts", stats.puts);
	RedisModule_InfoAddFieldULongLong(ctx, "device_gets", stats.gets);
	RedisModule_InfoAddFieldULongLong(ctx, "device_host_puts",
					  stats.host_puts);
	RedisModule_InfoAddFieldULongLong(ctx, "device_buffered_bytes",
					  stats.buffered_bytes);
}

static void on_flush(RedisModuleCtx *ctx, RedisModuleEvent event,
		     uint64_t subevent, void *data)
{
	RedisModuleFlushInfo *fi = data;

	(void)event;
	if (subevent != REDISMODULE_SUBEVENT_FLUSHDB_START)
		return;
	/* A FLUSHDB may free its values on a background thread: see store.c. */
	if (fi->dbnum == -1 && !rutmem_flush_all())
		return;
	if (rutmem_sync())
		RedisModule_Log(ctx, "warning", "sync before flush failed");
}

/* Pending PUTs are settled once per event-loop turn. */
static void on_event_loop(RedisModuleCtx *ctx, RedisModuleEvent event,
			  uint64_t subevent, void *data)
{
	(void)ctx;
	(void)event;
	(void)data;
	if (subevent == REDISMODULE_SUBEVENT_EVENTLOOP_BEFORE_SLEEP)
		rutmem_sync();
}

/* A saving child reads host copies: see "Fork children" in store.c. */
static void on_fork_child(RedisModuleCtx *ctx, RedisModuleEvent event,
			  uint64_t subevent, void *data)
{
	(void)ctx;
	(void)event;
	(void)data;
	if (subevent == REDISMODULE_SUBEVENT_FORK_CHILD_BORN)
		rutmem_fork_born();
	else if (subevent == REDISMODULE_SUBEVENT_FORK_CHILD_DIED)
		rutmem_fork_died();
}

int RedisModule_OnLoad(RedisModuleCtx *ctx, RedisModuleString **argv,
		       int argc)
{
	if (RedisModule_Init(ctx, "utmem", 1, REDISMODULE_APIVER_1) ==
	    REDISMODULE_ERR)
		return REDISMODULE_ERR;
	if (rutmem_parse_args(ctx, argv, argc, &rutmem.cfg) ||
	    rutmem_store_open(ctx))
		return REDISMODULE_ERR;
	if (rutmem_budget_init(ctx)) {
		rutmem_store_close();
		return REDISMODULE_ERR;
	}
	if (rutmem_type_register(ctx) ||
	    rutmem_commands_register(ctx) ||
	    rutmem_filter_register(ctx) ||
	    RedisModule_RegisterInfoFunc(ctx, info) == REDISMODULE_ERR ||
	    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_FlushDB,
					       on_flush) == REDISMODULE_ERR ||
	    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_EventLoop,
					       on_event_loop) == REDISMODULE_ERR ||
	    RedisModule_SubscribeToServerEvent(ctx, RedisModuleEvent_ForkChild,
					       on_fork_child) == REDISMODULE_ERR) {
		RedisModule_Log(ctx, "warning", "cannot register with Redis");
		rutmem_budget_free();
		rutmem_store_close();
		return REDISMODULE_ERR;
	}
	RedisModule_Log(ctx, "notice",
			"pool %u on %s, ram_bytes %zu, threshold %zu, hot_gets %u%s",
			rutmem.pool, rutmem.cfg.device, rutmem_budget(),
			rutmem.cfg.threshold, rutmem.cfg.hot_gets,
			rutmem.cfg.transparent ? ", transparent" : "");
	return REDISMODULE_OK;
}
