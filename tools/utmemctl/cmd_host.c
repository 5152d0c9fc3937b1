// SPDX-License-Identifier: GPL-2.0
/*
 * host: the KVM host side as its operator sees it.  Whether VMs are
 * served is the module parameter kvm_host_enabled; what the host holds,
 * the rules letting VMs in and each VM are in /sys/kernel/utmem/kvm_host/
 * (sysfs: stable, there under lockdown).  A kernel without the VMs'
 * directories there (an older one) has them read from debugfs
 * utmem/kvm-host/, when it is mounted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "utmemctl.h"

#define SWITCH	"kvm_host_enabled"

static const char *const host_state[] = {
	"capacity_bytes", "used_bytes", "raw_bytes", "pages", "vms_served",
};

#define NR_STATE	(sizeof(host_state) / sizeof(host_state[0]))

struct vm {
	unsigned int client;
	int pid;
	uint64_t hypercalls, pages;
	char used_bytes[VALUE_MAX];
};

static int read_switch(struct ctl *ctl, bool *on)
{
	char path[4096], value[VALUE_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", ctl->params, SWITCH);
	err = debugfs_read(path, value, sizeof(value));
	if (err)
		return failure("%s: %s (is this kernel a KVM host with utmem's host side?)",
			       path, strerror(-err));
	*on = value[0] == 'Y' || value[0] == '1';
	return 0;
}

static int host_set(struct ctl *ctl, bool on)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/%s", ctl->params, SWITCH);
	err = debugfs_write(path, on ? "1" : "0");
	if (err)
		return failure("%s: %s (are you root, is this a KVM host with utmem's host side?)",
			       path, strerror(-err));
	return 0;
}

/* One VM per line of kvm-host/vms; its bytes from its client directory. */
static int read_vm(struct ctl *ctl, const char *line, struct vm *vm)
{
	char path[4096];

	if (sscanf(line, "client %u pid %d hypercalls %" SCNu64 " pages %" SCNu64,
		   &vm->client, &vm->pid, &vm->hypercalls, &vm->pages) != 4)
		return failure("%s/kvm-host/vms: cannot read '%s'",
			       ctl->debugfs, line);
	snprintf(path, sizeof(path), "%s/kvm-host/clients/%u/used_bytes",
		 ctl->debugfs, vm->client);
	/* The VM may have gone since the line was read. */
	if (debugfs_read(path, vm->used_bytes, sizeof(vm->used_bytes)))
		strcpy(vm->used_bytes, "0");
	return 0;
}

/* What vms/<id>/ shows besides the debugfs line's fields. */
static const char *const vm_files[] = {
	"cgroup", "enabled", "cap_bytes", "reclaim_wanted",
};

#define NR_VM_FILES	(sizeof(vm_files) / sizeof(vm_files[0]))

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* The VMs' ids in @dir, sorted; -1 when @dir cannot be opened. */
static int vm_ids(const char *dir, unsigned int *ids, int max)
{
	struct dirent *e;
	char *end;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		unsigned long id = strtoul(e->d_name, &end, 10);

		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && !*end)
			ids[n++] = id;
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_uint);
	return n;
}

static void vm_read(const char *dir, unsigned int id, const char *file,
		    char *value)
{
	char path[4096];

	/* The VM may have gone since its directory was listed. */
	if (snprintf(path, sizeof(path), "%s/%u/%s", dir, id, file) >=
	    (int)sizeof(path) || debugfs_read(path, value, VALUE_MAX))
		strcpy(value, "?");
}

/* One line or object per VM from sysfs vms/.  Return: -1 without it. */
static int show_sysfs_vms(struct ctl *ctl, struct json *j, bool json)
{
	static const char *const nums[] = { "pid", "hypercalls", "pages",
					    "used_bytes" };
	char dir[4096], value[4][VALUE_MAX], extra[NR_VM_FILES][VALUE_MAX];
	unsigned int ids[1024];
	int n, i;
	size_t k;

	snprintf(dir, sizeof(dir), "%s/kvm_host/vms", ctl->sysfs);
	n = vm_ids(dir, ids, 1024);
	for (i = 0; i < n; i++) {
		for (k = 0; k < 4; k++)
			vm_read(dir, ids[i], nums[k], value[k]);
		for (k = 0; k < NR_VM_FILES; k++)
			vm_read(dir, ids[i], vm_files[k], extra[k]);
		if (!json) {
			printf("vm client %u pid %s hypercalls %s pages %s used_bytes %s",
			       ids[i], value[0], value[1], value[2], value[3]);
			for (k = 0; k < NR_VM_FILES; k++)
				printf(" %s %s", vm_files[k], extra[k]);
			printf("\n");
			continue;
		}
		json_object_begin(j);
		json_key(j, "client");
		json_u64(j, ids[i]);
		for (k = 0; k < 4; k++) {
			json_key(j, nums[k]);
			json_value(j, value[k]);
		}
		for (k = 0; k < NR_VM_FILES; k++) {
			json_key(j, vm_files[k]);
			json_value(j, extra[k]);
		}
		json_object_end(j);
	}
	return n < 0 ? -1 : 0;
}

