/* SPDX-License-Identifier: GPL-2.0 */
/* The KVM host operator's rules: which VMs are served, with what cap. */
#ifndef _UTMEM_KVM_HOST_POLICY_H
#define _UTMEM_KVM_HOST_POLICY_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

/*
 * Rules a host holds at most, and the longest path one names: the table
 * is shown in one sysfs page.  A rule for a parent cgroup covers every VM
 * below it; each VM's own cap is its sysfs file too.
 */
#define UTMEM_KVM_RULES_MAX		24
#define UTMEM_KVM_RULE_PATH_MAX		120

/**
 * struct utmem_kvm_rule - the operator's word on VMs in a cgroup
 * @node: in the policy's list
 * @cap: bytes a VM it covers may be charged; 0 for its fair share
 * @weight: its weight for the fair share and for eviction
 * @path: the cgroup, as under /sys/fs/cgroup
 */
struct utmem_kvm_rule {
	struct list_head node;
	u64 cap;
	u32 weight;
	char path[];
};

/**
 * struct utmem_kvm_policy - the rule table
 * @lock: guards @rules
 * @rules: struct utmem_kvm_rule, in the order written
 * @nr_rules: entries in @rules
 */
struct utmem_kvm_policy {
	struct mutex lock;	/* guards @rules */
	struct list_head rules;
	unsigned int nr_rules;
};

void utmem_kvm_policy_init(struct utmem_kvm_policy *policy);
void utmem_kvm_policy_destroy(struct utmem_kvm_policy *policy);
int utmem_kvm_policy_write(struct utmem_kvm_policy *policy, const char *cmd,
			   const char **why);
ssize_t utmem_kvm_policy_show(struct utmem_kvm_policy *policy, char *buf);
bool utmem_kvm_policy_match(struct utmem_kvm_policy *policy,
			    const char *cgroup, struct utmem_kvm_rule *out);
u64 utmem_kvm_fair_share(u64 capacity, u32 weight, u64 total_weight);

#endif /* _UTMEM_KVM_HOST_POLICY_H */
