"""Supervision statistics of the one-stop shop, aggregated in the database.

Every public function takes `(user, filters)` and returns plain dicts and lists. The
dossiers are scoped to the units the user sees (`antt.org.selectors.visible_units`)
and need the "reports.view" capability; counting is done by conditional
`Count(..., filter=Q(...))` in one GROUP BY per table, over the `dossier_stats_idx`
columns (submitted_at, unit, procedure, status, timeliness, channel). Python only
walks the grouped rows, never the dossiers.

Definitions (period = [start, end), local dates in Asia/Ho_Chi_Minh):

- in the period: dossiers submitted before the end that were submitted in the period
  (*received*) or were still open at its start (*carried over*: not completed and not
  closed before the start);
- *resolved*: completed (approved) in the period, classed early / on time / late by
  the completion date against the appointment (`dossiers.deadlines.classify`);
- *in progress*: not completed and not closed at the end of the period; *late* when
  its appointment (`due_at`, moved by supplement pauses and apologies) is before the
  end of the period (or now, for a period not yet over);
- *returned*: result returned in the period; *withdrawn / refused / stopped*: closed
  in the period with that status;
- *processing time*: working days (`core.calendar`) from the day of receipt to the day
  of completion, against the legal time in working days (`Dossier.legal_working_days`).
  Target of Quyết định 273/QĐ-UBND (2021) of Thanh Hóa: at least 20% faster than the
  legal time, i.e. average ≤ 80% of the legal time (shared/seed/BRIEF.md);
- *online*: channel online; the procedures' online level (full / partial, Nghị định
  42/2022/NĐ-CP Art. 11) is the dossier's procedure version's;
- *satisfaction*: `feedback.selectors` (its module docstring gives the definition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from antt.catalog.models import OnlineLevel
from antt.core import calendar
from antt.dossiers.models import Channel, Dossier, DossierDocument, DossierResult, Status, Timeliness
from antt.feedback import selectors as feedback_selectors
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible, visible_units

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROCESSING_TARGET = 0.80  # QĐ 273/QĐ-UBND 2021: processing time at least 20% below the legal time
SATISFACTION_TARGET = feedback_selectors.SATISFACTION_TARGET
DIMENSIONS = {
    "field": ("field_id", "field__name"),
    "procedure": ("procedure_id", "procedure__name"),
    "unit": ("unit_id", "unit__name"),
}


@dataclass(frozen=True)
class StatsFilters:
    """What to count: a period of local dates [start, end] (end inclusive) and optional narrowing."""

    start: date
    end: date
    unit: Unit | None = None
    field_id: int | None = None
    procedure_id: int | None = None
    label: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=VN)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (midnight after the last day)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=VN)


def dossiers_in_scope(user, f: StatsFilters) -> QuerySet[Dossier]:
    """Dossiers of the units the user sees, narrowed by unit / field / procedure (no period yet)."""
    if not can(user, "reports.view"):
        return Dossier.objects.none()
    qs = Dossier.objects.filter(unit__in=visible_units(user).values("pk"))
    if f.unit is not None:
        if not unit_is_visible(user, f.unit):
            return Dossier.objects.none()
        qs = qs.filter(unit__in=Unit.objects.filter(path__startswith=f.unit.path).values("pk"))
    if f.field_id:
        qs = qs.filter(field_id=f.field_id)
    if f.procedure_id:
        qs = qs.filter(procedure_id=f.procedure_id)
    return qs


def _open_at(moment: datetime) -> Q:
    """Still with the administration at `moment`: neither completed nor closed before it."""
    return (Q(completed_at__isnull=True) | Q(completed_at__gte=moment)) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=moment)
    )


def in_period(qs: QuerySet, f: StatsFilters) -> QuerySet:
    """Dossiers received in the period or carried over into it (open at its start)."""
    return qs.filter(submitted_at__lt=f.end_at).filter(Q(submitted_at__gte=f.start_at) | _open_at(f.start_at))


def _reference_moment(f: StatsFilters) -> datetime:
    return min(f.end_at, timezone.now())


def _counts(f: StatsFilters) -> dict:
    """The conditional counts of one row of figures (a summary or a group)."""
    start, end = f.start_at, f.end_at
    new = Q(submitted_at__gte=start)
    resolved = Q(completed_at__gte=start, completed_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    open_end = _open_at(end)
    late_open = open_end & Q(due_at__lt=_reference_moment(f))
    fee = new & Q(fee_amount__gt=0, fee_paid_at__isnull=False)

    def n(condition: Q) -> Count:
        return Count("pk", filter=condition)

    return {
        "total": Count("pk"),
        "received": n(new),
        "carried_over": n(~new),
        "received_online": n(new & Q(channel=Channel.ONLINE)),
        "received_counter": n(new & Q(channel=Channel.COUNTER)),
        "received_post": n(new & Q(channel=Channel.POST)),
        "resolved": n(resolved),
        "early": n(resolved & Q(timeliness=Timeliness.EARLY)),
        "on_time": n(resolved & Q(timeliness=Timeliness.ON_TIME)),
        "late": n(resolved & Q(timeliness=Timeliness.LATE)),
        "in_progress": n(open_end),
        "in_progress_late": n(late_open),
        "returned": n(Q(returned_at__gte=start, returned_at__lt=end)),
        "withdrawn": n(closed & Q(status=Status.WITHDRAWN)),
        "refused": n(closed & Q(status=Status.NOT_RECEIVED)),
        "stopped": n(closed & Q(status=Status.STOPPED)),
        "fees_paid": n(fee),
        "fees_paid_online": n(fee & Q(fee_paid_online=True)),
    }


def _ratio(part, whole) -> float | None:
    return part / whole if whole else None


def _derive(row: dict) -> dict:
    """Rates from the counts (None when the denominator is 0)."""
    resolved = row["resolved"]
    row["early_rate"] = _ratio(row["early"], resolved)
    row["on_time_rate"] = _ratio(row["on_time"], resolved)
    row["late_rate"] = _ratio(row["late"], resolved)
    row["in_time_rate"] = _ratio(row["early"] + row["on_time"], resolved)
    row["in_progress_on_time"] = row["in_progress"] - row["in_progress_late"]
    row["online_rate"] = _ratio(row["received_online"], row["received"])
    row["fees_online_rate"] = _ratio(row["fees_paid_online"], row["fees_paid"])
    return row


# --- Processing time in working days ------------------------------------------------------


class _WorkingDays:
    """Working days between two local dates, memoised per pair (the grouped rows repeat pairs).

    One `WorkingCalendar` reads the administrators' calendar rows once per year covered.
    """

    def __init__(self):
        self._cache: dict[tuple[date, date], int] = {}
        self._calendar = calendar.WorkingCalendar()

    def __call__(self, received: date, completed: date) -> int:
        key = (received, completed)
        if key not in self._cache:
            cal = self._calendar
            start = received if cal.is_working_day(received) else cal.next_working_day(received)
            self._cache[key] = cal.working_days_between(start, completed) if completed > start else 0
        return self._cache[key]


def _processing_rows(qs: QuerySet, f: StatsFilters, key: str | None) -> dict:
    """{group id: {"days": avg working days, "legal": avg legal days, ...}} from one grouped query.

    The database groups the resolved dossiers by (group, day received, day completed); the
    working days of each distinct pair of days come from the calendar.
    """
    resolved = qs.filter(completed_at__gte=f.start_at, completed_at__lt=f.end_at, received_at__isnull=False)
    keys = [key] if key else []
    rows = (
        resolved.annotate(r=TruncDate("received_at", tzinfo=VN), c=TruncDate("completed_at", tzinfo=VN))
        .values(*keys, "r", "c")
        .annotate(n=Count("pk"), legal=Sum("legal_working_days"), legal_n=Count("legal_working_days"))
        .order_by()
    )
    days = _WorkingDays()
    acc: dict = {}
    for row in rows:
        a = acc.setdefault(row[key] if key else None, {"n": 0, "days": 0, "legal": 0, "legal_n": 0})
        a["n"] += row["n"]
        a["days"] += row["n"] * days(row["r"], row["c"])
        a["legal"] += float(row["legal"] or 0)
        a["legal_n"] += row["legal_n"]
    out = {}
    for group, a in acc.items():
        avg_days = a["days"] / a["n"] if a["n"] else None
        avg_legal = a["legal"] / a["legal_n"] if a["legal_n"] else None
        ratio = avg_days / avg_legal if avg_days is not None and avg_legal else None
        out[group] = {
            "avg_days": avg_days,
            "avg_legal_days": avg_legal,
            "time_ratio": ratio,
            "meets_time_target": (ratio <= PROCESSING_TARGET) if ratio is not None else None,
        }
    return out


_NO_TIME = {"avg_days": None, "avg_legal_days": None, "time_ratio": None, "meets_time_target": None}


# --- Public selectors -----------------------------------------------------------------------


def stats_summary(user, f: StatsFilters) -> dict:
    """Every figure of the period for the user's scope (five queries, whatever the volume)."""
    base = dossiers_in_scope(user, f)
    qs = in_period(base, f)
    row = _derive(qs.aggregate(**_counts(f)))
    row.update(_processing_rows(qs, f, None).get(None, _NO_TIME))
    row["online_levels"] = online_by_level(qs, f)
    row.update(digitisation(qs, f))
    row["satisfaction"] = feedback_selectors.rating_summary(
        user, start=f.start_at, end=f.end_at, unit=f.unit, field_id=f.field_id, procedure_id=f.procedure_id
    )
    return row


