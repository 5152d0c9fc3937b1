#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of L1 in the host-kvm end-to-end (scripts/run-kvm-e2e.sh): an
# x86_64 guest under QEMU TCG with nested SVM, a KVM host that is only a
# host: utmem.backend=none, KVM loaded as modules (from UTMEM_KBUILD), and
# utmem's host side registered at boot with VMs not served yet.  It boots
# L2, the same kernel (UTMEM_KERNEL), twice under its KVM: first with
# kvm_host_enabled off, where L2 must refuse to bind and say why; then,
# with the switch on, L2's init (init-kvm-l2.sh) runs the tests over real
# hypercalls.  L1 then checks that its host side served them (hypercalls
# and pages of L2's client), kills L2 while L2 holds pages in it, and
# checks that the pools went with the VM.
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

kernel=${UTMEM_KERNEL:?no UTMEM_KERNEL on the kernel command line}
bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
kbuild=${UTMEM_KBUILD:?no UTMEM_KBUILD on the kernel command line}
kh=/sys/kernel/debug/utmem/kvm-host
switch=/sys/module/utmem/parameters/kvm_host_enabled
l2log=/tmp/l2.log
echo "utmem-l1: init after $(cut -d' ' -f1 /proc/uptime) s of boot"

echo "--- a host only: no guest side, nothing set aside, VMs not served yet"
dmesg | grep -q 'utmem: no guest side (utmem.backend=none)' ||
	fail "utmem bound a guest backend on the host"
[ -e /sys/kernel/debug/utmem/sim ] && fail "the simulator is bound on the host"
[ -d $kh ] || fail "no $kh: the host side did not start"
[ "$(cat $switch)" = N ] || fail "VMs are served before the operator said so"
[ "$(cat $kh/pages)" = 0 ] && [ "$(cat $kh/used_bytes)" = 0 ] ||
	fail "the host side holds memory before any VM"
grep -E 'MemTotal|MemFree' /proc/meminfo | sed 's/^/  /'
memtotal=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
[ "$memtotal" = "${UTMEM_MEMTOTAL_WITHOUT:?no UTMEM_MEMTOTAL_WITHOUT}" ] ||
	fail "MemTotal $memtotal kB with the suite, $UTMEM_MEMTOTAL_WITHOUT kB without"
echo "  MemTotal without utmem's init: $UTMEM_MEMTOTAL_WITHOUT kB: the same"
# A bad value is refused with a message, and changes nothing.
if echo maybe > $switch 2>/dev/null; then
	fail "kvm_host_enabled took 'maybe'"
fi
dmesg | grep -q "kvm_host_enabled: 'maybe' is not a boolean" ||
	fail "no message for a bad kvm_host_enabled"
[ "$(cat $switch)" = N ] || fail "a bad write changed kvm_host_enabled"

echo "--- KVM from its modules, after utmem registered"
[ -c /dev/kvm ] && fail "/dev/kvm before KVM's modules are loaded"
for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
	[ -f "$kbuild/$m" ] || continue
	insmod "$kbuild/$m" || fail "insmod $m"
done
grep -E '^kvm' /proc/modules | cut -d' ' -f1 | sed 's/^/  module /'
grep -q '^kvm ' /proc/modules || fail "kvm is not a module here"
[ -c /dev/kvm ] || fail "no /dev/kvm in L1"
dmesg | grep -E 'kvm_amd|kvm-host|Nested' | sed 's/^/  /'

# L2's console, once, before L1's verdict.
show_l2() {
	[ -n "${shown:-}" ] && return
	shown=1
	echo "--- L2's console"
	sed 's/^/  L2| /' $l2log
	echo "--- end of L2's console"
}
l1_fail() {
	show_l2
	fail "$@"
}

# wait_for PATTERN SECONDS: until L2's console shows PATTERN.
wait_for() {
	local i
	for ((i = 0; i < $2; i++)); do
		grep -q "$1" $l2log && return 0
		grep -q '^utmem-guest: FAIL' $l2log &&
			l1_fail "L2: $(grep '^utmem-guest: FAIL' $l2log)"
		kill -0 "$l2" 2>/dev/null || l1_fail "L2 ended before '$1'"
		sleep 1
	done
	l1_fail "no '$1' from L2 in $2 s"
}

# start_l2 MODE: boots L2 in the background, its pid in $l2; MODE is
# "refused" (it must not bind) or "served".
# L2's root is L1's (the host's, over 9p), its swap a sparse file here.
# Without XSAVE: the XSAVE area sizes KVM passes on from TCG's emulated
# CPU are inconsistent (CPUID leaf 0xD says 576 bytes where the enabled
# x87, SSE and AVX states' offsets make 832), so L2's kernel warned at
# boot (XSAVE consistency problem, taint W) and turned XSAVE off itself.
# FXSAVE serves L2 as well; nothing here needs AVX.
truncate -s 512M /tmp/l2-swap.img
start_l2() {
	: > $l2log
	shown=
	qemu-system-x86_64 -accel kvm -cpu host,-xsave -smp 1 -m 256M -nographic \
		-no-reboot -kernel "$kernel" \
		-drive file=/tmp/l2-swap.img,if=virtio,format=raw,cache=unsafe \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-append "console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose ro init=$(dirname "$0")/init-kvm-l2.sh panic=-1 quiet zswap.enabled=0 UTMEM_BIN=$bin UTMEM_L2=$1" \
		< /dev/null > $l2log 2>&1 &
	l2=$!
}

