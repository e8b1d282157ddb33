# jit/jit.mk - the JIT's test targets (include from the top-level Makefile).
#
#   make test-jit     spec suite under --jit, checked against --interp file by file, plus a
#                     quick differential run (JIT vs interpreter) over spec modules and 40
#                     random modules from binaryen's `wasm-opt -ttf`, 60 random modules of
#                     v128 accumulation chains (chain-diff.sh), and the full trap
#                     text of the spec trap cases compared between tiers (trap-text.sh)
#   make spec-jit     the spec suite under --jit only
#   make fuzz-diff    the differential run on FUZZ_DIFF_N random modules (default 2000)
#   make diff-campaign  DIFF_N random and mutated spec modules, also against V8 (node)
#
# jit-difftest (jit/test/difftest.c) runs a module in the interpreter and three JIT variants
# (guard pages, explicit bounds, moving memory) and compares transcripts; failing modules are
# kept in $(BUILD)/fuzz-diff/.  Needs binaryen (apt-get install -y binaryen) for the random
# modules; without it only the spec part runs.

JIT_DIFFTEST := $(BUILD)/jit-difftest
# `make test` runs the JIT suite; the sanitizer pass repeats the spec suite under --jit.
TEST_COMPONENTS      += test-jit
TEST_COMPONENTS_ASAN += spec-jit
FUZZ_DIFF_N  ?= 2000

$(JIT_DIFFTEST): jit/test/difftest.c $(LIBCHIBI)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBCHIBI) $(LDLIBS)

.PHONY: test-jit fuzz-diff spec-jit
spec-jit: $(CHIBI)
	$(CHIBI) wast --jit $(SPEC_WAST)

test-jit: $(CHIBI) $(JIT_DIFFTEST)
	sh jit/test/spec-both.sh $(CHIBI) $(SPEC_WAST)
	sh jit/test/trap-text.sh $(CHIBI) $(SPEC_WAST)
	sh jit/test/fuzz-diff.sh $(CHIBI) $(JIT_DIFFTEST) 40 $(BUILD)/fuzz-diff spec
	sh jit/test/chain-diff.sh $(JIT_DIFFTEST) 60 $(BUILD)/chain-diff

fuzz-diff: $(CHIBI) $(JIT_DIFFTEST)
	sh jit/test/fuzz-diff.sh $(CHIBI) $(JIT_DIFFTEST) $(FUZZ_DIFF_N) $(BUILD)/fuzz-diff

# The differential campaign (not part of `make test`): DIFF_N modules, random (wasm-opt -ttf)
# and mutated spec modules, in every JIT variant against the interpreter, and the random ones
# against V8 (node, Liftoff and default tiers); jit/test/diff-campaign.sh.
DIFF_N ?= 1000
DIFF_TIME ?= 0
.PHONY: diff-campaign
diff-campaign: $(CHIBI) $(JIT_DIFFTEST)
	DIFF_TIME=$(DIFF_TIME) sh jit/test/diff-campaign.sh $(CHIBI) $(JIT_DIFFTEST) $(DIFF_N) $(BUILD)/diff-campaign
# The same modules also compared by the AArch64 build's jit-difftest under qemu-user (its
# interpreter against its JIT in the three variants), about 0.13 s of qemu per module.
.PHONY: diff-campaign-arm64
diff-campaign-arm64: $(CHIBI) $(JIT_DIFFTEST) arm64-build
	DIFF_TIME=$(DIFF_TIME) \
	DIFF_ALSO="env QEMU_LD_PREFIX=$(ARM64_SYSROOT) qemu-aarch64 -L $(ARM64_SYSROOT) $(ARM64_BUILD)/jit-difftest" \
	  sh jit/test/diff-campaign.sh $(CHIBI) $(JIT_DIFFTEST) $(DIFF_N) $(BUILD)/diff-campaign

# Compiled files (chibi compile, --cache; jit/aot.c, vm/compiled.c, vm/cache.c):
#   make test-aot       tools/aot-test.sh (compiled runs identical to plain ones, refusals,
#                       the WASI suites through the cache twice) and the spec suite with
#                       every module run from a compiled file (chibi wast --compiled)
#   make spec-compiled  only the latter
TEST_COMPONENTS += test-aot
.PHONY: test-aot spec-compiled
spec-compiled: $(CHIBI)
	$(CHIBI) wast --compiled $(SPEC_WAST)

test-aot: $(CHIBI) spec-compiled $(BUILD)/wasm/examples/hello.wasm wasi-guests
	sh tools/aot-test.sh $(CHIBI) $(BUILD)
