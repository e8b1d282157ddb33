# tools/limits.mk - `make test-limits` (part of `make test`): the resource limits of
# `chibi run` checked in the interpreter and the JIT alike (tools/limits-test.sh: deep
# recursion, --fuel, --timeout inside blocking WASI calls, --max-memory, 100,000 opens,
# huge iovec counts, large data segments).  Needs wat2wasm (wabt).
TEST_COMPONENTS += test-limits
.PHONY: test-limits
test-limits: $(CHIBI)
	sh tools/limits-test.sh $(CHIBI)
