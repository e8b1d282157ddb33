# arm64.mk - AArch64: the cross build, the qemu-user test run and the host-side encoder
# tests.  Included by the top Makefile.
#
#   make CROSS=aarch64-linux-gnu-   build build-arm64/chibi (+ shim) for Linux AArch64; the
#                                   private sysroot below is made first (on an AArch64 host,
#                                   plain `make` builds natively)
#   make test-arm64                 install what is missing (apt, root), make the sysroot,
#                                   register qemu with binfmt_misc, cross-build, and run under
#                                   qemu: the unit tests, the spec suite (interp and JIT), the
#                                   WASI tests and the JIT differential test
#   make a64-emit-test              the AArch64 encoder tests as a host binary (Capstone);
#                                   part of `make test` on every host
#
# Measured facts behind the choices (see docs/RATIONALE.md): libcriterion-dev:arm64 conflicts
# with the host's under dpkg multiarch, so arm64 libraries come from a private sysroot
# (apt-get download + dpkg-deb -x); Criterion re-execs its test binary for each test, which
# only works under qemu-user with a binfmt_misc handler and QEMU_LD_PREFIX in the
# environment (not -L).  Each step's longest run here is ~70 s; ARM64_TIMEOUT (900 s) ends
# a hang with a report of where it is (tools/run-watched.sh) long before CI's limit.

ARM64_CROSS   ?= aarch64-linux-gnu-
ARM64_BUILD   ?= build-arm64
ARM64_SYSROOT := $(abspath $(ARM64_BUILD))/sysroot
ARM64_PKGS    := libc6-dev libcriterion-dev libcapstone-dev zlib1g-dev libprotobuf-c-dev
ARM64_TIMEOUT ?= $(TEST_TIMEOUT)
ARM64_FUZZ_N  ?= 40
ARM64_OBJDUMP ?= $(if $(ARM64_HOST),objdump,$(ARM64_CROSS)objdump)
ARM64_HOST    := $(filter aarch64 arm64,$(shell uname -m))

.PHONY: test-arm64 arm64-deps arm64-sysroot arm64-build a64-emit-test

# ---- the private sysroot (also QEMU_LD_PREFIX) ----
# One rule for both names: ARM64_SYSROOT (outer make) and SYSROOT (the CROSS build).
ARM64_STAMPS := $(sort $(ARM64_SYSROOT)/.stamp $(if $(SYSROOT),$(SYSROOT)/.stamp))
$(ARM64_STAMPS): tools/arm64/sysroot.sh
	tools/arm64/sysroot.sh $(@D) $(ARM64_PKGS)
arm64-sysroot: $(if $(ARM64_HOST),,$(ARM64_SYSROOT)/.stamp)

# In the cross build every object needs the sysroot's headers first.
ifneq ($(CROSS),)
$(LIB_OBJ) $(CLI_OBJ) $(UTIL_OBJ) $(UNIT_OBJ) $(WASI_UNIT_OBJ) $(SHIM_OBJ) $(SHIM_TEST_OBJ) $(SHIM_PB_OBJ): | $(SYSROOT)/.stamp
endif

arm64-deps:
	@sh tools/arm64/deps.sh

# chibi, the shim and the unit tests for AArch64 (natively on an AArch64 host); the shim
# when shim/shim.mk is part of the build, jit-difftest when jit/jit.mk is.
ARM64_BINS := chibi unit_tests wasi_unit_tests \
	      $(if $(SHIM),containerd-shim-chibi-v1 containerd-shim-chibi-v1-task shim_tests) $(if $(JIT_DIFFTEST),jit-difftest)
arm64-build: arm64-deps arm64-sysroot
	$(MAKE) $(if $(ARM64_HOST),,CROSS=$(ARM64_CROSS)) BUILD=$(ARM64_BUILD) \
		$(addprefix $(ARM64_BUILD)/,$(ARM64_BINS))

