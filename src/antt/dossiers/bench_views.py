"""The baseline of the lookup benchmark: a bare Django view, no ninja, no ORM.

It runs the same two indexed SELECTs as `POST /api/v1/dossiers/lookup` by raw SQL
through `connection.cursor()` and returns the same JSON, so that the benchmark's
ratio measures what ninja, pydantic, the ORM's query compilation and the rate
limiter cost on top of the unavoidable work. It is mounted only when
`settings.ANTT_BENCH_VIEWS` is true (never in production) and has no rate limit
and no CSRF check, like the API endpoint.

The answer (labels, masking, next step, deadline state) is built by the same pure
functions as the endpoint's (`api_public.summary`): the JSON is the same by
construction, and the comparison is only about how the rows are fetched and served.
"""

from __future__ import annotations

import hmac
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from antt.dossiers.api_public import LOOKUP_COLUMNS, NOT_FOUND, TIMELINE_LIMIT, aware, summary

# The same SELECTs the ORM sends for the endpoint (`find_by_code` and `public_events`):
# the dossier by its unique code (index dossiers_dossier_code_key) joined by primary key
# to its procedure, version and the two units; then its public events by the
# dossier_id index, newest first, limited.
DOSSIER_SQL = (
    'SELECT d."id", d."code", d."status", d."channel", d."delivery", d."applicant_name", d."applicant_phone", '
    'd."received_at", d."due_at", d."fee_amount", d."fee_paid_at", p."name", v."online_level", u."name", '
    'r."name", r."address" '
    'FROM "dossiers_dossier" d '
    'INNER JOIN "catalog_procedure" p ON d."procedure_id" = p."id" '
    'INNER JOIN "catalog_procedureversion" v ON d."procedure_version_id" = v."id" '
    'INNER JOIN "org_unit" u ON d."unit_id" = u."id" '
    'INNER JOIN "org_unit" r ON d."receiving_unit_id" = r."id" '
    'WHERE d."code" = %s LIMIT 1'
)
EVENTS_SQL = (
    'SELECT e."at", e."action", e."note", u."name" '
    'FROM "dossiers_dossierevent" e LEFT OUTER JOIN "org_unit" u ON e."to_unit_id" = u."id" '
    'WHERE e."dossier_id" = %s AND e."public" '
    'ORDER BY e."at" DESC, e."id" DESC LIMIT ' + str(TIMELINE_LIMIT)
)
_DOSSIER_KEYS = LOOKUP_COLUMNS  # the same columns, in the same order, as the endpoint's SELECT


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), status=status, content_type="application/json"
    )


@csrf_exempt
@require_POST
def lookup_raw(request):
    try:
        body = json.loads(request.body)
        code = str(body["code"]).strip().upper()
        digits = str(body["phone_last4"]).strip()
    except (ValueError, KeyError, TypeError):
        return _json({"detail": "Nội dung gửi lên không phải JSON hợp lệ."}, 422)
    if not code or len(code) > 60 or len(digits) != 4 or not digits.isdigit():
        return _json({"detail": "Dữ liệu không hợp lệ."}, 422)
    with connection.cursor() as cursor:
        cursor.execute(DOSSIER_SQL, [code])
        found = cursor.fetchone()
        expected = found[6][-4:] if found else "\x00\x00\x00\x00"
        if not hmac.compare_digest(expected.encode(), digits.encode()) or found is None:
            return _json({"detail": NOT_FOUND}, 404)
        row = dict(zip(_DOSSIER_KEYS, found, strict=True))
        for key in ("received_at", "due_at", "fee_paid_at"):
            row[key] = aware(row[key])
        cursor.execute(EVENTS_SQL, [row["id"]])
        events = [
            {"at": aware(at), "action": action, "note": note, "to_unit__name": unit}
            for at, action, note, unit in reversed(cursor.fetchall())
        ]
    data = summary(row, events)
    if data["due_date"] is not None:
        data["due_date"] = data["due_date"].isoformat()
    return _json(data)


# Mounted by antt/urls.py only when settings.ANTT_BENCH_VIEWS is true.
urlpatterns = [path("bench/dossiers/lookup", lookup_raw, name="bench-dossier-lookup")]
