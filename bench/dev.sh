#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /dev/utmem's PUT path measured on the x86_64 guest (`make bench-dev`;
# see bench/README.md): boots the guest of scripts/scenarios/bench-dev
# once and keeps its figures in RESULTS: dev-ioctl.txt (utmem_ioctl_bench,
# from userspace), dev-kernel.txt (the in-kernel dev_bench), dev-guest.txt
# and the console, console-dev.log.  bench/report.py reads them.
#
#   bench/dev.sh RESULTS [NAME=VALUE...]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
results=${1:?usage: bench/dev.sh RESULTS [NAME=VALUE...]}
shift
mkdir -p "$results"
results=$(cd "$results" && pwd)
log=$results/console-dev.log

status=0
"$repo"/scripts/guest.sh bench-dev --arch x86_64 "$@" > "$log" 2>&1 ||
	status=$?
for kind in ioctl kernel guest; do
	tr -d '\r' < "$log" | sed -n "s/^dev-$kind: //p" > "$results/dev-$kind.txt"
done
# The console is kept with the results: without this machine's paths.
sed -i "s|$repo/||g; s|${UTMEM_CACHE:-$HOME/.cache/utmem}/||g" "$log"
if [ "$status" != 0 ]; then
	tail -30 "$log" >&2
	echo "bench-dev: the guest failed; console in $log" >&2
	exit 1
fi
echo "bench-dev: $(wc -l < "$results/dev-kernel.txt") in-kernel rows in $results"
