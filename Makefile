# Two commands matter: `make run` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

BOT_PORT ?= 3978
SANDBOX_PORT ?= 8787
PLAYGROUND_PORT ?= 56150

.PHONY: run test lint deps dev-deps node-deps package clean azurite toolkit-schema

$(VENV)/.runtime: requirements.txt constraints.txt
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

test: dev-deps e2e-deps toolkit-schema
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q
	$(E2E)

lint: dev-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# BOT_ID=<guid> BOT_DOMAIN=<host> [SSO_APP_ID=<guid>] make package  ->  build/appPackage.zip, ready to upload in Teams
# (SSO_APP_ID: the SSO app when the bot's identity is a managed identity, docs/deploy.md)
package: deps
	$(PY) tools/package_app.py --out build/appPackage.zip

# End-to-end tests: the sandbox, the bot and the Agents Playground on free ports, driven in headless Debian Chromium
# by playwright-core (tests/e2e/). Node packages and Chromium are installed when missing; without them the run fails.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
E2E = E2E_PYTHON=$(CURDIR)/$(PY) E2E_CHROMIUM=$(CHROMIUM) node --test --test-reporter=spec tests/e2e/

.PHONY: e2e e2e-deps chromium screenshots

chromium:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the e2e tests"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	@test -x $(CHROMIUM) || { echo "e2e: $(CHROMIUM) is missing after the install" >&2; exit 1; }

e2e-deps: $(VENV)/.runtime node-deps chromium

e2e: e2e-deps
	$(E2E)

# PNGs of what a manager sees, from a real e2e run: docs/screenshots/*.png (shown in the README)
screenshots: e2e-deps
	rm -f docs/screenshots/*.png
	E2E_SCREENSHOTS=$(CURDIR)/docs/screenshots $(E2E)

# A local Azure Blob Storage for STATE_STORE=blob (the tests start their own on a free port)
azurite: node-deps
	node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --location data/azurite --skipApiVersionCheck

# Deploy to Azure in one command with the Agents Toolkit CLI (pinned, run through npx): provision (Entra SSO app,
# infra/azure.bicep, Teams app package), then deploy (zip deploy to App Service). `make azure AZURE_ENV=prod`. docs/deploy.md
AZURE_ENV ?= dev
ATK := npx --yes @microsoft/m365agentstoolkit-cli@1.1.17

.PHONY: azure
azure:
	$(ATK) provision --env $(AZURE_ENV)
	$(ATK) deploy --env $(AZURE_ENV)

# The Agents Toolkit's own schema for m365agents.yml (tests/test_deploy_files.py). npm @microsoft/teamsfx-core, the
# core of the Toolkit's CLI, ships it; only that file is taken from the package (installing it would bring ~60
# packages the project does not use), and its checksum is pinned.
TOOLKIT_CORE_VERSION := 3.1.3
TOOLKIT_YAML_VERSION := v1.9
TOOLKIT_SCHEMA := build/schemas/m365agents.$(TOOLKIT_YAML_VERSION).schema.json
TOOLKIT_SCHEMA_SHA256 := 7a4289015df8f75b0127629df901330bc430bd6a26f1839c2fe95ea06370cd48

toolkit-schema: $(TOOLKIT_SCHEMA)

$(TOOLKIT_SCHEMA):
	rm -rf build/schemas/pack && mkdir -p build/schemas/pack
	cd build/schemas/pack && npm pack --silent --no-audit --no-fund @microsoft/teamsfx-core@$(TOOLKIT_CORE_VERSION) > /dev/null
	tar -xzOf build/schemas/pack/microsoft-teamsfx-core-$(TOOLKIT_CORE_VERSION).tgz \
		package/resource/yaml-schema/$(TOOLKIT_YAML_VERSION)/yaml.schema.json > $@.tmp
	echo "$(TOOLKIT_SCHEMA_SHA256)  $@.tmp" | sha256sum --check --quiet
	mv $@.tmp $@ && rm -rf build/schemas/pack

clean:
	rm -rf $(VENV) node_modules build
