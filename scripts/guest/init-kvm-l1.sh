#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of L1 in the host-kvm end-to-end (make e2e-kvm): an x86_64 guest
# under QEMU TCG with nested SVM, booted from the host package's kernel
# (UTMEM_HOST_RELEASE), a KVM host that is only a host: no guest backend
# bound (the package's default), KVM loaded as modules from the package
# (unpacked at UTMEM_MODROOT), utmemctl from utmem-tools (UTMEM_TOOLS),
# and utmem's host side registered at boot with VMs not served yet.  It
# boots L2, the guest package's kernel (UTMEM_L2_KERNEL), under its KVM,
# each QEMU in a cgroup of its own:
# 1. with kvm_host_enabled off: L2 must refuse to bind, and say why;
# 2. switched on, with a rule in vm_rules for cgroup vm-a only, L2 in
#    vm-a (memory.max set) runs its tests over real hypercalls
#    (init-kvm-l2.sh); midway through its swap stress L1 lowers its cap,
#    and L2 must write pages back (asked and returned counters, 0
#    mismatches);
# 3. while L2 holds pages: its stored bytes are in vm-a's memory.current;
#    a second VM, in vm-b, which no rule covers, is refused;
# 4. L1 resets L2 (a reboot of its kernel): the old pools must go;
# 5. L1 kills L2: everything it held must go with the VM;
# 6. another L2 is saved, restored and migrated with its pools, and
#    restored without them (kvm-l1-move.sh).
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

kernel=${UTMEM_L2_KERNEL:?no UTMEM_L2_KERNEL on the kernel command line}
bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
tools=${UTMEM_TOOLS:?no UTMEM_TOOLS on the kernel command line}
modroot=${UTMEM_MODROOT:?no UTMEM_MODROOT on the kernel command line}
kh=/sys/kernel/debug/utmem/kvm-host
switch=/sys/module/utmem/parameters/kvm_host_enabled
l2log=/tmp/l2.log
echo "utmem-l1: init after $(cut -d' ' -f1 /proc/uptime) s of boot"

echo "--- the packages: host kernel $(uname -r), utmemctl $("$tools"/utmemctl --version)"
[ "$(uname -r)" = "${UTMEM_HOST_RELEASE:?}" ] ||
	fail "L1 runs $(uname -r), not the host package's ${UTMEM_HOST_RELEASE}"
"$tools"/utmemctl --version | grep -qF "utmemctl ${UTMEM_TOOLS_VERSION:?} (" ||
	fail "utmemctl says '$("$tools"/utmemctl --version)', its package ${UTMEM_TOOLS_VERSION}"

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
without=${UTMEM_MEMTOTAL_WITHOUT:?no UTMEM_MEMTOTAL_WITHOUT}
# The two boots cannot match to the page: the kernel's early copies of
# its command line (this one is longer) and KASLR's placement of the
# image move MemTotal by a page or two from boot to boot.  Anything set
# aside for VMs would be megabytes.
slack=64
[ "$memtotal" -le $((without + slack)) ] && [ "$memtotal" -ge $((without - slack)) ] ||
	fail "MemTotal $memtotal kB with the suite, $without kB without (more than $slack kB apart)"
echo "  MemTotal without utmem's init: $without kB: within $slack kB"
# A bad value is refused with a message, and changes nothing.
if echo maybe > $switch 2>/dev/null; then
	fail "kvm_host_enabled took 'maybe'"
fi
dmesg | grep -q "kvm_host_enabled: 'maybe' is not a boolean" ||
	fail "no message for a bad kvm_host_enabled"
[ "$(cat $switch)" = N ] || fail "a bad write changed kvm_host_enabled"

echo "--- KVM from the package's modules, after utmem registered"
[ -c /dev/kvm ] && fail "/dev/kvm before KVM's modules are loaded"
# (modprobe with the package's modules.dep, from where it is unpacked)
modprobe -d "$modroot" kvm_amd || fail "modprobe kvm_amd from the host package"
grep -E '^kvm' /proc/modules | cut -d' ' -f1 | sed 's/^/  module /'
grep -q '^kvm ' /proc/modules || fail "kvm is not a module here"
[ -c /dev/kvm ] || fail "no /dev/kvm in L1"
dmesg | grep -E 'kvm_amd|kvm-host|Nested' | sed 's/^/  /'

