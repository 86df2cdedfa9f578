# Two commands for a new user: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := storefront

.PHONY: run test test-pg install install-test browser translations messages lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

## Compile the translation catalogues (.po -> .mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d translations

## Extract strings and update the catalogues after changing texts.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F translations/babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --ignore-obsolete --no-fuzzy-matching

## A browser for the end-to-end tests: Debian's Chromium, else Playwright's own download.
browser: $(VENV)/.installed-test
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null || true; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null || true; fi; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then $(BIN)/python -m playwright install chromium; fi

run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - 'storefront:create_app()'

test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/pytest

## Speed and size budgets against a bare Flask app (loopback only, a few minutes).
bench: install-test translations
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/storefront.db* .pytest_cache
