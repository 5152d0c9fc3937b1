// SPDX-License-Identifier: GPL-2.0
/*
 * utmemctl: inspect and drive tmem pools from a guest shell.
 *
 * This file holds the command table, the help text and what every
 * command shares: messages, exit codes and number parsing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/utmem_kvm.h>

#include "utmemctl.h"

/* The build sets it from the source tree's version. */
#ifndef UTMEM_VERSION
#define UTMEM_VERSION "unknown"
#endif

static const char help_text[] =
"usage: utmemctl [--device PATH] [--sysfs DIR] [--debugfs DIR] [--params DIR]\n"
"                COMMAND [ARGS]\n"
"\n"
"Inspect and drive the guest's tmem pools (transcendent memory on the\n"
"host) through /dev/utmem, sysfs and debugfs.\n"
"\n"
"Keys and values (through /dev/utmem):\n"
"  put --pool UUID [--ephemeral] KEY (VALUE | - | --file FILE)\n"
"        store VALUE (an argument, stdin for -, or FILE) under KEY\n"
"  get --pool UUID [--ephemeral] [--output FILE] KEY\n"
"        write KEY's value to stdout or FILE, as stored (no newline added)\n"
"  del --pool UUID [--ephemeral] KEY\n"
"        drop KEY's value; succeeds whether or not it had one\n"
"  hold --pool UUID [--ephemeral]\n"
"        create or join shared pool UUID and keep it until killed\n"
"  batch [--pool UUID] [--ephemeral]\n"
"        run the commands of stdin on one open device, one per line:\n"
"        'put KEY VALUE', 'get KEY', 'del KEY', 'sync', 'stats'\n"
"  sync  send this command's buffered PUTs and print how many the host\n"
"        refused (in a batch; a lone command's buffer goes at exit)\n"
"\n"
"  A pool lives as long as an open file uses it: a private pool ends\n"
"  with the command that made it, so single put/get/del commands name a\n"
"  shared pool that `utmemctl hold` (or an application) keeps open.\n"
"  Pools are persistent unless --ephemeral: the host may drop an\n"
"  ephemeral value at any time, and a GET takes it out of the pool.\n"
"\n"
"Counters and knobs:\n"
"  stats [--json] [--watch SEC [--count N]]\n"
"        the backend, device, frontswap and cleancache counters (from\n"
"        sysfs), the core's calls and errors and the simulator's (from\n"
"        debugfs, when mounted: as root); --watch repeats every SEC\n"
"        seconds with the change since the last sample (JSON: one\n"
"        document per line)\n"
"  pools [--json]\n"
"        the pools the tmem core holds on the host (debugfs)\n"
"  sim [--json]\n"
"  sim set KNOB=VALUE...\n"
"        show or set the simulator: capacity (bytes, K/M/G suffixes),\n"
"        compress, dedup, carve_out (0 or 1), exit_ns (host call cost),\n"
"        reclaim (ask the guest for N persistent pages back)\n"
"  drain [--resume]\n"
"        before this VM is moved by tools that know nothing of utmem\n"
"        (its host does not move its pools): frontswap writes every\n"
"        page it keeps on the host to the swap device, cleancache drops\n"
"        its pages, and neither stores there until --resume\n"
"        (/sys/kernel/utmem/drain; /dev/utmem values are not moved)\n"
"  fault [--json]\n"
"  fault NAME (off | ATTR=VALUE...)\n"
"        show or set the simulator's fault injection, NAME one of\n"
"        fail_put, fail_get, drop_ephemeral; ATTR one of probability\n"
"        (0..100), interval, times (-1: no limit), space, verbose\n"
"\n"
"The KVM host side (on a host kernel, as root):\n"
"  host [--json]\n"
"        whether VMs are served (kvm_host_enabled), what the host holds\n"
"        (sysfs), and one line per VM served: client, VMM pid,\n"
"        hypercalls, pages, bytes (from debugfs, when mounted)\n"
"  host enable | host disable\n"
"        start or stop serving VMs (a VM refused stays unbound; what VMs\n"
"        hold stays readable after disable)\n"
"  host save --pid PID [--ephemeral] [FILE]\n"
"        write the pools of the VM whose VMM (QEMU) is PID to FILE (or\n"
"        stdout, '-'), while the VM is paused: its persistent pools with\n"
"        their values, its ephemeral ones with theirs if --ephemeral\n"
"  host restore --pid PID [FILE]\n"
"        read such pools from FILE (or stdin) for the VM of VMM PID,\n"
"        which has not run yet (QEMU -incoming, before 'cont'); a\n"
"        stream cut short, corrupted or of another version is refused\n"
"        whole\n"
"\n"
"Options:\n"
"  --device PATH   the device (default /dev/utmem)\n"
"  --sysfs DIR     utmem's sysfs directory (default /sys/kernel/utmem)\n"
"  --debugfs DIR   utmem's debugfs directory\n"
"                  (default /sys/kernel/debug/utmem)\n"
"  --params DIR    utmem's module parameters in sysfs\n"
"                  (default /sys/module/utmem/parameters)\n"
"  --host-device PATH\n"
"                  the host's device (default /dev/utmem-host)\n"
"  -V, --version   utmemctl's version and the ABI versions it speaks\n"
"  -h, --help      this text\n"
"\n"
"Exit status: 0 done; 1 get found no value for the key; 2 bad command\n"
"line or value; 3 the device, debugfs or the host failed.\n";

