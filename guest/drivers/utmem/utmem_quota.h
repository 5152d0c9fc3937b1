/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: limits per user and for the device; see utmem_quota.c. */
#ifndef _UTMEM_QUOTA_H
#define _UTMEM_QUOTA_H

#include <linux/atomic.h>
#include <linux/types.h>

struct utmem_file_pool;
struct utmem_user;

extern atomic64_t utmem_dev_pools;

void utmem_quota_init(void);
struct utmem_user *utmem_user_get(void);
void utmem_user_put(struct utmem_user *u);
int utmem_quota_pool_add(struct utmem_user *u, struct utmem_file_pool *fp);
void utmem_quota_pool_link(struct utmem_user *u, struct utmem_file_pool *fp);
void utmem_quota_pool_del(struct utmem_user *u, struct utmem_file_pool *fp);
bool utmem_quota_over(struct utmem_user *u, u64 bytes);
int utmem_quota_charge(struct utmem_user *u, struct utmem_file_pool *fp,
		       u64 bytes);

#if IS_ENABLED(CONFIG_KUNIT)
/* The module parameters, for tests that need other limits. */
extern unsigned int utmem_dev_max_pools;
extern unsigned int utmem_user_max_pools;
extern unsigned long utmem_user_max_bytes;
#endif

#endif /* _UTMEM_QUOTA_H */
