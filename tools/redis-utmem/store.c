// SPDX-License-Identifier: GPL-2.0
/*
 * redis-utmem: where a value's bytes live, and moving them there.
 *
 * Placement adapts (ram_bytes, by default following the guest's available
 * memory: budget.c): a value starts in Redis memory, on an LRU list; past
 * ram_bytes the least recently used go to the host (one unbuffered PUT
 * each: a refusal leaves the value where it is), and a host value read
 * hot_gets times (2 if 0) comes back to the head.  A GET of a value in
 * Redis memory makes no host call.  The list is under pending_lock, held
 * while a value moves, because an asynchronous flush frees values on
 * another thread.
 *
 * With ram_bytes 0, a value goes to the host at once unless it is
 * shorter than the threshold, longer than one utmem value, or the host
 * refuses it; then it stays in Redis memory.  Either way the SET
 * succeeds and nothing is lost: a refused PUT only costs Redis memory.
 * A host value read hot_gets times moves back into Redis memory while
 * the hot budget lasts.
 *
 * A small PUT may wait in the device's coalescing buffer, where the host
 * can still refuse it after the ioctl returned (UTMEM_SYNC counts such
 * refusals but cannot say whose).  So a value put that way keeps a copy
 * here until a UTMEM_SYNC reports no refusal; after one that does, every
 * value still waiting is put again unbuffered, and one refused again
 * stays in Redis memory.  Syncs happen before Redis sleeps, before a
 * flush, and when the copies reach PENDING_MAX_BYTES or PENDING_MAX.
 *
 * Fork children: a BGSAVE, an AOF rewrite or a replica's full sync saves
 * the values as they were at the fork, in a child that reads the host
 * copies through the file it shares with us.  Host memory is not
 * copy-on-write, so while a child lives no host copy may go: deletes
 * wait on the deferred list, hot values are not moved inline, and
 * FLUSHALL deletes key by key (deferred too) instead of flushing the
 * pool.  The child's death lets the deletes go.  Ids are never reused,
 * so a deferred delete can only hit the value it was meant for.
 *
 * Threads: everything runs on Redis's main thread (or in a fork child
 * saving a snapshot), except rutmem_value_free(), which an asynchronous
 * FLUSHALL/FLUSHDB runs on a background thread.  Hence the atomic
 * counters and epoch, and the lock around the pending list; the FLUSHDB
 * hook syncs first, so a value freed in the background is never pending.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "rutmem.h"
#include "utmem.h"

#define PENDING_MAX		1024
#define PENDING_MAX_BYTES	(256 << 10)

struct rutmem rutmem = {
	.fd = -1,
	.pending_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Host reads land here; a pointer into it lasts until the next read. */
static char *scratch;
static size_t scratch_size;

static char *scratch_reserve(char **buf, size_t *size, size_t need)
{
	if (need > *size) {
		*buf = RedisModule_Realloc(*buf, need);
		*size = need;
	}
	return *buf;
}

int rutmem_store_open(RedisModuleCtx *ctx)
{
	int err;

	rutmem.fd = open(rutmem.cfg.device, O_RDWR | O_CLOEXEC);
	if (rutmem.fd < 0) {
		RedisModule_Log(ctx, "warning", "cannot open %s: %s",
				rutmem.cfg.device, strerror(errno));
		return REDISMODULE_ERR;
	}
	/*
	 * Bare: a value's key is its id, never reused, so a value of a page
	 * or less needs no header with it: one host page, one host call.
	 */
	err = utmem_pool_create(rutmem.fd, TMEM_POOL_PERSISTENT |
				UTMEM_POOL_BARE, NULL, &rutmem.pool);
	if (err) {
		RedisModule_Log(ctx, "warning",
				"cannot create a pool on %s: %s",
				rutmem.cfg.device, utmem_strerror(err));
		close(rutmem.fd);
		rutmem.fd = -1;
		return REDISMODULE_ERR;
	}
	return REDISMODULE_OK;
}

/* Closing the file destroys its pool: the host keeps nothing of ours. */
void rutmem_store_close(void)
{
	if (rutmem.fd >= 0)
		close(rutmem.fd);
	rutmem.fd = -1;
}

