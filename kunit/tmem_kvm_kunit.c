// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the KVM binding, under UML where there is no KVM:
 *
 * tmem_kvm_guest: the guest side's marshalling.  The one hypercall
 *	function is replaced by a static stub that records each request and
 *	hands it to the real host-side handler, over an accessor that reads
 *	this kernel's memory by physical address, so every op goes guest
 *	binding -> descriptor -> host handler -> pool engine and back.
 * tmem_kvm_host: the host side's request handler fed directly, over a
 *	fake guest memory of FAKE_MEM bytes (guest-physical 0..FAKE_MEM,
 *	with one read-only page): malformed requests, addresses outside the
 *	guest, isolation between VMs, and fuzzed descriptors.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/vmalloc.h>

#include <utmem/tmem.h>
#include <uapi/linux/utmem_kvm.h>
#include "../host-sim/sim.h"
#include "../host-kvm/kvm_guest.h"
#include "../host-kvm/kvm_host_policy.h"
#include "../host-kvm/kvm_serve.h"
#include "tmem_sim_fixture.h"

#define VAL	TMEM_VALUE_MAX

/* The host behind the stub, and what the stub saw. */
struct kvm_fake {
	struct utmem_host *host;
	struct utmem_host_client *client;
	struct utmem_kvm_server server;
	struct utmem_kvm_vm vm;
	struct utmem_kvm_mem mem;
	unsigned int calls;
	unsigned int ops[UTMEM_KVM_OP_NR];
	struct utmem_kvm_req last;
	/* When set, the stub answers @force_ret without serving. */
	bool force;
	long force_ret;
	/* When set, the stub serves, then claims a longer GET value. */
	bool lie_len;
	/* The versions the guest speaks, for abi_range_stub(). */
	u32 guest_min, guest_max;
};

/* This kernel's memory as the "guest" memory: UML's physical addresses. */
static bool phys_ok(u64 gpa, u32 len)
{
	return pfn_valid(PHYS_PFN(gpa)) &&
	       (!len || pfn_valid(PHYS_PFN(gpa + len - 1)));
}

static int phys_read(struct utmem_kvm_mem *mem, u64 gpa, void *dst, u32 len)
{
	if (!phys_ok(gpa, len))
		return -EFAULT;
	memcpy(dst, __va(gpa), len);
	return 0;
}

static int phys_write(struct utmem_kvm_mem *mem, u64 gpa, const void *src,
		      u32 len)
{
	if (!phys_ok(gpa, len))
		return -EFAULT;
	memcpy(__va(gpa), src, len);
	return 0;
}

static long fake_hypercall(u64 gpa, u64 size)
{
	struct kunit *test = kunit_get_current_test();
	struct kvm_fake *f = test->priv;
	struct utmem_kvm_req *req = __va(gpa);
	long ret;

	f->calls++;
	KUNIT_EXPECT_EQ(test, size, sizeof(*req));
	if (req->op < UTMEM_KVM_OP_NR)
		f->ops[req->op]++;
	if (f->force) {
		f->last = *req;
		return f->force_ret;
	}
	ret = utmem_kvm_serve(&f->server, &f->vm, &f->mem, gpa, size);
	if (f->lie_len && req->op == UTMEM_KVM_OP_GET)
		req->len += 100;
	/* As answered: inputs, and the outputs written back. */
	f->last = *req;
	return ret;
}

static bool on_kvm(void)
{
	return true;
}

static bool not_on_kvm(void)
{
	return false;
}

static int kvm_guest_init(struct kunit *test)
{
	struct kvm_fake *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->host = utmem_host_create(64ULL << 20);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->host));
	f->client = utmem_host_client_create(f->host);
	KUNIT_ASSERT_NOT_NULL(test, f->client);
	f->mem.read = phys_read;
	f->mem.write = phys_write;
	/* The data ops call in with preemption off, and so serve. */
	f->mem.gfp = GFP_NOWAIT;
	utmem_kvm_server_init(&f->server);
	utmem_kvm_vm_init(&f->vm, f->client, true);
	f->server.enabled = true;
	test->priv = f;
	kunit_activate_static_stub(test, utmem_kvm_guest_hypercall,
				   fake_hypercall);
	kunit_activate_static_stub(test, utmem_kvm_guest_on_kvm, on_kvm);
	return 0;
}

static void kvm_guest_exit(struct kunit *test)
{
	struct kvm_fake *f = test->priv;

	utmem_host_client_destroy(f->client);
	KUNIT_EXPECT_EQ(test, f->host->pages, 0);
	KUNIT_EXPECT_EQ(test, f->host->used, 0);
	utmem_host_destroy(f->host);
}

static struct tmem_backend *bind(struct kunit *test)
{
	struct tmem_backend *be;

	be = tmem_backend_create(&tmem_kvm_backend_ops, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(be));
	return be;
}

static void fill(u8 *p, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed * 131 + i * 7);
}

static void probe_binds_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);

	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_PROBE);
	KUNIT_EXPECT_EQ(test, f->last.len, UTMEM_KVM_ABI_VERSION);
	/* One instance owns the per-CPU buffers. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_backend_create(&tmem_kvm_backend_ops,
							  NULL)), -EBUSY);
	tmem_backend_destroy(be);
	/* Given back: a new instance binds. */
	tmem_backend_destroy(bind(test));
}

static void probe_refused_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be;

	/* A host without the handler: KVM's answer to unknown numbers. */
	f->force = true;
	f->force_ret = -KVM_ENOSYS;
	be = tmem_backend_create(&tmem_kvm_backend_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(be), -ENODEV);
	/* A host that does not speak this version. */
	f->force_ret = TMEM_STATUS_INVAL;
	be = tmem_backend_create(&tmem_kvm_backend_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(be), -EPROTONOSUPPORT);
	/* The failed probes left nothing bound. */
	f->force = false;
	tmem_backend_destroy(bind(test));
}

/* A host whose operator has not enabled VMs: the guest does not bind. */
static void probe_not_enabled_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be;

	f->server.enabled = false;
	be = tmem_backend_create(&tmem_kvm_backend_ops, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(be), -EACCES);
	KUNIT_EXPECT_EQ(test, f->calls, 1);
	KUNIT_EXPECT_EQ(test, f->ops[UTMEM_KVM_OP_PROBE], 1);
	f->server.enabled = true;
	tmem_backend_destroy(bind(test));
}

static void abi_range_stub(u32 *min, u32 *max)
{
	struct kvm_fake *f = kunit_get_current_test()->priv;

	*min = f->guest_min;
	*max = f->guest_max;
}

/*
 * Every pair of version ranges, guest and host, within 1..4: the guest
 * binds exactly when they meet, on the highest version both speak, asking
 * each of its versions down to that one.  A guest one version newer or
 * older than its host binds.
 */
static void version_negotiation_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	u32 i, gmin, gmax, hmin, hmax, want;
	struct tmem_backend *be;

	kunit_activate_static_stub(test, utmem_kvm_guest_abi_range,
				   abi_range_stub);
	/* Four digits in base 4: each of the four bounds, 1..4. */
	for (i = 0; i < 256; i++) {
		gmin = 1 + i % 4;
		gmax = 1 + i / 4 % 4;
		hmin = 1 + i / 16 % 4;
		hmax = 1 + i / 64;
		if (gmax < gmin || hmax < hmin)
			continue;
		f->guest_min = gmin;
		f->guest_max = gmax;
		f->server.abi_min = hmin;
		f->server.abi_max = hmax;
		f->ops[UTMEM_KVM_OP_PROBE] = 0;
		be = tmem_backend_create(&tmem_kvm_backend_ops, NULL);
		want = min(gmax, hmax);
		if (want < max(gmin, hmin)) {
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(be),
					    -EPROTONOSUPPORT,
					    "guest %u..%u host %u..%u",
					    gmin, gmax, hmin, hmax);
			KUNIT_EXPECT_EQ(test, f->ops[UTMEM_KVM_OP_PROBE],
					gmax - gmin + 1);
			continue;
		}
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(be),
				       "guest %u..%u host %u..%u",
				       gmin, gmax, hmin, hmax);
		KUNIT_EXPECT_EQ(test, f->last.len, want);
		KUNIT_EXPECT_EQ(test, f->vm.abi_version, want);
		KUNIT_EXPECT_EQ(test, f->ops[UTMEM_KVM_OP_PROBE],
				gmax - want + 1);
		tmem_backend_destroy(be);
	}
	/* This tree's own: both sides speak UTMEM_KVM_ABI_VERSION. */
	kunit_deactivate_static_stub(test, utmem_kvm_guest_abi_range);
	utmem_kvm_server_init(&f->server);
	tmem_backend_destroy(bind(test));
	KUNIT_EXPECT_EQ(test, f->vm.abi_version, UTMEM_KVM_ABI_VERSION);
}

