/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the KVM binding: requests decoded and served by
 * kvm_host_req.c, which knows nothing of KVM (so that KUnit can feed it
 * from a fake guest memory), and kvm_host.c, the glue that KVM calls.
 */
#ifndef _UTMEM_KVM_SERVE_H
#define _UTMEM_KVM_SERVE_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <uapi/linux/utmem_kvm.h>

struct utmem_host_client;

/**
 * struct utmem_kvm_mem - a guest's memory, as the request handler sees it
 * @read: copies @len bytes at guest-physical @gpa into @dst
 * @write: copies @len bytes from @src to guest-physical @gpa
 * @gfp: how the handler allocates while serving this guest: GFP_KERNEL
 *	flags for a vCPU thread; the tests that serve a guest inside its
 *	own atomic section give GFP_NOWAIT
 *
 * Both return 0 or -EFAULT when any byte of the range is not guest
 * memory (or not writable); they may sleep.
 */
struct utmem_kvm_mem {
	int (*read)(struct utmem_kvm_mem *mem, u64 gpa, void *dst, u32 len);
	int (*write)(struct utmem_kvm_mem *mem, u64 gpa, const void *src,
		     u32 len);
	gfp_t gfp;
};

/**
 * struct utmem_kvm_vm - one VM, as the handler sees it
 * @client: its client of the pool engine
 * @abi_version: the version agreed at its last PROBE
 *	(%UTMEM_KVM_ABI_VERSION_MIN before one)
 * @enabled: the host's operator lets it in (a rule for its cgroup):
 *	while false, it is treated as if @server->enabled were
 * @probes: its PROBEs, each a fresh start
 * @bound: its guest bound here: it PROBEd, or its pools were restored
 *	here with the version it agreed elsewhere.  Until then every
 *	request but PROBE is answered LOST: a VM that resumes on this host
 *	without its pools must not find other pools at their ids.
 */
struct utmem_kvm_vm {
	struct utmem_host_client *client;
	u32 abi_version;
	bool enabled;
	atomic64_t probes;
	bool bound;
};

/**
 * struct utmem_kvm_server - what the handler shares between all VMs
 * @enabled: VMs are served: while false, PROBE is answered PERM and
 *	NEW_POOL and PUTs REFUSED, while what VMs hold can still be read
 *	and flushed
 * @abi_min: the oldest ABI version it speaks
 * @abi_max: the newest
 * @shared_pools: whether a VM may create or open a shared pool (a pool
 *	that every VM naming its UUID reaches)
 * @calls: requests per operation, whatever their answer
 * @malformed: requests the handler refused (INVAL) for their layout or
 *	for an address outside the guest's memory, not counting the
 *	engine's own INVAL answers (a shared pool's flags, say)
 * @not_enabled: requests (or batch entries) refused because VMs are not
 *	served (@enabled false), a VM's first request included
 * @lost: requests answered LOST: from VMs that resumed here without
 *	their pools
 */
struct utmem_kvm_server {
	bool enabled;
	u32 abi_min;
	u32 abi_max;
	bool shared_pools;
	atomic64_t calls[UTMEM_KVM_OP_NR];
	atomic64_t malformed;
	atomic64_t not_enabled;
	atomic64_t lost;
};

/* A server speaking every version of this tree, serving no VM yet. */
static inline void utmem_kvm_server_init(struct utmem_kvm_server *server)
{
	server->abi_min = UTMEM_KVM_ABI_VERSION_MIN;
	server->abi_max = UTMEM_KVM_ABI_VERSION;
}

/* A VM before its first PROBE. */
static inline void utmem_kvm_vm_init(struct utmem_kvm_vm *vm,
				     struct utmem_host_client *client,
				     bool enabled)
{
	vm->client = client;
	vm->abi_version = UTMEM_KVM_ABI_VERSION_MIN;
	vm->enabled = enabled;
	atomic64_set(&vm->probes, 0);
	vm->bound = false;
}

/* Whether @vm is served; counts a refusal when not. */
static inline bool utmem_kvm_serving(struct utmem_kvm_server *server,
				     struct utmem_kvm_vm *vm)
{
	if (READ_ONCE(server->enabled) && READ_ONCE(vm->enabled))
		return true;
	atomic64_inc(&server->not_enabled);
	return false;
}

extern const char *const utmem_kvm_op_names[UTMEM_KVM_OP_NR];

u32 utmem_kvm_serve(struct utmem_kvm_server *server, struct utmem_kvm_vm *vm,
		    struct utmem_kvm_mem *mem, u64 gpa, u64 size);

#endif /* _UTMEM_KVM_SERVE_H */
