# The two commands of the README:
#   make demo   installs what is missing, builds (release) and runs `omnimeter demo`
#   make test   installs what is missing, builds (release) and runs the whole suite through CTest
# With CI=true, `make test` also builds with -Werror, runs the unit tests under ASan+UBSan and
# runs every fuzz target for a bounded number of executions (ASan+UBSan, clang).
#
# Other targets: build, deps, test-asan, bench, fuzz, format, clean.

PRESET   ?= release
BUILD    := build/$(PRESET)
JOBS     ?= 2
CI       ?=
DEMO_ARGS ?=

ifeq ($(CI),true)
  WERROR := -DOMNI_WERROR=ON
else
  WERROR :=
endif

.PHONY: all demo test test-asan test-fuzz deps build configure bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) $(WERROR) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# The demo backfills this many days of history through the real path (docs/demo.md).
DEMO_HISTORY ?= 35
demo: build
	@$(BUILD)/src/cli/omnimeter demo --history-days $(DEMO_HISTORY) $(DEMO_ARGS)

# In CI the sanitizer run comes first so that CTest's closing summary is the whole suite's.
test: deps $(if $(filter true,$(CI)),test-asan test-fuzz)
	@cmake --preset $(PRESET) $(WERROR) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps
	@cmake --preset asan $(WERROR) >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure -j $(JOBS) -L unit --timeout 600

bench: build
	@for b in $(BUILD)/bench/*/*_bench; do echo "== $$b"; $$b; done

test-fuzz: deps
	@cmake --preset fuzz $(WERROR) >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@cd build/fuzz && ctest --output-on-failure -j $(JOBS) -L fuzz

# Longer fuzzing than CI's: FUZZ_SECONDS per target (default 300).
FUZZ_SECONDS ?= 300
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@for f in build/fuzz/fuzz/*_fuzz; do n=$$(basename $$f _fuzz); echo "== $$n"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/fuzz/corpus/$$n fuzz/corpus/$$n || exit 1; done

clean:
	rm -rf build
