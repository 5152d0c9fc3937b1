# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The one check of the kernel's own reports, for every guest.  Sourced by
# lib.sh (so every init script has it), which also calls
# kernel_reports_begin once the file systems are up; an init script ends
# with
#
#   kernel_reports_check [LETTER=REASON...] || fail "kernel reports"
#
# which fails (status 1; 2 for a bad argument) when
#   - the kernel log holds a report: BUG, WARNING, KASAN, KFENCE, UBSAN,
#     lockdep's (circular or recursive locking, inconsistent lock state,
#     lock inversion, suspicious RCU usage), sleeping in atomic context,
#     a hung task, an Oops, a general protection fault, a panic, a kernel
#     BUG, or debugfs refusing a name already present;
#   - lockdep (where built) has turned itself off, as it does after its
#     first report, even one no longer in the log;
#   - /proc/sys/kernel/tainted has a bit set that no LETTER=REASON allows:
#     each argument allows one taint letter (Documentation/admin-guide/
#     tainted-kernels.rst) and says why this guest expects it.
# It prints every offending line and the taint, decoded.
#
# The log it reads is the whole ring buffer, through /dev/kmsg from its
# first record (a script's `dmesg -C` does not hide a report from it),
# together with the boot log as kernel_reports_begin saw it (a long run
# can push that out of the ring buffer).
#
# On the host, for tests (tests/guest/test-kernel-reports.sh):
#   KERNEL_REPORTS_DMESG    a file read as the kernel log instead
#   KERNEL_REPORTS_TAINTED  a file read instead of /proc/sys/kernel/tainted
#   KERNEL_REPORTS_LOCKDEP  a file read instead of /proc/lockdep_stats

kr_reports='BUG:|WARNING:|KASAN|KFENCE|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|lock inversion|suspicious RCU usage|sleeping function called from invalid context|blocked for more than|Oops|general protection|Kernel panic|kernel BUG|already present!'

# Taint bits 0-18, their letters and meanings (tainted-kernels.rst).
kr_taints=(
	"P:proprietary module was loaded"
	"F:module was force loaded"
	"S:kernel running on an out of specification system"
	"R:module was force unloaded"
	"M:processor reported a Machine Check Exception"
	"B:bad page referenced or some unexpected page flags"
	"U:taint requested by userspace application"
	"D:kernel died recently, i.e. there was an OOPS or BUG"
	"A:an ACPI table was overridden by user"
	"W:kernel issued warning"
	"C:staging driver was loaded"
	"I:workaround for bug in platform firmware applied"
	"O:externally-built (\"out-of-tree\") module was loaded"
	"E:unsigned module was loaded"
	"L:soft lockup occurred"
	"K:kernel has been live patched"
	"X:auxiliary taint, defined for and used by distros"
	"T:kernel was built with the struct randomization plugin"
	"N:an in-kernel test has been run"
)

# The ring buffer's records as "SEQUENCE<tab>TEXT", the oldest first.
# dd stops at the end of the buffer (EAGAIN); kmsg escapes newlines and
# tabs within a record, so one record is one line.
_kr_kmsg() {
	dd if=/dev/kmsg iflag=nonblock bs=64k status=none 2> /dev/null |
		awk '/^[0-9]+,[0-9]+,/ {
			i = index($0, ";")
			split(substr($0, 1, i - 1), h, ",")
			print h[2] "\t" substr($0, i + 1)
		}'
}

kernel_reports_begin() {
	[ -z "${KERNEL_REPORTS_DMESG:-}" ] || return 0
	_kr_boot=$(_kr_kmsg)
}

# The kernel log, one line per record.
_kr_log() {
	if [ -n "${KERNEL_REPORTS_DMESG:-}" ]; then
		cat "$KERNEL_REPORTS_DMESG"
	elif [ -r /dev/kmsg ]; then
		{ [ -z "${_kr_boot:-}" ] || printf '%s\n' "$_kr_boot"; _kr_kmsg; } |
			sort -t "$(printf '\t')" -k1,1n -u | cut -f2-
	else
		dmesg
	fi
}