echo "--- cgroups: one per VM, memory accounted"
cg=/sys/fs/cgroup
mount -t cgroup2 none $cg || fail "mount cgroup2"
echo +memory > $cg/cgroup.subtree_control || fail "no memory controller"
mkdir $cg/vm-a $cg/vm-b
echo 1200M > $cg/vm-a/memory.max

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
		[ -z "${reset_sent:-}" ] && grep -q '^utmem-l2: REBOOTED' $l2log &&
			l1_fail "L2 rebooted on its own"
		grep -q '^utmem-guest: FAIL' $l2log &&
			l1_fail "L2: $(grep '^utmem-guest: FAIL' $l2log)"
		kill -0 "$l2" 2>/dev/null || grep -q "$1" $l2log ||
			l1_fail "L2 ended before '$1'"
		sleep 1
	done
	l1_fail "no '$1' from L2 in $2 s"
}

# start_l2 MODE CGROUP: boots L2 in the background in CGROUP, its pid in
# $l2, its console in $l2log, its QEMU monitor on /tmp/mon-CGROUP.in; MODE is
# "refused" (it must not bind) or "served" (whose reset reboots it).
# L2's root is L1's (the host's, over 9p), its swap a new sparse file here.
# Without XSAVE: the XSAVE area sizes KVM passes on from TCG's emulated
# CPU are inconsistent (CPUID leaf 0xD says 576 bytes where the enabled
# x87, SSE and AVX states' offsets make 832), so L2's kernel warned at
# boot (XSAVE consistency problem, taint W) and turned XSAVE off itself.
# FXSAVE serves L2 as well; nothing here needs AVX.
start_l2() {
	local reboot=-no-reboot
	[ "$1" = served ] && reboot=
	: > $l2log
	shown=
	rm -f /tmp/swap-"$2".img /tmp/mon-"$2".in /tmp/mon-"$2".out
	truncate -s 512M /tmp/swap-"$2".img
	mkfifo /tmp/mon-"$2".in /tmp/mon-"$2".out
	(echo "$BASHPID" > "$cg/$2/cgroup.procs" &&
	exec qemu-system-x86_64 -accel kvm -cpu host,-xsave -smp 1 -m 256M -nographic \
		$reboot -kernel "$kernel" -monitor pipe:/tmp/mon-"$2" \
		-drive file=/tmp/swap-"$2".img,if=virtio,format=raw,cache=unsafe \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-append "console=ttyS0 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,cache=loose ro init=$(dirname "$0")/init-kvm-l2.sh panic=-1 quiet zswap.enabled=0 UTMEM_BIN=$bin UTMEM_L2=$1 UTMEM_L2_RELEASE=$UTMEM_L2_RELEASE") \
		< /dev/null > $l2log 2>&1 &
	l2=$!
}

