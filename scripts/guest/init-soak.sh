#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the soak guest (scripts/run-soak.sh boots it, UML or x86_64):
# every user of tmem at once, for SOAK_SECONDS, while the simulated host
# misbehaves at random, then a teardown that must give everything back.
#
# Workloads, each in a loop until the deadline, each checking every byte
# it reads against a shadow of what it wrote:
#   swap      swap_stress over frontswap (working set 2x the memory);
#             every third run, 1.5x, swaps off with half its pages left
#   cc        cc_torture on an ext4 disk with cleancache, unmounted and
#             mounted again between runs (the pool goes and comes back)
#   client N  utmem_client: private and shared pools, persistent and
#             ephemeral, buffered PUTs; some runs end by _exit()
#   redis N   redis_soak through redis-server and the redis-utmem module
#   fuzz      utmem_dev_test's random ioctls, SOAK_FUZZ_OPS of them, once
# Host faults, one at a time from a generator seeded with SOAK_SEED:
# capacity changes, windows of PUT refusals, ephemeral drops and failed
# GETs (counted exactly through each attribute's "times"), exit latency,
# frontswap shrinks, host reclaim requests, compression and dedup
# switched, page-cache drops.  With tmem_kvm_kunit.fuzz_requests on the
# command line the hypercall-descriptor fuzzer ran as KUnit at boot; its
# verdict is checked here.
#
# Then: every pool's counters must balance (puts - flushes - evicted ==
# pages), the teardown must leave the host empty (redis shut down, swapoff
# with pages in tmem, unmount with pages in cleancache, clients gone),
# kmemleak (where built) must find nothing of utmem's, and the kernel
# must have reported nothing (kernel-reports.sh: KASAN, KFENCE, lockdep,
# BUG, WARNING, sleeping in atomic context, hung task...) nor be tainted
# but by the KUnit case it was asked to run.
#
# Disks: 0 for swap, 1 for cleancache's ext4.  Environment (kernel
# command line): UTMEM_BIN, SOAK_SECONDS (60), SOAK_SEED (1), SOAK_FUZZ_OPS (20000),
# SOAK_CLIENTS (3), SOAK_REDIS (2).
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
swapdev=$(disk 0)
ccdev=$(disk 1)
seconds=${SOAK_SECONDS:-60}
seed=${SOAK_SEED:-1}
fuzz_ops=${SOAK_FUZZ_OPS:-20000}
nclients=${SOAK_CLIENTS:-3}
nredis=${SOAK_REDIS:-2}
d=/sys/kernel/debug/utmem
sim=$d/sim
fs=$d/frontswap
out=/tmp/soak
mnt=$out/mnt
sock=/tmp/soak.sock
mkdir -p "$out" "$mnt"

for v in seconds seed fuzz_ops nclients nredis; do
	[[ ${!v} =~ ^[0-9]+$ ]] || fail "soak: $v wants a number, not '${!v}'"
done
grep -q '^sim$' "$d/backend" || fail "soak: the backend is not the simulator"

# Which kernel checkers are on: a soak without them proves less.
checkers=""
for c in kasan kfence lockdep kmemleak; do
	case $c in
	kasan) grep -q 'kasan' /proc/kallsyms 2>/dev/null && checkers+=" KASAN" ;;
	kfence) [ -d /sys/kernel/debug/kfence ] && checkers+=" KFENCE" ;;
	lockdep) [ -e /proc/lockdep ] && checkers+=" lockdep" ;;
	kmemleak) [ -e /sys/kernel/debug/kmemleak ] && checkers+=" kmemleak" ;;
	esac
done
echo "soak: $(nproc) CPU(s), ${seconds}s, seed $seed, checkers:${checkers:- none}"

# The hypercall-descriptor fuzzer, when it ran at boot.
kunit_fuzz=0
kunit_ran=0
if grep -q 'kunit.filter_glob=tmem_kvm_host.fuzz_test' /proc/cmdline; then
	kunit_ran=1
	dmesg | grep -qE '(^|\] )ok 1 tmem_kvm_host' ||
		{ dmesg | grep -A3 -i 'fuzz_test' | tail -20; fail "soak: the hypercall fuzzer failed"; }
	kunit_fuzz=$(dmesg | sed -n 's/.*fuzz: \([0-9]*\) requests.*/\1/p' | tail -1)
	echo "soak: hypercall fuzzer: ${kunit_fuzz:-?} requests at boot, state checked, ok"
fi

