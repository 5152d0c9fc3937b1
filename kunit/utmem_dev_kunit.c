// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite utmem_dev: /dev/utmem's keys and values (chunking, the
 * checks that keep a GET from returning another key's value) and its
 * ioctls (the size rules, validation, isolation between files), on the
 * host simulator.  The ioctl tests pass real user pointers, from a
 * mapping kunit_vm_mmap() gives the test.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <uapi/linux/utmem.h>

#include <utmem/tmem.h>
#include "../guest/drivers/utmem/utmem_dev.h"
#include "../guest/drivers/utmem/utmem_kv.h"
#include "../guest/drivers/utmem/utmem_multi.h"
#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"

struct dev_test {
	struct tmem_backend *be;
	struct tmem_pool *pers, *eph;
	void *scratch;
	u8 *in, *out;	/* UTMEM_VALUE_MAX each */
};

static int dev_test_init(struct kunit *test)
{
	struct dev_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	t->be = tmem_backend_create(&tmem_sim_backend_ops, NULL);
	if (IS_ERR(t->be))
		return PTR_ERR(t->be);
	t->pers = tmem_pool_create(t->be, "kv-pers", TMEM_POOL_PERSISTENT,
				   NULL);
	t->eph = tmem_pool_create(t->be, "kv-eph", 0, NULL);
	t->scratch = kunit_kzalloc(test, TMEM_VALUE_MAX, GFP_KERNEL);
	t->in = vmalloc(UTMEM_VALUE_MAX);
	t->out = vmalloc(UTMEM_VALUE_MAX);
	test->priv = t;
	if (IS_ERR(t->pers) || IS_ERR(t->eph) || !t->scratch || !t->in ||
	    !t->out)
		return -ENOMEM;
	get_random_bytes(t->in, UTMEM_VALUE_MAX);
	return 0;
}

static void dev_test_exit(struct kunit *test)
{
	struct dev_test *t = test->priv;

	if (!IS_ERR_OR_NULL(t->pers))
		tmem_pool_destroy(t->pers);
	if (!IS_ERR_OR_NULL(t->eph))
		tmem_pool_destroy(t->eph);
	if (!IS_ERR_OR_NULL(t->be))
		tmem_backend_destroy(t->be);
	vfree(t->in);
	vfree(t->out);
}

static void nr_chunks_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(1, 0), 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(1, UTMEM_CHUNK_DATA - 1), 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(1, UTMEM_CHUNK_DATA), 2);
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(UTMEM_KEY_MAX,
						 UTMEM_CHUNK_DATA -
						 UTMEM_KEY_MAX), 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(10, 2 * UTMEM_CHUNK_DATA), 3);
	KUNIT_EXPECT_EQ(test, utmem_kv_nr_chunks(10, UTMEM_VALUE_MAX),
			DIV_ROUND_UP(UTMEM_VALUE_MAX + 10, UTMEM_CHUNK_DATA));
}

static const u32 value_sizes[] = {
	0, 1, 64, UTMEM_CHUNK_DATA - 5, UTMEM_CHUNK_DATA - 4, 4095, 4096,
	4097, 65536, UTMEM_VALUE_MAX,
};

static void value_size_desc(const u32 *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", *size);
}

KUNIT_ARRAY_PARAM(value_size, value_sizes, value_size_desc);

/* Every size round-trips, in both kinds of pool. */
static void roundtrip_test(struct kunit *test)
{
	const u32 size = *(const u32 *)test->param_value;
	struct dev_test *t = test->priv;
	u32 len = 0;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "key", 3, t->in, size,
					   t->scratch), 0);
	memset(t->out, 0, size);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "key", 3, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			0);
	KUNIT_EXPECT_EQ(test, len, size);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->in, size);
	/* Persistent: still there.  Ephemeral: gone after one GET. */
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "key", 3, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			0);
	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->eph, "key", 3, t->in, size,
					   t->scratch), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->eph, "key", 3, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			0);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->in, size);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->eph, "key", 3, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, utmem_kv_delete(t->pers, "key", 3), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "key", 3, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
}

/* A short buffer gets -ERANGE and the length; the value stays. */
static void short_buffer_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct tmem_pool *pools[] = { t->pers, t->eph };
	u32 len;
	int i;

	for (i = 0; i < ARRAY_SIZE(pools); i++) {
		KUNIT_ASSERT_EQ(test, utmem_kv_put(pools[i], "k", 1, t->in,
						   10000, t->scratch), 0);
		len = 0;
		KUNIT_EXPECT_EQ(test, utmem_kv_get(pools[i], "k", 1, t->out,
						   9999, &len, t->scratch),
				-ERANGE);
		KUNIT_EXPECT_EQ(test, len, 10000);
		KUNIT_EXPECT_EQ(test, utmem_kv_get(pools[i], "k", 1, t->out,
						   10000, &len, t->scratch), 0);
		KUNIT_EXPECT_MEMEQ(test, t->out, t->in, 10000);
	}
}

/* Replacing with shorter and longer values never mixes the two. */
static void replace_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	u32 len;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "r", 1, t->in, 20000,
					   t->scratch), 0);
	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "r", 1, t->in + 1, 100,
					   t->scratch), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "r", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			0);
	KUNIT_EXPECT_EQ(test, len, 100);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->in + 1, 100);
	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "r", 1, t->in + 2, 9000,
					   t->scratch), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "r", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			0);
	KUNIT_EXPECT_EQ(test, len, 9000);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->in + 2, 9000);
}

/* Copies chunk @index of @from's object to the same index of @to's. */
static void copy_chunk(struct kunit *test, struct tmem_pool *pool,
		       const char *from, const char *to, u32 index)
{
	struct dev_test *t = test->priv;
	struct tmem_handle h;
	struct tmem_oid oid;
	size_t len;

	utmem_kv_oid(from, strlen(from), &oid);
	tmem_handle_set(&h, &oid, index);
	KUNIT_ASSERT_EQ(test, tmem_get(pool, &h, t->scratch, TMEM_VALUE_MAX,
				       &len), 0);
	utmem_kv_oid(to, strlen(to), &oid);
	tmem_handle_set(&h, &oid, index);
	KUNIT_ASSERT_EQ(test, tmem_put(pool, &h, t->scratch, len), 0);
}

/*
 * Another key's chunk where this key's should be (a hash collision, or a
 * host mixing objects up) reads as no value, never as that value.
 */
static void collision_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	u32 len;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "other", 5, t->in, 50,
					   t->scratch), 0);
	copy_chunk(test, t->pers, "other", "mine", 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "mine", 4, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
	/* Same with a key of the same length. */
	copy_chunk(test, t->pers, "other", "OTHER", 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "OTHER", 5, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
}

/* A chunk of an older PUT of the same key is not spliced in. */
static void stale_chunk_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	u32 len;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "v", 1, t->in, 12000,
					   t->scratch), 0);
	copy_chunk(test, t->pers, "v", "saved", 1);
	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "v", 1, t->in + 7,
					   12000, t->scratch), 0);
	copy_chunk(test, t->pers, "saved", "v", 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "v", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
}

/* Bytes that are no chunk of ours are an I/O error, not a value. */
static void garbage_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct tmem_handle h;
	struct tmem_oid oid;
	u32 len;

	utmem_kv_oid("g", 1, &oid);
	tmem_handle_set(&h, &oid, 0);
	KUNIT_ASSERT_EQ(test, tmem_put(t->pers, &h, t->in, 100), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "g", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-EIO);
}

