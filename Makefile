# Tongban — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export TONGBAN_VAR_DIR ?= $(CURDIR)/var
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/tongban

.PHONY: lock run test lint typecheck migrations-check imports pytest-sqlite pytest-postgres bench install test-deps messages clean

# Install a lock file into the venv (uv when it can be had, pip otherwise); a stamp skips it next time.
define install_lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.8 2>/dev/null || true
	@if [ -x $(BIN)/uv ]; then \
	  VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install -q -r $(1) && \
	  VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv pip install -q --no-deps -e . ; \
	else \
	  $(BIN)/python -m pip install -q -r $(1) && $(BIN)/python -m pip install -q --no-deps -e . ; \
	fi
endef

$(STAMP): pyproject.toml requirements.lock
	$(call install_lock,requirements.lock)
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(call install_lock,requirements-dev.lock)
	@touch $(DEV_STAMP)

install: $(STAMP)

## make lock: re-pin the dependencies after editing pyproject.toml
lock:
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock -q
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock -q

## make run: set everything up and serve http://127.0.0.1:8000 with demo data
run: $(STAMP)
	@TONGBAN_DEMO=1 ./scripts/run.sh

## make test: lint, type check, migrations check, import contracts, pytest on SQLite and on PostgreSQL
test: $(DEV_STAMP) test-deps lint typecheck migrations-check imports pytest-sqlite pytest-postgres

test-deps:
	@./scripts/test-deps.sh

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

## mypy (django-stubs) on every context's services, selectors, access, facade and locks (pyproject.toml)
typecheck: $(DEV_STAMP)
	PYTHONPATH=.:src $(BIN)/mypy

migrations-check: $(DEV_STAMP)
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=. $(BIN)/python -m django makemigrations --check --dry-run

imports: $(DEV_STAMP)
	$(BIN)/lint-imports

# The browser journeys run once, on PostgreSQL (the production database; the live server's SQLite refuses
# concurrent writes of one page's requests): docs/adr/0009.
pytest-sqlite: $(DEV_STAMP)
	env -u DATABASE_URL $(BIN)/python -m pytest -q -m "not postgres and not e2e"

pytest-postgres: $(DEV_STAMP)
	DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q

## make bench: run the benchmarks in bench/ and print their figures
bench: $(DEV_STAMP)
	$(BIN)/python bench/http_floor.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/licences_verify.py
	$(BIN)/python bench/licences_import.py

## make messages: compile the translation catalogs (English) after editing the .po files
messages: $(DEV_STAMP)
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache
