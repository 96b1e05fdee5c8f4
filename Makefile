# Two commands do everything, set-up included: `make run` (the main job) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEBIAN_DATA := /usr/share/datasets/fashion-mnist
POSTGRES_BIN := $(wildcard /usr/lib/postgresql/*/bin/initdb)
SEEDS := 0 1 2

.PHONY: run study test setup data postgres browser lint report bench demo screenshot

## run: every notebook top to bottom in full mode (progress printed as text), then the README's tables.
## Multi-seed numbers are read from the files `make study` wrote; nothing long is trained here.
run: setup data
	$(PY) -m fmnist notebooks
	$(PY) -m fmnist report

## study: the long work (hours): every seed of every recipe planned on this CPU class (fmnist.lab.plan:
## the reference recipes, and each screening candidate once its base was kept here; `python -m
## fmnist study --plan` lists them). Finished runs are skipped; an interrupted run resumes. Commit assets/.
study: setup data
	$(PY) -m fmnist study --seeds $(SEEDS)
	$(PY) -m fmnist report

## test: unit tests + every notebook under nbval, in quick mode (PostgreSQL and browser tests included)
test: setup data postgres browser
	FMNIST_QUICK=1 $(PY) -m pytest --nbval-lax --nbval-current-env tests notebooks

## setup: the virtual environment with the pinned requirements and the package (editable)
setup: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## data: the raw files in data/FashionMNIST/raw, verified; installs the Debian package when needed
data: setup
	@if ! $(PY) -m fmnist data --no-download >/dev/null 2>&1 && [ ! -d $(DEBIAN_DATA) ] \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing the Debian package dataset-fashion-mnist"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	fi
	$(PY) -m fmnist data

## postgres: Debian's PostgreSQL server binaries, for the distributed-search tests (as root, when missing)
postgres:
	@if [ -z "$(POSTGRES_BIN)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing the Debian package postgresql (server binaries for the search tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi

## browser: Debian's headless Chromium and chromedriver, for the demo page's browser test (as root, when missing)
browser:
	@if ! { command -v chromium && command -v chromedriver; } >/dev/null && [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null; then \
		echo "Installing the Debian packages chromium and chromium-driver (the demo page's browser test)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

## demo: the demo page on http://127.0.0.1:7860 (upload or draw a garment; Ctrl-C stops it)
demo: setup
	$(PY) -m fmnist demo

## screenshot: assets/demo.png, taken by the browser test from the page's answer to an uploaded photo
screenshot: setup data browser
	FMNIST_DEMO_SCREENSHOT=assets/demo.png $(PY) -m pytest -q tests/test_demo_browser.py -k uploaded_photo

## lint: ruff over the package, tests and benchmarks; the import contracts (pyproject.toml): the
## library never imports the lab, floors only point down, and no circles of imports
lint: setup
	$(PY) -m ruff check src tests benchmarks hubconf.py
	$(PY) -m ruff format --check src tests benchmarks hubconf.py
	$(VENV)/bin/lint-imports

## report: regenerate the README's and docs/' generated tables, figures and the research log from assets/
report: setup
	$(PY) -m fmnist report

## bench: the training step against this CPU's matrix rate (per native precision), speed against the
## reference pipeline (benchmarks/), then the README's tables
bench: setup data
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(PY) benchmarks/bench_step.py
	$(PY) benchmarks/bench_pipeline.py
	$(PY) benchmarks/reference_points.py
	$(PY) -m fmnist report
