#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# utmemctl's tests: every subcommand, its JSON, its errors and exit codes.
#
#   test-utmemctl.sh UTMEMCTL          on any machine, against a made-up
#                                      debugfs tree (--debugfs)
#   test-utmemctl.sh UTMEMCTL --guest  also against /dev/utmem and the
#                                      real debugfs (root, in the guest)
#
# Prints "ok N - what" per check and ends with a summary; exits non-zero
# if any check failed.
set -u

ctl=${1:?usage: test-utmemctl.sh UTMEMCTL [--guest]}
guest=${2:-}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# expect CODE WHAT -- COMMAND...: exit code CODE; stdout in $tmp/out,
# stderr in $tmp/err.
expect() {
	local code=$1 what=$2 rc
	shift 3
	"$@" > "$tmp"/out 2> "$tmp"/err
	rc=$?
	if [ "$rc" = "$code" ]; then
		ok "$what (exit $rc)"
	else
		not_ok "$what: exit $rc, wanted $code; stderr: $(head -c 300 "$tmp"/err)"
	fi
}

# expect_err PATTERN: the last command's stderr matches.
expect_err() {
	if grep -q -- "$1" "$tmp"/err; then
		ok "message: $1"
	else
		not_ok "message '$1' not in: $(head -c 300 "$tmp"/err)"
	fi
}

# expect_out PATTERN: the last command's stdout matches (grep -E).
expect_out() {
	if grep -qE -- "$1" "$tmp"/out; then
		ok "output: $1"
	else
		not_ok "output '$1' not in: $(head -c 300 "$tmp"/out)"
	fi
}

# json_check PYTHON-EXPR: every line of stdout is a JSON document d for
# which the expression holds (leaves: int, str, null; objects, lists).
json_check() {
	if python3 - "$tmp"/out "$1" <<'PY'
import json, sys
def leaves_ok(v):
    if isinstance(v, dict):
        return all(isinstance(k, str) and leaves_ok(x) for k, x in v.items())
    if isinstance(v, list):
        return all(leaves_ok(x) for x in v)
    return v is None or isinstance(v, (int, str)) and not isinstance(v, bool)
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
for line in lines:
    d = json.loads(line)
    assert leaves_ok(d), "a leaf that is not an integer, string or null"
    assert eval(sys.argv[2]), sys.argv[2]
PY
	then
		ok "json: $1"
	else
		not_ok "json: $1; got: $(head -c 300 "$tmp"/out)"
	fi
}

# --- the command line, anywhere
expect 0 "--help" -- "$ctl" --help
expect_out '^usage: utmemctl'
expect_out 'Exit status'
expect 2 "no command" -- "$ctl"
expect_err "no command"
expect 2 "unknown command" -- "$ctl" frob
expect_err "unknown command 'frob'"
expect 2 "unknown global option" -- "$ctl" --frob stats
for c in put get del hold batch; do
	expect 2 "$c --bogus" -- "$ctl" $c --bogus
