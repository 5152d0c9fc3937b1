#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Redis experiment: native Redis, Redis on a frontswap guest, Redis
# with the redis-utmem module as it loads by default (placement by a
# budget) and with every value on the host (ram_bytes 0), at data sets of
# 25 (no pressure), 80, 90, 100 and 110% of the guest's memory, for four
# value sizes; run inside the x86_64 guest under QEMU (TCG) with the load
# generators here on the host, as the utmem paper ran it.  The module
# runs in transparent mode: both load generators send plain SET and GET.
# One guest boot per swap disk model; within it, every data set is
# loaded once per configuration, the configurations in turn (data set d
# starting with the (d mod their number)th, so that none always runs
# first, after the last data set's pressure), and
# measured twice: redis_bench (90% GET, 10% SET, every value checked;
# ROUNDS rounds, the median and the spread kept), then redis-benchmark
# (Debian's redis-tools: -t get, then -t set, over the same keys).
#
#   bench/redis/run.sh BZIMAGE BIN_DIR OUT_DIR
#
# BIN_DIR holds redis_bench and redis-utmem.so; OUT_DIR gets redis.tsv
# and the console logs (console-redis-delay<ms>.log); bench/report.py
# turns them into the tables, goals and plots of OUT_DIR/report.md.  The
# environment can narrow the matrix (the defaults are the full
# experiment):
#   CONFIGS="native frontswap utmem utmem-host"  DELAYS="5"
#   SIZES="1024 4096 16384 65536"  FRACTIONS="25 80 90 100 110"
#   SECONDS_PER_ROUND=3  ROUNDS=3  CLIENTS=4
#   GUEST_MEM=256M  HOST_MEM=512M (QEMU gets both; the simulator sets
#                                  HOST_MEM aside at boot)
#   SIM_KNOBS=compress=0,...      simulator knobs (utmemctl sim set names)
set -euo pipefail

usage="usage: run.sh BZIMAGE BIN_DIR OUT_DIR"
repo=$(cd "$(dirname "$0")/../.." && pwd)
bzimage=${1:?$usage}
bin=${2:?$usage}
out=${3:?$usage}
configs=${CONFIGS:-native frontswap utmem utmem-host}
delays=${DELAYS:-5}
sizes=${SIZES:-1024 4096 16384 65536}
fractions=${FRACTIONS:-25 80 90 100 110}
seconds=${SECONDS_PER_ROUND:-3}
rounds=${ROUNDS:-3}
clients=${CLIENTS:-4}
guest_mem=${GUEST_MEM:-256M}
host_mem=${HOST_MEM:-512M}

mib() { numfmt --from=iec "$1" | awk '{ print int($1 / 1048576) }'; }
mkdir -p "$out"
results=$out/redis.tsv
columns=(config delay_ms io_us size fraction keys guest_kib load_s
	 ops_s ops_s_min ops_s_max p50_us p99_us errors
	 bm_get_rps bm_get_p50_ms bm_get_p99_ms bm_set_rps bm_set_p50_ms bm_set_p99_ms
	 requests host_gets host_puts demotions promotions ram_bytes
	 pswpin pswpout host_pages host_used host_raw)
(IFS=$'\t'; echo "${columns[*]}") > "$results"
command -v redis-benchmark > /dev/null ||
	"$repo"/scripts/need-packages.sh redis-tools

work=$(mktemp -d)
qemu_pid=
cleanup() {
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# wait_for LOG PATTERN SECONDS: until the guest's console shows PATTERN.
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" && return 0
		kill -0 "$qemu_pid" 2> /dev/null ||
			{ tail -30 "$1" >&2; echo "run: the guest died" >&2; exit 1; }
		sleep 0.1
	done
	tail -30 "$1" >&2
	echo "run: no '$2' from the guest in $3 s" >&2
	exit 1
}

field() { sed -n "s|.*[ ]$1=\([^ ]*\).*|\1|p" <<<" $2"; }

# INFO's integer fields as NAME=VALUE words, and a field's growth
# between $before and $after (empty when the server has no such field).
server_info() {
	redis-cli -p "$port" info everything | tr -d '\r' | tr ':' '=' |
		grep -E '^[a-z_]+=[0-9]+$' | tr '\n' ' '
}
delta() {
	local a b
	a=$(field "$1" "$before") b=$(field "$1" "$after")
	if [ -n "$a" ] && [ -n "$b" ]; then echo $((b - a)); fi
}

