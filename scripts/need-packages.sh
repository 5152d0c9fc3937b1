#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure Debian packages are installed: install the missing ones when
# run as root (CI, a fresh machine), else name them and fail.
#
#   scripts/need-packages.sh PACKAGE...
set -euo pipefail

missing=()
for p in "$@"; do
	dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null |
		grep -qx installed || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "need-packages: install ${missing[*]} (apt-get install as root)" >&2
	exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "${missing[@]}"
