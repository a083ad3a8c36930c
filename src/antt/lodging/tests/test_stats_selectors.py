"""Lodging statistics (`selectors_stats`): guests and guest-nights by month × nationality, type and
commune on a hand-built set; cancelled stays left out; nights; the arrival month in Vietnam time;
occupancy from OccupancyDay; scoping (commune, province, exit-entry, no capability)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from antt.lodging import selectors_stats as stats
from antt.lodging.models import Declaration, OccupancyDay
from antt.lodging.tests.factories import VN, lodging_world, make_declaration
from antt.org.models import Role
from antt.org.tests.factories import make_officer

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def at(month: int, day: int, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


def stay(est, arrived, *, nationality="VNM", stats_nationality=None, departed=None, expected=None, **extra):
    """A stay's current row, as the services leave it (departed stays: state departed)."""
    extra.setdefault("state", Declaration.State.DEPARTED if departed else Declaration.State.STAYING)
    return make_declaration(
        est,
        nationality=nationality,
        stats_nationality=stats_nationality or nationality,
        arrived_at=arrived,
        departed_at=departed,
        expected_departure=expected,
        **extra,
    )


@pytest.fixture
def w(settings):
    return lodging_world(settings)


@pytest.fixture
def data(w):
    """Hotel (commune A, "Khách sạn") and guest house (commune B, "Nhà nghỉ"), March–April 2026."""
    # hotel, March: two Vietnamese (2 + 1 nights), one German with a "D" passport (5 nights)
    stay(w.hotel, at(3, 2), departed=at(3, 4, 11))
    stay(w.hotel, at(3, 10), departed=at(3, 10, 20))  # same day: counts 1 night
    stay(w.hotel, at(3, 20), nationality="D", stats_nationality="DEU", departed=at(3, 25, 9))
    # hotel, 31/03 23:30 local (16:30 UTC): a March arrival, still open, expected 03/04 → 3 nights
    stay(w.hotel, at(3, 31, 23, 30), nationality="KOR", expected=date(2026, 4, 3))
    # a cancelled stay is not counted
    stay(w.hotel, at(3, 5), state=Declaration.State.CANCELLED)
    # guest house, April: two Koreans (4 nights, and no expected departure: 1 night)
    stay(w.hotel_b, at(4, 1, 10), nationality="KOR", departed=at(4, 5, 6))
    stay(w.hotel_b, at(4, 2), nationality="KOR")
    # outside the period
    stay(w.hotel, at(5, 1))
    return w


def cells_of(table, code):
    (row,) = [r for r in table["rows"] if r["code"] == code]
    return row


def test_guests_and_nights_by_nationality_per_arrival_month(data):
    # when the province's figures are read by nationality for March–April
    table = stats.guests_by(stats.Scope.everything(), stats.Period.of(MARCH, APRIL), "nationality")
    # then each nationality has its guests and nights in its arrival month
    vnm, kor, deu = cells_of(table, "VNM"), cells_of(table, "KOR"), cells_of(table, "DEU")
    assert (vnm["cells"][0]["guests"], vnm["cells"][0]["nights"]) == (2, 3)
    assert (deu["name"], deu["cells"][0]["guests"], deu["cells"][0]["nights"]) == ("Đức", 1, 5)
    assert [(c["guests"], c["nights"]) for c in kor["cells"]] == [(1, 3), (2, 5)]
    # and the totals split foreigners from Vietnamese guests; the cancelled stay is left out
    assert table["total"] == {
        "guests": 6,
        "nights": 16,
        "foreign_guests": 4,
        "foreign_nights": 13,
        "vietnamese_guests": 2,
        "vietnamese_nights": 3,
    }
    assert [m["guests"] for m in table["month_totals"]] == [4, 2]
    # and rows come most guests first
    assert table["rows"][0]["code"] in ("KOR",)


