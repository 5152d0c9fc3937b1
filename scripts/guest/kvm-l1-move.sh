# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by init-kvm-l1.sh (its helpers and variables): an L2 that keeps
# data in L1's pools is moved, as an operator's tools move VMs, and must
# find every page and value again (init-kvm-l2-move.sh says what it
# checks):
# a. saved to a file (QEMU "stop", "migrate" to a file), its pools saved
#    with utmemctl host save, its QEMU gone; a new QEMU with -incoming
#    from the file, the pools restored before "cont" (a stream cut short
#    is refused first, and leaves nothing);
# b. migrated live to a third QEMU over localhost, the pools piped from
#    one to the other while both are paused (stop-and-copy), downtime
#    measured;
# c. saved and restored without its pools: L2 is told they are lost and
#    its pages fail to swap in, none read as another's.
# Each QEMU is in cgroup vm-m (no memory.max: two QEMUs and a saved
# state in tmpfs at once), its monitor on /tmp/mon-NAME.in, the
# answers in /tmp/mon-NAME.log, L2's second serial port on
# /tmp/ctl-NAME.in; L2's console, through every QEMU, in $l2log.

# The initramfs L2 boots from: the programs its /init needs and their
# libraries, at the paths they have here.
make_initramfs() {
	local root=/tmp/l2root d f p canon pdir
	rm -rf $root
	mkdir -p $root/dev $root/proc $root/sys $root/tmp
	for d in bin sbin lib lib64; do
		if [ -L /$d ]; then
			ln -s "$(readlink /$d)" $root/$d
		else
			mkdir -p $root/$d
		fi
	done
	for p in bash cat cut grep sed sleep mkdir mkfifo mount mkswap \
		 swapon dmesg tail head; do
		f=$(type -P $p) || fail "no $p for L2's initramfs"
		echo "$f"
		ldd "$f" | grep -o '/[^ ]*'
	done > /tmp/l2files
	for f in "$bin"/swap_stress "$tools"/utmemctl; do
		ldd "$f" | grep -o '/[^ ]*'
	done >> /tmp/l2files
	sort -u /tmp/l2files | while read -r f; do
		canon=$(readlink -f "$f")
		mkdir -p "$root$(dirname "$canon")"
		cp "$canon" "$root$canon"
		pdir=$(readlink -f "$(dirname "$f")")
		[ "$pdir/$(basename "$f")" = "$canon" ] && continue
		mkdir -p "$root$pdir"
		ln -sf "$canon" "$root$pdir/$(basename "$f")"
	done
	canon=$(readlink -f "$(type -P bash)")
	ln -s "$(basename "$canon")" "$root$(dirname "$canon")"/sh
	cp "$bin"/swap_stress "$tools"/utmemctl "$root$(dirname "$canon")"/
	install -m 755 "$(dirname "$0")"/init-kvm-l2-move.sh $root/init
	mknod $root/dev/console c 5 1
	(cd $root && find . | cpio -o -H newc --quiet) > /tmp/l2.cpio ||
		fail "cpio"
	echo "  L2's initramfs: $(du -k /tmp/l2.cpio | cut -f1) KiB"
}

# start_move NAME [INCOMING]: QEMU NAME runs L2 from the initramfs, in
# vm-m; with INCOMING, it waits for the VM's state from there, paused
# (-S) until "cont".  Its pid in $l2.
start_move() {
	local name=$1
	rm -f /tmp/mon-"$name".* /tmp/ctl-"$name".*
	mkfifo /tmp/mon-"$name".in /tmp/mon-"$name".out \
	       /tmp/ctl-"$name".in /tmp/ctl-"$name".out
	: > /tmp/mon-"$name".log
	(echo "$BASHPID" > "$cg/vm-m/cgroup.procs" &&
	exec qemu-system-x86_64 -accel kvm -cpu host,-xsave -smp 1 -m 256M \
		-nographic -no-reboot -kernel "$kernel" -initrd /tmp/l2.cpio \
		-monitor pipe:/tmp/mon-"$name" \
		-serial stdio -serial pipe:/tmp/ctl-"$name" \
		-drive file=/tmp/swap-move.img,if=virtio,format=raw,file.locking=off \
		-append "console=ttyS0 panic=-1 quiet zswap.enabled=0" \
		${2:+-incoming "$2" -S}) < /dev/null >> "$l2log" 2>&1 &
	l2=$!
	cat /tmp/mon-"$name".out >> /tmp/mon-"$name".log &
}

