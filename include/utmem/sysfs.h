/* SPDX-License-Identifier: GPL-2.0 */
/*
 * utmem's operator interface in sysfs, /sys/kernel/utmem/: a directory
 * per layer, one value per file, documented as ABI in
 * docs/ABI/sysfs-kernel-utmem.  lib/sysfs.c.
 */
#ifndef _UTMEM_SYSFS_H
#define _UTMEM_SYSFS_H

#include <linux/sysfs.h>
#include <utmem/counter.h>

struct kobject;

int utmem_sysfs_init(void);
void utmem_sysfs_exit(void);
struct kobject *utmem_sysfs_root(void);
struct kobject *utmem_sysfs_add(const char *name,
				const struct utmem_counter *table,
				unsigned int n,
				const struct attribute_group *extra);
void utmem_sysfs_remove(struct kobject *dir);

#endif /* _UTMEM_SYSFS_H */