def test_breakdowns_by_type_and_commune(data):
    period = stats.Period.of(MARCH, APRIL)
    by_type = stats.guests_by(stats.Scope.everything(), period, "type")
    by_commune = stats.guests_by(stats.Scope.everything(), period, "commune")
    assert {r["name"]: r["total"]["guests"] for r in by_type["rows"]} == {"Khách sạn": 4, "Nhà nghỉ": 2}
    assert {r["name"]: r["total"]["nights"] for r in by_commune["rows"]} == {
        "Phường Hạc Thành": 11,
        "Phường Hàm Rồng": 5,
    }
    assert cells_of(by_commune, data.area_b.code)["total"]["foreign_guests"] == 2


def test_one_grouped_query_whatever_the_rows(data):
    period = stats.Period.of(MARCH, APRIL)
    with CaptureQueriesContext(connection) as ctx:
        stats.guests_by(stats.Scope.everything(), period, "nationality")
    # one GROUP BY for the figures, one for the country names
    assert len(ctx.captured_queries) == 2
    assert "GROUP BY" in ctx.captured_queries[0]["sql"].upper()


def test_scoping_follows_the_units_of_the_officer(data, w):
    period = stats.Period.of(MARCH, APRIL)

    def guests(user):
        return stats.guests_by(stats.scope_for(user), period, "type")["total"]["guests"]

    # commune A sees its hotel, commune B its guest house, the province supervisor both
    assert guests(w.head_a) == 4
    assert guests(w.processor_b) == 2
    assert guests(w.supervisor) == 6
    # the exit-entry officer sees the foreign guests of the whole province, not the Vietnamese
    assert guests(w.pa08_officer) == 4
    # an officer without a unit sees nothing
    nobody = make_officer(None, role=Role.HEAD)
    assert guests(nobody) == 0


def test_without_the_capability_the_statistics_are_refused(w):
    with pytest.raises(PermissionDenied):
        stats.scope_for(w.receptionist_a)
    with pytest.raises(PermissionDenied):
        stats.scope_for(w.manager)


def test_period_limits():
    assert stats.Period.of(date(2026, 11, 15), date(2027, 2, 3)).months == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    with pytest.raises(ValueError):
        stats.Period.of(APRIL, MARCH)
    with pytest.raises(ValueError):
        stats.Period.of(date(2020, 1, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        stats.guests_by(stats.Scope.everything(), stats.Period.of(MARCH, MARCH), "passport")


def test_occupancy_trend_is_room_nights_occupied_over_room_nights(w):
    # given two nights of the hotel (20 rooms) and one of the guest house (8 rooms)
    def night(est, day, rooms, occupied, guests):
        OccupancyDay.objects.create(
            establishment=est,
            day=day,
            unit_id=est.unit_id,
            area_id=est.area_id,
            lodging_kind=est.lodging_kind,
            rooms=rooms,
            rooms_occupied=occupied,
            guests=guests,
            foreign_guests=1,
        )

    night(w.hotel, date(2026, 3, 1), 20, 10, 15)
    night(w.hotel, date(2026, 3, 2), 20, 5, 6)
    night(w.hotel_b, date(2026, 3, 1), 8, 8, 12)
    night(w.hotel_b, date(2026, 4, 1), 8, 2, 2)
    trend = stats.occupancy_trend(stats.Scope.everything(), stats.Period.of(MARCH, APRIL))
    kinds = {k["name"]: k["cells"] for k in trend["kinds"]}
    # then the hotel's March is 15 of 40 room-nights, the month's total 23 of 48
    assert kinds["Khách sạn"][0]["rate"] == pytest.approx(15 / 40)
    assert kinds["Khách sạn"][1]["rate"] is None
    assert trend["month_totals"][0]["rate"] == pytest.approx(23 / 48)
    assert trend["month_totals"][1]["rooms_occupied"] == 2
    # and commune B sees only its guest house
    scoped = stats.occupancy_trend(stats.scope_for(w.processor_b), stats.Period.of(MARCH, APRIL))
    assert [k["name"] for k in scoped["kinds"]] == ["Nhà nghỉ"]
    rows = stats.establishments_occupancy(stats.Scope.everything(), stats.Period.of(MARCH, APRIL))
    assert [r["name"] for r in rows] == [w.hotel_b.name, w.hotel.name]
