// SPDX-License-Identifier: GPL-2.0
/*
 * The host's handler of KVM_HC_UTMEM requests: reads a request from guest
 * memory, checks it, serves it from the VM's client of the pool engine
 * (host/host_engine.c, the same engine the simulator uses) and writes the
 * answers back.
 *
 * The guest is not trusted: every field is checked before it is used,
 * every guest address goes through the accessors of struct utmem_kvm_mem
 * (which refuse anything outside the guest's memory), and the only
 * host memory the guest's data touches is a bounce buffer of one value.
 * Fields an operation does not use must be zero, so that the ABI can
 * grow.  Nothing the engine holds changes on a request that is answered
 * INVAL, except where the kernel-doc of an operation says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "../host/host.h"
#include "kvm_serve.h"

const char *const utmem_kvm_op_names[UTMEM_KVM_OP_NR] = {
	[UTMEM_KVM_OP_PROBE] = "probe",
	[UTMEM_KVM_OP_NEW_POOL] = "new_pool",
	[UTMEM_KVM_OP_DESTROY_POOL] = "destroy_pool",
	[UTMEM_KVM_OP_PUT] = "put",
	[UTMEM_KVM_OP_GET] = "get",
	[UTMEM_KVM_OP_FLUSH_PAGE] = "flush_page",
	[UTMEM_KVM_OP_FLUSH_OBJECT] = "flush_object",
	[UTMEM_KVM_OP_FLUSH_POOL] = "flush_pool",
	[UTMEM_KVM_OP_PUT_BATCH] = "put_batch",
	[UTMEM_KVM_OP_POOL_INFO] = "pool_info",
};

/* The fields of struct utmem_kvm_req that each operation reads. */
#define F_POOL		BIT(0)
#define F_FLAGS		BIT(1)
#define F_LEN		BIT(2)
#define F_HANDLE	BIT(3)
#define F_OID		BIT(4)	/* the handle's oid only */
#define F_BUF		BIT(5)

static const u8 op_fields[UTMEM_KVM_OP_NR] = {
	[UTMEM_KVM_OP_PROBE] = F_LEN,
	[UTMEM_KVM_OP_NEW_POOL] = F_FLAGS | F_BUF,
	[UTMEM_KVM_OP_DESTROY_POOL] = F_POOL,
	[UTMEM_KVM_OP_PUT] = F_POOL | F_HANDLE | F_BUF | F_LEN,
	[UTMEM_KVM_OP_GET] = F_POOL | F_HANDLE | F_BUF | F_LEN,
	[UTMEM_KVM_OP_FLUSH_PAGE] = F_POOL | F_HANDLE,
	[UTMEM_KVM_OP_FLUSH_OBJECT] = F_POOL | F_OID,
	[UTMEM_KVM_OP_FLUSH_POOL] = F_POOL,
	[UTMEM_KVM_OP_PUT_BATCH] = F_POOL | F_BUF | F_LEN,
	[UTMEM_KVM_OP_POOL_INFO] = F_POOL | F_BUF | F_LEN,
};

static const struct tmem_handle zero_handle;

/* The wire layout (linux/utmem_kvm.h): the same on every architecture. */
static_assert(sizeof(struct tmem_handle) == 32);
static_assert(sizeof(struct utmem_kvm_req) == 64);
static_assert(sizeof(struct utmem_kvm_batch_entry) == 48);
static_assert(sizeof(struct tmem_pool_info) == 48);

/*
 * The handler's own refusal of a request (its layout, or an address
 * outside the guest): answered INVAL like the engine's INVAL, but counted
 * and logged apart, since no well-behaved guest sends one.
 */
#define MALFORMED	TMEM_STATUS_NR