def stats_by(user, f: StatsFilters, dimension: str) -> list[dict]:
    """The figures per field, procedure or unit (two queries), most received first."""
    key, label = DIMENSIONS[dimension]
    qs = in_period(dossiers_in_scope(user, f), f)
    rows = qs.values(key, label).annotate(**_counts(f)).order_by("-received", label)
    times = _processing_rows(qs, f, key)
    out = []
    for row in rows:
        group = row.pop(key)
        name = row.pop(label)
        out.append({"id": group, "name": name, **_derive(row), **times.get(group, _NO_TIME)})
    return out


def stats_by_month(user, f: StatsFilters) -> list[dict]:
    """Received (by submission month) and resolved (by completion month) per month of the period."""
    qs = dossiers_in_scope(user, f)
    received = (
        qs.filter(submitted_at__gte=f.start_at, submitted_at__lt=f.end_at)
        .annotate(m=TruncMonth("submitted_at", tzinfo=VN))
        .values("m")
        .annotate(n=Count("pk"), online=Count("pk", filter=Q(channel=Channel.ONLINE)))
        .order_by()
    )
    resolved = (
        qs.filter(completed_at__gte=f.start_at, completed_at__lt=f.end_at)
        .annotate(m=TruncMonth("completed_at", tzinfo=VN))
        .values("m")
        .annotate(
            n=Count("pk"),
            early=Count("pk", filter=Q(timeliness=Timeliness.EARLY)),
            on_time=Count("pk", filter=Q(timeliness=Timeliness.ON_TIME)),
            late=Count("pk", filter=Q(timeliness=Timeliness.LATE)),
        )
        .order_by()
    )
    months: dict[date, dict] = {}
    cursor = f.start.replace(day=1)
    while cursor <= f.end:
        months[cursor] = {
            "month": cursor,
            "received": 0,
            "online": 0,
            "resolved": 0,
            "early": 0,
            "on_time": 0,
            "late": 0,
        }
        cursor = (cursor + timedelta(days=32)).replace(day=1)

    def month_of(value) -> date:
        return value.date().replace(day=1) if isinstance(value, datetime) else value.replace(day=1)

    for r in received:
        m = months.get(month_of(r["m"]))
        if m is not None:
            m["received"], m["online"] = r["n"], r["online"]
    for r in resolved:
        m = months.get(month_of(r["m"]))
        if m is not None:
            m.update(resolved=r["n"], early=r["early"], on_time=r["on_time"], late=r["late"])
    for m in months.values():
        m["online_rate"] = _ratio(m["online"], m["received"])
    return list(months.values())


