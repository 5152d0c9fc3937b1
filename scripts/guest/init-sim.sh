#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the simulator guest (`make e2e`, `make run GUEST=qemu`): show
# the simulator bound, drive it, and show its pools and counters move.  Ends with "utmem-guest: PASS" or
# "utmem-guest: FAIL <why>" and powers off.
. "$(dirname "$0")"/lib.sh

d=/sys/kernel/debug/utmem

show() {
	echo "--- $1"
	for f in "$d"/sim/used_bytes "$d"/sim/raw_bytes "$d"/sim/pages \
		 "$d"/sim/counters/* "$d"/calls/put "$d"/calls/get; do
		printf '  %-40s %s\n' "${f#"$d"/}" "$(cat "$f")"
	done
}

[ -d "$d" ] || fail "no $d: utmem not bound"
dmesg | grep 'utmem:'
dmesg -C
echo "backend: $(cat "$d"/backend), capacity $(cat "$d"/sim/capacity_bytes) bytes"
[ "$(cat /sys/kernel/utmem/backend)" = sim ] ||
	fail "sysfs backend reads '$(cat /sys/kernel/utmem/backend)', not sim"
show "before"

# 2048 pages in each of the four pool kinds: half compressible, half noise.
echo "--- echo 2048 > $d/selftest"
echo 2048 > "$d"/selftest || fail "selftest"
dmesg | grep 'utmem: selftest'
show "after the selftest"

# Bad writes are refused with EINVAL and change nothing.
refused() {	# FILE VALUE
	local before after
	before=$(cat "$1")
	if echo "$2" 2>/dev/null > "$1"; then
		fail "$1 took '$2'"
	fi
	after=$(cat "$1")
	[ "$before" = "$after" ] || fail "$1 changed from $before to $after"
	echo "  refused: $2 > ${1#"$d"/}"
}
echo "--- bad writes"
refused "$d"/sim/capacity_bytes lots
refused "$d"/sim/capacity_bytes 281474976710657
refused "$d"/sim/exit_ns 20000000
refused "$d"/sim/compress 2
refused "$d"/sim/dedup -1
refused "$d"/sim/clients/0/weight 0
refused "$d"/sim/clients/0/weight 10001
refused "$d"/sim/clients/0/cap_bytes 999999999999999999
echo 0 2>/dev/null > "$d"/selftest && fail "selftest took 0"
echo 65537 2>/dev/null > "$d"/selftest && fail "selftest took 65537"
for bad in "" "0 5" "64 0" "16385 1" "64 16" "64" "x y"; do
	echo "$bad" 2>/dev/null > "$d"/sim/page_bench &&
		fail "page_bench took '$bad'"
done
for bad in "" "1023 10" "1024 0" "4194305 10" "1024 1048577" "1024"; do
	echo "$bad" 2>/dev/null > "$d"/sim/scale_bench &&
		fail "scale_bench took '$bad'"
done
echo "  refused: bad page_bench and scale_bench arguments"

# The benchmarks run on hosts of their own and check what comes back.
echo "--- page_bench and scale_bench, small"
pages_before=$(cat "$d"/sim/pages)
echo "64 3" > "$d"/sim/page_bench || fail "page_bench"
cat "$d"/sim/page_bench
[ "$(grep -cE '^(memcpy|raw|lz4|zstd|dedup_hit)( [0-9]+){15}$' "$d"/sim/page_bench)" = 5 ] ||
	fail "page_bench did not report five kinds"
echo "4096 200" > "$d"/sim/scale_bench || fail "scale_bench"
cat "$d"/sim/scale_bench
[ "$(grep -cE '^(1024|4096)( [0-9]+){11}$' "$d"/sim/scale_bench)" = 2 ] ||
	fail "scale_bench did not report two sizes"
# Emptying and destroying its 4096-page pool held the host lock for at
# most a batch of pages at a time (UTMEM_SIM_FREE_BATCH, 128).
# (no process substitution: this /dev has no fd/)
read -r flush_pages destroy_pages <<< "$(sed -n \
	's/^# lock hold at 4096 pages: flush [0-9]* ns (\([0-9]*\) pages), destroy [0-9]* ns (\([0-9]*\) pages)$/\1 \2/p' \
	"$d"/sim/scale_bench)"
[ -n "$flush_pages" ] && [ "$flush_pages" -le 128 ] &&
	[ "$destroy_pages" -le 128 ] ||
	fail "scale_bench: a flush or destroy held the lock for ${flush_pages:-?}/${destroy_pages:-?} pages"
[ "$(cat "$d"/sim/pages)" = "$pages_before" ] ||
	fail "the benchmarks touched the bound host"

# A small host: the ephemeral pools lose pages, the persistent ones refuse.
echo "--- capacity 1 MiB, compression off"
echo $((1 << 20)) > "$d"/sim/capacity_bytes
echo 0 > "$d"/sim/compress
dmesg -C
echo 2048 > "$d"/selftest || fail "selftest at 1 MiB"
dmesg | grep 'utmem: selftest'
show "after the selftest on a 1 MiB host"

[ "$(cat "$d"/sim/counters/evictions)" -gt 0 ] || fail "no evictions"
[ "$(cat "$d"/sim/counters/put_refused)" -gt 0 ] || fail "no refusals"
[ "$(cat "$d"/sim/pages)" = 0 ] || fail "pages left behind"
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
