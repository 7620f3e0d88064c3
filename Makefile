# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run worker serve test test-postgres test-elasticsearch lint format migrations-check bench venv demo

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# The web server and a job worker together; one Ctrl-C stops both.
run: demo
	@$(PY) manage.py jobs_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

worker: $(STAMP)
	$(PY) manage.py jobs_worker

var/secret_key:
	@mkdir -p var
	@umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key

# Production configuration: gunicorn workers, WhiteNoise, DEBUG off, a job worker beside it.
# Behind a TLS proxy; SECURE_SSL_REDIRECT=false to try it over plain http on this machine.
# `search_index repair` fixes drift left by a crash and rebuilds an index from before an upgrade
# that changed its fields; the site serves without search if the engine is down, hence the `-`.
SERVE_ENV = DEBUG=false SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-true}" SECURE_HSTS_PRELOAD="$${SECURE_HSTS_PRELOAD:-true}"
serve: $(STAMP) var/secret_key
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(SERVE_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	-$(SERVE_ENV) $(PY) manage.py search_index repair
	@$(SERVE_ENV) $(PY) manage.py jobs_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c config/gunicorn.py

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(PY) -m pytest -q -n 2 --dist loadfile

test-elasticsearch: $(STAMP)
	@test -n "$$ELASTICSEARCH_URL" || { echo "set ELASTICSEARCH_URL to a cluster (8.x)"; exit 2; }
	$(PY) -m pytest -q -m elasticsearch tests/search

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	$(PY) bench/search.py --docs 10000
