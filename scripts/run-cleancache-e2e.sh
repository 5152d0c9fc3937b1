#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cleancache end-to-end check: boot the UML kernel with a scratch
# disk and scripts/guest/init-cleancache.sh as init.
#
#   scripts/run-cleancache-e2e.sh LINUX CC_TORTURE_DIR
#
# The guest has 448 MiB, of which the simulated host sets 256 MiB aside
# (utmem.sim_carve_out), as in the frontswap run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?usage: run-cleancache-e2e.sh LINUX CC_TORTURE_DIR}
bin=${2:?usage: run-cleancache-e2e.sh LINUX CC_TORTURE_DIR}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s 1G "$work/disk.img"

timeout 1800 "$repo"/scripts/run-uml.sh "$linux" \
	"$repo"/scripts/guest/init-cleancache.sh 448M \
	ubd0="$work/disk.img" utmem.sim_capacity=256M UTMEM_BIN="$bin"
