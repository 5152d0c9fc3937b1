#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the patched Linux 6.12 tree that every build target uses.
#
#   scripts/prepare-kernel-tree.sh        prints the tree's path on stdout
#
# The tree lives in the cache directory (UTMEM_CACHE, default
# $XDG_CACHE_HOME/utmem or ~/.cache/utmem), never inside the repository:
# kunit.py and O= builds want a clean source tree, and the repository must
# stay free of build products.  The suite is linked in as drivers/utmem.
#
# A stamp records the Debian source package version and a hash of the patch
# series.  When either changes the tree is thrown away and extracted again;
# otherwise nothing is touched, so make sees no new timestamps and rebuilds
# nothing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${UTMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utmem}
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz
tree=$cache/$pkg

log() { echo "prepare-kernel-tree: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Build dependencies of a UML/x86_64 kernel and of kunit.py.
need_pkgs=()
[ -f "$tarball" ] || need_pkgs+=("$pkg")
for tool in gcc:gcc make:make flex:flex bison:bison bc:bc ccache:ccache \
	    sparse:sparse python3:python3 xz:xz-utils patch:patch; do
	command -v "${tool%%:*}" >/dev/null || need_pkgs+=("${tool#*:}")
done
[ -e /usr/include/libelf.h ] || need_pkgs+=(libelf-dev)
[ -e /usr/include/openssl/ssl.h ] || need_pkgs+=(libssl-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages: ${need_pkgs[*]} (install them as root)"
	log "installing ${need_pkgs[*]}"
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >&2
fi

version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null || echo unknown)
patch_hash=$(cat "$repo"/patches/*.patch 2>/dev/null | sha256sum | cut -d' ' -f1)
want_stamp="$pkg $version patches:$patch_hash"
stamp=$tree/.utmem-stamp

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want_stamp" ]; then
	log "extracting $pkg $version into $cache"
	mkdir -p "$cache"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -xJf "$tarball" -C "$tree.tmp" --strip-components=1
	for p in "$repo"/patches/*.patch; do
		[ -e "$p" ] || continue
		log "applying $(basename "$p")"
		patch -d "$tree.tmp" -p1 --quiet --forward --no-backup-if-mismatch < "$p" \
			|| die "$(basename "$p") does not apply to $pkg $version"
	done
	echo "$want_stamp" > "$tree.tmp/.utmem-stamp"
	mv "$tree.tmp" "$tree"
fi

# The link is refreshed on every run: clones of the repository at other
# paths share one cache, and the link always names the one being built.
link=$tree/drivers/utmem
if [ "$(readlink "$link" 2>/dev/null)" != "$repo" ]; then
	rm -f "$link"
	ln -s "$repo" "$link"
fi

echo "$tree"