/* Unused fields are zero; the handle's reserved word always is. */
static bool req_well_formed(const struct utmem_kvm_req *req)
{
	u8 f;

	if (req->op >= UTMEM_KVM_OP_NR || req->wanted || req->reserved)
		return false;
	f = op_fields[req->op];
	if ((!(f & F_POOL) && req->pool_id) ||
	    (!(f & F_FLAGS) && req->flags) ||
	    (!(f & F_LEN) && req->len) ||
	    (!(f & F_BUF) && req->buf))
		return false;
	if (f & F_HANDLE)
		return !req->handle.reserved;
	if (f & F_OID)
		return !req->handle.index && !req->handle.reserved;
	return !memcmp(&req->handle, &zero_handle, sizeof(zero_handle));
}

static u32 st(tmem_status_t status)
{
	return (__force u32)status;
}

/*
 * A new pool whose id cannot be written back would be unreachable: it is
 * destroyed again, and the request fails.
 */
static u32 serve_new_pool(struct utmem_kvm_server *server,
			  struct utmem_kvm_vm *vm, struct utmem_kvm_mem *mem,
			  u64 gpa, struct utmem_kvm_req *req)
{
	struct utmem_host_client *client = vm->client;
	tmem_status_t status;
	uuid_t uuid;
	u32 id;

	if (req->flags & ~TMEM_POOL_FLAGS_ALL)
		return MALFORMED;
	if (req->flags & TMEM_POOL_SHARED) {
		if (!server->shared_pools)
			return TMEM_STATUS_PERM;
		if (mem->read(mem, req->buf, &uuid, sizeof(uuid)))
			return MALFORMED;
	} else if (req->buf) {
		return MALFORMED;
	}
	if (!utmem_kvm_serving(server, vm))
		return TMEM_STATUS_REFUSED;
	status = utmem_host_new_pool(client, req->flags,
				     req->flags & TMEM_POOL_SHARED ? &uuid : NULL,
				    &id);
	if (status != TMEM_S_OK)
		return st(status);
	req->pool_id = id;
	if (mem->write(mem, gpa, req, sizeof(*req))) {
		utmem_host_destroy_pool(client, id);
		return MALFORMED;
	}
	return TMEM_STATUS_OK;
}

static u32 serve_put(struct utmem_kvm_server *server, struct utmem_kvm_vm *vm,
		     struct utmem_kvm_mem *mem, const struct utmem_kvm_req *req,
		     void *bounce)
{
	if (req->len > TMEM_VALUE_MAX)
		return TMEM_STATUS_TOOBIG;
	if (mem->read(mem, req->buf, bounce, req->len))
		return MALFORMED;
	if (!utmem_kvm_serving(server, vm))
		return TMEM_STATUS_REFUSED;
	return st(utmem_host_put(vm->client, req->pool_id, &req->handle, bounce,
				req->len));
}

/*
 * The value is copied out after the engine's GET: on an ephemeral pool
 * that GET has removed it, so a guest that names a buffer it cannot
 * receive into loses the value, as it may lose any ephemeral value.
 */
static u32 serve_get(struct utmem_host_client *client,
		     struct utmem_kvm_mem *mem, u64 gpa,
		     struct utmem_kvm_req *req, void *bounce)
{
	tmem_status_t status;
	u32 len = 0;

	status = utmem_host_get(client, req->pool_id, &req->handle, bounce,
				min_t(u32, req->len, TMEM_VALUE_MAX), &len);
	if (status == TMEM_S_OK && mem->write(mem, req->buf, bounce, len))
		return MALFORMED;
	if (status != TMEM_S_OK && status != TMEM_S_TOOBIG)
		return st(status);
	req->len = len;
	if (mem->write(mem, gpa, req, sizeof(*req)))
		return MALFORMED;
	return st(status);
}

/*
 * The entries are written back unchanged before any value is stored: an
 * array the guest cannot receive statuses in is refused while nothing
 * has happened yet.
 */
