# Two commands: `make book` builds the website, `make test` runs every check.
# Both create .venv on first use and reinstall requirements only when
# requirements.txt or pyproject.toml changed.
#
# make test = unit tests, every notebook under nbmake, the book build (the
# same as `make book`: warnings are errors; it builds the JupyterLite edition
# too), vglib's unit tests under that edition's Pyodide in Node.js
# (`make pyodide-test`), then the website checks (`make site-test`): links in
# every built page, and every page of the table of contents opened offline in
# headless Chromium. Screenshots of each page go to test-artifacts/screenshots/.
# Then `make lite-test`: every chapter run in the JupyterLite edition
# (test-artifacts/lite/). Last, `make lab-test`: three chapters run in a real
# JupyterLab (screenshots and latencies in test-artifacts/jupyterlab/).
#
# `make lab` opens the course in JupyterLab from the venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

# The course's matrices are small: one BLAS thread per process is faster than
# two competing ones, and the notebooks run two at a time under nbmake.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
# The website serves its own MathJax: tools/vendor_mathjax.py fetches the
# pinned npm package into $(VENDOR) (never committed; see _config.yml).
VENDOR   := _build/vendor/static
MATHJAX  := $(VENDOR)/mathjax/startup.js
CHROMIUM ?= /usr/bin/chromium

.PHONY: book test unit notebooks site-test chromium vendor clean help page lab lab-test hooks soak student pdf lite lite-test pyodide-test node

help:
	@echo "make book   build the website into _build/html (warnings are errors)"
	@echo "make test   unit tests, every notebook under nbmake, the book, and the website checks"
	@echo "make site-test  only the website checks (links, offline pages in headless Chromium) on _build/html"
	@echo "make soak   unit tests, then every notebook three times on a busy machine (before resolving an issue)"
	@echo "make lab    open the course in JupyterLab (from the venv; localhost only)"
	@echo "make lab-test   only the JupyterLab checks (three chapters run in a real JupyterLab)"
	@echo "make hooks  strip notebook outputs on commit (nbstripout git filter for this clone)"
	@echo "make student  the chapters without solutions, and a zip to hand out, in _build/student"
	@echo "make pdf    a printable PDF of the website (run make book first): _build/pdf/vanishing-gradients.pdf"
	@echo "make lite   the JupyterLite edition (chapters in the browser, no server) into _build/html/lite (make book does it too)"
	@echo "make lite-test  only the JupyterLite checks (every chapter run in the edition in headless Chromium)"
	@echo "make pyodide-test  vglib's unit tests under the edition's Pyodide in Node.js"
	@echo "make clean  remove _build"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, this is " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

vendor: $(MATHJAX)

$(MATHJAX): tools/vendor_mathjax.py | $(STAMP)
	$(BIN)/python tools/vendor_mathjax.py $(VENDOR)

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	$(MAKE) lite
	@echo
	@echo "Open this page in a browser: file://$(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n $(JOBS) --ignore=tests/browser --ignore=tests/lab
	$(BIN)/python -m pytest --doctest-modules vglib -p no:cacheprovider -q

# RuntimeWarnings (NumPy overflow, invalid value, ...) raised inside a
# notebook are errors: a notebook that means to show one catches it.
notebooks: $(STAMP)
	PYTHONWARNINGS=error::RuntimeWarning $(BIN)/python -m pytest --nbmake chapters -n $(JOBS) -p no:cacheprovider

# Before resolving an issue that touched chapters/ or vglib/: the unit tests and
# every notebook three times (one BLAS thread, two BLAS threads, an older CPU's
# kernels) while a CPU-bound process per core keeps the machine busy. See
# tools/soak.py and CONTRIBUTING.md. Not part of `make test` (CI time).
soak: $(STAMP)
	$(BIN)/python tools/soak.py

# In this order, also under make -j: each step needs the previous one to pass.
test:
	$(MAKE) unit
	$(MAKE) notebooks
	$(MAKE) book
	$(MAKE) pyodide-test
	$(MAKE) site-test
	$(MAKE) lite-test
	$(MAKE) lab-test

# Checks of the built website in _build/html (run `make book` first). The
# browser is Debian's chromium driven by Playwright (no `playwright install`).
site-test: $(STAMP) chromium
	@test -f _build/html/index.html || (echo "no website in _build/html: run 'make book' first"; exit 2)
	$(BIN)/python tools/vendor_axe.py _build/vendor
	VG_SITE_TESTS=1 VG_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/browser -p no:cacheprovider --durations=5

chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$(CHROMIUM)" = /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM). Install it with"; \
		echo "    sudo apt-get install -y chromium     (Debian/Ubuntu)"; \
		echo "or run: make site-test CHROMIUM=/path/to/chromium"; exit 1; \
	fi

clean:
	rm -rf _build

# JupyterLab on the course, from the venv, with jupyterlab-myst (MyST and the
# glued numbers render; see README). It listens on localhost only and prints
# the URL with its token. Extra options: make lab LAB_ARGS="--port=8899".
# Sets up the output-stripping git filter first (`make hooks`).
lab: $(STAMP) hooks
	$(BIN)/jupyter-lab --ServerApp.ip=localhost --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/chapters \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# Three chapters opened, run and saved in a real JupyterLab (127.0.0.1, a
# token, a temporary copy of chapters/), read and clicked in headless
# Chromium: tests/lab. Screenshots and latencies go to test-artifacts/jupyterlab/.
lab-test: $(STAMP) chromium
	VG_LAB_TESTS=1 VG_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/lab -p no:cacheprovider --durations=5