done
expect 2 "put without --pool" -- "$ctl" put k v
expect_err "needs --pool UUID"
expect 2 "put without a value" -- "$ctl" put --pool 00112233445566778899aabbccddeeff k
expect 2 "put with two values" -- "$ctl" put --pool 00112233445566778899aabbccddeeff k v w
expect 2 "get --file" -- "$ctl" get --file x --pool 00112233445566778899aabbccddeeff k
expect 2 "put --output" -- "$ctl" put --output x --pool 00112233445566778899aabbccddeeff k v
expect 2 "bad UUID" -- "$ctl" get --pool 0011-2233 k
expect_err "is not a UUID"
expect 2 "UUID with a non-hex digit" -- "$ctl" get --pool 00112233-4455-6677-8899-aabbccddeefg k
expect 2 "empty key" -- "$ctl" del --pool 00112233445566778899aabbccddeeff ''
expect_err "a key is 1 to 250 bytes"
expect 2 "251-byte key" -- "$ctl" del --pool 00112233445566778899aabbccddeeff "$(printf 'k%.0s' $(seq 251))"
expect 2 "sync with an argument" -- "$ctl" sync now
expect 2 "stats --watch 0" -- "$ctl" stats --watch 0
expect 2 "stats --watch x" -- "$ctl" stats --watch x
expect 2 "stats --count without --watch" -- "$ctl" stats --count 2
expect 2 "stats with an argument" -- "$ctl" stats now
expect 2 "pools with an argument" -- "$ctl" pools now
expect 2 "sim with an argument" -- "$ctl" sim frob
expect 2 "sim set nothing" -- "$ctl" sim set
expect 2 "sim set unknown knob" -- "$ctl" sim set speed=1
expect_err "is not KNOB=VALUE"
expect 2 "sim set compress=maybe" -- "$ctl" sim set compress=maybe
expect 2 "sim set capacity=12Q" -- "$ctl" sim set capacity=12Q
expect 2 "sim set capacity=-1" -- "$ctl" sim set capacity=-1
expect 2 "sim set exit_ns=" -- "$ctl" sim set exit_ns=
expect 2 "fault unknown name" -- "$ctl" fault fail_everything probability=1
expect 2 "fault without settings" -- "$ctl" fault fail_put
expect 2 "fault probability=101" -- "$ctl" fault fail_put probability=101
expect 2 "fault interval=0" -- "$ctl" fault fail_put interval=0
expect 2 "fault times=-2" -- "$ctl" fault fail_get times=-2
expect 2 "fault unknown attribute" -- "$ctl" fault drop_ephemeral speed=1
expect 3 "no device" -- "$ctl" --device "$tmp"/none put --pool 00112233445566778899aabbccddeeff k v
expect_err "No such file or directory"
expect 3 "no sysfs, no debugfs" -- "$ctl" --sysfs "$tmp"/none --debugfs "$tmp"/none --params "$tmp"/none stats
expect_err "does this kernel have utmem"
# utmem in the kernel (its parameters are there) but no backend bound:
# said so, not blamed on the kernel.
mkdir -p "$tmp"/unbound-params
expect 3 "utmem bound nothing" -- "$ctl" --sysfs "$tmp"/none --debugfs "$tmp"/none --params "$tmp"/unbound-params stats
expect_err "utmem is in this kernel but bound no backend"
expect 3 "no debugfs: pools" -- "$ctl" --debugfs "$tmp"/none pools
expect 3 "no debugfs: sim" -- "$ctl" --debugfs "$tmp"/none sim
expect 3 "no debugfs: fault" -- "$ctl" --debugfs "$tmp"/none fault

# --- a made-up debugfs tree: what stats, pools, sim and fault read and write
fake=$tmp/debugfs
mkdir -p "$fake"/dev "$fake"/calls "$fake"/sim/counters "$fake"/sim/clients/0 \
	"$fake"/pools/dev.7.1.0 "$fake"/frontswap
echo sim > "$fake"/backend
echo 2 > "$fake"/dev/files
echo 007 > "$fake"/dev/odd
echo 41 > "$fake"/calls/put
echo 1 > "$fake"/frontswap/stores
echo 9 > "$fake"/frontswap/shrink; chmod 0200 "$fake"/frontswap/shrink
for f in capacity_bytes used_bytes raw_bytes pages compress dedup carve_out \
	 exit_ns reserve_bytes footprint_bytes reclaim_pages; do
	echo 5 > "$fake"/sim/$f
done
chmod 0200 "$fake"/sim/reclaim_pages
echo 3 > "$fake"/sim/counters/evictions
echo 100 > "$fake"/sim/clients/0/weight
for f in fail_put fail_get drop_ephemeral; do
	mkdir "$fake"/sim/$f
	for a in probability interval times space verbose; do
		echo 1 > "$fake"/sim/$f/$a
	done
done
for f in id flags puts put_refused gets hits host_pages host_stored_bytes \
	 host_evicted; do
	echo 4 > "$fake"/pools/dev.7.1.0/$f
done
echo 0x1 > "$fake"/pools/dev.7.1.0/flags

expect 0 "stats (tree)" -- "$ctl" --sysfs "$tmp"/none --debugfs "$fake" stats
expect_out '^backend +sim$'
expect_out '^device/files +2$'
expect_out '^sim/counters/evictions +3$'
expect_out '^sim/clients/0/weight +100$'
if grep -qE 'shrink|reclaim_pages|fail_put|probability' "$tmp"/out; then
	not_ok "stats shows write-only files or fault attributes"
else
	ok "stats leaves out write-only files and fault attributes"
