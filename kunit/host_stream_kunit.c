// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite utmem_host_stream: a client's pools written as a stream and
 * read back into another client (host/host_stream.c), as when a VM is
 * saved and restored.
 *
 * - Round trip of every pool kind: persistent and ephemeral values come
 *   back byte for byte at the same pool ids and handles, shared pools by
 *   name, the guest's ABI version with them.
 * - A stream cut short anywhere, with any byte changed, a record missing
 *   or added, of another version, or not a stream at all is refused, and
 *   the importing client is left with nothing.
 * - An import the client's cap cannot hold is refused whole.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/utmem_host.h>

#include "tmem_sim_fixture.h"

/* Host statuses are __bitwise (sparse): compared here as numbers. */
#define EXPECT_STATUS(test, expr, want) \
	KUNIT_EXPECT_EQ(test, (__force u32)(expr), (__force u32)(want))
#define ASSERT_STATUS(test, expr, want) \
	KUNIT_ASSERT_EQ(test, (__force u32)(expr), (__force u32)(want))

#define STREAM_CAP	(2U << 20)

/* A stream in memory. */
struct membuf {
	u8 *data;
	size_t len;
	size_t pos;
};

static int mem_write(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > STREAM_CAP)
		return -ENOSPC;
	memcpy(m->data + m->len, buf, len);
	m->len += len;
	return 0;
}

/* Reads at most 1000 bytes at a time: records straddle the reads. */
static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct membuf *m = ctx;

	len = min3(len, m->len - m->pos, (size_t)1000);
	memcpy(buf, m->data + m->pos, len);
	m->pos += len;
	return len;
}

struct stream_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	struct membuf out;	/* what a wrote */
	struct membuf in;	/* what b reads: out, or changed */
	struct utmem_host_stream_io wio, rio;
	struct utmem_host_stream_stats stats;
	u8 *val, *got;
	uuid_t uuid;
};

static int stream_init(struct kunit *test)
{
	struct stream_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->out.data = kunit_kzalloc(test, STREAM_CAP, GFP_KERNEL);
	t->in.data = kunit_kzalloc(test, STREAM_CAP, GFP_KERNEL);
	t->val = kunit_kzalloc(test, TMEM_VALUE_MAX, GFP_KERNEL);
	t->got = kunit_kzalloc(test, TMEM_VALUE_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->out.data);
	KUNIT_ASSERT_NOT_NULL(test, t->in.data);
	KUNIT_ASSERT_NOT_NULL(test, t->val);
	KUNIT_ASSERT_NOT_NULL(test, t->got);
	t->wio = (struct utmem_host_stream_io){ .write = mem_write,
						.ctx = &t->out };
	t->rio = (struct utmem_host_stream_io){ .read = mem_read,
						.ctx = &t->in };
	uuid_gen(&t->uuid);
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	test->priv = t;
	return 0;
}

static void stream_exit(struct kunit *test)
{
	struct stream_test *t = test->priv;

	sim_fixture_exit(test, t->host, t->a, t->b);
}

/* The value kept at (@pool_id, @index): its length and bytes vary. */
static u32 value_fill(u8 *val, u32 pool_id, u32 index)
{
	u32 len = (index * 977 + pool_id * 131) % (TMEM_VALUE_MAX + 1);
	u32 i;

	if (index % 5 == 0)
		len = TMEM_VALUE_MAX;
	for (i = 0; i < len; i++)
		val[i] = index % 3 ? (u8)(i * 2654435761u >> 13) ^ pool_id :
				     (u8)(index + pool_id);
	return len;
}

static struct tmem_handle handle(u32 index)
{
	return (struct tmem_handle){
		.oid.oid = { index / 7, 0x5eed, (u64)index << 40 },
		.index = index * 3,
	};
}

static void fill(struct kunit *test, struct utmem_host_client *c,
		 u32 pool_id, u32 nr)
{
	struct stream_test *t = test->priv;
	struct tmem_handle h;
	u32 i, len;

	for (i = 0; i < nr; i++) {
		h = handle(i);
		len = value_fill(t->val, pool_id, i);
		ASSERT_STATUS(test, utmem_host_put(c, pool_id, &h, t->val,
						   len), TMEM_S_OK);
	}
}

