# The course's commands. A fresh machine needs only Python 3.11 and make:
#   make book   - create .venv, install, build the three editions of the site
#   make test   - create .venv, install with the test extras, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: book test install install-test unit clean

# The virtual environment is rebuilt when the requirements change.
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

book: install
	$(PY) -m bncourse.build

test: install-test
	$(MAKE) book
	$(PY) -m pytest

unit: install-test
	$(PY) -m pytest tests/unit

clean:
	rm -rf _build
