// SPDX-License-Identifier: GPL-2.0
/*
 * utmem_client: one /dev/utmem user of the soak.  It keeps four pools --
 * private persistent, private ephemeral, and a persistent and an
 * ephemeral pool shared by UUID with the other clients -- and does random
 * PUTs (buffered and not, 1 byte to 3 chunks), GETs, DELETEs, batches,
 * SYNCs and pool flushes on them, checking every value read against a
 * shadow of what each key must hold.
 *
 *   utmem_client -i ID [-s SEED] [-n OPS] [-k KEYS] [-x]
 *
 * Keys carry the client's ID, so clients sharing a pool never touch each
 * other's keys.  What a GET may answer:
 *   persistent, PUT answered 0 unbuffered: exactly the value
 *   persistent, buffered PUT: the value, or no value if the host refused
 *     it when the buffer was sent; a SYNC that reports no refusal makes
 *     every such PUT since the last SYNC certain, one that reports some
 *     leaves them uncertain until the key is read, written or deleted
 *   ephemeral: the value or no value (the host may drop it any time), or
 *     EIO when the host fails the GET (losing the value); a GET takes
 *     the value out
 *   after a refused PUT, a DELETE or a pool flush: no value
 *   after a PUT that failed with ENOMEM: the old value or none
 * Anything else -- other bytes, another length, no value where one must
 * be, an unexpected error -- is counted and fails the run.
 *
 * With -x the client ends with _exit() right after a burst of buffered
 * PUTs, leaving the device to tear down its pools and buffer.
 *
 * Prints one line "utmem_client: id=.. ops=.. ... mismatches=.. lost=..
 * errors=.." and exits 1 if any of the last three is non-zero, 2 on bad
 * arguments or when /dev/utmem cannot be used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "utmem.h"
#include "soak_args.h"
#include "soak_value.h"

#define POOLS		4
#define VALUE_MAX	(3 * 4096)
#define BATCH		8

/*
 * MAYBE: a buffered PUT since the last SYNC; UNSURE: the value or none,
 * for good (a SYNC reported refusals, or a PUT failed with ENOMEM).
 */
enum key_state { ABSENT, PRESENT, MAYBE, UNSURE };

struct key {
	uint32_t version;
	uint32_t len;
	uint8_t state;
};

struct pool {
	const char *name;
	uint32_t flags;
	uint32_t id;
	struct key *keys;
};

struct totals {
	uint64_t ops, puts, refused, nomem, gets, hits, dropped, deletes;
	uint64_t batches;
	uint64_t syncs, sync_failed, flushes, host_failed, bytes_verified;
	uint64_t mismatches, lost, errors;
};

static unsigned int client_id;
static struct totals tot;

static void make_value(uint8_t *buf, uint32_t len, unsigned int pool,
		       unsigned int k, uint32_t version)
{
	soak_value(buf, len, client_id, pool, k, version);
}

static int key_name(char *buf, size_t size, unsigned int k)
{
	return snprintf(buf, size, "c%u:%u", client_id, k);
}

static void bad(uint64_t *counter, const struct pool *p, unsigned int k,
		const char *what, int err)
{
	(*counter)++;
	fprintf(stderr, "utmem_client %u: pool %s key %u: %s (%s)\n",
		client_id, p->name, k, what, err ? utmem_strerror(err) : "-");
}

static uint32_t value_len(uint64_t *seed)
{
	switch (soak_rnd(seed) % 4) {
	case 0:
		return 1 + soak_rnd(seed) % 64;
	case 1:
		return 1 + soak_rnd(seed) % 1024;
	case 2:
		return 1 + soak_rnd(seed) % 4096;
	default:
		return 1 + soak_rnd(seed) % VALUE_MAX;
	}
}

/* Whether a PUT in @p without UTMEM_PUT_NOBUFFER may wait in the buffer. */
static int bufferable(const struct pool *p, uint32_t flags)
{
	return !(p->flags & TMEM_POOL_SHARED) && !(flags & UTMEM_PUT_NOBUFFER);
}