/* What the guest's reclaim chain was asked, as frontswap would be. */
static unsigned long wanted_seen;

static int wanted_record(struct notifier_block *nb, unsigned long nr,
			 void *unused)
{
	wanted_seen = nr;
	return NOTIFY_OK;
}

/*
 * The host asks pages back: the next answer says how many, the guest's
 * reclaim runs for that many, and each page it flushes brings the level
 * down.  A version-2 session hears nothing.
 */
static void host_wants_test(struct kunit *test)
{
	struct notifier_block nb = { .notifier_call = wanted_record };
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be;
	struct tmem_handle h;
	struct tmem_pool *pool;
	struct tmem_oid oid;
	u8 *val;
	u32 i;

	val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_EQ(test, tmem_register_reclaim_notifier(&nb), 0);
	be = bind(test);
	pool = tmem_pool_create(be, "kvm-wants", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	tmem_oid_set(&oid, 1, 0, 0);
	for (i = 0; i < 8; i++) {
		fill(val, VAL, i);
		tmem_handle_set(&h, &oid, i);
		KUNIT_ASSERT_EQ(test, tmem_put(pool, &h, val, VAL), 0);
	}
	wanted_seen = 0;
	utmem_host_ask_back(f->client, 3);
	tmem_handle_set(&h, &oid, 0);
	tmem_flush_page(pool, &h);
	KUNIT_EXPECT_EQ(test, f->last.wanted, 2);
	tmem_reclaim_flush();
	KUNIT_EXPECT_EQ(test, wanted_seen, 2);
	for (i = 1; i < 3; i++) {
		tmem_handle_set(&h, &oid, i);
		tmem_flush_page(pool, &h);
	}
	KUNIT_EXPECT_EQ(test, f->last.wanted, 0);
	KUNIT_EXPECT_EQ(test, f->client->reclaim_returned, 3);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(f->client), 0);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);

	/* A guest that speaks version 2 only is not told. */
	kunit_activate_static_stub(test, utmem_kvm_guest_abi_range,
				   abi_range_stub);
	f->guest_min = 2;
	f->guest_max = 2;
	be = bind(test);
	KUNIT_EXPECT_EQ(test, f->vm.abi_version, 2);
	pool = tmem_pool_create(be, "kvm-wants", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	for (i = 0; i < 4; i++) {
		tmem_handle_set(&h, &oid, i);
		KUNIT_ASSERT_EQ(test, tmem_put(pool, &h, val, VAL), 0);
	}
	utmem_host_ask_back(f->client, 2);
	tmem_flush_page(pool, &h);
	KUNIT_EXPECT_EQ(test, f->last.wanted, 0);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(f->client), 1);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
	tmem_unregister_reclaim_notifier(&nb);
}

static bool memory_encrypted(void)
{
	return true;
}

/* A confidential guest refuses to bind, without a host call. */
static void confidential_guest_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;

	kunit_activate_static_stub(test, utmem_kvm_guest_memory_encrypted,
				   memory_encrypted);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_backend_create(&tmem_kvm_backend_ops,
							  NULL)), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, f->calls, 0);
	kunit_deactivate_static_stub(test, utmem_kvm_guest_memory_encrypted);
	tmem_backend_destroy(bind(test));
}

/*
 * Not under KVM (bare metal, another hypervisor, QEMU without KVM): no
 * hypercall, which would fault, and no binding.
 */
static void not_on_kvm_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;

	kunit_activate_static_stub(test, utmem_kvm_guest_on_kvm, not_on_kvm);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tmem_backend_create(&tmem_kvm_backend_ops,
							  NULL)), -ENODEV);
	KUNIT_EXPECT_EQ(test, f->calls, 0);
	kunit_activate_static_stub(test, utmem_kvm_guest_on_kvm, on_kvm);
	tmem_backend_destroy(bind(test));
}

static void status_mapping_test(struct kunit *test)
{
	static const long bad[] = { TMEM_STATUS_NR, 1000, -KVM_ENOSYS,
				    -KVM_EPERM, -1, LONG_MAX, LONG_MIN };
	long s;
	int i;

	for (s = 0; s < TMEM_STATUS_NR; s++)
		KUNIT_EXPECT_EQ(test, (__force u32)utmem_kvm_status(s), s);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ(test, (__force u32)utmem_kvm_status(bad[i]),
				TMEM_STATUS_IO);
}

/* Every op through the tmem core, and what it put in the descriptor. */
static void ops_round_trip_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);
	struct tmem_pool_info info;
	struct tmem_handle h, h2;
	struct tmem_pool *pool;
	struct tmem_oid oid;
	u8 *val, *out, *vval, *vout;
	size_t len;

	val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	out = kunit_kzalloc(test, VAL, GFP_KERNEL);
	vval = vmalloc(VAL);
	vout = vmalloc(VAL);
	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, vval);
	KUNIT_ASSERT_NOT_NULL(test, vout);

	pool = tmem_pool_create(be, "kvm-test", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_NEW_POOL);
	KUNIT_EXPECT_EQ(test, f->last.flags, TMEM_POOL_PERSISTENT);
	KUNIT_EXPECT_EQ(test, f->last.buf, 0);

	tmem_oid_set(&oid, 1, 2, 3);
	tmem_handle_set(&h, &oid, 7);
	tmem_handle_set(&h2, &oid, 8);
	fill(val, VAL, 1);
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, VAL), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_PUT);
	KUNIT_EXPECT_EQ(test, f->last.pool_id, pool->id);
	KUNIT_EXPECT_EQ(test, f->last.len, VAL);
	KUNIT_EXPECT_EQ(test, f->last.handle.index, 7);
	KUNIT_EXPECT_EQ(test, f->last.handle.oid.oid[2], 3);
	/* A linear-mapped value goes in place. */
	KUNIT_EXPECT_EQ(test, f->last.buf, virt_to_phys(val));
	/* A vmalloc'ed one is bounced, and arrives intact. */
	fill(vval, 100, 2);
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h2, vval, 100), 0);
	KUNIT_EXPECT_NE(test, f->last.buf, 0);
	KUNIT_EXPECT_EQ(test, f->client->pages, 2);

	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, VAL, &len), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_GET);
	KUNIT_EXPECT_EQ(test, f->last.buf, virt_to_phys(out));
	KUNIT_EXPECT_EQ(test, len, VAL);
	KUNIT_EXPECT_EQ(test, memcmp(out, val, VAL), 0);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h2, vout, VAL, &len), 0);
	KUNIT_EXPECT_EQ(test, len, 100);
	KUNIT_EXPECT_EQ(test, memcmp(vout, vval, 100), 0);
	/* Too small a buffer: the length comes back, the value stays. */
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, 10, &len), -E2BIG);
	KUNIT_EXPECT_EQ(test, f->last.len, VAL);
	KUNIT_EXPECT_EQ(test, len, VAL);

	KUNIT_EXPECT_EQ(test, tmem_pool_info(pool, &info), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_POOL_INFO);
	KUNIT_EXPECT_EQ(test, f->last.len, sizeof(info));
	KUNIT_EXPECT_EQ(test, info.pages, 2);
	KUNIT_EXPECT_EQ(test, info.raw_bytes, VAL + 100);

	KUNIT_EXPECT_EQ(test, tmem_flush_page(pool, &h), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_FLUSH_PAGE);
	KUNIT_EXPECT_EQ(test, f->last.handle.index, 7);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, VAL, &len), -ENOENT);

	KUNIT_EXPECT_EQ(test, tmem_flush_object(pool, &oid), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_FLUSH_OBJECT);
	KUNIT_EXPECT_EQ(test, f->last.handle.oid.oid[0], 1);
	KUNIT_EXPECT_EQ(test, f->last.handle.index, 0);
	KUNIT_EXPECT_EQ(test, f->client->pages, 0);

	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, 1), 0);
	KUNIT_EXPECT_EQ(test, tmem_flush_pool(pool), 0);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_FLUSH_POOL);
	KUNIT_EXPECT_EQ(test, f->client->pages, 0);

	tmem_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, f->last.op, UTMEM_KVM_OP_DESTROY_POOL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->client->pools));
	/* Nothing the host refused as malformed. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&f->server.malformed), 0);
	vfree(vval);
	vfree(vout);
	tmem_backend_destroy(be);
}

static void shared_pool_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);
	struct tmem_pool *pool;
	uuid_t uuid;

	uuid_gen(&uuid);
	/* The host's policy: no shared pools unless the host says so. */
	pool = tmem_pool_create(be, "kvm-shared", TMEM_POOL_SHARED, &uuid);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pool), -EPERM);
	f->server.shared_pools = true;
	pool = tmem_pool_create(be, "kvm-shared", TMEM_POOL_SHARED, &uuid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_NE(test, f->last.buf, 0);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
}

