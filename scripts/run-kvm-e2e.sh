#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host-kvm end-to-end: L1 (the x86_64 kernel under QEMU TCG, -cpu max
# for nested SVM) runs KVM with utmem's host side and boots L2, the same
# kernel, under it with utmem.backend=kvm.  See scripts/guest/init-kvm-l1.sh.
#
#   scripts/run-kvm-e2e.sh BZIMAGE BIN
#
# BIN holds utmem_dev_test, swap_stress and utmemctl.  Prints the boot and run
# times; fails unless L1 says "utmem-guest: PASS".
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:?usage: run-kvm-e2e.sh BZIMAGE BIN}
bin=${2:?usage: run-kvm-e2e.sh BZIMAGE BIN}
for f in "$bin"/utmem_dev_test "$bin"/swap_stress "$bin"/utmemctl; do
	[ -x "$f" ] || { echo "run-kvm-e2e: no $f" >&2; exit 1; }
done
command -v bc > /dev/null || "$repo"/scripts/need-packages.sh bc

# KVM's modules are in the kernel's build directory, which L1 reaches.
build=$(cd "$(dirname "$kernel")"/../../.. && pwd)
[ -f "$build"/arch/x86/kvm/kvm.ko ] ||
	{ echo "run-kvm-e2e: no $build/arch/x86/kvm/kvm.ko" >&2; exit 1; }

start=$(date +%s)
QEMU_TIMEOUT=${QEMU_TIMEOUT:-40m} "$repo"/scripts/run-qemu.sh "$kernel" \
	"$repo"/scripts/guest/init-kvm-l1.sh 1536M 1 \
	utmem.backend=none utmem.kvm_host_capacity=512M utmem.kvm_shared_pools=1 \
	UTMEM_KERNEL="$kernel" UTMEM_BIN="$bin" UTMEM_KBUILD="$build"
echo "run-kvm-e2e: PASS in $(($(date +%s) - start)) s"
