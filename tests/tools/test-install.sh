#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a deployer installs: make install into a DESTDIR (every file, a
# program built against the installed libutmem, the man page without
# warnings and naming every command of --help), then make tools-deb (its
# files, version and dependencies, and the utmemctl it holds).
#
#   tests/tools/test-install.sh
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0 n=0
ok() {	# DESCRIPTION COMMAND...
	n=$((n + 1))
	if "${@:2}" > "$work/out" 2>&1; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		sed 's/^/#   /' "$work/out"
		failed=1
	fi
}

dest=$work/dest
make -s -C "$repo" install DESTDIR="$dest" PREFIX=/usr > "$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; echo "not ok - make install"; exit 1; }
multiarch=$(gcc -print-multiarch)
for f in usr/sbin/utmemctl usr/share/man/man8/utmemctl.8 usr/include/utmem.h \
	 usr/include/linux/utmem.h usr/lib/"$multiarch"/libutmem.a \
	 usr/lib/redis/modules/redis-utmem.so; do
	ok "installs /$f" test -s "$dest/$f"
done
ok "installed utmemctl --version names the series" \
	grep -q "^utmemctl $(cat "$repo"/VERSION)" <("$dest"/usr/sbin/utmemctl --version)

# A program of a deployer's, against the installed headers and library.
cat > "$work/app.c" <<'APP'
#include <stdio.h>
#include <utmem.h>

int main(void)
{
	int fd = utmem_open();

	printf("%s %d\n", UTMEM_DEVICE, fd < 0);
	return 0;
}
APP
ok "a program builds against the installed libutmem" \
	gcc -Wall -Werror -I"$dest"/usr/include -o "$work/app" "$work/app.c" \
	-L"$dest"/usr/lib/"$multiarch" -lutmem
ok "and runs" "$work/app"

man_text() { MANWIDTH=80 man -l "$dest"/usr/share/man/man8/utmemctl.8; }
man_warnings() {
	local w
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l \
		"$dest"/usr/share/man/man8/utmemctl.8 2>&1 > /dev/null)
	[ -z "$w" ] || { echo "$w"; return 1; }
}
ok "the man page renders without warnings" man_warnings
# Each command and option of --help has its entry in the man page.
man_text > "$work/man.txt" 2>&1
for word in $("$dest"/usr/sbin/utmemctl --help |
	      sed -En 's/^  ([a-z]+)( [-[(|A-Z]|  | set | enable| save| restore|$).*/\1/p;
		       s/^  (--[a-z-]+).*/\1/p' | sort -u); do
	ok "the man page has '$word'" grep -qE -- "^ {7}(utmemctl )?$word( |,|$)" "$work/man.txt"
done

debs=$work/debs
make -s -C "$repo" tools-deb DEB_DIR="$debs" > "$work/deb.log" 2>&1 ||
	{ cat "$work/deb.log"; echo "not ok - make tools-deb"; exit 1; }
deb=$(ls "$debs"/utmem-tools_*.deb)
dpkg-deb -c "$deb" > "$work/contents"
for f in usr/sbin/utmemctl usr/share/man/man8/utmemctl.8.gz \
	 usr/lib/redis/modules/redis-utmem.so usr/include/utmem.h \
	 usr/share/doc/utmem-tools/copyright; do
	ok "utmem-tools holds /$f" grep -q " \./$f$" "$work/contents"
done
ok "utmem-tools's files belong to root" \
	bash -c "! awk '\$2 != \"root/root\"' '$work/contents' | grep -q ."
ok "utmem-tools's version is the series'" \
	grep -q "^$(cat "$repo"/VERSION)" <(dpkg-deb -f "$deb" Version)
ok "utmem-tools depends on libc6" grep -q "libc6 (>= " <(dpkg-deb -f "$deb" Depends)
dpkg-deb -x "$deb" "$work/x"
ok "utmem-tools's utmemctl runs" "$work/x/usr/sbin/utmemctl" --version
ok "utmem-tools's utmemctl is stripped" \
	bash -c "! file '$work/x/usr/sbin/utmemctl' | grep -q 'not stripped'"
bad_version() {
	! "$repo"/scripts/build-tools-deb.sh "$work/bad" v-1 > "$work/bad.out" 2>&1 &&
		grep -q "'v-1' is not a Debian version" "$work/bad.out"
}
ok "a bad version is refused" bad_version
# The kernel packages' arguments, refused before anything is built.
refused() {	# MESSAGE COMMAND...
	local msg=$1
	shift
	! "$@" > "$work/refused.out" 2>&1 && grep -qF "$msg" "$work/refused.out"
}
ok "make deb-pkg refuses a KERNEL_BASE that is no file" \
	refused "KERNEL_BASE '/no/such.config' is not small, debian or a config file" \
	make -s -C "$repo" kernel-debs KERNEL_BASE=/no/such.config DEB_DIR="$work/kd"
ok "build-kernel-debs.sh refuses a profile it has not" \
	refused "no profile 'sim'" "$repo"/scripts/build-kernel-debs.sh "$work/kd" small guest sim
ok "build-x86-kernel.sh refuses a profile it has not" \
	refused "no profile 'kvm'" "$repo"/scripts/build-x86-kernel.sh "$work/t" "$work/b" 1 kvm

# A make run from one of the Makefile's targets (the install guide's test
# runs make deb-pkg) inherits its exported KCPPFLAGS: it must hand the
# kernels the same flags, or kbuild compiles them all again.
kcppflags() { make --no-print-directory -p -n -C "$repo" help 2> /dev/null | sed -n 's/^KCPPFLAGS :\{0,1\}= //p'; }
nested_same_flags() {
	local outer inner
	outer=$(kcppflags)
	inner=$(KCPPFLAGS=$outer kcppflags)
	echo "outer: '$outer'; nested: '$inner'"
	[ -n "$outer" ] && [ "$outer" = "$inner" ]
}
ok "a nested make gives the kernels the flags of the outer one" nested_same_flags

echo "# install and tools-deb: $n checks, $([ $failed = 0 ] && echo all passed || echo FAILED)"
exit $failed
