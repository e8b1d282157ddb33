# tools/limits.mk - `make test-limits` (part of `make test`) and `make wasi-fuzz` (below): the resource limits of
# `chibi run` checked in the interpreter and the JIT alike (tools/limits-test.sh: deep
# recursion, --fuel, --timeout inside blocking WASI calls, --max-memory, 100,000 opens,
# huge iovec counts, large data segments).  Needs wat2wasm (wabt).
TEST_COMPONENTS += test-limits
.PHONY: test-limits
test-limits: $(CHIBI)
	sh tools/limits-test.sh $(CHIBI)

# The WASI campaign (not part of `make test`): tools/wasi-fuzz.sh, WASI_FUZZ_SEEDS runs of
# WASI_FUZZ_ITERS random calls each, over planted symlinks out of the preopen, with an
# inotify oracle on the tree outside it.
WASI_FUZZ_SEEDS ?= 40
WASI_FUZZ_ITERS ?= 20000
.PHONY: wasi-fuzz
$(BUILD)/inotify-watch: tools/inotify-watch.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<
wasi-fuzz: $(CHIBI) $(BUILD)/wasi-tests/fuzz.wasm $(BUILD)/inotify-watch
	sh tools/wasi-fuzz.sh $(CHIBI) $(BUILD)/wasi-tests/fuzz.wasm $(BUILD)/inotify-watch \
	  $(WASI_FUZZ_SEEDS) $(WASI_FUZZ_ITERS)