#define BATCH_NR	150	/* three requests: 64 + 64 + 22 */

static void put_batch_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);
	struct tmem_batch_entry *ent;
	struct tmem_pool *pool;
	tmem_status_t status;
	struct tmem_oid oid;
	u8 *vals, *vval, *out;
	unsigned int calls;
	size_t len;
	int i;

	ent = kunit_kcalloc(test, BATCH_NR, sizeof(*ent), GFP_KERNEL);
	vals = kunit_kzalloc(test, BATCH_NR * 64, GFP_KERNEL);
	out = kunit_kzalloc(test, VAL, GFP_KERNEL);
	vval = vmalloc(64);
	KUNIT_ASSERT_NOT_NULL(test, ent);
	KUNIT_ASSERT_NOT_NULL(test, vals);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, vval);
	pool = tmem_pool_create(be, "kvm-batch", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));

	tmem_oid_set(&oid, 9, 9, 9);
	fill(vval, 64, 1000);
	for (i = 0; i < BATCH_NR; i++) {
		fill(vals + i * 64, 64, i);
		tmem_handle_set(&ent[i].handle, &oid, i);
		/* Every 50th value sits where the host cannot read it. */
		ent[i].src = i % 50 == 3 ? vval : vals + i * 64;
		ent[i].len = 64;
	}
	calls = f->calls;
	KUNIT_EXPECT_EQ(test, tmem_put_batch(pool, ent, BATCH_NR), BATCH_NR);
	KUNIT_EXPECT_EQ(test, f->calls - calls, 3 + 3);
	KUNIT_EXPECT_EQ(test, f->ops[UTMEM_KVM_OP_PUT_BATCH], 3);
	KUNIT_EXPECT_EQ(test, f->client->pages, BATCH_NR);
	for (i = 0; i < BATCH_NR; i++) {
		KUNIT_EXPECT_EQ(test, (__force u32)ent[i].status,
				TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ(test, tmem_get(pool, &ent[i].handle, out, VAL,
					       &len), 0);
		KUNIT_EXPECT_EQ(test, len, 64);
		KUNIT_EXPECT_EQ(test, memcmp(out, ent[i].src, 64), 0);
	}

	/* A pool the host does not know: every entry says so. */
	status = be->ops->put_batch(be, pool->id + 100, ent, BATCH_NR);
	KUNIT_EXPECT_EQ(test, (__force u32)status, TMEM_STATUS_BADPOOL);
	for (i = 0; i < BATCH_NR; i++)
		KUNIT_EXPECT_EQ(test, (__force u32)ent[i].status,
				TMEM_STATUS_BADPOOL);
	tmem_pool_destroy(pool);
	vfree(vval);
	tmem_backend_destroy(be);
}

/* Whatever the host answers, the guest sees a status and no overflow. */
static void host_lies_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);
	struct tmem_handle h;
	struct tmem_pool *pool;
	struct tmem_oid oid;
	u8 *val, *out;
	size_t len;

	val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	/* Exactly 64 bytes: KASAN catches a copy past them. */
	out = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_NOT_NULL(test, out);
	pool = tmem_pool_create(be, "kvm-lies", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	tmem_oid_set(&oid, 5, 0, 0);
	tmem_handle_set(&h, &oid, 0);
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, 64), 0);

	f->lie_len = true;
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, 64, &len), -EIO);
	f->lie_len = false;

	f->force = true;
	f->force_ret = 42;
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, 64), -EIO);
	f->force_ret = -KVM_EPERM;
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, 64, &len), -EIO);
	f->force = false;
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
}

/*
 * The VM resumes on a host without its pools: the first LOST answer stops
 * the binding.  Nothing reaches the host from then on (a pool id of ours
 * could name a pool the host makes later), every call fails ESTALE, and
 * a value that was stored is never answered with other data.
 */
static void pools_lost_test(struct kunit *test)
{
	struct kvm_fake *f = test->priv;
	struct tmem_backend *be = bind(test);
	struct tmem_handle h;
	struct tmem_pool *pool;
	struct tmem_oid oid;
	unsigned int calls;
	u8 *val, *out;
	size_t len = 0;

	val = kunit_kzalloc(test, VAL, GFP_KERNEL);
	out = kunit_kzalloc(test, VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, val);
	KUNIT_ASSERT_NOT_NULL(test, out);
	pool = tmem_pool_create(be, "kvm-lost", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	tmem_oid_set(&oid, 7, 0, 0);
	tmem_handle_set(&h, &oid, 0);
	fill(val, VAL, 9);
	KUNIT_ASSERT_EQ(test, tmem_put(pool, &h, val, VAL), 0);

	/* Moved: a new host, whose VM has not bound, with a pool at 0. */
	utmem_host_client_reset(f->client);
	utmem_kvm_vm_init(&f->vm, f->client, true);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, VAL, &len), -ESTALE);
	calls = f->calls;
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, VAL), -ESTALE);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, VAL, &len), -ESTALE);
	KUNIT_EXPECT_EQ(test, tmem_flush_page(pool, &h), -ESTALE);
	KUNIT_EXPECT_EQ(test, f->calls, calls);
	KUNIT_EXPECT_EQ(test, f->client->pages, 0);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
	/* A new binding (the guest rebooted) PROBEs and works. */
	be = bind(test);
	pool = tmem_pool_create(be, "kvm-lost", TMEM_POOL_PERSISTENT, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	KUNIT_EXPECT_EQ(test, tmem_put(pool, &h, val, VAL), 0);
	KUNIT_EXPECT_EQ(test, tmem_get(pool, &h, out, VAL, &len), 0);
	KUNIT_EXPECT_EQ(test, memcmp(out, val, VAL), 0);
	tmem_pool_destroy(pool);
	tmem_backend_destroy(be);
}

static struct kunit_case tmem_kvm_guest_cases[] = {
	KUNIT_CASE(probe_binds_test),
	KUNIT_CASE(probe_refused_test),
	KUNIT_CASE(probe_not_enabled_test),
	KUNIT_CASE(confidential_guest_test),
	KUNIT_CASE(not_on_kvm_test),
	KUNIT_CASE(status_mapping_test),
	KUNIT_CASE(ops_round_trip_test),
	KUNIT_CASE(shared_pool_test),
	KUNIT_CASE(put_batch_test),
	KUNIT_CASE(host_lies_test),
	KUNIT_CASE(pools_lost_test),
	KUNIT_CASE(version_negotiation_test),
	KUNIT_CASE(host_wants_test),
	{}
};

