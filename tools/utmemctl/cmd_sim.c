// SPDX-License-Identifier: GPL-2.0
/*
 * sim and fault: the host simulator's knobs and fault injection, which
 * live in debugfs under utmem/sim/.  Every value is checked here before
 * anything is written, and the kernel checks it again.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "utmemctl.h"

enum kind { BOOL, COUNT, SIZE };

/* The knobs `sim set` takes, and the files behind them. */
static const struct knob {
	const char *name;
	const char *file;
	enum kind kind;
} knobs[] = {
	{ "capacity", "capacity_bytes", SIZE },
	{ "compress", "compress", BOOL },
	{ "dedup", "dedup", BOOL },
	{ "carve_out", "carve_out", BOOL },
	{ "exit_ns", "exit_ns", COUNT },
	{ "reclaim", "reclaim_pages", COUNT },
};

#define NR_KNOBS	(sizeof(knobs) / sizeof(knobs[0]))

/* What `sim` shows, after the knobs that can be read. */
static const char *const sim_state[] = {
	"used_bytes", "raw_bytes", "pages", "reserve_bytes", "footprint_bytes",
};

#define NR_STATE	(sizeof(sim_state) / sizeof(sim_state[0]))

static const char *const faults[] = {
	"fail_put", "fail_get", "drop_ephemeral",
};

#define NR_FAULTS	(sizeof(faults) / sizeof(faults[0]))

/* Attribute -> the smallest and largest value it takes. */
static const struct {
	const char *name;
	int64_t min, max;
} fault_attrs[] = {
	{ "probability", 0, 100 },
	{ "interval", 1, UINT32_MAX },
	{ "times", -1, INT32_MAX },
	{ "space", 0, INT32_MAX },
	{ "verbose", 0, 2 },
};

#define NR_FAULT_ATTRS	(sizeof(fault_attrs) / sizeof(fault_attrs[0]))

static bool json_flag(int argc, char **argv, const char *cmd, int *ret)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	bool json = false;
	int c;

	*ret = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'j') {
			*ret = usage_error("%s: bad option", cmd);
			return false;
		}
		json = true;
	}
	return json;
}

static int read_sim(struct ctl *ctl, const char *file, char *value)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/sim/%s", ctl->debugfs, file);
	err = debugfs_read(path, value, VALUE_MAX);
	if (err)
		return failure("%s: %s (is the simulator the backend, debugfs mounted, are you root?)",
			       path, strerror(-err));
	return 0;
}

static int sim_show(struct ctl *ctl, bool json)
{
	char value[VALUE_MAX];
	struct json j;
	size_t i;
	int ret;

	if (json) {
		json_begin(&j, stdout);
		json_object_begin(&j);
	}
	for (i = 0; i < NR_KNOBS + NR_STATE; i++) {
		const char *file = i < NR_KNOBS ? knobs[i].file :
				   sim_state[i - NR_KNOBS];

		if (i < NR_KNOBS && knobs[i].kind == COUNT &&
		    !strcmp(knobs[i].name, "reclaim"))
			continue;	/* write-only: a request, not a state */
		ret = read_sim(ctl, file, value);
		if (ret)
			return ret;
		if (json) {
			json_key(&j, file);
			json_value(&j, value);
		} else {
			printf("%-20s %s\n", file, value);
		}
	}
	if (json) {
		json_object_end(&j);
		json_end(&j);
	}
	return 0;
}

/* "0"/"1"/"on"/"off" for BOOL, numbers (with K/M/G for SIZE). */
static bool knob_value(const struct knob *k, const char *s, uint64_t *val)
{
	switch (k->kind) {
	case BOOL:
		if (!strcmp(s, "on") || !strcmp(s, "1"))
			*val = 1;
		else if (!strcmp(s, "off") || !strcmp(s, "0"))
			*val = 0;
		else
			return false;
		return true;
	case SIZE:
		return parse_size(s, val);
	default:
		return parse_u64(s, val);
	}
}

static const struct knob *knob_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++) {
		if (strlen(knobs[i].name) == len &&
		    !strncmp(knobs[i].name, name, len))
			return &knobs[i];
	}
	return NULL;
}

/* Checks every KNOB=VALUE before the first write. */
static int sim_set(struct ctl *ctl, int argc, char **argv)
{
	const struct knob *k[64];
	uint64_t vals[64];
	char path[4096], text[32];
	int i, err;

	if (!argc)
		return usage_error("sim set: takes KNOB=VALUE...");
	if (argc > 64)
		return usage_error("sim set: at most 64 settings");
	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		k[i] = eq ? knob_find(argv[i], eq - argv[i]) : NULL;
		if (!k[i])
			return usage_error("sim set: '%s' is not KNOB=VALUE with a KNOB of capacity, compress, dedup, carve_out, exit_ns, reclaim",
					   argv[i]);
		if (!knob_value(k[i], eq + 1, &vals[i]))
			return usage_error("sim set: %s: '%s' is not %s",
					   k[i]->name, eq + 1,
					   k[i]->kind == BOOL ? "0, 1, on or off" :
					   k[i]->kind == SIZE ? "a size (bytes, or K, M, G)" :
					   "a number");
	}
	for (i = 0; i < argc; i++) {
		snprintf(path, sizeof(path), "%s/sim/%s", ctl->debugfs,
			 k[i]->file);
		snprintf(text, sizeof(text), "%" PRIu64, vals[i]);
		err = debugfs_write(path, text);
		if (err == -EINVAL)
			return usage_error("sim set: the simulator refused %s=%s%s",
					   k[i]->name, text,
					   i ? " (the settings before it are set)" : "");
		if (err)
			return failure("%s: %s", path, strerror(-err));
	}
	return 0;
}

