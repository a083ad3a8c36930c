# ANTT — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Python 3.12 or 3.13 (Django 6 needs >= 3.12); pyenv's shims and .python-version are honoured.
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3.13; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: run test lint format venv install migrate demo bench lighthouse ci clean-db check-deploy

$(VENV)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "Cần Python 3.12 hoặc 3.13 (Django 6 không chạy trên Python cũ hơn). Cài bằng pyenv: pyenv install 3.12"; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

venv install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_reference
	$(PY) manage.py load_demo
	$(PY) manage.py generate_dossiers --months 2 --if-empty
	$(PY) manage.py generate_violations --decisions 20000 --if-empty
	$(PY) manage.py generate_establishments --establishments 3000 --inspections 15000 --if-empty
	$(PY) manage.py generate_lodging --declarations 30000 --if-empty

# The task worker runs beside the server (imports, exports, notifications) and stops with it.
run: demo
	export ANTT_REQUIRE_2FA=$${ANTT_REQUIRE_2FA:-0}; \
	$(PY) manage.py db_worker --interval 1 -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: install
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

# PYTEST_ARGS lets CI add options; -n auto runs the suite on both cores.
test: lint
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py
	$(PY) bench/dossiers.py
	$(PY) bench/violations.py
	$(PY) bench/establishments.py
	$(PY) bench/lodging.py
	$(PY) bench/opendata.py
	$(PY) bench/portal.py

# Lighthouse (npm) against Debian's Chromium on a local server: performance and accessibility of
# the public pages on a phone profile; fails under 90.
lighthouse: install
	npm ci --no-audit --no-fund --ignore-scripts
	$(PY) bench/lighthouse.py

check-deploy: install
	ANTT_DEBUG=0 ANTT_SECRET_KEY=$${ANTT_SECRET_KEY:-$$(openssl rand -hex 32)} ANTT_ALLOWED_HOSTS=antt.example.vn $(PY) manage.py check --deploy --fail-level WARNING

clean-db:
	rm -f var/antt.sqlite3 var/antt.sqlite3-wal var/antt.sqlite3-shm
