# shim/shim.mk - containerd-shim-chibi-v1, included by the top Makefile.
#
#   make shim          build $(BUILD)/containerd-shim-chibi-v1 and its task runner
#                      $(BUILD)/containerd-shim-chibi-v1-task (also part of `make` when
#                      protoc-c exists)
#   make test-shim     Criterion unit tests + end-to-end run against a private containerd (root)
#   make install-shim  install both binaries into $(DESTDIR)$(PREFIX)/bin (side by side: the
#                      shim execs the runner from its own directory)
#
# protobuf-c code is generated from shim/proto/*.proto into $(BUILD)/shim/proto by the one rule
# below; it is never committed or edited.  Needs protoc, protoc-c (protoc-gen-c), libprotobuf-c-dev.

PREFIX        ?= /usr/local
SHIM          := $(BUILD)/containerd-shim-chibi-v1
SHIM_GEN      := $(BUILD)/shim/proto
SHIM_PROTOS   := $(sort $(wildcard shim/proto/*.proto shim/proto/*/*.proto shim/proto/*/*/*.proto))
SHIM_PB_C     := $(patsubst shim/proto/%.proto,$(SHIM_GEN)/%.pb-c.c,$(SHIM_PROTOS))
SHIM_PB_OBJ   := $(SHIM_PB_C:.c=.o)
# The daemon and the task runner share no code: the runner is the engine plus child.c.
SHIM_TASK_SRC := shim/runner.c shim/task/child.c
SHIM_TASK_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SHIM_TASK_SRC))
SHIM_TASK     := $(BUILD)/containerd-shim-chibi-v1-task
SHIM_SRC      := $(filter-out %_test.c $(SHIM_TASK_SRC),\
		   $(wildcard shim/*.c shim/ttrpc/*.c shim/task/*.c))
SHIM_OBJ      := $(patsubst %.c,$(BUILD)/%.o,$(SHIM_SRC))
SHIM_TEST_SRC := $(wildcard shim/*_test.c shim/ttrpc/*_test.c shim/task/*_test.c)
SHIM_TEST_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(SHIM_TEST_SRC))
# The shim reads config.json with util/'s JSON reader (shared with the CLI, which sits beside
# the shim, not below it); the reader grows its arrays with vm/alloc.c's VM_GROW.
SHIM_SHARED   := $(UTIL_OBJ) $(BUILD)/vm/alloc.o
SHIM_LIBS     := -lprotobuf-c -lpthread

.PHONY: shim test-shim install-shim
shim: $(SHIM) $(SHIM_TASK)
ifneq ($(shell command -v protoc-gen-c 2>/dev/null),)
all: $(SHIM) $(SHIM_TASK)
endif

# One protoc run writes every .pb-c.c/.h; the stamp stands for all of them.
$(SHIM_GEN)/.stamp: $(SHIM_PROTOS)
	@mkdir -p $(SHIM_GEN)
	protoc -Ishim/proto --c_out=$(SHIM_GEN) $(SHIM_PROTOS)
	@touch $@

$(SHIM_PB_C): $(SHIM_GEN)/.stamp

$(SHIM_GEN)/%.pb-c.o: $(SHIM_GEN)/%.pb-c.c
	$(CC) $(CPPFLAGS) -I$(SHIM_GEN) $(CFLAGS) -c $< -o $@

$(SHIM_OBJ) $(SHIM_TEST_OBJ) $(SHIM_TASK_OBJ): CPPFLAGS += -I$(SHIM_GEN) -Iwasi
$(SHIM_OBJ) $(SHIM_TEST_OBJ): | $(SHIM_GEN)/.stamp

# Both are linked static-pie: containerd runs two processes per container (the serving shim
# and the task runner), and with libc.so, ld.so and libprotobuf-c.so mapped each one's
# resident set was ~2.3-2.5 MB, ~1.6 MB of it shared-library pages; static, each touches only
# the libc and protobuf-c code it calls.  Split in two binaries, neither maps the other's code
# (docs/RATIONALE.md has the figures).  PIE keeps ASLR.  Sanitizer builds need the dynamic
# runtime.
SHIM_STATIC   ?= $(if $(SAN),,-static-pie)
$(SHIM): $(SHIM_OBJ) $(SHIM_PB_OBJ) $(SHIM_SHARED) $(call link_order_file,containerd-shim-chibi-v1)
	$(CC) $(LDFLAGS) $(SHIM_STATIC) $(call link_order,containerd-shim-chibi-v1) -o $@ \
		$(SHIM_OBJ) $(SHIM_PB_OBJ) $(SHIM_SHARED) $(SHIM_LIBS)
# The runner writes its start-path steps to containerd's log in the daemon's format (log.o).
$(SHIM_TASK): $(SHIM_TASK_OBJ) $(BUILD)/shim/log.o $(LIBCHIBI) \
	      $(call link_order_file,containerd-shim-chibi-v1-task)
	$(CC) $(LDFLAGS) $(SHIM_STATIC) $(call link_order,containerd-shim-chibi-v1-task) -o $@ \
		$(SHIM_TASK_OBJ) $(BUILD)/shim/log.o $(LIBCHIBI) $(CHIBI_LDLIBS)

$(BUILD)/shim_tests: $(SHIM_TEST_OBJ) $(filter-out $(BUILD)/shim/main.o,$(SHIM_OBJ)) \
		     $(SHIM_PB_OBJ) $(SHIM_SHARED)
	$(CC) $(LDFLAGS) -o $@ $^ -lcriterion $(SHIM_LIBS)

# A ttrpc client for e2e.sh: Update (ctr 1.6 has no `task update`) and malformed frames.
SHIM_POKE     := $(BUILD)/shim_poke
SHIM_POKE_OBJ := $(BUILD)/shim/tests/ttrpc_poke.o $(BUILD)/shim/ttrpc/frame.o \
		 $(BUILD)/shim/ttrpc/client.o
$(BUILD)/shim/tests/ttrpc_poke.o: CPPFLAGS += -I$(SHIM_GEN)
$(BUILD)/shim/tests/ttrpc_poke.o: | $(SHIM_GEN)/.stamp
$(SHIM_POKE): $(SHIM_POKE_OBJ) $(SHIM_PB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(SHIM_LIBS)

# e2e.sh needs root, containerd, ctr and runc; it skips (exit 0 with a note) without them.
test-shim: $(SHIM) $(SHIM_TASK) $(BUILD)/shim_tests $(SHIM_POKE) $(CHIBI)
	$(call WATCHED,shim-unit) $(BUILD)/shim_tests $(CRITERION_ARGS)
	BUILD=$(BUILD) shim/tests/e2e.sh

# The shim under load and faults (issue 18), a campaign rather than a test: containers back to
# back and many at once with no leak, SIGKILLs of the shim, the task runner and containerd, a
# full state directory, a missing runner (shim/tests/soak.sh; SOAK_SEQ, SOAK_PAR, SOAK_KILLS,
# SOAK_CD_KILLS size it; e2e.sh runs 6 containerd kills and 20 failing creates of its own).
.PHONY: soak-shim
soak-shim: $(SHIM) $(SHIM_TASK) $(CHIBI)
	BUILD=$(abspath $(BUILD)) shim/tests/soak.sh

install-shim: $(SHIM) $(SHIM_TASK)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(SHIM) $(DESTDIR)$(PREFIX)/bin/containerd-shim-chibi-v1
	install -m 0755 $(SHIM_TASK) $(DESTDIR)$(PREFIX)/bin/containerd-shim-chibi-v1-task

# The Kubernetes path: the CRI e2e (shim/tests/cri) against containerd 1.6, 1.7 and 2.1 and the
# ctr e2e against 1.7 and 2.1, one containerd at a time.  1.7 and 2.1 come from Debian 13 and
# unstable through tools/debian-pkg.sh, cached under $(BUILD)/debian; the test skips (exit 0,
# SKIP) only when that archive is unreachable.  Root, like test-shim.
.PHONY: test-cri
test-cri: $(SHIM) $(SHIM_TASK) $(SHIM_POKE) $(CHIBI)
	BUILD=$(BUILD) shim/tests/cri/run-all.sh

# Pod start latency and sequential pods/s through CRI, chibi pods beside runc pods (a static
# native hello) on the same containerd in the same run, per release (bench/README.md).
.PHONY: bench-cri
bench-cri: $(SHIM) $(SHIM_TASK) $(CHIBI)
	@for v in $(or $(CRI_VERSIONS),1.6 1.7 2.1); do \
		echo "== containerd $$v"; \
		CRI_BENCH=1 CONTAINERD=$$v BUILD=$(BUILD) shim/tests/cri/e2e.sh | \
			grep -E '^(containerd|bench:|FAIL|SKIP)' || exit 1; \
	done
