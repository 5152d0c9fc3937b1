// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_UTMEM on the host.  KVM's __kvm_emulate_hypercall() hands the
 * hypercall to whatever registered with utmem_kvm_host_register()
 * (patches/0005, a hook in the core kernel, so that KVM may be a module):
 * this file registers at boot, whether or not this kernel is a tmem guest
 * too.  Requests are served from one pool engine shared by all VMs, each
 * VM one client of it, created on its first request and destroyed with
 * the VM (kvm_arch_destroy_vm() calls the hook once the vCPUs are gone).
 * A VM's PROBE (its guest kernel starting) empties its client.
 *
 * The host's operator decides, and the guest cannot:
 * - utmem.kvm_host_enabled (/sys/module/utmem/parameters/, default off)
 *   switches serving on and off for all VMs;
 * - /sys/kernel/utmem/kvm_host/vm_rules says which VMs are served, by
 *   the cgroup of their VMM, with a cap of their own or a fair share of
 *   the host's capacity by weight (kvm_host_policy.c);
 * - /sys/kernel/utmem/kvm_host/vms/<id>/cap_bytes changes one VM's cap.
 * A VM not served has its PROBE answered PERM, so its guest refuses to
 * bind and logs why; a VM that stops being served gets new pools and
 * PUTs refused, while GETs and flushes of what it holds go on, so no
 * guest loses data.
 *
 * What a VM stores is charged to its VMM's memory cgroup
 * (kvm_host_memcg.c); the host kernel short of memory drops ephemeral
 * pages and asks VMs for persistent ones back (kvm_host_shrinker.c).
 *
 * The engine is host/'s (host/host_engine.c): capacity, caps and weights,
 * eviction of ephemeral pages, compression and deduplication are the
 * same code the guest-side tests run on the simulator, without the
 * simulator's latency model and carve-out.  Its debugfs directory,
 * utmem/kvm-host/, shows each VM as clients/<id>/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/rwsem.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/utmem_kvm_host.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../host/host.h"
#include <utmem/debugfs.h>
#include "kvm_host_glue.h"
#include "kvm_host_vm.h"

static char kvm_host_capacity[24];
module_param_string(kvm_host_capacity, kvm_host_capacity,
		    sizeof(kvm_host_capacity), 0444);
MODULE_PARM_DESC(kvm_host_capacity,
		 "Bytes of host memory for all KVM guests' pools, with K/M/G suffix (default: a quarter of RAM)");

struct utmem_kvm_server kvm_host_server;
struct utmem_kvm_policy kvm_host_policy;
struct utmem_host *utmem_kvm_engine;

/* Logged, so that the host's log says when VMs started being served. */
static int enabled_set(const char *val, const struct kernel_param *kp)
{
	bool was = READ_ONCE(kvm_host_server.enabled);
	int err = param_set_bool(val, kp);

	if (err) {
		pr_err("kvm_host_enabled: '%.*s' is not a boolean\n",
		       (int)strcspn(val, "\n"), val);
		return err;
	}
	if (was == READ_ONCE(kvm_host_server.enabled))
		return 0;
	if (kvm_host_server.enabled)
		pr_info("serving the VMs that vm_rules lets in\n");
	else
		pr_info("VMs no longer served: no new pools or puts; what they hold stays readable\n");
	return 0;
}

static const struct kernel_param_ops enabled_ops = {
	.set = enabled_set,
	.get = param_get_bool,
};

module_param_cb(kvm_host_enabled, &enabled_ops, &kvm_host_server.enabled,
		0644);
MODULE_PARM_DESC(kvm_host_enabled,
		 "Serve KVM guests' utmem hypercalls, to the VMs vm_rules lets in (default: off; writable at run time)");

static bool kvm_shared_pools;
module_param(kvm_shared_pools, bool, 0444);
MODULE_PARM_DESC(kvm_shared_pools,
		 "Let VMs create shared pools, which every VM naming the same UUID reaches (default: off)");

static unsigned int kvm_reclaim_grace_ms = UTMEM_HOST_RECLAIM_GRACE_MS;

