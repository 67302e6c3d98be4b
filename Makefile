# The README's commands. `make run` sets up and opens the explorer; `make test` runs the tests.
SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)
# Tests read real datasets from here; `make test` supplies MovieLens-100K where it is absent.
USERLLM_TEST_DATA ?= $(shell if [ -d ../shared/data ]; then cd ../shared/data && pwd; else echo $(CURDIR)/.testdata; fi)
export USERLLM_TEST_DATA
# OpenBLAS 0.3.21 falls back to slow generic kernels on CPUs newer than itself (see
# Sources/Tensor/Kernels/BLASRuntime.swift); the programs fix that themselves, tests here.
OPENBLAS_CORETYPE ?= $(shell scripts/openblas-coretype.sh)
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif

.PHONY: run test test-python deps test-deps build test-data bench results results-smol clean

run: deps build
	$(BIN)/userllm data fetch movielens
	$(BIN)/userllm-tui --dataset movielens

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build:
	$(SWIFT) build -c $(CONFIG)

test: test-deps test-data
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build --disable-swift-testing
	$(MAKE) --no-print-directory interop-check
	$(MAKE) --no-print-directory test-python

# The PyTorch trainer's own tests (python/tests): torchrun with gloo on localhost, 2
# processes against 1, a killed worker resuming. About a minute on 2 cores.
test-python:
	cd python/tests && /usr/bin/python3 -m unittest discover -s . -v

# Where $(USERLLM_TEST_DATA)/movielens-100k is missing, take MovieLens-100K from the
# pinned recbole wheel (../shared/data absent: into .testdata/).
test-data:
	@scripts/test-data.sh

bench: build
	$(BIN)/userllm bench engine

# The README's results tables: trains and evaluates every model they need (~1 h on 2 cores).
results: deps build
	scripts/results.sh

# The same tables with SmolLM2-135M-Instruct as the LLM (`smol` preset; 200 users, 10 beams).
results-smol: deps build
	$(BIN)/userllm model fetch smollm2-135m
	PRESET=smol scripts/results.sh

clean:
	rm -rf .build .testdata

# Interop: a file the Swift engine writes loads with Python's reference `safetensors`.
interop-check:
	/usr/bin/python3 Tools/reference/check_swift_safetensors.py

# Regenerate the committed reference fixtures (Debian python3-torch + pip safetensors).
reference-fixtures:
	/usr/bin/python3 Tools/reference/make_safetensors_fixtures.py
	/usr/bin/python3 Tools/reference/golden.py
	/usr/bin/python3 Tools/reference/golden_userllm.py