static u32 serve_put_batch(struct utmem_kvm_server *server,
			   struct utmem_kvm_vm *vm, struct utmem_kvm_mem *mem,
			   const struct utmem_kvm_req *req, void *bounce)
{
	struct utmem_host_client *client = vm->client;
	struct utmem_kvm_batch_entry *ent;
	struct tmem_pool_info info;
	u32 size, i, ret = MALFORMED;

	if (!req->len || req->len > UTMEM_KVM_BATCH_MAX)
		return MALFORMED;
	/* As the engine would answer for the first entry, before any read. */
	if (utmem_host_pool_info(client, req->pool_id, &info) != TMEM_S_OK)
		return TMEM_STATUS_BADPOOL;
	size = req->len * sizeof(*ent);
	ent = kmalloc(size, mem->gfp);
	if (!ent)
		return TMEM_STATUS_NOMEM;
	if (mem->read(mem, req->buf, ent, size))
		goto out;
	for (i = 0; i < req->len; i++) {
		if (ent[i].handle.reserved || ent[i].len > TMEM_VALUE_MAX)
			goto out;
	}
	if (mem->write(mem, req->buf, ent, size))
		goto out;
	for (i = 0; i < req->len; i++) {
		if (mem->read(mem, ent[i].buf, bounce, ent[i].len)) {
			ent[i].status = TMEM_STATUS_INVAL;
			continue;
		}
		if (!utmem_kvm_serving(server, vm)) {
			ent[i].status = TMEM_STATUS_REFUSED;
			continue;
		}
		ent[i].status = st(utmem_host_put(client, req->pool_id,
						  &ent[i].handle, bounce,
						 ent[i].len));
	}
	/* Checked writable above; a memslot change since is the guest's. */
	ret = mem->write(mem, req->buf, ent, size) ? MALFORMED :
						     TMEM_STATUS_OK;
out:
	kfree(ent);
	return ret;
}

static u32 serve_pool_info(struct utmem_host_client *client,
			   struct utmem_kvm_mem *mem,
			   const struct utmem_kvm_req *req)
{
	struct tmem_pool_info info;
	tmem_status_t status;

	if (req->len != sizeof(info))
		return MALFORMED;
	status = utmem_host_pool_info(client, req->pool_id, &info);
	if (status != TMEM_S_OK)
		return st(status);
	return mem->write(mem, req->buf, &info, sizeof(info)) ?
	       MALFORMED : TMEM_STATUS_OK;
}

/*
 * A PROBE is a guest kernel starting: whatever the VM held before is a
 * previous kernel's, and goes, whether or not this one is let in.
 */
static u32 serve_probe(struct utmem_kvm_server *server,
		       struct utmem_kvm_vm *vm, struct utmem_kvm_mem *mem,
		       u64 gpa, struct utmem_kvm_req *req)
{
	u32 version = req->len;
	bool known = version >= server->abi_min && version <= server->abi_max;

	atomic64_inc(&vm->probes);
	WRITE_ONCE(vm->bound, false);
	utmem_host_client_reset(vm->client);
	req->len = known ? version : server->abi_max;
	if (mem->write(mem, gpa, req, sizeof(*req)))
		return MALFORMED;
	if (!known)
		return TMEM_STATUS_INVAL;
	WRITE_ONCE(vm->abi_version, version);
	if (!utmem_kvm_serving(server, vm))
		return TMEM_STATUS_PERM;
	WRITE_ONCE(vm->bound, true);
	return TMEM_STATUS_OK;
}

static bool op_needs_bounce(u32 op)
{
	return op == UTMEM_KVM_OP_PUT || op == UTMEM_KVM_OP_GET ||
	       op == UTMEM_KVM_OP_PUT_BATCH;
}

