#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the Redis experiment's guest (bench/redis/run.sh boots it under
# QEMU with the swap disk as /dev/vda and port 6379 forwarded from the
# host).  Kernel command line words, as environment variables:
#   BENCH_CONFIGS  the configurations, comma-separated, of
#                  native     Redis alone, swap on the disk
#                  frontswap  Redis alone, swap through frontswap first
#                  utmem      Redis with the redis-utmem module as it loads
#                             by default (values in Redis memory while the
#                             guest has room, the rest in the host's), in
#                             transparent mode (plain SET/GET routed to
#                             it), on a guest swapping through frontswap
#                             as the suite ships
#                  utmem-host the module with ram_bytes 0 (every value in
#                             the host's memory at once) on a guest without
#                             frontswap: the module before placement
#   BENCH_RUNS     how many data sets (value size x fraction) the host
#                  will load: each gets one server of each configuration,
#                  in turn, so that slow drifts of the machine hit all
#                  alike; data set d (from 0) starts with the configuration
#                  d mod their number, so that none always runs first
#   BENCH_DELAY    dm-delay milliseconds per I/O on the swap disk (0: none)
#   BENCH_SIM      simulator knobs, KNOB=VALUE[,KNOB=VALUE...] (optional)
#   UTMEM_BIN      where redis-utmem.so is
# The host drives each server (load, measure, SHUTDOWN); this script
# starts the next one and reports, on the console, lines the runner
# parses: bench-ram-kib: N  bench-io-us: N  bench-ready: I CONFIG
# bench-guest: run=I ...
. "$(dirname "$0")"/../../scripts/guest/lib.sh

configs=${BENCH_CONFIGS:?}
delay=${BENCH_DELAY:?}
runs=${BENCH_RUNS:?}
d=/sys/kernel/debug/utmem
frontswap=/sys/module/utmem/parameters/frontswap

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up ||
	fail "no network"

disk=/dev/vda
if [ "$delay" != 0 ]; then
	echo "0 $(blockdev --getsz $disk) delay $disk 0 $delay" |
		dmsetup create slow --noudevsync || fail "dmsetup create"
	disk=/dev/dm-0
fi
# What one 4 KiB read costs on this swap device, measured, not assumed.
t0=$(date +%s%N)
dd if=$disk of=/dev/null bs=4096 count=200 iflag=direct 2> /dev/null ||
	fail "dd $disk"
echo "bench-io-us: $((($(date +%s%N) - t0) / 200000))"
mkswap $disk > /dev/null && swapon $disk || fail "swapon $disk"

echo 0 > /sys/module/utmem/parameters/cleancache 2> /dev/null
for knob in ${BENCH_SIM//,/ }; do
	echo "${knob#*=}" > $d/sim/"${knob%%=*}" || fail "BENCH_SIM $knob"
done
echo 3 > /proc/sys/vm/drop_caches
echo "bench-ram-kib: $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)"

vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# The host's peak while a server runs (its exit frees what it held).
sample_host() {	# PID
	local pages peak_pages=0 used peak_used=0 raw peak_raw=0
	while kill -0 "$1" 2> /dev/null; do
		pages=$(cat $d/sim/pages)
		used=$(cat $d/sim/used_bytes)
		raw=$(cat $d/sim/raw_bytes)
		[ "$pages" -gt "$peak_pages" ] && peak_pages=$pages
		[ "$used" -gt "$peak_used" ] && peak_used=$used
		[ "$raw" -gt "$peak_raw" ] && peak_raw=$raw
		sleep 2
	done
	echo "host_pages=$peak_pages host_used=$peak_used host_raw=$peak_raw" \
		> /tmp/host-peak
}

i=0
. "$(dirname "$0")"/order.sh	# rotate

# Data set d starts with configuration d mod their number (order.sh).
for d in $(seq 0 $((runs - 1))); do
	# shellcheck disable=SC2086 # a list of words
	for config in $(rotate "$d" ${configs//,/ }); do
		i=$((i + 1))
		module=()
		case $config in
		native)		echo 0 > $frontswap ;;
		frontswap)	echo 1 > $frontswap ;;
		utmem)		echo 1 > $frontswap
				module=(--loadmodule "${UTMEM_BIN:?}"/redis-utmem.so
					transparent 1) ;;
		utmem-host)	echo 0 > $frontswap
				module=(--loadmodule "${UTMEM_BIN:?}"/redis-utmem.so
					transparent 1 ram_bytes 0) ;;
		*)		fail "BENCH_CONFIGS: $config" ;;
		esac
		# Each server starts from the same guest: no page cache of the
		# last one's; swap and the host keep only what other processes
		# had swapped out (the last server's pages went with it).
		echo 3 > /proc/sys/vm/drop_caches
		in0=$(vm pswpin)
		out0=$(vm pswpout)
		redis-server --port 6379 --bind 0.0.0.0 --protected-mode no \
			--save "" --appendonly no --dir /tmp \
			--logfile /tmp/redis.log "${module[@]}" &
		pid=$!
		sample_host $pid &
		sampler=$!
		echo "bench-ready: $i $config"
		wait $pid || { tail -20 /tmp/redis.log; fail "redis-server run $i"; }
		wait $sampler
		echo "bench-guest: run=$i pswpin=$(($(vm pswpin) - in0))" \
		     "pswpout=$(($(vm pswpout) - out0)) $(cat /tmp/host-peak)"
	done
done
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
