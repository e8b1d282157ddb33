# bench/bench.mk - benchmarks: chibi against native gcc/clang and V8, in one run.
#
#   make bench         full suite: default sizes, 5 runs per cell, plain + bulk-memory wasm,
#                      startup and module preparation, then bench/containers.sh full (chibi
#                      shim vs runc in a private containerd; ~30 min; n/a without root/containerd)
#   make bench-quick   about a tenth of the work, 3 runs, plain wasm only, then
#                      bench/containers.sh quick (a few minutes in all)
#   make bench-containers   only the container section (CONTAINERS_MODE=full or quick)
#   make bench-pods    pods through CRI, chibi vs runc (bench/pods.sh; PODS_MODE=quick)
#   make bench-smoke   every benchmark once under every engine at a tiny size; checks the
#                      checksums only (for `make test`)
#
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--runs 9 --only fib,sort".
# Results: build/bench-results/results.{txt,csv,json} and chart.svg.  The harness builds its
# own kernels under build/bench/ and fetches the Debian sources it needs there.  A missing
# build/chibi only turns the chibi columns into n/a, so the targets try to build it but go on.

PYTHON     ?= python3
BENCH_ARGS ?=
CONTAINERS_MODE ?= full

.PHONY: bench bench-quick bench-smoke bench-chibi bench-shim bench-containers bench-pods

bench-chibi:
	@$(MAKE) --no-print-directory $(CHIBI) || \
	  echo "bench: $(CHIBI) did not build; its columns will be n/a"

# The container section needs the shim too; without it containers.sh only says n/a.
bench-shim:
	@$(MAKE) --no-print-directory shim || \
	  echo "bench: the shim did not build; the container section will be n/a"

# The container section runs even when a kernel cell failed (the failure still decides the
# exit status), so one broken cell does not cost the other half of a long run.
bench: bench-chibi bench-shim
	@rc=0; $(PYTHON) bench/bench.py --mode full $(BENCH_ARGS) || rc=$$?; \
	BUILD=$(BUILD) sh bench/containers.sh $(CONTAINERS_MODE) || rc=$$?; exit $$rc

bench-quick: bench-chibi bench-shim
	@rc=0; $(PYTHON) bench/bench.py --mode quick $(BENCH_ARGS) || rc=$$?; \
	BUILD=$(BUILD) sh bench/containers.sh quick || rc=$$?; exit $$rc

bench-containers: bench-chibi bench-shim
	BUILD=$(BUILD) sh bench/containers.sh $(CONTAINERS_MODE)

# Pods through CRI, chibi vs runc (bench/pods.sh; PODS_MODE=quick).  The script exits 77 when
# root, containerd or the CRI client is missing; it has printed why, so that is no failure here.
bench-pods: bench-chibi bench-shim
	@rc=0; BUILD=$(BUILD) sh bench/pods.sh $(PODS_MODE) || rc=$$?; [ $$rc = 77 ] || exit $$rc

bench-smoke: bench-chibi
	$(PYTHON) bench/bench.py --mode smoke --quiet $(BENCH_ARGS)
