#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn bench/redis/run.sh's results.tsv into OUT_DIR/table.md and one PNG
# plot per swap disk model (median throughput against data set size,
# with the spread over the rounds, a panel per value size), and print
# the table.
#
#   bench/redis/report.sh OUT_DIR
set -euo pipefail

out=${1:?usage: report.sh OUT_DIR}
results=$out/results.tsv
[ -s "$results" ] || { echo "report: no $results" >&2; exit 1; }
command -v gnuplot > /dev/null ||
	"$(dirname "$0")"/../../scripts/need-packages.sh gnuplot-nox

# Columns of results.tsv, by name.
col() { head -1 "$results" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1; }

# One row per (disk, size, fraction), in that order: the three
# configurations side by side.
awk -F'\t' -v C_CONF="$(col config)" -v C_DELAY="$(col delay_ms)" \
    -v C_IO="$(col io_us)" -v C_SIZE="$(col size)" -v C_FRAC="$(col fraction)" \
    -v C_RAM="$(col guest_kib)" -v C_OPS="$(col ops_s)" \
    -v C_MIN="$(col ops_s_min)" -v C_MAX="$(col ops_s_max)" \
    -v C_P50="$(col p50_us)" -v C_P99="$(col p99_us)" -v C_ERR="$(col errors)" \
    -v C_SWAPIN="$(col pswpin)" '
NR == 1 { next }
{
	k = $C_DELAY SUBSEP $C_SIZE SUBSEP $C_FRAC
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	c = $C_CONF
	ops[k, c] = $C_OPS; lo[k, c] = $C_MIN; hi[k, c] = $C_MAX
	p50[k, c] = $C_P50; p99[k, c] = $C_P99; err[k, c] = $C_ERR
	swapin[k, c] = $C_SWAPIN
	io[$C_DELAY] = $C_IO; ram[$C_DELAY] = $C_RAM
}
function cell(k, c) {
	if (!((k, c) in ops) || ops[k, c] == "") return "-"
	return sprintf("%d (%d-%d) %.1f/%.1f%s", ops[k, c], lo[k, c], hi[k, c],
		       p50[k, c] / 1000, p99[k, c] / 1000,
		       err[k, c] ? " ERRORS" : "")
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
			printf "\n### Swap disk: %s, a 4 KiB read measured at %.1f ms; guest memory available %d MiB\n\n",
			       f[1] == 0 ? "virtio, no added delay" : "virtio behind dm-delay " f[1] " ms",
			       io[f[1]] / 1000, ram[f[1]] / 1024
			print "Cells: median ops/s of the rounds (min-max), p50/p99 latency in ms."
			print ""
			print "| value | data set | native | frontswap | utmem | utmem/native | utmem/frontswap | swap-ins native, frontswap |"
			print "|---|---|---|---|---|---|---|---|"
		}
		k = order[i]
		printf "| %d KiB | %d%% | %s | %s | %s | %s | %s | %s, %s |\n",
		       f[2] / 1024, f[3], cell(k, "native"), cell(k, "frontswap"),
		       cell(k, "utmem"), ratio(k, "utmem", "native"),
		       ratio(k, "utmem", "frontswap"), swapin[k, "native"],
		       swapin[k, "frontswap"]
	}
}' <(head -1 "$results"
      tail -n +2 "$results" | sort -t"$(printf '\t')" -k"$(col delay_ms)","$(col delay_ms)"n \
	-k"$(col size)","$(col size)"n -k"$(col fraction)","$(col fraction)"n -s) \
	> "$out/table.md"

for delay in $(awk -F'\t' -v c="$(col delay_ms)" 'NR > 1 { print $c }' "$results" | sort -un); do
	gp=$out/.plot-$delay.gp
	{
		echo "set terminal pngcairo size 1200,900 font ',10'"
		echo "set output '$out/redis-ops-delay$delay.png'"
		echo "set multiplot layout 2,2 title 'Redis, 90% GET / 10% SET, 4 clients: median ops/s (bars: min-max of the rounds); swap disk delay $delay ms'"
		echo "set xlabel 'data set (% of guest memory)'; set ylabel 'ops/s'"
		echo "set key bottom left; set grid; set yrange [0:*]; set xrange [20:115]"
		for size in $(awk -F'\t' -v d="$delay" -v cd="$(col delay_ms)" -v cs="$(col size)" \
				'NR > 1 && $cd == d { print $cs }' "$results" | sort -un); do
			echo "set title '$((size / 1024)) KiB values'"
			plot="plot"
			for config in native frontswap utmem; do
				f=$out/.plot-$delay-$size-$config.dat
				awk -F'\t' -v d="$delay" -v s="$size" -v c="$config" \
				    -v cc="$(col config)" -v cd="$(col delay_ms)" -v cs="$(col size)" \
				    -v cf="$(col fraction)" -v co="$(col ops_s)" \
				    -v cl="$(col ops_s_min)" -v ch="$(col ops_s_max)" \
					'NR > 1 && $cd == d && $cs == s && $cc == c && $co != "" { print $cf, $co, $cl, $ch }' \
					"$results" | sort -n > "$f"
				[ -s "$f" ] && plot+=" '$f' using 1:2:3:4 with yerrorlines title '$config',"
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
