// SPDX-License-Identifier: GPL-2.0
/*
 * dio_race: a direct write against buffered readers that drop what they
 * read.
 *
 *   dio_race FILE [-n ROUNDS] [-p PAGES]
 *
 * FILE (created, PAGES pages) should live on a disk whose writes are
 * slower than its reads (dm-delay with a write delay only).  Each round
 * one thread writes a new version of a page with O_DIRECT while this one
 * reads the same page through the page cache and drops it again with
 * posix_fadvise(DONTNEED), as long as the write is in flight.  The reads
 * may see the old data then; once the write has completed, a buffered
 * read must return the new version.  A cleancache that kept a copy of
 * the old page read during the write, after the page cache itself let
 * go of it, would hand it back.
 *
 * Exit status: 0 when every round read back its version, 1 when a round
 * read stale data (each is reported), 2 on a usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/test_number.h"

#define PAGE	4096

struct writer {
	int fd;
	off_t off;
	const void *buf;
	atomic_bool done;
	int err;
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: dio_race FILE [-n ROUNDS] [-p PAGES]\n");
	exit(2);
}

/* The version of a page: every 8-byte word names the round and the page. */
static void fill(uint64_t *buf, unsigned long round, unsigned long page)
{
	size_t i;

	for (i = 0; i < PAGE / sizeof(*buf); i++)
		buf[i] = (uint64_t)round << 40 | (uint64_t)page << 20 | i;
}

static void *write_page(void *arg)
{
	struct writer *w = arg;

	if (pwrite(w->fd, w->buf, PAGE, w->off) != PAGE)
		w->err = errno ? errno : EIO;
	atomic_store(&w->done, true);
	return NULL;
}

static void read_page(int fd, off_t off, void *buf)
{
	if (pread(fd, buf, PAGE, off) != PAGE)
		die("pread");
}

static void drop_page(int fd, off_t off)
{
	int err = posix_fadvise(fd, off, PAGE, POSIX_FADV_DONTNEED);

	if (err) {
		errno = err;
		die("posix_fadvise");
	}
}

int main(int argc, char **argv)
{
	unsigned long rounds = 200, pages = 64, round, page, stale = 0;
	unsigned long racing_reads = 0;
	void *want, *got;
	const char *path;
	int opt, dfd, bfd;

	while ((opt = getopt(argc, argv, "n:p:h")) != -1) {
		switch (opt) {
		case 'n':
			rounds = test_number("dio_race", optarg, "rounds", 1,
					     1000000);
			break;
		case 'p':
			pages = test_number("dio_race", optarg, "pages", 1,
					    1 << 20);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	path = argv[optind];

	if (posix_memalign(&want, PAGE, PAGE) || posix_memalign(&got, PAGE, PAGE))
		die("posix_memalign");
	dfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	bfd = open(path, O_RDONLY);
	if (dfd < 0 || bfd < 0)
		die(path);
	for (page = 0; page < pages; page++) {
		fill(want, 0, page);
		if (pwrite(dfd, want, PAGE, page * PAGE) != PAGE)
			die("pwrite");
	}
	if (fsync(dfd))
		die("fsync");

	for (round = 1; round <= rounds; round++) {
		struct writer w = { .fd = dfd, .buf = want };
		pthread_t tid;

		page = (round * 7919) % pages;
		w.off = page * PAGE;
		fill(want, round, page);
		/* The page is cached before the write, as a reader left it. */
		read_page(bfd, w.off, got);
		errno = pthread_create(&tid, NULL, write_page, &w);
		if (errno)
			die("pthread_create");
		while (!atomic_load(&w.done)) {
			read_page(bfd, w.off, got);
			drop_page(bfd, w.off);
			racing_reads++;
		}
		pthread_join(tid, NULL);
		if (w.err) {
			errno = w.err;
			die("pwrite O_DIRECT");
		}
		read_page(bfd, w.off, got);
		if (memcmp(got, want, PAGE)) {
			uint64_t word = *(uint64_t *)got;

			printf("dio_race: round %lu page %lu: read round %llu's data after the write completed\n",
			       round, page, (unsigned long long)(word >> 40));
			stale++;
		}
		drop_page(bfd, w.off);
	}
	printf("dio_race: %lu rounds, %lu reads while a write was in flight, %lu stale\n",
	       rounds, racing_reads, stale);
	close(dfd);
	close(bfd);
	free(want);
	free(got);
	return stale ? 1 : 0;
}
