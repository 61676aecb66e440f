# Two commands do all the set-up on a fresh machine with Python 3.11+ and make:
#   make run    - install into .venv and open CRB on the demo data set
#   make test   - install into .venv (with test tools) and run the whole test suite
#   make test-dates - the same suite with the clock 400 days ahead (needs datefudge: apt-get)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install compile run test test-dates lint bench clean browser imap-server

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Bytecode for CRB's own modules, as an installed wheel has it (an editable install has none,
# and with PYTHONDONTWRITEBYTECODE set every start would compile them again: ~40 ms).
compile: $(STAMP)
	@$(BIN)/python -m compileall -q crb_tui plugins

run: compile
	$(BIN)/crb --demo

# The test of `crb serve` drives Debian's chromium: installed here when it is missing and apt-get
# can install it (CI runs as root on a clean Debian machine); elsewhere that one test is skipped.
browser:
	@command -v chromium >/dev/null || ! command -v apt-get >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "make: could not install chromium; the browser test of crb serve will be skipped"

# The IMAP source's tests run a real Dovecot server on 127.0.0.1 (Debian's dovecot-imapd,
# installed here when missing; the tests start and stop their own, never the system's).
imap-server:
	@test -x /usr/sbin/dovecot || ! command -v apt-get >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; } || \
	  echo "make: could not install dovecot-imapd; the IMAP source's tests will be skipped"

test: lint browser imap-server
	$(BIN)/python -m pytest -n 2 -q

# The whole suite on another date (the wall clock shifted by DATE_SHIFT, anything `date -d`
# reads; `make test-dates DATE_SHIFT='400 days ago'` for the past): nothing may depend on the
# real date. datefudge shifts only the wall clock; libfaketime 0.9.10 (Debian's faketime) also
# shifts the monotonic clock, and Python's timed waits (Event.wait) then never return.
DATE_SHIFT ?= +400 days
test-dates: lint browser imap-server
	@command -v datefudge >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq datefudge >/dev/null; }
	datefudge '$(DATE_SHIFT)' $(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check crb_tui plugins tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
