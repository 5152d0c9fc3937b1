#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The swap comparisons (`make bench-compare`; see bench/README.md): boots
# the x86_64 guest of scripts/scenarios/swap-compare once, which runs
# every workload under every contender, and keeps its figures in
# RESULTS/compare.txt (a row a run) and RESULTS/compare-guest.txt (the
# guest's facts: memory, measured disk latencies), its console in
# RESULTS/console-compare.log.  bench/report.py turns them into the
# report's comparison table.
#
#   bench/compare.sh RESULTS [NAME=VALUE...]
#
# NAME=VALUE words go to the guest: COMPARE_MIB (the small memory, 64),
# COMPARE_ROUNDS (3), COMPARE_WORKLOADS (comma-separated; default
# seq15,seq20,random15,random20,mix15,mix20,mthp15,python15).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
results=${1:?usage: bench/compare.sh RESULTS [NAME=VALUE...]}
shift
"$repo"/bench/guest-rows.sh swap-compare compare "$results" \
	compare-row=compare.txt compare-guest=compare-guest.txt -- "$@"
echo "bench-compare: $(wc -l < "$results/compare.txt") runs in $results/compare.txt"
