"""The agencies' API: /api/v1/agency/… (an `AgencyKey` in `Authorization: Bearer antt_…`).

- GET /me — the key itself: name, scopes, units, limits and today's usage (any valid key);
- GET /dossiers/{code} — a dossier's status (scope `dossiers.status`): state, procedure, unit,
  dates and whether it was on time; no personal data at all; 404 for a dossier outside the
  key's units, exactly as for one that does not exist;
- GET /usage?from=&to= — the key's own usage by day and scope.

Errors, all `{"detail": "..."}` in Vietnamese: 401 (no, unknown, revoked or expired key),
403 (scope not granted), 404, 422 (bad parameters), 429 (rate or daily quota; `Retry-After`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from antt.api.agency import AgencyKeyAuth, AgencyThrottled, key_units_q, served_today
from antt.api.models import AgencyKey, ApiUsage
from antt.api.schemas import ErrorOut, IsoDate, ValidationErrorOut
from antt.api.scopes import SCOPES

router = Router()

AGENCY_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut}
MAX_USAGE_DAYS = 366

me_auth = AgencyKeyAuth(None)
dossier_auth = AgencyKeyAuth("dossiers.status")


# --- Schemas ------------------------------------------------------------------------------


class ScopeOut(Schema):
    code: str = Field(..., description="Mã phạm vi")
    description: str = Field(..., description="Ý nghĩa của phạm vi")


class KeyUnitOut(Schema):
    id: int
    name: str


class UsageCountsOut(Schema):
    calls: int = Field(..., description="Số lượt gọi (kể cả lượt lỗi và lượt bị từ chối do vượt giới hạn)")
    errors: int = Field(..., description="Số lượt trả lỗi 4xx/5xx")
    throttled: int = Field(..., description="Số lượt bị từ chối do vượt giới hạn (429)")


class TodayOut(UsageCountsOut):
    remaining: int = Field(..., description="Số lượt còn lại trong ngày theo hạn mức")


class MeOut(Schema):
    name: str = Field(..., description="Tên hệ thống, cơ quan được cấp khóa")
    prefix: str = Field(..., description="Tiền tố của khóa (phần công khai)")
    scopes: list[ScopeOut]
    units: list[KeyUnitOut] = Field(..., description="Đơn vị được xem dữ liệu; rỗng = toàn tỉnh")
    rate: str = Field(..., description="Giới hạn tần suất, ví dụ 120/m")
    daily_quota: int = Field(..., description="Số lượt tối đa mỗi ngày")
    expires_at: datetime | None = Field(None, description="Thời điểm hết hạn; null = không hết hạn")
    today: TodayOut


class DossierStatusOut(Schema):
    code: str = Field(..., description="Mã hồ sơ")
    status: str = Field(..., description="Mã trạng thái")
    status_label: str = Field(..., description="Trạng thái (tiếng Việt)")
    procedure_code: str
    procedure_name: str
    unit_id: int
    unit_name: str = Field(..., description="Đơn vị giải quyết")
    received_at: datetime | None = Field(None, description="Thời điểm tiếp nhận")
    due_at: datetime | None = Field(None, description="Hẹn trả kết quả")
    completed_at: datetime | None = Field(None, description="Thời điểm xử lý xong")
    returned_at: datetime | None = Field(None, description="Thời điểm trả kết quả")
    timeliness: str | None = Field(None, description="early / on_time / late; null khi chưa xử lý xong")
    on_time: bool | None = Field(None, description="Trước hạn hoặc đúng hạn; null khi chưa xử lý xong")


class UsageRowOut(UsageCountsOut):
    day: date
    scope: str


class UsageOut(Schema):
    date_from: date = Field(..., alias="from")
    date_to: date = Field(..., alias="to")
    total: UsageCountsOut
    rows: list[UsageRowOut]


class UsageQuery(Schema):
    date_from: IsoDate | None = Field(None, alias="from", description="Từ ngày (YYYY-MM-DD); mặc định 30 ngày trước")
    date_to: IsoDate | None = Field(None, alias="to", description="Đến ngày (YYYY-MM-DD); mặc định hôm nay")


# --- Endpoints ----------------------------------------------------------------------------


def _counts(qs) -> dict:
    totals = qs.aggregate(calls=Sum("calls"), errors=Sum("errors"), throttled=Sum("throttled"))
    return {k: v or 0 for k, v in totals.items()}


@router.get(
    "/me",
    auth=me_auth,
    response={200: MeOut, **AGENCY_ERRORS},
    summary="Thông tin khóa API đang dùng",
    operation_id="agency_me",
)
def me(request):
    """The key's name, scopes, units, limits and today's usage (counting this call)."""
    key: AgencyKey = request.auth
    today = _counts(ApiUsage.objects.filter(key=key, day=timezone.localdate()))
    served = served_today(key)
    return {
        "name": key.name,
        "prefix": key.prefix,
        "scopes": [{"code": s, "description": SCOPES.get(s, "")} for s in key.scopes or []],
        "units": [{"id": u.pk, "name": u.name} for u in key.units.order_by("path")],
        "rate": key.rate,
        "daily_quota": key.daily_quota,
        "expires_at": key.expires_at,
        "today": {**today, "remaining": max(0, key.daily_quota - served)},
    }


@router.get(
    "/dossiers/{code}",
    auth=dossier_auth,
    response={200: DossierStatusOut, 404: ErrorOut, **AGENCY_ERRORS},
    summary="Trạng thái một hồ sơ thủ tục hành chính (không có dữ liệu cá nhân)",
    operation_id="agency_dossier_status",
)
def dossier_status(request, code: str = Path(..., min_length=1, max_length=60, pattern=r"^[A-Za-z0-9.\-_/]+$")):  # noqa: B008
    """Status and dates of the dossier with this code, if its unit is within the key's units."""
    from antt.dossiers.models import Dossier

    key: AgencyKey = request.auth
    dossier = (
        Dossier.objects.filter(key_units_q(key, "unit"), code=code)
        .select_related("procedure", "unit")
        .only(
            "code",
            "status",
            "timeliness",
            "received_at",
            "due_at",
            "completed_at",
            "returned_at",
            "procedure__code",
            "procedure__name",
            "unit__name",
            "unit__path",
        )
        .first()
    )
    if dossier is None:
        raise HttpError(404, "Không tìm thấy hồ sơ có mã này trong phạm vi khóa API được xem.")
    timeliness = dossier.timeliness or None
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(dossier.get_status_display()),
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "unit_id": dossier.unit_id,
        "unit_name": dossier.unit.name,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "completed_at": dossier.completed_at,
        "returned_at": dossier.returned_at,
        "timeliness": timeliness,
        "on_time": None if timeliness is None else timeliness in ("early", "on_time"),
    }


