# Two commands for a newcomer:
#   make        set up .venv (pinned, torch 2.13.0 CPU) and run the main job on the sample class
#   make test   run the tests (what CI runs)
# and for instructors:
#   make student-package   build the wheel students install (its path is the last line)
# and for everyone:
#   make docs   serve the documentation site (docs/, mkdocs.yml) on http://127.0.0.1:8000
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DIST   ?= dist
# test processes (pytest-xdist, one test file per process; see tests/conftest.py); a third
# on these two cores was no faster (docs/measurements.md)
TEST_WORKERS ?= 2

.PHONY: all setup test student-package docs clean

# `byhand all`, through tests/main_job.py: it notes the run, so that `make test` reads it
# instead of running `byhand all` again in a fresh clone of its own (while nothing changed)
all: setup
	$(PY) tests/main_job.py

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(VENV)/bin/byhand setup-sandbox
	$(PY) tests/system_packages.py
	touch $@

test: setup
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

student-package: setup
	@$(VENV)/bin/byhand student-package --dist $(DIST)

docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

clean:
	rm -rf $(VENV) gradebook.db .byhand autograded/*/ feedback $(DIST)
