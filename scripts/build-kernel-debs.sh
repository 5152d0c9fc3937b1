#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian packages of the guest and host kernels: linux-image-<release>
# and linux-headers-<release>, by the kernel's own bindeb-pkg on the
# build directories the end-to-end test boots (the same configuration,
# nothing rebuilt that is built).
#
#   scripts/build-kernel-debs.sh OUT_DIR BASE PROFILE...
#
# PROFILE is guest or host, BASE small, debian or a config file (see
# scripts/build-x86-kernel.sh).  The release is
# <version>-utmem<VERSION>-<profile>[-<base>], the package version
# <Debian's linux-source version>+utmem<VERSION>: a Debian security
# update of linux-source-6.12 with a new sublevel makes new packages,
# installed beside the old kernel as Debian's own are.  The
# packages' maintainer is DEBFULLNAME <DEBEMAIL> (default "utmem
# developers <utmem@localhost>").  Each package is checked (its kernel,
# its modules, the suite built in as the profile wants) and its path
# printed; older packages of the same profile and base in OUT_DIR go.
# linux-libc-dev, which bindeb-pkg makes too, is left out: Debian's own
# serves userspace, and utmem's uapi headers come with utmem-tools.
set -euo pipefail

usage="usage: build-kernel-debs.sh OUT_DIR small|debian|CONFIG_FILE guest|host..."
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${UTMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/utmem}
out=${1:?$usage}
base=${2:?$usage}
shift 2
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
jobs=${JOBS:-$(nproc)}
die() { echo "build-kernel-debs: $*" >&2; exit 1; }
for profile in "$@"; do
	case $profile in guest|host) ;; *) echo "build-kernel-debs: no profile '$profile'; $usage" >&2; exit 2 ;; esac
done
case $base in
small|debian) ;;
*) [ -f "$base" ] || { echo "build-kernel-debs: KERNEL_BASE '$base' is not small, debian or a config file" >&2; exit 2; } ;;
esac

need=()
command -v dh_testdir > /dev/null || need+=(debhelper)
command -v dpkg-buildpackage > /dev/null || need+=(dpkg-dev)
command -v rsync > /dev/null || need+=(rsync)
command -v depmod > /dev/null || need+=(kmod)
command -v cpio > /dev/null || need+=(cpio)
[ ${#need[@]} = 0 ] || "$repo"/scripts/need-packages.sh "${need[@]}"

tree=$("$repo"/scripts/prepare-kernel-tree.sh)
series=$(cat "$repo/VERSION")
source_version=$(dpkg-query -W -f '${Version}' linux-source-6.12)
pkgversion=$source_version+utmem$series
# shellcheck source=scripts/kernel-base.sh
. "$repo/scripts/kernel-base.sh"
tag=$(kernel_base_tag "$base")
mkdir -p "$out"
out=$(cd "$out" && pwd)
# One run at a time on a cache's build directories (make deb-pkg and
# make e2e-kvm both come here): a second waits for the first.
exec 9> "$cache/.build-kernel-debs.lock"
flock -n 9 || { echo "build-kernel-debs: another run builds in $cache: waiting for it" >&2; flock 9; }

for profile in "$@"; do
	build=$cache/build-x86_64-$profile$tag
	# Built with the build version bindeb-pkg's debian/rules passes (the
	# package version's Debian revision), so that bindeb-pkg finds
	# vmlinux up to date instead of linking it again.
	localversion=$(KBUILD_BUILD_VERSION=${pkgversion##*-} \
		"$repo"/scripts/build-x86-kernel.sh "$tree" "$build" "$jobs" \
		"$profile" "$base")
	release=$(make -s --no-print-directory -C "$tree" O="$build" ARCH=x86_64 \
		LOCALVERSION="$localversion" kernelrelease)
	echo "build-kernel-debs: $profile: linux-image-$release $pkgversion" >&2
	# dpkg-buildpackage writes next to the build directory.
	parent=$(dirname "$build")
	rm -f "$parent"/linux-*_"$pkgversion"_*.deb "$parent"/linux-utmem_"$pkgversion"_*
	DEB_BUILD_OPTIONS="parallel=$jobs terse" \
	DEBFULLNAME=${DEBFULLNAME:-utmem developers} DEBEMAIL=${DEBEMAIL:-utmem@localhost} \
	make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" \
		LOCALVERSION="$localversion" KDEB_PKGVERSION="$pkgversion" \
		KDEB_SOURCENAME=linux-utmem KDEB_CHANGELOG_DIST=bookworm \
		bindeb-pkg > "$build/bindeb-pkg.log" 2>&1 ||
		{ tail -30 "$build/bindeb-pkg.log" >&2; die "$profile: bindeb-pkg failed (log: $build/bindeb-pkg.log)"; }

	for pkg in linux-image linux-headers; do
		deb=$parent/${pkg}-${release}_${pkgversion}_amd64.deb
		[ -f "$deb" ] || die "$profile: bindeb-pkg made no $(basename "$deb")"
	done
	rm -f "$parent"/linux-libc-dev_"$pkgversion"_*.deb \
	      "$parent"/linux-utmem_"$pkgversion"_* \
	      "$parent"/linux-image-"$release"-dbg_"$pkgversion"_*.deb

	# What the image package must hold, checked before it replaces the
	# one in OUT_DIR.
	image=$parent/linux-image-${release}_${pkgversion}_amd64.deb
	files=$(dpkg-deb -c "$image" | awk '{ print $NF }')
	want=(./boot/vmlinuz-"$release" ./boot/config-"$release"
	      ./lib/modules/"$release"/modules.builtin)
	options=(CONFIG_UTMEM=y)
	if [ "$profile" = host ]; then
		# (compressed on Debian's config: kvm.ko.xz)
		for m in kvm kvm-amd kvm-intel; do
			grep -qE "^\./lib/modules/$release/kernel/arch/x86/kvm/$m\.ko(\.xz|\.zst|\.gz)?$" <<< "$files" ||
				die "$(basename "$image") has no $m.ko"
		done
		options+=(CONFIG_UTMEM_KVM_HOST=y CONFIG_UTMEM_DEFAULT_BACKEND_NONE=y)
	else
		options+=(CONFIG_UTMEM_KVM=y CONFIG_UTMEM_DEFAULT_BACKEND_KVM=y
			  CONFIG_UTMEM_FRONTSWAP=y CONFIG_UTMEM_CLEANCACHE=y)
	fi
	for f in "${want[@]}"; do
		grep -qxF "$f" <<< "$files" || die "$(basename "$image") has no $f"
	done
	config=$(dpkg-deb --fsys-tarfile "$image" | tar -xO ./boot/config-"$release")
	for o in "${options[@]}"; do
		grep -qx "$o" <<< "$config" || die "$(basename "$image"): no $o"
	done
	! grep -qx 'CONFIG_UTMEM_SIM=y' <<< "$config" ||
		die "$(basename "$image"): the simulator is in a production kernel"

	rm -f "$out"/linux-image-*-utmem*-"$profile$tag"_*.deb \
	      "$out"/linux-headers-*-utmem*-"$profile$tag"_*.deb
	mv "$image" "$parent"/linux-headers-"$release"_"$pkgversion"_amd64.deb "$out"/
	ls "$out"/linux-image-"$release"_"$pkgversion"_amd64.deb \
	   "$out"/linux-headers-"$release"_"$pkgversion"_amd64.deb
done
