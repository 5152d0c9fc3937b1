#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: boot the UML guest with a swap disk and a scratch disk
# (sparse files, removed afterwards) and scripts/guest/init-run.sh, the
# demo, as init.
#
#   scripts/run-demo.sh LINUX BIN_DIR
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?usage: run-demo.sh LINUX BIN_DIR}
bin=${2:?usage: run-demo.sh LINUX BIN_DIR}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s 1G "$work/swap.img" "$work/scratch.img"
"$repo"/scripts/run-uml.sh "$linux" "$repo"/scripts/guest/init-run.sh 384M \
	ubd0="$work/swap.img" ubd1="$work/scratch.img" \
	utmem.sim_capacity=160M UTMEM_BIN="$bin"
