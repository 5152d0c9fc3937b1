#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole suite as a git-am-able patch series against a clean Linux 6.12
# tree (Debian's linux-source-6.12), for a deployer with a 6.12-based
# kernel of their own: the hook patches of patches/ first, then the
# suite's files under drivers/utmem/ one layer per patch, then the patch
# that builds them; a cover letter in front.
#
#   scripts/make-patches.sh OUT_DIR
#
# The series is made as commits on a git repository of the pristine tree
# and exported with git format-patch; then checked: applied with git am to
# a second checkout of the pristine tree, it must give the same tree, file for file (git's
# tree hash), as the one made, which is the pristine tree with patches/
# and the repository's kernel files: the tree every kernel build of the
# project compiles; and that tree must build the guest and host kernels
# (configs/, on the small base).  Prints the series' files.
set -euo pipefail

usage="usage: make-patches.sh OUT_DIR"
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?$usage}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || "$repo"/scripts/need-packages.sh linux-source-6.12
version=$(dpkg-query -W -f '${Version}' linux-source-6.12)
series=$(cat "$repo"/VERSION)
author="utmem developers <utmem@localhost>"
work=$(mktemp -d)
trap 'rm -rf "$work" 2> /dev/null || rm -rf "$work"' EXIT

log() { echo "make-patches: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The repository's files of one layer (git's pathspecs).
files_of() { git -C "$repo" ls-files -- "$@"; }

# A pristine tree as a git repository with one commit.
pristine() {	# DIR
	mkdir -p "$1"
	tar -xJf "$tarball" -C "$1" --strip-components=1
	git -C "$1" init -q
	# Debian's tree ignores its top level (.gitignore): add by force.
	git -C "$1" add -A -f
	git -C "$1" -c user.name=utmem -c user.email=utmem@localhost \
		commit -q -m "Linux $version (Debian linux-source-6.12)"
}

# commit SUBJECT BODY-FILE DATE: what the index holds, as the suite's.
commit() {
	git -C "$tree" add -A -f
	GIT_AUTHOR_DATE="$3" GIT_COMMITTER_DATE="$3" \
	git -C "$tree" -c user.name="${author% <*}" -c user.email=utmem@localhost \
		commit -q --author="$author" -F - <<EOF
$1

$(cat "$2")

Signed-off-by: $author
EOF
}

# A patch of patches/ as a commit: its subject (without [PATCH ...]),
# its message, its date (or the date git last changed the file).
hook_patch() {	# FILE
	local p=$1 subject date
	subject=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//p' "$p" | head -1)
	date=$(sed -n 's/^Date: //p' "$p" | head -1)
	[ -n "$date" ] || date=$(git -C "$repo" log -1 --format=%aD -- "$p")
	# The message: after the headers' blank line, up to the sign-off.
	awk 'body && /^Signed-off-by:|^---$/ { exit }
	     body { print }
	     !body && /^$/ { body = 1 }' "$p" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' \
		> "$work/msg"
	git -C "$tree" apply --whitespace=nowarn "$p" ||
		die "$(basename "$p") does not apply to linux-source-6.12 $version"
	commit "$subject" "$work/msg" "$date"
}

# A layer of the suite as a commit: its files under drivers/utmem/.
layer() {	# SUBJECT MESSAGE PATHSPEC...
	local subject=$1 msg=$2 f date
	shift 2
	files=$(files_of "$@")
	[ -n "$files" ] || die "no files for '$subject'"
	for f in $files; do
		install -D -m "$(stat -c %a "$repo/$f")" "$repo/$f" "$tree/drivers/utmem/$f"
	done
	# shellcheck disable=SC2086 # one pathspec a file
	date=$(git -C "$repo" log -1 --format=%aD -- $files)
	echo "$msg" | fmt -w 72 > "$work/msg"
	commit "$subject" "$work/msg" "$date"
	covered+=" $(tr "\n" " " <<<"$files")"
}

log "extracting linux-source-6.12 $version"
tree=$work/made
pristine "$tree"
base=$(git -C "$tree" rev-parse HEAD)

# The hooks the suite needs from the kernel, each its own patch; the one
# that builds drivers/utmem (0001) comes last, when the files are there.
build_patch=
for p in "$repo"/patches/*.patch; do
	if grep -q '^+source "drivers/utmem/Kconfig"' "$p"; then
		build_patch=$p
		continue
	fi
	hook_patch "$p"
done
[ -n "$build_patch" ] || die "no patch of patches/ sources drivers/utmem/Kconfig"

covered=
layer "utmem: the tmem ABI and the guest's tmem core" \
	"The user-space ABI of /dev/utmem and of the KVM hypercall (include/uapi), the tmem backend ops table that the guest's users call and a backend implements, pools and their calls with counters (guest/tmem), sysfs and debugfs helpers (lib), and the module's init (main.c)." \
	include lib main.c main.h guest/tmem
layer "utmem: the host's pool engine" \
	"What a host does with tmem calls: pools, objects and values in xarrays, compression and deduplication of stored pages, capacity charged per client, eviction of ephemeral values and reclaim of persistent ones, and the save/restore stream of a client's pools (host/).  The simulator and the KVM host handler both drive it." \
	host
layer "utmem: an in-kernel host simulator backend" \
	"A backend that runs the host's pool engine inside the guest, on memory set aside at boot, with a host call cost and fault injection: what KUnit and the guests of the test suite run against (host-sim/)." \
	host-sim
layer "utmem: frontswap on tmem" \
	"Swapped-out pages go to a persistent pool through the frontswap hooks; a refused PUT falls through to the swap device, so nothing is ever lost (guest/mm/)." \
	guest/mm
layer "utmem: cleancache on tmem" \
	"Clean page-cache pages of a file system go to an ephemeral pool of its own through the cleancache hooks, with the invalidations that keep the pool exact whenever data changes on disk (guest/fs/)." \
	guest/fs
layer "utmem: /dev/utmem, a key-value device for applications" \
	"Applications store keys and values in host pools through ioctls: private and shared pools, values of up to 1 MiB in chunks, a PUT coalescing buffer that sends many values in one host call, and per-user quotas (guest/drivers/utmem/)." \
	guest/drivers
layer "utmem: the KVM binding, guest hypercalls and host handler" \
	"A guest backend that makes KVM_HC_UTMEM hypercalls, and the host's handler behind the KVM hook: one client per VM, every field of a request checked, every byte charged to the VM, save and restore for migration (host-kvm/)." \
	host-kvm
layer "utmem: KUnit tests" \
	"The suites that kunit.py runs (kunit/): the tmem core, the host engine, the simulator, frontswap, cleancache, the device and the KVM handler's request checks." \
	kunit
layer "utmem: config fragments for a KVM guest and a KVM host kernel" \
	"Merged on top of a base config (scripts/kconfig/merge_config.sh): utmem-guest.config binds the KVM backend by default with frontswap, cleancache and /dev/utmem; utmem-host.config serves VMs' hypercalls with KVM as modules and no guest side; base-small.config is a small base for VMs, base-debian.config what Debian's own config needs built outside its packaging (configs/)." \
	configs
layer "utmem: Kconfig and Kbuild of the suite" \
	"The options of the suite (CONFIG_UTMEM and its users and backends) and the objects they build." \
	Kconfig Kbuild
hook_patch "$build_patch"

# Every kernel file of the repository is in the series.
for f in $(git -C "$repo" ls-files -- ':!tools/' ':!tests/' ':!bench/' \
	   ':!scripts/' ':!patches/' ':!docs/' ':!.ci/' ':!Makefile' \
	   ':!README.md' ':!VERSION' ':!LICENSE' ':!.gitignore'); do
	[[ " $covered " == *" $f "* ]] || die "$f is in no patch of the series"
done

# Made in OUT_DIR.tmp, renamed once every check passed: OUT_DIR holds
# only a checked series.
final=$out
out=$final.tmp
rm -rf "$out"
mkdir -p "$out"
count=$(git -C "$tree" rev-list --count "$base"..HEAD)
git -C "$tree" -c user.name="${author% <*}" -c user.email=utmem@localhost \
	format-patch -q --cover-letter --subject-prefix="PATCH utmem $series" \
	-o "$out" "$base"..HEAD
cover=$(ls "$out"/0000-cover-letter.patch)
python3 - "$cover" "$version" "$series" "$count" <<'EOF'
import sys
path, version, series, count = sys.argv[1:]
text = open(path).read()
text = text.replace("*** SUBJECT HERE ***",
                    "utmem: transcendent memory for Linux 6.12 guests and KVM hosts")
text = text.replace("*** BLURB HERE ***", f"""\
utmem lets a guest use host memory through a narrow, copy-based
PUT/GET/FLUSH interface on host-owned pools: frontswap keeps swapped
pages there, cleancache clean page-cache pages, and /dev/utmem
applications' keys and values; the host may refuse any PUT and drop
ephemeral data at any time, and no guest data is ever lost or served
stale.  The backend is a KVM hypercall (host handler included) or an
in-kernel simulator for tests.

This is series {series} of the suite, against Debian's linux-source-6.12
({version}); it applies with git am to a clean 6.12 tree.  The hooks
come first (frontswap and cleancache, removed upstream in 6.5 and 5.17,
in their thinnest form; the ioctl number; the KVM hypercall), then the
suite under drivers/utmem/ one layer a patch, then the patch that
builds it.  Configure with CONFIG_UTMEM and its options (see the
suite's Kconfig), or merge drivers/utmem/configs/utmem-guest.config or
utmem-host.config on top of your config for a KVM guest or host:

  scripts/kconfig/merge_config.sh -m .config \\
      drivers/utmem/configs/utmem-host.config
  make olddefconfig""")
open(path, "w").write(text)
EOF

log "checking: git am onto a second pristine tree"
check=$work/linux-source-6.12
git clone -q --no-checkout "$tree" "$check"
git -C "$check" checkout -q --detach "$base"
patches=("$out"/*.patch)	# sorted: the cover letter (0000) first
git -C "$check" -c user.name=utmem -c user.email=utmem@localhost \
	am -q "${patches[@]:1}" ||
	die "the series does not apply with git am"
[ "$(git -C "$check" rev-parse 'HEAD^{tree}')" = "$(git -C "$tree" rev-parse 'HEAD^{tree}')" ] ||
	die "the series applied gives another tree than the one made"
log "$count patches and a cover letter; git am gives the tree made"

# The tree the series gives builds both profiles of configs/ on the small
# base: the kernels of the guest and host packages.  Its directories have
# the names of the cache's (linux-source-6.12, build-x86_64-PROFILE), so
# that with ccache's base directory here the compiler sees the same
# relative paths as in the cache's builds (the Makefile's) and ccache
# gives back their objects instead of compiling the kernels again.
for profile in guest host; do
	log "building the $profile profile in the tree git am made"
	CCACHE_BASEDIR=$work "$repo"/scripts/build-x86-kernel.sh "$check" "$work/build-x86_64-$profile" \
		"${JOBS:-$(nproc)}" "$profile" small > "$work/build-$profile.log" 2>&1 ||
		{ tail -30 "$work/build-$profile.log" >&2; die "the $profile profile does not build"; }
	ls "$work/build-x86_64-$profile/arch/x86/boot/bzImage" > /dev/null
done
log "both profiles build in the tree of the series"
rm -rf "$final"
mv "$out" "$final"
ls "$final"/*.patch
