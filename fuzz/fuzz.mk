# fuzz/fuzz.mk - the fuzzing campaigns (included by the top Makefile).  None of these is
# part of `make test`; what they find becomes part of fuzz/corpus, which `make fuzz-replay`
# (in `make test`) replays.
#
#   make fuzz-campaign    libFuzzer over decode -> validate -> instantiate -> call for
#                         FUZZ_TIME seconds per tier (FUZZ_TIERS: interp, jit, diff = the
#                         interpreter and the JIT compared, diff-bounds = the same with
#                         explicit bounds checks) on FUZZ_JOBS processes each; prints the
#                         executions, coverage and findings per tier (fuzz/campaign.sh)
#   make fuzz-seeds       the spec suite's modules as extra seeds (build-fuzz/seeds)
#   make fuzz-merge       add the campaign corpora's new coverage to fuzz/corpus
#   make fuzz-cov         source-based coverage of the corpora, per source file (llvm-cov)
#   make fuzz-replay-arm64  fuzz/corpus replayed in the AArch64 build (interp vs JIT)
#                         under qemu-user
#   make fuzz-fast        the three targets without sanitizers (build-fuzz-fast/), for volume
#   make fuzz-long        FUZZ_TIME seconds of two queues (fuzz/long-campaign.sh): the module
#                         target, text reader and compiled loader on the fast builds, and the
#                         differential campaigns (gen3, wasm-opt -ttf, V8); then
#   make fuzz-sanreplay   the campaign corpora replayed by the ASan + UBSan targets
#   make fuzz-afl         AFL++ on the module target (afl-clang-fast)
#
# Every campaign process started through fuzz/run-logged.sh adds a line to fuzz/ledger.txt
# (committed); `sh fuzz/totals.sh` prints the cumulative executions per target.  Rates on
# the shared machine at nice 19 (docs/RATIONALE.md): module target, diff tier, ~250 exec/s
# with ASan + UBSan, ~2,700 without; gen3 ~55 modules/s; wasm-opt -ttf + jit-difftest
# ~3 modules/s.

FUZZ_TIERS ?= interp diff diff-bounds
FUZZ_JOBS  ?= 1
.PHONY: fuzz-campaign fuzz-seeds fuzz-merge fuzz-cov fuzz-replay-arm64

fuzz-campaign: $(FUZZ_BIN)
	sh fuzz/campaign.sh $(FUZZ_BIN) $(FUZZ_TIME) "$(FUZZ_TIERS)" $(FUZZ_JOBS)

# The seeds include the Wasm 3.0 scripts of spec-tests/spec-3.0.txt (exceptions, typed
# references, tail calls, multi-memory, memory64/table64...), converted to binaries by
# chibi's own reader (--convert-only: nothing is run), so the fuzzer starts from modules
# with the new opcodes.
SEEDS_3_0 = $(addprefix spec-tests/,$(shell sed -e 's/\#.*//' spec-tests/spec-3.0.txt))
fuzz-seeds: $(CHIBI)
	rm -rf build-fuzz/seeds && mkdir -p build-fuzz/seeds
	$(CHIBI) wast --interp --keep $(SPEC_WAST) 2>/dev/null | sed -n 's/.*: kept //p' > build-fuzz/seeds.dirs
	$(CHIBI) wast --convert-only $(SEEDS_3_0) 2>/dev/null | sed -n 's/.*: kept //p' >> build-fuzz/seeds.dirs
	find $$(cat build-fuzz/seeds.dirs) -name '*.wasm' -size -4096c -exec cp --backup=numbered -t build-fuzz/seeds {} + 2>/dev/null; true
	xargs rm -rf < build-fuzz/seeds.dirs
	@echo "fuzz-seeds: $$(ls build-fuzz/seeds | wc -l) spec modules"

fuzz-merge: $(FUZZ_BIN)
	$(FUZZ_BIN) -merge=1 -max_len=4096 fuzz/corpus $(wildcard build-fuzz/corpus-*)

