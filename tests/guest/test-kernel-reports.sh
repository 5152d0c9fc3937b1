#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the guests' kernel-report check (scripts/guest/kernel-reports.sh)
# on this machine, on made-up kernel logs and taints: it fails on every
# kind of report, on every taint bit not allowed and on lockdep turned
# off; it passes a clean log, allowed taints and the one known UML boot
# warning, and only that one.
#
#   tests/guest/test-kernel-reports.sh
set -uo pipefail

helper=$(cd "$(dirname "$0")/../.." && pwd)/scripts/guest/kernel-reports.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

export KERNEL_REPORTS_DMESG=$work/dmesg
export KERNEL_REPORTS_TAINTED=$work/tainted
export KERNEL_REPORTS_LOCKDEP=$work/lockdep_stats

clean='[    0.000000] Linux version 6.12.38 (root@host) #1 Mon Jan 1 00:00:00 UTC 2024
[    0.120000] Kernel command line: mem=256M root=/dev/root ro init=/init-sim.sh
[    0.130000] kasan: KernelAddressSanitizer initialized (generic)
[    0.210000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    1.000000] utmem: bound backend sim
[    1.100000] debugfs: Directory '"'"'utmem'"'"' created
[    2.000000] Adding 1048572k swap on /dev/ubda.  Priority:-2 extents:1 across:1048572k
[    3.000000] EXT4-fs (ubdb): mounted filesystem with ordered data mode.'
lockdep_on=' chain lookup misses:                   1234
 debug_locks:                             1'
lockdep_off=' chain lookup misses:                   1234
 debug_locks:                             0'

# The known warning, as 6.12's __warn() prints it (seen in the UML guest):
# the WARNING line, then the message of WARN().
known_warning='[    0.110000] Checking host MADV_REMOVE support...OK
[    0.110000] ------------[ cut here ]------------
[    0.110000] WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:1005 0x60006c04
[    0.110000] No virtio device ID configured for PCI - no PCI support
[    0.110000] CPU: 0 UID: 0 PID: 1 Comm: swapper Not tainted 6.12.118 #2
[    0.110000] Stack:
[    0.110000] ---[ end trace 0000000000000000 ]---'

# A line of each kind of report the check must catch.
reports=(
	"BUG: KASAN: slab-use-after-free in tmem_put+0x1c/0x80"
	"BUG: KFENCE: out-of-bounds read in utmem_get+0x2a/0x90"
	"UBSAN: shift-out-of-bounds in drivers/utmem/sim.c:123:17"
	"WARNING: CPU: 0 PID: 42 at drivers/utmem/core.c:77 tmem_flush+0x1/0x2"
	"WARNING: possible circular locking dependency detected"
	"WARNING: possible recursive locking detected"
	"WARNING: inconsistent lock state"
	"WARNING: possible irq lock inversion dependency detected"
	"WARNING: suspicious RCU usage"
	"BUG: sleeping function called from invalid context at mm/slab.c:1"
	"INFO: task swap_stress:77 blocked for more than 120 seconds."
	"Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP KASAN"
	"general protection fault: 0000 [#1]"
	"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009"
	"kernel BUG at mm/swapfile.c:1234!"
	"BUG: unable to handle page fault for address: 0000000000001000"
	"debugfs: File 'objects' in directory 'pool0' already present!"
	# lockdep's other header, without its "possible": still a report
	"WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected (lock inversion)"
)

run() {	# LOG TAINTED LOCKDEP ARGS...: the helper's status; output in $work/out
	printf '%s\n' "$1" > "$KERNEL_REPORTS_DMESG"
	echo "$2" > "$KERNEL_REPORTS_TAINTED"
	printf '%s\n' "$3" > "$KERNEL_REPORTS_LOCKDEP"
	shift 3
	(
		# shellcheck source=scripts/guest/kernel-reports.sh
		. "$helper"
		kernel_reports_check "$@"
	) > "$work"/out 2>&1
}

expect() {	# WANT-STATUS DESCRIPTION LOG TAINTED LOCKDEP ARGS...
	local want=$1 what=$2 status
	shift 2
	run "$@"
	status=$?
	if [ "$status" = "$want" ]; then
		passed=$((passed + 1))
		return 0
	fi
	echo "FAIL: $what: status $status, wanted $want"
	sed 's/^/    /' "$work"/out
	failures=$((failures + 1))
	return 1
}

shows() {	# DESCRIPTION FIXED-STRING: the last run printed it
	if grep -qF -- "$2" "$work"/out; then
		passed=$((passed + 1))
	else
		echo "FAIL: $1: no '$2' in the output"
		sed 's/^/    /' "$work"/out
		failures=$((failures + 1))
	fi
}

