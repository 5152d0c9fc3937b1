// SPDX-License-Identifier: GPL-2.0
/*
 * What a VM stores on its host is charged to its VMM's memory cgroup (the
 * memcg of the kvm->mm owner), byte for byte, records included: the
 * engine mirrors every change of what the VM is charged into the account
 * below (struct utmem_host_account_ops).  So memory.current shows it (as
 * kernel memory, memory.stat's "kernel"), memory.max bounds the VMM and
 * its stored pages together, and the OOM killer sees both.
 *
 * A PUT over the limit is refused, not an OOM kill: the charge is tried
 * without reclaim (GFP_NOWAIT), and fails when the cgroup is at its
 * memory.max; the guest's page then goes to its swap device.  What the
 * engine must charge without a choice (records a page takes over, a
 * shared pool changing owners) is forced, as the kernel forces atomic
 * allocations.  The cgroup is resolved once, when the VM first calls;
 * a VMM moved later stays charged where it began, as its other kernel
 * memory does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/kvm_host.h>
#include <linux/memcontrol.h>
#include <linux/rcupdate.h>

#include "../host/host.h"
#include "kvm_host_vm.h"

static bool memcg_charge(void *data, u64 bytes, bool force)
{
	gfp_t gfp = (force ? GFP_ATOMIC : GFP_NOWAIT) | __GFP_NOWARN;

	return !obj_cgroup_charge(data, gfp, bytes);
}

static void memcg_uncharge(void *data, u64 bytes)
{
	obj_cgroup_uncharge(data, bytes);
}

static const struct utmem_host_account_ops memcg_account_ops = {
	.charge = memcg_charge,
	.uncharge = memcg_uncharge,
};

/*
 * The memcg's object cgroup, or its nearest ancestor's while it goes
 * offline; none for the root cgroup, which has no limit to enforce.
 */
static struct obj_cgroup *objcg_of(struct mem_cgroup *memcg)
{
	struct obj_cgroup *objcg = NULL;

	rcu_read_lock();
	for (; memcg && !mem_cgroup_is_root(memcg);
	     memcg = parent_mem_cgroup(memcg)) {
		objcg = rcu_dereference(memcg->objcg);
		if (objcg && obj_cgroup_tryget(objcg))
			break;
		objcg = NULL;
	}
	rcu_read_unlock();
	return objcg;
}

/**
 * kvm_host_memcg_attach() - charge @vm to its VMM's memory cgroup
 * @vm: a new VM, holding nothing yet
 * @mm: its VMM's mm (kvm->mm)
 */
void kvm_host_memcg_attach(struct kvm_vm_client *vm, struct mm_struct *mm)
{
	struct mem_cgroup *memcg;

	if (mem_cgroup_disabled() || mem_cgroup_kmem_disabled())
		return;
	memcg = get_mem_cgroup_from_mm(mm);
	vm->objcg = objcg_of(memcg);
	mem_cgroup_put(memcg);
	if (vm->objcg)
		utmem_host_set_account(vm->client, &memcg_account_ops,
				       vm->objcg);
}

/* After the VM's client is gone, with everything it was charged. */
void kvm_host_memcg_detach(struct kvm_vm_client *vm)
{
	if (vm->objcg)
		obj_cgroup_put(vm->objcg);
	vm->objcg = NULL;
}