/* Every value of fill(@nr) is in @c's pool @pool_id, exactly. */
static void expect_values(struct kunit *test, struct utmem_host_client *c,
			  u32 pool_id, u32 nr)
{
	struct stream_test *t = test->priv;
	struct tmem_handle h;
	u32 i, len, got;

	for (i = 0; i < nr; i++) {
		h = handle(i);
		len = value_fill(t->val, pool_id, i);
		ASSERT_STATUS(test, utmem_host_get(c, pool_id, &h, t->got,
						   TMEM_VALUE_MAX, &got),
			      TMEM_S_OK);
		KUNIT_ASSERT_EQ(test, got, len);
		KUNIT_ASSERT_EQ(test, memcmp(t->got, t->val, len), 0);
	}
}

static u32 new_pool(struct kunit *test, struct utmem_host_client *c,
		    u32 flags, const uuid_t *uuid)
{
	u32 id;

	ASSERT_STATUS(test, utmem_host_new_pool(c, flags, uuid, &id),
		      TMEM_S_OK);
	return id;
}

/*
 * a: persistent pools 0 and 2 (1 destroyed: ids keep their gaps), an
 * ephemeral pool 3, a shared pool 4.  Returns the values written.
 */
static u64 fill_a(struct kunit *test, u32 nr)
{
	struct stream_test *t = test->priv;
	u32 gone;

	KUNIT_ASSERT_EQ(test, new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL),
			0);
	gone = new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_EQ(test, new_pool(test, t->a, TMEM_POOL_PERSISTENT, NULL),
			2);
	KUNIT_ASSERT_EQ(test, new_pool(test, t->a, 0, NULL), 3);
	KUNIT_ASSERT_EQ(test, new_pool(test, t->a, TMEM_POOL_SHARED, &t->uuid),
			4);
	ASSERT_STATUS(test, utmem_host_destroy_pool(t->a, gone), TMEM_S_OK);
	fill(test, t->a, 0, nr);
	fill(test, t->a, 2, nr / 2);
	fill(test, t->a, 3, nr / 3);
	fill(test, t->a, 4, 5);
	return nr + nr / 2 + nr / 3;
}

static int export(struct kunit *test, u32 flags)
{
	struct stream_test *t = test->priv;

	t->out.len = 0;
	return utmem_host_export(t->a, 3, flags, &t->wio, &t->stats);
}

static int import(struct kunit *test, u32 *abi)
{
	struct stream_test *t = test->priv;

	t->in.pos = 0;
	return utmem_host_import(t->b, abi, &t->rio, &t->stats);
}

/* b holds nothing: no pool, no byte, no page. */
static void expect_empty(struct kunit *test)
{
	struct stream_test *t = test->priv;

	KUNIT_EXPECT_TRUE(test, xa_empty(&t->b->pools));
	KUNIT_EXPECT_EQ(test, t->b->used, 0);
	KUNIT_EXPECT_EQ(test, t->b->pages, 0);
}

static void round_trip_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	struct tmem_pool_info info;
	u64 values = fill_a(test, 60);
	u32 abi = 0;

	KUNIT_ASSERT_EQ(test, export(test, UTMEM_STREAM_EPHEMERAL), 0);
	KUNIT_EXPECT_EQ(test, t->stats.pools, 4);
	KUNIT_EXPECT_EQ(test, t->stats.values, values);
	memcpy(t->in.data, t->out.data, t->out.len);
	t->in.len = t->out.len;
	KUNIT_ASSERT_EQ_MSG(test, import(test, &abi), 0, "%s", t->stats.why);
	KUNIT_EXPECT_EQ(test, abi, 3);
	KUNIT_EXPECT_EQ(test, t->stats.values, values);
	KUNIT_EXPECT_EQ(test, t->stats.dropped, 0);

	/* The same ids, kinds and values; the exporter kept its own. */
	EXPECT_STATUS(test, utmem_host_pool_info(t->b, 1, &info),
		      TMEM_S_BADPOOL);
	expect_values(test, t->b, 0, 60);
	expect_values(test, t->b, 2, 30);
	expect_values(test, t->a, 0, 60);
	KUNIT_EXPECT_EQ(test, t->b->eph_pages, 20);
	expect_values(test, t->b, 3, 20);	/* ephemeral: GETs take them */
	KUNIT_EXPECT_EQ(test, t->b->eph_pages, 0);
	/* The shared pool by name: both clients reach the one pool. */
	expect_values(test, t->b, 4, 5);
	KUNIT_EXPECT_EQ(test, t->a->pages - t->a->eph_pages, 90);
	KUNIT_EXPECT_EQ(test, t->b->pages - t->b->eph_pages, 90);
}