/* The shadow after a PUT of version @v, len @len answered @ret. */
static void put_done(struct pool *p, unsigned int k, uint32_t v, uint32_t len,
		     uint32_t flags, int ret)
{
	struct key *key = &p->keys[k];

	tot.puts++;
	if (ret == -ENOSPC) {
		tot.refused++;
		key->state = ABSENT;
		return;
	}
	/* Over this user's bytes (utmem.user_max_bytes): nothing changed. */
	if (ret == -EDQUOT) {
		tot.refused++;
		return;
	}
	/* The guest or the host was short of memory: old value or none. */
	if (ret == -ENOMEM) {
		tot.nomem++;
		if (key->state != ABSENT)
			key->state = UNSURE;
		return;
	}
	if (ret) {
		bad(&tot.errors, p, k, "PUT failed", ret);
		key->state = ABSENT;
		return;
	}
	key->version = v;
	key->len = len;
	key->state = bufferable(p, flags) ? MAYBE : PRESENT;
}

static void do_put(int fd, struct pool *p, unsigned int pool_nr,
		   unsigned int k, uint8_t *val, uint64_t *seed)
{
	uint32_t len = value_len(seed), v = p->keys[k].version + 1;
	uint32_t flags = soak_rnd(seed) % 4 ? 0 : UTMEM_PUT_NOBUFFER;
	char name[32];
	int n = key_name(name, sizeof(name), k);

	make_value(val, len, pool_nr, k, v);
	put_done(p, k, v, len, flags,
		 utmem_put(fd, p->id, name, n, val, len, flags));
}

/* Check what a GET of key @k answered against the shadow. */
static void get_done(struct pool *p, unsigned int pool_nr, unsigned int k,
		     int ret, const uint8_t *got, size_t len, uint8_t *want)
{
	struct key *key = &p->keys[k];
	int persistent = p->flags & TMEM_POOL_PERSISTENT;

	tot.gets++;
	if (ret == -EIO && !persistent) {
		tot.host_failed++;
		key->state = ABSENT;
		return;
	}
	if (ret == -ENOENT) {
		if (key->state == PRESENT && persistent) {
			bad(&tot.lost, p, k, "value lost", 0);
			fprintf(stderr, "  version %u len %u\n", key->version,
				key->len);
		} else if (key->state != ABSENT)
			tot.dropped++;
		key->state = ABSENT;
		return;
	}
	if (ret) {
		bad(&tot.errors, p, k, "GET failed", ret);
		return;
	}
	tot.hits++;
	if (key->state == ABSENT) {
		bad(&tot.mismatches, p, k, "a value where none must be", 0);
		return;
	}
	make_value(want, key->len, pool_nr, k, key->version);
	if (len != key->len || memcmp(got, want, len)) {
		bad(&tot.mismatches, p, k, "wrong value", 0);
		fprintf(stderr, "  want version %u len %u, got len %zu\n",
			key->version, key->len, len);
	} else {
		tot.bytes_verified += len;
	}
	/* Known now; an ephemeral GET takes the value out. */
	key->state = persistent ? PRESENT : ABSENT;
}

static void do_get(int fd, struct pool *p, unsigned int pool_nr,
		   unsigned int k, uint8_t *got, uint8_t *want)
{
	char name[32];
	int n = key_name(name, sizeof(name), k);
	size_t len = 0;
	int ret = utmem_get(fd, p->id, name, n, got, VALUE_MAX, &len);

	get_done(p, pool_nr, k, ret, got, len, want);
}

