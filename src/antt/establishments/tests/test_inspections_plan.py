"""The unit's monthly inspection plan: its four parts on a hand-built set, scoping to the unit
subtree, and a query count that does not grow with the rows."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from antt.establishments.models import Establishment, Finding, Inspection
from antt.establishments.selectors_inspections import (
    establishment_rows,
    finding_rows,
    inspection_list,
    monthly_plan,
    planned_rows,
)
from antt.establishments.tests.factories import establishments_world, make_establishment, valid_tax_code
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

MONTH = date(2027, 2, 1)
TODAY = date(2027, 2, 10)


@pytest.fixture
def w():
    return establishments_world()


_codes = itertools.count(7_000_000)


def unique_tax_code() -> str:
    """`factories.valid_tax_code()` may repeat a code when it skips a body without a check
    digit (its counter does not advance past the skipped one); take bodies of our own."""
    return valid_tax_code(next(_codes) * 3)


def est(w, name, *, unit=None, fire=None, **dates):
    e = make_establishment(w, name=name, unit=unit, fire_category=fire, tax_code=unique_tax_code())
    if dates:
        Establishment.objects.filter(pk=e.pk).update(**dates)
        e.refresh_from_db()
    return e


def insp(e, *, domain="security", status="planned", planned_on, **extra):
    return Inspection.objects.create(
        establishment=e, unit=e.unit, domain=domain, status=status, planned_on=planned_on, **extra
    )


def finding(i, due_on, status="open"):
    return Finding.objects.create(
        inspection=i,
        establishment=i.establishment,
        unit=i.unit,
        description=f"Tồn tại hạn {due_on}",
        requirement="Khắc phục",
        due_on=due_on,
        status=status,
    )


@pytest.fixture
def world(w):
    s = {}
    s["due_sec"] = est(w, "Karaoke Đến Hạn", next_security_due=date(2027, 2, 15), risk_score=10)
    s["due_risky"] = est(w, "Karaoke Rủi Ro", next_security_due=date(2027, 2, 27), risk_score=80)
    s["due_planned"] = est(w, "Karaoke Đã Lên Lịch", next_security_due=date(2027, 2, 20))
    insp(s["due_planned"], planned_on=date(2027, 3, 1))
    s["due_fire"] = est(
        w, "Cửa hàng PCCC", fire="t-shop", next_fire_due=date(2027, 2, 28), next_security_due=date(2027, 2, 3)
    )
    insp(s["due_fire"], planned_on=date(2027, 2, 3))  # its ANTT one is planned, its fire one is not
    s["overdue"] = est(w, "Karaoke Quá Hạn", next_security_due=date(2026, 12, 1))
    s["inspected_since"] = est(
        w, "Karaoke Đã Kiểm Tra", next_security_due=date(2026, 12, 1), last_security_inspection=date(2026, 12, 15)
    )
    s["next_month"] = est(w, "Karaoke Tháng Sau", next_security_due=date(2027, 3, 1))
    s["ceased"] = est(w, "Karaoke Đã Đóng", next_security_due=date(2027, 2, 10), status=Establishment.Status.CEASED)
    s["b_due"] = est(w, "Karaoke Phường B", unit=w.commune_b, next_security_due=date(2027, 2, 12))
    # planned inspections
    s["planned_feb"] = insp(est(w, "Nhà nghỉ Lên Lịch"), planned_on=date(2027, 2, 18))
    insp(s["planned_feb"].establishment, planned_on=date(2027, 2, 19), status="cancelled")
    # findings
    done = insp(est(w, "Cầm đồ Tồn Tại"), status="done", planned_on=date(2027, 1, 5), inspected_on=date(2027, 1, 5))
    s["late_finding"] = finding(done, date(2027, 2, 9))
    finding(done, TODAY)  # due today: not yet overdue
    finding(done, date(2027, 1, 20), status="resolved")
    done_b = insp(s["b_due"], status="done", planned_on=date(2027, 1, 5), inspected_on=date(2027, 1, 5))
    s["b_finding"] = finding(done_b, date(2027, 1, 31))
    return s


def names(qs, key="name"):
    return [r[key] for r in qs]


def test_the_four_parts_of_a_commune_plan(w, world):
    # when the commune A officer reads February 2027
    p = monthly_plan(w.processor_a, w.commune_a, MONTH, today=TODAY)
    # then: due this month without a planned inspection (highest risk first)
    assert names(p.due) == ["Karaoke Rủi Ro", "Karaoke Đến Hạn", "Cửa hàng PCCC"]
    # overdue: due before the month and not inspected since
    assert names(p.overdue) == ["Karaoke Quá Hạn"]
    # planned in the month (not the cancelled one, not March's)
    assert [(r["establishment__name"], r["planned_on"]) for r in p.planned] == [
        ("Cửa hàng PCCC", date(2027, 2, 3)),
        ("Nhà nghỉ Lên Lịch", date(2027, 2, 18)),
    ]
    # findings past their deadline
    assert [r["id"] for r in p.overdue_findings] == [world["late_finding"].pk]
    assert (p.due.count(), p.overdue.count(), p.planned.count(), p.overdue_findings.count()) == (3, 1, 2, 1)


def test_page_rows_say_what_is_due_and_what_is_planned(w, world):
    p = monthly_plan(w.processor_a, w.commune_a, MONTH, today=TODAY)
    rows = {r["name"]: r for r in establishment_rows(list(p.due), p)}
    fire_row = {d["code"]: d for d in rows["Cửa hàng PCCC"]["domains"]}
    assert fire_row["security"]["planned"]["planned_on"] == date(2027, 2, 3)
    assert not fire_row["security"]["to_plan"]
    assert fire_row["fire"]["to_plan"] and fire_row["fire"]["planned"] is None
    assert rows["Karaoke Đến Hạn"]["unit_name"] == w.commune_a.name
    late = finding_rows(list(p.overdue_findings), p)
    assert late[0]["days_late"] == 1
    planned = {r["establishment__name"]: r for r in planned_rows(list(p.planned), p)}
    # the ANTT periodic one needs a notice 5 working days ahead (test rule); none recorded
    assert planned["Nhà nghỉ Lên Lịch"]["notice"].state == "pending"
    assert planned["Cửa hàng PCCC"]["notice"].state == "missed"


def test_the_province_sees_every_commune_below_it(w, world):
    p = monthly_plan(w.supervisor, w.province, MONTH, today=TODAY)
    assert "Karaoke Phường B" in names(p.due)
    assert world["b_finding"].pk in [r["id"] for r in p.overdue_findings]
    # and the default unit is the user's own
    own = monthly_plan(w.processor_b, None, MONTH, today=TODAY)
    assert names(own.due) == ["Karaoke Phường B"]
    assert [r["id"] for r in own.overdue_findings] == [world["b_finding"].pk]


def test_another_commune_and_roles_without_view_are_refused(w, world):
    with pytest.raises(Http404):
        monthly_plan(w.processor_b, w.commune_a, MONTH, today=TODAY)
    with pytest.raises(Http404):
        monthly_plan(w.processor_a, w.province.pk, MONTH, today=TODAY)  # above the user's unit
    unit_admin = make_officer(w.commune_a, role=Role.UNIT_ADMIN)
    with pytest.raises(PermissionDenied):
        monthly_plan(unit_admin, w.commune_a, MONTH, today=TODAY)


def _evaluate(p) -> int:
    with CaptureQueriesContext(connection) as ctx:
        for qs, shape in (
            (p.due, establishment_rows),
            (p.overdue, establishment_rows),
            (p.planned, planned_rows),
            (p.overdue_findings, finding_rows),
        ):
            qs.count()
            shape(list(qs[:25]), p)
    return len(ctx.captured_queries)


def test_the_plan_costs_the_same_number_of_queries_for_more_rows(w, world):
    # given one row of every kind (a fire inspection planned among them)
    insp(world["due_fire"], planned_on=date(2027, 2, 25), domain="fire")
    p = monthly_plan(w.processor_a, w.commune_a, MONTH, today=TODAY)
    few = _evaluate(p)
    # when fifteen more of each are added
    for n in range(15):
        e = est(
            w, f"Karaoke Thêm {n}", fire="t-shop", next_security_due=date(2027, 2, 5), next_fire_due=date(2026, 1, 1)
        )
        i = insp(e, planned_on=date(2027, 2, 6), domain="fire")
        finding(insp(e, status="done", planned_on=date(2027, 1, 2), inspected_on=date(2027, 1, 2)), date(2027, 2, 1))
        assert i.pk
    # then the plan costs the same queries
    p = monthly_plan(w.processor_a, w.commune_a, MONTH, today=TODAY)
    assert p.due.count() == 17
    assert _evaluate(p) == few <= 17


def test_inspection_list_is_scoped_and_filtered(w, world):
    mine = inspection_list(w.processor_a)
    assert world["planned_feb"] in mine
    assert not inspection_list(w.processor_a).filter(unit=w.commune_b).exists()
    assert inspection_list(w.processor_b).count() == 1
    assert list(inspection_list(w.processor_a, status="cancelled").values_list("status", flat=True)) == ["cancelled"]
    found = inspection_list(w.processor_a, q="nha nghi len lich")
    assert {i.establishment.name for i in found} == {"Nhà nghỉ Lên Lịch"}
