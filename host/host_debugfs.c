// SPDX-License-Identifier: GPL-2.0
/*
 * A host's knobs and counters in debugfs, one value per file (the
 * simulator adds its own beside them, host-sim/sim_debugfs.c):
 *
 *   capacity_bytes   rw  bytes the host may hold, data and records
 *   used_bytes       ro  bytes it holds (data after compression, each blob
 *                        once, and the records of every value)
 *   raw_bytes        ro  bytes the guests put for what it holds
 *   pages            ro  values it holds
 *   compress         rw  0/1: compress new values
 *   compressor       rw  lz4 (default) or zstd: which compressor new values
 *                        get; stored values keep theirs
 *   dedup            rw  0/1: share blobs between equal new values of a
 *                        client
 *   dedup_cross_client rw 0/1: and between clients (a side channel: a
 *                        client can learn what another holds; off)
 *   max_hold_ns      rw  longest hold of the host lock by a bulk operation
 *                        (emptying a pool or object, evicting to a new cap
 *                        or capacity, an owner change); write 0 to reset
 *   footprint_bytes  ro  memory the stored data takes
 *   counters/<name>  ro  events since the host was created
 *   clients/<id>/    weight (rw, 1..10000), cap_bytes (rw, 0 = none),
 *                    max_values (rw, 1..2^32), used_bytes, pages (ro)
 *   fail_put/, drop_ephemeral/, fail_get/, corrupt_get/: fault-injection
 *                    attributes (host_fault.c)
 *
 * Writes are validated by the same functions an in-kernel administrator
 * calls (utmem_host_set_*); a bad value gets -EINVAL and changes nothing.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "host.h"
#include <utmem/debugfs.h>

static int host_capacity_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	*val = utmem_host_read(host, &host->capacity);
	return 0;
}

static int host_used_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	*val = utmem_host_read(host, &host->used);
	return 0;
}

static int host_raw_bytes_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	*val = utmem_host_read(host, &host->raw_bytes);
	return 0;
}

static int host_pages_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	*val = utmem_host_read(host, &host->pages);
	return 0;
}

static int host_capacity_set(void *data, u64 val)
{
	return utmem_host_set_capacity(data, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(capacity_fops, host_capacity_get, host_capacity_set,
			 "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(used_fops, host_used_get, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(raw_bytes_fops, host_raw_bytes_get, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(pages_fops, host_pages_get, NULL, "%llu\n");

static int compress_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct utmem_host *)data)->compress);
	return 0;
}

static int compress_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	utmem_host_set_compress(data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(compress_fops, compress_get, compress_set, "%llu\n");

static const char *const codec_names[] = {
	[UTMEM_HOST_CODEC_LZ4] = "lz4",
	[UTMEM_HOST_CODEC_ZSTD] = "zstd",
};

static ssize_t compressor_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct utmem_host *host = file->private_data;
	int codec = READ_ONCE(host->codec);
	char buf[8];
	int n;

	n = scnprintf(buf, sizeof(buf), "%s\n", codec_names[codec]);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t compressor_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct utmem_host *host = file->private_data;
	char buf[8] = {};
	int codec, err;

	if (len >= sizeof(buf) || copy_from_user(buf, ubuf, len))
		return -EINVAL;
	for (codec = 0; codec < ARRAY_SIZE(codec_names); codec++)
		if (codec_names[codec] && sysfs_streq(buf, codec_names[codec]))
			break;
	if (codec == ARRAY_SIZE(codec_names)) {
		pr_warn_ratelimited("utmem: host compressor: \"lz4\" or \"zstd\"\n");
		return -EINVAL;
	}
	err = utmem_host_set_compressor(host, codec);
	return err ? err : len;
}

static const struct file_operations compressor_fops = {
	.open = simple_open,
	.read = compressor_read,
	.write = compressor_write,
	.llseek = default_llseek,
};

static int dedup_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct utmem_host *)data)->dedup);
	return 0;
}

static int dedup_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	utmem_host_set_dedup(data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(dedup_fops, dedup_get, dedup_set, "%llu\n");

static int dedup_cross_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct utmem_host *)data)->dedup_cross_client);
	return 0;
}

static int dedup_cross_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	utmem_host_set_dedup_cross_client(data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(dedup_cross_fops, dedup_cross_get, dedup_cross_set,
			 "%llu\n");

static int max_hold_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	*val = utmem_host_read(host, &host->max_hold_ns);
	return 0;
}

static int max_hold_set(void *data, u64 val)
{
	struct utmem_host *host = data;
	unsigned long flags;

	if (val)
		return -EINVAL;
	spin_lock_irqsave(&host->lock, flags);
	host->max_hold_ns = 0;
	spin_unlock_irqrestore(&host->lock, flags);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(max_hold_fops, max_hold_get, max_hold_set, "%llu\n");

static int footprint_get(void *data, u64 *val)
{
	struct utmem_host *host = data;

	unsigned long flags;

	spin_lock_irqsave(&host->lock, flags);
	*val = utmem_host_footprint(host);
	spin_unlock_irqrestore(&host->lock, flags);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(footprint_fops, footprint_get, NULL, "%llu\n");

static int client_weight_get(void *data, u64 *val)
{
	struct utmem_host_client *client = data;

	/* u32, cannot tear */
	*val = READ_ONCE(client->weight);
	return 0;
}

