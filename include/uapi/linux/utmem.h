/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * utmem: transcendent memory for guests.
 *
 * This header holds the parts of the tmem interface that every binding
 * shares: pool flags, the page handle and the host status codes.  The
 * in-kernel simulator, the KVM hypercall binding and the /dev/utmem
 * ioctls all speak in these terms.
 */
#ifndef _UAPI_LINUX_UTMEM_H
#define _UAPI_LINUX_UTMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Pool flags.  A pool is ephemeral unless TMEM_POOL_PERSISTENT is set:
 * the host may drop ephemeral data at any time, and a GET from an
 * ephemeral pool is exclusive (the value leaves the pool).  A shared
 * pool is named by a 16-byte UUID; every client that creates a shared
 * pool with the same UUID on the same host reaches the same pool.
 */
#define TMEM_POOL_PERSISTENT	(1U << 0)
#define TMEM_POOL_SHARED	(1U << 1)
#define TMEM_POOL_FLAGS_ALL	(TMEM_POOL_PERSISTENT | TMEM_POOL_SHARED)

/* The largest value one PUT moves: one 4 KiB page. */
#define TMEM_VALUE_MAX		4096

/**
 * struct tmem_oid - names an object within a pool
 * @oid: 192 bits chosen by the guest (an inode, a swap area, a key hash)
 */
struct tmem_oid {
	__u64 oid[3];
};

/**
 * struct tmem_handle - names one value within a pool
 * @oid: the object
 * @index: the value within the object (a page index, a chunk number)
 * @reserved: must be zero
 */
struct tmem_handle {
	struct tmem_oid oid;
	__u32 index;
	__u32 reserved;
};

/**
 * struct tmem_pool_info - the host's view of one pool
 * @pages: values held
 * @raw_bytes: bytes the guest put for them
 * @stored_bytes: bytes the host charges for them (after compression;
 *	a deduplicated value is charged to every pool holding it)
 * @evicted: values the host dropped from this pool on its own (to make
 *	room, or lost)
 * @puts: values the host stored in this pool (a PUT that replaces a value
 *	counts here, the value it replaced in @flushes)
 * @flushes: values removed at the guest's request: flushed, replaced or
 *	invalidated by a PUT, taken out by an ephemeral GET
 *
 * Every value held came from a PUT and leaves once, so at any moment
 * @puts - @flushes - @evicted == @pages: the soak checks it per pool.
 * It is POOL_INFO's answer over the hypercall (linux/utmem_kvm.h), 48
 * bytes.
 */
struct tmem_pool_info {
	__u64 pages;
	__u64 raw_bytes;
	__u64 stored_bytes;
	__u64 evicted;
	__u64 puts;
	__u64 flushes;
};

/*
 * Host status codes.  A host answers every tmem operation with one of
 * these, never with an errno: errno values differ between architectures
 * and a host must not be able to inject arbitrary ones into a guest.  The
 * guest translates them in exactly one place, tmem_status_to_errno().
 *
 * TMEM_STATUS_OK	done
 * TMEM_STATUS_MISS	no value at that handle (or it was dropped)
 * TMEM_STATUS_REFUSED	the host declined the PUT or the new pool (no room,
 *			over the client's cap, or policy)
 * TMEM_STATUS_INVAL	malformed request (flags, reserved fields, lengths)
 * TMEM_STATUS_BADPOOL	no such pool for this client
 * TMEM_STATUS_NOMEM	the host could not allocate its own metadata
 * TMEM_STATUS_TOOBIG	the value is larger than the buffer (GET reports the
 *			value's length) or than TMEM_VALUE_MAX (PUT)
 * TMEM_STATUS_PERM	the client may not do this (shared pool access)
 * TMEM_STATUS_IO	the host failed to produce the value it held
 * TMEM_STATUS_LOST	the host does not have this client's pools: the VM
 *			was moved (restored, migrated) without them.  Every
 *			request but PROBE is answered so until the next
 *			PROBE; the guest must stop using its pools (their
 *			ids may name other pools later) and must not read
 *			what they held from anywhere else.  Guests older
 *			than this status see an unknown one, an error.
 */
