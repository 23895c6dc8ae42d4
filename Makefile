# junkai — convenience targets over CMake/CTest (see README.md).
#   make          build (build/junkai)
#   make demo     install dependencies, build, patrol the bundled demo sources
#                 served on loopback (demo/run.sh) into ./demo-data, then
#                 serve the workbench on 127.0.0.1:8080 until Ctrl-C
#   make check    install dependencies, build and run every test: the
#                 sanitizer build (ASan+UBSan) and short fuzz runs first,
#                 then the full suite of the release build (its ctest summary
#                 is the last line of output)
#   make bench    the throughput benchmark against ripgrep and grep
#   make fuzz     longer fuzz runs (FUZZ_SECONDS each, default 300)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-print-directory
FUZZ_SECONDS ?= 300
SMOKE_FUZZ_SECONDS ?= 15

.PHONY: all deps build demo check test asan fuzz-build fuzz-smoke fuzz bench clean format

all: build

deps:
	@./scripts/install-deps.sh

build:
	@cmake --preset default >/dev/null
	@cmake --build build -j$(JOBS)

demo: deps build
	@./demo/run.sh demo-data
	@echo "== the workbench: open http://127.0.0.1:8080/ and log in as demo-supervisor"
	@echo "   (password junkai-demo); Ctrl-C stops it"
	@./build/junkai serve --data demo-data

test: build
	@cd build && ctest --output-on-failure -j$(JOBS)

asan:
	@cmake --preset asan >/dev/null
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -E bench_smoke -LE slow

fuzz-build:
	@cmake --preset fuzz >/dev/null
	@cmake --build build-fuzz -j$(JOBS)

fuzz-smoke: fuzz-build
	@./scripts/fuzz.sh $(SMOKE_FUZZ_SECONDS)

fuzz: fuzz-build
	@./scripts/fuzz.sh $(FUZZ_SECONDS)

check: deps asan fuzz-smoke test

bench: deps build
	@./bench/run.sh

clean:
	rm -rf build build-asan build-fuzz build-clang

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
