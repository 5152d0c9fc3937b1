# SPDX-License-Identifier: GPL-2.0
#
# Sourced first by every guest init script: the file systems a guest
# needs, fail(), which ends it, and kernel_reports_check
# (kernel-reports.sh), which each ends with.  The runners look for
# "utmem-guest: PASS" or "utmem-guest: FAIL <why>" on the console.
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
for p in "$guest_here" "${UTMEM_BIN:-}" "${UTMEM_KERNEL:-}" "${UTMEM_KBUILD:-}"; do
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
