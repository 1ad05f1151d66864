# Tongban — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TONGBAN_VAR_DIR ?= $(CURDIR)/var
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/tongban

.PHONY: run test lint migrations-check imports pytest-sqlite pytest-postgres bench install test-deps messages clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8 2>/dev/null || true
	@if [ -x $(BIN)/uv ]; then \
	  VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install -q -r requirements.lock && \
	  VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install -q --no-deps -e . ; \
	else \
	  $(BIN)/python -m pip install -q -r requirements.lock && $(BIN)/python -m pip install -q --no-deps -e . ; \
	fi
	@touch $(STAMP)

install: $(STAMP)

## make run: set everything up and serve http://127.0.0.1:8000 with demo data
run: $(STAMP)
	@TONGBAN_DEMO=1 ./scripts/run.sh

## make test: lint, migrations check, import contracts, pytest on SQLite and on PostgreSQL
test: $(STAMP) test-deps lint migrations-check imports pytest-sqlite pytest-postgres

test-deps:
	@./scripts/test-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

migrations-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=. $(BIN)/python -m django makemigrations --check --dry-run

imports: $(STAMP)
	$(BIN)/lint-imports

pytest-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/python -m pytest -q -m "not postgres"

pytest-postgres: $(STAMP)
	DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q

## make bench: run the benchmarks in bench/ and print their figures
bench: $(STAMP)
	$(BIN)/python bench/http_floor.py

## make messages: compile the translation catalogues (English) after editing the .po files
messages: $(STAMP)
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache
