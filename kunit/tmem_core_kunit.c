// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite tmem_core: the status-to-errno map, handles, the backend
 * registry, and the pool wrappers against a fake backend whose answers
 * each test scripts (including answers a broken host might give).
 */
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include <utmem/tmem.h>
#include "../guest/tmem/tmem_internal.h"
#include "../host-sim/backend_sim.h"
#include "../main.h"

/* The fake host: answers with @status, claims @len on GET. */
struct fake_host {
	tmem_status_t status;
	u32 len;
	unsigned int puts;
	unsigned int gets;
	unsigned int new_pools;
	unsigned int destroys;
	tmem_status_t batch_status[4];
};

static struct fake_host *fake(struct tmem_backend *be)
{
	return be->priv;
}

static int fake_probe(struct tmem_backend *be)
{
	be->priv = kunit_get_current_test()->priv;
	return 0;
}

static void fake_remove(struct tmem_backend *be)
{
}

static tmem_status_t fake_new_pool(struct tmem_backend *be, u32 flags,
				   const uuid_t *uuid, u32 *pool_id)
{
	fake(be)->new_pools++;
	*pool_id = 7;
	return fake(be)->status;
}

static tmem_status_t fake_destroy_pool(struct tmem_backend *be, u32 pool_id)
{
	fake(be)->destroys++;
	return fake(be)->status;
}

static tmem_status_t fake_put(struct tmem_backend *be, u32 pool_id,
			      const struct tmem_handle *h, const void *src,
			      u32 len)
{
	struct fake_host *f = fake(be);

	f->puts++;
	if (h->index < ARRAY_SIZE(f->batch_status))
		return f->batch_status[h->index];
	return f->status;
}

static tmem_status_t fake_get(struct tmem_backend *be, u32 pool_id,
			      const struct tmem_handle *h, void *dst, u32 size,
			      u32 *len)
{
	fake(be)->gets++;
	*len = fake(be)->len;
	return fake(be)->status;
}

static tmem_status_t fake_flush_page(struct tmem_backend *be, u32 pool_id,
				     const struct tmem_handle *h)
{
	return fake(be)->status;
}

static tmem_status_t fake_flush_object(struct tmem_backend *be, u32 pool_id,
				       const struct tmem_oid *oid)
{
	return fake(be)->status;
}

static tmem_status_t fake_flush_pool(struct tmem_backend *be, u32 pool_id)
{
	return fake(be)->status;
}

static tmem_status_t fake_pool_info(struct tmem_backend *be, u32 pool_id,
				    struct tmem_pool_info *info)
{
	memset(info, 0, sizeof(*info));
	return fake(be)->status;
}

/* No put_batch: the core must fall back to single PUTs. */
static const struct tmem_backend_ops fake_ops = {
	.name = "fake",
	.probe = fake_probe,
	.remove = fake_remove,
	.new_pool = fake_new_pool,
	.destroy_pool = fake_destroy_pool,
	.put = fake_put,
	.get = fake_get,
	.flush_page = fake_flush_page,
	.flush_object = fake_flush_object,
	.flush_pool = fake_flush_pool,
	.pool_info = fake_pool_info,
};

struct core_test {
	struct fake_host host;
	struct tmem_backend *be;
	struct tmem_pool *pool;
	u8 buf[TMEM_VALUE_MAX + 1];
};

static int core_test_init(struct kunit *test)
{
	struct core_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = &t->host;
	t->be = tmem_backend_create(&fake_ops, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->be));
	t->pool = tmem_pool_create(t->be, "core-test", TMEM_POOL_PERSISTENT,
				   NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t->pool));
	test->priv = t;
	return 0;
}

static void core_test_exit(struct kunit *test)
{
	struct core_test *t = test->priv;

	t->host.status = TMEM_S_OK;
	if (t->pool)
		tmem_pool_destroy(t->pool);
	tmem_backend_destroy(t->be);
}