kernel_reports_check() {
	local a letter allowed="" reasons=() lines tainted bit name bad=0 known=0
	local found=() lockdep=${KERNEL_REPORTS_LOCKDEP:-/proc/lockdep_stats}
	local lockdep_off=$'\n'' *debug_locks: +0'$'\n'

	for a in "$@"; do
		letter=${a%%=*}
		if [ "$letter" = "$a" ] || [ -z "${a#*=}" ] ||
		   ! [[ $letter =~ ^[PFSRMBUDAWCIOELKXTN]$ ]]; then
			echo "kernel-reports: '$a' is not LETTER=REASON with a taint letter" >&2
			return 2
		fi
		allowed+=$letter
		reasons+=("$a")
	done

	# Lines that report, less the one known warning of UML's boot:
	# KUnit's UML defaults (tools/testing/kunit/configs/arch_uml.config)
	# turn on PCI over virtio without a device ID
	# (CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID=-1), and um_pci_init()
	# (arch/um/drivers/virt-pci.c) WARNs about it once.  Only its WARNING
	# line (whose caller, an __init function, prints as a bare address),
	# followed by its exact message, is excepted; it sets taint W, which
	# it then explains.  "R " marks a report, "K " the known one.
	# (No process substitution: a guest's /dev has no /dev/fd.)
	lines=$(_kr_log | awk -v re="$kr_reports" '
		{ raw[NR] = $0; t = $0; sub(/^\[[ 0-9.]*\] /, "", t); txt[NR] = t }
		END {
			for (i = 1; i <= NR; i++) {
				if (txt[i] ~ /^WARNING: CPU: [0-9]+ PID: [0-9]+ at arch\/um\/drivers\/virt-pci\.c:[0-9]+ / &&
				    txt[i + 1] == "No virtio device ID configured for PCI - no PCI support") {
					print "K " raw[i]
					continue
				}
				if (txt[i] ~ re)
					print "R " raw[i]
			}
		}')
	while IFS= read -r a; do
		case $a in
		"K "*)	known=$((known + 1)) ;;
		"R "*)	found+=("${a#R }") ;;
		esac
	done <<< "$lines"
	if [ ${#found[@]} != 0 ]; then
		echo "kernel-reports: ${#found[@]} report line(s) in the kernel log:"
		printf '  %s\n' "${found[@]}"
		bad=1
	fi
	[ "$known" = 0 ] ||
		echo "kernel-reports: the known UML boot warning (virt-pci.c, PCI over virtio without a device ID) is in the log, excepted"

	if [ -r "$lockdep" ] && [[ $'\n'$(< "$lockdep")$'\n' =~ $lockdep_off ]]; then
		echo "kernel-reports: lockdep turned itself off (debug_locks 0): it reported, or a taint made it unreliable"
		bad=1
	fi

	tainted=$(< "${KERNEL_REPORTS_TAINTED:-/proc/sys/kernel/tainted}") ||
		{ echo "kernel-reports: cannot read the taint"; return 1; }
	[[ $tainted =~ ^[0-9]+$ ]] ||
		{ echo "kernel-reports: taint '$tainted' is not a number"; return 1; }
	echo "kernel-reports: tainted $tainted"
	for ((bit = 0; bit < 64; bit++)); do
		[ $(((tainted >> bit) & 1)) = 1 ] || continue
		if [ "$bit" -lt ${#kr_taints[@]} ]; then
			letter=${kr_taints[bit]%%:*}
			name="$letter (bit $bit: ${kr_taints[bit]#*:})"
		else
			letter=""
			name="bit $bit (no letter known)"
		fi
		if [ -n "$letter" ] && [[ $allowed == *"$letter"* ]]; then
			for a in "${reasons[@]}"; do
				[ "${a%%=*}" = "$letter" ] && break
			done
			echo "  $name: allowed, ${a#*=}"
		elif [ "$letter" = W ] && [ "$known" != 0 ]; then
			echo "  $name: allowed, the known UML boot warning"
		else
			echo "  $name: NOT ALLOWED"
			bad=1
		fi
	done
	if [ "$bad" = 0 ]; then
		echo "kernel-reports: none"
		return 0
	fi
	return 1
}
