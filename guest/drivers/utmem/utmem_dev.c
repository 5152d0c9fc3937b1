// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: applications store keys and values in host pools.
 *
 * Pools belong to the open file: their ids are the file's own, so one
 * process cannot name another's pool, and they are destroyed when the
 * file is released.  A shared pool is reached by UUID; the first file to
 * create one records its creator's uid, and later files may open it only
 * from a process of the same uid or with CAP_SYS_ADMIN.
 *
 * Each ioctl copies its struct in with copy_struct_from_user(), which
 * gives the size rules of the uapi header (a struct claims at most a
 * page), validates every field, then acts under the file's mutex, which a
 * fatal signal interrupts.  What a file holds in guest memory is bounded:
 * UTMEM_POOLS_PER_FILE pools, one page of scratch, and for the length of
 * one call a copy of the value, as long as the value is.  What the files
 * of one user make the host hold is bounded too (utmem_quota.c).
 *
 * The device node is root's (0660): a production guest that gives
 * applications tmem adds a group for them with a udev rule (README); every
 * file is charged to the user that opened it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": dev: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>
#include <linux/xarray.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <uapi/linux/utmem.h>

#include "utmem_dev.h"
#include "utmem_kv.h"
#include <utmem/debugfs.h>
#include <utmem/sysfs.h>

atomic64_t utmem_dev_stats[UTMEM_STAT_NR];
/* Open files and their pools, for debugfs. */
static atomic64_t utmem_dev_files;
/* Numbers the files, so that two of one process name pools apart. */
static atomic_t utmem_dev_file_seq = ATOMIC_INIT(0);

/* Shared pools by UUID, with the uid allowed to open them. */
struct utmem_shared {
	struct list_head node;
	uuid_t uuid;
	kuid_t owner;
	unsigned int users;
};

static LIST_HEAD(utmem_shared_list);
static DEFINE_MUTEX(utmem_shared_lock);

static int shared_get(const uuid_t *uuid, struct utmem_shared **out)
{
	struct utmem_shared *s;
	int err = 0;

	mutex_lock(&utmem_shared_lock);
	list_for_each_entry(s, &utmem_shared_list, node) {
		if (!uuid_equal(&s->uuid, uuid))
			continue;
		if (!uid_eq(s->owner, current_euid()) &&
		    !capable(CAP_SYS_ADMIN)) {
			err = -EPERM;
		} else {
			s->users++;
			*out = s;
		}
		goto unlock;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		err = -ENOMEM;
		goto unlock;
	}
	uuid_copy(&s->uuid, uuid);
	s->owner = current_euid();
	s->users = 1;
	list_add(&s->node, &utmem_shared_list);
	*out = s;
unlock:
	mutex_unlock(&utmem_shared_lock);
	return err;
}

static void shared_put(struct utmem_shared *s)
{
	if (!s)
		return;
	mutex_lock(&utmem_shared_lock);
	if (!--s->users) {
		list_del(&s->node);
		kfree(s);
	}
	mutex_unlock(&utmem_shared_lock);
}

static void file_pool_free(struct utmem_file *f, struct utmem_file_pool *fp)
{
	utmem_quota_pool_del(f->user, fp);
	tmem_pool_destroy(fp->store.pool);
	utmem_store_destroy(&fp->store);
	shared_put(fp->shared);
	kfree(fp);
}

static unsigned int coalesce_send(struct utmem_coalesce *c, void *pool,
				  struct tmem_batch_entry *batch,
				  unsigned int n)
{
	struct utmem_file *f = container_of(c, struct utmem_file, coalesce);
	struct utmem_file_pool *fp = pool;
	unsigned int refused = utmem_store_put_batch(&fp->store, batch, n);

	utmem_stat_inc(f, fp, UTMEM_STAT_HOST_PUTS);
	utmem_stat_add(f, fp, UTMEM_STAT_PUT_REFUSED, refused);
	return refused;
}

static void coalesce_flushed(struct utmem_coalesce *c)
{
	struct utmem_file *f = container_of(c, struct utmem_file, coalesce);

	utmem_stat_inc(f, NULL, UTMEM_STAT_FLUSHES);
}

static bool coalesce_hold(struct utmem_coalesce *c)
{
	struct utmem_file *f = container_of(c, struct utmem_file, coalesce);

	if (!mutex_trylock(&f->lock))
		return false;
	kref_get(&f->ref);
	return true;
}

