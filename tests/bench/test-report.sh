#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks bench/report.py on made-up rows: the figures it derives, the
# verdict of each target both ways, and its refusals.
#
#   tests/bench/test-report.sh
set -uo pipefail

report=$(cd "$(dirname "$0")/../.." && pwd)/bench/report.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passed=0

check() {	# DESCRIPTION PATTERN FILE
	if grep -qE -- "$2" "$3"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $1: no /$2/ in $3"
		sed 's/^/    /' "$3"
		failures=$((failures + 1))
	fi
}

# A run where every target is met.
good=$work/good
mkdir "$good"
echo "kernel test" > "$good/guest.txt"
cat > "$good/page.txt" <<'ROWS'
memcpy 300 290 310 300 290 310 600 580 620 100 100 100 4096 4096 4096
raw 500 490 510 400 390 410 900 880 920 150 140 160 4096 4096 4096
lz4 1500 1490 1510 500 490 510 2000 1980 2020 333 330 336 2048 2040 2050
zstd 4500 4490 4510 900 890 910 5400 5380 5420 900 890 910 2000 1990 2010
dedup_hit 450 440 460 200 190 210 650 630 670 108 105 110 4096 4096 4096
ROWS
cat > "$good/scale.txt" <<'ROWS'
1024 900 500 490 510 800 790 810 700 37 49 5
1048576 950 600 590 610 900 890 910 60 38 58 55
ROWS
printf '%s\n' "c_sources 1000 26000000" "elf_binaries 500 65000000" > "$good/mix.txt"
echo "exit_ns=1000 size=64 count=20000 median of 5: put_ops/s direct=10000 coalesced=60000 ratio=0.08 host_puts direct=20000 coalesced=313 failed=0/0 get_ops/s=5 direct_range=9000-11000 coalesced_range=55000-65000" > "$good/device.txt"
echo "exit_ns=5000 size=64 count=20000 median of 5: put_ops/s direct=4000 coalesced=48000 ratio=0.08 host_puts direct=20000 coalesced=313 failed=0/0 get_ops/s=5 direct_range=3900-4100 coalesced_range=47000-49000" >> "$good/device.txt"
for r in 1 2 3 4 5; do
	cat >> "$good/swap.txt" <<ROWS
hdd seq 15 disk $r 20.$r 100 0
hdd seq 15 zswap $r 4.$r 100 0
hdd seq 15 fs_raw $r 3.$r 100 9000
hdd seq 15 fs_lz4 $r 3.$r 100 9000
hdd seq 15 fs_dedup $r 3.$r 100 9000
ROWS
	cat >> "$good/cleancache.txt" <<ROWS
$r 0 1 1000 2.0
$r 0 2 1000 2.0
$r 1 1 1000 2.0
$r 1 2 100 0.5
ROWS
done
cat > "$good/capacity.txt" <<'ROWS'
lz4+dedup 3000000 1000000 1200000 700 10 0 2000000 700000 1000000 300000 70 700
zstd+dedup 3000000 900000 1100000 700 10 0 2000000 600000 1000000 300000 70 700
ROWS

python3 "$report" "$good" > "$work/good.out" 2>&1
status=$?
[ $status = 0 ] || { echo "FAIL: exit $status on a good run"; failures=$((failures + 1)); }
check "page ratio" 'raw PUT\+GET.*met +1\.50x' "$work/good.out"
check "scaling GET" 'GET ns.*met +1\.20x \(500 -> 600 ns\)' "$work/good.out"
check "metadata" 'metadata.*met +60 B' "$work/good.out"
check "device ratio 1 us" '64 B PUTs.*1 us host call \(in-kernel, UML\).*met +6\.00x \(16667 ns per value\)' "$work/good.out"
check "device ratio 5 us" '64 B PUTs.*5 us host call \(in-kernel, UML\).*met +12\.00x' "$work/good.out"
check "swap vs disk" 'vs disk swap.*met +6\.[0-9]x' "$work/good.out"
check "swap vs zswap" 'vs zswap.*met +1\.3[0-9]x' "$work/good.out"
check "cleancache" 'fewer disk reads.*met +90%' "$work/good.out"
check "capacity" 'lz4\+dedup on the page mix.*met +3\.00x' "$work/good.out"
check "capacity zstd" 'zstd\+dedup on the page mix.*met +3\.33x' "$work/good.out"
check "records agree" 'accounting vs slab.*met +58 vs 60 B/page \(3%\)' "$work/good.out"
check "dedup hit" 'dedup hit.*met +0\.90x \(450 vs 500 ns\)' "$work/good.out"
check "misses explained" '2\.0 such misses' "$good/report.md"
check "compressors per KiB" 'lz4 1000 ns more per page for 2048 B saved, 500 ns/KiB' "$good/report.md"
check "page mix" 'elf binaries: 500 files, 62\.0 MiB' "$good/report.md"
check "same-filled" '70 of 700 \(10\.0%\)' "$good/report.md"
check "report file" '^\| raw \| 500 \(490-510\)' "$good/report.md"
check "swap medians" '3\.3 s \(3\.1-3\.5\)' "$good/report.md"
check "guest facts" '^- kernel test' "$good/report.md"
if grep -q MISSED "$work/good.out"; then
	echo "FAIL: a target missed in the good run"
	failures=$((failures + 1))
