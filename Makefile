# The two commands (see README.md):
#   make book   build the book into book/_build/html (creates .venv, installs, builds)
#   make test   run every test: lint, unit tests, JS tests, book build, browser tests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
BOOK_FLAGS ?= -W -n --keep-going

.PHONY: book test venv lint unit js bench lighthouse clean help

help:
	@echo "make book  - build the book (book/_build/html)"
	@echo "make test  - run all tests (builds the book too)"
	@echo "make bench - run the training benchmark (installs torch==2.13.0 for the comparison)"
	@echo "make lighthouse - Lighthouse scores and page weights of every page of the built book"

venv: $(STAMP)

# A machine's pip configuration may list local package folders (file:// indexes) that do
# not hold every package; pip then prints "WARNING: Location 'file:///.../<name>/' is
# ignored: it is neither a file nor a directory" for each package and folder (over 200
# lines in a CI log here). Exactly that line is dropped; everything else pip prints passes,
# and pip's exit status is kept (pipefail). The commands are not echoed (@): their text
# holds the notice's words, which a maintainer searching the log for warnings would find.
PIP_INSTALL := set -o pipefail; $(BIN)/python -m pip install --quiet
NO_MISSING_FOLDER_NOTICES := 2>&1 | { grep -Ev "^WARNING: Location 'file://[^']*' is ignored: it is neither a file nor a directory\.$$" || true; }

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "pip install --quiet --upgrade pip && pip install --quiet -r requirements-dev.txt"
	@$(PIP_INSTALL) --upgrade pip $(NO_MISSING_FOLDER_NOTICES)
	@$(PIP_INSTALL) -r requirements-dev.txt $(NO_MISSING_FOLDER_NOTICES)
	touch $@

# Temml (typesets the math at build time), the math font the site serves, and the
# browser-test tools come from npm.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

book: $(STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book build book $(BOOK_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(BIN)/python -m pytest -q --doctest-modules gdcode
	$(BIN)/python -m pytest -m "not book and not browser and not slow"

js: $(STAMP)
	node --test tests/js/

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	node --test tests/js/
	$(BIN)/jupyter-book build book $(BOOK_FLAGS)
	$(BIN)/python -m pytest -q --doctest-modules gdcode
	$(BIN)/python -m pytest --cov=gdcode --cov-report=term --durations=25

bench: $(STAMP)
	@$(BIN)/python -c "import torch" 2>/dev/null || { echo "pip install torch==2.13.0"; $(PIP_INSTALL) torch==2.13.0 $(NO_MISSING_FOLDER_NOTICES); }
	$(BIN)/python benchmarks/bench_training.py

# A measurement, not a test (scores depend on the machine's load); the page-weight budget
# itself is tests/test_page_weight.py, part of `make test`.
lighthouse: $(STAMP) $(NODE_STAMP)
	$(BIN)/python scripts/lighthouse.py
	$(BIN)/python scripts/measure_site.py

clean:
	rm -rf book/_build