static u32 serve(struct utmem_kvm_server *server, struct utmem_kvm_vm *vm,
		 struct utmem_kvm_mem *mem, u64 gpa, struct utmem_kvm_req *req,
		 void *bounce)
{
	struct utmem_host_client *client = vm->client;

	if (req->op != UTMEM_KVM_OP_PROBE && !READ_ONCE(vm->bound)) {
		atomic64_inc(&server->lost);
		pr_warn_ratelimited("client %u: a request from a guest that bound elsewhere: LOST (it was moved here without its pools)\n",
				    client->id);
		return TMEM_STATUS_LOST;
	}
	switch (req->op) {
	case UTMEM_KVM_OP_PROBE:
		return serve_probe(server, vm, mem, gpa, req);
	case UTMEM_KVM_OP_NEW_POOL:
		return serve_new_pool(server, vm, mem, gpa, req);
	case UTMEM_KVM_OP_DESTROY_POOL:
		return st(utmem_host_destroy_pool(client, req->pool_id));
	case UTMEM_KVM_OP_PUT:
		return serve_put(server, vm, mem, req, bounce);
	case UTMEM_KVM_OP_GET:
		return serve_get(client, mem, gpa, req, bounce);
	case UTMEM_KVM_OP_FLUSH_PAGE:
		return st(utmem_host_flush_page(client, req->pool_id,
					       &req->handle));
	case UTMEM_KVM_OP_FLUSH_OBJECT:
		return st(utmem_host_flush_object(client, req->pool_id,
						 &req->handle.oid));
	case UTMEM_KVM_OP_FLUSH_POOL:
		return st(utmem_host_flush_pool(client, req->pool_id));
	case UTMEM_KVM_OP_PUT_BATCH:
		return serve_put_batch(server, vm, mem, req, bounce);
	case UTMEM_KVM_OP_POOL_INFO:
		return serve_pool_info(client, mem, req);
	}
	return MALFORMED;
}

/*
 * From version 3, every answer but PROBE's says what the VM owes.  The
 * request was read from there: a failed write is a memslot the guest
 * changed since, and the guest's loss.
 */
static void write_wanted(struct utmem_kvm_vm *vm, struct utmem_kvm_mem *mem,
			 u64 gpa, u32 op)
{
	u32 wanted;

	if (op == UTMEM_KVM_OP_PROBE || READ_ONCE(vm->abi_version) < 3)
		return;
	wanted = min_t(unsigned long, utmem_host_wanted(vm->client), U32_MAX);
	if (wanted)
		mem->write(mem, gpa + offsetof(struct utmem_kvm_req, wanted),
			   &wanted, sizeof(wanted));
}

/**
 * utmem_kvm_serve() - answer one KVM_HC_UTMEM request
 * @server: the handler's settings and counters
 * @vm: the calling VM
 * @mem: the calling VM's memory
 * @gpa: where the guest put its struct utmem_kvm_req
 * @size: the size the guest gave for it
 *
 * May sleep, unless @mem->gfp does not and the request is no PROBE,
 * NEW_POOL or DESTROY_POOL.  Return: a TMEM_STATUS_*, for the guest's RAX.
 */
u32 utmem_kvm_serve(struct utmem_kvm_server *server, struct utmem_kvm_vm *vm,
		    struct utmem_kvm_mem *mem, u64 gpa, u64 size)
{
	struct utmem_kvm_req req;
	void *bounce = NULL;
	u32 op = U32_MAX;	/* for the log: the request was not read */
	u32 ret;

	if (size != sizeof(req) || mem->read(mem, gpa, &req, sizeof(req))) {
		ret = MALFORMED;
		goto count;
	}
	op = req.op;
	if (req.op < UTMEM_KVM_OP_NR)
		atomic64_inc(&server->calls[req.op]);
	if (!req_well_formed(&req)) {
		ret = MALFORMED;
		goto count;
	}
	if (op_needs_bounce(req.op)) {
		bounce = kmalloc(TMEM_VALUE_MAX, mem->gfp);
		if (!bounce)
			return TMEM_STATUS_NOMEM;
	}
	ret = serve(server, vm, mem, gpa, &req, bounce);
	kfree(bounce);
	if (ret != MALFORMED)
		write_wanted(vm, mem, gpa, op);
count:
	if (ret != MALFORMED)
		return ret;
	atomic64_inc(&server->malformed);
	pr_warn_ratelimited("client %u: malformed request (op %u) at %#llx refused\n",
			    vm->client->id, op, gpa);
	return TMEM_STATUS_INVAL;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_serve);
