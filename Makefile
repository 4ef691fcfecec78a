# The two commands of the README: `make serve` and `make test`.
# Each sets up what it needs on a fresh machine (Debian/Ubuntu with python3);
# system packages (Chromium, PostgreSQL) are installed with apt-get when missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8866
export PORT
NODE_DIR := .cache/node
CHP      := $(NODE_DIR)/node_modules/.bin/configurable-http-proxy
AXE      := $(NODE_DIR)/node_modules/axe-core/axe.min.js
WHEELS   := .cache/wheelhouse

.PHONY: serve test setup test-setup system-test-deps hub-proxy bench audit screens clean lint format

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools  # the venv's own setuptools is old, with known advisories
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(VENV)/.installed

## Serve the course at http://127.0.0.1:$(PORT)/ (home page: lesson 00).
serve: $(VENV)/.installed
	@echo "The course will be at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)."
	$(PY) -m widgets_lib.server.serve --port $(PORT)

## Chromium for browser tests, PostgreSQL for store tests and Node.js (npm) for the JupyterHub
## test's proxy, from Debian's packages: each checked on its own and only what is missing installed
## (a Node.js that brings its own npm conflicts with Debian's npm package).
system-test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != "0" ]; then \
	    echo "Browser, database and JupyterHub tests need these Debian packages:$$missing"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	  echo "Installing from Debian's packages:$$missing"; \
	  apt-get update -qq; \
	  for pkg in $$missing; do \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkg >/dev/null || exit 1; \
	  done; \
	fi
	@chromium --version

## JupyterHub's proxy (configurable-http-proxy) from the npm registry, into $(NODE_DIR) (git-ignored).
$(CHP): | system-test-deps
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error configurable-http-proxy@5

hub-proxy: $(CHP)

## axe-core (accessibility rules, injected into pages by the reliability tests), from the npm registry.
$(AXE): | system-test-deps
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error axe-core@4

## Wheels of every dependency (and of setuptools, to build the package), so the install test can
## fill a fresh environment with no network: downloaded here, once per change of pyproject.toml.
$(WHEELS)/.built: pyproject.toml | $(VENV)/.installed
	$(PY) -m pip wheel --quiet --wheel-dir $(WHEELS) . 'setuptools>=68'
	rm -f $(WHEELS)/widgets_lib-*.whl  # the test installs what it builds itself
	@touch $@

test-setup: $(VENV)/.installed-test system-test-deps $(CHP) $(AXE) $(WHEELS)/.built

## Every test layer: unit, widgets, notebooks (nbval), voila, browser, reliability, hub (deploy/).
test: test-setup lint
	$(PY) -m pytest

## Lint (the rules in pyproject.toml) and formatting, checked; `make format` applies both.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Full-length screenshots of every page at 1280×900 and 390×844 into screens/ (git-ignored), to look at.
screens: test-setup
	$(PY) -m tests.screens $(SCREENS_ARGS)

## Benchmarks (not tests): print figures.
bench: $(VENV)/.installed-test
	$(PY) bench/run_all.py $(BENCH_ARGS)

## Known advisories for every installed package (pip-audit asks the package registry).
audit: $(VENV)/.installed-test
	$(PY) -m pip install --quiet pip-audit
	$(PY) -m pip_audit --progress-spinner off --skip-editable

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
