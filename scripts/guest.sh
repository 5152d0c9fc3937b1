#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest runner: boots one scenario's guest and reports its verdict.
#
#   scripts/guest.sh SCENARIO [--arch uml|x86_64] [NAME=VALUE...]
#   scripts/guest.sh --jobs N 'SCENARIO [ARG...]'...
#   scripts/guest.sh --list
#
# With --jobs, runs the scenarios given (each one quoted with its
# arguments), N at a time, each guest's console in a log under
# UTMEM_CACHE/logs/; prints a line as each starts and ends, and the tail
# of the log of one that fails.  Each guest is one process, so on this
# 2-core machine two run side by side in the time of one.
#
# A scenario is a file in scripts/scenarios/ (bash, sourced here) that
# sets:
#   INIT      the guest's init, in scripts/guest/
#   ABOUT     one line on what it checks
#   ARCHS     the arches it runs on, the first the default ("uml")
#   MEM       guest memory (256M); MEM_X86_64 for x86_64 if it differs
#   SMP       x86_64 CPUs (2)
#   DISKS     sizes of sparse scratch disks, attached in order (ubd on
#             UML, virtio on x86_64); the guest finds them with `disk N`
#   ARGS      kernel arguments; NAME=VALUE words reach init as variables
#   NEEDS     programs the guest runs, from BIN
#   KERNEL_PROFILE  x86_64 kernel: "" (build-x86_64), guest, host or soak
#   TIMEOUT   a bound for a hung guest (30m), far above any slow machine
#   SIM_CARVE_OUT  1 (the default): the simulator's capacity leaves the
#             guest's memory (utmem.sim_carve_out=1), as a real host's
#             memory is not the guest's; the guests are sized for that
# and may define scenario_prepare, run before the boot with the work
# directory in $work, to add to ARGS from NAME=VALUE words.
#
# The guest runs copies of scripts/guest/ from a private directory, so
# that a checkout may change while it runs.  Kernels and programs come
# from UTMEM_CACHE (build-uml/linux, build-x86_64*/arch/x86/boot/bzImage,
# bin/); KERNEL= and BIN= override them.  Progress lines go to stderr,
# each with the seconds since the runner started.
set -euo pipefail