static u64 calls(struct tmem_backend *be, enum tmem_op op)
{
	return atomic64_read(&be->stats.calls[op]);
}

static u64 errors(struct tmem_backend *be, enum tmem_op op)
{
	return atomic64_read(&be->stats.errors[op]);
}

static void status_to_errno_test(struct kunit *test)
{
	static const struct {
		u32 status;
		int err;
	} map[] = {
		{ TMEM_STATUS_OK, 0 },
		{ TMEM_STATUS_MISS, -ENOENT },
		{ TMEM_STATUS_REFUSED, -ENOSPC },
		{ TMEM_STATUS_INVAL, -EINVAL },
		{ TMEM_STATUS_BADPOOL, -ENXIO },
		{ TMEM_STATUS_NOMEM, -ENOMEM },
		{ TMEM_STATUS_TOOBIG, -E2BIG },
		{ TMEM_STATUS_PERM, -EPERM },
		{ TMEM_STATUS_IO, -EIO },
		{ TMEM_STATUS_LOST, -ESTALE },
		/* A host inventing statuses gets -EIO, not its own errno. */
		{ TMEM_STATUS_NR, -EIO },
		{ 0xffffffff, -EIO },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		KUNIT_EXPECT_EQ_MSG(test, tmem_status_to_errno((__force
				    tmem_status_t)map[i].status), map[i].err,
				    "status %u", map[i].status);
}

static void handle_test(struct kunit *test)
{
	struct tmem_oid a, b;
	struct tmem_handle h;

	tmem_oid_set(&a, 1, 2, 3);
	tmem_oid_set(&b, 1, 2, 4);
	KUNIT_EXPECT_LT(test, tmem_oid_cmp(&a, &b), 0);
	KUNIT_EXPECT_GT(test, tmem_oid_cmp(&b, &a), 0);
	KUNIT_EXPECT_FALSE(test, tmem_oid_equal(&a, &b));
	tmem_oid_set(&b, 0, 9, 9);
	KUNIT_EXPECT_GT(test, tmem_oid_cmp(&a, &b), 0);
	b = a;
	KUNIT_EXPECT_EQ(test, tmem_oid_cmp(&a, &b), 0);
	KUNIT_EXPECT_TRUE(test, tmem_oid_equal(&a, &b));

	memset(&h, 0xff, sizeof(h));
	tmem_handle_set(&h, &a, 42);
	KUNIT_EXPECT_TRUE(test, tmem_oid_equal(&h.oid, &a));
	KUNIT_EXPECT_EQ(test, h.index, 42);
	KUNIT_EXPECT_EQ(test, h.reserved, 0);
}

static void backend_find_test(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, tmem_backend_find("sim"),
			    &tmem_sim_backend_ops);
	/* As written to a parameter file, with a newline. */
	KUNIT_EXPECT_PTR_EQ(test, tmem_backend_find("sim\n"),
			    &tmem_sim_backend_ops);
	KUNIT_EXPECT_NULL(test, tmem_backend_find("simx"));
	KUNIT_EXPECT_NULL(test, tmem_backend_find(""));
	KUNIT_EXPECT_NULL(test, tmem_backend_find("fake"));
}

static void pool_create_invalid_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	uuid_t uuid;
	u64 before = calls(t->be, TMEM_OP_NEW_POOL);

	uuid_gen(&uuid);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_pool_create(t->be, "x", 1U << 5,
						       NULL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_pool_create(t->be, "x",
						       TMEM_POOL_SHARED, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_pool_create(t->be, "x", 0, &uuid)),
			-EINVAL);
	/* Rejected before any host call. */
	KUNIT_EXPECT_EQ(test, calls(t->be, TMEM_OP_NEW_POOL), before);

	t->host.status = TMEM_S_REFUSED;
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_pool_create(t->be, "x", 0, NULL)),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, calls(t->be, TMEM_OP_NEW_POOL), before + 1);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_NEW_POOL), 0);
	/* Only the fixture's pool is listed. */
	KUNIT_EXPECT_TRUE(test, list_is_singular(&t->be->pools));
}

