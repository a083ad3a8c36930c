"""The demo-data generator (`manage.py generate_violations`): mix, consistency, numbers, --if-empty, --replace."""

from __future__ import annotations

import json
import re
from collections import Counter as Tally
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from antt.violations.demo import SEED_2019, DemoGenerator, GenerateOptions, demo_decisions, tax_code_check_digit
from antt.violations.models import (
    DecisionLine,
    DecisionStatus,
    DecisionViolator,
    FinePayment,
    LicenceSuspension,
    PenaltyDecision,
    SeizedItem,
    ViolationCase,
    ViolationRecord,
)
from antt.violations.tests.factories import PARAMETER_VALUES, violations_world

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 10, 30)
N = 800
CAR = re.compile(r"^[1-9][0-9][A-Z]-([0-9]{3}\.[0-9]{2}|[0-9]{4})$")
MOTORBIKE = re.compile(r"^[1-9][0-9]-[A-Z][1-9] [0-9]{3}\.[0-9]{2}$")


@pytest.fixture
def world(settings):
    settings.DEBUG = True
    return violations_world()


def generate(n=N, **kwargs):
    return DemoGenerator(GenerateOptions(decisions=n, until=UNTIL, **kwargs)).run()


def test_generates_the_number_asked_mostly_road_traffic(world):
    # given a province with the test catalogue (rows "4" road traffic and "1.1" residence)
    # when
    summary = generate()
    # then
    decisions = demo_decisions()
    assert decisions.count() == N == summary.decisions
    per_group = Tally(dict(decisions.values_list("stat_group__code").annotate(n=Count("*"))))
    assert set(per_group) <= {"4", "1.1"}
    # the seed's 2019 proportion of these two rows: 92,952 traffic against 2,253 residence decisions
    expected = SEED_2019["4"][1] / (SEED_2019["4"][1] + SEED_2019["1.1"][1])
    assert per_group["4"] / N == pytest.approx(expected, abs=0.04)
    first, last = decisions.order_by("issued_on").values_list("issued_on", flat=True)[:: N - 1]
    assert date(2025, 10, 30) < first and last <= UNTIL


def test_fines_lie_within_the_range_of_the_behaviour_in_force_on_the_day(world):
    # given / when
    generate()
    # then every line names a behaviour valid on the day of the violation, its amount within its range
    lines = DecisionLine.objects.filter(decision__in=demo_decisions()).select_related("behaviour", "decision")
    assert lines.count() == N
    for line in lines:
        b, day = line.behaviour, line.decision.violated_at.date()
        assert b is not None and b.stat_group_id == line.decision.stat_group_id
        assert b.valid_from <= day and (b.valid_to is None or day < b.valid_to)
        if line.warning:
            assert line.amount == 0 and b.warning_allowed
        else:
            assert line.fine_min <= line.amount <= line.fine_max
        assert line.decision.total_fine == line.amount


def test_totals_of_violators_seized_items_and_suspensions_match_their_rows(world):
    generate()
    decisions = demo_decisions()
    sums = decisions.aggregate(v=Sum("violator_count"), s=Sum("seized_count"), l=Sum("suspension_count"))
    assert DecisionViolator.objects.filter(decision__in=decisions).count() == sums["v"]
    assert SeizedItem.objects.filter(decision__in=decisions).count() == sums["s"]
    assert LicenceSuspension.objects.filter(decision__in=decisions).count() == sums["l"]
    # a suspension needs a behaviour that provides one, and runs for its months
    for s in LicenceSuspension.objects.filter(decision__in=decisions).select_related("decision"):
        line = s.decision.lines.get()
        assert line.behaviour.suspension_min_months <= s.months <= line.behaviour.suspension_max_months
        assert s.ends_on > s.starts_on


def test_repeat_violators_make_fewer_distinct_violators_than_decisions(world):
    generate(n=1500)
    keys = DecisionViolator.objects.filter(decision__in=demo_decisions()).values_list("violator_key", flat=True)
    assert 0.9 * len(keys) < len(set(keys)) < len(keys)


