// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: transparent mode (MODULE LOAD argument "transparent 1").
 * A command filter routes every client's SET, GET, MSET and MGET to the
 * module's commands, so that an application, or redis-benchmark, keeps
 * its values in host memory without a change.  What stays native:
 *
 * - a SET with an option UTMEM.SET does not take (NX, XX, GET,
 *   KEEPTTL): Redis's own SET replaces a module key as any key;
 * - a SET or MSET whose values are all shorter than the "threshold"
 *   argument: short values stay plain strings, which INCR, APPEND and the
 *   other string commands work on (a longer value SET later replaces one
 *   as any key, and back);
 * - everything else: DEL, UNLINK, EXPIRE, TTL, EXISTS and the like work
 *   on module keys as on any key.
 *
 * UTMEM.GET and UTMEM.MGET return plain strings as GET does, so reads
 * see both kinds.  The string commands (APPEND, INCR, GETRANGE, ...) on a
 * key whose value went to the module answer WRONGTYPE.
 */
#include <string.h>
#include <strings.h>

#include "rutmem.h"

enum values { READS, ONE_VALUE, PAIRS };

struct route {
	const char *from;
	const char *to;
	enum values values;	/* what the command writes */
};

static const struct route routes[] = {
	{ "set", "utmem.set", ONE_VALUE },
	{ "get", "utmem.get", READS },
	{ "mset", "utmem.mset", PAIRS },
	{ "mget", "utmem.mget", READS },
};

static const char *arg(RedisModuleCommandFilterCtx *fctx, int pos,
		       size_t *len)
{
	return RedisModule_StringPtrLen(RedisModule_CommandFilterArgGet(fctx,
									pos),
					len);
}

/* Whether a SET's options (from argument 3) are all UTMEM.SET's. */
static int set_options_ours(RedisModuleCommandFilterCtx *fctx, int argc)
{
	const char *opt;
	int i;

	for (i = 3; i < argc; i += 2) {
		opt = arg(fctx, i, NULL);
		if (strcasecmp(opt, "ex") && strcasecmp(opt, "px") &&
		    strcasecmp(opt, "exat") && strcasecmp(opt, "pxat"))
			return 0;
	}
	return 1;
}

/* Whether any value of a SET (argument 2) or MSET is long enough. */
static int has_long_value(RedisModuleCommandFilterCtx *fctx, int argc,
			  const struct route *r)
{
	size_t len;
	int i;

	for (i = 2; i < argc; i += 2) {
		arg(fctx, i, &len);
		if (len >= rutmem.cfg.threshold)
			return 1;
		if (r->values != PAIRS)
			break;
	}
	return 0;
}

static void filter(RedisModuleCommandFilterCtx *fctx)
{
	int argc = RedisModule_CommandFilterArgsCount(fctx);
	const struct route *r = NULL;
	const char *name;
	size_t i;

	if (argc < 2)
		return;
	name = arg(fctx, 0, NULL);
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcasecmp(name, routes[i].from))
			r = &routes[i];
	if (!r)
		return;
	if (r->values == ONE_VALUE && !set_options_ours(fctx, argc))
		return;
	if (r->values != READS && !has_long_value(fctx, argc, r))
		return;
	RedisModule_CommandFilterArgReplace(fctx, 0,
		RedisModule_CreateString(NULL, r->to, strlen(r->to)));
	rutmem_add(routed, 1);
}

int rutmem_filter_register(RedisModuleCtx *ctx)
{
	if (!rutmem.cfg.transparent)
		return REDISMODULE_OK;
	/* NOSELF: the module's own calls are never rerouted. */
	return RedisModule_RegisterCommandFilter(ctx, filter,
						 REDISMODULE_CMDFILTER_NOSELF) ?
	       REDISMODULE_OK : REDISMODULE_ERR;
}
