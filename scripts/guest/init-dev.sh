#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the /dev/utmem guest: runs the kselftest-harness suites
# utmem_dev_test and libutmem_test and utmemctl's tests (programs from
# UTMEM_BIN on the kernel command line) against the simulator, then the
# in-kernel benchmark.  Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/guest-setup.sh

[ -c /dev/utmem ] || fail "no /dev/utmem"
# Boot messages are not ours to judge (UML warns about its virtual PCI).
dmesg -C
bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
"$bin"/utmem_dev_test || fail "utmem_dev_test"
"$bin"/libutmem_test || fail "libutmem_test"
# The coalescing buffer's module parameters refuse values out of range
# with EINVAL and keep their value.
p=/sys/module/utmem/parameters
refused() {	# PARAM VALUE
	local before
	before=$(cat $p/"$1")
	echo "$2" 2>/dev/null > $p/"$1" && fail "$1 took '$2'"
	[ "$(cat $p/"$1")" = "$before" ] || fail "$1 changed to $(cat $p/"$1")"
	echo "  refused: $1=$2"
}
echo "--- bad module parameter writes"
refused coalesce_value_max 4097
refused coalesce_value_max -1
refused coalesce_max_count 0
refused coalesce_max_count 1025
refused coalesce_max_bytes 4095
refused coalesce_max_bytes 16777217
refused coalesce_delay_us 1000001
refused coalesce_delay_us soon
echo 32 > $p/coalesce_max_count && [ "$(cat $p/coalesce_max_count)" = 32 ] ||
	fail "coalesce_max_count=32 not taken"
echo 64 > $p/coalesce_max_count

"$bin"/test-utmemctl.sh "$bin"/utmemctl --guest ||
	fail "utmemctl tests"

# The device's PUT path without the system call, with and without the
# coalescing buffer, at a host call cost of 0 and 1 us (simulator exit_ns).
d=/sys/kernel/debug/utmem
echo 0 2>/dev/null > $d/dev_bench && fail "dev_bench took '0'"
for ns in 0 1000; do
	echo $ns > $d/sim/exit_ns
	echo "--- dev_bench, host call cost $ns ns (debug kernel)"
	dmesg -C
	for run in "64 20000" "1024 20000" "65536 300"; do
		echo "$run" > $d/dev_bench || fail "dev_bench $run"
	done
	dmesg | sed -n 's/.*dev_bench: /  /p'
done
echo 0 > $d/sim/exit_ns
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
