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
};

extern struct utmem_kvm_server kvm_host_server;
extern struct utmem_kvm_policy kvm_host_policy;
extern struct utmem_host *kvm_host;

/* kvm_host.c */
void kvm_host_rules_changed(void);
int kvm_host_set_own_cap(struct kvm_vm_client *vm, u64 bytes);
unsigned int kvm_host_vms_served(void);

/* kvm_host_sysfs.c */
int kvm_host_sysfs_init(void);
void kvm_host_sysfs_exit(void);
int kvm_host_vm_sysfs_add(struct kvm_vm_client *vm);
void kvm_host_vm_sysfs_del(struct kvm_vm_client *vm);
void kvm_host_vm_put(struct kvm_vm_client *vm);

/* kvm_host_memcg.c */
#ifdef CONFIG_MEMCG
void kvm_host_memcg_attach(struct kvm_vm_client *vm, struct kvm *kvm);
void kvm_host_memcg_detach(struct kvm_vm_client *vm);
#else
static inline void kvm_host_memcg_attach(struct kvm_vm_client *vm,
					 struct kvm *kvm) { }
static inline void kvm_host_memcg_detach(struct kvm_vm_client *vm) { }
#endif

/* kvm_host_shrinker.c */
extern atomic64_t kvm_host_shrinker_evicted;
extern atomic64_t kvm_host_shrinker_asked;
int kvm_host_shrinker_init(void);
void kvm_host_shrinker_exit(void);

#endif /* _UTMEM_KVM_HOST_VM_H */
