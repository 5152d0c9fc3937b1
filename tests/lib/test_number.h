/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A number from a test program's command line, or exit 2 with a message
 * that names the option and the range.
 */
#ifndef TEST_NUMBER_H
#define TEST_NUMBER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static inline unsigned long test_number(const char *prog, const char *s,
					const char *name, unsigned long min,
					unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (%lu..%lu)\n", prog, name, s,
			min, max);
		exit(2);
	}
	return v;
}

#endif /* TEST_NUMBER_H */