# Read whole before it runs: a checkout may change while a guest runs.
{

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${UTMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utmem}
usage="usage: guest.sh SCENARIO [--arch uml|x86_64] [NAME=VALUE...] | --list"

if [ "${1:-}" = --list ]; then
	for f in "$repo"/scripts/scenarios/*; do
		(ABOUT=; ARCHS=uml; . "$f"; printf '%-12s %-11s %s\n' \
			"$(basename "$f")" "${ARCHS// /,}" "$ABOUT")
	done
	exit 0
fi
if [ "${1:-}" = --jobs ]; then
	jobs=${2:?$usage}
	shift 2
	[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "guest.sh: --jobs wants a count, not '$jobs'" >&2; exit 2; }
	logs=$cache/logs
	mkdir -p "$logs"
	start=$(date +%s)
	declare -A names=()
	failed=()
	finish() {	# waits for one guest; records a failure
		local pid status=0
		wait -n -p pid || status=$?
		if [ "$status" = 0 ]; then
			echo "guest.sh: ${names[$pid]}: PASS [$(($(date +%s) - start)) s]"
		else
			echo "guest.sh: ${names[$pid]}: FAIL [$(($(date +%s) - start)) s]; the end of $logs/${names[$pid]%% *}.log:"
			tail -60 "$logs/${names[$pid]%% *}.log" | sed 's/^/    /'
			failed+=("${names[$pid]%% *}")
		fi
		unset "names[$pid]"
	}
	for run in "$@"; do
		[ "${#names[@]}" -lt "$jobs" ] || finish
		# shellcheck disable=SC2086
		"$0" $run > "$logs/${run%% *}.log" 2>&1 &
		names[$!]=$run
		echo "guest.sh: $run: started [$(($(date +%s) - start)) s]"
	done
	while [ "${#names[@]}" -gt 0 ]; do
		finish
	done
	if [ "${#failed[@]}" -gt 0 ]; then
		echo "guest.sh: failed: ${failed[*]}"
		exit 1
	fi
	echo "guest.sh: $# scenarios passed in $(($(date +%s) - start)) s"
	exit 0
fi
scenario=${1:?$usage}
shift
file=$repo/scripts/scenarios/$scenario
[ -f "$file" ] || { echo "guest.sh: no scenario '$scenario' (guest.sh --list)" >&2; exit 2; }

arch=
words=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=${2:?$usage}; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	*=*) words+=("$1"); shift ;;
	*) echo "guest.sh: '$1'? $usage" >&2; exit 2 ;;
	esac
done

INIT= ABOUT= ARCHS=uml MEM=256M MEM_X86_64= SMP=2 DISKS= ARGS= NEEDS=
KERNEL_PROFILE= TIMEOUT=30m SIM_CARVE_OUT=1
# shellcheck source=/dev/null
. "$file"
arch=${arch:-${ARCHS%% *}}
[[ " $ARCHS " == *" $arch "* ]] ||
	{ echo "guest.sh: $scenario runs on ${ARCHS// /, }, not '$arch'" >&2; exit 2; }

start=$(date +%s)
progress() {
	echo "guest.sh: $scenario ($arch): $* [$(($(date +%s) - start)) s]" >&2
}

bin=${BIN:-$cache/bin}
for p in $NEEDS; do
	[ -x "$bin/$p" ] || { echo "guest.sh: $scenario needs $bin/$p (make builds it)" >&2; exit 2; }
done
case $arch in
uml) kernel=${KERNEL:-$cache/build-uml/linux} ;;
x86_64) kernel=${KERNEL:-$cache/build-x86_64${KERNEL_PROFILE:+-$KERNEL_PROFILE}/arch/x86/boot/bzImage}
	[ -z "$MEM_X86_64" ] || MEM=$MEM_X86_64 ;;
*) echo "guest.sh: no arch '$arch'; $usage" >&2; exit 2 ;;
esac
[ -e "$kernel" ] || { echo "guest.sh: no kernel at $kernel" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$repo"/scripts/guest "$work"/
init=$work/guest/$INIT
[ -f "$init" ] || { echo "guest.sh: $scenario: no scripts/guest/$INIT" >&2; exit 2; }

disk_args=()
guest_disks=
letters=abcdefgh
i=0
for size in $DISKS; do
	truncate -s "$size" "$work/disk$i.img"
	if [ "$arch" = uml ]; then
		disk_args+=("ubd$i=$work/disk$i.img")
		guest_disks+="${guest_disks:+,}/dev/ubd${letters:i:1}"
	else
		disk_args+=(-drive "file=$work/disk$i.img,format=raw,if=virtio")
		guest_disks+="${guest_disks:+,}/dev/vd${letters:i:1}"
	fi
	i=$((i + 1))
done
if declare -F scenario_prepare > /dev/null; then
	scenario_prepare "${words[@]}"
fi

# shellcheck disable=SC2206
args=(${SIM_CARVE_OUT:+utmem.sim_carve_out=1} $ARGS UTMEM_BIN="$bin" "${words[@]}")
[ -n "$guest_disks" ] && args+=("UTMEM_DISKS=$guest_disks")
progress "boot $(basename "$kernel"), $MEM, disks: ${DISKS:-none}"
status=0
if [ "$arch" = uml ]; then
	timeout "$TIMEOUT" "$repo"/scripts/run-uml.sh "$kernel" "$init" "$MEM" \
		"${disk_args[@]}" "${args[@]}" || status=$?
else
	QEMU_TIMEOUT=$TIMEOUT QEMU_ARGS="${disk_args[*]}" \
		"$repo"/scripts/run-qemu.sh "$kernel" "$init" "$MEM" "$SMP" \
		"${args[@]}" || status=$?
fi
if [ "$status" != 0 ]; then
	progress "FAIL (status $status)"
	exit 1
fi
progress "PASS"
exit
}
