// SPDX-License-Identifier: GPL-2.0
/*
 * tmem core debugfs, under /sys/kernel/debug/utmem/, one value per file:
 *
 *   backend               the bound backend's name
 *   calls/<op>            host calls per operation
 *   errors/<op>           calls answered with an error (not OK, MISS or
 *                         REFUSED, which are normal answers)
 *   pools/<name>/<stat>   per pool: id, flags, puts, put_refused,
 *                         put_failed, gets, hits, misses, get_failed,
 *                         flushes, and the host's view: host_pages,
 *                         host_raw_bytes, host_stored_bytes, host_evicted,
 *                         host_puts, host_flushes (struct tmem_pool_info)
 *   selftest              write N: PUT, GET and verify N pages in a pool of
 *                         each kind on the bound backend; the write fails
 *                         with -EIO if any value comes back wrong
 *                         (tmem_selftest.c, with CONFIG_UTMEM_BENCH)
 *   <backend>/            the backend's own files
 *
 * This is a developer and administrator interface, not ABI: `utmemctl
 * stats` and `utmemctl pools` read it, and skip what they do not know.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include <utmem/tmem.h>
#include <utmem/debugfs.h>
#include "tmem_internal.h"

/* Pools are listed only for the bound backend, which lives until exit. */
static struct tmem_backend *tmem_pools_be;
static struct dentry *tmem_pools_dir;

static int backend_show(struct seq_file *m, void *unused)
{
	const struct tmem_backend *be = m->private;

	seq_printf(m, "%s\n", be->ops->name);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(backend);

/**
 * tmem_debugfs_init() - the core's files, for the bound backend
 * @be: the bound backend
 * @root: utmem's debugfs directory
 */
void tmem_debugfs_init(struct tmem_backend *be, struct dentry *root)
{
	struct dentry *calls, *errors;
	int op;

	debugfs_create_file("backend", 0444, root, be, &backend_fops);
	calls = debugfs_create_dir("calls", root);
	errors = debugfs_create_dir("errors", root);
	for (op = 0; op < TMEM_OP_NR; op++) {
		utmem_debugfs_counter(tmem_op_names[op], calls,
				      &be->stats.calls[op]);
		utmem_debugfs_counter(tmem_op_names[op], errors,
				      &be->stats.errors[op]);
	}
	tmem_pools_be = be;
	tmem_pools_dir = debugfs_create_dir("pools", root);
}

static int pool_id_get(void *data, u64 *val)
{
	*val = ((struct tmem_pool *)data)->id;
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pool_id_fops, pool_id_get, NULL, "%llu\n");

static int pool_flags_get(void *data, u64 *val)
{
	*val = ((struct tmem_pool *)data)->flags;
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pool_flags_fops, pool_flags_get, NULL, "0x%llx\n");

/* The host's view, fetched on each read: one host call per file read. */
#define TMEM_POOL_INFO_ATTR(field)					\
static int pool_##field##_get(void *data, u64 *val)			\
{									\
	struct tmem_pool_info info;					\
	int err = tmem_pool_info(data, &info);				\
									\
	if (!err)							\
		*val = info.field;					\
	return err;							\
}									\
DEFINE_DEBUGFS_ATTRIBUTE(pool_##field##_fops, pool_##field##_get, NULL,	\
			 "%llu\n")

TMEM_POOL_INFO_ATTR(pages);
TMEM_POOL_INFO_ATTR(raw_bytes);
TMEM_POOL_INFO_ATTR(stored_bytes);
TMEM_POOL_INFO_ATTR(evicted);
TMEM_POOL_INFO_ATTR(puts);
TMEM_POOL_INFO_ATTR(flushes);

/* One file per counter of @st, in @dir. */
static void pool_stats_files(struct dentry *dir, struct tmem_pool_stats *st)
{
	const struct utmem_counter counters[] = {
		{ "puts", &st->puts },
		{ "put_refused", &st->put_refused },
		{ "put_failed", &st->put_failed },
		{ "gets", &st->gets },
		{ "hits", &st->hits },
		{ "misses", &st->misses },
		{ "get_failed", &st->get_failed },
		{ "flushes", &st->flushes },
	};

	utmem_debugfs_counters(dir, counters, ARRAY_SIZE(counters));
}

void tmem_pool_debugfs_add(struct tmem_pool *pool)
{
	struct dentry *dir;

	if (!tmem_pools_dir || pool->be != tmem_pools_be)
		return;
	dir = debugfs_create_dir(pool->name, tmem_pools_dir);
	if (IS_ERR(dir))	/* a second pool of that name: not shown */
		return;
	pool->debugfs = dir;
	debugfs_create_file_unsafe("id", 0444, dir, pool, &pool_id_fops);
	debugfs_create_file_unsafe("flags", 0444, dir, pool, &pool_flags_fops);
	pool_stats_files(dir, &pool->stats);
	debugfs_create_file_unsafe("host_pages", 0444, dir, pool,
				   &pool_pages_fops);
	debugfs_create_file_unsafe("host_raw_bytes", 0444, dir, pool,
				   &pool_raw_bytes_fops);
	debugfs_create_file_unsafe("host_stored_bytes", 0444, dir, pool,
				   &pool_stored_bytes_fops);
	debugfs_create_file_unsafe("host_evicted", 0444, dir, pool,
				   &pool_evicted_fops);
	debugfs_create_file_unsafe("host_puts", 0444, dir, pool,
				   &pool_puts_fops);
	debugfs_create_file_unsafe("host_flushes", 0444, dir, pool,
				   &pool_flushes_fops);
}

void tmem_pool_debugfs_remove(struct tmem_pool *pool)
{
	debugfs_remove_recursive(pool->debugfs);
	pool->debugfs = NULL;
}
