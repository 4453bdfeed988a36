# Two commands: `make demo` (set up, index the example repo, review an example proposal) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
EXAMPLE_REPO := examples/homelab
PROPOSAL ?= examples/proposals/redis-for-authentik.md

.PHONY: setup setup-test demo test lint bench cassettes clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[test]'
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

demo: setup
	$(BIN)/assistant index --repo $(EXAMPLE_REPO)
	$(BIN)/assistant review --proposal $(PROPOSAL) --format text

lint: setup-test
	$(BIN)/ruff check assistant tui tests bench evals
	$(BIN)/mypy

test: setup-test lint
	$(BIN)/pytest -q -p no:cacheprovider
	$(BIN)/python bench/bench.py --quick

bench: setup
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) .assistant .pytest_cache .mypy_cache .ruff_cache

# Re-record the LLM cassettes against the local llama.cpp server (../shared/tools/local-llm).
cassettes: setup-test
	eval "$$(../shared/tools/local-llm start)" && ASSISTANT_RECORD=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_llm_cassettes.py
