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
"$repo"/bench/guest-rows.sh bench-dev dev "$results" dev-ioctl=dev-ioctl.txt \
	dev-kernel=dev-kernel.txt dev-guest=dev-guest.txt -- "$@"
echo "bench-dev: $(wc -l < "$results/dev-kernel.txt") in-kernel rows in $results"
