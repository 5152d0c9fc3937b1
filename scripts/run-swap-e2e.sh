#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The frontswap end-to-end check: boot the UML kernel with a swap disk and
# scripts/guest/init-swap.sh as init.
#
#   scripts/run-swap-e2e.sh LINUX SWAP_STRESS_DIR
#
# The guest has 448 MiB, of which the simulated host sets 256 MiB aside
# (utmem.sim_carve_out): what is left for the guest, about 120 MiB once
# the debug kernel (KASAN) has its share, is what the working set is
# sized against.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?usage: run-swap-e2e.sh LINUX SWAP_STRESS_DIR}
bin=${2:?usage: run-swap-e2e.sh LINUX SWAP_STRESS_DIR}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s 2G "$work/swap.img"

timeout 1800 "$repo"/scripts/run-uml.sh "$linux" \
	"$repo"/scripts/guest/init-swap.sh 448M \
	ubd0="$work/swap.img" utmem.sim_capacity=256M UTMEM_BIN="$bin"