echo "--- L2 while VMs are not served: it must refuse to bind, and say why"
start_l2 refused
wait_for '^utmem-l2: REFUSED' 600
wait "$l2" 2>/dev/null
show_l2
[ -z "$(cat $kh/vms)" ] || fail "a VM got a client while VMs are not served"
[ "$(cat $kh/hypercalls/not_enabled)" -ge 1 ] || fail "L2 did not probe, or was not refused"
for op in new_pool put get put_batch; do
	[ "$(cat $kh/hypercalls/$op)" = 0 ] || fail "a $op hypercall while L2 was refused"
done

echo "--- the operator enables VMs"
"$bin"/utmemctl host enable || fail "utmemctl host enable"
[ "$(cat $switch)" = Y ] || fail "kvm_host_enabled did not stick"
dmesg | grep -q 'kvm-host: serving VMs' || fail "no log line for the switch"
start=$(date +%s.%N)
start_l2 served

# (after the firmware's escape codes, on the same line)
wait_for 'utmem-l2: init' 300
l2_boot=$(echo "$(date +%s.%N) - $start" | bc)
wait_for '^utmem-l2: checks PASS' 1500
wait_for '^utmem-l2: HOLDING' 600

echo "--- L1's host side while L2 holds pages in it"
"$bin"/utmemctl host | tee /tmp/host.txt | sed 's/^/  utmemctl host| /'
grep -q "^kvm_host_enabled  *on$" /tmp/host.txt || l1_fail "utmemctl host: not on"
grep -q "^vm client [0-9]* pid $l2 " /tmp/host.txt || l1_fail "utmemctl host: no line for L2"
cat $kh/vms
for f in $kh/hypercalls/*; do
	echo "  hypercalls/$(basename "$f"): $(cat "$f")"
done
echo "  host: pages=$(cat $kh/pages) used_bytes=$(cat $kh/used_bytes) raw_bytes=$(cat $kh/raw_bytes)"
# (no process substitution: this /dev has no fd/)
read -r _ client _ pid _ calls _ pages <<< "$(head -1 $kh/vms)"
[ "$(wc -l < $kh/vms)" = 1 ] || l1_fail "not one VM on the host side"
[ "$pid" = "$l2" ] || l1_fail "the client is pid $pid's, L2 is $l2"
[ "$calls" -gt 1000 ] || l1_fail "only $calls hypercalls from L2"
[ "$pages" -gt 1000 ] || l1_fail "L2 holds only $pages pages here"
[ "$(cat $kh/clients/"$client"/pages)" = "$pages" ] ||
	l1_fail "clients/$client disagrees with vms"
for op in probe new_pool put get put_batch; do
	[ "$(cat $kh/hypercalls/$op)" -gt 0 ] || l1_fail "no $op hypercall"
done
[ "$(cat $kh/hypercalls/malformed)" = 0 ] || l1_fail "L2 sent malformed requests"
ks=/sys/kernel/utmem/kvm_host
[ "$(cat $ks/vms_served)" = 1 ] || l1_fail "sysfs: $(cat $ks/vms_served) VMs served, not 1"
[ "$(cat $ks/pages)" -gt 1000 ] || l1_fail "sysfs: only $(cat $ks/pages) pages held"
[ "$(cat $ks/hypercalls_malformed)" = 0 ] || l1_fail "sysfs: malformed requests"
grep -q "^vms_served  *1$" /tmp/host.txt || l1_fail "utmemctl host: vms_served is not 1"

echo "--- killing L2"
kill -9 "$l2"
wait "$l2" 2>/dev/null
show_l2
[ -z "$(cat $kh/vms)" ] || fail "a VM is still on the host side: $(cat $kh/vms)"
[ "$(cat $kh/pages)" = 0 ] || fail "$(cat $kh/pages) pages left after L2 died"
[ "$(cat $kh/used_bytes)" = 0 ] || fail "$(cat $kh/used_bytes) bytes left after L2 died"
[ -d $kh/clients/"$client" ] && fail "clients/$client outlived its VM"
[ "$(cat $ks/vms_served)" = 0 ] || fail "sysfs: VMs served after L2 died"
[ "$(cat $ks/pages)" = 0 ] || fail "sysfs: pages left after L2 died"
sysfs_check kvm_host kvm-host
dmesg | grep 'kvm-host: VM of pid' | sed 's/^/  /'
echo "utmem-l1: L2 booted to init in $l2_boot s, whole run $(echo "$(date +%s.%N) - $start" | bc) s"
grep 'rtt_bench' $l2log | sed 's/^/  /'
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
