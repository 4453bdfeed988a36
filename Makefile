# Two commands: `make demo` (set up, index the example repo, review an example proposal) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
EXAMPLE_REPO := examples/homelab
PROPOSAL ?= examples/proposals/redis-for-authentik.md

.PHONY: setup setup-test demo test check lint eval eval-record bench bench-tui screenshot cassettes clean catalog

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

# lint, the offline eval suite and a benchmark smoke, then the tests (pytest's summary is the last line)
test: setup-test lint eval
	$(BIN)/python bench/bench.py --quick
	$(BIN)/pytest -q -p no:cacheprovider

# the fast loop while developing: lint and every test but the slow ones (`make test` runs them all, as CI does)
check: setup-test lint
	$(BIN)/pytest -q -p no:cacheprovider -m "not slow"

eval: setup
	ASSISTANT_INDEX_DIR=.assistant-eval $(BIN)/assistant index --repo $(EXAMPLE_REPO)
	ASSISTANT_INDEX_DIR=.assistant-eval $(BIN)/assistant eval --offline --format junit --output eval-report.xml
	@echo "eval: offline suite passed (eval-report.xml)"
	ASSISTANT_INDEX_DIR=.assistant-none ASSISTANT_REPO=$(EXAMPLE_REPO) $(BIN)/assistant eval evals/llm --cassettes evals/cassettes
	@echo "eval: LLM mode replayed from evals/cassettes"

# Re-record the LLM-mode eval cassettes against the local llama.cpp server (../shared/tools/local-llm).
eval-record: setup
	rm -f evals/cassettes/llm-*.yaml
	eval "$$(../shared/tools/local-llm start)" && ASSISTANT_MAX_TOKENS=700 ASSISTANT_INDEX_DIR=.assistant-none ASSISTANT_REPO=$(EXAMPLE_REPO) \
		$(BIN)/assistant eval evals/llm --cassettes evals/cassettes --record

screenshot: setup
	$(BIN)/assistant index --repo $(EXAMPLE_REPO)
	ASSISTANT_REPO=$(EXAMPLE_REPO) $(BIN)/python -m tui.screenshot docs/tui-main.svg

# Compile the tool catalog from the open datasets beside the checkout (the product never reads ../shared).
catalog: setup
	$(PIP) install -e '.[catalog]'
	$(BIN)/python -m assistant.stack.compile ../shared/data

bench-tui: setup
	$(BIN)/python bench/bench_tui.py

bench: setup
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) .assistant .assistant-eval .assistant-none eval-report.xml .pytest_cache .mypy_cache .ruff_cache

# Re-record the LLM cassettes against the local llama.cpp server (../shared/tools/local-llm).
# vcrpy appends to an existing cassette, so the old recordings go first.
cassettes: setup-test
	rm -f tests/cassettes/*.yaml
	eval "$$(../shared/tools/local-llm start)" && ASSISTANT_RECORD=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_llm_cassettes.py tests/test_tui_stream.py