fi
expect 0 "stats --json (tree)" -- "$ctl" --sysfs "$tmp"/none --debugfs "$fake" stats --json
json_check 'd["backend"] == "sim" and d["device"] == {"files": 2, "odd": "007"}'
json_check 'd["sim"]["counters"]["evictions"] == 3 and d["sim"]["clients"]["0"]["weight"] == 100'
json_check 'd["frontswap"] == {"stores": 1} and "cleancache" not in d and isinstance(d["time"], int)'
json_check '"fail_put" not in d["sim"] and "reclaim_pages" not in d["sim"]'

# --- a made-up sysfs tree beside it: its sections win, debugfs adds the rest
sys=$tmp/sysfs
mkdir -p "$sys"/dev "$sys"/frontswap "$sys"/kvm_host
echo kvm > "$sys"/backend
echo 5 > "$sys"/dev/files
echo 11 > "$sys"/frontswap/stores
expect 0 "stats (sysfs and debugfs)" -- "$ctl" --sysfs "$sys" --debugfs "$fake" stats
expect_out '^backend +kvm$'
expect_out '^device/files +5$'
expect_out '^frontswap/stores +11$'
expect_out '^calls/put +41$'
grep -q 'device/odd' "$tmp"/out && not_ok "stats mixed debugfs into a sysfs section" ||
	ok "a section in sysfs is read from sysfs alone"
expect 0 "stats (sysfs, no debugfs)" -- "$ctl" --sysfs "$sys" --debugfs "$tmp"/none stats
expect_out '^device/files +5$'
grep -q 'calls/' "$tmp"/out && not_ok "stats showed calls without debugfs" ||
	ok "without debugfs, stats shows the sysfs sections"

expect 0 "stats --watch 1 --count 2 --json (tree)" -- "$ctl" --sysfs "$tmp"/none --debugfs "$fake" stats --json --watch 1 --count 2
json_check 'd["calls"]["put"] == 41'
if [ "$(wc -l < "$tmp"/out)" = 2 ]; then ok "two JSON lines"; else not_ok "not two JSON lines"; fi
( sleep 0.5; echo 50 > "$fake"/calls/put ) &
expect 0 "stats --watch 1 --count 2 (tree)" -- "$ctl" --sysfs "$tmp"/none --debugfs "$fake" stats --watch 1 --count 2
expect_out '^--- sample 2, every 1 s$'
expect_out '^calls/put +50 +\+9$'
expect 0 "pools (tree)" -- "$ctl" --debugfs "$fake" pools
expect_out '^NAME +id +flags'
expect_out '^dev\.7\.1\.0 +4 +0x1 +4'
expect 0 "pools --json (tree)" -- "$ctl" --debugfs "$fake" pools --json
json_check 'd == [{"name": "dev.7.1.0", "id": 4, "flags": "0x1", "puts": 4, "put_refused": 4, "gets": 4, "hits": 4, "host_pages": 4, "host_stored_bytes": 4, "host_evicted": 4}]'
rm "$fake"/pools/dev.7.1.0/hits
expect 0 "pools --json, a file gone (tree)" -- "$ctl" --debugfs "$fake" pools --json
json_check 'd[0]["hits"] is None'
expect 0 "sim (tree)" -- "$ctl" --debugfs "$fake" sim
expect_out '^capacity_bytes +5$'
expect 0 "sim --json (tree)" -- "$ctl" --debugfs "$fake" sim --json
json_check 'd["capacity_bytes"] == 5 and d["footprint_bytes"] == 5 and "reclaim_pages" not in d'
expect 0 "sim set (tree)" -- "$ctl" --debugfs "$fake" sim set capacity=3M compress=off dedup=on exit_ns=1000 carve_out=0 reclaim=64
# Each file's value and a space (utmemctl writes no newline).
vals() {
	local f
	for f in "$@"; do
		printf '%s ' "$(cat "$f")"
	done
}
if [ "$(vals "$fake"/sim/capacity_bytes "$fake"/sim/compress "$fake"/sim/dedup \
	"$fake"/sim/exit_ns "$fake"/sim/carve_out "$fake"/sim/reclaim_pages)" = \
	"3145728 0 1 1000 0 64 " ]; then
	ok "sim set wrote every knob"
else
	not_ok "sim set wrote $(cat "$fake"/sim/capacity_bytes "$fake"/sim/compress)"
fi
echo 5 > "$fake"/sim/exit_ns
expect 2 "sim set: a bad value after a good one" -- "$ctl" --debugfs "$fake" sim set exit_ns=7 dedup=2
if [ "$(cat "$fake"/sim/exit_ns)" = 5 ]; then
	ok "sim set checks every value before writing"
