"""The demo generator (`manage.py generate_establishments`): counts, codes, due dates, findings, the
once-a-year rule, --if-empty / --replace, and the refusal without rules."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max

from antt.core import calendar
from antt.core.identifiers import check_business_code, check_tax_code, parse_personal_id
from antt.core.text import fold
from antt.establishments.generate import (
    EstablishmentGenerator,
    GenerateError,
    GenerateOptions,
    generated_establishments,
)
from antt.establishments.models import (
    BusinessLine,
    Establishment,
    Finding,
    FireProfile,
    Inspection,
    InspectionRule,
)
from antt.establishments.tests.factories import establishments_world, make_establishment
from antt.violations.demo import _add_months

UNTIL = date(2026, 11, 27)
START = date(2021, 11, 28)  # five years back
N, M = 300, 1500


@pytest.fixture
def world(db):
    return establishments_world()


def generate(n=N, m=M, **kwargs):
    return EstablishmentGenerator(GenerateOptions(establishments=n, inspections=m, until=UNTIL, **kwargs)).run()


def test_writes_the_numbers_asked_marked_as_demo(world):
    # given the test world (two communes, four lines, two fire categories, three inspection rules)
    # when
    summary = generate()
    # then
    rows = generated_establishments()
    assert rows.count() == N == summary.establishments == Establishment.objects.filter(is_demo=True).count()
    assert all(r.startswith("MH-") for r in rows.values_list("registration_number", flat=True))
    assert Inspection.objects.count() == M == summary.inspections
    assert Finding.objects.count() == summary.findings > 0
    profiles = FireProfile.objects.count()
    assert profiles == summary.fire_profiles
    assert 0.15 * N <= profiles <= 0.5 * N  # about 30 %
    # every establishment has at least one line in force, with its name folded for the search
    in_force = set(BusinessLine.objects.filter(BusinessLine.valid_on(UNTIL)).values_list("pk", flat=True))
    lines = defaultdict(set)
    for e_id, line_id in Establishment.lines.through.objects.values_list("establishment_id", "businessline_id"):
        lines[e_id].add(line_id)
    for e in rows:
        assert lines[e.pk] and lines[e.pk] <= in_force
        assert e.name_folded == fold(f"{e.name} {e.trade_name}")


def test_tax_codes_are_valid_and_unique_by_legal_form(world):
    # when
    generate()
    # then
    codes = list(generated_establishments().values_list("kind", "tax_code"))
    assert len({c for _, c in codes}) == N
    kinds = {k for k, _ in codes}
    assert {"enterprise", "household"} <= kinds
    for kind, code in codes:
        assert check_business_code(code) == code
        if kind == Establishment.Kind.HOUSEHOLD:  # TT 86/2024: the owner's personal ID
            assert re.fullmatch(r"[0-9]{12}", code)
            parse_personal_id(code)
        elif kind == Establishment.Kind.BRANCH:
            assert re.fullmatch(r"[0-9]{10}-[0-9]{3}", code)
            check_tax_code(code[:10])
        else:
            assert re.fullmatch(r"[0-9]{10}", code)
            assert check_tax_code(code) == code


def test_units_and_areas_come_from_the_reference_data(world):
    # when
    generate()
    # then a commune's police manages the establishment in its own area; the guarding line
    # (certificate issued by the department in the test rules) is managed by PC06
    communes = {world.commune_a.pk: world.area_a.pk, world.commune_b.pk: world.area_b.pk}
    guarded = set(
        Establishment.lines.through.objects.filter(businessline__code="t-bao-ve").values_list(
            "establishment_id", flat=True
        )
    )
    first_line = {}
    for e in generated_establishments():
        assert e.area_id in communes.values()
        if e.unit_id == world.pc06.pk:
            first_line[e.pk] = True
            continue
        assert e.unit_id in communes
        assert communes[e.unit_id] == e.area_id
    assert set(first_line) <= guarded
    assert first_line  # some guarding businesses were drawn and went to the department


def test_due_dates_follow_the_last_inspection_and_the_rule_in_force(world):
    # given the test rules: security every 24 months, 12 from risk 50; fire high risk 12, other 24 (12 from 50)
    generate()
    last = defaultdict(dict)
    for e_id, domain, day in (
        Inspection.objects.filter(status=Inspection.Status.DONE)
        .values_list("establishment_id", "domain")
        .annotate(last=Max("inspected_on"))
    ):
        last[e_id][domain] = day
    profiles = dict(FireProfile.objects.values_list("establishment_id", "high_risk"))
    checked = 0
    for e in generated_establishments():
        assert e.last_security_inspection == last[e.pk].get("security")
        assert e.last_fire_inspection == last[e.pk].get("fire")
        if e.status == Establishment.Status.CEASED:
            assert e.next_security_due is None and e.next_fire_due is None
            continue
        assert e.next_security_due is not None
        months = 12 if e.risk_score >= 50 else 24
        if e.last_security_inspection:
            assert e.next_security_due == _add_months(e.last_security_inspection, months)
            checked += 1
        if e.pk in profiles:
            assert e.next_fire_due is not None
            fire_months = 12 if profiles[e.pk] or e.risk_score >= 50 else 24
            if e.last_fire_inspection:
                assert e.next_fire_due == _add_months(e.last_fire_inspection, fire_months)
        else:
            assert e.next_fire_due is None and "fire" not in last[e.pk]
    assert checked > N // 2
    # the plan has work: some establishments overdue, some due in the month of UNTIL
    active = generated_establishments().filter(status=Establishment.Status.ACTIVE)
    assert active.filter(next_security_due__lt=UNTIL.replace(day=1)).exists()
    assert active.filter(next_security_due__gte=UNTIL.replace(day=1), next_security_due__lte=date(2026, 11, 30))


def test_inspections_lie_in_the_window_on_working_days_with_a_legal_frame(world):
    # when
    generate()
    # then
    periodic_years = defaultdict(int)
    for i in Inspection.objects.all():
        assert calendar.is_working_day(i.planned_on)
        if i.status == Inspection.Status.DONE:
            assert START <= i.inspected_on == i.planned_on <= UNTIL
            assert i.outcome in (Inspection.Outcome.PASSED, Inspection.Outcome.FINDINGS)
            assert i.record_number.startswith("MH-")
        else:
            assert i.inspected_on is None and i.outcome == ""
        if i.kind == Inspection.Kind.SURPRISE:
            assert i.ground  # ND 96 Art. 50(3): a surprise inspection needs a ground
        if i.domain == "security" and i.kind == Inspection.Kind.PERIODIC:
            if i.status != Inspection.Status.CANCELLED:
                periodic_years[(i.establishment_id, i.planned_on.year)] += 1
            if i.notified_on is not None:  # TT 42 Art. 8: notice 5 working days before
                assert calendar.add_working_days(i.notified_on, 5) == i.planned_on
    # ND 96 Art. 50(1): at most one periodic security inspection a year per establishment
    assert periodic_years and max(periodic_years.values()) == 1
    kinds = set(Inspection.objects.values_list("status", flat=True))
    assert {"done", "planned", "cancelled"} <= kinds


def test_findings_belong_to_their_inspection_and_some_are_open_past_their_deadline(world):
    # when
    summary = generate()
    # then
    findings = list(Finding.objects.select_related("inspection"))
    assert findings
    with_findings = set()
    for f in findings:
        i = f.inspection
        assert f.establishment_id == i.establishment_id and f.unit_id == i.unit_id
        assert i.status == Inspection.Status.DONE and i.outcome == Inspection.Outcome.FINDINGS
        assert f.due_on > i.inspected_on
        if f.status == Finding.Status.RESOLVED:
            assert i.inspected_on <= f.resolved_on <= UNTIL
        else:
            assert f.status == Finding.Status.OPEN and f.resolved_on is None
        with_findings.add(i.pk)
    done = Inspection.objects.filter(status=Inspection.Status.DONE)
    assert done.filter(outcome=Inspection.Outcome.FINDINGS).count() == len(with_findings)
    assert 0.08 <= len(with_findings) / M <= 0.25  # about 15 %
    overdue = Finding.objects.filter(status=Finding.Status.OPEN, due_on__lt=UNTIL)
    assert overdue.count() == summary.open_overdue_findings > 0
    # an open overdue finding raises the establishment's risk score
    for e_id in overdue.values_list("establishment_id", flat=True):
        assert Establishment.objects.get(pk=e_id).risk_score >= 15


def test_the_same_seed_gives_the_same_data(world):
    # given
    generate(n=60, m=240)
    first = sorted(generated_establishments().values_list("tax_code", "name", "next_security_due"))
    # when
    generate(n=60, m=240, replace=True)
    # then
    assert sorted(generated_establishments().values_list("tax_code", "name", "next_security_due")) == first


def test_command_if_empty_and_replace_leave_hand_made_demo_rows_alone(world, settings):
    # given a hand-made demo establishment (the registry's demo) and generated ones
    settings.DEBUG = True
    hand_made = make_establishment(world, name="Khách sạn Demo", is_demo=True)
    call_command("generate_establishments", establishments=50, inspections=200, until=UNTIL, verbosity=0)
    assert generated_establishments().count() == 50
    # when run again with --if-empty: nothing more
    call_command("generate_establishments", establishments=50, if_empty=True, until=UNTIL, verbosity=0)
    assert generated_establishments().count() == 50
    # when --replace: the same number, new rows, the hand-made one untouched
    call_command("generate_establishments", establishments=40, inspections=100, replace=True, verbosity=0)
    assert generated_establishments().count() == 40
    assert Inspection.objects.count() == 100
    assert Establishment.objects.filter(pk=hand_made.pk, is_demo=True).exists()


def test_command_refuses_on_a_production_setting_and_bad_numbers(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="ANTT_DEBUG"):
        call_command("generate_establishments", establishments=5, verbosity=0)
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--establishments"):
        call_command("generate_establishments", establishments=0, verbosity=0)
    with pytest.raises(CommandError, match="--inspections"):
        call_command("generate_establishments", establishments=5, inspections=-1, verbosity=0)
    assert not generated_establishments().exists()


def test_without_a_security_inspection_rule_it_says_what_to_load(world):
    # given no security inspection rule in force
    InspectionRule.objects.filter(domain="security").delete()
    # when / then
    with pytest.raises(GenerateError, match="tần suất kiểm tra ANTT"):
        generate(n=10, m=20)
    assert not generated_establishments().exists()


def test_a_second_periodic_security_inspection_in_a_year_becomes_a_cancelled_plan():
    # given a plan in December 2026, a periodic inspection done in January 2026, one in 2025 and a
    # surprise inspection in 2026 (surprise ones are not capped)
    from antt.establishments.generate import _Visit

    plan = _Visit("security", "periodic", "planned", date(2026, 12, 10), None)
    same_year = _Visit("security", "periodic", "done", date(2026, 1, 15), date(2026, 1, 15))
    year_before = _Visit("security", "periodic", "done", date(2025, 1, 15), date(2025, 1, 15))
    surprise = _Visit("security", "surprise", "done", date(2026, 6, 1), date(2026, 6, 1), "Đơn phản ánh")
    # when
    out = EstablishmentGenerator(GenerateOptions())._one_periodic_a_year([plan, same_year, year_before, surprise])
    # then the later one stays, the earlier one of the same year is a cancelled plan
    assert [(v.status, v.inspected_on) for v in out] == [
        ("planned", None),
        ("cancelled", None),
        ("done", date(2025, 1, 15)),
        ("done", date(2026, 6, 1)),
    ]
