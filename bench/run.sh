#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The performance suite (`make bench`; see bench/README.md): boots the
# benchmark UML kernel twice with scripts/guest/init-bench.sh, which writes
# each benchmark's raw rows into RESULTS, then bench/report.py turns them
# into RESULTS/report.md and its plots and prints the summary.  The large
# guest (1280 MiB, 512 MiB of it the host's) runs the page path, scaling,
# /dev/utmem and capacity benchmarks; the small one (48 MiB, 24 MiB of it
# the host's, about 8 MiB available) the swap and cleancache benchmarks,
# whose working sets it sizes against its memory.
#
#   bench/run.sh LINUX BIN_DIR KERNEL_TREE RESULTS
#
# The page-mix disk of the capacity benchmark is made here, with
# mkfs.ext4 -d: binaries of this machine's /usr/bin (files under 2 MiB,
# 64 MiB of them) and C sources of the prepared kernel tree.
# BENCH_ONLY picks benchmarks; BENCH_ROUNDS and BENCH_SWAP_WORKLOADS pass
# through to the guest.
set -euo pipefail

usage="usage: bench/run.sh LINUX BIN_DIR KERNEL_TREE RESULTS"
repo=$(cd "$(dirname "$0")/.." && pwd)
linux=${1:?$usage}
bin=${2:?$usage}
tree=${3:?$usage}
results=${4:?$usage}

mkdir -p "$results"
results=$(cd "$results" && pwd)
rm -f "$results"/*.txt "$results"/console-*.log
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mix=$work/mix
mkdir -p "$mix/bin" "$mix/src"
find /usr/bin -maxdepth 1 -type f -size -2M -printf '%s %p\n' | sort -k2 |
	awk '{ total += $1; if (total > 64 * 1048576) exit; print $2 }' |
	xargs cp -t "$mix/bin"
for dir in mm kernel lib fs/ext4 include/linux; do
	mkdir -p "$mix/src/$dir"
	cp -r "$tree/$dir/." "$mix/src/$dir"
done
mix_mib=$(du -sm "$mix" | cut -f1)
# What the page mix holds, for the report: kind, files, bytes.
{
	for f in "$mix"/bin/*; do
		if [ "$(head -c4 "$f" | tail -c3)" = ELF ]; then
			echo "elf_binaries $(stat -c %s "$f")"
		else
			echo "scripts $(stat -c %s "$f")"
		fi
	done
	find "$mix/src" -type f -name '*.c' -printf 'c_sources %s\n'
	find "$mix/src" -type f -name '*.h' -printf 'c_headers %s\n'
	find "$mix/src" -type f ! -name '*.[ch]' -printf 'other_sources %s\n'
} | awk '{ n[$1]++; b[$1] += $2 } END { for (k in n) print k, n[k], b[k] }' |
	sort > "$results/mix.txt"
mkfs.ext4 -q -b 4096 -d "$mix" "$work/mix.img" $((mix_mib * 3 / 2 + 64))M
truncate -s 512M "$work/swap.img"
truncate -s 256M "$work/scratch.img"
echo "bench: page mix of $mix_mib MiB ($(find "$mix/bin" -type f | wc -l) binaries," \
     "$(find "$mix/src" -type f | wc -l) source files)"

passthrough=()
for var in BENCH_ROUNDS BENCH_SWAP_WORKLOADS; do
	[ -n "${!var:-}" ] && passthrough+=("$var=${!var}")
done
only=${BENCH_ONLY:-page,scale,device,swap,cleancache,capacity,compare}

boot() {	# NAME MEM CAPACITY BENCHMARKS
	local name=$1 mem=$2 cap=$3 list="" b start
	for b in ${4//,/ }; do
		[[ ",$only," == *",$b,"* ]] && list+=${list:+,}$b
	done
	[ -n "$list" ] || return 0
	start=$(date +%s)
	timeout 3000 "$repo"/scripts/run-uml.sh "$linux" \
		"$repo"/scripts/guest/init-bench.sh "$mem" \
		ubd0="$work/swap.img" ubd1="$work/mix.img" \
		ubd2="$work/scratch.img" utmem.sim_capacity="$cap" utmem.sim_carve_out=1 \
		UTMEM_BIN="$bin" BENCH_OUT="$results" BENCH_ONLY="$list" \
		"${passthrough[@]}" > "$results/console-$name.log" 2>&1 || {
		tail -30 "$results/console-$name.log"
		echo "bench: the $name guest failed; console in $results/console-$name.log" >&2
		exit 1
	}
	echo "bench: $name guest ($list) ran $(($(date +%s) - start)) s"
	# The console is kept with the results: without this machine's paths.
	sed -i "s|$repo/||g; s|$bin/||g; s|$results/||g" "$results/console-$name.log"
}
boot large 1280M 512M page,scale,device,capacity
boot small 48M 24M swap,cleancache
# The swap comparisons: the x86_64 guest (bench/compare.sh).
if [[ ",$only," == *",compare,"* ]]; then
	start=$(date +%s)
	"$repo"/bench/compare.sh "$results" ${BENCH_COMPARE_ARGS:-}
	echo "bench: x86_64 guest (compare) ran $(($(date +%s) - start)) s"
fi
python3 "$repo"/bench/report.py "$results"
