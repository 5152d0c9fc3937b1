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
#define TMEM_STATUS_NR		9

#endif /* _UAPI_LINUX_UTMEM_H */
