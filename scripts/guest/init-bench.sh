#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the benchmark guest (bench/run.sh boots it twice; see
# bench/README.md).  Disks: ubd0 swap, ubd1 ext4 with a page mix
# (binaries and kernel sources), ubd2 scratch for the cleancache file set.
# Each benchmark writes its raw figures, one row a run, to a file in
# BENCH_OUT (a host directory mounted with hostfs); bench/report.py turns
# them into the report.  BENCH_ONLY (comma-separated: page,scale,device,
# swap,cleancache,capacity) picks benchmarks; BENCH_ROUNDS sets the rounds
# (default 5).
#
# swap and cleancache size their working sets against this guest's
# available memory, so they run in a small guest of their own; the
# others want a large one (a million pages on the host, a page mix).
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
rounds=${BENCH_ROUNDS:-5}
only=${BENCH_ONLY:-page,scale,device,swap,cleancache,capacity}
d=/sys/kernel/debug/utmem
sim=$d/sim
fs=$d/frontswap
zswap=/sys/module/zswap/parameters
param=/sys/module/utmem/parameters
out=/tmp/out
cg=/sys/fs/cgroup
avail_mib=$(($(awk '/MemAvailable/ { print $2 }' /proc/meminfo) / 1024))

mkdir -p $out
mount -t hostfs none $out -o "${BENCH_OUT:?no BENCH_OUT}" ||
	fail "cannot mount $BENCH_OUT"
dmesg -C

want() { [[ ",$only," == *",$1,"* ]]; }
now() { date +%s.%N; }
# in_work CMD...: run CMD inside the capacity benchmark's cgroup.
in_work() { sh -c 'echo $$ > '$cg/work/cgroup.procs' && exec "$@"' sh "$@"; }

echo "guest for $only: kernel $(uname -r) (UML, no debugging options)," \
     "MemTotal $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB," \
     "MemAvailable $avail_mib MiB, host capacity" \
     "$(($(cat $sim/capacity_bytes) >> 20)) MiB set aside; $rounds rounds" |
	tee -a $out/guest.txt

# --- page path and scaling, on hosts of the benchmark's own
if want page; then
	echo "--- page path: 4096 pages, $rounds rounds"
	echo "4096 $rounds" > $sim/page_bench || fail "page_bench"
	grep -v '^#' $sim/page_bench > $out/page.txt
	cat $sim/page_bench
fi
if want scale; then
	echo "--- scaling: 1k to 1M pages"
	echo "1048576 20000" > $sim/scale_bench || fail "scale_bench"
	grep -v '^#' $sim/scale_bench > $out/scale.txt
	cat $sim/scale_bench
fi

# --- /dev/utmem's PUT path in the kernel (dev_bench), by host call cost
if want device; then
	echo "--- device: dev_bench at host call costs 0, 1 and 5 us"
	: > $out/device.txt
	for ns in 0 1000 5000; do
		echo $ns > $sim/exit_ns
		dmesg -C
		for run in "64 20000" "1024 20000" "65536 1000"; do
			echo "$run" > $d/dev_bench || fail "dev_bench $run"
		done
		dmesg | sed -n "s/.*dev_bench: /exit_ns=$ns /p" | tee -a $out/device.txt
	done
	echo 0 > $sim/exit_ns
fi

# --- disk models: dm-delay over a ubd disk (a ubd file alone is the
# host's page cache, as fast as RAM).  UML ticks at 100 Hz and dm-delay
# waits whole jiffies, so 5 ms is one tick: measured, not assumed.
delayed() {	# DISK NAME: makes the delayed device NAME, prints its path
	local d
	echo "0 $(blockdev --getsz "$1") delay $1 0 5" |
		dmsetup create "$2" --noudevsync || fail "dmsetup $1"
	for d in /sys/block/dm-*; do
		[ "$(cat "$d"/dm/name)" = "$2" ] && echo "/dev/${d##*/}"
	done
}
read_latency_ms() {	# DEV: ms per 4 KiB direct read, 40 reads
	local t0 t1
	t0=$(now)
	dd if="$1" of=/dev/null bs=4096 count=40 iflag=direct 2>/dev/null
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.1f", ($2 - $1) * 1000 / 40 }'
}

