"""Reads of inspections and findings, each already limited to what the caller may see.

Staff need `establishment.view` (else PermissionDenied, a 403); the rows are those of the
user's unit and the units below it (an inspection belongs to the unit that managed the
establishment when it was planned, `inspections` module docstring). One object outside that
scope is a 404, never a 403.

`monthly_plan(user, unit, month)` is the unit's plan (issue 5 point 4): what falls due this
month, what is overdue, what is planned in the month, and the findings past their deadline.
It must stay fast at 200,000 establishments and 1,000,000 inspections (docs/benchmarks.md):
the units of the subtree are read first (one small query on `Unit.path`) so that every part is
a range scan of its own index with `unit_id IN (...)`: `est_unit_sec_due` / `est_unit_fire_due`
(due, overdue), `insp_unit_status_day` (planned), `finding_unit_status_due` (overdue
findings). Each part is a lazy queryset of `.values()` rows (only the columns the page shows,
no model instances); the page counts it (`COUNT(*)`) and slices one page.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from antt.core import calendar
from antt.establishments.inspections import RuleBook, notice_status, risk_breakdown
from antt.establishments.models import Domain, Establishment, Finding, FireProfile, Inspection
from antt.establishments.selectors import clean_query, name_words
from antt.org.models import Unit
from antt.org.roles import can
from antt.org.selectors import _scope_path, scope, unit_is_visible

INSPECTION_SORTS = {
    "planned": ("planned_on", "id"),
    "-planned": ("-planned_on", "-id"),
    "inspected": ("inspected_on", "id"),
    "-inspected": ("-inspected_on", "-id"),
    "name": ("establishment__name_folded", "id"),
    "-name": ("-establishment__name_folded", "-id"),
}

ESTABLISHMENT_COLUMNS = (
    "id",
    "name",
    "tax_code",
    "address",
    "unit_id",
    "risk_score",
    "next_security_due",
    "next_fire_due",
    "last_security_inspection",
    "last_fire_inspection",
)
PLANNED_COLUMNS = (
    "id",
    "domain",
    "kind",
    "planned_on",
    "notified_on",
    "status",
    "unit_id",
    "establishment_id",
    "establishment__name",
    "establishment__address",
)
FINDING_COLUMNS = (
    "id",
    "description",
    "requirement",
    "due_on",
    "unit_id",
    "inspection_id",
    "establishment_id",
    "establishment__name",
)


def _require_view(user) -> None:
    if not can(user, "establishment.view"):
        raise PermissionDenied("Bạn không có quyền xem thông tin kiểm tra cơ sở.")


def visible_inspections(user) -> QuerySet[Inspection]:
    _require_view(user)
    return scope(user, Inspection.objects.all())


def visible_findings(user) -> QuerySet[Finding]:
    _require_view(user)
    return scope(user, Finding.objects.all())


def inspection_list(
    user,
    *,
    q: str = "",
    status: str | None = None,
    domain: str | None = None,
    kind: str | None = None,
    outcome: str | None = None,
    unit: Unit | None = None,
    establishment: Establishment | int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "-planned",
) -> QuerySet[Inspection]:
    """Inspections the user may see, filtered (dates on the planned day) and sorted."""
    qs = visible_inspections(user)
    if status:
        qs = qs.filter(status=status)
    if domain:
        qs = qs.filter(domain=domain)
    if kind:
        qs = qs.filter(kind=kind)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if establishment is not None:
        qs = qs.filter(establishment_id=getattr(establishment, "pk", establishment))
    if date_from:
        qs = qs.filter(planned_on__gte=date_from)
    if date_to:
        qs = qs.filter(planned_on__lte=date_to)
    text = clean_query(q)
    cond = name_words(text, "establishment__name_folded")
    if cond is not None:
        qs = qs.filter(cond | Q(establishment__tax_code=text) | Q(record_number__iexact=text))
    return qs.select_related("establishment", "unit").order_by(
        *INSPECTION_SORTS.get(sort, INSPECTION_SORTS["-planned"])
    )


def inspection_get(user, pk) -> Inspection:
    """One inspection the user may see (404 otherwise), with its findings and linked records."""
    try:
        inspection = (
            visible_inspections(user)
            .select_related("establishment", "establishment__unit", "unit", "created_by", "recorded_by")
            .prefetch_related("findings__violation_record", "violation_records")
            .filter(pk=int(pk))
            .first()
        )
    except (TypeError, ValueError):
        inspection = None
    if inspection is None:
        raise Http404("Không tìm thấy cuộc kiểm tra.")
    return inspection


def finding_get(user, pk) -> Finding:
    try:
        finding = visible_findings(user).select_related("inspection", "establishment").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        finding = None
    if finding is None:
        raise Http404("Không tìm thấy tồn tại.")
    return finding


def rule_for(book: RuleBook, inspection: Inspection):
    """The InspectionRule that governs `inspection` (its notice, its frequency)."""
    profile = None
    if inspection.domain == Domain.FIRE:
        profile = (
            FireProfile.objects.select_related("category").filter(establishment_id=inspection.establishment_id).first()
        )
    return book.for_inspection(inspection.domain, profile)


# --- the establishment page's section ----------------------------------------------------------


def detail_context(user, establishment) -> dict:
    """Context for the establishment page's inspections section (template establishments/detail_inspections.html)."""
    if not can(user, "establishment.view") or not unit_is_visible(user, establishment.unit):
        return {"insp_visible": False}
    today = timezone.localdate()
    inspections = list(
        Inspection.objects.filter(establishment_id=establishment.pk)
        .select_related("unit")
        .order_by("-planned_on", "-id")[:10]
    )
    total = Inspection.objects.filter(establishment_id=establishment.pk).count()
    findings = list(
        Finding.objects.filter(establishment_id=establishment.pk, status=Finding.Status.OPEN).order_by("due_on", "id")[
            :20
        ]
    )
    for f in findings:
        f.overdue = f.due_on < today
    breakdown = risk_breakdown(establishment, today)
    has_fire = FireProfile.objects.filter(establishment_id=establishment.pk).exists()
    has_lines = establishment.lines.exists()
    may_inspect = can(user, "establishment.inspect")
    return {
        "insp_visible": True,
        "insp_today": today,
        "insp_domains": [
            {
                "code": Domain.SECURITY,
                "label": "An ninh, trật tự",
                "applies": has_lines,
                "last": establishment.last_security_inspection,
                "next": establishment.next_security_due,
                "overdue": bool(establishment.next_security_due and establishment.next_security_due < today),
            },
            {
                "code": Domain.FIRE,
                "label": "Phòng cháy, chữa cháy",
                "applies": has_fire,
                "last": establishment.last_fire_inspection,
                "next": establishment.next_fire_due,
                "overdue": bool(establishment.next_fire_due and establishment.next_fire_due < today),
            },
        ],
        "insp_risk": breakdown,
        "insp_stored_risk": establishment.risk_score,
        "insp_list": inspections,
        "insp_total": total,
        "insp_findings": findings,
        "insp_may_plan": may_inspect and establishment.status != Establishment.Status.CEASED,
        "insp_establishment": establishment,
    }


