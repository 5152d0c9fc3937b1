// SPDX-License-Identifier: GPL-2.0
/*
 * redis_bench: the load generator of the Redis experiment (bench/redis/).
 *
 *   redis_bench load [CONNECTION] --mode plain|utmem --keys N --size BYTES
 *                    [--pipeline N]
 *   redis_bench run  [CONNECTION] --mode plain|utmem --keys N --size BYTES
 *                    [--seconds S] [--rounds R] [--clients C]
 *                    [--set-percent P] [--seed N]
 *   CONNECTION: --host ADDR --port N (127.0.0.1:6379) or --socket PATH
 *
 * load writes keys key:000000000000 .. key:N-1, twelve digits as
 * redis-benchmark -r names them (SET, or UTMEM.SET with --mode utmem),
 * pipelined.  run sends, from C processes with one request in flight
 * each, random keys: P% SETs, the rest GETs, for S seconds, R times
 * (odd: the median is a round's), and prints the median ops/s with the
 * spread over the rounds and the median p50/p99 latency.  Values are half noise, half text (LZ4
 * halves them), and start with their key's number: every GET is checked
 * for it and its length, so a wrong value is an error, not a data point.
 *
 * Output: one line of NAME=VALUE words.  Exit status 0, 1 on a failure
 * (connection, error reply, wrong value), 2 on bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#define LATENCY_BUCKETS	1000000		/* 1 us each, up to 1 s */
#define CLIENTS_MAX	64
#define SIZE_MAX_BYTES	(1 << 20)
#define ROUNDS_MAX	99

struct options {
	const char *host;
	int port;
	const char *socket;
	int utmem;
	long keys;
	long size;
	int pipeline;
	int seconds;
	int rounds;
	int clients;
	int set_percent;
	unsigned int seed;
};

/* What the run clients share with their parent. */
struct shared {
	uint64_t ops[CLIENTS_MAX];
	uint64_t errors[CLIENTS_MAX];
	uint32_t latency[CLIENTS_MAX][LATENCY_BUCKETS];
};

static void print_usage(FILE *f)
{
	fprintf(f, "usage: redis_bench load|run [--host ADDR --port N | --socket PATH]\n"
		"  --mode plain|utmem --keys N --size BYTES [--pipeline N]\n"
		"  [--seconds S] [--rounds R] [--clients C] [--set-percent P] [--seed N]\n");
}

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "redis_bench: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	print_usage(stderr);
	return 2;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The value of key @k: its number, then noise, then text. */
static void make_value(char *buf, long size, long k, uint32_t version)
{
	uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ULL + version + 1;
	long i, half = size / 2;
	char head[24];
	int n = snprintf(head, sizeof(head), "%016lx", k);

	for (i = 0; i < half; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (char)x;
	}
	for (; i < size; i++)
		buf[i] = "the quick brown fox jumps over the lazy dog "[i % 44];
	memcpy(buf, head, size < n ? (size_t)size : (size_t)n);
}

static int value_ok(const redisReply *r, long size, long k)
{
	char head[24];
	int n = snprintf(head, sizeof(head), "%016lx", k);

	if (r->type != REDIS_REPLY_STRING || r->len != (size_t)size)
		return 0;
	return !memcmp(r->str, head, size < n ? (size_t)size : (size_t)n);
}

static redisContext *connect_to(const struct options *o)
{
	redisContext *c = o->socket ? redisConnectUnix(o->socket) :
				      redisConnect(o->host, o->port);

	if (!c || c->err) {
		fprintf(stderr, "redis_bench: cannot connect: %s\n",
			c ? c->errstr : "out of memory");
		exit(1);
	}
	return c;
}

