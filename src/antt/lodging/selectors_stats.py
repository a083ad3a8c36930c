"""Lodging statistics (issue 6, point 7): guests, guest-nights and occupancy, without personal data.

What is counted:

* **guests** = stays: one per `stay_id`, read from its current row (`is_current`, which carries
  the guest as last corrected and the departure); cancelled stays are left out;
* **guest-nights** of a stay = days from the arrival date to the departure date (Vietnam time),
  or to the expected departure while the stay is still open, at least 1 (a guest who arrives and
  leaves the same day, or whose expected departure is unknown, counts one night);
* both are **attributed to the month of arrival** (Vietnam time): a stay from 30/06 to 03/07
  counts 3 nights in June. A month's figures therefore no longer move once its guests have left;
* breakdowns: nationality (`stats_nationality`: the country the statistics count a passport
  code under, e.g. `D` → DEU; names from `Country`), establishment type (`lodging_kind`), commune
  (`area`); each cell also splits foreigners (`nationality` not VNM) from Vietnamese guests;
* occupancy: from `OccupancyDay` (computed nightly by `occupancy.compute_day`): room-nights
  occupied / room-nights available per month and establishment type.

Who sees what: an officer with `lodging.stats` sees the stays of the units of their scope (the
rule of `selectors.declarations_for`: their unit and below; an officer of an exit-entry unit,
`ANTT_LODGING_EXIT_ENTRY_UNITS`, also every foreign guest under their unit's parent). An agency
reading `/api/v1/lodging/statistics` with its token sees the whole province (`Scope.everything`),
with small cells suppressed by the API (`api_stats`).

Speed: every figure is one GROUP BY in the database over the period's range of `arrived_at`
(on PostgreSQL only that period's monthly partitions are read); names come from one small query
per dimension. The arrival month and the nights are computed in SQL (`ArrivalMonth`, `Nights`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from antt.lodging.models import Country, Declaration, OccupancyDay
from antt.lodging.selectors import is_exit_entry_officer, scope_condition
from antt.org.models import AdminArea
from antt.org.roles import can
from antt.org.selectors import visible_units

CAPABILITY = "lodging.stats"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
VN_NAME = "Asia/Ho_Chi_Minh"
VIETNAM = "VNM"
MAX_MONTHS = 60
DIMENSIONS = {
    "nationality": ("stats_nationality", "Quốc tịch"),
    "type": ("lodging_kind", "Loại cơ sở lưu trú"),
    "commune": ("area_id", "Xã, phường"),
}
FIGURES = ("guests", "nights", "foreign_guests", "foreign_nights")
UNKNOWN_TYPE = "Chưa phân loại"
DEFINITIONS = (
    "Lượt khách: mỗi lượt lưu trú tính một lần (không tính lượt đã hủy). Ngày khách: số đêm từ ngày đến "
    "đến ngày đi (hoặc ngày dự kiến đi nếu khách chưa đi), tối thiểu 1 đêm; cả lượt khách và ngày khách "
    "tính vào tháng khách đến (giờ Việt Nam). Khách quốc tế: quốc tịch khác Việt Nam."
)


# --- Scope and period -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which stays a statistic may count: `q` on Declaration, `units_q` on OccupancyDay; `None`
    for nothing at all (a user without a unit)."""

    q: Q | None
    units_q: Q | None
    label: str

    @classmethod
    def everything(cls) -> Scope:
        return cls(Q(), Q(), "Toàn tỉnh")

    @property
    def empty(self) -> bool:
        return self.q is None


