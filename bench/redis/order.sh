# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The order of the configurations within a data set, which the runner
# (run.sh) and the guest (guest-init.sh) must agree on: data set d (from
# 0) starts with configuration d mod their number, so that none always
# runs first, after the last data set's pressure.

# rotate N WORD...: the words from the (N mod count)th on, then the rest.
rotate() {
	local n=$1
	shift
	local a=("$@") k
	k=$((n % ${#a[@]}))
	echo "${a[@]:k}" "${a[@]:0:k}"
}
