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
mkdir -p "$results"
results=$(cd "$results" && pwd)
log=$results/console-compare.log

status=0
"$repo"/scripts/guest.sh swap-compare --arch x86_64 "$@" > "$log" 2>&1 ||
	status=$?
tr -d '\r' < "$log" | sed -n 's/^compare-row: //p' > "$results/compare.txt"
tr -d '\r' < "$log" | sed -n 's/^compare-guest: //p' > "$results/compare-guest.txt"
# The console is kept with the results: without this machine's paths.
sed -i "s|$repo/||g; s|${UTMEM_CACHE:-$HOME/.cache/utmem}/||g" "$log"
if [ "$status" != 0 ]; then
	tail -30 "$log" >&2
	echo "bench-compare: the guest failed; console in $log" >&2
	exit 1
fi
echo "bench-compare: $(wc -l < "$results/compare.txt") runs in $results/compare.txt"
