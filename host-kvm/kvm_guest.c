// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM hypercall binding of the tmem backend ops table, guest side:
 * each operation is marshalled into a struct utmem_kvm_req and made as
 * one KVM_HC_UTMEM hypercall (include/uapi/linux/utmem_kvm.h).
 *
 * The host reads the request and the value buffers by guest-physical
 * address, so they must be in the kernel's linear map, physically
 * contiguous.  The request, the batch array and a bounce buffer for
 * values that are not (vmalloc'ed or on a virtually mapped stack) live in
 * one buffer per CPU, used with preemption off: the data ops are called
 * in atomic context and must not sleep or allocate.  NEW_POOL and
 * DESTROY_POOL, which may sleep, use one more buffer under a mutex
 * instead, so that neither side of them runs with preemption off.
 *
 * Everything but the instruction itself is arch-independent, and every
 * hypercall goes through utmem_kvm_guest_hypercall(), which KUnit replaces
 * (kunit/tmem_kvm_kunit.c) to test the marshalling under UML.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm: " fmt

#include <linux/cc_platform.h>
#include <linux/debugfs.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/kvm_para.h>
#include <linux/local_lock.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <uapi/linux/utmem_kvm.h>

#include <utmem/debugfs.h>
#include "kvm_guest.h"

/**
 * struct kvm_guest_buf - one CPU's hypercall memory
 * @req: the request
 * @batch: PUT_BATCH's entries
 * @bounce: a value the host cannot reach where the caller keeps it
 */
struct kvm_guest_buf {
	struct utmem_kvm_req req;
	struct utmem_kvm_batch_entry batch[UTMEM_KVM_BATCH_MAX];
	u8 bounce[TMEM_VALUE_MAX];
};

/**
 * struct kvm_guest_cpu - per-CPU state
 * @lock: makes @buf this CPU's own while a hypercall is built and made
 * @buf: kmalloc'ed (the per-CPU area itself may be vmalloc'ed)
 */
struct kvm_guest_cpu {
	local_lock_t lock;
	struct kvm_guest_buf *buf;
};

static DEFINE_PER_CPU(struct kvm_guest_cpu, kvm_guest_cpu) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/* Hypercalls the host answered with something that is not a status. */
static atomic64_t kvm_guest_bad_answers;
/* The ABI version agreed with the host at the probe. */
static u32 kvm_guest_abi;
/* What the host last said it wants back, pages; and how often it changed. */
static atomic64_t kvm_guest_wanted;
static atomic64_t kvm_guest_wanted_changes;
/*
 * The host answered LOST: this VM was moved to it without its pools.
 * From then on no request reaches the host: every one is answered LOST
 * here, so that no pool id of ours can name a pool the host makes later.
 */
static atomic_t kvm_guest_lost;
/* Requests answered LOST, by the host or here. */
static atomic64_t kvm_guest_lost_answers;
/* Whether an instance is bound, and owns the per-CPU buffers. */
static atomic_t kvm_guest_bound;
/* The buffer of the ops that may sleep. */
static struct kvm_guest_buf *kvm_guest_slow_buf;
static DEFINE_MUTEX(kvm_guest_slow_lock);

/**
 * utmem_kvm_guest_hypercall() - the one place a KVM_HC_UTMEM hypercall is made
 * @gpa: guest-physical address of the request
 * @size: its size
 *
 * Return: what the host put in RAX: a TMEM_STATUS_* or -KVM_E*.
 */
VISIBLE_IF_KUNIT long utmem_kvm_guest_hypercall(u64 gpa, u64 size)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_kvm_guest_hypercall, gpa, size);
	return utmem_kvm_hypercall_arch(gpa, size);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_guest_hypercall);

/**
 * utmem_kvm_guest_on_kvm() - does this kernel run under KVM?
 *
 * The guest package binds the KVM backend by default, and may be booted
 * where there is no KVM host: on bare metal, under another hypervisor or
 * under QEMU without KVM.  There the hypercall would fault; the probe
 * says where it is instead of blaming a host that is not there.
 */
VISIBLE_IF_KUNIT bool utmem_kvm_guest_on_kvm(void)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_kvm_guest_on_kvm);
	return utmem_kvm_on_kvm_arch();
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_guest_on_kvm);