static int reply_error(redisReply *r, const char *what)
{
	fprintf(stderr, "redis_bench: %s: %s\n", what,
		r ? (r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply") :
		    "connection lost");
	return 1;
}

static int load(const struct options *o)
{
	const char *set = o->utmem ? "UTMEM.SET" : "SET";
	redisContext *c = connect_to(o);
	char *buf = malloc((size_t)o->size + 1);
	double start = now(), secs;
	long k = 0, sent, i;
	redisReply *r;

	if (!buf)
		return 1;
	while (k < o->keys) {
		for (sent = 0; sent < o->pipeline && k + sent < o->keys; sent++) {
			make_value(buf, o->size, k + sent, 0);
			redisAppendCommand(c, "%s key:%012ld %b", set, k + sent,
					   buf, (size_t)o->size);
		}
		for (i = 0; i < sent; i++) {
			if (redisGetReply(c, (void **)&r) != REDIS_OK ||
			    r->type != REDIS_REPLY_STATUS)
				return reply_error(r, set);
			freeReplyObject(r);
		}
		k += sent;
	}
	secs = now() - start;
	printf("load keys=%ld size=%ld seconds=%.2f ops/s=%.0f\n", o->keys,
	       o->size, secs, (double)o->keys / secs);
	free(buf);
	redisFree(c);
	return 0;
}

static void client(const struct options *o, struct shared *sh, int id,
		   double deadline)
{
	const char *get = o->utmem ? "UTMEM.GET" : "GET";
	const char *set = o->utmem ? "UTMEM.SET" : "SET";
	unsigned int seed = o->seed * CLIENTS_MAX + (unsigned int)id;
	redisContext *c = connect_to(o);
	char *buf = malloc((size_t)o->size + 1);
	uint32_t version = 0;

	if (!buf)
		exit(1);
	while (now() < deadline) {
		long k = (long)(((uint64_t)rand_r(&seed) << 16 ^
				 (uint64_t)rand_r(&seed)) % (uint64_t)o->keys);
		int is_set = rand_r(&seed) % 100 < o->set_percent;
		double t0 = now(), us;
		redisReply *r;

		if (is_set) {
			make_value(buf, o->size, k, ++version);
			r = redisCommand(c, "%s key:%012ld %b", set, k, buf,
					 (size_t)o->size);
		} else {
			r = redisCommand(c, "%s key:%012ld", get, k);
		}
		us = (now() - t0) * 1e6;
		if (!r)
			exit(reply_error(r, is_set ? set : get));
		if (is_set ? r->type != REDIS_REPLY_STATUS :
			     !value_ok(r, o->size, k)) {
			if (!sh->errors[id]++)
				reply_error(r, is_set ? set : get);
		}
		freeReplyObject(r);
		sh->ops[id]++;
		sh->latency[id][us < LATENCY_BUCKETS - 1 ? (long)us :
				LATENCY_BUCKETS - 1]++;
	}
	exit(0);
}

/* The latency (us) below which @q of the @total requests completed. */
static long percentile(const uint64_t *merged, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total), seen = 0;
	long i;

	for (i = 0; i < LATENCY_BUCKETS; i++) {
		seen += merged[i];
		if (seen > want)
			return i;
	}
	return LATENCY_BUCKETS - 1;
}

struct round {
	double ops_s;
	long p50_us;
	long p99_us;
};

/* One round: C clients for S seconds; 0, or 1 if a client failed. */
static int run_round(const struct options *o, struct shared *sh,
		     uint64_t *merged, unsigned int seed, struct round *r,
		     uint64_t *ops, uint64_t *errors)
{
	struct options ro = *o;
	double start, deadline, secs;
	uint64_t round_ops = 0;
	int i, status, failed = 0;

	ro.seed = seed;
	memset(sh->ops, 0, sizeof(sh->ops));
	memset(sh->errors, 0, sizeof(sh->errors));
	memset(sh->latency, 0, (size_t)o->clients * sizeof(sh->latency[0]));
	memset(merged, 0, LATENCY_BUCKETS * sizeof(*merged));
	start = now();
	deadline = start + o->seconds;
	for (i = 0; i < o->clients; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid)
			client(&ro, sh, i, deadline);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	secs = now() - start;
	for (i = 0; i < o->clients; i++) {
		long b;

		round_ops += sh->ops[i];
		*errors += sh->errors[i];
		for (b = 0; b < LATENCY_BUCKETS; b++)
			merged[b] += sh->latency[i][b];
	}
	*ops += round_ops;
	r->ops_s = (double)round_ops / secs;
	r->p50_us = percentile(merged, round_ops, 0.50);
	r->p99_us = percentile(merged, round_ops, 0.99);
	return failed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * --rounds R rounds back to back, each reported on stderr; the line on
 * stdout gives the medians of ops/s, p50 and p99 over the rounds and the
 * spread of ops/s.
 */
static int run(const struct options *o)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t *merged = calloc(LATENCY_BUCKETS, sizeof(*merged));
	double ops_s[ROUNDS_MAX], p50[ROUNDS_MAX], p99[ROUNDS_MAX];
	uint64_t ops = 0, errors = 0;
	int i, failed = 0, mid = o->rounds / 2;

	if (sh == MAP_FAILED || !merged)
		return 1;
	for (i = 0; i < o->rounds; i++) {
		struct round r = { 0 };

		failed |= run_round(o, sh, merged, o->seed * ROUNDS_MAX + i,
				    &r, &ops, &errors);
		fprintf(stderr, "round %d ops/s=%.0f p50_us=%ld p99_us=%ld\n",
			i + 1, r.ops_s, r.p50_us, r.p99_us);
		ops_s[i] = r.ops_s;
		p50[i] = (double)r.p50_us;
		p99[i] = (double)r.p99_us;
	}
	qsort(ops_s, o->rounds, sizeof(double), cmp_double);
	qsort(p50, o->rounds, sizeof(double), cmp_double);
	qsort(p99, o->rounds, sizeof(double), cmp_double);
	printf("run rounds=%d ops=%" PRIu64 " ops/s=%.0f ops/s_min=%.0f ops/s_max=%.0f p50_us=%.0f p99_us=%.0f errors=%" PRIu64 "\n",
	       o->rounds, ops, ops_s[mid], ops_s[0], ops_s[o->rounds - 1],
	       p50[mid], p99[mid], errors);
	return failed || errors;
}

