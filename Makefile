# chibi - one hand-written build for the library, the CLI, the shim, tests, spec runs,
# sanitizer builds, fuzzing and benchmarks.
#
#   make              build build/chibi
#   make test         everything CI runs: unit tests, spec suite, WASI suite, sanitizer pass
#   make unit | spec | asan | fuzz | bench
#   make JIT=none     a build without the JIT (interpreter only); `make test-nojit` tests it
#
# BUILD selects the output folder, so sanitizer builds never mix with the release build.

CC      ?= cc
# Cross build, e.g. `make CROSS=aarch64-linux-gnu-`: $(CROSS)gcc, its own folder, and the
# private sysroot that arm64.mk makes (build-arm64/sysroot).
ifneq ($(CROSS),)
CC      := $(CROSS)gcc
BUILD   ?= build-$(subst aarch64,arm64,$(firstword $(subst -, ,$(CROSS))))
SYSROOT ?= $(abspath $(BUILD))/sysroot
CPPFLAGS += --sysroot=$(SYSROOT)
EXTRA_LDFLAGS += --sysroot=$(SYSROOT)
endif
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wno-unused-parameter -Wno-sign-compare -Wimplicit-fallthrough
CPPFLAGS += -D_GNU_SOURCE -Iinclude -MMD -MP
CFLAGS  := -std=c11 $(OPT) $(SAN) $(WARN) $(EXTRA_CFLAGS)
LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)
LDLIBS  := -lcapstone -lz -lm -lpthread

# The JIT back end is chosen by file, never by #ifdef inside functions.  A host without a
# back end, or `make JIT=none`, links jit/none/engine.c instead of jit/*.c: no JIT code at
# all, every store runs in the interpreter (vm/engine.h).
TARGET_ARCH_NAME := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
JIT_ARCH  := $(if $(filter x86_64,$(TARGET_ARCH_NAME)),x64,$(if $(filter aarch64,$(TARGET_ARCH_NAME)),arm64,none))
ifeq ($(JIT),none)
JIT_ARCH  := none
endif
JIT_DIRS  := $(if $(filter none,$(JIT_ARCH)),jit/none,jit jit/$(JIT_ARCH))