/*
 * The shrinker has unlocked a file it sent and not yet let go of it: a
 * close may have run in between.  A seam for the test of that race.
 */
VISIBLE_IF_KUNIT void utmem_file_unlocked_held(struct utmem_file *f)
{
	KUNIT_STATIC_STUB_REDIRECT(utmem_file_unlocked_held, f);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_file_unlocked_held);

/* The reference outlives the unlock: see struct utmem_file's @ref. */
static void coalesce_release(struct utmem_coalesce *c)
{
	struct utmem_file *f = container_of(c, struct utmem_file, coalesce);

	mutex_unlock(&f->lock);
	utmem_file_unlocked_held(f);
	utmem_file_put(f);
}

static const struct utmem_coalesce_ops file_coalesce_ops = {
	.send = coalesce_send,
	.flushed = coalesce_flushed,
	.hold = coalesce_hold,
	.release = coalesce_release,
};

/**
 * utmem_file_create() - the state of one open /dev/utmem
 * @be: the backend its pools live on
 *
 * Return: the state or an ERR_PTR.
 */
struct utmem_file *utmem_file_create(struct tmem_backend *be)
{
	struct utmem_file *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return ERR_PTR(-ENOMEM);
	f->scratch = kmalloc(TMEM_VALUE_MAX, GFP_KERNEL_ACCOUNT);
	f->user = utmem_user_get();
	if (!f->scratch || !f->user) {
		if (f->user)
			utmem_user_put(f->user);
		kfree(f->scratch);
		kfree(f);
		return ERR_PTR(-ENOMEM);
	}
	f->be = be;
	kref_init(&f->ref);
	mutex_init(&f->lock);
	xa_init_flags(&f->pools, XA_FLAGS_ALLOC);
	utmem_coalesce_init(&f->coalesce, &f->lock, &file_coalesce_ops);
	f->seq = atomic_inc_return(&utmem_dev_file_seq);
	atomic64_inc(&utmem_dev_files);
	return f;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_file_create);

static void file_release(struct kref *ref)
{
	struct utmem_file *f = container_of(ref, struct utmem_file, ref);

	mutex_destroy(&f->lock);
	kfree(f->scratch);
	kfree(f);
	atomic64_dec(&utmem_dev_files);
}

/* Drop a reference to @f; the last frees it. */
void utmem_file_put(struct utmem_file *f)
{
	kref_put(&f->ref, file_release);
}

/*
 * The file is closed: every pool goes, with what it holds.  The memory
 * goes with the last reference (struct utmem_file).
 */
void utmem_file_destroy(struct utmem_file *f)
{
	struct utmem_file_pool *fp;
	unsigned long id;

	utmem_coalesce_exit(&f->coalesce);
	xa_for_each(&f->pools, id, fp)
		file_pool_free(f, fp);
	xa_destroy(&f->pools);
	utmem_user_put(f->user);
	utmem_file_put(f);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_file_destroy);

/**
 * utmem_file_pool_create() - give a file a new pool
 * @f: the file
 * @flags: TMEM_POOL_* and UTMEM_POOL_BARE, already checked
 * @uuid: for a shared pool, its UUID; else NULL
 * @out_id: the pool's id on the file
 *
 * Return: 0 or an errno as UTMEM_POOL_CREATE documents.
 */
