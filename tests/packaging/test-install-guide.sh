#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the commands of docs/install.rst, as a deployer would, and checks
# what they did: every literal block that follows a ".. test: STAGE"
# comment there, in the page's order, stage by stage:
#   build         on this machine, in the repository (make deb-pkg ...)
#   series        in a git checkout of the pristine linux-source-6.12
#                 with a defconfig (the series of make patches, which
#                 is made first if it is not there)
#   guest-install in a Debian 12 system installed with debootstrap into
#                 a disk image with GRUB (chroot), the packages in the
#                 directory it runs in
#   guest-check   in that system booted under QEMU (GRUB, the package's
#                 kernel and initramfs), as its init
#   host-install, secure-boot   back in the chroot
#   host-check    in the system booted again, into the host kernel
# Each boot must run the kernel of its package with the parameters the
# page set; the checks of this script follow each stage's commands.
#
#   tests/packaging/test-install-guide.sh [WORK_DIR]
#
# Root (loop devices, chroot, apt).  Uses the default cache
# (~/.cache/utmem), as the page does; keeps the debootstrapped system as
# a tarball there to start from next time.  Takes 10-20 minutes beyond
# the builds.  Ends with "install guide: PASS" or a FAIL line.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
# The page's paths are the defaults'.
unset UTMEM_CACHE XDG_CACHE_HOME DEB_DIR SERIES_DIR
cache=$HOME/.cache/utmem
work=${1:-$(mktemp -d /tmp/install-guide.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
log=$work/log
mnt=$work/mnt
img=$work/disk.img
loop=

fail() { echo "install guide: FAIL $*" >&2; exit 1; }
note() { echo "install-guide: $* [$(date +%T)]" >&2; }
[ "$(id -u)" = 0 ] || fail "run me as root (loop devices, chroot)"
"$repo"/scripts/need-packages.sh debootstrap qemu-system-x86 fdisk e2fsprogs

unmount_all() {
	local m
	for m in dev/pts dev proc sys ""; do
		mountpoint -q "$mnt/$m" 2> /dev/null && umount "$mnt/$m"
	done
	[ -z "$loop" ] || losetup -d "$loop" 2> /dev/null || true
	loop=
}
trap unmount_all EXIT

# The stages' commands, from the page.
python3 - "$repo/docs/install.rst" "$work" <<'EOF'
import re, sys
path, out = sys.argv[1:]
lines = open(path).read().split("\n")
stages, i = {}, 0
while i < len(lines):
    m = re.match(r"^\.\. test: ([a-z-]+)$", lines[i])
    i += 1
    if not m:
        continue
    while i < len(lines) and lines[i].strip() in ("", "::"):
        i += 1
    block = []
    while i < len(lines) and (lines[i].startswith("   ") or not lines[i].strip()):
        block.append(lines[i][3:])
        i += 1
    stages.setdefault(m.group(1), []).append("\n".join(block).strip() + "\n")
want = ["build", "series", "guest-install", "guest-check", "host-install",
        "secure-boot", "host-check"]
if sorted(stages) != sorted(want):
    sys.exit(f"docs/install.rst: stages {sorted(stages)}, want {sorted(want)}")
for name, blocks in stages.items():
    open(f"{out}/stage-{name}.sh", "w").write("".join(blocks))
EOF

run_stage() {	# NAME: on this machine, in the current directory
	note "stage $1"
	sed 's/^/  | /' "$work/stage-$1.sh" >&2
	bash -euo pipefail "$work/stage-$1.sh" >> "$log" 2>&1 ||
		{ tail -30 "$log" >&2; fail "stage $1"; }
}

in_chroot() {	# NAME: in the image's system, in /root/debs
	note "stage $1 (chroot)"
	sed 's/^/  | /' "$work/stage-$1.sh" >&2
	cp "$work/stage-$1.sh" "$mnt/root/"
	chroot "$mnt" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive \
		bash -euo pipefail -c "cd /root/debs && . /root/stage-$1.sh" >> "$log" 2>&1 ||
		{ tail -30 "$log" >&2; fail "stage $1"; }
}

# --- on the build machine
series_version=$(cat "$repo/VERSION")
(cd "$repo" && run_stage build)
debs=$cache/deb
guest_release=$(basename "$(ls "$debs"/linux-image-*-utmem"$series_version"-guest_*.deb)" | sed 's/^linux-image-\(.*\)_.*_.*$/\1/')
host_release=$(basename "$(ls "$debs"/linux-image-*-utmem"$series_version"-host_*.deb)" | sed 's/^linux-image-\(.*\)_.*_.*$/\1/')
listing=$(dpkg-deb -c "$debs"/linux-image-"$host_release"_*.deb)
grep -q '/kvm-amd\.ko' <<< "$listing" || fail "build: the host package holds no kvm-amd.ko"
note "packages: $guest_release, $host_release"

# A series made before the repository's last commit is made again.
series=$cache/series-$series_version
if [ ! -d "$series" ] ||
   [ "$(stat -c %Y "$series")" -lt "$(git -C "$repo" log -1 --format=%ct)" ]; then
	note "make patches"
	(cd "$repo" && make patches > "$work/patches.log" 2>&1) ||
		{ tail -20 "$work/patches.log" >&2; fail "make patches"; }
fi
note "a pristine linux-source-6.12 as a git checkout, with a defconfig"
rm -rf "$work/linux"
mkdir "$work/linux"
tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$work/linux" --strip-components=1
(cd "$work/linux" && git init -q && git add -A -f &&
 git -c user.name=t -c user.email=t@localhost commit -q -m pristine &&
 make -s defconfig > /dev/null) || fail "pristine tree"
(cd "$work/linux" &&
 git config user.name deployer && git config user.email deployer@localhost &&
 run_stage series)
for option in CONFIG_UTMEM_KVM=y CONFIG_UTMEM_DEFAULT_BACKEND_KVM=y; do
	grep -qx "$option" "$work/linux/.config" ||
		fail "series: the guest fragment did not give $option"
done
rm -rf "$work/linux"

# --- a Debian 12 system in a disk image, booted by GRUB
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2> /dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list)
[ -n "$mirror" ] || fail "no Debian mirror in this machine's apt sources"
truncate -s 4G "$img"
echo 'type=83, bootable' | sfdisk -q "$img"
# link_root: the root's by-uuid link, as udev would make it, through
# which update-grub names the root by UUID (without it, by this
# machine's device name).
uuid=
link_root() {
	mkdir -p /dev/disk/by-uuid
	ln -sfn "../../${loop#/dev/}p1" "/dev/disk/by-uuid/$uuid"
}
# attach: the image on a loop device, its partition's node and the
# root's link made if no udev makes them (a container).
attach() {
	loop=$(losetup -P --show -f "$img")
	local part=${loop#/dev/}p1
	# (losetup's scan does not always show the partition here: partx)
	[ -e "/sys/block/${loop#/dev/}/$part" ] || partx -a "$loop"
	[ -b "/dev/$part" ] || mknod "/dev/$part" b \
		"$(cut -d: -f1 "/sys/block/${loop#/dev/}/$part/dev")" \
		"$(cut -d: -f2 "/sys/block/${loop#/dev/}/$part/dev")"
	[ -z "$uuid" ] || link_root
}
attach
mkfs.ext4 -q "${loop}p1"
uuid=$(blkid -s UUID -o value "${loop}p1")
link_root
mkdir -p "$mnt"
mount "${loop}p1" "$mnt"
rootfs=$cache/install-guide-rootfs.tar
if [ -f "$rootfs" ]; then
	note "the Debian 12 system from $rootfs"
	tar -xpf "$rootfs" -C "$mnt"
else
	note "debootstrap bookworm"
	debootstrap --include=grub-pc,initramfs-tools,kmod,systemd-sysv,ca-certificates \
		bookworm "$mnt" "$mirror" >> "$log" 2>&1 || { tail -20 "$log"; fail "debootstrap"; }
	tar -cpf "$rootfs.tmp" -C "$mnt" . && mv "$rootfs.tmp" "$rootfs"
fi
for m in dev dev/pts proc sys; do mount --bind /$m "$mnt/$m"; done
echo "UUID=$uuid / ext4 defaults 0 1" > "$mnt/etc/fstab"
echo utmem-install-test > "$mnt/etc/hostname"
echo 'APT::Get::Assume-Yes "true";' > "$mnt/etc/apt/apt.conf.d/90assume-yes"
# A system debootstrap made has no package lists yet; an installed one
# has (the Secure Boot block installs from Debian).
chroot "$mnt" apt-get update -q >> "$log" 2>&1 || fail "apt-get update in the image"
chroot "$mnt" grub-install --target=i386-pc "$loop" >> "$log" 2>&1 || fail "grub-install"
# The test's own boot settings: no menu wait, the console on the serial
# port, no shell where a boot fails (panic, and QEMU does not reboot),
# this script's check as init (the page's settings go in
# GRUB_CMDLINE_LINUX_DEFAULT, beside these).
set_test_cmdline() {	# STAGE
	sed -i -e '/^GRUB_TIMEOUT=/d' -e '/^GRUB_CMDLINE_LINUX=/d' "$mnt/etc/default/grub"
	printf 'GRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX="console=ttyS0 panic=-1 init=/root/install-check install_check=%s"\n' \
		"$1" >> "$mnt/etc/default/grub"
}
cat > "$mnt/root/install-check" <<'EOF'
#!/bin/bash
# init of the installed system: the page's stage, then this test's checks.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t tmpfs none /tmp
mount -t tmpfs none /run
stage=$(sed -n 's/.*install_check=\([a-z-]*\).*/\1/p' /proc/cmdline)
echo "install-check: $stage on $(uname -r)"
if (cd /root && bash -euo pipefail /root/stage-"$stage".sh &&
    bash -euo pipefail /root/expect-"$stage".sh); then
	echo "install-check: PASS"
else
	echo "install-check: FAIL"
fi
poweroff -f
EOF
chmod +x "$mnt/root/install-check"
mkdir -p "$mnt/root/debs"
cp "$debs"/linux-image-"$guest_release"_*.deb "$debs"/linux-image-"$host_release"_*.deb \
	"$debs"/utmem-tools_*.deb "$mnt/root/debs/"

boot() {	# STAGE: boots the image; its console in $work/console-STAGE
	note "boot the image for $1"
	unmount_all
	timeout 20m qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 1 \
		-nographic -no-reboot -drive file="$img",format=raw,if=virtio \
		< /dev/null > "$work/console-$1" 2>&1 || true
	tr -d '\r' < "$work/console-$1" > "$work/console-$1.txt"
	grep -q '^install-check: PASS' "$work/console-$1.txt" ||
		{ tail -40 "$work/console-$1.txt" >&2; fail "$1 in the booted system"; }
	sed -n '/^install-check: /,$p' "$work/console-$1.txt" | head -60 | sed 's/^/  console| /' >&2
	attach
	mount "${loop}p1" "$mnt"
	for m in dev dev/pts proc sys; do mount --bind /$m "$mnt/$m"; done
}

# --- the guest
set_test_cmdline guest-check
cp "$work/stage-guest-check.sh" "$mnt/root/"
cat > "$mnt/root/expect-guest-check.sh" <<EOF
[ "\$(uname -r)" = "$guest_release" ]
grep -qw utmem.cleancache=0 /proc/cmdline
[ "\$(cat /sys/module/utmem/parameters/cleancache)" = N ]
# QEMU without KVM: the guest must say so, and not bind.
dmesg | grep -q 'utmem: kvm: not running on KVM'
! dmesg | grep -q 'utmem: bound backend'
utmemctl --version | grep -q '^utmemctl $series_version+'
! utmemctl stats > /tmp/stats 2>&1
grep -q 'utmem is in this kernel but bound no backend' /tmp/stats
EOF
in_chroot guest-install
[ -f "$mnt/boot/initrd.img-$guest_release" ] || fail "no initramfs for $guest_release"
grep -q "vmlinuz-$guest_release root=UUID=$uuid .*utmem.cleancache=0" "$mnt/boot/grub/grub.cfg" ||
	fail "grub.cfg: no $guest_release entry with root=UUID=$uuid and utmem.cleancache=0"
boot guest-check

# --- the host
set_test_cmdline host-check
cp "$work/stage-host-check.sh" "$mnt/root/"
cat > "$mnt/root/expect-host-check.sh" <<EOF
[ "\$(uname -r)" = "$host_release" ]
grep -qw utmem.kvm_host_capacity=512M /proc/cmdline
[ "\$(cat /sys/kernel/utmem/kvm_host/capacity_bytes)" = 536870912 ]
[ "\$(cat /sys/module/utmem/parameters/kvm_host_enabled)" = Y ]
grep -q '^+/machine.slice weight=' /sys/kernel/utmem/kvm_host/vm_rules
grep -q '^kvm ' /proc/modules
dmesg | grep -q 'utmem: no guest side (utmem.backend=none)'
EOF
in_chroot host-install
grep -q "^saved_entry=.*$host_release" "$mnt/boot/grub/grubenv" ||
	fail "grubenv: the host kernel is not the saved entry"
# Signing needs a kernel with an EFI stub (a PE image), which both
# bases have.
grep -qx CONFIG_EFI_STUB=y "$mnt/boot/config-$host_release" ||
	fail "secure-boot: $host_release has no EFI stub (CONFIG_EFI_STUB): it cannot be signed"
in_chroot secure-boot
boot host-check
echo "install guide: PASS ($guest_release, $host_release)"