/* PUTs or GETs of up to BATCH keys in one UTMEM_BATCH. */
static void do_batch(int fd, struct pool *p, unsigned int pool_nr,
		     unsigned int nkeys, uint8_t *bufs, uint8_t *want,
		     uint64_t *seed)
{
	char names[BATCH][32];
	struct utmem_kv e[BATCH];
	unsigned long k[BATCH];
	unsigned int v[BATCH];
	unsigned int n = 1 + soak_rnd(seed) % BATCH, i;
	int is_put = soak_rnd(seed) % 2, ret;
	size_t done = 0;

	n = soak_distinct_keys(k, n, nkeys, seed);
	for (i = 0; i < n; i++) {
		int len = key_name(names[i], sizeof(names[i]), k[i]);
		uint8_t *b = bufs + (size_t)i * VALUE_MAX;
		uint32_t vlen = VALUE_MAX;

		if (is_put) {
			vlen = value_len(seed);
			v[i] = p->keys[k[i]].version + 1;
			make_value(b, vlen, pool_nr, k[i], v[i]);
		}
		utmem_kv_init(&e[i], p->id, names[i], len, b, vlen);
	}
	tot.batches++;
	ret = utmem_batch(fd, is_put ? UTMEM_BATCH_PUT : UTMEM_BATCH_GET, e,
			  n, &done);
	if (ret && done >= n) {
		bad(&tot.errors, p, k[0], "batch failed as a whole", ret);
		return;
	}
	/* Entries before @done succeeded; entry @done failed with @ret. */
	for (i = 0; i < n && i <= done; i++) {
		int r = i < done ? 0 : ret;

		if (i == done && !ret)
			break;
		if (is_put)
			put_done(p, k[i], v[i], (uint32_t)e[i].value_len, 0, r);
		else
			get_done(p, pool_nr, k[i], r,
				 bufs + (size_t)i * VALUE_MAX,
				 e[i].value_len, want);
	}
}

static void all_absent(struct pool *p, unsigned int nkeys)
{
	unsigned int k;

	for (k = 0; k < nkeys; k++)
		p->keys[k].state = ABSENT;
}

