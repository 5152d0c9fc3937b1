#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the x86_64 guest kernel under QEMU (TCG: there is no /dev/kvm here)
# with the host's root file system shared read-only over 9p and a guest
# script as init, like scripts/run-uml.sh does for UML.
#
#   scripts/run-qemu.sh BZIMAGE [INIT] [MEM] [SMP] [KERNEL-ARG...]
#
# QEMU_ARGS adds QEMU options (disks, a network card); QEMU_TIMEOUT
# (timeout(1) syntax, 20m by default) bounds the run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:?usage: run-qemu.sh BZIMAGE [INIT] [MEM] [SMP]}
init=${2:-$repo/scripts/guest/init-sim.sh}
mem=${3:-512M}
smp=${4:-2}
shift $(($# < 4 ? $# : 4))

if ! command -v qemu-system-x86_64 > /dev/null; then
	[ "$(id -u)" = 0 ] || { echo "run-qemu: install qemu-system-x86" >&2; exit 1; }
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends qemu-system-x86
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
timeout --foreground "${QEMU_TIMEOUT:-20m}" qemu-system-x86_64 ${QEMU_ARGS:-} -accel tcg -cpu max \
	-smp "$smp" -m "$mem" -kernel "$kernel" -nographic -no-reboot \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-append "console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose ro init=$init panic=-1 quiet $*" \
	< /dev/null | tee "$log"

grep -q '^utmem-guest: PASS' "$log"
