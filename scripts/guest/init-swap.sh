#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the frontswap end-to-end guest (scripts/run-disk-e2e.sh boots it
# with the swap disk as disk 0 and swap_stress's directory in UTMEM_BIN).
#
# Correctness runs, each with a working set of 2-3 times the guest's
# memory, every page checked:
#   A  ample host capacity
#   B  this guest capped below the working set (most PUTs refused)
#   C  30% of PUTs refused at random, a shrink and a host reclaim midway
#   D  zswap enabled too, with a small pool: frontswap gets its rejects
#   E  pages still in tmem when swapoff runs
# then, with UTMEM_SWAP_BENCH=1 on the command line (make bench-swap), the
# benchmark: the same workload with disk swap only, with zswap and with
# frontswap on the simulator, on the plain ubd disk and behind dm-delay.
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

d=/sys/kernel/debug/utmem
fs=$d/frontswap
sim=$d/sim
enabled=/sys/module/utmem/parameters/frontswap
stress=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}/swap_stress
ctl=$UTMEM_BIN/utmemctl
disk=$(disk 0)
counters="stores store_refused store_failed store_large loads load_failed invalidates flush_failed written_back"

# To stderr: the benchmark runs checks inside $(...).

declare -A before
snap() {
	local c
	for c in $counters; do
		before[$c]=$(cat "$fs/$c")
	done
}

delta() {	# COUNTER
	echo $(($(cat "$fs/$1") - before[$1]))
}

report() {
	local c line=""
	for c in $counters; do
		line+=" $c=$(delta "$c")"
	done
	echo "  frontswap:$line pages_held=$(cat "$fs"/pages_held)"
	echo "  host: pages=$(cat "$sim"/pages) used_bytes=$(cat "$sim"/used_bytes) raw_bytes=$(cat "$sim"/raw_bytes)"
}

# stress NAME ARGS...: one checked run; its summary line goes to $last.
stress() {
	local name=$1 out
	shift
	echo "--- run $name: swap_stress $*"
	snap
	out=$("$stress" "$@" 2>&1) || {
		echo "$out" | tail -20
		fail "run $name: pages did not verify"
	}
	last=$(grep '^swap_stress: pages=' <<<"$out")
	hooks=$(grep '^  hook: ' <<<"$out")
	[ -z "$hooks" ] || echo "$hooks"
	echo "  $last"
	report
}

want_gt() {	# COUNTER MIN WHY
	[ "$(delta "$1")" -gt "$2" ] || fail "$1 is $(delta "$1"), not above $2: $3"
}

want_eq() {	# COUNTER VALUE WHY
	[ "$(delta "$1")" -eq "$2" ] || fail "$1 is $(delta "$1"), not $2: $3"
}

[ -d "$fs" ] || fail "no $fs: frontswap not registered"
[ -x "$stress" ] || fail "no $stress"
dmesg | grep -E 'utmem|frontswap' | grep -v selftest

mkswap -q "$disk" >/dev/null || fail "mkswap $disk"
swapon "$disk" || fail "swapon $disk"
dmesg | grep -q 'frontswap: swap area 0' || fail "swapon did not reach frontswap"

echo 0 > "$sim"/fail_put/verbose
mem_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
mem_mib=$((mem_kib / 1024))
ws=$((mem_mib * 5 / 2))
echo "guest: MemTotal $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB," \
     "MemAvailable $mem_mib MiB; host capacity $(cat "$sim"/capacity_bytes) bytes" \
     "set aside (reserve $(cat "$sim"/reserve_bytes)); working set $ws MiB"

# After the fill, random operations on half as many pages as the working
# set has (swap_stress's default is twice as many): every page is still
# written and checked, in a quarter of the time.
ops=$((ws * 128))
stress A -m "$ws" -o "$ops" -s 1
want_gt stores 1000 "pages should go to the host"
want_gt loads 1000 "pages should come back from the host"
want_eq load_failed 0 "the host loses nothing"
want_eq written_back 0 "nobody asked for a shrink"

echo "--- this guest capped at 8 MiB on the host"
echo $((8 << 20)) > "$sim"/clients/0/cap_bytes
stress B -m "$ws" -o "$ops" -s 2
want_gt store_refused 1000 "a capped guest is refused"
want_gt stores 0 "some pages still fit"
echo 0 > "$sim"/clients/0/cap_bytes

echo "--- 30% of PUTs refused; shrink and host reclaim midway"
echo 30 > "$sim"/fail_put/probability
echo 1 > "$sim"/fail_put/interval
echo -1 > "$sim"/fail_put/times
stress C -m "$ws" -o "$ops" -s 3 -M "echo 2000 > $fs/shrink && echo 2000 > $sim/reclaim_pages && sleep 1"
echo 0 > "$sim"/fail_put/probability
want_gt store_refused 1000 "the fault refuses PUTs"
want_gt written_back 1000 "shrink and reclaim write pages back"
want_eq load_failed 0 "a refused PUT loses nothing"