else
	not_ok "sim set wrote exit_ns before refusing dedup=2"
fi
expect 0 "fault (tree)" -- "$ctl" --debugfs "$fake" fault
expect_out '^NAME +probability +interval +times +space +verbose$'
expect_out '^fail_put +1 +1 +1 +1 +1$'
expect 0 "fault --json (tree)" -- "$ctl" --debugfs "$fake" fault --json
json_check 'sorted(d) == ["drop_ephemeral", "fail_get", "fail_put"] and d["fail_get"]["times"] == 1'
expect 0 "fault set (tree)" -- "$ctl" --debugfs "$fake" fault fail_get probability=30 times=-1
if [ "$(vals "$fake"/sim/fail_get/probability "$fake"/sim/fail_get/times)" = "30 -1 " ]; then
	ok "fault set wrote probability and times"
else
	not_ok "fault set wrote $(cat "$fake"/sim/fail_get/probability)"
fi
expect 0 "fault off (tree)" -- "$ctl" --debugfs "$fake" fault fail_get off
[ "$(cat "$fake"/sim/fail_get/probability)" = 0 ] && ok "fault off: probability 0" ||
	not_ok "fault off left probability $(cat "$fake"/sim/fail_get/probability)"

# --- the KVM host view: the switch and the totals in a made-up sysfs, the
# VMs in debugfs
expect 0 "--version" -- "$ctl" --version
expect_out '^utmemctl .+ \(hypercall ABI [0-9]+\.\.[0-9]+\)$'
params=$tmp/params
mkdir -p "$params" "$fake"/kvm-host/clients/3
expect 3 "host without the host side" -- "$ctl" --params "$params" host
expect_err "kvm_host_enabled: No such file or directory (is this kernel a KVM host"
echo N > "$params"/kvm_host_enabled
for f in capacity_bytes used_bytes raw_bytes pages vms_served; do
	echo 7 > "$sys"/kvm_host/$f
done
echo "client 3 pid 99 hypercalls 1000 pages 5" > "$fake"/kvm-host/vms
echo 20480 > "$fake"/kvm-host/clients/3/used_bytes
expect 0 "host (tree)" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$fake" host
expect_out '^kvm_host_enabled +off$'
expect_out '^pages +7$'
expect_out '^vm client 3 pid 99 hypercalls 1000 pages 5 used_bytes 20480$'
expect 0 "host --json (tree)" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$fake" host --json
json_check 'd["kvm_host_enabled"] == 0 and d["vms"] == [{"client": 3, "pid": 99, "hypercalls": 1000, "pages": 5, "used_bytes": 20480}]'
expect 0 "host without debugfs" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$tmp"/none host
expect_out '^kvm_host_enabled +off$'
expect_out '^vms_served +7$'
expect_err "no VM by VM"
# A kernel with the VMs in sysfs: read there, in id order, with the rules.
printf '+/machine.slice weight=100\n+/vm-a cap=1048576 weight=200\n' > "$sys"/kvm_host/vm_rules
vm_files() {	# ID PID HYPERCALLS PAGES USED CGROUP ENABLED CAP WANTED
	local d="$sys"/kvm_host/vms/$1 f
	mkdir -p "$d"
	shift
	for f in pid hypercalls pages used_bytes cgroup enabled cap_bytes reclaim_wanted; do
		echo "$1" > "$d/$f"
		shift
	done
}
vm_files 12 120 9 3 12288 /vm-a 1 1048576 2
vm_files 4 40 1 0 0 /user.slice 0 0 0
expect 0 "host with VMs in sysfs" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$fake" host
expect_out '^rule \+/vm-a cap=1048576 weight=200$'
expect_out '^vm client 4 pid 40 hypercalls 1 pages 0 used_bytes 0 cgroup /user.slice enabled 0 cap_bytes 0 reclaim_wanted 0$'
expect_out '^vm client 12 pid 120 hypercalls 9 pages 3 used_bytes 12288 cgroup /vm-a enabled 1 cap_bytes 1048576 reclaim_wanted 2$'
if grep '^vm ' "$tmp"/out | cut -d' ' -f3 | tr '\n' ' ' | grep -qx '4 12 '; then
	ok "VMs listed in id order"
else
	not_ok "VMs listed as: $(grep '^vm ' "$tmp"/out | cut -d' ' -f3 | tr '\n' ' ')"
