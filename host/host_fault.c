// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for a host's pool engine, for tests, through the kernel's
 * fault-injection framework (Documentation/fault-injection/).  Each host
 * has four attributes, each a directory in the host's debugfs:
 *
 *   fail_put        a PUT is refused (the old value at the handle is gone)
 *   drop_ephemeral  before a call, the host evicts one ephemeral page
 *   fail_get        a GET of an ephemeral page fails; the page is lost
 *   corrupt_get     a GET returns the value with its first byte flipped
 *
 * They start disabled (probability 0).  The first three are something a
 * real host is allowed to do, so a guest user that loses data under any
 * mix of them has a bug.  corrupt_get is what a hostile host, or another
 * guest that put into a shared pool, could do: only a user that checks
 * what it gets (cleancache's shared fs-verity pages) is to meet it.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "host.h"

void utmem_host_fault_init(struct utmem_host *host)
{
	static const struct fault_attr off = FAULT_ATTR_INITIALIZER;

	host->fail_put = off;
	host->drop_ephemeral = off;
	host->fail_get = off;
	host->corrupt_get = off;
	/* A line per fault, but no stack dump: faults come in thousands. */
	host->fail_put.verbose = 1;
	host->drop_ephemeral.verbose = 1;
	host->fail_get.verbose = 1;
	host->corrupt_get.verbose = 1;
}

/* Atomic-safe: should_fail() neither sleeps nor allocates. */
bool utmem_host_fault_fail_put(struct utmem_host *host)
{
	return should_fail(&host->fail_put, 1);
}

bool utmem_host_fault_drop_eph(struct utmem_host *host)
{
	return should_fail(&host->drop_ephemeral, 1);
}

bool utmem_host_fault_fail_get(struct utmem_host *host)
{
	return should_fail(&host->fail_get, 1);
}

bool utmem_host_fault_corrupt_get(struct utmem_host *host)
{
	return should_fail(&host->corrupt_get, 1);
}

void utmem_host_fault_debugfs_init(struct utmem_host *host,
				   struct dentry *dir)
{
	fault_create_debugfs_attr("fail_put", dir, &host->fail_put);
	fault_create_debugfs_attr("drop_ephemeral", dir,
				  &host->drop_ephemeral);
	fault_create_debugfs_attr("fail_get", dir, &host->fail_get);
	fault_create_debugfs_attr("corrupt_get", dir, &host->corrupt_get);
}