int utmem_file_pool_create(struct utmem_file *f, u32 flags,
			   const uuid_t *uuid, u32 *out_id)
{
	struct utmem_file_pool *fp;
	uuid_t host_uuid;
	char name[40];
	u32 id;
	int err;

	fp = kzalloc(sizeof(*fp), GFP_KERNEL_ACCOUNT);
	if (!fp)
		return -ENOMEM;
	utmem_store_init(&fp->store, uuid, flags & UTMEM_POOL_BARE);
	if (uuid) {
		err = shared_get(uuid, &fp->shared);
		if (err)
			goto free;
	}
	err = xa_alloc(&f->pools, &id, fp,
		       XA_LIMIT(0, UTMEM_POOLS_PER_FILE - 1), GFP_KERNEL);
	if (err) {
		err = err == -EBUSY ? -ENOSPC : err;
		goto put_shared;
	}
	err = utmem_quota_pool_add(f->user, fp);
	if (err) {
		xa_erase(&f->pools, id);
		goto put_shared;
	}
	/* dev.<pid>.<file>.<pool>: whose pool it is, for an administrator. */
	snprintf(name, sizeof(name), "dev.%d.%u.%u", task_tgid_nr(current),
		 f->seq, id);
	/* The kernel's shared pools are out of reach (tmem_shared_uuid()). */
	if (uuid)
		tmem_shared_uuid("dev", uuid, &host_uuid);
	fp->store.pool = tmem_pool_create(f->be, name,
					  flags & TMEM_POOL_FLAGS_ALL,
					  uuid ? &host_uuid : NULL);
	if (IS_ERR(fp->store.pool)) {
		err = PTR_ERR(fp->store.pool);
		/* The host's answer to a shared pool of another kind. */
		err = err == -EINVAL && uuid ? -EEXIST : err;
		utmem_quota_pool_del(f->user, fp);
		xa_erase(&f->pools, id);
		goto put_shared;
	}
	utmem_quota_pool_link(f->user, fp);
	*out_id = id;
	return 0;

put_shared:
	shared_put(fp->shared);
free:
	utmem_store_destroy(&fp->store);
	kfree(fp);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_file_pool_create);

static int pool_create(struct utmem_file *f, struct utmem_pool_create *arg)
{
	static const u8 zero_uuid[16];
	const uuid_t *uuid = NULL;

	if (arg->flags & ~UTMEM_POOL_FLAGS_ALL || arg->__reserved)
		return -EINVAL;
	/* Other files write a shared pool: its values carry their keys. */
	if ((arg->flags & UTMEM_POOL_BARE) && (arg->flags & TMEM_POOL_SHARED))
		return -EINVAL;
	if (arg->flags & TMEM_POOL_SHARED) {
		if (!memcmp(arg->uuid, zero_uuid, sizeof(zero_uuid)))
			return -EINVAL;
		uuid = (const uuid_t *)arg->uuid;
	} else if (memcmp(arg->uuid, zero_uuid, sizeof(zero_uuid))) {
		return -EINVAL;
	}
	return utmem_file_pool_create(f, arg->flags, uuid, &arg->out_pool_id);
}

static struct utmem_file_pool *pool_find(struct utmem_file *f, u32 id)
{
	return xa_load(&f->pools, id);
}

/* A pool of the file by id, or NULL. */
struct utmem_file_pool *utmem_file_pool(struct utmem_file *f, u32 id)
{
	return pool_find(f, id);
}

/* The pool an ioctl names; buffered PUTs, which may name it, go first. */
static struct utmem_file_pool *pool_op_find(struct utmem_file *f,
					    const struct utmem_pool_op *arg)
{
	struct utmem_file_pool *fp = pool_find(f, arg->pool_id);

	if (fp)
		utmem_coalesce_flush(&f->coalesce);
	return fp;
}

static int pool_destroy(struct utmem_file *f, struct utmem_pool_op *arg)
{
	struct utmem_file_pool *fp = pool_op_find(f, arg);

	if (!fp)
		return -ENOENT;
	xa_erase(&f->pools, arg->pool_id);
	file_pool_free(f, fp);
	return 0;
}

static int pool_flush(struct utmem_file *f, struct utmem_pool_op *arg)
{
	struct utmem_file_pool *fp = pool_op_find(f, arg);

	if (!fp)
		return -ENOENT;
	return utmem_store_flush(&fp->store);
}

/*
 * Copies the key in; the common checks of PUT, GET and DELETE.  A PUT of
 * the key still in the buffer goes first: what follows must see it, and
 * must not be overtaken by it.
 */
static int kv_prepare(struct utmem_file *f, const struct utmem_kv *arg,
		      u8 *key, struct tmem_oid *oid,
		      struct utmem_file_pool **fp)
{
	if (!arg->key_len || arg->key_len > UTMEM_KEY_MAX)
		return -EINVAL;
	if (copy_from_user(key, u64_to_user_ptr(arg->key), arg->key_len))
		return -EFAULT;
	*fp = pool_find(f, arg->pool_id);
	if (!*fp)
		return -ENOENT;
	utmem_kv_oid(key, arg->key_len, oid);
	if (utmem_coalesce_holds(&f->coalesce, oid))
		utmem_coalesce_flush(&f->coalesce);
	return 0;
}

