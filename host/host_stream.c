// SPDX-License-Identifier: GPL-2.0
/*
 * A client's pools as a stream, and back: what moves a VM's pools with
 * the VM when it is saved, restored or migrated (the format is in
 * include/uapi/linux/utmem_host.h).
 *
 * The export reads the client's pools one value at a time: each value is
 * found under the host lock from a cursor (pool id, oid, index), its blob
 * referenced, and read and written out without the lock, so that a
 * client of any size never holds the lock longer than one lookup.  It
 * does not stop the client: the VM is paused while it runs (a value put
 * meanwhile may or may not be in the stream).
 *
 * The import puts the values into a client that has no pool, through the
 * same calls a guest makes, so that every value is charged, capped and
 * accounted as if the guest had put it.  Every record is checked (type,
 * length, reserved fields, checksum) before it is used, and the END
 * record's counts and checksum of the whole stream before the import
 * counts as done; a stream that fails anywhere leaves the client with no
 * pool again: nothing of it is kept.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": host: " fmt

#include <linux/crc32.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/utmem_host.h>

#include "host.h"

#define STREAM_BUF_LEN	(sizeof(struct utmem_stream_record) + \
			 sizeof(struct utmem_stream_value) + TMEM_VALUE_MAX)

struct stream {
	const struct utmem_host_stream_io *io;
	struct utmem_host_stream_stats *stats;
	u8 *buf;
	u32 crc;	/* of every byte so far */
	u64 records;
};

static u32 record_crc(struct utmem_stream_record *rec, const void *payload)
{
	struct utmem_stream_record r = *rec;
	u32 crc;

	r.crc = 0;
	crc = __crc32c_le(~0U, (const u8 *)&r, sizeof(r));
	return __crc32c_le(crc, payload, le32_to_cpu(rec->len));
}

/**
 * utmem_host_stream_fail() - say why moving a client's pools failed
 * @stats: where the reason goes (@stats->why)
 * @err: the negative errno
 * @fmt: the reason, for the operator's log
 *
 * Return: @err.
 */
int utmem_host_stream_fail(struct utmem_host_stream_stats *stats, int err,
			   const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(stats->why, sizeof(stats->why), fmt, args);
	va_end(args);
	return err;
}

#define fail(s, err, ...) utmem_host_stream_fail((s)->stats, err, __VA_ARGS__)

/* Writes one record, its payload at s->buf + sizeof(record). */
static int emit(struct stream *s, u32 type, u32 len)
{
	struct utmem_stream_record *rec = (void *)s->buf;
	size_t total = sizeof(*rec) + len;
	int err;

	rec->type = cpu_to_le32(type);
	rec->len = cpu_to_le32(len);
	rec->reserved = 0;
	rec->crc = cpu_to_le32(record_crc(rec, rec + 1));
	err = s->io->write(s->io->ctx, s->buf, total);
	if (err)
		return fail(s, err, "writing the stream failed (%d)", err);
	s->crc = __crc32c_le(s->crc, s->buf, total);
	return 0;
}

static void *payload(struct stream *s)
{
	return s->buf + sizeof(struct utmem_stream_record);
}

/*
 * The value at or after (*oid, *index) in @pool, referenced, with its
 * handle in *oid and *index; NULL when there is none.  Under the lock.
 */
static struct utmem_host_blob *value_from(struct utmem_host_pool *pool,
					  struct tmem_oid *oid, u64 *index)
{
	struct utmem_host_object *obj = utmem_host_obj_from(pool, oid);
	struct utmem_host_value *value;
	struct utmem_host_blob *blob;
	unsigned long i;

	/* Objects hold a page each at least: two are looked at, at most. */
	for (; obj; obj = rb_entry_safe(rb_next(&obj->node),
					struct utmem_host_object, node)) {
		i = tmem_oid_cmp(&obj->oid, oid) ? 0 : *index;
		if (i > U32_MAX)
			continue;
		value = xa_find(&obj->pages, &i, U32_MAX, XA_PRESENT);
		if (!value)
			continue;
		*oid = obj->oid;
		*index = i;
		blob = utmem_host_value_blob(value);
		refcount_inc(&blob->refs);
		return blob;
	}
	return NULL;
}