/*
 * A GET the host fails on an ephemeral value's first chunk: EIO, and the
 * value's other chunks leave the pool with it.
 */
static void ephemeral_host_failure_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct utmem_host *host = utmem_sim_backend_host(t->be);
	struct tmem_pool_info info;
	u32 len;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->eph, "e", 1, t->in, 10000,
					   t->scratch), 0);
	KUNIT_ASSERT_EQ(test, tmem_pool_info(t->eph, &info), 0);
	KUNIT_ASSERT_EQ(test, info.pages, 3);
	host->fail_get.probability = 100;
	host->fail_get.interval = 1;
	atomic_set(&host->fail_get.times, 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->eph, "e", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-EIO);
	KUNIT_ASSERT_EQ(test, tmem_pool_info(t->eph, &info), 0);
	KUNIT_EXPECT_EQ(test, info.pages, 0);
	KUNIT_EXPECT_EQ(test, info.evicted, 1);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->eph, "e", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
}

/* A refused PUT leaves no value, not even the old one. */
static void refused_put_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct tmem_backend *be = t->be;
	u32 len;

	KUNIT_ASSERT_EQ(test, utmem_kv_put(t->pers, "f", 1, t->in, 100,
					   t->scratch), 0);
	KUNIT_ASSERT_EQ(test,
			utmem_host_set_capacity(utmem_sim_backend_host(be),
						0), 0);
	KUNIT_EXPECT_EQ(test, utmem_kv_put(t->pers, "f", 1, t->in + 1, 100,
					   t->scratch), -ENOSPC);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "f", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, utmem_kv_put(t->pers, "f", 1, t->in, 30000,
					   t->scratch), -ENOSPC);
	KUNIT_EXPECT_EQ(test, utmem_kv_get(t->pers, "f", 1, t->out,
					   UTMEM_VALUE_MAX, &len, t->scratch),
			-ENOENT);
}

/* The ioctls, with user memory from kunit_vm_mmap(). */
struct uarea {
	void __user *arg;	/* the ioctl struct, with room to spare */
	u8 __user *key;
	u8 __user *value;	/* UTMEM_VALUE_MAX */
};

static struct uarea uarea(struct kunit *test)
{
	size_t len = 2 * PAGE_SIZE + UTMEM_VALUE_MAX;
	unsigned long addr;
	struct uarea u;

	addr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_NE(test, addr, 0);
	u.arg = (void __user *)addr;
	u.key = (u8 __user *)addr + PAGE_SIZE;
	u.value = (u8 __user *)addr + 2 * PAGE_SIZE;
	return u;
}

/* Runs one ioctl with @arg as a @usize-byte struct in user memory. */
static long uioctl(struct kunit *test, struct utmem_file *f, struct uarea *u,
		   unsigned int cmd, void *arg, size_t usize)
{
	long ret;

	*(u32 *)arg = usize;
	KUNIT_ASSERT_EQ(test, copy_to_user(u->arg, arg, usize), 0);
	ret = utmem_file_ioctl(f, cmd, u->arg);
	KUNIT_ASSERT_EQ(test, copy_from_user(arg, u->arg, usize), 0);
	return ret;
}

static struct utmem_file *file(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct utmem_file *f = utmem_file_create(t->be);

	KUNIT_ASSERT_FALSE(test, IS_ERR(f));
	return f;
}

static u32 pool_new(struct kunit *test, struct utmem_file *f,
		    struct uarea *u, u32 flags, const u8 *uuid)
{
	struct utmem_pool_create pc = { .flags = flags };

	if (uuid)
		memcpy(pc.uuid, uuid, sizeof(pc.uuid));
	KUNIT_ASSERT_EQ(test, uioctl(test, f, u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), 0);
	return pc.out_pool_id;
}

/* A kv struct for @key, whose bytes are copied to user memory. */
static struct utmem_kv kv(struct kunit *test, struct uarea *u, u32 pool,
			  const char *key, u64 value_len)
{
	struct utmem_kv a = {
		.pool_id = pool,
		.key_len = strlen(key),
		.key = (uintptr_t)(__force void *)u->key,
		.value = (uintptr_t)(__force void *)u->value,
		.value_len = value_len,
	};

	KUNIT_ASSERT_EQ(test, copy_to_user(u->key, key, strlen(key)), 0);
	return a;
}

/* iommufd's size rules, and commands that are not ours. */
static void ioctl_size_test(struct kunit *test)
{
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	u8 buf[sizeof(struct utmem_pool_create) + 8] __aligned(8) = {};
	struct utmem_pool_create *pc = (void *)buf;

	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, pc,
				     sizeof(*pc) - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, pc, 4),
			-EINVAL);
	buf[sizeof(*pc) + 3] = 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, pc,
				     sizeof(buf)), -E2BIG);
	buf[sizeof(*pc) + 3] = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, pc,
				     sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, pc->out_pool_id, 0);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, pc,
				     sizeof(*pc)), 0);
	KUNIT_EXPECT_EQ(test, pc->out_pool_id, 1);

	/*
	 * Not ours: a number past the table, another type, and the numbers
	 * of the first ABI, which encoded a size (_IOWR).
	 */
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, _IO(UTMEM_IOCTL_TYPE,
						      UTMEM_CMD_BATCH + 1),
					       u.arg), -ENOTTY);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, _IO(UTMEM_IOCTL_TYPE, 0xff),
					       u.arg), -ENOTTY);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, _IO('x',
						      UTMEM_CMD_POOL_CREATE),
					       u.arg), -ENOTTY);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, _IOWR(UTMEM_IOCTL_TYPE, 0x00,
							struct utmem_pool_create),
					       u.arg), -ENOTTY);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, UTMEM_POOL_CREATE, NULL),
			-EFAULT);
	utmem_file_destroy(f);
}

static void ioctl_validation_test(struct kunit *test)
{
	static const u8 uuid[16] = { 1, 2, 3 };
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_pool_create pc = {};
	struct utmem_pool_op po = {};
	struct utmem_kv a;
	struct utmem_sync sy = {};
	u32 pool;

	pc.flags = 4;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	pc.flags = TMEM_POOL_SHARED;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	pc.flags = 0;
	memcpy(pc.uuid, uuid, sizeof(uuid));
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	memset(pc.uuid, 0, sizeof(pc.uuid));
	pc.__reserved = 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	po.pool_id = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_DESTROY, &po,
				     sizeof(po)), -ENOENT);

	pool = pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);
	a = kv(test, &u, pool, "k", 1);
	a.key_len = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-EINVAL);
	a.key_len = UTMEM_KEY_MAX + 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-EINVAL);
	a = kv(test, &u, pool, "k", UTMEM_VALUE_MAX + 1);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-E2BIG);
	a = kv(test, &u, pool, "k", 1);
	a.flags = 2;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)),
			-EINVAL);
	a = kv(test, &u, pool + 1, "k", 1);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-ENOENT);
	a = kv(test, &u, pool, "k", 1);
	a.key = 8;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-EFAULT);
	a = kv(test, &u, pool, "k", 1);
	a.value = 8;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			-EFAULT);
	a = kv(test, &u, pool, "k", 1);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_DELETE, &a, sizeof(a)),
			-EINVAL);
	sy.flags = 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_SYNC, &sy, sizeof(sy)),
			-EINVAL);
	utmem_file_destroy(f);
}

