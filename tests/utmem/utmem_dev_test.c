// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem from userspace: every ioctl, its size rules and errors, value
 * sizes at the edges, isolation between processes, shared pools by UUID
 * and their permission check, and a random-ioctl run after which the
 * device must still work and another file's values must be intact.  Runs
 * inside the guest, as root.
 *
 * UTMEM_FUZZ_OPS (20000) and UTMEM_FUZZ_SEED (12345) in the environment
 * size and seed the random run: make soak sends a million.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/utmem.h>

/*
 * The harness's own code trips these two (its TEST_F wrapper keeps a
 * variable across a setjmp-like fork, and its signal handler ignores an
 * argument); the rest of -Wextra stays on.
 */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int pool_new(int fd, uint32_t flags, const uint8_t *uuid,
		    uint32_t *id)
{
	struct utmem_pool_create pc = { .size = sizeof(pc), .flags = flags };
	int ret;

	if (uuid)
		memcpy(pc.uuid, uuid, sizeof(pc.uuid));
	ret = xioctl(fd, UTMEM_POOL_CREATE, &pc);
	*id = pc.out_pool_id;
	return ret;
}

static int put(int fd, uint32_t pool, const char *key, const void *v,
	       uint64_t len, uint32_t flags)
{
	struct utmem_kv a = {
		.size = sizeof(a), .pool_id = pool, .flags = flags,
		.key_len = strlen(key), .key = (uintptr_t)key,
		.value = (uintptr_t)v, .value_len = len,
	};

	return xioctl(fd, UTMEM_PUT, &a);
}

static int get(int fd, uint32_t pool, const char *key, void *buf,
	       uint64_t size, uint64_t *len)
{
	struct utmem_kv a = {
		.size = sizeof(a), .pool_id = pool, .key_len = strlen(key),
		.key = (uintptr_t)key, .value = (uintptr_t)buf,
		.value_len = size,
	};
	int ret = xioctl(fd, UTMEM_GET, &a);

	*len = a.value_len;
	return ret;
}

static int del(int fd, uint32_t pool, const char *key)
{
	struct utmem_kv a = {
		.size = sizeof(a), .pool_id = pool, .key_len = strlen(key),
		.key = (uintptr_t)key,
	};

	return xioctl(fd, UTMEM_DELETE, &a);
}

FIXTURE(dev) {
	int fd;
	uint32_t pool;
	uint8_t *in, *out;
};

FIXTURE_SETUP(dev)
{
	size_t i;

	self->fd = open("/dev/utmem", O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pool_new(self->fd, TMEM_POOL_PERSISTENT, NULL,
			      &self->pool));
	self->in = malloc(UTMEM_VALUE_MAX + 1);
	self->out = malloc(UTMEM_VALUE_MAX + 1);
	ASSERT_NE(NULL, self->in);
	ASSERT_NE(NULL, self->out);
	for (i = 0; i <= UTMEM_VALUE_MAX; i++)
		self->in[i] = (uint8_t)(i * 7 + i / 4096);
}

FIXTURE_TEARDOWN(dev)
{
	free(self->in);
	free(self->out);
	close(self->fd);
}

/* iommufd's rules: short is EINVAL, longer must be zero past the end. */
TEST_F(dev, size_rules)
{
	struct {
		struct utmem_pool_create pc;
		uint64_t tail;
	} big = { .pc.size = sizeof(big) };
	struct utmem_pool_create pc = { .size = sizeof(pc) - 1 };

	EXPECT_EQ(-EINVAL, xioctl(self->fd, UTMEM_POOL_CREATE, &pc));
	pc.size = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, UTMEM_POOL_CREATE, &pc));
	big.tail = 1;
	EXPECT_EQ(-E2BIG, xioctl(self->fd, UTMEM_POOL_CREATE, &big));
	big.tail = 0;
	EXPECT_EQ(0, xioctl(self->fd, UTMEM_POOL_CREATE, &big));
	EXPECT_EQ(1U, big.pc.out_pool_id);
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IO(UTMEM_IOCTL_TYPE, 0x30),
				  &pc));
	/* The first ABI's numbers encoded the size: not commands now. */
	EXPECT_EQ(-ENOTTY, xioctl(self->fd, _IOWR(UTMEM_IOCTL_TYPE, 0x00,
						  struct utmem_pool_create),
				  &pc));
	EXPECT_EQ(-EFAULT, xioctl(self->fd, UTMEM_POOL_CREATE, NULL));
}

