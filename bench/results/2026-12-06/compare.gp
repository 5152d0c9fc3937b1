set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'compare.png'
set grid ytics

set title 'Swap compared (x86_64 guest): run time (median, min-max), lower is better'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set ylabel 'seconds (log)'
set yrange [0:*]
set key top left
set logscale y
set yrange [0.1:*]
set key outside right
plot 'compare.dat' using 2:3:4:xtic(1) title 'RAM S+H', '' using 5:6:7 title 'zswap S+H', '' using 8:9:10 title 'zswap S', '' using 11:12:13 title 'NVMe-like S', '' using 14:15:16 title 'SSD-like S', '' using 17:18:19 title 'HDD-like S', '' using 20:21:22 title 'frontswap S + host H'
