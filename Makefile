# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAMPLE := geodata/sample
# The artifact shown: $COMMUNITY_GPKG, else build/community.gpkg. `pipelines refresh` builds the demo only
# when there is no artifact, and otherwise rebuilds only from the folder the artifact came from: a
# community's own data is never replaced by the demo.
ARTIFACT := $(or $(COMMUNITY_GPKG),build/community.gpkg)
DEMO := $(if $(COMMUNITY_GPKG),--no-demo,--demo $(SAMPLE))
PORT ?= 8501
# 127.0.0.1 by default (.streamlit/config.toml): only this machine. ADDRESS=0.0.0.0 serves the office network.
ADDRESS ?=

.PHONY: run test lint build demo docs bench bench-dashboard e2e clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

build: $(VENV)/.installed
	$(PY) -m pipelines refresh --out $(ARTIFACT) $(DEMO)

run: build
	$(PY) -m operations prepare --artifact $(ARTIFACT)
	$(PY) -m dashboard.assets
	COMMUNITY_GPKG=$(ARTIFACT) $(PY) -m streamlit run dashboard/app.py --server.port $(PORT) \
		$(if $(ADDRESS),--server.address $(ADDRESS))

test: $(VENV)/.installed-dev
	$(PY) -m ruff check pipelines operations dashboard tests
	$(PY) -m mypy pipelines operations
	$(PY) -m dashboard.assets
	$(PY) -m pytest

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check pipelines operations dashboard tests
	$(PY) -m mypy pipelines operations

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

clean:  # the store (var/: users, sessions, the audit log) is not touched
	rm -rf build dashboard/static
