// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite utmem_host_control: what keeps a host in control of its
 * memory, on the pool engine directly.
 *
 * - A second account (a memory cgroup on a KVM host, a fake with a limit
 *   here) holds exactly what each client is charged; a PUT it cannot
 *   take is refused, and everything goes back when the client goes.
 * - Persistent pages asked back: what a client owes, what it returned,
 *   refusal of its persistent PUTs once it owed past the grace.
 * - A client's reset: every pool closed, every byte returned.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tmem_sim_fixture.h"

/* Host statuses are __bitwise (sparse): compared here as numbers. */
#define EXPECT_STATUS(test, expr, want) \
	KUNIT_EXPECT_EQ(test, (__force u32)(expr), (__force u32)(want))
#define ASSERT_STATUS(test, expr, want) \
	KUNIT_ASSERT_EQ(test, (__force u32)(expr), (__force u32)(want))

#define VAL	TMEM_VALUE_MAX

/* An account with a byte limit, as a memory cgroup's memory.max. */
struct fake_account {
	u64 limit;
	u64 charged;
	u64 forced;
	unsigned int refusals;
};

static bool fake_charge(void *data, u64 bytes, bool force)
{
	struct fake_account *acc = data;

	if (!force && acc->charged + bytes > acc->limit) {
		acc->refusals++;
		return false;
	}
	if (force)
		acc->forced += bytes;
	acc->charged += bytes;
	return true;
}

static void fake_uncharge(void *data, u64 bytes)
{
	struct fake_account *acc = data;

	acc->charged -= bytes;
}

static const struct utmem_host_account_ops fake_account_ops = {
	.charge = fake_charge,
	.uncharge = fake_uncharge,
};

/* Freed after the suite's exit, where the clients give their bytes back. */
static struct fake_account *fake_account(struct kunit *test,
					 struct utmem_host_client *c)
{
	struct fake_account *acc = kunit_kzalloc(test, sizeof(*acc),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, acc);
	acc->limit = U64_MAX;
	utmem_host_set_account(c, &fake_account_ops, acc);
	return acc;
}

struct control_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	u8 *val;
};

static int control_init(struct kunit *test)
{
	struct control_test *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->val);
	/* Incompressible, so that each page costs about a page. */
	for (i = 0; i < VAL; i++)
		t->val[i] = (u8)(i * 2654435761u >> 13);
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	utmem_host_set_compress(t->host, false);
	utmem_host_set_dedup(t->host, false);
	test->priv = t;
	return 0;
}

static void control_exit(struct kunit *test)
{
	struct control_test *t = test->priv;

	sim_fixture_exit(test, t->host, t->a, t->b);
}

static u32 pool(struct kunit *test, struct utmem_host_client *c, u32 flags)
{
	u32 id;

	ASSERT_STATUS(test, utmem_host_new_pool(c, flags, NULL, &id),
		      TMEM_S_OK);
	return id;
}

/* PUT a distinct value at @index. */
static tmem_status_t put(struct control_test *t, struct utmem_host_client *c,
			 u32 pool_id, u32 index)
{
	struct tmem_handle h = { .index = index };

	t->val[0] = (u8)index;
	t->val[1] = (u8)(index >> 8);
	return utmem_host_put(c, pool_id, &h, t->val, VAL);
}

static tmem_status_t flush(struct utmem_host_client *c, u32 pool_id,
			   u32 index)
{
	struct tmem_handle h = { .index = index };

	return utmem_host_flush_page(c, pool_id, &h);
}

/* The account follows the client's charge, and bounds it. */
static void account_charge_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	struct fake_account *acc = fake_account(test, t->a);
	u32 p, e, i, stored = 0;
	u64 one;

	p = pool(test, t->a, TMEM_POOL_PERSISTENT);
	e = pool(test, t->a, 0);
	ASSERT_STATUS(test, put(t, t->a, p, 0), TMEM_S_OK);
	one = t->a->used;
	KUNIT_EXPECT_GT(test, one, (u64)VAL);
	KUNIT_EXPECT_EQ(test, acc->charged, t->a->used);

	/* Room for three more pages' worth: the fifth PUT is refused. */
	acc->limit = acc->charged + 3 * one + one / 2;
	for (i = 1; i < 8; i++) {
		if (put(t, t->a, i & 1 ? p : e, i) == TMEM_S_OK)
			stored++;
		KUNIT_EXPECT_EQ(test, acc->charged, t->a->used);
		KUNIT_EXPECT_LE(test, acc->charged, acc->limit);
	}
	KUNIT_EXPECT_EQ(test, stored, 3);
	KUNIT_EXPECT_EQ(test, acc->refusals, 4);
	KUNIT_EXPECT_EQ(test, t->a->put_refused_account, 4);
	KUNIT_EXPECT_EQ(test,
			utmem_host_counter(t->host,
					   UTMEM_HOST_PUT_REFUSED_ACCOUNT), 4);
	/* Nothing was charged by force: every byte went through the limit. */
	KUNIT_EXPECT_EQ(test, acc->forced, 0);
	/* Another client's account is not this one. */
	EXPECT_STATUS(test, put(t, t->b, pool(test, t->b,
					      TMEM_POOL_PERSISTENT), 0),
		      TMEM_S_OK);

	/* Flushes and a destroyed pool give it back, byte for byte. */
	EXPECT_STATUS(test, flush(t->a, p, 0), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, acc->charged, t->a->used);
	EXPECT_STATUS(test, put(t, t->a, p, 0), TMEM_S_OK);
	EXPECT_STATUS(test, utmem_host_destroy_pool(t->a, e), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, acc->charged, t->a->used);
	utmem_host_client_reset(t->a);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	KUNIT_EXPECT_EQ(test, acc->charged, 0);
}

