# SPDX-License-Identifier: GPL-2.0
#
# Sourced by build-x86-kernel.sh and build-kernel-debs.sh: the suffix
# that names a KERNEL_BASE's kernels (their release) and build
# directories.  The small base, the default, is not named.
kernel_base_tag() {	# BASE: small, debian or a config file
	case $1 in
	small)	echo ;;
	debian)	echo -debian ;;
	*)	echo -custom ;;
	esac
}