static struct kunit_suite tmem_kvm_guest_suite = {
	.name = "tmem_kvm_guest",
	.init = kvm_guest_init,
	.exit = kvm_guest_exit,
	.test_cases = tmem_kvm_guest_cases,
};

/*
 * The host side alone.  Fake guest memory layout (guest-physical):
 *   REQ     the request
 *   BUF     a value, or a batch array
 *   VALS    values a batch points at
 *   RO      a page the guest cannot be written into
 */
#define FAKE_MEM	(64 * 1024)
#define REQ		0x0
#define BUF		0x1000
#define VALS		0x4000
#define RO		(FAKE_MEM - PAGE_SIZE)

struct fake_guest {
	struct utmem_kvm_mem mem;
	u8 *base;
	unsigned int writes;
};

struct kvm_host_test {
	struct utmem_host *host;
	struct utmem_host_client *a, *b;
	struct utmem_kvm_server server;
	struct utmem_kvm_vm va, vb;
	struct fake_guest g;
};

static bool fake_range_ok(u64 gpa, u32 len)
{
	return gpa <= FAKE_MEM && len <= FAKE_MEM - gpa;
}

static int fake_read(struct utmem_kvm_mem *mem, u64 gpa, void *dst, u32 len)
{
	struct fake_guest *g = container_of(mem, struct fake_guest, mem);

	if (!fake_range_ok(gpa, len))
		return -EFAULT;
	memcpy(dst, g->base + gpa, len);
	return 0;
}

static int fake_write(struct utmem_kvm_mem *mem, u64 gpa, const void *src,
		      u32 len)
{
	struct fake_guest *g = container_of(mem, struct fake_guest, mem);

	if (!fake_range_ok(gpa, len) || (len && gpa + len > RO))
		return -EFAULT;
	memcpy(g->base + gpa, src, len);
	g->writes++;
	return 0;
}

static void kvm_host_probe(struct kunit *test, struct utmem_kvm_vm *vm)
{
	struct kvm_host_test *t = test->priv;
	struct utmem_kvm_req *req = (void *)(t->g.base + REQ);

	memset(req, 0, sizeof(*req));
	req->op = UTMEM_KVM_OP_PROBE;
	req->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_ASSERT_EQ(test, utmem_kvm_serve(&t->server, vm, &t->g.mem, REQ,
					      sizeof(*req)), TMEM_STATUS_OK);
}

static int kvm_host_init(struct kunit *test)
{
	struct kvm_host_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->g.base = kunit_kzalloc(test, FAKE_MEM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->g.base);
	t->g.mem.read = fake_read;
	t->g.mem.write = fake_write;
	t->g.mem.gfp = GFP_KERNEL;
	sim_fixture_init(test, &t->host, &t->a, &t->b);
	utmem_kvm_server_init(&t->server);
	utmem_kvm_vm_init(&t->va, t->a, true);
	utmem_kvm_vm_init(&t->vb, t->b, true);
	t->server.enabled = true;
	test->priv = t;
	/* Both guests PROBEd, as a guest does before anything else. */
	kvm_host_probe(test, &t->va);
	kvm_host_probe(test, &t->vb);
	t->g.writes = 0;
	return 0;
}

static void kvm_host_exit(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;

	/* A VM's end frees everything it held, whatever it sent. */
	sim_fixture_exit(test, t->host, t->a, t->b);
}

static struct utmem_kvm_req *req_at(struct kvm_host_test *t, u64 gpa)
{
	return (struct utmem_kvm_req *)(t->g.base + gpa);
}

static struct utmem_kvm_req *req_new(struct kvm_host_test *t, u32 op,
				     u32 pool_id)
{
	struct utmem_kvm_req *req = req_at(t, REQ);

	memset(req, 0, sizeof(*req));
	req->op = op;
	req->pool_id = pool_id;
	return req;
}

static u32 serve_as(struct kvm_host_test *t, struct utmem_host_client *c)
{
	return utmem_kvm_serve(&t->server, c == t->a ? &t->va : &t->vb,
			       &t->g.mem, REQ,
			       sizeof(struct utmem_kvm_req));
}

static u32 serve_a(struct kvm_host_test *t)
{
	return serve_as(t, t->a);
}

static u32 new_pool(struct kunit *test, struct utmem_host_client *c)
{
	struct kvm_host_test *t = test->priv;
	struct utmem_kvm_req *req;

	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = TMEM_POOL_PERSISTENT;
	KUNIT_ASSERT_EQ(test, serve_as(t, c), TMEM_STATUS_OK);
	return req_at(t, REQ)->pool_id;
}

static u32 put(struct kvm_host_test *t, struct utmem_host_client *c, u32 pool,
	       u32 index, u64 buf, u32 len)
{
	struct utmem_kvm_req *req = req_new(t, UTMEM_KVM_OP_PUT, pool);

	req->handle.index = index;
	req->buf = buf;
	req->len = len;
	return serve_as(t, c);
}

static u32 get(struct kvm_host_test *t, struct utmem_host_client *c, u32 pool,
	       u32 index, u64 buf, u32 size)
{
	struct utmem_kvm_req *req = req_new(t, UTMEM_KVM_OP_GET, pool);

	req->handle.index = index;
	req->buf = buf;
	req->len = size;
	return serve_as(t, c);
}

static void bad_request_test(struct kunit *test)
{
	static const u64 sizes[] = { 0, 1, sizeof(struct utmem_kvm_req) - 1,
				     sizeof(struct utmem_kvm_req) + 1, U64_MAX };
	static const u64 gpas[] = { FAKE_MEM - 8, FAKE_MEM, U64_MAX,
				    U64_MAX - 7 };
	struct kvm_host_test *t = test->priv;
	int i;

	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &t->va,
						      &t->g.mem, REQ, sizes[i]),
				TMEM_STATUS_INVAL);
	for (i = 0; i < ARRAY_SIZE(gpas); i++)
		KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &t->va,
						      &t->g.mem, gpas[i],
						      sizeof(struct utmem_kvm_req)),
				TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, t->g.writes, 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->server.malformed),
			ARRAY_SIZE(sizes) + ARRAY_SIZE(gpas));

	req_new(t, UTMEM_KVM_OP_NR, 0);
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	req_new(t, U32_MAX, 0);
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->reserved = 1;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);

	/* The probe: right version answered OK, any other INVAL. */
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION + 1;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->len, UTMEM_KVM_ABI_VERSION);
}

/* The fields each op uses, restated from the ABI header's comment. */
#define U_POOL		BIT(0)
#define U_FLAGS		BIT(1)
#define U_LEN		BIT(2)
#define U_INDEX		BIT(3)
#define U_BUF		BIT(4)
#define U_NR_FIELDS	8	/* the five above, handle.reserved, wanted, reserved */

static const u8 abi_uses[UTMEM_KVM_OP_NR] = {
	[UTMEM_KVM_OP_PROBE] = U_LEN,
	[UTMEM_KVM_OP_NEW_POOL] = U_FLAGS | U_BUF,
	[UTMEM_KVM_OP_DESTROY_POOL] = U_POOL,
	[UTMEM_KVM_OP_PUT] = U_POOL | U_INDEX | U_BUF | U_LEN,
	[UTMEM_KVM_OP_GET] = U_POOL | U_INDEX | U_BUF | U_LEN,
	[UTMEM_KVM_OP_FLUSH_PAGE] = U_POOL | U_INDEX,
	[UTMEM_KVM_OP_FLUSH_OBJECT] = U_POOL,
	[UTMEM_KVM_OP_FLUSH_POOL] = U_POOL,
	[UTMEM_KVM_OP_PUT_BATCH] = U_POOL | U_BUF | U_LEN,
	[UTMEM_KVM_OP_POOL_INFO] = U_POOL | U_BUF | U_LEN,
};

