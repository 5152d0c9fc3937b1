/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The soak clients' values: a value is a function of who wrote it, where
 * and which version, so a reader regenerates what it must read instead
 * of keeping copies.  Half noise, half text: LZ4 finds something in them.
 */
#ifndef SOAK_VALUE_H
#define SOAK_VALUE_H

#include <stdint.h>

static inline uint64_t soak_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline void soak_value(uint8_t *buf, uint32_t len, uint32_t writer,
			      uint32_t place, uint32_t key, uint32_t version)
{
	uint64_t x = ((uint64_t)writer << 44 ^ (uint64_t)place << 36 ^
		      (uint64_t)key << 12 ^ version) *
		     0x9e3779b97f4a7c15ULL + 1;
	uint32_t i;

	for (i = 0; i < len / 2; i++)
		buf[i] = (uint8_t)soak_rnd(&x);
	for (; i < len; i++)
		buf[i] = "utmem soak: every byte is checked. "[i % 35];
}

/*
 * Up to @n distinct keys below @nkeys into @k, for one batch (whose
 * entries run in order); returns how many: never more than @nkeys.
 */
static inline unsigned int soak_distinct_keys(unsigned long *k, unsigned int n,
					      unsigned long nkeys,
					      uint64_t *seed)
{
	unsigned int i, j;

	if (n > nkeys)
		n = nkeys;
	for (i = 0; i < n; i++) {
		do {
			k[i] = soak_rnd(seed) % nkeys;
			for (j = 0; j < i && k[j] != k[i]; j++)
				;
		} while (j < i);
	}
	return n;
}

#endif