# --- the monthly plan -------------------------------------------------------------------------


@dataclass
class Plan:
    """A unit's inspection plan for one month: four lazy querysets of `.values()` rows."""

    unit: Unit
    month: date  # the first day
    month_end: date
    today: date
    unit_ids: list[int]
    due: QuerySet  # establishments falling due this month, nothing planned yet
    overdue: QuerySet  # establishments due before the month, not inspected since
    planned: QuerySet  # inspections planned in the month
    overdue_findings: QuerySet  # open findings past their deadline (today)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def plan_unit(user, unit: Unit | int | None) -> Unit:
    """The unit of a plan: the given one if the user may see it (404 otherwise), else the user's."""
    _require_view(user)
    if unit is None:
        if _scope_path(user) is None:
            raise Http404("Không tìm thấy đơn vị.")
        return user.unit
    if not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=unit).first()
    if unit is None or not unit_is_visible(user, unit):
        raise Http404("Không tìm thấy đơn vị.")
    return unit


def _planned(domain: str):
    return Inspection.objects.filter(establishment_id=OuterRef("pk"), domain=domain, status=Inspection.Status.PLANNED)


def monthly_plan(user, unit: Unit | int | None, month: date, *, today: date | None = None) -> Plan:
    """The plan of `unit` (and the units below it) for the month of `month` (see module docstring)."""
    unit = plan_unit(user, unit)
    today = today or timezone.localdate()
    first, last = month_bounds(month)
    unit_ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))
    establishments = Establishment.objects.filter(unit_id__in=unit_ids, status=Establishment.Status.ACTIVE)

    sec_in = Q(next_security_due__gte=first, next_security_due__lte=last)
    fire_in = Q(next_fire_due__gte=first, next_fire_due__lte=last)
    due = (
        establishments.filter(sec_in | fire_in)
        .filter((sec_in & ~Exists(_planned(Domain.SECURITY))) | (fire_in & ~Exists(_planned(Domain.FIRE))))
        .order_by("-risk_score", "name_folded", "id")
        .values(*ESTABLISHMENT_COLUMNS)
    )

    sec_late = Q(next_security_due__lt=first) & (
        Q(last_security_inspection__isnull=True) | Q(last_security_inspection__lt=F("next_security_due"))
    )
    fire_late = Q(next_fire_due__lt=first) & (
        Q(last_fire_inspection__isnull=True) | Q(last_fire_inspection__lt=F("next_fire_due"))
    )
    overdue = (
        establishments.filter(sec_late | fire_late)
        .order_by("-risk_score", "name_folded", "id")
        .values(*ESTABLISHMENT_COLUMNS)
    )

    planned = (
        Inspection.objects.filter(
            unit_id__in=unit_ids, status=Inspection.Status.PLANNED, planned_on__gte=first, planned_on__lte=last
        )
        .order_by("planned_on", "id")
        .values(*PLANNED_COLUMNS)
    )

    overdue_findings = (
        Finding.objects.filter(unit_id__in=unit_ids, status=Finding.Status.OPEN, due_on__lt=today)
        .order_by("due_on", "id")
        .values(*FINDING_COLUMNS)
    )
    return Plan(
        unit=unit,
        month=first,
        month_end=last,
        today=today,
        unit_ids=unit_ids,
        due=due,
        overdue=overdue,
        planned=planned,
        overdue_findings=overdue_findings,
    )


