"""The lodging data generator (`generate_lodging`): small runs on the test database."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from antt.establishments.tests.factories import make_establishment
from antt.lodging import generate
from antt.lodging.models import Declaration, DocumentType
from antt.lodging.tests.factories import lodging_world, make_declaration

pytestmark = pytest.mark.django_db


def run(n: int, *args) -> str:
    out = StringIO()
    call_command("generate_lodging", "--declarations", str(n), "--force", "--no-occupancy", *args, stdout=out)
    return out.getvalue()


def test_given_lodging_establishments_when_generating_then_realistic_rows_for_them_only():
    w = lodging_world()
    karaoke = make_establishment(w.est, name="Karaoke Ánh Dương", lines=["t-karaoke"])

    run(1500, "--months", "3")

    rows = list(generate.generated_declarations())
    assert len(rows) == 1500
    lodging = set(generate.lodging_establishments().values_list("id", flat=True))
    assert {w.hotel.pk, w.hotel_b.pk} <= lodging and karaoke.pk not in lodging
    assert {r.establishment_id for r in rows} <= lodging
    ids = [r.id for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(r.stay_id == r.id and r.kind == "arrival" and r.is_current for r in rows)
    now = timezone.now()
    assert all(now - timedelta(days=100) < r.arrived_at <= now for r in rows)
    # units and areas are the establishment's
    units = dict(generate.lodging_establishments().values_list("id", "unit_id"))
    assert all(r.unit_id == units[r.establishment_id] for r in rows)
    # stays: departed ones have left after arriving, staying ones are expected to leave later
    for r in rows:
        assert 1 <= (r.expected_departure - timezone.localtime(r.arrived_at).date()).days <= 5
        if r.state == "departed":
            assert r.departed_at is not None and r.departed_at > r.arrived_at
        else:
            assert r.state == "staying" and r.departed_at is None
    # names with diacritics, folded alongside
    assert any(re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", r.full_name.lower()) for r in rows)
    assert all(r.name_folded == r.name_folded.lower() and "đ" not in r.name_folded for r in rows)
    # about 8 % foreigners, with visa/entry data; the rest Vietnamese
    foreign = [r for r in rows if r.nationality != "VNM"]
    assert 0.04 < len(foreign) / len(rows) < 0.13
    assert all(r.port_of_entry and r.entry_date and r.visa_kind for r in foreign)
    # late declarations: about 3 %, flagged against the deadline
    late = [r for r in rows if r.is_late]
    assert 0.01 < len(late) / len(rows) < 0.06
    assert all((r.declared_at > r.due_at) == r.is_late for r in rows)
    assert all(r.declared_at >= r.arrived_at for r in rows)


def test_given_generated_rows_then_document_numbers_fit_their_type():
    lodging_world()
    run(800, "--months", "2")

    patterns = {t.code: re.compile(t.number_pattern) for t in DocumentType.objects.exclude(number_pattern="")}
    rows = list(generate.generated_declarations().values_list("doc_type", "doc_number", "nationality"))
    assert rows
    for doc_type, number, nationality in rows:
        assert doc_type in patterns
        assert patterns[doc_type].match(number), (doc_type, number)
        kind = DocumentType.objects.get(code=doc_type)
        assert kind.for_vietnamese if nationality == "VNM" else kind.for_foreigners
    assert sum(1 for t, _n, _c in rows if t == "CCCD") > len(rows) * 0.6


def test_given_rooms_of_the_establishment_then_guests_are_in_those_rooms():
    w = lodging_world()
    from antt.lodging.models import Room

    for number in ("A1", "A2", "A3"):
        Room.objects.create(establishment=w.hotel, number=number)

    run(300, "--months", "1")

    rooms = set(generate.generated_declarations().filter(establishment=w.hotel).values_list("room", flat=True))
    assert rooms and rooms <= {"A1", "A2", "A3"}


def test_given_generated_rows_when_if_empty_then_nothing_more_and_replace_regenerates():
    lodging_world()
    run(200, "--months", "1")
    first_ids = set(generate.generated_declarations().values_list("id", flat=True))

    out = run(200, "--months", "1", "--if-empty")

    assert "không sinh thêm" in out
    assert set(generate.generated_declarations().values_list("id", flat=True)) == first_ids
    run(150, "--months", "1", "--replace")
    again = set(generate.generated_declarations().values_list("id", flat=True))
    assert len(again) == 150 and not (again & first_ids)


def test_given_a_declaration_of_the_services_when_if_empty_then_it_still_generates_and_replace_keeps_it():
    w = lodging_world()
    mine = make_declaration(w.hotel)

    run(100, "--months", "1", "--if-empty")
    run(100, "--months", "1", "--replace")

    assert generate.generated_declarations().count() == 100
    assert Declaration.objects.filter(pk=mine.pk).exists()


def test_given_the_same_seed_then_the_same_guests():
    lodging_world()
    run(120, "--months", "1", "--seed", "7")
    first = list(generate.generated_declarations().order_by("id").values_list("full_name", "doc_number"))
    run(120, "--months", "1", "--seed", "7", "--replace")
    second = list(generate.generated_declarations().order_by("id").values_list("full_name", "doc_number"))
    assert first == second


def test_given_no_lodging_establishment_then_a_clear_refusal():
    from antt.lodging.loaders import load_rules

    load_rules()
    with pytest.raises(CommandError, match="Chưa có cơ sở kinh doanh dịch vụ lưu trú"):
        run(10)


def test_given_debug_off_then_refused_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="ANTT_DEBUG"):
        call_command("generate_lodging", "--declarations", "10", stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only")
def test_given_postgresql_when_a_month_is_loaded_fast_then_its_partition_has_the_rows_and_the_indexes():
    lodging_world()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'lodging_declaration_202601'")
        before = cur.fetchone()[0]
    from antt.core.context import acting_as

    with acting_as(None, None):
        summary = generate.LodgingGenerator(
            generate.GenerateOptions(declarations=3000, months=2, fast_load_from=1, occupancy=False)
        ).run()

    assert summary.rows == 3000 and summary.fast_months
    with connection.cursor() as cur:
        for name in summary.fast_months:
            cur.execute(f"SELECT count(*), min(arrived_at), max(arrived_at) FROM {name}")  # noqa: S608 (generated partition names)
            n, lo, hi = cur.fetchone()
            month = name.rsplit("_", 1)[1]
            assert n > 0 and f"{lo:%Y%m}" == month == f"{hi:%Y%m}"
            cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [name])
            assert cur.fetchone()[0] == before  # the same indexes as any partition
        cur.execute("SELECT count(*) FROM lodging_declaration_default")
        assert cur.fetchone()[0] == 0
    assert Declaration.objects.count() == 3000
    # the full-text index answers a folded name through the parent
    name = Declaration.objects.values_list("name_folded", flat=True).first().split()[-1]
    assert Declaration.objects.extra(
        where=["to_tsvector('simple', name_folded) @@ plainto_tsquery('simple', %s)"], params=[name]
    ).exists()  # noqa: S610 (constant SQL, parameter bound)


def test_given_generated_stays_then_the_occupancy_rows_equal_what_compute_day_computes():
    from antt.lodging import occupancy
    from antt.lodging.models import OccupancyDay

    w = lodging_world()
    call_command("generate_lodging", "--declarations=400", "--months=1", "--force", stdout=StringIO())

    today = timezone.localdate()
    fields = ("establishment_id", "day", "rooms", "rooms_occupied", "guests", "foreign_guests")
    written = {r[:2]: r for r in OccupancyDay.objects.values_list(*fields)}
    assert {d for _e, d in written} >= {today - timedelta(days=20), today}
    assert sum(r[4] for r in written.values()) > 400  # stays of several nights
    for back in (15, 9, 4, 1, 0):
        day = today - timedelta(days=back)
        occupancy.compute_day(day)
        again = {r[:2]: r for r in OccupancyDay.objects.filter(day=day).values_list(*fields)}
        assert again == {k: v for k, v in written.items() if k[1] == day}, day
    assert (w.hotel.pk, today) in written
