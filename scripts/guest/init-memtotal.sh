#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of a guest that only reports its memory: "utmem-memtotal: N" (kB,
# /proc/meminfo's MemTotal).  The kvm scenario boots L1's kernel so, with
# utmem's init blacklisted, to compare a host without the suite with one
# that runs it.
. "$(dirname "$0")"/lib.sh

echo "utmem-memtotal: $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)"
dmesg | grep -q 'utmem: ' && fail "utmem ran although blacklisted"
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