static int kv_put(struct utmem_file *f, struct utmem_kv *arg)
{
	u8 key[UTMEM_KEY_MAX];
	struct utmem_file_pool *fp;
	struct tmem_oid oid;
	unsigned int n;
	void *value;
	u64 bytes;
	int err;

	if (arg->flags & ~UTMEM_PUT_FLAGS_ALL)
		return -EINVAL;
	if (arg->value_len > UTMEM_VALUE_MAX)
		return -E2BIG;
	err = kv_prepare(f, arg, key, &oid, &fp);
	if (err)
		return err;
	utmem_stat_inc(f, fp, UTMEM_STAT_PUTS);
	n = utmem_store_nr_chunks(&fp->store, arg->key_len, arg->value_len);
	/*
	 * The bytes the host will hold: the value, its key and headers.  The
	 * user's count is the host's when it is over: this file's buffered
	 * PUTs go first, so that the host counts them too.
	 */
	bytes = utmem_store_host_bytes(&fp->store, arg->key_len,
				       arg->value_len);
	if (utmem_quota_over(f->user, bytes))
		utmem_coalesce_flush(&f->coalesce);
	err = utmem_quota_charge(f->user, fp, bytes);
	if (err)
		return err;
	/*
	 * A value that may wait in the buffer is read into the scratch page,
	 * from which the buffer takes its copy: no allocation.  Shared pools
	 * are never buffered (utmem_store_may_batch()).
	 */
	if (!(arg->flags & UTMEM_PUT_NOBUFFER) &&
	    utmem_store_may_batch(&fp->store, &oid, arg->key_len,
				  arg->value_len)) {
		if (copy_from_user(f->scratch, u64_to_user_ptr(arg->value),
				   arg->value_len))
			return -EFAULT;
		if (utmem_coalesce_put(&f->coalesce, fp, key, arg->key_len,
				       &oid, f->scratch, arg->value_len,
				       fp->store.bare))
			return 0;
		/* utmem_store_put() builds its chunk in the scratch page. */
		value = kvmemdup(f->scratch, arg->value_len, GFP_KERNEL_ACCOUNT);
		if (!value)
			return -ENOMEM;
	} else {
		value = vmemdup_user(u64_to_user_ptr(arg->value),
				     arg->value_len);
		if (IS_ERR(value))
			return PTR_ERR(value);
	}
	err = utmem_store_put(&fp->store, key, arg->key_len, &oid, value,
			      arg->value_len, f->scratch);
	utmem_stat_add(f, fp, UTMEM_STAT_HOST_PUTS, n);
	if (err == -ENOSPC)
		utmem_stat_inc(f, fp, UTMEM_STAT_PUT_REFUSED);
	kvfree(value);
	return err;
}

static int kv_get(struct utmem_file *f, struct utmem_kv *arg)
{
	u8 key[UTMEM_KEY_MAX];
	struct utmem_file_pool *fp;
	struct tmem_oid oid;
	u32 size, len = 0;
	void *value;
	int err;

	if (arg->flags)
		return -EINVAL;
	err = kv_prepare(f, arg, key, &oid, &fp);
	if (err)
		return err;
	size = min_t(u64, arg->value_len, UTMEM_VALUE_MAX);
	utmem_stat_inc(f, fp, UTMEM_STAT_GETS);
	/* As much memory as the value needs, not as the buffer offers. */
	value = NULL;
	err = utmem_store_get_alloc(&fp->store, key, arg->key_len, &oid, &value,
				    size, &len, f->scratch);
	if (!err || err == -ERANGE)
		arg->value_len = len;
	if (!err) {
		utmem_stat_inc(f, fp, UTMEM_STAT_HITS);
		if (copy_to_user(u64_to_user_ptr(arg->value), value, len))
			err = -EFAULT;
	}
	kvfree(value);
	return err;
}

static int kv_delete(struct utmem_file *f, struct utmem_kv *arg)
{
	u8 key[UTMEM_KEY_MAX];
	struct utmem_file_pool *fp;
	struct tmem_oid oid;
	int err;

	if (arg->flags || arg->value || arg->value_len)
		return -EINVAL;
	err = kv_prepare(f, arg, key, &oid, &fp);
	if (err)
		return err;
	utmem_stat_inc(f, fp, UTMEM_STAT_DELETES);
	return utmem_store_delete(&fp->store, key, arg->key_len, &oid);
}