static void ioctl_kv_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_stats st = { .pool_id = UTMEM_POOL_NONE };
	struct utmem_kv a;
	u32 pool = pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);

	KUNIT_ASSERT_EQ(test, copy_to_user(u.value, t->in, 5000), 0);
	a = kv(test, &u, pool, "alpha", 5000);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	KUNIT_ASSERT_EQ(test, clear_user(u.value, 5000), 0);
	a = kv(test, &u, pool, "alpha", 4999);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, a.value_len, 5000);
	a = kv(test, &u, pool, "alpha", UTMEM_VALUE_MAX);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, a.value_len, 5000);
	KUNIT_ASSERT_EQ(test, copy_from_user(t->out, u.value, 5000), 0);
	KUNIT_EXPECT_MEMEQ(test, t->out, t->in, 5000);
	a = kv(test, &u, pool, "alpha", 0);
	a.value = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_DELETE, &a, sizeof(a)),
			0);
	a = kv(test, &u, pool, "alpha", UTMEM_VALUE_MAX);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_STATS, &st,
				     sizeof(st)), 0);
	KUNIT_EXPECT_EQ(test, st.puts, 1);
	KUNIT_EXPECT_EQ(test, st.gets, 3);
	KUNIT_EXPECT_EQ(test, st.hits, 1);
	KUNIT_EXPECT_EQ(test, st.deletes, 1);
	utmem_file_destroy(f);
}

/*
 * UTMEM_BATCH: entries in order, each checked as its own ioctl; the batch
 * stops at the first failure and says where.
 */
struct batch_test {
	struct utmem_file *f;
	struct uarea u;
	struct utmem_kv e[4];
	struct utmem_kv __user *ue;	/* e[] in user memory */
	u32 pool;
};

/* Entry @i: key "k<i>" (or @key), a 10-byte value "value-<i>..." */
static void batch_entry(struct kunit *test, struct batch_test *b,
			unsigned int i, const char *key, u64 value_len)
{
	char k[8], v[10];

	scnprintf(k, sizeof(k), "k%u", i);
	memset(v, 'a' + i, sizeof(v));
	key = key ?: k;
	KUNIT_ASSERT_EQ(test, copy_to_user(b->u.key + 16 * i, key,
					   strlen(key)), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user(b->u.value + 4096 * i, v,
					   sizeof(v)), 0);
	b->e[i] = (struct utmem_kv) {
		.size = sizeof(struct utmem_kv),
		.pool_id = b->pool,
		.key_len = strlen(key),
		.key = (uintptr_t)(__force void *)(b->u.key + 16 * i),
		.value = (uintptr_t)(__force void *)(b->u.value + 4096 * i),
		.value_len = value_len,
	};
}

static long batch(struct kunit *test, struct batch_test *b, u32 op,
		  u32 count, u32 *done)
{
	struct utmem_batch a = {
		.op = op,
		.count = count,
		.entry_size = sizeof(struct utmem_kv),
		.entries = (uintptr_t)(__force void *)b->ue,
		.out_done = 99,
	};
	long ret;

	KUNIT_ASSERT_EQ(test, copy_to_user(b->ue, b->e, sizeof(b->e)), 0);
	ret = uioctl(test, b->f, &b->u, UTMEM_BATCH, &a, sizeof(a));
	KUNIT_ASSERT_EQ(test, copy_from_user(b->e, b->ue, sizeof(b->e)), 0);
	*done = a.out_done;
	return ret;
}

static void ioctl_batch_test(struct kunit *test)
{
	struct batch_test b = { .f = file(test), .u = uarea(test) };
	struct utmem_batch a = {};
	char v[10];
	u32 done, i;

	b.ue = (struct utmem_kv __user *)(b.u.value + UTMEM_VALUE_MAX / 2);
	b.pool = pool_new(test, b.f, &b.u, TMEM_POOL_PERSISTENT, NULL);
	for (i = 0; i < 3; i++)
		batch_entry(test, &b, i, NULL, 10);
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_PUT, 3, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 3);

	/* GET reports each value's length in its entry. */
	KUNIT_ASSERT_EQ(test, clear_user(b.u.value, 3 * 4096), 0);
	for (i = 0; i < 3; i++)
		batch_entry(test, &b, i, NULL, 100);
	KUNIT_ASSERT_EQ(test, clear_user(b.u.value, 3 * 4096), 0);
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_GET, 3, &done), 0);
	KUNIT_EXPECT_EQ(test, done, 3);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, b.e[i].value_len, 10);
		KUNIT_ASSERT_EQ(test, copy_from_user(v, b.u.value + 4096 * i,
						     sizeof(v)), 0);
		KUNIT_EXPECT_EQ(test, v[9], 'a' + i);
	}

	/* The first failure stops the batch: a miss, a short buffer. */
	batch_entry(test, &b, 1, "none", 100);
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_GET, 3, &done),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, done, 1);
	batch_entry(test, &b, 1, NULL, 9);
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_GET, 3, &done),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, done, 1);
	KUNIT_EXPECT_EQ(test, b.e[1].value_len, 10);
	/* An entry of another size, a bad entry field. */
	batch_entry(test, &b, 1, NULL, 100);
	b.e[2].size = sizeof(struct utmem_kv) - 8;
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_GET, 3, &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, done, 2);
	batch_entry(test, &b, 2, NULL, 10);
	b.e[0].flags = 1;
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_DELETE, 3, &done),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, done, 0);
	b.e[0].flags = 0;

	/* DELETE entries take no value. */
	for (i = 0; i < 3; i++) {
		batch_entry(test, &b, i, NULL, 0);
		b.e[i].value = 0;
	}
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_DELETE, 3, &done),
			0);
	KUNIT_EXPECT_EQ(test, done, 3);
	batch_entry(test, &b, 2, NULL, 100);
	KUNIT_EXPECT_EQ(test, batch(test, &b, UTMEM_BATCH_GET, 1, &done),
			-ENOENT);

	/* The batch struct itself: no out_done for these. */
	a.op = UTMEM_BATCH_PUT;
	a.count = 1;
	a.entry_size = sizeof(struct utmem_kv);
	a.entries = (uintptr_t)(__force void *)b.ue;
	a.op = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.op = UTMEM_BATCH_DELETE + 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.op = UTMEM_BATCH_PUT;
	a.count = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.count = UTMEM_BATCH_MAX + 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.count = 1;
	a.entry_size = PAGE_SIZE + 8;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.entry_size = sizeof(struct utmem_kv);
	a.__reserved = 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EINVAL);
	a.__reserved = 0;
	a.entries = 8;
	a.out_done = 99;
	KUNIT_EXPECT_EQ(test, uioctl(test, b.f, &b.u, UTMEM_BATCH, &a,
				     sizeof(a)), -EFAULT);
	KUNIT_EXPECT_EQ(test, a.out_done, 0);
	utmem_file_destroy(b.f);
}

