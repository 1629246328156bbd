# topoeuler: `make bench` (the quick comparison suite, ECC/ECT vs giotto-tda features, on real
# offline data -> reports/) and `make test`.
# Everything is installed into .venv/ at the repository root, against constraints.txt.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# The constraints actually used: constraints.txt with torch pinned to the one in the venv.
PINS    := $(VENV)/constraints.txt
CU_SRCS := $(shell find csrc -name '*.cu')
export MAX_JOBS ?= 2
# The compiler's output (warnings) goes to build/compile.log and is printed only when the build
# fails; `make VERBOSE=1 ...` shows it as it comes.
VERBOSE ?= 0
ifeq ($(VERBOSE),0)
QUIET_BUILD = > build/compile.log 2>&1 || { cat build/compile.log; exit 1; }
PIP_VERBOSE =
else
QUIET_BUILD =
PIP_VERBOSE = -v
endif

.PHONY: install build bench bench-comparison-full bench-kernels bench-full test nvcc-check clean

install: $(STAMP)

# Idempotent: reuses the venv and keeps a torch already installed in it (e.g. a CUDA build);
# otherwise installs torch==2.13.0. The extension builds against that torch (no build isolation).
$(STAMP): pyproject.toml setup.py constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -c constraints.txt torch==2.13.0
	sed "s/^torch==.*/torch==$$($(BIN)/python -c 'import torch; print(torch.__version__)')/" constraints.txt > $(PINS)
	$(BIN)/pip install -c $(PINS) "setuptools>=77" wheel ninja
	@mkdir -p build
	$(BIN)/pip install $(PIP_VERBOSE) -c $(PINS) --no-build-isolation -e ".[bench,graph,simplicial,test,topology]"
	$(BIN)/pip install -c $(PINS) --no-deps topomodelx==0.0.1  # its pyg-nightly would replace torch-geometric
	touch $(STAMP)

# Rebuilds the compiled kernels when csrc/ or setup.py is newer than the extension (the
# editable install above has just built it: a fresh machine compiles once).
build: $(STAMP)
	@mkdir -p build
	@so=$$(ls plugin/topoeuler/_C*.so 2>/dev/null | head -n 1); \
	if [ -z "$$so" ] || [ -n "$$(find csrc setup.py -newer "$$so" -print -quit)" ]; then \
	  echo "compiling the extension (output: build/compile.log; make VERBOSE=1 shows it)"; \
	  $(BIN)/python setup.py -q build_ext --inplace $(QUIET_BUILD); \
	fi

# The comparison suite (`topoeuler bench`, configs/bench/): quick -> reports/, full -> benchmarks/results/comparison/.
bench: build
	$(BIN)/python -m topoeuler.cli bench suite=quick

bench-comparison-full: build
	$(BIN)/python -m topoeuler.cli bench suite=full

# The kernel benchmarks (benchmarks/run.py, configs/bench/kernels/): quick -> reports/, full -> benchmarks/results/cpu.md.
bench-kernels: build
	$(BIN)/python benchmarks/run.py --quick --out reports/benchmarks.md

bench-full: build
	$(BIN)/python benchmarks/run.py --out benchmarks/results/cpu.md

test: build
	$(BIN)/python -m pytest -q

# Compile-checks every CUDA kernel for sm_80 and sm_90 (no GPU needed), and type-checks the
# CUDA branches of csrc/bindings.cpp against torch's headers (a CPU torch lacks one generated
# header, cuda_cmake_macros.h: an empty stand-in is searched after torch's own).
CUDA_HOME ?= /usr/local/cuda
nvcc-check: $(STAMP)
	@for f in $(CU_SRCS); do \
	  echo "nvcc -c $$f"; \
	  nvcc -c -std=c++17 -O3 --fmad=false -Icsrc -gencode arch=compute_80,code=sm_80 \
	       -gencode arch=compute_90,code=sm_90 -o /tmp/topoeuler_nvcc_check.o $$f || exit 1; \
	done
	@echo "g++ -fsyntax-only -DTOPOEULER_WITH_CUDA csrc/bindings.cpp"
	@mkdir -p build/cuda-stub/c10/cuda/impl && echo '#pragma once' > build/cuda-stub/c10/cuda/impl/cuda_cmake_macros.h
	@g++ -std=c++17 -fsyntax-only -w -DTOPOEULER_WITH_CUDA -DTORCH_EXTENSION_NAME=_C -Icsrc \
	    $$($(BIN)/python -c "import sysconfig, torch.utils.cpp_extension as c; \
	       print(' '.join('-I' + p for p in c.include_paths() + [sysconfig.get_paths()['include']]))") \
	    -I$(CUDA_HOME)/include -Ibuild/cuda-stub csrc/bindings.cpp

clean:
	rm -rf build plugin/topoeuler/*.so plugin/*.egg-info
