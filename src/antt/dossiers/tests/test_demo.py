"""The demo-data generator (`manage.py generate_dossiers`): volumes, consistency, codes, --replace."""

from __future__ import annotations

import re
from collections import Counter as Tally
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from antt.catalog.models import Field, Level, OnlineLevel, Procedure, TimeUnit
from antt.catalog.services import procedure_version_publish
from antt.core import calendar
from antt.core.identifiers import parse_personal_id
from antt.core.models import AuditEvent, Counter
from antt.dossiers import deadlines
from antt.dossiers.demo import MONTHLY_VOLUMES, SEED_MONTHLY_TOTAL, DemoGenerator, GenerateOptions, demo_dossiers
from antt.dossiers.models import (
    Apology,
    Channel,
    Dossier,
    DossierEvent,
    DossierResult,
    DossierStep,
    Status,
    StepState,
    SupplementRequest,
    Timeliness,
)
from antt.dossiers.services import ApplicantData, dossier_receive
from antt.dossiers.workflow import TRANSITIONS
from antt.org.models import Role, Unit
from antt.org.tests.factories import make_officer, make_unit

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 10, 30)
PER_MONTH = 600
MONTHS = 2
PHONE = re.compile(r"^0(3|5|7|8|9)[0-9]{8}$")


def _procedure(field: Field, code: str, **kwargs):
    procedure = Procedure.objects.create(code=code, name=f"Thủ tục {code}", field=field)
    return procedure_version_publish(actor=None, procedure=procedure, valid_from=date(2020, 1, 1), **kwargs)


@pytest.fixture
def world(settings):
    """A province with two commune police, two departments and procedures of two fields."""
    settings.DEBUG = True
    province = make_unit("Công an tỉnh Thử", level=Unit.Level.PROVINCE, agency_code="H56.14", slug="ca-tinh")
    ward = make_unit("Công an phường Hạc Thành", parent=province)
    commune = make_unit("Công an xã Đông Sơn", parent=province)
    make_unit("Phòng Quản lý xuất nhập cảnh", parent=province, level=Unit.Level.DEPARTMENT, slug="pa08")
    make_unit("Phòng Cảnh sát QLHC về TTXH", parent=province, level=Unit.Level.DEPARTMENT, slug="pc06")
    receptionist = make_officer(ward, role=Role.RECEPTIONIST, full_name="Lê Thị Thu Trang")
    processor = make_officer(ward, role=Role.PROCESSOR, full_name="Nguyễn Văn Hùng")
    residence = Field.objects.create(slug="cu-tru", name="Đăng ký, quản lý cư trú")
    exit_entry = Field.objects.create(slug="xuat-nhap-canh", name="Quản lý xuất nhập cảnh")
    docs = [{"name": "Tờ khai thay đổi thông tin cư trú", "originals": 1}, {"name": "Giấy tờ chỗ ở hợp pháp"}]
    stay = _procedure(
        residence,
        "1.004194",
        legal_time_amount=Decimal(3),
        legal_time_unit=TimeUnit.WORKING_DAYS,
        online_level=OnlineLevel.FULL,
        levels=[Level.COMMUNE],
        documents=docs,
        fees=[{"channel": "in_person", "amount": 15000}, {"channel": "online", "amount": 7000}],
    )
    passport = _procedure(
        exit_entry,
        "1.001456",
        legal_time_amount=Decimal(8),
        legal_time_unit=TimeUnit.WORKING_DAYS,
        online_level=OnlineLevel.PARTIAL,
        levels=[Level.PROVINCE],
        documents=[{"name": "Tờ khai đề nghị cấp hộ chiếu", "originals": 1}],
        fees=[{"channel": "in_person", "amount": 200000}],
    )
    same_day = _procedure(
        exit_entry,
        "TH273.1.21",
        legal_time_unit=TimeUnit.SAME_DAY,
        online_level=OnlineLevel.NONE,
        levels=[Level.COMMUNE],
    )
    _procedure(exit_entry, "TH273.1.04", online_level=OnlineLevel.NONE, levels=[Level.PROVINCE])  # no legal time
    return {
        "province": province,
        "ward": ward,
        "commune": commune,
        "receptionist": receptionist,
        "processor": processor,
        "versions": [stay, passport, same_day],
    }