static char *copy_bytes(const char *buf, size_t len)
{
	char *data = RedisModule_Alloc(len ? len : 1);

	memcpy(data, buf, len);
	return data;
}

static void count_placement(const struct rutmem_value *v, int sign)
{
	uint64_t n = (uint64_t)sign;
	uint64_t bytes = (uint64_t)sign * v->len;

	if (v->id) {
		rutmem_add(keys_host, n);
		rutmem_add(bytes_host, bytes);
	} else {
		rutmem_add(keys_inline, n);
		rutmem_add(bytes_inline, bytes);
		if (v->hot)
			rutmem_add(bytes_hot, bytes);
	}
}

static void count_error(int err)
{
	if (err == -ENOSPC)
		rutmem_add(put_refused, 1);
	else
		rutmem_add(device_errors, 1);
}

static int host_put(uint64_t id, const char *buf, size_t len, uint32_t flags)
{
	return utmem_put(rutmem.fd, rutmem.pool, &id, sizeof(id), buf, len,
			 flags);
}

/* @array with room for one more than its @count entries of @elem bytes. */
static void *array_room(void *array, size_t count, size_t *size, size_t elem)
{
	if (count < *size)
		return array;
	*size = *size ? *size * 2 : 64;
	return RedisModule_Realloc(array, *size * elem);
}

/* The LRU of values in Redis memory (ram_bytes): with pending_lock held. */
static void lru_unlink(struct rutmem_value *v)
{
	if (!v->in_lru)
		return;
	if (v->lru_prev)
		v->lru_prev->lru_next = v->lru_next;
	else
		rutmem.lru_head = v->lru_next;
	if (v->lru_next)
		v->lru_next->lru_prev = v->lru_prev;
	else
		rutmem.lru_tail = v->lru_prev;
	v->lru_prev = v->lru_next = NULL;
	v->in_lru = 0;
	rutmem.lru_bytes -= v->len;
}

static void lru_push(struct rutmem_value *v)
{
	v->lru_prev = NULL;
	v->lru_next = rutmem.lru_head;
	if (rutmem.lru_head)
		rutmem.lru_head->lru_prev = v;
	else
		rutmem.lru_tail = v;
	rutmem.lru_head = v;
	v->in_lru = 1;
	rutmem.lru_bytes += v->len;
}

/*
 * Past ram_bytes, the least recently used values go to the host, never
 * @keep (the value just placed).  A refusal stops the round: the value
 * stays, and the next SET or promotion tries again.
 */
static void lru_trim(struct rutmem_value *keep)
{
	size_t budget = rutmem_budget();
	struct rutmem_value *v;
	uint64_t id;
	int err;

	pthread_mutex_lock(&rutmem.pending_lock);
	while (rutmem.lru_bytes > budget &&
	       (v = rutmem.lru_tail) && v != keep) {
		id = ++rutmem.next_id;
		err = utmem_put(rutmem.fd, rutmem.pool, &id, sizeof(id),
				v->data, v->len, UTMEM_PUT_NOBUFFER);
		if (err) {
			count_error(err);
			break;
		}
		lru_unlink(v);
		count_placement(v, -1);
		RedisModule_Free(v->data);
		v->data = NULL;
		v->id = id;
		v->gets = 0;
		v->epoch = __atomic_load_n(&rutmem.epoch, __ATOMIC_ACQUIRE);
		count_placement(v, 1);
		rutmem_add(demotions, 1);
	}
	pthread_mutex_unlock(&rutmem.pending_lock);
}

/* A value enters Redis memory at the head of the LRU. */
static void lru_place(struct rutmem_value *v)
{
	pthread_mutex_lock(&rutmem.pending_lock);
	lru_push(v);
	pthread_mutex_unlock(&rutmem.pending_lock);
	lru_trim(v);
}

/* Called with pending_lock held. */
static void pending_remove(struct rutmem_value *v)
{
	struct rutmem_value *last = rutmem.pending[--rutmem.pending_count];
	uint32_t slot = v->pending_slot;

	rutmem.pending[slot - 1] = last;
	last->pending_slot = slot;
	v->pending_slot = 0;
	rutmem.pending_bytes -= v->len;
}

