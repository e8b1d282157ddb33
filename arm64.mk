# arm64.mk - AArch64: the cross build, the qemu-user test run and the host-side encoder
# tests.  Included by the top Makefile.
#
#   make CROSS=aarch64-linux-gnu-   build build-arm64/chibi (+ shim) for Linux AArch64; the
#                                   private sysroot below is made first (on an AArch64 host,
#                                   plain `make` builds natively)
#   make test-arm64                 install what is missing (apt, root), make the sysroot,
#                                   register qemu with binfmt_misc, cross-build, and run the
#                                   unit tests, the spec suite (interp, and JIT once
#                                   jit/arm64/backend.c exists) and the WASI suite under qemu
#   make a64-emit-test              the AArch64 encoder tests as a host binary (Capstone);
#                                   part of `make test` on every host
#
# Measured facts behind the choices (see docs/RATIONALE.md): libcriterion-dev:arm64 conflicts
# with the host's under dpkg multiarch, so arm64 libraries come from a private sysroot
# (apt-get download + dpkg-deb -x); Criterion re-execs its test binary for each test, which
# only works under qemu-user with a binfmt_misc handler and QEMU_LD_PREFIX in the
# environment (not -L); a stuck guest can ignore SIGTERM, hence timeout -k.

ARM64_CROSS   ?= aarch64-linux-gnu-
ARM64_BUILD   ?= build-arm64
ARM64_SYSROOT := $(abspath $(ARM64_BUILD))/sysroot
ARM64_PKGS    := libc6-dev libcriterion-dev libcapstone-dev zlib1g-dev libprotobuf-c-dev
ARM64_TIMEOUT ?= 3600
ARM64_HOST    := $(filter aarch64 arm64,$(shell uname -m))
# peak RSS and wall time of each qemu run, when GNU time is installed
ARM64_TIME    := $(if $(wildcard /usr/bin/time),/usr/bin/time -f "  [%e s wall; peak RSS %M KB]")

.PHONY: test-arm64 arm64-deps arm64-sysroot arm64-build a64-emit-test

# ---- the private sysroot (also QEMU_LD_PREFIX) ----
# One rule for both names: ARM64_SYSROOT (outer make) and SYSROOT (the CROSS build).
ARM64_STAMPS := $(sort $(ARM64_SYSROOT)/.stamp $(if $(SYSROOT),$(SYSROOT)/.stamp))
$(ARM64_STAMPS): tools/arm64/sysroot.sh
	tools/arm64/sysroot.sh $(@D) $(ARM64_PKGS)
arm64-sysroot: $(if $(ARM64_HOST),,$(ARM64_SYSROOT)/.stamp)

# In the cross build every object needs the sysroot's headers first.
ifneq ($(CROSS),)
$(LIB_OBJ) $(CLI_OBJ) $(UNIT_OBJ) $(SHIM_OBJ) $(SHIM_TEST_OBJ) $(SHIM_PB_OBJ): | $(SYSROOT)/.stamp
endif

arm64-deps:
	@sh tools/arm64/deps.sh

# chibi and the unit tests for AArch64 (natively on an AArch64 host).
arm64-build: arm64-deps arm64-sysroot
	$(MAKE) $(if $(ARM64_HOST),,CROSS=$(ARM64_CROSS)) BUILD=$(ARM64_BUILD) \
		$(ARM64_BUILD)/chibi $(ARM64_BUILD)/unit_tests

# The runs, in order.  Each writes $(ARM64_BUILD)/test-<run>.log; its last lines (the
# counts, the wall time and peak host RSS of the qemu process tree) are echoed, the whole
# log only on failure.
ARM64_RUNS := unit spec-interp $(if $(wildcard jit/arm64/backend.c),spec-jit) wasi
ARM64_RUN  := timeout -k 10 $(ARM64_TIMEOUT) $(ARM64_TIME)

test-arm64: arm64-build
	@$(if $(ARM64_HOST),true,sh tools/arm64/binfmt.sh)
	@set -e; ulimit -c 0; QEMU_LD_PREFIX=$(ARM64_SYSROOT); export QEMU_LD_PREFIX; \
	start=$$(date +%s); \
	for r in $(ARM64_RUNS); do \
		log=$(ARM64_BUILD)/test-$$r.log; \
		echo "== arm64 $$r (log: $$log)"; \
		case $$r in \
		unit)        set -- $(ARM64_BUILD)/unit_tests --jobs 2 ;; \
		spec-interp) set -- $(ARM64_BUILD)/chibi wast --interp $(SPEC_WAST) ;; \
		spec-jit)    set -- $(ARM64_BUILD)/chibi wast --jit $(SPEC_WAST) ;; \
		wasi)        set -- wasi/run-wasi-testsuite.sh $(ARM64_BUILD)/chibi ;; \
		esac; \
		if $(ARM64_RUN) "$$@" > $$log 2>&1; then tail -n 2 $$log; \
		else cat $$log; echo "== arm64 $$r FAILED"; exit 1; fi; \
	done; echo "== arm64: all passed in $$(( $$(date +%s) - start ))s"

# ---- the encoder tests on the build host (Capstone decodes AArch64 on any host) ----
A64_EMIT_TEST := $(BUILD)/a64_emit_test
$(A64_EMIT_TEST): jit/arm64/emit_test.c jit/arm64/emit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ jit/arm64/emit_test.c -lcriterion -lcapstone
a64-emit-test: $(A64_EMIT_TEST)
	$(A64_EMIT_TEST) --jobs 2
# On an AArch64 host the unit binary already contains these tests.
ifeq ($(JIT_ARCH),x64)
TEST_COMPONENTS      += a64-emit-test
TEST_COMPONENTS_ASAN += a64-emit-test
endif