# --- set-up
mem_kib=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
swap_mib=$((mem_kib * 2 / 1024))
cap_max=$(cat "$sim"/capacity_bytes)
echo "soak: MemAvailable $((mem_kib / 1024)) MiB, swap working set $swap_mib MiB, host capacity $((cap_max >> 20)) MiB"
mkswap -q "$swapdev" > /dev/null || fail "mkswap"
swapon "$swapdev" || fail "swapon"
mkfs.ext4 -q -F -b 4096 "$ccdev" || fail "mkfs.ext4"
echo 1 > "$sim"/compress
echo 1 > "$sim"/dedup

# A 1 MiB budget: values move between Redis memory and the host all along.
redis_start soak --appendonly no --logfile "$out"/redis.log \
	--loadmodule "$bin"/redis-utmem.so ram_bytes 1048576

start=$(date +%s)
deadline=$((start + seconds))
running() { [ "$(date +%s)" -lt "$deadline" ] && [ ! -e "$out"/FAILED ]; }
# A workload's failure stops the others at their next iteration.
failed() { echo "$*" >> "$out"/FAILED; }

# --- workloads; each appends its summary lines to $out/<name>.sum
swap_loop() {
	local i=0 args
	while running; do
		i=$((i + 1))
		args=(-m "$swap_mib" -o $((swap_mib * 32)) -s $((seed * 1000 + i))
		      -p random -k mix)
		# Runs 1, 4, 7...: 1.5x the memory, then swapoff with the half
		# left still partly held.  (A swapoff that finds no room for
		# them fails, and is counted.)
		[ $((i % 3)) = 1 ] && args=(-m $((swap_mib * 3 / 4)) "${args[@]:2}"
			-d -E "cat $fs/pages_held >> $out/held_at_swapoff; swapoff $swapdev || echo >> $out/swapoff_failed; swapon $swapdev 2> /dev/null; true")
		"$bin"/swap_stress "${args[@]}" >> "$out"/swap.log 2>&1 ||
			{ failed "swap run $i"; break; }
		grep '^swap_stress: pages=' "$out"/swap.log | tail -1 >> "$out"/swap.sum
	done
}

cc_loop() {
	local i=0 direct
	while running; do
		i=$((i + 1))
		mount -t ext4 "$ccdev" "$mnt" || { failed "mount $i"; break; }
		direct=""
		[ $((RANDOM % 3)) = 0 ] && direct=-d
		"$bin"/cc_torture "$mnt" -w 2 -f 4 -p 256 -n 4000 \
			-s $((seed * 1000 + i)) $direct >> "$out"/cc.log 2>&1 ||
			{ failed "cc_torture run $i"; umount "$mnt"; break; }
		grep '^cc_torture: ops=' "$out"/cc.log | tail -1 >> "$out"/cc.sum
		umount "$mnt" || { failed "umount $i"; break; }
		# The file system's pool goes with it.
		compgen -G "$d/pools/cleancache.*" > /dev/null &&
			{ failed "a cleancache pool outlived its unmount"; break; }
	done
}

client_loop() {	# ID
	local i=0 x
	while running; do
		i=$((i + 1))
		x=""
		[ $((RANDOM % 4)) = 0 ] && x=-x
		"$bin"/utmem_client -i "$1" -s $((seed * 1000 + i)) -n 3000 \
			-k 256 $x >> "$out"/client.log 2>&1 ||
			{ failed "utmem_client $1 run $i"; break; }
		grep "^utmem_client: id=$1 " "$out"/client.log | tail -1 >> "$out"/client.sum
	done
}

redis_loop() {	# ID
	local i=0
	while running; do
		i=$((i + 1))
		"$bin"/redis_soak --socket "$sock" -i "$1" -s $((seed * 1000 + i)) \
			-n 3000 -k 512 >> "$out"/rsoak.log 2>&1 ||
			{ failed "redis_soak $1 run $i"; break; }
		grep "^redis_soak: id=$1 " "$out"/rsoak.log | tail -1 >> "$out"/redis.sum
	done
}

fuzz_once() {
	UTMEM_FUZZ_OPS=$fuzz_ops UTMEM_FUZZ_SEED=$seed "$bin"/utmem_dev_test \
		-t fuzz > "$out"/fuzz.log 2>&1 || failed "utmem_dev_test -t fuzz"
}

# --- the host's misbehaviour
declare -A faults
window() {	# ATTRIBUTE KIND: a window of injected failures, counted
	local a=$sim/$1 percent=(1 5 20 50)
	echo 1 > "$a"/interval
	echo 10000 > "$a"/times
	echo "${percent[RANDOM % 4]}" > "$a"/probability
	sleep "0.$((RANDOM % 9 + 1))"
	echo 0 > "$a"/probability
	faults[$2]=$((faults[$2] + 10000 - $(cat "$a"/times)))
}

counted() { faults[$1]=$((faults[$1] + 1)); }

