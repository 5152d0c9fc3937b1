set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'swap.png'
set grid ytics

set title 'Swap workload: run time (median, min-max), lower is better'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set ylabel 'seconds (log)'
set yrange [0:*]
set key top left
set logscale y
set yrange [0.5:*]
set xtics rotate by -20
plot 'swap.dat' using 2:3:4:xtic(1) title '(a) disk only', '' using 5:6:7 title '(b) zswap lz4', '' using 8:9:10 title '(c) frontswap raw', '' using 11:12:13 title '(d) frontswap lz4', '' using 14:15:16 title '(e) frontswap lz4+dedup'