# The sysfs directory of the VM whose VMM is pid $1.
vm_dir() {
	local d
	for d in $ks/vms/*/; do
		[ "$(cat "$d"pid 2> /dev/null)" = "$1" ] && { echo "${d%/}"; return; }
	done
}

ks=/sys/kernel/utmem/kvm_host
echo "--- L2 while VMs are not served: it must refuse to bind, and say why"
start_l2 refused vm-a
wait_for '^utmem-l2: REFUSED' 600
kill "$l2"
wait "$l2" 2>/dev/null
show_l2
[ -z "$(cat $kh/vms)" ] || fail "a VM is left after L2 was stopped"
[ "$(cat $kh/hypercalls/not_enabled)" -ge 1 ] || fail "L2 did not probe, or was not refused"
for op in new_pool put get put_batch; do
	[ "$(cat $kh/hypercalls/$op)" = 0 ] || fail "a $op hypercall while L2 was refused"
done

echo "--- the operator enables VMs, and lets vm-a in"
"$tools"/utmemctl host enable || fail "utmemctl host enable"
[ "$(cat $switch)" = Y ] || fail "kvm_host_enabled did not stick"
dmesg | grep -q 'kvm-host: serving the VMs that vm_rules lets in' ||
	fail "no log line for the switch"
if echo "+vm-a cap=1M" > $ks/vm_rules 2> /dev/null; then
	fail "vm_rules took a relative path"
fi
dmesg | grep -q "vm_rules: '+vm-a cap=1M' refused: not an absolute cgroup path" ||
	fail "no message for a bad rule"
echo "+/vm-a weight=200" > $ks/vm_rules || fail "vm_rules: +/vm-a"
[ "$(cat $ks/vm_rules)" = "+/vm-a weight=200" ] ||
	fail "vm_rules reads '$(cat $ks/vm_rules)'"
start=$(date +%s.%N)
start_l2 served vm-a

# (after the firmware's escape codes, on the same line)
wait_for 'utmem-l2: init' 300
l2_boot=$(echo "$(date +%s.%N) - $start" | bc)
vm=$(vm_dir "$l2")
[ -n "$vm" ] || l1_fail "no sysfs directory for L2's VM"
echo "  L2's VM: $vm: pid $(cat "$vm"/pid) cgroup $(cat "$vm"/cgroup) enabled $(cat "$vm"/enabled) cap $(cat "$vm"/cap_bytes) weight $(cat "$vm"/weight)"
[ "$(cat "$vm"/cgroup)" = /vm-a ] || l1_fail "L2's cgroup reads $(cat "$vm"/cgroup)"
[ "$(cat "$vm"/enabled)" = 1 ] || l1_fail "L2's VM is not enabled"
[ "$(cat "$vm"/weight)" = 200 ] || l1_fail "L2's weight is not its rule's"
# Its fair share, alone: the whole capacity.
[ "$(cat "$vm"/cap_bytes)" = "$(cat $ks/capacity_bytes)" ] ||
	l1_fail "L2's cap $(cat "$vm"/cap_bytes), capacity $(cat $ks/capacity_bytes)"

echo "--- midway through L2's swap stress, the operator lowers its cap"
for ((i = 0; i < 1500; i++)); do
	[ "$(cat "$vm"/pages)" -ge 8000 ] && break
	grep -q '^utmem-l2: checks PASS' $l2log && l1_fail "L2's stress ended before it held 8000 pages"
	grep -q '^utmem-guest: FAIL' $l2log && l1_fail "L2: $(grep '^utmem-guest: FAIL' $l2log)"
	sleep 1
done
used=$(cat "$vm"/used_bytes)
echo "$((used / 2))" > "$vm"/cap_bytes || l1_fail "cap_bytes"
echo "  holding $(cat "$vm"/pages) pages, $used bytes: cap set to $(cat "$vm"/cap_bytes)"
[ "$(cat "$vm"/reclaim_asked)" -gt 0 ] || l1_fail "the lowered cap asked nothing back"
echo "  asked back: $(cat "$vm"/reclaim_asked) pages"
if echo 12Q > "$vm"/cap_bytes 2> /dev/null; then
	l1_fail "cap_bytes took 12Q"
fi
wait_for '^utmem-l2: checks PASS' 1500
asked=$(cat "$vm"/reclaim_asked)
returned=$(cat "$vm"/reclaim_returned)
written=$(sed -n 's/.*frontswap: .* written_back=\([0-9]*\).*/\1/p' $l2log)
echo "  asked=$asked returned=$returned wanted=$(cat "$vm"/reclaim_wanted) refused_owing=$(cat "$vm"/put_refused_owing); L2 wrote back ${written:-?} pages"
[ "$returned" -gt 0 ] || l1_fail "L2 returned nothing it was asked for"
[ "${written:-0}" -gt 0 ] || l1_fail "L2 wrote nothing back to its disk"
[ "$(cat "$vm"/used_bytes)" -le "$((used / 2))" ] ||
	l1_fail "L2 holds $(cat "$vm"/used_bytes) bytes over its cap $((used / 2))"
echo 0 > "$vm"/cap_bytes || l1_fail "cap_bytes 0"
[ "$(cat "$vm"/cap_bytes)" = "$(cat $ks/capacity_bytes)" ] ||
	l1_fail "cap_bytes 0 did not give L2 its fair share back"
wait_for '^utmem-l2: HOLDING' 600

echo "--- L2's stored bytes in its cgroup's memory"
charged=$(cat "$vm"/memcg_charged_bytes)
kmem=$(sed -n 's/^kernel \([0-9]*\)$/\1/p' $cg/vm-a/memory.stat)
echo "  used_bytes=$(cat "$vm"/used_bytes) memcg_charged_bytes=$charged vm-a: memory.current=$(cat $cg/vm-a/memory.current) kernel=$kmem memory.max=$(cat $cg/vm-a/memory.max)"
# memcg_charged_bytes is used_bytes once the VM has a cgroup: two reads
# of it differ by what the holding guest's kernel still does between
# them, so what is checked is that the cgroup holds them.
[ "$charged" -gt $((4 << 20)) ] || l1_fail "only $charged bytes charged"
[ "$kmem" -ge "$charged" ] || l1_fail "vm-a's kernel memory $kmem is below the $charged bytes charged"
[ "$(cat $cg/vm-a/memory.current)" -ge "$charged" ] || l1_fail "vm-a's memory.current is below what L2 stores"

echo "--- L1's host side while L2 holds pages in it"
"$tools"/utmemctl host | tee /tmp/host.txt | sed 's/^/  utmemctl host| /'
grep -q "^kvm_host_enabled  *on$" /tmp/host.txt || l1_fail "utmemctl host: not on"
grep -q "^vm client [0-9]* pid $l2 .* cgroup /vm-a enabled 1 " /tmp/host.txt ||
	l1_fail "utmemctl host: no line for L2"
grep -q "^rule +/vm-a weight=200$" /tmp/host.txt || l1_fail "utmemctl host: no rule line"
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
[ "$(cat $ks/vms_served)" = 1 ] || l1_fail "sysfs: $(cat $ks/vms_served) VMs served, not 1"
[ "$(cat $ks/pages)" -gt 1000 ] || l1_fail "sysfs: only $(cat $ks/pages) pages held"
[ "$(cat $ks/hypercalls_malformed)" = 0 ] || l1_fail "sysfs: malformed requests"
grep -q "^vms_served  *1$" /tmp/host.txt || l1_fail "utmemctl host: vms_served is not 1"
[ "$(cat "$vm"/pages)" = "$pages" ] || l1_fail "sysfs vms/: $(cat "$vm"/pages) pages, debugfs $pages"
[ "$(cat "$vm"/hypercalls)" -ge "$calls" ] || l1_fail "sysfs vms/: fewer hypercalls than debugfs"

echo "--- a second VM, in vm-b, which no rule covers"
l2a=$l2
l2alog=$l2log
l2log=/tmp/l2b.log
start_l2 refused vm-b
wait_for '^utmem-l2: REFUSED' 600
vmb=$(vm_dir "$l2")
[ -n "$vmb" ] || l1_fail "vm-b's VM is not in $ks/vms"
[ "$(cat "$vmb"/enabled)" = 0 ] || l1_fail "vm-b's VM is enabled"
kill "$l2"
wait "$l2" 2>/dev/null
show_l2
dmesg | grep -q "kvm-host: VM of pid $l2 (/vm-b) is client [0-9]*, not served: no rule in vm_rules covers its cgroup" ||
	fail "no log line for the VM refused"
l2=$l2a
l2log=$l2alog
shown=

echo "--- L2's kernel starts over: its old pools go"
pages=$(cat "$vm"/pages)
[ "$pages" -gt 1000 ] || l1_fail "L2 holds only $pages pages before its reset"
reset_sent=1
# (a FIFO: with no QEMU reading, the write would wait for ever)
timeout 20 sh -c 'echo system_reset > /tmp/mon-vm-a.in' ||
	l1_fail "L2's QEMU did not take system_reset"
wait_for '^utmem-l2: REBOOTED' 600
echo "  before: $pages pages; after: $(cat "$vm"/pages) pages, $(cat "$vm"/used_bytes) bytes, $(cat "$vm"/memcg_charged_bytes) charged, $(cat "$vm"/probes) probes"
[ "$(cat "$vm"/probes)" = 2 ] || l1_fail "$(cat "$vm"/probes) probes, not 2"
[ "$(cat "$vm"/pages)" = 0 ] || l1_fail "$(cat "$vm"/pages) pages of the old kernel left"
[ "$(cat "$vm"/used_bytes)" = 0 ] || l1_fail "$(cat "$vm"/used_bytes) bytes of the old kernel left"
[ "$(cat "$vm"/memcg_charged_bytes)" = 0 ] || l1_fail "the old kernel's bytes are still charged"
[ "$(cat $ks/pages)" = 0 ] || l1_fail "the host holds $(cat $ks/pages) pages"

echo "--- killing L2"
kill -9 "$l2"
wait "$l2" 2>/dev/null
show_l2
[ -z "$(cat $kh/vms)" ] || fail "a VM is still on the host side: $(cat $kh/vms)"
[ "$(cat $kh/pages)" = 0 ] || fail "$(cat $kh/pages) pages left after L2 died"
[ "$(cat $kh/used_bytes)" = 0 ] || fail "$(cat $kh/used_bytes) bytes left after L2 died"
[ -d $kh/clients/"$client" ] && fail "clients/$client outlived its VM"
[ -d "$vm" ] && fail "$vm outlived its VM"
[ "$(cat $ks/vms_served)" = 0 ] || fail "sysfs: VMs served after L2 died"
[ "$(cat $ks/pages)" = 0 ] || fail "sysfs: pages left after L2 died"
grep 'rtt_bench' $l2log | sed 's/^/  /'

. "$(dirname "$0")"/kvm-l1-move.sh

sysfs_check kvm_host kvm-host
dmesg | grep -E 'kvm-host: (VM of pid|pools)' | sed 's/^/  /'
echo "utmem-l1: L2 booted to init in $l2_boot s, whole run $(echo "$(date +%s.%N) - $start" | bc) s"
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
