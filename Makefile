# smena: `make run` sets up and runs the demo; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# pyenv's shims answer `command -v` without working, so its real 3.12 comes first.
BENCH_PYTHON ?= $(shell ls -d $$HOME/.pyenv/versions/3.12*/bin/python 2>/dev/null | tail -1 || true)
ifeq ($(BENCH_PYTHON),)
BENCH_PYTHON := python3.12
endif

.PHONY: run test lint bench-env setup

# The product alone for `run` (quicker on a fresh machine); with the test tools for `test`.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --compile -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet --compile -e '.[dev]'
	touch $@

setup: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(VENV)/bin/smena demo

test: setup
	bash scripts/test

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy app scheduling kpi
	$(VENV)/bin/lint-imports

# A separate Python 3.12 environment for the peer libraries the benchmarks compare against.
bench-env:
	$(BENCH_PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --compile -e . -r benchmarks/requirements.txt