def _generate(**extra):
    args = ["generate_dossiers", "--months", str(MONTHS), "--per-month", str(PER_MONTH), "--until", UNTIL.isoformat()]
    args += [f"--{k.replace('_', '-')}" if v is True else f"--{k.replace('_', '-')}={v}" for k, v in extra.items()]
    call_command(*args, verbosity=0)


def _expected(slug: str) -> int:
    return round(MONTHLY_VOLUMES[slug] * MONTHS * PER_MONTH / SEED_MONTHLY_TOTAL)


def test_generates_the_seed_volumes_per_field_over_working_days_and_office_hours(world):
    # given a catalogue with residence and exit/entry procedures
    # when two months are generated at 600 dossiers a month
    _generate()

    # then each field gets its share of the seed's monthly volumes, and the fields without a
    # procedure in the catalogue get none
    counts = dict(Dossier.objects.values_list("field__slug").annotate(n=Count("*")))
    assert counts == {"cu-tru": _expected("cu-tru"), "xuat-nhap-canh": _expected("xuat-nhap-canh")}
    assert counts["xuat-nhap-canh"] > 7 * counts["cu-tru"]  # 9,180 vs 1,250 a month in the seed
    # only procedures with a legal time (the services refuse the others)
    assert not Dossier.objects.filter(procedure__code="TH273.1.04").exists()
    start, end = office_hours_bounds()
    for submitted in Dossier.objects.values_list("submitted_at", flat=True):
        local = calendar.local(submitted)
        assert date(2026, 8, 31) <= local.date() <= UNTIL
        assert calendar.is_working_day(local.date()), local
        assert start <= local.time() < end, local
    # commune-level procedures go to commune police, province-level ones to the department
    units = dict(Dossier.objects.values_list("procedure__code", "unit__level").distinct())
    assert units["1.004194"] == Unit.Level.COMMUNE
    assert units["1.001456"] == Unit.Level.DEPARTMENT
    assert set(Dossier.objects.filter(procedure__code="1.001456").values_list("unit__slug", flat=True)) == {"pa08"}


def office_hours_bounds():
    periods = calendar.office_hours()
    return periods[0][0], periods[-1][1]


def test_every_dossier_is_consistent_with_its_status_history_and_deadlines(world):
    # when
    _generate()
    ref = deadlines.end_of_day(UNTIL)

    # then every dossier reads like one the services produced
    dossiers = list(Dossier.objects.select_related("procedure_version"))
    events = defaultdict(list)
    for e in DossierEvent.objects.order_by("dossier_id", "at", "id"):
        events[e.dossier_id].append(e)
    steps = defaultdict(list)
    for s in DossierStep.objects.order_by("dossier_id", "order"):
        steps[s.dossier_id].append(s)
    apologies = set(Apology.objects.values_list("dossier_id", flat=True))
    results = set(DossierResult.objects.values_list("dossier_id", flat=True))
    supplements = set(SupplementRequest.objects.values_list("dossier_id", flat=True))
    statuses = Tally()
    for d in dossiers:
        statuses[d.status] += 1
        assert d.form_data == {"demo": True}
        _check_applicant(d)
        _check_clock(d, ref, d.pk in apologies)
        _check_history(d, events[d.pk])
        _check_steps(d, steps[d.pk])
        if d.status in (Status.PROCESSED, Status.RETURNED):
            assert d.pk in results
        if d.status == Status.SUPPLEMENT_REQUESTED:
            assert d.pk in supplements and d.reasons
    # a realistic mix: mostly returned, some still in progress, a few of every other kind
    total = len(dossiers)
    assert statuses[Status.RETURNED] > 0.7 * total
    assert statuses[Status.PROCESSING] + statuses[Status.PROCESSED] > 0
    classes = Tally(d.timeliness for d in dossiers if d.timeliness)
    assert classes[Timeliness.EARLY] > classes[Timeliness.ON_TIME] > classes[Timeliness.LATE] > 0
    online = sum(d.channel == Channel.ONLINE for d in dossiers if d.procedure.code == "1.004194")
    residence = sum(d.procedure.code == "1.004194" for d in dossiers)
    assert 0.3 * residence <= online <= 0.8 * residence  # full online: about 55 %
    assert not any(d.channel == Channel.ONLINE for d in dossiers if d.procedure.code == "TH273.1.21")