def online_by_level(qs: QuerySet, f: StatsFilters) -> list[dict]:
    """Received and received online, per online level of the procedure (full / partial / none)."""
    rows = (
        qs.filter(submitted_at__gte=f.start_at)
        .values("procedure_version__online_level")
        .annotate(received=Count("pk"), online=Count("pk", filter=Q(channel=Channel.ONLINE)))
        .order_by()
    )
    found = {r["procedure_version__online_level"]: r for r in rows}
    out = []
    for level in OnlineLevel:
        r = found.get(level.value, {"received": 0, "online": 0})
        out.append(
            {
                "level": level.value,
                "label": str(level.label),
                "received": r["received"],
                "online": r["online"],
                "online_rate": _ratio(r["online"], r["received"]),
            }
        )
    return out


def digitisation(qs: QuerySet, f: StatsFilters) -> dict:
    """Dossiers received in the period with at least one uploaded file; results resolved with a file."""
    docs = DossierDocument.objects.filter(dossier=OuterRef("pk")).exclude(file="")
    results = DossierResult.objects.filter(dossier=OuterRef("pk")).exclude(file="")
    row = qs.aggregate(
        digitised=Count("pk", filter=Q(Exists(docs), submitted_at__gte=f.start_at)),
        results_digitised=Count(
            "pk", filter=Q(Exists(results), completed_at__gte=f.start_at, completed_at__lt=f.end_at)
        ),
    )
    return row