# --- swap: a checked working set of 1.5 and 2 times the guest's available
# memory, five contenders in turn, rounds rotating who goes first.
contenders=(disk zswap fs_raw fs_lz4 fs_dedup)
set_contender() {	# NAME
	local c=$1
	echo $([ "$c" = zswap ] && echo 1 || echo 0) > $zswap/enabled
	echo $([[ $c == fs_* ]] && echo 1 || echo 0) > $param/frontswap
	echo $([[ $c == fs_lz4 || $c == fs_dedup ]] && echo 1 || echo 0) > $sim/compress
	echo $([ "$c" = fs_dedup ] && echo 1 || echo 0) > $sim/dedup
}
swap_run() {	# ROUND WORKLOAD FACTOR_X10 CONTENDER
	local r=$1 w=$2 f=$3 c=$4 mib pat kind ops res st0
	mib=$((avail_mib * f / 10))
	case $w in
	seq) pat=seq kind=half ops=$((mib * 256)) ;;
	random) pat=random kind=half ops=$((mib * 64)) ;;
	mix) pat=random kind=mix ops=$((mib * 64)) ;;
	esac
	set_contender "$c"
	swapon "$swap_dev" || fail "swapon"
	st0=$(cat $fs/stores)
	res=$("$bin"/swap_stress -m $mib -o $ops -p $pat -k $kind \
		-s $((r * 100 + f))) || fail "swap_stress $w $c: $res"
	res=$(grep '^swap_stress:' <<<"$res")
	# Freed swap slots wait in per-CPU caches, their pages in tmem or
	# zswap: swapoff empties the area, so that every run starts clean.
	swapoff "$swap_dev" || fail "swapoff"
	[ "$(cat /sys/kernel/debug/zswap/stored_pages)" = 0 ] ||
		fail "zswap pages left after $c"
	[ "$(cat $fs/pages_held)" = 0 ] || fail "frontswap pages left after $c"
	local stores=$(($(cat $fs/stores) - st0))
	if [[ $c == fs_* ]]; then
		[ $stores -gt 0 ] || fail "$c: frontswap stored nothing"
	else
		[ $stores = 0 ] || fail "$c: frontswap stored $stores pages"
	fi
	echo "$swap_disk $w $f $c $r $(sed -n 's/.*total_s=\([0-9.]*\) majflt=\([0-9]*\).*/\1 \2/p' <<<"$res") $stores" |
		tee -a $out/swap.txt
}
if want swap; then
	echo "--- swap: working sets of 1.5x and 2x $avail_mib MiB"
	# zswap's default pool is 20% of memory, but the host's capacity,
	# set aside, counts in the guest's total: 20% of the rest.
	total_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)
	own_kib=$((total_kib - $(cat $sim/capacity_bytes) / 1024))
	echo $((own_kib * 20 / total_kib > 0 ? own_kib * 20 / total_kib : 1)) \
		> $zswap/max_pool_percent
	echo "zswap: compressor $(cat $zswap/compressor), zpool" \
	     "$(cat $zswap/zpool), max_pool_percent $(cat $zswap/max_pool_percent)" |
		tee -a $out/guest.txt
	echo 0 > $sim/exit_ns
	mkswap -q /dev/ubda > /dev/null || fail "mkswap"
	dev=$(delayed /dev/ubda swap_hdd)
	echo "swap hdd: dm-delay 5 ms over ubd, measured $(read_latency_ms "$dev") ms per 4 KiB read" |
		tee -a $out/guest.txt
	swap_disk=hdd
	swap_dev=$dev
	: > $out/swap.txt
	for r in $(seq "$rounds"); do
		for w in ${BENCH_SWAP_WORKLOADS:-seq random mix}; do
			for f in 15 20; do
				for i in 0 1 2 3 4; do
					swap_run "$r" "$w" "$f" \
						"${contenders[(i + r) % 5]}"
				done
			done
		done
	done
	set_contender fs_lz4
	echo 1 > $sim/dedup
fi

