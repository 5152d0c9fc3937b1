#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-layers.py on small made-up builds: it passes a graph
# that keeps the layers, and names the cycle or the breach otherwise.
set -euo pipefail
check=$(dirname "$0")/../../scripts/check-layers.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0

# obj PATH 'C source': one object of the made-up build.
obj() {
	mkdir -p "$work/$(dirname "$1")"
	echo "$2" > "$work/${1%.o}.c"
	cc -c -o "$work/$1" "$work/${1%.o}.c"
}

build() {
	rm -f "$work/built-in.a"
	(cd "$work" && ar cDPrST built-in.a "$@")
}

expect() {	# expect 0|1 PATTERN: exit status, and a line of the output
	local out rc=0
	out=$("$check" "$work" 2>&1) || rc=$?
	n=$((n + 1))
	if [ "$rc" != "$1" ] || ! grep -q -- "$2" <<< "$out"; then
		echo "not ok $n: want exit $1 and '$2', got $rc:"
		echo "$out"
		exit 1
	fi
	echo "ok $n: $2"
}

obj lib/a.o 'int lib_a(void) { return 1; }'
obj guest/tmem/core.o 'int lib_a(void); int core(void) { return lib_a(); }'
obj guest/mm/user.o 'int core(void); int user(void) { return core(); }'
obj host/engine.o 'int engine(void) { return 2; }'
obj main.o 'int user(void); int engine(void); int main_init(void) { return user() + engine(); }'
build lib/a.o guest/tmem/core.o guest/mm/user.o host/engine.o main.o
expect 0 'no cycle, layers kept'

# Two files of one folder that call each other.
obj host/engine.o 'int capacity(void); int engine(void) { return capacity(); }'
obj host/capacity.o 'int engine(void); int capacity(void) { return engine(); }'
build lib/a.o guest/tmem/core.o guest/mm/user.o host/engine.o \
	host/capacity.o main.o
expect 1 'cycle: host/capacity.o host/engine.o'
expect 1 'host/engine.o -> host/capacity.o: capacity'

# The core calling up into a user, and the host into the guest core.
obj host/engine.o 'int core(void); int engine(void) { return core(); }'
obj guest/tmem/core.o 'int user2(void); int core(void) { return user2(); }'
obj guest/mm/user2.o 'int user2(void) { return 3; }'
build lib/a.o guest/tmem/core.o guest/mm/user.o guest/mm/user2.o \
	host/engine.o main.o
expect 1 'guest/tmem/core.o -> guest/mm/user2.o (user2): against the layers'
expect 1 'host/engine.o -> guest/tmem/core.o (core): against the layers'
echo "check-layers: $n checks passed"
