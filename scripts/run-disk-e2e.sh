#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An end-to-end guest with a scratch disk: boot the UML kernel with a
# sparse disk image of SIZE as ubd0 and INIT (scripts/guest/init-swap.sh,
# init-cleancache.sh) as init.
#
#   scripts/run-disk-e2e.sh LINUX BIN_DIR INIT SIZE [ARG...]
#
# ARGs go on the guest's command line (UTMEM_SWAP_BENCH=1, say).
# The guest has 448 MiB, of which the simulated host sets 256 MiB aside
# (utmem.sim_carve_out): what is left for the guest, about 100 MiB once
# the debug kernel (KASAN) has its share, is what workloads are sized
# against.  BIN_DIR (UTMEM_BIN in the guest) holds the test programs.
set -euo pipefail

usage="usage: run-disk-e2e.sh LINUX BIN_DIR INIT SIZE [ARG...]"
repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?$usage}
bin=${2:?$usage}
init=${3:?$usage}
size=${4:?$usage}
shift 4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s "$size" "$work/disk.img"

timeout 1800 "$repo"/scripts/run-uml.sh "$linux" "$init" 448M \
	ubd0="$work/disk.img" utmem.sim_capacity=256M UTMEM_BIN="$bin" "$@"
