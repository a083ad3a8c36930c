"""/api/v1/lodging/statistics/…: lodging aggregates for the tourism and tax departments.

* `GET /statistics/guests?from=YYYY-MM&to=YYYY-MM&by=nationality|type|commune`: guests (stays)
  and guest-nights per month × nationality, establishment type or commune, split between
  foreign and Vietnamese guests (definitions: `selectors_stats`);
* `GET /statistics/occupancy?from=YYYY-MM&to=YYYY-MM`: room-nights, rooms occupied, occupancy
  rate and guest-nights per month × establishment type (`OccupancyDay`).

Who may call: an agency with `Authorization: Bearer <token>` (SHA-256 hashes of the tokens in
`ANTT_LODGING_STATS_TOKENS`, "label=sha256hex,…" as `ANTT_SHARING_TOKENS`; the whole province),
an agency API key with the scope `lodging.stats` (`antt.api.agency`; the key's units and below,
the whole province when it has none), or a signed-in officer with `lodging.stats` (the units of
their scope). Anonymous or a wrong
token → 401; a signed-in user without `lodging.stats` (a business account) → 403; bad
parameters → 422.

**No personal data**: only counts, per month and category; never a guest, a document or an
establishment's name. **Small cells are suppressed**: a count between 1 and 4 could point to a
person (one Icelandic guest in a small commune in March), so every cell whose guests number 1–4
is answered with `null` in every figure and `suppressed: true`; when a cell has 5 guests or more
but its foreign or its Vietnamese part is 1–4, both parts (and their nights) are `null` (one
part is the total minus the other) and `suppressed: true`. Totals (rows, months, grand total)
follow the same rule and are computed before suppression, so they include the withheld cells:
this is primary suppression only; `min_cell` in every answer says the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import Field

from antt.api.agency import AgencyKeyAuth, key_unit_paths, key_units_q
from antt.api.models import AgencyKey
from antt.api.schemas import STAFF_ERRORS, ErrorOut
from antt.core.tokens import hashed_tokens, token_label
from antt.lodging import selectors_stats as stats
from antt.org.api import staff_auth

router = Router()
MIN_CELL = 5
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
SUPPRESSION_NOTE = (
    f"Ô có từ 1 đến {MIN_CELL - 1} lượt khách được để trống (null, suppressed = true) để không lộ thông tin "
    "cá nhân; khi phần khách quốc tế hoặc khách Việt Nam của một ô có từ 1 đến "
    f"{MIN_CELL - 1} lượt, cả hai phần được để trống. Các dòng tổng tính trên toàn bộ số liệu."
)


# --- Access ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsClient:
    """An outside agency (tourism, tax) reading the aggregates with its token."""

    label: str

    def __str__(self):
        return f"Cơ quan nhận số liệu thống kê: {self.label}"


def stats_tokens() -> dict[str, str]:
    """{sha256 hex: label} from ANTT_LODGING_STATS_TOKENS."""
    return hashed_tokens("ANTT_LODGING_STATS_TOKENS")


def stats_client(token: str) -> StatsClient | None:
    """The agency whose token this is (`core.tokens`)."""
    label = token_label(token, "ANTT_LODGING_STATS_TOKENS")
    return StatsClient(label) if label is not None else None


class StatsToken(HttpBearer):
    def authenticate(self, request, token):
        return stats_client(token)


AUTH = [AgencyKeyAuth("lodging.stats"), StatsToken(), staff_auth]


def key_scope(key: AgencyKey) -> stats.Scope:
    """What an agency key may count: the stays and occupancy of its units and below."""
    if not key_unit_paths(key):
        return stats.Scope.everything()
    from antt.org.models import Unit

    units = Unit.objects.filter(key_units_q(key, None))
    ids = units.values("id")
    label = "; ".join(units.filter(pk__in=key.units.values("pk")).values_list("name", flat=True))
    return stats.Scope(Q(unit_id__in=ids), Q(unit_id__in=ids), f"{label} và các đơn vị trực thuộc")


def _scope(caller) -> stats.Scope:
    if isinstance(caller, StatsClient):
        return stats.Scope.everything()
    if isinstance(caller, AgencyKey):
        return key_scope(caller)
    try:
        return stats.scope_for(caller)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc


def _period(first: str | None, last: str | None) -> stats.Period:
    this_month = timezone.now().astimezone(stats.VN).date().replace(day=1)

    def month(value: str) -> date:
        year = int(value[:4])
        if not 2000 <= year <= 2100:  # also keeps date() and the month arithmetic in range
            raise HttpError(422, "Tháng thống kê phải trong khoảng 01/2000 – 12/2100.")
        return date(year, int(value[5:7]), 1)

    end = month(last) if last else this_month
    start = month(first) if first else stats.add_months(end, -11)
    if start.year < 2000 or end.year > 2100:
        raise HttpError(422, "Tháng thống kê phải trong khoảng 01/2000 – 12/2100.")
    try:
        return stats.Period.of(start, end)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc


# --- Schemas -----------------------------------------------------------------------------------------


class GuestCell(Schema):
    guests: int | None = Field(description="Lượt khách (lượt lưu trú, không tính lượt đã hủy).")
    nights: int | None = Field(description="Ngày khách (số đêm), tính vào tháng khách đến.")
    foreign_guests: int | None
    foreign_nights: int | None
    vietnamese_guests: int | None
    vietnamese_nights: int | None
    suppressed: bool = Field(description=f"Có số liệu bị để trống vì nhỏ hơn {MIN_CELL}.")


class GuestRow(Schema):
    code: str = Field(description="Mã quốc gia (ISO 3166-1 alpha-3), mã xã/phường, hoặc loại cơ sở.")
    name: str
    cells: list[GuestCell] = Field(description="Một ô cho mỗi tháng của `months`, theo thứ tự.")
    total: GuestCell


class GuestsOut(Schema):
    by: str
    scope: str
    months: list[str]
    min_cell: int
    rows: list[GuestRow]
    month_totals: list[GuestCell]
    total: GuestCell
    definitions: str
    suppression: str


class OccupancyCell(Schema):
    rooms: int = Field(description="Số phòng-đêm sẵn có (tổng số phòng của các cơ sở × số đêm).")
    rooms_occupied: int = Field(description="Số phòng-đêm có khách.")
    rate: float | None = Field(description="Công suất phòng = rooms_occupied / rooms (0–1); null khi không có phòng.")
    guests: int | None = Field(description="Tổng số khách lưu trú qua các đêm (khách-đêm).")
    foreign_guests: int | None
    suppressed: bool


class OccupancyRow(Schema):
    kind: str
    name: str
    cells: list[OccupancyCell]


class OccupancyOut(Schema):
    scope: str
    months: list[str]
    min_cell: int
    kinds: list[OccupancyRow]
    month_totals: list[OccupancyCell]
    suppression: str


class PeriodQuery(Schema):
    first: str | None = Field(
        None,
        alias="from",
        pattern=MONTH_PATTERN,
        description="Từ tháng (YYYY-MM); mặc định 11 tháng trước tháng kết thúc.",
    )
    last: str | None = Field(
        None, alias="to", pattern=MONTH_PATTERN, description="Đến tháng (YYYY-MM); mặc định tháng này."
    )


class GuestsQuery(PeriodQuery):
    by: Literal["nationality", "type", "commune"] = Field(
        "nationality", description="Phân tổ theo quốc tịch, loại cơ sở lưu trú hoặc xã/phường."
    )


# --- Suppression -------------------------------------------------------------------------------------


def _small(n: int) -> bool:
    return 0 < n < MIN_CELL


def suppress_guests(cell: dict) -> dict:
    out = {k: cell[k] for k in ("guests", "nights", "foreign_guests", "foreign_nights")}
    out["vietnamese_guests"], out["vietnamese_nights"] = cell["vietnamese_guests"], cell["vietnamese_nights"]
    out["suppressed"] = False
    if _small(cell["guests"]):
        return dict.fromkeys(out, None) | {"suppressed": True}
    if _small(cell["foreign_guests"]) or _small(cell["vietnamese_guests"]):
        for k in ("foreign_guests", "foreign_nights", "vietnamese_guests", "vietnamese_nights"):
            out[k] = None
        out["suppressed"] = True
    return out


def suppress_occupancy(cell: dict) -> dict:
    out = {k: cell[k] for k in ("rooms", "rooms_occupied", "rate", "guests", "foreign_guests")}
    out["suppressed"] = False
    if _small(cell["guests"]) or _small(cell["foreign_guests"]) or _small(cell["guests"] - cell["foreign_guests"]):
        out["guests"] = out["foreign_guests"] = None
        out["suppressed"] = True
    return out


def _months(period: stats.Period) -> list[str]:
    return [f"{m:%Y-%m}" for m in period.months]


# --- Endpoints ---------------------------------------------------------------------------------------


@router.get(
    "/statistics/guests",
    auth=AUTH,
    response={200: GuestsOut, **STAFF_ERRORS, 429: ErrorOut},
    summary="Lượt khách, ngày khách theo tháng và quốc tịch / loại cơ sở / xã phường (không có dữ liệu cá nhân)",
)
def guests(request, query: Query[GuestsQuery]):
    scope = _scope(request.auth)
    period = _period(query.first, query.last)
    table = stats.guests_by(scope, period, query.by)
    return {
        "by": query.by,
        "scope": scope.label,
        "months": _months(period),
        "min_cell": MIN_CELL,
        "rows": [
            {
                "code": str(r["code"]),
                "name": r["name"],
                "cells": [suppress_guests(c) for c in r["cells"]],
                "total": suppress_guests(r["total"]),
            }
            for r in table["rows"]
        ],
        "month_totals": [suppress_guests(c) for c in table["month_totals"]],
        "total": suppress_guests(table["total"]),
        "definitions": stats.DEFINITIONS,
        "suppression": SUPPRESSION_NOTE,
    }


@router.get(
    "/statistics/occupancy",
    auth=AUTH,
    response={200: OccupancyOut, **STAFF_ERRORS, 429: ErrorOut},
    summary="Công suất phòng theo tháng và loại cơ sở lưu trú (không có dữ liệu cá nhân)",
)
def occupancy(request, query: Query[PeriodQuery]):
    scope = _scope(request.auth)
    period = _period(query.first, query.last)
    trend = stats.occupancy_trend(scope, period)
    return {
        "scope": scope.label,
        "months": _months(period),
        "min_cell": MIN_CELL,
        "kinds": [
            {"kind": k["kind"], "name": k["name"], "cells": [suppress_occupancy(c) for c in k["cells"]]}
            for k in trend["kinds"]
        ],
        "month_totals": [suppress_occupancy(c) for c in trend["month_totals"]],
        "suppression": SUPPRESSION_NOTE,
    }
