# SPDX-License-Identifier: GPL-2.0
#
# The part of test-utmemctl.sh that needs /dev/utmem and utmem's debugfs
# on the simulator: sourced by it with --guest, as root in the guest.

U=5c1b0f3e-8d2a-4c7e-9f10-0123456789ab
d=/sys/kernel/debug/utmem

# A pool lives while a file holds it: hold it for the single commands.
"$ctl" hold --pool $U > "$tmp"/hold.out &
hold=$!
for _ in $(seq 50); do
	grep -q holding "$tmp"/hold.out && break
	sleep 0.1
done
grep -q "holding pool $U (persistent)" "$tmp"/hold.out && ok "hold" ||
	not_ok "hold said: $(cat "$tmp"/hold.out)"

expect 0 "put (argv)" -- "$ctl" put --pool $U greeting "hello world"
expect 0 "get" -- "$ctl" get --pool $U greeting
[ "$(cat "$tmp"/out)" = "hello world" ] && ok "get: the value, as stored" ||
	not_ok "get gave '$(cat "$tmp"/out)'"
head -c 300000 /dev/urandom > "$tmp"/blob
expect 0 "put --file (300000 random bytes)" -- "$ctl" put --pool $U blob --file "$tmp"/blob
expect 0 "get --output" -- "$ctl" get --pool $U --output "$tmp"/blob.back blob
cmp -s "$tmp"/blob "$tmp"/blob.back && ok "get --output: same bytes" ||
	not_ok "get --output: bytes differ"
expect 0 "get to stdout (binary)" -- "$ctl" get --pool $U blob
cmp -s "$tmp"/blob "$tmp"/out && ok "get: same bytes on stdout" ||
	not_ok "get: stdout differs"
printf 'from\nstdin' > "$tmp"/in
expect 0 "put - (stdin)" -- sh -c "'$ctl' put --pool $U s - < '$tmp'/in"
expect 0 "get (stdin value)" -- "$ctl" get --pool $U s
cmp -s "$tmp"/in "$tmp"/out && ok "stdin value back" || not_ok "stdin value differs"
expect 0 "put an empty value" -- "$ctl" put --pool $U empty ''
expect 0 "get an empty value" -- "$ctl" get --pool $U empty
[ ! -s "$tmp"/out ] && ok "empty value: no bytes" || not_ok "empty value: bytes"
head -c $((1048576 + 1)) /dev/zero > "$tmp"/big
expect 2 "put a value of 1 MiB + 1" -- "$ctl" put --pool $U big --file "$tmp"/big
expect_err "a value is at most 1048576 bytes"
head -c 1048576 /dev/urandom > "$tmp"/max
expect 0 "put a value of 1 MiB" -- "$ctl" put --pool $U max --file "$tmp"/max
expect 0 "get a value of 1 MiB" -- "$ctl" get --pool $U max
cmp -s "$tmp"/max "$tmp"/out && ok "1 MiB back" || not_ok "1 MiB differs"
expect 3 "put --file of a missing file" -- "$ctl" put --pool $U k --file "$tmp"/none
expect 1 "get of a key without a value" -- "$ctl" get --pool $U nothing
expect_err "get nothing: no value"
expect 0 "del" -- "$ctl" del --pool $U greeting
expect 1 "get after del" -- "$ctl" get --pool $U greeting
expect 0 "del of a key without a value" -- "$ctl" del --pool $U greeting
expect 3 "join as ephemeral a persistent pool" -- "$ctl" get --pool $U --ephemeral s
expect_err "the other persistence"
expect 3 "another user may not join" -- setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" get --pool $U s
expect_err "shared pool of another user"
expect 0 "pools" -- "$ctl" pools
expect_out "^dev\.$hold\.[0-9]+\.0 +[0-9]+ +0x3 "
expect 0 "pools --json" -- "$ctl" pools --json
json_check 'any(p["name"].startswith("dev.'$hold'.") and p["flags"] == "0x3" and p["host_pages"] > 0 for p in d)'
kill $hold
wait $hold && ok "hold exits 0 on SIGTERM" || not_ok "hold exit status"
expect 0 "put once nobody holds the pool" -- "$ctl" put --pool $U s v
expect 1 "the pool went with its last file" -- "$ctl" get --pool $U s

