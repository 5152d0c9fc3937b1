# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The guest library, sourced first by every guest init script: the file
# systems a guest needs, and
#   fail WHY              ends the guest: "utmem-guest: FAIL WHY"
#   step WHAT             a progress line, with the seconds since boot
#   disk N                the path of the Nth disk the runner attached
#                         (scripts/guest.sh: ubd on UML, virtio on x86_64)
#   wait_until SECS CMD   runs CMD every 0.1 s until it succeeds; fails
#                         after SECS (a bound for a hung guest, far above
#                         what a slow machine needs)
#   redis_start NAME ARG...  a redis-server on /tmp/NAME.sock (pid in
#                         /tmp/NAME.pid) with ARGs, answered PING
#   redis_stop NAME       shuts it down and waits for it to go
#   sysfs_check SYSDIR DEBUGDIR  every file of /sys/kernel/utmem/SYSDIR
#                         reads as the file of that name in debugfs
#                         utmem/DEBUGDIR (call it while nothing moves)
#   kernel_reports_check  the splat check (kernel-reports.sh), which every
#                         init script ends with
# The runners look for "utmem-guest: PASS" or "utmem-guest: FAIL <why>" on
# the console.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# From beside this file, before /tmp is mounted over: a runner may have
# put copies of the scripts there (scripts/run-soak.sh).
. "$(dirname "${BASH_SOURCE[0]}")"/kernel-reports.sh

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# The guest's scratch space is a tmpfs on /tmp, which hides the host's
# /tmp: a checkout (or a cache) there keeps its path through a link in the
# new /tmp, to /mnt, where the host's /tmp is bound.  A nested guest (L2
# of make e2e-kvm) finds its parent's link and follows it instead.
guest_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest_links=()
guest_bind=
for p in "$guest_here" "${UTMEM_BIN:-}" "${UTMEM_L2_KERNEL:-}" "${UTMEM_MODROOT:-}" "${UTMEM_TOOLS:-}"; do
	case $p in
	/tmp/?*)
		p=${p#/tmp/}
		p=${p%%/*}
		real=$(readlink -f "/tmp/$p")
		case $real in
		/tmp/*) guest_bind=1; guest_links+=("$p:/mnt/${real#/tmp/}") ;;
		*) guest_links+=("$p:$real") ;;
		esac
		;;
	esac
done
[ -n "$guest_bind" ] && mount --bind /tmp /mnt
mount -t tmpfs tmpfs /tmp
for p in "${guest_links[@]}"; do
	[ -e "/tmp/${p%%:*}" ] || ln -s "${p#*:}" "/tmp/${p%%:*}"
done
mount -t devtmpfs devtmpfs /dev
kernel_reports_begin

# To stderr: a caller's stdout may be a pipe or a command substitution.
fail() {
	echo "utmem-guest: FAIL $*" >&2
	poweroff -f
}

guest_start=$(date +%s)
step() {
	echo "--- $* [$(($(date +%s) - guest_start)) s]"
}

disk() {	# N
	local disks
	IFS=, read -r -a disks <<< "${UTMEM_DISKS:-}"
	[ -n "${disks[$1]:-}" ] || fail "no disk $1 (UTMEM_DISKS='${UTMEM_DISKS:-}')"
	echo "${disks[$1]}"
}

wait_until() {	# SECONDS CMD...
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

redis_answers() {	# NAME
	redis-cli -s /tmp/"$1".sock ping 2> /dev/null | grep -q PONG
}

redis_start() {	# NAME ARG...
	local name=$1
	shift
	redis-server --port 0 --unixsocket /tmp/"$name".sock --save "" \
		--dir /tmp --pidfile /tmp/"$name".pid --daemonize yes "$@" \
		> /dev/null || fail "redis-server $name"
	wait_until 120 redis_answers "$name" || fail "redis-server $name did not answer"
}

redis_stop() {	# NAME
	redis-cli -s /tmp/"$1".sock shutdown nosave > /dev/null 2>&1
	wait_until 120 test ! -e /tmp/"$1".pid || fail "redis-server $1 did not stop"
}

sysfs_check() {	# SYSDIR DEBUGDIR
	local sys=/sys/kernel/utmem/$1 dbg=/sys/kernel/debug/utmem/$2 f n=0
	[ -d "$sys" ] || fail "no $sys"
	for f in "$sys"/*; do
		[ -f "$f" ] && [ -e "$dbg/${f##*/}" ] || continue
		[ "$(cat "$f")" = "$(cat "$dbg/${f##*/}")" ] ||
			fail "$f reads $(cat "$f"), debugfs $(cat "$dbg/${f##*/}")"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "$sys: no file to compare"
	echo "  sysfs $1/: $n files read as in debugfs $2/"
}
