// SPDX-License-Identifier: GPL-2.0
/*
 * stats and pools: utmem's counters, as a table or JSON.
 *
 * stats shows each section that exists (a kernel without frontswap has
 * no frontswap/), every readable file in it, nested directories as
 * "dir/name" in a table and as objects in JSON.  A section in sysfs
 * (/sys/kernel/utmem/: the operator's, stable, there under lockdown) is
 * read from there; the others, for debugging, from debugfs when it is
 * mounted.  Write-only files and fault-injection directories (see
 * `utmemctl fault`) are left out.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "utmemctl.h"

/* Section name in the output -> directory under utmem/, and where. */
static const struct {
	const char *name;
	const char *dir;
	bool sysfs;
} sections[] = {
	{ "device", "dev", true },
	{ "calls", "calls", false },
	{ "errors", "errors", false },
	{ "sim", "sim", false },
	{ "frontswap", "frontswap", true },
	{ "cleancache", "cleancache", true },
};

/* One value of a sample, by its path under utmem/. */
struct sample {
	char **paths;
	char **values;
	size_t n, cap;
};

static void sample_add(struct sample *s, const char *path, const char *value)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->paths = realloc(s->paths, s->cap * sizeof(*s->paths));
		s->values = realloc(s->values, s->cap * sizeof(*s->values));
		if (!s->paths || !s->values) {
			failure("out of memory");
			exit(EXIT_FAILED);
		}
	}
	s->paths[s->n] = strdup(path);
	s->values[s->n] = strdup(value);
	s->n++;
}

static void sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->paths[i]);
		free(s->values[i]);
	}
	free(s->paths);
	free(s->values);
	memset(s, 0, sizeof(*s));
}

static const char *sample_find(const struct sample *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->paths[i], path))
			return s->values[i];
	}
	return NULL;
}

static bool readable_file(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_mode & 0444);
}

/*
 * Walks @dir (@rel under utmem/) in name order, adding to @s and writing
 * JSON members to @j when it is not NULL.
 */
static void walk(const char *dir, const char *rel, struct sample *s,
		 struct json *j)
{
	struct dirent **names;
	char path[4096], sub[1024], value[VALUE_MAX];
	struct stat st;
	int n, i;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s/%s", rel, name);
		if (name[0] == '.' || stat(path, &st)) {
			free(names[i]);
			continue;
		}
		if (S_ISDIR(st.st_mode) && !debugfs_is_fault_dir(path)) {
			if (j) {
				json_key(j, name);
				json_object_begin(j);
			}
			walk(path, sub, s, j);
			if (j)
				json_object_end(j);
		} else if (readable_file(&st) &&
			   !debugfs_read(path, value, sizeof(value))) {
			sample_add(s, sub, value);
			if (j) {
				json_key(j, name);
				json_value(j, value);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* Reads every section; writes the JSON document when @j is set. */
static int take_sample(struct ctl *ctl, struct sample *s, struct json *j)
{
	char path[4096], value[VALUE_MAX];
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/backend", ctl->sysfs);
	err = debugfs_read(path, value, sizeof(value));
	if (err) {
		snprintf(path, sizeof(path), "%s/backend", ctl->debugfs);
		err = debugfs_read(path, value, sizeof(value));
	}
	/*
	 * A guest whose backend did not bind (no host, a host that does
	 * not serve it) has utmem's parameters but no backend file.
	 */
	if (err && access(ctl->params, F_OK) == 0)
		return failure("%s/backend: %s: utmem is in this kernel but bound no backend (dmesg | grep utmem says why)",
			       ctl->sysfs, strerror(-err));
	if (err)
		return failure("%s/backend: %s (does this kernel have utmem?)",
			       ctl->sysfs, strerror(-err));
	sample_add(s, "backend", value);
	if (j) {
		json_object_begin(j);
		json_key(j, "time");
		json_u64(j, (uint64_t)time(NULL));
		json_key(j, "backend");
		json_string(j, value);
	}
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", ctl->sysfs,
			 sections[i].dir);
		if (!sections[i].sysfs || stat(path, &st) ||
		    !S_ISDIR(st.st_mode))
			snprintf(path, sizeof(path), "%s/%s", ctl->debugfs,
				 sections[i].dir);
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (j) {
			json_key(j, sections[i].name);
			json_object_begin(j);
		}
		walk(path, sections[i].name, s, j);
		if (j)
			json_object_end(j);
	}
	if (j)
		json_object_end(j);
	return 0;
}

/* The table: path and value, and with @prev the change since it. */
static void print_table(const struct sample *s, const struct sample *prev)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const char *old = prev ? sample_find(prev, s->paths[i]) : NULL;

