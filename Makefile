# Quali'Coop — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
FIXTURES := reference cooperatives campaign_2024

.PHONY: run setup test lint bench soak backup restore lighthouse clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.deps-run: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q .
	touch $@

$(VENV)/.deps-dev: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q ".[dev]"
	touch $@ $(VENV)/.deps-run

setup: $(VENV)/.deps-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loaddata $(FIXTURES)
	$(PY) manage.py create_demo_accounts

run: setup
	@echo "Quali'Coop : http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 build *.egg-info

bench: $(VENV)/.deps-run
	@command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(PY) scripts/bench.py $(BENCH_ARGS)

# make backup            -> backups/qualicoop-<date>.json.gz
# make restore FILE=...  -> into the (empty) database of DATABASE_URL
backup: $(VENV)/.deps-run
	$(PY) manage.py backup

restore: $(VENV)/.deps-run
	@test -n "$(FILE)" || (echo "Usage : make restore FILE=backups/qualicoop-....json.gz" && exit 2)
	$(PY) manage.py restore "$(FILE)"

lighthouse: setup
	$(PY) scripts/lighthouse.py

soak: $(VENV)/.deps-run
	$(PY) scripts/soak.py $(SOAK_ARGS)