static void put_invalid_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	struct tmem_handle h = {};

	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf,
				       TMEM_VALUE_MAX + 1), -E2BIG);
	h.reserved = 1;
	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 1, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, tmem_flush_page(t->pool, &h), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->host.puts + t->host.gets, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pool->stats.puts), 0);
}

/* Every status a host can give a PUT, and what the pool counts for it. */
static void put_status_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	struct tmem_handle h = { .index = 100 };
	struct tmem_pool_stats *st = &t->pool->stats;

	t->host.status = TMEM_S_OK;
	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf, 10), 0);
	t->host.status = TMEM_S_REFUSED;
	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf, 10), -ENOSPC);
	t->host.status = TMEM_S_NOMEM;
	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf, 10), -ENOMEM);
	t->host.status = TMEM_S_BADPOOL;
	KUNIT_EXPECT_EQ(test, tmem_put(t->pool, &h, t->buf, 10), -ENXIO);

	KUNIT_EXPECT_EQ(test, atomic64_read(&st->puts), 4);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->put_refused), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->put_failed), 2);
	KUNIT_EXPECT_EQ(test, calls(t->be, TMEM_OP_PUT), 4);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_PUT), 2);
}

static void get_status_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	struct tmem_handle h = {};
	struct tmem_pool_stats *st = &t->pool->stats;
	size_t len = 12345;

	t->host.status = TMEM_S_OK;
	t->host.len = 100;
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 100, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 100);

	/* A value longer than the buffer it claims to have filled. */
	len = 12345;
	t->host.len = 101;
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 100, &len), -EIO);
	KUNIT_EXPECT_EQ(test, len, 12345);

	t->host.status = TMEM_S_TOOBIG;
	t->host.len = 4000;
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 100, &len), -E2BIG);
	KUNIT_EXPECT_EQ(test, len, 4000);

	t->host.status = TMEM_S_MISS;
	len = 12345;
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 100, &len),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, len, 12345);

	t->host.status = (__force tmem_status_t)77;
	KUNIT_EXPECT_EQ(test, tmem_get(t->pool, &h, t->buf, 100, &len), -EIO);

	KUNIT_EXPECT_EQ(test, atomic64_read(&st->gets), 5);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->hits), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->misses), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&st->get_failed), 3);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_GET), 3);
}

/* Without a batched PUT in the backend, one PUT per entry. */
static void put_batch_fallback_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	struct tmem_batch_entry ent[4] = {};
	int i;

	t->host.batch_status[0] = TMEM_S_OK;
	t->host.batch_status[1] = TMEM_S_REFUSED;
	t->host.batch_status[2] = TMEM_S_OK;
	t->host.batch_status[3] = TMEM_S_IO;
	for (i = 0; i < 4; i++) {
		ent[i].handle.index = i;
		ent[i].src = t->buf;
		ent[i].len = 64;
	}
	KUNIT_EXPECT_EQ(test, tmem_put_batch(t->pool, ent, 4), 2);
	KUNIT_EXPECT_EQ(test, t->host.puts, 4);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, (__force u32)ent[i].status,
				(__force u32)t->host.batch_status[i]);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pool->stats.put_refused), 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pool->stats.put_failed), 1);

	/* One bad entry: nothing goes to the host. */
	ent[2].len = TMEM_VALUE_MAX + 1;
	KUNIT_EXPECT_EQ(test, tmem_put_batch(t->pool, ent, 4), -E2BIG);
	ent[2].len = 1;
	ent[3].handle.reserved = 1;
	KUNIT_EXPECT_EQ(test, tmem_put_batch(t->pool, ent, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->host.puts, 4);
}

