/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A table of counters, which a layer shows in debugfs
 * (utmem_debugfs_counters()) and, where an operator needs them, in sysfs
 * (utmem_sysfs_add()).
 */
#ifndef _UTMEM_COUNTER_H
#define _UTMEM_COUNTER_H

#include <linux/atomic.h>

/**
 * struct utmem_counter - one entry of a table of counters
 * @name: the file's name
 * @counter: what it shows; outlives the file
 */
struct utmem_counter {
	const char *name;
	atomic64_t *counter;
};

#endif /* _UTMEM_COUNTER_H */
