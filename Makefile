# The two commands of the set-up contract: `make demo` and `make test`.
# Each creates .venv if needed, installs partcd into it, then runs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck contracts unit bench serve browser-deps bytecode clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev,spark]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

# partcd's own modules compiled to bytecode: an editable install has none, and where PYTHONDONTWRITEBYTECODE is set
# every command would compile ~40 modules again (~0.1 s of each CLI start); stale files are recompiled here.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 src/partcd

demo: $(STAMP) bytecode
	$(BIN)/partcd demo --out partcd-demo

# Chromium for the browser tests (Debian package; Playwright's own browser download does not work here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) bytecode browser-deps
	$(BIN)/pytest -q

test: lint typecheck contracts unit

bench: $(STAMP) bytecode
	$(BIN)/python -m bench

serve: $(STAMP) bytecode
	$(BIN)/partcd serve

clean:
	rm -rf $(VENV) partcd-demo .pytest_cache .mypy_cache .ruff_cache
