/* SPDX-License-Identifier: GPL-2.0 */
/* The guest side of the KVM binding: the instruction, and the bench. */
#ifndef _UTMEM_KVM_GUEST_H
#define _UTMEM_KVM_GUEST_H

#include <linux/kvm_para.h>
#include <linux/types.h>
#include <utmem/tmem.h>

#if defined(CONFIG_X86) && defined(CONFIG_KVM_GUEST)
/* KVM's signature in the hypervisor CPUID leaves (read once, cached). */
static inline bool utmem_kvm_on_kvm_arch(void)
{
	return kvm_para_available();
}

/*
 * kvm_hypercall2() is VMCALL or VMMCALL, patched for the CPU; on a
 * machine that is not a KVM guest the instruction would fault, so it is
 * not made.
 */
static inline long utmem_kvm_hypercall_arch(u64 gpa, u64 size)
{
	if (!kvm_para_available())
		return -KVM_ENOSYS;
	return kvm_hypercall2(KVM_HC_UTMEM, gpa, size);
}
#else
/* Built for its tests (UML): there is no host to call. */
static inline bool utmem_kvm_on_kvm_arch(void)
{
	return false;
}

static inline long utmem_kvm_hypercall_arch(u64 gpa, u64 size)
{
	return -KVM_ENOSYS;
}
#endif

extern const struct tmem_backend_ops tmem_kvm_backend_ops;

#if IS_ENABLED(CONFIG_KUNIT)
long utmem_kvm_guest_hypercall(u64 gpa, u64 size);
bool utmem_kvm_guest_on_kvm(void);
bool utmem_kvm_guest_memory_encrypted(void);
void utmem_kvm_guest_abi_range(u32 *min, u32 *max);
tmem_status_t utmem_kvm_status(long ret);
#endif

#ifdef CONFIG_UTMEM_BENCH
void utmem_kvm_bench_init(struct tmem_backend *be);
#else
static inline void utmem_kvm_bench_init(struct tmem_backend *be) { }
#endif

#endif /* _UTMEM_KVM_GUEST_H */