int cmd_sim(struct ctl *ctl, int argc, char **argv)
{
	bool json;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "set"))
		return sim_set(ctl, argc - 2, argv + 2);
	json = json_flag(argc, argv, "sim", &ret);
	if (ret)
		return ret;
	if (argc != optind)
		return usage_error("sim: '%s' is not 'set' or --json",
				   argv[optind]);
	return sim_show(ctl, json);
}

static int fault_show(struct ctl *ctl, bool json)
{
	char path[4096], value[VALUE_MAX];
	struct json j;
	size_t f, a;
	int err;

	if (json) {
		json_begin(&j, stdout);
		json_object_begin(&j);
	} else {
		printf("%-16s", "NAME");
		for (a = 0; a < NR_FAULT_ATTRS; a++)
			printf(" %12s", fault_attrs[a].name);
		putchar('\n');
	}
	for (f = 0; f < NR_FAULTS; f++) {
		if (json) {
			json_key(&j, faults[f]);
			json_object_begin(&j);
		} else {
			printf("%-16s", faults[f]);
		}
		for (a = 0; a < NR_FAULT_ATTRS; a++) {
			snprintf(path, sizeof(path), "%s/sim/%s/%s",
				 ctl->debugfs, faults[f], fault_attrs[a].name);
			err = debugfs_read(path, value, sizeof(value));
			if (err)
				return failure("%s: %s (is the simulator built with fault injection?)",
					       path, strerror(-err));
			if (json) {
				json_key(&j, fault_attrs[a].name);
				json_value(&j, value);
			} else {
				printf(" %12s", value);
			}
		}
		if (json)
			json_object_end(&j);
		else
			putchar('\n');
	}
	if (json) {
		json_object_end(&j);
		json_end(&j);
	}
	return 0;
}

static int fault_attr(const char *name, size_t len)
{
	size_t a;

	for (a = 0; a < NR_FAULT_ATTRS; a++) {
		if (strlen(fault_attrs[a].name) == len &&
		    !strncmp(fault_attrs[a].name, name, len))
			return a;
	}
	return -1;
}

static int fault_set(struct ctl *ctl, const char *name, int argc,
		     char **argv)
{
	int attr[NR_FAULT_ATTRS];
	int64_t vals[NR_FAULT_ATTRS];
	char path[4096], text[32];
	int i, n = 0, err;

	if (argc == 1 && !strcmp(argv[0], "off")) {
		attr[0] = fault_attr("probability", 11);
		vals[0] = 0;
		n = 1;
	} else if (!argc || argc > (int)NR_FAULT_ATTRS) {
		return usage_error("fault %s: takes 'off' or 1 to %zu ATTR=VALUE",
				   name, NR_FAULT_ATTRS);
	}
	for (i = 0; !n && i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int a = eq ? fault_attr(argv[i], eq - argv[i]) : -1;

		if (a < 0)
			return usage_error("fault %s: '%s' is not ATTR=VALUE with an ATTR of probability, interval, times, space, verbose",
					   name, argv[i]);
		if (!parse_i64(eq + 1, &vals[i]) ||
		    vals[i] < fault_attrs[a].min ||
		    vals[i] > fault_attrs[a].max)
			return usage_error("fault %s: %s takes %" PRId64 " to %" PRId64 ", not '%s'",
					   name, fault_attrs[a].name,
					   fault_attrs[a].min,
					   fault_attrs[a].max, eq + 1);
		attr[i] = a;
	}
	n = n ?: argc;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/sim/%s/%s", ctl->debugfs, name,
			 fault_attrs[attr[i]].name);
		snprintf(text, sizeof(text), "%" PRId64, vals[i]);
		err = debugfs_write(path, text);
		if (err == -EINVAL)
			return usage_error("fault %s: the kernel refused %s=%s",
					   name, fault_attrs[attr[i]].name,
					   text);
		if (err)
			return failure("%s: %s", path, strerror(-err));
	}
	return 0;
}

int cmd_fault(struct ctl *ctl, int argc, char **argv)
{
	bool json;
	size_t f;
	int ret;

	for (f = 0; argc > 1 && f < NR_FAULTS; f++) {
		if (!strcmp(argv[1], faults[f]))
			return fault_set(ctl, faults[f], argc - 2, argv + 2);
	}
	json = json_flag(argc, argv, "fault", &ret);
	if (ret)
		return ret;
	if (argc != optind)
		return usage_error("fault: '%s' is not fail_put, fail_get, drop_ephemeral or --json",
				   argv[optind]);
	return fault_show(ctl, json);
}
