# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv, install ontolake with the extras they need, and run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: demo test lint typecheck pytest bench clean services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e ".[mudata,ontologies]"
	touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e ".[all,test]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/python -m ontolake.demo ./demo-data

# PostgreSQL binaries (initdb, pg_ctl) are needed by the test setup; Graphviz (dot) is what
# the tests of the pictures drawn with dot need (without it, ontolake draws SVG itself);
# install them when missing (as root, with apt).
services:
	@command -v initdb >/dev/null 2>&1 || [ -x "$$(pg_config --bindir 2>/dev/null)/initdb" ] || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	    else echo "PostgreSQL binaries not found: the postgres tests will be skipped (install postgresql)"; fi; }
	@command -v dot >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get install -y -qq graphviz >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; } || \
	      echo "graphviz not installed: pictures are drawn as SVG by ontolake"; \
	    else echo "graphviz (dot) not found: pictures are drawn as SVG by ontolake"; fi; }

lint: $(VENV)/.test-installed
	$(BIN)/ruff check ontolake tests benchmarks
	$(BIN)/ruff format --check ontolake tests benchmarks
	$(BIN)/lint-imports --no-logo

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

# The reference CELLxGENE validator, in its own venv (its pins conflict with ours): the
# convention tests compare its verdicts with ours value for value.
REFERENCE_VENV := .venv-cellxgene-schema
$(REFERENCE_VENV)/bin/cellxgene-schema:
	$(PYTHON) -m venv $(REFERENCE_VENV)
	$(REFERENCE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REFERENCE_VENV)/bin/python -m pip install --quiet "cellxgene-schema==7.1.2"

pytest: $(VENV)/.test-installed services $(REFERENCE_VENV)/bin/cellxgene-schema
	ONTOLAKE_CELLXGENE_SCHEMA=$(abspath $(REFERENCE_VENV))/bin/cellxgene-schema \
	  $(BIN)/pytest -n auto --dist loadfile --durations=10

test: lint typecheck pytest

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(REFERENCE_VENV) .venv-lamindb demo-data .test-services

# The benchmarks side by side with LaminDB + bionty, installed from the package index into a
# separate virtualenv for benchmarking only (never a dependency of ontolake).
LAMINDB_VENV := .venv-lamindb
LAMINDB_SPEC ?= lamindb==2.12.1 bionty==2.5.2
BENCH_ARGS ?= --repeat 3

$(LAMINDB_VENV)/bin/python:
	$(PYTHON) -m venv $(LAMINDB_VENV)
	$(LAMINDB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAMINDB_VENV)/bin/python -m pip install --quiet $(LAMINDB_SPEC)

.PHONY: bench-compare
bench-compare: $(VENV)/.test-installed $(LAMINDB_VENV)/bin/python
	$(BIN)/python benchmarks/run_all.py --compare-lamindb $(LAMINDB_VENV) $(BENCH_ARGS)