/*
 * Sets field @field of @req to a non-zero value (@pool for the pool id),
 * unless @op uses it; false when it does.
 */
static bool poke_unused(struct utmem_kvm_req *req, u32 op, int field,
			u32 pool)
{
	if (field < 5 && (abi_uses[op] & BIT(field)))
		return false;
	switch (field) {
	case 0:
		req->pool_id = pool;
		break;
	case 1:
		req->flags = TMEM_POOL_PERSISTENT;
		break;
	case 2:
		req->len = 1;
		break;
	case 3:
		req->handle.index = 1;
		break;
	case 4:
		req->buf = BUF;
		break;
	case 5:
		req->handle.reserved = 1;
		break;
	case 6:
		req->wanted = 1;
		break;
	default:
		req->reserved = 1;
		break;
	}
	return true;
}

/* Each op with one field it does not use set: refused, nothing done. */
static void unused_fields_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	struct utmem_kvm_req *req;
	u32 op, pool = new_pool(test, t->a);
	int field;

	for (op = 0; op < UTMEM_KVM_OP_NR; op++) {
		for (field = 0; field < U_NR_FIELDS; field++) {
			req = req_new(t, op, 0);
			if (abi_uses[op] & U_POOL)
				req->pool_id = pool;
			if (!poke_unused(req, op, field, pool + 1))
				continue;
			KUNIT_EXPECT_EQ_MSG(test, serve_a(t), TMEM_STATUS_INVAL,
					    "op %u field %d", op, field);
		}
	}
	/* The pool is still there, empty, and the only one. */
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	req = req_new(t, UTMEM_KVM_OP_DESTROY_POOL, pool);
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->a->pools));
}

static void new_pool_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	struct utmem_kvm_req *req;

	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = 1U << 5;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = TMEM_POOL_SHARED;
	req->buf = BUF;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_PERM);
	t->server.shared_pools = true;
	req->buf = FAKE_MEM - 4;	/* the UUID runs out of the guest */
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	/* A pool id that cannot be written back: no pool left behind. */
	req->buf = BUF;
	memcpy(t->g.base + RO, req, sizeof(*req));
	KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &t->va, &t->g.mem, RO,
					      sizeof(*req)), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->a->pools));
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_FALSE(test, xa_empty(&t->a->pools));
	/* B names the same UUID: the same pool. */
	KUNIT_EXPECT_EQ(test, serve_as(t, t->b), TMEM_STATUS_OK);
}

static void put_get_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool = new_pool(test, t->a);
	u8 *buf = t->g.base + BUF;

	fill(buf, VAL, 3);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, BUF, VAL + 1),
			TMEM_STATUS_TOOBIG);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, BUF, VAL), TMEM_STATUS_OK);
	/* A value that runs out of the guest: INVAL, the old one stays. */
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, FAKE_MEM - 100, 200),
			TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, U64_MAX - 10, 100),
			TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, VALS, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->len, VAL);
	KUNIT_EXPECT_EQ(test, memcmp(t->g.base + VALS, buf, VAL), 0);
	/* Too small: the length, not the value. */
	memset(t->g.base + VALS, 0, VAL);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, VALS, 16),
			TMEM_STATUS_TOOBIG);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->len, VAL);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->g.base + VALS, 0, VAL));
	/* Into a read-only page or out of the guest: INVAL. */
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, RO, VAL),
			TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, FAKE_MEM, VAL),
			TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 1, VALS, VAL),
			TMEM_STATUS_MISS);
	/* A size beyond a value's maximum is fine. */
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, VALS, U32_MAX),
			TMEM_STATUS_OK);
}

/* A VM reaches its own pools only: ids are per client. */
static void isolation_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool = new_pool(test, t->a);
	struct utmem_kvm_req *req;

	fill(t->g.base + BUF, 64, 4);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, BUF, 64), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, get(t, t->b, pool, 0, VALS, VAL),
			TMEM_STATUS_BADPOOL);
	KUNIT_EXPECT_EQ(test, put(t, t->b, pool, 0, BUF, 64),
			TMEM_STATUS_BADPOOL);
	req = req_new(t, UTMEM_KVM_OP_FLUSH_POOL, pool);
	KUNIT_EXPECT_EQ(test, serve_as(t, t->b), TMEM_STATUS_BADPOOL);
	req = req_new(t, UTMEM_KVM_OP_DESTROY_POOL, pool);
	KUNIT_EXPECT_EQ(test, serve_as(t, t->b), TMEM_STATUS_BADPOOL);
	KUNIT_EXPECT_EQ(test, t->a->pages, 1);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, VALS, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, memcmp(t->g.base + VALS, t->g.base + BUF, 64), 0);
}

static struct utmem_kvm_batch_entry *batch_at(struct kvm_host_test *t,
					      u64 gpa)
{
	return (struct utmem_kvm_batch_entry *)(t->g.base + gpa);
}

static u32 put_batch(struct kvm_host_test *t, u32 pool, u64 buf, u32 nr)
{
	struct utmem_kvm_req *req = req_new(t, UTMEM_KVM_OP_PUT_BATCH, pool);

	req->buf = buf;
	req->len = nr;
	return serve_a(t);
}

static void put_batch_host_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool = new_pool(test, t->a);
	struct utmem_kvm_batch_entry *ent = batch_at(t, BUF);
	int i;

	for (i = 0; i < UTMEM_KVM_BATCH_MAX; i++) {
		ent[i] = (struct utmem_kvm_batch_entry) {
			.handle.index = i,
			.buf = VALS + i * 64,
			.len = 64,
		};
		fill(t->g.base + VALS + i * 64, 64, i);
	}
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, 0), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, UTMEM_KVM_BATCH_MAX + 1),
			TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, put_batch(t, pool + 1, BUF, 4),
			TMEM_STATUS_BADPOOL);
	/* A malformed entry refuses the whole batch, before any store. */
	ent[3].len = VAL + 1;
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, 8), TMEM_STATUS_INVAL);
	ent[3].len = 64;
	ent[5].handle.reserved = 1;
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, 8), TMEM_STATUS_INVAL);
	ent[5].handle.reserved = 0;
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	/* An array the statuses cannot be written into: nothing stored. */
	memcpy(t->g.base + RO, ent, 8 * sizeof(*ent));
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, RO, 8), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	/* One value outside the guest: that entry only. */
	ent[7].buf = FAKE_MEM - 10;
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, UTMEM_KVM_BATCH_MAX),
			TMEM_STATUS_OK);
	for (i = 0; i < UTMEM_KVM_BATCH_MAX; i++)
		KUNIT_EXPECT_EQ(test, ent[i].status,
				i == 7 ? TMEM_STATUS_INVAL : TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->a->pages, UTMEM_KVM_BATCH_MAX - 1);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 9, BUF + 0x2000, VAL),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, memcmp(t->g.base + BUF + 0x2000,
				     t->g.base + VALS + 9 * 64, 64), 0);
}

/*
 * The host-wide switch turned off while a VM holds values: no new client
 * is let in (PROBE answers PERM), nothing new is stored, and what the VM
 * holds still comes back and can be flushed.
 */
