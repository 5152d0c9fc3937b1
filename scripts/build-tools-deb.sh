#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The utmem-tools Debian package: utmemctl and its man page, libutmem
# (static library and headers) and the Redis module, built afresh with
# Debian's hardening flags (dpkg-buildflags) and installed with
# `make install PREFIX=/usr` into the package.
#
#   scripts/build-tools-deb.sh OUT_DIR VERSION
#
# Prints the package's path.  DEBFULLNAME and DEBEMAIL name the
# maintainer (default "utmem developers <utmem@localhost>").  Needs dpkg-dev (dpkg-buildflags,
# dpkg-shlibdeps) and the Redis module's build dependencies.
set -euo pipefail

usage="usage: build-tools-deb.sh OUT_DIR VERSION"
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?$usage}
version=${2:?$usage}
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] ||
	{ echo "build-tools-deb: '$version' is not a Debian version" >&2; exit 2; }
command -v dpkg-shlibdeps > /dev/null || "$repo"/scripts/need-packages.sh dpkg-dev
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
doc=$stage/usr/share/doc/utmem-tools

flags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
flags+=" $(dpkg-buildflags --get LDFLAGS)"
# The build directory is a fresh one: the cached programs may be of
# another version or built without the flags.
make -s -C "$repo" install BIN="$work/bin" DESTDIR="$stage" PREFIX=/usr \
	EXTRA_CFLAGS="$flags" UTMEM_VERSION="$version" > "$work/build.log" ||
	{ cat "$work/build.log" >&2; exit 1; }

strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$stage"/usr/sbin/utmemctl "$stage"/usr/lib/redis/modules/redis-utmem.so
strip --strip-debug "$stage"/usr/lib/*/libutmem.a
gzip -9n "$stage"/usr/share/man/man8/utmemctl.8
install -d "$doc"
install -m 0644 "$repo"/tools/utmemctl/README.md "$doc"/README.utmemctl.md
install -m 0644 "$repo"/tools/redis-utmem/README.md "$doc"/README.redis-utmem.md
cat > "$doc"/copyright <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: utmem

Files: *
Copyright: the utmem developers
License: GPL-2.0
 On Debian systems, the full text of the GNU General Public License
 version 2 can be found in the file /usr/share/common-licenses/GPL-2.
EOF

# What the programs link against, as dpkg-shlibdeps sees it.
mkdir -p "$work/debian"
printf 'Source: utmem\n\nPackage: utmem-tools\nArchitecture: any\n' \
	> "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O -e"$stage"/usr/sbin/utmemctl \
	-e"$stage"/usr/lib/redis/modules/redis-utmem.so 2> /dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-tools-deb: dpkg-shlibdeps found nothing" >&2; exit 1; }
# Debian's own variables name the packager, as dch and debuild take them.
maintainer="${DEBFULLNAME:-utmem developers} <${DEBEMAIL:-utmem@localhost}>"

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<EOF
Package: utmem-tools
Version: $version
Architecture: $arch
Maintainer: $maintainer
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Suggests: redis-server
Description: utmem transcendent memory: utmemctl, libutmem, Redis module
 A guest kernel with utmem keeps swapped pages, clean page-cache pages
 and applications' key-value pairs in memory its host lends it, through
 a copy-based PUT/GET/FLUSH interface on host-owned pools.
 .
 This package holds utmemctl(8), which inspects and drives the pools
 from a guest or host shell; libutmem, a C library over /dev/utmem, with
 its headers; and redis-utmem.so, a Redis module keeping values in host
 memory (/usr/lib/redis/modules).
EOF
mkdir -p "$out"
# One utmem-tools in OUT_DIR, the one just built: what the end-to-end
# installs and a deployer copies.
rm -f "$out"/utmem-tools_*_"$arch".deb
deb=$out/utmem-tools_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" > /dev/null
echo "$deb"