# batch: one device file, a private pool, the coalescing buffer.
printf 'put a 1\nput b 22\n# a comment\n\nget a\nsync\nget b\nget zz\ndel a\nget a\nput c \nget c\nstats\n' > "$tmp"/batch
expect 0 "batch" -- sh -c "'$ctl' batch < '$tmp'/batch"
if [ "$(head -4 "$tmp"/out | tr '\n' '|')" = "1|sync: 0 buffered PUTs refused|22||" ]; then
	ok "batch: values, sync and an empty value in order"
else
	not_ok "batch output: $(tr '\n' '|' < "$tmp"/out)"
fi
expect_out '^puts 3 gets 5 hits 3 deletes 1 put_refused 0 host_puts [0-9]+ buffered_bytes 0 flushes [1-9]'
expect_err "get zz: no value"
expect 2 "batch: unknown line" -- sh -c "printf 'put a 1\nfrob\n' | '$ctl' batch"
expect_err "line 2: unknown command 'frob'"
expect 2 "batch: put without a value" -- sh -c "printf 'put a\n' | '$ctl' batch"
expect 2 "batch: sync with an argument" -- sh -c "printf 'sync x\n' | '$ctl' batch"
expect 0 "batch on a shared ephemeral pool" -- sh -c "printf 'put e 1\nget e\nget e\n' | '$ctl' batch --pool $U --ephemeral"
[ "$(cat "$tmp"/out)" = 1 ] && ok "ephemeral GET takes the value out" ||
	not_ok "ephemeral batch gave $(tr '\n' '|' < "$tmp"/out)"
expect 0 "sync" -- "$ctl" sync
expect_out '^sync: 0 buffered PUTs refused$'

# stats from the real debugfs.
expect 0 "stats" -- "$ctl" stats
expect_out '^backend +sim$'
expect_out '^device/files +[0-9]+$'
expect_out '^sim/capacity_bytes +[0-9]+$'
expect 0 "stats --json" -- "$ctl" stats --json
json_check 'd["backend"] == "sim" and d["device"]["puts"] >= 10 and d["device"]["files"] == 0'
json_check 'isinstance(d["sim"]["capacity_bytes"], int) and isinstance(d["calls"]["put"], int) and isinstance(d["sim"]["counters"]["evictions"], int)'
expect 0 "stats --json --watch 1 --count 2" -- "$ctl" stats --json --watch 1 --count 2
[ "$(wc -l < "$tmp"/out)" = 2 ] && ok "two samples" || not_ok "not two samples"

# sim knobs: set, read back, refused values change nothing.
cap=$(cat $d/sim/capacity_bytes)
expect 0 "sim set" -- "$ctl" sim set capacity=64M exit_ns=500 compress=off
expect 0 "sim --json" -- "$ctl" sim --json
json_check 'd["capacity_bytes"] == 64 << 20 and d["exit_ns"] == 500 and d["compress"] == 0'
expect 2 "sim set exit_ns above 10 ms" -- "$ctl" sim set exit_ns=20000000
expect_err "the simulator refused exit_ns=20000000"
[ "$(cat $d/sim/exit_ns)" = 500 ] && ok "refused exit_ns changed nothing" ||
	not_ok "exit_ns is $(cat $d/sim/exit_ns)"
expect 0 "sim set back" -- "$ctl" sim set capacity=$cap exit_ns=0 compress=on

# fault injection: every PUT refused, then off.
expect 0 "fault fail_put on" -- "$ctl" fault fail_put probability=100 interval=1 times=-1
expect 0 "fault --json" -- "$ctl" fault --json
json_check 'd["fail_put"]["probability"] == 100 and d["fail_put"]["times"] == -1'
"$ctl" hold --pool $U > /dev/null &
hold=$!
sleep 0.5
expect 3 "put while the host refuses every PUT" -- "$ctl" put --pool $U f v
expect_err "the host refused (no room)"
expect 1 "a refused put leaves no value" -- "$ctl" get --pool $U f
expect 0 "fault fail_put off" -- "$ctl" fault fail_put off
expect 0 "put after fault off" -- "$ctl" put --pool $U f v
expect 0 "get after fault off" -- "$ctl" get --pool $U f
kill $hold
wait $hold