static int export_values(struct stream *s, struct utmem_host_client *client,
			 u32 pool_id, struct utmem_host_pool *expect)
{
	struct utmem_host *host = client->host;
	struct utmem_stream_value *v = payload(s);
	struct tmem_oid oid = {};
	struct utmem_host_blob *blob;
	unsigned long flags;
	u64 index = 0;
	int err, i;
	u32 len;

	for (;;) {
		blob = NULL;
		spin_lock_irqsave(&host->lock, flags);
		/* A pool closed meanwhile (the VM was running) has no more. */
		if (xa_load(&client->pools, pool_id) == expect)
			blob = value_from(expect, &oid, &index);
		spin_unlock_irqrestore(&host->lock, flags);
		if (!blob)
			return 0;

		len = blob->raw_len;
		err = utmem_host_blob_read(host, blob, v + 1);
		spin_lock_irqsave(&host->lock, flags);
		utmem_host_blob_put(host, blob);
		spin_unlock_irqrestore(&host->lock, flags);
		if (err)
			return fail(s, -EIO, "pool %u: a stored value did not decompress",
				    pool_id);

		for (i = 0; i < ARRAY_SIZE(oid.oid); i++)
			v->oid[i] = cpu_to_le64(oid.oid[i]);
		v->index = cpu_to_le32(index);
		v->len = cpu_to_le32(len);
		err = emit(s, UTMEM_STREAM_VALUE, sizeof(*v) + len);
		if (err)
			return err;
		s->stats->values++;
		s->stats->bytes += len;
		index++;
		cond_resched();
	}
}

/**
 * utmem_host_export() - write a client's pools as a stream
 * @client: the client, whose guest is paused
 * @abi_version: what the stream's HEADER says the guest speaks
 * @flags: UTMEM_STREAM_EPHEMERAL to write the ephemeral pools' values
 * @io: where it goes
 * @stats: out: what was written; why it failed
 *
 * Persistent pools are written with their values, ephemeral ones with
 * theirs when @flags say so, shared pools by name.  The client keeps
 * everything.  May sleep.
 *
 * Return: 0, -EINVAL for unknown @flags, -ENOMEM, -EIO (a value that did
 * not decompress) or @io's error.
 */
int utmem_host_export(struct utmem_host_client *client, u32 abi_version,
		      u32 flags, const struct utmem_host_stream_io *io,
		      struct utmem_host_stream_stats *stats)
{
	struct utmem_host *host = client->host;
	struct stream s = { .io = io, .stats = stats, .crc = ~0U };
	struct utmem_stream_header *hdr;
	struct utmem_stream_pool *p;
	struct utmem_stream_end *end;
	struct utmem_host_pool *pool;
	unsigned long id = 0, irqflags;
	u32 pool_flags;
	uuid_t uuid;
	int err;

	memset(stats, 0, sizeof(*stats));
	if (flags & ~UTMEM_STREAM_FLAGS_ALL)
		return fail(&s, -EINVAL, "unknown flags %#x", flags);
	s.buf = kmalloc(STREAM_BUF_LEN, GFP_KERNEL);
	if (!s.buf)
		return fail(&s, -ENOMEM, "no memory for a buffer");

	hdr = payload(&s);
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr->magic, UTMEM_STREAM_MAGIC, sizeof(hdr->magic));
	hdr->version = cpu_to_le32(UTMEM_STREAM_VERSION);
	hdr->flags = cpu_to_le32(flags);
	hdr->abi_version = cpu_to_le32(abi_version);
	err = emit(&s, UTMEM_STREAM_HEADER, sizeof(*hdr));

	for (; !err; id++) {
		spin_lock_irqsave(&host->lock, irqflags);
		pool = xa_find(&client->pools, &id,
			       UTMEM_HOST_POOLS_PER_CLIENT - 1, XA_PRESENT);
		if (pool) {
			pool_flags = pool->flags;
			uuid_copy(&uuid, &pool->uuid);
		}
		spin_unlock_irqrestore(&host->lock, irqflags);
		if (!pool)
			break;

		p = payload(&s);
		p->pool_id = cpu_to_le32(id);
		p->flags = cpu_to_le32(pool_flags);
		memcpy(p->uuid, &uuid, sizeof(p->uuid));
		err = emit(&s, UTMEM_STREAM_POOL, sizeof(*p));
		if (err)
			break;
		stats->pools++;
		/* A shared pool is other clients' too: it goes by name. */
		if (pool_flags & TMEM_POOL_SHARED)
			continue;
		if ((pool_flags & TMEM_POOL_PERSISTENT) ||
		    (flags & UTMEM_STREAM_EPHEMERAL))
			err = export_values(&s, client, id, pool);
	}
	if (!err) {
		end = payload(&s);
		memset(end, 0, sizeof(*end));
		end->pools = cpu_to_le64(stats->pools);
		end->values = cpu_to_le64(stats->values);
		end->bytes = cpu_to_le64(stats->bytes);
		end->stream_crc = cpu_to_le32(s.crc);
		err = emit(&s, UTMEM_STREAM_END, sizeof(*end));
	}
	kfree(s.buf);
	return err;
}

