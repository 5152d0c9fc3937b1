#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the UML kernel (the one KUnit uses, with kunit.enable=0) on the
# host's root file system, read-only, with a guest script as init.
#
#   scripts/run-uml.sh LINUX [INIT] [MEM] [KERNEL-ARGS...]
#
# INIT defaults to scripts/guest/init-sim.sh; MEM to 256M.  KERNEL-ARGS
# are added to the command line (disks, utmem parameters, and NAME=VALUE
# words, which init gets as environment variables).  The guest's
# console is this terminal; its exit status is the script's verdict, which
# it reports through a marker line because UML's own exit status does not
# carry it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?usage: run-uml.sh LINUX [INIT] [MEM] [KERNEL-ARGS...]}
init=${2:-$repo/scripts/guest/init-sim.sh}
mem=${3:-256M}
shift $(($# < 3 ? $# : 3))

[ -x "$linux" ] || { echo "run-uml: no UML kernel at $linux" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# UML keeps per-instance state under ~/.uml; a private one avoids clashes.
export UML_DIR
UML_DIR=$(mktemp -d)
trap 'rm -rf "$log" "$UML_DIR"' EXIT

# setarch -R: the host randomizes where the UML binary's heap ends, and
# UML's physical memory starts there, so with randomization a guest's
# memory varies from boot to boot (measured: MemTotal 62-77 MiB for
# mem=84M); without it, every boot of a guest gets the same memory.
status=0
setarch -R "$linux" mem="$mem" kunit.enable=0 root=/dev/root rootfstype=hostfs \
	rootflags=/ ro init="$init" uml_dir="$UML_DIR" console=tty quiet "$@" \
	< /dev/null | tee "$log" || status=$?

grep -q '^utmem-guest: PASS' "$log" || exit 1
# UML now and then aborts on its way out, after the guest kernel has
# powered off (seen once in the Redis guest): the guest's verdict stands,
# but not an abort before the power-off.
if [ "$status" != 0 ]; then
	sed -n '/^utmem-guest: PASS/,$p' "$log" | grep -q '^reboot: Power down' ||
		{ echo "run-uml: UML exited with status $status before powering off" >&2; exit 1; }
	echo "run-uml: UML exited with status $status after powering off (guest passed)" >&2
fi
