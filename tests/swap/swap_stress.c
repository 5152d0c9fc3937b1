// SPDX-License-Identifier: GPL-2.0
/*
 * swap_stress: fill more anonymous memory than the machine has, then
 * rewrite and re-read it in random order, checking every byte of every
 * page against what was last written there.  Any page lost or mixed up on
 * its way through swap (the device, zswap, frontswap) is a mismatch.
 *
 * Each page's content is a pure function of (seed, page number,
 * generation, content kind): the first words say which page and
 * generation they are; by default half of the rest is pseudo-random and
 * half a repeated word, so that the data compresses about 2:1, like
 * typical anonymous memory (-k picks incompressible pages or a mix).  Only
 * the generation of each page is kept aside, 4 bytes per page.
 *
 * The operations after the fill go to random pages, or (-p seq) sweep the
 * working set in order.  The summary line gives the phases' times and the
 * major faults the process took, the pages it waited for.  With -l, each
 * operation asks mincore() first whether its page is in memory, and the
 * operations on pages that were not (the ones that waited for swap) are
 * timed: their count, median and 99th percentile.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096UL
#define WORDS		(PAGE / sizeof(uint64_t))
#define MAX_MIB		(1UL << 20)	/* 1 TiB: a typo guard */

/* What a page holds besides its name (-k). */
enum content {
	CONTENT_HALF,	/* half random, half a repeated word: ~2:1 */
	CONTENT_RANDOM,	/* all random: does not compress */
	CONTENT_MIX,	/* even pages random, odd pages one repeated word */
};

struct options {
	unsigned long mib;
	enum content content;
	bool sequential;
	unsigned long ops;
	bool ops_set;
	uint64_t seed;
	const char *mid_cmd;
	const char *end_cmd;
	bool drop_half;
	bool corrupt;
	bool latency;
};

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static enum content opt_content;	/* -k, for page_fill() */

/* Words 2.. of the page that are random; the rest repeat one word. */
static size_t random_words(uint64_t index)
{
	switch (opt_content) {
	case CONTENT_RANDOM:
		return WORDS;
	case CONTENT_MIX:
		return index & 1 ? 2 : WORDS;
	default:
		return WORDS / 2;
	}
}

static void page_fill(uint64_t *p, uint64_t seed, uint64_t index,
		      uint32_t gen)
{
	uint64_t state = seed ^ (index << 20) ^ ((uint64_t)gen << 52);
	uint64_t fill = splitmix64(&state);
	size_t i, nr_random = random_words(index);

	p[0] = index;
	p[1] = gen;
	for (i = 2; i < nr_random; i++)
		p[i] = splitmix64(&state);
	for (; i < WORDS; i++)
		p[i] = fill;
}

/* Returns true when the page holds exactly what page_fill() wrote. */
static bool page_check(const uint64_t *p, uint64_t seed, uint64_t index,
		       uint32_t gen)
{
	uint64_t want[WORDS];

	page_fill(want, seed, index, gen);
	return memcmp(p, want, PAGE) == 0;
}

