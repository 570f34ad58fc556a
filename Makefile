# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-future lint browser

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev,bench]'
	touch $(STAMP)

# The public texts' catalogues (src/corridor/i18n/locale/*/LC_MESSAGES/corridor.po) are compiled
# here; the .mo files are never committed.
PO := $(wildcard src/corridor/i18n/locale/*/LC_MESSAGES/corridor.po)
MO := $(PO:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -D corridor -i $< -o $@

setup: $(STAMP) $(MO)

demo: setup
	$(BIN)/corridor demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The dashboard's end-to-end tests drive Debian's Chromium; install it where we may (root + apt).
browser:
	@{ test -x /usr/bin/chromium && test -x /usr/bin/pdftoppm; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; }; } || \
	  echo "chromium or poppler-utils is not installed: the browser and page-rendering tests will skip"

test: setup lint browser
	$(BIN)/pytest

# The same suite with every Python process's wall clock a year ahead (tests/timeshift): nothing
# may depend on today's date.
test-future: setup browser
	CORRIDOR_TEST_SHIFT_DAYS=365 $(BIN)/pytest
