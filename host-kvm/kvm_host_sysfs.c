// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM host operator's files, /sys/kernel/utmem/kvm_host/ (documented
 * in docs/ABI/sysfs-kernel-utmem):
 *
 *	capacity_bytes used_bytes raw_bytes pages vms_served	what the host
 *		holds for all VMs; the engine's and the handler's counters
 *	vm_rules	which VMs are served, with what cap (kvm_host_policy.c)
 *	vms/<id>/	one directory per VM: who it is (pid, cgroup), what
 *		the rules gave it, what it holds and is charged, what it
 *		was asked back and returned; cap_bytes is writable
 *
 * sysfs, not debugfs: an operator's interface, there under lockdown.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "../host/host.h"
#include <utmem/sysfs.h>
#include "kvm_host_vm.h"

static struct kobject *kvm_host_kobj;
static struct kobject *vms_kobj;

static ssize_t total_show(char *buf, const u64 *field)
{
	return sysfs_emit(buf, "%llu\n", utmem_host_read(utmem_kvm_engine, field));
}

static ssize_t capacity_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &utmem_kvm_engine->capacity);
}

static ssize_t used_bytes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &utmem_kvm_engine->used);
}

static ssize_t raw_bytes_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return total_show(buf, &utmem_kvm_engine->raw_bytes);
}

static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return total_show(buf, &utmem_kvm_engine->pages);
}

static ssize_t vms_served_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", kvm_host_vms_served());
}

static ssize_t vm_rules_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return utmem_kvm_policy_show(&kvm_host_policy, buf);
}

/* One command per write; each is logged, so the host says who is served. */
static ssize_t vm_rules_store(struct kobject *kobj, struct kobj_attribute *attr,
			      const char *buf, size_t count)
{
	const char *why;
	int err;

	err = utmem_kvm_policy_write(&kvm_host_policy, buf, &why);
	if (err) {
		pr_err("vm_rules: '%.*s' refused: %s\n",
		       (int)strcspn(buf, "\n"), buf,
		       why ?: err == -ENOENT ? "no such rule" :
		       err == -ENOSPC ? "the table is full" : "no memory");
		return err;
	}
	pr_info("vm_rules: %.*s\n", (int)strcspn(buf, "\n"), buf);
	kvm_host_rules_changed();
	return count;
}

static struct kobj_attribute capacity_bytes_attr = __ATTR_RO(capacity_bytes);
static struct kobj_attribute used_bytes_attr = __ATTR_RO(used_bytes);
static struct kobj_attribute raw_bytes_attr = __ATTR_RO(raw_bytes);
static struct kobj_attribute pages_attr = __ATTR_RO(pages);
static struct kobj_attribute vms_served_attr = __ATTR_RO(vms_served);
static struct kobj_attribute vm_rules_attr = __ATTR_RW_MODE(vm_rules, 0644);

static struct attribute *kvm_host_attrs[] = {
	&capacity_bytes_attr.attr,
	&used_bytes_attr.attr,
	&raw_bytes_attr.attr,
	&pages_attr.attr,
	&vms_served_attr.attr,
	&vm_rules_attr.attr,
	NULL,
};

static const struct attribute_group kvm_host_group = {
	.attrs = kvm_host_attrs,
};

/* Per VM: vms/<client id>/. */
static struct kvm_vm_client *to_vm(struct kobject *kobj)
{
	return container_of(kobj, struct kvm_vm_client, kobj);
}

/* The u64 at @offset in the VM's client, read under the host's lock. */
static ssize_t client_show(struct kobject *kobj, char *buf, size_t offset)
{
	const void *client = to_vm(kobj)->client;

	return sysfs_emit(buf, "%llu\n",
			  utmem_host_read(utmem_kvm_engine, client + offset));
}

#define VM_CLIENT_ATTR(name, field)					\
static ssize_t vm_##name##_show(struct kobject *kobj,			\
				struct kobj_attribute *attr, char *buf)	\
{									\
	return client_show(kobj, buf,					\
			   offsetof(struct utmem_host_client, field));	\
}									\
static struct kobj_attribute vm_##name##_attr =				\
	__ATTR(name, 0444, vm_##name##_show, NULL)

VM_CLIENT_ATTR(used_bytes, used);
VM_CLIENT_ATTR(pages, pages);
VM_CLIENT_ATTR(ephemeral_pages, eph_pages);
VM_CLIENT_ATTR(reclaim_asked, reclaim_asked);
VM_CLIENT_ATTR(reclaim_returned, reclaim_returned);
VM_CLIENT_ATTR(put_refused_owing, put_refused_owing);
VM_CLIENT_ATTR(put_refused_memcg, put_refused_account);

/* The account holds what the VM is charged: all of it, with a cgroup. */
static ssize_t memcg_charged_bytes_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	struct kvm_vm_client *vm = to_vm(kobj);

	if (!vm->objcg)
		return sysfs_emit(buf, "0\n");
	return client_show(kobj, buf,
			   offsetof(struct utmem_host_client, used));
}

static ssize_t reclaim_wanted_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", utmem_host_wanted(to_vm(kobj)->client));
}

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", to_vm(kobj)->pid);
}

static ssize_t cgroup_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_vm(kobj)->cgroup);
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_vm(kobj)->vm.enabled));
}

static ssize_t abi_version_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vm(kobj)->vm.abi_version));
}

static ssize_t probes_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_vm(kobj)->vm.probes));
}

/*
 * 1: its guest bound here, or its pools were restored for it; 0: not
 * (yet), and a request but PROBE would be answered LOST.
 */
static ssize_t bound_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_vm(kobj)->vm.bound));
}

static ssize_t hypercalls_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&to_vm(kobj)->hypercalls));
}

