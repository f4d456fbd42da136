# Two commands: `make book` builds the website, `make test` runs every check.
# Both create .venv on first use and reinstall requirements only when
# requirements.txt or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

.PHONY: book test unit notebooks clean help page

help:
	@echo "make book   build the website into _build/html (warnings are errors)"
	@echo "make test   unit tests + every notebook under nbmake"
	@echo "make clean  remove _build"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, this is " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo
	@echo "Open this page in a browser: file://$(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n $(JOBS)

# RuntimeWarnings (NumPy overflow, invalid value, ...) raised inside a
# notebook are errors: a notebook that means to show one catches it.
notebooks: $(STAMP)
	PYTHONWARNINGS=error::RuntimeWarning $(BIN)/python -m pytest --nbmake chapters -n $(JOBS) -p no:cacheprovider

test: unit notebooks

clean:
	rm -rf _build

# Build the introduction and one page only, into _build/page, with the same
# settings as the book (warnings are errors): for authors, while writing.
#   make page PAGE=chapters/01_why_gradients_vanish
page: $(STAMP)
	@test -n "$(PAGE)" || (echo "usage: make page PAGE=chapters/<notebook name without .ipynb>"; exit 2)
	@mkdir -p _build/tocs
	@printf 'format: jb-book\nroot: intro\nchapters:\n  - file: %s\n' "$(PAGE)" > _build/tocs/$(notdir $(PAGE)).yml
	$(BIN)/jupyter-book build . --all -W -n --keep-going --toc _build/tocs/$(notdir $(PAGE)).yml --path-output _build/page/$(notdir $(PAGE))
	@echo "Open file://$(CURDIR)/_build/page/$(notdir $(PAGE))/_build/html/$(PAGE).html"
