#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the swap comparison guest (make bench-compare; x86_64 under
# QEMU, where hrtimers make null_blk's completion times real).  One
# working set, the same for every contender, each contender's runs in a
# memory cgroup the size of the memory it would have (S: the small
# guest's, COMPARE_MIB; H: the host's share, utmem.sim_capacity):
#   ram        S + H: the guest given the host's share as RAM (the
#              NVMe-like disk behind, for what still does not fit)
#   zswap_big  S + H, zswap (lz4, zsmalloc) with its default pool, 20% of
#              that memory (memory.zswap.max), an NVMe-like disk behind
#   zswap      S, zswap with 20% of S, the same disk behind
#   nvme, ssd  S, disk swap on null_blk completing in 20 us and 100 us
#   hdd        S, disk swap behind dm-delay 5 ms
#   frontswap  S, frontswap on the simulated host holding H (LZ4), the
#              NVMe-like disk behind it for what the host refuses
# Workloads: swap_stress (every page checked) seq, random and mix at
# 1.5x and 2x S, with the latency of the operations that waited for swap
# (-l); the random one at 1.5x S with 64 KiB mTHP (mthp15: large folios
# swapped out whole); and a Python working set at 1.5x S.  Contenders run in turn
# within each round (COMPARE_ROUNDS, default 3), who goes first rotating.
# Rows "compare-row: workload contender round seconds majflt fault_ops
# p50_us p99_us pgmajfault mthp_swpout store_large" and "compare-guest:
# ..." facts go to the console, which bench/compare.sh reads.  Ends with "utmem-guest: PASS"
# or "FAIL".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
s_mib=${COMPARE_MIB:-64}
rounds=${COMPARE_ROUNDS:-3}
workloads=${COMPARE_WORKLOADS:-seq15,seq20,random15,random20,mix15,mix20,mthp15,python15}
workloads=${workloads//,/ }
mthp=/sys/kernel/mm/transparent_hugepage/hugepages-64kB
contenders=(ram zswap_big zswap nvme ssd hdd frontswap)
d=/sys/kernel/debug/utmem
sim=$d/sim
param=/sys/module/utmem/parameters
zswap=/sys/module/zswap/parameters
cg=/sys/fs/cgroup
h_mib=$(($(cat $sim/capacity_bytes) >> 20))

# --- disk models
mount -t configfs none /sys/kernel/config 2> /dev/null
nullb() {	# NAME COMPLETION_NS: a memory-backed null_blk of 4 x S
	local n=/sys/kernel/config/nullb/$1
	mkdir "$n" || fail "null_blk $1"
	echo 1 > "$n"/memory_backed
	echo 1 > "$n"/discard
	echo 2 > "$n"/irqmode
	echo "$2" > "$n"/completion_nsec
	echo $((s_mib * 4)) > "$n"/size
	echo 1 > "$n"/power || fail "null_blk $1 power"
	mkswap -q /dev/"$1" > /dev/null || fail "mkswap $1"
}
nullb nb_nvme 20000
nullb nb_ssd 100000
nullb nb_fast 0
echo "0 $(blockdev --getsz /dev/nb_fast) delay /dev/nb_fast 0 5" |
	dmsetup create hdd --noudevsync || fail "dm-delay"
hdd=$(for x in /sys/block/dm-*; do
	[ "$(cat "$x"/dm/name)" = hdd ] && echo "/dev/${x##*/}"; done)
mkswap -q "$hdd" > /dev/null || fail "mkswap hdd"

# ms per 4 KiB direct read of DEV, 200 reads: measured, not assumed.
read_us() {
	local t0 t1
	t0=$(date +%s%N)
	dd if="$1" of=/dev/null bs=4096 count=200 iflag=direct 2> /dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 200 / 1000))
}
{
	echo "guest: kernel $(uname -r) (x86_64 under QEMU TCG), $(nproc) CPUs, MemTotal $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB"
	echo "small memory S: $s_mib MiB; host share H: $h_mib MiB (simulated host, LZ4); $rounds rounds"
	echo "disks: nvme $(read_us /dev/nb_nvme) us, ssd $(read_us /dev/nb_ssd) us, hdd $(read_us "$hdd") us per 4 KiB direct read"
	echo "zswap: $(cat $zswap/compressor), $(cat $zswap/zpool); pool 20% of the contender's memory"
} | sed 's/^/compare-guest: /'

# --- contenders: a cgroup each run, its swap device, zswap and frontswap
mount -t cgroup2 none $cg || fail "no cgroup2"
echo +memory > $cg/cgroup.subtree_control || fail "no memory controller"
echo lz4 > $sim/compressor
echo 1 > $sim/compress
echo 0 > $sim/dedup