def establishment_rows(rows: list[dict], plan: Plan) -> list[dict]:
    """Page rows of `due` / `overdue` with what the page shows per domain (one query for the
    planned inspections of the page's establishments)."""
    ids = [r["id"] for r in rows]
    planned = {}
    if ids:
        for p in Inspection.objects.filter(establishment_id__in=ids, status=Inspection.Status.PLANNED).values(
            "id", "establishment_id", "domain", "planned_on"
        ):
            planned.setdefault((p["establishment_id"], p["domain"]), p)
    names = unit_names(plan, rows)
    out = []
    for r in rows:
        domains = []
        for code, label, due_key, last_key in (
            (Domain.SECURITY, "ANTT", "next_security_due", "last_security_inspection"),
            (Domain.FIRE, "PCCC", "next_fire_due", "last_fire_inspection"),
        ):
            due = r[due_key]
            if due is None:
                continue
            domains.append(
                {
                    "code": code,
                    "label": label,
                    "due": due,
                    "last": r[last_key],
                    "late": due < plan.month,
                    "in_month": plan.month <= due <= plan.month_end,
                    "planned": planned.get((r["id"], code)),
                    "to_plan": (r["id"], code) not in planned and due <= plan.month_end,
                }
            )
        out.append({**r, "domains": domains, "unit_name": names.get(r["unit_id"], "")})
    return out


