# wasi/wasi.mk - WASI tests, included by the top Makefile.
#
#   make test-wasi        WASI unit tests (Criterion), chibi's guest programs (wasi/tests/),
#                         and the upstream wasi-testsuite (all must pass)
#   make test-wasi WASI_RUN_FLAGS=--interp   the same, pinned to one execution mode
#   make test-wasi-real   a real program from a Debian source package, built for wasm32-wasi
#                         and natively, must give the same output (needs deb-src + network);
#                         also its -msimd128 build, under --interp and --jit;
#                         bench/tailcall/vm.c (-mtail-call) under --interp and --jit; and a
#                         C++ program using exceptions (clang++ -fwasm-exceptions), both tiers
#
# Guests are compiled in two steps (compile with -O2, link without -O): clang 14 runs
# wasm-opt after linking when -O is on the link line and binaryen is installed.

WASI_CC      ?= clang
WASI_SYSROOT ?= $(wildcard /usr/share/wasi-sysroot)
WASI_TARGET  := --target=wasm32-wasi $(if $(WASI_SYSROOT),--sysroot=$(WASI_SYSROOT))
WASI_GCFLAGS := $(WASI_TARGET) -O2 -Wall -Wno-unused-function
WASI_SUITE   ?= spec-tests/wasi-testsuite/c/wasm32-wasip1
# Extra `chibi run` flags for the WASI suites, e.g. WASI_RUN_FLAGS=--interp to pin the mode.
WASI_RUN_FLAGS ?=

WASI_GUEST_C    := $(wildcard wasi/tests/*.c)
WASI_GUEST_WAT  := $(wildcard wasi/tests/*.wat)
WASI_GUEST_WASM := $(patsubst wasi/tests/%.c,$(BUILD)/wasi-tests/%.wasm,$(WASI_GUEST_C)) \
                   $(patsubst wasi/tests/%.wat,$(BUILD)/wasi-tests/%.wasm,$(WASI_GUEST_WAT))
WASI_UNIT_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(wildcard wasi/*_test.c))

.PHONY: test-wasi test-wasi-unit test-wasi-guests test-wasi-suite test-wasi-real wasi-guests

$(BUILD)/wasi-tests/%.o: wasi/tests/%.c wasi/tests/check.h
	@mkdir -p $(dir $@)
	$(WASI_CC) $(WASI_GCFLAGS) -c $< -o $@

$(BUILD)/wasi-tests/%.wasm: $(BUILD)/wasi-tests/%.o
	$(WASI_CC) $(WASI_TARGET) $< -o $@

$(BUILD)/wasi-tests/%.wasm: wasi/tests/%.wat
	@mkdir -p $(dir $@)
	wat2wasm $< -o $@

wasi-guests: $(WASI_GUEST_WASM)

$(BUILD)/wasi_unit_tests: $(WASI_UNIT_OBJ) $(LIBCHIBI)
	$(CC) $(LDFLAGS) -o $@ $(WASI_UNIT_OBJ) $(LIBCHIBI) -lcriterion $(LDLIBS)

test-wasi-unit: $(BUILD)/wasi_unit_tests
	$(call WATCHED,wasi-unit) $(BUILD)/wasi_unit_tests $(CRITERION_ARGS)

test-wasi-guests: $(CHIBI) wasi-guests
	CHIBI_RUN_FLAGS="$(WASI_RUN_FLAGS)" sh wasi/tests/run-guests.sh $(CHIBI) $(BUILD)/wasi-tests

test-wasi-suite: $(CHIBI)
	CHIBI_RUN_FLAGS="$(WASI_RUN_FLAGS)" sh wasi/run-wasi-testsuite.sh $(CHIBI) $(WASI_SUITE)

test-wasi: test-wasi-unit test-wasi-guests test-wasi-suite

test-wasi-real: $(CHIBI)
	sh tools/apt-source-test.sh
	sh wasi/tests/cxx-eh.sh $(CHIBI) $(BUILD)/wasi-real/cxx-eh
	CHIBI_RUN_FLAGS="$(WASI_RUN_FLAGS)" sh wasi/tests/real-world.sh $(CHIBI) $(BUILD)/wasi-real
	sh bench/tailcall/run.sh --check $(CHIBI)