# Coverage: the three targets without libFuzzer (fuzz/replay_main.c), built with clang's
# source-based coverage, replaying their corpora (nothing is fuzzed): the module target in
# the diff tier (which runs the interpreter, then the JIT) on guard pages and with explicit
# bounds, the text reader on fuzz/wat-corpus, the compiled-file loader on its seeds.  -O0:
# the counters mean the same, and clang -O1 on vm/interp.c did not finish in 15 minutes
# under the shared machine's load; at -O0 the whole build is a few minutes.
# FUZZ_COV_CORPORA adds directories (e.g. a campaign's build-fuzz/corpus-*) to the module
# replay.  The per-file table goes to build-cov/report.txt.
FUZZ_COV_BIN := build-cov/module-replay
FUZZ_COV_WAT := build-cov/wat-replay
FUZZ_COV_CF  := build-cov/compiled-replay
FUZZ_COV_LIB := $(patsubst %.c,build-cov/%.o,fuzz/replay_main.c $(VM_SRC) $(JIT_SRC))
FUZZ_COV_CORPORA ?=
build-cov/%.o: %.c
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -Iinclude -MMD -MP -O0 -g -fprofile-instr-generate \
	  -fcoverage-mapping -c $< -o $@
$(FUZZ_COV_BIN): build-cov/fuzz/module_fuzz.o $(FUZZ_COV_LIB)
	clang -fprofile-instr-generate -o $@ $^ -lcapstone -lz -lm -lpthread
$(FUZZ_COV_WAT): build-cov/fuzz/wat_fuzz.o $(patsubst %.c,build-cov/%.o,$(TEXT_SRC)) $(FUZZ_COV_LIB)
	clang -fprofile-instr-generate -o $@ $^ -lcapstone -lz -lm -lpthread
$(FUZZ_COV_CF): build-cov/fuzz/compiled_fuzz.o $(FUZZ_COV_LIB)
	clang -fprofile-instr-generate -o $@ $^ -lcapstone -lz -lm -lpthread