def unit_names(plan: Plan, rows: list[dict]) -> dict[int, str]:
    ids = {r["unit_id"] for r in rows}
    if not ids:
        return {}
    return dict(Unit.objects.filter(pk__in=ids).values_list("id", "name"))


def planned_rows(rows: list[dict], plan: Plan) -> list[dict]:
    """Page rows of `planned` with the notice state of each (TT 42 Art. 8(2))."""
    book = RuleBook(plan.today)
    fire_profiles = {
        p["establishment_id"]: (p["category__code"], p["high_risk"])
        for p in FireProfile.objects.filter(
            establishment_id__in=[r["establishment_id"] for r in rows if r["domain"] == Domain.FIRE]
        ).values("establishment_id", "category__code", "high_risk")
    }
    names = unit_names(plan, rows)
    cal = calendar.WorkingCalendar()
    out = []
    for r in rows:
        if r["domain"] == Domain.SECURITY:
            rule = book.security
        else:
            rule = book.for_fire(*fire_profiles.get(r["establishment_id"], (None, False)))
        stub = Inspection(kind=r["kind"], status=r["status"], planned_on=r["planned_on"], notified_on=r["notified_on"])
        out.append(
            {
                **r,
                "domain_label": Domain(r["domain"]).label,
                "kind_label": Inspection.Kind(r["kind"]).label,
                "notice": notice_status(stub, rule, plan.today, cal),
                "unit_name": names.get(r["unit_id"], ""),
            }
        )
    return out


def finding_rows(rows: list[dict], plan: Plan) -> list[dict]:
    names = unit_names(plan, rows)
    return [{**r, "days_late": (plan.today - r["due_on"]).days, "unit_name": names.get(r["unit_id"], "")} for r in rows]


# --- helpers of the pages -------------------------------------------------------------------


def establishment_for_inspection(user, pk) -> Establishment:
    """An establishment the user may see (404 otherwise), for the planning page."""
    if not can(user, "establishment.view"):
        raise PermissionDenied("Bạn không có quyền xem cơ sở.")
    try:
        establishment = scope(user, Establishment.objects.select_related("unit")).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        establishment = None
    if establishment is None:
        raise Http404("Không tìm thấy cơ sở.")
    return establishment


def violation_record_candidates(user, establishment, limit: int = 20) -> list:
    """Recent violation records against the establishment's tax code that the user may see
    (choices for the inspection record form); [] without `violation.view`."""
    if not can(user, "violation.view") or not establishment.tax_code:
        return []
    from antt.violations.selectors import visible_records

    return list(
        visible_records(user)
        .filter(violator_tax_code=establishment.tax_code)
        .only("id", "number", "made_at")
        .order_by("-made_at")[:limit]
    )


def violation_records_by_number(user, numbers: list[str]) -> tuple[list, list[str]]:
    """(records found among those the user may see, numbers not found) for typed record numbers."""
    wanted = [" ".join(n.split()).upper() for n in numbers if n and n.strip()][:20]
    if not wanted:
        return [], []
    if not can(user, "violation.view"):
        return [], wanted
    from antt.violations.selectors import visible_records

    found = {r.number.upper(): r for r in visible_records(user).filter(number__in=wanted)}
    if len(found) < len(set(wanted)):
        # numbers are stored as typed by the service ("12/BB-VPHC/..."): try a case-insensitive match
        for n in wanted:
            if n not in found:
                r = visible_records(user).filter(number__iexact=n).first()
                if r is not None:
                    found[n] = r
    records = [found[n] for n in dict.fromkeys(wanted) if n in found]
    missing = [n for n in dict.fromkeys(wanted) if n not in found]
    return records, missing
