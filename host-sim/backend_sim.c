// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator as a tmem backend: each bound instance is one host (the
 * pool engine of host/) with one client, this guest.  Every operation
 * first spends exit_ns, so that the cost of a host call (a VM exit on KVM)
 * can be modelled, and batching can be measured against it.  With the
 * carve-out on (utmem.sim_carve_out=1), the host's capacity is taken out
 * of this guest's memory (sim_reserve.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": sim: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <kunit/visibility.h>
#include <linux/string.h>

#include "backend_sim.h"
#include "sim.h"

static char sim_capacity[24];
module_param_string(sim_capacity, sim_capacity, sizeof(sim_capacity), 0444);
MODULE_PARM_DESC(sim_capacity,
		 "Simulated host capacity, with K/M/G suffix (default: a quarter of RAM)");

static bool sim_carve_out;
module_param(sim_carve_out, bool, 0444);
MODULE_PARM_DESC(sim_carve_out,
		 "Set the simulated host's capacity aside from this guest's memory (default: off)");

struct utmem_sim *utmem_sim_of(struct tmem_backend *be)
{
	return be->priv;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_sim_of);

static struct utmem_host_client *sim_client(struct tmem_backend *be)
{
	return utmem_sim_of(be)->client;
}

/*
 * A busy wait, not a sleep: a VM exit keeps the vCPU busy, and the guest
 * users call in atomic context.  ktime_get_ns(), not local_clock(): UML's
 * sched_clock counts jiffies, which turned a 1 us exit into up to 10 ms.
 */
static void sim_exit(struct tmem_backend *be)
{
	u64 ns = READ_ONCE(utmem_sim_of(be)->exit_ns);
	u64 end;

	if (!ns)
		return;
	end = ktime_get_ns() + ns;
	while (ktime_get_ns() < end)
		cpu_relax();
}

/* The host wants memory back: the guest users decide which pages go. */
static void sim_reclaim(struct utmem_host *host, unsigned long nr_pages)
{
	tmem_request_reclaim(nr_pages);
}

static int sim_probe(struct tmem_backend *be)
{
	struct utmem_sim *sb;
	u64 capacity;
	int err;

	err = utmem_host_parse_capacity(sim_capacity, &capacity);
	if (err) {
		pr_err("utmem.sim_capacity=%s is not a size\n", sim_capacity);
		return err;
	}
	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	sb->host = utmem_host_create(capacity);
	if (IS_ERR(sb->host)) {
		err = PTR_ERR(sb->host);
		goto free_sb;
	}
	sb->host->reclaim = sim_reclaim;
	utmem_sim_reserve_attach(&sb->reserve, sb->host);
	if (sim_carve_out && utmem_sim_set_carve_out(&sb->reserve, true))
		pr_warn("could set aside only %llu of %llu bytes for the host\n",
			utmem_sim_reserve_bytes(&sb->reserve), capacity);
	/* Before the client, so that it gets its clients/ directory. */
	utmem_host_debugfs_init(sb->host, be->debugfs);
	utmem_sim_debugfs_init(sb, be->debugfs);
	utmem_sim_bench_debugfs_init(be->debugfs);
	sb->client = utmem_host_client_create(sb->host);
	if (!sb->client) {
		err = -ENOMEM;
		goto destroy_host;
	}
	utmem_host_client_debugfs_add(sb->client);
	be->priv = sb;
	return 0;

destroy_host:
	utmem_sim_reserve_detach(&sb->reserve);
	utmem_host_destroy(sb->host);
free_sb:
	kfree(sb);
	return err;
}

static void sim_remove(struct tmem_backend *be)
{
	struct utmem_sim *sb = be->priv;

	utmem_host_client_destroy(sb->client);
	utmem_sim_reserve_detach(&sb->reserve);
	utmem_host_destroy(sb->host);
	kfree(sb);
}

static tmem_status_t sim_new_pool(struct tmem_backend *be, u32 flags,
				  const uuid_t *uuid, u32 *pool_id)
{
	sim_exit(be);
	return utmem_host_new_pool(sim_client(be), flags, uuid, pool_id);
}

static tmem_status_t sim_destroy_pool(struct tmem_backend *be, u32 pool_id)
{
	sim_exit(be);
	return utmem_host_destroy_pool(sim_client(be), pool_id);
}

static tmem_status_t sim_put(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, const void *src,
			     u32 len)
{
	sim_exit(be);
	return utmem_host_put(sim_client(be), pool_id, h, src, len);
}

static tmem_status_t sim_get(struct tmem_backend *be, u32 pool_id,
			     const struct tmem_handle *h, void *dst, u32 size,
			     u32 *len)
{
	sim_exit(be);
	return utmem_host_get(sim_client(be), pool_id, h, dst, size, len);
}

static tmem_status_t sim_flush_page(struct tmem_backend *be, u32 pool_id,
				    const struct tmem_handle *h)
{
	sim_exit(be);
	return utmem_host_flush_page(sim_client(be), pool_id, h);
}

static tmem_status_t sim_flush_object(struct tmem_backend *be, u32 pool_id,
				      const struct tmem_oid *oid)
{
	sim_exit(be);
	return utmem_host_flush_object(sim_client(be), pool_id, oid);
}

static tmem_status_t sim_flush_pool(struct tmem_backend *be, u32 pool_id)
{
	sim_exit(be);
	return utmem_host_flush_pool(sim_client(be), pool_id);
}

static tmem_status_t sim_put_batch(struct tmem_backend *be, u32 pool_id,
				   struct tmem_batch_entry *ent, u32 nr)
{
	sim_exit(be);
	return utmem_host_put_batch(sim_client(be), pool_id, ent, nr);
}

static tmem_status_t sim_pool_info(struct tmem_backend *be, u32 pool_id,
				   struct tmem_pool_info *info)
{
	sim_exit(be);
	return utmem_host_pool_info(sim_client(be), pool_id, info);
}

const struct tmem_backend_ops tmem_sim_backend_ops = {
	.name = "sim",
	.probe = sim_probe,
	.remove = sim_remove,
	.new_pool = sim_new_pool,
	.destroy_pool = sim_destroy_pool,
	.put = sim_put,
	.get = sim_get,
	.flush_page = sim_flush_page,
	.flush_object = sim_flush_object,
	.flush_pool = sim_flush_pool,
	.put_batch = sim_put_batch,
	.pool_info = sim_pool_info,
};
EXPORT_SYMBOL_IF_KUNIT(tmem_sim_backend_ops);

/**
 * utmem_sim_backend_host() - the simulated host behind a sim backend
 * @be: a backend bound to tmem_sim_backend_ops
 *
 * For tests and the selftest, which turn the host's knobs.
 */
struct utmem_host *utmem_sim_backend_host(struct tmem_backend *be)
{
	return utmem_sim_of(be)->host;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_sim_backend_host);
