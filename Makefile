# Indicator analysis toolkit: `make help` lists the targets.
SHELL := /bin/bash
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONSTRAINTS := constraints.txt
YEAR ?= 2024
WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help venv report test lab bench sample lint clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,engine]'
	$(PY) -m ipykernel install --sys-prefix --name analysis --display-name "Python (analysis)" >/dev/null
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the project (done by the other targets when missing)

sample: $(STAMP) ## Write the synthetic sample province to data/sample (when absent)
	@test -f data/sample/SYNTHETIC.md || $(PY) -m analysis sample --out data/sample

report: $(STAMP) sample ## Main job: figures and reviewer site for YEAR (default 2024) from the sample data
	$(PY) -m analysis run --year $(YEAR) --workers $(WORKERS)

test: $(STAMP) ## Run the test suite
	$(PY) -m pytest -q -n 2 --dist loadgroup

lab: $(STAMP) ## Open JupyterLab with the project's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP) ## Benchmarks: aggregation at 10 million rows, the report run, the explorer's updates
	$(PY) benchmarks/aggregate.py --rows 10000000 --format parquet
	$(PY) benchmarks/aggregate.py --rows 10000000 --format csv
	$(PY) benchmarks/report.py
	$(PY) benchmarks/explore.py

lint: $(STAMP) ## Ruff on the package and tests
	$(VENV)/bin/ruff check src tests benchmarks

clean: ## Remove outputs (figures, reports, their releases, scratch, processed cache); keeps data and .venv
	rm -rf figures reports releases scratch .analysis-run.lock data/processed
