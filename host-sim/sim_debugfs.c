// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's own knobs, in its debugfs directory beside its host's
 * files (host/host_debugfs.c):
 *
 *   exit_ns          rw  cost of each host call, at most 10 ms
 *   carve_out        rw  0/1: the capacity is set aside from the guest's
 *                        memory (see sim_reserve.c)
 *   reserve_bytes    ro  memory set aside and not holding data yet
 *   reclaim_pages    wo  N: the host asks this guest for N persistent
 *                        pages back
 *
 * A bad value gets -EINVAL and changes nothing.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>

#include "sim.h"

static int exit_ns_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct utmem_sim *)data)->exit_ns);
	return 0;
}

static int exit_ns_set(void *data, u64 val)
{
	return utmem_sim_set_exit_ns(data, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(exit_ns_fops, exit_ns_get, exit_ns_set, "%llu\n");

static int carve_out_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct utmem_sim *)data)->reserve.carve_out);
	return 0;
}

static int carve_out_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	/* -ENOMEM leaves it on with what the guest could spare. */
	return utmem_sim_set_carve_out(&((struct utmem_sim *)data)->reserve,
				       val);
}

DEFINE_DEBUGFS_ATTRIBUTE(carve_out_fops, carve_out_get, carve_out_set,
			 "%llu\n");

static int reserve_bytes_get(void *data, u64 *val)
{
	*val = utmem_sim_reserve_bytes(&((struct utmem_sim *)data)->reserve);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(reserve_bytes_fops, reserve_bytes_get, NULL,
			 "%llu\n");

static int reclaim_pages_set(void *data, u64 val)
{
	return utmem_host_request_reclaim(((struct utmem_sim *)data)->host,
					  val);
}

DEFINE_DEBUGFS_ATTRIBUTE(reclaim_pages_fops, NULL, reclaim_pages_set,
			 "%llu\n");

void utmem_sim_debugfs_init(struct utmem_sim *sim, struct dentry *dir)
{
	if (!dir)
		return;
	debugfs_create_file_unsafe("exit_ns", 0644, dir, sim, &exit_ns_fops);
	debugfs_create_file_unsafe("reclaim_pages", 0200, dir, sim,
				   &reclaim_pages_fops);
	debugfs_create_file_unsafe("carve_out", 0644, dir, sim,
				   &carve_out_fops);
	debugfs_create_file_unsafe("reserve_bytes", 0444, dir, sim,
				   &reserve_bytes_fops);
}