#define TMEM_STATUS_OK		0
#define TMEM_STATUS_MISS	1
#define TMEM_STATUS_REFUSED	2
#define TMEM_STATUS_INVAL	3
#define TMEM_STATUS_BADPOOL	4
#define TMEM_STATUS_NOMEM	5
#define TMEM_STATUS_TOOBIG	6
#define TMEM_STATUS_PERM	7
#define TMEM_STATUS_IO		8
#define TMEM_STATUS_LOST	9
#define TMEM_STATUS_NR		10

/*
 * /dev/utmem: the ioctl interface for applications.
 *
 * An application opens /dev/utmem, creates pools on the file and stores
 * values under keys: arbitrary byte strings of 1..UTMEM_KEY_MAX bytes.
 * Values are 0..UTMEM_VALUE_MAX bytes; the device splits a value larger
 * than one host page into chunks.  Pools belong to the open file and go
 * with it: "persistent" means for the file's lifetime, not the machine's.
 *
 * Every ioctl takes one struct whose first __u32 is its size, as the
 * caller knows it (iommufd's convention), and the ioctl numbers are _IO
 * ones, which do not encode a size: a caller built against an older,
 * shorter struct still works, a newer, longer one works as long as the
 * fields this kernel does not know are zero.  Which fields an ioctl
 * writes back is its own: see each struct.
 *
 * Errors every ioctl may return:
 *   ENOTTY   not a /dev/utmem ioctl
 *   EFAULT   the struct or a buffer it points to is not readable/writable
 *   EINVAL   size below the struct's first version; unknown flags;
 *            non-zero reserved or unused fields; a key of 0 or more
 *            than UTMEM_KEY_MAX bytes
 *   E2BIG    size above this kernel's struct with non-zero bytes past
 *            it, or above 4096 (a struct claims at most a page)
 *   EINTR    a fatal signal came while the call waited for another call
 *            of the same file (a long UTMEM_BATCH)
 *   ENOENT   no pool with that id on this file (and see each ioctl)
 *   ENOMEM   the guest could not allocate (or the host, for its own
 *            records: a PUT answered so stored nothing)
 *   EIO      the host failed (see each ioctl)
 */

#define UTMEM_KEY_MAX		250
#define UTMEM_VALUE_MAX		(1U << 20)
#define UTMEM_POOLS_PER_FILE	64

/* Reserved in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define UTMEM_IOCTL_TYPE	0xB9

/*
 * UTMEM_POOL_CREATE's own flag, beside TMEM_POOL_*: the pool stores a
 * value of up to TMEM_VALUE_MAX bytes as it is, one host page and one host
 * call, where other pools add a header with the key (a 4096-byte value
 * takes two host values and three calls there).  Without the key the
 * device cannot check what the host returns: it trusts the host to return
 * what was put under the key's 192-bit hash.  Longer values are stored as
 * in other pools.  Private pools only.
 */
#define UTMEM_POOL_BARE		(1U << 16)
#define UTMEM_POOL_FLAGS_ALL	(TMEM_POOL_FLAGS_ALL | UTMEM_POOL_BARE)

/**
 * struct utmem_pool_create - UTMEM_POOL_CREATE
 * @size: sizeof(struct utmem_pool_create)
 * @flags: TMEM_POOL_PERSISTENT, TMEM_POOL_SHARED, UTMEM_POOL_BARE (not
 *	with TMEM_POOL_SHARED)
 * @uuid: names a shared pool; must be zero for a private one
 * @out_pool_id: the pool's id on this file
 * @__reserved: must be zero
 *
 * A shared pool is reachable by every file that creates it with the same
 * UUID, from a process of the same user as the pool's creator or with
 * CAP_SYS_ADMIN.  Errors: ENOSPC (the host refused the pool, the file
 * has UTMEM_POOLS_PER_FILE pools, or the files of all users hold the
 * utmem.dev_max_pools module parameter's count, which keeps pool ids for
 * the kernel's own users), EDQUOT (the files of the user that opened this
 * one hold utmem.user_max_pools pools), EPERM (shared pool of another
 * user), EEXIST (a shared pool with that UUID exists with the other
 * persistence).
 */