def test_payments_and_statuses_are_consistent(world):
    generate()
    decisions = demo_decisions()
    statuses = Tally(decisions.values_list("status", flat=True))
    assert statuses[DecisionStatus.PAID] > 0.7 * N  # "payments for most"
    for d in decisions.annotate(paid=Sum("payments__fine_part"), n_pay=Count("payments")):
        if d.status == DecisionStatus.PAID:
            assert d.amount_paid == d.total_fine == d.paid and d.n_pay == 1 and d.paid_on is not None
        elif d.status == DecisionStatus.PARTLY_PAID:
            assert 0 < d.amount_paid < d.total_fine and d.instalments_allowed
        else:
            assert d.amount_paid == 0 and d.n_pay == 0
        if d.status == DecisionStatus.LATE:
            assert d.payment_due_on < UNTIL
        if d.status == DecisionStatus.UNPAID and d.payment_due_on:
            assert d.payment_due_on >= UNTIL
        if d.payment_due_on:
            assert (d.payment_due_on - d.delivered_on).days == PARAMETER_VALUES["payment_days"]
    # late payers paid the surcharge of 0.05 % a day (Luật XLVPHC Art. 78(1))
    for p in FinePayment.objects.filter(decision__in=decisions, surcharge_part__gt=0).select_related("decision"):
        days = (p.received_at.date() - p.decision.payment_due_on).days
        rate = PARAMETER_VALUES["surcharge_per_100000_per_day"]
        assert p.surcharge_part == p.fine_part * rate * (p.decision.paid_on - p.decision.payment_due_on).days // 100_000
        assert days >= 0


def test_records_exist_unless_the_fine_is_within_the_on_the_spot_limit(world):
    generate()
    decisions = demo_decisions()
    spot = decisions.filter(kind=PenaltyDecision.Kind.ON_THE_SPOT)
    assert spot.exists() and decisions.filter(kind=PenaltyDecision.Kind.WITH_RECORD).exists()
    limit = PARAMETER_VALUES["spot_fine_max_organisation"]
    assert not spot.filter(total_fine__gt=limit).exists()
    assert not spot.filter(seized_count__gt=0).exists()
    with_record = decisions.filter(kind=PenaltyDecision.Kind.WITH_RECORD).annotate(r=Count("records"))
    assert all(d.r == 1 for d in with_record)
    for r in ViolationRecord.objects.filter(number__startswith="MH-"):
        assert r.decision_due_on > r.made_at.date()


def test_plates_ids_and_tax_codes_are_well_formed(world):
    generate()
    traffic = demo_decisions().filter(stat_group__code="4").exclude(plate="")
    assert traffic.count() > 0.8 * N
    for number, display, kind in traffic.values_list("plate", "plate_display", "vehicle_kind"):
        assert (CAR if kind == "car" else MOTORBIKE).match(display), display
        assert number == re.sub(r"[^0-9A-Z]", "", display)
    thanh_hoa = traffic.filter(plate__startswith="36").count()
    assert thanh_hoa > 0.7 * traffic.count()
    try:
        from antt.core.identifiers import parse_plate
    except ImportError:
        parse_plate = None
    if parse_plate is not None:
        for number, display in traffic.values_list("plate", "plate_display")[:200]:
            assert parse_plate(display).normalised == number
    for id_number in demo_decisions().exclude(violator_id_number="").values_list("violator_id_number", flat=True):
        assert re.fullmatch(r"[0-9]{12}", id_number)
    for tax in demo_decisions().exclude(violator_tax_code="").values_list("violator_tax_code", flat=True):
        assert tax_code_check_digit(tax[:9]) == int(tax[9])


def test_tax_code_check_digit_matches_a_known_code():
    # 2800123452 is the factories' valid tax code; 0100109106 is Viettel's published code
    assert tax_code_check_digit("280012345") == 2
    assert tax_code_check_digit("010010910") == 6


