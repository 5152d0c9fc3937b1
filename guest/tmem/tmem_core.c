// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core: backend instances, the bound backend that the guest users
 * reach, and the single place where host statuses become errnos.
 *
 * One backend is bound when the module initialises (main.c) and stays
 * bound until it exits.  Runtime switching was left out on purpose: a value put
 * through one host cannot be fetched through another, so every user
 * would have to drop its state on a switch, and zpool's runtime
 * pluggability was removed upstream for costing more than it gave.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/blake2s.h>
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <utmem/tmem.h>
#include "tmem_internal.h"

/* Set once by main.c before any user runs, cleared at exit. */
static struct tmem_backend *tmem_bound;

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
	case TMEM_STATUS_LOST:
		/* Pools the host no longer has: stale handles, in a way. */
		return -ESTALE;
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

/**
 * tmem_backend_bind() - make @be the backend the guest users reach
 * @be: a probed instance
 *
 * Called once at init, before any user starts.
 */
void tmem_backend_bind(struct tmem_backend *be)
{
	tmem_bound = be;
}

/* At exit, after the users have stopped. */
void tmem_backend_unbind(void)
{
	tmem_bound = NULL;
}

/**
 * tmem_pool_info() - the host's view of a pool
 * @pool: the pool
 * @info: out
 *
 * Beside the backends rather than the pool operations: the core's
 * debugfs files read it, and pools make those files.  Atomic-safe.
 * Return: 0 or an errno.
 */
int tmem_pool_info(struct tmem_pool *pool, struct tmem_pool_info *info)
{
	struct tmem_backend *be = pool->be;

	return tmem_status_to_errno(tmem_count(be, TMEM_OP_POOL_INFO,
				    be->ops->pool_info(be, pool->id, info)));
}
EXPORT_SYMBOL_GPL(tmem_pool_info);