static int number(const char *name, const char *arg, long min, long max,
		  long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < min || *out > max) {
		fprintf(stderr, "redis_bench: %s takes %ld to %ld, not '%s'\n",
			name, min, max, arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "keys", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 'z' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "seconds", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "clients", required_argument, NULL, 'c' },
		{ "set-percent", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = {
		.host = "127.0.0.1", .port = 6379, .keys = -1, .size = -1,
		.pipeline = 64, .seconds = 10, .rounds = 1, .clients = 4, .set_percent = 10,
		.seed = 1, .utmem = -1,
	};
	const char *verb;
	long n;
	int opt;

	if (argc < 2)
		return usage("no command", "");
	verb = argv[1];
	if (!strcmp(verb, "--help")) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(verb, "load") && strcmp(verb, "run"))
		return usage("unknown command '%s'", verb);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			o.host = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "plain") && strcmp(optarg, "utmem"))
				return usage("--mode takes plain or utmem, not '%s'",
					     optarg);
			o.utmem = !strcmp(optarg, "utmem");
			break;
		case 'p':
			if (number("--port", optarg, 1, 65535, &n))
				return 2;
			o.port = (int)n;
			break;
		case 'k':
			if (number("--keys", optarg, 1, 1L << 32, &o.keys))
				return 2;
			break;
		case 'z':
			if (number("--size", optarg, 16, SIZE_MAX_BYTES, &o.size))
				return 2;
			break;
		case 'P':
			if (number("--pipeline", optarg, 1, 4096, &n))
				return 2;
			o.pipeline = (int)n;
			break;
		case 't':
			if (number("--seconds", optarg, 1, 3600, &n))
				return 2;
			o.seconds = (int)n;
			break;
		case 'r':
			if (number("--rounds", optarg, 1, ROUNDS_MAX, &n) ||
			    n % 2 == 0) {
				fprintf(stderr, "redis_bench: --rounds takes an odd number\n");
				return 2;
			}
			o.rounds = (int)n;
			break;
		case 'c':
			if (number("--clients", optarg, 1, CLIENTS_MAX, &n))
				return 2;
			o.clients = (int)n;
			break;
		case 'w':
			if (number("--set-percent", optarg, 0, 100, &n))
				return 2;
			o.set_percent = (int)n;
			break;
		case 'S':
			if (number("--seed", optarg, 0, 1L << 31, &n))
				return 2;
			o.seed = (unsigned int)n;
			break;
		case 'H':
			print_usage(stdout);
			return 0;
		default:
			return 2;	/* getopt said which */
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s'", argv[optind]);
	if (o.utmem < 0 || o.keys < 0 || o.size < 0)
		return usage("%s", "--mode, --keys and --size are required");
	return !strcmp(verb, "load") ? load(&o) : run(&o);
}
