# SPDX-License-Identifier: GPL-2.0
#
# Sourced first by every guest init script: the file systems a guest
# needs, and fail(), which ends it.  The runners look for
# "utmem-guest: PASS" or "utmem-guest: FAIL <why>" on the console.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mount -t devtmpfs devtmpfs /dev

# To stderr: a caller's stdout may be a pipe or a command substitution.
fail() {
	echo "utmem-guest: FAIL $*" >&2
	poweroff -f
}
