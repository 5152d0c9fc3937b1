#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the /dev/utmem benchmark guest (`make bench-dev`, x86_64 under
# QEMU): utmem_ioctl_bench from userspace, then the in-kernel dev_bench
# (the device's PUT path without the system call), each at a host call
# cost of 0, 1 and 5 us.  Their rows go to the console prefixed
# "dev-ioctl: " and "dev-kernel: " (bench/dev.sh keeps them).  Ends with
# "utmem-guest: PASS" or "FAIL <why>".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
d=/sys/kernel/debug/utmem
[ -c /dev/utmem ] || fail "no /dev/utmem"
echo "--- $(uname -r), $(nproc) CPUs"
echo "dev-guest: kernel $(uname -r) (x86_64 under QEMU), $(nproc) CPUs"
"$bin"/utmem_ioctl_bench --exit-ns 0,1000,5000 ${UTMEM_BENCH_ARGS:-} > /tmp/ioctl.txt ||
	fail "utmem_ioctl_bench"
cat /tmp/ioctl.txt
sed 's/^/dev-ioctl: /' /tmp/ioctl.txt

echo "--- in-kernel dev_bench (the PUT path without the system call)"
for ns in 0 1000 5000; do
	echo $ns > $d/sim/exit_ns
	dmesg -C
	for run in "64 20000" "1024 20000" "65536 1250"; do
		echo "$run" > $d/dev_bench || fail "dev_bench $run"
	done
	dmesg | sed -n "s/.*dev_bench: /dev-kernel: exit_ns=$ns /p"
done
echo 0 > $d/sim/exit_ns
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