/**
 * utmem_kvm_guest_memory_encrypted() - is this a confidential guest?
 *
 * The host copies values out of and into the guest's memory.  In a guest
 * whose memory is encrypted against the host (AMD SEV, Intel TDX) it would
 * read ciphertext, or every value would have to cross in shared, clear
 * pages: what the guest encrypts its memory to keep from the host.
 */
VISIBLE_IF_KUNIT bool utmem_kvm_guest_memory_encrypted(void)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_kvm_guest_memory_encrypted);
	return cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT) ||
	       cc_platform_has(CC_ATTR_MEM_ENCRYPT);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_guest_memory_encrypted);

/**
 * utmem_kvm_status() - what a hypercall's answer means for the tmem core
 * @ret: the hypercall's return value
 *
 * Return: the host's status, or IO for -KVM_E* and for numbers that are
 * no status: a host must not make the guest see anything else.
 */
VISIBLE_IF_KUNIT tmem_status_t utmem_kvm_status(long ret)
{
	if (ret >= 0 && ret < TMEM_STATUS_NR)
		return (__force tmem_status_t)ret;
	atomic64_inc(&kvm_guest_bad_answers);
	pr_debug("hypercall answered %ld\n", ret);
	return TMEM_S_IO;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_status);

static struct kvm_guest_buf *buf_get(void)
{
	local_lock(&kvm_guest_cpu.lock);
	return this_cpu_read(kvm_guest_cpu.buf);
}

static void buf_put(void)
{
	local_unlock(&kvm_guest_cpu.lock);
}

static struct kvm_guest_buf *slow_buf_get(void)
{
	mutex_lock(&kvm_guest_slow_lock);
	return kvm_guest_slow_buf;
}

static void slow_buf_put(void)
{
	mutex_unlock(&kvm_guest_slow_lock);
}

static void bufs_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(kvm_guest_cpu, cpu).buf);
		per_cpu(kvm_guest_cpu, cpu).buf = NULL;
	}
	kfree(kvm_guest_slow_buf);
	kvm_guest_slow_buf = NULL;
}

static struct utmem_kvm_req *req_init(struct kvm_guest_buf *b, u32 op,
				      u32 pool_id)
{
	memset(&b->req, 0, sizeof(b->req));
	b->req.op = op;
	b->req.pool_id = pool_id;
	return &b->req;
}

/**
 * utmem_kvm_guest_abi_range() - the ABI versions this guest speaks
 * @min: out: the oldest
 * @max: out: the newest
 */
VISIBLE_IF_KUNIT void utmem_kvm_guest_abi_range(u32 *min, u32 *max)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_kvm_guest_abi_range, min, max);
	*min = UTMEM_KVM_ABI_VERSION_MIN;
	*max = UTMEM_KVM_ABI_VERSION;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_guest_abi_range);

/*
 * The host's answers carry the pages it wants back (version 3 and up):
 * a level, not a request each time.  Each change of it sets the tmem
 * core's reclaim to that level, which frontswap serves by writing pages
 * back to the swap device and flushing them; the flushes' answers bring
 * the level down.
 */
static void host_wants(u32 wanted)
{
	/* Read first: every hypercall comes here, from every CPU. */
	if (atomic64_read(&kvm_guest_wanted) == wanted ||
	    atomic64_xchg(&kvm_guest_wanted, wanted) == wanted)
		return;
	atomic64_inc(&kvm_guest_wanted_changes);
	tmem_host_wants(wanted);
}

/*
 * Once: the guest learns that its pools are gone.  What frontswap held
 * cannot be read from the swap device (those slots were never written
 * there): it fails to swap in, and its processes get SIGBUS, rather than
 * another page's data.
 */
static void pools_lost(void)
{
	if (atomic_xchg(&kvm_guest_lost, 1))
		return;
	pr_err("the host does not have this VM's pools: the VM was restored or migrated without them.  utmem stops: pages frontswap kept on the host are lost (processes that swap them in get SIGBUS), cleancache reads from disk, /dev/utmem calls fail with ESTALE.  Reboot to use utmem again.\n");
}