fi

# The same run with every target missed.
bad=$work/bad
cp -r "$good" "$bad"
sed -i 's/^raw 500 490 510 400/raw 1500 490 510 400/; s/^raw \(.*\) 150 140 160 /raw \1 300 290 310 /' "$bad/page.txt"
sed -i 's/^1048576 950 600/1048576 950 900/; s/ 60 38 58 55$/ 146 38 100 55/' "$bad/scale.txt"
sed -i 's/^dedup_hit 450/dedup_hit 2100/' "$bad/page.txt"
sed -i 's/coalesced=60000/coalesced=17000/; s/coalesced=48000/coalesced=36000/' "$bad/device.txt"
sed -i 's/ fs_lz4 \([0-9]\) 3\./ fs_lz4 \1 5./' "$bad/swap.txt"
sed -i 's/^\([0-9]\) 1 2 100 0.5$/\1 1 2 600 1.5/' "$bad/cleancache.txt"
echo "lz4+dedup 3000000 2000000 2200000 700 10 0 2000000 1000000 1000000 1000000 0 700" > "$bad/capacity.txt"
echo "zstd+dedup 1000000 300000 320000 300 10 0 500000 150000 500000 150000 0 300" >> "$bad/capacity.txt"
python3 "$report" "$bad" > "$work/bad.out" 2>&1
check "page ratio missed" 'raw PUT\+GET.*MISSED +3\.00x' "$work/bad.out"
check "scaling missed" 'GET ns.*MISSED +1\.80x' "$work/bad.out"
check "metadata missed" 'metadata.*MISSED +146 B' "$work/bad.out"
check "device missed 1 us" '64 B PUTs.*1 us host call.*MISSED +1\.70x' "$work/bad.out"
check "device missed 5 us" '64 B PUTs.*5 us host call.*MISSED +9\.00x' "$work/bad.out"
check "swap vs disk missed" 'vs disk swap.*MISSED +3\.[0-9]x' "$work/bad.out"
check "swap vs zswap missed" 'vs zswap.*MISSED +0\.8[0-9]x' "$work/bad.out"
check "cleancache missed" 'fewer disk reads.*MISSED +40%' "$work/bad.out"
check "capacity missed" 'lz4\+dedup on the page mix.*MISSED +1\.50x' "$work/bad.out"
check "capacity of part of the mix" 'zstd\+dedup on the page mix.*MISSED +3\.33x .*only 0 of 2 MiB of the mix' "$work/bad.out"
check "part of the mix marked" '^\| zstd\+dedup \(part of the mix\) \|' "$bad/report.md"
check "records disagree" 'accounting vs slab.*MISSED +100 vs 146 B/page \(32%\)' "$work/bad.out"
check "dedup hit missed" 'dedup hit.*MISSED +1\.40x' "$work/bad.out"

# The x86_64 comparisons: frontswap 8x the NVMe-like disk, 1.2x zswap at
# S+H, 1.25x all in RAM's time; then too slow on every count.
cmp=$work/compare
mkdir "$cmp"
for r in 1 2 3; do
	for c in ram:2.0 zswap_big:3.0 zswap:5.0 nvme:20.0 ssd:40.0 hdd:300.0 frontswap:2.5; do
		echo "random15 ${c%%:*} $r ${c#*:} 100 90 12.5 80.1 100 0 0" >> "$cmp/compare.txt"
		echo "python15 ${c%%:*} $r ${c#*:} - - - - 50 0 0" >> "$cmp/compare.txt"
	done