/* Reads exactly @len bytes; -ENODATA when the stream ends first. */
static int read_exact(struct stream *s, void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = s->io->read(s->io->ctx, buf, len);
		if (n < 0)
			return fail(s, n, "reading the stream failed (%zd)", n);
		if (!n)
			return fail(s, -ENODATA,
				    "the stream ends in record %llu, before its END record",
				    s->records);
		buf += n;
		len -= n;
	}
	return 0;
}

/* The payload length each record type must have, or at least. */
static bool record_len_ok(u32 type, u32 len)
{
	switch (type) {
	case UTMEM_STREAM_HEADER:
		return len == sizeof(struct utmem_stream_header);
	case UTMEM_STREAM_POOL:
		return len == sizeof(struct utmem_stream_pool);
	case UTMEM_STREAM_VALUE:
		return len >= sizeof(struct utmem_stream_value) &&
		       len <= sizeof(struct utmem_stream_value) +
			      TMEM_VALUE_MAX;
	case UTMEM_STREAM_END:
		return len == sizeof(struct utmem_stream_end);
	}
	return false;
}

/* The next record, checked; its payload at payload(s). */
static int read_record(struct stream *s, u32 *type, u32 *len)
{
	struct utmem_stream_record *rec = (void *)s->buf;
	int err;

	err = read_exact(s, rec, sizeof(*rec));
	if (err)
		return err;
	*type = le32_to_cpu(rec->type);
	*len = le32_to_cpu(rec->len);
	if (!record_len_ok(*type, *len) || rec->reserved) {
		if (!s->records)
			return fail(s, -EINVAL, "not a utmem pool stream");
		return fail(s, -EBADMSG,
			    "record %llu: type %u of %u bytes is not a record",
			    s->records, *type, *len);
	}
	err = read_exact(s, payload(s), *len);
	if (err)
		return err;
	if (le32_to_cpu(rec->crc) != record_crc(rec, payload(s)))
		return fail(s, -EBADMSG, "record %llu: checksum mismatch",
			    s->records);
	if (*type != UTMEM_STREAM_END)
		s->crc = __crc32c_le(s->crc, s->buf, sizeof(*rec) + *len);
	s->records++;
	return 0;
}

static int import_header(struct stream *s, u32 *flags, u32 *abi_version)
{
	struct utmem_stream_header *hdr = payload(s);
	u32 type, len, version;
	int err;

	err = read_record(s, &type, &len);
	if (err)
		return err;
	if (type != UTMEM_STREAM_HEADER ||
	    memcmp(hdr->magic, UTMEM_STREAM_MAGIC, sizeof(hdr->magic)))
		return fail(s, -EINVAL, "not a utmem pool stream");
	version = le32_to_cpu(hdr->version);
	if (version != UTMEM_STREAM_VERSION)
		return fail(s, -EPROTONOSUPPORT,
			    "stream version %u: this host reads version %u",
			    version, UTMEM_STREAM_VERSION);
	*flags = le32_to_cpu(hdr->flags);
	if ((*flags & ~UTMEM_STREAM_FLAGS_ALL) || hdr->reserved)
		return fail(s, -EINVAL, "unknown header flags %#x", *flags);
	*abi_version = le32_to_cpu(hdr->abi_version);
	return 0;
}

static int import_pool(struct stream *s, struct utmem_host_client *client,
		       u32 *pool_id, u32 *pool_flags)
{
	struct utmem_stream_pool *p = payload(s);
	bool shared;
	uuid_t uuid;

	*pool_id = le32_to_cpu(p->pool_id);
	*pool_flags = le32_to_cpu(p->flags);
	shared = *pool_flags & TMEM_POOL_SHARED;
	import_uuid(&uuid, p->uuid);
	if (!shared && !uuid_is_null(&uuid))
		return fail(s, -EBADMSG, "pool %u: a private pool with a name",
			    *pool_id);
	switch (utmem_host_new_pool_at(client, *pool_flags,
				       shared ? &uuid : NULL, *pool_id)) {
	case TMEM_S_OK:
		s->stats->pools++;
		return 0;
	case TMEM_S_NOMEM:
		return fail(s, -ENOMEM, "pool %u: no memory", *pool_id);
	case TMEM_S_REFUSED:
		return fail(s, -ENOSPC, "pool %u: refused", *pool_id);
	default:
		return fail(s, -EBADMSG,
			    "pool %u: flags %#x, a duplicate id or a shared pool's persistence differs",
			    *pool_id, *pool_flags);
	}
}