def _check_applicant(d: Dossier) -> None:
    assert PHONE.match(d.applicant_phone), d.applicant_phone
    if d.applicant_kind == "person":
        parse_personal_id(d.applicant_id_number, birth_date=d.applicant_birth_date)
        ApplicantData(
            name=d.applicant_name,
            id_number=d.applicant_id_number,
            birth_date=d.applicant_birth_date,
            phone=d.applicant_phone,
            email=d.applicant_email,
        ).clean()
    assert d.applicant_name_folded and d.applicant_name_folded.isascii()


def _check_clock(d: Dossier, ref: datetime, apologised: bool) -> None:
    moments = [d.submitted_at, d.received_at, d.completed_at, d.returned_at]
    present = [m for m in moments if m is not None]
    assert present == sorted(present), d.code
    assert all(m <= ref for m in present + [d.closed_at] if m is not None)
    received = d.status not in (Status.NEW_ONLINE, Status.NOT_RECEIVED) and not (
        d.status in (Status.SUPPLEMENT_REQUESTED, Status.WITHDRAWN) and d.received_at is None
    )
    assert (d.received_at is not None) == received, (d.code, d.status)
    if d.received_at is not None:
        legal = deadlines.legal_due_at(d.procedure_version, d.received_at)
        assert d.original_due_at >= legal
        if not apologised and not SupplementRequest.objects.filter(dossier=d, fulfilled_at__isnull=False).exists():
            assert d.due_at == d.original_due_at == legal, d.code
    assert (d.completed_at is not None) == (d.status in (Status.PROCESSED, Status.RETURNED))
    assert (d.returned_at is not None) == (d.status == Status.RETURNED)
    assert (d.closed_at is not None) == (
        d.status in (Status.RETURNED, Status.NOT_RECEIVED, Status.WITHDRAWN, Status.STOPPED)
    )
    if d.completed_at is not None:
        assert d.timeliness == deadlines.classify(d.completed_at, d.original_due_at)
    else:
        assert d.timeliness == ""
    if d.returned_at is not None:
        # dossier_return refuses a late return without an apology (Mẫu 04)
        assert deadlines.local_date(d.returned_at) <= deadlines.local_date(d.due_at), d.code
        if d.timeliness == Timeliness.LATE:
            assert apologised
    if d.status == Status.SUPPLEMENT_REQUESTED:
        assert (d.clock_paused_at is not None) == (d.received_at is not None)
    else:
        assert d.clock_paused_at is None
    if d.fee_paid_at is not None:
        assert d.fee_amount > 0 and d.fee_receipt_ref


def _check_history(d: Dossier, events: list[DossierEvent]) -> None:
    assert events, d.code
    assert events[0].action == ("submit" if d.channel == Channel.ONLINE else "receive")
    previous = ""
    for e in events:
        assert e.from_status == previous or (e.from_status == "" and previous == ""), (d.code, e.action)
        transition = TRANSITIONS.get(e.action)
        if transition is not None:
            assert e.from_status in transition.sources, (d.code, e.action, e.from_status)
            if transition.target is not None:
                assert e.to_status == transition.target
        else:
            assert e.action in ("submit", "receive", "forward", "attach_result", "apologise")
        previous = e.to_status
    assert previous == d.status, d.code
    assert [e.at for e in events] == sorted(e.at for e in events)