done
echo "small memory S: 64 MiB" > "$cmp/compare-guest.txt"
python3 "$report" "$cmp" > "$work/cmp.out" 2>&1
check "vs NVMe" 'NVMe-like disk swap.*met +8\.00x at worst' "$work/cmp.out"
check "vs zswap S+H" 'zswap at S\+H.*met +1\.20x at worst' "$work/cmp.out"
check "vs RAM" "frontswap's time vs all in RAM.*met +1\.25x at worst" "$work/cmp.out"
check "latencies" '2\.5 s \(2\.5-2\.5\); 12/80 us' "$cmp/report.md"
check "compare plot data" '^random15 2\.000 2\.000 2\.000 3\.000 ' "$cmp/compare.dat"
if command -v gnuplot > /dev/null; then
	for png in compare.png; do
		check "plot $png" "!\\[$png\\]" "$cmp/report.md"
	done
	for png in page.png scale.png device.png swap.png; do
		check "plot $png" "!\\[$png\\]" "$good/report.md"
	done
	check "error bars" '^set style histogram errorbars' "$good/swap.gp"
fi
sed -i 's/ frontswap \([0-9]\) 2\.5 / frontswap \1 4.0 /' "$cmp/compare.txt"
python3 "$report" "$cmp" > "$work/cmp.out" 2>&1
check "vs NVMe missed" 'NVMe-like disk swap.*MISSED +5\.00x' "$work/cmp.out"
check "vs zswap S+H missed" 'zswap at S\+H.*MISSED +0\.75x' "$work/cmp.out"
check "vs RAM missed" "frontswap's time vs all in RAM.*MISSED +2\.00x" "$work/cmp.out"

# The x86_64 /dev/utmem figures: in-kernel rows and utmem_ioctl_bench's
# table, whose batch+buffer against batch is the userspace gain.
dev=$work/dev
mkdir "$dev"
sed 's/^/junk /' "$good/device.txt" > "$dev/dev-kernel.txt"
echo "kernel 6.12 (x86_64 under QEMU), 2 CPUs" > "$dev/dev-guest.txt"
cat > "$dev/dev-ioctl.txt" <<'ROWS'
/dev/utmem from userspace: PUT and GET ops/s (median of 3); single ioctls and
 exit_ns   size   puts |    single     coal.     batch   b+coal. | coal/s    b/s  b+c/s |       get    get b. | host PUT calls
    1000     64  20000 |    100000    200000    150000    900000 |  2.00x  1.50x  9.00x |    300000    400000 | 20000, 313, 20000, 313
    5000     64  20000 |     50000    150000     60000    700000 |  3.00x  1.20x 14.00x |    100000    200000 | 20000, 313, 20000, 313
ROWS
python3 "$report" "$dev" > "$work/dev.out" 2>&1
check "x86 in-kernel" '1 us host call \(in-kernel, x86_64 guest\).*met +6\.00x' "$work/dev.out"
check "userspace 1 us" '1 us host call \(userspace, UTMEM_BATCH\).*met +6\.00x \(1111 ns per value\)' "$work/dev.out"
check "userspace 5 us" '5 us host call \(userspace, UTMEM_BATCH\).*met +11\.67x' "$work/dev.out"
check "userspace table" '^\| 1000 \| 64 \| 100000 \| 200000 \| 150000 \| 900000 \| 6\.00x \| 9\.00x \|' "$dev/report.md"
check "guest line" '^- kernel 6\.12 \(x86_64 under QEMU\)' "$dev/report.md"
sed -i 's/ 900000 / 600000 /' "$dev/dev-ioctl.txt"
python3 "$report" "$dev" > "$work/dev.out" 2>&1
check "userspace 1 us missed" '1 us host call \(userspace, UTMEM_BATCH\).*MISSED +4\.00x' "$work/dev.out"