TEST_F(dev, bad_arguments)
{
	struct utmem_pool_create pc = { .size = sizeof(pc), .flags = 8 };
	char key[UTMEM_KEY_MAX + 2];
	struct utmem_sync sy = { .size = sizeof(sy), .flags = 1 };

	EXPECT_EQ(-EINVAL, xioctl(self->fd, UTMEM_POOL_CREATE, &pc));
	pc.flags = TMEM_POOL_SHARED;
	EXPECT_EQ(-EINVAL, xioctl(self->fd, UTMEM_POOL_CREATE, &pc));
	memset(key, 'k', sizeof(key));
	key[UTMEM_KEY_MAX] = 0;
	EXPECT_EQ(0, put(self->fd, self->pool, key, "v", 1, 0));
	key[UTMEM_KEY_MAX] = 'k';
	key[UTMEM_KEY_MAX + 1] = 0;
	EXPECT_EQ(-EINVAL, put(self->fd, self->pool, key, "v", 1, 0));
	EXPECT_EQ(-EINVAL, put(self->fd, self->pool, "", "v", 1, 0));
	EXPECT_EQ(-EINVAL, put(self->fd, self->pool, "k", "v", 1, 4));
	EXPECT_EQ(-ENOENT, put(self->fd, self->pool + 5, "k", "v", 1, 0));
	EXPECT_EQ(-EFAULT, put(self->fd, self->pool, "k", (void *)8, 1, 0));
	EXPECT_EQ(-EINVAL, xioctl(self->fd, UTMEM_SYNC, &sy));
}

/* 0, 1, page-1, page, page+1, max and max+1 bytes. */
TEST_F(dev, value_sizes)
{
	const uint64_t sizes[] = { 0, 1, 4095, 4096, 4097, UTMEM_VALUE_MAX };
	uint64_t len;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, put(self->fd, self->pool, "v", self->in,
				 sizes[i], 0));
		memset(self->out, 0, sizes[i]);
		ASSERT_EQ(0, get(self->fd, self->pool, "v", self->out,
				 UTMEM_VALUE_MAX, &len));
		EXPECT_EQ(sizes[i], len);
		EXPECT_EQ(0, memcmp(self->in, self->out, sizes[i]));
	}
	EXPECT_EQ(-E2BIG, put(self->fd, self->pool, "v", self->in,
			      UTMEM_VALUE_MAX + 1, 0));
}

TEST_F(dev, get_delete)
{
	uint64_t len = 0;

	ASSERT_EQ(0, put(self->fd, self->pool, "g", self->in, 5000, 0));
	EXPECT_EQ(-ERANGE, get(self->fd, self->pool, "g", self->out, 10,
			       &len));
	EXPECT_EQ(5000U, len);
	EXPECT_EQ(0, get(self->fd, self->pool, "g", self->out, 5000, &len));
	EXPECT_EQ(0, del(self->fd, self->pool, "g"));
	EXPECT_EQ(-ENOENT, get(self->fd, self->pool, "g", self->out, 5000,
			       &len));
	/* Deleting what is not there is not an error: the host cannot tell. */
	EXPECT_EQ(0, del(self->fd, self->pool, "g"));
}

