#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the `make run` guest (scripts/run-demo.sh boots it with a swap
# disk as disk 0, a scratch disk as disk 1 and the programs in UTMEM_BIN):
# the three users of host memory at work, one after the other, and what
# the host holds for each.  Ends with "utmem-guest: PASS" or
# "utmem-guest: FAIL <why>" and powers off.
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
d=/sys/kernel/debug/utmem
[ -d $d ] || fail "no $d: utmem not bound"
# Boot messages are not ours to judge (UML warns about its virtual PCI).
dmesg -C
mib() { echo $(($1 >> 20)); }
say() { printf '\n=== %s\n' "$*"; }
vm() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

say "utmem is bound to the $(cat $d/backend) backend: a host of" \
    "$(mib "$(cat $d/sim/capacity_bytes)") MiB, set aside from this guest"

# 1. frontswap: more anonymous memory than the guest has.
swapdev=$(disk 0)
scratch=$(disk 1)
mkswap "$swapdev" > /dev/null && swapon "$swapdev" || fail "swapon"
avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
ws=$((avail * 3 / 2))
say "1. frontswap: a program fills and checks $ws MiB, 1.5x the $avail MiB" \
    "this guest has free; swapped pages go to the host before the disk"
out0=$(vm pswpout)
"$bin"/swap_stress -m $ws -o $((ws * 64)) | tail -1 || fail "swap_stress"
stores=$(cat $d/frontswap/stores)
loads=$(cat $d/frontswap/loads)
# A page frontswap takes never reaches the disk, nor pswpout.
disk_writes=$(($(vm pswpout) - out0))
echo "    $stores pages went to the host ($(mib $((stores * 4096))) MiB)," \
     "$disk_writes to the swap disk; $loads came back from the host"
[ "$stores" -gt 0 ] || fail "frontswap stored nothing"
swapoff "$swapdev" || fail "swapoff"

# 2. cleancache: a file set read twice through a page cache too small.
say "2. cleancache: 48 MiB of files read twice; pages the guest drops" \
    "from its page cache wait in the host"
mkfs.ext4 -q -F "$scratch" && mount "$scratch" /mnt || fail "mount"
for i in 1 2 3; do
	head -c $((16 << 20)) /dev/urandom > /mnt/file$i || fail "write"
done
sync
echo 3 > /proc/sys/vm/drop_caches
reads() { awk '{ print $3 }' /sys/block/"${scratch#/dev/}"/stat; }
cat /mnt/file* > /dev/null
echo 3 > /proc/sys/vm/drop_caches
r0=$(reads)
h0=$(cat $d/cleancache/hits)
cat /mnt/file* | md5sum > /dev/null
echo "    second read: $(($(cat $d/cleancache/hits) - h0)) pages from the host," \
     "$(($(reads) - r0)) sectors from the disk" \
     "(the first read needed $((48 << 11)))"
[ "$(cat $d/cleancache/hits)" -gt "$h0" ] || fail "no cleancache hits"
umount /mnt

# 3. Redis with the redis-utmem module: values in the host's memory.
say "3. Redis: 4000 values of 4 KiB through UTMEM.SET under a 4 MiB budget:" \
    "Redis keeps the keys and the most recently used values, the host the rest"
redis_start redis --logfile /tmp/redis.log --loadmodule "$bin"/redis-utmem.so \
	ram_bytes 4194304
"$bin"/redis_bench load --socket /tmp/redis.sock --mode utmem --keys 4000 \
	--size 4096 | sed 's/^/    /' || fail "redis_bench load"
"$bin"/redis_bench run --socket /tmp/redis.sock --mode utmem --keys 4000 \
	--size 4096 --seconds 5 --clients 2 | sed 's/^/    /' ||
	fail "redis_bench run: a wrong value"
echo "    redis-cli UTMEM.GET key:000000000042 | head -c 16: $(redis-cli -s /tmp/redis.sock \
	UTMEM.GET key:000000000042 | head -c 16)"
info() { redis-cli -s /tmp/redis.sock info "$1" | tr -d '\r' | sed -n "s/^$2://p"; }
echo "    Redis's own memory: $(info memory used_memory_human);" \
     "values in Redis memory: $(info utmem utmem_keys_inline)," \
     "in the host: $(info utmem utmem_keys_host) keys," \
     "$(mib "$(info utmem utmem_bytes_host)") MiB; moved to the host" \
     "$(info utmem utmem_demotions) times, back $(info utmem utmem_promotions)"
[ "$(info utmem utmem_keys_inline)" = 1024 ] ||
	fail "not 1024 values of 4 KiB in a 4 MiB budget"
[ "$(info utmem utmem_keys_host)" = 2976 ] || fail "values not in the host"
redis_mib=$(mib "$(info utmem utmem_bytes_host)")

say "utmemctl stats, with Redis still running"
"$bin"/utmemctl stats || fail "utmemctl stats"
redis_stop redis

say "In short: the guest swapped $(mib $((stores * 4096))) MiB to host memory" \
    "instead of its disk, re-read files from host memory instead of the disk," \
    "and Redis served $redis_mib MiB of values it did not keep in its own memory." \
    "The host stayed in control: it could refuse any of it."
kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