# The runs.  Each writes $(ARM64_BUILD)/test-<name>.log and echoes its last lines (counts,
# wall time, peak host RSS); the whole log only on failure.
#  - spec: --interp without address-space reservations (the interpreter checks bounds
#    itself, and under qemu 7.2 each reservation of the spec runner's forked children costs
#    ~0.2 s); --jit on the guard pages (the real thing: 8 GiB reservations, SIGSEGV -> trap);
#    --jit without reservations (explicit bounds checks, memory moving on grow).  All three
#    must agree file by file, and the JIT runs leave no function to the interpreter (v128
#    code included: NEON lowers every SIMD row).  The two SIMD scripts SPEC_WAST leaves out
#    run apart in each mode (see the top Makefile: simd_memory-multi.wast, once skipped for
#    lack of multi-memory, relaxed_dot_product.wast through wabt 1.0.42's wast2json).
#  - the unit tests of chibi, WASI and the shim (Criterion: a qemu process per test).
#  - WASI: chibi's guest programs (wasm built on the host) and the upstream
#    suite, in the default mode (the JIT).
#  - difftest: ARM64_FUZZ_N random modules (binaryen's wasm-opt -ttf) in the interpreter and
#    three JIT modes (~1.4 s each under qemu; the spec modules are already covered above).
ARM64_RUN   = tools/run-watched.sh $(ARM64_BUILD)/test-$(1).log $(ARM64_TIMEOUT)
ARM64_SPECS = spec-interp $(if $(ARM64_JIT),spec-jit spec-jit-nores)
ARM64_JIT  := $(wildcard jit/arm64/backend.c)

