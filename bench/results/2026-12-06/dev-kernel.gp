set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'dev-kernel.png'
set grid ytics

set title '/dev/utmem: 64-byte PUTs per second (in-kernel, x86_64 guest)'
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set ylabel 'PUT ops/s (median, slowest-fastest)'
set yrange [0:*]
set key top left
set xlabel 'host call cost (us)'
plot 'dev-kernel.dat' using 2:3:4:xtic(1) title 'direct', '' using 5:6:7 title 'coalesced'
