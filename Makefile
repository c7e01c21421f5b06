# Two commands do everything on a fresh machine with Python 3.11+:
#   make lab   - set up .venv and open the workshop in JupyterLab (127.0.0.1 only)
#   make test  - set up .venv and run every test, notebooks included (about 10 minutes on 2 cores)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SANITIZE := notebooks/nbval_sanitize.cfg

.PHONY: setup lock lab reset test test-all lint typecheck notebooks bench diagrams site clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lambdalab needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# requirements.txt is the lock: every package at one version, this project editable.
$(STAMP): requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Install only (what lab and test do first); Codespaces and Binder run it at build time.
setup: $(STAMP)

# Resolve requirements.in (this project with its extras; ranges in pyproject.toml) into the
# lock again, for every platform and Python 3.11+, keeping each pin that still fits.
UV_VERSION := 0.13.9
lock: | $(PY)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip compile requirements.in --universal --python-version 3.11 \
		--annotation-style line --custom-compile-command "make lock" -o requirements.txt

# JupyterLab refuses root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The attendee works in my-notebooks/ (git ignores it): copies of notebooks/ made without
# outputs, so that no reveal shows before the guess and a git pull never touches them.
# make lab makes the missing copies and says which notebooks changed upstream;
# make reset NB=03 starts one afresh (the old copy goes to my-notebooks/backup/).
COPIES := my-notebooks
# The language of the workshop: `make lab LANG=ja` opens the Japanese edition (notebooks/ja,
# copies in my-notebooks/ja). Only a LANG given on the command line chooses it; the
# recipes then run with the C.UTF-8 locale, not with a locale named "ja".
ifeq ($(origin LANG),command line)
WORKSHOP_LANGUAGE := $(LANG)
override LANG := C.UTF-8
else
WORKSHOP_LANGUAGE := en
endif
ifeq ($(WORKSHOP_LANGUAGE),ja)
NOTEBOOK_SOURCE := notebooks/ja
COPIES_FOLDER := $(COPIES)/ja
RESET_COMMAND := make reset NB={number} LANG=ja
else ifeq ($(WORKSHOP_LANGUAGE),en)
NOTEBOOK_SOURCE := notebooks
COPIES_FOLDER := $(COPIES)
RESET_COMMAND := make reset NB={number}
else
$(error LANG=$(WORKSHOP_LANGUAGE): the workshop is in en (the default) and ja)
endif
# JupyterLab serves the repository root, so that the notebooks' ../images and ../labs links
# resolve, and opens 00_setup; it fetches no news and checks for no updates (loopback only).
# JUPYTER_ARGS adds options (tests/test_browser.py: --no-browser --port=0).
LAB_OPTIONS := --ip=127.0.0.1 --ServerApp.root_dir=. \
	--LabApp.default_url=/lab/tree/$(COPIES_FOLDER)/00_setup.ipynb \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

lab: $(STAMP)
	@$(PY) -m lambdalab notebooks --source $(NOTEBOOK_SOURCE) --into $(COPIES_FOLDER) \
		--reset-command "$(RESET_COMMAND)"
	$(VENV)/bin/jupyter lab $(LAB_OPTIONS) $(ALLOW_ROOT) $(JUPYTER_ARGS)

reset: $(STAMP)
	@test -n "$(NB)" || { echo "which notebook? make reset NB=03"; exit 2; }
	@$(PY) -m lambdalab notebooks --source $(NOTEBOOK_SOURCE) --into $(COPIES_FOLDER) \
		--reset-command "$(RESET_COMMAND)" --reset $(NB)

# The suite runs on TEST_WORKERS workers (pytest-xdist; conftest.py shares the work out):
# most of it waits on handlers, Lambda's clock, kernels and a browser, so 4 workers on 2
# cores take a third of the time one does. Tests of the cloud where the Runtime API client
# matters run with both clients (tests/conftest.py's both_runtime_clients); nbval runs the
# notebooks on awslambdaric's native client, the browser test on the pure-Python one that
# every Mac uses. The 15 slowest tests are listed at the end.
TEST_WORKERS ?= 4
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --durations=15 \
	--nbval --nbval-sanitize-with $(SANITIZE)

# The Japanese edition (notebooks/ja) runs its code in the browser test; nbval compares its
# stored outputs under test-all, which also runs the English edition in the browser.
test: lint typecheck
	$(PYTEST) tests notebooks --ignore=notebooks/ja

# The same, with the load tests at their full size and both editions run everywhere
# (slower; for a nightly run).
test-all: lint typecheck
	$(PYTEST) --full-size tests notebooks

lint: $(STAMP)
	$(VENV)/bin/ruff check lambdalab tests bench labs images tools notebooks/solutions conftest.py

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Re-run every notebook in place, refreshing the outputs that nbval compares.
notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=120 \
		notebooks/[0-9][0-9]_*.ipynb notebooks/ja/[0-9][0-9]_*.ipynb

diagrams: $(STAMP)
	$(PY) images/make_diagrams.py

# A static HTML rendering of every notebook (stored outputs) and lab, to read without running.
site: $(STAMP)
	$(PY) tools/build_site.py --out site

bench: $(STAMP)
	$(PY) bench/invoke_latency.py
	$(PY) bench/async_throughput.py
	$(PY) bench/cloud_startup.py
	$(PY) bench/cold_start.py

clean:
	rm -rf $(VENV)