static void not_enabled_host_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool = new_pool(test, t->a);
	struct utmem_kvm_batch_entry *ent = batch_at(t, BUF);
	struct utmem_kvm_req *req;
	int i;

	fill(t->g.base + VALS, VAL, 1);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, VALS, VAL), TMEM_STATUS_OK);
	t->server.enabled = false;

	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = TMEM_POOL_PERSISTENT;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 1, VALS, VAL),
			TMEM_STATUS_REFUSED);
	/* A replacement is refused too: the old value stays. */
	fill(t->g.base + VALS + VAL, VAL, 2);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, VALS + VAL, VAL),
			TMEM_STATUS_REFUSED);
	for (i = 0; i < 4; i++)
		ent[i] = (struct utmem_kvm_batch_entry) {
			.handle.index = 10 + i, .buf = VALS, .len = 64,
		};
	KUNIT_EXPECT_EQ(test, put_batch(t, pool, BUF, 4), TMEM_STATUS_OK);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ent[i].status, TMEM_STATUS_REFUSED);
	KUNIT_EXPECT_EQ(test, t->a->pages, 1);
	/* New pool, two PUTs, four entries. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->server.not_enabled), 7);

	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 0, BUF + 0x2000, VAL),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, memcmp(t->g.base + BUF + 0x2000,
				     t->g.base + VALS, VAL), 0);
	req = req_new(t, UTMEM_KVM_OP_FLUSH_PAGE, pool);
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	req = req_new(t, UTMEM_KVM_OP_DESTROY_POOL, pool);
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->server.malformed), 0);

	/* A guest kernel starting now is told, and does not bind. */
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_PERM);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->len, UTMEM_KVM_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->server.not_enabled), 8);

	/* The switch on, a VM its operator has not let in is refused too. */
	t->server.enabled = true;
	t->va.enabled = false;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_PERM);
	/* Its guest did not bind: it has no pools to name. */
	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = TMEM_POOL_PERSISTENT;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_LOST);
	/* Another VM is. */
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, serve_as(t, t->b), TMEM_STATUS_OK);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->a->pools));
}

/*
 * A PROBE starts the VM over: every pool of the previous guest kernel
 * goes with its memory, whatever version it asks; other VMs keep theirs.
 */
static void probe_reset_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pa = new_pool(test, t->a), pb = new_pool(test, t->b);
	u32 i;

	fill(t->g.base + VALS, VAL, 3);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, put(t, t->a, pa, i, VALS, VAL),
				TMEM_STATUS_OK);
		KUNIT_ASSERT_EQ(test, put(t, t->b, pb, i, VALS, VAL),
				TMEM_STATUS_OK);
	}
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION + 1;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, t->a->pages, 0);
	KUNIT_EXPECT_EQ(test, t->a->used, 0);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->a->pools));
	/* Not bound again until a PROBE is answered OK. */
	KUNIT_EXPECT_EQ(test, get(t, t->a, pa, 0, BUF, VAL),
			TMEM_STATUS_LOST);
	KUNIT_EXPECT_EQ(test, t->b->pages, 4);
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	/* The init's, and these two. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->va.probes), 3);
	/* The new kernel's pools work. */
	pa = new_pool(test, t->a);
	KUNIT_EXPECT_EQ(test, put(t, t->a, pa, 0, VALS, VAL), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, get(t, t->a, pa, 0, BUF, VAL), TMEM_STATUS_OK);
}

/*
 * A VM whose guest has not PROBEd here (it resumed on this host without
 * its pools) gets LOST for every request, whatever it names, and the
 * host's pools are untouched: a pool id of its old host must not reach
 * a pool of this one.  PROBE binds it.
 */
static void lost_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pb = new_pool(test, t->b);
	struct utmem_kvm_vm moved;
	struct utmem_kvm_req *req;
	u32 op;

	fill(t->g.base + VALS, VAL, 5);
	KUNIT_ASSERT_EQ(test, put(t, t->b, pb, 0, VALS, VAL), TMEM_STATUS_OK);
	/* a's guest was moved here: a's client is the VM's new one. */
	utmem_host_client_reset(t->a);
	utmem_kvm_vm_init(&moved, t->a, true);
	for (op = UTMEM_KVM_OP_NEW_POOL; op < UTMEM_KVM_OP_NR; op++) {
		req = req_new(t, op, 0);
		if (op == UTMEM_KVM_OP_NEW_POOL)
			req->flags = TMEM_POOL_PERSISTENT;
		KUNIT_EXPECT_EQ_MSG(test,
				    utmem_kvm_serve(&t->server, &moved,
						    &t->g.mem, REQ,
						    sizeof(*req)),
				    TMEM_STATUS_LOST, "op %u", op);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&t->server.lost),
			UTMEM_KVM_OP_NR - 1);
	KUNIT_EXPECT_TRUE(test, xa_empty(&t->a->pools));
	KUNIT_EXPECT_EQ(test, t->b->pages, 1);
	/* A PROBE refused (VMs not served) does not bind it either. */
	t->server.enabled = false;
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &moved, &t->g.mem,
					      REQ, sizeof(*req)),
			TMEM_STATUS_PERM);
	KUNIT_EXPECT_FALSE(test, moved.bound);
	t->server.enabled = true;
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = UTMEM_KVM_ABI_VERSION;
	KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &moved, &t->g.mem,
					      REQ, sizeof(*req)),
			TMEM_STATUS_OK);
	KUNIT_EXPECT_TRUE(test, moved.bound);
	req = req_new(t, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = TMEM_POOL_PERSISTENT;
	KUNIT_EXPECT_EQ(test, utmem_kvm_serve(&t->server, &moved, &t->g.mem,
					      REQ, sizeof(*req)),
			TMEM_STATUS_OK);
}

/*
 * From version 3 every answer (but PROBE's) says what the VM owes; to a
 * version-2 VM the host writes nothing there.
 */
static void wanted_answer_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool, i, writes;

	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = 3;
	KUNIT_ASSERT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	pool = new_pool(test, t->a);
	fill(t->g.base + VALS, VAL, 4);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, put(t, t->a, pool, i, VALS, VAL),
				TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->wanted, 0);
	utmem_host_ask_back(t->a, 4);
	/* Any operation answers it, a GET that misses included. */
	KUNIT_EXPECT_EQ(test, get(t, t->a, pool, 100, BUF, VAL),
			TMEM_STATUS_MISS);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->wanted, 4);
	req_new(t, UTMEM_KVM_OP_FLUSH_PAGE, pool)->handle.index = 0;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->wanted, 3);
	/* An answer to a malformed request says nothing. */
	writes = t->g.writes;
	req_new(t, UTMEM_KVM_OP_FLUSH_PAGE, pool)->reserved = 1;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->wanted, 0);
	KUNIT_EXPECT_EQ(test, t->g.writes, writes);

	/* Version 2: the same debt, unspoken. */
	req_new(t, UTMEM_KVM_OP_PROBE, 0)->len = 2;
	KUNIT_ASSERT_EQ(test, serve_as(t, t->b), TMEM_STATUS_OK);
	pool = new_pool(test, t->b);
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, put(t, t->b, pool, i, VALS, VAL),
				TMEM_STATUS_OK);
	utmem_host_ask_back(t->b, 4);
	KUNIT_EXPECT_EQ(test, get(t, t->b, pool, 100, BUF, VAL),
			TMEM_STATUS_MISS);
	KUNIT_EXPECT_EQ(test, req_at(t, REQ)->wanted, 0);
	KUNIT_EXPECT_EQ(test, utmem_host_wanted(t->b), 4);
}

static void pool_info_host_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	u32 pool = new_pool(test, t->a);
	struct tmem_pool_info *info = (void *)(t->g.base + BUF);
	struct utmem_kvm_req *req;

	KUNIT_EXPECT_EQ(test, put(t, t->a, pool, 0, VALS, 100), TMEM_STATUS_OK);
	req = req_new(t, UTMEM_KVM_OP_POOL_INFO, pool);
	req->buf = BUF;
	req->len = sizeof(*info) - 1;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	req->len = sizeof(*info);
	req->buf = RO;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_INVAL);
	req->buf = BUF;
	KUNIT_EXPECT_EQ(test, serve_a(t), TMEM_STATUS_OK);
	KUNIT_EXPECT_EQ(test, info->pages, 1);
	KUNIT_EXPECT_EQ(test, info->raw_bytes, 100);
}

/* make soak boots with tmem_kvm_kunit.fuzz_requests=1000000. */
static unsigned int fuzz_requests = 20000;
module_param(fuzz_requests, uint, 0444);
MODULE_PARM_DESC(fuzz_requests, "requests fuzz_test sends (20000)");
static ulong fuzz_seed = 0x75746d656d;
module_param(fuzz_seed, ulong, 0444);
MODULE_PARM_DESC(fuzz_seed, "fuzz_test's random seed");

