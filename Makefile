# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := geodata/sample
ARTIFACT := build/community.gpkg
PORT ?= 8501

.PHONY: run test lint build demo docs bench bench-dashboard e2e clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The artifact is rebuilt when any input file or the pipeline is newer than it.
$(ARTIFACT): $(VENV)/.installed $(wildcard $(SAMPLE)/*) $(wildcard pipelines/*.py) pipelines/rules/flags.toml
	$(PY) -m pipelines build --input $(SAMPLE) --out $(ARTIFACT)

build: $(ARTIFACT)

run: $(ARTIFACT)
	$(PY) -m dashboard.assets
	$(PY) -m streamlit run dashboard/streamlit_app.py --server.port $(PORT)

test: $(VENV)/.installed-dev
	$(PY) -m ruff check pipelines dashboard tests
	$(PY) -m mypy pipelines
	$(PY) -m dashboard.assets
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check pipelines dashboard tests
	$(PY) -m mypy pipelines

demo: $(VENV)/.installed
	$(PY) -m pipelines demo --out $(SAMPLE)
	$(PY) -m pipelines docs

docs: $(VENV)/.installed
	$(PY) -m pipelines docs

bench: $(VENV)/.installed
	$(PY) -m pipelines bench

bench-dashboard: $(VENV)/.installed-dev
	$(PY) -m dashboard.assets
	$(PY) -m dashboard.bench

clean:
	rm -rf build dashboard/static
