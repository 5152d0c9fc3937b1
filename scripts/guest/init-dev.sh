#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the /dev/utmem guest: runs the kselftest-harness suites
# utmem_dev_test and libutmem_test and utmemctl's tests (programs from
# UTMEM_BIN on the kernel command line) against the simulator, then the
# in-kernel benchmark.  Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

[ -c /dev/utmem ] || fail "no /dev/utmem"
[ "$(stat -c %a /dev/utmem)" = 660 ] || fail "/dev/utmem is not 0660"
# The tests run some steps as another user: what an operator's udev rule
# does for the group of tmem's users (README, /dev/utmem).
chmod 0666 /dev/utmem
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
# An unprivileged user floods the host with values of 0 and 1 bytes: the
# device or the host refuses them once they cost what the host may hold,
# records included, and the guest's memory the host takes for them (slab
# and zsmalloc: the simulated host lives in the guest) stays within the
# capacity.  The margin, 3x: this debug kernel's KASAN more than doubles
# each small slab object (redzones and metadata).
echo "--- flood: an unprivileged user stores values of 0 and 1 bytes"
cap=$(cat $d/sim/capacity_bytes)
for len in 0 1; do
	slab0=$(awk '/^Slab:/ { print $2 * 1024 }' /proc/meminfo)
	fifo=/tmp/flood.$len
	mkfifo $fifo
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$bin"/utmem_flood -n 2000000 -l $len -w < $fifo > $fifo.out &
	exec 3> $fifo
	for i in $(seq 600); do
		[ -s $fifo.out ] && break
		sleep 1
	done
	slab1=$(awk '/^Slab:/ { print $2 * 1024 }' /proc/meminfo)
	used=$(cat $d/sim/used_bytes)
	footprint=$(cat $d/sim/footprint_bytes)
	exec 3>&-
	wait $! || fail "utmem_flood exit $?"
	read -r _ stored _ refused < $fifo.out
	echo "  $len-byte values: stored $stored, then $refused; host used" \
	     "$used of $cap; slab +$((slab1 - slab0)), footprint $footprint"
	[ "$refused" = none ] && fail "flood of $len-byte values never refused"
	[ "$used" -le "$cap" ] || fail "host used $used > capacity $cap"
	[ $((slab1 - slab0)) -le $((3 * cap)) ] ||
		fail "slab grew $((slab1 - slab0)) for a capacity of $cap"
done
sysfs_check dev dev
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
