# chibi - one hand-written build for the library, the CLI, the shim, tests, spec runs,
# sanitizer builds, fuzzing and benchmarks.
#
#   make              build build/chibi
#   make test         everything CI runs: unit tests, spec suite, WASI suite, sanitizer pass
#   make unit | spec | asan | fuzz | bench
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

# The JIT back end is chosen by file, never by #ifdef inside functions.
TARGET_ARCH_NAME := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))
JIT_ARCH  := $(if $(filter x86_64,$(TARGET_ARCH_NAME)),x64,$(if $(filter aarch64,$(TARGET_ARCH_NAME)),arm64,none))

VM_SRC    := $(filter-out %_test.c,$(wildcard vm/*.c))
JIT_SRC   := $(filter-out %_test.c,$(wildcard jit/*.c jit/$(JIT_ARCH)/*.c))
WASI_SRC  := $(filter-out %_test.c,$(wildcard wasi/*.c))
CLI_SRC   := $(filter-out %_test.c,$(wildcard cli/*.c))
UNIT_SRC  := $(wildcard vm/*_test.c wasi/*_test.c cli/*_test.c jit/*_test.c jit/$(JIT_ARCH)/*_test.c)

LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(VM_SRC) $(JIT_SRC) $(WASI_SRC))
CLI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
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
CHIBI_LDLIBS := $(filter-out -lcapstone -lm,$(LDLIBS)) \
		-Wl,--push-state,--as-needed -lm -Wl,--pop-state
$(CHIBI): $(CLI_OBJ) $(LIBCHIBI)
	$(CC) $(LDFLAGS) $(CHIBI_STATIC) -o $@ $(CLI_OBJ) $(LIBCHIBI) $(CHIBI_LDLIBS)

# Criterion unit tests: every *_test.c beside its code, one binary.
$(BUILD)/unit_tests: $(UNIT_OBJ) $(LIBCHIBI)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIBCHIBI) -lcriterion $(LDLIBS)

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests --jobs 2

# The whole non-SIMD core spec suite (spec-tests/core/*.wast).
SPEC_WAST := $(sort $(wildcard spec-tests/core/*.wast))
spec: $(CHIBI)
	$(CHIBI) wast --interp $(SPEC_WAST)

# Component fragments add their own targets (test-wasi, test-shim, bench, ...).
-include wasi/wasi.mk shim/shim.mk bench/bench.mk jit/jit.mk arm64.mk

# Everything CI runs (README: `make test`).  Sanitizer builds live in build-asan/.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The component suites that `make test` runs, and those it repeats under the sanitizers
# (the shim's end-to-end run stays out of the sanitizer pass: its memory-limit check cannot fit
# an instrumented task process inside a 32 MiB cgroup).
TEST_COMPONENTS      += test-wasi test-wasi-real test-shim bench-smoke
TEST_COMPONENTS_ASAN += test-wasi
.PHONY: test-components test-components-asan
test-components: $(TEST_COMPONENTS)
test-components-asan: $(TEST_COMPONENTS_ASAN)

test:
	$(MAKE) unit spec fuzz-replay
	$(MAKE) test-components
	$(MAKE) asan

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
	clang -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lcapstone -lm -lpthread
fuzz: $(FUZZ_BIN)
	@mkdir -p build-fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
	  build-fuzz/corpus fuzz/corpus
fuzz-replay: $(FUZZ_BIN)
	$(FUZZ_BIN) -runs=0 fuzz/corpus

# Install chibi and the shim where containerd looks for shims (its PATH).
PREFIX ?= /usr/local
.PHONY: install
install: $(CHIBI) install-shim
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(CHIBI) $(DESTDIR)$(PREFIX)/bin/chibi

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name sysroot -prune -o -name '*.d' -type f -print 2>/dev/null)
