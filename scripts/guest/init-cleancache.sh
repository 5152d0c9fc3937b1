#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# init of the cleancache end-to-end guest (scripts/run-disk-e2e.sh
# boots it with a scratch disk as disk 0 and cc_torture's directory in
# UTMEM_BIN).  ext4 on the disk behind dm-delay (5 ms per request):
#   a  a file set twice the page cache, read twice after a drop_caches,
#      with cleancache off and on: sectors read and times side by side
#   b  coherency: cc_torture's writers, truncates, hole punches,
#      re-creates and O_DIRECT writes, with the page cache dropped every
#      50 ms and the host dropping a page on 1% of its calls, every read
#      checked
#   c  unmount and remount: data changed while cleancache was off is
#      what comes back
#   d  a direct write against buffered readers that drop what they read
#      (dio_race), on the disk behind a dm-delay that delays writes only
#      (40 ms): what the readers cached while the write was in flight
#      must not come back from the cleancache after it
#   e  three filesystems with one UUID listed in cleancache_shared: none
#      reads another's pages; a verity file of one's content comes from
#      the shared pool, and copies a hostile host alters are rejected
# Ends with "utmem-guest: PASS" or "utmem-guest: FAIL <why>".
. "$(dirname "$0")"/lib.sh

bin=${UTMEM_BIN:?no UTMEM_BIN on the kernel command line}
d=/sys/kernel/debug/utmem
cc=$d/cleancache
param=/sys/module/utmem/parameters/cleancache
disk=$(disk 0)
mnt=/tmp/mnt
[ -d "$cc" ] || fail "cleancache not registered"
# Boot messages are not ours to judge (UML warns about its virtual PCI).
dmesg -C

mkfs.ext4 -q -F -b 4096 "$disk" || fail "mkfs.ext4"
echo "0 $(blockdev --getsz "$disk") delay $disk 0 5" |
	dmsetup create hdd --noudevsync || fail "dmsetup create"
dev=/dev/dm-0
stat=/sys/block/dm-0/stat
mkdir -p "$mnt"

counters() {
	local f out=""
	for f in puts put_refused put_failed gets hits misses get_failed \
		 invalidate_pages invalidate_inodes; do
		out+="$f=$(cat "$cc/$f") "
	done
	echo "  cleancache: $out"
}

sectors_read() { awk '{ print $3 }' "$stat"; }

# --- a: the file set, written once.
avail_kib=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
nr_files=$((avail_kib * 2 / 1024 / 16 + 1))
mount -t ext4 "$dev" "$mnt" || fail "mount"
for i in $(seq "$nr_files"); do
	head -c 16M /dev/urandom > "$mnt/f$i" || fail "write f$i"
done
sync
umount "$mnt"
echo "--- a: $nr_files files of 16 MiB, MemAvailable $((avail_kib / 1024)) MiB"

# run_a ON: mount, drop caches, read the set twice; prints one row.
run_a() {
	local on=$1 pass s0 s1 t0 t1 row=""
	echo "$on" > "$param"
	mount -t ext4 "$dev" "$mnt" || fail "mount"
	echo 3 > /proc/sys/vm/drop_caches
	for pass in 1 2; do
		s0=$(sectors_read)
		t0=$(date +%s.%N)
		cat "$mnt"/f* > /dev/null || fail "read pass $pass"
		t1=$(date +%s.%N)
		s1=$(sectors_read)
		row+=$(printf ' %10d %7.1f s' $((s1 - s0)) \
			"$(echo "$t1 - $t0" | bc)")
		eval "sec_${on}_$pass=$((s1 - s0))"
	done
	umount "$mnt"
	table+=$(printf '%-14s%s' "cleancache $on" "$row")$'\n'
}
table=""
run_a 0
run_a 1
counters
printf '%-14s %10s %9s %10s %9s\n' "" "pass 1 read" "time" \
	"pass 2 read" "time"
printf '%s' "$table"
off_total=$((sec_0_1 + sec_0_2))
on_total=$((sec_1_1 + sec_1_2))
echo "  sectors read, both passes: off $off_total, on $on_total" \
     "($(awk -v a="$on_total" -v b="$off_total" \
	'BEGIN { printf "%.0f%%", 100 * (1 - a / b) }') fewer);" \
     "pass 2: off $sec_0_2, on $sec_1_2"