static void pending_add(struct rutmem_value *v)
{
	int full;

	pthread_mutex_lock(&rutmem.pending_lock);
	rutmem.pending = array_room(rutmem.pending, rutmem.pending_count,
				    &rutmem.pending_size,
				    sizeof(*rutmem.pending));
	rutmem.pending[rutmem.pending_count++] = v;
	v->pending_slot = rutmem.pending_count;
	rutmem.pending_bytes += v->len;
	full = rutmem.pending_count >= PENDING_MAX ||
	       rutmem.pending_bytes >= PENDING_MAX_BYTES;
	pthread_mutex_unlock(&rutmem.pending_lock);
	if (full)
		rutmem_sync();
}

struct rutmem_value *rutmem_value_new(const char *buf, size_t len)
{
	struct rutmem_value *v = RedisModule_Calloc(1, sizeof(*v));
	int buffered = len <= rutmem.cfg.buffered_max;
	uint64_t id;
	int err;

	v->len = len;
	v->epoch = __atomic_load_n(&rutmem.epoch, __ATOMIC_ACQUIRE);
	if (len < rutmem.cfg.threshold || len > UTMEM_VALUE_MAX)
		goto inline_value;
	if (rutmem_budget_on()) {
		v->data = copy_bytes(buf, len);
		count_placement(v, 1);
		lru_place(v);
		return v;
	}

	id = ++rutmem.next_id;
	err = host_put(id, buf, len, buffered ? 0 : UTMEM_PUT_NOBUFFER);
	if (err) {
		count_error(err);
		goto inline_value;
	}
	v->id = id;
	count_placement(v, 1);
	if (buffered) {
		v->data = copy_bytes(buf, len);
		pending_add(v);
	}
	return v;

inline_value:
	v->data = copy_bytes(buf, len);
	count_placement(v, 1);
	return v;
}

/*
 * The value's bytes: its own for an inline or pending value, else read
 * from the host into the scratch buffer.  0 or a negative errno; ENOENT
 * means the host lost a value it had accepted into a persistent pool.
 */
int rutmem_value_read(struct rutmem_value *v, const char **buf)
{
	uint64_t id = v->id;
	size_t got;
	int err;

	if (v->data) {
		*buf = v->data;
		return 0;
	}
	scratch_reserve(&scratch, &scratch_size, v->len ? v->len : 1);
	err = utmem_get(rutmem.fd, rutmem.pool, &id, sizeof(id), scratch,
			v->len, &got);
	if (!err && got != v->len)
		err = -EIO;
	if (err) {
		rutmem_add(device_errors, 1);
		return err;
	}
	*buf = scratch;
	return 0;
}

/* A host value, read into @buf, moves into Redis memory; @hot: budgeted. */
static void promote(struct rutmem_value *v, const char *buf, int hot)
{
	uint64_t id = v->id;

	count_placement(v, -1);
	v->data = copy_bytes(buf, v->len);
	v->id = 0;
	v->hot = hot;
	count_placement(v, 1);
	rutmem_add(promotions, 1);
	if (utmem_delete(rutmem.fd, rutmem.pool, &id, sizeof(id)))
		rutmem_add(device_errors, 1);
}

/*
 * With ram_bytes: a value in Redis memory becomes the most recent; a
 * host value read hot_gets times comes back, unless a fork child may
 * still read its host copy.
 */
static void lru_touch(struct rutmem_value *v, const char *buf)
{
	uint32_t hot = rutmem.cfg.hot_gets ? rutmem.cfg.hot_gets : 2;

	pthread_mutex_lock(&rutmem.pending_lock);
	if (v->in_lru) {
		lru_unlink(v);
		lru_push(v);
	}
	pthread_mutex_unlock(&rutmem.pending_lock);
	if (!v->id || v->data || ++v->gets < hot || rutmem.children)
		return;
	promote(v, buf, 0);
	lru_place(v);
}

/*
 * After a read that returned @buf: count it, and move a value that has
 * become hot into Redis memory if the hot budget has room.
 */
