#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak (scripts/guest/init-soak.sh) on a UML or an x86_64 guest, with
# two sparse scratch disks: swap and an ext4 for cleancache.
#
#   scripts/run-soak.sh uml|qemu KERNEL BIN_DIR DURATION [SEED]
#
# DURATION: seconds, or N followed by s, m or h (30m).  FUZZ_OPS in the
# environment (1000000 by default) sets how many random ioctls and how
# many hypercall descriptors the two fuzzers send.  The UML guest is
# uniprocessor (UML is, in 6.12); the x86_64 guest runs under QEMU with
# SOAK_SMP CPUs (2).  The guest gets its duration plus 30 minutes for
# boot, fuzzers and teardown before it is stopped.
set -euo pipefail

usage="usage: run-soak.sh uml|qemu KERNEL BIN_DIR DURATION [SEED]"
repo=$(cd "$(dirname "$0")/.." && pwd)
guest=${1:?$usage}
kernel=${2:?$usage}
bin=${3:?$usage}
duration=${4:?$usage}
seed=${5:-1}
fuzz_ops=${FUZZ_OPS:-1000000}

case $duration in
*[0-9]s) seconds=${duration%s} ;;
*[0-9]m) seconds=$((${duration%m} * 60)) ;;
*[0-9]h) seconds=$((${duration%h} * 3600)) ;;
*) seconds=$duration ;;
esac
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 10 ]; then
	echo "run-soak: DURATION wants 10 seconds or more (90, 90s, 30m, 2h), not '$duration'" >&2
	exit 2
fi
for v in seed fuzz_ops; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "run-soak: $v wants a number, not '${!v}'" >&2; exit 2; }
done
[ -e "$kernel" ] || { echo "run-soak: no kernel at $kernel" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s 2G "$work/swap.img"
truncate -s 1G "$work/cc.img"
# The guest runs copies: bash reads a script as it goes, and a soak lasts
# long enough for the checkout to change under it.
cp "$repo"/scripts/guest/init-soak.sh "$repo"/scripts/guest/guest-setup.sh \
	"$repo"/scripts/guest/kernel-reports.sh "$work"/
init=$work/init-soak.sh
env=(UTMEM_BIN="$bin" SOAK_SECONDS="$seconds" SOAK_SEED="$seed"
     SOAK_FUZZ_OPS="$fuzz_ops")
# The hypercall-descriptor fuzzer is a KUnit case: it runs at boot.
kunit=(kunit.enable=1 kunit.filter_glob=tmem_kvm_host.fuzz_test
       tmem_kvm_kunit.fuzz_requests="$fuzz_ops" tmem_kvm_kunit.fuzz_seed="$seed")
limit=$((seconds + 1800))

case $guest in
uml)
	timeout "$limit" "$repo"/scripts/run-uml.sh "$kernel" "$init" 320M \
		ubd0="$work/swap.img" ubd1="$work/cc.img" \
		utmem.sim_capacity=96M "${kunit[@]}" "${env[@]}" \
		SOAK_SWAP_DISK=/dev/ubda SOAK_CC_DISK=/dev/ubdb
	;;
qemu)
	QEMU_TIMEOUT=$limit \
	QEMU_ARGS="-drive file=$work/swap.img,format=raw,if=virtio -drive file=$work/cc.img,format=raw,if=virtio" \
		"$repo"/scripts/run-qemu.sh "$kernel" "$init" 640M "${SOAK_SMP:-2}" \
		utmem.sim_capacity=128M "${kunit[@]}" "${env[@]}" \
		SOAK_SWAP_DISK=/dev/vda SOAK_CC_DISK=/dev/vdb
	;;
*)
	echo "run-soak: no guest '$guest'; $usage" >&2
	exit 2
	;;
esac
