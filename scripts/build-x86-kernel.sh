#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the x86_64 guest kernel with the suite built in.
#
#   scripts/build-x86-kernel.sh TREE BUILD_DIR [JOBS]
#
# The configuration is x86_64_defconfig + kvm_guest.config +
# scripts/x86_64-guest.config; it is regenerated only when the fragment
# changes, so a re-run rebuilds only what changed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:?usage: build-x86-kernel.sh TREE BUILD_DIR [JOBS]}
build=${2:?usage: build-x86-kernel.sh TREE BUILD_DIR [JOBS]}
jobs=${3:-$(nproc)}
fragment=$repo/scripts/x86_64-guest.config
kmake=(make -C "$tree" O="$build" ARCH=x86_64 CC="ccache gcc" -j"$jobs")

stamp=$build/.utmem-config-stamp
want=$(sha256sum "$fragment" | cut -d' ' -f1)
if [ ! -f "$build/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	mkdir -p "$build"
	"${kmake[@]}" -s x86_64_defconfig
	"$tree"/scripts/kconfig/merge_config.sh -m -O "$build" \
		"$build/.config" "$tree/kernel/configs/kvm_guest.config" \
		"$fragment" > /dev/null
	"${kmake[@]}" -s olddefconfig
	# merge_config.sh does not fail on options that did not stick.
	for opt in CONFIG_UTMEM CONFIG_UTMEM_SIM CONFIG_UTMEM_DEV CONFIG_UTMEM_FRONTSWAP \
		   CONFIG_FRONTSWAP CONFIG_9P_FS CONFIG_KVM_AMD \
		   CONFIG_DM_DELAY CONFIG_FAULT_INJECTION_DEBUG_FS; do
		grep -q "^$opt=y" "$build/.config" ||
			{ echo "build-x86-kernel: $opt did not stick" >&2; exit 1; }
	done
	echo "$want" > "$stamp"
fi
"${kmake[@]}" bzImage