test-arm64: arm64-build wasi-guests
	@$(if $(ARM64_HOST),true,sh tools/arm64/binfmt.sh)
	@set -e; ulimit -c 0; QEMU_LD_PREFIX=$(ARM64_SYSROOT); export QEMU_LD_PREFIX; \
	start=$$(date +%s); B=$(ARM64_BUILD); \
	echo "== arm64: code publication flushes the instruction cache (qemu cannot tell)"; \
	$(ARM64_OBJDUMP) -dr $$B/jit/codebuf.o | \
		grep -Eq '__clear_cache|__aarch64_sync_cache_range|ic[[:space:]]+ivau' || \
		{ echo "jit/codebuf.c: arena_seal() no longer flushes the icache" >&2; exit 1; }; \
	echo "== arm64: unit tests"; $(call ARM64_RUN,unit) $$B/unit_tests $(CRITERION_ARGS); \
	echo "== arm64: WASI unit tests"; \
	$(call ARM64_RUN,wasi-unit) $$B/wasi_unit_tests $(CRITERION_ARGS); \
	if [ -n "$(SHIM)" ]; then \
		echo "== arm64: shim unit tests"; \
		$(call ARM64_RUN,shim-unit) $$B/shim_tests $(CRITERION_ARGS); \
	fi; \
	echo "== arm64: spec --interp (no reservations)"; \
	CHIBI_NO_RESERVE=1 $(call ARM64_RUN,spec-interp) $$B/chibi wast --interp $(SPEC_WAST); \
	if [ -n "$(ARM64_JIT)" ]; then \
		echo "== arm64: spec --jit (guard pages)"; \
		CHIBI_JIT_VERBOSE=1 $(call ARM64_RUN,spec-jit) $$B/chibi wast --jit $(SPEC_WAST); \
		echo "== arm64: spec --jit (no reservations: explicit bounds)"; \
		CHIBI_NO_RESERVE=1 CHIBI_JIT_VERBOSE=1 $(call ARM64_RUN,spec-jit-nores) \
			$$B/chibi wast --jit $(SPEC_WAST); \
		for r in spec-jit spec-jit-nores; do \
			! grep -E ' [1-9][0-9]* left to the interpreter' $$B/test-$$r.log || \
				{ echo "$$r: functions left to the interpreter" >&2; exit 1; }; \
		done; \
	fi; \
	echo "== arm64: the SIMD scripts run apart (multi-memory; relaxed_dot_product via wabt 1.0.42)"; \
	if sh tools/wast2json-sid.sh --fetch >/dev/null; then sid="$(SPEC_SIMD_SID)"; \
	else rc=$$?; [ $$rc = 77 ] || exit $$rc; sid=; \
		echo "SKIP $(SPEC_SIMD_SID): wabt 1.0.42 cannot be fetched"; fi; \
	for r in $(ARM64_SPECS); do \
		case $$r in \
		spec-interp) mode=--interp; res=CHIBI_NO_RESERVE=1 ;; \
		spec-jit) mode=--jit; res= ;; \
		*) mode=--jit; res=CHIBI_NO_RESERVE=1 ;; \
		esac; \
		env $$res CHIBI_JIT_VERBOSE=1 WAST2JSON=tools/wast2json-sid.sh \
			$(call ARM64_RUN,$$r-simd-apart) $$B/chibi wast $$mode \
			--skiplist=spec-tests/wasm-3.0/skiplist-simd.txt $(SPEC_SIMD_MULTI) $$sid; \
		tail -n 3 $$B/test-$$r-simd-apart.log | grep -q ' 0 failed' || \
			{ echo "$$r-simd-apart: failures" >&2; exit 1; }; \
		! grep -E ' [1-9][0-9]* left to the interpreter' $$B/test-$$r-simd-apart.log || \
			{ echo "$$r-simd-apart: functions left to the interpreter" >&2; exit 1; }; \
	done; \
	for r in $(ARM64_SPECS); do \
		grep -E '^[^ ].*: [0-9]+ passed|^[0-9]+ passed' $$B/test-$$r.log > $$B/test-$$r.sum; \
		tail -n 1 $$B/test-$$r.sum | grep -q ' 0 failed' || { echo "$$r: failures" >&2; exit 1; }; \
		cmp -s $$B/test-spec-interp.sum $$B/test-$$r.sum || \
			{ diff $$B/test-spec-interp.sum $$B/test-$$r.sum; exit 1; }; \
	done; \
	echo "== arm64: Wasm 3.0 spec (listed files; interp, jit, jit explicit bounds)"; \
	$(call ARM64_RUN,spec-3.0) sh tools/spec-3.0.sh $$B/chibi $(SPEC3_LIST) || \
		[ $$? = 77 ]; \
	echo "== arm64: WASI guests"; \
	$(call ARM64_RUN,wasi-guests) sh wasi/tests/run-guests.sh $$B/chibi $(BUILD)/wasi-tests; \
	echo "== arm64: WASI testsuite"; \
	$(call ARM64_RUN,wasi-suite) sh wasi/run-wasi-testsuite.sh $$B/chibi $(WASI_SUITE); \
	if [ -n "$(ARM64_JIT)" ] && [ -n "$(JIT_DIFFTEST)" ]; then \
		echo "== arm64: JIT differential test"; \
		$(call ARM64_RUN,difftest) sh jit/test/fuzz-diff.sh $$B/chibi $$B/jit-difftest \
			$(ARM64_FUZZ_N) $$B/fuzz-diff; \
		echo "== arm64: v128 accumulation chains, differential"; \
		$(call ARM64_RUN,chain-diff) sh jit/test/chain-diff.sh $$B/jit-difftest 60 \
			$$B/chain-diff; \
	fi; \
	echo "== arm64: all passed in $$(( $$(date +%s) - start ))s"

# ---- the encoder tests on the build host (Capstone decodes AArch64 on any host) ----
A64_EMIT_TEST := $(BUILD)/a64_emit_test
$(A64_EMIT_TEST): jit/arm64/emit_test.c jit/arm64/emit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ jit/arm64/emit_test.c -lcriterion -lcapstone
a64-emit-test: $(A64_EMIT_TEST)
	$(A64_EMIT_TEST) --jobs 2
# On an AArch64 host the unit binary already contains the encoder tests, and `make test`
# is the AArch64 run itself.
ifeq ($(JIT_ARCH),x64)
TEST_COMPONENTS      += a64-emit-test test-arm64
TEST_COMPONENTS_ASAN += a64-emit-test
endif