# mon NAME COMMAND: to QEMU NAME's monitor.  (A FIFO: with no QEMU
# reading, the write would wait for ever.)
mon() {
	timeout 20 sh -c "echo '$2' > /tmp/mon-$1.in" ||
		l1_fail "QEMU $1 did not take '$2'"
}

# mon_until NAME COMMAND PATTERN SECONDS: COMMAND every 0.1 s until its
# answer matches PATTERN (grep -E, without the monitor's CRs).  A QEMU
# loading a VM's state may not read its monitor for a while: a command it
# did not take is sent again, until SECONDS have passed.
mon_until() {
	local end=$((SECONDS + $4))
	while [ $SECONDS -lt $end ]; do
		: > /tmp/mon-"$1".log
		timeout 20 sh -c "echo '$2' > /tmp/mon-$1.in" || continue
		sleep 0.1
		tr -d '\r' < /tmp/mon-"$1".log | grep -qE "$3" && return 0
	done
	l1_fail "QEMU $1: no '$3' from '$2' in $4 s: $(tr -d '\r' < /tmp/mon-"$1".log | tail -5)"
}

# to_file NAME: QEMU NAME, paused, saves the VM's state to /tmp/l2.state.
to_file() {
	mon "$1" stop
	mon_until "$1" 'info status' 'VM status: paused$' 60
	mon "$1" 'migrate "exec:cat > /tmp/l2.state"'
	mon_until "$1" 'info migrate' 'Migration status: completed' 600
}