struct utmem_pool_create {
	__u32 size;
	__u32 flags;
	__u8 uuid[16];
	__u32 out_pool_id;
	__u32 __reserved;
};

/**
 * struct utmem_pool_op - UTMEM_POOL_DESTROY, UTMEM_POOL_FLUSH
 * @size: sizeof(struct utmem_pool_op)
 * @pool_id: the pool
 *
 * DESTROY drops the pool and everything in it (for a shared pool: this
 * file's use of it).  FLUSH drops every value, keeping the pool.
 */
struct utmem_pool_op {
	__u32 size;
	__u32 pool_id;
};

/* PUT flags. */
#define UTMEM_PUT_NOBUFFER	(1U << 0)	/* send now, skip coalescing */
#define UTMEM_PUT_FLAGS_ALL	UTMEM_PUT_NOBUFFER

/**
 * struct utmem_kv - UTMEM_PUT, UTMEM_GET, UTMEM_DELETE
 * @size: sizeof(struct utmem_kv)
 * @pool_id: the pool
 * @flags: PUT: UTMEM_PUT_*; GET, DELETE: must be zero
 * @key_len: 1..UTMEM_KEY_MAX
 * @key: user pointer to the key
 * @value: user pointer to the value (PUT) or a buffer for it (GET);
 *	unused by DELETE
 * @value_len: PUT: the value's length; GET: in, the buffer's size, out,
 *	the value's length; DELETE: must be zero
 *
 * PUT stores or replaces; a small value put in a private pool may wait
 * in the file's coalescing buffer, which every other operation of the
 * file on the key, SYNC and close drain first, and which is sent within
 * the utmem.coalesce_delay_us module parameter (1 ms by default).
 * Errors: ENOSPC (the host refused: the old value is gone too),
 * E2BIG (value above UTMEM_VALUE_MAX), EDQUOT (the values of the user
 * that opened the file would take more than utmem.user_max_bytes as the
 * host counts them: nothing was stored, the old value stays).
 *
 * GET: ENOENT (no value: never stored, deleted, or dropped by the host
 * from an ephemeral pool), ERANGE (buffer too small: @value_len says how
 * much is needed, the value stays), EIO (the host failed to produce the
 * value, or returned data that is not a value of this device; from an
 * ephemeral pool the value is gone then).  A GET from an ephemeral pool
 * takes the value out of it.
 *
 * DELETE: 0 whether or not the key had a value (a host's flush does not
 * say whether it dropped anything).
 */
struct utmem_kv {
	__u32 size;
	__u32 pool_id;
	__u32 flags;
	__u32 key_len;
	__u64 key;
	__u64 value;
	__u64 value_len;
};

/**
 * struct utmem_sync - UTMEM_SYNC: send every buffered PUT to the host
 * @size: sizeof(struct utmem_sync)
 * @flags: must be zero
 * @out_failed: buffered PUTs the host refused (their keys have no value)
 */
struct utmem_sync {
	__u32 size;
	__u32 flags;
	__u64 out_failed;
};

/* UTMEM_STATS' @pool_id for the counters of the whole file. */
#define UTMEM_POOL_NONE		0xffffffffU

