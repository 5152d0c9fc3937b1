// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem-host: the host operator's device for moving a VM's pools
 * with the VM (include/uapi/linux/utmem_host.h).  A VM is named by its
 * VMM process, as the operator's tools know it (QEMU's pid, in the
 * caller's pid namespace); the stream goes to or comes from a file
 * descriptor of the caller's, so that a hook script can pipe it anywhere
 * (a file next to the saved VM, ssh to the destination host).
 *
 * The device is root's (0600) and each ioctl wants CAP_SYS_ADMIN: a
 * stream holds a VM's data, and a restore charges a VM's memory cgroup.
 * A restore is still checked whole (host/host_stream.c): the stream may
 * come from a disk or a network the operator does not control.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": kvm-host: " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/uaccess.h>
#include <uapi/linux/utmem_host.h>

#include "../host/host.h"
#include "kvm_host_vm.h"

/* A stream's file: its own position for files, none for pipes/sockets. */
static loff_t *stream_pos(struct file *file)
{
	return file->f_mode & FMODE_STREAM ? NULL : &file->f_pos;
}

int kvm_host_stream_write(void *ctx, const void *buf, size_t len)
{
	struct file *file = ctx;
	ssize_t n;

	while (len) {
		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_write(file, buf, len, stream_pos(file));
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

ssize_t kvm_host_stream_read(void *ctx, void *buf, size_t len)
{
	struct file *file = ctx;

	if (fatal_signal_pending(current))
		return -EINTR;
	return kernel_read(file, buf, len, stream_pos(file));
}

/* The thread group of @nr in the caller's pid namespace, in the host's. */
static pid_t host_tgid(pid_t nr)
{
	struct task_struct *task;
	pid_t tgid = 0;

	if (nr <= 0)
		return 0;
	task = find_get_task_by_vpid(nr);
	if (task) {
		tgid = task_tgid_nr(task);
		put_task_struct(task);
	}
	return tgid;
}

static long move_ioctl(struct file *dev, unsigned int cmd, unsigned long arg)
{
	struct utmem_host_stream_stats *stats;
	struct utmem_host_move m;
	struct file *file;
	const char *what;
	pid_t tgid;
	long err;

	if (cmd != UTMEM_HOST_IOC_SAVE && cmd != UTMEM_HOST_IOC_RESTORE)
		return -ENOTTY;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&m, (void __user *)arg, sizeof(m)))
		return -EFAULT;
	what = cmd == UTMEM_HOST_IOC_SAVE ? "save" : "restore";
	if (m.size != sizeof(m) ||
	    (m.flags & ~(cmd == UTMEM_HOST_IOC_SAVE ?
			 UTMEM_STREAM_FLAGS_ALL : 0))) {
		pr_warn_ratelimited("%s: a malformed request (size %u, flags %#x)\n",
				    what, m.size, m.flags);
		return -EINVAL;
	}
	tgid = host_tgid(m.pid);
	if (!tgid) {
		pr_warn_ratelimited("%s: no process %d\n", what, m.pid);
		return -ESRCH;
	}
	file = fget(m.fd);
	if (!file)
		return -EBADF;
	stats = kzalloc(sizeof(*stats), GFP_KERNEL);
	if (!stats) {
		fput(file);
		return -ENOMEM;
	}
	if (cmd == UTMEM_HOST_IOC_SAVE)
		err = kvm_host_save(tgid, m.flags, file, stats);
	else
		err = kvm_host_restore(tgid, file, stats);
	fput(file);
	if (err)
		pr_warn("%s of the pools of pid %d refused: %s (%pe)\n", what,
			tgid, stats->why, ERR_PTR(err));
	m.pools = stats->pools;
	m.values = stats->values;
	m.bytes = stats->bytes;
	kfree(stats);
	if (copy_to_user((void __user *)arg, &m, sizeof(m)) && !err)
		err = -EFAULT;
	return err;
}

static const struct file_operations move_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = move_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice move_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "utmem-host",
	.fops = &move_fops,
	.mode = 0600,
};

static bool move_registered;

int kvm_host_move_init(void)
{
	int err = misc_register(&move_dev);

	move_registered = !err;
	return err;
}

void kvm_host_move_exit(void)
{
	if (move_registered)
		misc_deregister(&move_dev);
	move_registered = false;
}
