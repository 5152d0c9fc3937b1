// SPDX-License-Identifier: GPL-2.0
/*
 * utmem's module init and exit: the backend table, utmem.backend=, and
 * the order in which the layers start.
 *
 * Two sides start independently of each other.  The host side (with
 * CONFIG_UTMEM_KVM_HOST) serves this kernel's VMs, and starts whatever
 * the guest side does: a KVM host is usually no tmem guest at all.  The
 * guest side binds one backend (utmem.backend=, "none" for no guest side)
 * and then starts the guest users on it: /dev/utmem, frontswap and
 * cleancache, in that order, because frontswap and cleancache cannot
 * unregister and so must be the last steps that can fail.
 *
 * A step that fails undoes the steps before it on the same side.  A guest
 * side that cannot bind (a KVM guest on a host without utmem, say) is
 * logged and leaves the host side running; the module fails to load only
 * when nothing runs.
 *
 * Locking, for the whole module.  Outer locks first; a lock is taken only
 * under locks above it in this list, never under one below:
 *
 *   utmem_file.lock (mutex; guest/drivers/utmem/utmem_dev.h)
 *	serialises one /dev/utmem file's ioctls, its delayed send and the
 *	coalescing shrinker's send of it: it protects the file's pool table,
 *	its scratch page, its pools' stores (struct utmem_store: the keys
 *	that span chunks) and its coalescing buffer, which is given this
 *	lock as its own (struct utmem_coalesce: entries, counts, the hash
 *	of buffered keys).  Not a lifetime: the file's kref is.
 *   kvm-host vms_lock (mutex; host-kvm/kvm_host.c)
 *	which struct kvm has which engine client; held while a VM's client
 *	is created (the engine's lock nests inside).  A vCPU looks its VM
 *	up without it.
 *   frontswap_areas_lock, selftest_lock, bench_lock (mutexes)
 *	frontswap's table of swap areas; one selftest or benchmark at once
 *   utmem_shared_lock, quota_lock (mutexes; guest/drivers/utmem/)
 *	/dev/utmem's shared pools and their owners; per-user pool counts
 *	and bytes.  Leaves: nothing is called under them.
 *   tmem_backend.lock (mutex; include/utmem/tmem.h)
 *	the backend's list of pools; no host call is made under it.
 *   kvm_guest_slow_lock (mutex; host-kvm/kvm_guest.c)
 *	the KVM binding's request buffer for the operations that sleep
 *   coalesce_lock (spinlock; guest/drivers/utmem/utmem_coalesce.c)
 *	the list of buffers that hold data.  The shrinker holds it while it
 *	picks a buffer, and takes its owner's lock by trylock only.
 *   kvm_guest_cpu.lock (local lock; host-kvm/kvm_guest.c)
 *	this CPU's request buffer while a hypercall is built and made
 *   utmem_host.lock (spinlock, interrupts saved; host/host.h)
 *	everything in one pool engine; guest users call in with interrupts
 *	off, so nothing under it sleeps or allocates but with GFP_NOWAIT
 *   cleancache_shared_lock (spinlock; guest/fs/cleancache_tmem.c)
 *	the list of shared filesystems' UUIDs; a leaf
 *
 * KVM reaches the host side through an SRCU-protected hook in the core
 * kernel (patches/0005): a vCPU holds its read side across a request,
 * and the hook's mutex is never taken under any lock above.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include <utmem/tmem.h>
#include <utmem/debugfs.h>
#include <utmem/sysfs.h>
#include "guest/mm/frontswap_tmem.h"
#include "guest/fs/cleancache_tmem.h"
#include "guest/drivers/utmem/utmem_dev.h"
#include "host-sim/backend_sim.h"
#include "host-kvm/kvm_guest.h"
#include "host-kvm/kvm_host_glue.h"
#include "main.h"

/* The backends this kernel was built with; none on a host-only kernel. */
static const struct tmem_backend_ops *const utmem_backends[] = {
#if IS_ENABLED(CONFIG_UTMEM_SIM)
	&tmem_sim_backend_ops,
#endif
#if IS_ENABLED(CONFIG_UTMEM_KVM)
	&tmem_kvm_backend_ops,
#endif
	NULL
};

/* "none": no guest side, for a kernel that is only a KVM host. */
#define UTMEM_BACKEND_NONE	"none"

static char backend_name[16] = CONFIG_UTMEM_DEFAULT_BACKEND;
module_param_string(backend, backend_name, sizeof(backend_name), 0444);
MODULE_PARM_DESC(backend, "Backend the guest side binds at boot: sim, kvm or none (default: "
		 CONFIG_UTMEM_DEFAULT_BACKEND ")");