/* The rules letting VMs in, one "rule" line (or string) each. */
static void show_rules(struct ctl *ctl, struct json *j, bool json)
{
	char path[4096], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/kvm_host/vm_rules", ctl->sysfs);
	f = fopen(path, "r");
	if (json) {
		json_key(j, "vm_rules");
		json_array_begin(j);
	}
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (json)
			json_string(j, line);
		else
			printf("rule %s\n", line);
	}
	if (json)
		json_array_end(j);
	if (f)
		fclose(f);
}

static int host_show(struct ctl *ctl, bool json)
{
	char path[4096], value[VALUE_MAX], line[256];
	bool on = false, have_vms;
	struct json j;
	struct vm vm;
	FILE *vms;
	size_t i;
	int ret;

	ret = read_switch(ctl, &on);
	if (ret)
		return ret;
	vms = NULL;
	if (json) {
		json_begin(&j, stdout);
		json_object_begin(&j);
		json_key(&j, SWITCH);
		json_raw_number(&j, on ? "1" : "0");
	} else {
		printf("%-20s %s\n", SWITCH, on ? "on" : "off");
	}
	for (i = 0; i < NR_STATE; i++) {
		snprintf(path, sizeof(path), "%s/kvm_host/%s", ctl->sysfs,
			 host_state[i]);
		if (debugfs_read(path, value, sizeof(value)))
			continue;
		if (json) {
			json_key(&j, host_state[i]);
			json_value(&j, value);
		} else {
			printf("%-20s %s\n", host_state[i], value);
		}
	}
	show_rules(ctl, &j, json);
	if (json) {
		json_key(&j, "vms");
		json_array_begin(&j);
	}
	have_vms = !show_sysfs_vms(ctl, &j, json);
	if (!have_vms) {
		snprintf(path, sizeof(path), "%s/kvm-host/vms", ctl->debugfs);
		vms = fopen(path, "r");
		have_vms = vms != NULL;
	}
	while (vms && fgets(line, sizeof(line), vms)) {
		line[strcspn(line, "\n")] = '\0';
		ret = read_vm(ctl, line, &vm);
		if (ret)
			break;
		if (json) {
			json_object_begin(&j);
			json_key(&j, "client");
			json_u64(&j, vm.client);
			json_key(&j, "pid");
			json_u64(&j, (uint64_t)vm.pid);
			json_key(&j, "hypercalls");
			json_u64(&j, vm.hypercalls);
			json_key(&j, "pages");
			json_u64(&j, vm.pages);
			json_key(&j, "used_bytes");
			json_value(&j, vm.used_bytes);
			json_object_end(&j);
		} else {
			printf("vm client %u pid %d hypercalls %" PRIu64
			       " pages %" PRIu64 " used_bytes %s\n", vm.client,
			       vm.pid, vm.hypercalls, vm.pages, vm.used_bytes);
		}
	}
	if (vms)
		fclose(vms);
	if (json) {
		json_array_end(&j);
		json_object_end(&j);
		json_end(&j);
	}
	if (!ret && !have_vms)
		fprintf(stderr, "utmemctl: no %s/kvm_host/vms/ nor %s/kvm-host/: no VM by VM (an older kernel without debugfs mounted, or not root?)\n",
			ctl->sysfs, ctl->debugfs);
	return ret;
}

int cmd_host(struct ctl *ctl, int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	bool json = false;
	int c;

	if (argc > 1 && (!strcmp(argv[1], "save") ||
			 !strcmp(argv[1], "restore")))
		return cmd_host_move(ctl, argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'j')
			return usage_error("host: bad option");
		json = true;
	}
	if (optind == argc)
		return host_show(ctl, json);
	if (json || optind + 1 != argc)
		return usage_error("host: 'enable', 'disable', 'save', 'restore' or nothing, with --json only for showing");
	if (!strcmp(argv[optind], "enable"))
		return host_set(ctl, true);
	if (!strcmp(argv[optind], "disable"))
		return host_set(ctl, false);
	return usage_error("host: '%s' is not 'enable' or 'disable'",
			   argv[optind]);
}