fi
expect 0 "host --json with VMs in sysfs" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$fake" host --json
json_check 'd["vm_rules"] == ["+/machine.slice weight=100", "+/vm-a cap=1048576 weight=200"] and [v["client"] for v in d["vms"]] == [4, 12] and d["vms"][1]["cgroup"] == "/vm-a" and d["vms"][1]["reclaim_wanted"] == 2'
rm -r "$sys"/kvm_host/vms "$sys"/kvm_host/vm_rules
expect 0 "host enable" -- "$ctl" --params "$params" host enable
[ "$(cat "$params"/kvm_host_enabled)" = 1 ] && ok "host enable wrote 1" ||
	not_ok "host enable wrote '$(cat "$params"/kvm_host_enabled)'"
expect 0 "host disable" -- "$ctl" --params "$params" host disable
[ "$(cat "$params"/kvm_host_enabled)" = 0 ] && ok "host disable wrote 0" ||
	not_ok "host disable wrote '$(cat "$params"/kvm_host_enabled)'"
expect 2 "host frob" -- "$ctl" --params "$params" host frob
expect_err "host: 'frob' is not 'enable' or 'disable'"
expect 2 "host enable --json" -- "$ctl" --params "$params" host --json enable
echo "client x" > "$fake"/kvm-host/vms
expect 3 "host with a bad vms line" -- "$ctl" --params "$params" --sysfs "$sys" --debugfs "$fake" host
expect_err "cannot read 'client x'"

# --- drain: the write of the sysfs file, and what is left.
echo 0 > "$sys"/drain
mkdir -p "$sys"/frontswap
echo 0 > "$sys"/frontswap/pages_held
expect 0 "drain (tree)" -- "$ctl" --sysfs "$sys" drain
expect_out '^drained: frontswap holds 0 pages on the host'
[ "$(cat "$sys"/drain)" = 1 ] && ok "drain wrote 1" || not_ok "drain wrote '$(cat "$sys"/drain)'"
expect 0 "drain --resume (tree)" -- "$ctl" --sysfs "$sys" drain --resume
expect_out '^resumed: '
[ "$(cat "$sys"/drain)" = 0 ] && ok "drain --resume wrote 0" || not_ok "drain --resume wrote '$(cat "$sys"/drain)'"
expect 2 "drain now" -- "$ctl" --sysfs "$sys" drain now
expect_err "drain: no arguments, --resume only"
expect 3 "drain without the file" -- "$ctl" --sysfs "$tmp"/none drain
expect_err "none/drain: No such file or directory"

# --- host save | restore: arguments, and a host without the device.
expect 2 "host save without --pid" -- "$ctl" host save "$tmp"/pools
expect_err "host save: --pid PID of the VM's VMM (QEMU) is needed"
for pid in 0 -3 x 2147483648; do
	expect 2 "host save --pid $pid" -- "$ctl" host save --pid "$pid" "$tmp"/pools
	expect_err "host save: --pid '$pid' is not a process id"
done
expect 2 "host restore --ephemeral" -- "$ctl" host restore --pid 1 --ephemeral
expect_err "host restore: --ephemeral is save's"
expect 2 "host save with two files" -- "$ctl" host save --pid 1 a b
expect_err "host save: one FILE at most"
expect 3 "host save without the device" -- "$ctl" --host-device "$tmp"/none host save --pid 1 "$tmp"/pools
expect_err "$tmp/none: missing: is this a KVM host with utmem's host side?"
[ ! -e "$tmp"/pools ] && ok "no file made for a host without the device" ||
	not_ok "host save made $tmp/pools without a device"
expect 3 "host save to a device that is not the host's" -- "$ctl" --host-device /dev/null host save --pid 1 "$tmp"/pools
expect_err "host save of pid 1: Inappropriate ioctl for device"
[ ! -e "$tmp"/pools ] && ok "a failed save leaves no file" ||
	not_ok "a failed save left $tmp/pools"
expect 3 "host restore of a missing file" -- "$ctl" --host-device /dev/null host restore --pid 1 "$tmp"/none
expect_err "$tmp/none: No such file or directory"

if [ "$guest" = --guest ]; then
	# shellcheck source=test-utmemctl-guest.sh
	. "$(dirname "$0")"/test-utmemctl-guest.sh
fi

echo "# utmemctl: $((n - failed))/$n passed"
[ "$failed" = 0 ]