# The Redis experiment: tables, host calls per request, the goals.
redis=$work/redis
mkdir "$redis"
printf 'config\tdelay_ms\tio_us\tsize\tfraction\tkeys\tguest_kib\tload_s\tops_s\tops_s_min\tops_s_max\tp50_us\tp99_us\terrors\tbm_get_rps\tbm_get_p50_ms\tbm_get_p99_ms\tbm_set_rps\tbm_set_p50_ms\tbm_set_p99_ms\trequests\thost_gets\thost_puts\tdemotions\tpromotions\tram_bytes\tpswpin\tpswpout\thost_pages\thost_used\thost_raw\n' > "$redis/redis.tsv"
# config fraction ops get set requests host_gets host_puts
while read -r conf frac ops get set req hg hp; do
	printf '%s\t5\t6000\t4096\t%s\t1000\t130000\t2.0\t%s\t%s\t%s\t1000\t5000\t0\t%s\t1.0\t4.0\t%s\t1.1\t4.4\t%s\t%s\t%s\t7\t3\t0\t0\t0\t0\t0\t0\n' \
		"$conf" "$frac" "$ops" $((ops - 10)) $((ops + 10)) "$get" "$set" "$req" "$hg" "$hp" >> "$redis/redis.tsv"
done <<'ROWS'
native 25 1000 1000 1000 900 0 0
frontswap 25 900 900 900 900 0 0
utmem 25 980 960 990 900 0 0
utmem-host 25 500 500 500 900 810 90
native 100 100 100 100 900 0 0
frontswap 100 250 250 250 900 0 0
utmem 100 400 400 350 1000 450 50
utmem-host 100 240 240 240 900 810 90
ROWS
python3 "$report" "$redis" > "$work/redis.out" 2>&1
check "redis 25% met" 'redis_bench 90% GET / 10% SET: utmem vs native at 25% +>= 0\.95x +met +lowest 0\.98x \(4 KiB, 25%\)' "$work/redis.out"
check "redis frontswap met" 'redis-benchmark SET: utmem vs frontswap, every cell +>= 1\.00x +met +lowest 1\.10x' "$work/redis.out"
check "redis 100% met" 'redis-benchmark GET: utmem vs native at 100% and 110% +>= 3\.00x +met +lowest 4\.00x' "$work/redis.out"
check "redis table" '^\| 4 KiB \| 100% \| 100 \(90-110\) 1\.0/5\.0 \| 250 \(240-260\) 1\.0/5\.0 \| 400 \(390-410\) 1\.0/5\.0 \| 240 \(230-250\) 1\.0/5\.0 \| 4\.00x \| 1\.60x \|' "$redis/report.md"
check "redis calls" '^\| 4 KiB \| 100% \| 0\.50 \(0\.45 GET, 0\.05 PUT\) \| 1\.00 \(0\.90 GET, 0\.10 PUT\) \| 7 / 3 \|' "$redis/report.md"
# The plot is drawn only where gnuplot is (make test does not install
# it): with none, the report must not link a picture it has not.
if command -v gnuplot > /dev/null; then
	check "redis plot" 'redis-mix-delay5\.png' "$redis/report.md"
elif grep -q '\.png' "$redis/report.md"; then
	echo "FAIL: redis plot: report.md links a picture, and there is no gnuplot to draw it"
	failures=$((failures + 1))
else
	passed=$((passed + 1))
fi
check "redis noise" 'frontswap/native there measured redis_bench 90% GET / 10% SET 0\.90-0\.90x, redis-benchmark GET 0\.90-0\.90x' "$redis/report.md"
sed -i 's/^utmem\t5\t6000\t4096\t25\t1000\t130000\t2\.0\t980/utmem\t5\t6000\t4096\t25\t1000\t130000\t2.0\t900/' "$redis/redis.tsv"
python3 "$report" "$redis" > "$work/redis.out" 2>&1
check "redis 25% missed" 'redis_bench 90% GET / 10% SET: utmem vs native at 25% +>= 0\.95x +MISSED +lowest 0\.90x' "$work/redis.out"
check "redis frontswap boundary" 'redis_bench 90% GET / 10% SET: utmem vs frontswap, every cell +>= 1\.00x +met +lowest 1\.00x' "$work/redis.out"

# Nothing to report, and bad arguments.
mkdir "$work/empty"
python3 "$report" "$work/empty" > "$work/empty.out" 2>&1
[ $? = 1 ] && passed=$((passed + 1)) ||
	{ echo "FAIL: an empty directory is not an error"; failures=$((failures + 1)); }
python3 "$report" "$work/nowhere" > "$work/usage.out" 2>&1
[ $? = 2 ] && passed=$((passed + 1)) ||
	{ echo "FAIL: a missing directory is not a usage error"; failures=$((failures + 1)); }
check "usage message" '^usage: bench/report.py' "$work/usage.out"

echo "report.py tests: $passed passed, $failures failed"
[ "$failures" = 0 ]
