# The two commands of the README:
#   make demo   installs what is missing, builds (release) and runs `omnimeter demo`
#   make test   installs what is missing, builds (release) and runs the whole suite through CTest
# With CI=true, `make test` also builds with -Werror and runs the unit tests under ASan+UBSan.
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

.PHONY: all demo test test-asan deps build configure bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) $(WERROR) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	@$(BUILD)/src/cli/omnimeter demo $(DEMO_ARGS)

# In CI the sanitizer run comes first so that CTest's closing summary is the whole suite's.
test: deps $(if $(filter true,$(CI)),test-asan)
	@cmake --preset $(PRESET) $(WERROR) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps
	@cmake --preset asan $(WERROR) >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ctest --output-on-failure -j $(JOBS) -L unit --timeout 600

bench: build
	@for b in $(BUILD)/bench/*/*_bench; do echo "== $$b"; $$b; done

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

clean:
	rm -rf build
