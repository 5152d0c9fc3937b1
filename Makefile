# SPDX-License-Identifier: GPL-2.0
#
# utmem entry points.  Every kernel build happens in a patched Linux 6.12
# tree in the cache directory (scripts/prepare-kernel-tree.sh), never in
# this repository.
#
#   make test            KUnit suites, then the guest end-to-end checks (UML)
#   make run             boot a UML guest on the simulator and show it working
#   make run GUEST=qemu  the same on an x86_64 kernel under QEMU (TCG)
#   make kunit           the KUnit part of `make test` alone
#   make e2e             the end-to-end part alone
#   make bench-dev       /dev/utmem throughput on the x86_64 guest (QEMU)
#   make check           checkpatch --strict and sparse on the kernel code
#   make kernel-tree     prepare the kernel tree and print its path
#
# UTMEM_CACHE (default $XDG_CACHE_HOME/utmem or ~/.cache/utmem) holds the
# tree, the build directories and the ccache.

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
UTMEM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/utmem
export UTMEM_CACHE
export CCACHE_DIR ?= $(UTMEM_CACHE)/ccache

JOBS ?= $(shell nproc)
GUEST ?= uml
UML_BUILD := $(UTMEM_CACHE)/build-uml
X86_BUILD := $(UTMEM_CACHE)/build-x86_64
KUNITCONFIG := drivers/utmem/kunit
TREE = $(shell $(REPO)/scripts/prepare-kernel-tree.sh)
KUNIT_PY = cd $(TREE) && python3 tools/testing/kunit/kunit.py
KUNIT_OPTS = --kunitconfig=$(KUNITCONFIG) --build_dir=$(UML_BUILD) \
	--jobs=$(JOBS) --make_options CC="ccache gcc"

.PHONY: all test kunit user-test e2e bench-dev run run-uml run-qemu uml-kernel x86-kernel check \
	checkpatch sparse kernel-tree help

all: help

# kunit.py and the guest runs share one build directory: one at a time.
.NOTPARALLEL:

help:
	@sed -n '3,18s/^# \{0,1\}//p' $(REPO)/Makefile

kernel-tree:
	@$(REPO)/scripts/prepare-kernel-tree.sh

test: kunit user-test e2e

# Userspace programs the guests run, built for this machine (the UML
# guest runs on its root file system).
BIN := $(UTMEM_CACHE)/bin
USER_CFLAGS := -O2 -Wall -Wextra -Werror

$(BIN)/cc_torture: $(REPO)/tests/cleancache/cc_torture.c
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BIN)/swap_stress: $(REPO)/tests/swap/swap_stress.c
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

user-test: $(BIN)/swap_stress $(BIN)/utmemctl
	$(REPO)/tests/swap/test-swap-stress.sh $(BIN)/swap_stress
	$(REPO)/tests/utmemctl/test-utmemctl.sh $(BIN)/utmemctl > \
		$(UTMEM_CACHE)/utmemctl-test.log || \
		{ grep -v '^ok' $(UTMEM_CACHE)/utmemctl-test.log; exit 1; }
	@tail -1 $(UTMEM_CACHE)/utmemctl-test.log

# The /dev/utmem suite, on the kselftest harness of the prepared tree.
$(BIN)/utmem_dev_test: $(REPO)/tests/utmem/utmem_dev_test.c \
		$(REPO)/include/uapi/linux/utmem.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi \
		-I$(TREE)/tools/testing/selftests -o $@ $<

# The end-to-end checks boot the KUnit kernel as a guest.
# libutmem, and its tests (run in the /dev/utmem guest).
LIBUTMEM := $(REPO)/tools/lib/utmem
$(BIN)/libutmem.a: $(LIBUTMEM)/utmem.c $(LIBUTMEM)/utmem.h \
		$(REPO)/include/uapi/linux/utmem.h
	mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -c -o $(@D)/utmem.o $<
	$(AR) rcs $@ $(@D)/utmem.o

UTMEMCTL_SRC := $(wildcard $(REPO)/tools/utmemctl/*.[ch])
$(BIN)/utmemctl: $(UTMEMCTL_SRC) $(BIN)/libutmem.a
	$(CC) $(USER_CFLAGS) -I$(REPO)/include/uapi -I$(LIBUTMEM) \
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

e2e: uml-kernel $(BIN)/swap_stress $(BIN)/utmem_dev_test $(BIN)/libutmem_test \
		$(BIN)/utmemctl $(UTMEMCTL_TESTS) $(BIN)/cc_torture
	$(REPO)/scripts/run-uml.sh $(UML_BUILD)/linux
	$(REPO)/scripts/run-uml.sh $(UML_BUILD)/linux \
		$(REPO)/scripts/guest/init-dev.sh 256M UTMEM_BIN=$(BIN)
	$(REPO)/scripts/run-disk-e2e.sh $(UML_BUILD)/linux $(BIN) \
		$(REPO)/scripts/guest/init-cleancache.sh 1G
	$(REPO)/scripts/run-disk-e2e.sh $(UML_BUILD)/linux $(BIN) \
		$(REPO)/scripts/guest/init-swap.sh 2G

kunit:
	$(KUNIT_PY) run $(KUNIT_OPTS)

uml-kernel:
	$(KUNIT_PY) build $(KUNIT_OPTS)

# /dev/utmem throughput on the x86_64 guest (a system call costs ~1 us
# there, 40-80 us under UML): userspace and in-kernel, side by side.
bench-dev: x86-kernel $(BIN)/utmem_ioctl_bench
	$(REPO)/scripts/run-qemu.sh $(X86_BUILD)/arch/x86/boot/bzImage \
		$(REPO)/scripts/guest/init-bench-dev.sh 1G 2 UTMEM_BIN=$(BIN)

run: run-$(GUEST)

run-uml: uml-kernel
	$(REPO)/scripts/run-uml.sh $(UML_BUILD)/linux

x86-kernel:
	$(REPO)/scripts/build-x86-kernel.sh $(TREE) $(X86_BUILD) $(JOBS)

run-qemu: x86-kernel
	$(REPO)/scripts/run-qemu.sh $(X86_BUILD)/arch/x86/boot/bzImage

# Every kernel C file and header of the suite (tools/ and tests/ hold
# userspace C, built with -Wall -Wextra -Werror).
KERNEL_SOURCES = $(shell cd $(REPO) && git ls-files -- '*.[ch]' ':!tools/' ':!tests/')

check: checkpatch sparse

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