#define SENTINELS	16

/* A guest address: mostly inside the guest, sometimes at or past its end. */
static u64 fuzz_gpa(struct rnd_state *rs)
{
	switch (prandom_u32_state(rs) % 8) {
	case 0:
		return FAKE_MEM - (prandom_u32_state(rs) % 256);
	case 1:
		return (u64)prandom_u32_state(rs) << 32 | prandom_u32_state(rs);
	case 2:
		return RO;
	default:
		return BUF + (prandom_u32_state(rs) % (RO - BUF));
	}
}

static u32 fuzz_small(struct rnd_state *rs, u32 typical)
{
	switch (prandom_u32_state(rs) % 8) {
	case 0:
		return prandom_u32_state(rs);
	case 1:
		return 0;
	default:
		return prandom_u32_state(rs) % (typical + 1);
	}
}

/* A client may hold one shared pool under several ids: count it once. */
static bool first_id_of(struct xarray *pools, unsigned long id, void *pool)
{
	unsigned long i;
	void *entry;

	if (!id)
		return true;
	xa_for_each_range(pools, i, entry, 0, id - 1) {
		if (entry == pool)
			return false;
	}
	return true;
}

/*
 * Random requests, valid and not, at a client with a few pools: every
 * answer must be a status, the engine's accounting must add up afterwards
 * (and, in the exit, come back to zero), and another VM's values must be
 * untouched.
 */
static void fuzz_test(struct kunit *test)
{
	struct kvm_host_test *t = test->priv;
	struct utmem_kvm_batch_entry *ent;
	unsigned int answers[TMEM_STATUS_NR] = {};
	struct tmem_handle h = {};
	struct tmem_pool_info info;
	struct utmem_kvm_req *req;
	struct rnd_state rs;
	tmem_status_t status;
	unsigned long id;
	u32 ret, op, len, b_pool;
	u64 pages = 0;
	u8 *sentinel, *out;
	void *entry;
	int i, j;
	u8 uses;

	sentinel = kunit_kmalloc(test, SENTINELS * VAL, GFP_KERNEL);
	out = kunit_kmalloc(test, VAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sentinel);
	KUNIT_ASSERT_NOT_NULL(test, out);
	get_random_bytes(sentinel, SENTINELS * VAL);
	status = utmem_host_new_pool(t->b, TMEM_POOL_PERSISTENT, NULL, &b_pool);
	KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	for (i = 0; i < SENTINELS; i++) {
		h.index = i;
		status = utmem_host_put(t->b, b_pool, &h, sentinel + i * VAL,
					VAL);
		KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
	}

	prandom_seed_state(&rs, fuzz_seed);
	get_random_bytes(t->g.base, FAKE_MEM);
	t->server.shared_pools = true;
	for (i = 0; i < 4; i++)
		new_pool(test, t->a);

	for (i = 0; i < fuzz_requests; i++) {
		op = prandom_u32_state(&rs) % (UTMEM_KVM_OP_NR + 1);
		req = req_new(t, op, 0);
		/* Mostly the fields the op uses, sometimes one it does not. */
		uses = op < UTMEM_KVM_OP_NR ? abi_uses[op] : 0xff;
		if (uses & U_POOL)
			req->pool_id = prandom_u32_state(&rs) % 6;
		if (uses & U_FLAGS)
			req->flags = fuzz_small(&rs, TMEM_POOL_FLAGS_ALL);
		if (uses & U_LEN)
			req->len = op == UTMEM_KVM_OP_PROBE ?
				   fuzz_small(&rs, UTMEM_KVM_ABI_VERSION) :
				   fuzz_small(&rs,
					      op == UTMEM_KVM_OP_PUT_BATCH ?
						   UTMEM_KVM_BATCH_MAX : VAL);
		if (uses & U_INDEX)
			req->handle.index = prandom_u32_state(&rs) % 64;
		if ((uses & U_INDEX) || op == UTMEM_KVM_OP_FLUSH_OBJECT)
			req->handle.oid.oid[0] = prandom_u32_state(&rs) % 4;
		if (uses & U_BUF)
			req->buf = fuzz_gpa(&rs);
		if (op < UTMEM_KVM_OP_NR && prandom_u32_state(&rs) % 10 == 0)
			poke_unused(req, op,
				    prandom_u32_state(&rs) % U_NR_FIELDS,
				    prandom_u32_state(&rs) | 1);
		/* A batch array of plausible entries, where it points. */
		if (op == UTMEM_KVM_OP_PUT_BATCH &&
		    fake_range_ok(req->buf,
				  UTMEM_KVM_BATCH_MAX * sizeof(*ent))) {
			ent = batch_at(t, req->buf);
			for (j = 0; j < UTMEM_KVM_BATCH_MAX; j++) {
				ent[j].handle.reserved = prandom_u32_state(&rs) % 64 ?
							 0 : 1;
				ent[j].buf = fuzz_gpa(&rs);
				ent[j].len = fuzz_small(&rs, VAL);
			}
		}
		ret = serve_a(t);
		KUNIT_ASSERT_LT(test, ret, TMEM_STATUS_NR);
		answers[ret]++;
		/* A PROBE of a version the host does not speak unbinds. */
		if (ret == TMEM_STATUS_LOST)
			kvm_host_probe(test, &t->va);
		if (!(i % 4096))
			cond_resched();
	}
	for (i = 0; i < TMEM_STATUS_NR; i++)
		kunit_info(test, "status %d: %u of %u requests\n", i,
			   answers[i], fuzz_requests);
	/* Both accepted and refused requests were made. */
	KUNIT_EXPECT_GT(test, answers[TMEM_STATUS_OK], fuzz_requests / 20);
	KUNIT_EXPECT_GT(test, answers[TMEM_STATUS_INVAL], fuzz_requests / 20);

	xa_for_each(&t->a->pools, id, entry) {
		status = utmem_host_pool_info(t->a, id, &info);
		KUNIT_ASSERT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ_MSG(test, info.puts - info.flushes -
				    info.evicted, info.pages, "pool %lu", id);
		if (first_id_of(&t->a->pools, id, entry))
			pages += info.pages;
	}
	KUNIT_EXPECT_EQ(test, pages, t->a->pages);
	KUNIT_EXPECT_EQ(test, t->host->pages, t->a->pages + t->b->pages);

	/* The other VM's values, bit for bit. */
	for (i = 0; i < SENTINELS; i++) {
		h.index = i;
		status = utmem_host_get(t->b, b_pool, &h, out, VAL, &len);
		KUNIT_EXPECT_EQ(test, (__force u32)status, TMEM_STATUS_OK);
		KUNIT_EXPECT_EQ(test, len, VAL);
		KUNIT_EXPECT_MEMEQ(test, out, sentinel + i * VAL, VAL);
	}
	kunit_info(test, "fuzz: %u requests, seed %lu, state checked\n",
		   fuzz_requests, fuzz_seed);
}

static struct kunit_case tmem_kvm_host_cases[] = {
	KUNIT_CASE(bad_request_test),
	KUNIT_CASE(unused_fields_test),
	KUNIT_CASE(new_pool_test),
	KUNIT_CASE(put_get_test),
	KUNIT_CASE(isolation_test),
	KUNIT_CASE(put_batch_host_test),
	KUNIT_CASE(not_enabled_host_test),
	KUNIT_CASE(probe_reset_test),
	KUNIT_CASE(lost_test),
	KUNIT_CASE(wanted_answer_test),
	KUNIT_CASE(pool_info_host_test),
	KUNIT_CASE(fuzz_test),
	{}
};

static struct kunit_suite tmem_kvm_host_suite = {
	.name = "tmem_kvm_host",
	.init = kvm_host_init,
	.exit = kvm_host_exit,
	.test_cases = tmem_kvm_host_cases,
};

/*
 * The operator's rules (host-kvm/kvm_host_policy.c): which VMs are let
 * in, by the cgroup of their VMM, and with what cap or share.
 */