fuzz-cov: $(FUZZ_COV_BIN) $(FUZZ_COV_WAT) $(FUZZ_COV_CF) $(FUZZ_CF_SEEDS)
	rm -f build-cov/*.profraw
	LLVM_PROFILE_FILE=build-cov/diff.profraw CHIBI_FUZZ_TIER=diff \
	  $(FUZZ_COV_BIN) fuzz/corpus $(FUZZ_COV_CORPORA)
	LLVM_PROFILE_FILE=build-cov/bounds.profraw CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=explicit \
	  $(FUZZ_COV_BIN) fuzz/corpus $(FUZZ_COV_CORPORA)
	LLVM_PROFILE_FILE=build-cov/wat.profraw $(FUZZ_COV_WAT) fuzz/wat-corpus
	LLVM_PROFILE_FILE=build-cov/compiled.profraw $(FUZZ_COV_CF) $(FUZZ_CF_SEEDS)
	llvm-profdata merge -o build-cov/all.profdata build-cov/*.profraw
	llvm-cov report $(FUZZ_COV_BIN) -object $(FUZZ_COV_WAT) -object $(FUZZ_COV_CF) \
	  -instr-profile=build-cov/all.profdata $(VM_SRC) $(JIT_SRC) $(TEXT_SRC) \
	  | tee build-cov/report.txt
-include $(shell find build-cov -name '*.d' -type f -print 2>/dev/null)

# The AArch64 replay: the plain driver cross-built against build-arm64/libchibi.a, run by
# qemu-user (binfmt_misc, arm64.mk), in the diff tier (interpreter vs the AArch64 JIT).
ARM64_REPLAY := $(ARM64_BUILD)/module-replay
# (the host's make only: in the cross make, BUILD is $(ARM64_BUILD) and MODULE_REPLAY below
# names the same file)
ifneq ($(BUILD),$(ARM64_BUILD))
$(ARM64_REPLAY): fuzz/module_fuzz.c fuzz/replay_main.c arm64-sysroot
	$(MAKE) CROSS=$(ARM64_CROSS) BUILD=$(ARM64_BUILD) $(ARM64_BUILD)/libchibi.a
	$(ARM64_CROSS)gcc -std=c11 -D_GNU_SOURCE -Iinclude -O2 -g --sysroot=$(ARM64_SYSROOT) \
	  -o $@ fuzz/module_fuzz.c fuzz/replay_main.c $(ARM64_BUILD)/libchibi.a \
	  -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu -lcapstone -lz -lm -lpthread
endif
fuzz-replay-arm64: $(ARM64_REPLAY)
	QEMU_LD_PREFIX=$(ARM64_SYSROOT) CHIBI_FUZZ_TIER=diff timeout -k 10 $(ARM64_TIMEOUT) \
	  qemu-aarch64 -L $(ARM64_SYSROOT) $(ARM64_REPLAY) fuzz/corpus
	QEMU_LD_PREFIX=$(ARM64_SYSROOT) CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=explicit \
	  timeout -k 10 $(ARM64_TIMEOUT) qemu-aarch64 -L $(ARM64_SYSROOT) $(ARM64_REPLAY) fuzz/corpus

# The compiled-file loader (fuzz/compiled_fuzz.c).  Compiled files are at least 128 KiB (the
# code starts on a 64 KiB boundary), hence the larger -max_len.  Seeds: a few spec and
# example modules compiled by $(CHIBI) (made fresh: a file names the build that made it,
# which the target rewrites anyway).
FUZZ_CF_BIN := build-fuzz/compiled_fuzz
FUZZ_CF_OBJ := $(patsubst %.c,build-fuzz/%.o,fuzz/compiled_fuzz.c $(VM_SRC) $(JIT_SRC))
FUZZ_CF_SEEDS := build-fuzz/compiled-seeds
.PHONY: fuzz-compiled fuzz-compiled-replay $(FUZZ_CF_SEEDS)
$(FUZZ_CF_BIN): $(FUZZ_CF_OBJ)
	clang -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lcapstone -lz -lm -lpthread
$(FUZZ_CF_SEEDS): $(CHIBI) $(BUILD)/wasm/examples/hello.wasm
	rm -rf $@ && mkdir -p $@
	$(CHIBI) compile -o $@/hello.cwasm $(BUILD)/wasm/examples/hello.wasm
	for w in fac call_indirect memory_grow; do \
	  wast2json -o $@/$$w.json spec-tests/core/$$w.wast >/dev/null && \
	  $(CHIBI) compile -o $@/$$w.cwasm $@/$$w.0.wasm; done
	rm -f $@/*.json $@/*.wasm $@/*.wat
fuzz-compiled: $(FUZZ_CF_BIN) $(FUZZ_CF_SEEDS)
	@mkdir -p build-fuzz/corpus-compiled
	$(FUZZ_CF_BIN) -max_total_time=$(FUZZ_TIME) -max_len=1048576 -timeout=10 \
	  -rss_limit_mb=4096 build-fuzz/corpus-compiled $(FUZZ_CF_SEEDS)
fuzz-compiled-replay: $(FUZZ_CF_BIN) $(FUZZ_CF_SEEDS)
	$(FUZZ_CF_BIN) -runs=0 $(FUZZ_CF_SEEDS) $(wildcard build-fuzz/corpus-compiled)
# libFuzzer over chibi's text reader (fuzz/wat_fuzz.c), with fuzz/wat-corpus as seeds;
# `make fuzz-replay` replays that corpus.
WAT_FUZZ_BIN := build-fuzz/wat_fuzz
WAT_FUZZ_OBJ := $(patsubst %.c,build-fuzz/%.o,fuzz/wat_fuzz.c $(TEXT_SRC) $(VM_SRC) $(JIT_SRC))
.PHONY: fuzz-wat fuzz-wat-replay
$(WAT_FUZZ_BIN): $(WAT_FUZZ_OBJ)
	clang -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lcapstone -lz -lm -lpthread
fuzz-wat: $(WAT_FUZZ_BIN)
	@mkdir -p build-fuzz/wat-corpus
	$(WAT_FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
	  -dict=fuzz/wat.dict build-fuzz/wat-corpus fuzz/wat-corpus
fuzz-wat-replay: $(WAT_FUZZ_BIN)
	$(WAT_FUZZ_BIN) -runs=0 fuzz/wat-corpus
-include $(wildcard build-fuzz/text/*.d build-fuzz/fuzz/wat_fuzz.d)
# The differential campaign over random valid Wasm 3.0 modules (fuzz/gen3.py: multi-memory,
# memory64, table64, exceptions, typed function references, tail calls), which binaryen
# 108's -ttf cannot make: GEN3_MODULES modules, each compared interp vs JIT (guard pages)
# and interp vs JIT (explicit bounds).
# Run by the plain -O2 replay program (GEN3_ASAN=1: by the libFuzzer target, ASan + UBSan).
GEN3_MODULES ?= 5000
MODULE_REPLAY := $(BUILD)/module-replay
$(MODULE_REPLAY): fuzz/module_fuzz.c fuzz/replay_main.c $(LIBCHIBI)
	$(CC) -std=c11 -D_GNU_SOURCE -Iinclude -O2 -g -o $@ fuzz/module_fuzz.c fuzz/replay_main.c \
	  $(LIBCHIBI) -lcapstone -lz -lm -lpthread
.PHONY: fuzz-gen3
fuzz-gen3: $(CHIBI) $(if $(GEN3_ASAN),$(FUZZ_BIN),$(MODULE_REPLAY))
	sh fuzz/gen3-campaign.sh $(CHIBI) "$(if $(GEN3_ASAN),$(FUZZ_BIN) -runs=0,$(MODULE_REPLAY))" \
	  $(GEN3_MODULES) $(GEN3_SEED)
# The same modules also on the AArch64 JIT under qemu-user (interpreter vs JIT, both bounds
# modes, on each architecture).
.PHONY: fuzz-gen3-arm64
fuzz-gen3-arm64: $(CHIBI) $(MODULE_REPLAY) $(ARM64_REPLAY)
	GEN3_ALSO="env QEMU_LD_PREFIX=$(ARM64_SYSROOT) qemu-aarch64 -L $(ARM64_SYSROOT) $(ARM64_REPLAY)" \
	  sh fuzz/gen3-campaign.sh $(CHIBI) $(MODULE_REPLAY) $(GEN3_MODULES) $(GEN3_SEED)

# The volume builds: the same three libFuzzer targets at -O2 without ASan/UBSan, about
# 10x the executions per second of build-fuzz/ (docs/RATIONALE.md).  A crash, a hang or a
# tier difference still stops them (an abort, a signal, libFuzzer's timeout); memory errors
# that do not crash are caught when their corpora are replayed by the sanitized targets
# (`make fuzz-sanreplay`).  `make fuzz-long` runs them (fuzz/long-campaign.sh).
FAST_DIR := build-fuzz-fast
build-fuzz-fast/%.o: %.c
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -Iinclude -MMD -MP -g -O2 -fsanitize=fuzzer-no-link \
	  -c $< -o $@
FAST_VM_OBJ := $(patsubst %.c,$(FAST_DIR)/%.o,$(VM_SRC) $(JIT_SRC))
$(FAST_DIR)/module_fuzz: $(FAST_DIR)/fuzz/module_fuzz.o $(FAST_VM_OBJ)
	clang -fsanitize=fuzzer -o $@ $^ -lcapstone -lz -lm -lpthread
$(FAST_DIR)/compiled_fuzz: $(FAST_DIR)/fuzz/compiled_fuzz.o $(FAST_VM_OBJ)
	clang -fsanitize=fuzzer -o $@ $^ -lcapstone -lz -lm -lpthread
$(FAST_DIR)/wat_fuzz: $(FAST_DIR)/fuzz/wat_fuzz.o $(patsubst %.c,$(FAST_DIR)/%.o,$(TEXT_SRC)) \
		$(FAST_VM_OBJ)
	clang -fsanitize=fuzzer -o $@ $^ -lcapstone -lz -lm -lpthread
.PHONY: fuzz-fast
fuzz-fast: $(FAST_DIR)/module_fuzz $(FAST_DIR)/compiled_fuzz $(FAST_DIR)/wat_fuzz
-include $(shell find $(FAST_DIR) -name '*.d' -type f -print 2>/dev/null)

# AFL++ (Debian's afl++) on the module target: the same fuzz/module_fuzz.c, compiled by
# afl-clang-fast (-fsanitize=fuzzer links AFL++'s libFuzzer-compatible driver, persistent
# mode), no sanitizers (AFL_USE_ASAN would cost the same 3-10x as for libFuzzer).  `make
# fuzz-afl FUZZ_TIME=s` runs afl-fuzz in the diff tier from fuzz/corpus (inputs of at most
# 4 KiB, as for libFuzzer); findings land in build-afl/out/default/crashes and hangs.
AFL_CC  ?= afl-clang-fast
AFL_OBJ := $(patsubst %.c,build-afl/%.o,fuzz/module_fuzz.c $(VM_SRC) $(JIT_SRC))
build-afl/%.o: %.c
	@mkdir -p $(dir $@)
	$(AFL_CC) -std=c11 -D_GNU_SOURCE -Iinclude -MMD -MP -g -O1 -c $< -o $@
build-afl/module_fuzz: $(AFL_OBJ)
	$(AFL_CC) -fsanitize=fuzzer -o $@ $^ -lcapstone -lz -lm -lpthread
build-afl/seeds: $(wildcard fuzz/corpus/*)
	rm -rf $@ && mkdir -p $@
	find fuzz/corpus -type f -size -4097c -exec cp -t $@ {} +
.PHONY: fuzz-afl
fuzz-afl: build-afl/module_fuzz build-afl/seeds
	AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 CHIBI_FUZZ_TIER=diff \
	  afl-fuzz -V $(FUZZ_TIME) -t 10000 -m none -i build-afl/seeds -o build-afl/out \
	  -- build-afl/module_fuzz
-include $(shell find build-afl -name '*.d' -type f -print 2>/dev/null)

# The long campaign: two queues of fuzz/long-campaign.sh side by side (two processes at
# nice 19), FUZZ_TIME seconds each, every step logged in fuzz/ledger.txt; then
# `make fuzz-sanreplay`.  `sh fuzz/totals.sh` prints the cumulative totals per target.
FUZZ_LONG_A ?= diff:3 diff-bounds:3 wat:2 compiled:2
FUZZ_LONG_B ?= gen3:2 ttf:2 v8:1
.PHONY: fuzz-long fuzz-sanreplay
fuzz-long: fuzz-fast $(CHIBI) $(JIT_DIFFTEST) $(MODULE_REPLAY) $(FUZZ_CF_SEEDS)
	sh fuzz/long-campaign.sh $(FUZZ_TIME) $(FUZZ_LONG_A) & \
	sh fuzz/long-campaign.sh $(FUZZ_TIME) $(FUZZ_LONG_B); wait
	$(MAKE) fuzz-sanreplay
# What the volume builds found, replayed by the ASan + UBSan targets: memory errors and UB
# that did not crash the unsanitized build.
fuzz-sanreplay: $(FUZZ_BIN) $(WAT_FUZZ_BIN) $(FUZZ_CF_BIN)
	@mkdir -p build-fuzz/logs
	@for t in diff diff-bounds interp jit wat compiled; do \
	  case $$t in \
	  wat) d=build-fuzz/wat-corpus; run="$(WAT_FUZZ_BIN)" ;; \
	  compiled) d=build-fuzz/corpus-compiled; run="$(FUZZ_CF_BIN) -max_len=1048576" ;; \
	  diff-bounds) d=build-fuzz/corpus-$$t; run="env CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=explicit $(FUZZ_BIN)" ;; \
	  *) d=build-fuzz/corpus-$$t; run="env CHIBI_FUZZ_TIER=$$t $(FUZZ_BIN)" ;; \
	  esac; \
	  [ -d $$d ] || continue; \
	  log=build-fuzz/logs/sanreplay-$$t.log; \
	  echo "fuzz-sanreplay: $$t: $$(ls $$d | wc -l) inputs of $$d"; \
	  $$run -runs=0 -rss_limit_mb=4096 $$d > $$log 2>&1 || { tail -40 $$log; exit 1; }; \
	  tail -1 $$log; done