static int grace_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;

	if (kstrtouint(val, 0, &ms) || ms > 3600 * MSEC_PER_SEC) {
		pr_err("kvm_reclaim_grace_ms: '%.*s' is not a number of milliseconds up to 3600000\n",
		       (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	kvm_reclaim_grace_ms = ms;
	if (utmem_kvm_engine)
		utmem_host_set_reclaim_grace(utmem_kvm_engine, msecs_to_jiffies(ms));
	return 0;
}

static const struct kernel_param_ops grace_ops = {
	.set = grace_set,
	.get = param_get_uint,
};

module_param_cb(kvm_reclaim_grace_ms, &grace_ops, &kvm_reclaim_grace_ms,
		0644);
MODULE_PARM_DESC(kvm_reclaim_grace_ms,
		 "Milliseconds a VM may owe pages the host asked back and still make persistent puts (default: 5000)");

/* Which compressor the engine gives new values; see utmem_host_set_compressor(). */
static int kvm_host_codec = UTMEM_HOST_CODEC_LZ4;

static int compressor_set(const char *val, const struct kernel_param *kp)
{
	int codec, err;

	if (sysfs_streq(val, "lz4")) {
		codec = UTMEM_HOST_CODEC_LZ4;
	} else if (sysfs_streq(val, "zstd")) {
		codec = UTMEM_HOST_CODEC_ZSTD;
	} else {
		pr_err("kvm_host_compressor: '%.*s' is neither lz4 nor zstd\n",
		       (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	if (utmem_kvm_engine) {
		err = utmem_host_set_compressor(utmem_kvm_engine, codec);
		if (err) {
			pr_err("kvm_host_compressor: cannot switch: %pe\n",
			       ERR_PTR(err));
			return err;
		}
	}
	kvm_host_codec = codec;
	return 0;
}

static int compressor_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n",
			  kvm_host_codec == UTMEM_HOST_CODEC_ZSTD ? "zstd" :
								   "lz4");
}

static const struct kernel_param_ops compressor_ops = {
	.set = compressor_set,
	.get = compressor_get,
};

module_param_cb(kvm_host_compressor, &compressor_ops, NULL, 0644);
MODULE_PARM_DESC(kvm_host_compressor,
		 "Compressor of new values: lz4 (default, faster) or zstd (smaller; about 1 MiB more per CPU); stored values keep theirs");

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
 * so a vCPU may look its VM up without a lock.  @vms_lock also orders
 * the changes of caps (rules, a VM's own cap, VMs coming and going).
 */
static DEFINE_XARRAY(vms);
static DEFINE_MUTEX(vms_lock);
/*
 * Pools restored for VMs that have not run yet (QEMU -incoming), each
 * taken by the first request of a VM of its VMM; under @vms_lock.  Those
 * whose VMM is gone are dropped by @pending_reap_work.
 */
static LIST_HEAD(vms_pending);
#define PENDING_MAX		64
#define PENDING_REAP_PERIOD	(10 * HZ)

static void pending_reap_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(pending_reap_work, pending_reap_fn);

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
 * Every VM's cap: its own, its rule's, or its fair share, the host's
 * capacity split by weight between the VMs served on a share.  A lowered
 * cap evicts the VM's ephemeral pages and asks its persistent excess
 * back (utmem_host_set_cap()).
 */
static void vm_set_cap(struct kvm_vm_client *vm, u64 capacity, u64 total)
{
	u64 cap;

	if (!vm->vm.enabled)
		cap = vm->own_cap;
	else
		cap = vm->own_cap ?: vm->rule.cap ?:
		      utmem_kvm_fair_share(capacity, vm->rule.weight,
					   total) ?: 1;
	utmem_host_set_weight(vm->client, vm->rule.weight);
	if (cap != vm->cap) {
		WRITE_ONCE(vm->cap, cap);
		utmem_host_set_cap(vm->client, cap);
	}
}

/* A VM whose pools were restored counts as served already. */
static void vms_rebalance_locked(void)
{
	struct kvm_vm_client *vm;
	unsigned long index;
	u64 total = 0, capacity;

	lockdep_assert_held(&vms_lock);
	xa_for_each(&vms, index, vm) {
		if (vm->vm.enabled && !vm->own_cap && !vm->rule.cap)
			total += vm->rule.weight;
	}
	list_for_each_entry(vm, &vms_pending, pending_node) {
		if (vm->vm.enabled && !vm->own_cap && !vm->rule.cap)
			total += vm->rule.weight;
	}
	capacity = utmem_host_read(utmem_kvm_engine, &utmem_kvm_engine->capacity);
	xa_for_each(&vms, index, vm)
		vm_set_cap(vm, capacity, total);
	list_for_each_entry(vm, &vms_pending, pending_node)
		vm_set_cap(vm, capacity, total);
}

static void vms_rebalance_fn(struct work_struct *work)
{
	mutex_lock(&vms_lock);
	vms_rebalance_locked();
	mutex_unlock(&vms_lock);
}

static DECLARE_WORK(vms_rebalance_work, vms_rebalance_fn);

/* What the rules say for @vm now; a VM no rule covers is not served. */
static void vm_apply_rules(struct kvm_vm_client *vm)
{
	struct utmem_kvm_rule rule = { .weight = UTMEM_HOST_WEIGHT_DEFAULT };
	bool enabled = vm->cgroup &&
		       utmem_kvm_policy_match(&kvm_host_policy, vm->cgroup,
					      &rule);

	vm->rule.cap = rule.cap;
	WRITE_ONCE(vm->rule.weight, rule.weight);
	if (enabled != vm->vm.enabled)
		pr_info("VM of pid %d (%s): %s\n", vm->pid,
			vm->cgroup ?: "no cgroup",
			enabled ? "served" : "not served: no rule in vm_rules covers its cgroup");
	WRITE_ONCE(vm->vm.enabled, enabled);
}

/* Called by kvm_host_sysfs.c after the operator changed vm_rules. */
void kvm_host_rules_changed(void)
{
	struct kvm_vm_client *vm;
	unsigned long index;

	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm)
		vm_apply_rules(vm);
	list_for_each_entry(vm, &vms_pending, pending_node)
		vm_apply_rules(vm);
	vms_rebalance_locked();
	mutex_unlock(&vms_lock);
}

/* A VM's cap_bytes file: a cap of its own, 0 for the rule's. */
int kvm_host_set_own_cap(struct kvm_vm_client *vm, u64 bytes)
{
	if (bytes > UTMEM_HOST_CAPACITY_MAX)
		return -EINVAL;
	mutex_lock(&vms_lock);
	vm->own_cap = bytes;
	vms_rebalance_locked();
	mutex_unlock(&vms_lock);
	return 0;
}

unsigned int kvm_host_vms_served(void)
{
	struct kvm_vm_client *vm;
	unsigned long index;
	unsigned int n = 0;

	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm)
		n += READ_ONCE(vm->vm.enabled);
	mutex_unlock(&vms_lock);
	return n;
}

/*
 * The cgroup of @task (a VMM thread), as under /sys/fs/cgroup: a VM's
 * rule is looked up by it.  NULL without memory for it.
 */
static char *vmm_cgroup_path(struct task_struct *task)
{
	struct cgroup *cgrp;
	char *path;
	int err;

	path = kmalloc(PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!path)
		return NULL;
	rcu_read_lock();
	cgrp = task_dfl_cgroup(task);
	cgroup_get(cgrp);
	rcu_read_unlock();
	err = cgroup_path_ns(cgrp, path, PATH_MAX, &init_cgroup_ns);
	cgroup_put(cgrp);
	if (err < 0 || err >= PATH_MAX) {
		kfree(path);
		return NULL;
	}
	return path;
}

/*
 * A VM's state, for the VMM process @task whose mm is @mm, before it is
 * on any list: the rules are looked up once here (and again when they
 * change), not on every request of a VM that is refused.
 * Return: the VM, or NULL without memory.
 */
static struct kvm_vm_client *vm_create(struct task_struct *task,
				       struct mm_struct *mm)
{
	struct kvm_vm_client *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;
	vm->client = utmem_host_client_create(utmem_kvm_engine);
	if (!vm->client) {
		kfree(vm);
		return NULL;
	}
	vm->pid = task_tgid_nr(task);
	vm->cgroup = vmm_cgroup_path(task);
	vm->mm = mm;
	init_rwsem(&vm->move_sem);
	INIT_LIST_HEAD(&vm->pending_node);
	utmem_kvm_vm_init(&vm->vm, vm->client, false);
	vm_apply_rules(vm);
	kvm_host_memcg_attach(vm, mm);
	utmem_host_client_debugfs_add(vm->client);
	kvm_host_vm_sysfs_add(vm);
	return vm;
}

/* No file of its sysfs directory runs once it is deleted: then it goes. */
static void vm_free(struct kvm_vm_client *vm)
{
	kvm_host_vm_sysfs_del(vm);
	down_write(&vm->move_sem);
	vm->gone = true;
	up_write(&vm->move_sem);
	utmem_host_client_destroy(vm->client);
	kvm_host_memcg_detach(vm);
	kvm_host_vm_put(vm);
}

/*
 * The pools restored for @kvm, taken off the pending list; or NULL.  Its
 * VMM calls (its first request, or its end): the pools are its process's
 * and its mm's.
 */
static struct kvm_vm_client *pending_take(struct kvm *kvm)
{
	struct kvm_vm_client *vm;

	lockdep_assert_held(&vms_lock);
	list_for_each_entry(vm, &vms_pending, pending_node) {
		if (vm->pid == task_tgid_nr(current) && vm->mm == kvm->mm &&
		    vm->restored) {
			list_del_init(&vm->pending_node);
			return vm;
		}
	}
	return NULL;
}

/*
 * The VM's state, on its first request: the pools restored for it, or
 * new.  Return: the VM, or ERR_PTR(-ENOMEM).
 */
static struct kvm_vm_client *vm_client_get(struct kvm *kvm)
{
	struct kvm_vm_client *vm;
	bool restored = false;
	int err;

	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		return vm;

	mutex_lock(&vms_lock);
	vm = xa_load(&vms, (unsigned long)kvm);
	if (vm)
		goto unlock;
	vm = pending_take(kvm);
	restored = vm;
	if (!vm)
		vm = vm_create(current, kvm->mm);
	if (!vm) {
		vm = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	err = xa_err(xa_store(&vms, (unsigned long)kvm, vm, GFP_KERNEL));
	if (err) {
		vm_free(vm);
		vm = ERR_PTR(-ENOMEM);
		goto unlock;
	}
	vms_rebalance_locked();
	pr_info("VM of pid %d (%s) is client %u, %s%s\n", vm->pid,
		vm->cgroup ?: "no cgroup", vm->client->id,
		vm->vm.enabled ? "served" : "not served: no rule in vm_rules covers its cgroup",
		restored ? ", with the pools restored for it" : "");
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

	unsigned long ret;

	vm = vm_client_get(vcpu->kvm);
	if (IS_ERR(vm))
		return TMEM_STATUS_NOMEM;
	atomic64_inc(&vm->hypercalls);
	down_read(&vm->move_sem);
	ret = utmem_kvm_serve(&kvm_host_server, &vm->vm, &mem.mem, gpa, size);
	up_read(&vm->move_sem);
	return ret;
}

/*
 * The pools restored for the VM of VMM process @pid, which has not run
 * since (a VM restored and migrated again before it called), referenced;
 * or NULL.
 */
static struct kvm_vm_client *pending_find(pid_t pid)
{
	struct kvm_vm_client *vm;

	lockdep_assert_held(&vms_lock);
	list_for_each_entry(vm, &vms_pending, pending_node) {
		if (vm->pid == pid && vm->restored) {
			kobject_get(&vm->kobj);
			return vm;
		}
	}
	return NULL;
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
	/*
	 * A VM that never called may have had pools restored for it: they
	 * go with it (its VMM is the one exiting, usually; the reaper
	 * finds the others).
	 */
	if (!vm)
		vm = pending_take(kvm);
	mutex_unlock(&vms_lock);
	if (!vm)
		return;
	pr_info("VM of pid %d gone: client %u freed after %lld hypercalls\n",
		vm->pid, vm->client->id, atomic64_read(&vm->hypercalls));
	vm_free(vm);
	/* Its share goes to the others. */
	schedule_work(&vms_rebalance_work);
}

/* The VM of VMM process @pid, referenced; or NULL. */
static struct kvm_vm_client *vm_find(pid_t pid)
{
	struct kvm_vm_client *vm;
	unsigned long index;

	lockdep_assert_held(&vms_lock);
	xa_for_each(&vms, index, vm) {
		if (vm->pid == pid) {
			kobject_get(&vm->kobj);
			return vm;
		}
	}
	return NULL;
}

/**
 * kvm_host_save() - write the pools of a VM as a stream
 * @pid: its VMM process
 * @flags: UTMEM_STREAM_*
 * @file: where the stream goes
 * @stats: out: what was written, or why not
 *
 * The VM's requests wait meanwhile, so that the stream is what it held
 * at one moment: it is meant to be paused.  A VM whose pools were
 * restored and that has not run since is saved from those.  May sleep.
 *
 * Return: 0; -ESRCH when no VM of @pid made a request; an export error.
 */
int kvm_host_save(pid_t pid, u32 flags, struct file *file,
		  struct utmem_host_stream_stats *stats)
{
	const struct utmem_host_stream_io io = {
		.write = kvm_host_stream_write,
		.ctx = file,
	};
	struct kvm_vm_client *vm;
	int err;

	mutex_lock(&vms_lock);
	vm = vm_find(pid) ?: pending_find(pid);
	mutex_unlock(&vms_lock);
	if (!vm)
		return utmem_host_stream_fail(stats, -ESRCH,
					      "no VM of pid %d uses utmem on this host",
					      pid);
	down_write(&vm->move_sem);
	if (vm->gone) {
		err = utmem_host_stream_fail(stats, -ESRCH,
					     "the VM of pid %d is gone", pid);
	} else {
		err = utmem_host_export(vm->client, vm->vm.abi_version, flags,
					&io, stats);
	}
	up_write(&vm->move_sem);
	if (!err)
		pr_info("VM of pid %d: pools saved: %llu pools, %llu values, %llu bytes\n",
			pid, stats->pools, stats->values, stats->bytes);
	kvm_host_vm_put(vm);
	return err;
}

/* Whether @vm's VMM process is gone; under vms_lock. */
static bool pending_orphan(struct kvm_vm_client *vm)
{
	struct task_struct *task;
	bool gone;

	rcu_read_lock();
	task = find_task_by_pid_ns(vm->pid, &init_pid_ns);
	gone = !task || task->mm != vm->mm;
	rcu_read_unlock();
	return gone;
}

static void pending_reap_fn(struct work_struct *work)
{
	struct kvm_vm_client *vm, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&vms_lock);
	list_for_each_entry_safe(vm, tmp, &vms_pending, pending_node) {
		if (vm->restored && pending_orphan(vm))
			list_move(&vm->pending_node, &gone);
	}
	if (!list_empty(&vms_pending))
		schedule_delayed_work(&pending_reap_work, PENDING_REAP_PERIOD);
	mutex_unlock(&vms_lock);
	list_for_each_entry_safe(vm, tmp, &gone, pending_node) {
		list_del_init(&vm->pending_node);
		pr_info("pools restored for pid %d dropped: its VMM is gone\n",
			vm->pid);
		vm_free(vm);
	}
}

/*
 * A VM for the VMM process @pid, on the pending list, not complete yet;
 * or an ERR_PTR with @stats->why.
 */
static struct kvm_vm_client *pending_add(pid_t pid,
					 struct utmem_host_stream_stats *stats)
{
	struct kvm_vm_client *vm, *other;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned int n = 0;
	int err;

	rcu_read_lock();
	task = find_task_by_pid_ns(pid, &init_pid_ns);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	mm = task ? get_task_mm(task) : NULL;
	if (!mm) {
		if (task)
			put_task_struct(task);
		return ERR_PTR(utmem_host_stream_fail(stats, -ESRCH,
						      "no process %d with memory: not a VMM",
						      pid));
	}
	mutex_lock(&vms_lock);
	vm = vm_find(pid);
	if (vm) {
		kvm_host_vm_put(vm);
		vm = ERR_PTR(utmem_host_stream_fail(stats, -EBUSY,
						    "the VM of pid %d has run already: restore before it resumes",
						    pid));
		goto unlock;
	}
	list_for_each_entry(other, &vms_pending, pending_node) {
		n++;
		if (other->pid == pid) {
			vm = ERR_PTR(utmem_host_stream_fail(stats, -EBUSY,
							    "pools are restored for pid %d already",
							    pid));
			goto unlock;
		}
	}
	if (n >= PENDING_MAX) {
		vm = ERR_PTR(utmem_host_stream_fail(stats, -EBUSY,
						    "%u restores wait for their VMs already",
						    n));
		goto unlock;
	}
	vm = vm_create(task, mm);
	if (!vm) {
		vm = ERR_PTR(utmem_host_stream_fail(stats, -ENOMEM,
						    "no memory"));
		goto unlock;
	}
	if (!vm->vm.enabled) {
		err = utmem_host_stream_fail(stats, -EPERM,
					     "no rule in vm_rules covers cgroup %s of pid %d",
					     vm->cgroup ?: "(none)", pid);
		vm_free(vm);
		vm = ERR_PTR(err);
		goto unlock;
	}
	list_add_tail(&vm->pending_node, &vms_pending);
	vms_rebalance_locked();
	schedule_delayed_work(&pending_reap_work, PENDING_REAP_PERIOD);
unlock:
	mutex_unlock(&vms_lock);
	mmput(mm);
	put_task_struct(task);
	return vm;
}

/**
 * kvm_host_restore() - fill the pools of a VM that has not run yet
 * @pid: its VMM process (QEMU -incoming, before "cont")
 * @file: where the stream comes from
 * @stats: out: what was read, or why it was refused
 *
 * The pools wait for the VM's first request; the VM's guest goes on with
 * the ABI version it agreed where it was saved.  A refused stream leaves
 * nothing.  May sleep.
 *
 * Return: 0 or a negative errno: -ESRCH, -EBUSY, -EPERM, an import error.
 */
int kvm_host_restore(pid_t pid, struct file *file,
		     struct utmem_host_stream_stats *stats)
{
	const struct utmem_host_stream_io io = {
		.read = kvm_host_stream_read,
		.ctx = file,
	};
	struct kvm_vm_client *vm;
	u32 abi;
	int err;

	vm = pending_add(pid, stats);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	err = utmem_host_import(vm->client, &abi, &io, stats);
	if (!err && (abi < kvm_host_server.abi_min ||
		     abi > kvm_host_server.abi_max))
		err = utmem_host_stream_fail(stats, -EPROTONOSUPPORT,
					     "the VM's guest speaks ABI version %u; this host %u..%u",
					     abi, kvm_host_server.abi_min,
					     kvm_host_server.abi_max);
	mutex_lock(&vms_lock);
	if (err) {
		list_del_init(&vm->pending_node);
		vms_rebalance_locked();
	} else {
		vm->vm.abi_version = abi;
		vm->vm.bound = true;
		vm->restored = true;
	}
	mutex_unlock(&vms_lock);
	if (err) {
		vm_free(vm);
		return err;
	}
	pr_info("pools restored for the VM of pid %d: %llu pools, %llu values, %llu bytes (%llu ephemeral values dropped)\n",
		pid, stats->pools, stats->values, stats->bytes, stats->dropped);
	return 0;
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
	utmem_kvm_server_init(&kvm_host_server);
	kvm_host_server.shared_pools = kvm_shared_pools;
	utmem_kvm_policy_init(&kvm_host_policy);
	utmem_kvm_engine = utmem_host_create(capacity);
	if (IS_ERR(utmem_kvm_engine)) {
		err = PTR_ERR(utmem_kvm_engine);
		pr_err("no pool engine for KVM guests: %pe\n", utmem_kvm_engine);
		utmem_kvm_engine = NULL;
		return err;
	}
	utmem_host_set_reclaim_grace(utmem_kvm_engine,
				     msecs_to_jiffies(kvm_reclaim_grace_ms));
	err = utmem_host_set_compressor(utmem_kvm_engine, kvm_host_codec);
	if (err) {
		pr_warn("kvm_host_compressor: no zstd (%pe): LZ4 it is\n",
			ERR_PTR(err));
		kvm_host_codec = UTMEM_HOST_CODEC_LZ4;
	}
	err = kvm_host_sysfs_init();
	if (err) {
		pr_err("no /sys/kernel/utmem/kvm_host, where VMs are enabled: %pe\n",
		       ERR_PTR(err));
		goto destroy_host;
	}
	err = kvm_host_shrinker_init();
	if (err) {
		pr_err("no shrinker: %pe\n", ERR_PTR(err));
		goto sysfs_exit;
	}
	err = utmem_kvm_host_register(&kvm_host_ops);
	if (err) {
		pr_err("cannot register with KVM: %pe\n", ERR_PTR(err));
		goto shrinker_exit;
	}
	dir = debugfs_create_dir("kvm-host", debugfs_root);
	utmem_host_debugfs_init(utmem_kvm_engine, dir);
	debugfs_create_file("vms", 0444, dir, NULL, &vms_fops);
	calls = debugfs_create_dir("hypercalls", dir);
	for (i = 0; i < UTMEM_KVM_OP_NR; i++)
		utmem_debugfs_counter(utmem_kvm_op_names[i], calls,
				      &kvm_host_server.calls[i]);
	utmem_debugfs_counter("malformed", calls, &kvm_host_server.malformed);
	utmem_debugfs_counter("not_enabled", calls,
			      &kvm_host_server.not_enabled);
	utmem_debugfs_counter("lost", calls, &kvm_host_server.lost);
	/* Without it VMs are served, but do not move with their pools. */
	err = kvm_host_move_init();
	if (err)
		pr_warn("no /dev/utmem-host: VMs cannot be saved or migrated with their pools: %pe\n",
			ERR_PTR(err));
	pr_info("ready for KVM guests: %llu bytes, ABI %u..%u, shared pools %s; %s\n",
		capacity, kvm_host_server.abi_min, kvm_host_server.abi_max,
		kvm_shared_pools ? "on" : "off",
		READ_ONCE(kvm_host_server.enabled) ?
		"serving the VMs vm_rules lets in" :
		"no VM served until kvm_host_enabled is set");
	return 0;

shrinker_exit:
	kvm_host_shrinker_exit();
sysfs_exit:
	kvm_host_sysfs_exit();
destroy_host:
	utmem_host_destroy(utmem_kvm_engine);
	utmem_kvm_engine = NULL;
	return err;
}

/* No request is in flight once the hook is gone; then every VM's pools go. */
void utmem_kvm_host_exit(void)
{
	struct kvm_vm_client *vm, *tmp;
	unsigned long index;

	kvm_host_move_exit();
	utmem_kvm_host_unregister(&kvm_host_ops);
	kvm_host_shrinker_exit();
	cancel_work_sync(&vms_rebalance_work);
	cancel_delayed_work_sync(&pending_reap_work);
	mutex_lock(&vms_lock);
	xa_for_each(&vms, index, vm) {
		xa_erase(&vms, index);
		vm_free(vm);
	}
	list_for_each_entry_safe(vm, tmp, &vms_pending, pending_node) {
		list_del_init(&vm->pending_node);
		vm_free(vm);
	}
	mutex_unlock(&vms_lock);
	kvm_host_sysfs_exit();
	utmem_kvm_policy_destroy(&kvm_host_policy);
	/* With the kvm-host/ directory, where the engine's files are. */
	utmem_host_destroy(utmem_kvm_engine);
	utmem_kvm_engine = NULL;
}
