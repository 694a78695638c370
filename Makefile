# The course's commands. A fresh machine needs only Python 3.11 and make:
#   make book   - create .venv, install, build the three editions of the site
#   make test   - create .venv, install with the test extras, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: book test install install-test unit clean release autograde feedback grades system-book system-test

# System packages first (npm for the site; Chromium, CJK fonts and bubblewrap for the tests):
# installed with apt-get when run as root, else make stops here with the one command to run.
system-book:
	@$(PYTHON) src/bncourse/system.py book
system-test:
	@$(PYTHON) src/bncourse/system.py test

# The virtual environment is rebuilt when the requirements change.
$(VENV)/.installed: requirements.txt pyproject.toml | system-book
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m bncourse.lab
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PY) -m pip install -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

book: system-book install
	$(PY) -m bncourse.build

test: system-test install-test
	$(MAKE) book
	$(PY) -m pytest

unit: install-test
	$(PY) -m pytest tests/unit

clean:
	rm -rf _build

# Exercises (nbgrader): see README.md, "For instructors".
#   make release [ASSIGNMENT=bn-forward]                solutions/ -> exercises/ (all if none named)
#   make autograde ASSIGNMENT=bn-forward SUBMISSIONS=dir-or-zip   check the sandbox, collect (a folder per
#                                                       student, nbgrader's exchange, a Canvas or Moodle zip),
#                                                       grade in parallel (sandboxed), feedback, grades.csv;
#                                                       UNSANDBOXED=1 for a trusted run without bubblewrap
#   make feedback ASSIGNMENT=...   /   make grades ASSIGNMENT=...
GRADE := PATH="$(abspath $(BIN)):$$PATH" LANG=C.UTF-8 $(PY) -m bncourse.grading
release: install
	$(GRADE) release $(ASSIGNMENT)
autograde: install
	$(GRADE) autograde $(ASSIGNMENT) $(if $(SUBMISSIONS),--submissions "$(SUBMISSIONS)") $(if $(UNSANDBOXED),--unsandboxed)
feedback: install
	$(GRADE) feedback $(ASSIGNMENT)
grades: install
	$(GRADE) grades $(ASSIGNMENT)