static struct dentry *utmem_debugfs_root;
static bool utmem_host_running;

/**
 * tmem_backend_find() - look a backend up by name
 * @name: as given to utmem.backend=
 *
 * Return: its ops, or NULL when this kernel has no such backend.
 */
VISIBLE_IF_KUNIT const struct tmem_backend_ops *
tmem_backend_find(const char *name)
{
	int i;

	for (i = 0; utmem_backends[i]; i++) {
		if (sysfs_streq(name, utmem_backends[i]->name))
			return utmem_backends[i];
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(tmem_backend_find);

/*
 * /sys/kernel/utmem/backend: the guest side's backend, or "none".  The
 * name is the backend's static ops', kept here: the instance goes at
 * exit while the file may still be read.
 */
static const char *bound_name = UTMEM_BACKEND_NONE;

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(bound_name));
}

static struct kobj_attribute backend_attr = __ATTR_RO(backend);

/* Binds the guest side's backend and starts the guest users on it. */
static int __init utmem_guest_init(void)
{
	const struct tmem_backend_ops *ops;
	struct tmem_backend *be;
	struct dentry *dir;
	int err;

	if (sysfs_streq(backend_name, UTMEM_BACKEND_NONE)) {
		pr_info("no guest side (utmem.backend=none)\n");
		return 0;
	}
	ops = tmem_backend_find(backend_name);
	if (!ops) {
		pr_err("no backend named '%s' in this kernel (utmem.backend=)\n",
		       backend_name);
		return -EINVAL;
	}
	dir = debugfs_create_dir(ops->name, utmem_debugfs_root);
	be = tmem_backend_create(ops, dir);
	if (IS_ERR(be)) {
		pr_err("backend %s refused to bind: %pe\n", ops->name, be);
		debugfs_remove_recursive(dir);
		return PTR_ERR(be);
	}
	tmem_backend_bind(be);
	WRITE_ONCE(bound_name, ops->name);
	tmem_debugfs_init(be, utmem_debugfs_root);
	tmem_selftest_debugfs_init(be, utmem_debugfs_root);
	pr_info("bound backend %s\n", ops->name);

	/* The other users keep working without the device. */
	err = utmem_dev_init(utmem_debugfs_root);
	if (err)
		pr_err("no /dev/utmem: %pe\n", ERR_PTR(err));
	else
		utmem_dev_bench_debugfs_init(be, utmem_debugfs_root);
	/* Cannot fail in a way that needs undoing; never unregistered. */
	frontswap_tmem_init(utmem_debugfs_root);
	cleancache_tmem_init(utmem_debugfs_root);
	return 0;
}

static int __init utmem_init(void)
{
	int host_err, guest_err;

	/* The operator's interface: without it, nothing starts. */
	guest_err = utmem_sysfs_init();
	if (!guest_err)
		guest_err = sysfs_create_file(utmem_sysfs_root(),
					      &backend_attr.attr);
	if (!guest_err)
		guest_err = sysfs_create_file(utmem_sysfs_root(),
					      &tmem_drain_attr.attr);
	if (guest_err) {
		pr_err("cannot make /sys/kernel/utmem: %pe\n",
		       ERR_PTR(guest_err));
		utmem_sysfs_exit();
		return guest_err;
	}
	utmem_debugfs_root = debugfs_create_dir("utmem", NULL);

	/* Logs its own failure, which leaves the hypercall unanswered. */
	host_err = utmem_kvm_host_init(utmem_debugfs_root);
	utmem_host_running = IS_ENABLED(CONFIG_UTMEM_KVM_HOST) && !host_err;

	guest_err = utmem_guest_init();
	if (guest_err && utmem_host_running) {
		pr_err("no guest side (%pe); the KVM host side runs\n",
		       ERR_PTR(guest_err));
		return 0;
	}
	if (guest_err) {
		debugfs_remove_recursive(utmem_debugfs_root);
		utmem_sysfs_exit();
		return guest_err;
	}
	return 0;
}

static void __exit utmem_exit(void)
{
	struct tmem_backend *be = tmem_backend();

	if (be) {
		WRITE_ONCE(bound_name, UTMEM_BACKEND_NONE);
		utmem_dev_exit();
		tmem_backend_unbind();
		/* The backend removes its own directory. */
		tmem_backend_destroy(be);
	}
	if (utmem_host_running)
		utmem_kvm_host_exit();
	debugfs_remove_recursive(utmem_debugfs_root);
	utmem_sysfs_exit();
}

module_init(utmem_init);
module_exit(utmem_exit);

MODULE_DESCRIPTION("utmem: transcendent memory for guests and KVM hosts");
MODULE_LICENSE("GPL");
