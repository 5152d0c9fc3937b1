/* SPDX-License-Identifier: GPL-2.0 */
/*
 * redis-utmem: a Redis module that keeps values in host memory through
 * /dev/utmem (libutmem).  Every key the module writes holds a small
 * struct rutmem_value in Redis; the value's bytes live either there
 * ("inline": small values, hot values, and anything the host refused)
 * or in one private persistent pool on the host under a 64-bit id that is
 * never reused.  The id, not the key name, names the host copy, so
 * RENAME, MOVE, SWAPDB and COPY need nothing from the host.
 */
#ifndef RUTMEM_H
#define RUTMEM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "redismodule.h"

/* What MODULE LOAD (or loadmodule) sets; see rutmem_parse_args(). */
struct rutmem_config {
	const char *device;		/* /dev/utmem */
	size_t threshold;		/* values shorter than this stay inline */
	size_t buffered_max;		/* values up to this may be coalesced */
	uint32_t hot_gets;		/* GETs that make a host value hot; 0: never */
	size_t hot_bytes;		/* inline budget for hot values */
	uint32_t transparent;		/* route SET, GET, MSET, MGET here */
	size_t ram_bytes;		/* Redis memory for values; 0 (not auto): off */
	uint32_t ram_bytes_auto;	/* ram_bytes follows the guest: budget.c */
};

/*
 * One value.  @id is 0 for an inline value, whose bytes are @data.  A
 * host value has @id != 0 and @data NULL, except while its PUT may still
 * sit in the device's coalescing buffer: the host can refuse such a PUT
 * after the ioctl returned, so @data keeps a copy (and @pending_slot
 * says where it is listed) until the next UTMEM_SYNC says it arrived.
 */
struct rutmem_value {
	uint64_t id;
	uint64_t epoch;
	size_t len;
	char *data;
	uint32_t gets;
	uint32_t pending_slot;
	int hot;
	/* On the LRU of values in Redis memory (ram_bytes), newest first. */
	struct rutmem_value *lru_prev, *lru_next;
	int in_lru;
};

/* Counters for INFO utmem; updated with atomics (see rutmem_value_free()). */
struct rutmem_counters {
	uint64_t keys_host;
	uint64_t keys_inline;
	uint64_t bytes_host;
	uint64_t bytes_inline;
	uint64_t bytes_hot;
	uint64_t hits;
	uint64_t misses;
	uint64_t device_errors;
	uint64_t put_refused;
	uint64_t promotions;
	uint64_t pool_flushes;
	uint64_t deferred_deletes;
	uint64_t routed;
	uint64_t demotions;
};

struct rutmem {
	struct rutmem_config cfg;
	int fd;
	uint32_t pool;
	uint64_t next_id;
	uint64_t epoch;
	struct rutmem_counters count;
	/* Values whose PUT may still be buffered (see struct rutmem_value). */
	pthread_mutex_t pending_lock;
	struct rutmem_value **pending;
	uint32_t pending_count;
	size_t pending_size;
	size_t pending_bytes;
	/*
	 * Fork children alive (BGSAVE, AOF rewrite, a replica's sync), and
	 * the host copies whose delete waits for them; under pending_lock.
	 */
	uint32_t children;
	uint64_t *deferred;
	size_t deferred_count;
	size_t deferred_size;
	/* Values in Redis memory under ram_bytes, and their bytes; under
	 * pending_lock (rutmem_value_free() may run on another thread). */
	struct rutmem_value *lru_head, *lru_tail;
	size_t lru_bytes;
};

extern struct rutmem rutmem;
extern RedisModuleType *rutmem_type;

#define rutmem_add(field, n) \
	__atomic_add_fetch(&rutmem.count.field, (n), __ATOMIC_RELAXED)
#define rutmem_sub(field, n) \
	__atomic_sub_fetch(&rutmem.count.field, (n), __ATOMIC_RELAXED)
#define rutmem_read(field) \
	__atomic_load_n(&rutmem.count.field, __ATOMIC_RELAXED)

/* args.c */
int rutmem_parse_args(RedisModuleCtx *ctx, RedisModuleString **argv,
		      int argc, struct rutmem_config *cfg);

/* budget.c */
int rutmem_budget_init(RedisModuleCtx *ctx);
void rutmem_budget_free(void);
size_t rutmem_budget(void);
size_t rutmem_budget_peek(void);
int rutmem_budget_on(void);

/* store.c */
int rutmem_store_open(RedisModuleCtx *ctx);
void rutmem_store_close(void);
struct rutmem_value *rutmem_value_new(const char *buf, size_t len);
int rutmem_value_read(struct rutmem_value *v, const char **buf);
void rutmem_value_touch(struct rutmem_value *v, const char *buf);
void rutmem_value_replaced(struct rutmem_value *v);
void rutmem_value_free(struct rutmem_value *v);
int rutmem_sync(void);
int rutmem_flush_all(void);
void rutmem_fork_born(void);
void rutmem_fork_died(void);
void rutmem_read_many(struct rutmem_value **values, const char **bufs,
		     int *errs, size_t count);

/* type.c */
int rutmem_type_register(RedisModuleCtx *ctx);

/* commands.c */
int rutmem_commands_register(RedisModuleCtx *ctx);

/* filter.c */
int rutmem_filter_register(RedisModuleCtx *ctx);

#endif /* RUTMEM_H */