inject() {
	local n ns=(0 1000 20000 200000)
	while running; do
		sleep "0.$((RANDOM % 5 + 1))"
		case $((RANDOM % 11)) in
		0)	n=$(((cap_max >> 20) / 8 + RANDOM % ((cap_max >> 20) * 7 / 8)))
			echo $((n << 20)) > "$sim"/capacity_bytes ||
				{ failed "capacity $n MiB"; break; }
			counted capacity_changes ;;
		1|8)	window fail_put put_refusals ;;
		2)	window drop_ephemeral ephemeral_drops ;;
		3|9)	window fail_get failed_gets ;;
		4)	echo "${ns[RANDOM % 4]}" > "$sim"/exit_ns
			counted latency_changes ;;
		5)	echo $((RANDOM % 4096 + 1)) > "$fs"/shrink
			counted frontswap_shrinks ;;
		6)	echo $((RANDOM % 4096 + 1)) > "$sim"/reclaim_pages
			counted host_reclaims ;;
		7)	echo $((RANDOM % 2)) > "$sim"/compress
			echo $((RANDOM % 2)) > "$sim"/dedup
			counted compress_dedup_switches ;;
		*)	echo 1 > /proc/sys/vm/drop_caches
			counted page_cache_drops ;;
		esac
	done
	for n in "${!faults[@]}"; do
		echo "$n ${faults[$n]}"
	done > "$out"/faults
}

RANDOM=$seed
pids=()
swap_loop & pids+=($!)
cc_loop & pids+=($!)
for i in $(seq "$nclients"); do client_loop "$i" & pids+=($!); done
for i in $(seq "$nredis"); do redis_loop "$i" & pids+=($!); done
inject & inj=$!
# The ioctl fuzzer joins once the others are going (a million ioctls take
# about 15 minutes beside them in UML), and may outlast them.
sleep $((seconds / 10))
fuzz_once & pids+=($!)
while running; do
	sleep 10
	echo "soak: $(($(date +%s) - start))s: host pages $(cat "$sim"/pages), frontswap held $(cat "$fs"/pages_held), capacity $(($(cat "$sim"/capacity_bytes) >> 20)) MiB"
done
wait "$inj" "${pids[@]}"
echo "soak: workloads stopped after $(($(date +%s) - start))s"
if [ -e "$out"/FAILED ]; then
	grep -hE 'value lost|wrong value|a value where|MISMATCH|wrong content|mismatches=[1-9]' "$out"/*.log | head -40
	for f in "$out"/*.log; do
		echo "--- ${f##*/}"
		tail -n 25 "$f"
	done
	fail "soak: $(head -1 "$out"/FAILED)"
fi

# The host behaves again.
for a in fail_put drop_ephemeral fail_get; do
	echo 0 > "$sim/$a"/probability
done
echo 0 > "$sim"/exit_ns
echo "$cap_max" > "$sim"/capacity_bytes

# --- what was done, and verified
lines() { if [ -e "$1" ]; then wc -l < "$1"; else echo 0; fi; }
sum() {	# FILE FIELD: the sum of FIELD=N over FILE's lines
	[ -e "$1" ] || { echo 0; return; }
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | awk '{ s += $1 } END { printf "%d\n", s }'
}
swap_bytes=$(($(sum "$out"/swap.sum checked) * 4096))
cc_bytes=$(($(sum "$out"/cc.sum reads_verified) * 4096))
client_bytes=$(sum "$out"/client.sum bytes_verified)
redis_bytes=$(sum "$out"/redis.sum bytes_verified)
mismatches=$(($(sum "$out"/swap.sum mismatches) + $(sum "$out"/cc.sum mismatches) +
	      $(sum "$out"/client.sum mismatches) + $(sum "$out"/client.sum lost) +
	      $(sum "$out"/redis.sum mismatches)))