def _check_steps(d: Dossier, steps: list[DossierStep]) -> None:
    assert [s.order for s in steps] == list(range(1, len(steps) + 1))
    for s in steps:
        assert (s.started_at is not None) == (s.state in (StepState.ACTIVE, StepState.DONE))
        assert (s.finished_at is not None) == (s.state == StepState.DONE)
        if s.started_at is not None:
            assert s.due_at == calendar.add_working_hours(s.started_at, s.budget_hours)
        if s.state == StepState.DONE:
            assert s.timeliness == deadlines.classify(s.finished_at, s.due_at)
    active = [s for s in steps if s.state == StepState.ACTIVE]
    if d.status in (Status.PROCESSING, Status.PROCESSED):
        assert [s.pk for s in active] == [d.current_step_id], d.code
    if d.status in (Status.RETURNED, Status.NOT_RECEIVED, Status.WITHDRAWN, Status.STOPPED):
        assert d.current_step_id is None and not active
        assert all(s.state in (StepState.DONE, StepState.SKIPPED) for s in steps)


def test_codes_are_unique_consecutive_per_day_and_counters_continue_them(world):
    # when
    _generate()

    # then codes follow core.sequences: <agency>-<yymmdd>-<seq>, 1..n per day, and the
    # counter of each day holds the last number used
    per_day = defaultdict(list)
    for code, submitted in Dossier.objects.values_list("code", "submitted_at"):
        agency, day, seq = code.rsplit("-", 2)
        assert agency == "H56.14"
        assert day == f"{calendar.local(submitted):%y%m%d}"
        per_day[day].append(int(seq))
    for day, seqs in per_day.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert Counter.objects.get(key="dossier:H56.14", period=day).value == len(seqs)

    # and a real receipt on a generated day continues the sequence
    day = max(per_day)
    at = timezone.make_aware(datetime.strptime(day + " 16:30", "%y%m%d %H:%M"), calendar.LOCAL_TZ)
    received = dossier_receive(
        officer=world["receptionist"],
        procedure=world["versions"][0].procedure,
        level=Level.COMMUNE,
        applicant=ApplicantData(name="Đặng Thị Ngọc Hường", id_number="038190000123", phone="0912345678"),
        at=at,
    ).dossier
    assert received.code == f"H56.14-{day}-{len(per_day[day]) + 1:04d}"


def test_replace_deletes_the_previous_demo_data_and_gives_the_same_result(world):
    # given a first run and a real dossier received meanwhile
    _generate()
    first = sorted(demo_dossiers().values_list("code", "status"))
    real = dossier_receive(
        officer=world["receptionist"],
        procedure=world["versions"][0].procedure,
        level=Level.COMMUNE,
        applicant=ApplicantData(name="Nguyễn Văn An", id_number="038090000456", phone="0987654321"),
    ).dossier

    # when the generation runs again with --replace
    _generate(replace=True)

    # then the demo data is the same as after the first run (no duplicates), the real dossier is kept
    assert sorted(demo_dossiers().values_list("code", "status")) == first
    assert Dossier.objects.filter(pk=real.pk).exists()
    assert Dossier.objects.count() == len(first) + 1
    demo_ids = set(demo_dossiers().values_list("pk", flat=True))
    assert set(DossierStep.objects.exclude(dossier=real).values_list("dossier_id", flat=True)) <= demo_ids
    assert DossierEvent.objects.exclude(dossier=real).values("dossier_id").distinct().count() == len(demo_ids)
    # one SYSTEM audit entry per run, saying it is demo data
    runs = AuditEvent.objects.filter(action=AuditEvent.Action.SYSTEM, object_type="dossiers.dossier")
    assert runs.count() == 2
    assert all(r.changes["demo"] is True and "minh họa" in r.reason for r in runs)
    assert runs.order_by("seq").last().changes["deleted_demo_dossiers"] == len(first)


def test_without_replace_a_second_run_adds_dossiers_after_the_first_ones(world):
    # given
    _generate()
    n = Dossier.objects.count()

    # when
    _generate(seed=2)

    # then nothing collides: the codes continue after the first run's
    assert Dossier.objects.count() == 2 * n
    assert Dossier.objects.values("code").distinct().count() == 2 * n