/* A file sees only its own pools; a shared pool joins them by UUID. */
static void isolation_test(struct kunit *test)
{
	static const u8 uuid[16] = { 0xaa, 0xbb };
	struct utmem_file *f1 = file(test), *f2 = file(test);
	struct uarea u = uarea(test);
	struct utmem_kv a;
	u32 p1, p2, s1, s2;

	p1 = pool_new(test, f1, &u, TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_EQ(test, copy_to_user(u.value, "secret", 6), 0);
	a = kv(test, &u, p1, "k", 6);
	KUNIT_EXPECT_EQ(test, uioctl(test, f1, &u, UTMEM_PUT, &a, sizeof(a)),
			0);
	a = kv(test, &u, p1, "k", 64);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_GET, &a, sizeof(a)),
			-ENOENT);
	p2 = pool_new(test, f2, &u, TMEM_POOL_PERSISTENT, NULL);
	KUNIT_EXPECT_EQ(test, p2, p1);
	a = kv(test, &u, p2, "k", 64);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_GET, &a, sizeof(a)),
			-ENOENT);

	s1 = pool_new(test, f1, &u, TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
		      uuid);
	s2 = pool_new(test, f2, &u, TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED,
		      uuid);
	KUNIT_ASSERT_EQ(test, copy_to_user(u.value, "common", 6), 0);
	a = kv(test, &u, s1, "k", 6);
	KUNIT_EXPECT_EQ(test, uioctl(test, f1, &u, UTMEM_PUT, &a, sizeof(a)),
			0);
	KUNIT_ASSERT_EQ(test, clear_user(u.value, 6), 0);
	a = kv(test, &u, s2, "k", 64);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_GET, &a, sizeof(a)),
			0);
	KUNIT_EXPECT_EQ(test, a.value_len, 6);
	/* The same UUID as an ephemeral pool is another kind: refused. */
	{
		struct utmem_pool_create pc = { .flags = TMEM_POOL_SHARED };

		memcpy(pc.uuid, uuid, sizeof(uuid));
		KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_POOL_CREATE,
					     &pc, sizeof(pc)), -EEXIST);
	}
	utmem_file_destroy(f1);
	/* The shared pool lives on with f2. */
	a = kv(test, &u, s2, "k", 64);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_GET, &a, sizeof(a)),
			0);
	utmem_file_destroy(f2);
}

/* A file has a bounded number of pools; closing it frees them all. */
static void pool_limit_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_pool_create pc = {};
	struct utmem_pool_op po = {};
	struct utmem_kv a;
	int i;

	for (i = 0; i < UTMEM_POOLS_PER_FILE; i++)
		pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -ENOSPC);
	po.pool_id = 7;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_DESTROY, &po,
				     sizeof(po)), 0);
	KUNIT_EXPECT_EQ(test, pool_new(test, f, &u, TMEM_POOL_PERSISTENT,
				       NULL), 7);
	a = kv(test, &u, 3, "k", 100);
	a.flags = UTMEM_PUT_NOBUFFER;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)),
			0);
	KUNIT_EXPECT_GT(test, utmem_sim_backend_host(t->be)->pages, 0);
	utmem_file_destroy(f);
	KUNIT_EXPECT_EQ(test, utmem_sim_backend_host(t->be)->pages, 0);
}

/* The coalescing buffer, through the ioctls. */
struct co_test {
	struct utmem_file *f;
	struct uarea u;
	u32 pool;
};

static void restore_delay(void *old)
{
	utmem_coalesce_delay_us = (uintptr_t)old;
}

/*
 * A file with one private pool.  The timer waits a second unless a test
 * says otherwise, so that it cannot send the buffer in the middle of a
 * test that counts host calls.
 */
static struct co_test co_setup(struct kunit *test)
{
	void *old = (void *)(uintptr_t)utmem_coalesce_delay_us;
	struct co_test c;

	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, restore_delay, old), 0);
	utmem_coalesce_delay_us = USEC_PER_SEC;

	c.f = file(test);
	c.u = uarea(test);
	c.pool = pool_new(test, c.f, &c.u, TMEM_POOL_PERSISTENT, NULL);
	return c;
}

static u64 host_pages(struct kunit *test)
{
	struct dev_test *t = test->priv;

	return READ_ONCE(utmem_sim_backend_host(t->be)->pages);
}

static long co_put(struct kunit *test, struct co_test *c, const char *key,
		   const void *value, u32 len, u32 flags)
{
	struct utmem_kv a = kv(test, &c->u, c->pool, key, len);

	a.flags = flags;
	KUNIT_ASSERT_EQ(test, copy_to_user(c->u.value, value, len), 0);
	return uioctl(test, c->f, &c->u, UTMEM_PUT, &a, sizeof(a));
}

/* GETs @key and checks it holds @value. */
static long co_get(struct kunit *test, struct co_test *c, const char *key,
		   const void *value, u32 len)
{
	struct dev_test *t = test->priv;
	struct utmem_kv a = kv(test, &c->u, c->pool, key, UTMEM_VALUE_MAX);
	long ret = uioctl(test, c->f, &c->u, UTMEM_GET, &a, sizeof(a));

	if (ret)
		return ret;
	KUNIT_EXPECT_EQ(test, a.value_len, len);
	KUNIT_ASSERT_EQ(test, copy_from_user(t->out, c->u.value, len), 0);
	KUNIT_EXPECT_MEMEQ(test, t->out, value, len);
	return 0;
}

static struct utmem_stats co_stats(struct kunit *test, struct co_test *c)
{
	struct utmem_stats st = { .pool_id = UTMEM_POOL_NONE };

	KUNIT_EXPECT_EQ(test, uioctl(test, c->f, &c->u, UTMEM_STATS, &st,
				     sizeof(st)), 0);
	return st;
}

/* A one-chunk value replacing a longer one leaves no chunk behind. */
static void shorter_value_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct utmem_sync sy = {};
	u64 base = host_pages(test);

	KUNIT_ASSERT_EQ(test, co_put(test, &c, "k", t->in, 20000, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), base + 5);
	/* The key is listed: sent at once, after its old chunks go. */
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "k", t->in + 1, 100, 0), 0);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).buffered_bytes, 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), base + 1);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "k", t->in + 1, 100), 0);
	/* No longer listed: buffered again. */
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "k", t->in + 2, 100, 0), 0);
	KUNIT_EXPECT_GT(test, co_stats(test, &c).buffered_bytes, 0);
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), base + 1);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "k", t->in + 2, 100), 0);
	/* Unbuffered PUTs too. */
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "k", t->in, 9000, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), base + 3);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "k", t->in + 3, 10,
				     UTMEM_PUT_NOBUFFER), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), base + 1);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "k", t->in + 3, 10), 0);
	utmem_file_destroy(c.f);
	KUNIT_EXPECT_EQ(test, host_pages(test), base);
}

/* The list of such keys, and what happens when it is full. */
static void multi_list_test(struct kunit *test)
{
	struct tmem_oid a = { { 1, 2, 3 } }, b = { { 4, 5, 6 } };
	struct tmem_oid other = { { 9, 9, 9 } };
	struct utmem_multi m;
	u32 i;

	KUNIT_ASSERT_EQ(test, utmem_multi_init(&m), 0);
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &a));
	utmem_multi_add(&m, &a);
	utmem_multi_add(&m, &a);
	KUNIT_EXPECT_TRUE(test, utmem_multi_may_have(&m, &a));
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &b));
	utmem_multi_del(&m, &a);
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &a));
	for (i = 0; i < UTMEM_MULTI_MAX; i++) {
		struct tmem_oid o = { { i, 0, 7 } };

		utmem_multi_add(&m, &o);
	}
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &other));
	/* Full: every key counts as listed until the pool is flushed. */
	utmem_multi_add(&m, &b);
	KUNIT_EXPECT_TRUE(test, utmem_multi_may_have(&m, &other));
	utmem_multi_del(&m, &b);
	KUNIT_EXPECT_TRUE(test, utmem_multi_may_have(&m, &b));
	utmem_multi_clear(&m);
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &b));
	KUNIT_EXPECT_FALSE(test, utmem_multi_may_have(&m, &other));
	utmem_multi_destroy(&m);
}

