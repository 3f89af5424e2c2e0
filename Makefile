# Two commands for a newcomer:
#   make        set up .venv (pinned, torch 2.13.0 CPU) and run the main job on the sample class
#   make test   run the tests (what CI runs)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: all setup test clean

all: setup
	$(PY) -m byhand all

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m byhand setup-sandbox
	touch $@

test: setup
	$(PY) -m pytest

clean:
	rm -rf $(VENV) gradebook.db .byhand autograded/*/ feedback
