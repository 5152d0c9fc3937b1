/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/utmem: the keys of a pool whose values span chunks; see utmem_multi.c. */
#ifndef _UTMEM_MULTI_H
#define _UTMEM_MULTI_H

#include <linux/rhashtable-types.h>
#include <utmem/tmem.h>

/* Past this many keys a pool stops listing them and assumes any key. */
#define UTMEM_MULTI_MAX		65536

/**
 * struct utmem_multi - keys that may have chunks beyond the first
 * @keys: their objects
 * @overflow: a key could not be listed: treat every key as listed
 * @live: @keys is initialised (a re-initialisation can fail)
 */
struct utmem_multi {
	struct rhashtable keys;
	bool overflow;
	bool live;
};

int utmem_multi_init(struct utmem_multi *m);
void utmem_multi_destroy(struct utmem_multi *m);
bool utmem_multi_may_have(struct utmem_multi *m, const struct tmem_oid *oid);
void utmem_multi_add(struct utmem_multi *m, const struct tmem_oid *oid);
void utmem_multi_del(struct utmem_multi *m, const struct tmem_oid *oid);
void utmem_multi_clear(struct utmem_multi *m);

#endif /* _UTMEM_MULTI_H */
