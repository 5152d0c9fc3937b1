set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'scale.png'
set grid ytics

set title 'Cost per operation as the pool grows'
set logscale x 2
set format x '%.0s%c'
set xlabel 'pages in the pool'
set ylabel 'ns per operation (median, min-max)'
set yrange [0:*]
set key top left
plot 'scale.dat' using 1:2:3:4 with yerrorlines title 'GET', \
     '' using 1:5:6:7 with yerrorlines title 'replacing PUT', \
     '' using 1:8 with linespoints title 'PUT of a new page'