static int kv_op(struct utmem_file *f, u32 op, struct utmem_kv *arg)
{
	switch (op) {
	case UTMEM_BATCH_PUT:
		return kv_put(f, arg);
	case UTMEM_BATCH_GET:
		return kv_get(f, arg);
	default:
		return kv_delete(f, arg);
	}
}

/* The batch struct's own fields; @out_done is output only. */
static int batch_check(const struct utmem_batch *arg)
{
	if (arg->op < UTMEM_BATCH_PUT || arg->op > UTMEM_BATCH_DELETE ||
	    !arg->count || arg->count > UTMEM_BATCH_MAX || arg->__reserved)
		return -EINVAL;
	/* Bounded so that the stride times the count cannot wrap. */
	if (arg->entry_size < offsetofend(struct utmem_kv, value_len) ||
	    arg->entry_size > PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/* Each entry is read and checked as the single ioctl's struct would be. */
static int batch_run(struct utmem_file *f, struct utmem_batch *arg)
{
	u8 __user *entry = u64_to_user_ptr(arg->entries);
	struct utmem_kv kv;
	u32 usize;
	int err;

	for (arg->out_done = 0; arg->out_done < arg->count; arg->out_done++) {
		if (get_user(usize, (u32 __user *)entry))
			return -EFAULT;
		if (usize != arg->entry_size)
			return -EINVAL;
		err = copy_struct_from_user(&kv, sizeof(kv), entry, usize);
		if (err)
			return err;
		err = kv_op(f, arg->op, &kv);
		if ((!err || err == -ERANGE) && arg->op == UTMEM_BATCH_GET &&
		    put_user(kv.value_len, (u64 __user *)(entry +
				offsetof(struct utmem_kv, value_len))))
			err = -EFAULT;
		if (err)
			return err;
		entry += arg->entry_size;
		/* A batch may move a GiB: let it be killed between entries. */
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static int sync_all(struct utmem_file *f, struct utmem_sync *arg)
{
	if (arg->flags)
		return -EINVAL;
	utmem_coalesce_flush(&f->coalesce);
	arg->out_failed = f->coalesce.failed;
	f->coalesce.failed = 0;
	return 0;
}

/* The counters of one pool, or of the whole file. */
static int stats_get(struct utmem_file *f, struct utmem_stats *arg)
{
	struct utmem_file_pool *fp = NULL;
	atomic64_t *st = f->stats;

	if (arg->pool_id != UTMEM_POOL_NONE) {
		fp = pool_find(f, arg->pool_id);
		if (!fp)
			return -ENOENT;
		st = fp->stats;
	}
	arg->puts = atomic64_read(&st[UTMEM_STAT_PUTS]);
	arg->gets = atomic64_read(&st[UTMEM_STAT_GETS]);
	arg->hits = atomic64_read(&st[UTMEM_STAT_HITS]);
	arg->deletes = atomic64_read(&st[UTMEM_STAT_DELETES]);
	arg->put_refused = atomic64_read(&st[UTMEM_STAT_PUT_REFUSED]);
	arg->host_puts = atomic64_read(&st[UTMEM_STAT_HOST_PUTS]);
	arg->buffered_bytes = utmem_coalesce_bytes(&f->coalesce, fp);
	/* A send covers every pool: the file's count, also for a pool. */
	arg->flushes = atomic64_read(&f->stats[UTMEM_STAT_FLUSHES]);
	return 0;
}

/* What an ioctl's struct is copied into: the largest of them. */
union utmem_ioctl_arg {
	struct utmem_pool_create pool_create;
	struct utmem_pool_op pool_op;
	struct utmem_kv kv;
	struct utmem_sync sync;
	struct utmem_stats stats;
	struct utmem_batch batch;
};

/* When the struct goes back to the caller. */
enum utmem_write_back {
	UTMEM_WB_NONE,
	UTMEM_WB_DONE,		/* on success, and on -ERANGE (GET's length) */
	UTMEM_WB_CHECKED,	/* once .check passed: a batch's out_done */
};

/**
 * struct utmem_ioctl_op - one command
 * @size: this kernel's struct
 * @min_size: the end of the struct's first version
 * @write_back: enum utmem_write_back
 * @check: checks the struct before the file's lock is taken, or NULL
 * @execute: runs the command under the file's lock
 */
struct utmem_ioctl_op {
	u32 size;
	u32 min_size;
	u8 write_back;
	int (*check)(const union utmem_ioctl_arg *arg);
	int (*execute)(struct utmem_file *f, union utmem_ioctl_arg *arg);
};

/* A table entry: @_fn's handler takes @_struct, whose first version ends at @_last. */
#define UTMEM_IOCTL_OP(_cmd, _struct, _last, _wb, _check, _fn)		\
	[_IOC_NR(_cmd) - UTMEM_CMD_BASE] = {				\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.write_back = _wb,					\
		.check = _check,					\
		.execute = _fn##_ioctl,					\
	}

/*
 * The handler of a command, for the table: every member of the union
 * starts at its start, so the union is the handler's struct.
 */
#define UTMEM_IOCTL_HANDLER(_fn)					\
static int _fn##_ioctl(struct utmem_file *f, union utmem_ioctl_arg *arg) \
{									\
	return _fn(f, (void *)arg);					\
}

UTMEM_IOCTL_HANDLER(pool_create)
UTMEM_IOCTL_HANDLER(pool_destroy)
UTMEM_IOCTL_HANDLER(pool_flush)
UTMEM_IOCTL_HANDLER(kv_put)
UTMEM_IOCTL_HANDLER(kv_get)
UTMEM_IOCTL_HANDLER(kv_delete)
UTMEM_IOCTL_HANDLER(sync_all)
UTMEM_IOCTL_HANDLER(stats_get)
UTMEM_IOCTL_HANDLER(batch_run)

static int batch_check_ioctl(const union utmem_ioctl_arg *arg)
{
	return batch_check(&arg->batch);
}

static const struct utmem_ioctl_op utmem_ioctl_ops[] = {
	UTMEM_IOCTL_OP(UTMEM_POOL_CREATE, struct utmem_pool_create,
		       __reserved, UTMEM_WB_DONE, NULL, pool_create),
	UTMEM_IOCTL_OP(UTMEM_POOL_DESTROY, struct utmem_pool_op,
		       pool_id, UTMEM_WB_NONE, NULL, pool_destroy),
	UTMEM_IOCTL_OP(UTMEM_POOL_FLUSH, struct utmem_pool_op,
		       pool_id, UTMEM_WB_NONE, NULL, pool_flush),
	UTMEM_IOCTL_OP(UTMEM_PUT, struct utmem_kv, value_len,
		       UTMEM_WB_NONE, NULL, kv_put),
	UTMEM_IOCTL_OP(UTMEM_GET, struct utmem_kv, value_len,
		       UTMEM_WB_DONE, NULL, kv_get),
	UTMEM_IOCTL_OP(UTMEM_DELETE, struct utmem_kv, value_len,
		       UTMEM_WB_NONE, NULL, kv_delete),
	UTMEM_IOCTL_OP(UTMEM_SYNC, struct utmem_sync, out_failed,
		       UTMEM_WB_DONE, NULL, sync_all),
	UTMEM_IOCTL_OP(UTMEM_STATS, struct utmem_stats, flushes,
		       UTMEM_WB_DONE, NULL, stats_get),
	UTMEM_IOCTL_OP(UTMEM_BATCH, struct utmem_batch, __reserved,
		       UTMEM_WB_CHECKED, batch_check_ioctl, batch_run),
};

/**
 * utmem_file_ioctl() - one ioctl on an open /dev/utmem
 * @f: the file's state
 * @cmd: the command
 * @uarg: its struct in user memory
 *
 * Return: 0 or a negative errno, as the uapi header lists them.
 */
long utmem_file_ioctl(struct utmem_file *f, unsigned int cmd,
		      void __user *uarg)
{
	const struct utmem_ioctl_op *op;
	union utmem_ioctl_arg arg;
	unsigned int nr;
	u32 usize;
	long ret;

	nr = _IOC_NR(cmd) - UTMEM_CMD_BASE;
	if (nr >= ARRAY_SIZE(utmem_ioctl_ops) ||
	    cmd != _IO(UTMEM_IOCTL_TYPE, nr + UTMEM_CMD_BASE))
		return -ENOTTY;
	op = &utmem_ioctl_ops[array_index_nospec(nr,
						 ARRAY_SIZE(utmem_ioctl_ops))];
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	/* Bytes past this kernel's struct are checked to be zero: a page. */
	if (usize > PAGE_SIZE)
		return -E2BIG;
	memset(&arg, 0, sizeof(arg));
	ret = copy_struct_from_user(&arg, op->size, uarg, usize);
	if (ret)
		return ret;
	if (op->check) {
		ret = op->check(&arg);
		if (ret)
			return ret;
	}

	/* A long batch holds the lock: its waiters may be killed. */
	if (mutex_lock_killable(&f->lock))
		return -EINTR;
	ret = op->execute(f, &arg);
	mutex_unlock(&f->lock);

	/* Copy back only what the caller's struct has room for. */
	if ((op->write_back == UTMEM_WB_CHECKED ||
	     (op->write_back == UTMEM_WB_DONE && (!ret || ret == -ERANGE))) &&
	    copy_to_user(uarg, &arg, min(usize, op->size)))
		ret = -EFAULT;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_file_ioctl);

static int utmem_open(struct inode *inode, struct file *file)
{
	struct tmem_backend *be = tmem_backend();
	struct utmem_file *f;

	if (!be)
		return -ENODEV;
	f = utmem_file_create(be);
	if (IS_ERR(f))
		return PTR_ERR(f);
	file->private_data = f;
	return nonseekable_open(inode, file);
}

static int utmem_release(struct inode *inode, struct file *file)
{
	utmem_file_destroy(file->private_data);
	return 0;
}

static long utmem_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	return utmem_file_ioctl(file->private_data, cmd,
				(void __user *)arg);
}

static const struct file_operations utmem_fops = {
	.owner = THIS_MODULE,
	.open = utmem_open,
	.release = utmem_release,
	.unlocked_ioctl = utmem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice utmem_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "utmem",
	.fops = &utmem_fops,
	.mode = 0660,
};

/*
 * debugfs utmem/dev/: files and pools open now, and what every file did
 * since boot (the sums of UTMEM_STATS).
 */
static struct kobject *utmem_dev_sysfs;

/* debugfs utmem/dev/ and sysfs /sys/kernel/utmem/dev/. */
static void utmem_dev_files_init(struct dentry *root)
{
	const struct utmem_counter counters[] = {
		{ "files", &utmem_dev_files },
		{ "pools", &utmem_dev_pools },
		{ "puts", &utmem_dev_stats[UTMEM_STAT_PUTS] },
		{ "gets", &utmem_dev_stats[UTMEM_STAT_GETS] },
		{ "hits", &utmem_dev_stats[UTMEM_STAT_HITS] },
		{ "deletes", &utmem_dev_stats[UTMEM_STAT_DELETES] },
		{ "put_refused", &utmem_dev_stats[UTMEM_STAT_PUT_REFUSED] },
		{ "host_puts", &utmem_dev_stats[UTMEM_STAT_HOST_PUTS] },
		{ "flushes", &utmem_dev_stats[UTMEM_STAT_FLUSHES] },
	};

	utmem_debugfs_counters(debugfs_create_dir("dev", root), counters,
			       ARRAY_SIZE(counters));
	utmem_dev_sysfs = utmem_sysfs_add("dev", counters,
					  ARRAY_SIZE(counters), NULL);
	if (!utmem_dev_sysfs)
		pr_warn("no /sys/kernel/utmem/dev\n");
}

/* Called once a backend is bound. */
int utmem_dev_init(struct dentry *debugfs_root)
{
	int err;

	utmem_quota_init();
	err = utmem_coalesce_register();

	if (!err)
		err = misc_register(&utmem_miscdev);
	if (err) {
		pr_err("cannot register /dev/utmem: %d\n", err);
		utmem_coalesce_unregister();
		return err;
	}
	utmem_dev_files_init(debugfs_root);
	return 0;
}

void utmem_dev_exit(void)
{
	utmem_sysfs_remove(utmem_dev_sysfs);
	utmem_dev_sysfs = NULL;
	misc_deregister(&utmem_miscdev);
	utmem_coalesce_unregister();
}
