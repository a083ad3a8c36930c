"""Nightly occupancy (`OccupancyDay`): rooms occupied and guests present at every lodging
establishment on one night, the figures the occupancy statistics read (no personal data).

For the night of `day` (Vietnam time), a stay is **present** when its current row
* arrived before the end of the day (arrived_at < `day`+1 00:00),
* had not left before 23:59 of the day: departed_at ≥ `day` 23:59, or, still open, its expected
  departure is after `day` (or not given),
* arrived at most `MAX_NIGHTS` nights before (a stay of more than 30 days is a temporary residence
  to register, Luật Cư trú 2020 Art. 27(1)), so a departure the establishment never recorded
  stops counting at the expected departure, or after 30 nights — not forever,
* is not cancelled.

Per establishment with a lodging line (`BusinessLine.is_lodging`) that has not ceased trading:
`rooms` = its active `Room` rows, or `Establishment.rooms` when it entered none; `rooms_occupied`
= distinct rooms (non-blank) of the present stays; `guests` and `foreign_guests` (nationality not
VNM). Establishments without a guest get a row with zeros, so a month's average counts the empty
nights. The stays are read with one GROUP BY; the rows are upserted on (establishment, day), so
computing a day twice gives the same rows (idempotent; a backfill simply recomputes).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q

from antt.establishments.models import Establishment
from antt.lodging.models import Declaration, OccupancyDay, Room
from antt.lodging.selectors_stats import VIETNAM, VN

FIELDS = ("unit", "area", "lodging_kind", "rooms", "rooms_occupied", "guests", "foreign_guests")


def night_bounds(day: date) -> tuple[datetime, datetime]:
    """(end of the day = next local midnight, 23:59 of the day), aware."""
    return datetime.combine(day + timedelta(days=1), time(0), VN), datetime.combine(day, time(23, 59), VN)


def lodging_establishments():
    return (
        Establishment.objects.filter(lines__is_lodging=True)
        .exclude(status=Establishment.Status.CEASED)
        .distinct()
        .only("id", "unit_id", "area_id", "lodging_kind", "rooms")
    )


MAX_NIGHTS = 31


def present_stays(day: date):
    end, cut = night_bounds(day)
    still_open = Q(departed_at__isnull=True) & (Q(expected_departure__isnull=True) | Q(expected_departure__gt=day))
    return (
        Declaration.objects.filter(
            is_current=True, arrived_at__lt=end, arrived_at__gte=end - timedelta(days=MAX_NIGHTS)
        )
        .filter(still_open | Q(departed_at__gte=cut))
        .exclude(state=Declaration.State.CANCELLED)
        .order_by()
    )


def compute_day(day: date) -> int:
    """Write the OccupancyDay rows of `day` for every lodging establishment; return how many."""
    present = {
        r["establishment_id"]: r
        for r in present_stays(day)
        .values("establishment_id")
        .annotate(
            guests=Count("id"),
            foreign_guests=Count("id", filter=~Q(nationality=VIETNAM)),
            rooms_occupied=Count("room", distinct=True, filter=~Q(room="")),
        )
    }
    room_counts = dict(
        Room.objects.filter(is_active=True)
        .values("establishment_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("establishment_id", "n")
    )
    rows = []
    for e in lodging_establishments():
        p = present.get(e.pk, {})
        rows.append(
            OccupancyDay(
                establishment_id=e.pk,
                day=day,
                unit_id=e.unit_id,
                area_id=e.area_id,
                lodging_kind=e.lodging_kind,
                rooms=room_counts.get(e.pk) or e.rooms or 0,
                rooms_occupied=p.get("rooms_occupied", 0),
                guests=p.get("guests", 0),
                foreign_guests=p.get("foreign_guests", 0),
            )
        )
    with transaction.atomic():
        OccupancyDay.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["establishment", "day"],
            update_fields=list(FIELDS),
        )
    return len(rows)


def compute_range(first: date, last: date) -> int:
    """compute_day for every day of [first, last]; return the rows written."""
    total, day = 0, first
    while day <= last:
        total += compute_day(day)
        day += timedelta(days=1)
    return total
