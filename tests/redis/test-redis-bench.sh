#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# redis_bench (bench/redis/) on this machine: its argument errors, and a
# load and run against a plain redis-server on a unix socket, including
# a run whose checker must catch wrong values.
#
#   tests/redis/test-redis-bench.sh REDIS_BENCH
set -uo pipefail

bench=${1:?usage: test-redis-bench.sh REDIS_BENCH}
work=$(mktemp -d)
sock=$work/redis.sock
trap 'redis-cli -s "$sock" shutdown nosave > /dev/null 2>&1; rm -rf "$work"' EXIT
failed=0 n=0

# expect STATUS TEXT -- CMD...: exit status and a line of output containing TEXT.
expect() {
	local want=$1 text=$2 out rc
	shift 3
	n=$((n + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -q -- "$text" <<<"$out"; then
		echo "not ok $n - $*: status $rc (want $want), output:"
		sed 's/^/#   /' <<<"$out"
		failed=1
	else
		echo "ok $n - $*"
	fi
}

expect 2 "no command" -- "$bench"
expect 2 "unknown command 'fetch'" -- "$bench" fetch
expect 0 "usage:" -- "$bench" --help
expect 2 "--mode takes plain or utmem, not 'fast'" -- "$bench" run --mode fast
expect 2 "--keys takes 1 to" -- "$bench" load --mode plain --keys 0 --size 64
expect 2 "--size takes 16 to 1048576, not '2M'" -- "$bench" load --mode plain --keys 1 --size 2M
expect 2 "--port takes 1 to 65535" -- "$bench" run --port 70000
expect 2 "--clients takes 1 to 64" -- "$bench" run --clients 65
expect 2 "are required" -- "$bench" run --mode plain --keys 10
expect 2 "unexpected argument 'extra'" -- "$bench" run --mode plain --keys 1 --size 64 extra
expect 1 "cannot connect" -- "$bench" load --socket "$work/none.sock" --mode plain --keys 1 --size 64

redis-server --port 0 --unixsocket "$sock" --save "" --dir "$work" \
	--daemonize yes --logfile "$work/redis.log" || exit 1
until redis-cli -s "$sock" ping 2> /dev/null | grep -q PONG; do sleep 0.1; done
common=(--socket "$sock" --mode plain --keys 2000)
expect 0 "load keys=2000 size=1024" -- "$bench" load "${common[@]}" --size 1024
expect 0 "errors=0" -- "$bench" run "${common[@]}" --size 1024 --seconds 1 --clients 2
[ "$(redis-cli -s "$sock" dbsize)" = 2000 ] || { echo "not ok - dbsize"; failed=1; }
# redis-benchmark -r 2000 names the same keys: its 500 GETs all hit.
stat() { redis-cli -s "$sock" info stats | tr -d '\r' | sed -n "s/^$1://p"; }
hits=$(stat keyspace_hits) misses=$(stat keyspace_misses)
n=$((n + 1))
redis-benchmark -s "$sock" -t get -n 500 -r 2000 -c 2 -q > /dev/null 2>&1
if [ "$(($(stat keyspace_hits) - hits))" = 500 ] &&
   [ "$(stat keyspace_misses)" = "$misses" ]; then
	echo "ok $n - redis-benchmark -r 2000 GETs the loaded keys"
else
	echo "not ok $n - redis-benchmark GETs: $(($(stat keyspace_hits) - hits)) hits," \
	     "$(($(stat keyspace_misses) - misses)) misses of 500"
	failed=1
fi
# Values of another size than loaded: every GET must count as an error.
expect 1 "errors=[1-9]" -- "$bench" run "${common[@]}" --size 512 --seconds 1 \
	--set-percent 0
# UTMEM.GET does not exist without the module: the run fails.
expect 1 "ERR unknown command" -- "$bench" run --socket "$sock" --mode utmem \
	--keys 10 --size 64 --seconds 1 --clients 1
echo "# redis_bench: $n checks, $([ $failed = 0 ] && echo all passed || echo FAILED)"
exit $failed
