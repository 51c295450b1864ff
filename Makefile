# familyhub: the two commands a newcomer needs are `make demo` and `make test`.
#
# Everything else is a step those two take, and each step is a file with its inputs as
# dependencies, so a second `make demo` only redoes what changed:
#
#   .venv/.stamp         runtime Python packages   <- requirements.lock, pyproject.toml
#   .venv/.dev-stamp     + test and lint tools     <- requirements-dev.lock
#   node_modules/.stamp  npm packages              <- package-lock.json, package.json
#   $(ASSETS)            GOV.UK Frontend CSS/JS    <- node_modules, frontend/
#
# Needs: python3 (3.11+), node 20 + npm. `make test` also installs Debian's Chromium if missing.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
FAMILYHUB := $(BIN)/familyhub

DEMO_ADDR ?= 127.0.0.1:8000
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
PIP_TOOLS_VERSION := 7.6.2

# The front-end build writes several files; this one stands for all of them.
ASSETS := familyhub/core/static/build/familyhub.css

# apt-get as root, or through sudo for anyone else.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends

.PHONY: help demo demo-prepare test lint typecheck ci lock assets migrate browser clean

help: ## list the targets
	@echo "familyhub - make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'
	@echo "Variables: DEMO_ADDR=$(DEMO_ADDR) PYTEST_WORKERS=$(PYTEST_WORKERS) PYTEST_ARGS='...'"
	@echo "DATABASE_URL (default: SQLite in var/) chooses the database for demo, migrate and test."

# --- the product -----------------------------------------------------------------------------------

demo: demo-prepare ## set everything up and serve the demo on http://127.0.0.1:8000/
	@echo "Serving familyhub on http://$(DEMO_ADDR)/ (Ctrl-C to stop). Sign-ins are listed above."
	FAMILYHUB_DEMO=1 $(FAMILYHUB) runserver $(DEMO_ADDR)

demo-prepare: $(VENV)/.stamp assets migrate ## everything `make demo` does except serving
	FAMILYHUB_DEMO=1 $(FAMILYHUB) demo_setup

migrate: $(VENV)/.stamp ## apply database migrations (SQLite var/familyhub.sqlite3 unless DATABASE_URL)
	$(FAMILYHUB) migrate --noinput

assets: $(ASSETS) ## build the GOV.UK Frontend CSS and JS into familyhub/core/static/build/

$(ASSETS): node_modules/.stamp $(wildcard frontend/*)
	npm run build
	touch $@

node_modules/.stamp: package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

# The virtual environment: exact versions from the lock, then familyhub itself (editable, no deps,
# so nothing unpinned sneaks in). Debian's python3 needs python3-venv for `-m venv`.
$(VENV)/.stamp: requirements.lock pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  $(PYTHON) -m venv $(VENV) || { \
	    echo "python3 -m venv failed: installing Debian's python3-venv and trying again"; \
	    rm -rf $(VENV); $(SUDO) apt-get update && $(APT_INSTALL) python3-venv; \
	    $(PYTHON) -m venv $(VENV); }; \
	fi
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	@$(PIP) check || { echo "requirements.lock does not satisfy pyproject.toml: run 'make lock'" >&2; exit 1; }
	touch $@

$(VENV)/.dev-stamp: $(VENV)/.stamp requirements-dev.lock
	$(PIP) install --quiet -r requirements-dev.lock
	touch $@

# --- checks -------------------------------------------------------------------------------------------

# One pytest run: unit, integration and the Playwright tests (marked `browser`), spread over the
# machine's cores. Exit status 5 (no tests collected) fails like any other non-zero status.
test: $(VENV)/.dev-stamp assets browser ## run every test (DATABASE_URL=postgres://... for PostgreSQL)
	@rc=0; $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; that is a failure." >&2; fi; \
	exit $$rc

# Playwright drives Debian's Chromium (never `playwright install`): installed only when missing.
browser:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update && $(APT_INSTALL) chromium fonts-liberation; }

lint: $(VENV)/.dev-stamp ## ruff
	$(BIN)/ruff check .

typecheck: $(VENV)/.dev-stamp ## mypy with django-stubs
	$(BIN)/mypy familyhub

ci: ## what CI runs: lint, types, migrations, deploy checks, tests on SQLite and PostgreSQL
	bash .ci/run

# --- maintenance ------------------------------------------------------------------------------------

# Re-pin after changing dependencies in pyproject.toml. Existing pins are kept where they still fit;
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest versions. The dev lock is
# constrained by the runtime lock, so both install the same version of every shared package.
LOCK_TOOLS := $(VENV)/lock-tools
LOCK_ARGS ?=
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock: ## regenerate requirements.lock and requirements-dev.lock from pyproject.toml
	@[ -x $(LOCK_TOOLS)/bin/pip-compile ] || { \
	  $(PYTHON) -m venv $(LOCK_TOOLS) && \
	  $(LOCK_TOOLS)/bin/python -m pip install --quiet pip-tools==$(PIP_TOOLS_VERSION); }
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements.lock \
	  --output-file requirements-dev.lock pyproject.toml

clean: ## remove the venv, node_modules, built assets and caches (keeps the database in var/)
	rm -rf $(VENV) node_modules familyhub/core/static/build staticfiles test-results \
	  .mypy_cache .ruff_cache .pytest_cache familyhub.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	@echo "The demo database is kept: rm -rf var/ for a fresh one."