# As before a move by tools that know nothing of utmem: every page held
# goes to the disk (those in the swap cache too), nothing is stored
# until the resume, and every page still verifies.  utmemctl drain
# fails (and the run with it) if the host still holds a page.
echo "--- drained midway (utmemctl drain), resumed after the random operations"
stress F -m "$ws" -o "$ops" -s 6 \
	-M "$ctl drain > /dev/null && echo '  hook: drained: pages_held' \$(cat $fs/pages_held) 'stores' \$(cat $fs/stores)" \
	-E "echo '  hook: before the resume: stores' \$(cat $fs/stores) && $ctl drain --resume > /dev/null"
drained=$(sed -n 's/.*hook: drained: pages_held \([0-9]*\) stores \([0-9]*\)$/\1 \2/p' <<<"$hooks")
[ "${drained% *}" = 0 ] || fail "drained, but pages_held is '${drained% *}'"
grep -q "hook: before the resume: stores ${drained#* }$" <<<"$hooks" ||
	fail "pages were stored while drained: $hooks"
want_gt written_back 1000 "the drain writes pages back"
want_eq load_failed 0 "a drain loses nothing"
dmesg | grep -q 'utmem: drained: the guest users hold nothing on the host' ||
	fail "no log line for the drain"

echo "--- zswap enabled, its pool limited to 4% of memory"
zswap=/sys/module/zswap/parameters
zswap_dbg=/sys/kernel/debug/zswap
echo 4 > $zswap/max_pool_percent && echo 1 > $zswap/enabled ||
	fail "cannot enable zswap"
hit=$(cat $zswap_dbg/pool_limit_hit)
stress D -m "$ws" -s 5 -o $((ws * 64))
echo 0 > $zswap/enabled
echo "  zswap: stored_pages=$(cat $zswap_dbg/stored_pages)" \
     "pool_limit_hit=$(($(cat $zswap_dbg/pool_limit_hit) - hit))" \
     "written_back_pages=$(cat $zswap_dbg/written_back_pages)"
[ "$(cat $zswap_dbg/pool_limit_hit)" -gt "$hit" ] ||
	fail "zswap's pool never filled: frontswap saw nothing of its rejects"
want_gt stores 1000 "frontswap gets what zswap rejects"

# Half of the working set stays mapped, in tmem and on the disk, while
# swapoff brings it all back in; the half must fit in memory.
stress E -m $((mem_mib * 6 / 5)) -s 4 -d \
	-E "echo '  hook: pages_held before swapoff:' \$(cat $fs/pages_held) && swapoff $disk"
[ "$(cat "$fs"/pages_held)" = 0 ] || fail "pages held after swapoff"
[ "$(cat "$sim"/pages)" = 0 ] || fail "host pages left after swapoff"
want_gt loads 100 "swapoff reads pages back from tmem"
sysfs_check frontswap frontswap

if [ "${UTMEM_SWAP_BENCH:-0}" != 1 ]; then
	kernel_reports_check || fail "kernel reports"
	echo "utmem-guest: PASS"
	poweroff -f
fi

# Benchmark: the same run with the device alone, with zswap (lz4, its
# default 20% pool, in the guest's own memory) and with frontswap on the
# simulator (the host's memory); same boot, same seed, same guest memory.
bench_ops=$((ws * 64))
echo 20 > $zswap/max_pool_percent
bench_run() {	# MODEL MODE: runs one mode, prints nothing but its time
	local model=$1 mode=$2
	echo $((mode == 2)) > "$enabled"
	echo $((mode == 1)) > $zswap/enabled
	echo 3 > /proc/sys/vm/drop_caches
	stress "bench $model, ${names[$mode]}" -m "$ws" -o "$bench_ops" -s 42 >&2
	if [ "$mode" = 2 ]; then
		want_gt stores 1000 "frontswap is on" >&2
	else
		want_eq stores 0 "frontswap is off" >&2
	fi
	sed 's/.*total_s=\([0-9.]*\).*/\1/' <<<"$last"
}

names=("disk only" "zswap" "frontswap")
bench() {	# MODEL DEVICE
	local model=$1 dev=$2 t0 t1 t2
	swapon "$dev" || fail "swapon $dev"
	t0=$(bench_run "$model" 0)
	t1=$(bench_run "$model" 1)
	t2=$(bench_run "$model" 2)
	swapoff "$dev" || fail "swapoff $dev"
	table+=$(printf '%-26s %9s s %9s s %9s s %8s %8s' "$model" \
		 "$t0" "$t1" "$t2" \
		 "$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2fx", a / b }')" \
		 "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2fx", a / b }')")$'\n'
}

table=""
bench "${disk#/dev/} (host page cache)" "$disk"
sectors=$(blockdev --getsz "$disk")
echo "0 $sectors delay $disk 0 5" | dmsetup create hdd --noudevsync ||
	fail "dmsetup create"
echo "--- dm-delay 5 ms: measured per 4 KiB direct read:"
dd if=/dev/dm-0 of=/dev/null bs=4096 count=40 iflag=direct 2>&1 | tail -1
bench "dm-delay 5 ms (HDD-like)" /dev/dm-0
dmsetup remove hdd --noudevsync

echo "--- benchmark: swap_stress -m $ws -o $bench_ops, guest MemAvailable $mem_mib MiB"
printf '%-26s %11s %11s %11s %8s %8s\n' "swap device model" "disk only" "zswap" \
	"frontswap" "vs disk" "vs zswap"
printf '%s' "$table"
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
