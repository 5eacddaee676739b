# Quali'Coop — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint typecheck migrations suite suite-fast screenshots lock system-deps bench soak cluster backup restore lighthouse clean

# Dependencies are installed from the lock files only, every package pinned
# with its hashes, so that every machine runs the same code. pyproject.toml
# says what the project needs; `make lock` turns it into the lock files.
# requirements/base.lock: what runs the portal; requirements/dev.lock: the same
# pins plus the test and lint tools.
#
# The lock files are installed as complete sets: --no-deps, so that no
# package's own requirements are resolved again against what was released
# since (a new fonttools once broke the install of a lock that pinned the
# previous one); `pip check` then proves the set is complete and consistent.
# The installer is pinned too: requirements/bootstrap.lock brings a known pip,
# with its hashes, before anything else.
PIP_INSTALL := $(VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.pip: requirements/bootstrap.lock | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements/bootstrap.lock
	touch $@

# A change of a lock file reinstalls; system-deps is order-only: checked on
# every run, it never forces a reinstall.
$(VENV)/.deps-run: requirements/base.lock $(VENV)/.pip | system-deps
	$(PIP_INSTALL) -r requirements/base.lock
	$(VENV)/bin/python -m pip check --disable-pip-version-check
	touch $@

$(VENV)/.deps-dev: requirements/base.lock requirements/dev.lock $(VENV)/.pip | system-deps
	$(PIP_INSTALL) -r requirements/dev.lock
	$(VENV)/bin/python -m pip check --disable-pip-version-check
	touch $@ $(VENV)/.deps-run

# Refresh the lock files after a change of the dependencies in pyproject.toml.
# Pins already in the lock files are kept where they still fit; to move to the
# newest versions: make lock LOCK_ARGS=--upgrade (or --upgrade-package NAME).
# The lock tool is only needed here, so it is installed on demand, at a fixed
# version. The resolution is universal (markers for other platforms and
# Python versions are kept) from the lowest Python the project supports; dev
# is constrained by base so that both files pin the same versions.
UV_VERSION := 0.13.8
LOCK_ARGS ?=
LOCK := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(LOCK_ARGS)

lock: | $(VENV)/bin/python
	@$(VENV)/bin/uv --version 2>/dev/null | grep -qx "uv $(UV_VERSION)" \
		|| $(VENV)/bin/pip install -q "uv==$(UV_VERSION)"
	@mkdir -p requirements
	$(LOCK) requirements/bootstrap.in -o requirements/bootstrap.lock
	$(LOCK) pyproject.toml -o requirements/base.lock
	$(LOCK) pyproject.toml --extra dev -c requirements/base.lock -o requirements/dev.lock

# Debian packages the Python ones lean on: Pango and HarfBuzz, which WeasyPrint
# loads at run time to lay out PDFs; nginx, the reverse proxy in front of
# gunicorn; poppler-utils (pdftotext), to read the generated PDFs back.
# Installed only when missing, and only where that is possible (root, apt);
# anywhere else the message says what to install by hand.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 nginx poppler-utils

system-deps:
	@command -v dpkg >/dev/null 2>&1 || { \
		echo "system-deps : pas de dpkg ici, installez vous-même : $(SYSTEM_PACKAGES)"; \
		exit 0; }; \
	missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
		[ "$$(dpkg -s "$$pkg" 2>/dev/null | sed -n 's/^Status: //p')" = "install ok installed" ] \
			|| missing="$$missing $$pkg"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "system-deps : paquets Debian manquants :$$missing"; \
		echo "  (en root : apt-get install$$missing)"; \
		exit 0; \
	fi; \
	echo "== installation :$$missing"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null

setup: $(VENV)/.deps-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py create_demo_accounts

# The task worker (e-mails, heavy jobs) runs beside the development server and
# stops with it. HOST and PORT reach the settings, so that absolute links
# (e-mails, PDFs, canonical URLs) name the address actually served.
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: setup
	@echo "Quali'Coop : http://$(HOST):$(PORT)/ (serveur et file de tâches)"
	@echo "  Comptes de démonstration : voir README.md (mot de passe : qualicoop-demo)"
	@echo "  E-mails : affichés dans ce terminal, pas envoyés (sauf EMAIL_BACKEND donné)"
	$(PY) manage.py db_worker & trap 'kill $$!' EXIT; $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.deps-dev
	$(VENV)/bin/mypy

migrations: $(VENV)/.deps-dev
	$(PY) manage.py makemigrations --check --dry-run

# The suite in two parts: the tests that need no browser run in parallel, one
# process per core (pytest-xdist); then those that drive Chromium, start app
# servers or run the HTML validator (Java), a file per process: most of their
# time is spent waiting on a browser, a server or an image being built, and a
# file's tests share its servers and fixtures. Coverage of
# the code and the templates is measured over both parts and must stay above
# the floor (README, "Tests"). PYTEST_ARGS passes options to both parts,
# e.g. make test PYTEST_ARGS="--lf".
TEST_WORKERS ?= auto
COVERAGE_FLOOR := 85
PYTEST := DJANGO_ALLOW_ASYNC_UNSAFE=true TEMPLATE_DEBUG=true $(VENV)/bin/pytest
PARALLEL := -m "not browser and not integration and not validity"
SERIAL := -m "browser or integration or validity"

test: lint typecheck migrations suite

suite: $(VENV)/.deps-dev
	$(PYTEST) -n $(TEST_WORKERS) $(PARALLEL) --cov --cov-report= $(PYTEST_ARGS)
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile $(SERIAL) --cov --cov-append --cov-report= $(PYTEST_ARGS)
	@echo "Couverture (plancher $(COVERAGE_FLOOR) %) :"
	$(VENV)/bin/coverage report --fail-under=$(COVERAGE_FLOOR) --format=total

# The parallel part alone, without coverage (so without the templates' debug
# mode it needs): CI runs it on its second database.
suite-fast: $(VENV)/.deps-dev
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(TEST_WORKERS) $(PARALLEL) $(PYTEST_ARGS)

# The README's screenshots, taken again by the browser tests (an ordinary run
# writes them under test-results/ and leaves the tracked ones alone).
screenshots: $(VENV)/.deps-dev
	REFRESH_SCREENSHOTS=1 $(PYTEST) tests/browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 build *.egg-info .coverage .coverage.* test-results

bench: $(VENV)/.deps-run
	@command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(PY) scripts/bench.py $(BENCH_ARGS)

# make backup            -> backups/<date>/ in the file store (dump, then manifest),
#                           and the retention policy applied (README, "Sauvegardes")
# make restore-drill     -> the latest backup restored into a scratch database and checked
# make restore FILE=...  -> a portable export (backup --portable) into the empty
#                           database of DATABASE_URL, e.g. to move from SQLite to PostgreSQL
backup: $(VENV)/.deps-run
	$(PY) manage.py backup

.PHONY: restore-drill
restore-drill: $(VENV)/.deps-run
	$(PY) manage.py restore_drill

restore: $(VENV)/.deps-run
	@test -n "$(FILE)" || (echo "Usage : make restore FILE=export.json.gz (manage.py backup --portable)" && exit 2)
	$(PY) manage.py restore "$(FILE)"

lighthouse: setup
	$(PY) scripts/lighthouse.py

soak: $(VENV)/.deps-run
	$(PY) scripts/soak.py $(SOAK_ARGS)

# Two app servers behind nginx, one stopped and started again under load
# (PostgreSQL, Redis and nginx required): report in docs/soak.md.
cluster: $(VENV)/.deps-run
	$(PY) scripts/cluster.py $(CLUSTER_ARGS)

# A container image of the portal (Containerfile), built without any image
# registry or package index: the Debian base is made by mmdebstrap from the
# Debian mirror and imported into podman; the locked wheels are gathered here
# (the image installs them by hash, as make setup does). The image's Python is
# Debian's: a package whose lock marker depends on the exact Python version
# (async-timeout below 3.11.3) is fetched too, whatever this machine runs.
# CONTAINERS_CONF: runc, and no default ulimits, which an unprivileged
# container host may not raise.
IMAGE ?= qualicoop
DEBIAN_SUITE ?= bookworm
APP_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
BASE_PACKAGES := python3,python3-venv,ca-certificates,passwd,libpango-1.0-0,libpangoft2-1.0-0,libharfbuzz-subset0,fonts-dejavu-core
PODMAN := CONTAINERS_CONF=$(CURDIR)/build/containers.conf podman

.PHONY: image
image: build/containers.conf build/wheels/.complete
	@$(PODMAN) image exists localhost/$(IMAGE)-base:$(DEBIAN_SUITE) || { \
		mmdebstrap --variant=minbase --include=$(BASE_PACKAGES) $(DEBIAN_SUITE) build/base.tar \
		&& $(PODMAN) import build/base.tar localhost/$(IMAGE)-base:$(DEBIAN_SUITE) \
		&& rm -f build/base.tar; }
	$(PODMAN) build --network host --format docker \
		--build-arg BASE_IMAGE=localhost/$(IMAGE)-base:$(DEBIAN_SUITE) \
		--build-arg APP_VERSION=$(APP_VERSION) -t localhost/$(IMAGE):latest -f Containerfile .

build/containers.conf:
	@mkdir -p build
	printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > $@

build/wheels/.complete: requirements/bootstrap.lock requirements/base.lock | $(VENV)/bin/python
	rm -rf build/wheels
	$(VENV)/bin/pip download -q --no-deps -d build/wheels \
		-r requirements/bootstrap.lock -r requirements/base.lock
	$(VENV)/bin/pip download -q --no-deps -d build/wheels \
		$$(grep -oE '^[A-Za-z0-9_.-]+==[^ ]+ ; python_full_version' requirements/base.lock | cut -d' ' -f1)
	touch $@