/* Small PUTs wait; SYNC sends them in one host call. */
static void coalesce_sync_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct utmem_sync sy = {};
	char key[8];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		KUNIT_EXPECT_EQ(test, co_put(test, &c, key, t->in + i, 64, 0),
				0);
	}
	KUNIT_EXPECT_EQ(test, host_pages(test), 0);
	KUNIT_EXPECT_GT(test, co_stats(test, &c).buffered_bytes, 640);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).host_puts, 0);
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	KUNIT_EXPECT_EQ(test, sy.out_failed, 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 10);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).host_puts, 1);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).buffered_bytes, 0);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		KUNIT_EXPECT_EQ(test, co_get(test, &c, key, t->in + i, 64), 0);
	}
	utmem_file_destroy(c.f);
}

/* The later PUT of a key wins, buffered or not, in either order. */
static void coalesce_order_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);

	KUNIT_EXPECT_EQ(test, co_put(test, &c, "a", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "a", t->in + 1, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "a", t->in + 1, 64), 0);

	KUNIT_EXPECT_EQ(test, co_put(test, &c, "b", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "b", t->in + 2, 3000, 0), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "b", t->in + 2, 3000), 0);

	KUNIT_EXPECT_EQ(test, co_put(test, &c, "c", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "c", t->in + 3, 64,
				     UTMEM_PUT_NOBUFFER), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "c", t->in + 3, 64), 0);

	KUNIT_EXPECT_EQ(test, co_put(test, &c, "d", t->in, 3000, 0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "d", t->in + 4, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "d", t->in + 4, 64), 0);

	/* DELETE of a buffered key deletes it. */
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "e", t->in, 64, 0), 0);
	{
		struct utmem_kv a = kv(test, &c.u, c.pool, "e", 0);

		a.value = 0;
		KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_DELETE,
					     &a, sizeof(a)), 0);
	}
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "e", t->in, 64), -ENOENT);
	utmem_file_destroy(c.f);
}

/* The count threshold, the timer and the shrinker each send. */
static void coalesce_triggers_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	char key[8];
	int i;

	for (i = 0; i < 63; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		KUNIT_EXPECT_EQ(test, co_put(test, &c, key, t->in, 64, 0), 0);
	}
	KUNIT_EXPECT_EQ(test, host_pages(test), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "k63", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 64);

	utmem_coalesce_delay_us = 1000;
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "late", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 64);
	msleep(50);
	utmem_coalesce_delay_us = USEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, host_pages(test), 65);

	/* The shrinker sends the buffer and frees its arena, pages of it. */
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "pressed", t->in, 64, 0), 0);
	KUNIT_EXPECT_GT(test, utmem_coalesce_reclaim(1), 1);
	KUNIT_EXPECT_EQ(test, host_pages(test), 66);
	KUNIT_EXPECT_EQ(test, utmem_coalesce_reclaim(1), 0);
	utmem_file_destroy(c.f);
}

static void restore_max_count(void *old)
{
	utmem_coalesce_max_count = (uintptr_t)old;
}

/*
 * The arena: a key replaced again and again fills it with replaced
 * chunks, which sends the buffer to make room, and only the last PUT
 * counts; PUTs of two pools interleaved go in one batch per pool; a
 * parameter changed between two PUTs gives the next arena its size.
 */
static void coalesce_arena_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct utmem_pool_create pc = { .size = sizeof(pc),
					.flags = TMEM_POOL_PERSISTENT };
	struct utmem_sync sy = { .size = sizeof(sy) };
	struct tmem_oid oid;
	struct utmem_kv a;
	u64 host_puts;
	void *old;
	u32 other;
	char key[8];
	int i;

	/*
	 * The device sends a buffered key before its next PUT (the PUT of
	 * a key may change which path it takes); in the buffer's own API a
	 * later PUT replaces the earlier, as dev_bench's do.
	 */
	mutex_lock(&c.f->lock);
	utmem_kv_oid("r", 1, &oid);
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, utmem_coalesce_put(&c.f->coalesce,
							 utmem_file_pool(c.f, c.pool),
							 "r", 1, &oid,
							 t->in + i, 1000, false),
				1);
	utmem_coalesce_flush(&c.f->coalesce);
	mutex_unlock(&c.f->lock);
	/* About 64 KiB of 1 KiB chunks per arena: a send every 60 or so. */
	KUNIT_EXPECT_GT(test, co_stats(test, &c).host_puts, 10);
	KUNIT_EXPECT_LT(test, co_stats(test, &c).host_puts, 30);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "r", t->in + 999, 1000), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 1);

	KUNIT_ASSERT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), 0);
	other = pc.out_pool_id;
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		a = kv(test, &c.u, i % 2 ? other : c.pool, key, 64);
		KUNIT_ASSERT_EQ(test, copy_to_user(c.u.value, t->in + i, 64), 0);
		KUNIT_ASSERT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_PUT, &a,
					     sizeof(a)), 0);
	}
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).buffered_bytes, 20 *
			(sizeof(struct utmem_chunk_hdr) + 2 + 64) + 10);
	host_puts = co_stats(test, &c).host_puts;
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	KUNIT_EXPECT_EQ(test, sy.out_failed, 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 21);
	/* The file's two pools: one batch each. */
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).host_puts, host_puts + 2);
	for (i = 0; i < 20; i += 2) {
		snprintf(key, sizeof(key), "k%d", i);
		KUNIT_EXPECT_EQ(test, co_get(test, &c, key, t->in + i, 64), 0);
	}

	old = (void *)(uintptr_t)utmem_coalesce_max_count;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_max_count,
							old), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "s", t->in, 64, 0), 0);
	utmem_coalesce_max_count = 2;
	/* Sent at the second PUT by the new count; the arena made anew. */
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "s2", t->in, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).buffered_bytes, 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "s3", t->in + 1, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, c.f->coalesce.batch_max, 2);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "s4", t->in + 2, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).buffered_bytes, 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "s4", t->in + 2, 64), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), 25);

	/* A delay after the timer's send with no PUT since, the arena goes. */
	utmem_coalesce_delay_us = 1000;
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "t", t->in, 64, 0), 0);
	KUNIT_EXPECT_NOT_NULL(test, c.f->coalesce.batch);
	for (i = 0; i < 100 && READ_ONCE(c.f->coalesce.batch); i++)
		msleep(20);
	KUNIT_EXPECT_NULL(test, c.f->coalesce.batch);
	KUNIT_EXPECT_EQ(test, host_pages(test), 26);
	utmem_file_destroy(c.f);
}

static u64 host_raw_bytes(struct kunit *test)
{
	struct dev_test *t = test->priv;

	return READ_ONCE(utmem_sim_backend_host(t->be)->raw_bytes);
}

/*
 * A bare pool: a page-sized value is one host value of its own size,
 * one host call; longer values are chunks, and either kind replaces the
 * other without leaving anything a GET could read.
 */
