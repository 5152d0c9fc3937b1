// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only debugfs files for atomic64_t counters, which every layer of
 * the suite shows (guest core and users, host engine, KVM binding).  A
 * leaf: it calls nothing of the suite, so that any layer may use it.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>

#include <utmem/debugfs.h>

static int atomic64_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(utmem_counter_fops, atomic64_get, NULL, "%llu\n");

/**
 * utmem_debugfs_counter() - a read-only file showing one counter
 * @name: the file's name
 * @dir: its directory
 * @counter: what it shows; must outlive the file
 */
void utmem_debugfs_counter(const char *name, struct dentry *dir,
			   atomic64_t *counter)
{
	debugfs_create_file_unsafe(name, 0444, dir, counter,
				   &utmem_counter_fops);
}

/**
 * utmem_debugfs_counters() - one read-only file per entry of a table
 * @dir: their directory
 * @table: names and counters
 * @n: entries in @table
 */
void utmem_debugfs_counters(struct dentry *dir,
			    const struct utmem_counter *table,
			    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		utmem_debugfs_counter(table[i].name, dir, table[i].counter);
}