/* A small PUT waits; SYNC sends it; the value reads back either way. */
TEST_F(dev, sync_and_stats)
{
	struct utmem_stats st = { .size = sizeof(st),
				  .pool_id = UTMEM_POOL_NONE };
	struct utmem_sync sy = { .size = sizeof(sy) };
	uint64_t len;

	ASSERT_EQ(0, put(self->fd, self->pool, "s", "tiny", 4, 0));
	ASSERT_EQ(0, xioctl(self->fd, UTMEM_STATS, &st));
	EXPECT_LT(0U, st.buffered_bytes);
	ASSERT_EQ(0, xioctl(self->fd, UTMEM_SYNC, &sy));
	EXPECT_EQ(0U, sy.out_failed);
	ASSERT_EQ(0, xioctl(self->fd, UTMEM_STATS, &st));
	EXPECT_EQ(0U, st.buffered_bytes);
	EXPECT_EQ(1U, st.puts);
	EXPECT_EQ(0, get(self->fd, self->pool, "s", self->out, 64, &len));
	EXPECT_EQ(4U, len);
}

/* Another process, with its own file, reaches none of our pools. */
TEST_F(dev, isolation)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, put(self->fd, self->pool, "mine", "secret", 6,
			 UTMEM_PUT_NOBUFFER));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open("/dev/utmem", O_RDWR);
		uint64_t len;
		uint32_t id;
		char buf[16];

		if (fd < 0)
			_exit(10);
		if (get(fd, self->pool, "mine", buf, sizeof(buf), &len) !=
		    -ENOENT)
			_exit(11);
		if (pool_new(fd, TMEM_POOL_PERSISTENT, NULL, &id) ||
		    get(fd, id, "mine", buf, sizeof(buf), &len) != -ENOENT)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A shared pool joins files by UUID, for its owner's uid only. */
TEST_F(dev, shared_pool)
{
	static const uint8_t uuid[16] = { 0x75, 0x74, 0x6d, 0x65, 0x6d };
	uint32_t a, b;
	uint64_t len;
	pid_t pid;
	int fd2, status;

	ASSERT_EQ(0, pool_new(self->fd, TMEM_POOL_PERSISTENT |
			      TMEM_POOL_SHARED, uuid, &a));
	fd2 = open("/dev/utmem", O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, pool_new(fd2, TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
			      uuid, &b));
	ASSERT_EQ(0, put(self->fd, a, "both", "seen", 4, 0));
	EXPECT_EQ(0, get(fd2, b, "both", self->out, 64, &len));
	EXPECT_EQ(4U, len);
	EXPECT_EQ(-EEXIST, pool_new(fd2, TMEM_POOL_SHARED, uuid, &b));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open("/dev/utmem", O_RDWR);
		uint32_t id;

		if (fd < 0 || setuid(65534))
			_exit(10);
		_exit(pool_new(fd, TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
			       uuid, &id) == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd2);
}

static unsigned long env_number(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "utmem_dev_test: %s wants a number, not '%s'\n",
			name, s);
		exit(KSFT_FAIL);
	}
	return v;
}

#define SENTINELS	8

/*
 * Random commands with random structs: every call must fail or succeed
 * cleanly (the kernel runs KASAN and lockdep), the device must still
 * store and return values afterwards, and the values of another file,
 * which the random calls cannot name, must come back bit for bit.
 */
