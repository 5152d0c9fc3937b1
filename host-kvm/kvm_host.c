// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_UTMEM on the host.  KVM's __kvm_emulate_hypercall() hands the
 * hypercall to whatever registered with utmem_kvm_host_register()
 * (patches/0005, a hook in the core kernel, so that KVM may be a module):
 * this file registers at boot, whether or not this kernel is a tmem guest
 * too.  Requests are served from one pool engine shared by all VMs, each
 * VM one client of it, created on its first request and destroyed with
 * the VM (kvm_arch_destroy_vm() calls the hook once the vCPUs are gone).
 *
 * No VM is served until the host's operator says so: utmem.kvm_host_enabled
 * (/sys/module/utmem/parameters/kvm_host_enabled, default off).  While it
 * is off a VM's PROBE is answered PERM, so its guest refuses to bind and
 * logs why; turning it off later refuses new pools and PUTs, while GETs
 * and flushes of what VMs already hold go on, so no guest loses data.
 *
 * The engine is host/'s (host/host_engine.c): capacity, per-client caps
 * and weights, eviction of ephemeral pages, compression and deduplication
 * are the same code the guest-side tests run on the simulator, without
 * the simulator's latency model and carve-out.  Its
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

#include "../host/host.h"
#include <utmem/debugfs.h>
#include <utmem/sysfs.h>
#include "kvm_host_glue.h"
#include "kvm_serve.h"

static char kvm_host_capacity[24];
module_param_string(kvm_host_capacity, kvm_host_capacity,
		    sizeof(kvm_host_capacity), 0444);
MODULE_PARM_DESC(kvm_host_capacity,
		 "Bytes of host memory for all KVM guests' pools, with K/M/G suffix (default: a quarter of RAM)");

static char kvm_vm_cap[24];
module_param_string(kvm_vm_cap, kvm_vm_cap, sizeof(kvm_vm_cap), 0444);
MODULE_PARM_DESC(kvm_vm_cap,
		 "Bytes one VM may be charged at most, with K/M/G suffix (default: no cap of its own)");

static struct utmem_kvm_server server;

/* Logged, so that the host's log says when VMs started being served. */
static int enabled_set(const char *val, const struct kernel_param *kp)
{
	bool was = READ_ONCE(server.enabled);
	int err = param_set_bool(val, kp);

	if (err) {
		pr_err("kvm_host_enabled: '%.*s' is not a boolean\n",
		       (int)strcspn(val, "\n"), val);
		return err;
	}
	if (was == READ_ONCE(server.enabled))
		return 0;
	if (server.enabled)
		pr_info("serving VMs\n");
	else
		pr_info("VMs no longer served: no new pools or puts; what they hold stays readable\n");
	return 0;
}

static const struct kernel_param_ops enabled_ops = {
	.set = enabled_set,
	.get = param_get_bool,
};

module_param_cb(kvm_host_enabled, &enabled_ops, &server.enabled, 0644);
MODULE_PARM_DESC(kvm_host_enabled,
		 "Serve KVM guests' utmem hypercalls (default: off; writable at run time)");

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
	struct utmem_kvm_vm vm;
	struct utmem_host_client *client;
	pid_t pid;
	atomic64_t hypercalls;
};

/* The guest memory of the vCPU making the request. */
struct kvm_vcpu_mem {
	struct utmem_kvm_mem mem;
	struct kvm_vcpu *vcpu;
	const struct utmem_kvm_guest_access *access;
};

/*
 * @vms maps a struct kvm to its kvm_vm_client.  Entries are added under
 * @vms_lock (two vCPUs may make a VM's first request at once) and erased
 * when the VM is destroyed, when none of its vCPUs can be in a request:
 * so a vCPU may look its VM up without a lock.
 */
static DEFINE_XARRAY(vms);
static DEFINE_MUTEX(vms_lock);
static struct utmem_host *kvm_host;
static u64 vm_cap;

static int vcpu_read(struct utmem_kvm_mem *mem, u64 gpa, void *dst, u32 len)
{
	struct kvm_vcpu_mem *vm = container_of(mem, struct kvm_vcpu_mem, mem);

	return vm->access->read(vm->vcpu, gpa, dst, len) ? -EFAULT : 0;
}

static int vcpu_write(struct utmem_kvm_mem *mem, u64 gpa, const void *src,
		      u32 len)
{
	struct kvm_vcpu_mem *vm = container_of(mem, struct kvm_vcpu_mem, mem);

	return vm->access->write(vm->vcpu, gpa, src, len) ? -EFAULT : 0;
}

/*
 * The VM's client, made on its first request while VMs are served.
 * Return: the client, or ERR_PTR(-EACCES) when VMs are not served and the
 * VM has none, or ERR_PTR(-ENOMEM).
 */