static long major_faults(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_majflt;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Is the page at @p in memory (not swapped out)? */
static bool resident(void *p)
{
	unsigned char vec = 0;

	return !mincore(p, PAGE, &vec) && (vec & 1);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The @pct-th percentile of @n sorted latencies, in microseconds. */
static double percentile_us(const uint32_t *v, unsigned long n, int pct)
{
	unsigned long i;

	if (!n)
		return 0;
	i = n * pct / 100;
	return v[i < n ? i : n - 1] / 1000.0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: swap_stress [options]\n"
		"  -m MIB    working set in MiB, 1..%lu (default 64)\n"
		"  -o OPS    random operations after the fill, half rewrites\n"
		"            and half checked reads (default: twice the pages)\n"
		"  -s SEED   pattern and order seed (default 1)\n"
		"  -p PAT    order of the operations: random (default), or seq:\n"
		"            sweeps over the working set in page order\n"
		"  -k KIND   page content: half (default; half random, about\n"
		"            2:1 compressible), random (incompressible), or mix\n"
		"            (even pages random, odd pages one repeated word)\n"
		"  -M CMD    run the shell command CMD halfway through the\n"
		"            random operations\n"
		"  -E CMD    run CMD after them, before the final check\n"
		"  -d        unmap the second half before -E and the final check\n"
		"  -c        corrupt one page before the final check: the run\n"
		"            must then fail (checks the checker)\n"
		"  -l        time the operations on pages that were not in\n"
		"            memory (mincore() before each): fault_ops,\n"
		"            fault_p50_us and fault_p99_us in the summary\n"
		"  -h        this help\n"
		"Exit status: 0 all pages verified, 1 mismatches or a failed\n"
		"command, 2 bad arguments or no memory.\n", MAX_MIB);
}

static int parse_ulong(const char *arg, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || *out > max)
		return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	unsigned long v;
	int c;

	*o = (struct options){ .mib = 64, .seed = 1 };
	while ((c = getopt(argc, argv, "m:o:s:p:k:M:E:dclh")) != -1) {
		switch (c) {
		case 'm':
			if (parse_ulong(optarg, MAX_MIB, &o->mib) || !o->mib) {
				fprintf(stderr, "swap_stress: -m wants 1..%lu, not '%s'\n",
					MAX_MIB, optarg);
				return -1;
			}
			break;
		case 'o':
			if (parse_ulong(optarg, ULONG_MAX / 2, &o->ops)) {
				fprintf(stderr, "swap_stress: -o wants a count, not '%s'\n",
					optarg);
				return -1;
			}
			o->ops_set = true;
			break;
		case 's':
			if (parse_ulong(optarg, ULONG_MAX, &v)) {
				fprintf(stderr, "swap_stress: -s wants a number, not '%s'\n",
					optarg);
				return -1;
			}
			o->seed = v;
			break;
		case 'p':
			if (!strcmp(optarg, "seq") || !strcmp(optarg, "random")) {
				o->sequential = optarg[0] == 's';
				break;
			}
			fprintf(stderr, "swap_stress: -p wants seq or random, not '%s'\n",
				optarg);
			return -1;
		case 'k':
			if (!strcmp(optarg, "half")) {
				o->content = CONTENT_HALF;
			} else if (!strcmp(optarg, "random")) {
				o->content = CONTENT_RANDOM;
			} else if (!strcmp(optarg, "mix")) {
				o->content = CONTENT_MIX;
			} else {
				fprintf(stderr, "swap_stress: -k wants half, random or mix, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'M':
			o->mid_cmd = optarg;
			break;
		case 'E':
			o->end_cmd = optarg;
			break;
		case 'd':
			o->drop_half = true;
			break;
		case 'c':
			o->corrupt = true;
			break;
		case 'l':
			o->latency = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "swap_stress: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static int run_cmd(const char *what, const char *cmd)
{
	int status;

	printf("swap_stress: %s: %s\n", what, cmd);
	fflush(stdout);
	status = system(cmd);
	if (status != 0) {
		fprintf(stderr, "swap_stress: '%s' failed (status %d)\n", cmd,
			status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pages, checked = 0, mismatches = 0, i, n, live;
	unsigned long nr_lat = 0;
	long majflt0, majflt;
	double t0, t_fill, t_random, t_check;
	uint64_t rng, *mem, t_op = 0;
	uint32_t *gen, *lat = NULL;
	bool timed = false;
	struct options o;
	int failed = 0;

	if (parse_args(argc, argv, &o))
		return 2;
	opt_content = o.content;
	pages = o.mib * (1024 * 1024 / PAGE);
	if (!o.ops_set)
		o.ops = 2 * pages;
	gen = calloc(pages, sizeof(*gen));
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (o.latency)
		lat = calloc(o.ops ? o.ops : 1, sizeof(*lat));
	if (!gen || mem == MAP_FAILED || (o.latency && !lat)) {
		fprintf(stderr, "swap_stress: cannot map %lu MiB\n", o.mib);
		return 2;
	}

	majflt0 = major_faults();
	t0 = now();
	for (i = 0; i < pages; i++) {
		gen[i] = 1;
		page_fill(mem + i * WORDS, o.seed, i, 1);
	}
	t_fill = now();

	rng = o.seed;
	for (n = 0; n < o.ops; n++) {
		uint64_t r = splitmix64(&rng);

		i = o.sequential ? n % pages : (r >> 1) % pages;
		if (o.latency) {
			timed = !resident(mem + i * WORDS);
			t_op = now_ns();
		}
		if (r & 1) {
			page_fill(mem + i * WORDS, o.seed, i, ++gen[i]);
		} else {
			checked++;
			if (!page_check(mem + i * WORDS, o.seed, i, gen[i])) {
				mismatches++;
				fprintf(stderr, "swap_stress: page %lu gen %u: wrong content\n",
					i, gen[i]);
			}
		}
		if (timed) {
			uint64_t ns = now_ns() - t_op;

			lat[nr_lat++] = ns > UINT32_MAX ? UINT32_MAX : ns;
		}
		if (o.mid_cmd && n == o.ops / 2 && run_cmd("midway", o.mid_cmd))
			failed = 1;
	}
	t_random = now();

	live = pages;
	if (o.drop_half) {
		live = pages / 2;
		munmap(mem + live * WORDS, (pages - live) * PAGE);
	}
	if (o.end_cmd && run_cmd("before the final check", o.end_cmd))
		failed = 1;
	if (o.corrupt)
		mem[(live / 2) * WORDS + 7] ^= 1;
	for (i = 0; i < live; i++) {
		checked++;
		if (!page_check(mem + i * WORDS, o.seed, i, gen[i])) {
			mismatches++;
			fprintf(stderr, "swap_stress: page %lu gen %u: wrong content\n",
				i, gen[i]);
		}
	}
	t_check = now();
	majflt = major_faults() - majflt0;

	printf("swap_stress: pages=%lu ops=%lu checked=%lu mismatches=%lu fill_s=%.2f random_s=%.2f check_s=%.2f total_s=%.2f majflt=%ld",
	       pages, o.ops, checked, mismatches, t_fill - t0,
	       t_random - t_fill, t_check - t_random, t_check - t0, majflt);
	if (o.latency) {
		qsort(lat, nr_lat, sizeof(*lat), cmp_u32);
		printf(" fault_ops=%lu fault_p50_us=%.1f fault_p99_us=%.1f",
		       nr_lat, percentile_us(lat, nr_lat, 50),
		       percentile_us(lat, nr_lat, 99));
	}
	printf("\n");
	return mismatches || failed ? 1 : 0;
}
