#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the Redis guest: loads the redis-utmem module (UTMEM_BIN on the
# kernel command line) into real redis-server processes and runs
# redis_utmem_test against them: every value to the host (ram_bytes 0),
# the same under refused PUTs, the default budget, adaptive placement,
# placement by a small memory budget with RDB and AOF, and transparent
# mode (plain commands) with and without refused PUTs; bad
# MODULE LOAD arguments fail the load
# with a message; nothing is left on the host once the servers are gone.
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
module=$bin/redis-utmem.so
d=/sys/kernel/debug/utmem
[ -c /dev/utmem ] || fail "no /dev/utmem"
dmesg -C

# The loopback interface stays down: servers listen on unix sockets only.
server_args() {	# NAME
	echo --port 0 --unixsocket /tmp/"$1".sock --dir /tmp --save "" \
		--appendonly no --enable-debug-command local --enable-module-command local \
		--pidfile /tmp/"$1".pid --logfile /tmp/"$1".log
}

start() {	# NAME MODULE-ARG...
	local name=$1
	shift
	redis_start "$name" --appendonly no --enable-debug-command local \
		--enable-module-command local --logfile /tmp/"$name".log \
		--loadmodule "$module" "$@"
}

stop() {	# NAME
	redis_stop "$1"
}

# A bad MODULE LOAD line: the server refuses to start and says why.
bad_load() {	# EXPECTED-LOG-TEXT MODULE-ARG...
	local want=$1
	shift
	# shellcheck disable=SC2046
	if redis-server $(server_args bad) --loadmodule "$module" "$@" \
		> /dev/null 2>&1; then
		fail "module loaded with '$*'"
	fi
	grep -q -- "$want" /tmp/bad.log ||
		{ cat /tmp/bad.log; fail "no '$want' for '$*'"; }
	echo "  refused: $* ($want)"
	rm -f /tmp/bad.log
}

echo "--- bad module arguments"
bad_load "unknown argument 'size'" size 10
bad_load "'threshold' has no value" threshold
bad_load "threshold 'big' is not a number" threshold big
bad_load "threshold '1048578' is not a number in 0..1048577" threshold 1048578
bad_load "hot_gets '-1' is not a number" hot_gets -1
bad_load "buffered_max '65537'" buffered_max 65537
bad_load "transparent '2' is not a number in 0..1" transparent 2
bad_load "ram_bytes 'lots' is not a number in 0..1099511627776 or auto" ram_bytes lots
bad_load "cannot open /nonexistent/utmem: No such file" device /nonexistent/utmem
[ "$(cat $d/dev/files)" = 0 ] || fail "a refused load left a file open"

echo "--- the default budget (ram_bytes auto)"
start auto
grep -q "ram_bytes auto: Redis may take [0-9]* of the [0-9]* bytes available" /tmp/auto.log ||
	{ cat /tmp/auto.log; fail "no 'ram_bytes auto' in the server's log"; }
REDIS_SOCK=/tmp/auto.sock "$bin"/redis_utmem_test -t auto_budget -t random_shadow ||
	fail "redis_utmem_test (ram_bytes auto)"
stop auto

echo "--- every value to the host (ram_bytes 0)"
start plain ram_bytes 0
REDIS_SOCK=/tmp/plain.sock "$bin"/redis_utmem_test -T adaptive -T transparent \
	-T budget -T aof_placement -T auto_budget ||
	fail "redis_utmem_test (ram_bytes 0)"

echo "--- the host refuses one PUT in four"
"$bin"/utmemctl fault fail_put probability=25 interval=1 times=-1 ||
	fail "utmemctl fault"
REDIS_SOCK=/tmp/plain.sock RUTMEM_EXPECT_REFUSALS=1 \
	"$bin"/redis_utmem_test -t random_shadow -t edge_sizes ||
	fail "redis_utmem_test (refused PUTs)"
redis-cli -s /tmp/plain.sock info utmem | tr -d '\r' | grep -v '^#'
stop plain

echo "--- transparent mode: plain commands, the host refusing one PUT in four"
start transparent transparent 1 threshold 16 ram_bytes 0
REDIS_SOCK=/tmp/transparent.sock RUTMEM_EXPECT_REFUSALS=1 \
	"$bin"/redis_utmem_test -t transparent ||
	fail "redis_utmem_test (transparent, refused PUTs)"
"$bin"/utmemctl fault fail_put off || fail "utmemctl fault off"
REDIS_SOCK=/tmp/transparent.sock "$bin"/redis_utmem_test -t transparent ||
	fail "redis_utmem_test (transparent)"
stop transparent

echo "--- placement by a Redis memory budget"
start budget ram_bytes 65536 hot_gets 2
REDIS_SOCK=/tmp/budget.sock "$bin"/redis_utmem_test -t budget -t aof_placement \
	-t random_shadow ||
	fail "redis_utmem_test (budget)"
stop budget

echo "--- adaptive placement"
start adaptive threshold 2048 hot_gets 3 hot_bytes 65536 ram_bytes 0
REDIS_SOCK=/tmp/adaptive.sock "$bin"/redis_utmem_test -t adaptive ||
	fail "redis_utmem_test (adaptive)"

# The servers' exit closed their files: the host holds nothing of them.
stop adaptive
for f in dev/files dev/pools sim/pages; do
	[ "$(cat $d/$f)" = 0 ] || fail "$f is $(cat $d/$f) after the servers exited"
done
echo "  host after the servers exited: files 0, pools 0, pages 0"
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