/* A shared pool changing owners moves its charge between accounts. */
static void account_owner_change_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	struct fake_account *acc_a = fake_account(test, t->a);
	struct fake_account *acc_b = fake_account(test, t->b);
	uuid_t uuid;
	u32 pa, pb;

	generate_random_uuid(uuid.b);
	ASSERT_STATUS(test, utmem_host_new_pool(t->a, TMEM_POOL_SHARED |
						TMEM_POOL_PERSISTENT,
						&uuid, &pa), TMEM_S_OK);
	ASSERT_STATUS(test, utmem_host_new_pool(t->b, TMEM_POOL_SHARED |
						TMEM_POOL_PERSISTENT,
						&uuid, &pb), TMEM_S_OK);
	ASSERT_STATUS(test, put(t, t->b, pb, 1), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, acc_a->charged, t->a->used);
	KUNIT_EXPECT_GT(test, acc_a->charged, 0);
	KUNIT_EXPECT_EQ(test, acc_b->charged, 0);
	EXPECT_STATUS(test, utmem_host_destroy_pool(t->a, pa), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, acc_a->charged, 0);
	KUNIT_EXPECT_EQ(test, acc_b->charged, t->b->used);
	KUNIT_EXPECT_GT(test, acc_b->charged, 0);
}

/* A cap lowered under persistent data asks the excess back. */
static void ask_back_on_cap_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	u32 p = pool(test, t->a, TMEM_POOL_PERSISTENT);
	u64 one, cap;
	u32 i;

	for (i = 0; i < 10; i++)
		ASSERT_STATUS(test, put(t, t->a, p, i), TMEM_S_OK);
	/* Four pages of the average cost over (the first one costs more). */
	one = t->a->used / 10;
	cap = t->a->used - 4 * one;
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 0);
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a, cap), 0);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 4);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_asked, 4);
	/* Setting it again asks no more. */
	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a, cap), 0);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 4);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_asked, 4);

	/* The guest writes pages elsewhere and flushes them. */
	EXPECT_STATUS(test, flush(t->a, p, 0), TMEM_S_OK);
	EXPECT_STATUS(test, flush(t->a, p, 1), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 2);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_returned, 2);
	EXPECT_STATUS(test, flush(t->a, p, 2), TMEM_S_OK);
	EXPECT_STATUS(test, flush(t->a, p, 3), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 0);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_returned, 4);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_target, UTMEM_HOST_NO_TARGET);
	/* Paid: later flushes are no returns. */
	EXPECT_STATUS(test, flush(t->a, p, 4), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, t->a->reclaim_returned, 4);
	KUNIT_EXPECT_LE(test, t->a->used, cap);
	/* The other client was asked nothing. */
	KUNIT_EXPECT_EQ(test, t->b->reclaim_asked, 0);
}

/*
 * A client that owes past the grace has its persistent PUTs refused,
 * its ephemeral ones not; within the grace, both go on.
 */