static int client_cap_get(void *data, u64 *val)
{
	struct utmem_host_client *client = data;

	*val = utmem_host_read(client->host, &client->cap);
	return 0;
}

static int client_used_get(void *data, u64 *val)
{
	struct utmem_host_client *client = data;

	*val = utmem_host_read(client->host, &client->used);
	return 0;
}

static int client_pages_get(void *data, u64 *val)
{
	struct utmem_host_client *client = data;

	*val = utmem_host_read(client->host, &client->pages);
	return 0;
}

static int client_max_values_get(void *data, u64 *val)
{
	struct utmem_host_client *client = data;

	*val = utmem_host_read(client->host, &client->max_values);
	return 0;
}

static int client_max_values_set(void *data, u64 val)
{
	return utmem_host_set_max_values(data, val);
}

static int client_weight_set(void *data, u64 val)
{
	return utmem_host_set_weight(data, val);
}

static int client_cap_set(void *data, u64 val)
{
	return utmem_host_set_cap(data, val);
}

DEFINE_DEBUGFS_ATTRIBUTE(weight_fops, client_weight_get, client_weight_set,
			 "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(cap_fops, client_cap_get, client_cap_set, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(client_used_fops, client_used_get, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(client_pages_fops, client_pages_get, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(max_values_fops, client_max_values_get,
			 client_max_values_set, "%llu\n");

/**
 * utmem_host_debugfs_init() - populate a host's debugfs directory
 * @host: the host
 * @dir: the directory; NULL for a host without one (tests)
 */
void utmem_host_debugfs_init(struct utmem_host *host, struct dentry *dir)
{
	struct dentry *counters;
	int i;

	if (!dir)
		return;
	host->debugfs = dir;
	debugfs_create_file_unsafe("capacity_bytes", 0644, dir, host,
				   &capacity_fops);
	debugfs_create_file_unsafe("used_bytes", 0444, dir, host, &used_fops);
	debugfs_create_file_unsafe("raw_bytes", 0444, dir, host,
				   &raw_bytes_fops);
	debugfs_create_file_unsafe("pages", 0444, dir, host, &pages_fops);
	debugfs_create_file("compressor", 0644, dir, host, &compressor_fops);
	debugfs_create_file_unsafe("compress", 0644, dir, host,
				   &compress_fops);
	debugfs_create_file_unsafe("dedup", 0644, dir, host, &dedup_fops);
	debugfs_create_file_unsafe("dedup_cross_client", 0644, dir, host,
				   &dedup_cross_fops);
	debugfs_create_file_unsafe("max_hold_ns", 0644, dir, host,
				   &max_hold_fops);
	debugfs_create_file_unsafe("footprint_bytes", 0444, dir, host,
				   &footprint_fops);

	counters = debugfs_create_dir("counters", dir);
	for (i = 0; i < UTMEM_HOST_NR_COUNTERS; i++)
		utmem_debugfs_counter(utmem_host_counter_names[i], counters,
				      &host->counters[i]);

	host->clients_debugfs = debugfs_create_dir("clients", dir);
	utmem_host_fault_debugfs_init(host, dir);
}

/* Called for every client once it is on the host's list. */
void utmem_host_client_debugfs_add(struct utmem_host_client *client)
{
	struct dentry *parent = client->host->clients_debugfs;
	struct dentry *dir;
	char name[12];

	if (!parent)
		return;
	snprintf(name, sizeof(name), "%u", client->id);
	dir = debugfs_create_dir(name, parent);
	client->debugfs = dir;
	debugfs_create_file_unsafe("weight", 0644, dir, client, &weight_fops);
	debugfs_create_file_unsafe("cap_bytes", 0644, dir, client, &cap_fops);
	debugfs_create_file_unsafe("max_values", 0644, dir, client,
				   &max_values_fops);
	debugfs_create_file_unsafe("used_bytes", 0444, dir, client,
				   &client_used_fops);
	debugfs_create_file_unsafe("pages", 0444, dir, client,
				   &client_pages_fops);
}
