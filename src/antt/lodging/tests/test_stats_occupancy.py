"""Nightly occupancy (`occupancy.compute_day`) on a hand-built night: who is present, rooms from
Room rows or the establishment, distinct rooms, foreigners, idempotent upsert, one GROUP BY."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from antt.lodging import occupancy
from antt.lodging.models import Declaration, OccupancyDay, Room
from antt.lodging.tests.factories import VN, lodging_world, make_declaration

pytestmark = pytest.mark.django_db
NIGHT = date(2026, 3, 10)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=VN)


@pytest.fixture
def w(settings):
    world = lodging_world(settings)
    h = world.hotel
    # present on the night of 10/03
    make_declaration(h, room="101", arrived_at=at(9, 14))  # still staying
    make_declaration(h, room="101", arrived_at=at(9, 14))  # same room: one room, two guests
    make_declaration(h, room="102", nationality="KOR", arrived_at=at(10, 23, 50))  # late arrival
    make_declaration(
        h, room="103", arrived_at=at(8, 12), departed_at=at(10, 23, 59), state=Declaration.State.DEPARTED
    )  # leaves at 23:59: still there
    make_declaration(h, room="", nationality="USA", arrived_at=at(10, 9))  # no room given: a guest only
    # not present
    make_declaration(h, room="104", arrived_at=at(8, 12), departed_at=at(10, 11), state=Declaration.State.DEPARTED)
    make_declaration(h, room="105", arrived_at=at(11, 0, 5))  # arrives after the night
    make_declaration(h, room="106", arrived_at=at(9, 15), state=Declaration.State.CANCELLED)
    make_declaration(h, room="107", arrived_at=at(9, 15), is_current=False)  # an old row of a stay
    # the hotel entered 3 active rooms (and one out of use); hotel_b entered none (8 in its file)
    for number, active in (("101", True), ("102", True), ("103", True), ("999", False)):
        Room.objects.create(establishment=h, number=number, is_active=active)
    return world


def test_a_hand_built_night(w):
    # when the night is computed
    with CaptureQueriesContext(connection) as ctx:
        written = occupancy.compute_day(NIGHT)
    # then every lodging establishment has its row
    assert written == 2
    hotel = OccupancyDay.objects.get(establishment=w.hotel, day=NIGHT)
    assert (hotel.rooms, hotel.rooms_occupied, hotel.guests, hotel.foreign_guests) == (3, 3, 5, 2)
    assert (hotel.unit_id, hotel.area_id, hotel.lodging_kind) == (w.hotel.unit_id, w.hotel.area_id, "Khách sạn")
    empty = OccupancyDay.objects.get(establishment=w.hotel_b, day=NIGHT)
    assert (empty.rooms, empty.rooms_occupied, empty.guests) == (8, 0, 0)
    # and the stays were read with one GROUP BY
    grouped = [q for q in ctx.captured_queries if "lodging_declaration" in q["sql"]]
    assert len(grouped) == 1 and "GROUP BY" in grouped[0]["sql"].upper()


def test_computing_twice_changes_nothing_and_follows_new_data(w):
    occupancy.compute_day(NIGHT)
    first = list(OccupancyDay.objects.order_by("establishment_id").values())
    occupancy.compute_day(NIGHT)
    assert list(OccupancyDay.objects.order_by("establishment_id").values()) == first
    # a late declaration for that night updates the same row
    make_declaration(w.hotel_b, room="1", arrived_at=at(10, 20))
    occupancy.compute_day(NIGHT)
    assert OccupancyDay.objects.count() == 2
    assert OccupancyDay.objects.get(establishment=w.hotel_b, day=NIGHT).guests == 1


def test_a_range_backfills_every_day(w):
    assert occupancy.compute_range(date(2026, 3, 8), date(2026, 3, 11)) == 8
    by_day = dict(OccupancyDay.objects.filter(establishment=w.hotel).values_list("day", "guests"))
    # on the 11th the two guests of the 9th are gone: their expected departure (the factory's arrival
    # + 2 days) is that day and no departure was recorded; the three later arrivals are there
    assert by_day[date(2026, 3, 8)] == 2 and by_day[date(2026, 3, 11)] == 3


def test_an_unrecorded_departure_stops_counting_at_the_expected_departure_or_after_30_nights(w):
    h = w.hotel_b
    make_declaration(h, room="1", arrived_at=at(1, 12), expected_departure=date(2026, 3, 20))
    make_declaration(h, room="2", arrived_at=at(1, 12), expected_departure=None)
    occupancy.compute_range(date(2026, 3, 19), date(2026, 3, 20))
    by_day = dict(OccupancyDay.objects.filter(establishment=h).values_list("day", "guests"))
    assert by_day == {date(2026, 3, 19): 2, date(2026, 3, 20): 1}
    occupancy.compute_day(date(2026, 4, 5))  # 35 nights after arrival
    assert OccupancyDay.objects.get(establishment=h, day=date(2026, 4, 5)).guests == 0