static void owing_refused_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	u32 p = pool(test, t->a, TMEM_POOL_PERSISTENT);
	u32 e = pool(test, t->a, 0);
	u32 i;

	for (i = 0; i < 4; i++)
		ASSERT_STATUS(test, put(t, t->a, p, i), TMEM_S_OK);
	/* A grace no test outlives: owing changes nothing yet. */
	utmem_host_set_reclaim_grace(t->host, MAX_JIFFY_OFFSET / 2);
	utmem_host_ask_back(t->a, 2);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 2);
	EXPECT_STATUS(test, put(t, t->a, p, 10), TMEM_S_OK);
	/* The new page is owed too: the target stays. */
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 3);

	utmem_host_set_reclaim_grace(t->host, 0);
	EXPECT_STATUS(test, put(t, t->a, p, 11), TMEM_S_REFUSED);
	KUNIT_EXPECT_EQ(test, t->a->put_refused_owing, 1);
	EXPECT_STATUS(test, put(t, t->a, e, 11), TMEM_S_OK);
	/* Another client owes nothing and is not refused. */
	EXPECT_STATUS(test, put(t, t->b, pool(test, t->b,
					      TMEM_POOL_PERSISTENT), 0),
		      TMEM_S_OK);
	/* Paid: persistent PUTs go through again. */
	for (i = 0; i < 3; i++)
		EXPECT_STATUS(test, flush(t->a, p, i), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 0);
	EXPECT_STATUS(test, put(t, t->a, p, 11), TMEM_S_OK);
	KUNIT_EXPECT_EQ(test,
			utmem_host_counter(t->host,
					   UTMEM_HOST_PUT_REFUSED_OWING), 1);
}

/* The host short of memory asks each client in proportion. */
static void ask_clients_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	u32 pa = pool(test, t->a, TMEM_POOL_PERSISTENT);
	u32 pb = pool(test, t->b, TMEM_POOL_PERSISTENT);
	u32 e = pool(test, t->b, 0);
	u32 i;

	for (i = 0; i < 30; i++)
		ASSERT_STATUS(test, put(t, t->a, pa, i), TMEM_S_OK);
	for (i = 0; i < 10; i++) {
		ASSERT_STATUS(test, put(t, t->b, pb, i), TMEM_S_OK);
		ASSERT_STATUS(test, put(t, t->b, e, i), TMEM_S_OK);
	}
	KUNIT_EXPECT_EQ(test, utmem_host_ask_clients(t->host, 8), 8);
	/* 30:10 persistent pages (ephemeral ones are not asked for). */
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 6);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->b), 2);
	/* Never more than they hold. */
	KUNIT_EXPECT_EQ(test, utmem_host_ask_clients(t->host, 1000), 32);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 30);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->b), 10);
	KUNIT_EXPECT_EQ(test, utmem_host_ask_clients(t->host, 1), 0);
	/* A reset forgets the debt with the pages. */
	utmem_host_client_reset(t->a);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->a), 0);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
}

/*
 * A reset closes every pool, returns every byte, and leaves a client
 * that works: the same one, with its cap.
 */
static void reset_test(struct kunit *test)
{
	struct control_test *t = test->priv;
	u32 p = pool(test, t->a, TMEM_POOL_PERSISTENT);
	u32 e = pool(test, t->a, 0);
	u32 id = t->a->id, i, len;
	struct tmem_handle h = { .index = 1 };

	KUNIT_ASSERT_EQ(test, utmem_host_set_cap(t->a, 1 << 20), 0);
	for (i = 0; i < 5; i++) {
		ASSERT_STATUS(test, put(t, t->a, p, i), TMEM_S_OK);
		ASSERT_STATUS(test, put(t, t->a, e, i), TMEM_S_OK);
	}
	ASSERT_STATUS(test, put(t, t->b, pool(test, t->b, 0), 0), TMEM_S_OK);
	utmem_host_client_reset(t->a);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->a->pools_owned));
	KUNIT_EXPECT_EQ(test, t->b->pages, 1);
	KUNIT_EXPECT_EQ(test, t->host->pages, 1);
	/* The old pool ids name nothing. */
	EXPECT_STATUS(test, utmem_host_get(t->a, p, &h, t->val, VAL, &len),
		      TMEM_S_BADPOOL);
	KUNIT_EXPECT_EQ(test, t->a->id, id);
	KUNIT_EXPECT_EQ(test, t->a->cap, 1 << 20);
	p = pool(test, t->a, TMEM_POOL_PERSISTENT);
	EXPECT_STATUS(test, put(t, t->a, p, 1), TMEM_S_OK);
	EXPECT_STATUS(test, utmem_host_get(t->a, p, &h, t->val, VAL, &len),
		      TMEM_S_OK);
}

static struct kunit_case host_control_cases[] = {
	KUNIT_CASE(account_charge_test),
	KUNIT_CASE(account_owner_change_test),
	KUNIT_CASE(ask_back_on_cap_test),
	KUNIT_CASE(owing_refused_test),
	KUNIT_CASE(ask_clients_test),
	KUNIT_CASE(reset_test),
	{}
};

static struct kunit_suite host_control_suite = {
	.name = "utmem_host_control",
	.init = control_init,
	.exit = control_exit,
	.test_cases = host_control_cases,
};

kunit_test_suite(host_control_suite);

MODULE_DESCRIPTION("KUnit tests for a utmem host's control of its memory");
MODULE_LICENSE("GPL");
