# hccrt: two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.hccrt-installed
DEMO_CASE := demo-output/sample_patient
DEMO_OUT := demo-output/results

.PHONY: install test quick lint typecheck unit docs demo bench clean

# Re-installs only when pyproject.toml or the constraints (lock) change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[web,dev,docs]"
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(PYTHON) -m ruff check src tests benchmarks scripts examples
	$(PYTHON) -m ruff format --check src tests benchmarks scripts examples
	$(VENV)/bin/lint-imports

typecheck: install
	$(PYTHON) -m mypy src

# Opt-in parallel run: `make unit PYTEST_ARGS="$(PYTEST_WORKERS)"` (one worker per test file; the
# PostgreSQL/Orthanc files in one worker: tests/conftest.py). Not the default yet: see CHANGELOG.
PYTEST_WORKERS := -n auto --maxprocesses 4 --dist loadfile

unit: install
	$(PYTHON) -m pytest --durations=40 $(PYTEST_ARGS)

# CI runs everything (slow tests, the examples, the API reference); `make quick` is the developer
# loop: lint and the tests not marked slow.
test: lint typecheck unit docs

quick: install
	$(PYTHON) -m ruff check src tests benchmarks scripts examples
	$(PYTHON) -m pytest -m "not slow"

# The API reference from the docstrings (Sphinx + numpydoc), warning-free.
docs: install
	$(PYTHON) -m sphinx -W --keep-going -q -b html docs/api docs/api/_build/html

# The sample patient is generated once (the phantom caches itself); the main job re-runs only
# when the patient or the installed code changed, so a second `make demo` is fast.
demo: $(DEMO_OUT)/run.json
	@echo "Sample patient: $(DEMO_CASE)/   Results: $(DEMO_OUT)/ (summary.txt, report.html, report.pdf)"

$(DEMO_CASE)/phantom.json: $(STAMP)
	$(PYTHON) -m hccrt phantom --out $(DEMO_CASE) --seed 1

$(DEMO_OUT)/run.json: $(DEMO_CASE)/phantom.json $(STAMP)
	$(PYTHON) -m hccrt run $(DEMO_CASE) --out $(DEMO_OUT) --force

bench: install
	$(PYTHON) benchmarks/run_all.py

clean:
	rm -rf demo-output .pytest_cache .mypy_cache .ruff_cache .import_linter_cache docs/api/_build
