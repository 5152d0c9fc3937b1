// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core: the backend registry, the boot-time binding and the single
 * place where host statuses become errnos.
 *
 * One backend is bound when the module initialises and stays bound until
 * it exits.  Runtime switching was left out on purpose: a value put
 * through one host cannot be fetched through another, so every user
 * would have to drop its state on a switch, and zpool's runtime
 * pluggability was removed upstream for costing more than it gave.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/blake2s.h>
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include <utmem/tmem.h>
#include "tmem_internal.h"

/* The backends this kernel was built with. */
static const struct tmem_backend_ops *const tmem_backends[] = {
#if IS_ENABLED(CONFIG_UTMEM_SIM)
	&tmem_sim_backend_ops,
#endif
#if IS_ENABLED(CONFIG_UTMEM_KVM)
	&tmem_kvm_backend_ops,
#endif
	NULL
};

static char backend_name[16] = CONFIG_UTMEM_DEFAULT_BACKEND;
module_param_string(backend, backend_name, sizeof(backend_name), 0444);
MODULE_PARM_DESC(backend, "Backend to bind at boot (default: "
		 CONFIG_UTMEM_DEFAULT_BACKEND ")");

/* Set once in utmem_init() before any user runs, cleared in utmem_exit(). */
static struct tmem_backend *tmem_bound;
static struct dentry *utmem_debugfs_root;

/**
 * tmem_status_to_errno() - the one translation from host status to errno
 * @status: what the host answered
 *
 * Return: 0 or a negative errno.  An unknown status is a host bug; it is
 * logged and reported as -EIO so that no host can make a guest see an
 * errno of its choosing.
 */
int tmem_status_to_errno(tmem_status_t status)
{
	switch ((__force u32)status) {
	case TMEM_STATUS_OK:
		return 0;
	case TMEM_STATUS_MISS:
		return -ENOENT;
	case TMEM_STATUS_REFUSED:
		return -ENOSPC;
	case TMEM_STATUS_INVAL:
		return -EINVAL;
	case TMEM_STATUS_BADPOOL:
		return -ENXIO;
	case TMEM_STATUS_NOMEM:
		return -ENOMEM;
	case TMEM_STATUS_TOOBIG:
		return -E2BIG;
	case TMEM_STATUS_PERM:
		return -EPERM;
	case TMEM_STATUS_IO:
		return -EIO;
	default:
		pr_warn_ratelimited("host answered unknown status %u\n",
				    (__force u32)status);
		return -EIO;
	}
}
EXPORT_SYMBOL_GPL(tmem_status_to_errno);

const char *const tmem_op_names[TMEM_OP_NR] = {
	[TMEM_OP_NEW_POOL] = "new_pool",
	[TMEM_OP_DESTROY_POOL] = "destroy_pool",
	[TMEM_OP_PUT] = "put",
	[TMEM_OP_GET] = "get",
	[TMEM_OP_FLUSH_PAGE] = "flush_page",
	[TMEM_OP_FLUSH_OBJECT] = "flush_object",
	[TMEM_OP_FLUSH_POOL] = "flush_pool",
	[TMEM_OP_PUT_BATCH] = "put_batch",
	[TMEM_OP_POOL_INFO] = "pool_info",
};

