# SPDX-License-Identifier: GPL-2.0
#
# utmem entry points.  Every kernel build happens in a patched Linux 6.12
# tree in the cache directory (scripts/prepare-kernel-tree.sh), never in
# this repository.
#
#   make test            KUnit suites, then the guest end-to-end checks (UML)
#   make run             the demo: a UML guest on the simulator swapping to
#                        it, re-reading files from it, and Redis keeping
#                        values in it
#   make run GUEST=qemu  the simulator guest on an x86_64 kernel under QEMU
#   make kunit           the KUnit part of `make test` alone
#   make layers          the file graph of the built suite: no cycle, and
#                        no layer calling one above it
#   make e2e             the end-to-end part alone
#   make e2e-kvm         the host-kvm end-to-end: real hypercalls from an L2
#                        guest to an L1 KVM host, both under QEMU (x86_64),
#                        booted from the kernel packages (deb-pkg's)
#   make bench           the performance suite: page path, scaling,
#                        /dev/utmem, swap, cleancache, capacity in UML
#                        guests, the swap comparisons on the x86_64 guest;
#                        report and plots in bench/results/<date>/
#   make bench-compare   the swap comparisons alone (x86_64, QEMU): RAM,
#                        zswap, disk models and frontswap
#   make bench-swap      the frontswap guest's checks, then swap_stress with
#                        disk only, zswap and frontswap side by side (UML)
#   make bench-dev       /dev/utmem throughput on the x86_64 guest (QEMU)
#   make bench-redis     the Redis experiment on the x86_64 guest (QEMU)
#   make soak            every user at once under random host faults, every
#                        byte checked, then teardown and leak checks: on
#                        UML, then on an SMP x86_64 guest with KASAN,
#                        KFENCE, lockdep and kmemleak (DURATION=30m SEED=1;
#                        soak-uml and soak-qemu run one of them)
#   make check           checkpatch --strict, kernel-doc -Wall on the
#                        headers and sparse on the kernel code
#   make kernel-tree     prepare the kernel tree and print its path
#   make deb-pkg         Debian packages of a KVM guest and a KVM host
#                        kernel (linux-image, linux-headers) and of the
#                        tools, into DEB_DIR (KERNEL_BASE=small|debian|
#                        FILE; docs/install.rst); kernel-debs: the kernels
#   make install-guide-test  every command of docs/install.rst, run in a
#                        Debian 12 disk image booted under QEMU (root)
#   make install         utmemctl, its man page, libutmem and the Redis
#                        module (PREFIX=/usr/local, DESTDIR)
#   make tools-deb       the same as the utmem-tools Debian package, into
#                        DEB_DIR (default $(UTMEM_CACHE)/deb)
#   make patches         the suite as a git-am-able series against a clean
#                        6.12 tree, checked on one, where both kernels
#                        must build (SERIES_DIR)
#
# UTMEM_CACHE (default $XDG_CACHE_HOME/utmem or ~/.cache/utmem) holds the
# tree, the build directories and the ccache.

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
UTMEM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/utmem
export UTMEM_CACHE
export CCACHE_DIR ?= $(UTMEM_CACHE)/ccache
# Kernels built in different directories of the cache (the guest's and
# the host's; KUnit's and the bench's) share the objects their
# configurations do not change: ccache hands the compiler paths relative
# to the build directory, the same in each.  The kernel strips only the
# absolute source path from __FILE__ (-fmacro-prefix-map), so the relative
# one is stripped too: every WARN and BUG names arch/..., not
# ../linux-source-6.12/arch/... (build-x86-kernel.sh checks it).
export CCACHE_BASEDIR ?= $(UTMEM_CACHE)
# (Once: a make run from a target of this one, as the install guide's
# test runs make deb-pkg, must give the kernels the same command line, or
# kbuild compiles them again.)
RELATIVE_SOURCE_MAP := -fmacro-prefix-map=../linux-source-6.12/=
ifeq ($(filter $(RELATIVE_SOURCE_MAP),$(KCPPFLAGS)),)
export KCPPFLAGS := $(strip $(KCPPFLAGS) $(RELATIVE_SOURCE_MAP))
endif

