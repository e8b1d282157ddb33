# chibi - one hand-written build for the library, the CLI, the shim, tests, spec runs,
# sanitizer builds, fuzzing and benchmarks.
#
#   make              build build/chibi
#   make test         everything CI runs: unit tests, spec suite, WASI suite, sanitizer pass
#   make unit | spec | asan | fuzz | bench
#
# BUILD selects the output folder, so sanitizer builds never mix with the release build.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
           -Wno-unused-parameter -Wno-sign-compare -Wimplicit-fallthrough
CPPFLAGS += -D_GNU_SOURCE -Iinclude -MMD -MP
CFLAGS  := -std=c11 $(OPT) $(SAN) $(WARN) $(EXTRA_CFLAGS)
LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)
LDLIBS  := -lz -lm -lpthread

VM_SRC    := $(filter-out %_test.c,$(wildcard vm/*.c))
WASI_SRC  := $(filter-out %_test.c,$(wildcard wasi/*.c))
CLI_SRC   := $(filter-out %_test.c,$(wildcard cli/*.c))
UNIT_SRC  := $(wildcard vm/*_test.c wasi/*_test.c cli/*_test.c)

LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(VM_SRC) $(WASI_SRC))
CLI_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
UNIT_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC))

CHIBI     := $(BUILD)/chibi
LIBCHIBI  := $(BUILD)/libchibi.a

.PHONY: all clean test unit spec asan fuzz deps example
all: $(CHIBI)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBCHIBI): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CHIBI): $(CLI_OBJ) $(LIBCHIBI)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBCHIBI) $(LDLIBS)

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
-include wasi/wasi.mk shim/shim.mk bench/bench.mk

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
