# Attune: `make run` starts the bot, `make test` runs the whole suite.
# Both create .venv and install on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.run-installed $@

# Without ATTUNE_DATA_KEY, `make run` is a development run: the notes key is kept in a
# file next to the SQLite database. Production (the container) sets ATTUNE_DATA_KEY.
run: $(VENV)/.run-installed
	ATTUNE_ENV=$${ATTUNE_ENV:-development} $(BIN)/attune run

test: $(VENV)/.dev-installed
	$(BIN)/pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

# Performance figures (about 8 minutes; PostgreSQL is included when reachable).
bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/dispatch.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
