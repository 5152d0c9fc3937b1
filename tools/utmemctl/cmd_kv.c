// SPDX-License-Identifier: GPL-2.0
/*
 * put, get, del, hold, batch and sync: keys and values through
 * /dev/utmem, with libutmem.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utmem.h"
#include "utmemctl.h"

/* What put/get/del/hold/batch share: the device and the pool. */
struct kv_cmd {
	const char *name;
	const char *uuid_arg;	/* --pool, or NULL for a private pool */
	bool ephemeral;
	const char *file;	/* put --file, get --output */
	int fd;
	uint32_t pool;
};

static int hexval(char c)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 hex digits, with or without the usual dashes (8-4-4-4-12). */
static bool parse_uuid(const char *s, uint8_t uuid[16])
{
	static const int dashes[] = { 8, 13, 18, 23 };
	size_t len = strlen(s), i, n = 0, d = 0;

	if (len != 32 && len != 36)
		return false;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (len == 36 && d < 4 && (int)i == dashes[d]) {
			if (s[i] != '-')
				return false;
			d++;
			continue;
		}
		hi = hexval(s[i]);
		lo = i + 1 < len ? hexval(s[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return false;
		uuid[n++] = hi << 4 | lo;
		i++;
	}
	return n == 16;
}

/* Parses the options every key-value command takes; 0 or an exit code. */
static int kv_options(struct kv_cmd *kc, int argc, char **argv,
		      bool has_file)
{
	static const struct option options[] = {
		{ "pool", required_argument, NULL, 'p' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ "file", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{}
	};
	int c;

	kc->name = argv[0];
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			kc->uuid_arg = optarg;
			break;
		case 'e':
			kc->ephemeral = true;
			break;
		case 'f':
		case 'o':
			/* put takes --file, get --output; no other does. */
			if (!has_file ||
			    (c == 'f') != !strcmp(kc->name, "put"))
				return usage_error("%s: no option --%s",
						   kc->name,
						   c == 'f' ? "file" : "output");
			kc->file = optarg;
			break;
		default:
			return usage_error("%s: bad option", kc->name);
		}
	}
	return 0;
}

/* Opens the device and creates or joins the pool; 0 or an exit code. */
static int kv_open(struct ctl *ctl, struct kv_cmd *kc)
{
	uint32_t flags = kc->ephemeral ? 0 : TMEM_POOL_PERSISTENT;
	uint8_t uuid[16];
	int err;

	if (kc->uuid_arg) {
		if (!parse_uuid(kc->uuid_arg, uuid))
			return usage_error("%s: '%s' is not a UUID", kc->name,
					   kc->uuid_arg);
		flags |= TMEM_POOL_SHARED;
	}
	kc->fd = open(ctl->device, O_RDWR | O_CLOEXEC);
	if (kc->fd < 0)
		return failure("%s: %s", ctl->device, strerror(errno));
	err = utmem_pool_create(kc->fd, flags, kc->uuid_arg ? uuid : NULL,
				&kc->pool);
	if (err) {
		close(kc->fd);
		return failure("%s: cannot %s pool%s%s: %s", kc->name,
			       kc->uuid_arg ? "join" : "create",
			       kc->uuid_arg ? " " : "",
			       kc->uuid_arg ? kc->uuid_arg : "",
			       utmem_strerror(err));
	}
	return 0;
}

static int check_key(const char *cmd, const char *key)
{
	size_t len = strlen(key);

	if (!len || len > UTMEM_KEY_MAX)
		return usage_error("%s: a key is 1 to %u bytes, not %zu", cmd,
				   UTMEM_KEY_MAX, len);
	return 0;
}

/* A shell command names a shared pool: a private one dies with it. */
static int need_pool(const struct kv_cmd *kc)
{
	if (kc->uuid_arg)
		return 0;
	return usage_error("%s: needs --pool UUID (a private pool ends with the command; see 'batch')",
			   kc->name);
}

/* Reads all of @fd, up to UTMEM_VALUE_MAX + 1 bytes (one too many). */
static int read_value(int fd, char **buf, size_t *len)
{
	size_t cap = UTMEM_VALUE_MAX + 1;
	ssize_t n;

	*buf = malloc(cap);
	if (!*buf)
		return -ENOMEM;
	*len = 0;
	while (*len < cap) {
		n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		*len += n;
	}
	return 0;
}