def quality_groups(summary: dict) -> list[dict]:
    """The five groups of QĐ 766/QĐ-TTg (23/06/2022): what we measure for each, and what we cannot.

    Points are not computed: the sub-indicators and weights of the decision's appendix were
    not found (docs/legal/one-stop.md §5, shared/research/legal-facts.md §4). Each group shows
    the figures our data gives, never a made-up score.
    """
    sat = summary["satisfaction"]
    return [
        {
            "name": "Công khai, minh bạch",
            "points": 18,
            "measured": [],
            "missing": "Chưa tính: cần dữ liệu công bố, công khai thủ tục đúng hạn và xử lý phản ánh, kiến nghị "
            "(phân hệ phản ánh, kiến nghị chưa xây dựng); công thức chi tiết của Phụ lục QĐ 766 chưa tìm thấy.",
        },
        {
            "name": "Tiến độ, kết quả giải quyết",
            "points": 20,
            "measured": [
                ("Tỷ lệ giải quyết trước hạn và đúng hạn", summary["in_time_rate"], "rate"),
                ("Hồ sơ đang giải quyết quá hạn", summary["in_progress_late"], "count"),
            ],
            "missing": "Điểm chưa quy đổi: cách tính điểm các chỉ tiêu thành phần trong Phụ lục QĐ 766 chưa tìm thấy.",
        },
        {
            "name": "Số hóa hồ sơ",
            "points": 22,
            "measured": [
                (
                    "Tỷ lệ hồ sơ tiếp nhận có thành phần được số hóa",
                    _ratio(summary["digitised"], summary["received"]),
                    "rate",
                ),
                (
                    "Tỷ lệ kết quả giải quyết có bản điện tử",
                    _ratio(summary["results_digitised"], summary["resolved"]),
                    "rate",
                ),
            ],
            "missing": "Chưa tính: tỷ lệ khai thác, sử dụng lại dữ liệu đã số hóa (chưa kết nối Cổng DVC quốc gia); "
            "điểm chưa quy đổi vì công thức Phụ lục QĐ 766 chưa tìm thấy.",
        },
        {
            "name": "Cung cấp dịch vụ trực tuyến",
            "points": 22,
            "measured": [
                ("Tỷ lệ hồ sơ nộp trực tuyến", summary["online_rate"], "rate"),
                ("Tỷ lệ nộp phí, lệ phí trực tuyến", summary["fees_online_rate"], "rate"),
            ],
            "missing": "Điểm chưa quy đổi: công thức Phụ lục QĐ 766 chưa tìm thấy.",
        },
        {
            "name": "Mức độ hài lòng",
            "points": 18,
            "measured": [("Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC", sat["satisfaction_rate"], "rate")],
            "missing": "Chưa tính: tỷ lệ xử lý phản ánh, kiến nghị đúng hạn và mức độ hài lòng về xử lý phản ánh "
            "(phân hệ phản ánh, kiến nghị chưa xây dựng). Công thức đã biết cho hai chỉ tiêu này: xem "
            "docs/legal/one-stop.md §5.",
        },
    ]


def unit_choices(user) -> QuerySet[Unit]:
    return visible_units(user).order_by("path").only("pk", "name", "path")
