// SPDX-License-Identifier: GPL-2.0
/*
 * cc_torture: a coherency check for cleancache.  Workers write, read,
 * truncate, punch holes in, unlink and re-create, and (with -d) write
 * around the page cache with O_DIRECT, each in files of its own, while
 * something else evicts the page cache and the host drops pages.  Every
 * read is checked against the worker's shadow of what each page must
 * hold, and a last pass reads every page of every file once more.
 *
 *   cc_torture DIR [-w WORKERS] [-f FILES] [-p PAGES] [-n OPS] [-s SEED] [-d]
 *
 * Prints "cc_torture: ops=.. reads_verified=.. mismatches=.." and exits 1
 * on a mismatch, 2 on bad arguments or a failed system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE		4096
#define WORDS		(PAGE / 8)

struct file_state {
	char path[512];
	uint32_t gen;		/* bumped on re-create */
	uint32_t size;		/* pages */
	uint32_t *ver;		/* per page; 0: zeros */
};

struct totals {
	uint64_t ops, verified, mismatches;
};

static unsigned int nr_pages = 256, nr_files = 4;
static int use_direct;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void fill(uint64_t *buf, unsigned int w, unsigned int f,
		 const struct file_state *fs, uint32_t page)
{
	uint32_t ver = fs->ver[page];
	unsigned int i;

	if (!ver) {
		memset(buf, 0, PAGE);
		return;
	}
	for (i = 0; i < WORDS; i++)
		buf[i] = mix(((uint64_t)w << 48) ^ ((uint64_t)f << 40) ^
			     ((uint64_t)fs->gen << 32) ^ ((uint64_t)page << 20) ^
			     ((uint64_t)ver << 1) ^ i);
}

static void die(const char *what)
{
	fprintf(stderr, "cc_torture: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int open_file(struct file_state *fs, int flags)
{
	int fd = open(fs->path, O_RDWR | O_CREAT | flags, 0644);

	if (fd < 0)
		die(fs->path);
	return fd;
}

static void check_page(struct totals *t, unsigned int w, unsigned int f,
		       struct file_state *fs, uint32_t page, uint64_t *buf,
		       uint64_t *want)
{
	int fd = open_file(fs, 0);
	ssize_t n = pread(fd, buf, PAGE, (off_t)page * PAGE);

	close(fd);
	if (n != PAGE)
		die("short read");
	fill(want, w, f, fs, page);
	t->verified++;
	if (memcmp(buf, want, PAGE)) {
		t->mismatches++;
		fprintf(stderr, "cc_torture: MISMATCH %s page %u (version %u)\n",
			fs->path, page, fs->ver[page]);
	}
}

static void worker(const char *dir, unsigned int w, uint64_t ops,
		   unsigned int seed, int out)
{
	struct file_state files[64];
	struct totals t = {};
	uint64_t *buf, *want;
	uint32_t next_ver = 1;
	unsigned int f, p, a, b, i;
	uint64_t op;
	int fd;

	if (posix_memalign((void **)&buf, PAGE, PAGE) ||
	    posix_memalign((void **)&want, PAGE, PAGE))
		die("memory");
	for (f = 0; f < nr_files; f++) {
		snprintf(files[f].path, sizeof(files[f].path), "%s/w%u_f%u",
			 dir, w, f);
		files[f].gen = 1;
		files[f].size = 0;
		files[f].ver = calloc(nr_pages, sizeof(uint32_t));
		if (!files[f].ver)
			die("memory");
		unlink(files[f].path);
		close(open_file(&files[f], O_TRUNC));
	}
	srand(seed + w * 7919);
	for (op = 0; op < ops; op++) {
		struct file_state *fs = &files[rand() % nr_files];
		unsigned int r = rand() % 100;

		f = fs - files;
		p = rand() % nr_pages;
		t.ops++;
		if (r < 30 || (r < 92 && !fs->size)) {
			/* Write one page, through the page cache or not. */
			int direct = use_direct && rand() % 16 == 0;

			fs->ver[p] = next_ver++;
			fill(buf, w, f, fs, p);
			fd = open_file(fs, direct ? O_DIRECT : 0);
			if (pwrite(fd, buf, PAGE, (off_t)p * PAGE) != PAGE)
				die("pwrite");
			/* Clean pages are what the page cache can evict. */
			if (rand() % 4 == 0 && fsync(fd))
				die("fsync");
			close(fd);
			if (p >= fs->size)
				fs->size = p + 1;
		} else if (r < 92) {
			check_page(&t, w, f, fs, rand() % fs->size, buf, want);
		} else if (r < 95) {
			/* Truncate, to anywhere up to the largest size. */
			a = rand() % nr_pages;
			fd = open_file(fs, 0);
			if (ftruncate(fd, (off_t)a * PAGE))
				die("ftruncate");
			close(fd);
			for (i = a; i < nr_pages; i++)
				fs->ver[i] = 0;
			fs->size = a;
		} else if (r < 98) {
			/* Punch a hole, keeping the size. */
			a = rand() % nr_pages;
			b = a + 1 + rand() % 16;
			b = b > nr_pages ? nr_pages : b;
			fd = open_file(fs, 0);
			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE, (off_t)a * PAGE,
				      (off_t)(b - a) * PAGE))
				die("fallocate");
			close(fd);
			for (i = a; i < b; i++)
				fs->ver[i] = 0;
		} else {
			/* A new file under the old name (a new inode). */
			if (unlink(fs->path))
				die("unlink");
			fs->gen++;
			memset(fs->ver, 0, nr_pages * sizeof(uint32_t));
			fs->size = 0;
			close(open_file(fs, O_TRUNC));
		}
	}
	/* Last: every page of every file, once. */
	for (f = 0; f < nr_files; f++)
		for (p = 0; p < files[f].size; p++)
			check_page(&t, w, f, &files[f], p, buf, want);
	if (write(out, &t, sizeof(t)) != sizeof(t))
		die("pipe");
	exit(0);
}

int main(int argc, char **argv)
{
	unsigned int workers = 4, seed = 1, w;
	uint64_t ops = 20000;
	struct totals sum = {}, t;
	int opt, pipefd[2], status, failed = 0;
	char *end;

	while ((opt = getopt(argc, argv, "w:f:p:n:s:d")) != -1) {
		unsigned long v = strtoul(optarg ? optarg : "0", &end, 10);

		if (opt != 'd' && (*end || !v))
			goto usage;
		switch (opt) {
		case 'w': workers = v; break;
		case 'f': nr_files = v; break;
		case 'p': nr_pages = v; break;
		case 'n': ops = v; break;
		case 's': seed = v; break;
		case 'd': use_direct = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || workers > 64 || nr_files > 64 ||
	    nr_pages > (1U << 20))
		goto usage;
	if (pipe(pipefd))
		die("pipe");
	for (w = 0; w < workers; w++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid)
			worker(argv[optind], w, ops, seed, pipefd[1]);
	}
	close(pipefd[1]);
	while (read(pipefd[0], &t, sizeof(t)) == sizeof(t)) {
		sum.ops += t.ops;
		sum.verified += t.verified;
		sum.mismatches += t.mismatches;
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	printf("cc_torture: ops=%" PRIu64 " reads_verified=%" PRIu64
	       " mismatches=%" PRIu64 "\n", sum.ops, sum.verified,
	       sum.mismatches);
	if (failed)
		return 2;
	return sum.mismatches ? 1 : 0;

usage:
	fprintf(stderr, "usage: cc_torture DIR [-w WORKERS (1..64)] [-f FILES (1..64)] [-p PAGES] [-n OPS] [-s SEED] [-d]\n");
	return 2;
}
