// SPDX-License-Identifier: GPL-2.0
/*
 * host save | host restore: a VM's pools written to a file or a pipe and
 * read back, through /dev/utmem-host (include/uapi/linux/utmem_host.h).
 * The kernel reads and writes the stream itself, from the descriptor
 * given: standard input or output, or the file named.  What the host
 * says when it refuses is in its log; the errno is translated here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/utmem_host.h>

#include "utmemctl.h"

/* What an errno of the device means for the operator. */
static const char *why(int err, bool save)
{
	switch (err) {
	case ESRCH:
		return save ? "no VM of that pid uses utmem on this host" :
			      "no such process";
	case EBUSY:
		return "that VM has run already, or its pools are restored already: restore before the VM resumes";
	case EPERM:
		return "not allowed: are you root, and does a rule in /sys/kernel/utmem/kvm_host/vm_rules cover the VM's cgroup?";
	case ENODATA:
		return "the stream ends too early (cut short)";
	case EBADMSG:
		return "the stream is corrupted";
	case EINVAL:
		return "not a stream of utmem pools";
	case EPROTONOSUPPORT:
		return "the stream (or the VM's hypercall ABI) is of a version this host does not read";
	case ENOSPC:
		return "the VM's cap, its memory cgroup or the host's capacity cannot hold the pools";
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "missing: is this a KVM host with utmem's host side?";
	default:
		return strerror(err);
	}
}

int cmd_host_move(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{}
	};
	bool save = !strcmp(argv[0], "save");
	struct utmem_host_move m = { .size = sizeof(m) };
	const char *path = "-";
	int64_t pid = 0;
	int c, dev, fd, err;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_i64(optarg, &pid) || pid <= 0 ||
			    pid > INT32_MAX)
				return usage_error("host %s: --pid '%s' is not a process id",
						   argv[0], optarg);
			break;
		case 'e':
			if (!save)
				return usage_error("host restore: --ephemeral is save's");
			m.flags |= UTMEM_STREAM_EPHEMERAL;
			break;
		default:
			return usage_error("host %s: bad option", argv[0]);
		}
	}
	if (!pid)
		return usage_error("host %s: --pid PID of the VM's VMM (QEMU) is needed",
				   argv[0]);
	if (optind + 1 < argc)
		return usage_error("host %s: one FILE at most", argv[0]);
	if (optind < argc)
		path = argv[optind];
	m.pid = (int32_t)pid;

	if (save && !strcmp(path, "-") && isatty(STDOUT_FILENO))
		return usage_error("host save: the stream is binary: give a FILE, or redirect the output");
	/* The device first: no file is made for a host that has none. */
	dev = open(ctl->host_device, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return failure("%s: %s", ctl->host_device, why(errno, save));
	if (!strcmp(path, "-")) {
		fd = save ? STDOUT_FILENO : STDIN_FILENO;
	} else {
		fd = save ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				 0600) :
			    open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = errno;
			close(dev);
			return failure("%s: %s", path, strerror(err));
		}
	}
	m.fd = fd;
	err = ioctl(dev, save ? UTMEM_HOST_IOC_SAVE : UTMEM_HOST_IOC_RESTORE,
		    &m) ? errno : 0;
	close(dev);
	if (fd > STDERR_FILENO && close(fd) && !err)
		err = errno;
	if (err) {
		if (save && fd > STDERR_FILENO)
			unlink(path);
		return failure("host %s of pid %d: %s (the host's log says more)",
			       argv[0], m.pid, why(err, save));
	}
	fprintf(stderr, "utmemctl: pid %d: %s %" PRIu64 " pools, %" PRIu64
		" values, %" PRIu64 " bytes\n", m.pid,
		save ? "saved" : "restored", (uint64_t)m.pools,
		(uint64_t)m.values, (uint64_t)m.bytes);
	return EXIT_OK;
}