# benchmark TEST N: redis-benchmark's requests/s, p50 and p99 (ms) of N
# requests of TEST (get or set) over the loaded keys, from $clients
# connections; "- - -" when it failed.
benchmark() {
	local csv
	csv=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$2" \
		-r "$keys" -d "$size" -t "$1" --csv 2> /dev/null | tr -d '"' |
		awk -F, -v t="${1^^}" '$1 == t { print $2, $5, $7 }')
	echo "${csv:-- - -}"
}

. "$repo"/bench/redis/order.sh

datasets=$(($(wc -w <<<"$sizes") * $(wc -w <<<"$fractions")))
for delay in $delays; do
	log=$out/console-redis-delay$delay.log
	: > "$log"
	port=$((20000 + RANDOM % 20000))
	truncate -s 0 "$work/swap.img"
	truncate -s 2G "$work/swap.img"
	echo "--- swap disk delay $delay ms: booting"
	QEMU_ARGS="-drive file=$work/swap.img,if=virtio,format=raw
		   -nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:6379" \
	QEMU_TIMEOUT=4h \
		"$repo"/scripts/run-qemu.sh "$bzimage" \
		"$repo"/bench/redis/guest-init.sh \
		$(($(mib "$guest_mem") + $(mib "$host_mem")))M 1 \
		utmem.sim_capacity="$host_mem" utmem.sim_carve_out=1 \
		BENCH_CONFIGS="${configs// /,}" \
		BENCH_DELAY="$delay" BENCH_RUNS="$datasets" \
		BENCH_SIM="${SIM_KNOBS:-}" UTMEM_BIN="$bin" > "$log" 2>&1 &
	qemu_pid=$!
	wait_for "$log" "bench-ram-kib:" 600
	ram=$(sed -n 's/^bench-ram-kib: //p' "$log" | tr -d '\r')
	io=$(sed -n 's/^bench-io-us: //p' "$log" | tr -d '\r')
	i=0 d=0
	for size in $sizes; do
		for fraction in $fractions; do
			keys=$((ram * 1024 / 100 * fraction / size))
			# shellcheck disable=SC2086 # a list of words
			for config in $(rotate "$d" $configs); do
				i=$((i + 1))
				wait_for "$log" "^bench-ready: $i $config" 600
				until redis-cli -p "$port" ping 2> /dev/null | grep -q PONG; do
					kill -0 "$qemu_pid" || exit 1
					sleep 0.2
				done
				common=(--port "$port" --mode plain --keys "$keys" --size "$size")
				loaded=$("$bin"/redis_bench load "${common[@]}")
				before=$(server_info)
				ran=$("$bin"/redis_bench run "${common[@]}" --seconds "$seconds" \
					--rounds "$rounds" --clients "$clients" --seed "$i" \
					2> /dev/null) || true
				after=$(server_info)
				# As many requests as redis_bench made in one round.
				n=$(awk -v r="$(field ops/s "$ran")" -v s="$seconds" \
					'BEGIN { n = int(r * s); print n < 200 ? 200 : n }')
				get=$(benchmark get "$n") set=$(benchmark set "$n")
				redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true
				wait_for "$log" "^bench-guest: run=$i " 600
				guest=$(grep "^bench-guest: run=$i " "$log" | tr -d '\r')
				row=("$config" "$delay" "$io" "$size" "$fraction" "$keys" "$ram"
				     "$(field seconds "$loaded")")
				for f in ops/s ops/s_min ops/s_max p50_us p99_us errors; do
					row+=("$(field "$f" "$ran")")
				done
				# shellcheck disable=SC2206 # three words each
				row+=($get $set)
				for f in total_commands_processed utmem_device_gets \
					 utmem_device_host_puts utmem_demotions \
					 utmem_promotions; do
					row+=("$(delta "$f")")
				done
				row+=("$(field utmem_ram_bytes "$after")")
				for f in pswpin pswpout host_pages host_used host_raw; do
					row+=("$(field "$f" "$guest")")
				done
				(IFS=$'\t'; echo "${row[*]}") >> "$results"
				tail -1 "$results"
			done
			d=$((d + 1))
		done
	done
	wait "$qemu_pid" || { echo "run: guest failed, see $log" >&2; exit 1; }
	qemu_pid=
done
