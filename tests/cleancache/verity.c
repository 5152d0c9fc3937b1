// SPDX-License-Identifier: GPL-2.0
/*
 * verity: turn fs-verity on for a file, or print its digest.
 *
 *   verity enable FILE    FS_IOC_ENABLE_VERITY (SHA-256, 4 KiB blocks)
 *   verity digest FILE    FS_IOC_MEASURE_VERITY, as hex
 *
 * For the cleancache guest's shared-pool checks (Debian's fsverity tool
 * does the same; this one needs no package in the guest's root).
 * Exit status: 0, 1 when the ioctl failed, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fsverity.h>

static int usage(void)
{
	fprintf(stderr, "usage: verity enable|digest FILE\n");
	return 2;
}

static int enable(int fd)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = FS_VERITY_HASH_ALG_SHA256,
		.block_size = 4096,
	};

	return ioctl(fd, FS_IOC_ENABLE_VERITY, &arg);
}

static int digest(int fd)
{
	struct {
		struct fsverity_digest d;
		unsigned char bytes[64];
	} m = { .d.digest_size = 64 };
	unsigned int i;

	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &m))
		return -1;
	for (i = 0; i < m.d.digest_size; i++)
		printf("%02x", m.d.digest[i]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int fd, err;

	if (argc != 3 || (strcmp(argv[1], "enable") && strcmp(argv[1], "digest")))
		return usage();
	fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	err = strcmp(argv[1], "enable") ? digest(fd) : enable(fd);
	if (err) {
		fprintf(stderr, "verity %s %s: %s\n", argv[1], argv[2],
			strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
