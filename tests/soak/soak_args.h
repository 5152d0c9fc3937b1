/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options the soak's clients share: -i ID -s SEED -n OPS -k KEYS.
 */
#ifndef SOAK_ARGS_H
#define SOAK_ARGS_H

#include <errno.h>
#include <stdlib.h>

#define SOAK_ARGS_OPTS	"i:s:n:k:"

struct soak_args {
	unsigned long id;	/* 0..65535; ~0UL until given */
	unsigned long seed;
	unsigned long ops;
	unsigned long keys;	/* 1..65536 */
};

static inline int soak_number(const char *s, unsigned long max,
			      unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || !*s || *end || *out > max ? -1 : 0;
}

/* 0: @opt was one of them and @arg good; -1: bad @arg; 1: not one. */
static inline int soak_arg(int opt, const char *arg, struct soak_args *a)
{
	switch (opt) {
	case 'i':
		return soak_number(arg, 65535, &a->id);
	case 's':
		return soak_number(arg, ~0UL, &a->seed);
	case 'n':
		return soak_number(arg, ~0UL, &a->ops);
	case 'k':
		return soak_number(arg, 65536, &a->keys) || !a->keys ? -1 : 0;
	default:
		return 1;
	}
}

#endif
