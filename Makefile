# Attune: `make try` talks to the bot in the terminal, `make run` starts the bot, `make test`
# runs the whole suite. Each creates .venv and installs on first use (and again when
# pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: try run test lint lock lock-check format bench pictures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.run-installed $@

# The real bot in this terminal, against the local Bot API emulator: no token, no network,
# a throwaway database; /wait moves its clock (README: Try it first).
try: $(VENV)/.run-installed
	$(BIN)/attune try

# Without ATTUNE_DATA_KEY, `make run` is a development run: the data key is kept in a
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

# The image installs $(LOCK): every package pinned by version and hash, resolved from
# pyproject.toml for the image's Python (3.11 on Linux). Run `make lock` after changing the
# dependencies; `make lock-check` (CI) fails while the lock no longer matches them.
LOCK := requirements.lock
COMPILE_LOCK = $(BIN)/uv pip compile pyproject.toml --quiet --python-version 3.11 \
	--python-platform linux --generate-hashes --custom-compile-command "make lock"

lock: $(VENV)/.dev-installed
	$(COMPILE_LOCK) --output-file $(LOCK)

# Resolves again from a copy of the lock, whose pins uv keeps wherever pyproject.toml allows
# them, and compares the pins (not the hashes: PyPI may add wheels to a release later).
lock-check: $(VENV)/.dev-installed
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp $(LOCK) "$$tmp/$(LOCK)" && $(COMPILE_LOCK) --output-file "$$tmp/$(LOCK)" && \
	grep -E '^[A-Za-z0-9]' $(LOCK) > "$$tmp/pinned" && \
	grep -E '^[A-Za-z0-9]' "$$tmp/$(LOCK)" > "$$tmp/resolved" && \
	if diff -u "$$tmp/pinned" "$$tmp/resolved"; then echo "$(LOCK) matches pyproject.toml"; \
	else echo "$(LOCK) does not match pyproject.toml: run make lock"; exit 1; fi

# Performance figures (about 19 minutes; PostgreSQL is included when reachable), the time
# /progress takes to draw its picture, and the requests and rate-limited messages per
# completed check-in, and what sealing costs a tap and /progress.
bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/chart.py
	$(BIN)/python benchmarks/bench_requests.py
	$(BIN)/python benchmarks/bench_keys.py

# The README's example /progress pictures, drawn again into docs/.
pictures: $(VENV)/.run-installed
	$(BIN)/python benchmarks/chart_examples.py

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