static tmem_status_t call(struct utmem_kvm_req *req)
{
	tmem_status_t status;
	long ret;

	if (atomic_read(&kvm_guest_lost)) {
		atomic64_inc(&kvm_guest_lost_answers);
		return TMEM_S_LOST;
	}
	ret = utmem_kvm_guest_hypercall(virt_to_phys(req), sizeof(*req));
	status = utmem_kvm_status(ret);
	if (status == TMEM_S_LOST) {
		atomic64_inc(&kvm_guest_lost_answers);
		pools_lost();
		return status;
	}
	if (kvm_guest_abi >= 3 && status != TMEM_S_IO)
		host_wants(req->wanted);
	return status;
}

/* Whether the host can reach [p, p + len) by guest-physical address. */
static bool linear(const void *p, u32 len)
{
	return virt_addr_valid(p) && (!len || virt_addr_valid(p + len - 1));
}

/* The guest-physical address of a value, bounced when it must be. */
static u64 value_gpa(struct kvm_guest_buf *b, const void *src, u32 len)
{
	if (linear(src, len))
		return __pa(src);
	memcpy(b->bounce, src, len);
	return virt_to_phys(b->bounce);
}

/*
 * Ask the host for each version this guest speaks, newest first, until it
 * accepts one (the highest both speak) or answers anything but "not that
 * version".  Return: the host's answer; @version is the one accepted,
 * @host_max the newest the host speaks when none was.
 */
static long negotiate(u32 *version, u32 *host_max)
{
	struct utmem_kvm_req *req;
	struct kvm_guest_buf *b;
	u32 min, max, v;
	long ret = TMEM_STATUS_INVAL;

	utmem_kvm_guest_abi_range(&min, &max);
	*host_max = 0;
	for (v = max; v >= min && v; v--) {
		b = slow_buf_get();
		req = req_init(b, UTMEM_KVM_OP_PROBE, 0);
		req->len = v;
		ret = utmem_kvm_guest_hypercall(virt_to_phys(req),
						sizeof(*req));
		*host_max = req->len;
		slow_buf_put();
		if (ret != TMEM_STATUS_INVAL)
			break;
	}
	*version = v;
	return ret;
}

static int kvm_probe(struct tmem_backend *be)
{
	struct kvm_guest_buf *b;
	unsigned int cpu;
	u32 version, host_max, min, max;
	long ret;
	int err;

	if (!utmem_kvm_guest_on_kvm()) {
		pr_err("not running on KVM (no KVM signature in CPUID: bare metal, another hypervisor, or QEMU without KVM): not binding; utmem.backend=none says there is no host\n");
		return -ENODEV;
	}
	if (utmem_kvm_guest_memory_encrypted()) {
		pr_err("guest memory is encrypted (SEV/TDX): the host cannot read it; not binding\n");
		return -EOPNOTSUPP;
	}
	/* The per-CPU buffers are this file's: one instance at a time. */
	if (atomic_xchg(&kvm_guest_bound, 1))
		return -EBUSY;
	for_each_possible_cpu(cpu) {
		b = kmalloc(sizeof(*b), GFP_KERNEL);
		if (!b) {
			err = -ENOMEM;
			goto free;
		}
		per_cpu(kvm_guest_cpu, cpu).buf = b;
	}
	kvm_guest_slow_buf = kmalloc(sizeof(*b), GFP_KERNEL);
	if (!kvm_guest_slow_buf) {
		err = -ENOMEM;
		goto free;
	}

	ret = negotiate(&version, &host_max);
	if (ret == -KVM_ENOSYS) {
		pr_err("the host does not know KVM_HC_UTMEM: its kernel is not a utmem host (no utmem patches, or CONFIG_UTMEM_KVM_HOST off), or its host side failed to start (the host's log says why); not binding\n");
		err = -ENODEV;
		goto free;
	}
	if (ret < 0) {
		pr_err("the host refused KVM_HC_UTMEM (%ld): not binding\n",
		       ret);
		err = -ENODEV;
		goto free;
	}
	if (ret == TMEM_STATUS_PERM) {
		pr_err("the host does not serve this VM: its operator has not enabled utmem for this VM (on the host: utmem.kvm_host_enabled and a rule in /sys/kernel/utmem/kvm_host/vm_rules); not binding\n");
		err = -EACCES;
		goto free;
	}
	if (ret != TMEM_STATUS_OK) {
		utmem_kvm_guest_abi_range(&min, &max);
		pr_err("no ABI version in common: this guest speaks %u..%u, the host up to %u (status %ld): not binding\n",
		       min, max, host_max, ret);
		err = -EPROTONOSUPPORT;
		goto free;
	}
	kvm_guest_abi = version;
	atomic_set(&kvm_guest_lost, 0);
	atomic64_set(&kvm_guest_wanted, 0);
	pr_info("bound with ABI version %u\n", version);
	if (be->debugfs) {
		utmem_debugfs_counter("bad_answers", be->debugfs,
				      &kvm_guest_bad_answers);
		utmem_debugfs_counter("host_wanted_changes", be->debugfs,
				      &kvm_guest_wanted_changes);
		debugfs_create_u32("abi_version", 0444, be->debugfs,
				   &kvm_guest_abi);
		utmem_debugfs_counter("host_wanted", be->debugfs,
				      &kvm_guest_wanted);
		utmem_debugfs_counter("lost_answers", be->debugfs,
				      &kvm_guest_lost_answers);
		utmem_kvm_bench_init(be);
	}
	return 0;

free:
	bufs_free();
	atomic_set(&kvm_guest_bound, 0);
	return err;
}