JOBS ?= $(shell nproc)
GUEST ?= uml
UML_BUILD := $(UTMEM_CACHE)/build-uml
X86_BUILD := $(UTMEM_CACHE)/build-x86_64
KUNITCONFIG := drivers/utmem/kunit
TREE = $(shell $(REPO)/scripts/prepare-kernel-tree.sh)
KUNIT_PY = cd $(TREE) && python3 tools/testing/kunit/kunit.py
KUNIT_OPTS = --kunitconfig=$(KUNITCONFIG) --build_dir=$(UML_BUILD) \
	--jobs=$(JOBS) --make_options CC="ccache gcc"

.PHONY: all test kunit layers user-test e2e e2e-kvm deb-pkg kernel-debs install-guide-test soak soak-uml soak-qemu soak-kernel bench bench-kernel bench-compare bench-swap bench-dev bench-redis run run-uml run-qemu uml-kernel x86-kernel check install tools-deb patches \
	checkpatch kernel-doc sparse kernel-tree help

all: help

# kunit.py and the guest runs share one build directory: one at a time.
.NOTPARALLEL:

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' $(REPO)/Makefile

kernel-tree:
	@$(REPO)/scripts/prepare-kernel-tree.sh

test: kunit layers user-test e2e

# Which file calls which, from the objects kunit.py built.
layers: uml-kernel
	$(REPO)/scripts/check-layers.py $(UML_BUILD)/drivers/utmem

# Userspace programs the guests run, built for this machine (the UML
# guest runs on its root file system).
BIN := $(UTMEM_CACHE)/bin
# EXTRA_CFLAGS: what a packager adds (make tools-deb: dpkg-buildflags).
USER_CFLAGS := -O2 -Wall -Wextra -Werror $(EXTRA_CFLAGS)

$(BIN)/cc_torture: $(REPO)/tests/cleancache/cc_torture.c
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BIN)/dio_race: $(REPO)/tests/cleancache/dio_race.c \
		$(REPO)/tests/lib/test_number.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -pthread -o $@ $<

$(BIN)/verity: $(REPO)/tests/cleancache/verity.c
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BIN)/utmem_flood: $(REPO)/tests/utmem/utmem_flood.c \
		$(REPO)/tests/lib/test_number.h $(REPO)/include/uapi/linux/utmem.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -o $@ $<

$(BIN)/swap_stress: $(REPO)/tests/swap/swap_stress.c
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

user-test: $(BIN)/swap_stress $(BIN)/utmemctl $(BIN)/redis_bench \
		$(BIN)/utmem_client $(BIN)/redis_soak
	$(REPO)/tests/swap/test-swap-stress.sh $(BIN)/swap_stress
	$(REPO)/tests/layers/test-check-layers.sh
	$(REPO)/tests/soak/test-soak-args.sh $(BIN)
	$(REPO)/tests/bench/test-report.sh
	$(REPO)/tests/guest/test-kernel-reports.sh
	$(REPO)/tests/redis/test-redis-bench.sh $(BIN)/redis_bench > \
		$(UTMEM_CACHE)/redis-bench-test.log || \
		{ grep -v '^ok' $(UTMEM_CACHE)/redis-bench-test.log; exit 1; }
	@tail -1 $(UTMEM_CACHE)/redis-bench-test.log
	$(REPO)/tests/utmemctl/test-utmemctl.sh $(BIN)/utmemctl > \
		$(UTMEM_CACHE)/utmemctl-test.log || \
		{ grep -v '^ok' $(UTMEM_CACHE)/utmemctl-test.log; exit 1; }
	@tail -1 $(UTMEM_CACHE)/utmemctl-test.log
	$(REPO)/tests/libvirt/test-libvirt.sh $(REPO)/tools/libvirt > \
		$(UTMEM_CACHE)/libvirt-test.log || \
		{ grep -v '^ok' $(UTMEM_CACHE)/libvirt-test.log; exit 1; }
	@tail -1 $(UTMEM_CACHE)/libvirt-test.log
	$(REPO)/tests/tools/test-install.sh > $(UTMEM_CACHE)/install-test.log || \
		{ grep -v '^ok' $(UTMEM_CACHE)/install-test.log; exit 1; }
	@tail -1 $(UTMEM_CACHE)/install-test.log