void rutmem_value_touch(struct rutmem_value *v, const char *buf)
{
	if (rutmem_budget_on()) {
		lru_touch(v, buf);
		return;
	}
	if (!rutmem.cfg.hot_gets || !v->id || v->data ||
	    ++v->gets < rutmem.cfg.hot_gets || rutmem.children ||
	    rutmem_read(bytes_hot) + v->len > rutmem.cfg.hot_bytes)
		return;
	promote(v, buf, 1);
}

/*
 * @v is about to be replaced: it leaves the LRU, so that its successor
 * takes its place in the budget instead of pushing another value out.
 */
void rutmem_value_replaced(struct rutmem_value *v)
{
	pthread_mutex_lock(&rutmem.pending_lock);
	lru_unlink(v);
	pthread_mutex_unlock(&rutmem.pending_lock);
}

/* Called with pending_lock held. */
static void deferred_add(uint64_t id)
{
	rutmem.deferred = array_room(rutmem.deferred, rutmem.deferred_count,
				     &rutmem.deferred_size,
				     sizeof(*rutmem.deferred));
	rutmem.deferred[rutmem.deferred_count++] = id;
	rutmem_add(deferred_deletes, 1);
}

void rutmem_value_free(struct rutmem_value *v)
{
	uint64_t id = v->id;
	int err;

	/* A value older than the last FLUSHALL went with the pool's flush. */
	if (id && v->epoch != __atomic_load_n(&rutmem.epoch, __ATOMIC_ACQUIRE))
		id = 0;
	pthread_mutex_lock(&rutmem.pending_lock);
	lru_unlink(v);
	if (v->pending_slot)
		pending_remove(v);
	if (id && rutmem.children) {
		deferred_add(id);
		id = 0;
	}
	pthread_mutex_unlock(&rutmem.pending_lock);

	if (id) {
		err = utmem_delete(rutmem.fd, rutmem.pool, &id, sizeof(id));
		if (err)
			rutmem_add(device_errors, 1);
	}
	count_placement(v, -1);
	RedisModule_Free(v->data);
	RedisModule_Free(v);
}

/* A pending value whose PUT may have been refused: put it again, now. */
static void pending_reput(struct rutmem_value *v)
{
	int err = host_put(v->id, v->data, v->len, UTMEM_PUT_NOBUFFER);

	if (!err) {
		RedisModule_Free(v->data);
		v->data = NULL;
		return;
	}
	count_error(err);
	/*
	 * A refusal dropped the host's older copy; any other failure may
	 * have left the buffered PUT there, which no one would delete.
	 */
	if (err != -ENOSPC && utmem_delete(rutmem.fd, rutmem.pool, &v->id,
					   sizeof(v->id)))
		rutmem_add(device_errors, 1);
	count_placement(v, -1);
	v->id = 0;
	count_placement(v, 1);
}

/* Make every pending PUT either arrived or inline; 0 or -errno. */
int rutmem_sync(void)
{
	uint64_t failed = 0;
	uint32_t i;
	int err;

	pthread_mutex_lock(&rutmem.pending_lock);
	if (!rutmem.pending_count) {
		pthread_mutex_unlock(&rutmem.pending_lock);
		return 0;
	}
	err = utmem_sync(rutmem.fd, &failed);
	if (err)
		rutmem_add(device_errors, 1);
	for (i = 0; i < rutmem.pending_count; i++) {
		struct rutmem_value *v = rutmem.pending[i];

		v->pending_slot = 0;
		if (err || failed) {
			pending_reput(v);
		} else {
			RedisModule_Free(v->data);
			v->data = NULL;
		}
	}
	rutmem.pending_count = 0;
	rutmem.pending_bytes = 0;
	pthread_mutex_unlock(&rutmem.pending_lock);
	return err;
}

/*
 * FLUSHALL: one host call drops every value, instead of one per key.
 * Values created before it carry the old epoch and skip their delete.
 */
int rutmem_flush_all(void)
{
	int err;

	if (rutmem.children)
		return -EBUSY;	/* a child still reads the pool */
	rutmem_sync();
	err = utmem_pool_flush(rutmem.fd, rutmem.pool);
	if (err) {
		rutmem_add(device_errors, 1);
		return err;
	}
	__atomic_add_fetch(&rutmem.epoch, 1, __ATOMIC_RELEASE);
	rutmem_add(pool_flushes, 1);
	return 0;
}

