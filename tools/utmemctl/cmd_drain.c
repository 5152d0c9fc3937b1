// SPDX-License-Identifier: GPL-2.0
/*
 * drain: in a guest about to be moved by tools that know nothing of
 * utmem (its host will not move its pools), every frontswap page goes to
 * the swap device and cleancache drops its pages; nothing is stored on
 * the host until "drain --resume".  The kernel does it on a write of
 * /sys/kernel/utmem/drain, and answers once done (EBUSY: pages left).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "utmemctl.h"

int cmd_drain(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "resume", no_argument, NULL, 'r' },
		{}
	};
	char path[4096], held[VALUE_MAX];
	bool resume = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'r')
			return usage_error("drain: bad option");
		resume = true;
	}
	if (optind != argc)
		return usage_error("drain: no arguments, --resume only");
	snprintf(path, sizeof(path), "%s/drain", ctl->sysfs);
	err = debugfs_write(path, resume ? "0" : "1");
	if (err && err != -EBUSY)
		return failure("%s: %s (root, and a kernel with utmem's guest side?)",
			       path, strerror(-err));
	snprintf(path, sizeof(path), "%s/frontswap/pages_held", ctl->sysfs);
	if (debugfs_read(path, held, sizeof(held)))
		strcpy(held, "?");
	if (resume) {
		printf("resumed: frontswap and cleancache store on the host again\n");
		return EXIT_OK;
	}
	if (err)
		return failure("drained, but the host still holds pages (frontswap: %s); the kernel's log says more; drain again to retry",
			       held);
	printf("drained: frontswap holds %s pages on the host, cleancache none; nothing is stored there until 'utmemctl drain --resume'\n",
	       held);
	return EXIT_OK;
}
