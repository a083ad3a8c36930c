# S608: the SQL is built from constants (column names), never from input.
# ruff: noqa: S608
"""The baseline of the fine lookup benchmark: a bare Django view, no ninja, no ORM query.

It runs the same indexed SELECT as `POST /api/v1/violations/lookup` {"plate": ...} by raw SQL
through `connection.cursor()` (the decisions of a normalised plate with money owed, on the index
`decision_plate_status` (plate, status), joined by primary key to their unit) and returns the
same JSON, built by the endpoint's own pure function `api_public.summary` (amount due with
today's surcharge, VietQR payload, masked name). So the benchmark's ratio measures what ninja,
pydantic, the ORM's query building and the rate limiter cost on top of the unavoidable work.

Mounted only when `settings.ANTT_BENCH_VIEWS` is true (never in production); no rate limit
and no CSRF check, like the API endpoint.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from antt.core.identifiers import parse_plate
from antt.org.models import Unit
from antt.violations.api_public import NO_UNPAID, DecisionPublicOut, summary
from antt.violations.models import PenaltyDecision
from antt.violations.selectors import OWED_STATUSES, PUBLIC_COLUMNS

COLUMNS = PUBLIC_COLUMNS
_STATUSES = [s.value for s in OWED_STATUSES]
# The endpoint's query (selectors.public_by_plate): decisions of the plate with money owed, not
# imported from old files, oldest first, at most 50.
LOOKUP_SQL = (
    "SELECT "
    + ", ".join(f'd."{c}"' for c in COLUMNS)
    + ', u."name" FROM "violations_penaltydecision" d INNER JOIN "org_unit" u ON d."unit_id" = u."id" '
    + 'WHERE d."plate" = %s AND d."source" <> \'import\' AND d."status" IN ('
    + ", ".join(["%s"] * len(_STATUSES))
    + ') ORDER BY d."issued_at" ASC LIMIT 50'
)


# What the endpoint's response schema keeps of `summary()` (it drops the page-only keys).
_FIELDS = tuple(DecisionPublicOut.model_fields)


def _public(decision: PenaltyDecision, today) -> dict:
    data = summary(decision, today)
    return {key: data[key] for key in _FIELDS}


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False), status=status, content_type="application/json"
    )


def _decision(row: tuple) -> PenaltyDecision:
    *values, unit_name = row
    decision = PenaltyDecision(**dict(zip(COLUMNS, values, strict=True)))
    decision.unit = Unit(pk=decision.unit_id, name=unit_name)
    return decision


@csrf_exempt
@require_POST
def lookup_raw(request):
    try:
        body = json.loads(request.body)
        plate = str(body["plate"])
    except (ValueError, KeyError, TypeError):
        return _json({"detail": "Nội dung gửi lên không phải JSON hợp lệ."}, 422)
    try:
        normalised = parse_plate(plate).normalised
    except ValueError as exc:
        return _json({"detail": str(exc)}, 422)
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP_SQL, [normalised, *_STATUSES])
        decisions = [_decision(row) for row in cursor.fetchall()]
    today = timezone.localdate()
    return _json(
        {
            "count": len(decisions),
            "decisions": [_public(d, today) for d in decisions],
            "message": "" if decisions else NO_UNPAID,
        }
    )


# Mounted by antt/urls.py only when settings.ANTT_BENCH_VIEWS is true.
urlpatterns = [path("bench/violations/lookup", lookup_raw, name="bench-violation-lookup")]
