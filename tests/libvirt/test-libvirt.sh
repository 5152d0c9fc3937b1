#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libvirt side (tools/libvirt/): the qemu hook and utmem-move, against
# stand-ins for virsh, ssh and utmemctl that log their calls and fail on
# demand (FAIL_<tool>_<word> in the environment).  Checks the order of
# the steps, and that a failure anywhere leaves the domain running where
# it was, with no pools file left behind.
#
#   test-libvirt.sh TOOLS_DIR
set -u
tools=${1:?usage: test-libvirt.sh TOOLS_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1: $(cat "$tmp"/calls 2> /dev/null | tr '\n' ';')"; fi; }

mkdir -p "$tmp"/bin "$tmp"/run "$tmp"/pools "$tmp"/remote
# Each stand-in logs "tool args" and fails when FAIL_<tool>_<first word> is set.
for t in virsh ssh utmemctl logger; do
	cat > "$tmp"/bin/$t << STUB
#!/bin/bash
echo "$t \$*" >> "$tmp"/calls
var=FAIL_${t}_\${1//-/_}
[ -n "\${!var:-}" ] && exit 1
case "$t \$1" in
"utmemctl host")
	# host save --pid PID FILE|- / host restore --pid PID FILE
	if [ "\$2" = save ]; then
		if [ "\$5" = - ]; then echo POOLS; else echo POOLS > "\$5"; fi
	fi
	echo "utmemctl: pid \$4: done" >&2 ;;
"ssh "*)
	shift
	bash -c "\$*" ;;
"virsh -c")
	[ "\$3" = domstate ] && echo "\${DOMSTATE:-paused}" ;;
esac
exit 0
STUB
	chmod +x "$tmp"/bin/$t
done
export PATH="$tmp/bin:$PATH" UTMEM_POOLS_DIR="$tmp"/pools UTMEM_LIBVIRT_RUN="$tmp"/run
echo 1234 > "$tmp"/run/vm1.pid
hook=$tools/qemu-hook
move=$tools/utmem-move

run() { : > "$tmp"/calls; "$@" > "$tmp"/out 2> "$tmp"/err < /dev/null; }

# --- the hook
run "$hook" vm1 prepare begin -
check "hook: other operations do nothing" '[ $? = 0 ] && [ ! -s "$tmp"/calls ]'
run "$hook" vm1 started begin -
check "hook: started without a pools file does nothing" '[ $? = 0 ] && ! grep -q utmemctl "$tmp"/calls'
echo POOLS > "$tmp"/pools/vm1.pools
run "$hook" vm1 started begin -
check "hook: started restores the pools into the domain's QEMU" \
	'[ $? = 0 ] && grep -qx "utmemctl host restore --pid 1234 $tmp/pools/vm1.pools" "$tmp"/calls'
check "hook: the pools file goes once restored" '[ ! -e "$tmp"/pools/vm1.pools ]'
echo POOLS > "$tmp"/pools/vm1.pools
FAIL_utmemctl_host=1 run "$hook" vm1 started begin -
check "hook: a failed restore fails the start" '[ $? = 1 ] && grep -q "does not start" "$tmp"/err'
check "hook: and keeps the pools file" '[ -e "$tmp"/pools/vm1.pools ]'
rm "$tmp"/run/vm1.pid
run "$hook" vm1 started begin -
check "hook: no pid file fails the start" '[ $? = 1 ] && grep -q "no $tmp/run/vm1.pid" "$tmp"/err'
echo 1234 > "$tmp"/run/vm1.pid
rm -f "$tmp"/pools/vm1.pools
run "$hook" vm1
check "hook: too few arguments" '[ $? = 2 ]'

# --- utmem-move save
run "$move" save vm1 "$tmp"/vm1.state
check "save: suspend, pools, virsh save, in that order" \
	'[ $? = 0 ] && [ "$(cut -d" " -f1-3 "$tmp"/calls | grep -v "^logger" | tr "\n" ";")" = "virsh suspend vm1;utmemctl host save;virsh save vm1;" ]'
check "save: the pools file is where the hook looks" '[ -s "$tmp"/pools/vm1.pools ]'
rm -f "$tmp"/pools/vm1.pools
FAIL_utmemctl_host=1 run "$move" save vm1 "$tmp"/vm1.state
check "save: pools not saved: resumed, not saved" \
	'[ $? = 1 ] && grep -qx "virsh resume vm1" "$tmp"/calls && ! grep -q "virsh save" "$tmp"/calls'
FAIL_virsh_save=1 run "$move" save vm1 "$tmp"/vm1.state
check "save: virsh save failed: resumed, no pools file left" \
	'[ $? = 1 ] && grep -qx "virsh resume vm1" "$tmp"/calls && [ ! -e "$tmp"/pools/vm1.pools ]'
run "$move" save nosuch "$tmp"/x.state
check "save: a domain not running here" '[ $? = 1 ] && grep -q "no $tmp/run/nosuch.pid" "$tmp"/err'

# --- utmem-move restore
run "$move" restore "$tmp"/vm1.state
check "restore: virsh restore --running" '[ $? = 0 ] && grep -qx "virsh restore --running $tmp/vm1.state" "$tmp"/calls'

# --- utmem-move migrate
export UTMEM_POOLS_DIR="$tmp"/remote
run "$move" migrate vm1 qemu+ssh://dst/system dst
# The save and the ssh of one pipeline log in either order: in the
# migration's steps, lines 2 and 3 are sorted.
check "migrate: suspend, pools to the destination, migrate, resume there" \
	'[ $? = 0 ] && [ "$(grep -v "^logger" "$tmp"/calls | cut -d" " -f1-3 |
		awk "NR == 2 { p = \$0; next } NR == 3 { if (p > \$0) { print; print p } else { print p; print } next } { print }" |
		tr "\n" ";")" = "virsh suspend vm1;ssh dst mkdir;utmemctl host save;virsh migrate vm1;virsh -c qemu+ssh://dst/system;virsh -c qemu+ssh://dst/system;" ] && [ -s "$tmp"/remote/vm1.pools ]'
rm -f "$tmp"/remote/vm1.pools
FAIL_virsh_migrate=1 run "$move" migrate vm1 qemu+ssh://dst/system dst
check "migrate: failed: no pools file there, resumed here" \
	'[ $? = 1 ] && [ ! -e "$tmp"/remote/vm1.pools ] && grep -qx "virsh resume vm1" "$tmp"/calls'
FAIL_ssh_dst=1 run "$move" migrate vm1 qemu+ssh://dst/system dst
check "migrate: pools not sent: not migrated, resumed here" \
	'[ $? = 1 ] && ! grep -q "virsh migrate" "$tmp"/calls && grep -qx "virsh resume vm1" "$tmp"/calls'
FAIL_utmemctl_host=1 run "$move" migrate vm1 qemu+ssh://dst/system dst
check "migrate: pools not saved: not migrated, resumed here" \
	'[ $? = 1 ] && ! grep -q "virsh migrate" "$tmp"/calls && grep -qx "virsh resume vm1" "$tmp"/calls'
DOMSTATE=running run "$move" migrate vm1 qemu+ssh://dst/system dst
check "migrate: a domain that arrives running is not resumed again" \
	'[ $? = 0 ] && ! grep -q "resume" "$tmp"/calls'
run "$move" migrate vm1
check "migrate: too few arguments" '[ $? = 2 ] && grep -q "^usage:" "$tmp"/err'
run "$move" frob
check "an unknown command" '[ $? = 2 ]'

echo "# libvirt: $((n - failed))/$n passed"
[ "$failed" = 0 ]
