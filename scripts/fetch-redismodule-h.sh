#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Put redismodule.h, the Redis module API header, in DIR: taken from
# Debian's redis source package of the installed redis-server's version
# (`apt-get source` with a private sources list, so the machine's apt
# configuration is left alone).  Nothing of Redis is kept in this
# repository.  Does nothing when DIR already has the header of that
# version.
#
#   scripts/fetch-redismodule-h.sh DIR
set -euo pipefail

dir=${1:?usage: fetch-redismodule-h.sh DIR}
version=$(dpkg-query -W -f '${source:Version}' redis-server)
[ -n "$version" ] || { echo "fetch-redismodule-h: redis-server is not installed" >&2; exit 1; }
if [ -f "$dir/redismodule.h" ] && [ "$(cat "$dir/version" 2>/dev/null)" = "$version" ]; then
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial"
. /etc/os-release
for suite in "$VERSION_CODENAME" "$VERSION_CODENAME-updates"; do
	echo "deb-src http://deb.debian.org/debian $suite main"
done > "$work/sources.list"
echo "deb-src http://deb.debian.org/debian-security $VERSION_CODENAME-security main" \
	>> "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list"
	  -o Dir::Etc::SourceParts=/dev/null
	  -o "Dir::State::Lists=$work/lists"
	  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
# apt drops privileges to _apt for downloads; it cannot write here.
[ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

apt-get "${apt_opts[@]}" -q update > "$work/update.log" 2>&1 ||
	{ cat "$work/update.log" >&2; exit 1; }
(cd "$work" && apt-get "${apt_opts[@]}" -q source "redis=$version" \
	> source.log 2>&1) || { cat "$work/source.log" >&2; exit 1; }
mkdir -p "$dir"
install -m 0644 "$work"/redis-*/src/redismodule.h "$dir/redismodule.h"
echo "$version" > "$dir/version"
echo "fetch-redismodule-h: redismodule.h of redis $version in $dir"
