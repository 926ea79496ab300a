# Thin wrapper over CMake. `make` builds, `make serve` runs, `make test` runs the tests twice
# (RelWithDebInfo, then ASan+UBSan; `make test SANITIZE=0` skips the second pass).
# `make fuzz` builds the libFuzzer targets with clang in build-fuzz/ and runs each one for
# FUZZ_SECONDS; it is not part of `make test`.
# `make bench` runs the benchmarks (bench/run) and writes bench/results/<date>.md.

# `make serve` builds only the `serving` target (the server and the TorchScript worker) and
# installs only what that needs; `make test` builds and installs everything.
HOST ?= 127.0.0.1
PORT ?= 8080
SANITIZE ?= 1
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= fuzz_safetensors fuzz_npy fuzz_onnx fuzz_zip fuzz_pickle fuzz_torch_zip \
                fuzz_filter fuzz_range fuzz_oip fuzz_oip_json fuzz_json fuzz_multipart

SHELL := /bin/bash

# The sanitizer pass leaves out the slow tests, and the suites that drive the same C++ paths
# through other clients (the browser, the Python clients, the scale-out setup).
ASAN_SKIP_LABELS := slow|browser|python|scaleout

# ccache (when installed) keys objects by paths relative to the checkout, so that a clone in
# another folder (CI's) reuses what any other clone compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
.DEFAULT_GOAL := build
.PHONY: deps build serve test test-fast test-asan bench fuzz clean

# tests/lsan.supp suppresses only ONNX Runtime's own leak (frames in libonnxruntime.so alone),
# for every test that loads it in-process (the integration servers) or starts a server.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp

# $(call configure,DIR,CMAKE_ARGS): configure DIR unless it already is. A cache without a
# generated build system (a configure that failed) is configured again.
define configure
	@if [ ! -f $(1)/CMakeCache.txt ] || { [ ! -f $(1)/Makefile ] && [ ! -f $(1)/build.ninja ]; }; then \
	  launcher=; \
	  if command -v ccache >/dev/null 2>&1; then launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache; fi; \
	  echo "cmake -S . -B $(1) $(2) $$launcher"; \
	  cmake -S . -B $(1) $(2) $$launcher; \
	fi
endef

define asan_pass
$(call configure,build-asan,-DCMAKE_BUILD_TYPE=Debug -DMV_SANITIZE=ON -DMV_WERROR=ON)
cmake --build build-asan -j$(JOBS)
cd build-asan && $(ASAN_ENV) ctest --output-on-failure --no-tests=error -j2 -LE '$(ASAN_SKIP_LABELS)'
endef

deps:
	scripts/setup-deps

build: deps
	$(call configure,build,-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_WERROR=ON)
	cmake --build build -j$(JOBS)

serve:
	scripts/setup-deps --serve
	$(call configure,build,-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_WERROR=ON)
	cmake --build build -j$(JOBS) --target serving
	mkdir -p data
	@echo "auth is on: the admin token is (or, on the first start, will be) in $(CURDIR)/data/admin-token"
	@echo "  export MODELVAULT_TOKEN=\$$(cat data/admin-token)"
	exec ./build/modelvault serve --data-dir ./data --host $(HOST) --port $(PORT)

test-fast: build
	cd build && ctest --output-on-failure --no-tests=error -j2

test: test-fast
ifeq ($(SANITIZE),0)
	@echo "make: sanitizer pass skipped (SANITIZE=0)"
else
	$(asan_pass)
endif

# Benchmarks (bench/run): installs nginx, wrk and gnuplot, builds build-bench/ and writes
# bench/results/<date>.md, .csv and .svg plots. `make bench BENCH_QUICK=1` is a smoke run.
bench:
	scripts/setup-deps --bench
	$(if $(BENCH_QUICK),MV_BENCH_QUICK=1 )bench/run

# The sanitizer pass alone.
test-asan: deps
	$(asan_pass)

# libFuzzer targets (tests/fuzz); crashes land in build-fuzz/crashes/<target>/.
fuzz:
	scripts/setup-deps --fuzz
	$(call configure,build-fuzz,-DCMAKE_BUILD_TYPE=RelWithDebInfo -DMV_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++)
	cmake --build build-fuzz -j$(JOBS) --target fuzz_all
	tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build build-asan build-fuzz
