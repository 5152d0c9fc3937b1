/* SPDX-License-Identifier: GPL-2.0 */
/* utmemctl: what its source files share. */
#ifndef UTMEMCTL_H
#define UTMEMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, as `utmemctl --help` lists them. */
#define EXIT_OK		0
#define EXIT_NOVALUE	1	/* get: the key has no value */
#define EXIT_USAGE	2	/* bad command line or value */
#define EXIT_FAILED	3	/* the device, debugfs or the host failed */

struct ctl {
	const char *device;	/* /dev/utmem */
	const char *sysfs;	/* /sys/kernel/utmem */
	const char *debugfs;	/* /sys/kernel/debug/utmem */
	const char *params;	/* /sys/module/utmem/parameters */
	const char *host_device;	/* /dev/utmem-host */
};

/* Messages: "utmemctl: " + text on stderr; they return the exit code. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Number parsing for arguments; false on anything but a whole number. */
bool parse_u64(const char *s, uint64_t *val);
bool parse_i64(const char *s, int64_t *val);
bool parse_size(const char *s, uint64_t *bytes);

/* debugfs.c */
#define VALUE_MAX	256
int debugfs_read(const char *path, char *buf, size_t size);
int debugfs_write(const char *path, const char *value);
bool debugfs_is_fault_dir(const char *path);
bool debugfs_is_integer(const char *value);

/* json.c: a streaming writer, enough for objects, arrays and scalars. */
struct json {
	FILE *out;
	int depth;
	bool need_comma;
};

void json_begin(struct json *j, FILE *out);
void json_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *s);
void json_raw_number(struct json *j, const char *digits);
void json_u64(struct json *j, uint64_t val);
void json_value(struct json *j, const char *value);	/* number or string */

/* The commands: argv[0] is the command's name. */
int cmd_put(struct ctl *ctl, int argc, char **argv);
int cmd_get(struct ctl *ctl, int argc, char **argv);
int cmd_del(struct ctl *ctl, int argc, char **argv);
int cmd_sync(struct ctl *ctl, int argc, char **argv);
int cmd_hold(struct ctl *ctl, int argc, char **argv);
int cmd_batch(struct ctl *ctl, int argc, char **argv);
int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_pools(struct ctl *ctl, int argc, char **argv);
int cmd_sim(struct ctl *ctl, int argc, char **argv);
int cmd_fault(struct ctl *ctl, int argc, char **argv);
int cmd_host(struct ctl *ctl, int argc, char **argv);
int cmd_drain(struct ctl *ctl, int argc, char **argv);
int cmd_host_move(struct ctl *ctl, int argc, char **argv);

#endif /* UTMEMCTL_H */