static struct kvm_vm_client *vm_client_get(struct kvm *kvm)
{
	struct kvm_vm_client *vm;
	int err;

	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		return vm;
	if (!READ_ONCE(server.enabled)) {
		atomic64_inc(&server.not_enabled);
		return ERR_PTR(-EACCES);
	}

	mutex_lock(&vms_lock);
	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		goto unlock;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		vm = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	vm->client = utmem_host_client_create(kvm_host);
	if (!vm->client)
		goto free_vm;
	utmem_host_client_debugfs_add(vm->client);
	if (vm_cap)
		utmem_host_set_cap(vm->client, vm_cap);
	utmem_kvm_vm_init(&vm->vm, vm->client, true);
	vm->pid = task_tgid_nr(current);
	err = xa_err(xa_store(&vms, (unsigned long)kvm, vm, GFP_KERNEL));
	if (err)
		goto destroy_client;
	pr_info("VM of pid %d is client %u\n", vm->pid, vm->client->id);
	goto unlock;

destroy_client:
	utmem_host_client_destroy(vm->client);
free_vm:
	kfree(vm);
	vm = ERR_PTR(-ENOMEM);
unlock:
	mutex_unlock(&vms_lock);
	return vm;
}

/**
 * kvm_host_hypercall() - serve one KVM_HC_UTMEM hypercall
 * @vcpu: the calling vCPU, in CPL 0 (KVM checked)
 * @access: KVM's accessors of the vCPU's memory (KVM may be a module)
 * @gpa: a0, where the request is
 * @size: a1, the request's size
 *
 * Called by KVM in the vCPU's thread, preemptible.  Return: for the
 * guest's RAX, a TMEM_STATUS_*.
 */
static unsigned long
kvm_host_hypercall(struct kvm_vcpu *vcpu,
		   const struct utmem_kvm_guest_access *access,
		   unsigned long gpa, unsigned long size)
{
	struct kvm_vcpu_mem mem = {
		.mem = {
			.read = vcpu_read,
			.write = vcpu_write,
			.gfp = GFP_KERNEL_ACCOUNT,
		},
		.vcpu = vcpu,
		.access = access,
	};
	struct kvm_vm_client *vm;

	vm = vm_client_get(vcpu->kvm);
	if (IS_ERR(vm))
		return PTR_ERR(vm) == -EACCES ? TMEM_STATUS_PERM :
						TMEM_STATUS_NOMEM;
	atomic64_inc(&vm->hypercalls);
	return utmem_kvm_serve(&server, &vm->vm, &mem.mem, gpa, size);
}

/**
 * kvm_host_destroy_vm() - free a VM's pools
 * @kvm: the VM, whose vCPUs are destroyed
 *
 * May sleep.
 */
static void kvm_host_destroy_vm(struct kvm *kvm)
{
	struct kvm_vm_client *vm;

	mutex_lock(&vms_lock);
	vm = xa_erase(&vms, (unsigned long)kvm);
	mutex_unlock(&vms_lock);
	if (!vm)
		return;
	pr_info("VM of pid %d gone: client %u freed after %lld hypercalls\n",
		vm->pid, vm->client->id, atomic64_read(&vm->hypercalls));
	utmem_host_client_destroy(vm->client);
	kfree(vm);
}

static const struct utmem_kvm_host_ops kvm_host_ops = {
	.hypercall = kvm_host_hypercall,
	.destroy_vm = kvm_host_destroy_vm,
};

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

/*
 * sysfs kvm_host/: what the host holds for all VMs, and how many it
 * serves; the engine's and the hypercall handler's counters beside.
 */
static struct kobject *kvm_host_sysfs;

static ssize_t total_show(char *buf, const u64 *field)
{
	return sysfs_emit(buf, "%llu\n", utmem_host_read(kvm_host, field));
}

static ssize_t capacity_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &kvm_host->capacity);
}

static ssize_t used_bytes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &kvm_host->used);
}

static ssize_t raw_bytes_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &kvm_host->raw_bytes);
}

static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return total_show(buf, &kvm_host->pages);
}

static struct kobj_attribute capacity_bytes_attr = __ATTR_RO(capacity_bytes);
static struct kobj_attribute used_bytes_attr = __ATTR_RO(used_bytes);
static struct kobj_attribute raw_bytes_attr = __ATTR_RO(raw_bytes);
static struct kobj_attribute pages_attr = __ATTR_RO(pages);

static ssize_t vms_served_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct kvm_vm_client *vm;
	unsigned long index;
	unsigned int n = 0;

	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm)
		n++;
	mutex_unlock(&vms_lock);
	return sysfs_emit(buf, "%u\n", n);
}