setup() {	# CONTENDER: prints the cgroup's memory.max in MiB
	local c=$1 mem=$s_mib dev=/dev/nb_nvme
	case $c in
	ram) mem=$((s_mib + h_mib)) ;;
	zswap_big) mem=$((s_mib + h_mib)) ;;
	ssd) dev=/dev/nb_ssd ;;
	hdd) dev=$hdd ;;
	esac
	echo $([[ $c == zswap* ]] && echo Y || echo N) > $zswap/enabled
	echo $([ "$c" = frontswap ] && echo 1 || echo 0) > $param/frontswap
	# Discarded at swapon: null_blk frees what the last run left.
	[ -z "$dev" ] || swapon --discard=once "$dev" || fail "swapon $dev"
	rmdir $cg/run 2> /dev/null
	mkdir $cg/run || fail "cgroup"
	echo $((mem << 20)) > $cg/run/memory.max
	echo $((mem * 20 / 100 << 20)) > $cg/run/memory.zswap.max ||
		fail "no memory.zswap.max"
	swap_dev=$dev
}
teardown() {
	[ -z "$swap_dev" ] || swapoff "$swap_dev" || fail "swapoff $swap_dev"
	rmdir $cg/run || fail "the cgroup did not empty"
	[ "$(cat /sys/kernel/debug/zswap/stored_pages)" = 0 ] ||
		fail "zswap pages left"
	[ "$(cat $d/frontswap/pages_held)" = 0 ] || fail "frontswap pages left"
}

# A Python working set: 4 KiB objects, half random and half one byte
# (about 2:1, like swap_stress's pages), then random reads and rewrites.
python_ws='
import os, random, sys, time
n = int(sys.argv[1]) * 256
t0 = time.monotonic()
ws = [os.urandom(2048) + bytes([i % 251]) * 2048 for i in range(n)]
rng = random.Random(int(sys.argv[2]))
sum_ = 0
for k in range(n * 2):
    i = rng.randrange(n)
    if k & 1:
        ws[i] = os.urandom(2048) + bytes([k % 251]) * 2048
    else:
        sum_ += ws[i][4000]
print("python_ws: total_s=%.2f" % (time.monotonic() - t0), sum_ > 0)
'

run() {	# WORKLOAD CONTENDER ROUND
	local w=$1 c=$2 r=$3 f=${1: -2} mib res majflt0 fields swpout0 large0
	mib=$((s_mib * f / 10))
	setup "$c"
	echo $([[ $w == mthp* ]] && echo always || echo never) > $mthp/enabled ||
		fail "no 64 KiB mTHP"
	majflt0=$(awk '/pgmajfault/ { print $2 }' /proc/vmstat)
	swpout0=$(cat $mthp/stats/swpout)
	large0=$(cat $d/frontswap/store_large)
	case $w in
	python*)
		res=$(sh -c 'echo $$ > '$cg/run/cgroup.procs' && exec python3 -c "$0" "$@"' \
			"$python_ws" "$mib" "$r") || fail "python $c: $res"
		fields="$(sed -n 's/.*total_s=\([0-9.]*\).*/\1/p' <<<"$res") - - - -"
		;;
	*)
		local pat=random kind=half
		case $w in
		seq*) pat=seq ;;
		mix*) kind=mix ;;
		esac
		res=$(sh -c 'echo $$ > '$cg/run/cgroup.procs' && exec "$0" "$@"' \
			"$bin"/swap_stress -m "$mib" -o $((mib * 128)) -p $pat \
			-k $kind -s $((r * 100 + f)) -l) ||
			fail "swap_stress $w $c: $res"
		fields=$(sed -n 's/.*total_s=\([0-9.]*\) majflt=\([0-9]*\) fault_ops=\([0-9]*\) fault_p50_us=\([0-9.]*\) fault_p99_us=\([0-9.]*\).*/\1 \2 \3 \4 \5/p' <<<"$res")
		;;
	esac
	[ -n "$fields" ] || fail "no figures from $w $c: $res"
	teardown
	echo "compare-row: $w $c $r $fields $(($(awk '/pgmajfault/ { print $2 }' /proc/vmstat) - majflt0))" \
	     "$(($(cat $mthp/stats/swpout) - swpout0)) $(($(cat $d/frontswap/store_large) - large0))"
}

for r in $(seq "$rounds"); do
	for w in $workloads; do
		for i in "${!contenders[@]}"; do
			run "$w" "${contenders[(i + r) % ${#contenders[@]}]}" "$r"
		done
	done
done

kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