static void bare_pool_test(struct kunit *test)
{
	static const u32 sizes[] = { 0, 1, 100, 1000, 4095, 4096 };
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct utmem_sync sy = {};
	struct utmem_kv a;
	u64 pages, raw;
	char key[8];
	u32 i;

	c.pool = pool_new(test, c.f, &c.u, TMEM_POOL_PERSISTENT |
			  UTMEM_POOL_BARE, NULL);
	pages = host_pages(test);
	raw = host_raw_bytes(test);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "page", t->in, 4096,
				     UTMEM_PUT_NOBUFFER), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages + 1);
	KUNIT_EXPECT_EQ(test, host_raw_bytes(test), raw + 4096);
	KUNIT_EXPECT_EQ(test, co_stats(test, &c).host_puts, 1);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "page", t->in, 4096), 0);

	/* Too small a buffer: the length, and the value stays. */
	a = kv(test, &c.u, c.pool, "page", 10);
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_GET, &a,
				     sizeof(a)), -ERANGE);
	KUNIT_EXPECT_EQ(test, a.value_len, 4096);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "page", t->in, 4096), 0);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(key, sizeof(key), "s%u", i);
		KUNIT_ASSERT_EQ(test, co_put(test, &c, key, t->in + i,
					     sizes[i], 0), 0);
	}
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(key, sizeof(key), "s%u", i);
		KUNIT_EXPECT_EQ(test, co_get(test, &c, key, t->in + i,
					     sizes[i]), 0);
	}

	/* Chunks, then a page over them, then chunks again. */
	pages = host_pages(test);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "m", t->in, 20000, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages + 5);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "m", t->in, 20000), 0);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "m", t->in + 1, 4096, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages + 1);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "m", t->in + 1, 4096), 0);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "m", t->in + 2, 9000, 0), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages + 3);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "m", t->in + 2, 9000), 0);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "m", t->in + 3, 10, 0), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "m", t->in + 3, 10), 0);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages + 1);
	a = kv(test, &c.u, c.pool, "m", 0);
	a.value = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_DELETE, &a,
				     sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "m", t->in, 10), -ENOENT);
	KUNIT_EXPECT_EQ(test, host_pages(test), pages);

	/* Ephemeral: a GET takes the value, one that fails puts it back. */
	c.pool = pool_new(test, c.f, &c.u, UTMEM_POOL_BARE, NULL);
	KUNIT_ASSERT_EQ(test, co_put(test, &c, "e", t->in, 4096,
				     UTMEM_PUT_NOBUFFER), 0);
	a = kv(test, &c.u, c.pool, "e", 4095);
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_GET, &a,
				     sizeof(a)), -ERANGE);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "e", t->in, 4096), 0);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "e", t->in, 4096), -ENOENT);
	utmem_file_destroy(c.f);
}

/* UTMEM_POOL_BARE is for private pools; other flags are not known. */
static void bare_flags_test(struct kunit *test)
{
	static const u8 uuid[16] = { 1 };
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_pool_create pc = {
		.flags = TMEM_POOL_SHARED | UTMEM_POOL_BARE,
	};

	memcpy(pc.uuid, uuid, sizeof(uuid));
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	memset(pc.uuid, 0, sizeof(pc.uuid));
	pc.flags = UTMEM_POOL_BARE << 1;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EINVAL);
	pc.flags = UTMEM_POOL_BARE | TMEM_POOL_PERSISTENT;
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), 0);
	utmem_file_destroy(f);
}

/* A PUT the host refuses at send time leaves no value; SYNC counts it. */
static void coalesce_refused_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct utmem_sync sy = {};

	KUNIT_EXPECT_EQ(test, co_put(test, &c, "x", t->in, 64,
				     UTMEM_PUT_NOBUFFER), 0);
	KUNIT_ASSERT_EQ(test,
			utmem_host_set_capacity(utmem_sim_backend_host(t->be),
						0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "x", t->in + 1, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "y", t->in + 1, 64, 0), 0);
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	KUNIT_EXPECT_EQ(test, sy.out_failed, 2);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "x", t->in, 64), -ENOENT);
	KUNIT_EXPECT_EQ(test, co_get(test, &c, "y", t->in, 64), -ENOENT);
	sy.out_failed = 7;
	KUNIT_EXPECT_EQ(test, uioctl(test, c.f, &c.u, UTMEM_SYNC, &sy,
				     sizeof(sy)), 0);
	KUNIT_EXPECT_EQ(test, sy.out_failed, 0);
	utmem_file_destroy(c.f);
}

/* A file that a close is to race against the shrinker's send. */
struct close_race {
	struct utmem_file *f;
	unsigned int seq;
	struct completion closed;
	bool stub_ran;
};

static int close_race_thread(void *arg)
{
	struct close_race *r = arg;

	utmem_file_destroy(r->f);
	complete(&r->closed);
	return 0;
}

/*
 * Between the shrinker's mutex_unlock() and its last touch of the file,
 * the file is closed to the end.  mutex_unlock() itself may touch the
 * mutex after a waiter took it (Documentation/locking/mutex-design.rst):
 * the shrinker must keep the file alive, not rely on the lock.
 */
static void close_in_unlock_window(struct utmem_file *f)
{
	struct kunit *test = kunit_get_current_test();
	struct close_race *r = test->priv;
	struct task_struct *task;

	if (f != r->f)
		return;
	r->stub_ran = true;
	task = kthread_run(close_race_thread, r, "utmem-close-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&r->closed);
	/* KASAN reports a use after free here if the close freed @f. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->seq), r->seq);
}

static void coalesce_close_race_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct co_test c = co_setup(test);
	struct close_race r = { .f = c.f, .seq = c.f->seq };

	init_completion(&r.closed);
	KUNIT_EXPECT_EQ(test, co_put(test, &c, "k", t->in, 64, 0), 0);
	test->priv = &r;
	kunit_activate_static_stub(test, utmem_file_unlocked_held,
				   close_in_unlock_window);
	KUNIT_EXPECT_GT(test, utmem_coalesce_reclaim(1), 0);
	kunit_deactivate_static_stub(test, utmem_file_unlocked_held);
	test->priv = t;
	KUNIT_EXPECT_TRUE(test, r.stub_ran);
	/* The value was sent, then went with the file's pool. */
	KUNIT_EXPECT_EQ(test, host_pages(test), 0);
}

struct reclaim_stress {
	bool stop;
	unsigned long rounds;
};

static int reclaim_stress_thread(void *arg)
{
	struct reclaim_stress *s = arg;

	while (!READ_ONCE(s->stop)) {
		utmem_coalesce_reclaim(ULONG_MAX);
		WRITE_ONCE(s->rounds, s->rounds + 1);
		cond_resched();
	}
	return 0;
}

/*
 * Files with buffered PUTs close while two threads drive the shrinker's
 * scan without pause; KASAN and lockdep watch (an SMP kernel races for
 * real, a uniprocessor one at every preemption point).
 */
static void coalesce_close_stress_test(struct kunit *test)
{
	struct co_test c = co_setup(test);
	struct reclaim_stress s = {};
	struct task_struct *task[2];
	struct dev_test *t = test->priv;
	int i, n;

	utmem_file_destroy(c.f);
	for (n = 0; n < ARRAY_SIZE(task); n++) {
		task[n] = kthread_run(reclaim_stress_thread, &s,
				      "utmem-reclaim-%d", n);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task[n]));
		get_task_struct(task[n]);
	}
	for (i = 0; i < 500; i++) {
		c.f = file(test);
		c.pool = pool_new(test, c.f, &c.u, TMEM_POOL_PERSISTENT, NULL);
		KUNIT_EXPECT_EQ(test, co_put(test, &c, "a", t->in, 64, 0), 0);
		KUNIT_EXPECT_EQ(test, co_put(test, &c, "b", t->in, 64, 0), 0);
		if (i & 1)
			cond_resched();
		utmem_file_destroy(c.f);
	}
	WRITE_ONCE(s.stop, true);
	for (n = 0; n < ARRAY_SIZE(task); n++) {
		kthread_stop(task[n]);
		put_task_struct(task[n]);
	}
	KUNIT_EXPECT_GT(test, READ_ONCE(s.rounds), 0);
}

