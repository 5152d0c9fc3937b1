#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /init of the L2 that L1 saves, restores and migrates (make e2e-kvm; see
# init-kvm-l1.sh).  It boots from an initramfs L1 made (QEMU does not
# migrate a VM with a 9p mount), binds utmem's KVM backend, and keeps
# data in its host's pools: /dev/utmem values in a persistent pool, and a
# working set swapped out through frontswap, its stress in a memory
# cgroup smaller than the set so that only its pages swap (never this
# shell's).  Each round holds the set swapped out ("utmem-l2: HOLDING
# N") until L1 writes a line to the second serial port (ttyS1), after
# the VM has moved; then it checks every page and value:
# 1. after a save and restore to a file, and a live migration, both with
#    the pools: every page and value as it was ("utmem-l2: MOVED ...");
# 2. after a restore without the pools: the guest is told, frontswap's
#    pages fail to swap in (SIGBUS), /dev/utmem fails, and no page is
#    ever another's ("utmem-l2: LOST ...").
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev
mount -t tmpfs none /tmp
mount -t debugfs none /sys/kernel/debug
mount -t cgroup2 none /sys/fs/cgroup

fail() {
	echo "utmem-guest: FAIL $*"
	dmesg | tail -20
	sleep 3600
	exit 1
}

d=/sys/kernel/debug/utmem
echo "utmem-l2: init after $(cut -d' ' -f1 /proc/uptime) s of boot (initramfs)"
dmesg | grep -q 'utmem: bound backend kvm' || fail "utmem did not bind to kvm"
mkswap -q /dev/vda > /dev/null || fail "mkswap"
swapon /dev/vda || fail "swapon"
echo +memory > /sys/fs/cgroup/cgroup.subtree_control || fail "no memory controller"
mkdir /sys/fs/cgroup/stress
echo 48M > /sys/fs/cgroup/stress/memory.max || fail "memory.max"

# /dev/utmem values, in a private persistent pool that the batch process
# keeps open: 300 keys, values of 1..2000 bytes.
value() {
	local i=$1
	printf 'v%d-%0*d' "$i" $(((i * 37) % 2000 + 1)) "$((i * 7919))"
}
mkfifo /tmp/kv.in
# Appending: values_check empties the file while the batch writes on.
utmemctl batch < /tmp/kv.in >> /tmp/kv.out 2> /tmp/kv.err &
kv=$!
exec 3> /tmp/kv.in
for ((i = 1; i <= 300; i++)); do
	echo "put key$i $(value "$i")" >&3
done
echo sync >&3

# hold ROUND SEED: the stress, whose pages wait in frontswap while the
# VM moves, until L1 writes a line to ttyS1.  Its exit status.
hold() {
	(echo "$BASHPID" > /sys/fs/cgroup/stress/cgroup.procs &&
	 exec swap_stress -m 96 -o 30000 -s "$2" \
		-M "echo utmem-l2: HOLDING $1 held \$(cat $d/frontswap/pages_held); read -r go < /dev/ttyS1")
}

# values_check: every value as put; the batch answers in order.
values_check() {
	local i out
	: > /tmp/kv.out
	for ((i = 1; i <= 300; i++)); do
		echo "get key$i" >&3
	done
	echo stats >&3
	for ((i = 0; i < 600; i++)); do
		grep -q '^puts ' /tmp/kv.out && break
		kill -0 $kv 2> /dev/null || break
		sleep 1
	done
	for ((i = 1; i <= 300; i++)); do
		out=$(sed -n "${i}p" /tmp/kv.out)
		[ "$out" = "$(value "$i")" ] || return 1
	done
}

hold 1 11
status=$?
[ "$status" = 0 ] || fail "swap_stress after the moves: exit $status"
values_check || fail "/dev/utmem values after the moves: $(head -c 300 /tmp/kv.err)"
echo "utmem-l2: MOVED all pages and 300 values verified; frontswap loads=$(cat $d/frontswap/loads) load_failed=$(cat $d/frontswap/load_failed)"

hold 2 22
status=$?
# 135: killed by SIGBUS, what a process gets for a page its kernel
# cannot swap in.  1 would be a page with another's data.
[ "$status" = 135 ] || fail "swap_stress without its pools: exit $status, not SIGBUS"
dmesg | grep -q "the host does not have this VM's pools" ||
	fail "the guest did not say its pools were lost"
echo "get key1" >&3
exec 3>&-
wait $kv
kvstatus=$?
grep -q 'get key1: ' /tmp/kv.err || fail "/dev/utmem GET did not fail: $(cat /tmp/kv.err)"
[ "$kvstatus" = 3 ] || fail "utmemctl batch: exit $kvstatus"
echo "utmem-l2: LOST swap_stress killed by SIGBUS; /dev/utmem: $(tail -1 /tmp/kv.err); frontswap load_failed=$(cat $d/frontswap/load_failed); lost answers $(cat $d/kvm/lost_answers)"
sleep 3600
