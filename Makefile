# Backpropagation from Scratch: set up, build, test.
#   make book    set everything up and build the HTML book into _build/html
#   make test    run every test: lint, unit and property tests, notebook hygiene,
#                nbval (stored outputs reproduce), the strict book build, and the
#                browser tests of the built book (installs Debian's chromium if root)
#   make nbval-matrix   nbval under every CPU level this machine can emulate, 1 and 2 BLAS threads
#   make oracle  install PyTorch (CPU) into .venv and check mlp against it
#   make notebooks [NB=chapters/01_x.ipynb]   re-execute chapter notebooks in place

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One BLAS thread and a fixed hash seed: the settings the stored outputs were made with.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export PYTHONHASHSEED := 0

.PHONY: setup book test lint unit nbval nbval-matrix build-strict browser oracle notebooks clean python-version

setup: $(VENV)/.installed _vendor/mathjax/.version

# The pinned versions install on CPython 3.11, 3.12 and 3.13 (see README).
python-version:
	@$(PYTHON) tools/check_python.py

$(VENV)/.installed: requirements.txt pyproject.toml tools/check_python.py
	@test -x $(BIN)/python || $(PYTHON) tools/check_python.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

_vendor/mathjax/.version: tools/vendor_mathjax.sh
	bash tools/vendor_mathjax.sh

book: setup
	$(BIN)/jupyter-book build --all .
	@echo "Open _build/html/index.html in a browser."

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: setup
	$(BIN)/pytest --ignore=tests/browser

# The stored outputs reproduce with the machine's own kernels and with numpy's baseline
# kernels (and OpenBLAS's generic ones), two runs at a time. The first run's cell times
# (_build/nbval/timings.xml) feed the execution-statistics page of the next build.
nbval: setup
	$(BIN)/python tools/nbval_levels.py

nbval-matrix: setup
	$(BIN)/python tools/nbval_levels.py --all

build-strict: setup
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(BIN)/jupyter-book build --all . -W -n --keep-going

# Browser tests of the book built by build-strict, in Debian's chromium (never a downloaded browser).
browser: build-strict
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	  else \
	    echo "browser: /usr/bin/chromium or /usr/bin/chromedriver is missing. Install them as root:"; \
	    echo "    sudo apt-get install -y chromium chromium-driver"; \
	    exit 1; \
	  fi; \
	fi
	BOOK_BROWSER_TESTS=required $(BIN)/pytest tests/browser

test: lint unit nbval build-strict browser

# PyTorch as an independent oracle for every layer, loss and optimizer (tests/oracle). PyTorch
# is no dependency of the book: this installs the pinned CPU build into .venv first.
oracle: setup
	$(BIN)/python -m pip install --quiet -r requirements-torch.txt
	MLP_TORCH_ORACLE=required $(BIN)/pytest tests/oracle

NB ?= chapters/*.ipynb
notebooks: setup
	$(BIN)/python tools/run_notebooks.py $(NB)

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache

# PDF edition: _build/latex/book.pdf, from the same sources, with Jupyter Book's LaTeX
# builder and XeLaTeX (latexmk) from Debian's packages: tools/pdf/latex_deps.sh installs
# them as root when missing, or says which to install. If the HTML book is built, the PDF
# is copied into it too (the next HTML build links it in every page's footer).
# pdf-test checks the PDF (tests/pdf); it is not part of make test.
.PHONY: pdf pdf-test
pdf: $(VENV)/.installed
	bash tools/pdf/latex_deps.sh
	rm -rf _build/latex
	LATEXMKOPTS="-xelatex -interaction=nonstopmode -halt-on-error" \
	  $(BIN)/jupyter-book build --all . --builder pdflatex
	@if [ -d _build/html ]; then cp _build/latex/book.pdf _build/html/book.pdf; fi
	@echo "PDF edition: _build/latex/book.pdf, $$(pdfinfo _build/latex/book.pdf | awk '/^Pages:/{print $$2}') pages"

pdf-test: $(VENV)/.installed
	BOOK_PDF_TESTS=required $(BIN)/pytest -p no:cacheprovider tests/pdf