static int policy_init(struct kunit *test)
{
	struct utmem_kvm_policy *policy;

	policy = kunit_kzalloc(test, sizeof(*policy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, policy);
	utmem_kvm_policy_init(policy);
	test->priv = policy;
	return 0;
}

static void policy_exit(struct kunit *test)
{
	utmem_kvm_policy_destroy(test->priv);
}

static int rule(struct kunit *test, const char *cmd)
{
	const char *why;
	int err = utmem_kvm_policy_write(test->priv, cmd, &why);

	/* A reason for every malformed command, and for nothing else. */
	KUNIT_EXPECT_EQ_MSG(test, err == -EINVAL, !!why, "%s", cmd);
	return err;
}

static void rules_parse_test(struct kunit *test)
{
	static const char *const bad[] = {
		"", "\n", "+", "-", "x/a", "/a", "+a", "+/a/", "+//", "+/a//b",
		"+/a/./b", "+/a/../b", "+/a cap", "+/a cap=", "+/a cap=0",
		"+/a cap=12Q", "+/a cap=1P", "+/a weight=0", "+/a weight=10001",
		"+/a weight=-1", "+/a size=1", "-/a cap=1M", "+/a\n+/b",
		"+/a\tb", "+/a\x7f",
	};
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char *long_path = kunit_kzalloc(test, UTMEM_KVM_RULE_PATH_MAX + 3,
					GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, long_path);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, rule(test, bad[i]), -EINVAL,
				    "'%s'", bad[i]);
	long_path[0] = '+';
	long_path[1] = '/';
	memset(long_path + 2, 'a', UTMEM_KVM_RULE_PATH_MAX);
	KUNIT_EXPECT_EQ(test, rule(test, long_path), -EINVAL);
	long_path[UTMEM_KVM_RULE_PATH_MAX + 1] = '\0';
	KUNIT_EXPECT_EQ(test, rule(test, long_path), 0);
	KUNIT_EXPECT_EQ(test, rule(test, "-/no/such"), -ENOENT);
	/* "+", the path, " weight=100\n". */
	KUNIT_EXPECT_EQ(test, utmem_kvm_policy_show(test->priv, buf),
			UTMEM_KVM_RULE_PATH_MAX + 13);
	KUNIT_EXPECT_EQ(test, rule(test, long_path), 0);
	long_path[0] = '-';
	KUNIT_EXPECT_EQ(test, rule(test, long_path), 0);

	KUNIT_EXPECT_EQ(test, rule(test, "+/machine.slice\n"), 0);
	KUNIT_EXPECT_EQ(test, rule(test, "+/machine.slice/vm1.scope cap=512M"),
			0);
	KUNIT_EXPECT_EQ(test, rule(test, "+/ weight=50  cap=1G\n"), 0);
	utmem_kvm_policy_show(test->priv, buf);
	KUNIT_EXPECT_STREQ(test, buf,
			   "+/machine.slice weight=100\n"
			   "+/machine.slice/vm1.scope cap=536870912 weight=100\n"
			   "+/ cap=1073741824 weight=50\n");
	/* Written again, a rule is replaced in place. */
	KUNIT_EXPECT_EQ(test, rule(test, "+/machine.slice weight=300"), 0);
	KUNIT_EXPECT_EQ(test, rule(test, "-/"), 0);
	utmem_kvm_policy_show(test->priv, buf);
	KUNIT_EXPECT_STREQ(test, buf,
			   "+/machine.slice weight=300\n"
			   "+/machine.slice/vm1.scope cap=536870912 weight=100\n");
}

static void rules_limit_test(struct kunit *test)
{
	struct utmem_kvm_policy *policy = test->priv;
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char cmd[UTMEM_KVM_RULE_PATH_MAX + 64];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* The longest rules there can be all fit the sysfs page. */
	for (i = 0; i < UTMEM_KVM_RULES_MAX; i++) {
		snprintf(cmd, sizeof(cmd), "+/%0*d cap=%llu weight=10000",
			 UTMEM_KVM_RULE_PATH_MAX - 1, i,
			 UTMEM_HOST_CAPACITY_MAX);
		KUNIT_ASSERT_EQ(test, rule(test, cmd), 0);
	}
	KUNIT_EXPECT_EQ(test, rule(test, "+/one/more"), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rule(test, cmd), 0);
	KUNIT_EXPECT_LT(test, utmem_kvm_policy_show(policy, buf),
			(ssize_t)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, policy->nr_rules, UTMEM_KVM_RULES_MAX);
}

static void rules_match_test(struct kunit *test)
{
	static const struct {
		const char *cgroup;
		bool served;
		u64 cap;
	} cases[] = {
		{ "/machine.slice/vm1.scope", true, 1 << 20 },
		{ "/machine.slice/vm1.scope/libvirt/vcpu0", true, 1 << 20 },
		{ "/machine.slice/vm10.scope", true, 0 },
		{ "/machine.slice", true, 0 },
		{ "/machine.slicer/vm1.scope", false, 0 },
		{ "/user.slice", false, 0 },
		{ "/", false, 0 },
	};
	struct utmem_kvm_rule r;
	int i;

	KUNIT_EXPECT_FALSE(test, utmem_kvm_policy_match(test->priv, "/a", &r));
	KUNIT_ASSERT_EQ(test, rule(test, "+/machine.slice weight=20"), 0);
	KUNIT_ASSERT_EQ(test, rule(test, "+/machine.slice/vm1.scope cap=1M"),
			0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0, sizeof(r));
		KUNIT_EXPECT_EQ_MSG(test,
				    utmem_kvm_policy_match(test->priv,
							   cases[i].cgroup, &r),
				    cases[i].served, "%s", cases[i].cgroup);
		if (cases[i].served)
			KUNIT_EXPECT_EQ_MSG(test, r.cap, cases[i].cap, "%s",
					    cases[i].cgroup);
	}
	KUNIT_ASSERT_TRUE(test, utmem_kvm_policy_match(test->priv,
						       "/machine.slice/x", &r));
	KUNIT_EXPECT_EQ(test, r.weight, 20);
	/* "/" covers every VM; removed, they are refused again. */
	KUNIT_ASSERT_EQ(test, rule(test, "+/"), 0);
	KUNIT_EXPECT_TRUE(test, utmem_kvm_policy_match(test->priv, "/user.slice",
						       &r));
	KUNIT_ASSERT_EQ(test, rule(test, "-/"), 0);
	KUNIT_EXPECT_FALSE(test, utmem_kvm_policy_match(test->priv,
							"/user.slice", &r));
}

static void fair_share_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, utmem_kvm_fair_share(1000, 100, 0), 1000);
	KUNIT_EXPECT_EQ(test, utmem_kvm_fair_share(1000, 100, 100), 1000);
	KUNIT_EXPECT_EQ(test, utmem_kvm_fair_share(1000, 100, 400), 250);
	KUNIT_EXPECT_EQ(test, utmem_kvm_fair_share(900, 200, 300), 600);
	KUNIT_EXPECT_EQ(test,
			utmem_kvm_fair_share(UTMEM_HOST_CAPACITY_MAX,
					     UTMEM_HOST_WEIGHT_MAX,
					     2 * UTMEM_HOST_WEIGHT_MAX),
			UTMEM_HOST_CAPACITY_MAX / 2);
}

static struct kunit_case tmem_kvm_policy_cases[] = {
	KUNIT_CASE(rules_parse_test),
	KUNIT_CASE(rules_limit_test),
	KUNIT_CASE(rules_match_test),
	KUNIT_CASE(fair_share_test),
	{}
};

static struct kunit_suite tmem_kvm_policy_suite = {
	.name = "tmem_kvm_policy",
	.init = policy_init,
	.exit = policy_exit,
	.test_cases = tmem_kvm_policy_cases,
};

kunit_test_suites(&tmem_kvm_guest_suite, &tmem_kvm_host_suite,
		  &tmem_kvm_policy_suite);

MODULE_DESCRIPTION("KUnit tests for utmem's KVM binding");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