/* Limits: utmem_quota.c, and what the ioctls give or take at most. */

/* A struct claiming more than a page is refused, not scanned for zeros. */
static void ioctl_page_size_test(struct kunit *test)
{
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);

	KUNIT_ASSERT_EQ(test, clear_user(u.arg, 2 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, put_user(PAGE_SIZE + 8, (u32 __user *)u.arg), 0);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, UTMEM_POOL_CREATE, u.arg),
			-E2BIG);
	KUNIT_ASSERT_EQ(test, put_user(PAGE_SIZE, (u32 __user *)u.arg), 0);
	KUNIT_EXPECT_EQ(test, utmem_file_ioctl(f, UTMEM_POOL_CREATE, u.arg), 0);
	utmem_file_destroy(f);
}

/* UTMEM_STATS of @pool_id (or UTMEM_POOL_NONE) on @f. */
static struct utmem_stats stats_of(struct kunit *test, struct utmem_file *f,
				   struct uarea *u, u32 pool_id)
{
	struct utmem_stats st = { .pool_id = pool_id };

	KUNIT_EXPECT_EQ(test, uioctl(test, f, u, UTMEM_STATS, &st, sizeof(st)),
			0);
	return st;
}

/* UTMEM_STATS of a pool counts that pool; of the file, all of them. */
static void stats_pool_test(struct kunit *test)
{
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_stats st = { .pool_id = 9 };
	struct utmem_kv a;
	u32 p1, p2;

	p1 = pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);
	p2 = pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);
	a = kv(test, &u, p1, "x", 8);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	a = kv(test, &u, p1, "y", 8);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	a = kv(test, &u, p2, "x", 8);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	a = kv(test, &u, p2, "x", 8);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)), 0);

	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, p1).puts, 2);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, p1).gets, 0);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, p1).buffered_bytes, 0);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, p2).puts, 1);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, p2).hits, 1);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, UTMEM_POOL_NONE).puts, 3);
	KUNIT_EXPECT_EQ(test, stats_of(test, f, &u, UTMEM_POOL_NONE).hits, 1);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_STATS, &st,
				     sizeof(st)), -ENOENT);
	utmem_file_destroy(f);
}

static size_t value_alloc_max;

static void *value_alloc_recorded(size_t len)
{
	value_alloc_max = max(value_alloc_max, len);
	return kvmalloc(len, GFP_KERNEL);
}

/* A GET with a 1 MiB buffer of a 10-byte value takes memory for 10. */
static void get_alloc_test(struct kunit *test)
{
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_kv a;
	u32 pool;

	pool = pool_new(test, f, &u, TMEM_POOL_PERSISTENT, NULL);
	a = kv(test, &u, pool, "small", 10);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	value_alloc_max = 0;
	kunit_activate_static_stub(test, utmem_kv_value_alloc,
				   value_alloc_recorded);
	a = kv(test, &u, pool, "small", UTMEM_VALUE_MAX);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_GET, &a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, a.value_len, 10);
	KUNIT_EXPECT_EQ(test, value_alloc_max, 10);
	kunit_deactivate_static_stub(test, utmem_kv_value_alloc);
	utmem_file_destroy(f);
}

struct lock_holder {
	struct utmem_file *f;
	struct completion locked, release, done;
};

static int lock_holder_thread(void *arg)
{
	struct lock_holder *h = arg;

	mutex_lock(&h->f->lock);
	complete(&h->locked);
	/* Without killable waits the test waits for this: give up after 10 s. */
	wait_for_completion_timeout(&h->release, 10 * HZ);
	mutex_unlock(&h->f->lock);
	complete(&h->done);
	return 0;
}

/*
 * A call waiting for another call of its file (a long batch holds the
 * lock) can be killed: with SIGKILL pending it returns EINTR at once
 * instead of waiting for the holder.
 */
static void killable_wait_test(struct kunit *test)
{
	struct lock_holder h = { .f = file(test) };
	struct uarea u = uarea(test);
	struct utmem_stats st = { .pool_id = UTMEM_POOL_NONE };
	struct task_struct *task;
	long ret;

	init_completion(&h.locked);
	init_completion(&h.release);
	init_completion(&h.done);
	task = kthread_run(lock_holder_thread, &h, "utmem-lock-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&h.locked);
	/* The test's own thread is a kthread: it must ask for the signal. */
	allow_signal(SIGKILL);
	send_sig(SIGKILL, current, 1);
	ret = uioctl(test, h.f, &u, UTMEM_STATS, &st, sizeof(st));
	flush_signals(current);
	disallow_signal(SIGKILL);
	complete(&h.release);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	/* The holder let go: the file works as before. */
	wait_for_completion(&h.done);
	KUNIT_EXPECT_EQ(test, uioctl(test, h.f, &u, UTMEM_STATS, &st,
				     sizeof(st)), 0);
	utmem_file_destroy(h.f);
}

/* Runs as another user (euid) until restore_creds(). */
static const struct cred *as_user(struct kunit *test, uid_t uid)
{
	struct cred *c = prepare_creds();
	const struct cred *old;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->euid = KUIDT_INIT(uid);
	c->fsuid = c->euid;
	old = override_creds(c);
	put_cred(c);
	return old;
}

/*
 * Files of many users take every /dev/utmem pool they may: the kernel's
 * own users (frontswap at swapon, cleancache at mount) still get a pool
 * from the host, which has 1024 for the guest.
 */
static void kernel_pools_kept_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct utmem_file *files[20] = {};
	struct uarea u = uarea(test);
	struct utmem_pool_create pc = {};
	struct tmem_pool *kpool;
	const struct cred *old;
	int i, j, made = 0;
	long err = 0;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		old = as_user(test, 1000 + i);
		files[i] = file(test);
		for (j = 0; j < UTMEM_POOLS_PER_FILE; j++) {
			err = uioctl(test, files[i], &u, UTMEM_POOL_CREATE,
				     &pc, sizeof(pc));
			if (err)
				break;
			made++;
		}
		revert_creds(old);
		if (err)
			break;
	}
	kunit_info(test, "/dev/utmem got %d pools, then %ld\n", made, err);
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	kpool = tmem_pool_create(t->be, "kernel-user", TMEM_POOL_PERSISTENT,
				 NULL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(kpool));
	if (!IS_ERR(kpool))
		tmem_pool_destroy(kpool);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (files[i])
			utmem_file_destroy(files[i]);
	}
}

static void restore_user_max_pools(void *old)
{
	utmem_user_max_pools = (uintptr_t)old;
}

/* One user's pools are bounded; another user's files are still served. */
static void user_pools_test(struct kunit *test)
{
	struct utmem_file *f1, *f2, *f3;
	struct uarea u = uarea(test);
	struct utmem_pool_create pc = {};
	void *old_max = (void *)(uintptr_t)utmem_user_max_pools;
	const struct cred *old;
	int i;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							restore_user_max_pools,
							old_max), 0);
	utmem_user_max_pools = 5;
	old = as_user(test, 2001);
	f1 = file(test);
	f2 = file(test);
	revert_creds(old);
	old = as_user(test, 2002);
	f3 = file(test);
	revert_creds(old);
	for (i = 0; i < 3; i++)
		pool_new(test, f1, &u, 0, NULL);
	pool_new(test, f2, &u, 0, NULL);
	pool_new(test, f2, &u, 0, NULL);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_POOL_CREATE, &pc,
				     sizeof(pc)), -EDQUOT);
	for (i = 0; i < 5; i++)
		pool_new(test, f3, &u, 0, NULL);
	/* Closing a file gives its pools back to its user. */
	utmem_file_destroy(f1);
	pool_new(test, f2, &u, 0, NULL);
	utmem_file_destroy(f2);
	utmem_file_destroy(f3);
}

