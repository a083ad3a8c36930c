"""Inspection services: every refusal (4xx, nothing written), the once-a-year rule of ND 96
Art. 50, the notice deadline in working days, recording with findings and violation records,
the follow-up of findings, the due dates (table-driven) and the risk score."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from antt.core import calendar
from antt.core.models import AuditEvent
from antt.establishments import inspections as svc
from antt.establishments.errors import EstablishmentError
from antt.establishments.inspections import FindingData
from antt.establishments.models import (
    Certificate,
    CertificateEvent,
    Establishment,
    Finding,
    FireRecord,
    Inspection,
    InspectionRule,
)
from antt.establishments.tests.factories import establishments_world, make_establishment

pytestmark = pytest.mark.django_db

K = Inspection.Kind


@pytest.fixture
def w():
    return establishments_world()


@pytest.fixture
def today():
    return timezone.localdate()


def plan(w, e, *, officer=None, domain="security", kind="periodic", planned_on=None, ground="", **extra):
    return svc.inspection_plan(
        officer=officer or w.processor_a,
        establishment=e,
        domain=domain,
        kind=kind,
        planned_on=planned_on or timezone.localdate() + timedelta(days=10),
        ground=ground,
        **extra,
    )


def record(w, inspection, *, officer=None, inspected_on=None, outcome="passed", findings=(), **extra):
    return svc.inspection_record(
        officer=officer or w.processor_a,
        inspection=inspection,
        inspected_on=inspected_on or timezone.localdate(),
        outcome=outcome,
        summary=extra.pop("summary", "Kiểm tra toàn diện."),
        findings=findings,
        **extra,
    )


def make_certificate(w, e, issued_on, *, status=Certificate.Status.VALID, number=None):
    return Certificate.objects.create(
        number=number or f"T{e.pk}-{issued_on:%Y%m%d}-{status}",
        establishment=e,
        unit=e.unit,
        issued_on=issued_on,
        status=status,
        holder_name="Lê Thị An Ninh",
    )


def refusal(fn, *args, **kwargs) -> EstablishmentError:
    with pytest.raises(EstablishmentError) as info:
        fn(*args, **kwargs)
    return info.value


# --- planning -------------------------------------------------------------------------------


def test_planning_a_periodic_security_inspection_in_the_managing_unit(w, today):
    # given a karaoke of commune A
    e = make_establishment(w)
    # when an officer of commune A plans it
    i = plan(w, e, planned_on=today + timedelta(days=20), team="Tổ công tác")
    # then it belongs to the managing unit, is planned, and is audited
    assert (i.unit, i.status, i.domain, i.kind) == (w.commune_a, Inspection.Status.PLANNED, "security", "periodic")
    assert i.created_by == w.processor_a
    assert AuditEvent.objects.filter(object_type="establishments.inspection", object_id=str(i.pk)).exists()


@pytest.mark.parametrize(
    ("case", "kwargs", "status", "words"),
    [
        ("past day", {"planned_on": -1}, 422, "không được trước ngày hiện tại"),
        ("far future", {"planned_on": 800}, 422, "hai năm"),
        ("surprise without ground", {"kind": "surprise"}, 422, "căn cứ"),
        ("unknown domain", {"domain": "traffic"}, 400, "Lĩnh vực"),
        ("unknown kind", {"kind": "weekly"}, 400, "Hình thức"),
        ("post-check of fire", {"kind": "post_check", "domain": "fire"}, 422, "Hậu kiểm"),
        ("post-check without certificate", {"kind": "post_check"}, 422, "60 ngày"),
    ],
)
def test_planning_refusals(w, today, case, kwargs, status, words):
    # given a karaoke with lines and a fire profile
    e = make_establishment(w, fire_category="t-shop")
    if isinstance(kwargs.get("planned_on"), int):
        kwargs = {**kwargs, "planned_on": today + timedelta(days=kwargs["planned_on"])}
    # when / then
    exc = refusal(plan, w, e, **kwargs)
    assert exc.status == status, case
    assert words in exc.message
    assert not Inspection.objects.exists()


def test_security_needs_a_registered_line_and_fire_needs_a_profile(w):
    bare = make_establishment(w, lines=())
    exc = refusal(plan, w, bare, domain="security")
    assert exc.status == 422 and "ngành, nghề" in exc.message
    exc = refusal(plan, w, bare, domain="fire")
    assert exc.status == 422 and "PCCC" in exc.message
    assert not Inspection.objects.exists()
    # with a fire profile the fire inspection is accepted
    hotel = make_establishment(w, lines=(), fire_category="t-hotel", name="Khách sạn Sao Mai")
    assert plan(w, hotel, domain="fire").domain == "fire"


def test_a_surprise_inspection_with_its_ground(w):
    e = make_establishment(w)
    i = plan(w, e, kind="surprise", ground="Đơn tố cáo của người dân về hoạt động quá giờ")
    assert i.kind == K.SURPRISE and i.ground.startswith("Đơn tố cáo")


def test_post_check_within_sixty_days_of_the_certificate(w, today):
    e = make_establishment(w)
    make_certificate(w, e, today - timedelta(days=30))
    i = plan(w, e, kind="post_check", planned_on=today + timedelta(days=20))
    assert i.kind == K.POST_CHECK
    # but not on a day more than 60 days after the issue
    other = make_establishment(w, name="Karaoke Hoa Hồng")
    make_certificate(w, other, today - timedelta(days=55))
    exc = refusal(plan, w, other, kind="post_check", planned_on=today + timedelta(days=10))
    assert exc.status == 422


def test_periodic_security_inspection_at_most_once_a_calendar_year(w, today):
    # given a periodic ANTT inspection planned in March of next year
    e = make_establishment(w)
    year = today.year + 1
    first = plan(w, e, planned_on=date(year, 3, 10))
    # when a second periodic one is planned in September of the same year
    exc = refusal(plan, w, e, planned_on=date(year, 9, 1))
    # then 409 with the article, nothing written
    assert exc.status == 409
    assert "Điều 50 Nghị định 96/2016/NĐ-CP" in exc.message and "10/03" in exc.message
    assert Inspection.objects.count() == 1
    # a surprise inspection (with a ground) and a fire one are not capped
    plan(w, e, kind="surprise", ground="Có dấu hiệu vi phạm", planned_on=date(year, 9, 1))
    # the next calendar year is free
    assert plan(w, e, planned_on=date(year + 1, 1, 5)).status == Inspection.Status.PLANNED
    # a cancelled plan frees its year
    svc.inspection_cancel(officer=w.processor_a, inspection=first, reason="Đổi lịch")
    assert plan(w, e, planned_on=date(year, 9, 1)).status == Inspection.Status.PLANNED


def test_the_yearly_cap_counts_a_done_inspection_by_its_day(w, today):
    e = make_establishment(w)
    done = plan(w, e, planned_on=today)
    record(w, done, inspected_on=today)
    exc = refusal(plan, w, e, planned_on=date(today.year, 12, 31))
    assert exc.status == 409
    # a periodic fire inspection is not capped by the ANTT rule
    hotel = make_establishment(w, fire_category="t-hotel", name="Khách sạn Biển")
    a = plan(w, hotel, domain="fire", planned_on=today)
    record(w, a, inspected_on=today)
    assert plan(w, hotel, domain="fire", planned_on=date(today.year, 12, 31)).domain == "fire"


@pytest.mark.parametrize("who", ["receptionist_a", "supervisor"])
def test_roles_without_inspect_cannot_plan(w, who):
    e = make_establishment(w)
    exc = refusal(plan, w, e, officer=getattr(w, who))
    assert exc.status == 403
    assert not Inspection.objects.exists()


def test_an_officer_of_another_commune_gets_404(w):
    e = make_establishment(w)
    exc = refusal(plan, w, e, officer=w.processor_b)
    assert exc.status == 404
    assert not Inspection.objects.exists()


def test_a_ceased_establishment_is_not_planned(w):
    e = make_establishment(w, status=Establishment.Status.CEASED)
    assert refusal(plan, w, e).status == 409


# --- notice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned_on", "days", "deadline"),
    [
        (date(2026, 12, 14), 5, date(2026, 12, 7)),  # Monday → Monday a week before
        (date(2026, 12, 17), 5, date(2026, 12, 10)),  # Thursday → Thursday
        (date(2026, 12, 20), 5, date(2026, 12, 13)),  # a Sunday: five working days Mon–Fri before it
        (date(2026, 12, 14), 0, date(2026, 12, 14)),
        (date(2027, 1, 7), 5, date(2026, 12, 30)),  # across New Year's Day (Friday 01/01/2027, a holiday)
    ],
)
def test_notice_deadline_counts_working_days_back(planned_on, days, deadline):
    assert svc.notice_deadline(planned_on, days) == deadline
    assert calendar.working_days_between(deadline, planned_on) >= days
    if days:
        assert calendar.working_days_between(deadline + timedelta(days=1), planned_on) < days


def test_notice_is_recorded_and_its_state_follows_the_rule(w, today):
    e = make_establishment(w)
    i = plan(w, e, planned_on=today + timedelta(days=30))
    rule = svc.RuleBook(i.planned_on).security
    assert svc.notice_status(i, rule, today).state == "pending"
    # when the notice is recorded today (well before the deadline)
    svc.inspection_notify(officer=w.processor_a, inspection=i, notified_on=today)
    i.refresh_from_db()
    status = svc.notice_status(i, rule, today)
    assert (i.notified_on, status.state) == (today, "ok")
    # a notice given after the deadline is late
    i.notified_on = i.planned_on
    assert svc.notice_status(i, rule, today).state == "late"
    # no notice is required for a surprise inspection
    s = plan(w, e, kind="surprise", ground="Tố cáo")
    assert svc.notice_status(s, rule, today).state == "none"


@pytest.mark.parametrize(
    ("offset", "status"),
    [(1, 422), (40, 422)],  # in the future; after the planned day (planned in 30 days)
)
def test_notice_refusals(w, today, offset, status):
    e = make_establishment(w)
    i = plan(w, e, planned_on=today + timedelta(days=30))
    if offset == 40:
        with pytest.MonkeyPatch.context() as mp:  # "today" far ahead: only the planned-day rule bites
            mp.setattr(svc, "_today", lambda: today + timedelta(days=60))
            exc = refusal(
                svc.inspection_notify, officer=w.processor_a, inspection=i, notified_on=today + timedelta(days=40)
            )
    else:
        exc = refusal(svc.inspection_notify, officer=w.processor_a, inspection=i, notified_on=today + timedelta(days=1))
    assert exc.status == status
    i.refresh_from_db()
    assert i.notified_on is None


# --- recording -------------------------------------------------------------------------------


def test_an_inspection_dated_in_the_future_is_refused(w, today):
    e = make_establishment(w)
    i = plan(w, e)
    exc = refusal(record, w, i, inspected_on=today + timedelta(days=1))
    assert (exc.status, exc.message) == (422, "Ngày kiểm tra không được sau ngày hiện tại.")
    i.refresh_from_db()
    assert i.status == Inspection.Status.PLANNED and i.inspected_on is None


@pytest.mark.parametrize(
    ("case", "outcome", "findings", "words"),
    [
        ("findings without rows", "findings", [], "ít nhất một tồn tại"),
        ("row without requirement", "findings", [("Thiếu sổ ĐK20", "", 10)], "yêu cầu khắc phục"),
        ("row without description", "findings", [("", "Lập sổ", 10)], "mô tả"),
        ("row without deadline", "findings", [("Thiếu sổ", "Lập sổ", None)], "hạn khắc phục"),
        ("deadline before the inspection", "findings", [("Thiếu sổ", "Lập sổ", -1)], "không được trước ngày kiểm tra"),
        ("passed with findings", "passed", [("Thiếu sổ", "Lập sổ", 10)], "đạt yêu cầu"),
        ("violation without a record", "violation", [], "biên bản vi phạm"),
    ],
)
def test_recording_refusals_write_nothing(w, today, case, outcome, findings, words):
    e = make_establishment(w)
    i = plan(w, e)
    rows = [FindingData(d, r, None if days is None else today + timedelta(days=days)) for d, r, days in findings]
    exc = refusal(record, w, i, outcome=outcome, findings=rows)
    assert exc.status == 422, case
    assert words in exc.message
    i.refresh_from_db()
    assert i.status == Inspection.Status.PLANNED
    assert not Finding.objects.exists()
    e.refresh_from_db()
    assert e.last_security_inspection is None


def test_recording_a_cancelled_or_done_inspection_is_a_conflict(w, today):
    e = make_establishment(w)
    cancelled = plan(w, e, kind="surprise", ground="Tố cáo")
    svc.inspection_cancel(officer=w.processor_a, inspection=cancelled, reason="Trùng lịch")
    assert refusal(record, w, cancelled).status == 409
    done = plan(w, e)
    record(w, done)
    assert refusal(record, w, done).status == 409
    assert refusal(svc.inspection_cancel, officer=w.processor_a, inspection=done, reason="x").status == 409


def test_recording_with_findings_updates_the_establishment(w, today):
    # given a planned periodic ANTT inspection
    e = make_establishment(w)
    i = plan(w, e)
    # when it is recorded with two findings and a blank form row
    rows = [
        FindingData("Không có sổ quản lý ĐK20", "Lập sổ theo mẫu ĐK20", today + timedelta(days=30)),
        FindingData("", "", None),
        FindingData("Thiếu bình chữa cháy tầng 2", "Trang bị 02 bình", today),
    ]
    record(w, i, outcome="findings", findings=rows, record_number="05/BB-KT")
    # then the inspection is done, the findings carry the unit and the establishment
    i.refresh_from_db()
    assert (i.status, i.outcome, i.inspected_on, i.recorded_by) == ("done", "findings", today, w.processor_a)
    findings = list(Finding.objects.order_by("due_on"))
    assert [(f.unit, f.establishment, f.status) for f in findings] == [(w.commune_a, e, "open")] * 2
    # and the last inspection and next due date follow (24 months, the risk is low)
    e.refresh_from_db()
    assert e.last_security_inspection == today
    assert e.next_security_due == today + relativedelta(months=24)
    assert e.next_fire_due is None  # no fire profile
    assert AuditEvent.objects.filter(
        object_type="establishments.inspection", object_id=str(i.pk), action=AuditEvent.Action.TRANSITION
    ).exists()


# --- violation records (from the violations app) ---------------------------------------------


@pytest.fixture
def vw():
    from antt.violations.tests.factories import violations_world

    return violations_world()


def violation_record(vw, officer, e, **overrides):
    from antt.violations.tests.factories import BUSINESS, make_record, organisation

    return make_record(
        vw,
        officer=officer,
        violator=organisation(tax_code=e.tax_code, name=e.name),
        behaviour_codes=[BUSINESS],
        vehicle_kind="",
        plate="",
        **overrides,
    )


def test_violation_outcome_links_records_visible_to_the_officer(w, vw, today):
    e = make_establishment(w)
    mine = violation_record(vw, w.processor_a, e)
    theirs = violation_record(vw, w.processor_b, e)
    i = plan(w, e)
    # a record of another commune is refused, nothing written
    exc = refusal(record, w, i, outcome="violation", violation_record_ids=[theirs.pk])
    assert exc.status == 422
    i.refresh_from_db()
    assert i.status == "planned" and not i.violation_records.exists()
    # a record of the officer's unit is linked
    record(w, i, outcome="violation", violation_record_ids=[mine.pk])
    assert list(i.violation_records.all()) == [mine]


def test_findings_are_followed_up(w, vw, today):
    e = make_establishment(w)
    i = plan(w, e)
    record(
        w,
        i,
        outcome="findings",
        findings=[
            FindingData("Thiếu sổ", "Lập sổ ĐK20", today + timedelta(days=5)),
            FindingData("Lối thoát nạn bị chắn", "Dọn lối thoát nạn", today + timedelta(days=5)),
        ],
    )
    a, b = Finding.objects.order_by("id")
    # resolve: a future day is refused, then accepted, then a second time is a conflict
    exc = refusal(
        svc.finding_resolve, officer=w.processor_a, finding=a, resolved_on=today + timedelta(days=1), follow_up="Đã lập"
    )
    assert exc.status == 422
    exc = refusal(svc.finding_resolve, officer=w.processor_a, finding=a, resolved_on=today, follow_up="")
    assert exc.status == 400
    svc.finding_resolve(officer=w.processor_a, finding=a, resolved_on=today, follow_up="Đã lập sổ, kiểm tra lại đạt")
    a.refresh_from_db()
    assert (a.status, a.resolved_on) == ("resolved", today)
    assert (
        refusal(svc.finding_resolve, officer=w.processor_a, finding=a, resolved_on=today, follow_up="x").status == 409
    )
    # escalate: a record of another unit is refused; one of the unit is linked to the finding and inspection
    theirs = violation_record(vw, w.processor_b, e)
    exc = refusal(svc.finding_escalate, officer=w.processor_a, finding=b, violation_record=theirs, note="")
    assert exc.status == 422
    mine = violation_record(vw, w.processor_a, e)
    svc.finding_escalate(officer=w.processor_a, finding=b, violation_record=mine, note="Không khắc phục")
    b.refresh_from_db()
    assert (b.status, b.violation_record) == ("escalated", mine)
    assert list(i.violation_records.all()) == [mine]
    assert refusal(svc.finding_escalate, officer=w.processor_a, finding=b, violation_record=mine).status == 409
    # another commune's officer does not see the finding
    assert (
        refusal(svc.finding_resolve, officer=w.processor_b, finding=b, resolved_on=today, follow_up="x").status == 404
    )


def test_cancel_needs_a_reason(w):
    e = make_establishment(w)
    i = plan(w, e)
    assert refusal(svc.inspection_cancel, officer=w.processor_a, inspection=i, reason="  ").status == 400
    svc.inspection_cancel(officer=w.processor_a, inspection=i, reason="Cơ sở tạm ngừng kinh doanh")
    i.refresh_from_db()
    assert (i.status, i.summary) == ("cancelled", "Cơ sở tạm ngừng kinh doanh")


# --- due dates --------------------------------------------------------------------------------


def _rule(**kw) -> InspectionRule:
    base = {"domain": "security", "interval_months": 24, "min_interval_months": 12, "risk_threshold": 50}
    base.update(kw)
    base.setdefault("risk_interval_months", 12)
    return InspectionRule(**base)


@pytest.mark.parametrize(
    ("rule", "risk", "months"),
    [
        (_rule(), 0, 24),
        (_rule(), 49, 24),
        (_rule(), 50, 12),  # at the threshold: shortened
        (_rule(), 100, 12),
        (_rule(risk_interval_months=6), 80, 12),  # never below the legal floor
        (_rule(interval_months=6, risk_interval_months=3), 0, 12),  # the floor applies to the normal interval too
        (_rule(interval_months=36, risk_interval_months=18, min_interval_months=0), 70, 18),
        (_rule(interval_months=12, risk_interval_months=12), 90, 12),  # a rule that does not shorten
    ],
)
def test_interval_months(rule, risk, months):
    assert svc.interval_months(rule, risk) == months


def test_the_rule_book_picks_category_then_high_risk_then_generic(w, today):
    book = svc.RuleBook(today)
    assert book.security.interval_months == 24
    assert book.for_fire("t-hotel", True).high_risk_only
    assert book.for_fire("t-shop", False).interval_months == 24 and not book.for_fire("t-shop", False).high_risk_only
    specific = InspectionRule.objects.create(
        domain="fire",
        fire_category_code="t-hotel",
        interval_months=18,
        min_interval_months=12,
        risk_interval_months=12,
        valid_from=date(2020, 1, 1),
        legal_basis="Thử",
    )
    assert svc.RuleBook(today).for_fire("t-hotel", True) == specific
    # a rule that ended no longer applies
    specific.valid_to = today
    specific.save()
    assert svc.RuleBook(today).for_fire("t-hotel", True).high_risk_only


def _created(e, day: date):
    Establishment.objects.filter(pk=e.pk).update(created_at=datetime.combine(day, time(9), tzinfo=calendar.LOCAL_TZ))
    e.refresh_from_db()


@pytest.mark.parametrize(
    ("case", "setup", "security", "fire"),
    [
        ("new karaoke: from registration", {}, date(2027, 1, 10), None),
        ("certificate: from its issue", {"cert": date(2025, 6, 1)}, date(2027, 6, 1), None),
        (
            "replaced chain: from the first",
            {"cert": date(2025, 6, 1), "cert2": date(2026, 2, 1)},
            date(2027, 6, 1),
            None,
        ),
        ("last inspection wins", {"cert": date(2025, 6, 1), "last": date(2026, 4, 20)}, date(2028, 4, 20), None),
        ("high-risk hotel", {"fire": "t-hotel", "last_fire": date(2026, 5, 1)}, date(2027, 1, 10), date(2027, 5, 1)),
        ("small shop", {"fire": "t-shop"}, date(2027, 1, 10), date(2027, 1, 10)),
        ("no line: no ANTT due", {"lines": (), "fire": "t-shop"}, None, date(2027, 1, 10)),
        ("ceased: nothing due", {"status": Establishment.Status.CEASED, "fire": "t-shop"}, None, None),
    ],
)
def test_due_dates(w, case, setup, security, fire):
    today = date(2026, 11, 28)
    e = make_establishment(
        w,
        lines=setup.get("lines", ("t-karaoke",)),
        fire_category=setup.get("fire"),
        status=setup.get("status", "active"),
    )
    _created(e, date(2025, 1, 10))
    if "cert" in setup:
        status = Certificate.Status.REPLACED if "cert2" in setup else Certificate.Status.VALID
        make_certificate(w, e, setup["cert"], status=status)
    if "cert2" in setup:
        make_certificate(w, e, setup["cert2"])
    if "last" in setup:
        Inspection.objects.create(
            establishment=e,
            unit=e.unit,
            domain="security",
            planned_on=setup["last"],
            inspected_on=setup["last"],
            status="done",
            outcome="passed",
        )
    if "last_fire" in setup:
        Establishment.objects.filter(pk=e.pk).update(last_fire_inspection=setup["last_fire"])
    svc.refresh_due_dates(e, today)
    e.refresh_from_db()
    assert (e.next_security_due, e.next_fire_due) == (security, fire), case


def test_a_high_risk_score_shortens_the_interval_to_the_floor(w, today):
    # given an establishment inspected today with three findings now overdue and two earlier
    # inspections that found violations (30 + 30 points ≥ the threshold 50)
    e = make_establishment(w, fire_category="t-shop")
    policy = svc.risk_policy(today)
    for n in range(2):
        Inspection.objects.create(
            establishment=e,
            unit=e.unit,
            domain="fire",
            kind="surprise",
            ground="x",
            planned_on=today - timedelta(days=40 + n),
            inspected_on=today - timedelta(days=40 + n),
            status="done",
            outcome="violation",
        )
    last = Inspection.objects.create(
        establishment=e,
        unit=e.unit,
        domain="security",
        planned_on=today - timedelta(days=30),
        inspected_on=today - timedelta(days=30),
        status="done",
        outcome="findings",
    )
    for n in range(3):
        Finding.objects.create(
            inspection=last,
            establishment=e,
            unit=e.unit,
            description=f"Tồn tại {n}",
            requirement="Khắc phục",
            due_on=today - timedelta(days=1),
        )
    # when the dates are refreshed
    svc.refresh_due_dates(e, today)
    e.refresh_from_db()
    # then the score passes the threshold and both intervals are 12 months
    expected = (
        min(3 * policy.factors["overdue_finding"].points, policy.factors["overdue_finding"].cap)
        + min(2 * policy.factors["inspection_violation"].points, policy.factors["inspection_violation"].cap)
        + policy.factors["inspection_findings"].points
    )
    gaps = svc.risk_breakdown(e, today).reasons
    expected += sum(r.points for r in gaps if r.code == "fire_gap")
    assert e.risk_score == min(expected, 100) >= 50
    assert e.next_security_due == today - timedelta(days=30) + relativedelta(months=12)
    assert e.next_fire_due == today - timedelta(days=40) + relativedelta(months=12)


# --- risk score -------------------------------------------------------------------------------


def test_risk_score_from_a_violation_record_against_the_tax_code(w, vw):
    from antt.violations.tests.factories import VIOLATED_AT, make_decision

    # given a violation record (another unit's, even) against the establishment's tax code
    e = make_establishment(w)
    day = VIOLATED_AT.date() + timedelta(days=30)
    policy = svc.risk_policy(day)
    assert svc.risk_score(e, day) == 0
    rec = violation_record(vw, vw.officer, e)
    # then it counts for the violation-record factor, with its reason
    breakdown = svc.risk_breakdown(e, day)
    assert breakdown.score == policy.factors["violation_record"].points
    assert [(r.code, r.count) for r in breakdown.reasons] == [("violation_record", 1)]
    assert "không phải quy định pháp luật" in breakdown.policy_basis
    # a decision on it adds its own points
    make_decision(vw, record=rec, officer=vw.chief)
    assert (
        svc.risk_score(e, day) == policy.factors["violation_record"].points + policy.factors["penalty_decision"].points
    )
    # linking the same record to an inspection does not count it twice
    i = Inspection.objects.create(establishment=e, unit=e.unit, domain="security", planned_on=day, status="planned")
    i.violation_records.add(rec)
    assert {r.code: r.count for r in svc.risk_breakdown(e, day).reasons}["violation_record"] == 1
    # a year later it no longer counts
    assert svc.risk_score(e, day + relativedelta(months=13)) == 0
    # another establishment's tax code is not affected
    assert svc.risk_score(make_establishment(w, name="Karaoke Khác"), day) == 0


def test_a_record_against_a_person_counts_once_linked_to_an_inspection(w, vw):
    from antt.violations.tests.factories import VIOLATED_AT, make_record

    # given a record against the manager in person (no tax code)
    e = make_establishment(w)
    day = VIOLATED_AT.date() + timedelta(days=30)
    rec = make_record(vw, officer=w.processor_a)
    assert svc.risk_score(e, day) == 0
    # when it is linked to one of the establishment's inspections
    i = Inspection.objects.create(establishment=e, unit=e.unit, domain="security", planned_on=day, status="planned")
    i.violation_records.add(rec)
    # then it counts
    assert svc.risk_score(e, day) == svc.risk_policy(day).factors["violation_record"].points


def test_risk_score_counts_incidents_and_certificate_history(w, today):
    e = make_establishment(w, fire_category="t-shop")
    policy = svc.risk_policy(today)
    f = policy.factors
    base = svc.risk_score(e, today)  # fire-file gaps of an empty file, if the fire module has them
    FireRecord.objects.create(establishment=e, kind=FireRecord.Kind.INCIDENT, issued_on=today - timedelta(days=100))
    FireRecord.objects.create(establishment=e, kind=FireRecord.Kind.INCIDENT, issued_on=today - timedelta(days=800))
    cert = make_certificate(w, e, today - timedelta(days=400))
    CertificateEvent.objects.create(
        certificate=cert, action=CertificateEvent.Action.SUSPEND, at=timezone.now() - timedelta(days=50)
    )
    reasons = {r.code: r for r in svc.risk_breakdown(e, today).reasons}
    assert reasons["fire_incident"].count == 1  # the one of 800 days ago is outside 24 months
    assert reasons["certificate_suspended"].points == f["certificate_suspended"].points
    assert svc.risk_score(e, today) == min(base + f["fire_incident"].points + f["certificate_suspended"].points, 100)


def test_risk_is_capped_at_the_maximum(w, today):
    e = make_establishment(w)
    last = Inspection.objects.create(
        establishment=e,
        unit=e.unit,
        domain="security",
        planned_on=today,
        inspected_on=today - timedelta(days=5),
        status="done",
        outcome="violation",
    )
    Finding.objects.bulk_create(
        Finding(
            inspection=last,
            establishment=e,
            unit=e.unit,
            description="x",
            requirement="y",
            due_on=today - timedelta(days=1),
        )
        for _ in range(20)
    )
    policy = svc.risk_policy(today)
    reasons = {r.code: r for r in svc.risk_breakdown(e, today).reasons}
    assert reasons["overdue_finding"].count == 20
    assert reasons["overdue_finding"].points == policy.factors["overdue_finding"].cap
    for n in range(12):
        CertificateEvent.objects.create(
            certificate=make_certificate(w, e, today - timedelta(days=10 + n), number=f"C{e.pk}-{n}"),
            action=CertificateEvent.Action.REVOKE,
            at=timezone.now() - timedelta(days=3),
        )
    assert svc.risk_score(e, today) <= policy.max_score


def test_refresh_many_updates_only_what_changed(w, today):
    a = make_establishment(w)
    b = make_establishment(w, name="Karaoke Sông Mã")
    first = svc.refresh_many(Establishment.objects.all(), today, batch=1)
    assert (first.processed, first.changed) == (2, 2)
    before = Establishment.objects.get(pk=a.pk).updated_at
    again = svc.refresh_many(Establishment.objects.all(), today, batch=1)
    assert (again.processed, again.changed) == (2, 0)
    # updated_at (the sharing feed's cursor) is not touched by planning values
    assert Establishment.objects.get(pk=a.pk).updated_at == before
    assert Establishment.objects.get(pk=b.pk).next_security_due is not None