/* Without UTMEM_STREAM_EPHEMERAL the ephemeral pool comes back empty. */
static void ephemeral_left_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	struct tmem_pool_info info;
	u32 abi;

	fill_a(test, 30);
	KUNIT_ASSERT_EQ(test, export(test, 0), 0);
	KUNIT_EXPECT_EQ(test, t->stats.values, 45);
	memcpy(t->in.data, t->out.data, t->out.len);
	t->in.len = t->out.len;
	KUNIT_ASSERT_EQ_MSG(test, import(test, &abi), 0, "%s", t->stats.why);
	ASSERT_STATUS(test, utmem_host_pool_info(t->b, 3, &info), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, info.pages, 0);
	KUNIT_EXPECT_EQ(test, t->b->pages, 45);
	KUNIT_EXPECT_EQ(test, export(test, 0x80), -EINVAL);
}

/* Import @in (of @len bytes); it must fail with @err and keep nothing. */
static void expect_refused(struct kunit *test, size_t len, int err,
			   const char *what)
{
	struct stream_test *t = test->priv;
	u32 abi;

	t->in.len = len;
	KUNIT_EXPECT_EQ_MSG(test, import(test, &abi), err, "%s: %s", what,
			    t->stats.why);
	expect_empty(test);
}

/* Offsets of the records of the stream in @m, up to @max of them. */
static unsigned int record_offsets(const struct membuf *m, size_t *off,
				   unsigned int max)
{
	const struct utmem_stream_record *rec;
	size_t pos = 0;
	unsigned int n = 0;

	while (pos < m->len && n < max) {
		off[n++] = pos;
		rec = (const void *)(m->data + pos);
		pos += sizeof(*rec) + le32_to_cpu(rec->len);
	}
	return n;
}

static void truncated_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	size_t off[64];
	unsigned int n, i;

	fill_a(test, 12);
	KUNIT_ASSERT_EQ(test, export(test, UTMEM_STREAM_EPHEMERAL), 0);
	memcpy(t->in.data, t->out.data, t->out.len);
	n = record_offsets(&t->out, off, ARRAY_SIZE(off));
	KUNIT_ASSERT_LT(test, n, ARRAY_SIZE(off));
	/* Cut at every record boundary, and inside every record. */
	for (i = 1; i < n; i++) {
		expect_refused(test, off[i], -ENODATA, "cut at a record");
		expect_refused(test, off[i] - 1, -ENODATA, "cut in a record");
		expect_refused(test, off[i - 1] + 7, -ENODATA,
			       "cut in a record header");
	}
	expect_refused(test, t->out.len - 1, -ENODATA, "cut in END");
	expect_refused(test, 0, -ENODATA, "empty");
}

static void corrupted_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	size_t pos;
	u32 abi;
	int err;

	fill_a(test, 12);
	KUNIT_ASSERT_EQ(test, export(test, UTMEM_STREAM_EPHEMERAL), 0);
	/* Any byte changed, anywhere: refused, nothing kept. */
	for (pos = 0; pos < t->out.len; pos += 37) {
		memcpy(t->in.data, t->out.data, t->out.len);
		t->in.data[pos] ^= 0x10;
		t->in.len = t->out.len;
		err = import(test, &abi);
		KUNIT_EXPECT_TRUE_MSG(test, err == -EBADMSG || err == -EINVAL ||
				      err == -ENODATA,
				      "byte %zu changed: %d (%s)", pos, err,
				      t->stats.why);
		expect_empty(test);
	}
	/* Bytes after END. */
	memcpy(t->in.data, t->out.data, t->out.len);
	expect_refused(test, t->out.len + 1, -EBADMSG, "a byte after END");
}

/* Whole records moved about, each with a valid checksum of its own. */
static void records_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	size_t off[64], a, b, len;
	unsigned int n;

	fill_a(test, 6);
	KUNIT_ASSERT_EQ(test, export(test, UTMEM_STREAM_EPHEMERAL), 0);
	n = record_offsets(&t->out, off, ARRAY_SIZE(off));
	KUNIT_ASSERT_GE(test, n, 6);
	/* off[2] is the first VALUE: drop it. */
	a = off[2];
	b = off[3];
	memcpy(t->in.data, t->out.data, a);
	memcpy(t->in.data + a, t->out.data + b, t->out.len - b);
	expect_refused(test, t->out.len - (b - a), -EBADMSG, "a value dropped");
	/* Repeat it. */
	len = b - a;
	memcpy(t->in.data, t->out.data, b);
	memcpy(t->in.data + b, t->out.data + a, len);
	memcpy(t->in.data + b + len, t->out.data + b, t->out.len - b);
	expect_refused(test, t->out.len + len, -EBADMSG, "a value repeated");
	/* A second HEADER. */
	memcpy(t->in.data, t->out.data, b);
	memcpy(t->in.data + b, t->out.data, off[1]);
	memcpy(t->in.data + b + off[1], t->out.data + b, t->out.len - b);
	expect_refused(test, t->out.len + off[1], -EBADMSG, "two headers");
	/* A value before any POOL. */
	memcpy(t->in.data, t->out.data, off[1]);
	memcpy(t->in.data + off[1], t->out.data + a, len);
	memcpy(t->in.data + off[1] + len, t->out.data + off[1],
	       t->out.len - off[1]);
	expect_refused(test, t->out.len + len, -EBADMSG, "a value first");
}