def test_if_empty_adds_nothing_when_demo_dossiers_exist(world):
    # given a first run (what `make run` does the first time)
    _generate(if_empty=True)
    n = Dossier.objects.count()
    assert n > 0

    # when `make run` runs again
    _generate(if_empty=True, seed=2)

    # then nothing was added
    assert Dossier.objects.count() == n


def test_refuses_to_run_when_debug_is_off_unless_forced(world, settings):
    # given a production-like setting
    settings.DEBUG = False

    # when / then
    with pytest.raises(CommandError, match="ANTT_DEBUG"):
        _generate()
    assert not Dossier.objects.exists()
    _generate(force=True)
    assert Dossier.objects.exists()


def test_cuts_the_timeline_at_now_so_recent_dossiers_are_still_open(world):
    # given "now" is in the middle of a working day
    now = timezone.make_aware(datetime(2026, 10, 29, 10, 0), calendar.LOCAL_TZ)

    # when
    DemoGenerator(GenerateOptions(months=1, per_month=2000, now=now, until=date(2026, 10, 29))).run()

    # then nothing happens after now, and the last days' dossiers are mostly still open
    assert not Dossier.objects.filter(submitted_at__gt=now).exists()
    assert not DossierEvent.objects.filter(at__gt=now).exists()
    recent = Dossier.objects.filter(submitted_at__gte=now - (now - now.replace(hour=0)))
    assert recent.exists()
    assert recent.exclude(status=Status.RETURNED).count() > recent.filter(status=Status.RETURNED).count()
    assert Dossier.objects.filter(status__in=[Status.NEW_ONLINE, Status.PROCESSING, Status.RECEIVED]).exists()


def test_returned_dossiers_get_ratings_with_the_criteria_in_force(world):
    # given the rating criteria of the feedback app
    from antt.feedback.loaders import load_rating_criteria
    from antt.feedback.models import Rating, RatingAnswer, RatingCriterion

    load_rating_criteria()

    # when
    _generate()

    # then about a third of the returned dossiers are rated, once, after their return
    returned = Dossier.objects.filter(status=Status.RETURNED)
    ratings = list(Rating.objects.select_related("dossier"))
    assert 0.2 * returned.count() < len(ratings) < 0.5 * returned.count()
    n_criteria = RatingCriterion.objects.count()
    for r in ratings:
        assert r.dossier.status == Status.RETURNED and r.created_at > r.dossier.returned_at
        assert (r.unit_id, r.procedure_id, r.field_id) == (
            r.dossier.unit_id,
            r.dossier.procedure_id,
            r.dossier.field_id,
        )
        assert r.total_points <= r.max_points and r.overall_level
    assert RatingAnswer.objects.count() == len(ratings) * n_criteria
    satisfied = sum(r.satisfied for r in ratings)
    assert satisfied > 0.7 * len(ratings)

    # and --replace removes them with their dossiers
    _generate(replace=True)
    assert Rating.objects.filter(dossier__in=demo_dossiers()).count() == Rating.objects.count()


@pytest.mark.postgres
@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="the fast load (indexes and keys rebuilt after COPY) is PostgreSQL's",
)
def test_fast_load_rebuilds_indexes_and_keys_after_the_copy(world):
    # given the indexes and constraints of the dossier tables
    from django.db import connection

    def schema():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
                [["dossiers_dossier", "dossiers_dossierstep", "dossiers_dossierevent"]],
            )
            indexes = [r[0] for r in cur.fetchall()]
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
                [["dossiers_dossier", "dossiers_dossierstep", "dossiers_dossierevent"]],
            )
            return indexes, cur.fetchall()

    before = schema()

    # when a run takes the fast path
    DemoGenerator(GenerateOptions(months=1, per_month=300, until=UNTIL, fast_load_from=1)).run()

    # then the same indexes and constraints are back, and the rows are there
    assert schema() == before
    expected = sum(round(MONTHLY_VOLUMES[f] * 300 / SEED_MONTHLY_TOTAL) for f in ("cu-tru", "xuat-nhap-canh"))
    assert Dossier.objects.count() == expected
    assert DossierEvent.objects.count() > Dossier.objects.count()