expect 0 "a clean log, no taint" "$clean" 0 "$lockdep_on" &&
	shows "a clean log" "kernel-reports: none"
expect 0 "a clean log, no lockdep" "$clean" 0 ""

for r in "${reports[@]}"; do
	log="$clean
[    5.000000] $r
$(tail -1 <<< "$clean")"
	expect 1 "report: $r" "$log" 0 "$lockdep_on" && shows "report printed" "$r"
	# as /dev/kmsg gives it, without the time stamp
	expect 1 "report without a time stamp: $r" "$r" 0 "$lockdep_on"
done

expect 1 "lockdep turned itself off" "$clean" 0 "$lockdep_off" &&
	shows "lockdep off" "debug_locks 0"

# Every taint bit, by its letter: refused unless allowed, and allowed
# with a reason.
letters=PFSRMBUDAWCIOELKXTN
for ((bit = 0; bit < ${#letters}; bit++)); do
	l=${letters:bit:1}
	expect 1 "taint $l (bit $bit) not allowed" "$clean" $((1 << bit)) "$lockdep_on" &&
		shows "taint $l decoded" "$l (bit $bit:" &&
		shows "taint $l refused" "NOT ALLOWED"
	expect 0 "taint $l (bit $bit) allowed" "$clean" $((1 << bit)) "$lockdep_on" \
		"$l=a reason given by the test" &&
		shows "taint $l reason" "allowed, a reason given by the test"
done
expect 1 "a taint bit past the known ones" "$clean" $((1 << 20)) "$lockdep_on" &&
	shows "unknown bit" "bit 20 (no letter known)"
expect 1 "N allowed, W not" "$clean" $(((1 << 18) | (1 << 9))) "$lockdep_on" \
	"N=KUnit ran at boot"
expect 0 "N and W both allowed" "$clean" $(((1 << 18) | (1 << 9))) "$lockdep_on" \
	"N=KUnit ran at boot" "W=a test"
expect 1 "a taint not numeric" "$clean" "x" "$lockdep_on"

# Bad allow-lists.
expect 2 "an allowance without a reason" "$clean" 0 "$lockdep_on" "N="
expect 2 "an allowance without '='" "$clean" 0 "$lockdep_on" "N"
expect 2 "an allowance of no taint letter" "$clean" 0 "$lockdep_on" "Q=why"
expect 2 "an allowance of two letters" "$clean" 0 "$lockdep_on" "NW=why"

# The known UML boot warning: excepted, and it explains W; nothing else
# is.
expect 0 "the known UML boot warning, taint W" "$clean
$known_warning" 512 "$lockdep_on" &&
	shows "known warning named" "known UML boot warning" &&
	shows "W explained" "allowed, the known UML boot warning"
expect 0 "the known UML boot warning, its caller named" "$clean
[    0.110000] WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:1005 um_pci_init+0x4a/0x3c0
[    0.110000] No virtio device ID configured for PCI - no PCI support" 512 "$lockdep_on"
expect 0 "the known UML boot warning, as /dev/kmsg gives it" \
	"$(sed 's/^\[[ 0-9.]*\] //' <<< "$known_warning")" 512 "$lockdep_on"
expect 1 "the known warning and another" "$clean
$known_warning
[    9.000000] WARNING: CPU: 0 PID: 99 at drivers/utmem/dev.c:10 utmem_ioctl+0x1/0x2" \
	512 "$lockdep_on" && shows "other warning printed" "drivers/utmem/dev.c:10"
expect 1 "taint W without the known warning" "$clean" 512 "$lockdep_on"
expect 1 "the known warning does not explain D" "$clean
$known_warning" $(((1 << 9) | (1 << 7))) "$lockdep_on"
expect 1 "another WARN of um_pci_init (a WARN_ON, no message)" "$clean
[    0.300000] WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:997 um_pci_init+0x20/0x3c0
[    0.300000] Modules linked in:" 512 "$lockdep_on"
expect 1 "the virt-pci warning with another message" "$clean
[    0.300000] WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:1005 um_pci_init+0x4a/0x3c0
[    0.300000] No virtio device ID configured for PCI - no PCI support at all" \
	512 "$lockdep_on"
expect 1 "the known message after another warning" "$clean
[    0.300000] WARNING: CPU: 0 PID: 1 at drivers/utmem/core.c:1 utmem_init+0x4a/0x3c0
[    0.300000] No virtio device ID configured for PCI - no PCI support" \
	512 "$lockdep_on"

echo "test-kernel-reports: $passed checks passed, $failures failed"
[ "$failures" = 0 ]