VM_SRC    := $(filter-out %_test.c,$(wildcard vm/*.c))
JIT_SRC   := $(filter-out %_test.c,$(wildcard $(addsuffix /*.c,$(JIT_DIRS))))
WASI_SRC  := $(filter-out %_test.c,$(wildcard wasi/*.c))
# text/: chibi's reader of the text format (.wat, .wast), part of libchibi.
TEXT_SRC  := $(filter-out %_test.c,$(wildcard text/*.c))
CLI_SRC   := $(filter-out %_test.c,$(wildcard cli/*.c))
# util/: what the CLI and the shim share (the JSON reader and writer); not part of libchibi.
UTIL_SRC  := $(filter-out %_test.c,$(wildcard util/*.c))
UNIT_SRC  := $(wildcard vm/*_test.c wasi/*_test.c cli/*_test.c util/*_test.c text/*_test.c \
		$(addsuffix /*_test.c,$(JIT_DIRS)))

LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(VM_SRC) $(JIT_SRC) $(WASI_SRC) $(TEXT_SRC))
CLI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
UTIL_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(UTIL_SRC))
UNIT_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC))

CHIBI     := $(BUILD)/chibi
LIBCHIBI  := $(BUILD)/libchibi.a

.PHONY: all clean test unit spec asan fuzz fuzz-replay deps example
all: $(CHIBI)

# C -> wasm32-wasi with Debian's clang and wasi-libc.  Compile and link are separate steps:
# clang-14 runs binaryen's wasm-opt after linking when -O is on the link line and binaryen is
# installed, which would make different engines see different bytes.
WASM_CC     := clang --target=wasm32-wasi
WASM_CFLAGS := -O2 -g0

$(BUILD)/wasm/%.o: %.c
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -c $< -o $@
$(BUILD)/wasm/%.wasm: $(BUILD)/wasm/%.o
	$(WASM_CC) $< -o $@

deps:
	@sh tools/install-deps.sh

# The README's first command: install what is missing, build, run the bundled example.
example: deps
	$(MAKE) $(CHIBI) $(BUILD)/wasm/examples/hello.wasm
	$(CHIBI) run --env WHO=you $(BUILD)/wasm/examples/hello.wasm one two

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Compiled files carry the build id (vm/build_id.c): the version and a digest of the
# library's sources, so a file is only run by a chibi generating the same code.  The object
# is rebuilt whenever one of those sources changes.
ID_SRC := $(sort $(filter-out %_test.c,$(wildcard vm/*.[ch] vm/*.def jit/*.[ch] \
		jit/*/*.[ch] wasi/*.[ch] wasi/*.def)) include/chibi.h)
CHIBI_SRC_ID := $(shell cat $(ID_SRC) | sha256sum | cut -c1-16)
$(BUILD)/vm/build_id.o: CPPFLAGS += -DCHIBI_SRC_ID=\"$(CHIBI_SRC_ID)\"
$(BUILD)/vm/build_id.o: $(ID_SRC)

$(LIBCHIBI): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# chibi's own link line, trimmed for start-up (docs/RATIONALE.md): -static-pie, so a run
# maps no shared library and the dynamic loader has nothing to do (hello: ~0.3 ms and
# ~0.5 MB of resident pages less than dynamic).  zlib is linked in (only `chibi image build`
# touches its pages); Capstone is dlopened by `chibi inspect --disasm` alone (cli/inspect.c:
# linked, its 80,000 relocations would take ~1 ms of every start); libm only if something
# still calls it (vm/interp_num.h does nearest and sqrt itself).  Sanitizer builds are
# dynamic (the sanitizer runtimes are shared libraries).
CHIBI_STATIC ?= $(if $(SAN),,-static-pie)

# Link order (docs/RATIONALE.md): the kernel maps a binary's code in 64 KiB fault-around
# windows, so a process's resident code is every window holding a function it ran.  With
# each function in its own section, lld places the functions a profiled run executed
# (tools/link-order/NAME.txt, regenerated by `make link-order`) together at the front:
# `chibi run hello.wasm` peaks at ~830 KB instead of ~1160 KB.  Names not in the binary are
# ignored, so a stale list costs only memory.  Native, non-sanitizer builds with ld.lld only.
ifeq ($(CROSS)$(SAN),)
ifneq ($(shell command -v ld.lld 2>/dev/null),)
CFLAGS += -ffunction-sections
link_order_file = tools/link-order/$(1).txt
link_order = -fuse-ld=lld -Wl,--symbol-ordering-file=$(call link_order_file,$(1)) \
	     -Wl,--no-warn-symbol-ordering
endif
endif
.PHONY: link-order
link-order:
	sh tools/link-order.sh
CHIBI_LDLIBS := $(filter-out -lcapstone -lm,$(LDLIBS)) \
		-Wl,--push-state,--as-needed -lm -Wl,--pop-state
$(CHIBI): $(CLI_OBJ) $(UTIL_OBJ) $(LIBCHIBI) $(call link_order_file,chibi)
	$(CC) $(LDFLAGS) $(CHIBI_STATIC) $(call link_order,chibi) -o $@ $(CLI_OBJ) $(UTIL_OBJ) \
		$(LIBCHIBI) $(CHIBI_LDLIBS)

# Criterion unit tests: every *_test.c beside its code, one binary.
$(BUILD)/unit_tests: $(UNIT_OBJ) $(UTIL_OBJ) $(LIBCHIBI)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(UTIL_OBJ) $(LIBCHIBI) -lcriterion $(LDLIBS)

# Every Criterion run of `make test` goes through tools/run-watched.sh: its output goes to
# <build>/test-NAME.log, printed whole on failure, and a run still going after TEST_TIMEOUT
# seconds is reported (the tests in flight, where each process waits) and killed, rather
# than holding CI to its limit.  --verbose names each test as it starts and ends.
TEST_TIMEOUT   ?= 900
WATCHED         = tools/run-watched.sh $(BUILD)/test-$(1).log $(TEST_TIMEOUT)
CRITERION_ARGS := --jobs 2 --verbose

unit: $(BUILD)/unit_tests
	$(call WATCHED,unit) $(BUILD)/unit_tests $(CRITERION_ARGS)

# The spec suite: the Wasm 2.0 core scripts (spec-tests/core/*.wast) and the SIMD and relaxed
# SIMD scripts of the Wasm 3.0 suite (spec-tests/wasm-3.0/core/{simd,relaxed-simd}), read by
# chibi's own text reader (text/), all in SPEC_WAST but simd_memory-multi.wast, which runs
# on its own (spec-tests/wasm-3.0/skiplist-simd.txt, now empty, once skipped it for lack of
# multi-memory; spec-3.0.txt runs it in every mode too).  Then the same through the other
# front end, wabt's wast2json (`spec-wast2json`): Debian 12's for all but
# relaxed_dot_product.wast, which only wabt 1.0.42 reads (tools/wast2json-sid.sh; SKIP when
# its archive is unreachable).  SPEC_WAST starts with the Wasm 2.0 feature set (SPEC_W2:
# the 3.0 proposals off, but relaxed SIMD for its own scripts), so that the 2.0 commands
# whose rules 3.0 changed (64-bit offsets and limits malformed, not invalid; one memory
# and a zero byte; constant expressions read imported globals only) hold as written.
SPEC_SIMD_DIRS  := spec-tests/wasm-3.0/core/simd spec-tests/wasm-3.0/core/relaxed-simd
SPEC_SIMD_SID   := spec-tests/wasm-3.0/core/relaxed-simd/relaxed_dot_product.wast
SPEC_SIMD_MULTI := spec-tests/wasm-3.0/core/simd/simd_memory-multi.wast
SPEC_SIMD_WAST  := $(filter-out $(SPEC_SIMD_MULTI), \
		     $(sort $(wildcard $(addsuffix /*.wast,$(SPEC_SIMD_DIRS)))))
SPEC_W2   := -W all-proposals=n,simd,relaxed-simd,multi-value,bulk-memory,reference-types
SPEC_WAST := $(SPEC_W2) --skiplist=spec-tests/core/skiplist-wasm2.txt \
	     $(sort $(wildcard spec-tests/core/*.wast)) $(SPEC_SIMD_WAST)
.PHONY: spec-wast2json spec-3.0-wast2json wat-diff
spec: $(CHIBI)
	$(CHIBI) wast --interp $(SPEC_WAST)
	$(CHIBI) wast --interp --skiplist=spec-tests/wasm-3.0/skiplist-simd.txt $(SPEC_SIMD_MULTI)
	$(MAKE) spec-wast2json
spec-wast2json: $(CHIBI)
	$(CHIBI) wast --wast2json --interp $(filter-out $(SPEC_SIMD_SID),$(SPEC_WAST))
	$(CHIBI) wast --wast2json --interp --skiplist=spec-tests/wasm-3.0/skiplist-simd.txt \
		$(SPEC_SIMD_MULTI)
	@if sh tools/wast2json-sid.sh --fetch >/dev/null; then \
		echo "WAST2JSON=tools/wast2json-sid.sh $(CHIBI) wast --interp $(SPEC_SIMD_SID)"; \
		WAST2JSON=tools/wast2json-sid.sh $(CHIBI) wast --interp $(SPEC_SIMD_SID); \
	else rc=$$?; [ $$rc = 77 ] || exit $$rc; \
		echo "SKIP $(SPEC_SIMD_SID): wabt 1.0.42 cannot be fetched"; fi

# The Wasm 3.0 spec scripts listed in spec-tests/spec-3.0.txt, read by chibi's own text
# reader (spec-3.0-wast2json: through Debian unstable's wast2json, tools/wast2json-sid.sh),
# in --interp, --jit and --jit with explicit bounds: 0 failures and the same counts in all
# three (tools/spec-3.0.sh).  SPEC3=FILE... (paths under spec-tests/) runs other files
# instead of the list.
SPEC3_LIST := spec-tests/spec-3.0.txt
.PHONY: spec-3.0
spec-3.0: $(CHIBI)
	sh tools/spec-3.0.sh $(CHIBI) $(SPEC3_LIST) $(addprefix spec-tests/,$(SPEC3))
spec-3.0-wast2json: $(CHIBI)
	SPEC3_FRONT=wast2json sh tools/spec-3.0.sh $(CHIBI) $(SPEC3_LIST) \
		$(addprefix spec-tests/,$(SPEC3)) || [ $$? = 77 ]

# chibi's text reader against wast2json 1.0.42, module by module, on every script of both
# suites (tools/wat-diff.py: identical bytes or the same wasm2wat text; about two minutes).
WAT_DIFF_WAST ?= $(sort $(wildcard spec-tests/core/*.wast)) \
		 $(sort $(shell find spec-tests/wasm-3.0/core spec-tests/wasm-3.0/legacy \
			-name '*.wast' 2>/dev/null))
wat-diff: $(CHIBI)
	cp $(CHIBI) $(BUILD)/chibi-wat-diff
	python3 tools/wat-diff.py $(BUILD)/chibi-wat-diff $(WAT_DIFF_WAST) || [ $$? = 77 ]

# A real program on a 64-bit memory: tests/wasm64/memwork.c built by clang for wasm64 and
# natively, the same output in every mode (skipped when clang cannot target wasm64).
.PHONY: test-wasm64
test-wasm64: $(CHIBI)
	sh tests/wasm64/run.sh $(CHIBI) $(BUILD)/wasm64 || [ $$? = 77 ]

# The tail-call chains of spec-tests/chibi-3.0/tail-call.wast 10^8 calls long, every mode
# (about a minute; not part of make test).
.PHONY: spec-3.0-long
spec-3.0-long: $(CHIBI)
	sh tools/tailcall-long.sh $(CHIBI)

# `chibi image build` output must stay byte-identical for the same inputs (golden digests).
.PHONY: test-image
test-image: $(CHIBI)
	sh cli/tests/image-repro.sh $(CHIBI)

# The build without a JIT (jit/none/engine.c; what a host without a back end gets): its own
# folder, the unit tests and the whole spec suite, which must count the same as --interp,
# and the CLI saying so (run --jit refused, --help).
.PHONY: test-nojit
test-nojit:
	$(MAKE) BUILD=build-nojit JIT=none build-nojit/chibi build-nojit/unit_tests
	tools/run-watched.sh build-nojit/test-unit.log $(TEST_TIMEOUT) \
		build-nojit/unit_tests $(CRITERION_ARGS)
	build-nojit/chibi wast $(SPEC_WAST)
	build-nojit/chibi run --jit any.wasm 2>&1 | grep -q 'this build of chibi has no JIT'
	build-nojit/chibi --help | grep -q 'This build has no JIT'

# Component fragments add their own targets (test-wasi, test-shim, bench, ...).
-include wasi/wasi.mk shim/shim.mk bench/bench.mk jit/jit.mk arm64.mk tools/limits.mk

# Everything CI runs (README: `make test`).  Sanitizer builds live in build-asan/.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The component suites that `make test` runs, and those it repeats under the sanitizers
# (the shim's included, end-to-end run and all).
TEST_COMPONENTS      += test-wasi test-wasi-real test-shim test-cri bench-smoke test-nojit test-image \
			test-wasm64
TEST_COMPONENTS_ASAN += test-wasi test-shim
.PHONY: test-components test-components-asan
test-components: $(TEST_COMPONENTS)
test-components-asan: $(TEST_COMPONENTS_ASAN)

test:
	$(MAKE) unit spec spec-3.0 fuzz-replay
	$(MAKE) test-components
	$(MAKE) asan

asan: export LSAN_OPTIONS := suppressions=$(CURDIR)/tools/lsan.supp:print_suppressions=0
asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g" SAN="$(SAN_FLAGS)" unit spec test-components-asan

# libFuzzer target over decode + validate + instantiate + call (fuzz/module_fuzz.c).
# clang -O1 with UBSan takes more than five minutes on the interpreter's one big dispatch
# function, so that file alone is built at -O0 (still fully instrumented).
FUZZ_BIN    := build-fuzz/module_fuzz
FUZZ_TIME   ?= 600
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ    := $(patsubst %.c,build-fuzz/%.o,fuzz/module_fuzz.c $(VM_SRC) $(JIT_SRC))
FUZZ_OPT    := -O1
build-fuzz/vm/interp.o: FUZZ_OPT := -O0
build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -Iinclude -MMD -MP -g $(FUZZ_OPT) -fsanitize=fuzzer-no-link \
	  $(FUZZ_SAN) -c $< -o $@
$(FUZZ_BIN): $(FUZZ_OBJ)
	clang -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lcapstone -lz -lm -lpthread
fuzz: $(FUZZ_BIN)
	@mkdir -p build-fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
	  build-fuzz/corpus fuzz/corpus
# The corpus in the interpreter and the JIT, compared (fuzz/module_fuzz.c's diff tier, which
# runs the interpreter first), with guard pages, then with explicit bounds checks.
fuzz-replay: $(FUZZ_BIN)
	CHIBI_FUZZ_TIER=diff $(FUZZ_BIN) -runs=0 fuzz/corpus
	CHIBI_FUZZ_TIER=diff CHIBI_JIT_BOUNDS=explicit $(FUZZ_BIN) -runs=0 fuzz/corpus
	$(MAKE) fuzz-wat-replay

# The campaigns (fuzz-campaign, fuzz-cov, ...).
-include fuzz/fuzz.mk

# Install chibi and the shim where containerd looks for shims (its PATH).
PREFIX ?= /usr/local
.PHONY: install
install: $(CHIBI) install-shim
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(CHIBI) $(DESTDIR)$(PREFIX)/bin/chibi

clean:
	rm -rf build build-asan build-fuzz build-fuzz-fast build-afl build-nojit build-cov build-arm64

-include $(shell find $(BUILD) -name sysroot -prune -o -name '*.d' -type f -print 2>/dev/null)
# the fuzzer's objects have their own folder: a header change must rebuild them too
-include $(shell find build-fuzz -name '*.d' -type f -print 2>/dev/null)
