/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM host side's VMs, shared by its files: kvm_host.c (the hook,
 * the VMs' lifetime), kvm_host_sysfs.c (the operator's files),
 * kvm_host_memcg.c (charging the VMM's memory cgroup) and
 * kvm_host_shrinker.c (host memory pressure).
 */
#ifndef _UTMEM_KVM_HOST_VM_H
#define _UTMEM_KVM_HOST_VM_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "kvm_host_policy.h"
#include "kvm_serve.h"

struct kvm;
struct obj_cgroup;
struct utmem_host;

/**
 * struct kvm_vm_client - one VM's state on the host
 * @kobj: its sysfs directory, kvm_host/vms/<client id>/; frees it
 * @vm: what the request handler sees of it (its client, version, switch)
 * @client: its client of the engine
 * @pid: the VMM's pid when the VM first called
 * @cgroup: the cgroup path its rule was looked up by
 * @rule: the rule covering it (cap 0: a fair share), when @vm.enabled
 * @own_cap: a cap the operator set on this VM (its cap_bytes file); 0
 *	for the rule's
 * @cap: the cap in force: @own_cap, the rule's, or its fair share
 * @objcg: the memory cgroup its bytes are charged to, or NULL
 * @hypercalls: its requests
 * @move_sem: taken for reading by each request, for writing while its
 *	pools are saved (a consistent stream) and when the VM goes
 * @gone: the VM is destroyed, or its restore failed (under @move_sem)
 * @mm: the VMM's mm, compared only: a VM takes the pools restored for
 *	its VMM (@pending_node) only if it is of that process
 * @pending_node: on the list of pools restored for a VM that has not
 *	run yet, or empty
 * @restored: the pools on @pending_node are complete
 */
struct kvm_vm_client {
	struct kobject kobj;
	struct utmem_kvm_vm vm;
	struct utmem_host_client *client;
	pid_t pid;
	char *cgroup;
	struct utmem_kvm_rule rule;
	u64 own_cap;
	u64 cap;
	struct obj_cgroup *objcg;
	atomic64_t hypercalls;
	struct rw_semaphore move_sem;
	bool gone;
	const struct mm_struct *mm;
	struct list_head pending_node;
	bool restored;
};

extern struct utmem_kvm_server kvm_host_server;
extern struct utmem_kvm_policy kvm_host_policy;
extern struct utmem_host *utmem_kvm_engine;

/* kvm_host.c */
struct file;
struct utmem_host_stream_stats;
void kvm_host_rules_changed(void);
int kvm_host_save(pid_t pid, u32 flags, struct file *file,
		  struct utmem_host_stream_stats *stats);
int kvm_host_restore(pid_t pid, struct file *file,
		     struct utmem_host_stream_stats *stats);
int kvm_host_set_own_cap(struct kvm_vm_client *vm, u64 bytes);
unsigned int kvm_host_vms_served(void);

/* kvm_host_sysfs.c */
int kvm_host_sysfs_init(void);
void kvm_host_sysfs_exit(void);
int kvm_host_vm_sysfs_add(struct kvm_vm_client *vm);
void kvm_host_vm_sysfs_del(struct kvm_vm_client *vm);
void kvm_host_vm_put(struct kvm_vm_client *vm);

/* kvm_host_move.c */
int kvm_host_move_init(void);
void kvm_host_move_exit(void);
int kvm_host_stream_write(void *file, const void *buf, size_t len);
ssize_t kvm_host_stream_read(void *file, void *buf, size_t len);

/* kvm_host_memcg.c */
struct mm_struct;
#ifdef CONFIG_MEMCG
void kvm_host_memcg_attach(struct kvm_vm_client *vm, struct mm_struct *mm);
void kvm_host_memcg_detach(struct kvm_vm_client *vm);
#else
static inline void kvm_host_memcg_attach(struct kvm_vm_client *vm,
					 struct mm_struct *mm) { }
static inline void kvm_host_memcg_detach(struct kvm_vm_client *vm) { }
#endif

/* kvm_host_shrinker.c */
extern atomic64_t kvm_host_shrinker_evicted;
extern atomic64_t kvm_host_shrinker_asked;
int kvm_host_shrinker_init(void);
void kvm_host_shrinker_exit(void);

#endif /* _UTMEM_KVM_HOST_VM_H */