static int vmessage(int code, const char *fmt, va_list ap)
{
	fputs("utmemctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return code;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(EXIT_USAGE, fmt, ap);
	va_end(ap);
	fputs("Try 'utmemctl --help'.\n", stderr);
	return EXIT_USAGE;
}

int failure(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(EXIT_FAILED, fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

bool parse_u64(const char *s, uint64_t *val)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*val = strtoull(s, &end, 10);
	return !errno && !*end;
}

bool parse_i64(const char *s, int64_t *val)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*val = strtoll(s, &end, 10);
	return !errno && !*end;
}

/* Bytes, or K, M, G (powers of 1024) after the number. */
bool parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMG";
	char num[32];
	size_t len = strlen(s);
	const char *unit;
	unsigned int shift;

	if (!len || len >= sizeof(num))
		return false;
	unit = strchr(units, s[len - 1]);
	if (!unit)
		return parse_u64(s, bytes);
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	shift = 10 * (unsigned int)(unit - units + 1);
	if (!parse_u64(num, bytes) || *bytes > (UINT64_MAX >> shift))
		return false;
	*bytes <<= shift;
	return true;
}

static const struct {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
} commands[] = {
	{ "put", cmd_put },
	{ "get", cmd_get },
	{ "del", cmd_del },
	{ "hold", cmd_hold },
	{ "batch", cmd_batch },
	{ "sync", cmd_sync },
	{ "stats", cmd_stats },
	{ "pools", cmd_pools },
	{ "sim", cmd_sim },
	{ "fault", cmd_fault },
	{ "host", cmd_host },
	{ "drain", cmd_drain },
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "debugfs", required_argument, NULL, 'F' },
		{ "params", required_argument, NULL, 'P' },
		{ "host-device", required_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ctl ctl = {
		.device = "/dev/utmem",
		.sysfs = "/sys/kernel/utmem",
		.debugfs = "/sys/kernel/debug/utmem",
		.params = "/sys/module/utmem/parameters",
		.host_device = "/dev/utmem-host",
	};
	size_t i;
	int c;

	/* '+': options after the command are the command's. */
	while ((c = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (c) {
		case 'D':
			ctl.device = optarg;
			break;
		case 'S':
			ctl.sysfs = optarg;
			break;
		case 'F':
			ctl.debugfs = optarg;
			break;
		case 'P':
			ctl.params = optarg;
			break;
		case 'H':
			ctl.host_device = optarg;
			break;
		case 'V':
			printf("utmemctl %s (hypercall ABI %d..%d)\n", UTMEM_VERSION,
			       UTMEM_KVM_ABI_VERSION_MIN,
			       UTMEM_KVM_ABI_VERSION);
			return EXIT_OK;
		case 'h':
			fputs(help_text, stdout);
			return EXIT_OK;
		default:
			fputs("Try 'utmemctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return usage_error("no command");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[optind], commands[i].name)) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* the command parses its own options */
			return commands[i].run(&ctl, argc, argv);
		}
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
