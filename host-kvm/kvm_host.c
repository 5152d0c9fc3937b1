// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_UTMEM on the host: KVM's __kvm_emulate_hypercall() calls
 * utmem_kvm_hypercall() (patches/0005), which serves the request from one
 * pool engine shared by all VMs, each VM one client of it, created on its
 * first request and destroyed with the VM (utmem_kvm_destroy_vm(), called
 * by kvm_arch_destroy_vm() once the vCPUs are gone).
 *
 * The engine is the simulator's (host-sim/sim_engine.c): capacity,
 * per-client caps and weights, eviction of ephemeral pages, compression
 * and deduplication are the same code the guest-side tests run.  Its
 * debugfs directory, utmem/kvm-host/, shows each VM as clients/<id>/;
 * utmem/kvm-host/vms lists which VM (the VMM's pid) each client is.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/utmem_kvm_host.h>
#include <linux/xarray.h>

#include "../host-sim/sim.h"
#include "../guest/tmem/tmem_internal.h"
#include "kvm_host.h"

static char kvm_host_capacity[24];
module_param_string(kvm_host_capacity, kvm_host_capacity,
		    sizeof(kvm_host_capacity), 0444);
MODULE_PARM_DESC(kvm_host_capacity,
		 "Bytes of host memory for all KVM guests' pools, with K/M/G suffix (default: a quarter of RAM)");

static char kvm_vm_cap[24];
module_param_string(kvm_vm_cap, kvm_vm_cap, sizeof(kvm_vm_cap), 0444);
MODULE_PARM_DESC(kvm_vm_cap,
		 "Bytes one VM may be charged at most, with K/M/G suffix (default: no cap of its own)");

static bool kvm_shared_pools;
module_param(kvm_shared_pools, bool, 0444);
MODULE_PARM_DESC(kvm_shared_pools,
		 "Let VMs create shared pools, which every VM naming the same UUID reaches (default: off)");

/**
 * struct kvm_vm_client - one VM's state on the host
 * @client: its client of the engine
 * @pid: the VMM's pid when the VM first called, for the vms file
 * @hypercalls: its requests
 */
struct kvm_vm_client {
	struct utmem_sim_client *client;
	pid_t pid;
	atomic64_t hypercalls;
};

/* The guest memory of the vCPU making the request. */
struct kvm_vcpu_mem {
	struct utmem_kvm_mem mem;
	struct kvm_vcpu *vcpu;
};

/*
 * @vms maps a struct kvm to its kvm_vm_client.  Entries are added under
 * @vms_lock (two vCPUs may make a VM's first request at once) and erased
 * when the VM is destroyed, when none of its vCPUs can be in a request:
 * so a vCPU may look its VM up without a lock.
 */
static DEFINE_XARRAY(vms);
static DEFINE_MUTEX(vms_lock);
static struct utmem_sim_host *kvm_host;
static u64 vm_cap;
static struct utmem_kvm_server server;

static int vcpu_read(struct utmem_kvm_mem *mem, u64 gpa, void *dst, u32 len)
{
	struct kvm_vcpu *vcpu = container_of(mem, struct kvm_vcpu_mem, mem)->vcpu;

	return kvm_vcpu_read_guest(vcpu, gpa, dst, len) ? -EFAULT : 0;
}

static int vcpu_write(struct utmem_kvm_mem *mem, u64 gpa, const void *src,
		      u32 len)
{
	struct kvm_vcpu *vcpu = container_of(mem, struct kvm_vcpu_mem, mem)->vcpu;

	return kvm_vcpu_write_guest(vcpu, gpa, src, len) ? -EFAULT : 0;
}

static struct kvm_vm_client *vm_client_get(struct kvm *kvm)
{
	struct kvm_vm_client *vm;
	int err;

	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		return vm;

	mutex_lock(&vms_lock);
	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		goto unlock;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto unlock;
	vm->client = utmem_sim_client_create(kvm_host);
	if (!vm->client)
		goto free_vm;
	if (vm_cap)
		utmem_sim_set_cap(vm->client, vm_cap);
	vm->pid = task_tgid_nr(current);
	err = xa_err(xa_store(&vms, (unsigned long)kvm, vm, GFP_KERNEL));
	if (err)
		goto destroy_client;
	pr_info("VM of pid %d is client %u\n", vm->pid, vm->client->id);
	goto unlock;

destroy_client:
	utmem_sim_client_destroy(vm->client);
free_vm:
	kfree(vm);
	vm = NULL;
unlock:
	mutex_unlock(&vms_lock);
	return vm;
}

/**
 * utmem_kvm_hypercall() - serve one KVM_HC_UTMEM hypercall
 * @vcpu: the calling vCPU, in CPL 0 (KVM checked)
 * @gpa: a0, where the request is
 * @size: a1, the request's size
 *
 * Called by KVM in the vCPU's thread, preemptible.  Return: for the
 * guest's RAX, a TMEM_STATUS_*, or -KVM_ENOSYS when the host side is not
 * running (so that the guest refuses to bind).
 */
unsigned long utmem_kvm_hypercall(struct kvm_vcpu *vcpu, unsigned long gpa,
				  unsigned long size)
{
	struct kvm_vcpu_mem mem = {
		.mem = {
			.read = vcpu_read,
			.write = vcpu_write,
			.gfp = GFP_KERNEL_ACCOUNT,
		},
		.vcpu = vcpu,
	};
	struct kvm_vm_client *vm;

	if (!kvm_host)
		return -KVM_ENOSYS;
	vm = vm_client_get(vcpu->kvm);
	if (!vm)
		return TMEM_STATUS_NOMEM;
	atomic64_inc(&vm->hypercalls);
	return utmem_kvm_serve(&server, vm->client, &mem.mem, gpa, size);
}
EXPORT_SYMBOL_GPL(utmem_kvm_hypercall);

/**
 * utmem_kvm_destroy_vm() - free a VM's pools
 * @kvm: the VM, whose vCPUs are destroyed
 *
 * May sleep.
 */
void utmem_kvm_destroy_vm(struct kvm *kvm)
{
	struct kvm_vm_client *vm;

	mutex_lock(&vms_lock);
	vm = xa_erase(&vms, (unsigned long)kvm);
	mutex_unlock(&vms_lock);
	if (!vm)
		return;
	pr_info("VM of pid %d gone: client %u freed after %lld hypercalls\n",
		vm->pid, vm->client->id, atomic64_read(&vm->hypercalls));
	utmem_sim_client_destroy(vm->client);
	kfree(vm);
}
EXPORT_SYMBOL_GPL(utmem_kvm_destroy_vm);

/* One line per VM: client id, VMM pid, hypercalls, pages held. */
static int vms_show(struct seq_file *m, void *v)
{
	struct kvm_vm_client *vm;
	unsigned long index;

	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm) {
		seq_printf(m, "client %u pid %d hypercalls %lld pages %llu\n",
			   vm->client->id, vm->pid,
			   atomic64_read(&vm->hypercalls),
			   READ_ONCE(vm->client->pages));
	}
	mutex_unlock(&vms_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vms);

/* A size parameter; empty for the default (a quarter of RAM). */
static int parse_size(const char *name, const char *str, u64 *bytes)
{
	int err = utmem_sim_parse_capacity(str, bytes);

	if (err)
		pr_err("utmem.%s=%s is not a size up to %llu: not serving KVM guests\n",
		       name, str, UTMEM_SIM_CAPACITY_MAX);
	return err;
}

/**
 * utmem_kvm_host_init() - start serving KVM guests
 * @debugfs_root: utmem's debugfs directory
 *
 * Without it (a bad parameter, no memory) every hypercall answers
 * -KVM_ENOSYS and guests refuse to bind, which they log.
 */
void utmem_kvm_host_init(struct dentry *debugfs_root)
{
	struct dentry *dir, *calls;
	u64 capacity;
	int i;

	if (parse_size("kvm_host_capacity", kvm_host_capacity, &capacity))
		return;
	if (*kvm_vm_cap && parse_size("kvm_vm_cap", kvm_vm_cap, &vm_cap))
		return;
	server.shared_pools = kvm_shared_pools;
	kvm_host = utmem_sim_host_create(capacity);
	if (IS_ERR(kvm_host)) {
		pr_err("no pool engine for KVM guests: %pe\n", kvm_host);
		kvm_host = NULL;
		return;
	}
	dir = debugfs_create_dir("kvm-host", debugfs_root);
	utmem_sim_debugfs_init(kvm_host, dir);
	debugfs_create_file("vms", 0444, dir, NULL, &vms_fops);
	calls = debugfs_create_dir("hypercalls", dir);
	for (i = 0; i < UTMEM_KVM_OP_NR; i++)
		tmem_debugfs_create_counter(utmem_kvm_op_names[i], calls,
					    &server.calls[i]);
	tmem_debugfs_create_counter("malformed", calls, &server.malformed);
	pr_info("serving KVM guests: %llu bytes, %s per VM, shared pools %s\n",
		capacity, vm_cap ? kvm_vm_cap : "no cap",
		kvm_shared_pools ? "on" : "off");
}
