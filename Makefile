# Tongban — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export TONGBAN_VAR_DIR ?= $(CURDIR)/var
# Python writes its bytecode caches: each test process and the processes the tests start would otherwise
# compile Django and the platform from source again (some machines set PYTHONDONTWRITEBYTECODE).
unexport PYTHONDONTWRITEBYTECODE
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/tongban

.PHONY: lock run run-region test lint typecheck migrations-check imports pytest-sqlite pytest-postgres pytest-postgres-main \
	pytest-postgres-browser pytest-postgres-cluster screens bench install test-deps messages clean

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

## make run-region: two demo members of the 长三角 region, 上海 on :8000 (var/) and 江苏 on :8001
## (var/member-320000/), joined into one region (docs/operations.md §21.2)
run-region: $(STAMP)
	@TONGBAN_DEMO=1 ./scripts/run-region.sh

## make test: lint, type check, migrations check, import contracts, pytest on SQLite and on PostgreSQL.
## The checks and three pytest processes run side by side (the PostgreSQL pass split in two: the browser
## journeys and the rest), each with its own test database and var dir; each one's output is printed whole
## when it ends. `make test TEST_JOBS=1` runs them one after the other.
TEST_JOBS ?= 7
test: $(DEV_STAMP) test-deps
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target lint typecheck migrations-check imports \
	  pytest-sqlite pytest-postgres-main pytest-postgres-browser pytest-postgres-cluster

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
# concurrent writes of one page's requests), and the tests that reach no database of the pass (marked
# `nodb` by tests/conftest.py) once, on SQLite: docs/adr/0009. Each pass has its own var dir.
pytest-sqlite: $(DEV_STAMP)
	env -u DATABASE_URL TONGBAN_VAR_DIR=$(CURDIR)/var/test-sqlite \
	  $(BIN)/python -m pytest -q -m "not postgres and not e2e"

## make pytest-postgres: the PostgreSQL pass in one process (make test splits it in two)
PG_PYTEST = DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest -q
pytest-postgres: $(DEV_STAMP)
	TONGBAN_VAR_DIR=$(CURDIR)/var/test-postgres $(PG_PYTEST) -m "not nodb"

pytest-postgres-main: $(DEV_STAMP)
	TONGBAN_VAR_DIR=$(CURDIR)/var/test-postgres $(PG_PYTEST) -m "not nodb and not e2e and not cluster"

# The 长三角 tests: several deployments side by side, each its own database, server and worker (docs/adr/0011).
pytest-postgres-cluster: $(DEV_STAMP)
	TONGBAN_VAR_DIR=$(CURDIR)/var/test-cluster $(PG_PYTEST) -m "cluster"

pytest-postgres-browser: $(DEV_STAMP)
	TONGBAN_VAR_DIR=$(CURDIR)/var/test-browser $(PG_PYTEST) -m "e2e"

## make screens: the browser journeys again, keeping every screenshot in test-artifacts/screens/ to look at
screens: $(DEV_STAMP)
	TONGBAN_VAR_DIR=$(CURDIR)/var/test-browser TONGBAN_E2E_SCREENS=1 $(PG_PYTEST) -m "e2e"

## make bench: run the benchmarks in bench/ and print their figures
bench: $(DEV_STAMP)
	$(BIN)/python bench/http_floor.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/licences_verify.py
	$(BIN)/python bench/licences_import.py
	$(BIN)/python bench/seals.py
	$(BIN)/python bench/frontdesk_calls.py
	$(BIN)/python bench/frontdesk_calls_http.py
	$(BIN)/python bench/frontdesk_day.py
	$(BIN)/python bench/ratings_http.py
	$(BIN)/python bench/ratings_burst.py
	$(BIN)/python bench/supervision.py
	$(BIN)/python bench/federation.py

## make messages: compile the translation catalogs (English) after editing the .po files
messages: $(DEV_STAMP)
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache
