# Monitoring-as-code: one spec (monitoring.yaml) renders Prometheus, Alertmanager, Grafana and compose.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
SPEC ?= monitoring.yaml
OUT ?= .
BASE ?= HEAD
STAMP := $(VENV)/.installed
# The current version set (generators/catalog/versions.yaml), unpacked by `make tools`; docs/versions.md
TOOLS_DIR := $(or $(GENERATORS_TOOLS_DIR),.cache/tools)
TOOLS_STAMP := $(TOOLS_DIR)/.fetched

.PHONY: help setup tools render check test lint bench e2e e2e-stable schema clean diff backtest
.PHONY: secrets up down reload demo
.PHONY: golden

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP) tools ## Create .venv with the pinned dependencies and fetch the current version set (make tools)

tools: $(STAMP) ## Fetch the current version set (Debian unstable's Prometheus, Alertmanager, ...) into .cache/tools
	$(PY) -m generators.stack.fetch_tools --dir $(TOOLS_DIR)
	@touch $(TOOLS_STAMP)

# check and test need both sets: fetch again only when the table changed
$(TOOLS_STAMP): generators/catalog/versions.yaml | $(STAMP)
	$(PY) -m generators.stack.fetch_tools --dir $(TOOLS_DIR)
	@touch $(TOOLS_STAMP)

render: $(STAMP) ## Render every output from the spec (SPEC=path to override; QUICK=1 skips the unit/route tests)
	$(PY) -m generators schema
	$(PY) -m generators render --spec $(SPEC) --out $(OUT) $(if $(filter-out 0,$(QUICK)),--quick-validation)

diff: $(STAMP) ## What the spec change does against git revision BASE (default HEAD), in Markdown (docs/review.md)
	@$(PY) -m generators diff --base $(BASE) --spec $(SPEC)

schema: $(STAMP) ## Write the spec's JSON Schema for editors
	$(PY) -m generators schema

check: $(STAMP) $(TOOLS_STAMP) ## Validate the committed output with promtool/amtool and fail when it is stale
	$(PY) -m generators check --spec $(SPEC) --out $(OUT)

test: $(STAMP) $(TOOLS_STAMP) ## Run the test suite (includes make check)
	$(MAKE) --no-print-directory check
	$(PY) -m pytest -q -n 2

golden: $(STAMP) ## Rewrite tests/cases/*/expected/ from the generators (CASES="minimal ..." for some); read git diff after
	$(PY) -m tests.update_golden $(CASES)

e2e: $(STAMP) $(TOOLS_STAMP) ## End-to-end on the current set (Prometheus 3.5, Alertmanager 0.33): faults -> sinks, panels have data (~3 min)
	PATH="$$($(PY) -m generators.stack.fetch_tools --dir $(TOOLS_DIR) --print-path):$$PATH" $(PY) -m pytest -q -m e2e

e2e-stable: $(STAMP) ## The same end-to-end run on Debian stable's binaries (Prometheus 2.42, Alertmanager 0.25)
	$(PY) -m pytest -q -m e2e

lint: $(STAMP) ## ruff (lint + format check) and mypy --strict on generators/
	$(VENV)/bin/ruff check generators tests
	$(VENV)/bin/ruff format --check generators tests
	$(VENV)/bin/mypy

bench: $(STAMP) ## Benchmarks: render time per size and level, latency, rule cost (~1 h; a part: BENCH_SIZES=example,1000 BENCH_RUNS=3 BENCH_LEVELS=skip,quick)
	$(PY) -m tests.bench $(BENCH)
	$(if $(BENCH),,$(PY) -m tests.bench_e2e)
	$(if $(BENCH),,$(PY) -m tests.bench_rule_cost)

# make backtest: the recorded corpus (a local Prometheus on its blocks) and its quality figures; against any
# Prometheus-compatible API (e.g. the one `make demo` prints): make backtest SOURCE=http://127.0.0.1:41235 FROM=now-1h
SOURCE ?=
FROM ?=
TO ?=
COMPARE ?=
backtest: $(STAMP) ## Backtest the rules over history (default: the corpus; SOURCE=url FROM=now-1h TO=now COMPARE=old.yaml)
	$(PY) -m generators backtest --spec $(SPEC) $(if $(SOURCE),--source $(SOURCE),--corpus) $(if $(FROM),--from $(FROM)) \
		$(if $(TO),--to $(TO)) $(if $(COMPARE),--compare $(COMPARE))

clean: ## Remove the venv and caches (the fetched tools too)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .cache

# -- The stack (docker compose) ------------------------------------------------------------------
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_FILE := compose/docker-compose.yml

secrets: $(STAMP) ## Create missing compose/secrets/* (random passwords, placeholders); never overwrites
	$(PY) -m generators.stack.stack_ops secrets --compose $(COMPOSE_FILE)

up: secrets ## Start the compose stack (Grafana on :3000, everything else on 127.0.0.1 only)
	$(COMPOSE) -f $(COMPOSE_FILE) up -d --build

down: ## Stop the compose stack (named volumes are kept)
	$(COMPOSE) -f $(COMPOSE_FILE) down

reload: $(STAMP) ## After make render: validate the tree (promtool, amtool), then POST /-/reload to Prometheus and both Alertmanagers (all or none)
	$(PY) -m generators.stack.stack_ops reload

demo: $(STAMP) ## The same stack without Docker: Debian binaries, demo app, notification sinks (Ctrl-C stops)
	$(PY) -m generators.stack.demo --spec $(SPEC)
