/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulator: a host inside this kernel, for tests and demos.  The
 * pool engine is host/'s; what is the simulator's own is here: the
 * latency model (exit_ns), the carve-out of the host's capacity from this
 * guest's memory (sim_reserve.c), its debug knobs (sim_debugfs.c) and its
 * benchmarks (sim_bench.c).
 */
#ifndef _UTMEM_SIM_H
#define _UTMEM_SIM_H

#include <linux/errno.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <utmem/tmem.h>

#include "../host/host.h"

/* The longest modelled host call. */
#define UTMEM_SIM_EXIT_NS_MAX		(10 * NSEC_PER_MSEC)

/**
 * struct utmem_sim_reserve - a host's capacity set aside from this guest
 * @host: the host whose footprint it follows
 * @carve_out: on: pages are set aside
 * @pages: pages set aside and not used yet, linked by page->lru
 * @nr_pages: how many
 * @work: refills @pages when data leaves the host
 *
 * Under @host->lock but for @work.
 */
struct utmem_sim_reserve {
	struct utmem_host *host;
	bool carve_out;
	struct list_head pages;
	unsigned long nr_pages;
	struct work_struct work;
};

/* sim_reserve.c */
void utmem_sim_reserve_attach(struct utmem_sim_reserve *r,
			      struct utmem_host *host);
void utmem_sim_reserve_detach(struct utmem_sim_reserve *r);
int utmem_sim_set_carve_out(struct utmem_sim_reserve *r, bool on);
u64 utmem_sim_reserve_bytes(struct utmem_sim_reserve *r);

/**
 * struct utmem_sim - one bound simulator
 * @host: its host
 * @client: this guest, the host's one client
 * @reserve: the carve-out
 * @exit_ns: nanoseconds each host call costs (a modelled VM exit)
 */
struct utmem_sim {
	struct utmem_host *host;
	struct utmem_host_client *client;
	struct utmem_sim_reserve reserve;
	u64 exit_ns;
};

/* backend_sim.c */
struct utmem_sim *utmem_sim_of(struct tmem_backend *be);
struct utmem_host *utmem_sim_backend_host(struct tmem_backend *be);

/* The latency model's knob, for debugfs and the tests: at most 10 ms. */
static inline int utmem_sim_set_exit_ns(struct utmem_sim *sim, u64 ns)
{
	if (ns > UTMEM_SIM_EXIT_NS_MAX)
		return -EINVAL;
	WRITE_ONCE(sim->exit_ns, ns);
	return 0;
}

/* sim_debugfs.c: the simulator's knobs beside its host's files. */
void utmem_sim_debugfs_init(struct utmem_sim *sim, struct dentry *dir);

/* Benchmarks of the page path on hosts of their own: sim_bench.c. */
#ifdef CONFIG_UTMEM_BENCH
void utmem_sim_bench_debugfs_init(struct dentry *dir);
#else
static inline void utmem_sim_bench_debugfs_init(struct dentry *dir) { }
#endif

#endif /* _UTMEM_SIM_H */
