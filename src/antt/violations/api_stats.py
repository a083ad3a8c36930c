"""The appendix 9 table as JSON: GET /api/v1/violations/stats (staff session, `reports.view`).

Same figures as the page `/vi-pham/thong-ke/` (`selectors_stats.stats_table`): decisions
issued in [start, end] (both included; default: this year) by the units of the caller's scope,
or of `unit` and below; cancelled decisions left out; the totals' distinct counts are distinct
over the whole selection (see the selector's docstring). A unit outside the caller's scope
answers 404 like one that does not exist; a role without `reports.view` gets 403.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from antt.api.schemas import STAFF_ERRORS, IsoDate
from antt.org.api import staff_auth
from antt.org.models import Unit
from antt.violations import selectors_stats

router = Router(auth=staff_auth)
MAX_DAYS = 5 * 366


class Figures(Schema):
    cases: int
    decisions: int
    violators: int
    fined: int
    paid: int
    seized: int
    suspended: int


class StatsRowOut(Figures):
    level: str  # "field" (a field, or a field's subtotal when it has groups) or "group"
    stt: str
    field_no: int
    field_name: str
    group_name: str
    code: str


class StatsTotalsOut(Figures):
    rows_sum: Figures


class StatsOut(Schema):
    start: date
    end: date
    unit_id: int | None
    unit_name: str
    columns: dict[str, str]
    rows: list[StatsRowOut]
    totals: StatsTotalsOut
    note: str


@router.get(
    "/stats",
    response={200: StatsOut, **STAFF_ERRORS},
    summary="Bảng tổng hợp số liệu xử phạt (mẫu Phụ lục 9)",
)
def stats(
    request,
    start: IsoDate | None = Query(None, description="Từ ngày (YYYY-MM-DD); mặc định 01/01 năm nay."),  # noqa: B008
    end: IsoDate | None = Query(None, description="Đến ngày (YYYY-MM-DD), tính cả ngày này; mặc định 31/12."),  # noqa: B008
    unit: int | None = Query(None, ge=1, le=2**62, description="Đơn vị (kèm các đơn vị trực thuộc)."),  # noqa: B008
):
    today = timezone.localdate()
    start = start or date(today.year, 1, 1)
    end = end or date(start.year, 12, 31)
    if end < start:
        raise HttpError(422, "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.")
    if (end - start).days > MAX_DAYS:
        raise HttpError(422, "Khoảng thời gian thống kê tối đa là 5 năm.")
    unit_obj = None
    if unit is not None:
        unit_obj = Unit.objects.filter(pk=unit).first()
        if unit_obj is None:
            raise HttpError(404, "Không tìm thấy đơn vị.")
    try:
        table = selectors_stats.stats_table(request.auth, start=start, end=end, unit=unit_obj)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except Http404 as exc:
        raise HttpError(404, "Không tìm thấy đơn vị.") from exc
    scope = table["scope"]
    return {
        "start": start,
        "end": end,
        "unit_id": scope.unit.pk if scope.unit else None,
        "unit_name": scope.unit.name if scope.unit else "",
        "columns": {key: heading for key, heading, _short in selectors_stats.COLUMNS},
        "rows": table["rows"],
        "totals": table["totals"],
        "note": selectors_stats.TOTALS_NOTE,
    }
