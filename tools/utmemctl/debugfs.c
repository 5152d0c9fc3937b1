// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs access: utmem's knobs and counters are one value per file, so a
 * read is one short read and a write is one write of the value's text.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "utmemctl.h"

/* Reads @path's value without its newline; 0 or a negative errno. */
int debugfs_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Writes @value to @path, as `echo VALUE > PATH` would (O_TRUNC: debugfs
 * ignores it, a plain file needs it); the kernel's verdict as 0 or a
 * negative errno.
 */
int debugfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * The kernel's fault-injection attributes (fault_create_debugfs_attr())
 * make a directory with a "probability" file: `utmemctl fault` shows
 * those, `stats` leaves them out.
 */
bool debugfs_is_fault_dir(const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/probability", path);
	return access(p, F_OK) == 0;
}

bool debugfs_is_integer(const char *value)
{
	const char *s = value;

	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
	}
	/* JSON has no leading zeros: "007" stays a string. */
	s = value[0] == '-' ? value + 1 : value;
	return s[0] != '0' || s[1] == '\0';
}
