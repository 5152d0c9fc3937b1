// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: the MODULE LOAD arguments, as NAME VALUE pairs:
 *
 *   device PATH          the utmem device (/dev/utmem)
 *   threshold BYTES      values shorter than this stay in Redis memory (0)
 *   buffered_max BYTES   values up to this may wait in the device's
 *                        coalescing buffer; larger ones are sent at once
 *                        (1024, the device's own default limit)
 *   hot_gets N           a host value read N times moves into Redis
 *                        memory; 0 (the default) never moves one
 *   hot_bytes BYTES      the Redis memory hot values may take (16 MiB)
 *   ram_bytes BYTES|auto values live in Redis memory up to this many
 *                        bytes; the least recently used go to the host
 *                        past it, and a host value read hot_gets times
 *                        (2 if 0) comes back; 0 sends every value to
 *                        the host at once; auto (the default) follows
 *                        the guest's available memory (budget.c)
 *   transparent 0|1      route every client's SET, GET, MSET and MGET to
 *                        the module (filter.c); 0 (the default) leaves
 *                        them alone
 *
 * A bad argument fails the load with a log line that names it.
 */
#include <string.h>

#include "rutmem.h"
#include "utmem.h"

struct size_arg {
	const char *name;
	long long max;
	size_t offset;
	int is_u32;
	/* A word also taken instead of a number, or NULL; the uint32_t at
	 * @word_offset says which of the two was given (1: the word). */
	const char *word;
	size_t word_offset;
};

static const struct size_arg size_args[] = {
	{ "threshold", UTMEM_VALUE_MAX + 1LL,
	  offsetof(struct rutmem_config, threshold), 0, NULL, 0 },
	{ "buffered_max", 65536, offsetof(struct rutmem_config, buffered_max),
	  0, NULL, 0 },
	{ "hot_gets", 1000000, offsetof(struct rutmem_config, hot_gets), 1,
	  NULL, 0 },
	{ "hot_bytes", 1LL << 40, offsetof(struct rutmem_config, hot_bytes), 0,
	  NULL, 0 },
	{ "transparent", 1, offsetof(struct rutmem_config, transparent), 1,
	  NULL, 0 },
	{ "ram_bytes", 1LL << 40, offsetof(struct rutmem_config, ram_bytes), 0,
	  "auto", offsetof(struct rutmem_config, ram_bytes_auto) },
};

static int set_size_arg(RedisModuleCtx *ctx, const struct size_arg *a,
			RedisModuleString *value, struct rutmem_config *cfg)
{
	const char *text = RedisModule_StringPtrLen(value, NULL);
	char *field = (char *)cfg + a->offset;
	int is_word = a->word && !strcasecmp(text, a->word);
	long long n;

	if (a->word)
		*(uint32_t *)((char *)cfg + a->word_offset) = (uint32_t)is_word;
	if (is_word)
		return REDISMODULE_OK;
	if (RedisModule_StringToLongLong(value, &n) != REDISMODULE_OK ||
	    n < 0 || n > a->max) {
		RedisModule_Log(ctx, "warning",
				"%s '%s' is not a number in 0..%lld%s%s",
				a->name, text, a->max, a->word ? " or " : "",
				a->word ? a->word : "");
		return REDISMODULE_ERR;
	}
	if (a->is_u32)
		*(uint32_t *)field = (uint32_t)n;
	else
		*(size_t *)field = (size_t)n;
	return REDISMODULE_OK;
}

int rutmem_parse_args(RedisModuleCtx *ctx, RedisModuleString **argv,
		      int argc, struct rutmem_config *cfg)
{
	int i;

	cfg->device = UTMEM_DEVICE;
	cfg->threshold = 0;
	cfg->buffered_max = 1024;
	cfg->hot_gets = 0;
	cfg->hot_bytes = 16 << 20;
	cfg->transparent = 0;
	cfg->ram_bytes_auto = 1;

	if (argc % 2) {
		RedisModule_Log(ctx, "warning",
				"arguments come as NAME VALUE pairs; '%s' has no value",
				RedisModule_StringPtrLen(argv[argc - 1], NULL));
		return REDISMODULE_ERR;
	}
	for (i = 0; i < argc; i += 2) {
		const char *name = RedisModule_StringPtrLen(argv[i], NULL);
		size_t k;

		if (!strcasecmp(name, "device")) {
			cfg->device = RedisModule_Strdup(
				RedisModule_StringPtrLen(argv[i + 1], NULL));
			continue;
		}
		for (k = 0; k < sizeof(size_args) / sizeof(size_args[0]); k++)
			if (!strcasecmp(name, size_args[k].name))
				break;
		if (k == sizeof(size_args) / sizeof(size_args[0])) {
			RedisModule_Log(ctx, "warning",
					"unknown argument '%s' (device, threshold, buffered_max, hot_gets, hot_bytes, transparent, ram_bytes)",
					name);
			return REDISMODULE_ERR;
		}
		if (set_size_arg(ctx, &size_args[k], argv[i + 1], cfg))
			return REDISMODULE_ERR;
	}
	return REDISMODULE_OK;
}
