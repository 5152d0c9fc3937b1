#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn bench/redis/run.sh's results.tsv into OUT_DIR/table.md and one PNG
# plot per swap disk model (throughput against data set size, a panel
# per value size), and print the table.
#
#   bench/redis/report.sh OUT_DIR
set -euo pipefail

out=${1:?usage: report.sh OUT_DIR}
results=$out/results.tsv
[ -s "$results" ] || { echo "report: no $results" >&2; exit 1; }
command -v gnuplot > /dev/null ||
	"$(dirname "$0")"/../../scripts/need-packages.sh gnuplot-nox

# One row per (disk, size, fraction): the three configurations side by side.
awk -F'\t' '
NR == 1 { next }
{
	k = $2 SUBSEP $4 SUBSEP $5
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	ops[k, $1] = $9; p50[k, $1] = $10; p99[k, $1] = $11
	err[k, $1] = $12; io[$2] = $3; ram[$2] = $7
	swapin[k, $1] = $13
}
function cell(k, c) {
	if (!((k, c) in ops)) return "-"
	return sprintf("%d (%.2f/%.1f ms)%s", ops[k, c], p50[k, c] / 1000,
		       p99[k, c] / 1000, err[k, c] ? " ERR" : "")
}
function ratio(k, a, b) {
	if (!((k, a) in ops) || !((k, b) in ops) || ops[k, b] == 0) return "-"
	return sprintf("%.2fx", ops[k, a] / ops[k, b])
}
END {
	last = ""
	for (i = 1; i <= n; i++) {
		split(order[i], f, SUBSEP)
		if (f[1] != last) {
			last = f[1]
			printf "\n### Swap disk: %s (a 4 KiB read measured at %s us); guest memory %d MiB\n\n",
			       f[1] == 0 ? "virtio, no added delay" : "dm-delay " f[1] " ms",
			       io[f[1]], ram[f[1]] / 1024
			print "| value | data set | native ops/s (p50/p99) | frontswap | utmem | utmem/native | utmem/frontswap | native swap-ins |"
			print "|---|---|---|---|---|---|---|---|"
		}
		k = order[i]
		printf "| %d KiB | %d%% | %s | %s | %s | %s | %s | %s |\n",
		       f[2] / 1024, f[3], cell(k, "native"), cell(k, "frontswap"),
		       cell(k, "utmem"), ratio(k, "utmem", "native"),
		       ratio(k, "utmem", "frontswap"), swapin[k, "native"]
	}
}' "$results" > "$out/table.md"

for delay in $(awk -F'\t' 'NR > 1 { print $2 }' "$results" | sort -un); do
	gp=$out/plot-$delay.gp
	{
		echo "set terminal pngcairo size 1200,900 font ',10'"
		echo "set output '$out/redis-ops-delay$delay.png'"
		echo "set multiplot layout 2,2 title 'Redis GET/SET (90/10) throughput, swap disk delay $delay ms'"
		echo "set xlabel 'data set (% of guest memory)'; set ylabel 'ops/s'"
		echo "set key top right; set logscale y; set grid"
		for size in $(awk -F'\t' -v d="$delay" 'NR > 1 && $2 == d { print $4 }' "$results" | sort -un); do
			echo "set title '$((size / 1024)) KiB values'"
			plot="plot"
			for config in native frontswap utmem; do
				f=$out/.plot-$delay-$size-$config.dat
				awk -F'\t' -v d="$delay" -v s="$size" -v c="$config" \
					'NR > 1 && $2 == d && $4 == s && $1 == c { print $5, $9 }' \
					"$results" | sort -n > "$f"
				[ -s "$f" ] && plot+=" '$f' using 1:2 with linespoints title '$config',"
			done
			echo "${plot%,}"
		done
		echo "unset multiplot"
	} > "$gp"
	gnuplot "$gp"
	rm -f "$gp" "$out"/.plot-"$delay"-*.dat
done
cat "$out/table.md"
ls "$out"/*.png
