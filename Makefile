# The project's front door. `make run` starts the assistant; `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMP  := $(VENV)/.installed
PIP_VERSION := 24.2
# Everything a model is trained from: a change here means the model is out of date.
MODEL_INPUTS := domain.yml config.yml data cssecure/nlu
CONVERSATION_TESTS := tests/conversations

export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONDONTWRITEBYTECODE := 1
# Rasa's training cache writes every component's output (the featurized training data, some
# hundreds of MB) to disk to reuse it next time: on 2 cores that took longer than training
# itself (a profile of `rasa train --debug`: ~45% of the wall time). 0 turns it off.
export RASA_MAX_CACHE_SIZE ?= 0

.PHONY: help install train run test lint unit conversations validate bench clean db audit i18n

help:
	@echo "make install   create .venv (Python 3.10) and install the pinned dependencies"
	@echo "make run       install, train if needed, migrate, then start the whole stack"
	@echo "make test      lint, unit + integration tests, data validation, conversation tests"
	@echo "make bench     benchmarks (numbers printed and written to results/)"
	@echo "make train     retrain only when data/, domain.yml or config.yml changed"
	@echo "make lint      ruff + mypy"
	@echo "make i18n      extract the texts to translate and update every language's catalog"
	@echo "make audit     pip-audit of requirements.lock against OSV (needs internet: docs/SECURITY.md)"

# Re-run only when the dependency files change; `pip check` must stay clean.
install: $(STAMP)
$(STAMP): pyproject.toml requirements.lock scripts/find-python310
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  py=$$(scripts/find-python310) || exit 1; \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	$(PY) -m pip check
	@touch $(STAMP)

# Retrain only when something the model is built from is newer than the newest model.
train: install
	@newest=$$(ls -t models/*.tar.gz 2>/dev/null | head -1); \
	if [ -n "$$newest" ] && [ -z "$$(find $(MODEL_INPUTS) -type f -newer "$$newest" 2>/dev/null | head -1)" ]; then \
	  echo "Model up to date: $$newest"; \
	else \
	  echo "Training (inputs changed or no model yet) ..."; \
	  start=$$(date +%s); \
	  $(RASA) train --quiet --out models --fixed-model-name "cssecure-$$(date +%Y%m%d-%H%M%S)" || exit 1; \
	  echo "Trained in $$(( $$(date +%s) - start )) s"; \
	fi

# umask 077: the databases (and everything else under var/) are readable by their owner only.
db: install
	umask 077 && $(VENV)/bin/cssecure db upgrade
	umask 077 && $(VENV)/bin/cssecure parcels seed-demo

# The ports first: a taken port stops `make run` before minutes of installing and training.
run:
	@python3 scripts/check-ports
	@$(MAKE) --no-print-directory train db
	$(VENV)/bin/cssecure stack run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy cssecure actions

validate: install
	$(RASA) data validate --fail-on-warnings

# Stack tests (e2e, resilience, dialogue) run the trained model: train first.
unit: train
	$(VENV)/bin/pytest

conversations: train
	$(PY) -m cssecure.ops.rasa_run test core --stories $(CONVERSATION_TESTS) --fail-on-prediction-errors --out results/conversations

# Texts composed in code -> cssecure/i18n/cssecure.pot -> locale/<lang>/LC_MESSAGES/cssecure.po
# (translations kept; tests/i18n fails while one is missing).
i18n: install
	$(PY) -m cssecure.i18n.catalog

test: lint validate unit conversations
	@echo "make test: all checks passed"

bench: train
	@mkdir -p results
	$(PY) bench/run_all.py

# pip-audit lives in its own venv: it needs packaging>=23, Rasa 3.6 pins 20.9. Fails on any
# finding and on any package it could not check (a "could not be audited" is not a pass).
AUDIT_VENV := .venv-audit
audit:
	@py=$$(scripts/find-python310) || exit 1; \
	  [ -x $(AUDIT_VENV)/bin/pip-audit ] || { "$$py" -m venv $(AUDIT_VENV) && \
	  $(AUDIT_VENV)/bin/pip install --quiet --disable-pip-version-check "pip-audit==2.10.1"; } || exit 1
	$(AUDIT_VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip \
	  --vulnerability-service osv --strict --progress-spinner off

clean:
	rm -rf models results var/log .pytest_cache .mypy_cache .ruff_cache

# Mutation testing (issue 20): mutmut over the policy engine, the claim workflow and services,
# the amount/date/yes-no readers and the fact registry, against their fast tests, in a copy
# under var/mutation; prints the score per module and every surviving mutant, then runs the
# Hypothesis properties once randomised. Not part of `make test` (README, Tests: how long it
# takes). MUTATION_MIN_SCORE=95 makes it fail when a module scores below 95%.
.PHONY: mutation
mutation: install
	nice -n 10 scripts/mutation