@router.get(
    "/usage",
    auth=me_auth,
    response={200: UsageOut, **AGENCY_ERRORS},
    summary="Số lượt gọi của khóa theo ngày và phạm vi",
    operation_id="agency_usage",
    by_alias=True,
)
def usage(request, query: UsageQuery = Query(...)):  # noqa: B008
    """The key's own calls, errors and throttled calls per day and scope, from–to inclusive."""
    key: AgencyKey = request.auth
    today = timezone.localdate()
    date_to = query.date_to or today
    date_from = query.date_from or (date_to - timedelta(days=29))
    if date_from > date_to:
        raise HttpError(422, "Ngày bắt đầu (from) phải trước hoặc bằng ngày kết thúc (to).")
    if (date_to - date_from).days >= MAX_USAGE_DAYS:
        raise HttpError(422, f"Khoảng thời gian tối đa là {MAX_USAGE_DAYS} ngày.")
    qs = ApiUsage.objects.filter(key=key, day__gte=date_from, day__lte=date_to)
    rows = list(qs.order_by("day", "scope").values("day", "scope", "calls", "errors", "throttled"))
    return {"from": date_from, "to": date_to, "total": _counts(qs), "rows": rows}


# --- The 429 handler (Retry-After), for every router that uses AgencyKeyAuth ---------------
# Imported last: `antt.api.api` imports this module while registering the routers.
from antt.api.api import api  # noqa: E402


def on_agency_throttled(request, exc: AgencyThrottled):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


api.add_exception_handler(AgencyThrottled, on_agency_throttled)
