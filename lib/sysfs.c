// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/utmem/: what an operator reads and sets, one value per
 * file, stable (docs/ABI/sysfs-kernel-utmem).  Each layer adds its own
 * directory: a table of counters, read-only, and the attributes it
 * defines itself.  debugfs keeps what is for debugging.
 *
 * A leaf, like lib/debugfs_counter.c: it calls nothing of the suite.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <utmem/sysfs.h>

static struct kobject *utmem_kobj;

/**
 * utmem_sysfs_init() - make /sys/kernel/utmem
 *
 * Return: 0 or -ENOMEM.
 */
int utmem_sysfs_init(void)
{
	utmem_kobj = kobject_create_and_add("utmem", kernel_kobj);
	return utmem_kobj ? 0 : -ENOMEM;
}

/** utmem_sysfs_exit() - remove /sys/kernel/utmem, after its directories */
void utmem_sysfs_exit(void)
{
	/* Gone from sysfs now, whenever the last reference goes. */
	if (utmem_kobj)
		kobject_del(utmem_kobj);
	kobject_put(utmem_kobj);
	utmem_kobj = NULL;
}

/**
 * utmem_sysfs_root() - /sys/kernel/utmem, for attributes of its own
 *
 * Return: its kobject, or NULL before utmem_sysfs_init().
 */
struct kobject *utmem_sysfs_root(void)
{
	return utmem_kobj;
}

/* One counter file. */
struct counter_attr {
	struct kobj_attribute attr;
	atomic64_t *counter;
};

/* A layer's directory, with its counter files' memory. */
struct utmem_sysfs_dir {
	struct kobject kobj;
	struct attribute_group group;
	const struct attribute_group *groups[3];
	struct counter_attr *counters;
	struct attribute **attrs;
};

static ssize_t counter_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct counter_attr *c = container_of(attr, struct counter_attr, attr);

	return sysfs_emit(buf, "%llu\n", (u64)atomic64_read(c->counter));
}

static void dir_release(struct kobject *kobj)
{
	struct utmem_sysfs_dir *dir = container_of(kobj, struct utmem_sysfs_dir,
						   kobj);

	kfree(dir->attrs);
	kfree(dir->counters);
	kfree(dir);
}

static const struct kobj_type dir_ktype = {
	.release = dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/**
 * utmem_sysfs_add() - a layer's directory under /sys/kernel/utmem
 * @name: the directory's name
 * @table: counters, each a read-only file; the names must outlive it
 * @n: entries in @table
 * @extra: attributes of the layer's own, or NULL
 *
 * May sleep.  Return: the directory, or NULL (logged by the caller: a
 * layer runs without its sysfs files rather than not at all).
 */
struct kobject *utmem_sysfs_add(const char *name,
				const struct utmem_counter *table,
				unsigned int n,
				const struct attribute_group *extra)
{
	struct utmem_sysfs_dir *dir;
	unsigned int i;

	if (!utmem_kobj)
		return NULL;
	dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	if (!dir)
		return NULL;
	dir->counters = kcalloc(n, sizeof(*dir->counters), GFP_KERNEL);
	dir->attrs = kcalloc(n + 1, sizeof(*dir->attrs), GFP_KERNEL);
	if (!dir->counters || !dir->attrs) {
		dir_release(&dir->kobj);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct counter_attr *c = &dir->counters[i];

		sysfs_attr_init(&c->attr.attr);
		c->attr.attr.name = table[i].name;
		c->attr.attr.mode = 0444;
		c->attr.show = counter_show;
		c->counter = table[i].counter;
		dir->attrs[i] = &c->attr.attr;
	}
	dir->group.attrs = dir->attrs;
	dir->groups[0] = &dir->group;
	dir->groups[1] = extra;
	kobject_init(&dir->kobj, &dir_ktype);
	if (kobject_add(&dir->kobj, utmem_kobj, "%s", name) ||
	    sysfs_create_groups(&dir->kobj, dir->groups)) {
		kobject_put(&dir->kobj);
		return NULL;
	}
	return &dir->kobj;
}

/**
 * utmem_sysfs_remove() - remove a directory utmem_sysfs_add() made
 * @dir: the directory, or NULL
 */
void utmem_sysfs_remove(struct kobject *dir)
{
	struct utmem_sysfs_dir *d;

	if (!dir)
		return;
	d = container_of(dir, struct utmem_sysfs_dir, kobj);
	sysfs_remove_groups(dir, d->groups);
	kobject_del(dir);
	kobject_put(dir);
}
