// SPDX-License-Identifier: GPL-2.0
/*
 * redis_soak: Redis traffic of the soak, through the redis-utmem module.
 * Random UTMEM.SET, UTMEM.GET, UTMEM.DEL, UTMEM.MSET and UTMEM.MGET on
 * keys of this client's own, values of 1 byte to 20 KB (small ones go
 * through the device's coalescing buffer), every reply checked against a
 * shadow: the module promises that a refusal costs Redis memory, never a
 * value, so a GET must give exactly the last value SET, or nil after a
 * DEL.
 *
 *   redis_soak --socket PATH -i ID [-s SEED] [-n OPS] [-k KEYS]
 *
 * Prints "redis_soak: id=.. ops=.. bytes_verified=.. mismatches=..
 * errors=.." and exits 1 on a mismatch or an error reply, 2 on bad
 * arguments or no connection.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include "soak_args.h"
#include "soak_value.h"

#define VALUE_MAX	20000
#define MULTI		8
#define PLACE		7	/* soak_value()'s place for Redis */

struct key {
	uint32_t version;
	uint32_t len;		/* 0: no value */
};

static unsigned long id;
static struct key *keys;
static uint64_t ops, sets, gets, dels, bytes_verified, mismatches, errors;

static void usage(void)
{
	fprintf(stderr, "usage: redis_soak --socket PATH -i ID (0..65535) [-s SEED] [-n OPS] [-k KEYS (1..65536)]\n");
	exit(2);
}