/* A host that fails to destroy a pool does not leak the guest's side. */
static void destroy_failure_test(struct kunit *test)
{
	struct core_test *t = test->priv;

	t->host.status = TMEM_S_IO;
	tmem_pool_destroy(t->pool);
	t->pool = NULL;
	KUNIT_EXPECT_EQ(test, t->host.destroys, 1);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_DESTROY_POOL), 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->be->pools));
}

static void flush_status_test(struct kunit *test)
{
	struct core_test *t = test->priv;
	struct tmem_handle h = {};
	struct tmem_pool_info info;

	t->host.status = TMEM_S_MISS;
	KUNIT_EXPECT_EQ(test, tmem_flush_page(t->pool, &h), -ENOENT);
	t->host.status = TMEM_S_BADPOOL;
	KUNIT_EXPECT_EQ(test, tmem_flush_object(t->pool, &h.oid), -ENXIO);
	KUNIT_EXPECT_EQ(test, tmem_flush_pool(t->pool), -ENXIO);
	KUNIT_EXPECT_EQ(test, tmem_pool_info(t->pool, &info), -ENXIO);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->pool->stats.flushes), 3);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_FLUSH_OBJECT), 1);
	KUNIT_EXPECT_EQ(test, errors(t->be, TMEM_OP_FLUSH_PAGE), 0);
}

/* A user on the drain chain: what it was told, and what it keeps. */
struct drain_user {
	struct notifier_block nb;
	unsigned long action;
	unsigned int calls;
	unsigned long keeps;
};

static int drain_user_notify(struct notifier_block *nb, unsigned long action,
			     void *left)
{
	struct drain_user *u = container_of(nb, struct drain_user, nb);

	u->action = action;
	u->calls++;
	if (action == TMEM_DRAIN)
		*(unsigned long *)left += u->keeps;
	return NOTIFY_OK;
}

/* tmem_drain() tells every user, and adds up what they could not give. */
static void drain_chain_test(struct kunit *test)
{
	struct drain_user a = { .nb.notifier_call = drain_user_notify };
	struct drain_user b = { .nb.notifier_call = drain_user_notify,
				.keeps = 3 };

	KUNIT_ASSERT_EQ(test, tmem_register_drain_notifier(&a.nb), 0);
	KUNIT_ASSERT_EQ(test, tmem_register_drain_notifier(&b.nb), 0);
	/* The booted users hold nothing here: only b keeps pages. */
	KUNIT_EXPECT_EQ(test, tmem_drain(true), 3);
	KUNIT_EXPECT_EQ(test, a.action, TMEM_DRAIN);
	KUNIT_EXPECT_EQ(test, b.calls, 1);
	b.keeps = 0;
	KUNIT_EXPECT_EQ(test, tmem_drain(true), 0);
	KUNIT_EXPECT_EQ(test, tmem_drain(false), 0);
	KUNIT_EXPECT_EQ(test, a.action, TMEM_RESUME);
	KUNIT_EXPECT_EQ(test, a.calls, 3);
	tmem_unregister_drain_notifier(&a.nb);
	tmem_unregister_drain_notifier(&b.nb);
}

static struct kunit_case tmem_core_cases[] = {
	KUNIT_CASE(status_to_errno_test),
	KUNIT_CASE(drain_chain_test),
	KUNIT_CASE(handle_test),
	KUNIT_CASE(backend_find_test),
	KUNIT_CASE(pool_create_invalid_test),
	KUNIT_CASE(put_invalid_test),
	KUNIT_CASE(put_status_test),
	KUNIT_CASE(get_status_test),
	KUNIT_CASE(put_batch_fallback_test),
	KUNIT_CASE(flush_status_test),
	KUNIT_CASE(destroy_failure_test),
	{}
};

static struct kunit_suite tmem_core_suite = {
	.name = "tmem_core",
	.init = core_test_init,
	.exit = core_test_exit,
	.test_cases = tmem_core_cases,
};

kunit_test_suite(tmem_core_suite);

MODULE_DESCRIPTION("KUnit tests for the utmem tmem core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
