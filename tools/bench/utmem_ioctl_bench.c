// SPDX-License-Identifier: GPL-2.0
/*
 * utmem_ioctl_bench: /dev/utmem PUT and GET throughput from userspace,
 * side by side in one run: single ioctls and UTMEM_BATCH, each with the
 * coalescing buffer and without it (UTMEM_PUT_NOBUFFER), at each value
 * size and each simulated host call cost (debugfs utmem/sim/exit_ns,
 * restored at exit).  Each kind runs ROUNDS times, alternating with the
 * others so that a slow spell of the machine hits them all, and the
 * median is reported.
 *
 *   utmem_ioctl_bench [--count N] [--sizes LIST] [--exit-ns LIST]
 *                     [--batch N] [--debugfs DIR]
 *
 * Values above one page are PUT COUNT * 4096 / SIZE times (at least
 * 200), so each size moves a similar number of bytes.  Keys cycle over a
 * set large enough that the coalescing buffer never merges two PUTs of
 * one key: every buffered PUT still reaches the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utmem.h"

#define KEYS_MIN	4096
#define DATA_MAX	(32ULL << 20)	/* bytes of values in a pool at once */
#define LIST_MAX	8
#define ROUNDS		3

struct config {
	uint64_t count;
	uint64_t sizes[LIST_MAX];
	int nr_sizes;
	uint64_t exit_ns[LIST_MAX];
	int nr_exit;
	uint64_t batch;
	const char *debugfs;
};

struct run {
	double put_ops, get_ops;
	uint64_t host_puts;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "utmem_ioctl_bench: %s: %s\n", what,
		utmem_strerror(err));
	exit(1);
}

static int parse_list(const char *s, uint64_t *out)
{
	char *copy = strdup(s), *tok, *save = NULL, *end;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		if (n == LIST_MAX || *tok == '-')
			break;
		out[n++] = strtoull(tok, &end, 10);
		if (errno || *end || end == tok)
			break;
	}
	if (tok) {
		free(copy);
		return -1;
	}
	free(copy);
	return n ? n : -1;
}

static int write_exit_ns(const struct config *c, uint64_t ns)
{
	char path[4096], text[32];
	int fd, len, ok;

	snprintf(path, sizeof(path), "%s/sim/exit_ns", c->debugfs);
	len = snprintf(text, sizeof(text), "%" PRIu64 "\n", ns);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	ok = write(fd, text, len) == len;
	close(fd);
	return ok ? 0 : -EIO;
}

static uint64_t read_exit_ns(const struct config *c)
{
	char path[4096];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sim/exit_ns", c->debugfs);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &ns) != 1) {
		fprintf(stderr, "utmem_ioctl_bench: %s: cannot read (root, debugfs, simulator?)\n",
			path);
		exit(1);
	}
	fclose(f);
	return ns;
}

static int key_of(char *key, uint64_t i, uint64_t nr_keys)
{
	return snprintf(key, 24, "bench-%" PRIu64, i % nr_keys);
}

/*
 * PUTs @count values of @size, then GETs them back, on a new file and
 * pool: one ioctl each, or @batch per UTMEM_BATCH call.
 */
