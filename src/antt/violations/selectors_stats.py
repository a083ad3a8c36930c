"""Statistics of administrative violations: the appendix 9 table and the trends (issue 4, item 8).

The table is the layout of appendix 9 of Quyết định 273/QĐ-UBND (21/01/2021) of Thanh Hóa
("Tổng hợp số liệu xử phạt VPHC trong lĩnh vực ANTT trọng tâm", extracted to
`shared/seed/violations-2019.csv`): one row per `StatGroup` in its order; a field that has
behaviour groups (security and order, social evils) gets a subtotal row with its groups below
it as sub-rows; then the total row. Columns:

- cases: distinct `case_id` (one case may lead to several decisions);
- decisions: the number of penalty decisions;
- violators: distinct `DecisionViolator.violator_key` (ID number, tax code, or folded name and
  date of birth): a person fined twice counts once;
- fined: sum of `total_fine`; paid to the budget: sum of `amount_paid` (the fine only, without
  the late-payment surcharge, which the appendix does not count);
- seized items: sum of `seized_count`; licences suspended: sum of `suspension_count`.

What is counted:

- decisions *issued* in the period, by `issued_on` (local date), both ends included;
- of the units in the chosen subtree (`unit_path` prefix), by default the officer's own scope
  (`antt.org.selectors`): a province supervisor sees the province, a commune its commune;
- **cancelled decisions are left out** (status `cancelled`: a decision annulled is as if it
  had never been issued; its amounts were never owed). Every other status counts, warnings
  included (a decision without a fine still counts as a decision and its violator);
- a decision counts under the row of its `stat_group` (set by the services from its line with
  the highest fine): a decision is never split across rows.

Totals are computed here, never typed in (the appendix's own printed totals disagree with its
rows: shared/seed/BRIEF.md). Sums add up the rows. **The distinct counts (cases, violators) of a
field subtotal and of the total are distinct over the whole selection**: a person fined in two
rows counts once in the total, so the total of violators (or cases) can be lower than the sum of
its rows; `totals["rows_sum"]` keeps the plain sums so that the page can show both.

Speed: one statement for the sums and distinct cases, one for the distinct violators, over the
covering index `decision_stats_idx` (issued_on, unit_path, stat_group INCLUDE case, amounts,
counts); decisions are counted with COUNT(*), never COUNT(id) (perf-baseline §3: COUNT(id)
makes PostgreSQL leave the index for a sequential scan). The three levels (row, field, total)
come from `GROUPING SETS` on PostgreSQL, from a `UNION ALL` of three GROUP BYs on SQLite, which
has no grouping sets. Both statements read from the database the router picks for reads (a
replica in production). The trends are four small ORM GROUP BYs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Count, F, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404

from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import unit_is_visible
from antt.violations.models import DecisionLine, DecisionStatus, DecisionViolator, PenaltyDecision, StatGroup

CAPABILITY = "reports.view"
# (key, heading of appendix 9 as printed, short heading for narrow places)
LEAD_HEADINGS = ["STT", "Lĩnh vực", "Nhóm hành vi liên quan đến"]
COLUMNS = [
    ("cases", "Số vụ VPHC", "Số vụ"),
    ("decisions", "Số QĐ XPVPHC", "Số quyết định"),
    ("violators", "Số đối tượng bị XLVPHC", "Số đối tượng"),
    ("fined", "Số tiền theo QĐXP (đồng)", "Tiền phạt (đồng)"),
    ("paid", "Số tiền đã nộp NSNN (đồng)", "Đã nộp NSNN (đồng)"),
    ("seized", "Số TV,PT bị tạm giữ", "TV, PT tạm giữ"),
    ("suspended", "Số GP,CCHN bị tước", "GP, CCHN bị tước"),
]
KEYS = [key for key, _h, _s in COLUMNS]
DISTINCT_KEYS = ("cases", "violators")
TITLE = "Tổng hợp số liệu xử phạt vi phạm hành chính"
TOTALS_NOTE = (
    "Dòng tổng do hệ thống tính. Số vụ và số đối tượng ở dòng cộng lĩnh vực và dòng tổng được đếm "
    "không trùng lặp trên toàn bộ phạm vi: một người bị xử phạt ở hai dòng chỉ tính một lần, nên có "
    "thể nhỏ hơn tổng cộng các dòng. Không tính các quyết định đã hủy; kỳ thống kê theo ngày ra quyết định."
)


@dataclass(frozen=True)
class Scope:
    """What a statistic covers: local dates [start, end] (both included) and a unit subtree."""

    start: date
    end: date
    unit: Unit | None
    path: str | None  # the unit_path prefix; None: nothing visible

    @property
    def label(self) -> str:
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"


def resolve_scope(user, *, start: date, end: date, unit: Unit | None = None) -> Scope:
    """Check the capability and the unit, and fix the subtree.

    No `reports.view` -> PermissionDenied (403). A unit outside the user's scope -> Http404 (as
    every out-of-unit object: do not reveal it). No unit -> the user's own unit and below; a
    user without a unit sees nothing.
    """
    if not can(user, CAPABILITY):
        raise PermissionDenied("Bạn không có quyền xem thống kê vi phạm hành chính.")
    if end < start:
        raise ValueError("end before start")
    if unit is None:
        unit = user.unit if getattr(user, "unit_id", None) else None
        if unit is None or not unit_is_visible(user, unit):
            return Scope(start, end, None, None)
    elif not unit_is_visible(user, unit):
        raise Http404("Không tìm thấy đơn vị.")
    return Scope(start, end, unit, unit.path)


def _empty() -> dict:
    return dict.fromkeys(KEYS, 0)


# --- The appendix 9 table -------------------------------------------------------------------


def _like_prefix(path: str) -> str:
    escaped = path.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped + "%"


def _grouped_sql(select: str, from_where: str, vendor: str) -> str:
    """The statement for the three levels: (field_no, stat_group_id), (field_no), ().

    `select` is the list of aggregates; the result columns are field_no, stat_group_id, then
    the aggregates. A NULL stat_group_id marks a field row, NULL in both a total row (neither
    column is nullable in the tables, so the NULLs only come from the grouping).
    """
    if vendor == "postgresql":
        return (
            f"SELECT sg.field_no, d.stat_group_id, {select} {from_where} "
            "GROUP BY GROUPING SETS ((sg.field_no, d.stat_group_id), (sg.field_no), ())"
        )
    return " UNION ALL ".join(
        [
            f"SELECT sg.field_no, d.stat_group_id, {select} {from_where} GROUP BY sg.field_no, d.stat_group_id",
            f"SELECT sg.field_no, NULL, {select} {from_where} GROUP BY sg.field_no",
            f"SELECT NULL, NULL, {select} {from_where}",
        ]
    )


def _where(scope: Scope) -> tuple[str, list]:
    # `status <> 'cancelled'` is written as a literal so that the planner can match it with a
    # partial index of the same predicate (requested for decision_stats_idx).
    cancelled = DecisionStatus.CANCELLED.value
    assert cancelled.isalnum()  # a code constant, never user input
    sql = (
        "WHERE d.issued_on >= %s AND d.issued_on <= %s AND d.unit_path LIKE %s ESCAPE '!' "
        f"AND d.status <> '{cancelled}'"
    )
    return sql, [scope.start, scope.end, _like_prefix(scope.path or "")]


def _figures(scope: Scope) -> dict[tuple, dict]:
    """{(field_no, stat_group_id): figures} at the three levels, from two statements."""
    decision_t = PenaltyDecision._meta.db_table
    group_t = StatGroup._meta.db_table
    violator_t = DecisionViolator._meta.db_table
    alias = router.db_for_read(PenaltyDecision)
    connection = connections[alias]
    vendor = connection.vendor
    where, params = _where(scope)
    decisions_sql = _grouped_sql(
        "COUNT(DISTINCT d.case_id), COUNT(*), COALESCE(SUM(d.total_fine), 0), COALESCE(SUM(d.amount_paid), 0), "
        "COALESCE(SUM(d.seized_count), 0), COALESCE(SUM(d.suspension_count), 0)",
        f"FROM {decision_t} d JOIN {group_t} sg ON sg.id = d.stat_group_id {where}",
        vendor,
    )
    violators_sql = _grouped_sql(
        "COUNT(DISTINCT v.violator_key)",
        f"FROM {violator_t} v JOIN {decision_t} d ON d.id = v.decision_id "
        f"JOIN {group_t} sg ON sg.id = d.stat_group_id {where}",
        vendor,
    )
    repeat = 1 if vendor == "postgresql" else 3
    out: dict[tuple, dict] = {}
    with connection.cursor() as cursor:
        cursor.execute(decisions_sql, params * repeat)
        for field_no, group_id, cases, decisions, fined, paid, seized, suspended in cursor.fetchall():
            out[(field_no, group_id)] = {
                "cases": cases,
                "decisions": decisions,
                "violators": 0,
                "fined": int(fined),
                "paid": int(paid),
                "seized": int(seized),
                "suspended": int(suspended),
            }
        cursor.execute(violators_sql, params * repeat)
        for field_no, group_id, violators in cursor.fetchall():
            out.setdefault((field_no, group_id), _empty())["violators"] = violators
    return out


def _layout(groups: list[StatGroup], figures: dict[tuple, dict]) -> list[dict]:
    """The rows in appendix 9 order: a field, then its behaviour groups (when it has any)."""
    fields: dict[int, list[StatGroup]] = {}
    for g in groups:
        fields.setdefault(g.field_no, []).append(g)
    rows = []
    for field_no, members in fields.items():
        has_groups = len(members) > 1 or any(g.name for g in members)
        field_figures = figures.get((field_no, None), _empty())
        rows.append(
            {
                "level": "field",
                "stt": str(field_no),
                "field_no": field_no,
                "field_name": members[0].field_name,
                "group_name": "Cộng" if has_groups else "",
                "code": "" if has_groups else members[0].code,
                "stat_group_id": None if has_groups else members[0].pk,
                "has_groups": has_groups,
                **field_figures,
            }
        )
        if not has_groups:
            continue
        for i, g in enumerate(members, 1):
            rows.append(
                {
                    "level": "group",
                    "stt": f"{field_no}.{i}",
                    "field_no": field_no,
                    "field_name": g.field_name,
                    "group_name": g.name or g.field_name,
                    "code": g.code,
                    "stat_group_id": g.pk,
                    "has_groups": False,
                    **figures.get((field_no, g.pk), _empty()),
                }
            )
    return rows


def stats_table(user, *, start: date, end: date, unit: Unit | None = None) -> dict:
    """The appendix 9 table for decisions issued in [start, end] in `unit`'s subtree.

    Returns {"rows", "totals", "columns", "scope"}; rows are dicts with `level` ("field" or
    "group"), `stt`, `field_name`, `group_name`, `code` and the figures of `KEYS`; `totals` has
    the figures plus `rows_sum` (the plain sums of the leaf rows, for the distinct columns).
    Three queries whatever the volume (the rows of StatGroup, then the two statements).
    """
    scope = resolve_scope(user, start=start, end=end, unit=unit)
    groups = list(StatGroup.objects.order_by("order", "code"))
    figures = _figures(scope) if scope.path is not None else {}
    rows = _layout(groups, figures)
    totals = {**_empty(), **figures.get((None, None), {})}
    leaves = [r for r in rows if r["level"] == "group" or not r["has_groups"]]
    totals["rows_sum"] = {key: sum(r[key] for r in leaves) for key in KEYS}
    return {"rows": rows, "totals": totals, "columns": COLUMNS, "scope": scope}


# --- Trends -----------------------------------------------------------------------------------


def decisions_in(scope: Scope) -> QuerySet[PenaltyDecision]:
    """The decisions a statistic counts: issued in the period, in the subtree, not cancelled."""
    if scope.path is None:
        return PenaltyDecision.objects.none()
    return PenaltyDecision.objects.filter(
        issued_on__gte=scope.start, issued_on__lte=scope.end, unit_path__startswith=scope.path
    ).exclude(status=DecisionStatus.CANCELLED)


def _months(start: date, end: date) -> list[date]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def by_month(scope: Scope) -> list[dict]:
    """Decisions, amounts fined and paid per month of the period (months without any show 0)."""
    rows = (
        decisions_in(scope)
        .annotate(month=TruncMonth("issued_on"))
        .values("month")
        .annotate(decisions=Count("*"), fined=Sum("total_fine"), paid=Sum("amount_paid"))
        .order_by()
    )
    found = {r["month"]: r for r in rows}
    out = []
    for m in _months(scope.start, scope.end):
        r = found.get(m, {})
        out.append(
            {
                "month": m,
                "label": f"{m:%m/%Y}",
                "decisions": r.get("decisions", 0),
                "fined": int(r.get("fined") or 0),
                "paid": int(r.get("paid") or 0),
            }
        )
    return out


def by_behaviour(scope: Scope, *, top: int = 10) -> list[dict]:
    """The `top` behaviours with the most decision lines (imported decisions have no lines).

    Grouped by behaviour and the provision the line cites (lines without a catalogue behaviour
    group by their provision text); ties: the larger amount first.
    """
    if scope.path is None:
        return []
    lines = DecisionLine.objects.filter(
        decision__issued_on__gte=scope.start,
        decision__issued_on__lte=scope.end,
        decision__unit_path__startswith=scope.path,
    ).exclude(decision__status=DecisionStatus.CANCELLED)
    rows = (
        lines.values("behaviour_id", "provision")
        .annotate(
            lines=Count("*"),
            fined=Sum("amount"),
            short_name=Min("behaviour__short_name"),
            description=Min("description"),
        )
        .order_by("-lines", "-fined", "provision")[:top]
    )
    return [
        {
            "name": r["short_name"] or (r["description"] or "Không xác định hành vi")[:80],
            "provision": r["provision"] or "",
            "lines": r["lines"],
            "fined": int(r["fined"] or 0),
        }
        for r in rows
    ]


def by_place(scope: Scope, *, top: int = 15) -> list[dict]:
    """Decisions per commune of the violation (`area`), most first; no area: "Chưa rõ địa bàn"."""
    rows = (
        decisions_in(scope)
        .values("area_id", name=F("area__name"))
        .annotate(decisions=Count("*"), fined=Sum("total_fine"))
        .order_by("-decisions", "name")[:top]
    )
    return [
        {"name": r["name"] or "Chưa rõ địa bàn", "decisions": r["decisions"], "fined": int(r["fined"] or 0)}
        for r in rows
    ]


def by_unit(scope: Scope, *, top: int = 15) -> list[dict]:
    """Decisions, distinct cases and amounts per issuing unit, most decisions first."""
    rows = (
        decisions_in(scope)
        .values("unit_id", name=F("unit__name"))
        .annotate(
            cases=Count("case", distinct=True),
            decisions=Count("*"),
            fined=Sum("total_fine"),
            paid=Sum("amount_paid"),
        )
        .order_by("-decisions", "name")[:top]
    )
    return [
        {
            "name": r["name"],
            "cases": r["cases"],
            "decisions": r["decisions"],
            "fined": int(r["fined"] or 0),
            "paid": int(r["paid"] or 0),
        }
        for r in rows
    ]


def trends(user, *, start: date, end: date, unit: Unit | None = None, top: int = 10) -> dict:
    """Trends of the same selection as `stats_table`: by month, behaviour, place and unit."""
    scope = resolve_scope(user, start=start, end=end, unit=unit)
    return {
        "scope": scope,
        "months": by_month(scope),
        "behaviours": by_behaviour(scope, top=top),
        "places": by_place(scope, top=top),
        "units": by_unit(scope, top=top),
    }
