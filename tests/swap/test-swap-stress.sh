#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks swap_stress itself, on the build machine (no swap needed): it
# passes a clean run, fails a corrupted one, refuses bad arguments, and
# fails when a hook command fails.
#
#   tests/swap/test-swap-stress.sh PATH-TO-swap_stress
set -uo pipefail

bin=${1:?usage: test-swap-stress.sh SWAP_STRESS}
failures=0

expect() {	# WANT-STATUS DESCRIPTION ARGS...
	local want=$1 what=$2 out status
	shift 2
	out=$("$bin" "$@" 2>&1)
	status=$?
	if [ "$status" != "$want" ]; then
		echo "FAIL: $what: exit $status, wanted $want"
		echo "$out" | sed 's/^/    /'
		failures=$((failures + 1))
		return 1
	fi
	echo "ok: $what"
	LAST_OUT=$out
}

expect 0 "clean run" -m 2 -o 5000 -s 7 &&
	grep -q 'pages=512 ops=5000 .*mismatches=0' <<<"$LAST_OUT" ||
	{ echo "FAIL: clean run summary"; failures=$((failures + 1)); }
expect 1 "one corrupted page is caught" -m 2 -o 100 -c &&
	grep -q 'mismatches=1 ' <<<"$LAST_OUT" ||
	{ echo "FAIL: corrupt run summary"; failures=$((failures + 1)); }
expect 0 "hooks run, second half dropped" -m 2 -o 100 -d -M true -E true &&
	grep -q 'checked=' <<<"$LAST_OUT" ||
	{ echo "FAIL: hook run summary"; failures=$((failures + 1)); }
expect 0 "sequential operations" -m 2 -o 3000 -p seq &&
	grep -q 'pages=512 ops=3000 .*mismatches=0 .*majflt=[0-9]' <<<"$LAST_OUT" ||
	{ echo "FAIL: sequential run summary"; failures=$((failures + 1)); }
# No swap here: no page leaves memory, so no operation is timed.
expect 0 "fault latencies" -m 2 -o 3000 -l &&
	grep -q 'majflt=[0-9]* fault_ops=0 fault_p50_us=0.0 fault_p99_us=0.0$' <<<"$LAST_OUT" ||
	{ echo "FAIL: fault latency summary"; failures=$((failures + 1)); }
for kind in half random mix; do
	expect 0 "content $kind" -m 2 -o 2000 -k "$kind" -s 3
	expect 1 "content $kind: a corrupted page is caught" -m 2 -o 10 \
		-k "$kind" -c
done
expect 1 "a failing hook fails the run" -m 1 -o 10 -E false
expect 2 "-p unknown" -p zigzag
expect 2 "-k unknown" -k zeros
expect 2 "-m 0 refused" -m 0
expect 2 "-m not a number" -m lots
expect 2 "-m too large" -m 1048577
expect 2 "-m negative" -m -5
expect 2 "-o not a number" -o 1x
expect 2 "stray argument" -m 1 extra
expect 2 "unknown option" -q
expect 0 "help" -h

if [ "$failures" -ne 0 ]; then
	echo "swap_stress tests: $failures failed"
	exit 1
fi
echo "swap_stress tests: all passed"