static struct run bench(const struct config *c, uint64_t size, uint64_t count,
			bool batched, bool coalesce)
{
	uint64_t nr_keys = DATA_MAX / (size ? size : 1), i, j, n;
	uint32_t flags = coalesce ? 0 : UTMEM_PUT_NOBUFFER, pool;
	struct utmem_kv *e = calloc(c->batch, sizeof(*e));
	char (*keys)[24] = calloc(c->batch, 24);
	char *value = malloc(size ? size : 1), *buf = malloc(size + 1);
	struct utmem_stats st;
	struct run r = {};
	size_t len, done;
	double t;
	int fd, err;

	if (!e || !keys || !value || !buf)
		die("malloc", -ENOMEM);
	nr_keys = nr_keys < KEYS_MIN ? KEYS_MIN : nr_keys;
	nr_keys = nr_keys > count ? count : nr_keys;
	for (i = 0; i < size; i++)
		value[i] = (char)(i * 31 + size);
	fd = utmem_open();
	if (fd < 0)
		die("/dev/utmem", fd);
	err = utmem_pool_create(fd, TMEM_POOL_PERSISTENT, NULL, &pool);
	if (err)
		die("pool", err);

	t = now();
	for (i = 0; i < count; i += n) {
		n = batched ? c->batch : 1;
		n = n > count - i ? count - i : n;
		for (j = 0; j < n; j++) {
			int klen = key_of(keys[j], i + j, nr_keys);

			utmem_kv_init(&e[j], pool, keys[j], klen, value, size);
			e[j].flags = flags;
		}
		err = batched ? utmem_batch(fd, UTMEM_BATCH_PUT, e, n, &done) :
			utmem_put(fd, pool, keys[0], strlen(keys[0]), value,
				  size, flags);
		if (err)
			die("put", err);
	}
	err = utmem_sync(fd, NULL);
	if (err)
		die("sync", err);
	r.put_ops = count / (now() - t);
	err = utmem_stats(fd, pool, &st);
	if (err)
		die("stats", err);
	r.host_puts = st.host_puts;

	/* Each key once: the pool holds nr_keys values. */
	t = now();
	for (i = 0; i < nr_keys; i += n) {
		n = batched ? c->batch : 1;
		n = n > nr_keys - i ? nr_keys - i : n;
		for (j = 0; j < n; j++) {
			int klen = key_of(keys[j], i + j, nr_keys);

			/* Batched GETs share one buffer: only speed counts. */
			utmem_kv_init(&e[j], pool, keys[j], klen, buf,
				      size + 1);
		}
		err = batched ? utmem_batch(fd, UTMEM_BATCH_GET, e, n, &done) :
			utmem_get(fd, pool, keys[0], strlen(keys[0]), buf,
				  size + 1, &len);
		if (err)
			die("get", err);
		if (!batched && (len != size || memcmp(buf, value, size)))
			die("get: wrong value", -EIO);
	}
	r.get_ops = nr_keys / (now() - t);
	close(fd);
	free(e);
	free(keys);
	free(value);
	free(buf);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median PUT and GET rates of @n runs of one kind. */
static struct run median(const struct run *runs, int n)
{
	double put[ROUNDS], get[ROUNDS];
	struct run m = runs[0];
	int i;

	for (i = 0; i < n; i++) {
		put[i] = runs[i].put_ops;
		get[i] = runs[i].get_ops;
	}
	qsort(put, n, sizeof(put[0]), cmp_double);
	qsort(get, n, sizeof(get[0]), cmp_double);
	m.put_ops = put[n / 2];
	m.get_ops = get[n / 2];
	return m;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 's' },
		{ "exit-ns", required_argument, NULL, 'x' },
		{ "batch", required_argument, NULL, 'b' },
		{ "debugfs", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct config c = {
		.count = 20000,
		.sizes = { 64, 1024, 65536 },
		.nr_sizes = 3,
		.exit_ns = { 0, 1000, 5000 },
		.nr_exit = 3,
		.batch = 64,
		.debugfs = "/sys/kernel/debug/utmem",
	};
	uint64_t old_exit;
	int opt, i, k;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			c.count = strtoull(optarg, &end, 10);
			if (*end || !c.count || c.count > 10000000)
				goto usage;
			break;
		case 's':
			c.nr_sizes = parse_list(optarg, c.sizes);
			if (c.nr_sizes < 0)
				goto usage;
			for (i = 0; i < c.nr_sizes; i++)
				if (c.sizes[i] > UTMEM_VALUE_MAX)
					goto usage;
			break;
		case 'x':
			c.nr_exit = parse_list(optarg, c.exit_ns);
			if (c.nr_exit < 0)
				goto usage;
			break;
		case 'b':
			c.batch = strtoull(optarg, &end, 10);
			if (*end || !c.batch || c.batch > UTMEM_BATCH_MAX)
				goto usage;
			break;
		case 'd':
			c.debugfs = optarg;
			break;
		case 'h':
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;

	old_exit = read_exit_ns(&c);
	printf("/dev/utmem from userspace: PUT and GET ops/s (median of %d); single ioctls and\n"
	       "UTMEM_BATCH of %" PRIu64 ", each without (direct) and with the coalescing buffer (coal.)\n",
	       ROUNDS, c.batch);
	printf("%8s %6s %6s | %9s %9s %9s %9s | %6s %6s %6s | %9s %9s | %s\n",
	       "exit_ns", "size", "puts", "single", "coal.", "batch",
	       "b+coal.", "coal/s", "b/s", "b+c/s", "get", "get b.",
	       "host PUT calls: single, coal., batch, b+coal.");
	for (k = 0; k < c.nr_exit; k++) {
		int err = write_exit_ns(&c, c.exit_ns[k]);

		if (err)
			die("exit_ns", err);
		for (i = 0; i < c.nr_sizes; i++) {
			uint64_t size = c.sizes[i], count = c.count;
			struct run runs[4][ROUNDS], s, sc, b, bc;
			int r, m;

			if (size > 4096) {
				count = c.count * 4096 / size;
				count = count < 200 ? 200 : count;
			}
			for (r = 0; r < ROUNDS; r++)
				for (m = 0; m < 4; m++)
					runs[m][r] = bench(&c, size, count,
							   m >= 2, m % 2);
			s = median(runs[0], ROUNDS);
			sc = median(runs[1], ROUNDS);
			b = median(runs[2], ROUNDS);
			bc = median(runs[3], ROUNDS);
			printf("%8" PRIu64 " %6" PRIu64 " %6" PRIu64 " | %9.0f %9.0f %9.0f %9.0f | %5.2fx %5.2fx %5.2fx | %9.0f %9.0f | %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 "\n",
			       c.exit_ns[k], size, count, s.put_ops,
			       sc.put_ops, b.put_ops, bc.put_ops,
			       sc.put_ops / s.put_ops, b.put_ops / s.put_ops,
			       bc.put_ops / s.put_ops, s.get_ops, b.get_ops,
			       s.host_puts, sc.host_puts, b.host_puts,
			       bc.host_puts);
			fflush(stdout);
		}
	}
	write_exit_ns(&c, old_exit);
	return 0;

usage:
	fprintf(stderr, "usage: utmem_ioctl_bench [--count N (1..10000000)] [--sizes LIST (bytes, at most %u)]\n"
		"                          [--exit-ns LIST] [--batch N (1..%u)] [--debugfs DIR]\n",
		UTMEM_VALUE_MAX, UTMEM_BATCH_MAX);
	return 2;
}