[ "$on_total" -lt "$off_total" ] || fail "cleancache saved no reads"

# --- b: coherency under host evictions and page-cache drops.
echo 1 > "$param"
mount -t ext4 "$dev" "$mnt" || fail "mount"
mkdir "$mnt/t"
for a in probability interval times; do
	cat "$d/sim/drop_ephemeral/$a" > "/tmp/drop_$a"
done
echo 1 > "$d/sim/drop_ephemeral/probability"
echo 1 > "$d/sim/drop_ephemeral/interval"
echo -1 > "$d/sim/drop_ephemeral/times"
( while :; do echo 1 > /proc/sys/vm/drop_caches; sleep 0.05; done ) &
dropper=$!
h0=$(cat "$cc/hits")
echo "--- b: cc_torture, 4 workers x 8 files x 512 pages, O_DIRECT writes too"
"$bin"/cc_torture "$mnt/t" -w 4 -f 8 -p 512 -n 6000 -d
rc=$?
kill "$dropper"
wait "$dropper" 2>/dev/null
for a in probability interval times; do
	cat "/tmp/drop_$a" > "$d/sim/drop_ephemeral/$a"
done
counters
[ "$rc" = 0 ] || fail "cc_torture exit $rc"
echo "  cleancache hits during b: $(($(cat "$cc/hits") - h0))"
[ "$(cat "$cc/hits")" -ge $((h0 + 10)) ] || fail "too few cleancache hits in b"
umount "$mnt"

# --- c: what changes while cleancache is off is what comes back.
echo "--- c: unmount, change the files with cleancache off, remount"
head -c 8M /dev/urandom > /tmp/v1
head -c 8M /dev/urandom > /tmp/v2
mount -t ext4 "$dev" "$mnt" || fail "mount"
cp /tmp/v1 "$mnt/c" && sync || fail "write v1"
echo 3 > /proc/sys/vm/drop_caches
cmp -s /tmp/v1 "$mnt/c" || fail "v1 read back wrong"
echo 3 > /proc/sys/vm/drop_caches
umount "$mnt"
echo 0 > "$param"
mount -t ext4 "$dev" "$mnt" || fail "mount"
cp /tmp/v2 "$mnt/c" && sync || fail "write v2"
umount "$mnt"
echo 1 > "$param"
mount -t ext4 "$dev" "$mnt" || fail "mount"
echo 3 > /proc/sys/vm/drop_caches
cmp -s /tmp/v2 "$mnt/c" || fail "stale data after remount"
echo 3 > /proc/sys/vm/drop_caches
cmp -s /tmp/v2 "$mnt/c" || fail "stale data after a second read"
counters
umount "$mnt"
dmsetup remove hdd --noudevsync

# --- d: the O_DIRECT race, on a disk whose writes are slower than reads.
echo "--- d: dio_race: O_DIRECT writes (40 ms) against buffered read + drop"
echo "0 $(blockdev --getsz "$disk") delay $disk 0 0 $disk 0 40" |
	dmsetup create slowwrite --noudevsync || fail "dmsetup create slowwrite"
mount -t ext4 /dev/dm-0 "$mnt" || fail "mount slowwrite"
h0=$(cat "$cc/hits")
"$bin"/dio_race "$mnt/race" -n 100 -p 16
rc=$?
echo "  cleancache hits during d: $(($(cat "$cc/hits") - h0))"
counters
[ "$rc" = 0 ] || fail "dio_race exit $rc: stale data after a direct write"
umount "$mnt"
dmsetup remove slowwrite --noudevsync

# --- e: filesystems that share a UUID but not their contents.
# Two ext4 images on halves of the disk, made with one UUID, whose files
# have the same inode numbers and generations (chattr -v) but other data:
# with the UUID listed in utmem.cleancache_shared, neither may read the
# other's pages.  Only fs-verity files' data is shared, named by content:
# a third image holding a file of the first's content reads it from the
# shared pool; with the host corrupting every value it returns
# (fault corrupt_get), verity rejects the copies and the disk serves.
echo "--- e: two filesystems with one UUID, different contents"
uuid=6a1c0b57-0000-4000-8000-00000000c0de
sectors=$(blockdev --getsz "$disk")
third=$((sectors / 3))
for i in 0 1 2; do
	echo "0 $third linear $disk $((i * third))" |
		dmsetup create img$i --noudevsync || fail "dmsetup img$i"
	# (no metadata_csum: its checksums seed from the generation, which
	# ext4 then refuses to set)
	mkfs.ext4 -q -F -b 4096 -O verity,^metadata_csum -U $uuid /dev/dm-$i ||
		fail "mkfs img$i"
