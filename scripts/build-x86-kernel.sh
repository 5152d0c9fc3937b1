#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build an x86_64 kernel with the suite built in.
#
#   scripts/build-x86-kernel.sh TREE BUILD_DIR [JOBS] [PROFILE] [BASE]
#
# PROFILE:
#   sim    (the default) the simulator guest of `make run GUEST=qemu` and
#          the benchmarks: x86_64_defconfig + kvm_guest.config +
#          scripts/x86_64-sim.config.
#   guest  a production KVM guest: BASE + configs/utmem-guest.config.
#   host   a production KVM host, KVM as modules (built too): BASE +
#          configs/utmem-host.config.
#   soak   the SMP guest of `make soak`: the small base +
#          scripts/x86_64-soak.config (the kernel's debugging on).
# BASE, for guest and host: "small" (the default: allnoconfig +
# kvm_guest.config + configs/base-small.config, minutes to build),
# "debian" (Debian's own config, from linux-config-6.12, with
# configs/base-debian.config) or the path of a config file.
#
# The guest and host kernels are released as
# <version>-utmem<VERSION>-<profile>[-<base>] (the base named when it is
# not the small one): `make deb-pkg` packages these build directories as
# they are.  The configuration is regenerated only when its inputs
# change, so a re-run rebuilds only what changed.  Prints the
# LOCALVERSION to build with (empty for sim and soak) on stdout.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: build-x86-kernel.sh TREE BUILD_DIR [JOBS] [sim|guest|host|soak] [small|debian|CONFIG_FILE]"
tree=${1:?$usage}
build=${2:?$usage}
jobs=${3:-$(nproc)}
profile=${4:-sim}
base=${5:-small}
die() { echo "build-x86-kernel: $*" >&2; exit 2; }
# shellcheck source=scripts/kernel-base.sh
. "$repo/scripts/kernel-base.sh"

kvm_guest=$tree/kernel/configs/kvm_guest.config
small=(allnoconfig "$kvm_guest" "$repo/configs/base-small.config")
localversion=
case $profile in
sim)	start=(x86_64_defconfig "$kvm_guest")
	fragments=("$repo/scripts/x86_64-sim.config") ;;
soak)	start=("${small[@]}")
	fragments=("$repo/scripts/x86_64-soak.config") ;;
guest|host)
	fragments=("$repo/configs/utmem-$profile.config")
	localversion=-utmem$(cat "$repo/VERSION")-$profile$(kernel_base_tag "$base")
	case $base in
	small)	start=("${small[@]}") ;;
	debian)	debconf=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
		[ -f "$debconf" ] || "$repo"/scripts/need-packages.sh linux-config-6.12 >&2
		mkdir -p "$build"
		xz -dc "$debconf" > "$build/base.config"
		start=("$build/base.config" "$repo/configs/base-debian.config") ;;
	*)	[ -f "$base" ] || die "KERNEL_BASE '$base' is not small, debian or a config file"
		mkdir -p "$build"
		cp "$base" "$build/base.config"
		start=("$build/base.config") ;;
	esac ;;
*)	die "no profile '$profile'; $usage" ;;
esac
kmake=(make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" -j"$jobs"
       LOCALVERSION="$localversion")

# start: a make target (allnoconfig, x86_64_defconfig) then fragments,
# or a whole config then fragments.
stamp=$build/.utmem-config-stamp
inputs=("${start[@]:1}" "${fragments[@]}")
want=$({ echo "${start[0]}"; [ ! -f "${start[0]}" ] || cat "${start[0]}"
	 cat "${inputs[@]}"; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$build/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	mkdir -p "$build"
	if [ -f "${start[0]}" ]; then
		cp "${start[0]}" "$build/.config.base"
		mv "$build/.config.base" "$build/.config"
	else
		"${kmake[@]}" -s "${start[0]}" >&2
	fi
	"$tree"/scripts/kconfig/merge_config.sh -m -O "$build" \
		"$build/.config" "${inputs[@]}" > /dev/null
	"${kmake[@]}" -s olddefconfig >&2
	# merge_config.sh does not fail on options that did not stick.
	missing=$(cat "${fragments[@]}" | grep -E '^CONFIG_.*=[ym]$' | while read -r line; do
		grep -qx "$line" "$build/.config" || echo "$line"
	done)
	notset=$(cat "${fragments[@]}" | sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' |
		while read -r opt; do
			! grep -q "^$opt=" "$build/.config" || echo "$opt off"
		done)
	[ -z "$missing$notset" ] || die "did not stick: $(tr "\n" " " <<< "$missing $notset")"
	echo "$want" > "$stamp"
fi
targets=(bzImage)
# What the packages install: the host's KVM is modules.
case $profile in guest|host) targets+=(modules) ;; esac
"${kmake[@]}" "${targets[@]}" >&2
# A kernel whose WARNs and BUGs name ../linux-source-6.12/... (ccache's
# base directory without the Makefile's prefix map) is not shipped.
if grep -q -a -F "../$(basename "$tree")/" "$build/vmlinux"; then
	die "vmlinux names its sources by a relative path (../$(basename "$tree")/): build with the Makefile's KCPPFLAGS"
fi
echo "$localversion"
