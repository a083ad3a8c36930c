"""Inspections of establishments (kiểm tra định kỳ / đột xuất / hậu kiểm), their findings, the
risk score and the periodic due dates.

The law (docs/legal/establishments.md §6, §8.4, quoted where it applies):

* ANTT inspections, ND 96/2016/NĐ-CP Art. 50: periodic inspections **at most once a year**
  ("không quá một lần trong một năm"), counted per calendar year and establishment; a surprise
  inspection only on a ground (violations or signs of them, a complaint or denunciation, a
  directive of a competent body), so the ground is required; TT 42/2017/TT-BCA Art. 8(2):
  the business is notified in writing `InspectionRule.notice_working_days` working days before
  a periodic inspection; TT 42 Art. 6: the post-check (hậu kiểm) within 60 days of an issue
  (the term is data: `data/risk.yaml` `inspection_terms`).
* Fire-safety inspections follow their own frequency rows (`InspectionRule` by the premises'
  category), no yearly cap found.

Which unit an inspection belongs to: the establishment's managing unit when it is planned (ND 96
Art. 50: the police that manage the business inspect it), so that the unit's monthly plan and
the scoping of `org.selectors.scope` agree; the officer who planned it is `created_by`.

Due dates (`refresh_due_dates`, also run for every establishment by the daily command): the
next periodic inspection is the last inspection of the domain (any kind: a full inspection
restarts the clock), else the first certificate of the current chain, else the day the
establishment was registered, plus the interval of the rule in force; the interval is
`risk_interval_months` when the risk score reaches the rule's `risk_threshold`, never below
`min_interval_months`. Only active establishments are due: ANTT if they have a registered
security-conditional line, fire if they have a fire-safety profile.

The risk score (0–100) adds points per fact (violation records and penalty decisions against
the establishment's tax code or linked to its inspections, overdue findings, failed inspections,
fire incidents, certificate suspensions and revocations, gaps in the fire-safety file); the
weights are the unit's policy in `data/risk.yaml`, not law. `risk_breakdown` gives the reasons.
Facts are gathered for a whole batch of establishments in a fixed number of queries, so the
daily command costs the same per establishment whether it runs for one or for 200,000.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from antt.core import audit, calendar
from antt.core.models import AuditEvent
from antt.establishments.errors import EstablishmentError
from antt.establishments.models import (
    Certificate,
    CertificateEvent,
    Domain,
    Establishment,
    Finding,
    FireProfile,
    FireRecord,
    Inspection,
    InspectionRule,
)
from antt.establishments.services import require_officer, strip_controls
from antt.org.selectors import unit_is_visible

Action = AuditEvent.Action
DATA_FILE = Path(__file__).resolve().parent / "data" / "risk.yaml"

# Sanity bounds of typed input (not law): a plan at most two years ahead, text lengths.
PLAN_HORIZON_DAYS = 731
MAX_FINDINGS = 50
MAX_TEXT = 2000
MAX_LINKED_RECORDS = 20

__all__ = [
    "FindingData",
    "RiskBreakdown",
    "RuleBook",
    "establishments_daily",
    "finding_escalate",
    "finding_resolve",
    "inspection_cancel",
    "inspection_notify",
    "inspection_plan",
    "inspection_record",
    "notice_status",
    "refresh_due_dates",
    "refresh_many",
    "risk_breakdown",
    "risk_score",
]


# --- input -----------------------------------------------------------------------------------


@dataclass
class FindingData:
    """A shortcoming written in an inspection record, with the request to remedy it."""

    description: str
    requirement: str
    due_on: date | None


def _today() -> date:
    return timezone.localdate()


def _require_visible(officer, unit, what: str = "cơ sở") -> None:
    if not unit_is_visible(officer, unit):
        raise EstablishmentError(f"Không tìm thấy {what}.", status=404)


def _text(value, name: str, *, required: bool = False, limit: int = MAX_TEXT, field_name: str = "") -> str:
    """Typed text with runs of spaces collapsed (line breaks kept), checked for presence and length."""
    raw = strip_controls(value)
    text = "\n".join(" ".join(line.split()) for line in raw.splitlines()).strip()
    if required and not text:
        raise EstablishmentError(f"Vui lòng nhập {name}.", field_name, 400)
    if len(text) > limit:
        raise EstablishmentError(f"{name[:1].upper()}{name[1:]} quá dài (tối đa {limit} ký tự).", field_name, 400)
    return text


def _date(value, name: str, field_name: str) -> date:
    if isinstance(value, datetime):
        value = calendar.local(value).date()
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise EstablishmentError(f"{name} không hợp lệ.", field_name, 400) from None
    if not isinstance(value, date):
        raise EstablishmentError(f"Vui lòng nhập {name.lower()}.", field_name, 400)
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise EstablishmentError(f"{name} phải trong khoảng 01/01/2000 – 31/12/2100.", field_name, 400)
    return value


def _choice(value, choices, name: str, field_name: str) -> str:
    if value not in {c for c, _label in choices}:
        raise EstablishmentError(f"{name} không hợp lệ.", field_name, 400)
    return value


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# --- data: risk policy and legal terms (data/risk.yaml) --------------------------------------


class PolicyError(ValueError):
    """`data/risk.yaml` holds something the code cannot use (the message says what)."""


@dataclass(frozen=True)
class Factor:
    code: str
    label: str
    points: int
    cap: int
    window_months: int | None


@dataclass(frozen=True)
class RiskPolicy:
    valid_from: date
    valid_to: date | None
    legal_basis: str
    source: str
    max_score: int
    factors: dict[str, Factor]


FACTOR_CODES = (
    "violation_record",
    "penalty_decision",
    "overdue_finding",
    "inspection_violation",
    "inspection_findings",
    "fire_incident",
    "certificate_suspended",
    "certificate_revoked",
    "fire_gap",
)


def _in_force(rows: list[dict], day: date, what: str) -> dict:
    found = [r for r in rows if r["valid_from"] <= day and (r.get("valid_to") is None or day < r["valid_to"])]
    if not found:
        raise PolicyError(f"data/risk.yaml: không có {what} có hiệu lực ngày {day:%d/%m/%Y}.")
    return max(found, key=lambda r: r["valid_from"])


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    for key in ("risk_policy", "inspection_terms"):
        rows = data.get(key)
        if not isinstance(rows, list) or not rows:
            raise PolicyError(f"data/risk.yaml: thiếu mục {key}.")
        for row in rows:
            if not isinstance(row.get("valid_from"), date) or not row.get("legal_basis"):
                raise PolicyError(f"data/risk.yaml: mỗi dòng {key} cần valid_from (ngày) và legal_basis.")
    return data


def risk_policy(day: date) -> RiskPolicy:
    """The risk weights in force on `day` (the unit's policy, not law)."""
    row = _in_force(_data()["risk_policy"], day, "trọng số điểm rủi ro")
    factors = {}
    for code in FACTOR_CODES:
        spec = (row.get("factors") or {}).get(code)
        if not isinstance(spec, dict):
            raise PolicyError(f"data/risk.yaml: thiếu yếu tố {code}.")
        factors[code] = Factor(
            code=code,
            label=str(spec["label"]),
            points=int(spec["points"]),
            cap=int(spec.get("cap", row.get("max_score", 100))),
            window_months=int(spec["window_months"]) if spec.get("window_months") else None,
        )
    return RiskPolicy(
        valid_from=row["valid_from"],
        valid_to=row.get("valid_to"),
        legal_basis=row["legal_basis"],
        source=row.get("source", ""),
        max_score=int(row.get("max_score", 100)),
        factors=factors,
    )


def inspection_term(name: str, day: date) -> tuple[int, str]:
    """A legal time limit of `inspection_terms` in force on `day`, with its legal basis."""
    row = _in_force(_data()["inspection_terms"], day, name)
    if name not in row:
        raise PolicyError(f"data/risk.yaml: thiếu {name} trong inspection_terms.")
    return int(row[name]), row["legal_basis"]


# --- inspection rules in force ---------------------------------------------------------------


class RuleBook:
    """The InspectionRule rows in force on one day, looked up without further queries.

    Security: the row without category. Fire: the row of the premises' category, else the
    high-risk row for a high-risk premises, else the generic row. Overlapping rows: the one
    that took effect last wins.
    """

    def __init__(self, day: date):
        self.day = day
        rows = list(InspectionRule.objects.filter(InspectionRule.valid_on(day)).order_by("valid_from", "id"))
        self.security: InspectionRule | None = None
        self.fire_generic: InspectionRule | None = None
        self.fire_high_risk: InspectionRule | None = None
        self.fire_by_category: dict[str, InspectionRule] = {}
        for r in rows:  # later rows overwrite earlier ones
            if r.domain == Domain.SECURITY:
                if not r.fire_category_code:
                    self.security = r
            elif r.fire_category_code:
                self.fire_by_category[r.fire_category_code] = r
            elif r.high_risk_only:
                self.fire_high_risk = r
            else:
                self.fire_generic = r

    def for_fire(self, category_code: str | None, high_risk: bool) -> InspectionRule | None:
        if category_code and category_code in self.fire_by_category:
            return self.fire_by_category[category_code]
        if high_risk and self.fire_high_risk is not None:
            return self.fire_high_risk
        return self.fire_generic

    def for_inspection(self, domain: str, profile: FireProfile | None) -> InspectionRule | None:
        if domain == Domain.SECURITY:
            return self.security
        if profile is None:
            return self.fire_generic
        return self.for_fire(profile.category.code, profile.high_risk)


def interval_months(rule: InspectionRule, risk: int) -> int:
    """The planned interval: shortened at the risk threshold, never below the legal floor."""
    months = rule.risk_interval_months if risk >= rule.risk_threshold else rule.interval_months
    return max(months, rule.min_interval_months)


# --- notice before a periodic inspection ----------------------------------------------------


@dataclass(frozen=True)
class NoticeStatus:
    """Whether the business was (or can still be) notified in time (TT 42 Art. 8(2))."""

    required_days: int  # 0: no notice required
    deadline: date | None  # the last day to notify
    notified_on: date | None
    state: str  # "none" | "ok" | "late" | "pending" | "missed"

    @property
    def text(self) -> str:
        if self.state == "none":
            return ""
        if self.state == "ok":
            return f"Đã thông báo ngày {self.notified_on:%d/%m/%Y}"
        if self.state == "late":
            return (
                f"Thông báo muộn: ngày {self.notified_on:%d/%m/%Y}, hạn {self.deadline:%d/%m/%Y} "
                f"({self.required_days} ngày làm việc trước ngày kiểm tra)"
            )
        if self.state == "missed":
            return (
                f"Chưa thông báo, đã quá hạn {self.deadline:%d/%m/%Y} "
                f"({self.required_days} ngày làm việc trước ngày kiểm tra)"
            )
        return f"Chưa thông báo: hạn {self.deadline:%d/%m/%Y} ({self.required_days} ngày làm việc trước ngày kiểm tra)"


def notice_deadline(planned_on: date, working_days: int, cal: calendar.WorkingCalendar | None = None) -> date:
    """The last day a notice may be given: `working_days` working days counted back from
    `planned_on` (`calendar.working_days_between(deadline, planned_on) == working_days`).
    Pass one `cal` to compute a page of deadlines with one read of the days off per year."""
    cal = cal or calendar.WorkingCalendar()
    day, counted = planned_on, 0
    while counted < working_days:
        if cal.is_working_day(day):
            counted += 1
        day -= timedelta(days=1)
    return day


def notice_status(
    inspection: Inspection,
    rule: InspectionRule | None,
    today: date | None = None,
    cal: calendar.WorkingCalendar | None = None,
) -> NoticeStatus:
    """The notice state of a periodic inspection under `rule` (none for other kinds)."""
    today = today or _today()
    days = rule.notice_working_days if rule is not None else 0
    if inspection.kind != Inspection.Kind.PERIODIC or not days or inspection.status == Inspection.Status.CANCELLED:
        return NoticeStatus(0, None, inspection.notified_on, "none")
    try:
        deadline = notice_deadline(inspection.planned_on, days, cal)
    except calendar.CalendarRangeError:
        return NoticeStatus(0, None, inspection.notified_on, "none")
    if inspection.notified_on:
        state = "ok" if inspection.notified_on <= deadline else "late"
    elif inspection.status == Inspection.Status.DONE:
        state = "missed"
    else:
        state = "pending" if today <= deadline else "missed"
    return NoticeStatus(days, deadline, inspection.notified_on, state)


# --- the services -----------------------------------------------------------------------------


def _profile(establishment: Establishment) -> FireProfile | None:
    try:
        return FireProfile.objects.select_related("category").get(establishment_id=establishment.pk)
    except FireProfile.DoesNotExist:
        return None


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _check_periodic_cap(establishment_id: int, year: int, *, exclude_pk: int | None = None) -> None:
    """ND 96/2016 Art. 50(1): at most one periodic ANTT inspection a year (per calendar year).
    A planned one counts by its planned day, a done one by the day it took place."""
    first, last = _year_bounds(year)
    qs = Inspection.objects.filter(
        establishment_id=establishment_id, domain=Domain.SECURITY, kind=Inspection.Kind.PERIODIC
    ).filter(
        Q(status=Inspection.Status.PLANNED, planned_on__range=(first, last))
        | Q(status=Inspection.Status.DONE, inspected_on__range=(first, last))
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    clash = qs.order_by("planned_on").first()
    if clash is not None:
        day = clash.inspected_on or clash.planned_on
        state = "đã kiểm tra" if clash.status == Inspection.Status.DONE else "đã lên kế hoạch"
        raise EstablishmentError(
            f"Cơ sở đã có cuộc kiểm tra định kỳ về an ninh, trật tự trong năm {year} ({state} ngày {day:%d/%m/%Y}). "
            "Theo Điều 50 Nghị định 96/2016/NĐ-CP, kiểm tra định kỳ không quá một lần trong một năm; "
            "nếu có dấu hiệu vi phạm, hãy lập kế hoạch kiểm tra đột xuất và ghi rõ căn cứ.",
            "planned_on",
            409,
        )


@transaction.atomic
def inspection_plan(
    *,
    officer,
    establishment: Establishment,
    domain: str,
    kind: str,
    planned_on,
    ground: str = "",
    team: str = "",
) -> Inspection:
    """Plan an inspection of `establishment` (see the module docstring for the legal rules)."""
    require_officer(officer, "establishment.inspect")
    _require_visible(officer, establishment.unit)
    domain = _choice(domain, Domain.choices, "Lĩnh vực kiểm tra", "domain")
    kind = _choice(kind, Inspection.Kind.choices, "Hình thức kiểm tra", "kind")
    planned_on = _date(planned_on, "Ngày kiểm tra dự kiến", "planned_on")
    ground = _text(ground, "căn cứ kiểm tra", limit=400, field_name="ground")
    team = _text(team, "thành phần đoàn kiểm tra", field_name="team")
    today = _today()
    if planned_on < today:
        raise EstablishmentError("Ngày kiểm tra dự kiến không được trước ngày hiện tại.", "planned_on", 422)
    if planned_on > today + timedelta(days=PLAN_HORIZON_DAYS):
        raise EstablishmentError("Chỉ lập kế hoạch kiểm tra trong vòng hai năm tới.", "planned_on", 422)
    # Lock the establishment: two officers planning at once must not both pass the yearly cap.
    establishment = Establishment.objects.select_for_update().select_related("unit").get(pk=establishment.pk)
    if establishment.status == Establishment.Status.CEASED:
        raise EstablishmentError("Cơ sở đã chấm dứt hoạt động; không lập kế hoạch kiểm tra.", "", 409)
    if domain == Domain.SECURITY and not establishment.lines.exists():
        raise EstablishmentError(
            "Cơ sở chưa đăng ký ngành, nghề kinh doanh có điều kiện về an ninh, trật tự; "
            "không kiểm tra về an ninh, trật tự theo Nghị định 96/2016/NĐ-CP.",
            "domain",
            422,
        )
    if domain == Domain.FIRE and _profile(establishment) is None:
        raise EstablishmentError(
            "Cơ sở chưa có hồ sơ phòng cháy, chữa cháy (chưa xác định nhóm cơ sở theo Nghị định 105/2025/NĐ-CP); "
            "hãy cập nhật hồ sơ PCCC trước khi lập kế hoạch kiểm tra.",
            "domain",
            422,
        )
    if kind == Inspection.Kind.SURPRISE and not ground:
        raise EstablishmentError(
            "Kiểm tra đột xuất phải ghi rõ căn cứ: cơ sở có vi phạm hoặc dấu hiệu vi phạm, có đơn thư khiếu nại, "
            "tố cáo, hoặc theo chỉ đạo của cơ quan có thẩm quyền (Điều 50 Nghị định 96/2016/NĐ-CP).",
            "ground",
            422,
        )
    if kind == Inspection.Kind.POST_CHECK:
        _check_post_check(establishment, domain, planned_on)
    if kind == Inspection.Kind.PERIODIC and domain == Domain.SECURITY:
        _check_periodic_cap(establishment.pk, planned_on.year)
    inspection = Inspection.objects.create(
        establishment=establishment,
        unit=establishment.unit,
        domain=domain,
        kind=kind,
        ground=ground,
        planned_on=planned_on,
        team=team,
        created_by=officer,
    )
    audit.record_create(inspection, reason="Lập kế hoạch kiểm tra")
    return inspection


def _check_post_check(establishment: Establishment, domain: str, planned_on: date) -> None:
    """TT 42/2017 Art. 6: a post-check follows an issue, change or re-issue of the ANTT
    certificate, within the term of `inspection_terms.post_check_days`."""
    if domain != Domain.SECURITY:
        raise EstablishmentError(
            "Hậu kiểm chỉ áp dụng với giấy chứng nhận đủ điều kiện về an ninh, trật tự.", "kind", 422
        )
    days, basis = inspection_term("post_check_days", planned_on)
    issued = (
        Certificate.objects.filter(
            establishment_id=establishment.pk,
            issued_on__gte=planned_on - timedelta(days=days),
            issued_on__lte=planned_on,
        )
        .exclude(status=Certificate.Status.VOID)
        .exists()
    )
    if not issued:
        raise EstablishmentError(
            f"Hậu kiểm phải thực hiện trong {days} ngày kể từ ngày cấp giấy chứng nhận ({basis}); "
            "cơ sở không có giấy chứng nhận được cấp trong khoảng thời gian này.",
            "planned_on",
            422,
        )


@transaction.atomic
def inspection_notify(*, officer, inspection: Inspection, notified_on) -> Inspection:
    """Record the day the business was notified of the inspection (TT 42 Art. 8(2))."""
    require_officer(officer, "establishment.inspect")
    _require_visible(officer, inspection.unit, "cuộc kiểm tra")
    notified_on = _date(notified_on, "Ngày thông báo", "notified_on")
    inspection = _lock(Inspection, inspection.pk)
    if inspection.status != Inspection.Status.PLANNED:
        raise EstablishmentError("Chỉ ghi ngày thông báo cho cuộc kiểm tra chưa thực hiện.", "", 409)
    if notified_on > _today():
        raise EstablishmentError("Ngày thông báo không được sau ngày hiện tại.", "notified_on", 422)
    if notified_on > inspection.planned_on:
        raise EstablishmentError("Ngày thông báo không được sau ngày kiểm tra dự kiến.", "notified_on", 422)
    before = audit.snapshot(inspection, ["notified_on", "row_version"])
    inspection.notified_on = notified_on
    inspection.row_version += 1
    inspection.save(update_fields=["notified_on", "row_version", "updated_at"])
    audit.record_change(inspection, before, reason="Thông báo kiểm tra cho cơ sở")
    return inspection


def _clean_findings(findings: Sequence[FindingData], inspected_on: date) -> list[FindingData]:
    rows = []
    for i, f in enumerate(findings or (), start=1):
        description = _text(getattr(f, "description", ""), "tồn tại", field_name="findings")
        requirement = _text(getattr(f, "requirement", ""), "yêu cầu khắc phục", field_name="findings")
        due_on = getattr(f, "due_on", None)
        if not description and not requirement and due_on is None:
            continue  # an empty row of the form
        if not description:
            raise EstablishmentError(f"Tồn tại thứ {i}: vui lòng mô tả tồn tại, thiếu sót.", "findings", 422)
        if not requirement:
            raise EstablishmentError(f"Tồn tại thứ {i}: vui lòng nhập yêu cầu khắc phục.", "findings", 422)
        if due_on is None:
            raise EstablishmentError(f"Tồn tại thứ {i}: vui lòng nhập hạn khắc phục.", "findings", 422)
        due_on = _date(due_on, f"Hạn khắc phục của tồn tại thứ {i}", "findings")
        if due_on < inspected_on:
            raise EstablishmentError(
                f"Tồn tại thứ {i}: hạn khắc phục ({due_on:%d/%m/%Y}) không được trước ngày kiểm tra "
                f"({inspected_on:%d/%m/%Y}).",
                "findings",
                422,
            )
        rows.append(FindingData(description, requirement, due_on))
    if len(rows) > MAX_FINDINGS:
        raise EstablishmentError(f"Tối đa {MAX_FINDINGS} tồn tại trong một biên bản.", "findings", 400)
    return rows


def _visible_violation_records(officer, ids: Iterable) -> list:
    """The violation records of `ids`, each visible to the officer (else a 422)."""
    from antt.violations.selectors import visible_records

    pks = []
    for value in ids or ():
        try:
            pks.append(int(value))
        except (TypeError, ValueError):
            raise EstablishmentError("Mã biên bản vi phạm không hợp lệ.", "violation_records", 400) from None
    pks = list(dict.fromkeys(pks))
    if len(pks) > MAX_LINKED_RECORDS:
        raise EstablishmentError(
            f"Tối đa {MAX_LINKED_RECORDS} biên bản vi phạm cho một cuộc kiểm tra.", "violation_records", 400
        )
    if not pks:
        return []
    try:
        found = {r.pk: r for r in visible_records(officer).filter(pk__in=pks)}
    except PermissionDenied:
        raise EstablishmentError(
            "Bạn không có quyền xem biên bản vi phạm hành chính để gắn vào cuộc kiểm tra.", "violation_records", 403
        ) from None
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise EstablishmentError(
            "Không tìm thấy biên bản vi phạm được chọn trong phạm vi đơn vị của bạn.", "violation_records", 422
        )
    return [found[pk] for pk in pks]


@transaction.atomic
def inspection_record(
    *,
    officer,
    inspection: Inspection,
    inspected_on,
    outcome: str,
    summary: str,
    record_number: str = "",
    findings: Sequence[FindingData] = (),
    violation_record_ids: Iterable = (),
) -> Inspection:
    """Record the result of an inspection (biên bản kiểm tra ĐK5a / ĐK5b / PCCC).

    A result "có tồn tại" needs at least one finding with its requirement and a deadline not
    before the inspection; "có vi phạm" needs at least one violation record (visible to the
    officer). The establishment's last inspection, risk and next due date follow.
    """
    require_officer(officer, "establishment.inspect")
    _require_visible(officer, inspection.unit, "cuộc kiểm tra")
    inspected_on = _date(inspected_on, "Ngày kiểm tra", "inspected_on")
    outcome = _choice(outcome, Inspection.Outcome.choices, "Kết luận kiểm tra", "outcome")
    summary = _text(summary, "nội dung kết luận", field_name="summary")
    record_number = _text(record_number, "số biên bản kiểm tra", limit=40, field_name="record_number")
    today = _today()
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status == Inspection.Status.CANCELLED:
        raise EstablishmentError("Cuộc kiểm tra đã bị hủy; không ghi kết quả.", "", 409)
    if inspection.status == Inspection.Status.DONE:
        raise EstablishmentError("Cuộc kiểm tra đã có kết quả; không ghi lại lần nữa.", "", 409)
    if inspected_on > today:
        raise EstablishmentError("Ngày kiểm tra không được sau ngày hiện tại.", "inspected_on", 422)
    rows = _clean_findings(findings, inspected_on)
    if outcome == Inspection.Outcome.FINDINGS and not rows:
        raise EstablishmentError(
            "Kết luận “có tồn tại” phải có ít nhất một tồn tại kèm yêu cầu khắc phục và hạn khắc phục.",
            "findings",
            422,
        )
    if outcome == Inspection.Outcome.PASSED and rows:
        raise EstablishmentError(
            "Kết luận “đạt yêu cầu” thì không ghi tồn tại; hãy chọn kết luận “có tồn tại”.", "outcome", 422
        )
    records = _visible_violation_records(officer, violation_record_ids)
    if outcome == Inspection.Outcome.VIOLATION and not records:
        raise EstablishmentError(
            "Kết luận “có vi phạm” phải gắn ít nhất một biên bản vi phạm hành chính.", "violation_records", 422
        )
    if inspection.kind == Inspection.Kind.PERIODIC and inspection.domain == Domain.SECURITY:
        _check_periodic_cap(inspection.establishment_id, inspected_on.year, exclude_pk=inspection.pk)
    before = audit.snapshot(inspection, ["status", "inspected_on", "outcome", "record_number", "row_version"])
    inspection.status = Inspection.Status.DONE
    inspection.inspected_on = inspected_on
    inspection.outcome = outcome
    inspection.summary = summary
    inspection.record_number = record_number
    inspection.recorded_by = officer
    inspection.row_version += 1
    inspection.save()
    Finding.objects.bulk_create(
        [
            Finding(
                inspection=inspection,
                establishment_id=inspection.establishment_id,
                unit_id=inspection.unit_id,
                description=f.description,
                requirement=f.requirement,
                due_on=f.due_on,
            )
            for f in rows
        ]
    )
    if records:
        inspection.violation_records.add(*records)
    audit.record_change(
        inspection,
        before,
        Action.TRANSITION,
        reason=f"Ghi kết quả kiểm tra ({len(rows)} tồn tại, {len(records)} biên bản vi phạm)",
    )
    refresh_due_dates(inspection.establishment, today)
    return inspection


@transaction.atomic
def inspection_cancel(*, officer, inspection: Inspection, reason: str) -> Inspection:
    """Cancel a planned inspection; the reason is kept with it (in `summary`) and in the audit."""
    require_officer(officer, "establishment.inspect")
    _require_visible(officer, inspection.unit, "cuộc kiểm tra")
    reason = _text(reason, "lý do hủy", required=True, limit=400, field_name="reason")
    inspection = _lock(Inspection, inspection.pk)
    if inspection.status != Inspection.Status.PLANNED:
        raise EstablishmentError("Chỉ hủy được cuộc kiểm tra chưa thực hiện.", "", 409)
    before = audit.snapshot(inspection, ["status", "summary", "row_version"])
    inspection.status = Inspection.Status.CANCELLED
    inspection.summary = reason
    inspection.row_version += 1
    inspection.save(update_fields=["status", "summary", "row_version", "updated_at"])
    audit.record_change(inspection, before, Action.TRANSITION, reason=f"Hủy kế hoạch kiểm tra: {reason}")
    return inspection


def _open_finding(officer, finding: Finding) -> Finding:
    require_officer(officer, "establishment.inspect")
    _require_visible(officer, finding.unit, "tồn tại")
    finding = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
    if finding.status != Finding.Status.OPEN:
        done = "đã được ghi nhận khắc phục" if finding.status == Finding.Status.RESOLVED else "đã được xử lý vi phạm"
        raise EstablishmentError(f"Tồn tại này {done}.", "", 409)
    return finding


@transaction.atomic
def finding_resolve(*, officer, finding: Finding, resolved_on, follow_up: str) -> Finding:
    """The business remedied the finding (checked by the officer following it up)."""
    resolved_on = _date(resolved_on, "Ngày khắc phục", "resolved_on")
    follow_up = _text(follow_up, "kết quả theo dõi, kiểm tra lại", required=True, field_name="follow_up")
    finding = _open_finding(officer, finding)
    if resolved_on > _today():
        raise EstablishmentError("Ngày khắc phục không được sau ngày hiện tại.", "resolved_on", 422)
    inspected_on = finding.inspection.inspected_on
    if inspected_on and resolved_on < inspected_on:
        raise EstablishmentError("Ngày khắc phục không được trước ngày kiểm tra.", "resolved_on", 422)
    before = audit.snapshot(finding, ["status", "resolved_on", "follow_up"])
    finding.status = Finding.Status.RESOLVED
    finding.resolved_on = resolved_on
    finding.follow_up = follow_up
    finding.save(update_fields=["status", "resolved_on", "follow_up", "updated_at"])
    audit.record_change(finding, before, Action.TRANSITION, reason="Ghi nhận đã khắc phục tồn tại")
    refresh_due_dates(finding.establishment, _today())
    return finding


@transaction.atomic
def finding_escalate(*, officer, finding: Finding, violation_record, note: str = "") -> Finding:
    """The finding was not remedied and the violation was recorded (biên bản VPHC): link it."""
    note = _text(note, "ghi chú", field_name="note")
    if violation_record is None:
        raise EstablishmentError("Vui lòng chọn biên bản vi phạm hành chính.", "violation_record", 400)
    finding = _open_finding(officer, finding)
    (record,) = _visible_violation_records(officer, [getattr(violation_record, "pk", violation_record)])
    before = audit.snapshot(finding, ["status", "violation_record_id", "follow_up"])
    finding.status = Finding.Status.ESCALATED
    finding.violation_record = record
    finding.follow_up = note or f"Không khắc phục; đã lập biên bản vi phạm số {record.number}."
    finding.save(update_fields=["status", "violation_record", "follow_up", "updated_at"])
    finding.inspection.violation_records.add(record)
    audit.record_change(finding, before, Action.TRANSITION, reason=f"Xử lý vi phạm: biên bản {record.number}")
    refresh_due_dates(finding.establishment, _today())
    return finding


# --- risk score -------------------------------------------------------------------------------


@dataclass
class RiskReason:
    code: str
    label: str
    count: int
    points: int
    details: list[str] = field(default_factory=list)


@dataclass
class RiskBreakdown:
    score: int
    reasons: list[RiskReason]
    policy_basis: str

    def __int__(self) -> int:
        return self.score


@dataclass
class _Facts:
    records: set = field(default_factory=set)
    decisions: set = field(default_factory=set)
    counts: dict = field(default_factory=lambda: defaultdict(int))
    fire_gaps: list = field(default_factory=list)


def _start(today: date, months: int | None) -> date:
    return today - relativedelta(months=months or 0)


def _aware_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=calendar.LOCAL_TZ)


def _fire_gaps(establishments: Sequence[Establishment], today: date) -> dict[int, list[str]]:
    """The fire-safety file's gaps of each establishment with a fire profile (2 queries)."""
    from antt.establishments.fire import fire_gap_items  # fire imports this module back

    ids = [e.pk for e in establishments]
    profiles = {
        p.establishment_id: p for p in FireProfile.objects.filter(establishment_id__in=ids).select_related("category")
    }
    if not profiles:
        return {}
    records = defaultdict(list)
    for r in FireRecord.objects.filter(establishment_id__in=list(profiles)):
        records[r.establishment_id].append(r)
    return {
        e.pk: [g.message for g in fire_gap_items(e, today, profile=profiles[e.pk], records=records[e.pk])]
        for e in establishments
        if e.pk in profiles
    }


def _gather(establishments: Sequence[Establishment], today: date, policy: RiskPolicy) -> dict[int, _Facts]:
    """The facts behind the risk score of each establishment, in a fixed number of queries."""
    from antt.violations.models import DecisionStatus, PenaltyDecision, ViolationRecord

    facts = {e.pk: _Facts() for e in establishments}
    if not facts:
        return facts
    ids = list(facts)
    by_tax = {e.tax_code: e.pk for e in establishments if e.tax_code}
    f = policy.factors

    # Violation records: against the tax code, or linked to one of its inspections.
    start = _aware_start(_start(today, f["violation_record"].window_months))
    through = Inspection.violation_records.through
    for record_id, tax in (
        ViolationRecord.objects.filter(violator_tax_code__in=list(by_tax), made_at__gte=start)
        .exclude(status=ViolationRecord.Status.CLOSED)
        .values_list("id", "violator_tax_code")
    ):
        facts[by_tax[tax]].records.add(record_id)
    for est_id, record_id in (
        through.objects.filter(inspection__establishment_id__in=ids, violationrecord__made_at__gte=start)
        .exclude(violationrecord__status=ViolationRecord.Status.CLOSED)
        .values_list("inspection__establishment_id", "violationrecord_id")
    ):
        facts[est_id].records.add(record_id)

    # Penalty decisions: against the tax code, or made from one of those records.
    start_day = _start(today, f["penalty_decision"].window_months)
    decisions = PenaltyDecision.objects.filter(issued_on__gte=start_day).exclude(status=DecisionStatus.CANCELLED)
    for decision_id, tax in decisions.filter(violator_tax_code__in=list(by_tax)).values_list("id", "violator_tax_code"):
        facts[by_tax[tax]].decisions.add(decision_id)
    record_owner = {r: est for est, fx in facts.items() for r in fx.records}
    if record_owner:
        for decision_id, record_id in decisions.filter(records__in=list(record_owner)).values_list("id", "records"):
            facts[record_owner[record_id]].decisions.add(decision_id)

    for row in (
        Finding.objects.filter(establishment_id__in=ids, status=Finding.Status.OPEN, due_on__lt=today)
        .values("establishment_id")
        .annotate(n=Count("*"))
    ):
        facts[row["establishment_id"]].counts["overdue_finding"] = row["n"]

    window = min(
        _start(today, f["inspection_violation"].window_months), _start(today, f["inspection_findings"].window_months)
    )
    for row in Inspection.objects.filter(
        establishment_id__in=ids,
        status=Inspection.Status.DONE,
        inspected_on__gte=window,
        outcome__in=[Inspection.Outcome.VIOLATION, Inspection.Outcome.FINDINGS],
    ).values("establishment_id", "outcome", "inspected_on"):
        code = "inspection_violation" if row["outcome"] == Inspection.Outcome.VIOLATION else "inspection_findings"
        if row["inspected_on"] >= _start(today, f[code].window_months):
            facts[row["establishment_id"]].counts[code] += 1

    for row in (
        FireRecord.objects.filter(
            establishment_id__in=ids,
            kind=FireRecord.Kind.INCIDENT,
            issued_on__gte=_start(today, f["fire_incident"].window_months),
            issued_on__lte=today,
        )
        .values("establishment_id")
        .annotate(n=Count("*"))
    ):
        facts[row["establishment_id"]].counts["fire_incident"] = row["n"]

    actions = {
        CertificateEvent.Action.SUSPEND: "certificate_suspended",
        CertificateEvent.Action.REVOKE: "certificate_revoked",
    }
    window = min(_start(today, f[code].window_months) for code in actions.values())
    for row in CertificateEvent.objects.filter(
        certificate__establishment_id__in=ids, action__in=list(actions), at__gte=_aware_start(window)
    ).values("certificate__establishment_id", "action", "at"):
        code = actions[row["action"]]
        if calendar.local(row["at"]).date() >= _start(today, f[code].window_months):
            facts[row["certificate__establishment_id"]].counts[code] += 1

    for est_id, gaps in _fire_gaps(establishments, today).items():
        facts[est_id].fire_gaps = gaps
    for fx in facts.values():
        fx.counts["violation_record"] = len(fx.records)
        fx.counts["penalty_decision"] = len(fx.decisions)
        fx.counts["fire_gap"] = len(fx.fire_gaps)
    return facts


def _score(fx: _Facts, policy: RiskPolicy) -> RiskBreakdown:
    reasons, total = [], 0
    for code in FACTOR_CODES:
        factor = policy.factors[code]
        n = fx.counts.get(code, 0)
        if not n:
            continue
        points = min(n * factor.points, factor.cap)
        total += points
        reasons.append(RiskReason(code, factor.label, n, points, list(fx.fire_gaps) if code == "fire_gap" else []))
    reasons.sort(key=lambda r: -r.points)
    return RiskBreakdown(min(total, policy.max_score), reasons, policy.legal_basis)


def risk_breakdown(establishment: Establishment, today: date | None = None) -> RiskBreakdown:
    """The risk score of `establishment` on `today` with its reasons (largest first)."""
    today = today or _today()
    policy = risk_policy(today)
    return _score(_gather([establishment], today, policy)[establishment.pk], policy)


def risk_score(establishment: Establishment, today: date | None = None) -> int:
    """0–100: how much attention the establishment needs (the unit's policy, `data/risk.yaml`)."""
    return risk_breakdown(establishment, today).score


# --- due dates --------------------------------------------------------------------------------


DUE_FIELDS = ["risk_score", "last_security_inspection", "next_security_due", "last_fire_inspection", "next_fire_due"]


def _local_day(value: datetime | None) -> date | None:
    return calendar.local(value).date() if value else None


def _compute(establishments: Sequence[Establishment], today: date, book: RuleBook) -> dict[int, dict]:
    """The new planning values of each establishment (see the module docstring)."""
    ids = [e.pk for e in establishments]
    policy = risk_policy(today)
    facts = _gather(establishments, today, policy)
    with_lines = set(
        Establishment.lines.through.objects.filter(establishment_id__in=ids).values_list("establishment_id", flat=True)
    )
    profiles = {
        p["establishment_id"]: p
        for p in FireProfile.objects.filter(establishment_id__in=ids).values(
            "establishment_id", "category__code", "high_risk"
        )
    }
    last = defaultdict(dict)
    for row in (
        Inspection.objects.filter(establishment_id__in=ids, status=Inspection.Status.DONE)
        .values("establishment_id", "domain")
        .annotate(day=Max("inspected_on"))
    ):
        last[row["establishment_id"]][row["domain"]] = row["day"]
    first_certificate = dict(
        Certificate.objects.filter(
            establishment_id__in=ids,
            status__in=[Certificate.Status.VALID, Certificate.Status.SUSPENDED, Certificate.Status.REPLACED],
        )
        .values("establishment_id")
        .annotate(day=Min("issued_on"))
        .values_list("establishment_id", "day")
    )
    out = {}
    for e in establishments:
        risk = _score(facts[e.pk], policy).score
        active = e.status == Establishment.Status.ACTIVE
        values = {"risk_score": risk}
        last_sec = max(filter(None, [e.last_security_inspection, last[e.pk].get(Domain.SECURITY)]), default=None)
        last_fire = max(filter(None, [e.last_fire_inspection, last[e.pk].get(Domain.FIRE)]), default=None)
        values["last_security_inspection"] = last_sec
        values["last_fire_inspection"] = last_fire
        registered = _local_day(e.created_at) or today
        next_sec = None
        if active and e.pk in with_lines and book.security is not None:
            base = last_sec or first_certificate.get(e.pk) or registered
            next_sec = base + relativedelta(months=interval_months(book.security, risk))
        next_fire = None
        profile = profiles.get(e.pk)
        if active and profile is not None:
            rule = book.for_fire(profile["category__code"], profile["high_risk"])
            if rule is not None:
                base = last_fire or registered
                next_fire = base + relativedelta(months=interval_months(rule, risk))
        values["next_security_due"] = next_sec
        values["next_fire_due"] = next_fire
        out[e.pk] = values
    return out


def refresh_due_dates(establishment: Establishment, today: date | None = None, *, book: RuleBook | None = None):
    """Recompute the risk score, the last inspections and the next periodic due dates of one
    establishment, write them (without touching `updated_at`: nothing shared changed) and set
    them on the instance. Returns the establishment."""
    today = today or _today()
    book = book or RuleBook(today)
    fresh = Establishment.objects.get(pk=establishment.pk)
    values = _compute([fresh], today, book)[fresh.pk]
    changed = {k: v for k, v in values.items() if getattr(fresh, k) != v}
    if changed:
        Establishment.objects.filter(pk=fresh.pk).update(**changed)
    for key, value in values.items():
        setattr(establishment, key, value)
    return establishment


@dataclass
class RefreshResult:
    processed: int = 0
    changed: int = 0
    risk_changed: int = 0
    due_changed: int = 0


def refresh_many(queryset, today: date | None = None, *, batch: int = 1000, progress=None) -> RefreshResult:
    """`refresh_due_dates` for every establishment of `queryset`, `batch` at a time (keyset
    pages by id, one bulk update of the changed rows per page)."""
    today = today or _today()
    book = RuleBook(today)
    result = RefreshResult()
    columns = ["id", "tax_code", "status", "created_at", *DUE_FIELDS]
    last_id = 0
    while True:
        page = list(queryset.filter(pk__gt=last_id).order_by("pk").only(*columns)[:batch])
        if not page:
            break
        last_id = page[-1].pk
        computed = _compute(page, today, book)
        dirty = []
        for e in page:
            values = computed[e.pk]
            diff = [k for k, v in values.items() if getattr(e, k) != v]
            if not diff:
                continue
            result.changed += 1
            result.risk_changed += "risk_score" in diff
            result.due_changed += bool({"next_security_due", "next_fire_due"} & set(diff))
            for key, value in values.items():
                setattr(e, key, value)
            dirty.append(e)
        if dirty:
            with transaction.atomic():
                Establishment.objects.bulk_update(dirty, DUE_FIELDS, batch_size=500)
        result.processed += len(page)
        if progress is not None:
            progress(result)
    return result


@dataclass
class DailySummary:
    refresh: RefreshResult
    restored: int  # certificates whose temporary revocation ended


def establishments_daily(today: date | None = None, *, unit=None, batch: int = 1000, progress=None) -> DailySummary:
    """The daily sweep: lift the certificate suspensions that ended (they change the risk),
    then recompute the risk score and the due dates of every establishment (of `unit` and the
    units below it, when given). One SYSTEM entry in the audit trail with the counts."""
    from antt.establishments.certificates import restore_expired_suspensions  # certificates imports services

    today = today or _today()
    restored = restore_expired_suspensions(today)
    qs = Establishment.objects.all()
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    result = refresh_many(qs, today, batch=batch, progress=progress)
    audit.record(
        Action.SYSTEM,
        object_type="establishments.daily",
        object_repr="Cập nhật điểm rủi ro và hạn kiểm tra cơ sở",
        changes={
            "date": today.isoformat(),
            "unit": getattr(unit, "pk", None),
            "processed": result.processed,
            "changed": result.changed,
            "restored_suspensions": restored,
        },
        reason="Chạy hằng ngày",
    )
    return DailySummary(result, restored)
