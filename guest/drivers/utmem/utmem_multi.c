// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/utmem: which keys of a private pool have values of more than one
 * chunk.
 *
 * The device keeps no state per key, so a PUT does not know what the key
 * held before.  A value that spans chunks is replaced whole (its object
 * is flushed first), but a value of one chunk is replaced by one PUT of
 * chunk 0: when the old value had more chunks, the rest would stay on
 * the host, unreachable, until the pool goes.  So each private pool
 * lists the keys whose last value spanned chunks, and a one-chunk PUT of
 * a listed key flushes its object first (and is not buffered).
 *
 * An entry costs the guest a few dozen bytes beside a value of at least a
 * host page.  The list is bounded: at UTMEM_MULTI_MAX keys, or when an
 * entry cannot be allocated, the pool stops listing and treats every key
 * as listed (every one-chunk PUT flushes first, none is buffered) until
 * it is flushed.  Shared pools are written by other files too, so the
 * device always flushes first there.  The file's mutex serialises every
 * change; rhashtable brings its own locking for the rest.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "utmem_multi.h"

struct multi_key {
	struct rhash_head node;
	struct tmem_oid oid;
};

static const struct rhashtable_params multi_params = {
	.key_len = sizeof(struct tmem_oid),
	.key_offset = offsetof(struct multi_key, oid),
	.head_offset = offsetof(struct multi_key, node),
	.automatic_shrinking = true,
};

/* A failure leaves @m usable, treating every key as listed. */
int utmem_multi_init(struct utmem_multi *m)
{
	int err = rhashtable_init(&m->keys, &multi_params);

	m->live = !err;
	m->overflow = err != 0;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_init);

static void multi_key_free(void *ptr, void *arg)
{
	kfree(ptr);
}

void utmem_multi_destroy(struct utmem_multi *m)
{
	if (m->live)
		rhashtable_free_and_destroy(&m->keys, multi_key_free, NULL);
	m->live = false;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_destroy);

/*
 * The pool was flushed: no key has chunks left.  Should the new table
 * not be allocated, every key counts as listed (see utmem_multi_init()).
 */
void utmem_multi_clear(struct utmem_multi *m)
{
	utmem_multi_destroy(m);
	utmem_multi_init(m);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_clear);

bool utmem_multi_may_have(struct utmem_multi *m, const struct tmem_oid *oid)
{
	return m->overflow ||
	       rhashtable_lookup_fast(&m->keys, oid, multi_params);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_may_have);

/* The key's value now spans chunks. */
void utmem_multi_add(struct utmem_multi *m, const struct tmem_oid *oid)
{
	struct multi_key *k;

	if (utmem_multi_may_have(m, oid))
		return;
	if (atomic_read(&m->keys.nelems) >= UTMEM_MULTI_MAX)
		goto overflow;
	k = kmalloc(sizeof(*k), GFP_KERNEL_ACCOUNT);
	if (!k)
		goto overflow;
	k->oid = *oid;
	if (rhashtable_insert_fast(&m->keys, &k->node, multi_params)) {
		kfree(k);
		goto overflow;
	}
	return;
overflow:
	m->overflow = true;
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_add);

/* The key has no chunk beyond the first any more. */
void utmem_multi_del(struct utmem_multi *m, const struct tmem_oid *oid)
{
	struct multi_key *k;

	if (!m->live)
		return;
	k = rhashtable_lookup_fast(&m->keys, oid, multi_params);
	if (k && !rhashtable_remove_fast(&m->keys, &k->node, multi_params))
		kfree(k);
}
EXPORT_SYMBOL_IF_KUNIT(utmem_multi_del);
