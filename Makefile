# The two quick-start commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "ringmon: '$(PYTHON) -m venv' failed: on Debian/Ubuntu install it with" \
	       "'sudo apt-get install python3-venv' and run make again" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/ringmon demo

test: $(VENV)/.installed
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check ringmon tests
	$(VENV)/bin/ruff format --check ringmon tests
	$(VENV)/bin/mypy

bench: $(VENV)/.installed
	$(PY) -m ringmon.bench ingest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
