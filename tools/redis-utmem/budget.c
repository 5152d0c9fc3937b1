// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: how many bytes of values may live in Redis memory
 * (ram_bytes), the least recently used going to the host past it.
 *
 * A number sets it.  "auto", the default, derives it from the guest:
 * Redis as a whole may take what the kernel reported available
 * (MemAvailable) when the module loaded, less an eighth kept free; the
 * values get what of that the rest of Redis (keys, records, dictionaries,
 * buffers: its used_memory beside the values) leaves them.  So the budget
 * shrinks as the key space grows, and a data set with many small values
 * keeps fewer of them in Redis memory.  Redis's used_memory is read at
 * most every BUDGET_REFRESH_NS, on the main thread (it builds INFO's
 * memory section).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "rutmem.h"

#define BUDGET_REFRESH_NS	100000000ULL	/* 100 ms */
#define BUDGET_FREE_SHARE	8		/* 1/8 of available kept free */

static RedisModuleCtx *info_ctx;
static size_t budget_base;	/* auto: what Redis as a whole may take */
static size_t budget;		/* what values in Redis memory may take */
static unsigned long long refreshed_ns;

/* MemAvailable at load, in bytes; without /proc/meminfo, half of RAM. */
static size_t mem_available(void)
{
	unsigned long long kib;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	size_t avail = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
			avail = (size_t)kib * 1024;
			break;
		}
	if (f)
		fclose(f);
	if (!avail)
		avail = (size_t)sysconf(_SC_PHYS_PAGES) *
			(size_t)sysconf(_SC_PAGESIZE) / 2;
	return avail;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

static void refresh(void)
{
	RedisModuleServerInfoData *info;
	unsigned long long used;
	size_t others;
	int err = 0;

	info = RedisModule_GetServerInfo(info_ctx, "memory");
	if (!info)
		return;
	used = RedisModule_ServerInfoGetFieldUnsigned(info, "used_memory",
						      &err);
	RedisModule_FreeServerInfo(info_ctx, info);
	if (err)
		return;
	others = used > rutmem.lru_bytes ? used - rutmem.lru_bytes : 0;
	budget = budget_base > others ? budget_base - others : 0;
}

int rutmem_budget_init(RedisModuleCtx *ctx)
{
	size_t avail;

	if (!rutmem.cfg.ram_bytes_auto) {
		budget = rutmem.cfg.ram_bytes;
		return REDISMODULE_OK;
	}
	info_ctx = RedisModule_GetDetachedThreadSafeContext(ctx);
	if (!info_ctx) {
		RedisModule_Log(ctx, "warning", "ram_bytes auto: no context");
		return REDISMODULE_ERR;
	}
	avail = mem_available();
	budget_base = avail - avail / BUDGET_FREE_SHARE;
	refresh();
	refreshed_ns = now_ns();
	RedisModule_Log(ctx, "notice",
			"ram_bytes auto: Redis may take %zu of the %zu bytes available at load; values now %zu",
			budget_base, avail, budget);
	return REDISMODULE_OK;
}

void rutmem_budget_free(void)
{
	if (info_ctx)
		RedisModule_FreeThreadSafeContext(info_ctx);
	info_ctx = NULL;
}

/* Whether values are placed by a budget at all (ram_bytes not 0). */
int rutmem_budget_on(void)
{
	return rutmem.cfg.ram_bytes_auto || rutmem.cfg.ram_bytes;
}

/* The budget as last computed: for INFO, which may run in a crash report. */
size_t rutmem_budget_peek(void)
{
	return budget;
}

size_t rutmem_budget(void)
{
	unsigned long long now;

	if (!rutmem.cfg.ram_bytes_auto)
		return budget;
	now = now_ns();
	if (now - refreshed_ns >= BUDGET_REFRESH_NS) {
		refreshed_ns = now;
		refresh();
	}
	return budget;
}
