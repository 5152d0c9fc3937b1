#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the `make run` guest: show the simulator bound, drive it, and
# show its pools and counters move.  Ends with "utmem-guest: PASS" or
# "utmem-guest: FAIL <why>" and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

d=/sys/kernel/debug/utmem
fail() {
	echo "utmem-guest: FAIL $*"
	poweroff -f
}

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
show "before"

# 2048 pages in each of the four pool kinds: half compressible, half noise.
echo "--- echo 2048 > $d/selftest"
echo 2048 > "$d"/selftest || fail "selftest"
dmesg | grep 'utmem: selftest'
show "after the selftest"

# Bad writes are refused and change nothing.
cap=$(cat "$d"/sim/capacity_bytes)
echo lots > "$d"/sim/capacity_bytes 2>/dev/null && fail "capacity took 'lots'"
echo 0 > "$d"/selftest 2>/dev/null && fail "selftest took 0"
echo 20000000 > "$d"/sim/exit_ns 2>/dev/null && fail "exit_ns took 20 ms"
[ "$(cat "$d"/sim/capacity_bytes)" = "$cap" ] || fail "capacity changed"

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
echo "utmem-guest: PASS"
poweroff -f