		printf("%-40s %20s", s->paths[i], s->values[i]);
		if (old && debugfs_is_integer(old) &&
		    debugfs_is_integer(s->values[i]))
			printf(" %+12" PRId64,
			       (int64_t)(strtoll(s->values[i], NULL, 10) -
					 strtoll(old, NULL, 10)));
		putchar('\n');
	}
}

int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{}
	};
	struct sample prev = {}, cur = {};
	uint64_t watch = 0, count = 0, n;
	bool json = false, counted = false;
	struct json j;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'w':
			if (!parse_u64(optarg, &watch) || !watch ||
			    watch > 86400)
				return usage_error("stats: --watch takes 1 to 86400 seconds, not '%s'",
						   optarg);
			break;
		case 'c':
			if (!parse_u64(optarg, &count) || !count)
				return usage_error("stats: --count takes a positive number, not '%s'",
						   optarg);
			counted = true;
			break;
		default:
			return usage_error("stats: bad option");
		}
	}
	if (argc != optind)
		return usage_error("stats: takes no arguments but options");
	if (counted && !watch)
		return usage_error("stats: --count goes with --watch");

	for (n = 0; !ret && (!watch || !counted || n < count); n++) {
		if (n)
			sleep(watch);
		json_begin(&j, stdout);
		ret = take_sample(ctl, &cur, json ? &j : NULL);
		if (ret)
			break;
		if (json) {
			json_end(&j);
		} else {
			if (watch)
				printf("--- sample %" PRIu64 ", every %" PRIu64 " s\n",
				       n + 1, watch);
			print_table(&cur, n ? &prev : NULL);
			fflush(stdout);
		}
		sample_free(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (!watch)
			break;
	}
	sample_free(&prev);
	sample_free(&cur);
	return ret;
}

/* The columns of the pools table, each a file of pools/<name>/. */
static const char *const pool_columns[] = {
	"id", "flags", "puts", "put_refused", "gets", "hits", "host_pages",
	"host_stored_bytes", "host_evicted",
};

#define NR_POOL_COLUMNS	(sizeof(pool_columns) / sizeof(pool_columns[0]))

int cmd_pools(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	char dir[4096], path[4096 + 512], value[VALUE_MAX];
	struct dirent **names;
	bool json = false;
	struct json j;
	size_t k;
	int c, n, i;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'j')
			return usage_error("pools: bad option");
		json = true;
	}
	if (argc != optind)
		return usage_error("pools: takes no arguments but --json");
	snprintf(dir, sizeof(dir), "%s/pools", ctl->debugfs);
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return failure("%s: %s (is debugfs mounted, are you root?)",
			       dir, strerror(errno));
	if (json) {
		json_begin(&j, stdout);
		json_array_begin(&j);
	} else {
		printf("%-28s", "NAME");
		for (k = 0; k < NR_POOL_COLUMNS; k++)
			printf(" %*s", k < 2 ? 6 : 12, pool_columns[k]);
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] == '.') {
			free(names[i]);
			continue;
		}
		if (json) {
			json_object_begin(&j);
			json_key(&j, "name");
			json_string(&j, name);
		} else {
			printf("%-28s", name);
		}
		for (k = 0; k < NR_POOL_COLUMNS; k++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, name,
				 pool_columns[k]);
			/* A pool may go while we read it: show it as gone. */
			if (debugfs_read(path, value, sizeof(value)))
				strcpy(value, "-");
			if (json) {
				json_key(&j, pool_columns[k]);
				if (strcmp(value, "-"))
					json_value(&j, value);
				else
					json_raw_number(&j, "null");
			} else {
				printf(" %*s", k < 2 ? 6 : 12, value);
			}
		}
		if (json)
			json_object_end(&j);
		else
			putchar('\n');
		free(names[i]);
	}
	free(names);
	if (json) {
		json_array_end(&j);
		json_end(&j);
	}
	return 0;
}
