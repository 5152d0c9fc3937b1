#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots one x86_64 benchmark guest (scripts/guest.sh SCENARIO) and keeps
# what it printed: each PREFIX's rows ("PREFIX: ...") in RESULTS/FILE,
# and the console in RESULTS/console-NAME.log, without this machine's
# paths.  bench/compare.sh and bench/dev.sh are its callers.
#
#   bench/guest-rows.sh SCENARIO NAME RESULTS PREFIX=FILE... -- [NAME=VALUE...]
#
# NAME=VALUE words after -- go to the guest.  Exits 1, with the
# console's tail, when the guest fails.
set -euo pipefail

usage="usage: bench/guest-rows.sh SCENARIO NAME RESULTS PREFIX=FILE... -- [NAME=VALUE...]"
repo=$(cd "$(dirname "$0")/.." && pwd)
scenario=${1:?$usage}
name=${2:?$usage}
results=${3:?$usage}
shift 3
rows=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	[[ "$1" == *=* ]] || { echo "$usage" >&2; exit 2; }
	rows+=("$1")
	shift
done
[ $# -gt 0 ] && shift
mkdir -p "$results"
results=$(cd "$results" && pwd)
log=$results/console-$name.log

status=0
"$repo"/scripts/guest.sh "$scenario" --arch x86_64 "$@" > "$log" 2>&1 ||
	status=$?
for row in "${rows[@]}"; do
	tr -d '\r' < "$log" | sed -n "s/^${row%%=*}: //p" > "$results/${row#*=}"
done
sed -i "s|$repo/||g; s|${UTMEM_CACHE:-$HOME/.cache/utmem}/||g" "$log"
if [ "$status" != 0 ]; then
	tail -30 "$log" >&2
	echo "$scenario: the guest failed; console in $log" >&2
	exit 1
fi
