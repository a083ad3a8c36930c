"""`manage.py lodging_daily`: occupancy of yesterday or a backfill range, retention, partitions;
run twice = same result; bad options refused with a Vietnamese message."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from antt.lodging.models import Declaration, OccupancyDay
from antt.lodging.tests.factories import VN, lodging_world, make_declaration

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("lodging_daily", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return (
        list(OccupancyDay.objects.order_by("establishment_id", "day").values()),
        list(Declaration.objects.order_by("id").values_list("id", "full_name", "doc_number", "anonymised_at")),
    )


def test_twice_gives_the_same_result(settings):
    w = lodging_world(settings)
    yesterday = timezone.now().astimezone(VN).date() - timedelta(days=1)
    make_declaration(w.hotel, arrived_at=datetime.combine(yesterday, datetime.min.time(), VN) + timedelta(hours=14))
    long_ago = timezone.now() - timedelta(days=4 * 366)
    make_declaration(  # due for retention
        w.hotel, arrived_at=long_ago, departed_at=long_ago + timedelta(days=2), state=Declaration.State.DEPARTED
    )
    # when the job runs twice
    first_out = run()
    first = snapshot()
    second_out = run()
    # then the second run changes nothing
    assert snapshot() == first
    day = OccupancyDay.objects.get(establishment=w.hotel)
    assert (day.day, day.guests) == (yesterday, 1)
    assert "Công suất phòng ngày" in first_out and "Ẩn danh 1 lượt lưu trú" in first_out
    assert "Ẩn danh 0 lượt lưu trú" in second_out
    if connection.vendor == "postgresql":
        month = timezone.now().astimezone(VN).date().replace(day=1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"lodging_declaration_{month:%Y%m}"])
            assert cursor.fetchone()[0] is not None


def test_backfill_a_range(settings):
    w = lodging_world(settings)
    make_declaration(w.hotel, arrived_at=datetime(2026, 2, 27, 14, tzinfo=VN), expected_departure=date(2026, 3, 5))
    out = run("--from", "2026-02-27", "--to", "2026-03-02", "--no-retention")
    assert OccupancyDay.objects.filter(establishment=w.hotel, guests=1).count() == 4
    assert "từ 27/02/2026 đến 02/03/2026" in out and "Bỏ qua ẩn danh" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--from", "2026-13-01"),
        ("--from", "abc"),
        ("--to", "2026-03-01"),
        ("--from", "2026-03-02", "--to", "2026-03-01"),
        ("--from", "2020-01-01", "--to", "2025-01-01"),
        ("--from", "2999-01-01"),
    ],
)
def test_bad_options_are_refused(db, args):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert str(exc.value)
