// SPDX-License-Identifier: GPL-2.0
/*
 * utmem_flood: one user stores as many tiny values as /dev/utmem takes.
 *
 *   utmem_flood [-n VALUES] [-l LEN] [-w]
 *
 * Opens /dev/utmem, creates a persistent pool and puts VALUES values
 * (default 2000000) of LEN bytes (0 or 1, default 0) under distinct keys,
 * UTMEM_BATCH_MAX at a time, until the device refuses one.  Prints one
 * line: "stored N refused ERRNO-NAME" (or "refused none").  With -w it
 * then holds the pool (and what it holds) until its standard input ends.
 * Run it as the user to be flooded with (setpriv); the caller judges what
 * the host took.
 *
 * Exit status: 0 when it ran (refused or not), 2 on a usage or system
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/utmem.h>

#include "../lib/test_number.h"

#define KEY_LEN	12

static void die(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct utmem_kv ent[UTMEM_BATCH_MAX];
	static char keys[UTMEM_BATCH_MAX][KEY_LEN];
	unsigned long values = 2000000, len = 0, stored = 0;
	struct utmem_pool_create pc = { .size = sizeof(pc),
					.flags = TMEM_POOL_PERSISTENT };
	struct utmem_batch b = { .size = sizeof(b), .op = UTMEM_BATCH_PUT,
				 .entry_size = sizeof(struct utmem_kv) };
	const char byte = 0x5a;
	int opt, fd, err = 0, hold = 0;
	char c;
	unsigned int i, n;

	while ((opt = getopt(argc, argv, "n:l:wh")) != -1) {
		switch (opt) {
		case 'n':
			values = test_number("utmem_flood", optarg, "values",
					     0, 1UL << 32);
			break;
		case 'l':
			len = test_number("utmem_flood", optarg, "length", 0,
					  1);
			break;
		case 'w':
			hold = 1;
			break;
		default:
			fprintf(stderr, "usage: utmem_flood [-n VALUES] [-l LEN] [-w]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: utmem_flood [-n VALUES] [-l LEN] [-w]\n");
		return 2;
	}
	fd = open("/dev/utmem", O_RDWR);
	if (fd < 0)
		die("/dev/utmem");
	if (ioctl(fd, UTMEM_POOL_CREATE, &pc))
		die("UTMEM_POOL_CREATE");

	while (stored < values && !err) {
		n = values - stored < UTMEM_BATCH_MAX ? values - stored :
							UTMEM_BATCH_MAX;
		for (i = 0; i < n; i++) {
			snprintf(keys[i], KEY_LEN, "%011lu", stored + i);
			ent[i] = (struct utmem_kv){
				.size = sizeof(ent[i]),
				.pool_id = pc.out_pool_id,
				.flags = UTMEM_PUT_NOBUFFER,
				.key_len = KEY_LEN - 1,
				.key = (uintptr_t)keys[i],
				.value = (uintptr_t)&byte,
				.value_len = len,
			};
		}
		b.count = n;
		b.entries = (uintptr_t)ent;
		if (ioctl(fd, UTMEM_BATCH, &b))
			err = errno;
		stored += b.out_done;
	}
	printf("stored %lu refused %s\n", stored,
	       err == EDQUOT ? "EDQUOT" : err == ENOSPC ? "ENOSPC" :
	       err ? strerror(err) : "none");
	fflush(stdout);
	while (hold && read(0, &c, 1) > 0)
		;
	close(fd);
	return 0;
}
