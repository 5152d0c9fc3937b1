#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an x86_64 kernel with the suite built in.
#
#   scripts/build-x86-kernel.sh TREE BUILD_DIR [JOBS] [PROFILE]
#
# PROFILE "guest" (the default) is the guest of `make run GUEST=qemu` and
# the benchmarks: x86_64_defconfig + kvm_guest.config +
# scripts/x86_64-guest.config.  PROFILE "kvm" is the kernel of the
# host-kvm end-to-end, L1 and L2 alike: allnoconfig + kvm_guest.config +
# scripts/x86_64-kvm.config, small enough to build in a fraction of the
# time, with KVM as modules (built too).  PROFILE "soak" is the SMP guest of `make soak`: the kvm profile
# with the kernel's debugging on (scripts/x86_64-soak.config).  The
# configuration is regenerated only when its fragments change, so a re-run
# rebuilds only what changed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: build-x86-kernel.sh TREE BUILD_DIR [JOBS] [guest|kvm|soak]"
tree=${1:?$usage}
build=${2:?$usage}
jobs=${3:-$(nproc)}
profile=${4:-guest}
case $profile in
guest)
	base=x86_64_defconfig
	fragments=("$repo/scripts/x86_64-guest.config")
	;;
kvm)
	base=allnoconfig
	fragments=("$repo/scripts/x86_64-kvm.config")
	;;
soak)
	base=allnoconfig
	fragments=("$repo/scripts/x86_64-kvm.config" "$repo/scripts/x86_64-soak.config")
	;;
*)
	echo "build-x86-kernel: no profile '$profile'; $usage" >&2
	exit 2
	;;
esac
kmake=(make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" -j"$jobs")

stamp=$build/.utmem-config-stamp
want=$(cat "${fragments[@]}" "$tree/kernel/configs/kvm_guest.config" | sha256sum | cut -d' ' -f1)
if [ ! -f "$build/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	mkdir -p "$build"
	"${kmake[@]}" -s $base
	"$tree"/scripts/kconfig/merge_config.sh -m -O "$build" \
		"$build/.config" "$tree/kernel/configs/kvm_guest.config" \
		"${fragments[@]}" > /dev/null
	"${kmake[@]}" -s olddefconfig
	# merge_config.sh does not fail on options that did not stick.
	missing=$(cat "${fragments[@]}" | grep '^CONFIG_.*=y$' | while read -r line; do
		grep -qx "$line" "$build/.config" || echo "${line%=y}"
	done)
	if [ -n "$missing" ]; then
		echo "build-x86-kernel: did not stick:" $missing >&2
		exit 1
	fi
	echo "$want" > "$stamp"
fi
targets=(bzImage)
# The kvm profile's KVM is modules, which L1 loads from BUILD_DIR.
[ "$profile" = kvm ] && targets+=(modules)
"${kmake[@]}" "${targets[@]}"
