// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM host kernel short of memory: a shrinker over the pages VMs
 * store.  Ephemeral pages go first, where they hurt least (the VMs
 * furthest over their weighted shares); what ephemeral pages cannot
 * cover is asked back from the VMs holding persistent pages, in
 * proportion to what each holds (host/host_reclaim.c).  A VM learns what
 * it owes from its next answer and writes that many pages to its swap
 * device; the pages asked for are freed when it flushes them, so the
 * shrinker counts only what it dropped itself.
 *
 * The shrinker is not memcg-aware: a VM's own memory.max is enforced
 * when it PUTs (kvm_host_memcg.c); this is the host's pressure as a whole.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/shrinker.h>

#include "../host/host.h"
#include "kvm_host_vm.h"

atomic64_t kvm_host_shrinker_evicted;
atomic64_t kvm_host_shrinker_asked;
static struct shrinker *kvm_host_shrinker;

static unsigned long count_pages(struct shrinker *shrinker,
				 struct shrink_control *sc)
{
	return utmem_host_reclaimable(utmem_kvm_engine);
}

static unsigned long scan_pages(struct shrinker *shrinker,
				struct shrink_control *sc)
{
	u64 dropped, asked = 0;

	dropped = utmem_host_shrink_ephemeral(utmem_kvm_engine, sc->nr_to_scan);
	if (dropped < sc->nr_to_scan)
		asked = utmem_host_ask_clients(utmem_kvm_engine,
					       sc->nr_to_scan - dropped);
	atomic64_add(dropped, &kvm_host_shrinker_evicted);
	atomic64_add(asked, &kvm_host_shrinker_asked);
	sc->nr_scanned = dropped + asked;
	return dropped ?: SHRINK_STOP;
}

int kvm_host_shrinker_init(void)
{
	kvm_host_shrinker = shrinker_alloc(0, "utmem-kvm-host");
	if (!kvm_host_shrinker)
		return -ENOMEM;
	kvm_host_shrinker->count_objects = count_pages;
	kvm_host_shrinker->scan_objects = scan_pages;
	kvm_host_shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(kvm_host_shrinker);
	return 0;
}

void kvm_host_shrinker_exit(void)
{
	shrinker_free(kvm_host_shrinker);
	kvm_host_shrinker = NULL;
}