static void kvm_remove(struct tmem_backend *be)
{
	kvm_guest_abi = 0;
	bufs_free();
	atomic_set(&kvm_guest_bound, 0);
}

static tmem_status_t kvm_new_pool(struct tmem_backend *be, u32 flags,
				  const uuid_t *uuid, u32 *pool_id)
{
	struct utmem_kvm_req *req;
	struct kvm_guest_buf *b;
	tmem_status_t status;

	b = slow_buf_get();
	req = req_init(b, UTMEM_KVM_OP_NEW_POOL, 0);
	req->flags = flags;
	if (uuid)
		req->buf = value_gpa(b, uuid, sizeof(*uuid));
	status = call(req);
	*pool_id = req->pool_id;
	slow_buf_put();
	return status;
}

static tmem_status_t kvm_pool_op(u32 op, u32 pool_id,
				 const struct tmem_handle *h,
				 const struct tmem_oid *oid)
{
	struct utmem_kvm_req *req;
	tmem_status_t status;

	req = req_init(buf_get(), op, pool_id);
	if (h)
		req->handle = *h;
	if (oid)
		req->handle.oid = *oid;
	status = call(req);
	buf_put();
	return status;
}

static tmem_status_t kvm_destroy_pool(struct tmem_backend *be, u32 pool_id)
{
	tmem_status_t status;

	status = call(req_init(slow_buf_get(), UTMEM_KVM_OP_DESTROY_POOL,
			       pool_id));
	slow_buf_put();
	return status;
}

/* One PUT request in @b, this CPU's buffer; the caller checked @len. */
static tmem_status_t put_one(struct kvm_guest_buf *b, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			     u32 len)
{
	struct utmem_kvm_req *req = req_init(b, UTMEM_KVM_OP_PUT, pool_id);

	req->handle = *h;
	req->len = len;
	req->buf = value_gpa(b, src, len);
	return call(req);
}

static tmem_status_t kvm_put(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			     u32 len)
{
	tmem_status_t status;

	if (len > TMEM_VALUE_MAX)
		return TMEM_S_TOOBIG;
	status = put_one(buf_get(), pool_id, h, src, len);
	buf_put();
	return status;
}

static tmem_status_t kvm_get(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, void *dst, u32 size,
			     u32 *len)
{
	struct utmem_kvm_req *req;
	struct kvm_guest_buf *b;
	tmem_status_t status;
	bool direct;

	size = min_t(u32, size, TMEM_VALUE_MAX);
	direct = linear(dst, size);
	b = buf_get();
	req = req_init(b, UTMEM_KVM_OP_GET, pool_id);
	req->handle = *h;
	req->len = size;
	req->buf = virt_to_phys(direct ? dst : b->bounce);
	status = call(req);
	*len = req->len;
	/* A host must not make the guest copy more than it asked for. */
	if (status == TMEM_S_OK && req->len > size)
		status = TMEM_S_IO;
	if (status == TMEM_S_OK && !direct)
		memcpy(dst, b->bounce, req->len);
	buf_put();
	return status;
}

