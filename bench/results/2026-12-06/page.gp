set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'page.png'
set grid ytics

set title 'Page path: ns per 4 KiB page (median, min-max)'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set ylabel 'ns'
set yrange [0:*]
set key top left

plot 'page.dat' using 2:3:4:xtic(1) title 'PUT', '' using 5:6:7 title 'GET'