fuzz_done=$(sed -n 's/.*:\([0-9]*\) random ioctls.*/\1/p' "$out"/fuzz.log)
[ "${fuzz_done:-0}" = "$fuzz_ops" ] || fail "soak: the ioctl fuzzer ran ${fuzz_done:-no} ioctls, not $fuzz_ops"
echo "soak: runs: swap $(lines "$out"/swap.sum), cleancache $(lines "$out"/cc.sum), clients $(lines "$out"/client.sum), redis $(lines "$out"/redis.sum)"
echo "soak: bytes verified: swap $swap_bytes, cleancache $cc_bytes, clients $client_bytes, redis $redis_bytes, total $((swap_bytes + cc_bytes + client_bytes + redis_bytes))"
echo "soak: client PUTs refused $(sum "$out"/client.sum refused), values dropped by the host $(sum "$out"/client.sum dropped)"
echo "soak: faults injected: $(sort "$out"/faults | tr '\n' ' ')"
fuzz_secs=$(sed -n 's/.* in \([0-9.]*\) s, .*/\1/p' "$out"/fuzz.log)
echo "soak: fuzzed: $fuzz_done ioctls (in ${fuzz_secs:-?} s), ${kunit_fuzz:-0} hypercall descriptors"
echo "soak: host: $(for c in "$sim"/counters/*; do printf '%s=%s ' "${c##*/}" "$(cat "$c")"; done)"
[ "$mismatches" = 0 ] || fail "soak: $mismatches mismatches"
held=$(awk 'm < $1 { m = $1 } END { print m + 0 }' "$out"/held_at_swapoff 2> /dev/null)
echo "soak: swapoffs during the runs: $(lines "$out"/held_at_swapoff), up to $held pages in tmem, $(lines "$out"/swapoff_failed) without room"
[ "${held:-0}" -gt 0 ] || fail "soak: no swapoff with pages in tmem"

# --- counters: per pool, puts - flushes - evicted == pages
balance() {	# POOL-DIR: "puts flushes evicted pages", read twice alike
	local p=$1 a b
	for _ in 1 2 3; do
		a="$(cat "$p"/host_puts "$p"/host_flushes "$p"/host_evicted "$p"/host_pages | tr '\n' ' ')"
		b="$(cat "$p"/host_puts "$p"/host_flushes "$p"/host_evicted "$p"/host_pages | tr '\n' ' ')"
		[ "$a" = "$b" ] && break
	done
	echo "$a"
}
npools=0
for p in "$d"/pools/*/; do
	[ -d "$p" ] || continue
	read -r puts flushes evicted pages <<< "$(balance "$p")"
	name=$(basename "$p")
	echo "soak: pool $name: puts $puts - flushes $flushes - evicted $evicted = $((puts - flushes - evicted)), holds $pages"
	[ $((puts - flushes - evicted)) = "$pages" ] || fail "soak: pool $name does not balance"
	npools=$((npools + 1))
done
[ "$npools" -gt 0 ] || fail "soak: no pool to reconcile"

# --- teardown: everything goes back
redis_stop soak
pgrep -x redis-server > /dev/null && fail "soak: redis-server did not stop"

# swapoff with pages in tmem: a working set that swaps, half of it
# unmapped, then swapoff with the rest still held by the host.
"$bin"/swap_stress -m $((swap_mib * 3 / 4)) -o 0 -s "$seed" -d \
	-E "cat $fs/pages_held > $out/held_at_last_swapoff; swapoff $swapdev" \
	>> "$out"/swap.log 2>&1 || fail "soak: the last swapoff run"
echo "soak: swapoff with $(cat "$out"/held_at_last_swapoff) pages in tmem"
[ "$(cat "$fs"/pages_held)" = 0 ] || fail "soak: frontswap holds pages after swapoff"
compgen -G "$d/pools/frontswap.*" > /dev/null && fail "soak: a frontswap pool outlived swapoff"

# unmount with pages in cleancache.
mount -t ext4 "$ccdev" "$mnt" || fail "mount"
dd if=/dev/urandom of="$mnt"/f bs=1M count=16 status=none
sync
echo 1 > /proc/sys/vm/drop_caches
cat "$mnt"/f > /dev/null
echo 1 > /proc/sys/vm/drop_caches
cc_pool=$(ls -d "$d"/pools/cleancache.* 2> /dev/null | head -1)
[ -n "$cc_pool" ] || fail "soak: no cleancache pool while mounted"
echo "soak: unmount with $(cat "$cc_pool"/host_pages) pages in cleancache"
umount "$mnt" || fail "umount"

sleep 1
left=$(ls "$d"/pools)
[ -z "$left" ] || fail "soak: pools left after the teardown: $left"
for f in pages used_bytes raw_bytes; do
	[ "$(cat "$sim/$f")" = 0 ] || fail "soak: the host still has $f $(cat "$sim/$f")"
done
echo "soak: teardown: no pool, host pages 0, used_bytes 0"

# --- leaks and kernel reports
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$out"/kmemleak
	echo "soak: kmemleak: $(grep -c '^unreferenced object' "$out"/kmemleak) unreferenced objects, $(grep -cE 'utmem|tmem_|frontswap|cleancache' "$out"/kmemleak) lines naming utmem"
	grep -qE 'utmem|tmem_|frontswap|cleancache' "$out"/kmemleak &&
		{ cat "$out"/kmemleak; fail "soak: kmemleak found utmem's objects"; }
fi
# N: the KUnit case above ran, as it does only when asked to.
allow=()
[ "$kunit_ran" = 1 ] && allow=("N=the hypercall fuzzer ran as a KUnit case at boot")
kernel_reports_check "${allow[@]}" || fail "soak: kernel reports"
echo "utmem-guest: PASS"
poweroff -f
