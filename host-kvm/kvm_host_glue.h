/* SPDX-License-Identifier: GPL-2.0 */
/* Starting and stopping the KVM host side (kvm_host.c), for main.c. */
#ifndef _UTMEM_KVM_HOST_GLUE_H
#define _UTMEM_KVM_HOST_GLUE_H

struct dentry;

#ifdef CONFIG_UTMEM_KVM_HOST
int utmem_kvm_host_init(struct dentry *debugfs_root);
void utmem_kvm_host_exit(void);
#else
static inline int utmem_kvm_host_init(struct dentry *debugfs_root)
{
	return 0;
}

static inline void utmem_kvm_host_exit(void) { }
#endif

#endif /* _UTMEM_KVM_HOST_GLUE_H */
