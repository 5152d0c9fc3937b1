#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of L2 in the host-kvm end-to-end: a KVM guest of L1, whose utmem
# binds the kvm backend by default (KVM_GUEST), so every tmem call below
# is a real hypercall served by L1.  With UTMEM_L2=refused, L1 does not
# serve this VM: L2 checks that it did not bind and said why, says
# "utmem-l2: REFUSED" and waits for L1 to stop it.  Otherwise it runs the
# /dev/utmem suite, the hypercall round-trip benchmark and the frontswap
# checksum stress (during which L1 lowers
# this VM's cap, so that L2 writes pages back), says "utmem-l2: checks
# PASS", then swaps a working set out to L1 and says "utmem-l2: HOLDING"
# while it keeps it there.  L1 then resets it: the same kernel boots
# again, finds its swap device already made, checks that it bound anew,
# and says "utmem-l2: REBOOTED".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
d=/sys/kernel/debug/utmem
fs=$d/frontswap
echo "utmem-l2: init after $(cut -d' ' -f1 /proc/uptime) s of boot"
if [ "${UTMEM_L2:-}" = refused ]; then
	dmesg | grep 'utmem' | grep -v selftest
	dmesg | grep -q 'utmem: bound backend' && fail "bound while the host serves no VMs"
	dmesg | grep -q 'the host does not serve this VM: its operator has not enabled utmem for this VM' ||
		fail "no message saying why utmem did not bind"
	[ -c /dev/utmem ] && fail "/dev/utmem without a backend"
	kernel_reports_check || fail "kernel reports"
	echo "utmem-l2: REFUSED"
	# L1 stops this VM once it has seen it on the host side: powering
	# off here could end the VM before L1 looked.
	sleep 3600
	fail "L1 did not stop L2"
fi
dmesg | grep -iE 'Hypervisor detected|utmem|x86/fpu|xstate|xsave' | grep -v selftest
[ "$(uname -r)" = "${UTMEM_L2_RELEASE:?}" ] ||
	fail "L2 runs $(uname -r), not the guest package's $UTMEM_L2_RELEASE"
dmesg | grep -q 'utmem: bound backend kvm' || fail "utmem did not bind to kvm"
dmesg | grep -q 'utmem: kvm: bound with ABI version 3' || fail "not ABI version 3"
[ -c /dev/utmem ] || fail "no /dev/utmem"
if [ "$(dd if=/dev/vda bs=4096 count=1 2> /dev/null | tail -c 10)" = SWAPSPACE2 ]; then
	# The swap device made in the first boot: this is the reset one.
	kernel_reports_check || fail "kernel reports"
	echo "utmem-l2: REBOOTED"
	sleep 3600
	fail "L1 did not stop L2 after its reset"
fi

echo "--- the /dev/utmem suite over hypercalls"
"$bin"/utmem_dev_test || fail "utmem_dev_test"

# The guest package leaves the benchmarks out (CONFIG_UTMEM_BENCH).
if [ -e $d/kvm/rtt_bench ]; then
	echo "--- hypercall round trip, 4 KiB"
	dmesg -C
	echo 2000 > $d/kvm/rtt_bench || fail "rtt_bench"
	dmesg | grep rtt_bench
fi

echo "--- frontswap checksum stress over hypercalls (L1 lowers this VM's cap midway)"
mkswap -q /dev/vda > /dev/null || fail "mkswap"
swapon /dev/vda || fail "swapon"
stores=$(cat $fs/stores)
loads=$(cat $fs/loads)
"$bin"/swap_stress -m 320 || fail "swap_stress: pages did not verify"
[ "$(cat $fs/stores)" -gt "$((stores + 10000))" ] || fail "few frontswap stores"
[ "$(cat $fs/loads)" -gt "$((loads + 10000))" ] || fail "few frontswap loads"
echo "  frontswap: stores=$(($(cat $fs/stores) - stores)) loads=$(($(cat $fs/loads) - loads)) store_refused=$(cat $fs/store_refused) written_back=$(cat $fs/written_back)"
echo "  the host's wanted level changed $(cat $d/kvm/host_wanted_changes) times"
kernel_reports_check || fail "kernel reports"
echo "utmem-l2: checks PASS"

"$bin"/swap_stress -m 320 -o 100000 -M "echo utmem-l2: HOLDING; sleep 3600"
fail "swap_stress came back while L1 was to kill it"
