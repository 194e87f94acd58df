# Everything a fresh machine with only python3 needs: `make test` and `make demo`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check llmclient tests examples benchmarks
	$(BIN)/ruff format --check llmclient tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict llmclient examples

pytest: $(STAMP)
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/llmclient demo

bench: $(STAMP)
	$(BIN)/python benchmarks/stream_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
