/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * utmem on a KVM host: moving a VM's pools with the VM.
 *
 * A VM that is saved, restored or migrated takes its RAM and device state
 * with it, but the pages it keeps in host pools are the host's.  The
 * host's operator (a libvirt hook, utmemctl host save|restore) moves them
 * through /dev/utmem-host, as a stream:
 *
 *	UTMEM_HOST_IOC_SAVE	writes the pools of the VM whose VMM process
 *				is @pid to the file @fd, while the VM is
 *				paused (QEMU "stop", or after its migration
 *				completed): its persistent pools with every
 *				value, its ephemeral pools with theirs when
 *				asked (dropping them is always allowed), its
 *				shared pools by name only.
 *	UTMEM_HOST_IOC_RESTORE	reads such a stream from @fd for the VM of
 *				VMM process @pid, which has not run yet (QEMU
 *				-incoming, before "cont"): the pools wait for
 *				it and it takes them on its first hypercall.
 *				A stream that is cut short, corrupted or of a
 *				version the host does not read is refused
 *				whole: nothing of it is kept.
 *
 * A VM that resumes on a host without its pools is told so: every
 * request it makes before its next PROBE is answered TMEM_STATUS_LOST
 * (see utmem_kvm.h), and its guest stops using utmem rather than read
 * values it no longer has.
 *
 * The stream is a sequence of records, each a struct utmem_stream_record
 * followed by @len bytes of payload, all little-endian:
 *
 *	HEADER	once, first: struct utmem_stream_header
 *	POOL	struct utmem_stream_pool, before the pool's values
 *	VALUE	struct utmem_stream_value and the value's bytes, for the
 *		pool of the POOL record before it
 *	END	once, last: struct utmem_stream_end
 *
 * Each record's @crc is the CRC32C of the record (with @crc zero) and its
 * payload; END's @stream_crc is the CRC32C of every byte before END, and
 * its counts are those of the records before it, so that a record lost,
 * repeated or moved is found too.
 */
#ifndef _UAPI_LINUX_UTMEM_HOST_H
#define _UAPI_LINUX_UTMEM_HOST_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/utmem.h>

/* "UTMEMPLS": the first bytes of a stream's HEADER payload. */
#define UTMEM_STREAM_MAGIC	"UTMEMPLS"
#define UTMEM_STREAM_VERSION	1

#define UTMEM_STREAM_HEADER	1
#define UTMEM_STREAM_POOL	2
#define UTMEM_STREAM_VALUE	3
#define UTMEM_STREAM_END	4

/* HEADER's flags: the ephemeral pools' values are in the stream. */
#define UTMEM_STREAM_EPHEMERAL	(1U << 0)
#define UTMEM_STREAM_FLAGS_ALL	UTMEM_STREAM_EPHEMERAL

/**
 * struct utmem_stream_record - what every record starts with
 * @type: UTMEM_STREAM_*
 * @len: bytes of payload that follow
 * @crc: CRC32C (seed ~0) of this struct with @crc zero, then the payload
 * @reserved: zero
 */
struct utmem_stream_record {
	__le32 type;
	__le32 len;
	__le32 crc;
	__le32 reserved;
};

/**
 * struct utmem_stream_header - HEADER's payload
 * @magic: UTMEM_STREAM_MAGIC, without its NUL
 * @version: UTMEM_STREAM_VERSION: a host refuses the versions it does
 *	not read
 * @flags: UTMEM_STREAM_*
 * @abi_version: the hypercall ABI version the VM's guest agreed with the
 *	host it was saved on: the VM goes on speaking it
 * @reserved: zero
 */
struct utmem_stream_header {
	__u8 magic[8];
	__le32 version;
	__le32 flags;
	__le32 abi_version;
	__le32 reserved;
};

/**
 * struct utmem_stream_pool - POOL's payload
 * @pool_id: the pool's id, as the guest knows it
 * @flags: TMEM_POOL_*
 * @uuid: a shared pool's name (its values are not in the stream); zero
 *	for a private pool
 */
struct utmem_stream_pool {
	__le32 pool_id;
	__le32 flags;
	__u8 uuid[16];
};

/**
 * struct utmem_stream_value - VALUE's payload, before the value's bytes
 * @oid: the handle's object, three little-endian words
 * @index: the handle's index
 * @len: bytes of the value that follow, at most TMEM_VALUE_MAX
 */
struct utmem_stream_value {
	__le64 oid[3];
	__le32 index;
	__le32 len;
};

/**
 * struct utmem_stream_end - END's payload
 * @pools: POOL records before it
 * @values: VALUE records before it
 * @bytes: value bytes in them
 * @stream_crc: CRC32C (seed ~0) of every byte of the stream before END
 * @reserved: zero
 */
struct utmem_stream_end {
	__le64 pools;
	__le64 values;
	__le64 bytes;
	__le32 stream_crc;
	__le32 reserved;
};

/**
 * struct utmem_host_move - the argument of UTMEM_HOST_IOC_SAVE and _RESTORE
 * @size: sizeof(struct utmem_host_move)
 * @pid: the VMM process of the VM (its thread group id)
 * @fd: where the stream goes (SAVE) or comes from (RESTORE): a file, a
 *	pipe or a socket
 * @flags: SAVE: UTMEM_STREAM_EPHEMERAL to include the ephemeral pools'
 *	values; RESTORE: zero
 * @pools: out: pools in the stream
 * @values: out: values in the stream
 * @bytes: out: value bytes in the stream
 */
struct utmem_host_move {
	__u32 size;
	__s32 pid;
	__s32 fd;
	__u32 flags;
	__u64 pools;
	__u64 values;
	__u64 bytes;
};

#define UTMEM_HOST_IOC_MAGIC	0xBA
#define UTMEM_HOST_IOC_SAVE	_IOWR(UTMEM_HOST_IOC_MAGIC, 0, struct utmem_host_move)
#define UTMEM_HOST_IOC_RESTORE	_IOWR(UTMEM_HOST_IOC_MAGIC, 1, struct utmem_host_move)

#endif /* _UAPI_LINUX_UTMEM_HOST_H */
