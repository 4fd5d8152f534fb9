# mamori — a thin front for CMake. See README.md.
#
#   make            build (build/)
#   make demo       install what is missing, build, scan the bundled demo evidence
#   make test       install what is missing, build, run every test (ctest)
#   make asan       the whole suite under AddressSanitizer + UBSan (build-asan/)
#   make fuzz       build the libFuzzer targets with clang (build-fuzz/)
#   make bench      benchmarks against peer tools (bench/*.sh)
#   make eval       evaluation against ../shared/corpus (skips if absent)
#
# WERROR=1 turns warnings into errors (CI sets it). JOBS sets parallelism.

# The tests and generators use Debian's python3 packages (scapy, yaml,
# jsonschema, docker), which only Debian's own python3 sees: put /usr/bin
# ahead of any pyenv/virtualenv shims.
export PATH := /usr/bin:$(PATH)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
WERROR ?= 0
CMAKE_FLAGS = -DMAMORI_WERROR=$(if $(filter 1,$(WERROR)),ON,OFF)
CTEST_FLAGS ?= --output-on-failure

.PHONY: all build deps deps-bench demo test asan fuzz bench eval clean

all: build

deps:
	@scripts/install-deps.sh test

deps-bench:
	@scripts/install-deps.sh bench

build/CMakeCache.txt:
	cmake -S . -B build $(CMAKE_FLAGS)

build: build/CMakeCache.txt
	@cmake -S . -B build $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j $(JOBS)

demo: deps build
	@demo/run.sh build/src/cli/mamori

test: deps build
	cd build && ctest -j $(JOBS) $(CTEST_FLAGS)

asan: deps
	cmake -S . -B build-asan -DMAMORI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest -j $(JOBS) $(CTEST_FLAGS)

fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DMAMORI_FUZZ=ON -DMAMORI_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS)
	@echo "fuzz targets: $$(ls build-fuzz/fuzz/fuzz_* 2>/dev/null | tr '\n' ' ')"
	@echo "run one: build-fuzz/fuzz/fuzz_<parser> fuzz/corpus/<parser>"

bench: deps-bench build
	@bench/run-all.sh build/src/cli/mamori

eval: deps build
	@tests/eval/run-all.sh build/src/cli/mamori

clean:
	rm -rf build build-asan build-fuzz
