// SPDX-License-Identifier: GPL-2.0
/*
 * Which VMs a KVM host serves, and how much each may hold: the operator's
 * rules, by cgroup.
 *
 * A VM is known to its host's operator by the cgroup its VMM runs in:
 * libvirt puts each VM in machine.slice/machine-qemu-N-NAME.scope,
 * systemd-run --scope and other managers likewise, before the VM starts.
 * A guest cannot move its VMM, and the same cgroup is the memory cgroup
 * the VM's stored bytes are charged to.  So a rule names a cgroup path
 * (as under /sys/fs/cgroup, "/" for every VM) and covers the VMs whose
 * vCPU threads are in that cgroup or below it; the longest matching rule
 * wins.  A rule gives the VM its own cap, or lets it have a fair share of
 * the host's capacity by weight; a VM no rule covers is not served.
 *
 * The rule table is /sys/kernel/utmem/kvm_host/vm_rules (kvm_host.c), one
 * command per write:
 *
 *	+PATH [cap=SIZE] [weight=N]	add a rule, or replace PATH's
 *	-PATH				remove PATH's rule
 *
 * Nothing here knows KVM: KUnit feeds it under UML.
 */
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <kunit/visibility.h>

#include "../host/host.h"
#include "kvm_host_policy.h"

void utmem_kvm_policy_init(struct utmem_kvm_policy *policy)
{
	mutex_init(&policy->lock);
	INIT_LIST_HEAD(&policy->rules);
	policy->nr_rules = 0;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_policy_init);

void utmem_kvm_policy_destroy(struct utmem_kvm_policy *policy)
{
	struct utmem_kvm_rule *rule, *tmp;

	list_for_each_entry_safe(rule, tmp, &policy->rules, node)
		kfree(rule);
	INIT_LIST_HEAD(&policy->rules);
	policy->nr_rules = 0;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_policy_destroy);

/*
 * An absolute cgroup path: "/", or "/" and components without empty ones,
 * ".", "..", whitespace or a trailing slash.
 */
