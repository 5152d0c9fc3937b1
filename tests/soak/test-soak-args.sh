#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the soak's command lines on the build machine: the guest runner
# (scripts/guest.sh) with the soak scenario, utmem_client and
# redis_soak refuse bad arguments with exit status 2
# and a message, and the clients report a missing device or server the
# same way.  (Their checked runs need a guest: make soak, make test.)
#
#   tests/soak/test-soak-args.sh BIN_DIR
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:?usage: test-soak-args.sh BIN_DIR}
failures=0

expect() {	# WANT-STATUS PATTERN DESCRIPTION COMMAND...
	local want=$1 pattern=$2 what=$3 out status
	shift 3
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" != "$want" ] || ! grep -q -- "$pattern" <<<"$out"; then
		echo "FAIL: $what: exit $status (wanted $want), output:"
		echo "$out" | sed 's/^/    /'
		failures=$((failures + 1))
		return
	fi
	echo "ok: $what"
}

# The guest runner and the soak scenario refuse before booting anything.
guest=$repo/scripts/guest.sh
# The soak's programs, as stand-ins: only its arguments are checked here.
fakebin=$(mktemp -d)
trap 'rm -rf "$fakebin"' EXIT
for p in utmem_client redis_soak redis-utmem.so swap_stress cc_torture utmem_dev_test; do
	install -m 0755 /dev/null "$fakebin/$p"
done
soak=(env KERNEL=/bin/true BIN="$fakebin" "$guest" soak)
expect 2 'DURATION wants' "soak: DURATION=5" "${soak[@]}" DURATION=5
expect 2 'DURATION wants' "soak: DURATION=2x" "${soak[@]}" DURATION=2x
expect 2 'DURATION wants' "soak: DURATION=m" "${soak[@]}" DURATION=m
expect 2 'SEED wants' "soak: SEED=x" "${soak[@]}" DURATION=30m SEED=x
expect 2 'FUZZ_OPS wants' "soak: FUZZ_OPS=1e6" "${soak[@]}" FUZZ_OPS=1e6
expect 2 'no kernel' "guest.sh: missing kernel" env KERNEL=/nonexistent \
	BIN="$fakebin" "$guest" soak
expect 2 "not 'arm'" "guest.sh: unknown arch" "${soak[@]}" --arch arm
expect 2 "runs on x86_64, not 'uml'" "guest.sh: scenario of another arch" \
	env KERNEL=/bin/true "$guest" kvm --arch uml
expect 2 "no scenario 'nosuch'" "guest.sh: unknown scenario" "$guest" nosuch
expect 2 "'extra'?" "guest.sh: a word that is no NAME=VALUE" "${soak[@]}" extra
expect 2 "needs /nonexistent/utmem_client" "guest.sh: a missing program" \
	env KERNEL=/bin/true BIN=/nonexistent "$guest" soak
expect 0 "^soak  *uml,x86_64" "guest.sh --list" "$guest" --list
expect 2 "wants a count" "guest.sh: --jobs 0" "$guest" --jobs 0 sim
# Guests that fail (no scenario; a kernel that boots nothing) are named,
# with the end of their logs.
expect 1 "failed: nosuch sim" "guest.sh --jobs: failures reported" \
	env KERNEL=/bin/true UTMEM_CACHE="$(mktemp -d)" "$guest" --jobs 2 nosuch sim

client=$bin/utmem_client
expect 2 usage "utmem_client: no -i" "$client"
expect 2 usage "utmem_client: -i 70000" "$client" -i 70000
expect 2 usage "utmem_client: -k 0" "$client" -i 1 -k 0
expect 2 usage "utmem_client: -n x" "$client" -i 1 -n x
expect 2 usage "utmem_client: extra argument" "$client" -i 1 extra
if [ ! -e /dev/utmem ]; then
	expect 2 '/dev/utmem: No such file' "utmem_client: no device" "$client" -i 1
fi

redis=$bin/redis_soak
expect 2 usage "redis_soak: no --socket" "$redis" -i 1
expect 2 usage "redis_soak: no -i" "$redis" --socket /nonexistent
expect 2 usage "redis_soak: -k 70000" "$redis" --socket /x -i 1 -k 70000
expect 2 'cannot connect' "redis_soak: no server" "$redis" --socket /nonexistent -i 1

if [ "$failures" != 0 ]; then
	echo "test-soak-args: $failures failure(s)"
	exit 1
fi
echo "test-soak-args: all passed"
