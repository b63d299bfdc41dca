# Seoul Data Hub: `make up` starts the platform, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SDH_DOCKER_HOST ?= unix:///run/sdh-docker/docker.sock
export DOCKER_HOST := $(SDH_DOCKER_HOST)
SDH_DATA_DIR ?= var/data
PYTEST_WORKERS ?= 2

.PHONY: up down test lint setup system venv node engine images images-gpu data bench clean

up: setup engine images data
	@$(BIN)/seoul-hub ensure-admin admin
	@$(BIN)/seoul-hub up

down:
	-@[ -x $(BIN)/seoul-hub ] && $(BIN)/seoul-hub down --servers
	@scripts/docker-engine.sh stop

test: setup engine images lint
	PYTHON=$(BIN)/python PYTEST_WORKERS=$(PYTEST_WORKERS) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup: system venv node

system:
	@scripts/install-system.sh

# the venv is rebuilt only when the project's metadata changes
venv: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

engine:
	@scripts/docker-engine.sh start

images: venv engine
	$(BIN)/python images/build.py all

images-gpu: venv engine
	$(BIN)/python images/build.py gpu

# the real bundled files become catalog datasets; unchanged ones are skipped
data: venv
	$(BIN)/seoul-data --data-dir $(SDH_DATA_DIR) ingest --bundled
	$(BIN)/seoul-data --data-dir $(SDH_DATA_DIR) import-catalog
	test -d $(SDH_DATA_DIR)/living/dong || $(BIN)/seoul-data --data-dir $(SDH_DATA_DIR) \
		living generate --level dong --start 2023-01-01 --days 91

bench: setup engine images
	$(BIN)/python -m bench.spawn_latency
	$(BIN)/python -m bench.catalog_and_load
	$(BIN)/python -m bench.search_eval
	$(BIN)/python -m bench.dashboard_load
	$(BIN)/python -m bench.living_queries
	$(BIN)/python -m bench.map_render
	$(BIN)/python -m bench.ai_training

clean: down
	rm -rf var $(VENV) node_modules