# Notebooks are committed without outputs: the nbstripout git filter, named in
# .gitattributes, strips outputs, execution counts and run metadata (inline
# expression results included) from what `git add` stages; the working copy
# keeps them. Configured per clone (git does not take filters from the
# repository), with this venv's Python. Not a git clone: nothing to do.
hooks: $(STAMP)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		git config filter.nbstripout.clean '"$(CURDIR)/$(BIN)/python" -m nbstripout --keep-id --extra-keys "cell.metadata.user_expressions"' && \
		git config filter.nbstripout.smudge cat && \
		git config filter.nbstripout.required true && \
		git config diff.ipynb.textconv '"$(CURDIR)/$(BIN)/python" -m nbstripout --keep-id -t' && \
		echo "nbstripout: notebook outputs are stripped when staged (.gitattributes)"; \
	fi

# Build the introduction and one page only, into _build/page, with the same
# settings as the book (warnings are errors): for authors, while writing.
#   make page PAGE=chapters/01_why_gradients_vanish
page: $(STAMP) $(MATHJAX)
	@test -n "$(PAGE)" || (echo "usage: make page PAGE=chapters/<notebook name without .ipynb>"; exit 2)
	@mkdir -p _build/tocs
	@printf 'format: jb-book\nroot: intro\nchapters:\n  - file: %s\n  - file: bibliography\n' "$(PAGE)" > _build/tocs/$(notdir $(PAGE)).yml
	$(BIN)/jupyter-book build . --all -W -n --keep-going --toc _build/tocs/$(notdir $(PAGE)).yml --path-output _build/page/$(notdir $(PAGE))
	@echo "Open file://$(CURDIR)/_build/page/$(notdir $(PAGE))/_build/html/$(PAGE).html"

# For instructors (README, "For instructors"). The student edition: every
# chapter of _toc.yml without its solutions, the stubs' "not yet" lines turned
# into checks, with vglib/ and the pins, zipped
# (_build/student/vanishing-gradients-student.zip). Reads notebooks only.
student: $(STAMP)
	$(BIN)/python tools/student.py --out _build/student

# A printable PDF of a built site (default _build/html: run `make book`
# first; PDF_SITE=_build/page/NAME/_build/html prints a `make page` build),
# printed by Debian's Chromium. PDF_ARGS=--no-solutions leaves solutions out.
PDF_SITE ?= _build/html
pdf: $(STAMP) chromium
	@test -f $(PDF_SITE)/index.html || (echo "no website in $(PDF_SITE): run 'make book' first"; exit 2)
	$(BIN)/python tools/pdf.py $(PDF_SITE) --out _build/pdf/vanishing-gradients.pdf --chromium $(CHROMIUM) $(PDF_ARGS)

# The JupyterLite edition (README, "Run it in your browser"): every chapter
# runs in the reader's browser on a Pyodide kernel, served from the website
# itself (_build/html/lite). vglib is built as a wheel from a clean copy of
# git HEAD (LITE_ARGS=--source worktree: from the working tree). The Pyodide
# runtime (npm pyodide@0.27.7) and the package files go to _build/lite-cache;
# each package file is accepted only if its sha256 is the one in that
# release's official lock (tools/lite/build.py). Never committed.
# `make book` builds it after the website, so that each chapter's
# "Run in the browser" link finds its notebook there.
lite: $(STAMP)
	$(BIN)/python tools/lite/build.py $(LITE_ARGS)

# Every chapter opened in the edition in headless Chromium (loopback only),
# run, and one explorer slider dragged: tests/browser/test_lite.py; two
# chapters at a time. For CI time, of the chapters in LITE_FIRST only the
# cells up to and including the first explorer run, and of NAME:N only the
# first N code cells: chapter 10 up to its MNIST digits loaded from the
# edition, chapter 11 its imports (both train for 3 to 4 minutes in
# WebAssembly before their first explorer); `make lite-test LITE_FIRST=`
# runs every cell of every chapter. Times, screenshots: test-artifacts/lite/.
LITE_FIRST ?= 04b_vanishing_during_training,05_relu,09_lstm_gating,10_investigation:4,11_choosing_an_activation:2,12_beyond_activations
lite-test: $(STAMP) chromium
	@test -f _build/html/lite/index.html || (echo "no JupyterLite edition in _build/html/lite: run 'make lite'"; exit 2)
	VG_SITE_TESTS=1 VG_LITE_TESTS=1 VG_LITE_FIRST=$(LITE_FIRST) VG_CHROMIUM=$(CHROMIUM) \
		$(BIN)/python -m pytest tests/browser/test_lite.py -n $(JOBS) -p no:cacheprovider -s --durations=5

# vglib's unit tests under the edition's Pyodide, in Node.js 20 (no browser):
# a change that breaks the browser edition fails here.
pyodide-test: $(STAMP) node
	@test -f _build/html/lite/static/pyodide/pyodide.js || (echo "no Pyodide in _build/html/lite: run 'make lite'"; exit 2)
	node tests/pyodide/run_tests.js

node:
	@command -v node >/dev/null && node -e 'process.exit(parseInt(process.versions.node, 10) >= 18 ? 0 : 1)' || { \
		echo "make pyodide-test needs Node.js 18 or newer: sudo apt-get install -y nodejs (Debian/Ubuntu)"; exit 1; }