TEST_F_TIMEOUT(dev, fuzz, 3600)
{
	static const unsigned long cmds[] = {
		UTMEM_POOL_CREATE, UTMEM_POOL_DESTROY, UTMEM_POOL_FLUSH,
		UTMEM_PUT, UTMEM_GET, UTMEM_DELETE, UTMEM_SYNC, UTMEM_STATS,
		UTMEM_BATCH,
	};
	union {
		uint64_t u64[8];
		uint32_t u32[16];
		struct utmem_kv kv;
		struct utmem_batch batch;
	} buf;
	unsigned long ops = env_number("UTMEM_FUZZ_OPS", 20000), i;
	unsigned int j, k, seed = env_number("UTMEM_FUZZ_SEED", 12345);
	const unsigned int first_seed = seed;
	unsigned long calls[9] = {}, ok = 0;
	struct utmem_kv entries[4];
	struct timespec t0, t1;
	uint32_t pool, other_pool;
	int other, ret;
	uint64_t len;
	char key[16];

	other = open("/dev/utmem", O_RDWR);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, pool_new(other, TMEM_POOL_PERSISTENT, NULL, &other_pool));
	for (j = 0; j < SENTINELS; j++) {
		snprintf(key, sizeof(key), "s%u", j);
		/* Under the soak's faults the host may refuse for a while. */
		for (k = 0; k < 1000; k++) {
			ret = put(other, other_pool, key, self->in + j * 4096,
				  1000 + j * 1000, UTMEM_PUT_NOBUFFER);
			if (ret != -ENOSPC)
				break;
			usleep(10000);
		}
		ASSERT_EQ(0, ret);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < ops; i++) {
		for (j = 0; j < 16; j++)
			buf.u32[j] = rand_r(&seed);
		/* Mostly plausible sizes, pools, keys and lengths. */
		buf.u32[0] %= 80;
		buf.u32[1] %= 4;
		if (rand_r(&seed) % 2) {
			buf.kv.key_len %= UTMEM_KEY_MAX + 2;
			buf.kv.key = (uintptr_t)self->in;
			buf.kv.value = (uintptr_t)self->out;
			buf.kv.value_len %= UTMEM_VALUE_MAX + 2;
		}
		j = rand_r(&seed) % 9;
		if (cmds[j] == UTMEM_BATCH && rand_r(&seed) % 2) {
			buf.batch.op %= 5;
			buf.batch.count %= 6;
			buf.batch.entry_size = sizeof(entries[0]);
			buf.batch.entries = (uintptr_t)entries;
			buf.batch.__reserved = 0;
			for (k = 0; k < 4; k++) {
				entries[k].size = sizeof(entries[0]);
				entries[k].pool_id = rand_r(&seed) % 3;
				entries[k].flags = rand_r(&seed) % 4 == 0;
				entries[k].key = (uintptr_t)self->in;
				entries[k].value = (uintptr_t)self->out;
				entries[k].key_len = rand_r(&seed) % 8;
				entries[k].value_len = rand_r(&seed) % 9000;
			}
		}
		calls[j]++;
		ok += !ioctl(self->fd, cmds[j], &buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%lu random ioctls (seed %u) in %.1f s, %lu succeeded; per command:",
	       ops, first_seed, (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, ok);
	for (j = 0; j < 9; j++)
		TH_LOG("  cmd %u: %lu", j, calls[j]);
	/* Make room: the fuzz may have created every pool a file may have. */
	for (j = 0; j < UTMEM_POOLS_PER_FILE; j++) {
		struct utmem_pool_op po = { .size = sizeof(po), .pool_id = j };

		xioctl(self->fd, UTMEM_POOL_DESTROY, &po);
	}
	ASSERT_EQ(0, pool_new(self->fd, TMEM_POOL_PERSISTENT, NULL, &pool));
	ASSERT_EQ(0, put(self->fd, pool, "after", self->in, 3000, 0));
	ASSERT_EQ(0, get(self->fd, pool, "after", self->out, 3000, &len));
	EXPECT_EQ(3000U, len);
	EXPECT_EQ(0, memcmp(self->in, self->out, 3000));

	for (j = 0; j < SENTINELS; j++) {
		snprintf(key, sizeof(key), "s%u", j);
		ret = get(other, other_pool, key, self->out, UTMEM_VALUE_MAX,
			  &len);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(1000U + j * 1000, len);
		EXPECT_EQ(0, memcmp(self->in + j * 4096, self->out, len));
	}
	close(other);
}

TEST_HARNESS_MAIN
