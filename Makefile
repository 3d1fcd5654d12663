# Barys — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BARYS_DATA_DIR ?= $(CURDIR)/barys-data
export BARYS_DATA_DIR
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run demo test test-pg test-fast lint format bench browser-deps clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Barys needs Python 3.11 or newer"' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
	$(BIN)/barys i18n compile

install-dev: $(VENV)/.installed-dev
	$(BIN)/barys i18n compile

## make run: set up, migrate, load the demonstration data and serve on http://127.0.0.1:8000
run: install
	$(BIN)/barys manage migrate --noinput
	$(BIN)/barys demo
	$(BIN)/barys serve --host $(HOST) --port $(PORT)

demo: install
	$(BIN)/barys manage migrate --noinput
	$(BIN)/barys demo

## Debian's Chromium for the browser tests (Playwright drives the system browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || { echo "could not install chromium"; exit 1; }; \
	  else echo "browser tests need /usr/bin/chromium: apt-get install chromium"; exit 1; fi; \
	fi

## make test: the whole suite on SQLite (and on PostgreSQL too when BARYS_TEST_DATABASE_URL is set)
test: install-dev browser-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test-fast: install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -m "not slow and not browser"

test-pg: install-dev browser-deps
	@if [ -z "$$BARYS_TEST_DATABASE_URL" ]; then \
	  echo "make test-pg: set BARYS_TEST_DATABASE_URL=postgresql://USER@HOST:PORT/NAME"; exit 2; fi
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

format: install-dev
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: install-dev
	@if ! command -v exiftool >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl >/dev/null; fi
	@set -e; cd benchmarks; for script in $$(ls *.py | grep -v '^_'); do \
	  echo "== $$script"; OMP_NUM_THREADS=1 ../$(BIN)/python $$script; done

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
