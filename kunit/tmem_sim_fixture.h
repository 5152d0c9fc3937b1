/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the suites that drive the pool engine directly share: a host of
 * their own with two clients, and the check, when the clients go, that
 * they gave back every byte, page and record they were charged.
 */
#ifndef _UTMEM_KUNIT_SIM_FIXTURE_H
#define _UTMEM_KUNIT_SIM_FIXTURE_H

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/rbtree.h>

#include "../host-sim/backend_sim.h"
#include "../host-sim/sim.h"

#define SIM_FIXTURE_CAPACITY	(64ULL << 20)

static inline void sim_fixture_init(struct kunit *test,
				    struct utmem_host **host,
				    struct utmem_host_client **a,
				    struct utmem_host_client **b)
{
	*host = utmem_host_create(SIM_FIXTURE_CAPACITY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(*host));
	*a = utmem_host_client_create(*host);
	*b = utmem_host_client_create(*host);
	KUNIT_ASSERT_NOT_NULL(test, *a);
	KUNIT_ASSERT_NOT_NULL(test, *b);
}

static inline void sim_fixture_exit(struct kunit *test,
				    struct utmem_host *host,
				    struct utmem_host_client *a,
				    struct utmem_host_client *b)
{
	utmem_host_client_destroy(a);
	utmem_host_client_destroy(b);
	KUNIT_EXPECT_EQ(test, host->used, 0);
	KUNIT_EXPECT_EQ(test, host->pages, 0);
	KUNIT_EXPECT_EQ(test, host->raw_bytes, 0);
	KUNIT_EXPECT_EQ(test, host->footprint, 0);
	KUNIT_EXPECT_EQ(test, host->records, 0);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&host->dedup_tree));
	utmem_host_destroy(host);
}

#endif /* _UTMEM_KUNIT_SIM_FIXTURE_H */
