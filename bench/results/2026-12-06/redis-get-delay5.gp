set terminal pngcairo noenhanced size 900,520 font ',10'
set output 'redis-get-delay5.png'
set grid ytics

set terminal pngcairo noenhanced size 1200,900 font ',10'
set output 'redis-get-delay5.png'
set multiplot layout 2,2 title 'redis-benchmark GET, 4 clients: ops/s (bars: min-max of the rounds); swap disk delay 5 ms'
set xlabel 'data set (% of guest memory)'
set ylabel 'ops/s'
set key bottom left
set yrange [0:*]
set xrange [20:115]
set title '1 KiB values'
plot 'redis-get-delay5.dat' index 0 using 1:2:3:4 with yerrorlines title 'native', 'redis-get-delay5.dat' index 1 using 1:2:3:4 with yerrorlines title 'frontswap', 'redis-get-delay5.dat' index 2 using 1:2:3:4 with yerrorlines title 'utmem', 'redis-get-delay5.dat' index 3 using 1:2:3:4 with yerrorlines title 'utmem-host'
set title '4 KiB values'
plot 'redis-get-delay5.dat' index 4 using 1:2:3:4 with yerrorlines title 'native', 'redis-get-delay5.dat' index 5 using 1:2:3:4 with yerrorlines title 'frontswap', 'redis-get-delay5.dat' index 6 using 1:2:3:4 with yerrorlines title 'utmem', 'redis-get-delay5.dat' index 7 using 1:2:3:4 with yerrorlines title 'utmem-host'
set title '16 KiB values'
plot 'redis-get-delay5.dat' index 8 using 1:2:3:4 with yerrorlines title 'native', 'redis-get-delay5.dat' index 9 using 1:2:3:4 with yerrorlines title 'frontswap', 'redis-get-delay5.dat' index 10 using 1:2:3:4 with yerrorlines title 'utmem', 'redis-get-delay5.dat' index 11 using 1:2:3:4 with yerrorlines title 'utmem-host'
set title '64 KiB values'
plot 'redis-get-delay5.dat' index 12 using 1:2:3:4 with yerrorlines title 'native', 'redis-get-delay5.dat' index 13 using 1:2:3:4 with yerrorlines title 'frontswap', 'redis-get-delay5.dat' index 14 using 1:2:3:4 with yerrorlines title 'utmem', 'redis-get-delay5.dat' index 15 using 1:2:3:4 with yerrorlines title 'utmem-host'
unset multiplot