int tmem_oid_cmp(const struct tmem_oid *a, const struct tmem_oid *b)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(a->oid); i++) {
		if (a->oid[i] != b->oid[i])
			return a->oid[i] < b->oid[i] ? -1 : 1;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(tmem_oid_cmp);

/**
 * tmem_shared_uuid() - the host's name of a shared pool
 * @user: the kind of guest user that names it ("dev", "cleancache")
 * @name: the name that user gave it
 * @uuid: out: the UUID the host sees
 *
 * Kinds of users never reach each other's shared pools: an application
 * naming, through /dev/utmem, the UUID of a filesystem whose cleancache
 * pages are shared reaches another pool, not the kernel's.  The host name
 * is a hash (BLAKE2s) of the kind and the name, as an RFC 9562 version 8
 * UUID; every guest computes the same for the same pair.
 */
void tmem_shared_uuid(const char *user, const uuid_t *name, uuid_t *uuid)
{
	static const char domain[] = "utmem shared pool";
	u8 hash[BLAKE2S_HASH_SIZE];
	struct blake2s_state s;

	blake2s_init(&s, sizeof(hash));
	blake2s_update(&s, domain, sizeof(domain));
	blake2s_update(&s, user, strlen(user) + 1);
	blake2s_update(&s, name->b, sizeof(name->b));
	blake2s_final(&s, hash);
	memcpy(uuid->b, hash, sizeof(uuid->b));
	uuid->b[6] = (uuid->b[6] & 0x0f) | 0x80;
	uuid->b[8] = (uuid->b[8] & 0x3f) | 0x80;
}
EXPORT_SYMBOL_GPL(tmem_shared_uuid);

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

	for (i = 0; tmem_backends[i]; i++) {
		if (sysfs_streq(name, tmem_backends[i]->name))
			return tmem_backends[i];
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(tmem_backend_find);

/**
 * tmem_backend_create() - probe a backend and return a bound instance
 * @ops: the backend
 * @debugfs: a directory for the backend's own files, or NULL for none
 *
 * May sleep.  Return: the instance, or an ERR_PTR from @ops->probe.
 */
struct tmem_backend *tmem_backend_create(const struct tmem_backend_ops *ops,
					 struct dentry *debugfs)
{
	struct tmem_backend *be;
	int err;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be)
		return ERR_PTR(-ENOMEM);
	be->ops = ops;
	be->debugfs = debugfs;
	mutex_init(&be->lock);
	INIT_LIST_HEAD(&be->pools);

	err = ops->probe(be);
	if (err) {
		mutex_destroy(&be->lock);
		kfree(be);
		return ERR_PTR(err);
	}
	return be;
}
EXPORT_SYMBOL_GPL(tmem_backend_create);

/**
 * tmem_backend_destroy() - unbind a backend instance
 * @be: the instance; every pool on it must have been destroyed
 *
 * May sleep.
 */
void tmem_backend_destroy(struct tmem_backend *be)
{
	WARN_ON(!list_empty(&be->pools));
	be->ops->remove(be);
	mutex_destroy(&be->lock);
	kfree(be);
}
EXPORT_SYMBOL_GPL(tmem_backend_destroy);

struct tmem_backend *tmem_backend(void)
{
	return tmem_bound;
}
EXPORT_SYMBOL_GPL(tmem_backend);

static int __init utmem_init(void)
{
	const struct tmem_backend_ops *ops;
	struct tmem_backend *be;
	struct dentry *dir;

	BUILD_BUG_ON(ARRAY_SIZE(tmem_backends) <= 1);

	ops = tmem_backend_find(backend_name);
	if (!ops) {
		pr_err("no backend named '%s' in this kernel (utmem.backend=)\n",
		       backend_name);
		return -EINVAL;
	}

	utmem_debugfs_root = debugfs_create_dir("utmem", NULL);
	dir = debugfs_create_dir(ops->name, utmem_debugfs_root);
	be = tmem_backend_create(ops, dir);
	if (IS_ERR(be)) {
		pr_err("backend %s refused to bind: %pe\n", ops->name, be);
		debugfs_remove_recursive(utmem_debugfs_root);
		return PTR_ERR(be);
	}
	tmem_bound = be;
	tmem_debugfs_init(be, utmem_debugfs_root);
	pr_info("bound backend %s\n", ops->name);
	/* A host that is itself a guest serves its VMs whatever it binds. */
	utmem_kvm_host_init(utmem_debugfs_root);
	frontswap_tmem_init(utmem_debugfs_root);
	cleancache_tmem_init(utmem_debugfs_root);
	/* The other users keep working without the device. */
	utmem_dev_init(utmem_debugfs_root);
	return 0;
}

static void __exit utmem_exit(void)
{
	struct tmem_backend *be = tmem_bound;

	utmem_dev_exit();
	tmem_bound = NULL;
	/* The backend removes its own directory; the core's files go last. */
	tmem_backend_destroy(be);
	debugfs_remove_recursive(utmem_debugfs_root);
}

module_init(utmem_init);
module_exit(utmem_exit);

MODULE_DESCRIPTION("utmem: transcendent memory for guests");
MODULE_LICENSE("GPL");