# The /dev/utmem suite, on the kselftest harness of the prepared tree.
$(BIN)/utmem_dev_test: $(REPO)/tests/utmem/utmem_dev_test.c \
		$(REPO)/include/uapi/linux/utmem.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi \
		-I$(TREE)/tools/testing/selftests -o $@ $<

# libutmem, and its tests (run in the /dev/utmem guest).
LIBUTMEM := $(REPO)/tools/lib/utmem
$(BIN)/libutmem.a: $(LIBUTMEM)/utmem.c $(LIBUTMEM)/utmem.h \
		$(REPO)/include/uapi/linux/utmem.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -c -o $(@D)/utmem.o $<
	$(AR) rcs $@ $(@D)/utmem.o

UTMEMCTL_SRC := $(wildcard $(REPO)/tools/utmemctl/*.[ch])
# The series' version (VERSION), and in a checkout the commit it was
# built from: what utmemctl --version prints and the packages carry.
SERIES_VERSION := $(shell cat $(REPO)/VERSION)
GIT_COMMIT := $(shell git -C $(REPO) describe --always --dirty=.dirty --exclude '*' 2>/dev/null)
UTMEM_VERSION ?= $(SERIES_VERSION)$(if $(GIT_COMMIT),+g$(GIT_COMMIT))
$(BIN)/utmemctl: $(UTMEMCTL_SRC) $(BIN)/libutmem.a
	$(CC) $(USER_CFLAGS) -DUTMEM_VERSION='"$(UTMEM_VERSION)"' \
		-I$(REPO)/include/uapi -I$(LIBUTMEM) \
		-o $@ $(filter %.c,$(UTMEMCTL_SRC)) $(BIN)/libutmem.a

$(BIN)/utmem_ioctl_bench: $(REPO)/tools/bench/utmem_ioctl_bench.c $(BIN)/libutmem.a
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -I$(LIBUTMEM) -o $@ $< \
		$(BIN)/libutmem.a

# The guest mounts a tmpfs on /tmp, which would hide a checkout there:
# the scripts it runs go beside the programs.
UTMEMCTL_TESTS := $(BIN)/test-utmemctl.sh $(BIN)/test-utmemctl-guest.sh
$(UTMEMCTL_TESTS): $(BIN)/%: $(REPO)/tests/utmemctl/%
	mkdir -p $(@D)
	install -m 0755 $< $@

$(BIN)/libutmem_test: $(REPO)/tests/utmem/libutmem_test.c $(BIN)/libutmem.a
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -I$(LIBUTMEM) \
		-I$(TREE)/tools/testing/selftests -o $@ $< $(BIN)/libutmem.a

# The Redis module, built against redismodule.h of Debian's redis source
# package (fetched into the cache, never kept here), and its test client.
REDIS_PACKAGES := redis-server redis-tools libhiredis-dev dpkg-dev
REDIS_INC := $(UTMEM_CACHE)/redis-include
$(REDIS_INC)/redismodule.h:
	$(REPO)/scripts/need-packages.sh $(REDIS_PACKAGES)
	$(REPO)/scripts/fetch-redismodule-h.sh $(REDIS_INC)

RUTMEM_SRC := $(wildcard $(REPO)/tools/redis-utmem/*.[ch])
$(BIN)/redis-utmem.so: $(RUTMEM_SRC) $(LIBUTMEM)/utmem.c $(LIBUTMEM)/utmem.h \
		$(REPO)/include/uapi/linux/utmem.h $(REDIS_INC)/redismodule.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -shared -I$(REPO)/include/uapi \
		-I$(LIBUTMEM) -isystem $(REDIS_INC) -o $@ \
		$(filter %.c,$(RUTMEM_SRC)) $(LIBUTMEM)/utmem.c -lpthread

$(BIN)/redis_utmem_test: $(REPO)/tests/redis/redis_utmem_test.c \
		$(REDIS_INC)/redismodule.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(TREE)/tools/testing/selftests -o $@ $< \
		-lhiredis

$(BIN)/redis_bench: $(REPO)/bench/redis/redis_bench.c $(REDIS_INC)/redismodule.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lhiredis

REDIS_BIN := $(BIN)/redis-utmem.so $(BIN)/redis_utmem_test $(BIN)/redis_bench

# The soak's clients (tests/soak/).
$(BIN)/utmem_client: $(REPO)/tests/soak/utmem_client.c \
		$(REPO)/tests/soak/soak_value.h $(REPO)/tests/soak/soak_args.h \
		$(BIN)/libutmem.a
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -I$(LIBUTMEM) -o $@ $< \
		$(BIN)/libutmem.a

$(BIN)/redis_soak: $(REPO)/tests/soak/redis_soak.c \
		$(REPO)/tests/soak/soak_value.h $(REPO)/tests/soak/soak_args.h \
		$(REDIS_INC)/redismodule.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lhiredis

SOAK_BIN := $(BIN)/utmem_client $(BIN)/redis_soak $(BIN)/redis-utmem.so \
	$(BIN)/swap_stress $(BIN)/cc_torture $(BIN)/utmem_dev_test
DEMO_BIN := $(BIN)/swap_stress $(BIN)/utmemctl $(BIN)/redis-utmem.so \
	$(BIN)/redis_bench

# The end-to-end checks boot the KUnit kernel as guests, one per scenario
# (scripts/scenarios/; scripts/guest.sh SCENARIO runs one), E2E_JOBS at
# once, the longest first; each guest's console goes to a log in
# $(UTMEM_CACHE)/logs/.
GUEST_SH := $(REPO)/scripts/guest.sh
E2E_JOBS ?= $(JOBS)
E2E_SCENARIOS := "soak DURATION=60s FUZZ_OPS=20000" swap cleancache dev \
	redis demo sim
e2e: uml-kernel $(REDIS_BIN) $(BIN)/swap_stress $(BIN)/utmem_dev_test $(BIN)/libutmem_test \
		$(BIN)/utmemctl $(UTMEMCTL_TESTS) $(BIN)/cc_torture $(BIN)/dio_race \
		$(BIN)/verity $(BIN)/utmem_flood $(SOAK_BIN)
	$(GUEST_SH) --jobs $(E2E_JOBS) $(E2E_SCENARIOS)

kunit:
	$(KUNIT_PY) run $(KUNIT_OPTS)

# The soak (scripts/scenarios/soak): DURATION of every workload at once under
# random host faults, a million random ioctls and hypercall descriptors.
DURATION ?= 30m
SEED ?= 1
SOAK_BUILD := $(UTMEM_CACHE)/build-x86_64-soak
soak: soak-uml soak-qemu

soak-uml: uml-kernel $(SOAK_BIN)
	$(GUEST_SH) soak DURATION=$(DURATION) SEED=$(SEED)

soak-qemu: soak-kernel $(SOAK_BIN)
	$(GUEST_SH) soak --arch x86_64 DURATION=$(DURATION) SEED=$(SEED)

soak-kernel:
	$(REPO)/scripts/build-x86-kernel.sh $(TREE) $(SOAK_BUILD) $(JOBS) soak

# Not in `make test`, whose cold run it would take past 40 minutes here:
# .ci/run runs it after.  It boots what the packages install: L1 the
# kernel of the host package, L2 the guest package's, utmemctl from
# utmem-tools (all unpacked from DEB_DIR), on the small base.
e2e-kvm: tools-deb $(BIN)/swap_stress $(BIN)/utmem_dev_test
	JOBS=$(JOBS) $(REPO)/scripts/build-kernel-debs.sh $(DEB_DIR) small guest host > /dev/null
	DEB_DIR=$(DEB_DIR) $(GUEST_SH) kvm

# The guest and host kernels as Debian packages (linux-image and
# linux-headers, bindeb-pkg), and utmem-tools, into DEB_DIR.  KERNEL_BASE
# is the config the fragments of configs/ go on: small (the default,
# the end-to-end's kernels), debian (Debian's own) or a config file.
KERNEL_BASE ?= small
deb-pkg: kernel-debs tools-deb

kernel-debs:
	JOBS=$(JOBS) $(REPO)/scripts/build-kernel-debs.sh $(DEB_DIR) $(KERNEL_BASE) guest host

# Every command of docs/install.rst, run as written: the build, the
# series on a pristine tree, both kernels installed into a Debian 12
# system in a disk image and booted under QEMU (root; about 15 minutes
# beyond the builds; not in .ci/run).
install-guide-test:
	$(REPO)/tests/packaging/test-install-guide.sh

uml-kernel:
	$(KUNIT_PY) build $(KUNIT_OPTS)

# The performance suite (bench/README.md), on a UML kernel without the
# test kernel's KASAN and lockdep, built beside it.
BENCH_BUILD := $(UTMEM_CACHE)/build-uml-bench
BENCH_RESULTS ?= $(REPO)/bench/results/$(shell date +%Y-%m-%d)
bench: bench-kernel x86-kernel $(BIN)/swap_stress
	$(REPO)/scripts/need-packages.sh gnuplot-nox e2fsprogs dmsetup bc
	$(REPO)/bench/run.sh $(BENCH_BUILD)/linux $(BIN) $(TREE) $(BENCH_RESULTS)

# The swap comparisons alone (make bench runs them too), on the x86_64
# guest: into BENCH_RESULTS, then the report of what is there.
bench-compare: x86-kernel $(BIN)/swap_stress
	$(REPO)/bench/compare.sh $(BENCH_RESULTS)
	python3 $(REPO)/bench/report.py $(BENCH_RESULTS)

bench-kernel:
	$(KUNIT_PY) build --kunitconfig=$(REPO)/bench/uml.kunitconfig \
		--build_dir=$(BENCH_BUILD) --jobs=$(JOBS) --make_options CC="ccache gcc"

# The frontswap guest of make test, then its benchmark: disk only, zswap
# and frontswap, on the ubd disk and behind dm-delay.
bench-swap: uml-kernel $(BIN)/swap_stress
	$(GUEST_SH) swap UTMEM_SWAP_BENCH=1

# /dev/utmem throughput on the x86_64 guest (a system call costs ~1 us
# there, 40-80 us under UML): userspace and in-kernel, side by side; into
# BENCH_RESULTS, then the report of what is there.
bench-dev: x86-kernel $(BIN)/utmem_ioctl_bench
	$(REPO)/bench/dev.sh $(BENCH_RESULTS)
	python3 $(REPO)/bench/report.py $(BENCH_RESULTS)

run: run-$(GUEST)

run-uml: uml-kernel $(DEMO_BIN)
	$(GUEST_SH) demo

x86-kernel:
	$(REPO)/scripts/build-x86-kernel.sh $(TREE) $(X86_BUILD) $(JOBS) sim

run-qemu: x86-kernel
	$(GUEST_SH) sim --arch x86_64

# The Redis experiment (bench/redis/run.sh) on the x86_64 guest: into
# BENCH_RESULTS (redis.tsv), then the report of what is there.
bench-redis: x86-kernel $(BIN)/redis_bench $(BIN)/redis-utmem.so
	$(REPO)/scripts/need-packages.sh gnuplot-nox redis-tools
	$(REPO)/bench/redis/run.sh $(X86_BUILD)/arch/x86/boot/bzImage $(BIN) \
		$(BENCH_RESULTS)
	python3 $(REPO)/bench/report.py $(BENCH_RESULTS)

# The tools a guest or host installs: utmemctl and its man page, libutmem
# (static library and headers), the Redis module.  PREFIX and DESTDIR as
# usual; make tools-deb packages them as utmem-tools into DEB_DIR.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib/$(shell $(CC) -print-multiarch)
DEB_DIR ?= $(UTMEM_CACHE)/deb
install: $(BIN)/utmemctl $(BIN)/libutmem.a $(BIN)/redis-utmem.so
	install -D -m 0755 $(BIN)/utmemctl $(DESTDIR)$(PREFIX)/sbin/utmemctl
	install -D -m 0644 $(REPO)/tools/utmemctl/utmemctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/utmemctl.8
	install -D -m 0644 $(BIN)/libutmem.a $(DESTDIR)$(LIBDIR)/libutmem.a
	install -D -m 0644 $(LIBUTMEM)/utmem.h $(DESTDIR)$(PREFIX)/include/utmem.h
	install -D -m 0644 $(REPO)/include/uapi/linux/utmem.h \
		$(DESTDIR)$(PREFIX)/include/linux/utmem.h
	install -D -m 0644 $(BIN)/redis-utmem.so \
		$(DESTDIR)$(PREFIX)/lib/redis/modules/redis-utmem.so

tools-deb:
	$(REPO)/scripts/build-tools-deb.sh $(DEB_DIR) $(UTMEM_VERSION)

# The whole suite as a git-am-able series against a clean 6.12 tree (hook
# patches, the suite's files one layer a patch, cover letter), checked by
# applying it to a pristine tree: into SERIES_DIR.
SERIES_DIR ?= $(UTMEM_CACHE)/series-$(SERIES_VERSION)
patches:
	$(REPO)/scripts/make-patches.sh $(SERIES_DIR)

# Every kernel C file and header of the suite (tools/, tests/ and bench/ hold
# userspace C, built with -Wall -Wextra -Werror).
KERNEL_SOURCES = $(shell cd $(REPO) && git ls-files -- '*.[ch]' ':!tools/' ':!tests/' ':!bench/')

check: checkpatch kernel-doc sparse layers

# Every kernel header's kernel-doc, warnings included.
KERNEL_HEADERS = $(filter %.h,$(KERNEL_SOURCES))
kernel-doc:
	@out=$$(cd $(REPO) && $(TREE)/scripts/kernel-doc -Wall -none \
		$(KERNEL_HEADERS) 2>&1); [ -z "$$out" ] || { echo "$$out"; exit 1; }
	@echo "kernel-doc: $(words $(KERNEL_HEADERS)) headers clean"

# The patch series is checked as patches, from outside this repository:
# inside it, checkpatch would read them as files of the repository.
checkpatch:
	cd $(REPO) && $(TREE)/scripts/checkpatch.pl --strict --no-tree \
		--ignore FILE_PATH_CHANGES -f $(KERNEL_SOURCES)
	cd $(TREE) && ./scripts/checkpatch.pl --strict --no-tree \
		--ignore FILE_PATH_CHANGES $(REPO)/patches/*.patch

# Recompile the suite's objects (only) with sparse; C=2 checks them even
# when they are up to date.
sparse: uml-kernel
	$(MAKE) -C $(TREE) ARCH=um O=$(UML_BUILD) CC="ccache gcc" C=2 \
		drivers/utmem/ 2>&1 | tee $(UTMEM_CACHE)/sparse.log
	@! grep -E 'warning:|error:' $(UTMEM_CACHE)/sparse.log