void rutmem_fork_born(void)
{
	pthread_mutex_lock(&rutmem.pending_lock);
	rutmem.children++;
	pthread_mutex_unlock(&rutmem.pending_lock);
}

/* The last child is gone: the deletes that waited for it go now. */
void rutmem_fork_died(void)
{
	struct utmem_kv kv[64];
	uint64_t *ids;
	size_t count, i, n, done;
	int err;

	pthread_mutex_lock(&rutmem.pending_lock);
	if (rutmem.children)
		rutmem.children--;
	if (rutmem.children) {
		pthread_mutex_unlock(&rutmem.pending_lock);
		return;
	}
	ids = rutmem.deferred;
	count = rutmem.deferred_count;
	rutmem.deferred = NULL;
	rutmem.deferred_count = 0;
	rutmem.deferred_size = 0;
	pthread_mutex_unlock(&rutmem.pending_lock);

	/* The batch stops at a failed entry: count it, go on after it. */
	for (i = 0; i < count; i += done) {
		n = count - i < 64 ? count - i : 64;
		for (done = 0; done < n; done++)
			utmem_kv_init(&kv[done], rutmem.pool, &ids[i + done],
				      sizeof(ids[0]), NULL, 0);
		done = 0;
		err = utmem_batch(rutmem.fd, UTMEM_BATCH_DELETE, kv, n, &done);
		if (err) {
			rutmem_add(device_errors, 1);
			if (done >= n)	/* the batch itself was refused */
				done = 0;
			done++;
		}
	}
	RedisModule_Free(ids);
}

/*
 * MGET: the bytes of many values, the host ones fetched with UTMEM_BATCH
 * (one system call per UTMEM_BATCH_MAX of them).  @values[i] may be NULL
 * (no such key); @errs[i] gets 0 or -errno.  The bytes last until the
 * next call.
 */
void rutmem_read_many(struct rutmem_value **values, const char **bufs,
		      int *errs, size_t count)
{
	static char *buf;
	static size_t buf_size;
	struct utmem_kv *kv;
	uint64_t *ids;
	size_t *which;
	size_t i, n = 0, bytes = 0, off = 0, start;

	for (i = 0; i < count; i++) {
		errs[i] = 0;
		bufs[i] = NULL;
		if (values[i] && !values[i]->data)
			bytes += values[i]->len;
	}
	kv = RedisModule_Alloc(count * sizeof(*kv));
	ids = RedisModule_Alloc(count * sizeof(*ids));
	which = RedisModule_Alloc(count * sizeof(*which));
	scratch_reserve(&buf, &buf_size, bytes ? bytes : 1);
	for (i = 0; i < count; i++) {
		struct rutmem_value *v = values[i];

		if (!v)
			continue;
		if (v->data) {
			bufs[i] = v->data;
			continue;
		}
		ids[n] = v->id;
		utmem_kv_init(&kv[n], rutmem.pool, &ids[n], sizeof(ids[n]),
			      buf + off, v->len);
		bufs[i] = buf + off;
		which[n++] = i;
		off += v->len;
	}

	/* The batch stops at a failed entry: note it, go on after it. */
	for (start = 0; start < n;) {
		size_t chunk = n - start, done = 0;
		int err;

		if (chunk > UTMEM_BATCH_MAX)
			chunk = UTMEM_BATCH_MAX;
		err = utmem_batch(rutmem.fd, UTMEM_BATCH_GET, kv + start,
				  chunk, &done);
		for (i = start; i < start + done; i++)
			if (kv[i].value_len != values[which[i]]->len)
				errs[which[i]] = -EIO;
		if (err) {
			if (done >= chunk)	/* the batch itself was refused */
				done = 0;
			errs[which[start + done]] = err;
			done++;
		}
		start += done;
	}
	for (i = 0; i < count; i++)
		if (errs[i])
			rutmem_add(device_errors, 1);
	RedisModule_Free(kv);
	RedisModule_Free(ids);
	RedisModule_Free(which);
}