static tmem_status_t kvm_flush_page(struct tmem_backend *be, u32 pool_id,
				    const struct tmem_handle *h)
{
	return kvm_pool_op(UTMEM_KVM_OP_FLUSH_PAGE, pool_id, h, NULL);
}

static tmem_status_t kvm_flush_object(struct tmem_backend *be, u32 pool_id,
				      const struct tmem_oid *oid)
{
	return kvm_pool_op(UTMEM_KVM_OP_FLUSH_OBJECT, pool_id, NULL, oid);
}

static tmem_status_t kvm_flush_pool(struct tmem_backend *be, u32 pool_id)
{
	return kvm_pool_op(UTMEM_KVM_OP_FLUSH_POOL, pool_id, NULL, NULL);
}

/*
 * One hypercall for up to UTMEM_KVM_BATCH_MAX linear-mapped values; a
 * value the host cannot reach in place goes alone, through the bounce
 * buffer.  Returns the first non-OK request status, with the entries of
 * that chunk marked with it.
 */
static tmem_status_t kvm_put_chunk(struct kvm_guest_buf *b, u32 pool_id,
				   struct tmem_batch_entry *ent, u32 nr)
{
	struct utmem_kvm_req *req;
	tmem_status_t status;
	u32 i, n = 0;

	for (i = 0; i < nr; i++) {
		if (!linear(ent[i].src, ent[i].len))
			continue;
		b->batch[n] = (struct utmem_kvm_batch_entry) {
			.handle = ent[i].handle,
			.buf = __pa(ent[i].src),
			.len = ent[i].len,
		};
		n++;
	}
	if (n) {
		req = req_init(b, UTMEM_KVM_OP_PUT_BATCH, pool_id);
		req->len = n;
		req->buf = virt_to_phys(b->batch);
		status = call(req);
		if (status != TMEM_S_OK) {
			for (i = 0; i < nr; i++)
				ent[i].status = status;
			return status;
		}
	}
	for (i = 0, n = 0; i < nr; i++) {
		if (linear(ent[i].src, ent[i].len)) {
			ent[i].status = utmem_kvm_status(b->batch[n++].status);
			continue;
		}
		ent[i].status = put_one(b, pool_id, &ent[i].handle, ent[i].src,
					ent[i].len);
	}
	return TMEM_S_OK;
}

static tmem_status_t kvm_put_batch(struct tmem_backend *be, u32 pool_id,
				   struct tmem_batch_entry *ent, u32 nr)
{
	tmem_status_t status = TMEM_S_OK;
	struct kvm_guest_buf *b;
	u32 done, n;

	for (done = 0; done < nr && status == TMEM_S_OK; done += n) {
		n = min_t(u32, nr - done, UTMEM_KVM_BATCH_MAX);
		b = buf_get();
		status = kvm_put_chunk(b, pool_id, ent + done, n);
		buf_put();
	}
	/* Entries after a chunk the host refused as a whole were not sent. */
	for (; done < nr; done++)
		ent[done].status = status;
	return status;
}

static tmem_status_t kvm_pool_info(struct tmem_backend *be, u32 pool_id,
				   struct tmem_pool_info *info)
{
	struct utmem_kvm_req *req;
	struct kvm_guest_buf *b;
	tmem_status_t status;

	b = buf_get();
	req = req_init(b, UTMEM_KVM_OP_POOL_INFO, pool_id);
	req->len = sizeof(*info);
	req->buf = virt_to_phys(b->bounce);
	status = call(req);
	if (status == TMEM_S_OK)
		memcpy(info, b->bounce, sizeof(*info));
	buf_put();
	return status;
}

const struct tmem_backend_ops tmem_kvm_backend_ops = {
	.name = "kvm",
	.probe = kvm_probe,
	.remove = kvm_remove,
	.new_pool = kvm_new_pool,
	.destroy_pool = kvm_destroy_pool,
	.put = kvm_put,
	.get = kvm_get,
	.flush_page = kvm_flush_page,
	.flush_object = kvm_flush_object,
	.flush_pool = kvm_flush_pool,
	.put_batch = kvm_put_batch,
	.pool_info = kvm_pool_info,
};
EXPORT_SYMBOL_IF_KUNIT(tmem_kvm_backend_ops);
