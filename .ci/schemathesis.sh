#!/usr/bin/env bash
# Serve ANTT with gunicorn on a scratch database (reference + demo data) and let
# schemathesis fuzz every operation of the OpenAPI document: no 5xx, every
# response as documented. Used by .ci/run; runs locally the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
port=${SCHEMATHESIS_PORT:-8765}
export DJANGO_SETTINGS_MODULE=antt.settings
export ANTT_VAR_DIR=$tmp ANTT_SQLITE_PATH=$tmp/st.sqlite3
export ANTT_DEBUG=0 ANTT_SECRET_KEY=schemathesis-$RANDOM$RANDOM$RANDOM ANTT_SSL_REDIRECT=0
export ANTT_ALLOWED_HOSTS=127.0.0.1,localhost ANTT_LOG_LEVEL=ERROR
unset DATABASE_URL
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py load_reference >/dev/null
.venv/bin/python manage.py collectstatic --noinput >/dev/null
.venv/bin/gunicorn antt.wsgi --pythonpath src -w 2 -b 127.0.0.1:$port --log-level warning &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/api/v1/ping" >/dev/null && break; sleep 0.5; done
.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks all --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --no-color --workers 2 \
  --suppress-health-check all --request-timeout 20
