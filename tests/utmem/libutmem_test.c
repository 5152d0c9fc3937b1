// SPDX-License-Identifier: GPL-2.0
/*
 * libutmem against /dev/utmem: each call's success path, its errors as
 * negative errnos, and the lengths it reports.  Runs inside the guest.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "utmem.h"

/* See utmem_dev_test.c: the harness itself trips these two. */
#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

FIXTURE(lib) {
	int fd;
	uint32_t pool;
};

FIXTURE_SETUP(lib)
{
	self->fd = utmem_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, utmem_pool_create(self->fd, TMEM_POOL_PERSISTENT, NULL,
				       &self->pool));
}

FIXTURE_TEARDOWN(lib)
{
	close(self->fd);
}

TEST_F(lib, roundtrip)
{
	char buf[64];
	size_t len = 0;

	ASSERT_EQ(0, utmem_put(self->fd, self->pool, "key", 3, "value", 5, 0));
	ASSERT_EQ(0, utmem_get(self->fd, self->pool, "key", 3, buf,
			       sizeof(buf), &len));
	EXPECT_EQ(5U, len);
	EXPECT_EQ(0, memcmp(buf, "value", 5));
	EXPECT_EQ(-ERANGE, utmem_get(self->fd, self->pool, "key", 3, buf, 2,
				     &len));
	EXPECT_EQ(5U, len);
	EXPECT_EQ(0, utmem_delete(self->fd, self->pool, "key", 3));
	EXPECT_EQ(-ENOENT, utmem_get(self->fd, self->pool, "key", 3, buf,
				     sizeof(buf), &len));
}

TEST_F(lib, errors)
{
	uint32_t id;
	size_t len;
	char buf[8];

	EXPECT_EQ(-EINVAL, utmem_put(self->fd, self->pool, "", 0, "v", 1, 0));
	EXPECT_EQ(-EINVAL, utmem_put(self->fd, self->pool, "k",
				     (size_t)UINT32_MAX + 2, "v", 1, 0));
	EXPECT_EQ(-E2BIG, utmem_put(self->fd, self->pool, "k", 1, buf,
				    UTMEM_VALUE_MAX + 1, 0));
	EXPECT_EQ(-ENOENT, utmem_get(self->fd, self->pool + 9, "k", 1, buf,
				     sizeof(buf), &len));
	EXPECT_EQ(-ENOENT, utmem_pool_destroy(self->fd, self->pool + 9));
	EXPECT_EQ(-EINVAL, utmem_pool_create(self->fd, 1U << 7, NULL, &id));
	EXPECT_EQ(-EBADF, utmem_sync(-1, NULL));
	EXPECT_STREQ("no such pool or key", utmem_strerror(-ENOENT));
	EXPECT_STREQ("the host refused (no room), or no pool id is left",
		     utmem_strerror(-ENOSPC));
}

TEST_F(lib, sync_stats_flush)
{
	struct utmem_stats st;
	uint64_t failed = 99;
	size_t len;
	char buf[8];

	ASSERT_EQ(0, utmem_put(self->fd, self->pool, "a", 1, "1", 1, 0));
	ASSERT_EQ(0, utmem_stats(self->fd, UTMEM_POOL_NONE, &st));
	EXPECT_LT(0U, st.buffered_bytes);
	ASSERT_EQ(0, utmem_sync(self->fd, &failed));
	EXPECT_EQ(0U, failed);
	ASSERT_EQ(0, utmem_stats(self->fd, self->pool, &st));
	EXPECT_EQ(0U, st.buffered_bytes);
	EXPECT_EQ(1U, st.puts);
	ASSERT_EQ(0, utmem_pool_flush(self->fd, self->pool));
	EXPECT_EQ(-ENOENT, utmem_get(self->fd, self->pool, "a", 1, buf,
				     sizeof(buf), &len));
	EXPECT_EQ(0, utmem_pool_destroy(self->fd, self->pool));
}

TEST_F(lib, batch)
{
	char keys[3][4] = { "b0", "b1", "b2" }, bufs[3][8] = {};
	struct utmem_kv e[3];
	size_t done = 99;
	int i;

	for (i = 0; i < 3; i++)
		utmem_kv_init(&e[i], self->pool, keys[i], 2, keys[i], 3);
	ASSERT_EQ(0, utmem_batch(self->fd, UTMEM_BATCH_PUT, e, 3, &done));
	EXPECT_EQ(3U, done);
	for (i = 0; i < 3; i++)
		utmem_kv_init(&e[i], self->pool, keys[i], 2, bufs[i],
			      sizeof(bufs[i]));
	ASSERT_EQ(0, utmem_batch(self->fd, UTMEM_BATCH_GET, e, 3, &done));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(3U, e[i].value_len);
		EXPECT_STREQ(keys[i], bufs[i]);
	}
	utmem_kv_init(&e[1], self->pool, "nokey", 5, bufs[1], 8);
	EXPECT_EQ(-ENOENT, utmem_batch(self->fd, UTMEM_BATCH_GET, e, 3,
				       &done));
	EXPECT_EQ(1U, done);
	EXPECT_EQ(-EINVAL, utmem_batch(self->fd, UTMEM_BATCH_GET, e, 0,
				       &done));
	EXPECT_EQ(-EINVAL, utmem_batch(self->fd, 9, e, 1, &done));
}

TEST_HARNESS_MAIN
