# layoffs-ai: two commands for a newcomer — `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
SHARED_DATA := $(abspath ../shared/data)
export LAYOFFS_AI_HOME ?= $(CURDIR)/data
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
DEFS_STATE := orchestration/defs/.local_defs_state/DbtProjectComponent__layoffs_ai__/state
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs -prune -o -type f -print)

.PHONY: help install run test ui bench prepare system-deps clean readme-examples

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)  ## create .venv and install the project with dev dependencies

prepare: $(DEFS_STATE)  ## refresh the dbt component's state (dbt parse) when a dbt file changed

$(DEFS_STATE): $(STAMP) $(DBT_SOURCES)
	@$(BIN)/dg utils refresh-defs-state >/dev/null

system-deps:  ## Debian packages the browser and compose tests need (chromium, docker-compose)
	@if ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose >/dev/null; \
	  else echo "note: install chromium and docker-compose (apt) to run the browser/compose tests"; fi; fi

# LAYOFFS_AI_SNAPSHOT_DIR as set, else ../shared/data when it exists, else live fetching (said aloud)
SOURCES = if [ -z "$$LAYOFFS_AI_SNAPSHOT_DIR" ] && [ -d "$(SHARED_DATA)" ]; then \
	  export LAYOFFS_AI_SNAPSHOT_DIR="$(SHARED_DATA)"; echo "make $@: using reference snapshots in $(SHARED_DATA)"; \
	elif [ -n "$$LAYOFFS_AI_SNAPSHOT_DIR" ]; then echo "make $@: using snapshots in $$LAYOFFS_AI_SNAPSHOT_DIR"; \
	else echo "make $@: no ../shared/data here, fetching the sources live"; fi

run: prepare  ## set up and run the whole pipeline (offline from ../shared/data when present)
	@$(SOURCES); $(BIN)/layoffs-ai run

readme-examples: prepare  ## rerun the README's example queries against ./data and rewrite their outputs
	$(BIN)/python -m orchestration.readme_examples

test: prepare system-deps  ## set up and run the whole test suite (e2e and fault tests too) on every core
	$(BIN)/pytest -n auto --dist loadfile

ui: prepare  ## start the Dagster UI on http://127.0.0.1:3000 (same source choice as `make run`)
	@$(SOURCES); $(BIN)/layoffs-ai ui

bench: prepare  ## run the benchmarks and write bench/results.md
	$(BIN)/python bench/run.py

clean:  ## remove the virtualenv and dbt build output (keeps ./data)
	rm -rf $(VENV) dbt_project/target dbt_project/logs