/* Rewrites the HEADER's version, with a checksum that matches. */
static void set_version(struct stream_test *t, u32 version)
{
	struct utmem_stream_record *rec = (void *)t->in.data;
	struct utmem_stream_header *hdr = (void *)(rec + 1);
	u32 crc;

	hdr->version = cpu_to_le32(version);
	rec->crc = 0;
	crc = __crc32c_le(~0U, (u8 *)rec, sizeof(*rec));
	rec->crc = cpu_to_le32(__crc32c_le(crc, (u8 *)hdr, sizeof(*hdr)));
}

static void foreign_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	u32 abi;

	fill_a(test, 6);
	KUNIT_ASSERT_EQ(test, export(test, 0), 0);
	memcpy(t->in.data, t->out.data, t->out.len);
	set_version(t, UTMEM_STREAM_VERSION + 1);
	expect_refused(test, t->out.len, -EPROTONOSUPPORT, "a newer version");
	set_version(t, 0);
	expect_refused(test, t->out.len, -EPROTONOSUPPORT, "version 0");
	set_version(t, UTMEM_STREAM_VERSION);
	t->in.len = t->out.len;
	KUNIT_EXPECT_EQ_MSG(test, import(test, &abi), 0, "%s", t->stats.why);
	utmem_host_client_reset(t->b);

	/* Not a stream: text, and zeroes. */
	strscpy(t->in.data, "this is not a stream of pools", 64);
	expect_refused(test, 64, -EINVAL, "text");
	memset(t->in.data, 0, 64);
	expect_refused(test, 64, -EINVAL, "zeroes");
}

/* A client that has pools takes no stream; its own stay as they were. */
static void busy_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	u32 abi;

	fill_a(test, 6);
	KUNIT_ASSERT_EQ(test, export(test, 0), 0);
	memcpy(t->in.data, t->out.data, t->out.len);
	t->in.len = t->out.len;
	KUNIT_ASSERT_EQ(test, new_pool(test, t->b, TMEM_POOL_PERSISTENT, NULL),
			0);
	fill(test, t->b, 0, 4);
	KUNIT_EXPECT_EQ(test, import(test, &abi), -EBUSY);
	expect_values(test, t->b, 0, 4);
	KUNIT_EXPECT_EQ(test, t->b->pages, 4);
}

/* A cap that cannot hold the persistent values: refused whole. */
static void over_cap_test(struct kunit *test)
{
	struct stream_test *t = test->priv;
	u32 abi;

	fill_a(test, 60);
	KUNIT_ASSERT_EQ(test, export(test, UTMEM_STREAM_EPHEMERAL), 0);
	memcpy(t->in.data, t->out.data, t->out.len);
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->b, t->a->used / 2), 0);
	expect_refused(test, t->out.len, -ENOSPC, "over the cap");
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->b, 0), 0);
	t->in.len = t->out.len;
	KUNIT_EXPECT_EQ_MSG(test, import(test, &abi), 0, "%s", t->stats.why);
}

static struct kunit_case host_stream_cases[] = {
	KUNIT_CASE(round_trip_test),
	KUNIT_CASE(ephemeral_left_test),
	KUNIT_CASE(truncated_test),
	KUNIT_CASE(corrupted_test),
	KUNIT_CASE(records_test),
	KUNIT_CASE(foreign_test),
	KUNIT_CASE(busy_test),
	KUNIT_CASE(over_cap_test),
	{}
};

static struct kunit_suite host_stream_suite = {
	.name = "utmem_host_stream",
	.init = stream_init,
	.exit = stream_exit,
	.test_cases = host_stream_cases,
};

kunit_test_suite(host_stream_suite);

MODULE_DESCRIPTION("KUnit tests for moving a utmem client's pools as a stream");
MODULE_LICENSE("GPL");