static void error_reply(const char *what, const redisReply *r)
{
	errors++;
	fprintf(stderr, "redis_soak %lu: %s: %s\n", id, what,
		r && r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
}

/* Check one value reply for key @k. */
static void check(const redisReply *r, unsigned long k, uint8_t *want)
{
	const struct key *key = &keys[k];

	gets++;
	if (r->type == REDIS_REPLY_NIL) {
		if (key->len) {
			mismatches++;
			fprintf(stderr, "redis_soak %lu: key %lu: value lost\n",
				id, k);
		}
		return;
	}
	if (r->type != REDIS_REPLY_STRING) {
		error_reply("GET", r);
		return;
	}
	soak_value(want, key->len, id, PLACE, k, key->version);
	if (!key->len || r->len != key->len || memcmp(r->str, want, r->len)) {
		mismatches++;
		fprintf(stderr, "redis_soak %lu: key %lu: wrong value (len %zu, want %u)\n",
			id, k, r->len, key->len);
		return;
	}
	bytes_verified += r->len;
}

static uint32_t value_len(uint64_t *seed)
{
	return soak_rnd(seed) % 3 ? 1 + soak_rnd(seed) % 1024 :
				    1 + soak_rnd(seed) % VALUE_MAX;
}

static int set_ok(redisReply *r)
{
	return r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK");
}

/* UTMEM.MSET or UTMEM.MGET of @n distinct keys. */
static void multi(redisContext *c, int is_set, unsigned long nkeys,
		  uint8_t *bufs, uint8_t *want, uint64_t *seed)
{
	const char *argv[1 + 2 * MULTI];
	size_t argl[1 + 2 * MULTI];
	char names[MULTI][32];
	unsigned long k[MULTI];
	uint32_t len[MULTI];
	unsigned int n = 1 + soak_rnd(seed) % MULTI, i, argc = 1;
	redisReply *r;

	n = soak_distinct_keys(k, n, nkeys, seed);
	argv[0] = is_set ? "UTMEM.MSET" : "UTMEM.MGET";
	argl[0] = strlen(argv[0]);
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "r%lu:%lu", id, k[i]);
		argv[argc] = names[i];
		argl[argc++] = strlen(names[i]);
		if (!is_set)
			continue;
		len[i] = value_len(seed);
		soak_value(bufs + (size_t)i * VALUE_MAX, len[i], id, PLACE,
			   k[i], keys[k[i]].version + 1);
		argv[argc] = (const char *)bufs + (size_t)i * VALUE_MAX;
		argl[argc++] = len[i];
	}
	r = redisCommandArgv(c, argc, argv, argl);
	if (!r) {
		fprintf(stderr, "redis_soak %lu: connection: %s\n", id, c->errstr);
		exit(1);
	}
	if (is_set) {
		sets += n;
		if (!set_ok(r)) {
			error_reply("MSET", r);
		} else {
			for (i = 0; i < n; i++) {
				keys[k[i]].version++;
				keys[k[i]].len = len[i];
			}
		}
	} else if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		error_reply("MGET", r);
	} else {
		for (i = 0; i < n; i++)
			check(r->element[i], k[i], want);
	}
	freeReplyObject(r);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 'S' },
		{}
	};
	struct soak_args a = { .id = ~0UL, .seed = 1, .ops = 20000,
			       .keys = 1024 };
	unsigned long nkeys, k;
	const char *socket = NULL;
	uint8_t *val, *want, *bufs;
	uint64_t seed;
	redisContext *c;
	redisReply *r;
	int opt;

	while ((opt = getopt_long(argc, argv, SOAK_ARGS_OPTS, options,
				  NULL)) != -1) {
		if (opt == 'S')
			socket = optarg;
		else if (soak_arg(opt, optarg, &a))
			usage();
	}
	if (optind != argc || !socket || a.id == ~0UL)
		usage();
	id = a.id;
	nkeys = a.keys;
	seed = a.seed * 0x9e3779b97f4a7c15ULL ^ id << 20 ^ 0x7ed15;
	if (!seed)
		seed = 1;
	keys = calloc(nkeys, sizeof(*keys));
	val = malloc(VALUE_MAX);
	want = malloc(VALUE_MAX);
	bufs = malloc((size_t)MULTI * VALUE_MAX);
	if (!keys || !val || !want || !bufs)
		return 2;
	c = redisConnectUnix(socket);
	if (!c || c->err) {
		fprintf(stderr, "redis_soak: cannot connect to %s: %s\n", socket,
			c ? c->errstr : "out of memory");
		return 2;
	}
	/* A key of an earlier run of this id starts absent. */
	for (k = 0; k < nkeys; k++) {
		r = redisCommand(c, "UTMEM.DEL r%lu:%lu", id, k);
		if (!r || r->type != REDIS_REPLY_INTEGER)
			error_reply("DEL", r);
		freeReplyObject(r);
	}

	for (ops = 0; ops < a.ops; ops++) {
		unsigned int op = soak_rnd(&seed) % 100;

		k = soak_rnd(&seed) % nkeys;
		if (op < 45) {
			uint32_t len = value_len(&seed);

			soak_value(val, len, id, PLACE, k, keys[k].version + 1);
			r = redisCommand(c, "UTMEM.SET r%lu:%lu %b", id, k, val,
					 (size_t)len);
			sets++;
			if (set_ok(r)) {
				keys[k].version++;
				keys[k].len = len;
			} else {
				error_reply("SET", r);
			}
		} else if (op < 85) {
			r = redisCommand(c, "UTMEM.GET r%lu:%lu", id, k);
			if (r)
				check(r, k, want);
		} else if (op < 93) {
			r = redisCommand(c, "UTMEM.DEL r%lu:%lu", id, k);
			dels++;
			if (r && r->type == REDIS_REPLY_INTEGER &&
			    r->integer == (keys[k].len != 0))
				keys[k].len = 0;
			else
				error_reply("DEL", r);
		} else {
			multi(c, op < 96, nkeys, bufs, want, &seed);
			continue;
		}
		if (!r) {
			fprintf(stderr, "redis_soak %lu: connection: %s\n", id,
				c->errstr);
			return 1;
		}
		freeReplyObject(r);
	}
	/* Every key once more. */
	for (k = 0; k < nkeys; k++) {
		r = redisCommand(c, "UTMEM.GET r%lu:%lu", id, k);
		if (!r)
			return 1;
		check(r, k, want);
		freeReplyObject(r);
	}
	printf("redis_soak: id=%lu ops=%" PRIu64 " sets=%" PRIu64 " gets=%" PRIu64
	       " dels=%" PRIu64 " bytes_verified=%" PRIu64 " mismatches=%" PRIu64
	       " errors=%" PRIu64 "\n", id, ops, sets, gets, dels,
	       bytes_verified, mismatches, errors);
	redisFree(c);
	return mismatches || errors;
}
