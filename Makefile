# Targets users and CI run. `make help` lists them.
PYTHON ?= python
export WANDB_MODE ?= offline
export PYTHONHASHSEED ?= 0

.PHONY: help install train test test-fast lint format bench clean

help:  ## Show this help.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

install:  ## Install the package with development tools.
	$(PYTHON) -m pip install -e ".[dev]"

train:  ## Train the default experiment (small model, sample data, CPU).
	$(PYTHON) train.py

test:  ## Run the whole test suite (CPU, < 10 minutes on 2 cores).
	$(PYTHON) -m pytest -n 2 --durations=15

test-fast:  ## Run the tests not marked slow.
	$(PYTHON) -m pytest -n 2 -m "not slow"

lint:  ## Check style with ruff (lint and format).
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:  ## Fix what ruff can fix.
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

clean:  ## Remove run outputs and caches.
	rm -rf logs outputs multirun .pytest_cache .ruff_cache .hypothesis