# --- cleancache: a file set twice the guest's available memory, read
# twice per mount; the second read is measured, cleancache off and on in
# turn.
if want cleancache; then
	echo "--- cleancache: file set of 2x $avail_mib MiB"
	mkfs.ext4 -q -F -b 4096 /dev/ubdc || fail "mkfs"
	mnt=/tmp/cc
	mkdir -p $mnt
	mount -t ext4 /dev/ubdc $mnt || fail "mount ubdc"
	nr_files=$(((avail_mib * 2 + 7) / 8))
	for i in $(seq $nr_files); do
		head -c 8M /dev/urandom > $mnt/f$i || fail "write f$i"
	done
	umount $mnt
	dev=$(delayed /dev/ubdc files_hdd)
	stat=/sys/block/${dev#/dev/}/stat
	echo "cleancache hdd: dm-delay 5 ms over ubd, measured $(read_latency_ms "$dev") ms per 4 KiB read; $nr_files files of 8 MiB" |
		tee -a $out/guest.txt
	: > $out/cleancache.txt
	for r in $(seq "$rounds"); do
		for on in $((r % 2)) $(((r + 1) % 2)); do
			echo $on > $param/cleancache
			mount -t ext4 "$dev" $mnt || fail "mount"
			echo 3 > /proc/sys/vm/drop_caches
			for pass in 1 2; do
				s0=$(awk '{ print $3 }' "$stat")
				t0=$(now)
				cat $mnt/f* > /dev/null || fail "read"
				t1=$(now)
				s1=$(awk '{ print $3 }' "$stat")
				echo "$r $on $pass $((s1 - s0)) $(echo "$t1 - $t0" | bc)" |
					tee -a $out/cleancache.txt
			done
			umount $mnt
		done
	done
	echo 1 > $param/cleancache
fi

# --- capacity: what the host holds for a realistic page mix, per mode:
# the binaries and kernel sources on ubd1 read through cleancache, and
# the anonymous memory of a process that loaded the sources, swapped out;
# memory.reclaim pushes both out of the cgroup.
heap_py='
import os, signal, sys
heap, words = [], {}
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith((".c", ".h")):
            t = open(os.path.join(root, f), errors="replace").read()
            heap.append(t)
            for w in t.split():
                words[w] = words.get(w, 0) + 1
print("ready", os.getpid(), len(heap), len(words), flush=True)
signal.pause()
'
if want capacity; then
	echo "--- capacity: binaries, kernel sources and a heap, per mode"
	mkswap -q /dev/ubda > /dev/null || fail "mkswap"
	echo 1 > $param/frontswap
	echo 1 > $param/cleancache
	echo 0 > $zswap/enabled
	mount -t cgroup2 none $cg || fail "no cgroup2"
	echo +memory > $cg/cgroup.subtree_control || fail "no memory controller"
	mkdir $cg/work
	mnt=/tmp/mix
	mkdir -p $mnt
	: > $out/capacity.txt
	for mode in raw lz4 zstd dedup lz4+dedup zstd+dedup; do
		compressor=${mode%%+*}
		case $compressor in
		lz4|zstd) echo $compressor > $sim/compressor || fail "compressor $compressor"
			  echo 1 > $sim/compress ;;
		*)	  echo 0 > $sim/compress ;;
		esac
		echo $([[ $mode == *dedup* ]] && echo 1 || echo 0) > $sim/dedup
		same0=$(cat $sim/counters/same_filled_puts)
		puts0=$(cat $sim/counters/puts)
		[ "$(cat $sim/pages)" = 0 ] || fail "the host holds pages already"
		swapon /dev/ubda || fail "swapon"
		mount -t ext4 -o ro /dev/ubdb $mnt || fail "mount ubdb"
		echo 3 > /proc/sys/vm/drop_caches
		in_work python3 -c "$heap_py" $mnt/src > /tmp/heap.out &
		builder=$!
		in_work sh -c "find $mnt -type f -exec cat {} + > /dev/null" ||
			fail "read the page mix"
		while ! grep -q ready /tmp/heap.out; do
			kill -0 $builder 2>/dev/null || fail "heap builder died"
			sleep 1
		done
		heap=$(awk '{ print $2 }' /tmp/heap.out)
		echo 4G > $cg/work/memory.reclaim 2>/dev/null
		cur=$(cat $cg/work/memory.current)
		row="$mode $(cat $sim/raw_bytes) $(cat $sim/used_bytes)"
		row+=" $(cat $sim/footprint_bytes) $(cat $sim/pages)"
		row+=" $(cat $fs/pages_held) $cur"
		# Each user's share: frontswap's heap, cleancache's files.
		for user in frontswap cleancache; do
			row+=" $(cat $d/pools/$user.*/host_raw_bytes)"
			row+=" $(cat $d/pools/$user.*/host_stored_bytes)"
		done
		# Pages stored as one repeated word, of the PUTs made.
		row+=" $(($(cat $sim/counters/same_filled_puts) - same0))"
		row+=" $(($(cat $sim/counters/puts) - puts0))"
		echo "$row" | tee -a $out/capacity.txt
		kill "$heap"
		wait $builder 2>/dev/null
		umount $mnt
		# Freed swap slots wait in per-CPU caches: swapoff empties
		# the area, and with the file system's pool the host is empty.
		swapoff /dev/ubda || fail "swapoff"
		[ "$(cat $fs/pages_held)" = 0 ] || fail "frontswap pages left"
		[ "$(cat $sim/pages)" = 0 ] || fail "host pages left"
	done
fi

kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