/**
 * struct utmem_stats - UTMEM_STATS: counters of one pool or of the file
 * @size: sizeof(struct utmem_stats)
 * @pool_id: a pool, or UTMEM_POOL_NONE for the whole file
 * @puts: PUTs so far, on the pool or on every pool of the file
 * @gets: GETs so far, likewise
 * @hits: GETs that found a value
 * @deletes: DELETEs so far
 * @put_refused: PUTs the host refused
 * @host_puts: PUT calls that reached the host (batches count once)
 * @buffered_bytes: bytes waiting in the coalescing buffer now, for the
 *	pool or the file
 * @flushes: times the file's buffer was sent (one send covers every
 *	pool: the file's count, also when @pool_id names a pool)
 */
struct utmem_stats {
	__u32 size;
	__u32 pool_id;
	__u64 puts;
	__u64 gets;
	__u64 hits;
	__u64 deletes;
	__u64 put_refused;
	__u64 host_puts;
	__u64 buffered_bytes;
	__u64 flushes;
};

/* UTMEM_BATCH operations. */
#define UTMEM_BATCH_PUT		1
#define UTMEM_BATCH_GET		2
#define UTMEM_BATCH_DELETE	3
#define UTMEM_BATCH_MAX		1024

/**
 * struct utmem_batch - UTMEM_BATCH: PUTs, GETs or DELETEs in one call
 * @size: sizeof(struct utmem_batch)
 * @op: UTMEM_BATCH_PUT, UTMEM_BATCH_GET or UTMEM_BATCH_DELETE, the
 *	operation of every entry
 * @count: entries, 1..UTMEM_BATCH_MAX
 * @entry_size: the stride of @entries; every entry's own @size must
 *	equal it, and it follows the size rules of struct utmem_kv
 * @entries: user pointer to @count struct utmem_kv
 * @out_done: entries done when the call returns
 * @__reserved: must be zero
 *
 * One system call for many operations: each entry takes the rules and
 * errors of the single ioctl of @op, and a GET entry gets its @value_len
 * written back.  The entries run in order and the batch stops at the
 * first that fails: the call returns that entry's error and @out_done is
 * its index (the entries before it are done, none after it was tried).
 * A fatal signal stops it between entries with EINTR.  @out_done is
 * written back on every return but those that reject the batch struct
 * itself (EFAULT on it, E2BIG, and EINVAL for its fields).
 */
struct utmem_batch {
	__u32 size;
	__u32 op;
	__u32 count;
	__u32 entry_size;
	__u64 entries;
	__u32 out_done;
	__u32 __reserved;
};

/*
 * The commands, each with the struct it takes.  The numbers run from
 * UTMEM_CMD_BASE without gaps (0xB9 00-0F is reserved for them); new
 * commands take the next ones.
 */
#define UTMEM_CMD_BASE		0x00
enum {
	UTMEM_CMD_POOL_CREATE = UTMEM_CMD_BASE,	/* struct utmem_pool_create */
	UTMEM_CMD_POOL_DESTROY,			/* struct utmem_pool_op */
	UTMEM_CMD_POOL_FLUSH,			/* struct utmem_pool_op */
	UTMEM_CMD_PUT,				/* struct utmem_kv */
	UTMEM_CMD_GET,				/* struct utmem_kv */
	UTMEM_CMD_DELETE,			/* struct utmem_kv */
	UTMEM_CMD_SYNC,				/* struct utmem_sync */
	UTMEM_CMD_STATS,			/* struct utmem_stats */
	UTMEM_CMD_BATCH,			/* struct utmem_batch */
};

#define UTMEM_POOL_CREATE	_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_POOL_CREATE)
#define UTMEM_POOL_DESTROY	_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_POOL_DESTROY)
#define UTMEM_POOL_FLUSH	_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_POOL_FLUSH)
#define UTMEM_PUT		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_PUT)
#define UTMEM_GET		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_GET)
#define UTMEM_DELETE		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_DELETE)
#define UTMEM_SYNC		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_SYNC)
#define UTMEM_STATS		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_STATS)
#define UTMEM_BATCH		_IO(UTMEM_IOCTL_TYPE, UTMEM_CMD_BATCH)

#endif /* _UAPI_LINUX_UTMEM_H */
