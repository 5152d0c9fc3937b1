/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * utmem over KVM: the hypercall ABI between a guest's tmem binding and
 * the host's handler.
 *
 * One hypercall, KVM_HC_UTMEM (include/uapi/linux/kvm_para.h), made from
 * CPL 0 with VMCALL/VMMCALL:
 *
 *	a0 = guest-physical address of a struct utmem_kvm_req
 *	a1 = sizeof(struct utmem_kvm_req)
 *	return value = a TMEM_STATUS_* (0 and up), or -KVM_E* when KVM does
 *		not know the hypercall (-KVM_ENOSYS) or the caller is not in
 *		CPL 0 (-KVM_EPERM)
 *
 * The request names the operation and its arguments; value buffers are
 * passed by guest-physical address too, and must be contiguous in guest
 * physical memory.  The host reads the request and the buffers with its
 * guest-memory accessors, so every address and length is checked by the
 * host, and a bad one is answered with TMEM_STATUS_INVAL: the host never
 * touches memory outside the guest's buffers.  Outputs are written back
 * into the request (and into the buffers it names) before the hypercall
 * returns.
 *
 * A host that stops serving VMs answers NEW_POOL, PUT and each PUT_BATCH
 * entry REFUSED, and goes on answering GETs and flushes of what the VM
 * holds.
 *
 * Every field that an operation does not use must be zero, so that a
 * later version can give it a meaning: such a request is INVAL.
 *
 * Versions.  A host and a guest each speak a range of versions.  The
 * guest asks UTMEM_KVM_OP_PROBE before anything else, with the newest
 * version it speaks; a host that does not speak that one answers INVAL
 * (with the newest it speaks in len), and the guest asks again with its
 * next older version, down to its oldest.  The first version the host
 * accepts, the highest both speak, holds until the next PROBE.
 *
 * Each PROBE starts the VM over: the host drops every pool the VM had
 * (a previous guest kernel's, before a reboot, kexec or crash) and
 * returns their memory.
 *
 * A VM keeps its pools when it is saved and restored or migrated only if
 * its host's operator moves them with it (include/uapi/linux/
 * utmem_host.h); the guest goes on with the version it agreed.  A VM
 * that resumes on a host without its pools has every request but PROBE
 * answered TMEM_STATUS_LOST, and its guest stops using utmem.
 */
#ifndef _UAPI_LINUX_UTMEM_KVM_H
#define _UAPI_LINUX_UTMEM_KVM_H

#include <linux/types.h>
#include <linux/utmem.h>

/*
 * 2: struct tmem_pool_info gained puts and flushes (48 bytes).
 * 3: every answer carries the pages the host wants back (wanted).
 */
#define UTMEM_KVM_ABI_VERSION		3
/* The oldest version this header's host and guest still speak. */
#define UTMEM_KVM_ABI_VERSION_MIN	2

/*
 * Operations, and the fields of struct utmem_kvm_req each one uses
 * (all others must be zero):
 *
 * PROBE	  len: in, the version the guest asks for; out, that version
 *		  when the host speaks it, else the newest the host speaks
 *		  (and INVAL).  Answered PERM when the host's operator has
 *		  not enabled utmem for this VM: the guest must not bind
 *		  then.
 * NEW_POOL	  flags: TMEM_POOL_*; pool_id: out; buf: with
 *		  TMEM_POOL_SHARED, the pool's 16-byte UUID
 * DESTROY_POOL	  pool_id
 * PUT		  pool_id, handle, buf (the value), len (its length, at
 *		  most TMEM_VALUE_MAX)
 * GET		  pool_id, handle, buf (where the value goes), len: in, the
 *		  buffer's size; out, the value's length (also with TOOBIG)
 * FLUSH_PAGE	  pool_id, handle
 * FLUSH_OBJECT	  pool_id, handle.oid (handle.index must be zero)
 * FLUSH_POOL	  pool_id
 * PUT_BATCH	  pool_id, buf (an array of struct utmem_kvm_batch_entry),
 *		  len (entries, 1..UTMEM_KVM_BATCH_MAX); each entry's status
 *		  is written back.  The request's own status is OK unless
 *		  the request or an entry's layout is malformed, and then no
 *		  entry was stored.
 * POOL_INFO	  pool_id, buf (a struct tmem_pool_info, written),
 *		  len (sizeof(struct tmem_pool_info))
 */
#define UTMEM_KVM_OP_PROBE		0
#define UTMEM_KVM_OP_NEW_POOL		1
#define UTMEM_KVM_OP_DESTROY_POOL	2
#define UTMEM_KVM_OP_PUT		3
#define UTMEM_KVM_OP_GET		4
#define UTMEM_KVM_OP_FLUSH_PAGE		5
#define UTMEM_KVM_OP_FLUSH_OBJECT	6
#define UTMEM_KVM_OP_FLUSH_POOL		7
#define UTMEM_KVM_OP_PUT_BATCH		8
#define UTMEM_KVM_OP_POOL_INFO		9
#define UTMEM_KVM_OP_NR			10

/* The most entries one PUT_BATCH request carries (3 KiB of entries). */
#define UTMEM_KVM_BATCH_MAX		64

/**
 * struct utmem_kvm_req - one request, in guest memory
 * @op: UTMEM_KVM_OP_*
 * @pool_id: the pool (the host's id, local to this VM)
 * @flags: NEW_POOL's TMEM_POOL_* flags
 * @len: a length or a count, see the operations
 * @handle: the value's handle
 * @buf: guest-physical address of the operation's buffer
 * @wanted: zero in; out (version 3 and up, every operation but PROBE):
 *	the persistent pages the host wants back from this VM.  The guest
 *	writes that many pages elsewhere (its swap device) and flushes
 *	them; a VM that owes pages longer than its host allows has its
 *	persistent PUTs refused until it has paid.  Zero: nothing owed.
 * @reserved: must be zero
 */
struct utmem_kvm_req {
	__u32 op;
	__u32 pool_id;
	__u32 flags;
	__u32 len;
	struct tmem_handle handle;
	__u64 buf;
	__u32 wanted;
	__u32 reserved;
};

/**
 * struct utmem_kvm_batch_entry - one value of a PUT_BATCH request
 * @handle: where the value goes
 * @buf: guest-physical address of the value
 * @len: its length, at most TMEM_VALUE_MAX
 * @status: out: the host's TMEM_STATUS_* for this value
 */
struct utmem_kvm_batch_entry {
	struct tmem_handle handle;
	__u64 buf;
	__u32 len;
	__u32 status;
};

#endif /* _UAPI_LINUX_UTMEM_KVM_H */