# quit_qemu NAME PID PAGES: QEMU NAME ends, and its VM's pools with it:
# the host holds PAGES then (another VM's).
quit_qemu() {
	mon "$1" quit
	wait "$2" 2> /dev/null
	[ -z "$(vm_dir "$2")" ] || l1_fail "QEMU $1's VM is still on the host"
	[ "$(cat $ks/pages)" = "$3" ] ||
		l1_fail "the host holds $(cat $ks/pages) pages after QEMU $1 ended, not $3"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

echo "--- an L2 from an initramfs holds pages and values in L1's pools"
mkdir $cg/vm-m
echo "+/vm-m" > $ks/vm_rules || fail "vm_rules: +/vm-m"
make_initramfs
rm -f /tmp/swap-move.img
truncate -s 512M /tmp/swap-move.img
l2log=/tmp/l2-move.log
: > $l2log
shown=
start_move a
wait_for '^utmem-l2: HOLDING 1' 900
src=$l2
vm=$(vm_dir "$src")
[ -n "$vm" ] || l1_fail "no sysfs directory for the L2 to move"
held=$(sed -n 's/^utmem-l2: HOLDING 1 held \([0-9]*\).*/\1/p' $l2log)
echo "  L2 holds ${held:-?} swapped pages in frontswap; the host $(cat "$vm"/pages) pages for it"
[ "${held:-0}" -gt 5000 ] || l1_fail "L2 holds only ${held:-0} pages in frontswap"

echo "--- (a) saved to a file with its pools, restored in a new QEMU"
to_file a
pages=$(cat "$vm"/pages)
t0=$(now_ms)
"$tools"/utmemctl host save --pid "$src" /tmp/l2.pools 2> /tmp/save.err ||
	l1_fail "utmemctl host save: $(cat /tmp/save.err)"
t1=$(now_ms)
echo "  $(cat /tmp/save.err) in $((t1 - t0)) ms; the VM's state: $(du -k /tmp/l2.state | cut -f1) KiB"
dmesg | grep -q "kvm-host: VM of pid $src: pools saved: " ||
	l1_fail "no log line for the save"
quit_qemu a "$src" 0
start_move b "exec:cat /tmp/l2.state"
dst=$l2
mon_until b 'info status' 'VM status: paused$' 600
rm -f /tmp/l2.state
# A stream cut short: refused, and nothing of it kept.
head -c 100000 /tmp/l2.pools > /tmp/l2-cut.pools
if "$tools"/utmemctl host restore --pid "$dst" /tmp/l2-cut.pools 2> /tmp/restore.err; then
	l1_fail "a stream cut short was restored"
fi
grep -q "the stream ends too early" /tmp/restore.err ||
	l1_fail "utmemctl on a cut stream: $(cat /tmp/restore.err)"
[ "$(cat $ks/pages)" = 0 ] || l1_fail "a refused stream left $(cat $ks/pages) pages"
t0=$(now_ms)
"$tools"/utmemctl host restore --pid "$dst" /tmp/l2.pools 2> /tmp/restore.err ||
	l1_fail "utmemctl host restore: $(cat /tmp/restore.err)"
t1=$(now_ms)
echo "  $(cat /tmp/restore.err) in $((t1 - t0)) ms"
[ "$(cat $ks/pages)" = "$pages" ] ||
	l1_fail "the host holds $(cat $ks/pages) pages restored, $pages were saved"
vm=$(vm_dir "$dst")
[ -n "$vm" ] && [ "$(cat "$vm"/bound)" = 1 ] ||
	l1_fail "no bound VM directory for the restored pools"
mon b cont
mon_until b 'info status' 'VM status: running$' 60

echo "--- (b) migrated live to a third QEMU over localhost, pools and all"
ip link set lo up || l1_fail "no loopback interface for the migration"
start_move c "tcp:127.0.0.1:4444"
dst2=$l2
mon_until c 'info status' 'inmigrate' 60
t0=$(now_ms)
mon b 'migrate -d tcp:127.0.0.1:4444'
mon_until b 'info migrate' 'Migration status: completed' 600
t1=$(now_ms)
tr -d '\r' < /tmp/mon-b.log | grep -E '^(total time|downtime|transferred ram)' |
	sed 's/^/  QEMU: /'
pages=$(cat "$(vm_dir "$dst")"/pages)
qemu_downtime=$(tr -d '\r' < /tmp/mon-b.log |
	sed -n 's/^downtime: \([0-9]*\) \(ms\|milliseconds\)$/\1/p')
"$tools"/utmemctl host save --pid "$dst" 2> /tmp/save.err |
	"$tools"/utmemctl host restore --pid "$dst2" 2> /tmp/restore.err ||
	l1_fail "pools from QEMU b to c: $(cat /tmp/save.err /tmp/restore.err)"
mon c cont
t2=$(now_ms)
echo "  $(cat /tmp/restore.err)"
[ "$(cat "$(vm_dir "$dst2")"/pages)" = "$pages" ] ||
	l1_fail "QEMU c's VM holds $(cat "$(vm_dir "$dst2")"/pages) pages, b's held $pages"
echo "  downtime: QEMU's ${qemu_downtime:-?} ms, then the pools' stop-and-copy $((t2 - t1)) ms (from the source's completion seen, polled every 0.1 s, to cont); migration $((t1 - t0)) ms"
mon_until c 'info status' 'VM status: running$' 60
quit_qemu b "$dst" "$pages"
l2=$dst2
timeout 20 sh -c 'echo go > /tmp/ctl-c.in' || l1_fail "L2's ttyS1 did not take the line"
wait_for '^utmem-l2: MOVED' 1500
grep '^utmem-l2: MOVED' $l2log | sed 's/^/  /'
vm=$(vm_dir "$dst2")
[ -n "$vm" ] && [ "$(cat "$vm"/bound)" = 1 ] || l1_fail "the migrated VM is not bound"
[ "$(cat $ks/hypercalls_lost)" = 0 ] || l1_fail "requests answered LOST after moves with the pools"

echo "--- (c) restored without its pools: L2 must be told, and lose no page silently"
wait_for '^utmem-l2: HOLDING 2' 900
to_file c
quit_qemu c "$dst2" 0
start_move d "exec:cat /tmp/l2.state"
dst3=$l2
mon_until d 'info status' 'VM status: paused$' 600
rm -f /tmp/l2.state
mon d cont
timeout 20 sh -c 'echo go > /tmp/ctl-d.in' || l1_fail "L2's ttyS1 did not take the line"
wait_for '^utmem-l2: LOST' 900
grep '^utmem-l2: LOST' $l2log | sed 's/^/  /'
vm=$(vm_dir "$dst3")
echo "  host: hypercalls_lost=$(cat $ks/hypercalls_lost); the VM bound=$(cat "$vm"/bound 2> /dev/null)"
[ "$(cat $ks/hypercalls_lost)" -gt 0 ] || l1_fail "no request was answered LOST"
[ -n "$vm" ] && [ "$(cat "$vm"/bound)" = 0 ] || l1_fail "the VM without its pools is bound"
kill "$dst3"
wait "$dst3" 2> /dev/null
show_l2
[ "$(cat $ks/pages)" = 0 ] || fail "the host holds $(cat $ks/pages) pages after the moves"