static struct kobj_attribute vms_served_attr = __ATTR_RO(vms_served);

static struct attribute *kvm_host_attrs[] = {
	&capacity_bytes_attr.attr,
	&used_bytes_attr.attr,
	&raw_bytes_attr.attr,
	&pages_attr.attr,
	&vms_served_attr.attr,
	NULL,
};

static const struct attribute_group kvm_host_group = {
	.attrs = kvm_host_attrs,
};

static void kvm_host_sysfs_init(void)
{
	struct utmem_counter counters[UTMEM_HOST_NR_COUNTERS + 2];
	int i;

	for (i = 0; i < UTMEM_HOST_NR_COUNTERS; i++) {
		counters[i].name = utmem_host_counter_names[i];
		counters[i].counter = &kvm_host->counters[i];
	}
	counters[i].name = "hypercalls_malformed";
	counters[i++].counter = &server.malformed;
	counters[i].name = "hypercalls_not_enabled";
	counters[i++].counter = &server.not_enabled;
	kvm_host_sysfs = utmem_sysfs_add("kvm_host", counters, i,
					 &kvm_host_group);
	if (!kvm_host_sysfs)
		pr_warn("no /sys/kernel/utmem/kvm_host\n");
}

/* A size parameter; empty for the default (a quarter of RAM). */
static int parse_size(const char *name, const char *str, u64 *bytes)
{
	int err = utmem_host_parse_capacity(str, bytes);

	if (err)
		pr_err("utmem.%s=%s is not a size up to %llu: not serving KVM guests\n",
		       name, str, UTMEM_HOST_CAPACITY_MAX);
	return err;
}

/**
 * utmem_kvm_host_init() - be ready to serve KVM guests
 * @debugfs_root: utmem's debugfs directory
 *
 * The engine holds nothing until a VM is served, and takes no memory
 * from this kernel before.  Without the host side (a bad parameter, no
 * memory) KVM answers the hypercall -KVM_ENOSYS and guests refuse to
 * bind, which they log.
 *
 * Return: 0 or a negative errno, logged.
 */
int utmem_kvm_host_init(struct dentry *debugfs_root)
{
	struct dentry *dir, *calls;
	u64 capacity;
	int err, i;

	if (parse_size("kvm_host_capacity", kvm_host_capacity, &capacity))
		return -EINVAL;
	if (*kvm_vm_cap && parse_size("kvm_vm_cap", kvm_vm_cap, &vm_cap))
		return -EINVAL;
	utmem_kvm_server_init(&server);
	server.shared_pools = kvm_shared_pools;
	kvm_host = utmem_host_create(capacity);
	if (IS_ERR(kvm_host)) {
		err = PTR_ERR(kvm_host);
		pr_err("no pool engine for KVM guests: %pe\n", kvm_host);
		kvm_host = NULL;
		return err;
	}
	err = utmem_kvm_host_register(&kvm_host_ops);
	if (err) {
		pr_err("cannot register with KVM: %pe\n", ERR_PTR(err));
		utmem_host_destroy(kvm_host);
		kvm_host = NULL;
		return err;
	}
	dir = debugfs_create_dir("kvm-host", debugfs_root);
	utmem_host_debugfs_init(kvm_host, dir);
	debugfs_create_file("vms", 0444, dir, NULL, &vms_fops);
	calls = debugfs_create_dir("hypercalls", dir);
	for (i = 0; i < UTMEM_KVM_OP_NR; i++)
		utmem_debugfs_counter(utmem_kvm_op_names[i], calls,
				      &server.calls[i]);
	utmem_debugfs_counter("malformed", calls, &server.malformed);
	utmem_debugfs_counter("not_enabled", calls, &server.not_enabled);
	kvm_host_sysfs_init();
	pr_info("ready for KVM guests: %llu bytes, %s per VM, shared pools %s; %s\n",
		capacity, vm_cap ? kvm_vm_cap : "no cap",
		kvm_shared_pools ? "on" : "off",
		READ_ONCE(server.enabled) ? "serving VMs" :
		"no VM served until kvm_host_enabled is set");
	return 0;
}

/* No request is in flight once the hook is gone; then every VM's pools go. */
void utmem_kvm_host_exit(void)
{
	struct kvm_vm_client *vm;
	unsigned long index;

	utmem_kvm_host_unregister(&kvm_host_ops);
	utmem_sysfs_remove(kvm_host_sysfs);
	kvm_host_sysfs = NULL;
	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm) {
		xa_erase(&vms, index);
		utmem_host_client_destroy(vm->client);
		kfree(vm);
	}
	mutex_unlock(&vms_lock);
	/* With the kvm-host/ directory, where the engine's files are. */
	utmem_host_destroy(kvm_host);
	kvm_host = NULL;
}
