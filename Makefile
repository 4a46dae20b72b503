# Monitoring-as-code: one spec (monitoring.yaml) renders Prometheus, Alertmanager, Grafana and compose.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
SPEC ?= monitoring.yaml
OUT ?= .
STAMP := $(VENV)/.installed

.PHONY: help setup render check test lint bench e2e schema clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned dependencies

render: $(STAMP) ## Render every output from the spec (SPEC=path to override)
	$(PY) -m generators schema
	$(PY) -m generators render --spec $(SPEC) --out $(OUT)

schema: $(STAMP) ## Write the spec's JSON Schema for editors
	$(PY) -m generators schema

check: $(STAMP) ## Validate the committed output with promtool/amtool and fail when it is stale
	$(PY) -m generators check --spec $(SPEC) --out $(OUT)

test: $(STAMP) ## Run the test suite (includes make check)
	$(MAKE) --no-print-directory check
	$(PY) -m pytest -q

e2e: $(STAMP) ## End-to-end tests against real processes on loopback
	$(PY) -m pytest -q -m e2e

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict on generators/
	$(VENV)/bin/ruff check generators tests
	$(VENV)/bin/ruff format --check generators tests
	$(VENV)/bin/mypy

bench: $(STAMP) ## Benchmarks: render time, memory, rules/s (prints numbers)
	$(PY) -m tests.bench
	$(PY) -m tests.bench_rule_cost

clean: ## Remove the venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