def test_demo_numbers_never_collide_with_app_numbers(world):
    generate(n=50)
    for number, ref in demo_decisions().values_list("number", "payment_reference"):
        assert number.startswith("MH-") and re.fullmatch(r"MH[0-9]{10}", ref)
    assert not PenaltyDecision.objects.exclude(number__startswith="MH-").exists()
    assert ViolationCase.objects.filter(code__startswith="MH-").count() == ViolationCase.objects.count()


def test_if_empty_adds_nothing_the_second_time_and_replace_starts_over(world):
    # given a first run
    call_command("generate_violations", decisions=60, until=UNTIL, if_empty=True, verbosity=0)
    assert demo_decisions().count() == 60
    # when run again with --if-empty
    call_command("generate_violations", decisions=60, until=UNTIL, if_empty=True, verbosity=0)
    # then nothing was added
    assert demo_decisions().count() == 60
    # when replaced
    call_command("generate_violations", decisions=40, until=UNTIL, replace=True, verbosity=0)
    # then only the new ones remain, children included
    assert demo_decisions().count() == 40
    assert DecisionLine.objects.count() == 40
    assert ViolationCase.objects.count() == demo_decisions().values("case").distinct().count()


def test_purge_keeps_decisions_made_in_the_application(world):
    # given a decision issued through the services, and demo data
    pytest.importorskip("antt.violations.services", reason="services.py has not landed yet")
    from antt.violations.tests.factories import make_decision

    real = make_decision(world)
    generate(n=30)
    # when the demo is replaced
    generate(n=10, replace=True)
    # then the real decision and its case are still there
    assert PenaltyDecision.objects.filter(pk=real.pk).exists()
    assert ViolationCase.objects.filter(pk=real.case_id).exists()
    assert demo_decisions().count() == 10


def test_refuses_to_run_on_a_production_setting(world, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="ANTT_DEBUG"):
        call_command("generate_violations", decisions=10, verbosity=0)
    assert not demo_decisions().exists()


def test_refuses_without_the_legal_parameters(world):
    from antt.violations.models import LegalParameter

    LegalParameter.objects.filter(key="payment_days").delete()
    with pytest.raises(CommandError, match="load_violation_rules"):
        call_command("generate_violations", decisions=10, until=UNTIL, verbosity=0)
    assert not demo_decisions().exists()


def test_the_bench_baseline_view_answers_like_the_lookup_endpoint(world, client, settings):
    # given generated decisions and a plate with a fine still owed
    from django.test import RequestFactory

    from antt.violations import bench_views
    from antt.violations.selectors import OWED_STATUSES

    settings.ANTT_FINE_LOOKUP_RATE = "1000/m"
    generate(n=300)
    owed = demo_decisions().filter(status__in=OWED_STATUSES).exclude(plate="").first()
    paid = demo_decisions().filter(status=DecisionStatus.PAID).exclude(plate="").first()
    for plate in (owed.plate_display, paid.plate_display, "36A-999.99"):
        body = f'{{"plate": "{plate}"}}'
        # when both are asked
        endpoint = client.post("/api/v1/violations/lookup", body, content_type="application/json")
        request = RequestFactory().post("/bench/violations/lookup", body, content_type="application/json")
        baseline = bench_views.lookup_raw(request)
        # then they give the same JSON
        assert endpoint.status_code == baseline.status_code == 200
        assert endpoint.json() == json.loads(baseline.content)
    assert (
        client.post("/api/v1/violations/lookup", '{"plate": "36A-999.99"}', content_type="application/json").json()[
            "count"
        ]
        == 0
    )


def test_demo_events_use_the_workflow_actions(world):
    from antt.violations.models import DecisionEvent
    from antt.violations.workflow import TRANSITIONS

    generate(n=300)
    actions = set(DecisionEvent.objects.filter(decision__in=demo_decisions()).values_list("action", flat=True))
    assert "issue" in actions and "pay" in actions
    assert actions - {"issue"} <= set(TRANSITIONS)