done
head -c 4M /dev/urandom > /tmp/fA
head -c 4M /dev/urandom > /tmp/fB
head -c 4M /dev/urandom > /tmp/gA
head -c 4M /dev/urandom > /tmp/gB
fill() {	# DEV F G
	mkdir -p /tmp/m
	mount -t ext4 "$1" /tmp/m || fail "mount $1"
	cp "$2" /tmp/m/f && cp "$3" /tmp/m/g || fail "fill $1"
	chattr -v 4242 /tmp/m/g || fail "chattr -v"
	sync
	"$bin"/verity enable /tmp/m/f || fail "verity enable on $1"
	umount /tmp/m
}
fill /dev/dm-0 /tmp/fA /tmp/gA
fill /dev/dm-1 /tmp/fB /tmp/gB
fill /dev/dm-2 /tmp/fA /tmp/gB
echo "$uuid" > /sys/module/utmem/parameters/cleancache_shared
for i in 0 1 2; do
	mkdir -p /tmp/m$i
	mount -t ext4 -o ro /dev/dm-$i /tmp/m$i || fail "mount img$i"
done
[ "$(stat -c %i.%g /tmp/m0/g)" = "$(stat -c %i.%g /tmp/m1/g)" ] ||
	echo "  (the g files have different inode numbers)"
# A's pages go to the cleancache (echo 1: the pages, not the inodes,
# whose eviction would drop their copies), then B reads its own files.
cat /tmp/m0/f /tmp/m0/g > /dev/null
echo 1 > /proc/sys/vm/drop_caches
h0=$(cat "$cc/hits")
cmp -s /tmp/m1/g /tmp/gB || fail "B's g read A's pages (same UUID, inode, generation)"
cmp -s /tmp/m1/f /tmp/fB || fail "B's verity file f read wrong data"
h1=$(cat "$cc/hits")
cmp -s /tmp/m0/g /tmp/gA || fail "A's g read back wrong"
h2=$(cat "$cc/hits")
echo "  B read its own data ($((h1 - h0)) cleancache hits); A's g came" \
     "back from A's private pool ($((h2 - h1)) hits)"
[ $((h1 - h0)) = 0 ] || fail "B's reads hit A's copies"
[ $((h2 - h1)) -ge 512 ] || fail "A's g got only $((h2 - h1)) pages from its pool"
echo 1 > /proc/sys/vm/drop_caches
cat /tmp/m0/f > /dev/null
echo 1 > /proc/sys/vm/drop_caches
h0=$(cat "$cc/hits")
cmp -s /tmp/m2/f /tmp/fA || fail "C's f (A's content) read wrong data"
h1=$(cat "$cc/hits")
echo "  C's f, A's content: $((h1 - h0)) pages from the shared pool"
[ $((h1 - h0)) -ge 512 ] || fail "C's f got only $((h1 - h0)) pages from the shared pool"
# A host (or another guest) that alters what it returns.
cat /tmp/m0/f > /dev/null
echo 1 > /proc/sys/vm/drop_caches
f=$d/sim/corrupt_get
echo 100 > $f/probability; echo 1 > $f/interval; echo -1 > $f/times
s0=$(awk '{ print $3 }' /sys/block/dm-2/stat)
cmp -s /tmp/m2/f /tmp/fA || fail "C's f read corrupted data from the shared pool"
s1=$(awk '{ print $3 }' /sys/block/dm-2/stat)
echo 0 > $f/probability
echo "  corrupted copies rejected: C's f read right, $((s1 - s0)) sectors from disk"
[ $((s1 - s0)) -ge 4096 ] || fail "C's f read only $((s1 - s0)) sectors from disk"
for i in 0 1 2; do
	umount /tmp/m$i
	dmsetup remove img$i --noudevsync
done
echo > /sys/module/utmem/parameters/cleancache_shared
sysfs_check cleancache cleancache

kernel_reports_check || fail "kernel reports"
echo "utmem-guest: PASS"
poweroff -f