static void usage(void)
{
	fprintf(stderr, "usage: utmem_client -i ID (0..65535) [-s SEED] [-n OPS] [-k KEYS (1..65536)] [-x]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct soak_args a = { .id = ~0UL, .seed = 1, .ops = 20000,
			       .keys = 512 };
	unsigned long id, ops, nkeys, seed_arg;
	struct pool pools[POOLS] = {
		{ .name = "private-persistent", .flags = TMEM_POOL_PERSISTENT },
		{ .name = "private-ephemeral", .flags = 0 },
		{ .name = "shared-persistent",
		  .flags = TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED },
		{ .name = "shared-ephemeral", .flags = TMEM_POOL_SHARED },
	};
	uint8_t uuid[16], *got, *want, *bufs;
	int opt, fd, quit_dirty = 0, ret;
	unsigned int i, k, op;
	uint64_t seed, failed;

	while ((opt = getopt(argc, argv, SOAK_ARGS_OPTS "x")) != -1) {
		if (opt == 'x')
			quit_dirty = 1;
		else if (soak_arg(opt, optarg, &a))
			usage();
	}
	if (optind != argc || a.id == ~0UL)
		usage();
	id = a.id;
	ops = a.ops;
	nkeys = a.keys;
	seed_arg = a.seed;
	client_id = id;
	seed = seed_arg * 0x9e3779b97f4a7c15ULL ^ id << 20 ^ 0x5eed;
	if (!seed)
		seed = 1;

	got = malloc(VALUE_MAX);
	want = malloc(VALUE_MAX);
	bufs = malloc((size_t)BATCH * VALUE_MAX);
	if (!got || !want || !bufs)
		return 2;
	fd = utmem_open();
	if (fd < 0) {
		fprintf(stderr, "utmem_client: %s: %s\n", UTMEM_DEVICE,
			strerror(-fd));
		return 2;
	}
	for (i = 0; i < POOLS; i++) {
		memset(uuid, 0, sizeof(uuid));
		if (pools[i].flags & TMEM_POOL_SHARED) {
			memcpy(uuid, "utmem-soak-pool", 15);
			uuid[15] = (uint8_t)pools[i].flags;
		}
		ret = utmem_pool_create(fd, pools[i].flags,
					pools[i].flags & TMEM_POOL_SHARED ?
					uuid : NULL, &pools[i].id);
		if (ret) {
			fprintf(stderr, "utmem_client: pool %s: %s\n",
				pools[i].name, utmem_strerror(ret));
			return 2;
		}
		pools[i].keys = calloc(nkeys, sizeof(struct key));
		if (!pools[i].keys)
			return 2;
	}

	/* A shared pool may still hold this ID's keys of an earlier run. */
	for (i = 0; i < POOLS; i++) {
		for (k = 0; k < nkeys && pools[i].flags & TMEM_POOL_SHARED; k++) {
			char name[32];
			int n = key_name(name, sizeof(name), k);

			ret = utmem_delete(fd, pools[i].id, name, n);
			if (ret)
				bad(&tot.errors, &pools[i], k, "DELETE", ret);
		}
	}

	for (tot.ops = 0; tot.ops < ops; tot.ops++) {
		i = soak_rnd(&seed) % POOLS;
		k = soak_rnd(&seed) % nkeys;
		op = soak_rnd(&seed) % 1000;
		if (op < 450) {
			do_put(fd, &pools[i], i, k, got, &seed);
		} else if (op < 850) {
			do_get(fd, &pools[i], i, k, got, want);
		} else if (op < 930) {
			char name[32];
			int n = key_name(name, sizeof(name), k);

			tot.deletes++;
			ret = utmem_delete(fd, pools[i].id, name, n);
			if (ret)
				bad(&tot.errors, &pools[i], k, "DELETE", ret);
			pools[i].keys[k].state = ABSENT;
		} else if (op < 980) {
			do_batch(fd, &pools[i], i, nkeys, bufs, want, &seed);
		} else if (op < 998) {
			tot.syncs++;
			failed = 0;
			ret = utmem_sync(fd, &failed);
			if (ret)
				bad(&tot.errors, &pools[i], 0, "SYNC", ret);
			tot.sync_failed += failed;
			/*
			 * No refusal: every buffered PUT since the last SYNC
			 * is on the host.  Some: which ones is not known.
			 */
			for (i = 0; !ret && i < POOLS; i++)
				for (k = 0; k < nkeys; k++)
					if (pools[i].keys[k].state == MAYBE)
						pools[i].keys[k].state =
							failed ? UNSURE : PRESENT;
		} else if (!(pools[i].flags & TMEM_POOL_SHARED)) {
			/* Shared pools hold the other clients' keys too. */
			tot.flushes++;
			ret = utmem_pool_flush(fd, pools[i].id);
			if (ret)
				bad(&tot.errors, &pools[i], 0, "FLUSH", ret);
			all_absent(&pools[i], nkeys);
		}
	}
	if (quit_dirty) {
		/* Small buffered PUTs left behind for close to deal with. */
		for (k = 0; k < 32 && k < nkeys; k++)
			utmem_put(fd, pools[0].id, "x", 1, got, 16, 0);
	} else {
		/* Every key once more. */
		for (i = 0; i < POOLS; i++)
			for (k = 0; k < nkeys; k++)
				if (pools[i].keys[k].state != ABSENT)
					do_get(fd, &pools[i], i, k, got, want);
	}
	printf("utmem_client: id=%u ops=%" PRIu64 " puts=%" PRIu64
	       " refused=%" PRIu64 " nomem=%" PRIu64 " gets=%" PRIu64
	       " hits=%" PRIu64
	       " dropped=%" PRIu64 " host_failed=%" PRIu64
	       " batches=%" PRIu64 " syncs=%" PRIu64
	       " sync_failed=%" PRIu64 " bytes_verified=%" PRIu64
	       " mismatches=%" PRIu64 " lost=%" PRIu64 " errors=%" PRIu64 "\n",
	       client_id, tot.ops, tot.puts, tot.refused, tot.nomem, tot.gets,
	       tot.hits,
	       tot.dropped, tot.host_failed, tot.batches, tot.syncs,
	       tot.sync_failed,
	       tot.bytes_verified, tot.mismatches, tot.lost, tot.errors);
	fflush(stdout);
	if (quit_dirty)
		_exit(tot.mismatches || tot.lost || tot.errors);
	close(fd);
	return tot.mismatches || tot.lost || tot.errors;
}
