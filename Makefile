# Two commands matter: `make run` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

BOT_PORT ?= 3978
SANDBOX_PORT ?= 8787
PLAYGROUND_PORT ?= 56150

.PHONY: run test lint deps dev-deps node-deps package clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.runtime node-deps
dev-deps: $(VENV)/.dev node-deps
node-deps: node_modules/.installed

run: deps
	BOT_PORT=$(BOT_PORT) SANDBOX_PORT=$(SANDBOX_PORT) PLAYGROUND_PORT=$(PLAYGROUND_PORT) \
		$(PY) -m bot.devrun

test: dev-deps
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: dev-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# BOT_ID=<guid> BOT_DOMAIN=<host> make package  ->  build/appPackage.zip, ready to upload in Teams
package: deps
	$(PY) tools/package_app.py --out build/appPackage.zip

clean:
	rm -rf $(VENV) node_modules build