static void restore_max_bytes(void *old)
{
	utmem_user_max_bytes = (uintptr_t)old;
}

/*
 * A user's values are bounded in bytes as the host counts them: a PUT
 * over the bound fails with EDQUOT and stores nothing; deleted values make
 * room again; another user is served all along.
 */
static void user_bytes_test(struct kunit *test)
{
	struct dev_test *t = test->priv;
	struct uarea u = uarea(test);
	struct utmem_file *f1, *f2;
	const struct cred *old;
	char key[16];
	struct utmem_kv a;
	u32 p1, p2;
	void *old_max = (void *)(uintptr_t)utmem_user_max_bytes;
	long err = 0;
	int n;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							restore_max_bytes,
							old_max), 0);
	utmem_user_max_bytes = 64 << 10;
	old = as_user(test, 3001);
	f1 = file(test);
	revert_creds(old);
	old = as_user(test, 3002);
	f2 = file(test);
	revert_creds(old);
	p1 = pool_new(test, f1, &u, TMEM_POOL_PERSISTENT, NULL);
	p2 = pool_new(test, f2, &u, TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_EQ(test, copy_to_user(u.value, t->in, 1024), 0);
	for (n = 0; n < 1000; n++) {
		snprintf(key, sizeof(key), "k%d", n);
		a = kv(test, &u, p1, key, 1024);
		err = uioctl(test, f1, &u, UTMEM_PUT, &a, sizeof(a));
		if (err)
			break;
	}
	kunit_info(test, "%d values of 1 KiB stored, then %ld\n", n, err);
	KUNIT_EXPECT_EQ(test, err, -EDQUOT);
	KUNIT_EXPECT_GE(test, n, 55);
	KUNIT_EXPECT_LE(test, n, 64);
	/* The refused key has no value; the others do. */
	a = kv(test, &u, p1, key, UTMEM_VALUE_MAX);
	KUNIT_EXPECT_EQ(test, uioctl(test, f1, &u, UTMEM_GET, &a, sizeof(a)),
			-ENOENT);
	a = kv(test, &u, p2, "other", 1024);
	KUNIT_EXPECT_EQ(test, uioctl(test, f2, &u, UTMEM_PUT, &a, sizeof(a)),
			0);
	a = kv(test, &u, p1, "k0", 0);
	a.value = 0;
	KUNIT_EXPECT_EQ(test, uioctl(test, f1, &u, UTMEM_DELETE, &a,
				     sizeof(a)), 0);
	a = kv(test, &u, p1, "again", 1024);
	KUNIT_EXPECT_EQ(test, uioctl(test, f1, &u, UTMEM_PUT, &a, sizeof(a)),
			0);
	utmem_file_destroy(f1);
	utmem_file_destroy(f2);
}

/*
 * The kernel's shared pools (cleancache's) are out of reach: a file that
 * names one's UUID gets a pool of its own, and its flush leaves the
 * kernel's pool alone.
 */
static void kernel_shared_pool_test(struct kunit *test)
{
	static const u8 uuid[16] = { 0x5e, 0xc2, 0xe7 };
	struct dev_test *t = test->priv;
	struct utmem_file *f = file(test);
	struct uarea u = uarea(test);
	struct utmem_pool_op po = {};
	struct tmem_pool_info info;
	struct tmem_pool *kpool;
	struct tmem_handle h = {};
	struct utmem_kv a;

	kpool = tmem_pool_create(t->be, "kernel-shared", TMEM_POOL_SHARED,
				 (const uuid_t *)uuid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(kpool));
	KUNIT_EXPECT_EQ(test, tmem_put(kpool, &h, t->in, 64), 0);
	po.pool_id = pool_new(test, f, &u, TMEM_POOL_SHARED, uuid);
	a = kv(test, &u, po.pool_id, "k", 8);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_PUT, &a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, uioctl(test, f, &u, UTMEM_POOL_FLUSH, &po,
				     sizeof(po)), 0);
	KUNIT_EXPECT_EQ(test, tmem_pool_info(kpool, &info), 0);
	KUNIT_EXPECT_EQ(test, info.pages, 1);
	utmem_file_destroy(f);
	tmem_pool_destroy(kpool);
}

static struct kunit_case utmem_dev_cases[] = {
	KUNIT_CASE(nr_chunks_test),
	KUNIT_CASE_PARAM(roundtrip_test, value_size_gen_params),
	KUNIT_CASE(short_buffer_test),
	KUNIT_CASE(replace_test),
	KUNIT_CASE(collision_test),
	KUNIT_CASE(stale_chunk_test),
	KUNIT_CASE(garbage_test),
	KUNIT_CASE(ephemeral_host_failure_test),
	KUNIT_CASE(refused_put_test),
	KUNIT_CASE(ioctl_size_test),
	KUNIT_CASE(ioctl_validation_test),
	KUNIT_CASE(ioctl_kv_test),
	KUNIT_CASE(ioctl_batch_test),
	KUNIT_CASE(isolation_test),
	KUNIT_CASE(pool_limit_test),
	{}
};

static struct kunit_case utmem_dev_limits_cases[] = {
	KUNIT_CASE(ioctl_page_size_test),
	KUNIT_CASE(stats_pool_test),
	KUNIT_CASE(get_alloc_test),
	KUNIT_CASE(killable_wait_test),
	KUNIT_CASE(kernel_pools_kept_test),
	KUNIT_CASE(kernel_shared_pool_test),
	KUNIT_CASE(user_pools_test),
	KUNIT_CASE(user_bytes_test),
	{}
};

static struct kunit_case utmem_coalesce_cases[] = {
	KUNIT_CASE(coalesce_sync_test),
	KUNIT_CASE(coalesce_order_test),
	KUNIT_CASE(coalesce_triggers_test),
	KUNIT_CASE(coalesce_arena_test),
	KUNIT_CASE(bare_pool_test),
	KUNIT_CASE(bare_flags_test),
	KUNIT_CASE(coalesce_refused_test),
	KUNIT_CASE(coalesce_close_race_test),
	KUNIT_CASE(coalesce_close_stress_test),
	KUNIT_CASE(shorter_value_test),
	KUNIT_CASE(multi_list_test),
	{}
};

static struct kunit_suite utmem_dev_suite = {
	.name = "utmem_dev",
	.init = dev_test_init,
	.exit = dev_test_exit,
	.test_cases = utmem_dev_cases,
};

static struct kunit_suite utmem_dev_limits_suite = {
	.name = "utmem_dev_limits",
	.init = dev_test_init,
	.exit = dev_test_exit,
	.test_cases = utmem_dev_limits_cases,
};

static struct kunit_suite utmem_coalesce_suite = {
	.name = "utmem_coalesce",
	.init = dev_test_init,
	.exit = dev_test_exit,
	.test_cases = utmem_coalesce_cases,
};

kunit_test_suites(&utmem_dev_suite, &utmem_dev_limits_suite,
		  &utmem_coalesce_suite);

MODULE_DESCRIPTION("KUnit tests for /dev/utmem");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
