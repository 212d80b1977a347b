# Two commands: `make demo` and `make test`. Everything else is a step they call.
PYTHON ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv system-deps bench lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/make-venv
	PYTHON="$(PYTHON)" scripts/make-venv
	touch $(STAMP)

system-deps:
	scripts/install-system-deps

demo: venv
	$(BIN)/letterpress --data-dir var/demo demo

test: system-deps venv
	scripts/run-tests

bench: venv
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@echo "run e.g.: $(BIN)/python -m bench.ledger_import"

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var build *.egg-info test-artifacts
