# Tenant Desk: `make run` serves the site, `make test` runs the tests. Both build
# everything they need first (a virtual environment from the pinned lock file).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit test-e2e coverage install lint format check-migrations messages clean bench scale-test lighthouse screenshots

$(VENV)/.installed: requirements-dev.lock build-constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet "uv==$(UV_VERSION)"
	$(UV) pip sync --quiet --python $(PY) --build-constraints build-constraints.txt requirements-dev.lock
	touch $@

install: $(VENV)/.installed
	$(PY) manage.py compiletranslations

# The web server and, beside it, the task worker that sends the e-mails (django-tasks'
# db_worker, docs/email.md). Ctrl-C reaches both (one process group); whichever way the
# server ends, the shell's EXIT trap stops the worker and waits for it, so none is left
# behind. The worker does not reload on code changes: restart `make run` after editing
# tenantdesk/notifications. Before it starts, the jobs its previous run left RUNNING (killed,
# not stopped) are finished: sweep_stale_jobs with the worker's fixed id (docs/email.md).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_admin
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(PY) manage.py sweep_stale_jobs --worker-id make-run-$(PORT)
	@export SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}"; \
	$(PY) manage.py db_worker --no-reload --interval 1 --worker-id make-run-$(PORT) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	echo "Task worker (e-mails) started, pid $$worker"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Unit and integration tests in one session, browser tests in another (a live server
# process and asyncio tests do not mix well in one process), one after the other: run at
# the same time on 2 cores they took longer than in turn, and timing tests failed. Each
# session spreads its tests over one process per CPU core (pytest-xdist; every process has
# its own test database, channel prefix and live server); TEST_WORKERS=0 runs a session's
# tests in one process, one by one.
TEST_WORKERS ?= auto
PYTEST := $(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS)

test: test-unit test-e2e

test-unit: install
	$(PYTEST) tests --ignore=tests/e2e --ignore=tests/scale

test-e2e: install
	$(PYTEST) tests/e2e

# `make test` with line and branch coverage of the product ([tool.coverage] in
# pyproject.toml); the report's TOTAL is the figure .ci/README.md keeps. About 1.5× the
# time of `make test` on Python 3.11, so CI does not run it on every change.
coverage: install
	rm -f .coverage .coverage.*
	$(PYTEST) tests --ignore=tests/e2e --ignore=tests/scale --cov --cov-report=
	$(PYTEST) tests/e2e --cov --cov-append --cov-report=
	$(VENV)/bin/coverage report --skip-covered

# Load and latency against a raw ASGI app and a bare Channels consumer (bench/README.md).
# Uses PostgreSQL and Redis when DATABASE_URL and REDIS_URL name them; needs wrk.
bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

# The production site on 127.0.0.1 for minutes, through faults (tests/scale/README.md):
# nginx, two uvicorn workers, PostgreSQL, Redis and an S3 bucket (moto). Needs nginx and
# DATABASE_URL + REDIS_URL naming this machine's PostgreSQL and Redis; about 7 minutes.
scale-test: install
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make scale-test needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (tests/scale/README.md)" >&2; exit 2; }
	@test -x /usr/sbin/nginx || { echo "make scale-test needs nginx: apt-get install nginx" >&2; exit 2; }
	$(PY) -m pytest tests/scale -p no:cacheprovider -v $(SCALE_ARGS)

# Lighthouse (mobile preset) on every page of the production shape: uvicorn, production
# settings, WhiteNoise, a seeded PostgreSQL database, Redis (docs/measuring-the-look.md).
# Needs DATABASE_URL + REDIS_URL as scale-test does, Node.js with npm, and Chromium;
# Lighthouse itself is installed from tools/lighthouse/package-lock.json on first use.
# The table: test-artifacts/lighthouse.md. LIGHTHOUSE_ARGS="--pages chat-manager --runs 3".
lighthouse: install
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make lighthouse needs DATABASE_URL=postgres://… and REDIS_URL=redis://… (docs/measuring-the-look.md)" >&2; exit 2; }
	$(PY) -m tools.lighthouse $(LIGHTHOUSE_ARGS)

# Every page in English and Russian, light and dark, desktop and phone, into
# test-artifacts/screenshots/all/; the README's four, made small, into docs/screenshots/.
screenshots: install
	SCREENSHOTS=all $(PY) -m pytest -p no:cacheprovider -n 0 -q tests/e2e/test_screenshots_browser.py -k test_every_page
	$(PY) -m tools.screenshots

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# Refresh the Russian catalogues after changing strings (needs GNU gettext's xgettext).
messages: install
	for app in core accounts people places announcements service_requests chat incidents notifications; do \
	  (cd tenantdesk/$$app && ../../$(PY) ../../manage.py makemessages -l ru --no-obsolete); done
	cd tenantdesk && ../$(PY) ../manage.py makemessages -l ru --no-obsolete --ignore=core --ignore=accounts --ignore=service_requests --ignore=chat --ignore=notifications --ignore=people --ignore=places --ignore=announcements --ignore=incidents
	$(PY) manage.py compiletranslations

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
