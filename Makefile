# Two commands: `make demo` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv system-deps bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,whoosh,pymorphy]'
	touch $(STAMP)

system-deps:
	scripts/install-system-deps

demo: venv
	$(BIN)/letterpress --data-dir var/demo demo

test: venv system-deps
	scripts/run-tests

bench: venv
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@echo "run e.g.: $(BIN)/python -m bench.ledger_import"

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var build *.egg-info test-artifacts