static int do_put(struct kv_cmd *kc, const char *key, const void *value,
		  size_t len)
{
	int err;

	if (len > UTMEM_VALUE_MAX)
		return usage_error("%s: a value is at most %u bytes", kc->name,
				   UTMEM_VALUE_MAX);
	err = utmem_put(kc->fd, kc->pool, key, strlen(key), value, len, 0);
	if (err)
		return failure("%s %s: %s", kc->name, key, utmem_strerror(err));
	return 0;
}

int cmd_put(struct ctl *ctl, int argc, char **argv)
{
	struct kv_cmd kc = {};
	const char *key, *arg;
	char *buf = NULL;
	size_t len = 0;
	int ret, err, fd;

	ret = kv_options(&kc, argc, argv, true);
	if (ret)
		return ret;
	if (argc - optind != (kc.file ? 1 : 2))
		return usage_error("put: takes KEY and one of VALUE, - or --file FILE");
	key = argv[optind];
	arg = kc.file ? kc.file : argv[optind + 1];
	ret = check_key("put", key) ?: need_pool(&kc);
	if (ret)
		return ret;
	if (kc.file || !strcmp(arg, "-")) {
		fd = strcmp(arg, "-") ? open(arg, O_RDONLY | O_CLOEXEC) : 0;
		if (fd < 0)
			return failure("put: %s: %s", arg, strerror(errno));
		err = read_value(fd, &buf, &len);
		if (fd)
			close(fd);
		if (err) {
			free(buf);
			return failure("put: %s: %s", arg, strerror(-err));
		}
	}
	ret = kv_open(ctl, &kc);
	if (!ret) {
		ret = buf ? do_put(&kc, key, buf, len) :
			    do_put(&kc, key, arg, strlen(arg));
		close(kc.fd);
	}
	free(buf);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* GETs @key into a buffer that grows to the value's length. */
static int do_get(struct kv_cmd *kc, const char *key, char **buf,
		  size_t *len)
{
	size_t size = 4096;
	int err;

	for (;;) {
		*buf = malloc(size);
		if (!*buf)
			return failure("%s: out of memory", kc->name);
		err = utmem_get(kc->fd, kc->pool, key, strlen(key), *buf,
				size, len);
		if (err != -ERANGE)
			break;
		/* The value stays in the pool: ask again with room for it. */
		free(*buf);
		size = *len;
	}
	if (err == -ENOENT) {
		fprintf(stderr, "utmemctl: %s %s: no value\n", kc->name, key);
		return EXIT_NOVALUE;
	}
	if (err)
		return failure("%s %s: %s", kc->name, key, utmem_strerror(err));
	return 0;
}

int cmd_get(struct ctl *ctl, int argc, char **argv)
{
	struct kv_cmd kc = {};
	char *buf = NULL;
	size_t len = 0;
	int ret, out = 1;

	ret = kv_options(&kc, argc, argv, true);
	if (ret)
		return ret;
	if (argc - optind != 1)
		return usage_error("get: takes one KEY");
	ret = check_key("get", argv[optind]) ?: need_pool(&kc);
	if (ret)
		return ret;
	if (kc.file) {
		out = open(kc.file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0644);
		if (out < 0)
			return failure("get: %s: %s", kc.file, strerror(errno));
	}
	ret = kv_open(ctl, &kc);
	if (!ret) {
		ret = do_get(&kc, argv[optind], &buf, &len);
		if (!ret && write_all(out, buf, len))
			ret = failure("get: write: %s", strerror(errno));
		close(kc.fd);
	}
	free(buf);
	if (out != 1 && close(out))
		ret = ret ?: failure("get: %s: %s", kc.file, strerror(errno));
	return ret;
}

static int do_del(struct kv_cmd *kc, const char *key)
{
	int err = utmem_delete(kc->fd, kc->pool, key, strlen(key));

	return err ? failure("%s %s: %s", kc->name, key, utmem_strerror(err)) :
		     0;
}

int cmd_del(struct ctl *ctl, int argc, char **argv)
{
	struct kv_cmd kc = {};
	int ret;

	ret = kv_options(&kc, argc, argv, false);
	if (ret)
		return ret;
	if (argc - optind != 1)
		return usage_error("del: takes one KEY");
	ret = check_key("del", argv[optind]) ?: need_pool(&kc);
	if (ret)
		return ret;
	ret = kv_open(ctl, &kc);
	if (!ret) {
		ret = do_del(&kc, argv[optind]);
		close(kc.fd);
	}
	return ret;
}

static int do_sync(struct kv_cmd *kc)
{
	uint64_t failed = 0;
	int err = utmem_sync(kc->fd, &failed);

	if (err)
		return failure("sync: %s", utmem_strerror(err));
	printf("sync: %llu buffered PUTs refused\n",
	       (unsigned long long)failed);
	return 0;
}

int cmd_sync(struct ctl *ctl, int argc, char **argv)
{
	struct kv_cmd kc = { .name = "sync" };
	int ret;

	if (argc != 1)
		return usage_error("%s: takes no arguments", argv[0]);
	kc.fd = open(ctl->device, O_RDWR | O_CLOEXEC);
	if (kc.fd < 0)
		return failure("%s: %s", ctl->device, strerror(errno));
	ret = do_sync(&kc);
	close(kc.fd);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int cmd_hold(struct ctl *ctl, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct kv_cmd kc = {};
	int ret;

	ret = kv_options(&kc, argc, argv, false);
	if (ret)
		return ret;
	if (argc != optind)
		return usage_error("hold: takes no arguments but options");
	ret = need_pool(&kc);
	if (ret)
		return ret;
	/* Handlers first: a signal between the two would lose the pool. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = kv_open(ctl, &kc);
	if (ret)
		return ret;
	printf("holding pool %s (%s) until SIGINT or SIGTERM\n", kc.uuid_arg,
	       kc.ephemeral ? "ephemeral" : "persistent");
	fflush(stdout);
	while (!stop)
		pause();
	close(kc.fd);
	return 0;
}

static int do_stats(struct kv_cmd *kc)
{
	struct utmem_stats st;
	int err = utmem_stats(kc->fd, UTMEM_POOL_NONE, &st);

	if (err)
		return failure("stats: %s", utmem_strerror(err));
	printf("puts %llu gets %llu hits %llu deletes %llu put_refused %llu host_puts %llu buffered_bytes %llu flushes %llu\n",
	       (unsigned long long)st.puts, (unsigned long long)st.gets,
	       (unsigned long long)st.hits, (unsigned long long)st.deletes,
	       (unsigned long long)st.put_refused,
	       (unsigned long long)st.host_puts,
	       (unsigned long long)st.buffered_bytes,
	       (unsigned long long)st.flushes);
	return 0;
}

/* One line of a batch: "CMD [KEY [VALUE]]", VALUE the rest of the line. */
static int batch_line(struct kv_cmd *kc, char *line, unsigned long nr)
{
	char *cmd, *key = NULL, *value = NULL, *sp;
	char *buf = NULL;
	size_t len;
	int ret;

	line[strcspn(line, "\n")] = '\0';
	cmd = line;
	sp = strchr(cmd, ' ');
	if (sp) {
		*sp = '\0';
		key = sp + 1;
		sp = strchr(key, ' ');
		if (sp) {
			*sp = '\0';
			value = sp + 1;
		}
	}
	kc->name = cmd;
	if (!*cmd || *cmd == '#')
		return 0;
	if (!strcmp(cmd, "sync") || !strcmp(cmd, "stats")) {
		if (key)
			return usage_error("line %lu: %s takes no arguments",
					   nr, cmd);
		return !strcmp(cmd, "sync") ? do_sync(kc) : do_stats(kc);
	}
	if (strcmp(cmd, "put") && strcmp(cmd, "get") && strcmp(cmd, "del"))
		return usage_error("line %lu: unknown command '%s'", nr, cmd);
	if (!key || (!value) != !!strcmp(cmd, "put"))
		return usage_error("line %lu: %s takes KEY%s", nr, cmd,
				   strcmp(cmd, "put") ? "" : " VALUE");
	ret = check_key(cmd, key);
	if (ret)
		return ret;
	if (!strcmp(cmd, "put"))
		return do_put(kc, key, value, strlen(value));
	if (!strcmp(cmd, "del"))
		return do_del(kc, key);
	ret = do_get(kc, key, &buf, &len);
	if (!ret) {
		fwrite(buf, 1, len, stdout);
		putchar('\n');
	}
	free(buf);
	/* A miss is an answer, not a reason to stop the batch. */
	return ret == EXIT_NOVALUE ? 0 : ret;
}

int cmd_batch(struct ctl *ctl, int argc, char **argv)
{
	struct kv_cmd kc = {};
	unsigned long nr = 0;
	size_t cap = 0;
	char *line = NULL;
	int ret;

	ret = kv_options(&kc, argc, argv, false);
	if (ret)
		return ret;
	if (argc != optind)
		return usage_error("batch: reads its commands from stdin");
	ret = kv_open(ctl, &kc);
	if (ret)
		return ret;
	while (!ret && getline(&line, &cap, stdin) >= 0) {
		ret = batch_line(&kc, line, ++nr);
		fflush(stdout);
	}
	free(line);
	close(kc.fd);
	return ret;
}
