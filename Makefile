# venoflow: set-up, build, demo, tests. Every target installs what it needs on a fresh
# Debian 12 machine (as root): Debian packages for C++, PyPI packages into ./.venv.
# Python is always the venv's interpreter, named explicitly: $(PY).

SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
BUILD := $(ROOT)/build/release
CLI := $(BUILD)/venoflow
# pyenv's python3 reaches PyPI; /usr/bin/python3 is Debian's (PEP 668). Only used to make the venv.
BOOTSTRAP_PYTHON ?= $(shell command -v python3 || echo /usr/bin/python3)

APT_PACKAGES := cmake ninja-build g++ libsundials-dev libhdf5-dev hdf5-tools \
  libgtest-dev libyaml-dev libcli11-dev python3-venv python3-dev \
  clang-14 libclang-rt-14-dev
# Python packages: pyproject.toml is the one list (runtime deps, build backend, test and notebook
# extras), printed by python/tools/requirements.py.
PY_GROUPS := build test notebook
# The venv's site-packages: a .pth file there puts python/ on sys.path (developer install).
SITE = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: all deps venv develop build demo test validate validate-benchmarks validate-physiology bench bench-python format clean

all: build

# Install missing Debian packages (once; the stamp records the package list).
deps: .deps-stamp
.deps-stamp: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi
	@touch $@

venv: .venv-stamp
.venv-stamp: Makefile pyproject.toml | deps
	@test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) python/tools/requirements.py $(PY_GROUPS) | $(PY) -m pip install -q -r /dev/stdin
	@touch $@

# Developer install of the Python package into .venv: the plain CMake build (make build) writes
# the extension in place into python/venoflow/, and a .pth file puts python/ on the venv's path,
# so `import venoflow` always sees the working tree (no reinstall after edits; `make build`
# after C++ changes). Also registers the venv as the Jupyter kernel "venoflow".
# (Alternative: `.venv/bin/python -m pip install --no-build-isolation -e .`, see README.)
develop: build
	@echo "$(ROOT)/python" > "$(SITE)/venoflow-dev.pth"
	$(PY) -c 'import venoflow, sys; print("venoflow", venoflow.__version__, "from", venoflow.__file__)'
	@$(PY) -m ipykernel install --sys-prefix --name venoflow --display-name "Python (venoflow)" >/dev/null

build: deps venv
	cmake --preset release -DVENOFLOW_PYTHON=$(PY) >/dev/null
	cmake --build --preset release

demo: build
	@mkdir -p results
	$(CLI) run models/scenarios/healthy_supine.yaml -o results/healthy_supine.h5
	$(CLI) run models/scenarios/ijv_R_stenosis_75.yaml -o results/ijv_R_stenosis_75.h5
	@echo; echo "Change of the perfusion and outflow metrics, healthy supine -> 75 % right IJV stenosis:"
	$(CLI) compare results/healthy_supine.h5 results/ijv_R_stenosis_75.h5 \
	  --only cbf,cpp,icp_mean,icp_pulse,sinus_pressure,cerebral_venous_pressure,capillary_pressure,outflow_,csa_IJV_R,pressure_drop_

# C++ tests and the pytest suite (tests/python, run by ctest with .venv/bin/python).
test: develop
	ctest --preset release -j2

.PHONY: test-asan fuzz-build fuzz-smoke fuzz

# The same suite under AddressSanitizer + UBSan, both fatal, with libstdc++ assertions (preset
# debug, build/debug; the test preset sets ASAN/LSAN/UBSAN_OPTIONS: malloc returns NULL when it
# cannot allocate, as without ASan; tests/sanitizers/lsan.supp). The C++ tests and the command-line program are instrumented; that build
# has no Python module, so the Python-API tests import the one of the developer install (make
# test builds it first), which is not.
test-asan: deps venv
	cmake --preset debug -DVENOFLOW_PYTHON=$(PY) >/dev/null
	cmake --build --preset debug
	ctest --preset debug -j2

# libFuzzer harness of the model loader (fuzz/README.md): clang-14, preset fuzz, build/fuzz.
FUZZER := $(ROOT)/build/fuzz/fuzz/model_loader_fuzzer
FUZZ_FLAGS := -dict=fuzz/venoflow.dict -timeout=10 -rss_limit_mb=2048
FUZZ_SMOKE_SECONDS ?= 60
FUZZ_SECONDS ?= 3600
FUZZ_JOBS ?= 1

fuzz-build: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz

# CI: the reproducers of past findings (fuzz/findings/) must pass, then FUZZ_SMOKE_SECONDS from
# the seed corpus with a fixed seed; any finding fails (the input is kept in
# build/fuzz/smoke/findings/, the log in build/fuzz/smoke/log).
fuzz-smoke: fuzz-build
	@rm -rf build/fuzz/smoke && mkdir -p build/fuzz/smoke/corpus build/fuzz/smoke/findings
	@$(FUZZER) fuzz/findings/*.yaml >build/fuzz/smoke/log 2>&1 || { tail -n 80 build/fuzz/smoke/log; \
	  echo "fuzz-smoke: a past finding (fuzz/findings/) fails again"; exit 1; }
	@echo "fuzz-smoke: $(FUZZ_SMOKE_SECONDS) s of $(FUZZER)"
	@$(FUZZER) $(FUZZ_FLAGS) -seed=1 -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=build/fuzz/smoke/findings/ build/fuzz/smoke/corpus fuzz/corpus \
	  >build/fuzz/smoke/log 2>&1 || { tail -n 80 build/fuzz/smoke/log; \
	  echo "fuzz-smoke: FINDING in build/fuzz/smoke/findings/ (reproduce: fuzz/README.md)"; exit 1; }
	@grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' build/fuzz/smoke/log

# Long run (FUZZ_SECONDS, FUZZ_JOBS processes): grows build/fuzz/corpus and goes on after a
# finding; every finding is written to build/fuzz/findings/.
fuzz: fuzz-build
	mkdir -p build/fuzz/corpus build/fuzz/findings
	$(FUZZER) $(FUZZ_FLAGS) -fork=$(FUZZ_JOBS) -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
	  -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build/fuzz/findings/ build/fuzz/corpus fuzz/corpus

validate: validate-benchmarks validate-physiology

validate-physiology: build
	$(PY) validation/physiology/run.py --cli $(CLI)

validate-benchmarks: build
	$(PY) validation/benchmarks/run.py --cli $(CLI) --python $(PY)

bench: develop
	$(PY) bench/run_bench.py --build $(BUILD)
	$(PY) bench/cerebral_speed.py --build $(BUILD)

# Python-layer throughput: sweep with 2 workers vs 1, and Python overhead per variant.
bench-python: develop
	$(PY) bench/python_sweep.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build .deps-stamp .venv-stamp
