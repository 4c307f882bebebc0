# Talent CRM (Python 3.11 or newer): every command creates .venv and installs what it needs first.
# `make help` lists the targets: each has a `## target: what it does` line above it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run lint test fuzz e2e demo bench load package deploy vendor apikey admin apikeys revoke-apikey dlq redrive clean

## help: this list
help:
	@awk 'sub(/^## /, "") { name = substr($$0, 1, index($$0, ":") - 1); \
	      printf "  make %-14s %s\n", name, substr($$0, length(name) + 3) }' $(firstword $(MAKEFILE_LIST))

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed: make PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

# The package itself goes in editable (-e): .venv/bin/crm is its console script and runs this folder's code.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 packages with pip below 26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## install: .venv with every dependency, and the `crm` command in .venv/bin (works from any folder)
install: $(STAMP)

## run: the whole system locally (API, emulated AWS, schedules, queue workers)
run: install
	$(BIN)/python -m crmlocal.stack

## lint: ruff, mypy on the shipped code, and the layer contracts of .importlinter (domain pure, services through ports, no tooling shipped)
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint, then the whole test suite, no network needed
test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e

## fuzz: only the schemathesis run of make test (every described route against the local stack)
fuzz: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

## e2e: browser tests in headless Chromium (installs Chromium if absent and allowed)
e2e: install
	bash tests/e2e/install-browser.sh
	$(BIN)/python -m pip install --quiet -r tests/e2e/requirements.txt
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e

## demo: a fresh local stack with a story in it (sign-ups, pools, a sequence, events); stays up
demo: install
	$(BIN)/python -m crmlocal.demo

## bench: benchmark figures (emulator shortcuts on unless EMULATOR_SHORTCUTS=off) in build/bench.json and docs/benchmarks.md
bench: install
	EMULATOR_SHORTCUTS=$${EMULATOR_SHORTCUTS:-on} $(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench.report

## load: a bounded load test of the local stack on loopback (~2 min): highest clean rate, p50/p99 and errors per kind, a sign-up flood held off; build/load.json
load: install
	$(BIN)/python -m tests.load

## package: CloudFormation template and Lambda zip of STAGE (default dev) into build/, checked with cfn-lint; refuses example.com settings (ALLOW_PLACEHOLDERS=1: template check only)
package: install
	$(BIN)/python -m infra.synth --stage $(or $(STAGE),dev) $(if $(ALLOW_PLACEHOLDERS),--allow-placeholders,) build

## deploy: package STAGE and deploy it with the AWS CLI (artifacts bucket and SSM secrets made once; safe to run again), STAGE=dev
deploy: install
	$(BIN)/python -m infra.deploy --stage "$(or $(STAGE),dev)"

## vendor: fetch the workspace's pinned front-end files from npm again and check them against workspace/assets/VENDORED.json
vendor: install
	$(BIN)/python -m crmlocal.vendor

## apikey: a new API key acting as a team member, NAME="Jane's scripts" USER_EMAIL=jane@example.com (default: the first admin)
apikey: install
	$(BIN)/crm apikey create --name "$(or $(NAME),recruiter)" $(if $(USER_EMAIL),--user "$(USER_EMAIL)",)

## admin: the first admin (CRM_ADMIN_EMAIL), made and sent an invitation if absent (a new deployed stage)
admin: install
	$(BIN)/crm admin

## apikeys: the recruiter API keys, by id and name
apikeys: install
	$(BIN)/crm apikey list

## revoke-apikey: stop a recruiter API key from working, ID=key_...
revoke-apikey: install
	$(BIN)/crm apikey revoke "$(ID)"

## dlq: messages waiting in each queue and its dead-letter queue (the stage's stack must be reachable)
dlq: install
	$(BIN)/crm dlq status

## redrive: move dead letters back onto their queue, QUEUE=send|jobs
redrive: install
	$(BIN)/crm dlq redrive --queue "$(or $(QUEUE),send)"

## clean: remove build/ and test caches (not .venv, not the local data in .local)
clean:
	rm -rf build .pytest_cache
