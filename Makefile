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

APT_PACKAGES := cmake ninja-build g++ libsundials-dev libeigen3-dev libhdf5-dev hdf5-tools \
  libgtest-dev libyaml-cpp-dev libcli11-dev python3-venv python3-dev
PY_PACKAGES := "numpy>=1.24" "h5py>=3.7" "xarray>=2023.1" "h5netcdf>=1.1" "netCDF4>=1.6" \
  "matplotlib>=3.6" "pytest>=7.2" "pyyaml>=6"

.PHONY: all deps venv build demo test validate-benchmarks bench format clean

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
.venv-stamp: Makefile | deps
	@test -x $(PY) || $(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PY_PACKAGES)
	@touch $@

build: deps venv
	cmake --preset release -DVENOFLOW_PYTHON=$(PY) >/dev/null
	cmake --build --preset release

demo: build
	@mkdir -p results
	$(CLI) run validation/benchmarks/aortic_bifurcation.yaml -o results/demo.h5 --cycles 8

test: build
	ctest --preset release -j2

validate-benchmarks: build
	$(PY) validation/benchmarks/run.py --cli $(CLI) --python $(PY)

bench: build
	$(PY) bench/run_bench.py --build $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build .deps-stamp .venv-stamp