static int import_value(struct stream *s, struct utmem_host_client *client,
			u32 pool_id, u32 pool_flags)
{
	struct utmem_stream_value *v = payload(s);
	u32 len = le32_to_cpu(v->len);
	struct tmem_handle h = {};
	int i;

	for (i = 0; i < ARRAY_SIZE(h.oid.oid); i++)
		h.oid.oid[i] = le64_to_cpu(v->oid[i]);
	h.index = le32_to_cpu(v->index);
	switch (utmem_host_put(client, pool_id, &h, v + 1, len)) {
	case TMEM_S_OK:
		break;
	case TMEM_S_REFUSED:
	case TMEM_S_NOMEM:
		/* The host may always drop an ephemeral value. */
		if (!(pool_flags & TMEM_POOL_PERSISTENT)) {
			s->stats->dropped++;
			break;
		}
		return fail(s, -ENOSPC,
			    "pool %u: a value was refused: the VM's cap, its memory cgroup or the host's capacity cannot hold its pools",
			    pool_id);
	default:
		return fail(s, -EBADMSG, "pool %u: a value was malformed",
			    pool_id);
	}
	s->stats->values++;
	s->stats->bytes += len;
	return 0;
}

static int import_end(struct stream *s)
{
	struct utmem_stream_end *end = payload(s);
	u8 extra;

	if (le64_to_cpu(end->pools) != s->stats->pools ||
	    le64_to_cpu(end->values) != s->stats->values ||
	    le64_to_cpu(end->bytes) != s->stats->bytes || end->reserved)
		return fail(s, -EBADMSG,
			    "END counts %llu pools, %llu values, %llu bytes; the stream held %llu, %llu, %llu",
			    le64_to_cpu(end->pools), le64_to_cpu(end->values),
			    le64_to_cpu(end->bytes), s->stats->pools,
			    s->stats->values, s->stats->bytes);
	if (le32_to_cpu(end->stream_crc) != s->crc)
		return fail(s, -EBADMSG, "the stream's checksum does not match");
	if (s->io->read(s->io->ctx, &extra, 1))
		return fail(s, -EBADMSG, "bytes after the END record");
	return 0;
}

static int import_records(struct stream *s, struct utmem_host_client *client,
			  u32 *abi_version)
{
	u32 flags, type, len, pool_id = 0, pool_flags = 0;
	bool in_pool = false;
	int err;

	err = import_header(s, &flags, abi_version);
	while (!err) {
		err = read_record(s, &type, &len);
		if (err)
			break;
		switch (type) {
		case UTMEM_STREAM_POOL:
			err = import_pool(s, client, &pool_id, &pool_flags);
			in_pool = !err;
			break;
		case UTMEM_STREAM_VALUE:
			if (!in_pool || (pool_flags & TMEM_POOL_SHARED) ||
			    (!(pool_flags & TMEM_POOL_PERSISTENT) &&
			     !(flags & UTMEM_STREAM_EPHEMERAL)))
				return fail(s, -EBADMSG,
					    "record %llu: a value where none belongs",
					    s->records - 1);
			if (len != sizeof(struct utmem_stream_value) +
				   le32_to_cpu(((struct utmem_stream_value *)
						payload(s))->len))
				return fail(s, -EBADMSG,
					    "record %llu: a value's length disagrees with its record's",
					    s->records - 1);
			err = import_value(s, client, pool_id, pool_flags);
			break;
		case UTMEM_STREAM_END:
			return import_end(s);
		default:
			return fail(s, -EBADMSG, "record %llu: a second HEADER",
				    s->records - 1);
		}
		cond_resched();
	}
	return err;
}

/**
 * utmem_host_import() - fill a client with the pools of a stream
 * @client: a client with no pool
 * @abi_version: out: what the stream's HEADER says the guest speaks
 * @io: where the stream comes from
 * @stats: out: what the stream held; why it was refused
 *
 * The pools keep their ids.  A stream refused anywhere leaves @client
 * with no pool.  May sleep.
 *
 * Return: 0; -EBUSY when @client has pools; -EINVAL for what is not a
 * stream; -EPROTONOSUPPORT for another version's; -ENODATA for a stream
 * cut short; -EBADMSG for a corrupted or inconsistent one; -ENOSPC when
 * a persistent value was refused (the client's cap, its account or the
 * host's capacity); -ENOMEM; or @io's error.
 */
int utmem_host_import(struct utmem_host_client *client, u32 *abi_version,
		      const struct utmem_host_stream_io *io,
		      struct utmem_host_stream_stats *stats)
{
	struct stream s = { .io = io, .stats = stats, .crc = ~0U };
	int err;

	memset(stats, 0, sizeof(*stats));
	if (!xa_empty(&client->pools))
		return fail(&s, -EBUSY, "the client has pools already");
	s.buf = kmalloc(STREAM_BUF_LEN, GFP_KERNEL);
	if (!s.buf)
		return fail(&s, -ENOMEM, "no memory for a buffer");
	err = import_records(&s, client, abi_version);
	kfree(s.buf);
	if (err)
		utmem_host_client_reset(client);
	return err;
}
