# Talent CRM: every command creates .venv and installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test fuzz e2e demo bench package apikey apikeys revoke-apikey dlq redrive clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 packages with pip below 26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) $(BIN)/crm

## .venv/bin/crm: the command line (crm --help); run it from the project folder
$(BIN)/crm: Makefile | $(BIN)/python
	printf '#!/bin/sh\n# Talent CRM command line (written by make): python -m crmcli\nexec "$$(dirname "$$0")/python" -m crmcli "$$@"\n' > $@
	chmod +x $@

## make run: the whole system locally (API, emulated AWS, schedules, queue workers)
run: install
	$(BIN)/python -m crmlocal.stack

## make test: the whole test suite, no network needed
test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests --ignore=tests/e2e

## make fuzz: only the schemathesis run (part of make test): every route of chalicelib/web/openapi.json against
## the local stack, no 5xx and every answer as described
fuzz: install
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

## make e2e: browser tests in headless Chromium (installs Chromium if absent and allowed)
e2e: install
	bash tests/e2e/install-browser.sh
	$(BIN)/python -m pip install --quiet -r tests/e2e/requirements.txt
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e

## make demo: a fresh local stack with a story in it (sign-ups, pools, a sequence, events); stays up
demo: install
	$(BIN)/python -m crmlocal.demo

## make bench: benchmark figures, printed and written to build/bench.json
bench: install
	$(BIN)/python -m tests.bench

## make package: CloudFormation templates into build/, checked with cfn-lint
package: install
	$(BIN)/python -m infra.synth build

## make apikey NAME="Jane (recruiting)": a new recruiter API key (the stage's stack must be reachable)
apikey: install
	$(BIN)/python -m crmcli.operators apikey create --name "$(or $(NAME),recruiter)"

apikeys: install
	$(BIN)/python -m crmcli.operators apikey list

## make revoke-apikey ID=key_...
revoke-apikey: install
	$(BIN)/python -m crmcli.operators apikey revoke "$(ID)"

## make dlq, make redrive QUEUE=send|jobs: dead-letter queues (the stage's stack must be reachable)
dlq: install
	$(BIN)/python -m crmcli.operators dlq status

redrive: install
	$(BIN)/python -m crmcli.operators dlq redrive --queue "$(or $(QUEUE),send)"

clean:
	rm -rf build .pytest_cache