static ssize_t weight_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_vm(kobj)->rule.weight));
}

static ssize_t cap_bytes_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_vm(kobj)->cap));
}

/* A cap of this VM's own; 0 gives it back to its rule (or fair share). */
static ssize_t cap_bytes_store(struct kobject *kobj,
			       struct kobj_attribute *attr, const char *buf,
			       size_t count)
{
	u64 bytes;
	int err;

	/* sysfs passes no empty write, which would parse as the default. */
	err = utmem_host_parse_capacity(buf, &bytes);
	if (!err)
		err = kvm_host_set_own_cap(to_vm(kobj), bytes);
	if (err) {
		pr_err("vms/%s/cap_bytes: '%.*s' is not a size up to %llu (0: the rule's)\n",
		       kobject_name(kobj), (int)strcspn(buf, "\n"), buf,
		       UTMEM_HOST_CAPACITY_MAX);
		return -EINVAL;
	}
	return count;
}

static struct kobj_attribute vm_memcg_charged_bytes_attr =
	__ATTR_RO(memcg_charged_bytes);
static struct kobj_attribute vm_reclaim_wanted_attr =
	__ATTR_RO(reclaim_wanted);
static struct kobj_attribute vm_pid_attr = __ATTR_RO(pid);
static struct kobj_attribute vm_cgroup_attr = __ATTR_RO(cgroup);
static struct kobj_attribute vm_enabled_attr = __ATTR_RO(enabled);
static struct kobj_attribute vm_abi_version_attr = __ATTR_RO(abi_version);
static struct kobj_attribute vm_probes_attr = __ATTR_RO(probes);
static struct kobj_attribute vm_bound_attr = __ATTR_RO(bound);
static struct kobj_attribute vm_hypercalls_attr = __ATTR_RO(hypercalls);
static struct kobj_attribute vm_weight_attr = __ATTR_RO(weight);
static struct kobj_attribute vm_cap_bytes_attr =
	__ATTR_RW_MODE(cap_bytes, 0644);

static struct attribute *vm_attrs[] = {
	&vm_pid_attr.attr,
	&vm_cgroup_attr.attr,
	&vm_enabled_attr.attr,
	&vm_abi_version_attr.attr,
	&vm_probes_attr.attr,
	&vm_bound_attr.attr,
	&vm_hypercalls_attr.attr,
	&vm_weight_attr.attr,
	&vm_cap_bytes_attr.attr,
	&vm_used_bytes_attr.attr,
	&vm_pages_attr.attr,
	&vm_ephemeral_pages_attr.attr,
	&vm_memcg_charged_bytes_attr.attr,
	&vm_reclaim_wanted_attr.attr,
	&vm_reclaim_asked_attr.attr,
	&vm_reclaim_returned_attr.attr,
	&vm_put_refused_owing_attr.attr,
	&vm_put_refused_memcg_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vm);

static void vm_release(struct kobject *kobj)
{
	struct kvm_vm_client *vm = to_vm(kobj);

	kfree(vm->cgroup);
	kfree(vm);
}

static const struct kobj_type vm_ktype = {
	.release = vm_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = vm_groups,
};

/**
 * kvm_host_vm_sysfs_add() - give a new VM its directory
 * @vm: the VM; from now on freed by kvm_host_vm_put()
 *
 * Return: 0, or an errno (the VM is then served without one).
 */
int kvm_host_vm_sysfs_add(struct kvm_vm_client *vm)
{
	int err;

	kobject_init(&vm->kobj, &vm_ktype);
	if (!vms_kobj)
		return -ENOENT;
	err = kobject_add(&vm->kobj, vms_kobj, "%u", vm->client->id);
	if (err)
		pr_warn("no sysfs directory for client %u: %pe\n",
			vm->client->id, ERR_PTR(err));
	return err;
}

/* The directory goes, and no file of it runs any more, before the VM. */
void kvm_host_vm_sysfs_del(struct kvm_vm_client *vm)
{
	if (vm->kobj.state_in_sysfs)
		kobject_del(&vm->kobj);
}

void kvm_host_vm_put(struct kvm_vm_client *vm)
{
	kobject_put(&vm->kobj);
}

int kvm_host_sysfs_init(void)
{
	struct utmem_counter counters[UTMEM_HOST_NR_COUNTERS + 5];
	int i;

	for (i = 0; i < UTMEM_HOST_NR_COUNTERS; i++) {
		counters[i].name = utmem_host_counter_names[i];
		counters[i].counter = &utmem_kvm_engine->counters[i];
	}
	counters[i].name = "hypercalls_malformed";
	counters[i++].counter = &kvm_host_server.malformed;
	counters[i].name = "hypercalls_not_enabled";
	counters[i++].counter = &kvm_host_server.not_enabled;
	counters[i].name = "hypercalls_lost";
	counters[i++].counter = &kvm_host_server.lost;
	counters[i].name = "shrinker_evicted";
	counters[i++].counter = &kvm_host_shrinker_evicted;
	counters[i].name = "shrinker_asked";
	counters[i++].counter = &kvm_host_shrinker_asked;
	kvm_host_kobj = utmem_sysfs_add("kvm_host", counters, i,
					&kvm_host_group);
	if (!kvm_host_kobj)
		return -ENOMEM;
	vms_kobj = kobject_create_and_add("vms", kvm_host_kobj);
	if (!vms_kobj) {
		utmem_sysfs_remove(kvm_host_kobj);
		kvm_host_kobj = NULL;
		return -ENOMEM;
	}
	return 0;
}

void kvm_host_sysfs_exit(void)
{
	kobject_put(vms_kobj);
	vms_kobj = NULL;
	utmem_sysfs_remove(kvm_host_kobj);
	kvm_host_kobj = NULL;
}
