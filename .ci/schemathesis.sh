#!/usr/bin/env bash
# Serve ANTT with gunicorn on a scratch database (reference + demo data) and let
# schemathesis fuzz every operation of the OpenAPI document: no 5xx, every
# response as documented, invalid input refused with a 4xx. Used by .ci/run; runs
# locally the same way.
# positive_data_acceptance is left out: some rules cannot be said in OpenAPI (an
# unknown field slug, "exactly one of working_days / working_hours"), so a request
# that fits the schema may still, rightly, get a Vietnamese 422.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
port=${SCHEMATHESIS_PORT:-8765}
export DJANGO_SETTINGS_MODULE=antt.settings
export ANTT_VAR_DIR=$tmp ANTT_SQLITE_PATH=$tmp/st.sqlite3
export ANTT_DEBUG=0 ANTT_SECRET_KEY=schemathesis-$RANDOM$RANDOM$RANDOM ANTT_SSL_REDIRECT=0
export ANTT_ALLOWED_HOSTS=127.0.0.1,localhost ANTT_LOG_LEVEL=ERROR
# The lookup's rate limit (429) has its own tests; here it would leave the lookup's logic unfuzzed.
export ANTT_LOOKUP_RATE=0 ANTT_FINE_LOOKUP_RATE=0
# Likewise the per-key rate of the lodging API (its 429 is tested in the suite).
export ANTT_LODGING_API_RATE=0
# And the feedback intake's and the open-data downloads' per-address limits (tested in the suite).
export ANTT_FEEDBACK_RATE=0 ANTT_FEEDBACK_DAILY_RATE=0 ANTT_OPENDATA_RATE=0
# A webhook test ping to a generated public address must not hold a worker for long.
export ANTT_WEBHOOK_TIMEOUT=2
unset DATABASE_URL
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py load_reference >/dev/null
ANTT_DEBUG=1 .venv/bin/python manage.py load_demo >/dev/null  # scratch database: demo officers to sign in as
.venv/bin/python manage.py collectstatic --noinput >/dev/null
# A signed-in unit administrator's session (second factor off for this server), so
# that the staff endpoints are fuzzed past their 401/403 too.
export ANTT_REQUIRE_2FA=0
# And a receptionist's session, so that the dossier endpoints (dossier.view / dossier.receive)
# are fuzzed past their 403 too.
# And a commune head's session: violations (violation.view, person.view) and statistics (reports.view).
read -r session desk_session head_session csrf < <(.venv/bin/python manage.py shell -v0 -c "
from django.test import Client
from django.middleware.csrf import _get_new_csrf_string
from antt.org.models import User
sessions = []
for name in ('quantridv', 'tiepnhan', 'lanhdao'):
    client = Client()
    client.force_login(User.objects.get(username=name))
    sessions.append(client.cookies['sessionid'].value)
print(*sessions, _get_new_csrf_string())
")
# An agency's sharing token, so that /api/v1/establishments is fuzzed past its 401 as an agency too.
share_token=st-share-$RANDOM$RANDOM$RANDOM
export ANTT_SHARING_TOKENS="schemathesis=$(printf %s "$share_token" | sha256sum | cut -d' ' -f1)"
# A lodging establishment's API key (the demo hotel's manager), so that the hotel endpoints of
# /api/v1/lodging are fuzzed past their 401; and a tourism department's statistics token.
lodging_key=$(.venv/bin/python manage.py shell -v0 -c "
from antt.establishments.models import EstablishmentAccount
from antt.lodging.business import key_create
acc = EstablishmentAccount.objects.filter(is_manager=True, status='active', establishment__lines__is_lodging=True).select_related('establishment', 'user').first()
print(key_create(establishment=acc.establishment, name='schemathesis', user=acc.user)[1] if acc else '')
")
# An agency's API key with every scope and no unit restriction (webhooks, dossier status, the feeds).
agency_key=$(.venv/bin/python manage.py shell -v0 -c "
from antt.api.agency_services import MAX_DAILY_QUOTA, issue_key
from antt.api.scopes import SCOPES
print(issue_key(name='schemathesis', contact='', scopes=list(SCOPES), units=[], rate='100000/s', daily_quota=MAX_DAILY_QUOTA, expires_at=None, by=None)[1])
")
stats_token=st-stats-$RANDOM$RANDOM$RANDOM
export ANTT_LODGING_STATS_TOKENS="schemathesis=$(printf %s "$stats_token" | sha256sum | cut -d' ' -f1)"
.venv/bin/gunicorn antt.wsgi --pythonpath src -w 2 -b 127.0.0.1:$port --log-level warning \
  --limit-request-line 8190 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$port/api/v1/ping" >/dev/null && break; sleep 0.5; done
# The session goes in through the document's own security scheme, so that
# schemathesis knows it is the credential (it drops it to test refusals).
cat > "$tmp/schemathesis.toml" <<TOML
headers = { X-CSRFToken = "$csrf" }

[auth.openapi.StaffSession]
api_key = "$session"
TOML
cat > "$tmp/schemathesis-desk.toml" <<TOML
headers = { X-CSRFToken = "$csrf" }

[auth.openapi.StaffSession]
api_key = "$desk_session"
TOML
cat > "$tmp/schemathesis-head.toml" <<TOML
headers = { X-CSRFToken = "$csrf" }

[auth.openapi.StaffSession]
api_key = "$head_session"
TOML
cat > "$tmp/schemathesis-agency.toml" <<TOML
[auth.openapi.SharingToken]
bearer = "$share_token"
TOML
cat > "$tmp/schemathesis-lodging.toml" <<TOML
[auth.openapi.LodgingApiKey]
bearer = "$lodging_key"
TOML
cat > "$tmp/schemathesis-agencykey.toml" <<TOML
[auth.openapi.AgencyKeyAuth]
bearer = "$agency_key"
TOML
cat > "$tmp/schemathesis-tourism.toml" <<TOML
[auth.openapi.StatsToken]
bearer = "$stats_token"
TOML
# ST_ONLY (a path regex) narrows one run to some operations; options of `run` go after it.
st() {
  local only=()
  if [ -n "${ST_ONLY:-}" ]; then only=(--include-path-regex "$ST_ONLY"); fi
  .venv/bin/schemathesis "$@" run "http://127.0.0.1:$port/api/v1/openapi.json" "${only[@]}" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --no-color --workers 2 \
    --suppress-health-check all --request-timeout 20 \
    --checks all --exclude-checks positive_data_acceptance
}
echo "--- anonymous: public endpoints, and staff endpoints refusing without a session"
st
echo "--- signed in as a unit administrator"
st --config-file "$tmp/schemathesis.toml"
echo "--- signed in as a counter receptionist (dossiers)"
st --config-file "$tmp/schemathesis-desk.toml"
echo "--- signed in as a commune head (violations, statistics)"
st --config-file "$tmp/schemathesis-head.toml"
echo "--- an agency's sharing token (establishments registry)"
ST_ONLY='^/api/v1/establishments' st --config-file "$tmp/schemathesis-agency.toml"
echo "--- a lodging establishment's API key (declarations, batches, stays, receipt)"
if [ -z "$lodging_key" ]; then echo "no demo lodging establishment with a manager account" >&2; exit 1; fi
ST_ONLY='^/api/v1/lodging/(declarations|batches|stays|receipt)' st --config-file "$tmp/schemathesis-lodging.toml"
echo "--- a tourism department's statistics token (lodging statistics)"
ST_ONLY='^/api/v1/lodging/statistics' st --config-file "$tmp/schemathesis-tourism.toml"
echo "--- an agency's API key with every scope (agency endpoints, webhooks, the feeds)"
ST_ONLY='^/api/v1/(agency|violations/suspensions|establishments|lodging/statistics)' st --config-file "$tmp/schemathesis-agencykey.toml"
# Unsafe methods also need the CSRF cookie, which cannot ride beside the scheme's
# cookie; both go in one Cookie header here, so the checks that drop the session
# (negative_data_rejection of a missing cookie, ignored_auth) cannot work and are left out.
echo "--- signed in, unsafe methods (with the CSRF cookie)"
.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --no-color --workers 2 \
  --suppress-health-check all --request-timeout 20 --include-method PATCH \
  --checks all --exclude-checks positive_data_acceptance,negative_data_rejection,ignored_auth \
  -H "Cookie: sessionid=$session; csrftoken=$csrf" -H "X-CSRFToken: $csrf"
echo "--- signed in as a counter receptionist, POST (with the CSRF cookie): dossiers and transitions"
.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --no-color --workers 2 \
  --suppress-health-check all --request-timeout 20 --include-method POST \
  --checks all --exclude-checks positive_data_acceptance,negative_data_rejection,ignored_auth \
  -H "Cookie: sessionid=$desk_session; csrftoken=$csrf" -H "X-CSRFToken: $csrf"
