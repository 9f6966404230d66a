# Two commands: `make run` (the app, its worker, clock and Redis, on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export FLASK_APP := wsgi

.PHONY: run test test-browser clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Spotter is starting at http://127.0.0.1:5000"
	@echo "  Demo login: demo@spotter.test / spotter-demo"
	@echo "  (Ctrl-C stops all four: Redis, the web app, the worker and the clock.)"
	@echo ""
	exec $(BIN)/python scripts/dev_run.py

test: $(STAMP)
	$(BIN)/python -m pytest

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser

clean:
	rm -rf $(VENV) instance .pytest_cache