def scope_for(user) -> Scope:
    """The stays `user` may count: the WHERE of `selectors.declarations_for`
    (`selectors.scope_condition`), gated by `lodging.stats` instead of `lodging.view` (a
    supervisor reads statistics, not guests). PermissionDenied without the capability.
    Occupancy rows (establishments, not guests) follow the officer's own units only."""
    if not can(user, CAPABILITY):
        raise PermissionDenied("Bạn không có quyền xem thống kê lưu trú.")
    q = scope_condition(user)
    if q is None:
        return Scope(None, None, "")
    unit = user.unit
    label = f"{unit.name} và các đơn vị trực thuộc"
    if is_exit_entry_officer(user) and unit.parent_id:
        label += f"; khách quốc tế trên địa bàn {unit.parent.name}"
    return Scope(q, Q(unit_id__in=visible_units(user).values("id")), label)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months [first, last] (both the 1st of their month)."""

    first: date
    last: date
    months: list[date] = field(default_factory=list, compare=False)

    @classmethod
    def of(cls, first: date, last: date) -> Period:
        first, last = first.replace(day=1), last.replace(day=1)
        if last < first:
            raise ValueError("Tháng kết thúc phải sau hoặc trùng tháng bắt đầu.")
        months, m = [], first
        while m <= last:
            months.append(m)
            m = add_months(m, 1)
        if len(months) > MAX_MONTHS:
            raise ValueError(f"Khoảng thống kê tối đa là {MAX_MONTHS} tháng.")
        return cls(first, last, months)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first, time(0), VN)

    @property
    def end_at(self) -> datetime:  # exclusive
        return datetime.combine(add_months(self.last, 1), time(0), VN)

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"Tháng {self.first:%m/%Y}"
        return f"Từ tháng {self.first:%m/%Y} đến tháng {self.last:%m/%Y}"


# --- SQL expressions ----------------------------------------------------------------------------


class Nights(Func):
    """Nights of a stay, from its current row: local departure date (else the expected departure)
    minus the local arrival date, at least 1. Vietnam has kept UTC+7 without daylight saving since
    1975, which lets SQLite add 7 hours where PostgreSQL converts with the zone's name."""

    output_field = IntegerField()

    def __init__(self):
        super().__init__(F("arrived_at"), F("departed_at"), F("expected_departure"))

    def as_sql(self, compiler, connection, **extra):
        parts = []
        for expression in self.source_expressions:
            sql, params = compiler.compile(expression)
            if params:  # plain columns: never parameters
                raise ValueError("Nights expects plain columns")
            parts.append(sql)
        arrived, departed, expected = parts
        if connection.vendor == "postgresql":
            zone = f"'{VN_NAME}'"
            arr = f"({arrived} AT TIME ZONE {zone})::date"
            return f"GREATEST(1, COALESCE(({departed} AT TIME ZONE {zone})::date, {expected}) - {arr})", []
        arr = f"julianday(date({arrived}, '+7 hours'))"
        return (
            f"MAX(1, COALESCE(CAST(julianday(date({departed}, '+7 hours')) - {arr} AS INTEGER), "
            f"CAST(julianday({expected}) - {arr} AS INTEGER), 1))",
            [],
        )


def arrival_month():
    return TruncMonth("arrived_at", tzinfo=VN)


def _as_month(value) -> date:
    return value.date().replace(day=1) if isinstance(value, datetime) else value.replace(day=1)


# --- Guests and guest-nights --------------------------------------------------------------------


def stays(scope: Scope, period: Period) -> QuerySet[Declaration]:
    """The stays a statistic counts: one current row per stay, not cancelled, arrived in the period."""
    if scope.empty:
        return Declaration.objects.none()
    return (
        Declaration.objects.filter(
            scope.q, arrived_at__gte=period.start_at, arrived_at__lt=period.end_at, is_current=True
        )
        .exclude(state=Declaration.State.CANCELLED)
        .order_by()
    )


def _aggregates() -> dict:
    foreign = ~Q(nationality=VIETNAM)
    return {
        "guests": Count("*"),
        "nights": Sum(Nights()),
        "foreign_guests": Count("id", filter=foreign),
        "foreign_nights": Sum(Nights(), filter=foreign),
    }


def _zero() -> dict:
    return dict.fromkeys(FIGURES, 0)


def _add(into: dict, cell: dict) -> None:
    for key in FIGURES:
        into[key] += cell[key]


def _finish(cell: dict) -> dict:
    cell["vietnamese_guests"] = cell["guests"] - cell["foreign_guests"]
    cell["vietnamese_nights"] = cell["nights"] - cell["foreign_nights"]
    return cell


def _names(dimension: str, keys: set) -> dict:
    """{key: (code, name)}: the country code and name, the commune's GSO code and name, the type."""
    if dimension == "nationality":
        return {c: (c, n) for c, n in Country.objects.filter(code__in=keys).values_list("code", "name")}
    if dimension == "commune":
        areas = AdminArea.objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "code", "name")
        return {pk: (code, name) for pk, code, name in areas}
    return {k: (k, k or UNKNOWN_TYPE) for k in keys}


