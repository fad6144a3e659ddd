# Kund's build and test entry points. Everything a target needs it installs itself, so the same
# commands work on a fresh clone, on a developer's machine and in CI (.ci/run calls `make test`).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.kund-installed
NPM_STAMP := node_modules/.package-lock.json

.PHONY: help venv npm demo serve test test-deps lint bench clean distclean

help:
	@echo "make demo    run Kund on http://127.0.0.1:8000 with demo data (SQLite under var/)"
	@echo "make serve   run Kund in production: gunicorn and background workers (README: Running in production)"
	@echo "make test    ruff, then the test suite on SQLite and on a throwaway PostgreSQL"
	@echo "make lint    ruff only"
	@echo "make bench   the benchmarks in bench/"
	@echo "make clean   remove test databases, screenshots and caches (keeps .venv, node_modules, the demo DB)"
	@echo "make distclean   also remove .venv, node_modules and var/"

# The virtualenv is rebuilt only when pyproject.toml changes.
venv: $(VENV_STAMP)
$(VENV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# npm writes node_modules/.package-lock.json on every install; it is older than the lockfile only
# when the lockfile changed since.
npm: $(NPM_STAMP)
$(NPM_STAMP): package-lock.json package.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

demo: venv npm
	scripts/demo

# Production settings unless DJANGO_SETTINGS_MODULE says otherwise; they need KUND_SECRET_KEY and
# DATABASE_URL. `kund serve` refuses to start on a database with migrations not applied.
serve: venv npm
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-kund.settings.production} $(BIN)/kund serve

test-deps:
	scripts/install-test-deps

test: venv npm test-deps
	scripts/run-tests

lint: venv
	$(BIN)/ruff check .

bench: venv npm
	@if [ -f bench/run.py ]; then $(BIN)/python bench/run.py; else echo "bench/run.py does not exist yet"; fi

clean:
	scripts/test-postgres destroy
	rm -rf build staticfiles var/pg var/test-*.sqlite3* .pytest_cache .ruff_cache .hypothesis
	find . -path ./node_modules -prune -o -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules var *.egg-info