static bool path_ok(const char *path, size_t len)
{
	const char *p = path, *end = path + len, *slash;
	size_t n;

	if (!len || len > UTMEM_KVM_RULE_PATH_MAX || *path != '/')
		return false;
	if (len == 1)
		return true;
	while (p < end) {
		p++;	/* past the '/' */
		slash = memchr(p, '/', end - p);
		n = (slash ? slash : end) - p;
		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	for (p = path; p < end; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return false;
	}
	return true;
}

static struct utmem_kvm_rule *rule_find(struct utmem_kvm_policy *policy,
					const char *path)
{
	struct utmem_kvm_rule *rule;

	list_for_each_entry(rule, &policy->rules, node) {
		if (!strcmp(rule->path, path))
			return rule;
	}
	return NULL;
}

/* cap=SIZE or weight=N, into @rule; -EINVAL for anything else. */
static int parse_option(struct utmem_kvm_rule *rule, char *opt)
{
	char *val = strchr(opt, '=');
	u32 weight;

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	if (!strcmp(opt, "cap")) {
		if (!*val || utmem_host_parse_capacity(val, &rule->cap) ||
		    !rule->cap)
			return -EINVAL;
		return 0;
	}
	if (!strcmp(opt, "weight")) {
		if (kstrtou32(val, 10, &weight) ||
		    weight < UTMEM_HOST_WEIGHT_MIN ||
		    weight > UTMEM_HOST_WEIGHT_MAX)
			return -EINVAL;
		rule->weight = weight;
		return 0;
	}
	return -EINVAL;
}

/**
 * utmem_kvm_policy_write() - apply one command to the rule table
 * @policy: the table
 * @cmd: "+PATH [cap=SIZE] [weight=N]" or "-PATH", with an optional
 *	trailing newline
 * @why: out: what was wrong, for the operator's log, on -EINVAL
 *
 * Return: 0; -EINVAL for a malformed command, -ENOENT for removing a rule
 * that is not there, -ENOSPC with %UTMEM_KVM_RULES_MAX rules already,
 * -ENOMEM.
 */
int utmem_kvm_policy_write(struct utmem_kvm_policy *policy, const char *cmd,
			   const char **why)
{
	struct utmem_kvm_rule *rule, *old;
	char *buf, *p, *path, *opt;
	size_t len = strlen(cmd);
	int err;

	*why = NULL;
	if (len && cmd[len - 1] == '\n')
		len--;
	if (len < 2 || (cmd[0] != '+' && cmd[0] != '-') ||
	    memchr(cmd, '\n', len)) {
		*why = "expected '+PATH [cap=SIZE] [weight=N]' or '-PATH'";
		return -EINVAL;
	}
	buf = kmemdup_nul(cmd, len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = buf + 1;
	path = strsep(&p, " ");
	if (!path_ok(path, strlen(path))) {
		*why = "not an absolute cgroup path (/, or /a/b without . or .. or a trailing /)";
		err = -EINVAL;
		goto out;
	}

	if (cmd[0] == '-') {
		err = -EINVAL;
		if (p) {
			*why = "'-PATH' takes nothing after the path";
			goto out;
		}
		mutex_lock(&policy->lock);
		old = rule_find(policy, path);
		if (old) {
			list_del(&old->node);
			policy->nr_rules--;
			kfree(old);
		}
		mutex_unlock(&policy->lock);
		err = old ? 0 : -ENOENT;
		goto out;
	}

	rule = kzalloc(struct_size(rule, path, strlen(path) + 1), GFP_KERNEL);
	err = -ENOMEM;
	if (!rule)
		goto out;
	strscpy(rule->path, path, strlen(path) + 1);
	rule->weight = UTMEM_HOST_WEIGHT_DEFAULT;
	while ((opt = strsep(&p, " "))) {
		if (!*opt)
			continue;
		err = parse_option(rule, opt);
		if (err) {
			*why = "options: cap=SIZE (1..256T, K/M/G/T), weight=N (1..10000)";
			kfree(rule);
			goto out;
		}
	}
	mutex_lock(&policy->lock);
	old = rule_find(policy, path);
	if (!old && policy->nr_rules >= UTMEM_KVM_RULES_MAX) {
		mutex_unlock(&policy->lock);
		kfree(rule);
		err = -ENOSPC;
		goto out;
	}
	if (old) {
		list_replace(&old->node, &rule->node);
		kfree(old);
	} else {
		list_add_tail(&rule->node, &policy->rules);
		policy->nr_rules++;
	}
	mutex_unlock(&policy->lock);
	err = 0;
out:
	kfree(buf);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_policy_write);

/**
 * utmem_kvm_policy_show() - the rules, one per line, as they are written
 * @policy: the table
 * @buf: a sysfs buffer (PAGE_SIZE); the limits on rules keep them within
 *
 * Return: bytes written.
 */
ssize_t utmem_kvm_policy_show(struct utmem_kvm_policy *policy, char *buf)
{
	struct utmem_kvm_rule *rule;
	ssize_t n = 0;

	mutex_lock(&policy->lock);
	list_for_each_entry(rule, &policy->rules, node) {
		n += sysfs_emit_at(buf, n, "+%s", rule->path);
		if (rule->cap)
			n += sysfs_emit_at(buf, n, " cap=%llu", rule->cap);
		n += sysfs_emit_at(buf, n, " weight=%u\n", rule->weight);
	}
	mutex_unlock(&policy->lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_policy_show);

/* Whether @prefix is @path or one of its ancestors, component-wise. */
static bool path_covers(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (n == 1)
		return true;	/* "/" */
	return !strncmp(prefix, path, n) && (!path[n] || path[n] == '/');
}

/**
 * utmem_kvm_policy_match() - what the rules say for a VM
 * @policy: the table
 * @cgroup: the cgroup path of the VM's VMM
 * @out: out: a copy of the longest rule covering @cgroup (its path
 *	excepted)
 *
 * Return: true when a rule covers @cgroup: the VM is served.
 */
bool utmem_kvm_policy_match(struct utmem_kvm_policy *policy,
			    const char *cgroup, struct utmem_kvm_rule *out)
{
	struct utmem_kvm_rule *rule, *best = NULL;

	mutex_lock(&policy->lock);
	list_for_each_entry(rule, &policy->rules, node) {
		if (path_covers(rule->path, cgroup) &&
		    (!best || strlen(rule->path) > strlen(best->path)))
			best = rule;
	}
	if (best) {
		out->cap = best->cap;
		out->weight = best->weight;
	}
	mutex_unlock(&policy->lock);
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_policy_match);

/**
 * utmem_kvm_fair_share() - a VM's share of the host's capacity
 * @capacity: the host's, bytes
 * @weight: the VM's weight
 * @total_weight: the weights of all VMs served on a fair share, its own
 *	included
 *
 * Return: bytes, @capacity * @weight / @total_weight, without overflow
 * (capacity < 2^49, weights < 2^14 each).
 */
u64 utmem_kvm_fair_share(u64 capacity, u32 weight, u64 total_weight)
{
	if (!total_weight)
		return capacity;
	return div64_u64(capacity * weight, total_weight);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_kvm_fair_share);