def guests_by(scope: Scope, period: Period, dimension: str) -> dict:
    """Guests and guest-nights per month × `dimension` ("nationality", "type" or "commune").

    Returns {"dimension", "title", "months", "rows", "month_totals", "total"}: each row has
    `code` (country code, commune GSO code, or the type itself), `name`, `cells` (one per month, in order) and `total`; a cell (and every total) has
    guests, nights, foreign_guests, foreign_nights, vietnamese_guests, vietnamese_nights. Rows
    are sorted by guests, most first. One GROUP BY query, plus one for the names.
    """
    if dimension not in DIMENSIONS:
        raise ValueError("Cách phân tổ không hợp lệ.")
    column, title = DIMENSIONS[dimension]
    grouped = (
        stays(scope, period)
        .annotate(month=arrival_month())
        .values("month", column)
        .annotate(**_aggregates())
        .order_by()
    )
    index = {m: i for i, m in enumerate(period.months)}
    cells: dict = {}
    for r in grouped:
        i = index.get(_as_month(r["month"]))
        if i is None:
            continue
        row = cells.setdefault(r[column], [_zero() for _ in period.months])
        _add(row[i], {k: r[k] or 0 for k in FIGURES})
    names = _names(dimension, set(cells))
    rows, month_totals, total = [], [_zero() for _ in period.months], _zero()
    for key, row_cells in cells.items():
        row_total = _zero()
        for i, cell in enumerate(row_cells):
            _add(row_total, cell)
            _add(month_totals[i], cell)
            _finish(cell)
        _add(total, row_total)
        fallback = "" if key is None else str(key)
        code, name = names.get(key) or (fallback, fallback or "Không rõ")
        rows.append({"code": code, "name": name, "cells": row_cells, "total": _finish(row_total)})
    rows.sort(key=lambda r: (-r["total"]["guests"], r["name"]))
    return {
        "dimension": dimension,
        "title": title,
        "months": period.months,
        "rows": rows,
        "month_totals": [_finish(c) for c in month_totals],
        "total": _finish(total),
    }


# --- Occupancy ------------------------------------------------------------------------------------


def _rate(occupied: int, rooms: int) -> float | None:
    return occupied / rooms if rooms else None


def occupancy_trend(scope: Scope, period: Period) -> dict:
    """Occupancy per month and establishment type, from `OccupancyDay`: room-nights occupied /
    room-nights available (the nights of establishments that have rooms). One GROUP BY.

    Returns {"months", "kinds": [{"kind", "name", "cells": [...]}], "month_totals": [...]} where a
    cell has rooms (room-nights), rooms_occupied, guests, foreign_guests and rate (None when no room).
    """
    if scope.empty:
        qs = OccupancyDay.objects.none()
    else:
        qs = OccupancyDay.objects.filter(scope.units_q, day__gte=period.first, day__lt=add_months(period.last, 1))
    grouped = (
        qs.annotate(month=TruncMonth("day"))
        .values("month", "lodging_kind")
        .annotate(
            rooms=Sum("rooms"),
            rooms_occupied=Sum("rooms_occupied"),
            guests=Sum("guests"),
            foreign_guests=Sum("foreign_guests"),
        )
        .order_by()
    )
    keys = ("rooms", "rooms_occupied", "guests", "foreign_guests")
    index = {m: i for i, m in enumerate(period.months)}
    kinds: dict[str, list[dict]] = {}
    totals = [dict.fromkeys(keys, 0) for _ in period.months]
    for r in grouped:
        i = index.get(_as_month(r["month"]))
        if i is None:
            continue
        cells = kinds.setdefault(r["lodging_kind"], [dict.fromkeys(keys, 0) for _ in period.months])
        for k in keys:
            cells[i][k] += r[k] or 0
            totals[i][k] += r[k] or 0
    for cell in [c for cells in kinds.values() for c in cells] + totals:
        cell["rate"] = _rate(cell["rooms_occupied"], cell["rooms"])
    return {
        "months": period.months,
        "kinds": [
            {"kind": kind, "name": kind or UNKNOWN_TYPE, "cells": cells}
            for kind, cells in sorted(kinds.items(), key=lambda kv: kv[0] or "~")
        ],
        "month_totals": totals,
    }


def establishments_occupancy(scope: Scope, period: Period, *, top: int = 50) -> list[dict]:
    """Per establishment over the period: room-nights, occupied, rate; highest rate first."""
    if scope.empty:
        return []
    rows = (
        OccupancyDay.objects.filter(scope.units_q, day__gte=period.first, day__lt=add_months(period.last, 1))
        .values("establishment_id", name=F("establishment__name"), kind=F("lodging_kind"))
        .annotate(rooms=Sum("rooms"), rooms_occupied=Sum("rooms_occupied"), guests=Sum("guests"))
        .order_by("-rooms_occupied", "name")[:top]
    )
    out = [{**r, "rate": _rate(r["rooms_occupied"] or 0, r["rooms"] or 0)} for r in rows]
    out.sort(key=lambda r: (-(r["rate"] or 0), r["name"]))
    return out
